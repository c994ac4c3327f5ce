//! `/admin/settings` (R1): the register's details as the admin keeps them
//! — the controller, the register's contact person and the supervisory
//! authority — in a form, with every earlier version below. The same check,
//! store call and audit as the API's `PUT /api/v1/settings/register`
//! (`services::register`).

use super::forms::{Field, FormErrors, Input};
use super::page::{Nav, Page, Posted};
use super::{render, see_other};
use crate::error::ApiError;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::services::register::change_register;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use rekisteri_domain::controller::{
    ContactPerson, Controller, RegisterDetails, SupervisoryAuthority,
};
use rekisteri_store::RegisterVersion;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/settings/register", get(show).post(save))
}

#[derive(Template)]
#[template(path = "admin_settings.html")]
struct SettingsPage {
    l: Locale,
    nav: Option<Nav>,
    /// The version the form was read at (a change made since is refused).
    version: i64,
    sections: Vec<(String, Vec<Field>)>,
    versions: Vec<RegisterVersion>,
    saved: bool,
    conflict: bool,
    errors: FormErrors,
}

/// The form's fields, named as the checks name them (`controller.name`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RegisterForm {
    version: String,
    #[serde(rename = "controller.name")]
    controller_name: String,
    #[serde(rename = "controller.business_id")]
    business_id: String,
    #[serde(rename = "controller.street")]
    street: String,
    #[serde(rename = "controller.postal_code")]
    postal_code: String,
    #[serde(rename = "controller.city")]
    city: String,
    #[serde(rename = "contact.name")]
    contact_name: String,
    #[serde(rename = "contact.phone")]
    contact_phone: String,
    #[serde(rename = "contact.email")]
    contact_email: String,
    #[serde(rename = "authority.name_fi")]
    authority_fi: String,
    #[serde(rename = "authority.name_en")]
    authority_en: String,
    #[serde(rename = "authority.street")]
    authority_street: String,
    #[serde(rename = "authority.postal_address")]
    authority_postal: String,
    #[serde(rename = "authority.phone")]
    authority_phone: String,
    #[serde(rename = "authority.email")]
    authority_email: String,
    #[serde(rename = "authority.website")]
    authority_website: String,
}

impl RegisterForm {
    fn of(version: i64, d: &RegisterDetails) -> Self {
        let (c, p, a) = (&d.controller, &d.contact, &d.authority);
        Self {
            version: version.to_string(),
            controller_name: c.name.clone(),
            business_id: c.business_id.clone(),
            street: c.street.clone(),
            postal_code: c.postal_code.clone(),
            city: c.city.clone(),
            contact_name: p.name.clone(),
            contact_phone: p.phone.clone(),
            contact_email: p.email.clone(),
            authority_fi: a.name_fi.clone(),
            authority_en: a.name_en.clone(),
            authority_street: a.street.clone(),
            authority_postal: a.postal_address.clone(),
            authority_phone: a.phone.clone(),
            authority_email: a.email.clone(),
            authority_website: a.website.clone(),
        }
    }

    fn details(&self) -> RegisterDetails {
        RegisterDetails {
            controller: Controller {
                name: self.controller_name.clone(),
                business_id: self.business_id.clone(),
                street: self.street.clone(),
                postal_code: self.postal_code.clone(),
                city: self.city.clone(),
            },
            contact: ContactPerson {
                name: self.contact_name.clone(),
                phone: self.contact_phone.clone(),
                email: self.contact_email.clone(),
            },
            authority: SupervisoryAuthority {
                name_fi: self.authority_fi.clone(),
                name_en: self.authority_en.clone(),
                street: self.authority_street.clone(),
                postal_address: self.authority_postal.clone(),
                phone: self.authority_phone.clone(),
                email: self.authority_email.clone(),
                website: self.authority_website.clone(),
            },
        }
    }
}

async fn page_of(
    s: &AppState,
    page: Page,
    form: &RegisterForm,
    errors: FormErrors,
    saved: bool,
    conflict: bool,
) -> Result<Response, ApiError> {
    let l = &page.l;
    let field = |name: &'static str, value: &str| {
        Field::new(
            name,
            l.t(&format!("reg-{}", name.replace('.', "-"))),
            value,
            &errors,
        )
        .required()
    };
    let sections = vec![
        (
            l.t("reg-controller"),
            vec![
                field("controller.name", &form.controller_name),
                field("controller.business_id", &form.business_id)
                    .hint(l.t("reg-business-id-hint")),
                field("controller.street", &form.street),
                field("controller.postal_code", &form.postal_code),
                field("controller.city", &form.city),
            ],
        ),
        (
            l.t("reg-contact"),
            vec![
                field("contact.name", &form.contact_name),
                field("contact.phone", &form.contact_phone),
                field("contact.email", &form.contact_email).input(Input::Email),
            ],
        ),
        (
            l.t("reg-authority"),
            vec![
                field("authority.name_fi", &form.authority_fi),
                field("authority.name_en", &form.authority_en),
                field("authority.street", &form.authority_street),
                field("authority.postal_address", &form.authority_postal),
                field("authority.phone", &form.authority_phone),
                field("authority.email", &form.authority_email).input(Input::Email),
                field("authority.website", &form.authority_website),
            ],
        ),
    ];
    let versions = s.store.register_versions().await?;
    let status = if !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if conflict {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let mut response = render(&SettingsPage {
        nav: Some(page.nav("admin")),
        version: form.version.trim().parse().unwrap_or(0),
        l: page.l,
        sections,
        versions,
        saved,
        conflict,
        errors,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

#[derive(Deserialize)]
struct ShowQuery {
    saved: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    page: Page,
    axum::extract::Query(q): axum::extract::Query<ShowQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Settings, Access::Read)?;
    let current = s.store.register_details().await?;
    let form = RegisterForm::of(current.version, &current.details);
    page_of(&s, page, &form, FormErrors::new(), q.saved.is_some(), false).await
}

async fn save(
    State(s): State<AppState>,
    Posted { page, form }: Posted<RegisterForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Settings, Access::Write)?;
    let expected = Some(super::forms::parse_version(&form.version)?);
    match change_register(&s, &page.caller, &form.details(), expected).await {
        Ok(_) => Ok(see_other("/admin/settings/register?saved=1")),
        Err(ApiError::Invalid(invalid)) => {
            // Named as the checks name them (`contact.email`): the form's
            // fields carry the same dotted names.
            let mut errors = FormErrors::new();
            for e in &invalid.0 {
                errors.add(&e.field, crate::i18n::field_message(&page.l, e));
            }
            page_of(&s, page, &form, errors, false, false).await
        }
        Err(ApiError::VersionMismatch { .. }) => {
            page_of(&s, page, &form, FormErrors::new(), false, true).await
        }
        Err(other) => Err(other),
    }
}
