//! The audit chain's files outside the database (B1; issue 19 §2): the
//! key the chain is sealed with, and the head file, the newest seal as a
//! signed anchor. The server rewrites the head each second, only forward:
//! a log that no longer reaches the head it wrote before is not covered by
//! a new one, and `audit verify` names where it ends.
//!
//! By default both sit in the data directory beside the erasure journal;
//! `--audit-key` puts the key elsewhere (a folder only the service reads,
//! a second disk). Every server of a register needs the same key.

use anyhow::{Context, bail};
use rekisteri_domain::audit_chain::{AuditAnchor, AuditKey};
use rekisteri_store::{DatabaseUrl, Store};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Where the register's audit key and head file are.
#[derive(Debug, Clone)]
pub struct AuditFiles {
    key: PathBuf,
    head: PathBuf,
}

impl AuditFiles {
    /// The key at `key` (default: `audit.key` in the data directory), the
    /// head file `audit.head` in the data directory.
    pub fn of(data_dir: &Path, key: Option<&Path>) -> Self {
        Self {
            key: key.map_or_else(|| data_dir.join("audit.key"), Path::to_path_buf),
            head: data_dir.join("audit.head"),
        }
    }

    pub fn key_path(&self) -> &Path {
        &self.key
    }

    pub fn head_path(&self) -> &Path {
        &self.head
    }

    /// The key from its file.
    pub fn key(&self) -> anyhow::Result<AuditKey> {
        let text = std::fs::read_to_string(&self.key).with_context(|| {
            format!(
                "cannot read the audit key {0}: give the register's key with --audit-key / \
                 lokiavainta {0} ei voi lukea",
                self.key.display()
            )
        })?;
        AuditKey::parse_file(&text)
            .with_context(|| format!("{} / lokiavain ei kelpaa", self.key.display()))
    }

    /// Opens the register with its key; a register without a key yet gets
    /// one, written to its file (0600, never over another) before the
    /// register records its id. A refused key file made here goes again.
    pub async fn open(&self, url: &DatabaseUrl) -> anyhow::Result<Store> {
        let made = !self.key.exists() && self.place_key(&AuditKey::generate())?;
        match Store::open(url, self.key()?).await {
            Ok(store) => Ok(store),
            Err(error) => {
                if made {
                    let _ = std::fs::remove_file(&self.key);
                }
                Err(error).context("cannot open the database / tietokantaa ei voi avata")
            }
        }
    }

    /// Opens the register only to verify its chain: nothing is sealed.
    pub async fn open_to_verify(&self, url: &DatabaseUrl) -> anyhow::Result<Store> {
        Store::open_to_verify(url, self.key()?)
            .await
            .context("cannot open the database / tietokantaa ei voi avata")
    }

    /// Writes `key` as the key file, whole or not at all: a private file
    /// beside it, synced, then linked to the key's name, which fails if
    /// another process placed a key first (answers false; that key is the
    /// register's).
    pub fn place_key(&self, key: &AuditKey) -> anyhow::Result<bool> {
        if let Some(dir) = self.key.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private::private_dir(dir)?;
        }
        let partial = unique_beside(&self.key);
        let written = (|| {
            let mut file = crate::private::private_file(&partial)?;
            file.write_all(key.file_text().as_bytes())?;
            file.sync_all()?;
            anyhow::Ok(())
        })();
        let placed = written.and_then(|()| match std::fs::hard_link(&partial, &self.key) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e).with_context(|| {
                format!(
                    "cannot write the audit key {} / lokiavainta ei voi kirjoittaa",
                    self.key.display()
                )
            }),
        });
        let _ = std::fs::remove_file(&partial);
        placed
    }

    /// The head written before, if any (its signature checked).
    pub fn read_head(&self, key: &AuditKey) -> anyhow::Result<Option<AuditAnchor>> {
        match std::fs::read_to_string(&self.head) {
            Ok(text) => Ok(Some(AuditAnchor::parse(text.trim(), key).with_context(
                || format!("{} / lokin päätiedosto ei kelpaa", self.head.display()),
            )?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", self.head.display())),
        }
    }

    /// Writes the newest seal as the head, if it moved forward from the
    /// head written before; refuses when the log no longer reaches that,
    /// before anything is sealed. One process at a time (a lock file
    /// beside it), each with its own work file.
    pub async fn write_head(&self, store: &Store) -> anyhow::Result<()> {
        let key = store.audit_key();
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.head.with_extension("head.lock"))
            .with_context(|| format!("cannot lock {}", self.head.display()))?;
        lock.lock()
            .with_context(|| format!("cannot lock {}", self.head.display()))?;
        let before = self.read_head(key)?;
        if let Some(before) = &before
            && !store.audit_reaches(before).await?
        {
            bail!(
                "the audit log no longer reaches entry {} of its head file {}: the head is kept and \
                 nothing is sealed; run `rekisteri audit verify` / lokiketju ei enää yllä \
                 päätiedostoonsa",
                before.seq,
                self.head.display()
            );
        }
        let Some(now) = store.audit_anchor().await? else {
            return Ok(());
        };
        if let Some(before) = &before
            && (now.seq <= before.seq)
        {
            return Ok(());
        }
        let partial = unique_beside(&self.head);
        let written = (|| {
            let mut file = crate::private::private_file(&partial)?;
            writeln!(file, "{}", now.line(key))?;
            file.sync_all()?;
            std::fs::rename(&partial, &self.head)
                .with_context(|| format!("cannot write {}", self.head.display()))
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        written
    }

    /// Keeps the head file current while the server runs: each second.
    pub fn keep_head(self: Arc<Self>, store: Store) {
        tokio::spawn(async move {
            let mut said = false;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                match self.write_head(&store).await {
                    Ok(()) => said = false,
                    // Said once, not each second; ids and counts only.
                    Err(error) if !said => {
                        tracing::error!(error = %format!("{error:#}"), "the audit head file was not written");
                        said = true;
                    }
                    Err(_) => {}
                }
            }
        });
    }
}

/// A work file's name beside `path`, this process's own.
fn unique_beside(path: &Path) -> PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.partial", std::process::id()))
}

/// The anchors of a file the admin kept (lines `rekisteri audit anchor`
/// printed); each must carry the key's signature.
pub fn read_anchors(path: &Path, key: &AuditKey) -> anyhow::Result<Vec<AuditAnchor>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} / tiedostoa ei voi lukea", path.display()))?;
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .enumerate()
        .map(|(i, line)| {
            AuditAnchor::parse(line, key)
                .with_context(|| format!("{} line {} / rivi {}", path.display(), i + 1, i + 1))
        })
        .collect()
}
