//! Backups that never bring the erased back (B2).
//!
//! A backup file is one line `REKISTERI-BACKUP 1`, one JSON line of its
//! [`BackupManifest`], then the database's copy: SQLite's `VACUUM INTO`
//! file (consistent while the server runs) or PostgreSQL's `pg_dump`
//! archive (custom format, taken with the register's URL). With a
//! passphrase or age recipients the whole file is age-encrypted.
//!
//! A restore goes into an empty data directory or database only, and then
//! replays every erasure journal entry after the backup's place before the
//! register can be served: SQLite's copy is put in place only after the
//! replay, PostgreSQL's is marked as replaying until it is done, and
//! `serve` refuses both a replaying register and one the journal is ahead
//! of. Per-person keys (crypto-shredding) are not used: the journal is the
//! one mechanism, and it also covers what a key could not (a record
//! deleted by retention, a tombstone to lay).

mod file;
mod postgres;

use crate::journal::ErasureJournal;
use anyhow::{Context, bail};
pub use file::{Seal, Unseal};
use rekisteri_domain::Clock;
use rekisteri_domain::audit_chain::AuditKey;
use rekisteri_domain::backup::BackupManifest;
use rekisteri_store::{Backend, DatabaseUrl, Store};
use std::path::{Path, PathBuf};

/// A file beside `path` for work in progress, made private and empty.
fn beside(path: &Path, suffix: &str) -> anyhow::Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "rekisteri-backup".into());
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let work = dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(format!(".{name}.{suffix}"));
    crate::private::private_file(&work)?;
    Ok(work)
}

/// Takes a backup of the register into `out`. The journal file is brought
/// up to date first, and the backup's place in it is read before the copy,
/// so a restore replays every later entry (an entry both in the copy and
/// replayed is skipped).
pub async fn create(
    store: &Store,
    url: &DatabaseUrl,
    journal: &ErasureJournal,
    clock: &dyn Clock,
    out: &Path,
    seal: &Seal,
) -> anyhow::Result<BackupManifest> {
    journal.append_pending(store).await?;
    let taken_at = clock.now();
    let point = store.copy_point().await?;
    let copy = beside(out, "copy")?;
    let copied = match url.backend() {
        Backend::Sqlite => store
            .copy_sqlite_into(&copy)
            .await
            .context("the database could not be copied / tietokantaa ei voitu kopioida"),
        Backend::Postgres => postgres::dump(url, &copy),
    };
    let written = copied.and_then(|()| {
        let (bytes, sha256) = file::digest(&copy)?;
        let manifest = BackupManifest {
            backend: backend_code(url.backend()).into(),
            taken_at,
            schema_version: point.schema_version,
            journal_seq: point.journal_seq,
            audit_seq: point.audit_seq,
            payload_bytes: bytes,
            payload_sha256: sha256,
        };
        file::write(out, &manifest, &copy, seal)?;
        Ok(manifest)
    });
    let _ = std::fs::remove_file(&copy);
    written
}

fn backend_code(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: BackupManifest,
    /// Journal entries done again (those after the backup's place).
    pub replayed: u64,
}

/// Where a restore goes: the data directory's SQLite file, or a database.
pub enum Target<'a> {
    SqliteIn(&'a Path),
    Postgres(&'a DatabaseUrl),
}

/// Refuses a backup of a newer Rekisteri: its schema is unknown here.
fn known_schema(manifest: &BackupManifest) -> anyhow::Result<()> {
    let known = rekisteri_store::MIGRATIONS.last().map_or(0, |m| m.version);
    if manifest.schema_version > known {
        bail!(
            "the backup's schema is version {} and this Rekisteri knows up to {known}: restore it with a newer one / \
             varmuuskopion skeema on uudempi ({} > {known}): käytä uudempaa Rekisteriä",
            manifest.schema_version,
            manifest.schema_version
        );
    }
    Ok(())
}

/// Removes SQLite's write-ahead log files of `db` (a killed attempt's).
fn remove_wal(db: &Path) {
    for tail in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{tail}", db.display()));
    }
}

/// Restores `backup` into the empty `target`, then replays the journal.
/// A PostgreSQL restore cut short (its database marked as replaying) goes
/// on with the replay; an SQLite one starts again (its file was never put
/// in place).
pub async fn restore(
    backup: &Path,
    unseal: &Unseal,
    target: Target<'_>,
    journal: &ErasureJournal,
    key: &AuditKey,
    clock: &dyn Clock,
) -> anyhow::Result<Restored> {
    let entries = if journal.path().exists() {
        journal.read()?.entries
    } else {
        Vec::new()
    };
    match target {
        Target::SqliteIn(dir) => {
            let db = dir.join("rekisteri.db");
            if db.exists() {
                bail!(
                    "{} already holds a database: a restore goes into an empty data directory / \
                     hakemistossa on jo tietokanta: palauta tyhjään hakemistoon",
                    dir.display()
                );
            }
            crate::private::private_dir(dir)?;
            let work = dir.join("rekisteri.db.restoring");
            remove_wal(&work);
            crate::private::private_file(&work)?;
            let manifest = file::extract(backup, unseal, &work, "sqlite")?;
            known_schema(&manifest)?;
            let url = DatabaseUrl::parse(&format!("sqlite://{}?mode=rw", work.display()))?;
            let store = Store::open(&url, key.clone()).await?;
            let replayed = match replay(&store, &manifest, &entries, clock).await {
                Ok(n) => store.checkpoint().await.map(|()| n).map_err(Into::into),
                Err(e) => Err(e),
            };
            store.close().await;
            let replayed = replayed?;
            if std::fs::metadata(format!("{}-wal", work.display())).is_ok_and(|m| m.len() > 0) {
                bail!(
                    "the restored database's log was not folded in / palautetun tietokannan loki jäi kesken"
                );
            }
            remove_wal(&work);
            std::fs::rename(&work, &db).with_context(|| {
                format!(
                    "cannot put {} in place / tiedostoa ei voi siirtää paikalleen",
                    db.display()
                )
            })?;
            if let Ok(dir) = std::fs::File::open(dir) {
                let _ = dir.sync_all();
            }
            Ok(Restored { manifest, replayed })
        }
        Target::Postgres(url) => {
            let work = beside(backup, "restoring")?;
            let extracted = file::extract(backup, unseal, &work, "postgres");
            let resumed = match &extracted {
                Ok(_) => postgres::unfinished(url).await?,
                Err(_) => false,
            };
            let restored = extracted.and_then(|manifest| {
                known_schema(&manifest)?;
                Ok(manifest)
            });
            let restored = match restored {
                Ok(manifest) if resumed => Ok(manifest),
                Ok(manifest) => match postgres::ensure_empty(url).await {
                    Ok(()) => postgres::restore(url, &work).map(|()| manifest),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            let _ = std::fs::remove_file(&work);
            let manifest = restored?;
            let store = Store::open(url, key.clone()).await?;
            let replayed = replay(&store, &manifest, &entries, clock).await;
            store.close().await;
            Ok(Restored {
                manifest,
                replayed: replayed?,
            })
        }
    }
}

/// Replays the journal's entries after the backup's place, marked as a
/// restore in progress until every one is done.
async fn replay(
    store: &Store,
    manifest: &BackupManifest,
    entries: &[rekisteri_domain::backup::JournalEntry],
    clock: &dyn Clock,
) -> anyhow::Result<u64> {
    let id = match store.unfinished_restore().await? {
        Some((id, _)) => id,
        None => {
            let id = rekisteri_domain::ids::SweepId::new(clock.now()).to_string();
            store
                .begin_restore(&id, clock.now(), manifest.taken_at, manifest.journal_seq)
                .await?;
            id
        }
    };
    let actor = crate::services::jobs::system();
    let mut replayed = 0;
    for entry in entries.iter().filter(|e| e.seq > manifest.journal_seq) {
        if store.replay(&actor, clock.now(), entry).await? {
            replayed += 1;
        }
    }
    store
        .finish_restore(&id, clock.now(), replayed as i64)
        .await?;
    Ok(replayed)
}

/// What `verify` found.
#[derive(Debug, Clone)]
pub struct Verified {
    pub manifest: BackupManifest,
    /// SQLite: the copy's audit entries checked; PostgreSQL: the archive's
    /// table entries listed.
    pub checked: u64,
}

/// Reads the whole backup: its manifest, its copy's length and SHA-256,
/// and then the copy itself (SQLite: opened, integrity-checked and its
/// audit chain verified; PostgreSQL: listed by `pg_restore`).
pub async fn verify(backup: &Path, unseal: &Unseal, key: &AuditKey) -> anyhow::Result<Verified> {
    let work = beside(backup, "verifying")?;
    let result = verify_into(backup, unseal, key, &work).await;
    for tail in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{tail}", work.display()));
    }
    result
}

async fn verify_into(
    backup: &Path,
    unseal: &Unseal,
    key: &AuditKey,
    work: &Path,
) -> anyhow::Result<Verified> {
    let manifest = file::extract(backup, unseal, work, "")?;
    let checked = match manifest.backend.as_str() {
        "sqlite" => {
            let url = DatabaseUrl::parse(&format!("sqlite://{}?mode=rw", work.display()))?;
            let store = Store::open_to_verify(&url, key.clone()).await?;
            let integrity = store.integrity().await;
            let report = store.verify_audit().await;
            store.close().await;
            let integrity = integrity?;
            if integrity != "ok" {
                bail!(
                    "the copy fails SQLite's integrity check / kopio ei läpäise eheystarkistusta: {integrity}"
                );
            }
            let report = report?;
            if let Some((seq, why)) = report.first_broken {
                bail!(
                    "the copy's audit log is broken at entry {seq} / kopion loki on rikki merkinnän {seq} kohdalla: {why}"
                );
            }
            report.entries
        }
        "postgres" => postgres::list(work)?,
        other => bail!("unknown backend {other} / tuntematon tietokanta {other}"),
    };
    Ok(Verified { manifest, checked })
}
