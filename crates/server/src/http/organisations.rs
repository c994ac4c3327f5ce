//! `/organisations`.

use super::{ListOf, Paging};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, IfMatch, JsonBody, Query, etag, path_id};
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::OrganisationId;
use rekisteri_domain::organisation::{Organisation, OrganisationDraft};
use rekisteri_store::OrganisationFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, replace, remove))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct OrganisationQuery {
    /// Start of the name.
    name: Option<String>,
    /// Exact business ID (Y-tunnus).
    business_id: Option<String>,
}

#[utoipa::path(get, path = "/organisations", tag = "organisations", params(OrganisationQuery, Paging),
    responses((status = 200, body = ListOf<Organisation>)), security(("bearer" = [])))]
async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<OrganisationQuery>,
    Query(paging): Query<Paging>,
) -> Result<Json<ListOf<Organisation>>, ApiError> {
    allow(&caller, Resource::Organisations, Access::Read)?;
    let filter = OrganisationFilter {
        name_prefix: q.name,
        business_id: q.business_id,
    };
    Ok(Json(
        s.store
            .list_organisations(&filter, &paging.request()?)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/organisations", tag = "organisations", request_body = OrganisationDraft,
    responses((status = 201, body = Organisation), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<OrganisationDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Organisations, Access::Write)?;
    let new = draft.parse()?;
    let org = s
        .store
        .create_organisation(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            new,
        )
        .await?;
    Ok((StatusCode::CREATED, etag(org.version), Json(org)))
}

#[utoipa::path(get, path = "/organisations/{id}", tag = "organisations", params(("id" = OrganisationId, Path)),
    responses((status = 200, body = Organisation), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Organisations, Access::Read)?;
    let org = s.store.get_organisation(path_id(&id)?).await?;
    Ok((etag(org.version), Json(org)))
}

#[utoipa::path(put, path = "/organisations/{id}", tag = "organisations", params(("id" = OrganisationId, Path), IfMatch), request_body = OrganisationDraft,
    responses((status = 200, body = Organisation), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn replace(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(draft): JsonBody<OrganisationDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Organisations, Access::Write)?;
    let id = path_id(&id)?;
    let new = draft.parse()?;
    let org = s
        .store
        .replace_organisation(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            id,
            version,
            new,
        )
        .await?;
    Ok((etag(org.version), Json(org)))
}

/// Delete an organisation. Refused with 409 `active_contacts` while it has
/// contact links not ended (`records` names each link and its person: end
/// them first, R19), and with 409 `has_notes` while it has notes.
#[utoipa::path(delete, path = "/organisations/{id}", tag = "organisations", params(("id" = OrganisationId, Path), IfMatch),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody)), security(("bearer" = [])))]
async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Organisations, Access::Write)?;
    s.store
        .delete_organisation(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            path_id(&id)?,
            version,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
