//! Disclosures in the web interface (R6): the form on a person's page
//! (`/people/{id}/disclose`: recipient, ground, purpose, categories) whose
//! POST records the disclosure and answers the data as a JSON download —
//! the same store call, in the same transaction, as the API's — and the
//! person page's "Disclosures" section and timeline entries. The partner
//! sees none of it (R4).

use super::forms::{Choice, FormErrors, some};
use super::organisations::render_status;
use super::page::{Nav, Page, Posted};
use super::timeline::Entry;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::services::disclosures::{DisclosureMade, disclosure_error};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rekisteri_domain::audit::Actor;
use rekisteri_domain::disclosure::{
    DataCategory, Disclosure, DisclosureChannel, DisclosureDraft, DisclosureGround,
};
use rekisteri_domain::ids::{PersonId, UserId};
use rekisteri_domain::{Purpose, Timestamp};
use rekisteri_store::{PageRequest, RecipientFilter};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/people/{id}/disclose", get(new).post(create))
}

/// The disclosure form as submitted; `categories` repeats.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DiscloseForm {
    recipient_id: String,
    ground: String,
    purpose: String,
    categories: Vec<String>,
}

#[derive(Template)]
#[template(path = "disclose_form.html")]
struct FormPage {
    l: Locale,
    nav: Option<Nav>,
    person_id: PersonId,
    person_name: String,
    recipients: Vec<Choice>,
    grounds: Vec<Choice>,
    purposes: Vec<Choice>,
    categories: Vec<Choice>,
    errors: FormErrors,
    others: Vec<String>,
    /// A refusal of the whole disclosure (a restricted person, R18).
    refused: Option<String>,
}

const SHOWN: [&str; 4] = ["recipient_id", "ground", "purpose", "categories"];

/// The form page; the person's name read for its heading (audited).
async fn form_page(
    s: &AppState,
    page: Page,
    id: PersonId,
    form: DiscloseForm,
    errors: FormErrors,
    refused: Option<String>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let now = s.clock.now();
    let actor = page.caller.actor(Purpose::CustomerRelationship);
    let person_name = s
        .store
        .people_names(&actor, now, &[id])
        .await?
        .remove(&id)
        .ok_or(ApiError::NotFound)?;
    let l = &page.l;
    let today = now.date();
    let active = RecipientFilter { active_only: true };
    let all = PageRequest {
        after: None,
        limit: PageRequest::MAX,
        bulk: false,
    };
    let mut recipients: Vec<Choice> = s
        .store
        .list_recipients(&active, &all)
        .await?
        .items
        .into_iter()
        .map(|r| {
            let mut label = format!("{} ({})", r.name, r.country);
            if r.may_receive(today).is_err() {
                label.push_str(" — ");
                label.push_str(&l.t("disclose-recipient-no-safeguard"));
            }
            Choice {
                selected: r.id.to_string() == form.recipient_id,
                value: r.id.to_string(),
                label,
            }
        })
        .collect();
    recipients.sort_by_cached_key(|c| c.label.to_lowercase());
    let choices = |codes: Vec<&str>, prefix: &str, chosen: &[String]| -> Vec<Choice> {
        codes
            .into_iter()
            .map(|code| Choice {
                value: code.into(),
                label: l.code(prefix, code),
                selected: chosen.iter().any(|c| c == code),
            })
            .collect()
    };
    let grounds = choices(
        DisclosureGround::ALL.iter().map(|g| g.code()).collect(),
        "ground",
        std::slice::from_ref(&form.ground),
    );
    // R2: only the purposes in use can be named.
    let in_use = s.store.purposes_in_use().await?;
    let purposes = choices(
        in_use.iter().map(|p| p.code()).collect(),
        "purpose",
        std::slice::from_ref(&form.purpose),
    );
    let categories = choices(
        DataCategory::ALL.iter().map(|c| c.code()).collect(),
        "category",
        &form.categories,
    );
    render_status(
        &FormPage {
            nav: Some(page.nav("people")),
            l: page.l.clone(),
            person_id: id,
            person_name,
            recipients,
            grounds,
            purposes,
            categories,
            others: errors.others(&SHOWN),
            errors,
            refused,
        },
        status,
    )
}

async fn new(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Disclosures, Access::Write)?;
    let id: PersonId = path_id(&id)?;
    form_page(
        &s,
        page,
        id,
        DiscloseForm::default(),
        FormErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

/// Records the disclosure and answers its data as a download; a refused
/// one is the form again, saying why, with nothing recorded.
async fn create(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<DiscloseForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Disclosures, Access::Write)?;
    let id: PersonId = path_id(&id)?;
    let draft = DisclosureDraft {
        recipient_id: some(&form.recipient_id),
        ground: some(&form.ground),
        purpose: some(&form.purpose),
        categories: form.categories.clone(),
        person_ids: vec![id.to_string()],
    };
    let l = page.l.clone();
    let new = match draft.parse() {
        Ok(new) => new,
        Err(invalid) => {
            let errors = FormErrors::from_invalid(&l, &invalid);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(&s, page, id, form, errors, None, status).await;
        }
    };
    let actor = page.caller.actor(new.purpose);
    let made = s
        .store
        .disclose(&actor, s.clock.now(), DisclosureChannel::Web, new)
        .await
        .map_err(disclosure_error);
    let (disclosure, data) = match made {
        Ok(made) => made,
        Err(ApiError::Refused { code, field, .. }) => {
            let mut errors = FormErrors::new();
            errors.add(field, l.code("disclose-refused", code));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(&s, page, id, form, errors, None, status).await;
        }
        Err(ApiError::Conflict { code, .. }) => {
            let refused = Some(l.code("disclose-refused", code));
            let status = StatusCode::CONFLICT;
            return form_page(&s, page, id, form, FormErrors::new(), refused, status).await;
        }
        Err(other) => match FormErrors::of(&l, other) {
            Ok(errors) => {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return form_page(&s, page, id, form, errors, None, status).await;
            }
            Err(other) => return Err(other),
        },
    };
    let name = format!("disclosure-{}.json", disclosure.id);
    let mut response = axum::Json(DisclosureMade { disclosure, data }).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// One row of the person page's "Disclosures" section.
pub struct Row {
    pub recipient: String,
    pub ground: String,
    pub categories: String,
    pub by: String,
    pub when: String,
}

/// The person page's disclosures: its section (when the user may see it)
/// and the entries of its timeline.
#[derive(Default)]
pub struct PersonDisclosures {
    pub shown: bool,
    /// Whether the user may disclose (the form's button).
    pub may_disclose: bool,
    pub rows: Vec<Row>,
    pub timeline: Vec<Entry>,
}

/// Reads the person's disclosures for their page, if the user may see them.
pub async fn of_person(
    s: &AppState,
    page: &Page,
    actor: &Actor,
    id: PersonId,
    now: Timestamp,
) -> Result<PersonDisclosures, ApiError> {
    if allow(&page.caller, Resource::Disclosures, Access::Read).is_err() {
        return Ok(PersonDisclosures::default());
    }
    let l = &page.l;
    let all: Vec<Disclosure> = s.store.disclosures_of_person(actor, now, id).await?;
    let names: HashMap<UserId, String> = if all.is_empty() {
        HashMap::new()
    } else {
        s.store
            .users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    let mut out = PersonDisclosures {
        shown: true,
        may_disclose: allow(&page.caller, Resource::Disclosures, Access::Write).is_ok(),
        ..PersonDisclosures::default()
    };
    for d in all {
        let ground = l.code("ground", d.ground.code());
        let categories = d
            .categories
            .iter()
            .map(|c| l.code("category", c.code()))
            .collect::<Vec<_>>()
            .join(", ");
        let by = match d.disclosed_by.and_then(|u| names.get(&u)) {
            Some(name) => name.clone(),
            None => l.t("disclosure-by-command-line"),
        };
        out.timeline.push(Entry {
            at: d.disclosed_at,
            when: l.time(&d.disclosed_at),
            badge_class: "kind-disclosure".into(),
            badge: l.t("timeline-disclosure"),
            anchor: Some(format!("disclosure-{}", d.id)),
            title: None,
            text: l.t1("timeline-disclosure-to", "recipient", &d.recipient_name),
            meta: vec![
                ground.clone(),
                categories.clone(),
                l.t1("timeline-by", "name", &by),
            ],
            edit: None,
            upcoming: false,
            overdue: false,
            done: false,
        });
        out.rows.push(Row {
            recipient: d.recipient_name,
            ground,
            categories,
            by,
            when: l.time(&d.disclosed_at),
        });
    }
    Ok(out)
}
