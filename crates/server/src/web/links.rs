//! A person representing an organisation (R19): the form that adds a link
//! (it also lists the person's links, each with a remove button) and the
//! removal. The same policy, store calls and purposes as the API's
//! `create_link` and `remove_link` in `http/people.rs`.

use super::forms::{FormErrors, VersionForm};
use super::organisations::{render_status, request, source_codes};
use super::page::{Nav, Page, Posted};
use super::see_other;
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
use rekisteri_domain::ids::{LinkId, PersonId};
use rekisteri_domain::organisation::{Link, LinkDraft, Organisation};
use rekisteri_domain::{Purpose, Source};
use rekisteri_store::OrganisationFilter;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/links/new", get(new))
        .route("/people/{id}/links", post(create))
        .route("/people/{id}/links/{link}/delete", post(remove))
}

/// The link form's fields (mirrors `LinkDraft`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct LinkForm {
    organisation_id: String,
    title: String,
    started_on: String,
    ended_on: String,
    /// A checkbox: present when ticked.
    is_contact_person: Option<String>,
    source: String,
    source_detail: String,
}

impl LinkForm {
    fn draft(&self) -> LinkDraft {
        let some = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        LinkDraft {
            organisation_id: some(&self.organisation_id),
            title: some(&self.title),
            started_on: some(&self.started_on),
            ended_on: some(&self.ended_on),
            is_contact_person: self.is_contact_person.is_some(),
            source: some(&self.source),
            source_detail: some(&self.source_detail),
        }
    }
}

#[derive(Template)]
#[template(path = "link_form.html")]
struct LinkPage {
    l: Locale,
    nav: Option<Nav>,
    person: PersonId,
    person_name: String,
    organisations: Vec<Organisation>,
    links: Vec<Link>,
    form: LinkForm,
    errors: FormErrors,
    other_errors: Vec<String>,
    sources: Vec<&'static str>,
}

const LINK_FIELDS: [&str; 6] = [
    "organisation_id",
    "title",
    "started_on",
    "ended_on",
    "source",
    "source_detail",
];

async fn link_page(
    s: &AppState,
    page: Page,
    person: PersonId,
    form: LinkForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let now = s.clock.now();
    let actor = page.caller.actor(Purpose::CustomerRelationship);
    let person_name = s
        .store
        .people_names(&actor, now, &[person])
        .await?
        .remove(&person)
        .ok_or(ApiError::NotFound)?;
    let links = s.store.list_links(&actor, now, person).await?;
    let mut organisations = s
        .store
        .list_organisations(&OrganisationFilter::default(), &request(500))
        .await?
        .items;
    organisations.sort_by_cached_key(|o| o.name.to_lowercase());
    render_status(
        &LinkPage {
            nav: Some(page.nav("people")),
            l: page.l,
            person,
            person_name,
            organisations,
            links,
            other_errors: errors.others(&LINK_FIELDS),
            form,
            errors,
            sources: source_codes(),
        },
        status,
    )
}

async fn new(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Links, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let form = LinkForm {
        source: Source::StaffEntry.code().to_string(),
        ..LinkForm::default()
    };
    link_page(
        &s,
        page,
        person,
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn create(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<LinkForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Links, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    let new = match form.draft().parse() {
        Ok(new) => new,
        Err(invalid) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            return link_page(&s, page, person, form, errors, refused).await;
        }
    };
    let created = s
        .store
        .create_link(
            &page.caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            person,
            new,
        )
        .await
        .map_err(ApiError::from);
    match created {
        Ok(_) => Ok(see_other(&format!("/people/{person}"))),
        Err(ApiError::Invalid(invalid)) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            link_page(&s, page, person, form, errors, refused).await
        }
        Err(e) => Err(e),
    }
}

async fn remove(
    State(s): State<AppState>,
    Path((id, link)): Path<(String, String)>,
    Posted { page, form }: Posted<VersionForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Links, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let link: LinkId = path_id(&link)?;
    let version = form.version()?;
    s.store
        .delete_link(
            &page.caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            person,
            link,
            version,
        )
        .await?;
    // R8, R19: the change queued the erasure's re-check when one waits.
    Ok(see_other(&format!("/people/{person}")))
}
