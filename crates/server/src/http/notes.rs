//! `/notes`: history (meeting notes, offers) and upcoming events (actions,
//! meetings), filterable by `timeline=history|upcoming`.

use super::{ListOf, Paging};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, IfMatch, JsonBody, Query, etag, path_id};
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rekisteri_domain::ids::NoteId;
use rekisteri_domain::note::{Note, NoteDraft, NoteKind};
use rekisteri_domain::values::{Parse, parse_optional};
use rekisteri_domain::{Purpose, Timestamp};
use rekisteri_store::NoteFilter;
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
struct NoteQuery {
    person_id: Option<String>,
    organisation_id: Option<String>,
    /// `history` (meeting notes, offers) or `upcoming` (actions, meetings).
    timeline: Option<String>,
    /// One kind: meeting_note, offer, action, meeting.
    kind: Option<String>,
    assigned_to: Option<String>,
    /// Due at or after this time (RFC 3339).
    due_from: Option<String>,
    /// Due before this time (RFC 3339).
    due_before: Option<String>,
    /// `true` leaves out actions already done.
    open: Option<bool>,
}

impl NoteQuery {
    fn filter(self) -> Result<NoteFilter, ApiError> {
        let mut kinds = match self.timeline.as_deref() {
            None => Vec::new(),
            Some(t) => NoteKind::of_timeline(t)
                .ok_or_else(|| ApiError::field("timeline", "must be history or upcoming"))?
                .to_vec(),
        };
        if let Some(k) = self.kind.as_deref() {
            kinds = vec![NoteKind::parse(k).map_err(|m| ApiError::field("kind", m))?];
        }
        Ok(NoteFilter {
            person_id: self.person_id,
            organisation_id: self.organisation_id,
            kinds,
            assigned_to: self.assigned_to,
            due_from: parse_optional::<Timestamp>("due_from", self.due_from.as_deref())?,
            due_before: parse_optional::<Timestamp>("due_before", self.due_before.as_deref())?,
            open_only: self.open.unwrap_or(false),
        })
    }
}

#[utoipa::path(get, path = "/notes", tag = "notes", params(NoteQuery, Paging),
    responses((status = 200, body = ListOf<Note>)), security(("bearer" = [])))]
async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<NoteQuery>,
    Query(paging): Query<Paging>,
) -> Result<Json<ListOf<Note>>, ApiError> {
    allow(&caller, Resource::Notes, Access::Read)?;
    let filter = q.filter()?;
    Ok(Json(
        s.store
            .list_notes(
                &caller.actor(Purpose::CustomerRelationship),
                s.clock.now(),
                &filter,
                &paging.request()?,
            )
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/notes", tag = "notes", request_body = NoteDraft,
    responses((status = 201, body = Note), (status = 409, description = "`restricted`: the person's processing is restricted (R18)", body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<NoteDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Notes, Access::Write)?;
    let new = draft.parse()?;
    let note = s
        .store
        .create_note(
            &caller.actor(Purpose::CustomerRelationship),
            s.clock.now(),
            new,
        )
        .await?;
    Ok((StatusCode::CREATED, etag(note.version), Json(note)))
}

#[utoipa::path(get, path = "/notes/{id}", tag = "notes", params(("id" = NoteId, Path)),
    responses((status = 200, body = Note), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Notes, Access::Read)?;
    let note = s
        .store
        .get_note(
            &caller.actor(Purpose::CustomerRelationship),
            s.clock.now(),
            path_id(&id)?,
        )
        .await?;
    Ok((etag(note.version), Json(note)))
}

#[utoipa::path(put, path = "/notes/{id}", tag = "notes", params(("id" = NoteId, Path), IfMatch), request_body = NoteDraft,
    responses((status = 200, body = Note), (status = 409, description = "`restricted`: the person's processing is restricted (R18)", body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
async fn replace(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    JsonBody(draft): JsonBody<NoteDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Notes, Access::Write)?;
    let id = path_id(&id)?;
    let new = draft.parse()?;
    let note = s
        .store
        .replace_note(
            &caller.actor(Purpose::CustomerRelationship),
            s.clock.now(),
            id,
            version,
            new,
        )
        .await?;
    Ok((etag(note.version), Json(note)))
}

#[utoipa::path(delete, path = "/notes/{id}", tag = "notes", params(("id" = NoteId, Path), IfMatch),
    responses((status = 204), (status = 409, description = "`restricted`: the person's processing is restricted (R18)", body = ErrorBody), (status = 412, body = ErrorBody)), security(("bearer" = [])))]
async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Notes, Access::Write)?;
    s.store
        .delete_note(
            &caller.actor(Purpose::CustomerRelationship),
            s.clock.now(),
            path_id(&id)?,
            version,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
