//! The erasure journal in the database (B2). An erasure, anonymisation or
//! retention action writes its entry in its own transaction, with a job
//! that appends the entries to the journal file outside the database (the
//! server's `journal` module). A backup records the journal's last entry;
//! a restore replays the file's entries after it ([`Store::replay`]) with
//! the same numbers, so the two stay one sequence.

use crate::rows::{int, opt_text, text, ts};
use crate::{Backend, Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::backup::{JournalAction, JournalEntry};
use rekisteri_domain::ids::PersonId;
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

async fn insert(
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

fn from_row(row: &AnyRow) -> Result<JournalEntry, StoreError> {
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

impl Store {
    /// The journal's last entry (0 when none).
    pub async fn journal_head(&self) -> Result<i64, StoreError> {
        Ok(int(
            &sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM erasure_journal")
                .fetch_one(&self.read)
                .await?,
            "seq",
        )?)
    }

    /// Up to `limit` entries after `seq`, in order.
    pub async fn journal_after(
        &self,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        sqlx::query(
            "SELECT seq, at, action, record_type, record_id, tombstones, detail FROM erasure_journal \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(seq)
        .bind(limit)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// Does again, in a restored register, what the entry did after the
    /// backup was taken, in one transaction with the entry itself (so a
    /// replay cut short goes on where it stopped). No letter or notice
    /// goes again: they went when it was first done. False when the entry
    /// was already there.
    pub async fn replay(
        &self,
        actor: &Actor,
        now: Timestamp,
        entry: &JournalEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let there = sqlx::query("SELECT 1 AS one FROM erasure_journal WHERE seq = $1")
            .bind(entry.seq)
            .fetch_optional(&mut *tx)
            .await?;
        if there.is_some() {
            return Ok(false);
        }
        let at = entry.at;
        let id = entry.record_id.as_str();
        match entry.action {
            JournalAction::Erase | JournalAction::Anonymise => {
                let person: PersonId = id.parse().map_err(|_| {
                    StoreError::Config(format!("journal entry {}: not a person id", entry.seq))
                })?;
                let exists = sqlx::query("SELECT 1 AS one FROM people WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                if exists && entry.action == JournalAction::Erase {
                    crate::erasure::erase_rows(&mut tx, actor, at, person, None).await?;
                } else if exists {
                    crate::anonymise::anonymise_rows(&mut tx, actor, at, person, None).await?;
                }
                crate::tombstones::lay_hashes(&mut tx, at, &entry.tombstones, None).await?;
            }
            JournalAction::Delete => {
                crate::sweep::delete(&mut tx, &entry.record_type, id).await?;
            }
            JournalAction::Minimise => {
                crate::sweep::minimise(&mut tx, &entry.record_type, id, at).await?;
            }
            JournalAction::PaperDestroyed => {
                crate::paper::destroyed(&mut tx, actor, at, id, entry.detail.as_deref()).await?;
            }
        }
        audit::insert(
            &mut tx,
            &[actor.entry(
                now,
                AuditAction::Update,
                RecordType::RetentionRecord,
                format!("journal:{}", entry.seq),
                None,
            )],
        )
        .await?;
        insert(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
