//! Where the audit chain starts after the audit log's retention cut (B1,
//! R9): the newest checkpoint, read by the writer's seal, the cut and
//! verify alike.

use crate::StoreError;
use crate::rows::{int, opt_text, text, ts};
use rekisteri_domain::Timestamp;
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
    /// The audit key's signature over the cut (see `audit_seal`); none on a
    /// checkpoint no key signed.
    #[serde(skip)]
    pub mac: Option<String>,
}

/// The newest checkpoint, if the log was ever cut.
pub(crate) async fn latest(
    conn: &mut AnyConnection,
) -> Result<Option<AuditCheckpoint>, StoreError> {
    let row = sqlx::query(
        "SELECT through_seq, hash, rows_cut, cut_at, sweep_id, mac FROM audit_checkpoints \
         ORDER BY through_seq DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row
        .map(|r| {
            Ok::<_, sqlx::Error>(AuditCheckpoint {
                through_seq: int(&r, "through_seq")?,
                hash: text(&r, "hash")?,
                rows_cut: int(&r, "rows_cut")?,
                cut_at: ts(&r, "cut_at")?,
                sweep_id: opt_text(&r, "sweep_id")?,
                mac: opt_text(&r, "mac")?,
            })
        })
        .transpose()?)
}

/// The first row no checkpoint covers.
pub(crate) async fn first_uncut(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(latest(conn).await?.map_or(1, |c| c.through_seq + 1))
}
