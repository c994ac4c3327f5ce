//! The erasure journal's entries in the database (B2): an erasure,
//! anonymisation or retention action writes its entry in its own
//! transaction ([`write`]), with a job that appends the entries to the
//! journal file outside the database (the server's `journal` module). What
//! reads them back and replays them is `journal.rs`, above the actions.

use crate::rows::{int, opt_text, text, ts};
use crate::{Backend, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::backup::{JournalAction, JournalEntry};
use rekisteri_domain::job::Job;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};

/// The advisory lock that numbers the journal on PostgreSQL.
const LOCK: i64 = 7_464_729;

/// What one entry records, before it has its number.
pub(crate) struct Done<'a> {
    pub action: JournalAction,
    pub record_type: &'a str,
    pub record_id: String,
    pub tombstones: Vec<String>,
    pub detail: Option<String>,
}

/// Writes the entry inside the caller's transaction, with the job that
/// appends it to the journal file (one such job waits at a time).
pub(crate) async fn write(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    done: Done<'_>,
) -> Result<i64, StoreError> {
    if Backend::of(tx) == Backend::Postgres {
        // Two erasures at once: the second waits and takes the next number.
        sqlx::query(AssertSqlSafe(format!(
            "SELECT pg_advisory_xact_lock({LOCK})"
        )))
        .execute(&mut **tx)
        .await?;
    }
    let seq = int(
        &sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM erasure_journal")
            .fetch_one(&mut **tx)
            .await?,
        "seq",
    )?;
    insert(
        tx,
        &JournalEntry {
            seq,
            at,
            action: done.action,
            record_type: done.record_type.into(),
            record_id: done.record_id,
            tombstones: done.tombstones,
            detail: done.detail,
        },
    )
    .await?;
    let waiting =
        sqlx::query("SELECT 1 AS one FROM jobs WHERE kind = $1 AND state = 'pending' LIMIT 1")
            .bind(Job::AppendJournal.code())
            .fetch_optional(&mut **tx)
            .await?;
    if waiting.is_none() {
        crate::jobs::enqueue(tx, at, &Job::AppendJournal).await?;
    }
    Ok(seq)
}

pub(crate) async fn insert(
    tx: &mut Transaction<'static, Any>,
    entry: &JournalEntry,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO erasure_journal (seq, at, action, record_type, record_id, tombstones, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.seq)
    .bind(entry.at.micros())
    .bind(entry.action.code())
    .bind(entry.record_type.clone())
    .bind(entry.record_id.clone())
    .bind(entry.tombstones.join(" "))
    .bind(entry.detail.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) fn from_row(row: &AnyRow) -> Result<JournalEntry, StoreError> {
    let action = text(row, "action")?;
    Ok(JournalEntry {
        seq: int(row, "seq")?,
        at: ts(row, "at")?,
        action: JournalAction::from_code(&action)
            .ok_or_else(|| StoreError::Config(format!("unknown journal action {action}")))?,
        record_type: text(row, "record_type")?,
        record_id: text(row, "record_id")?,
        tombstones: text(row, "tombstones")?
            .split_whitespace()
            .map(String::from)
            .collect(),
        detail: opt_text(row, "detail")?,
    })
}
