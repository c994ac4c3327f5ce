//! Organisations: the list (name prefix), a new one, its page (details,
//! the people who represent it, its orders and invoices) and its edit form
//! with optimistic concurrency. The same policy, store calls and purposes
//! as `http/organisations.rs`.

use super::forms::{FormErrors, VersionForm};
use super::page::{Nav, Page, Posted};
use super::refusals::Refusal;
use super::{render, see_other};
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow, person_view};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use rekisteri_domain::billing::{Invoice, Order};
use rekisteri_domain::ids::OrganisationId;
use rekisteri_domain::organisation::{Organisation, OrganisationDraft};
use rekisteri_domain::person::Person;
use rekisteri_domain::{Purpose, Source};
use rekisteri_store::{InvoiceFilter, OrderFilter, OrganisationFilter, PageRequest, PersonFilter};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organisations", get(list).post(create))
        .route("/organisations/new", get(new))
        .route("/organisations/{id}", get(show))
        .route("/organisations/{id}/edit", get(edit).post(update))
        .route("/organisations/{id}/delete", post(delete))
}

/// A page with a status other than 200 (422 for a refused form).
pub(super) fn render_status(
    template: &impl Template,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let mut response = render(template)?;
    *response.status_mut() = status;
    Ok(response)
}

/// The codes of the sources of data, for a `<select>`.
pub(super) fn source_codes() -> Vec<&'static str> {
    Source::ALL.iter().map(|s| s.code()).collect()
}

#[derive(Template)]
#[template(path = "organisations.html")]
struct ListPage {
    l: Locale,
    nav: Option<Nav>,
    q: String,
    organisations: Vec<Organisation>,
    may_write: bool,
}

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
}

async fn list(
    State(s): State<AppState>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Organisations, Access::Read)?;
    let q: String = q.q.unwrap_or_default().trim().chars().take(200).collect();
    let filter = OrganisationFilter {
        name_prefix: (!q.is_empty()).then(|| q.clone()),
        business_id: None,
    };
    let mut organisations = s
        .store
        .list_organisations(&filter, &request(200))
        .await?
        .items;
    organisations.sort_by_cached_key(|o| o.name.to_lowercase());
    render(&ListPage {
        may_write: allow(&page.caller, Resource::Organisations, Access::Write).is_ok(),
        nav: Some(page.nav("organisations")),
        l: page.l,
        q,
        organisations,
    })
}

pub(super) fn request(limit: u32) -> PageRequest {
    PageRequest::first(limit)
}

/// The organisation form's fields (mirrors `OrganisationDraft`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct OrgForm {
    name: String,
    business_id: String,
    website: String,
    source: String,
    source_detail: String,
    version: String,
}

impl OrgForm {
    fn of(org: &Organisation) -> Self {
        Self {
            name: org.name.clone(),
            business_id: org.business_id.clone().unwrap_or_default(),
            website: org.website.clone().unwrap_or_default(),
            source: org.provenance.source.code().to_string(),
            source_detail: org.provenance.source_detail.clone().unwrap_or_default(),
            version: org.version.to_string(),
        }
    }

    fn draft(&self) -> OrganisationDraft {
        let some = |v: &str| Some(v.to_string()).filter(|v| !v.trim().is_empty());
        OrganisationDraft {
            name: some(&self.name),
            business_id: some(&self.business_id),
            website: some(&self.website),
            source: some(&self.source),
            source_detail: some(&self.source_detail),
        }
    }
}

#[derive(Template)]
#[template(path = "organisation_form.html")]
struct FormPage {
    l: Locale,
    nav: Option<Nav>,
    /// The organisation being edited; `None` for a new one.
    id: Option<OrganisationId>,
    form: OrgForm,
    errors: FormErrors,
    other_errors: Vec<String>,
    conflict: bool,
    sources: Vec<&'static str>,
}

const ORG_FIELDS: [&str; 5] = ["name", "business_id", "website", "source", "source_detail"];

fn form_page(
    page: Page,
    id: Option<OrganisationId>,
    form: OrgForm,
    errors: FormErrors,
    conflict: bool,
    status: StatusCode,
) -> Result<Response, ApiError> {
    render_status(
        &FormPage {
            nav: Some(page.nav("organisations")),
            l: page.l,
            id,
            form,
            other_errors: errors.others(&ORG_FIELDS),
            errors,
            conflict,
            sources: source_codes(),
        },
        status,
    )
}

async fn new(page: Page) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Organisations, Access::Write)?;
    let form = OrgForm {
        source: Source::StaffEntry.code().to_string(),
        ..OrgForm::default()
    };
    form_page(
        page,
        None,
        form,
        FormErrors::default(),
        false,
        StatusCode::OK,
    )
}

async fn create(
    State(s): State<AppState>,
    Posted { page, form }: Posted<OrgForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Organisations, Access::Write)?;
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
    let created = s
        .store
        .create_organisation(
            &page.caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            new,
        )
        .await
        .map_err(ApiError::from);
    match created {
        Ok(org) => Ok(see_other(&format!("/organisations/{}", org.id))),
        Err(ApiError::Invalid(invalid)) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            form_page(
                page,
                None,
                form,
                errors,
                false,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct ShowPage {
    l: Locale,
    nav: Option<Nav>,
    org: Organisation,
    people: Option<Vec<Person>>,
    orders: Option<Vec<Order>>,
    invoices: Option<Vec<Invoice>>,
    may_write: bool,
    may_order: bool,
    /// A refused deletion and what stands in its way.
    refusal: Option<Refusal>,
}

async fn show(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Organisations, Access::Read)?;
    show_page(&s, page, path_id(&id)?, None, StatusCode::OK).await
}

/// The organisation's page, with a refused deletion's notice if any.
async fn show_page(
    s: &AppState,
    page: Page,
    id: OrganisationId,
    refusal: Option<Refusal>,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let org = s.store.get_organisation(id).await?;
    let now = s.clock.now();
    let caller = &page.caller;
    let people = if allow(caller, Resource::People, Access::Read).is_ok() {
        let filter = PersonFilter {
            organisation_id: Some(id.to_string()),
            ..PersonFilter::default()
        };
        let found = s
            .store
            .list_people(
                &caller.actor(Purpose::CustomerRelationship),
                now,
                &filter,
                &request(200),
            )
            .await?
            .items;
        Some(
            found
                .into_iter()
                .map(|p| person_view(&caller.user, p))
                .collect(),
        )
    } else {
        None
    };
    let orders = if allow(caller, Resource::Orders, Access::Read).is_ok() {
        let filter = OrderFilter {
            organisation_id: Some(id.to_string()),
            ..OrderFilter::default()
        };
        let actor = caller.actor(Purpose::OrderManagement);
        Some(
            s.store
                .list_orders(&actor, now, &filter, &request(100))
                .await?
                .items,
        )
    } else {
        None
    };
    let invoices = if allow(caller, Resource::Invoices, Access::Read).is_ok() {
        let filter = InvoiceFilter {
            organisation_id: Some(id.to_string()),
            ..InvoiceFilter::default()
        };
        let actor = caller.actor(Purpose::OrderManagement);
        Some(
            s.store
                .list_invoices(&actor, now, &filter, &request(100))
                .await?
                .items,
        )
    } else {
        None
    };
    let page_of = ShowPage {
        may_write: allow(caller, Resource::Organisations, Access::Write).is_ok(),
        may_order: allow(caller, Resource::Orders, Access::Write).is_ok(),
        nav: Some(page.nav("organisations")),
        l: page.l,
        org,
        people,
        orders,
        invoices,
        refusal,
    };
    render_status(&page_of, status)
}

/// Deletes the organisation; refused (409) while contact links have not
/// ended (R19) or it has notes: its page again, naming what is in the way.
async fn delete(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<VersionForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Organisations, Access::Write)?;
    let id: OrganisationId = path_id(&id)?;
    let version = form.version()?;
    let deleted = s
        .store
        .delete_organisation(
            &page.caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            id,
            version,
        )
        .await
        .map_err(ApiError::from);
    match deleted {
        Ok(()) => Ok(see_other("/organisations")),
        Err(ApiError::Blocked { code, records, .. }) => {
            let refusal = Refusal::of(&s, &page, code, &records).await?;
            show_page(&s, page, id, Some(refusal), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}

async fn edit(
    State(s): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Organisations, Access::Write)?;
    let org = s.store.get_organisation(path_id(&id)?).await?;
    let form = OrgForm::of(&org);
    form_page(
        page,
        Some(org.id),
        form,
        FormErrors::default(),
        false,
        StatusCode::OK,
    )
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<OrgForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Organisations, Access::Write)?;
    let id: OrganisationId = path_id(&id)?;
    let new = match form.draft().parse() {
        Ok(new) => new,
        Err(invalid) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(page, Some(id), form, errors, false, status);
        }
    };
    let version = super::forms::parse_version(&form.version)?;
    let replaced = s
        .store
        .replace_organisation(
            &page.caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            id,
            version,
            new,
        )
        .await
        .map_err(ApiError::from);
    match replaced {
        Ok(org) => Ok(see_other(&format!("/organisations/{}", org.id))),
        Err(ApiError::VersionMismatch { .. }) => form_page(
            page,
            Some(id),
            form,
            FormErrors::default(),
            true,
            StatusCode::CONFLICT,
        ),
        Err(ApiError::Invalid(invalid)) => {
            let errors = FormErrors::from_invalid(&page.l, &invalid);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            form_page(page, Some(id), form, errors, false, status)
        }
        Err(e) => Err(e),
    }
}
