//! `/requests`: the privacy officer's deadline board (B4) and cases
//! (R14–R21) as pages — open cases by days left, a form to record one, a
//! case with its history, candidates and the forms of its next steps —,
//! and `/outbox`, the register's letters as the database keeps them. The same policy, store calls and `take_step` as the API.

use super::forms::{Choice, FormErrors, some};
use super::page::{Nav, Page, Posted};
use super::{render, see_other};
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::services::requests::{CaseView, PURPOSE, StepBody, take_step};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rekisteri_domain::Timestamp;
use rekisteri_domain::ids::{MailId, PersonId, RequestId};
use rekisteri_domain::request::{RequestChannel, RequestDraft, RequestKind, RequestStatus};
use rekisteri_store::{Candidate, PageRequest, RequestEvent, RequestFilter};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/requests", get(board).post(create))
        .route("/requests/{id}", get(case))
        .route("/requests/{id}/{step}", post(step))
        .route("/outbox", get(outbox))
        .route("/outbox/{id}", get(message))
}

#[derive(Template)]
#[template(path = "requests.html")]
struct BoardPage {
    l: Locale,
    nav: Option<Nav>,
    cases: Vec<CaseView>,
    /// Paper documents whose destruction waits for the officer (R10).
    paper_open: i64,
    all: bool,
    form: NewForm,
    kinds: Vec<Choice>,
    channels: Vec<Choice>,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
struct BoardQuery {
    all: Option<String>,
}

/// The form of a request received (mirrors `RequestDraft`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewForm {
    kind: String,
    channel: String,
    person_id: String,
    requester_name: String,
    requester_email: String,
    requester_address: String,
    details: String,
}

fn choices<T: Copy>(
    l: &Locale,
    all: &[T],
    prefix: &str,
    code: fn(T) -> &'static str,
    selected: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: code(*v).to_string(),
            label: l.code(prefix, code(*v)),
            selected: code(*v) == selected,
        })
        .collect()
}

async fn board_page(
    s: &AppState,
    page: Page,
    all: bool,
    form: NewForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let now = s.clock.now();
    let filter = RequestFilter {
        open_only: !all,
        person_id: None,
    };
    let cases = s
        .store
        .requests(&page.caller.actor(PURPOSE), now, &filter)
        .await?
        .into_iter()
        .map(|c| CaseView::of(c, now.date()))
        .collect();
    let l = page.l.clone();
    let mut response = render(&BoardPage {
        kinds: choices(
            &l,
            RequestKind::ALL,
            "request-kind",
            RequestKind::code,
            &form.kind,
        ),
        channels: choices(
            &l,
            RequestChannel::ALL,
            "request-channel",
            RequestChannel::code,
            &form.channel,
        ),
        nav: Some(page.nav("requests")),
        l,
        cases,
        paper_open: s.store.paper_tasks_open().await?,
        all,
        form,
        errors,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

async fn board(
    State(s): State<AppState>,
    page: Page,
    Query(q): Query<BoardQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Requests, Access::Read)?;
    let all = q.all.is_some();
    board_page(
        &s,
        page,
        all,
        NewForm::default(),
        FormErrors::new(),
        StatusCode::OK,
    )
    .await
}

async fn create(
    State(s): State<AppState>,
    Posted { page, form }: Posted<NewForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Requests, Access::Write)?;
    let now = s.clock.now();
    let draft = RequestDraft {
        kind: some(&form.kind),
        channel: some(&form.channel),
        person_id: some(&form.person_id),
        requester_name: some(&form.requester_name),
        requester_email: some(&form.requester_email),
        requester_address: some(&form.requester_address),
        details: some(&form.details),
        received_at: None,
    };
    let new = match draft.parse(now) {
        Ok(new) => new,
        Err(invalid) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            return board_page(
                &s,
                page,
                false,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let case = s
        .store
        .receive_request(&page.caller.actor(PURPOSE), now, new, s.answer_period)
        .await?;
    Ok(see_other(&format!("/requests/{}", case.id)))
}

#[derive(Template)]
#[template(path = "request.html")]
struct CasePage {
    l: Locale,
    nav: Option<Nav>,
    view: CaseView,
    events: Vec<RequestEvent>,
    candidates: Vec<Candidate>,
    outcomes: Vec<Choice>,
    decisions: Vec<Choice>,
    errors: FormErrors,
    form: StepForm,
}

impl CasePage {
    /// Every field error, shown above the forms (each form is small).
    fn error_list(&self) -> Vec<String> {
        self.errors.others(&[])
    }

    fn open(&self) -> bool {
        self.view.case.status.is_open()
    }

    fn may_verify(&self) -> bool {
        self.view.case.status == RequestStatus::Received
    }

    fn may_start(&self) -> bool {
        matches!(
            self.view.case.status,
            RequestStatus::Received | RequestStatus::Verified
        )
    }

    fn may_close(&self) -> bool {
        self.view.case.status == RequestStatus::Answered
    }
}

async fn case_page(
    s: &AppState,
    page: Page,
    id: RequestId,
    form: StepForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let now = s.clock.now();
    let actor = page.caller.actor(PURPOSE);
    let (case, events) = s.store.request(&actor, now, id).await?;
    let candidates = if case.person_id.is_none() && case.status.is_open() {
        s.store.request_candidates(&actor, now, id).await?
    } else {
        Vec::new()
    };
    let l = page.l.clone();
    let outcomes = ["fulfilled", "partly", "refused"]
        .iter()
        .map(|o| Choice {
            value: o.to_string(),
            label: l.code("request-outcome", o),
            selected: form.outcome == *o,
        })
        .collect();
    let decisions = ["free", "fee", "refusal"]
        .iter()
        .map(|d| Choice {
            value: d.to_string(),
            label: l.code("request-fee", d),
            selected: form.decision == *d,
        })
        .collect();
    let mut response = render(&CasePage {
        nav: Some(page.nav("requests")),
        view: CaseView::of(case, now.date()),
        l,
        events,
        candidates,
        outcomes,
        decisions,
        errors,
        form,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

async fn case(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Requests, Access::Read)?;
    case_page(
        &s,
        page,
        path_id(&id)?,
        StepForm::default(),
        FormErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// Every step's fields, as the case page's forms post them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StepForm {
    person_id: String,
    note: String,
    extended_to: String,
    reason: String,
    decision: String,
    fee_euros: String,
    justification: String,
    outcome: String,
    answer: String,
}

impl StepForm {
    /// The API's step body; a fee in euros (`15,00`) becomes cents.
    fn body(&self) -> Result<StepBody, rekisteri_domain::FieldError> {
        let fee_cents = match some(&self.fee_euros) {
            None => None,
            Some(raw) => Some(super::billing::parse_euros(&raw).ok_or_else(|| {
                rekisteri_domain::FieldError::invalid(
                    "fee_cents",
                    "must be an amount in euros, such as 15,00",
                )
            })?),
        };
        Ok(StepBody {
            person_id: some(&self.person_id),
            method: None,
            note: some(&self.note),
            extended_to: some(&self.extended_to),
            reason: some(&self.reason),
            decision: some(&self.decision),
            fee_cents,
            justification: some(&self.justification),
            outcome: some(&self.outcome),
            answer: some(&self.answer),
        })
    }
}

async fn step(
    State(s): State<AppState>,
    Path((id, step)): Path<(String, String)>,
    Posted { page, form }: Posted<StepForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Requests, Access::Write)?;
    let id: RequestId = path_id(&id)?;
    let result = match form.body() {
        Ok(body) => take_step(&s, &page.caller, id, &step, &body)
            .await
            .map(|_| ()),
        Err(e) => Err(ApiError::Invalid(e.into())),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/requests/{id}"))),
        Err(error) => {
            let errors = FormErrors::of(&page.l, error)?;
            case_page(&s, page, id, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    l: Locale,
    nav: Option<Nav>,
    entries: Vec<OutboxRow>,
}

/// A letter as the outbox lists it.
struct OutboxRow {
    id: MailId,
    created_at: Timestamp,
    subject: String,
    /// Whether the text is kept (a sign-in link's goes once sent).
    body: Option<()>,
    state_key: String,
    about: Option<PersonId>,
}

impl OutboxRow {
    fn state_key(&self) -> &str {
        &self.state_key
    }
}

/// The outbox: the register's letters from the database, newest first
/// (any server shows the same; the listing is audited).
async fn outbox(State(s): State<AppState>, page: Page) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Requests, Access::Read)?;
    let listed = s
        .store
        .outbox(
            &page.caller.actor(PURPOSE),
            s.clock.now(),
            None,
            &PageRequest::first(PageRequest::MAX),
        )
        .await?;
    let entries = listed
        .items
        .into_iter()
        .map(|m| OutboxRow {
            state_key: format!("outbox-state-{}", m.state.code()),
            body: m.body.as_ref().map(|_| ()),
            id: m.id,
            created_at: m.created_at,
            subject: m.subject,
            about: m.about,
        })
        .collect();
    render(&OutboxPage {
        nav: Some(page.nav("requests")),
        l: page.l,
        entries,
    })
}

/// One letter as it is sent (plain text; the browser shows it). Reading
/// it is audited (B1): a letter may hold personal data.
async fn message(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Requests, Access::Read)?;
    let id: MailId = path_id(&id)?;
    let mail = s
        .store
        .mail(&page.caller.actor(PURPOSE), s.clock.now(), id)
        .await?;
    let bytes = match s.mailer.formatted(&mail) {
        Ok(bytes) => bytes,
        Err(crate::mail::MailError::Cleared) => page.l.t("outbox-cleared").into_bytes(),
        Err(error) => {
            tracing::error!(%error, mail = %id, "a letter could not be shown");
            return Err(ApiError::Internal);
        }
    };
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], bytes).into_response())
}
