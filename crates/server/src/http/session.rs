//! `/session`: logging in and out of the web interface (R11). A login
//! checks the counters of failed attempts first, verifies the password off
//! the async threads (an unknown name costs the same time as a wrong
//! password), asks for the second factor when the user has one, and starts
//! a server-side session with a fresh id.

use crate::caller::set_cookie;
use crate::caller::{Caller, SESSION_COOKIE, SameOrigin};
use crate::error::{ApiError, ErrorBody};
use crate::extract::JsonBody;
use crate::services::accounts::{LoginAttempt, refused};
use crate::state::{AppState, ClientIp};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rekisteri_domain::Purpose;
use rekisteri_store::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(current, login, logout))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginForm {
    pub name: String,
    pub password: String,
    /// The authenticator's 6-digit code, or a recovery code, for a user
    /// with a second factor.
    pub code: Option<String>,
}

/// The session just started, or the one the cookie names.
#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub user: User,
    /// Send in `X-CSRF-Token` with every POST, PUT, PATCH and DELETE.
    pub csrf_token: String,
    /// Minutes without a request after which the session ends.
    pub idle_timeout_minutes: i64,
    /// Minutes after login after which the session ends whatever happens.
    pub absolute_timeout_minutes: i64,
    /// Every user must set up a second factor, and this one has none yet.
    pub second_factor_setup_required: bool,
}

fn info(s: &AppState, user: User, csrf_token: String, setup_required: bool) -> SessionInfo {
    SessionInfo {
        user,
        csrf_token,
        idle_timeout_minutes: s.sessions.idle_micros / 60_000_000,
        absolute_timeout_minutes: s.sessions.absolute_micros / 60_000_000,
        second_factor_setup_required: setup_required,
    }
}

/// The session the cookie names.
#[utoipa::path(get, path = "/session", tag = "session",
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody),
        (status = 409, description = "The request came with an API token, not a session.", body = ErrorBody)))]
async fn current(State(s): State<AppState>, caller: Caller) -> Result<Json<SessionInfo>, ApiError> {
    let setup_required = caller.second_factor_missing();
    let session = caller.session.ok_or(ApiError::Conflict {
        code: "not_a_session",
        message: "this request came with an API token, not a session".into(),
    })?;
    Ok(Json(info(
        &s,
        caller.user,
        session.csrf_token,
        setup_required,
    )))
}

/// Logs in: sets the `__Host-rekisteri-session` cookie and answers the
/// session's CSRF token. Five failed attempts per account (twenty per
/// address) are free; after that each waits twice as long, up to 15 min.
#[utoipa::path(post, path = "/session", tag = "session", request_body = LoginForm,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn login(
    State(s): State<AppState>,
    _: SameOrigin,
    headers: HeaderMap,
    client: Option<axum::Extension<ClientIp>>,
    JsonBody(form): JsonBody<LoginForm>,
) -> Result<Response, ApiError> {
    let now = s.clock.now();
    let ip = client.map(|c| c.0.0);
    let attempt = LoginAttempt::new(&form.name, ip);
    let credentials = attempt.check_password(&s, now, &form.password).await?;
    if credentials.totp_secret.is_some() {
        let Some(code) = form.code.as_deref().filter(|c| !c.trim().is_empty()) else {
            return Err(refused(
                "second_factor_required",
                "enter the code of your authenticator app, or a recovery code",
            ));
        };
        attempt
            .check_second_factor(&s, now, &credentials, code)
            .await?;
    }
    let user = credentials.user;
    let (secret, csrf_token) = attempt.open_session(&s, now, &user, &headers).await?;
    let setup_required = !user.second_factor && s.store.second_factor_required(now).await?;
    let mut response = Json(info(&s, user, csrf_token, setup_required)).into_response();
    set_cookie(&mut response, &format!("{SESSION_COOKIE}={secret}"));
    Ok(response)
}

/// Logs out: ends the session on the server and clears the cookie.
#[utoipa::path(delete, path = "/session", tag = "session",
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn logout(State(s): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let session = caller.session.as_ref().ok_or(ApiError::Conflict {
        code: "not_a_session",
        message: "this request came with an API token, not a session".into(),
    })?;
    s.store
        .end_session(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            caller.user.id,
            session.id,
        )
        .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut response, &format!("{SESSION_COOKIE}=; Max-Age=0"));
    Ok(response)
}
