//! `/recipients`: the register of recipients and processors (R4, R7) as a
//! page — the list with each one's country and safeguard, a form to add
//! or edit one (optimistic concurrency), and retiring. The same policy and
//! store calls as `http/recipients.rs`.

use super::forms::{Choice, FormErrors, VersionForm, some};
use super::organisations::render_status;
use super::page::{Nav, Page, Posted};
use super::{render, see_other};
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::RecipientId;
use rekisteri_domain::recipient::{Recipient, RecipientDraft, RecipientRole, Safeguard};
use rekisteri_store::{PageRequest, RecipientFilter};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/recipients", get(list).post(create))
        .route("/recipients/new", get(new))
        .route("/recipients/{id}/edit", get(edit).post(update))
        .route("/recipients/{id}/retire", post(retire))
}

const PURPOSE: Purpose = Purpose::RegisterMaintenance;

/// One recipient of the list, with what the page says of it.
struct Row {
    r: Recipient,
    /// May it receive data today (R7)?
    receives: bool,
}

#[derive(Template)]
#[template(path = "recipients.html")]
struct ListPage {
    l: Locale,
    nav: Option<Nav>,
    rows: Vec<Row>,
    may_write: bool,
}

async fn list(State(s): State<AppState>, page: Page) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Recipients, Access::Read)?;
    let today = s.clock.now().date();
    let all = s
        .store
        .list_recipients(
            &RecipientFilter::default(),
            &PageRequest {
                after: None,
                limit: PageRequest::MAX,
                bulk: false,
            },
        )
        .await?
        .items;
    let mut rows: Vec<Row> = all
        .into_iter()
        .map(|r| Row {
            receives: r.may_receive(today).is_ok(),
            r,
        })
        .collect();
    rows.sort_by_cached_key(|row| (row.r.retired_at.is_some(), row.r.name.to_lowercase()));
    render(&ListPage {
        may_write: allow(&page.caller, Resource::Recipients, Access::Write).is_ok(),
        nav: Some(page.nav("recipients")),
        l: page.l,
        rows,
    })
}

/// The recipient form as submitted (mirrors `RecipientDraft`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RecipientForm {
    name: String,
    role: String,
    country: String,
    safeguard: String,
    safeguard_on: String,
    safeguard_detail: String,
    description: String,
    notice_email: String,
    version: String,
}

impl RecipientForm {
    fn of(r: &Recipient) -> Self {
        Self {
            name: r.name.clone(),
            role: r.role.code().into(),
            country: r.country.clone(),
            safeguard: r
                .safeguard
                .map(|s| s.code().to_string())
                .unwrap_or_default(),
            safeguard_on: r.safeguard_on.map(|d| d.to_string()).unwrap_or_default(),
            safeguard_detail: r.safeguard_detail.clone().unwrap_or_default(),
            description: r.description.clone().unwrap_or_default(),
            notice_email: r.notice_email.clone().unwrap_or_default(),
            version: r.version.to_string(),
        }
    }

    fn draft(&self) -> RecipientDraft {
        RecipientDraft {
            name: some(&self.name),
            role: some(&self.role),
            country: some(&self.country),
            safeguard: some(&self.safeguard),
            safeguard_on: some(&self.safeguard_on),
            safeguard_detail: some(&self.safeguard_detail),
            description: some(&self.description),
            notice_email: some(&self.notice_email),
        }
    }
}

#[derive(Template)]
#[template(path = "recipient_form.html")]
struct FormPage {
    l: Locale,
    nav: Option<Nav>,
    id: Option<RecipientId>,
    form: RecipientForm,
    roles: Vec<Choice>,
    safeguards: Vec<Choice>,
    errors: FormErrors,
    others: Vec<String>,
    conflict: bool,
}

const SHOWN: [&str; 8] = [
    "name",
    "role",
    "country",
    "safeguard",
    "safeguard_on",
    "safeguard_detail",
    "description",
    "notice_email",
];

fn form_page(
    page: Page,
    id: Option<RecipientId>,
    form: RecipientForm,
    errors: FormErrors,
    conflict: bool,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let l = &page.l;
    let roles = RecipientRole::ALL
        .iter()
        .map(|r| Choice {
            value: r.code().into(),
            label: l.code("recipient-role", r.code()),
            selected: r.code() == form.role,
        })
        .collect();
    let safeguards = Safeguard::ALL
        .iter()
        .map(|g| Choice {
            value: g.code().into(),
            label: l.code("safeguard", g.code()),
            selected: g.code() == form.safeguard,
        })
        .collect();
    render_status(
        &FormPage {
            nav: Some(page.nav("recipients")),
            l: page.l.clone(),
            id,
            roles,
            safeguards,
            others: errors.others(&SHOWN),
            errors,
            form,
            conflict,
        },
        status,
    )
}

async fn new(page: Page) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Recipients, Access::Write)?;
    let form = RecipientForm {
        role: RecipientRole::Processor.code().into(),
        country: "FI".into(),
        ..RecipientForm::default()
    };
    form_page(page, None, form, FormErrors::new(), false, StatusCode::OK)
}

async fn create(
    State(s): State<AppState>,
    Posted { page, form }: Posted<RecipientForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Recipients, Access::Write)?;
    let new = match form.draft().parse() {
        Ok(new) => new,
        Err(invalid) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            return form_page(
                page,
                None,
                form,
                errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    s.store
        .create_recipient(&page.caller.actor(PURPOSE), s.clock.now(), new)
        .await?;
    Ok(see_other("/recipients"))
}

async fn edit(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Recipients, Access::Write)?;
    let id: RecipientId = path_id(&id)?;
    let recipient = s.store.get_recipient(id).await?;
    let form = RecipientForm::of(&recipient);
    form_page(
        page,
        Some(id),
        form,
        FormErrors::new(),
        false,
        StatusCode::OK,
    )
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<RecipientForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Recipients, Access::Write)?;
    let id: RecipientId = path_id(&id)?;
    let version = super::forms::parse_version(&form.version)?;
    let new = match form.draft().parse() {
        Ok(new) => new,
        Err(invalid) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            return form_page(
                page,
                Some(id),
                form,
                errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let actor = page.caller.actor(PURPOSE);
    match s
        .store
        .replace_recipient(&actor, s.clock.now(), id, version, new)
        .await
    {
        Ok(_) => Ok(see_other("/recipients")),
        Err(e) => match ApiError::from(e) {
            ApiError::VersionMismatch { .. } => form_page(
                page,
                Some(id),
                form,
                FormErrors::new(),
                true,
                StatusCode::CONFLICT,
            ),
            other => Err(other),
        },
    }
}

async fn retire(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<VersionForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Recipients, Access::Write)?;
    let id: RecipientId = path_id(&id)?;
    let version = form.version()?;
    s.store
        .retire_recipient(&page.caller.actor(PURPOSE), s.clock.now(), id, version)
        .await?;
    Ok(see_other("/recipients"))
}
