//! `/requests`: data-subject requests as cases (R14–R21, B4). The privacy
//! officer (and the admin) receives a request, confirms who asked, takes it
//! through its life and answers it by its deadline; each case answers with
//! its days left. Extensions and answers are written to the requester at
//! once (a refusal with the supervisory authority's details, R20).

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::{Caller, JsonBody, Query, path_id};
use super::policy::{Access, Resource, allow};
use crate::letters;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rekisteri_domain::error::{Errors, FieldError};
use rekisteri_domain::ids::{PersonId, RequestId};
use rekisteri_domain::request::{FeeDecision, IdentityMethod, Outcome, RequestCase, RequestDraft};
use rekisteri_domain::values::{Text, parse_field, parse_optional};
use rekisteri_domain::{Date, Purpose};
use rekisteri_store::{Candidate, CaseChange, RequestEvent, RequestFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read))
        .routes(routes!(candidates))
        .routes(routes!(link))
        .routes(routes!(verify))
        .routes(routes!(start))
        .routes(routes!(extend))
        .routes(routes!(fee))
        .routes(routes!(answer))
        .routes(routes!(close))
}

/// Handling a data subject's request is keeping the register (R2).
pub const PURPOSE: Purpose = Purpose::RegisterMaintenance;

/// A case as the API shows it: the record, its deadline now and the days
/// left (negative: overdue).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: RequestCase,
    pub deadline: Date,
    pub days_left: i64,
    /// A repeat access request within 12 months (R14): a fee or refusal
    /// may be decided; nothing is charged automatically.
    pub repeat: bool,
}

impl CaseView {
    pub fn of(case: RequestCase, today: Date) -> Self {
        Self {
            deadline: case.deadline(),
            days_left: case.days_left(today),
            repeat: case.repeat_of.is_some(),
            case,
        }
    }
}

/// A case with its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub view: CaseView,
    pub events: Vec<RequestEvent>,
}

#[derive(Debug, Deserialize, IntoParams)]
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

#[derive(Debug, Default, Deserialize, ToSchema)]
struct LinkBody {
    person_id: Option<String>,
}

/// The requester is this person (a confirmed candidate). A request by
/// email from an address on the person's record becomes verified; a
/// repeat access request within 12 months is flagged.
#[utoipa::path(post, path = "/requests/{id}/link", tag = "requests", params(("id" = RequestId, Path)),
    request_body = LinkBody, responses((status = 200, body = CaseView), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn link(
    state: State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<LinkBody>,
) -> Result<Json<CaseView>, ApiError> {
    allow(&caller, Resource::Requests, Access::Write)?;
    let person = one(parse_field::<PersonId>(
        "person_id",
        body.person_id.as_deref().unwrap_or(""),
    ))?;
    change(&state, &caller, &id, CaseChange::Link(person)).await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
struct VerifyBody {
    /// `officer_recorded` (default), `email_on_record` or `portal_link`.
    method: Option<String>,
    /// How identity was established (required when the officer records it).
    note: Option<String>,
}

/// Record how the requester's identity was established (R14).
#[utoipa::path(post, path = "/requests/{id}/verify", tag = "requests", params(("id" = RequestId, Path)),
    request_body = VerifyBody, responses((status = 200, body = CaseView), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn verify(
    state: State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<VerifyBody>,
) -> Result<Json<CaseView>, ApiError> {
    allow(&caller, Resource::Requests, Access::Write)?;
    let mut errors = Errors::new();
    let method = errors.take(parse_field::<IdentityMethod>(
        "method",
        body.method.as_deref().unwrap_or("officer_recorded"),
    ));
    let note = errors.take(parse_optional::<Text>("note", body.note.as_deref()));
    let (method, note) = errors.finish(|| Some((method?, note?)))?;
    let note = note.map(|n| n.to_string());
    change(&state, &caller, &id, CaseChange::Verify { method, note }).await
}

/// The officer has started on the case.
#[utoipa::path(post, path = "/requests/{id}/start", tag = "requests", params(("id" = RequestId, Path)),
    responses((status = 200, body = CaseView), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn start(
    state: State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    change(&state, &caller, &id, CaseChange::Start).await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
struct ExtendBody {
    /// The new deadline: at most three months from receipt.
    extended_to: Option<String>,
    /// Why; sent to the person at once (GDPR 12(3)).
    reason: Option<String>,
}

/// Extend the deadline by up to two further months, within the first month,
/// with a reason; the reason is written to the requester at once.
#[utoipa::path(post, path = "/requests/{id}/extend", tag = "requests", params(("id" = RequestId, Path)),
    request_body = ExtendBody, responses((status = 200, body = CaseView), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn extend(
    state: State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ExtendBody>,
) -> Result<Json<CaseView>, ApiError> {
    allow(&caller, Resource::Requests, Access::Write)?;
    let mut errors = Errors::new();
    let to = errors.take(parse_field::<Date>(
        "extended_to",
        body.extended_to.as_deref().unwrap_or(""),
    ));
    let reason = errors.take(parse_field::<Text>(
        "reason",
        body.reason.as_deref().unwrap_or(""),
    ));
    let (to, reason) = errors.finish(|| Some((to?, reason?)))?;
    let extend = CaseChange::Extend {
        to,
        reason: reason.to_string(),
    };
    let view = change(&state, &caller, &id, extend).await?;
    tell_requester(
        &state,
        &caller,
        &view.0.case,
        letters::extension(&state.register, &view.0.case),
    )
    .await?;
    Ok(view)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
struct FeeBody {
    /// `fee`, `refusal` or `free`.
    decision: Option<String>,
    /// The fee in cents (for `fee`); never charged by the register.
    fee_cents: Option<i64>,
    /// Why (GDPR 12(5): manifestly unfounded or excessive, or a further copy).
    justification: Option<String>,
}

/// Record a fee or refusal decision on a repeat request, with its
/// justification. Nothing is charged automatically.
#[utoipa::path(post, path = "/requests/{id}/fee", tag = "requests", params(("id" = RequestId, Path)),
    request_body = FeeBody, responses((status = 200, body = CaseView), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn fee(
    state: State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<FeeBody>,
) -> Result<Json<CaseView>, ApiError> {
    allow(&caller, Resource::Requests, Access::Write)?;
    let mut errors = Errors::new();
    let decision = errors.take(parse_field::<FeeDecision>(
        "decision",
        body.decision.as_deref().unwrap_or(""),
    ));
    let justification = errors.take(parse_field::<Text>(
        "justification",
        body.justification.as_deref().unwrap_or(""),
    ));
    let (decision, justification) = errors.finish(|| Some((decision?, justification?)))?;
    let fee = CaseChange::Fee {
        decision,
        cents: body.fee_cents,
        justification: justification.to_string(),
    };
    change(&state, &caller, &id, fee).await
}

#[derive(Debug, Default, Deserialize, ToSchema)]
struct AnswerBody {
    /// `fulfilled`, `partly` or `refused`.
    outcome: Option<String>,
    /// The answer; for a refusal, its reasons.
    answer: Option<String>,
}

/// Answer the request. The answer is written to the requester; a refusal
/// carries its reasons and the supervisory authority's details (R20).
#[utoipa::path(post, path = "/requests/{id}/answer", tag = "requests", params(("id" = RequestId, Path)),
    request_body = AnswerBody, responses((status = 200, body = CaseView), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn answer(
    state: State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AnswerBody>,
) -> Result<Json<CaseView>, ApiError> {
    allow(&caller, Resource::Requests, Access::Write)?;
    let mut errors = Errors::new();
    let outcome = errors.take(parse_field::<Outcome>(
        "outcome",
        body.outcome.as_deref().unwrap_or(""),
    ));
    let text = errors.take(parse_field::<Text>(
        "answer",
        body.answer.as_deref().unwrap_or(""),
    ));
    let (outcome, text) = errors.finish(|| Some((outcome?, text?)))?;
    let answer = CaseChange::Answer {
        outcome,
        answer: text.to_string(),
    };
    let view = change(&state, &caller, &id, answer).await?;
    tell_requester(
        &state,
        &caller,
        &view.0.case,
        letters::answer(&state.register, &view.0.case),
    )
    .await?;
    Ok(view)
}

/// Close an answered case.
#[utoipa::path(post, path = "/requests/{id}/close", tag = "requests", params(("id" = RequestId, Path)),
    responses((status = 200, body = CaseView), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn close(
    state: State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    change(&state, &caller, &id, CaseChange::Close).await
}

fn one<T>(result: Result<T, FieldError>) -> Result<T, ApiError> {
    result.map_err(|e| ApiError::Invalid(e.into()))
}

async fn change(
    State(s): &State<AppState>,
    caller: &Caller,
    id: &str,
    change: CaseChange,
) -> Result<Json<CaseView>, ApiError> {
    allow(caller, Resource::Requests, Access::Write)?;
    let now = s.clock.now();
    let case = s
        .store
        .change_request(&caller.actor(PURPOSE), now, path_id(id)?, None, change)
        .await?;
    Ok(Json(CaseView::of(case, now.date())))
}

/// Sends `mail` about the case and records it in the case's history.
pub(crate) async fn tell_requester(
    s: &AppState,
    caller: &Caller,
    case: &RequestCase,
    mail: crate::mail::Mail,
) -> Result<(), ApiError> {
    let now = s.clock.now();
    let delivery = s.mailer.send(&mail, now).await.map_err(|error| {
        tracing::error!(%error, request = %case.id, "a letter to the requester could not be sent");
        ApiError::Internal
    })?;
    let note = match delivery {
        crate::mail::Delivery::Smtp => format!("sent by email: {}", mail.subject),
        crate::mail::Delivery::Outbox(file) => format!("written to the outbox: {file}"),
    };
    s.store
        .change_request(
            &caller.actor(PURPOSE),
            now,
            case.id,
            None,
            CaseChange::Notified { note },
        )
        .await?;
    Ok(())
}
