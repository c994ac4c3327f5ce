//! `/requests`: data-subject requests as cases (R14–R21, B4). The privacy
//! officer (and the admin) receives a request, confirms who asked, takes it
//! through its life and answers it by its deadline; each case answers with
//! its days left. Extensions and answers are written to the requester at
//! once (a refusal with the supervisory authority's details, R20).

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, JsonBody, Query, path_id};
use crate::policy::{Access, Resource, allow};
use crate::services::requests::{CaseView, PURPOSE, StepBody, take_step};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rekisteri_domain::ids::{PersonId, RequestId};
use rekisteri_domain::request::RequestDraft;
use rekisteri_domain::values::parse_optional;
use rekisteri_store::{Candidate, RequestEvent, RequestFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read))
        .routes(routes!(candidates))
        .routes(routes!(step))
}

/// A case with its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub view: CaseView,
    pub events: Vec<RequestEvent>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RequestQuery {
    /// `true`: only the cases still owed an answer (the deadline board).
    open: Option<bool>,
    /// Only this person's cases.
    person_id: Option<String>,
}

/// Cases, the nearest deadline first, each with its days left.
#[utoipa::path(get, path = "/requests", tag = "requests", params(RequestQuery),
    responses((status = 200, body = Vec<CaseView>)), security(("bearer" = [])))]
async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<RequestQuery>,
) -> Result<Json<Vec<CaseView>>, ApiError> {
    allow(&caller, Resource::Requests, Access::Read)?;
    let person_id = parse_optional::<PersonId>("person_id", q.person_id.as_deref())
        .map_err(|e| ApiError::Invalid(e.into()))?;
    let filter = RequestFilter {
        open_only: q.open.unwrap_or(false),
        person_id,
    };
    let now = s.clock.now();
    let cases = s
        .store
        .requests(&caller.actor(PURPOSE), now, &filter)
        .await?;
    Ok(Json(
        cases
            .into_iter()
            .map(|c| CaseView::of(c, now.date()))
            .collect(),
    ))
}

/// Record a request received: its kind, channel, the requester's identity
/// claims and, when known, the person. The deadline is computed from
/// receipt; a request by email from an address on the person's record is
/// identifiable at once.
#[utoipa::path(post, path = "/requests", tag = "requests", request_body = RequestDraft,
    responses((status = 201, body = CaseView), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<RequestDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Requests, Access::Write)?;
    let now = s.clock.now();
    let new = draft.parse(now)?;
    let case = s
        .store
        .receive_request(&caller.actor(PURPOSE), now, new, s.answer_period)
        .await?;
    Ok((StatusCode::CREATED, Json(CaseView::of(case, now.date()))))
}

#[utoipa::path(get, path = "/requests/{id}", tag = "requests", params(("id" = RequestId, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseDetail>, ApiError> {
    allow(&caller, Resource::Requests, Access::Read)?;
    let now = s.clock.now();
    let (case, events) = s
        .store
        .request(&caller.actor(PURPOSE), now, path_id(&id)?)
        .await?;
    Ok(Json(CaseDetail {
        view: CaseView::of(case, now.date()),
        events,
    }))
}

/// People in the register who may be the requester: the requester's email
/// on their record, or the same name. The officer confirms one (`/link`).
#[utoipa::path(get, path = "/requests/{id}/candidates", tag = "requests", params(("id" = RequestId, Path)),
    responses((status = 200, body = Vec<Candidate>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn candidates(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Candidate>>, ApiError> {
    allow(&caller, Resource::Requests, Access::Read)?;
    let found = s
        .store
        .request_candidates(&caller.actor(PURPOSE), s.clock.now(), path_id(&id)?)
        .await?;
    Ok(Json(found))
}

/// One step of a case: `link` (the requester is this person: a request by
/// email from an address on their record becomes verified; a repeat access
/// request within 12 months is flagged), `verify` (how identity was
/// established), `start`, `extend` (up to two further months, within the
/// first month, with a reason written to the person), `fee` (a fee or
/// refusal decision on a repeat, with its justification; nothing is
/// charged), `answer` (written to the person; a refusal with its reasons
/// and the supervisory authority, R20), `close`.
#[utoipa::path(post, path = "/requests/{id}/{step}", tag = "requests",
    params(("id" = RequestId, Path), ("step" = String, Path, description = "link, verify, start, extend, fee, answer or close")),
    request_body = StepBody,
    responses((status = 200, body = CaseView), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn step(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, step)): Path<(String, String)>,
    JsonBody(body): JsonBody<StepBody>,
) -> Result<Json<CaseView>, ApiError> {
    allow(&caller, Resource::Requests, Access::Write)?;
    let case = take_step(&s, &caller, path_id(&id)?, &step, &body).await?;
    Ok(Json(CaseView::of(case, s.clock.now().date())))
}
