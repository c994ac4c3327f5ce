//! Backups that never bring the erased back (B2), with no IO: the erasure
//! journal's entries and their one-line form, and a backup's manifest.
//!
//! Every erasure, anonymisation and retention action is one journal entry:
//! what was done to which record, by id, and the tombstone hashes an
//! erasure laid — never a value of the person. The entries are kept in the
//! database (a backup's place in the journal) and appended to the journal
//! file outside it; a restore replays every entry after the backup's place
//! before anyone is served.

use crate::Timestamp;
use crate::provenance::code_enum;
use serde::{Deserialize, Serialize};

code_enum!(
    /// What a journal entry did.
    JournalAction {
        /// The person erased (the erasure service's way).
        Erase = "erase",
        /// The person anonymised.
        Anonymise = "anonymise",
        /// A record deleted by retention (an order, invoice, case, tombstone).
        Delete = "delete",
        /// An accounting record minimised by retention.
        Minimise = "minimise",
        /// A paper document confirmed destroyed (its words gone).
        PaperDestroyed = "paper_destroyed",
    }
);

/// One entry of the erasure journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Its place: 1, 2, 3, … with no gaps.
    pub seq: i64,
    pub at: Timestamp,
    pub action: JournalAction,
    /// `person`, `order`, `invoice`, `request`, `tombstone`, `paper_document`.
    pub record_type: String,
    pub record_id: String,
    /// The keyed hashes an erasure laid as tombstones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tombstones: Vec<String>,
    /// A destroyed paper document's day (`YYYY-MM-DD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl JournalEntry {
    /// The entry as one line of the journal file (with its newline).
    pub fn line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

/// What a journal file holds: its whole entries in order, and whether it
/// ends in a torn line (a crash mid-append), which is left out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JournalText {
    pub entries: Vec<JournalEntry>,
    /// Bytes of whole lines: a torn tail starts here.
    pub whole_bytes: usize,
    pub torn: bool,
}

/// Why a journal file cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalFault {
    /// Line `line` is not an entry.
    Unreadable { line: usize },
    /// Line `line` holds entry `found` where `expected` belongs.
    OutOfTurn {
        line: usize,
        expected: i64,
        found: i64,
    },
}

impl std::fmt::Display for JournalFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable { line } => write!(
                f,
                "line {line} is not a journal entry / rivi {line} ei ole lokin merkintä"
            ),
            Self::OutOfTurn {
                line,
                expected,
                found,
            } => write!(
                f,
                "line {line} holds entry {found} where {expected} belongs / rivillä {line} on merkintä {found}, odotettiin {expected}"
            ),
        }
    }
}

/// Reads a journal file's text: entries numbered 1, 2, 3, … in order. A
/// last line without its newline is a torn append and is left out.
pub fn read_journal(text: &str) -> Result<JournalText, JournalFault> {
    let mut out = JournalText::default();
    let mut rest = text;
    let mut line_no = 0;
    while !rest.is_empty() {
        line_no += 1;
        let Some(end) = rest.find('\n') else {
            out.torn = true;
            break;
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        if !line.trim().is_empty() {
            let entry: JournalEntry = serde_json::from_str(line)
                .map_err(|_| JournalFault::Unreadable { line: line_no })?;
            let expected = out.entries.last().map_or(1, |e| e.seq + 1);
            if entry.seq != expected {
                return Err(JournalFault::OutOfTurn {
                    line: line_no,
                    expected,
                    found: entry.seq,
                });
            }
            out.entries.push(entry);
        }
        out.whole_bytes += end + 1;
    }
    Ok(out)
}

/// The first line of every backup file, before its manifest.
pub const BACKUP_MAGIC: &str = "REKISTERI-BACKUP 1";

/// What a backup holds, written as one JSON line after [`BACKUP_MAGIC`];
/// the database's copy follows it byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupManifest {
    /// `sqlite` (the database file) or `postgres` (a `pg_dump` archive).
    pub backend: String,
    pub taken_at: Timestamp,
    /// The newest migration applied.
    pub schema_version: i64,
    /// The journal's last entry in the copy: a restore replays those after.
    pub journal_seq: i64,
    /// The audit chain's last entry in the copy.
    pub audit_seq: i64,
    pub payload_bytes: u64,
    /// SHA-256 of the payload (hex).
    pub payload_sha256: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64) -> JournalEntry {
        JournalEntry {
            seq,
            at: Timestamp::from_micros(1_800_000_000_000_000),
            action: JournalAction::Erase,
            record_type: "person".into(),
            record_id: format!("p-{seq}"),
            tombstones: vec!["ab12".into()],
            detail: None,
        }
    }

    #[test]
    fn b2_a_journal_reads_back_what_was_written_and_leaves_a_torn_tail_out() {
        let text = format!("{}{}", entry(1).line(), entry(2).line());
        let read = read_journal(&text).unwrap();
        assert_eq!(read.entries, vec![entry(1), entry(2)]);
        assert!(!read.torn);
        assert_eq!(read.whole_bytes, text.len());
        let torn = format!("{text}{{\"seq\":3,\"at\"");
        let read = read_journal(&torn).unwrap();
        assert_eq!(read.entries.len(), 2);
        assert!(read.torn);
        assert_eq!(read.whole_bytes, text.len());
    }

    #[test]
    fn b2_a_journal_out_of_turn_or_unreadable_is_refused() {
        let gap = format!("{}{}", entry(1).line(), entry(3).line());
        assert_eq!(
            read_journal(&gap),
            Err(JournalFault::OutOfTurn {
                line: 2,
                expected: 2,
                found: 3
            })
        );
        assert_eq!(
            read_journal("not json\n"),
            Err(JournalFault::Unreadable { line: 1 })
        );
    }
}
