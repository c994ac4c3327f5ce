//! The audit log under retention (B1, R9). Rows older than the audit log's
//! period go only behind a checkpoint: the hash of the last row cut, when,
//! and by which sweep. The append-only trigger lets a row go only once a
//! checkpoint covers it, and `audit verify` starts from the newest one. The
//! checkpoint is written (with the sweep's item) before any row goes, and
//! the rows then go in batches, so a kill -9 midway leaves rows the
//! checkpoint already covers, which verify skips and the next cut removes.
//!
//! A checkpoint's hash is the chain's own at the cut, signed with the audit
//! key (see [`crate::audit_seal`]), so no one without the key can move the
//! chain's start; the seals it covers go with the rows.

use crate::audit_checkpoint::{AuditCheckpoint, first_uncut, latest};
use crate::retention::{SweepItem, record_item};
use crate::rows::opt_text;
use crate::{Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::SweepId;

/// Rows deleted per transaction.
const BATCH: i64 = 10_000;

/// Cuts the audit range `item` names (`FROM-LAST`): the checkpoint at
/// LAST with the sweep's item, then the rows in batches. Answers the rows
/// deleted, or `None` when a checkpoint already covers the range.
pub(crate) async fn cut(
    store: &Store,
    actor: &Actor,
    at: Timestamp,
    sweep: SweepId,
    item: &SweepItem,
) -> Result<Option<i64>, StoreError> {
    let last: i64 = item
        .record_id
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or(StoreError::NotFound)?;
    store.flush_audit().await?;
    let mut tx = store.backend.begin_write(&store.write).await?;
    if first_uncut(&mut tx).await? > last {
        return Ok(None);
    }
    let hash = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(last)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| opt_text(&r, "hash"))
        .transpose()?
        .flatten()
        .ok_or(StoreError::NotFound)?;
    sqlx::query(
        "INSERT INTO audit_checkpoints (through_seq, hash, rows_cut, cut_at, sweep_id, mac) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(last)
    .bind(hash.clone())
    .bind(item.rows_affected)
    .bind(at.micros())
    .bind(sweep.to_string())
    .bind(crate::audit_seal::checkpoint_mac(&store.audit_key, last, &hash))
    .execute(&mut *tx)
    .await?;
    audit::insert(
        &mut tx,
        &[actor.entry(
            at,
            AuditAction::Delete,
            RecordType::RetentionRecord,
            format!("audit_log:{}", item.record_id),
            None,
        )],
    )
    .await?;
    record_item(&mut tx, sweep, item).await?;
    tx.commit().await?;
    let mut rows = 0;
    loop {
        let gone = sqlx::query(
            "DELETE FROM audit_log WHERE seq IN (SELECT seq FROM audit_log WHERE seq <= $1 ORDER BY seq LIMIT $2)",
        )
        .bind(last)
        .bind(BATCH)
        .execute(&store.write)
        .await?
        .rows_affected() as i64;
        rows += gone;
        if gone < BATCH {
            break;
        }
    }
    // The seals of the rows cut: the signed checkpoint stands for them.
    sqlx::query("DELETE FROM audit_seals WHERE through_seq <= $1")
        .bind(last)
        .execute(&store.write)
        .await?;
    Ok(Some(rows))
}

impl Store {
    /// The newest audit checkpoint.
    pub async fn audit_checkpoint(&self) -> Result<Option<AuditCheckpoint>, StoreError> {
        let mut conn = self.read.acquire().await?;
        latest(&mut conn).await
    }
}
