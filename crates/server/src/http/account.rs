//! `/me`: the caller's own account (R11) — their password, web sessions,
//! API tokens and second factor. Every role may manage its own account;
//! another user's session or token is simply not found.

use crate::caller::{Caller, random_secret};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{JsonBody, path_id};
use crate::policy::{Access, Resource, allow};
use crate::services::accounts::{ACCOUNT, check_current_password, hash_new_password};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rekisteri_domain::ids::{SessionId, TokenId};
use rekisteri_domain::{Timestamp, totp};
use rekisteri_store::{Session, TokenInfo, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(sessions))
        .routes(routes!(end_session))
        .routes(routes!(tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(start_second_factor, remove_second_factor))
        .routes(routes!(confirm_second_factor))
}

/// The caller's own account.
#[utoipa::path(get, path = "/me", tag = "account", responses((status = 200, body = User)))]
async fn me(caller: Caller) -> Result<Json<User>, ApiError> {
    allow(&caller, Resource::Account, Access::Read)?;
    Ok(Json(caller.user))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// 12–128 characters; no composition rules; not a common password, not
    /// built on your name or the organisation's.
    pub new_password: String,
}

/// Changes the caller's password; needs the current one. Every other
/// session of the caller ends.
#[utoipa::path(put, path = "/me/password", tag = "account", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 429, description = "Too many wrong passwords: try again after `Retry-After` seconds.", body = ErrorBody)))]
async fn change_password(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(change): JsonBody<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Account, Access::Write)?;
    check_current_password(&s, &caller, &change.current_password).await?;
    if change.new_password == change.current_password {
        return Err(ApiError::field(
            "new_password",
            "must differ from the current password",
        ));
    }
    let hash =
        hash_new_password(&s, &caller.user.name, &change.new_password, "new_password").await?;
    let keep = caller.session.as_ref().map(|session| session.id);
    s.store
        .set_password(
            &caller.actor(ACCOUNT),
            s.clock.now(),
            caller.user.id,
            &hash,
            false,
            keep,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's live web sessions, newest first.
#[utoipa::path(get, path = "/me/sessions", tag = "account", responses((status = 200, body = Vec<Session>)))]
async fn sessions(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Session>>, ApiError> {
    allow(&caller, Resource::Account, Access::Read)?;
    Ok(Json(
        s.store
            .sessions_of(s.clock.now(), caller.user.id, s.sessions)
            .await?,
    ))
}

/// Ends one of the caller's sessions (on another device, say).
#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "account",
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn end_session(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Account, Access::Write)?;
    let id: SessionId = path_id(&id)?;
    s.store
        .end_session(&caller.actor(ACCOUNT), s.clock.now(), caller.user.id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's API tokens (never their secrets).
#[utoipa::path(get, path = "/me/tokens", tag = "account", responses((status = 200, body = Vec<TokenInfo>)))]
async fn tokens(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    allow(&caller, Resource::Account, Access::Read)?;
    Ok(Json(s.store.tokens_of(caller.user.id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub label: Option<String>,
    /// 1–366; default 90. A token acts in the caller's present role.
    pub expires_in_days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct NewToken {
    /// Shown once: only its hash is kept.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// Makes an API token for the caller, in the caller's role, with an expiry.
#[utoipa::path(post, path = "/me/tokens", tag = "account", request_body = TokenRequest,
    responses((status = 201, body = NewToken), (status = 422, body = ErrorBody)))]
async fn create_token(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    allow(&caller, Resource::Account, Access::Write)?;
    let days = request.expires_in_days.unwrap_or(90);
    if !(1..=366).contains(&days) {
        return Err(ApiError::field("expires_in_days", "must be 1–366"));
    }
    let now = s.clock.now();
    let secret = random_secret("rk_");
    let expires = now.plus_micros(days * 86_400_000_000);
    let id = s
        .store
        .add_token(
            &caller.actor(ACCOUNT),
            now,
            caller.user.id,
            &secret,
            request.label.as_deref(),
            Some(expires),
        )
        .await?;
    let info = s
        .store
        .tokens_of(caller.user.id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(ApiError::Internal)?;
    Ok((
        StatusCode::CREATED,
        Json(NewToken {
            token: secret,
            info,
        }),
    ))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/me/tokens/{id}", tag = "account",
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Account, Access::Write)?;
    let id: TokenId = path_id(&id)?;
    s.store
        .revoke_token(&caller.actor(ACCOUNT), s.clock.now(), caller.user.id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct SecondFactorSetup {
    /// Base32, for typing into an authenticator app.
    pub secret: String,
    /// The same as an `otpauth://` URI (for a QR code).
    pub otpauth_uri: String,
}

/// Starts setting up TOTP (RFC 6238): a new secret, in force once a code
/// from it is confirmed.
#[utoipa::path(post, path = "/me/second-factor", tag = "account",
    responses((status = 200, body = SecondFactorSetup), (status = 409, body = ErrorBody)))]
async fn start_second_factor(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<SecondFactorSetup>, ApiError> {
    allow(&caller, Resource::Account, Access::Write)?;
    if caller.user.second_factor {
        return Err(ApiError::Conflict {
            code: "second_factor_exists",
            message: "you already have a second factor; remove it first to set up another".into(),
        });
    }
    let secret = totp::TotpSecret::generate();
    s.store
        .set_pending_totp(caller.user.id, &secret.to_base32())
        .await?;
    Ok(Json(SecondFactorSetup {
        secret: secret.to_base32(),
        otpauth_uri: secret.otpauth_uri(
            &format!("Rekisteri {}", s.organisation_name),
            &caller.user.name,
        ),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmForm {
    /// The authenticator's 6-digit code.
    pub code: String,
    /// A second factor changes how the account logs in: whoever holds the
    /// session must also know the password.
    pub current_password: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// Shown once; each logs in once in place of a code.
    pub recovery_codes: Vec<String>,
}

/// Confirms the second factor with a code from it and the current
/// password, and answers ten recovery codes (shown once).
#[utoipa::path(post, path = "/me/second-factor/confirm", tag = "account", request_body = ConfirmForm,
    responses((status = 200, body = RecoveryCodes), (status = 422, body = ErrorBody), (status = 429, description = "Too many wrong passwords: try again after `Retry-After` seconds.", body = ErrorBody)))]
async fn confirm_second_factor(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(form): JsonBody<ConfirmForm>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    allow(&caller, Resource::Account, Access::Write)?;
    check_current_password(&s, &caller, &form.current_password).await?;
    let now: Timestamp = s.clock.now();
    let credentials = s.store.credentials_of(caller.user.id).await?;
    let pending = credentials
        .totp_pending_secret
        .as_deref()
        .and_then(|b| totp::TotpSecret::from_base32(b).ok())
        .ok_or(ApiError::Conflict {
            code: "no_pending_second_factor",
            message: "start the set-up of the second factor first".into(),
        })?;
    let step = totp::verify(&pending, &form.code, now, None)
        .ok_or_else(|| ApiError::field("code", "is not the authenticator's current code"))?;
    let codes = totp::recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_code_hash(c)).collect();
    s.store
        .confirm_totp(&caller.actor(ACCOUNT), now, caller.user.id, step, &hashes)
        .await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordForm {
    pub current_password: String,
}

/// Removes the caller's second factor (not while one is required of all).
#[utoipa::path(delete, path = "/me/second-factor", tag = "account", request_body = PasswordForm,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 429, description = "Too many wrong passwords: try again after `Retry-After` seconds.", body = ErrorBody)))]
async fn remove_second_factor(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(form): JsonBody<PasswordForm>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, Resource::Account, Access::Write)?;
    if s.store.second_factor_required(s.clock.now()).await? {
        return Err(ApiError::Conflict {
            code: "second_factor_required",
            message: "a second factor is required of every user".into(),
        });
    }
    check_current_password(&s, &caller, &form.current_password).await?;
    s.store
        .remove_totp(&caller.actor(ACCOUNT), s.clock.now(), caller.user.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
