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
use rekisteri_domain::error::Errors;
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
        .routes(routes!(step))
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

/// The fields of a step; each step reads its own.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct StepBody {
    /// `link`: the person the requester is.
    pub person_id: Option<String>,
    /// `verify`: `officer_recorded` (the default and the only one recorded by hand).
    pub method: Option<String>,
    /// `verify`: how identity was established (required when the officer records it).
    pub note: Option<String>,
    /// `extend`: the new deadline, at most three months from receipt.
    pub extended_to: Option<String>,
    /// `extend`: why; written to the person at once (GDPR 12(3)).
    pub reason: Option<String>,
    /// `fee`: `fee`, `refusal` or `free`.
    pub decision: Option<String>,
    /// `fee`: the fee in cents; never charged by the register.
    pub fee_cents: Option<i64>,
    /// `fee`: why (a further copy, or manifestly unfounded or excessive).
    pub justification: Option<String>,
    /// `answer`: `fulfilled`, `partly` or `refused`.
    pub outcome: Option<String>,
    /// `answer`: the answer; for a refusal, its reasons.
    pub answer: Option<String>,
}

/// The steps of a case, by the name of their route.
pub const STEPS: [&str; 7] = [
    "link", "verify", "start", "extend", "fee", "answer", "close",
];

/// The change a step asks for, or the fields that are wrong.
fn step_change(step: &str, b: &StepBody) -> Result<CaseChange, ApiError> {
    let mut errors = Errors::new();
    let required = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
    let change = match step {
        "link" => errors
            .take(parse_field::<PersonId>(
                "person_id",
                &required(&b.person_id),
            ))
            .map(CaseChange::Link),
        "verify" => {
            let method = errors.take(parse_field::<IdentityMethod>(
                "method",
                b.method.as_deref().unwrap_or("officer_recorded"),
            ));
            let note = errors.take(parse_optional::<Text>("note", b.note.as_deref()));
            // The portal's link and an address on record are the register's
            // own findings; by hand the officer records how it was done.
            if method.is_some_and(|m| m != IdentityMethod::OfficerRecorded) {
                errors.push(rekisteri_domain::FieldError::invalid(
                    "method",
                    "only officer_recorded is recorded by hand; the portal's link and an address on \
                     record are the register's own",
                ));
            }
            method.zip(note).map(|(method, note)| CaseChange::Verify {
                method,
                note: note.map(|n| n.to_string()),
            })
        }
        "start" => Some(CaseChange::Start),
        "extend" => {
            let to = errors.take(parse_field::<Date>(
                "extended_to",
                &required(&b.extended_to),
            ));
            let reason = errors.take(parse_field::<Text>("reason", &required(&b.reason)));
            to.zip(reason).map(|(to, reason)| CaseChange::Extend {
                to,
                reason: reason.to_string(),
            })
        }
        "fee" => {
            let decision = errors.take(parse_field::<FeeDecision>(
                "decision",
                &required(&b.decision),
            ));
            let why = errors.take(parse_field::<Text>(
                "justification",
                &required(&b.justification),
            ));
            decision.zip(why).map(|(decision, why)| CaseChange::Fee {
                decision,
                cents: b.fee_cents,
                justification: why.to_string(),
            })
        }
        "answer" => {
            let outcome = errors.take(parse_field::<Outcome>("outcome", &required(&b.outcome)));
            let text = errors.take(parse_field::<Text>("answer", &required(&b.answer)));
            outcome.zip(text).map(|(outcome, text)| CaseChange::Answer {
                outcome,
                answer: text.to_string(),
            })
        }
        "close" => Some(CaseChange::Close),
        _ => return Err(ApiError::NotFound),
    };
    Ok(errors.finish(|| change)?)
}

/// Takes a step of the case (the API's and the web's): the policy, the
/// change in one transaction, then the letter it owes the requester — the
/// extension's reason, the answer (a refusal with the authority, R20).
pub(crate) async fn take_step(
    s: &AppState,
    caller: &Caller,
    id: RequestId,
    step: &str,
    body: &StepBody,
) -> Result<RequestCase, ApiError> {
    allow(caller, Resource::Requests, Access::Write)?;
    let change = step_change(step, body)?;
    let case = s
        .store
        .change_request(&caller.actor(PURPOSE), s.clock.now(), id, None, change)
        .await?;
    let letter = match step {
        "extend" => Some(letters::extension(&s.register, &case)),
        "answer" => Some(letters::answer(&s.register, &case)),
        _ => None,
    };
    if let Some(mail) = letter {
        tell_requester(s, caller, &case, mail).await?;
    }
    Ok(case)
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
