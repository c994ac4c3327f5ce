//! `/recipients`: the register of recipients and processors (R4, R7), each
//! with its country and, outside the EU/EEA, its safeguard. Staff read it;
//! the admin and the privacy officer keep it. `DELETE` retires: a retired
//! recipient stays for the disclosure log and receives nothing more.

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
use rekisteri_domain::ids::RecipientId;
use rekisteri_domain::recipient::{Recipient, RecipientDraft};
use rekisteri_store::RecipientFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, replace, retire))
}

/// Writes to the register of recipients are register maintenance (R2).
const PURPOSE: Purpose = Purpose::RegisterMaintenance;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct RecipientQuery {
    /// `true` leaves out retired recipients.
    active: Option<bool>,
}

/// List recipients and processors, oldest first.
#[utoipa::path(get, path = "/recipients", tag = "recipients", params(RecipientQuery, Paging),
    responses((status = 200, body = ListOf<Recipient>)), security(("bearer" = [])))]
async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<RecipientQuery>,
    Query(paging): Query<Paging>,
) -> Result<Json<ListOf<Recipient>>, ApiError> {
    allow(&caller, Resource::Recipients, Access::Read)?;
    let filter = RecipientFilter {
        active_only: q.active.unwrap_or(false),
    };
    Ok(Json(
        s.store
            .list_recipients(&filter, &paging.request()?)
            .await?
            .into(),
    ))
}

/// Add a recipient or processor. One outside the EU/EEA may be added
/// without a safeguard, but receives nothing until one is recorded (R7).
#[utoipa::path(post, path = "/recipients", tag = "recipients", request_body = RecipientDraft,
    responses((status = 201, body = Recipient), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<RecipientDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Recipients, Access::Write)?;
    let new = draft.parse()?;
    let recipient = s
        .store
        .create_recipient(&caller.actor(PURPOSE), s.clock.now(), new)
        .await?;
    Ok((
        StatusCode::CREATED,
        etag(recipient.version),
        Json(recipient),
    ))
}

#[utoipa::path(get, path = "/recipients/{id}", tag = "recipients", params(("id" = RecipientId, Path)),
    responses((status = 200, body = Recipient), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Recipients, Access::Read)?;
    let recipient = s.store.get_recipient(path_id(&id)?).await?;
    Ok((etag(recipient.version), Json(recipient)))
}

/// Replace a recipient's data (record its safeguard here). Needs `If-Match`.
#[utoipa::path(put, path = "/recipients/{id}", tag = "recipients", params(("id" = RecipientId, Path), IfMatch),
    request_body = RecipientDraft,
    responses((status = 200, body = Recipient), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)), security(("bearer" = [])))]
async fn replace(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(draft): JsonBody<RecipientDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Recipients, Access::Write)?;
    let id = path_id(&id)?;
    let new = draft.parse()?;
    let recipient = s
        .store
        .replace_recipient(&caller.actor(PURPOSE), s.clock.now(), id, version, new)
        .await?;
    Ok((etag(recipient.version), Json(recipient)))
}

/// Retire a recipient: kept for the disclosure log, it receives nothing
/// more. Needs `If-Match`; answers the retired record.
#[utoipa::path(delete, path = "/recipients/{id}", tag = "recipients", params(("id" = RecipientId, Path), IfMatch),
    responses((status = 200, body = Recipient), (status = 409, body = ErrorBody), (status = 412, body = ErrorBody),
        (status = 428, body = ErrorBody)), security(("bearer" = [])))]
async fn retire(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Recipients, Access::Write)?;
    let recipient = s
        .store
        .retire_recipient(
            &caller.actor(PURPOSE),
            s.clock.now(),
            path_id(&id)?,
            version,
        )
        .await?;
    Ok((etag(recipient.version), Json(recipient)))
}
