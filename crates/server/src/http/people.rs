//! `/people` and `/people/{id}/organisations`.

use super::{ListOf, Paging};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, IfMatch, JsonBody, Query, etag, path_id};
use crate::policy::{Access, Resource, allow, may_filter_by_contact, person_view};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::{LinkId, PersonId};
use rekisteri_domain::organisation::{Link, LinkDraft};
use rekisteri_domain::person::{Person, PersonDraft};
use rekisteri_store::PersonFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, replace, remove))
        .routes(routes!(list_links, create_link))
        .routes(routes!(replace_link, remove_link))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PeopleQuery {
    /// Exact email address.
    email: Option<String>,
    /// Start of the last name.
    last_name: Option<String>,
    /// People representing this organisation.
    organisation_id: Option<String>,
}

/// List people, oldest first, a page at a time.
#[utoipa::path(get, path = "/people", tag = "people", params(PeopleQuery, Paging),
    responses((status = 200, body = ListOf<Person>)), security(("bearer" = [])))]
async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<PeopleQuery>,
    Query(paging): Query<Paging>,
) -> Result<Json<ListOf<Person>>, ApiError> {
    allow(&caller, Resource::People, Access::Read)?;
    if q.email.is_some() {
        may_filter_by_contact(&caller.user)?;
    }
    // R18: a lookup by name or email is a search; restricted people are
    // found by the privacy officer only.
    let lookup = q.email.is_some() || q.last_name.is_some();
    let filter = PersonFilter {
        email: q.email.map(|e| e.trim().to_string()),
        last_name_prefix: q.last_name,
        organisation_id: q.organisation_id,
        without_restricted: lookup && !crate::policy::finds_restricted(&caller.user),
    };
    let mut page = s
        .store
        .list_people(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            &filter,
            &paging.request()?,
        )
        .await?;
    page.items = page
        .items
        .into_iter()
        .map(|p| person_view(&caller.user, p))
        .collect();
    Ok(Json(page.into()))
}

/// Add a person. Every value records the request's `source` (R5).
#[utoipa::path(post, path = "/people", tag = "people", request_body = PersonDraft,
    responses((status = 201, body = Person), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<PersonDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::People, Access::Write)?;
    let new = draft.parse()?;
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

/// Read a person, with the source of every value.
#[utoipa::path(get, path = "/people/{id}", tag = "people", params(("id" = PersonId, Path)),
    responses((status = 200, body = Person), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::People, Access::Read)?;
    let person = s
        .store
        .get_person(
            &caller.actor(Purpose::CustomerRelationship),
            s.clock.now(),
            path_id(&id)?,
        )
        .await?;
    Ok((
        etag(person.version),
        Json(person_view(&caller.user, person)),
    ))
}

/// Replace a person's data. Values that stay keep their source; new ones take the request's.
#[utoipa::path(put, path = "/people/{id}", tag = "people", params(("id" = PersonId, Path), IfMatch), request_body = PersonDraft,
    responses((status = 200, body = Person), (status = 409, description = "`restricted`: the person's processing is restricted (R18)", body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn replace(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(draft): JsonBody<PersonDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::People, Access::Write)?;
    let id = path_id(&id)?;
    let new = draft.parse()?;
    let person = s
        .store
        .replace_person(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            id,
            version,
            new,
        )
        .await?;
    Ok((etag(person.version), Json(person)))
}

/// Retired: a person is never plainly deleted. Answers 410 `use_erasure`
/// naming the erasure (`POST /api/v1/people/{id}/erasure`, the privacy
/// officer's: holds checked, R8, R19; tombstones, derived data and the
/// recipients' notices, R21). Nothing is deleted.
#[utoipa::path(delete, path = "/people/{id}", tag = "people", params(("id" = PersonId, Path)),
    responses((status = 410, description = "Retired: use POST /api/v1/people/{id}/erasure", body = ErrorBody)),
    security(("bearer" = [])))]
async fn remove(caller: Caller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::People, Access::Write)?;
    let id: PersonId = path_id(&id)?;
    Err(ApiError::Gone {
        code: "use_erasure",
        message: format!(
            "a person is not deleted but erased: the privacy officer uses POST /api/v1/people/{id}/erasure \
             (holds are checked, R8, R19; the erasure reaches derived data and the recipients, R21); \
             nothing was deleted"
        ),
    })
}

/// The organisations the person represents.
#[utoipa::path(get, path = "/people/{id}/organisations", tag = "people", params(("id" = PersonId, Path)),
    responses((status = 200, body = Vec<Link>)), security(("bearer" = [])))]
async fn list_links(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Link>>, ApiError> {
    allow(&caller, Resource::Links, Access::Read)?;
    Ok(Json(
        s.store
            .list_links(
                &caller.actor(Purpose::CustomerRelationship),
                s.clock.now(),
                path_id(&id)?,
            )
            .await?,
    ))
}

/// Record that the person represents an organisation.
#[utoipa::path(post, path = "/people/{id}/organisations", tag = "people", params(("id" = PersonId, Path)), request_body = LinkDraft,
    responses((status = 201, body = Link), (status = 409, description = "`restricted`: the person's processing is restricted (R18)", body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn create_link(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(draft): JsonBody<LinkDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Links, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let link = s
        .store
        .create_link(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            person,
            draft.parse()?,
        )
        .await?;
    Ok((StatusCode::CREATED, etag(link.version), Json(link)))
}

#[utoipa::path(put, path = "/people/{id}/organisations/{link_id}", tag = "people",
    params(("id" = PersonId, Path), ("link_id" = LinkId, Path), IfMatch), request_body = LinkDraft,
    responses((status = 200, body = Link), (status = 409, description = "`restricted`: the person's processing is restricted (R18)", body = ErrorBody), (status = 412, body = ErrorBody)), security(("bearer" = [])))]
async fn replace_link(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, link_id)): Path<(String, String)>,
    IfMatch(version): IfMatch,
    JsonBody(draft): JsonBody<LinkDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Links, Access::Write)?;
    let (person, link_id) = (path_id(&id)?, path_id(&link_id)?);
    let new = draft.parse()?;
    let link = s
        .store
        .replace_link(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            person,
            link_id,
            version,
            new,
        )
        .await?;
    // R8, R19: the change queued the erasure's re-check when one waits.
    Ok((etag(link.version), Json(link)))
}

#[utoipa::path(delete, path = "/people/{id}/organisations/{link_id}", tag = "people",
    params(("id" = PersonId, Path), ("link_id" = LinkId, Path), IfMatch),
    responses((status = 204), (status = 409, description = "`restricted`: the person's processing is restricted (R18)", body = ErrorBody), (status = 412, body = ErrorBody)), security(("bearer" = [])))]
async fn remove_link(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, link_id)): Path<(String, String)>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Links, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    s.store
        .delete_link(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            person,
            path_id(&link_id)?,
            version,
        )
        .await?;
    // R8, R19: the change queued the erasure's re-check when one waits.
    Ok(StatusCode::NO_CONTENT)
}
