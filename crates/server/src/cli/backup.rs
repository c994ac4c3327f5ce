//! `rekisteri backup create|restore|verify` (B2). `create` runs beside a
//! serving register; `restore` goes into an empty data directory or
//! database and replays the erasure journal before the register can be
//! served; `verify` reads a backup whole. A passphrase is read from a file
//! or `REKISTERI_BACKUP_PASSPHRASE`, never from the command line.

use crate::audit_files::AuditFiles;
use crate::backup::{self, Seal, Target, Unseal};
use crate::journal::ErasureJournal;
use age::secrecy::SecretString;
use anyhow::{Context, bail};
use clap::Subcommand;
use rekisteri_domain::Clock;
use rekisteri_store::{DatabaseUrl, Store};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Copy the register into FILE (consistent while the server runs).
    Create {
        /// The backup file to write (owner-only).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// Encrypt to this age public key (`age1…`); repeat for several.
        #[arg(long = "recipient")]
        recipients: Vec<String>,
    },
    /// Restore FILE into an empty data directory or database, then do
    /// again every erasure and retention action the journal holds after it.
    Restore {
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        /// An age identity file (`AGE-SECRET-KEY-1…`) for a backup
        /// encrypted to recipients.
        #[arg(long)]
        identity: Option<PathBuf>,
        /// Restore although the erasure journal file is not there (it was
        /// lost): erasures made after the backup are then not done again.
        #[arg(long)]
        no_journal: bool,
    },
    /// Read FILE whole: its manifest, its copy's checksum, and the copy.
    Verify {
        file: PathBuf,
        #[command(flatten)]
        key: KeyArgs,
        #[arg(long)]
        identity: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct KeyArgs {
    /// A file whose first line is the passphrase (age, scrypt).
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
}

impl KeyArgs {
    fn passphrase(&self) -> anyhow::Result<Option<SecretString>> {
        if let Some(path) = &self.passphrase_file {
            let text = std::fs::read_to_string(path).with_context(|| {
                format!(
                    "cannot read the passphrase file {} / salasanatiedostoa ei voi lukea",
                    path.display()
                )
            })?;
            let line = text.lines().next().unwrap_or("").trim_end().to_string();
            if line.is_empty() {
                bail!(
                    "the passphrase file {} is empty / salasanatiedosto on tyhjä",
                    path.display()
                );
            }
            return Ok(Some(SecretString::from(line)));
        }
        Ok(std::env::var("REKISTERI_BACKUP_PASSPHRASE")
            .ok()
            .filter(|p| !p.is_empty())
            .map(SecretString::from))
    }

    fn unseal(&self, identity: Option<&Path>) -> anyhow::Result<Unseal> {
        if let Some(path) = identity {
            let file =
                age::IdentityFile::from_file(path.display().to_string()).with_context(|| {
                    format!(
                        "cannot read the identity file {} / avaintiedostoa ei voi lukea",
                        path.display()
                    )
                })?;
            let identities = file
                .into_identities()
                .context("the identity file holds no usable key / avaintiedostossa ei ole käyttökelpoista avainta")?;
            return Ok(Unseal::Identities(identities));
        }
        Ok(self.passphrase()?.map_or(Unseal::None, Unseal::Passphrase))
    }
}

/// After a restore: the key beside the restored register when it came
/// from elsewhere, and the head file of the lost register set aside (the
/// restored log ends before it, by design, not by tampering).
fn keep_with_restored(data_dir: &Path, audit: &AuditFiles) -> anyhow::Result<()> {
    let here = AuditFiles::of(data_dir, None);
    if !here.key_path().exists() && here.key_path() != audit.key_path() {
        here.place_key(&audit.key()?)?;
    }
    if audit.head_path().exists() {
        let aside = audit.head_path().with_extension("head.before-restore");
        std::fs::rename(audit.head_path(), &aside)?;
        println!(
            "the head file of the register before the restore is kept as {} / \
             palautusta edeltävän rekisterin päätiedosto säilytetään nimellä {}",
            aside.display(),
            aside.display()
        );
    }
    Ok(())
}

/// The journal the arguments name.
pub fn journal_of(data_dir: &Path, path: Option<&Path>) -> ErasureJournal {
    match path {
        Some(path) => ErasureJournal::at(path),
        None => ErasureJournal::in_data_dir(data_dir),
    }
}

/// `create`, on the open register.
pub async fn create(
    store: &Store,
    url: &DatabaseUrl,
    journal: &ErasureJournal,
    clock: &dyn Clock,
    command: &BackupCommand,
) -> anyhow::Result<()> {
    let BackupCommand::Create {
        out,
        key,
        recipients,
    } = command
    else {
        bail!("not a backup's creation");
    };
    let seal = if !recipients.is_empty() {
        let parsed = recipients
            .iter()
            .map(|r| {
                r.parse::<age::x25519::Recipient>().map_err(|e| {
                    anyhow::anyhow!("--recipient {r}: {e} / vastaanottajan avain ei kelpaa")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Seal::Recipients(parsed)
    } else {
        key.passphrase()?.map_or(Seal::None, Seal::Passphrase)
    };
    let manifest = backup::create(store, url, journal, clock, out, &seal).await?;
    let sealed = match seal {
        Seal::None => "not encrypted / salaamaton",
        _ => "encrypted / salattu",
    };
    println!(
        "backup written to {} ({} bytes of {}, {sealed}; journal entry {}, audit entry {}) / \
         varmuuskopio kirjoitettu",
        out.display(),
        manifest.payload_bytes,
        manifest.backend,
        manifest.journal_seq,
        manifest.audit_seq
    );
    Ok(())
}

/// `restore` and `verify`, which run before any register is opened.
pub async fn without_store(
    data_dir: &Path,
    database_url: Option<&str>,
    journal: &ErasureJournal,
    audit: &AuditFiles,
    clock: &dyn Clock,
    command: &BackupCommand,
) -> anyhow::Result<()> {
    match command {
        BackupCommand::Restore {
            file,
            key,
            identity,
            no_journal,
        } => {
            if !journal.path().exists() {
                if !no_journal {
                    bail!(
                        "no erasure journal at {0}: name the register's journal with --erasure-journal PATH \
                         (or restore with --no-journal if it is lost) / poistolokia ei ole polussa {0}: \
                         anna --erasure-journal POLKU (tai --no-journal, jos loki on kadonnut)",
                        journal.path().display()
                    );
                }
                eprintln!(
                    "warning: restoring without the erasure journal: erasures made after the backup are not done again / \
                     varoitus: palautetaan ilman poistolokia"
                );
            }
            let unseal = key.unseal(identity.as_deref())?;
            let url = database_url.map(DatabaseUrl::parse).transpose()?;
            let target = match &url {
                None => Target::SqliteIn(data_dir),
                Some(url) if url.backend() == rekisteri_store::Backend::Postgres => {
                    Target::Postgres(url)
                }
                Some(_) => bail!(
                    "restore SQLite into a data directory: give --data-dir, not a sqlite:// URL / \
                     palauta SQLite hakemistoon --data-dir"
                ),
            };
            let key = audit.key()?;
            let restored = backup::restore(file, &unseal, target, journal, &key, clock).await?;
            keep_with_restored(data_dir, audit)?;
            println!(
                "restored the backup of {} and replayed {} erasure journal entries after it ({}) / \
                 varmuuskopio palautettu ja {} poistolokin merkintää tehty uudelleen",
                restored.manifest.taken_at,
                restored.replayed,
                journal.path().display(),
                restored.replayed
            );
            Ok(())
        }
        BackupCommand::Verify {
            file,
            key,
            identity,
        } => {
            let unseal = key.unseal(identity.as_deref())?;
            let verified = backup::verify(file, &unseal, &audit.key()?).await?;
            let m = &verified.manifest;
            println!(
                "the backup is whole: {} taken {}, schema {}, {} bytes, SHA-256 matches; {} / \
                 varmuuskopio on eheä",
                m.backend,
                m.taken_at,
                m.schema_version,
                m.payload_bytes,
                match m.backend.as_str() {
                    "sqlite" => format!(
                        "the copy opens and its audit chain of {} entries verifies",
                        verified.checked
                    ),
                    _ => format!("pg_restore lists {} tables' data", verified.checked),
                }
            );
            Ok(())
        }
        BackupCommand::Create { .. } => bail!("a backup is created from an open register"),
    }
}
