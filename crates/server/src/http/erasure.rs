//! `/people/{id}/erasure` and `/people/{id}/anonymisation` (R8, R19, R21):
//! the privacy officer's erasure with holds; what follows an erasure is
//! [`crate::services::erasure`]'s.

use crate::error::{ApiError, ErrorBody, HoldShown};
use crate::extract::{Caller, path_id};
use crate::policy::{Access, Resource, allow};
use crate::services::erasure::ErasureDone;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use rekisteri_domain::ids::{PersonId, RequestId};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{FieldError, Purpose};
use rekisteri_store::{ErasureOutcome, ScheduledErasure};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status, erase))
        .routes(routes!(anonymise))
}

/// The optional body of an erasure or anonymisation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureBody {
    /// The data-subject request this answers, if it is recorded as one.
    pub request_id: Option<String>,
}

/// What holds the person's erasure now, and the erasure waiting (or done).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureStatus {
    pub person_id: PersonId,
    pub holds: Vec<HoldShown>,
    pub scheduled: Option<ScheduledErasure>,
}

fn request_of(body: &Bytes) -> Result<Option<RequestId>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let parsed: ErasureBody = serde_json::from_slice(body)
        .map_err(|e| ApiError::field("body", format!("is not valid: {e}")))?;
    match parsed.request_id.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => RequestId::parse(raw)
            .map(Some)
            .map_err(|m| FieldError::invalid("request_id", m).into()),
    }
}

/// What holds the person's erasure today, and any erasure scheduled.
#[utoipa::path(get, path = "/people/{id}/erasure", tag = "erasure", params(("id" = PersonId, Path)),
    responses((status = 200, body = ErasureStatus), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn status(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ErasureStatus>, ApiError> {
    allow(&caller, Resource::Erasure, Access::Read)?;
    let person: PersonId = path_id(&id)?;
    let holds = s
        .store
        .erasure_holds(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            person,
        )
        .await?;
    Ok(Json(ErasureStatus {
        person_id: person,
        holds: holds.into_iter().map(HoldShown::from).collect(),
        scheduled: s.store.scheduled_erasure(person).await?,
    }))
}

/// Erase the person (R8, R21): every row about them, the search index and
/// the outbox's mail; invoices keep their amounts, dates and numbers
/// without the person; a tombstone keeps the email addresses from being
/// re-imported. Recipients of disclosures are notified (Art. 19). Held by
/// an open invoice, debt collection or an active contact role (R19): 409
/// `held` names each hold, and the erasure runs by itself when they end.
#[utoipa::path(post, path = "/people/{id}/erasure", tag = "erasure", params(("id" = PersonId, Path)),
    request_body(content = Option<ErasureBody>, content_type = "application/json"),
    responses((status = 200, body = ErasureDone), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn erase(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ErasureDone>, ApiError> {
    allow(&caller, Resource::Erasure, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let request = request_of(&body)?;
    let actor = caller.actor(Purpose::RegisterMaintenance);
    let outcome = crate::services::erasure::erase(&s, &actor, person, request).await?;
    answer(outcome, true)
}

/// Anonymise the person (R21): names, title, contact values, streets,
/// cities and notes go; the country, the postal-code area, the
/// relationship's dates and the orders and invoices stay, for statistics.
/// The same holds apply as to erasure (409 `held`); it is not scheduled.
#[utoipa::path(post, path = "/people/{id}/anonymisation", tag = "erasure", params(("id" = PersonId, Path)),
    request_body(content = Option<ErasureBody>, content_type = "application/json"),
    responses((status = 200, body = ErasureDone), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn anonymise(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ErasureDone>, ApiError> {
    allow(&caller, Resource::Erasure, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let request = request_of(&body)?;
    let actor = caller.actor(Purpose::RegisterMaintenance);
    let at = s.clock.now();
    let outcome = s
        .store
        .anonymise_person(&actor, at, person, request)
        .await?;
    answer(outcome, false)
}

/// The answer: what was done, or why not (`scheduled`: an erasure waits
/// for its holds; an anonymisation is not scheduled).
fn answer(outcome: ErasureOutcome, erasure: bool) -> Result<Json<ErasureDone>, ApiError> {
    match outcome {
        ErasureOutcome::Held { holds, scheduled } => Err(ApiError::Held {
            message: if erasure && scheduled.is_some() {
                "the erasure is held; it is scheduled and runs by itself when every hold has ended (R8)"
            } else {
                "the anonymisation is held: ask again when every hold has ended (R8)"
            }
            .into(),
            holds,
        }),
        ErasureOutcome::Erased {
            notices,
            mail_removed,
            paper_to_destroy,
        } => Ok(Json(ErasureDone::of(notices, mail_removed, paper_to_destroy))),
    }
}
