//! The erasure journal's file (B2): every erasure, anonymisation and
//! retention action, by id and tombstone hash only, one JSON line each,
//! appended after the database commits it (the `append_journal` job, and
//! `rekisteri backup create` before it copies the database).
//!
//! It lives outside the database, where no restore writes: `backup
//! restore` copies a database back and then reads this file to do again
//! what was done after the backup was taken. By default it is
//! `erasure-journal.jsonl` in the data directory (`--erasure-journal` puts
//! it elsewhere: another disk, a share every server writes to). Owner-only
//! (0600), like every file of the register.

use rekisteri_domain::backup::{JournalEntry, JournalText, read_journal};
use rekisteri_store::{Store, StoreError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Entries read from the database per round of appending.
const BATCH: i64 = 1_000;

/// How much of the file's end is read to find its last entry.
const TAIL_BYTES: u64 = 64 * 1024;

/// What went wrong with the journal file.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("the erasure journal {path}: {error} / poistolokia {path} ei voi käyttää: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("the erasure journal {path}: {fault}")]
    Fault { path: String, fault: String },
    #[error(
        "the erasure journal {path} holds entries up to {file} but the database only up to {database}: \
         the database was put back without replaying the journal; restore it with `rekisteri backup restore` / \
         poistoloki {path} on tietokantaa pidemmällä ({file} > {database}): tietokanta on palautettu ohi \
         `rekisteri backup restore` -komennon"
    )]
    Ahead {
        path: String,
        file: i64,
        database: i64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The journal file at one path.
#[derive(Debug)]
pub struct ErasureJournal {
    path: PathBuf,
    /// One append at a time within this process.
    appending: tokio::sync::Mutex<()>,
}

impl ErasureJournal {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            appending: tokio::sync::Mutex::new(()),
        }
    }

    /// The default place: in the data directory.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self::at(data_dir.join("erasure-journal.jsonl"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, error: std::io::Error) -> JournalError {
        JournalError::Io {
            path: self.path.display().to_string(),
            error,
        }
    }

    /// The whole file, checked (entries 1, 2, 3, … in order); an absent
    /// file is an empty journal.
    pub fn read(&self) -> Result<JournalText, JournalError> {
        let text = match std::fs::File::open(&self.path) {
            Ok(mut file) => {
                file.lock_shared().map_err(|e| self.io(e))?;
                let mut text = String::new();
                file.read_to_string(&mut text).map_err(|e| self.io(e))?;
                text
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(self.io(e)),
        };
        read_journal(&text).map_err(|fault| JournalError::Fault {
            path: self.path.display().to_string(),
            fault: fault.to_string(),
        })
    }

    /// The file's last whole entry, and where its whole lines end: the end
    /// is read first, then all of it when a line is longer than that.
    fn tail(&self, file: &mut std::fs::File) -> Result<(i64, u64), JournalError> {
        let len = file.metadata().map_err(|e| self.io(e))?.len();
        let mut from = len.saturating_sub(TAIL_BYTES);
        loop {
            file.seek(SeekFrom::Start(from)).map_err(|e| self.io(e))?;
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).map_err(|e| self.io(e))?;
            let Some(end) = bytes.iter().rposition(|b| *b == b'\n') else {
                if from > 0 {
                    from = 0;
                    continue;
                }
                // No whole line at all: an empty file, or one torn line.
                return Ok((0, 0));
            };
            let whole = &bytes[..end];
            let start = match whole.iter().rposition(|b| *b == b'\n') {
                Some(i) => i + 1,
                None if from > 0 => {
                    from = 0;
                    continue;
                }
                None => 0,
            };
            let last = serde_json::from_slice::<JournalEntry>(&whole[start..])
                .map(|e| e.seq)
                .map_err(|_| JournalError::Fault {
                    path: self.path.display().to_string(),
                    fault: "its last line is not a journal entry / viimeinen rivi ei ole merkintä"
                        .into(),
                })?;
            return Ok((last, from + end as u64 + 1));
        }
    }

    /// Refuses a database behind the file's last entry.
    fn not_ahead(&self, last: i64, head: i64) -> Result<(), JournalError> {
        if last > head {
            return Err(JournalError::Ahead {
                path: self.path.display().to_string(),
                file: last,
                database: head,
            });
        }
        Ok(())
    }

    /// Appends the database's entries the file lacks, each written and
    /// synced before the next batch; answers how many. A torn last line (a
    /// crash mid-append) is cut off and written again.
    pub async fn append_pending(&self, store: &Store) -> Result<u64, JournalError> {
        let _one = self.appending.lock().await;
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        }
        let mut file = options.open(&self.path).map_err(|e| self.io(e))?;
        // Another process (a second server on a shared file, `backup
        // create`, a CLI erasure) may append at the same time: one at a
        // time, from reading the last entry to the sync. The lock goes with
        // the file when it closes.
        file.lock().map_err(|e| self.io(e))?;
        let (mut last, whole) = self.tail(&mut file)?;
        file.set_len(whole).map_err(|e| self.io(e))?;
        file.seek(SeekFrom::End(0)).map_err(|e| self.io(e))?;
        self.not_ahead(last, store.journal_head().await?)?;
        let mut appended = 0;
        loop {
            let entries = store.journal_after(last, BATCH).await?;
            let Some(newest) = entries.last().map(|e| e.seq) else {
                return Ok(appended);
            };
            let text: String = entries.iter().map(JournalEntry::line).collect();
            file.write_all(text.as_bytes()).map_err(|e| self.io(e))?;
            file.sync_data().map_err(|e| self.io(e))?;
            appended += entries.len() as u64;
            last = newest;
        }
    }

    /// Refuses a database behind the file (put back by hand, not replayed):
    /// serving it would bring the erased back.
    pub async fn check_not_ahead(&self, store: &Store) -> Result<(), JournalError> {
        let mut file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(self.io(e)),
        };
        file.lock_shared().map_err(|e| self.io(e))?;
        let (last, _) = self.tail(&mut file)?;
        self.not_ahead(last, store.journal_head().await?)
    }
}
