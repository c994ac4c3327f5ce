//! `/audit`: the privacy officer's check that the audit log is intact (B1).

use crate::caller::Caller;
use crate::error::ApiError;
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(verify))
}

#[derive(Serialize, ToSchema)]
pub struct Verification {
    pub intact: bool,
    /// Entries checked, up to and including the first broken one.
    pub entries: u64,
    /// The sequence number of the first entry that does not follow.
    pub first_broken_entry: Option<i64>,
    pub reason: Option<String>,
    /// Where the walk started: the newest retention checkpoint (older
    /// entries were cut by the audit log's retention, R9), or none (the
    /// chain's own start).
    pub checkpoint: Option<rekisteri_store::AuditCheckpoint>,
    /// The chain head the last retention sweep recorded, found again.
    pub head_checked: Option<i64>,
    /// The id of the audit key the seals were checked with (not the key).
    pub key_id: String,
    /// Seals checked under the key, and the newest one's entry.
    pub seals_checked: u64,
    pub sealed_through: Option<i64>,
    /// Entries after the newest seal (sealed within a second).
    pub unsealed: u64,
    /// Whether the entries' numbers were checked for gaps (SQLite; on
    /// PostgreSQL a rolled-back transaction skips numbers).
    pub numbering_checked: bool,
    /// The anchors outside the database that the chain reaches: the
    /// server's head file.
    pub anchors_checked: Vec<i64>,
}

/// Walks the hash chain of the audit log from its start, or from the
/// newest signed retention checkpoint; checks each seal under the audit
/// key, and that the chain still reaches its newest seal, the head the
/// last retention sweep recorded and the server's head file.
#[utoipa::path(get, path = "/audit/verify", tag = "audit", responses((status = 200, body = Verification)))]
async fn verify(State(s): State<AppState>, caller: Caller) -> Result<Json<Verification>, ApiError> {
    allow(&caller, Resource::Audit, Access::Read)?;
    let report = crate::services::audit_chain::verify(&s).await?;
    let (first_broken_entry, reason) = match report.first_broken {
        Some((seq, why)) => (Some(seq), Some(why)),
        None => (None, None),
    };
    Ok(Json(Verification {
        intact: first_broken_entry.is_none(),
        entries: report.entries,
        first_broken_entry,
        reason,
        checkpoint: report.checkpoint,
        head_checked: report.head_checked,
        key_id: report.key_id,
        seals_checked: report.seals_checked,
        sealed_through: report.sealed_through,
        unsealed: report.unsealed,
        numbering_checked: report.numbering_checked,
        anchors_checked: report.anchors_checked,
    }))
}
