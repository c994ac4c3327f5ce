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
    /// The sequence number of the first entry that does not follow.
    pub first_broken_entry: Option<i64>,
    pub reason: Option<String>,
    /// What the walk checked: entries, the checkpoint it started from, the
    /// seals under the audit key, the numbering, the heads and anchors.
    #[serde(flatten)]
    pub checked: rekisteri_store::ChainReport,
}
/// Walks the hash chain of the audit log from its start, or from the
/// newest signed retention checkpoint; checks each seal under the audit
/// key, and that the chain still reaches its newest seal, the head the
/// last retention sweep recorded and the server's head file.
#[utoipa::path(get, path = "/audit/verify", tag = "audit", responses((status = 200, body = Verification)))]
async fn verify(State(s): State<AppState>, caller: Caller) -> Result<Json<Verification>, ApiError> {
    allow(&caller, Resource::Audit, Access::Read)?;
    let report = crate::services::audit_chain::verify(&s).await?;
    let (first_broken_entry, reason) = match report.first_broken.clone() {
        Some((seq, why)) => (Some(seq), Some(why)),
        None => (None, None),
    };
    Ok(Json(Verification {
        intact: first_broken_entry.is_none(),
        first_broken_entry,
        reason,
        checked: report,
    }))
}
