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
}

/// Walks the hash chain of the audit log from its start, or from the
/// newest retention checkpoint, and checks that it still reaches the head
/// the last retention sweep recorded.
#[utoipa::path(get, path = "/audit/verify", tag = "audit", responses((status = 200, body = Verification)))]
async fn verify(State(s): State<AppState>, caller: Caller) -> Result<Json<Verification>, ApiError> {
    allow(&caller, Resource::Audit, Access::Read)?;
    let report = s.store.verify_audit().await?;
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
    }))
}
