//! The audit log under retention (B1, R9). Rows older than the audit log's
//! period go only behind a checkpoint: the hash of the last row cut, when,
//! and by which sweep. The append-only trigger lets a row go only once a
//! checkpoint covers it, and `audit verify` starts from the newest one. The
//! checkpoint is written (with the sweep's item) before any row goes, and
//! the rows then go in batches, so a kill -9 midway leaves rows the
//! checkpoint already covers, which verify skips and the next cut removes.
//!
//! A checkpoint's hash is the chain's own at the cut, so a keyed chain or a
//! head anchored outside the database (the hardening issue's) starts from
//! it unchanged.

use crate::rows::{int, opt_text, ts};
use crate::sweep::{Applied, Expired, record_item};
use crate::{Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::SweepId;
use serde::Serialize;
use sqlx::AnyConnection;
use utoipa::ToSchema;

/// Where the audit chain now starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditCheckpoint {
    /// The last row cut; the chain goes on from the row after it.
    pub through_seq: i64,
    /// That row's hash, which the next row's `prev_hash` must be.
    pub hash: String,
    pub rows_cut: i64,
    pub cut_at: Timestamp,
    pub sweep_id: Option<String>,
}

/// The newest checkpoint, if the log was ever cut.
pub(crate) async fn latest(
    conn: &mut AnyConnection,
) -> Result<Option<AuditCheckpoint>, StoreError> {
    let row = sqlx::query(
        "SELECT through_seq, hash, rows_cut, cut_at, sweep_id FROM audit_checkpoints \
         ORDER BY through_seq DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row
        .map(|r| {
            Ok::<_, sqlx::Error>(AuditCheckpoint {
                through_seq: int(&r, "through_seq")?,
                hash: crate::rows::text(&r, "hash")?,
                rows_cut: int(&r, "rows_cut")?,
                cut_at: ts(&r, "cut_at")?,
                sweep_id: opt_text(&r, "sweep_id")?,
            })
        })
        .transpose()?)
}

/// The first row no checkpoint covers.
pub(crate) async fn first_uncut(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(latest(conn).await?.map_or(1, |c| c.through_seq + 1))
}

/// Rows deleted per transaction.
const BATCH: i64 = 10_000;

/// Cuts the audit range `item` names (`FROM-LAST`): the checkpoint at
/// LAST with the sweep's item, then the rows in batches.
pub(crate) async fn cut(
    store: &Store,
    actor: &Actor,
    at: Timestamp,
    sweep: SweepId,
    item: &Expired,
) -> Result<Applied, StoreError> {
    let last: i64 = item
        .record_id
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or(StoreError::NotFound)?;
    store.flush_audit().await?;
    let mut tx = store.write.begin().await?;
    if first_uncut(&mut tx).await? > last {
        return Ok(Applied::Gone);
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
        "INSERT INTO audit_checkpoints (through_seq, hash, rows_cut, cut_at, sweep_id) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(last)
    .bind(hash)
    .bind(item.rows)
    .bind(at.micros())
    .bind(sweep.to_string())
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
    record_item(&mut tx, sweep, item, item.rows).await?;
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
    Ok(Applied::Done {
        rows,
        erasure: None,
    })
}

impl Store {
    /// The newest audit checkpoint.
    pub async fn audit_checkpoint(&self) -> Result<Option<AuditCheckpoint>, StoreError> {
        let mut conn = self.read.acquire().await?;
        latest(&mut conn).await
    }
}
