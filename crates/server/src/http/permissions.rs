//! A person's marketing permissions (R15, R21), the wordings they are given
//! on, and restriction of processing (R18).

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, JsonBody, Query, path_id};
use crate::policy::{Access, Resource, allow};
use crate::services::permissions::Permissions;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rekisteri_domain::ids::{PersonId, RestrictionId, UserId};
use rekisteri_domain::marketing::{Channel, MarketingPurpose};
use rekisteri_domain::permission::{PermissionDraft, PermissionRecord, Wording, WordingDraft};
use rekisteri_domain::person::ContactKind;
use rekisteri_domain::restriction::{Restriction, RestrictionDraft, RestrictionScope};
use rekisteri_domain::values::parse_optional;
use rekisteri_domain::{Purpose, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(permissions, record))
        .routes(routes!(restrictions, restrict, lift))
        .routes(routes!(wordings, put_wording))
}

/// A person's permissions now and their history (R15).
#[utoipa::path(get, path = "/people/{id}/permissions", tag = "permissions", params(("id" = PersonId, Path)),
    responses((status = 200, body = Permissions), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn permissions(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Permissions>, ApiError> {
    allow(&caller, Resource::Permissions, Access::Read)?;
    let id: PersonId = path_id(&id)?;
    let history = s
        .store
        .permissions_of(
            &caller.actor(Purpose::CustomerRelationship),
            s.clock.now(),
            id,
        )
        .await?;
    Ok(Json(Permissions::new(id, history)))
}

/// Record one event of a permission: granted (on a wording), withdrawn or
/// prohibited. In force at once; events are never changed.
#[utoipa::path(post, path = "/people/{id}/permissions", tag = "permissions", params(("id" = PersonId, Path)),
    request_body = PermissionDraft,
    responses((status = 201, body = PermissionRecord), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn record(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(draft): JsonBody<PermissionDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Permissions, Access::Write)?;
    let id: PersonId = path_id(&id)?;
    let now = s.clock.now();
    let new = draft.parse(now)?;
    let event = s
        .store
        .record_permission(&caller.actor(Purpose::CustomerRelationship), now, id, new)
        .await?;
    Ok((StatusCode::CREATED, Json(event)))
}

/// A restriction of processing (R18), in force or lifted.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestrictionView {
    pub id: RestrictionId,
    pub person_id: PersonId,
    /// Set when one value is restricted, not the whole person.
    pub value_kind: Option<ContactKind>,
    pub value: Option<String>,
    pub reason: String,
    pub starts_at: Timestamp,
    /// Started and not lifted.
    pub in_force: bool,
    pub recorded_by: Option<UserId>,
    pub recorded_at: Timestamp,
    pub lifted_at: Option<Timestamp>,
    pub lifted_by: Option<UserId>,
    pub lift_reason: Option<String>,
}

impl RestrictionView {
    pub fn new(r: Restriction, now: Timestamp) -> Self {
        let in_force = r.in_force(now);
        let (value_kind, value) = match r.scope {
            RestrictionScope::Person => (None, None),
            RestrictionScope::Value { kind, value } => (Some(kind), Some(value)),
        };
        Self {
            id: r.id,
            person_id: r.person_id,
            value_kind,
            value,
            reason: r.reason,
            starts_at: r.starts_at,
            in_force,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
            lifted_at: r.lifted_at,
            lifted_by: r.lifted_by,
            lift_reason: r.lift_reason,
        }
    }
}

/// The person's restrictions, newest first, lifted ones too.
#[utoipa::path(get, path = "/people/{id}/restriction", tag = "permissions", params(("id" = PersonId, Path)),
    responses((status = 200, body = Vec<RestrictionView>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn restrictions(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<RestrictionView>>, ApiError> {
    allow(&caller, Resource::Restrictions, Access::Read)?;
    let now = s.clock.now();
    let all = s
        .store
        .restrictions_of(
            &caller.actor(Purpose::RegisterMaintenance),
            now,
            path_id(&id)?,
        )
        .await?;
    Ok(Json(
        all.into_iter()
            .map(|r| RestrictionView::new(r, now))
            .collect(),
    ))
}

/// Restrict processing of the person, or of one value (`value_kind` and
/// `value`), with a reason: from its start the data is only stored (R18).
#[utoipa::path(post, path = "/people/{id}/restriction", tag = "permissions", params(("id" = PersonId, Path)),
    request_body = RestrictionDraft,
    responses((status = 201, body = RestrictionView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn restrict(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(draft): JsonBody<RestrictionDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Restrictions, Access::Write)?;
    let now = s.clock.now();
    let new = draft.parse(now)?;
    let r = s
        .store
        .restrict(
            &caller.actor(Purpose::RegisterMaintenance),
            now,
            path_id(&id)?,
            new,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(RestrictionView::new(r, now))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct LiftQuery {
    /// Lift only this restriction; all of the person's when left out.
    restriction_id: Option<String>,
    /// Why it is lifted (the person is told before, GDPR 18(3)).
    reason: Option<String>,
}

/// Lift the person's restrictions (or one); recorded with who and why.
#[utoipa::path(delete, path = "/people/{id}/restriction", tag = "permissions",
    params(("id" = PersonId, Path), LiftQuery),
    responses((status = 200, body = Vec<RestrictionView>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn lift(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<LiftQuery>,
) -> Result<Json<Vec<RestrictionView>>, ApiError> {
    allow(&caller, Resource::Restrictions, Access::Write)?;
    let now = s.clock.now();
    let only = parse_optional::<RestrictionId>("restriction_id", q.restriction_id.as_deref())?;
    let reason = q
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        return Err(ApiError::field("reason", "is longer than 2000 characters"));
    }
    let lifted = s
        .store
        .lift_restrictions(
            &caller.actor(Purpose::RegisterMaintenance),
            now,
            path_id(&id)?,
            only,
            reason,
        )
        .await?;
    Ok(Json(
        lifted
            .into_iter()
            .map(|r| RestrictionView::new(r, now))
            .collect(),
    ))
}

/// Every wording, by key and version.
#[utoipa::path(get, path = "/wordings", tag = "permissions",
    responses((status = 200, body = Vec<Wording>)), security(("bearer" = [])))]
async fn wordings(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Wording>>, ApiError> {
    allow(&caller, Resource::Wordings, Access::Read)?;
    Ok(Json(s.store.wordings().await?))
}

/// Store the text a permission is asked with. A new text of a key is its
/// next version (201); the same text again is the stored version (200).
#[utoipa::path(post, path = "/wordings", tag = "permissions", request_body = WordingDraft,
    responses((status = 201, body = Wording), (status = 200, body = Wording), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn put_wording(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<WordingDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Wordings, Access::Write)?;
    let new = draft.parse()?;
    let (wording, created) = s
        .store
        .put_wording(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            new,
        )
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(wording)))
}

/// For callers that name the channel and purpose in a query.
pub fn parse_channel_purpose(
    channel: Option<&str>,
    purpose: Option<&str>,
) -> Result<(Channel, MarketingPurpose), ApiError> {
    let mut errors = rekisteri_domain::error::Errors::new();
    let channel = errors.take(rekisteri_domain::values::parse_field::<Channel>(
        "channel",
        channel.unwrap_or(""),
    ));
    let purpose = errors.take(rekisteri_domain::values::parse_field::<MarketingPurpose>(
        "purpose",
        purpose.unwrap_or(""),
    ));
    Ok(errors.finish(|| Some((channel?, purpose?)))?)
}
