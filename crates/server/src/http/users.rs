//! `/users` and `/settings`: the administrator's pages of the API (R11) —
//! adding users with a one-time password, roles, disabling (which ends
//! every session and token at once), unlocking after failed logins, the
//! confidentiality commitments, and requiring a second factor of everyone.

use crate::caller::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{JsonBody, path_id};
use crate::policy::{Access, Resource, allow};
use crate::services::accounts::{ADMIN, not_self, one_time_credentials, role};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rekisteri_domain::Date;
use rekisteri_domain::values::Parse;
use rekisteri_store::{Commitment, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read))
        .routes(routes!(set_role))
        .routes(routes!(disable))
        .routes(routes!(enable))
        .routes(routes!(unlock))
        .routes(routes!(reset_password))
        .routes(routes!(remove_second_factor))
        .routes(routes!(commitments, record_commitment))
        .routes(routes!(settings, change_settings))
}

/// Every user, by name.
#[utoipa::path(get, path = "/users", tag = "users", responses((status = 200, body = Vec<User>)))]
async fn list(State(s): State<AppState>, caller: Caller) -> Result<Json<Vec<User>>, ApiError> {
    allow(&caller, Resource::Users, Access::Read)?;
    Ok(Json(s.store.users().await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 2–64 lower-case letters, digits, dots, dashes or underscores.
    pub name: String,
    /// admin, staff, privacy_officer or partner.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserWithPassword {
    pub user: User,
    /// Shown once. The user logs in with it and must then choose their own.
    pub one_time_password: String,
}

/// Adds a user with a one-time password.
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserWithPassword), (status = 422, body = ErrorBody)))]
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<NewUser>,
) -> Result<(StatusCode, Json<UserWithPassword>), ApiError> {
    allow(&caller, Resource::Users, Access::Write)?;
    let role = role(&new.role)?;
    let (one_time_password, hash) = one_time_credentials().await?;
    let user = s
        .store
        .add_user(
            &caller.actor(ADMIN),
            s.clock.now(),
            new.name.trim(),
            role,
            Some(&hash),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UserWithPassword {
            user,
            one_time_password,
        }),
    ))
}

/// A user, by id.
#[utoipa::path(get, path = "/users/{id}", tag = "users",
    responses((status = 200, body = User), (status = 404, body = ErrorBody)))]
async fn read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    allow(&caller, Resource::Users, Access::Read)?;
    Ok(Json(s.store.user(path_id(&id)?).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleForm {
    pub role: String,
}

/// Gives a user another role; their tokens (made for the old one) stop working.
#[utoipa::path(put, path = "/users/{id}/role", tag = "users", request_body = RoleForm,
    responses((status = 200, body = User), (status = 409, body = ErrorBody)))]
async fn set_role(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(form): JsonBody<RoleForm>,
) -> Result<Json<User>, ApiError> {
    allow(&caller, Resource::Users, Access::Write)?;
    let id = path_id(&id)?;
    not_self(&caller, id)?;
    let role = role(&form.role)?;
    Ok(Json(
        s.store
            .set_role(&caller.actor(ADMIN), s.clock.now(), id, role)
            .await?,
    ))
}

/// Disables a user: all their sessions end and all their tokens are revoked at once.
#[utoipa::path(post, path = "/users/{id}/disable", tag = "users",
    responses((status = 200, body = User), (status = 409, body = ErrorBody)))]
async fn disable(
    s: State<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<User>, ApiError> {
    set_disabled(s, caller, id, true).await
}

/// Enables a disabled user again (their old sessions and tokens stay ended).
#[utoipa::path(post, path = "/users/{id}/enable", tag = "users",
    responses((status = 200, body = User), (status = 409, body = ErrorBody)))]
async fn enable(
    s: State<AppState>,
    caller: Caller,
    id: Path<String>,
) -> Result<Json<User>, ApiError> {
    set_disabled(s, caller, id, false).await
}

async fn set_disabled(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    disabled: bool,
) -> Result<Json<User>, ApiError> {
    allow(&caller, Resource::Users, Access::Write)?;
    let id = path_id(&id)?;
    not_self(&caller, id)?;
    let user = s
        .store
        .set_disabled(&caller.actor(ADMIN), s.clock.now(), id, disabled)
        .await?;
    Ok(Json(user))
}

/// Lets a user slowed down by failed logins try again at once.
#[utoipa::path(post, path = "/users/{id}/unlock", tag = "users", responses((status = 204)))]
async fn unlock(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Users, Access::Write)?;
    s.store
        .unlock(&caller.actor(ADMIN), s.clock.now(), path_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct OneTimePassword {
    /// Shown once; the user must choose their own after logging in with it.
    pub one_time_password: String,
}

/// Gives a user who forgot their password a new one-time password; their
/// sessions end.
#[utoipa::path(post, path = "/users/{id}/password", tag = "users",
    responses((status = 200, body = OneTimePassword), (status = 409, body = ErrorBody)))]
async fn reset_password(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<OneTimePassword>, ApiError> {
    allow(&caller, Resource::Users, Access::Write)?;
    let id = path_id(&id)?;
    not_self(&caller, id)?;
    let (one_time_password, hash) = one_time_credentials().await?;
    s.store
        .set_password(&caller.actor(ADMIN), s.clock.now(), id, &hash, true, None)
        .await?;
    Ok(Json(OneTimePassword { one_time_password }))
}

/// Takes off the second factor of a user who lost their device.
#[utoipa::path(delete, path = "/users/{id}/second-factor", tag = "users", responses((status = 204)))]
async fn remove_second_factor(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Users, Access::Write)?;
    let id = path_id(&id)?;
    s.store.user(id).await?;
    s.store
        .remove_totp(&caller.actor(ADMIN), s.clock.now(), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The user's recorded confidentiality commitments (R11), newest first.
#[utoipa::path(get, path = "/users/{id}/commitments", tag = "users", responses((status = 200, body = Vec<Commitment>)))]
async fn commitments(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Commitment>>, ApiError> {
    allow(&caller, Resource::Users, Access::Read)?;
    let id = path_id(&id)?;
    s.store.user(id).await?;
    Ok(Json(s.store.commitments(id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitmentForm {
    /// The date the user signed it (YYYY-MM-DD), not in the future.
    pub signed_on: String,
    /// Which version of the commitment document was signed; default "1".
    pub document_version: Option<String>,
}

/// Records that the user signed the confidentiality commitment (R11);
/// from now on they see personal data as their role allows.
#[utoipa::path(post, path = "/users/{id}/commitments", tag = "users", request_body = CommitmentForm,
    responses((status = 201, body = User), (status = 422, body = ErrorBody)))]
async fn record_commitment(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(form): JsonBody<CommitmentForm>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    allow(&caller, Resource::Users, Access::Write)?;
    let id = path_id(&id)?;
    let signed_on = Date::parse(&form.signed_on).map_err(|m| ApiError::field("signed_on", m))?;
    let version = form.document_version.as_deref().unwrap_or("1");
    let user = s
        .store
        .record_commitment(&caller.actor(ADMIN), s.clock.now(), id, signed_on, version)
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Every user must log in with a second factor (TOTP).
    pub require_second_factor: bool,
}

/// The register-wide access settings.
#[utoipa::path(get, path = "/settings", tag = "users", responses((status = 200, body = Settings)))]
async fn settings(State(s): State<AppState>, caller: Caller) -> Result<Json<Settings>, ApiError> {
    allow(&caller, Resource::Settings, Access::Read)?;
    Ok(Json(Settings {
        require_second_factor: s.store.second_factor_required(s.clock.now()).await?,
    }))
}

/// Changes the register-wide access settings.
#[utoipa::path(put, path = "/settings", tag = "users", request_body = Settings,
    responses((status = 200, body = Settings)))]
async fn change_settings(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(new): JsonBody<Settings>,
) -> Result<Json<Settings>, ApiError> {
    allow(&caller, Resource::Settings, Access::Write)?;
    s.store
        .set_second_factor_required(
            &caller.actor(ADMIN),
            s.clock.now(),
            new.require_second_factor,
        )
        .await?;
    Ok(Json(new))
}
