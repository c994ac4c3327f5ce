//! The access report (R14) and portability (R16):
//! `GET /people/{id}/report?format=json|html|csv|vcard&lang=fi|en` for the
//! privacy officer and the admin, and `POST /people/import?format=json|vcard`,
//! which makes a person of such a file. The report itself is
//! [`crate::services::report`]'s.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, Query, etag, path_id};
use crate::i18n::Lang;
use crate::policy::{Access, Resource, allow};
use crate::services::report::{ImportFormat, ReportFormat, person_draft, respond};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::person::Person;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .routes(routes!(import))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// `json` (default; schema `docs/access-report.schema.json`), `html`
    /// (printable), `csv` (a zip of one CSV per section) or `vcard`.
    format: Option<String>,
    /// The document's language: `fi` or `en`; default the user's, else Finnish.
    lang: Option<String>,
}

/// Everything held on the person (R14, R16): details with their sources,
/// organisations, orders, invoices, notes, permissions with their history
/// and wording, restrictions, disclosures, requests, and the purposes,
/// legal bases, retention, sources, recipients, rights and the authority's
/// contact details (R20). A restriction does not stop it (access is a
/// right). Audited as an export of the person.
#[utoipa::path(get, path = "/people/{id}/report", tag = "people",
    params(("id" = PersonId, Path), ReportQuery),
    responses((status = 200, description = "A download: JSON, HTML, a zip of CSV files, or a vCard"),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn report(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    allow(&caller, Resource::Reports, Access::Read)?;
    let person = path_id(&id)?;
    let format = ReportFormat::parse(q.format.as_deref())?;
    let lang = match q.lang.as_deref() {
        None | Some("") => caller
            .user
            .language
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(Lang::Fi),
        Some(raw) => Lang::parse(raw).ok_or_else(|| ApiError::field("lang", "must be fi or en"))?,
    };
    // R14: answering an access request maintains the register.
    let actor = caller.actor(Purpose::RegisterMaintenance);
    respond(&s, &actor, person, format, lang).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// `json` (an access report, `docs/access-report.schema.json`) or `vcard`.
    format: Option<String>,
}

/// Portability into Rekisteri (R16): a person from their access report's
/// JSON (of this or another Rekisteri) or a vCard. Names, title, emails,
/// phones, websites and addresses are validated and stored as a new person
/// like `POST /people`, each value from `own_notice` ("portability: json").
#[utoipa::path(post, path = "/people/import", tag = "people", params(ImportQuery),
    request_body(content = String, description = "The file: an access report's JSON or a vCard", content_type = "text/plain"),
    responses((status = 201, body = Person), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn import(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::People, Access::Write)?;
    let format = ImportFormat::parse(q.format.as_deref())?;
    let new = person_draft(format, &body)
        .map_err(|m| ApiError::field("body", m))?
        .parse()?;
    let person = s
        .store
        .create_person(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            new,
        )
        .await?;
    Ok((StatusCode::CREATED, etag(person.version), Json(person)))
}
