//! `/settings/register` (R1): the controller, the register's contact person
//! and the supervisory authority as the admin keeps them — read, changed
//! (a new version, checked field by field, `If-Match` its ETag) and every
//! earlier version listed.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, IfMatch, JsonBody, etag};
use crate::policy::{Access, Resource, allow};
use crate::services::register::change_register;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_store::RegisterVersion;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(current, change))
        .routes(routes!(versions))
}

/// The register's details in force (version 0: the seed notice's, never
/// changed). The ETag is the version.
#[utoipa::path(get, path = "/settings/register", tag = "settings",
    responses((status = 200, body = RegisterVersion)), security(("bearer" = [])))]
async fn current(State(s): State<AppState>, caller: Caller) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Settings, Access::Read)?;
    let version = s.store.register_details().await?;
    Ok((etag(version.version), Json(version)))
}

/// Change the register's details: the whole set, checked field by field
/// (the Y-tunnus with its check digit, emails, phones, the authority's
/// website). `If-Match` with the ETag read; a change made since is 412.
/// Letters, reminders, the portal and the access report use it from now on.
#[utoipa::path(put, path = "/settings/register", params(IfMatch), tag = "settings", request_body = RegisterDetails,
    responses((status = 200, body = RegisterVersion), (status = 412, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn change(
    State(s): State<AppState>,
    caller: Caller,
    IfMatch(expected): IfMatch,
    JsonBody(details): JsonBody<RegisterDetails>,
) -> Result<impl IntoResponse, ApiError> {
    let version = change_register(&s, &caller, &details, Some(expected)).await?;
    Ok((etag(version.version), Json(version)))
}

/// Every version stored, newest first: what the details were, when, and who changed them.
#[utoipa::path(get, path = "/settings/register/versions", tag = "settings",
    responses((status = 200, body = Vec<RegisterVersion>)), security(("bearer" = [])))]
async fn versions(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<RegisterVersion>>, ApiError> {
    allow(&caller, Resource::Settings, Access::Read)?;
    Ok(Json(s.store.register_versions().await?))
}
