//! Retention (R9) on the API: the schedule (`/settings/retention`, the
//! admin's, kept as versions), the sweep's preview (the dry run, JSON or
//! CSV), sweeps asked for and their history, the review of quiet
//! relationships, and a person's relationship end.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, IfMatch, JsonBody, Query, etag, path_id};
use crate::policy::{Access, Resource, allow};
use crate::services::retention::{self as service, Preview, RelationshipEnd};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rekisteri_domain::ids::{JobId, PersonId, SweepId};
use rekisteri_domain::retention::RetentionSchedule;
use rekisteri_store::{RelationshipReview, RetentionVersion, SweepItem, SweepRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule, change_schedule))
        .routes(routes!(schedule_versions))
        .routes(routes!(preview))
        .routes(routes!(sweeps, ask_sweep))
        .routes(routes!(sweep))
        .routes(routes!(reviews))
        .routes(routes!(confirm_review))
        .routes(routes!(dismiss_review))
        .routes(routes!(end_relationship, reopen_relationship))
}

/// The retention schedule in force (version 0: the defaults, the notice's
/// rule and Finnish law's). The ETag is the version.
#[utoipa::path(get, path = "/settings/retention", tag = "retention",
    responses((status = 200, body = RetentionVersion)), security(("bearer" = [])))]
async fn schedule(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Settings, Access::Read)?;
    let version = s.store.retention_schedule().await?;
    Ok((etag(version.version), Json(version)))
}

/// Change the retention schedule: every category's period, anchor, action
/// and reason in Finnish and English, checked (the Accounting Act's
/// minimums, each category once). `If-Match` with the ETag read; a change
/// made since is 412. The access report and the sweep use it from now on.
#[utoipa::path(put, path = "/settings/retention", params(IfMatch), tag = "retention", request_body = RetentionSchedule,
    responses((status = 200, body = RetentionVersion), (status = 412, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn change_schedule(
    State(s): State<AppState>,
    caller: Caller,
    IfMatch(expected): IfMatch,
    JsonBody(schedule): JsonBody<RetentionSchedule>,
) -> Result<impl IntoResponse, ApiError> {
    let version = service::change_schedule(&s, &caller, &schedule, Some(expected)).await?;
    Ok((etag(version.version), Json(version)))
}

/// Every version of the schedule stored, newest first, with who changed it.
#[utoipa::path(get, path = "/settings/retention/versions", tag = "retention",
    responses((status = 200, body = Vec<RetentionVersion>)), security(("bearer" = [])))]
async fn schedule_versions(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<RetentionVersion>>, ApiError> {
    allow(&caller, Resource::Settings, Access::Read)?;
    Ok(Json(s.store.retention_versions().await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PreviewQuery {
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// The next sweep's preview (a dry run): every record whose retention has
/// run out today, policy by policy — the anchor date, the expiry date, the
/// action and any hold (a held record is left).
#[utoipa::path(get, path = "/retention/preview", tag = "retention", params(PreviewQuery),
    responses((status = 200, body = Preview), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn preview(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<PreviewQuery>,
) -> Result<Response, ApiError> {
    allow(&caller, Resource::Retention, Access::Read)?;
    let preview = service::preview(
        &s.store,
        &caller.actor(rekisteri_domain::Purpose::RegisterMaintenance),
        s.clock.now(),
    )
    .await?;
    match q.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => Ok(Json(preview).into_response()),
        Some("csv") => Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            service::preview_csv(&preview)?,
        )
            .into_response()),
        Some(_) => Err(ApiError::field("format", "must be json or csv")),
    }
}

/// The sweeps, newest first: when, the schedule's version, the counts.
#[utoipa::path(get, path = "/retention/sweeps", tag = "retention",
    responses((status = 200, body = Vec<SweepRecord>)), security(("bearer" = [])))]
async fn sweeps(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<SweepRecord>>, ApiError> {
    allow(&caller, Resource::Retention, Access::Read)?;
    Ok(Json(s.store.sweeps(s.clock.now(), 100).await?))
}

/// A sweep asked for.
#[derive(Debug, Serialize, ToSchema)]
struct SweepQueued {
    /// The job that runs it (see `/jobs`); its record appears in
    /// `/retention/sweeps` when it starts.
    job_id: JobId,
}

/// Run a sweep now (the privacy officer's): queued as a job, which any
/// server runs; 202 with the job's id.
#[utoipa::path(post, path = "/retention/sweeps", tag = "retention",
    responses((status = 202, body = SweepQueued)), security(("bearer" = [])))]
async fn ask_sweep(State(s): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    allow(&caller, Resource::Retention, Access::Write)?;
    let job_id = s
        .store
        .queue_sweep(s.clock.now(), None)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::ACCEPTED, Json(SweepQueued { job_id })).into_response())
}

/// One sweep and every record it acted on (ids only).
#[derive(Debug, Serialize, ToSchema)]
struct SweepShown {
    #[serde(flatten)]
    sweep: SweepRecord,
    items: Vec<SweepItem>,
}

#[utoipa::path(get, path = "/retention/sweeps/{id}", tag = "retention", params(("id" = SweepId, Path)),
    responses((status = 200, body = SweepShown), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn sweep(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SweepShown>, ApiError> {
    allow(&caller, Resource::Retention, Access::Read)?;
    let id: SweepId = path_id(&id)?;
    let sweep = s
        .store
        .sweep(s.clock.now(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(SweepShown {
        items: s.store.sweep_items(id).await?,
        sweep,
    }))
}

/// The review list: people whose relationship may have ended (no order,
/// invoice, note, meeting, request or portal visit for the schedule's
/// review period), the quietest first, at most 500.
#[utoipa::path(get, path = "/retention/review", tag = "retention",
    responses((status = 200, body = Vec<RelationshipReview>)), security(("bearer" = [])))]
async fn reviews(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<RelationshipReview>>, ApiError> {
    Ok(Json(service::reviews(&s, &caller, 500).await?))
}

/// Confirm that the relationship ended (its day: by default today; give the
/// last activity's), with a reason.
#[utoipa::path(post, path = "/retention/review/{person_id}/confirm", tag = "retention",
    params(("person_id" = PersonId, Path)), request_body = RelationshipEnd,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn confirm_review(
    State(s): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
    JsonBody(end): JsonBody<RelationshipEnd>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Retention, Access::Write)?;
    let person: PersonId = path_id(&person)?;
    service::answer_review(&s, &caller, person, Some(&end)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Dismiss the review: the person is still a customer; they come back on
/// the list after another quiet period.
#[utoipa::path(post, path = "/retention/review/{person_id}/dismiss", tag = "retention",
    params(("person_id" = PersonId, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn dismiss_review(
    State(s): State<AppState>,
    caller: Caller,
    Path(person): Path<String>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Retention, Access::Write)?;
    let person: PersonId = path_id(&person)?;
    service::answer_review(&s, &caller, person, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record the end of the person's customer relationship, with a date and a
/// reason: customer data is kept for the retention period from it (R9).
#[utoipa::path(put, path = "/people/{id}/relationship-end", tag = "retention",
    params(("id" = PersonId, Path)), request_body = RelationshipEnd,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn end_relationship(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(end): JsonBody<RelationshipEnd>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::People, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    service::end_relationship(&s, &caller, person, Some(&end)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reopen the relationship (its end recorded by mistake); a new order
/// reopens it by itself.
#[utoipa::path(delete, path = "/people/{id}/relationship-end", tag = "retention",
    params(("id" = PersonId, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn reopen_relationship(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::People, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    service::end_relationship(&s, &caller, person, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
