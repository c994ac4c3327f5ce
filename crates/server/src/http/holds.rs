//! Legal holds (R8) and paper documents (R10) on the API.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, JsonBody, path_id};
use crate::policy::{Access, Resource, allow};
use crate::services::holds;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::{LegalHoldId, PaperDocumentId, PersonId};
use rekisteri_domain::legal_hold::{LegalHold, LegalHoldDraft};
use rekisteri_domain::paper::{PaperDocument, PaperDocumentDraft};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_holds, place_hold))
        .routes(routes!(end_hold))
        .routes(routes!(list_paper, add_paper))
        .routes(routes!(to_destroy))
        .routes(routes!(destroyed))
}

/// The person's legal holds, newest first, in force or ended.
#[utoipa::path(get, path = "/people/{id}/legal-holds", tag = "erasure", params(("id" = PersonId, Path)),
    responses((status = 200, body = Vec<LegalHold>)), security(("bearer" = [])))]
async fn list_holds(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<LegalHold>>, ApiError> {
    allow(&caller, Resource::LegalHolds, Access::Read)?;
    let person: PersonId = path_id(&id)?;
    Ok(Json(
        s.store
            .legal_holds(
                &caller.actor(Purpose::RegisterMaintenance),
                s.clock.now(),
                person,
            )
            .await?,
    ))
}

/// Place a legal hold (the privacy officer's): it blocks the person's
/// erasure and retention until it ends, and an erasure request meanwhile
/// is answered 409 `held` with code `legal_hold`.
#[utoipa::path(post, path = "/people/{id}/legal-holds", tag = "erasure", params(("id" = PersonId, Path)),
    request_body = LegalHoldDraft,
    responses((status = 201, body = LegalHold), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn place_hold(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(draft): JsonBody<LegalHoldDraft>,
) -> Result<(StatusCode, Json<LegalHold>), ApiError> {
    allow(&caller, Resource::LegalHolds, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let hold = holds::place(&s, &caller, person, &draft).await?;
    Ok((StatusCode::CREATED, Json(hold)))
}

/// End a legal hold now; an erasure it held runs if nothing else holds it.
#[utoipa::path(post, path = "/people/{id}/legal-holds/{hold_id}/end", tag = "erasure",
    params(("id" = PersonId, Path), ("hold_id" = LegalHoldId, Path)),
    responses((status = 200, body = LegalHold), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn end_hold(
    State(s): State<AppState>,
    caller: Caller,
    Path((id, hold)): Path<(String, String)>,
) -> Result<Json<LegalHold>, ApiError> {
    allow(&caller, Resource::LegalHolds, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let hold: LegalHoldId = path_id(&hold)?;
    Ok(Json(holds::end(&s, &caller, person, hold).await?))
}

/// The paper documents kept about the person (R10).
#[utoipa::path(get, path = "/people/{id}/paper-documents", tag = "paper", params(("id" = PersonId, Path)),
    responses((status = 200, body = Vec<PaperDocument>)), security(("bearer" = [])))]
async fn list_paper(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<PaperDocument>>, ApiError> {
    allow(&caller, Resource::PaperDocuments, Access::Read)?;
    let person: PersonId = path_id(&id)?;
    Ok(Json(
        s.store
            .paper_documents(
                &caller.actor(Purpose::RegisterMaintenance),
                s.clock.now(),
                person,
            )
            .await?,
    ))
}

/// Record a paper document kept about the person: its kind, date, archive
/// location and keeper.
#[utoipa::path(post, path = "/people/{id}/paper-documents", tag = "paper", params(("id" = PersonId, Path)),
    request_body = PaperDocumentDraft,
    responses((status = 201, body = PaperDocument), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn add_paper(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(draft): JsonBody<PaperDocumentDraft>,
) -> Result<(StatusCode, Json<PaperDocument>), ApiError> {
    allow(&caller, Resource::PaperDocuments, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let doc = holds::add_paper(&s, &caller, person, &draft).await?;
    Ok((StatusCode::CREATED, Json(doc)))
}

/// Paper documents to destroy: an erasure or a retention action asked for
/// it and the officer has not confirmed it yet (the erasure is complete
/// only then).
#[utoipa::path(get, path = "/paper-documents/to-destroy", tag = "paper",
    responses((status = 200, body = Vec<PaperDocument>)), security(("bearer" = [])))]
async fn to_destroy(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PaperDocument>>, ApiError> {
    Ok(Json(holds::to_destroy(&s, &caller).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
struct Destroyed {
    /// The day it was destroyed (`YYYY-MM-DD`); today when left out.
    destroyed_on: Option<String>,
}

/// Confirm a paper document destroyed (the privacy officer's).
#[utoipa::path(post, path = "/paper-documents/{id}/destroyed", tag = "paper",
    params(("id" = PaperDocumentId, Path)), request_body = Destroyed,
    responses((status = 200, body = PaperDocument), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn destroyed(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Destroyed>,
) -> Result<Json<PaperDocument>, ApiError> {
    allow(&caller, Resource::Erasure, Access::Write)?;
    let id: PaperDocumentId = path_id(&id)?;
    Ok(Json(
        holds::confirm_destroyed(&s, &caller, id, body.destroyed_on.as_deref()).await?,
    ))
}
