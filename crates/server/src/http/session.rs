//! `/session`: logging in and out of the web interface (R11). A login
//! checks the counters of failed attempts first, verifies the password off
//! the async threads (an unknown name costs the same time as a wrong
//! password), asks for the second factor when the user has one, and starts
//! a server-side session with a fresh id.

use super::account::password_matches;
use super::auth::{Caller, SESSION_COOKIE, SameOrigin, random_secret, session_secret};
use super::error::{ApiError, ErrorBody};
use super::extract::JsonBody;
use super::{AppState, ClientIp};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::ids::UserId;
use rekisteri_domain::login::ThrottleRule;
use rekisteri_domain::{Purpose, Timestamp, totp};
use rekisteri_store::{Credentials, NewSession, User, account_key, address_key};
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
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody)))]
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

fn refused(code: &'static str, message: &str) -> ApiError {
    ApiError::LoginFailed {
        code,
        message: message.into(),
    }
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

/// One login, by name from an address: the keys of its failure counters.
pub struct LoginAttempt {
    name: String,
    ip: Option<std::net::IpAddr>,
    keys: Vec<(String, ThrottleRule)>,
}

impl LoginAttempt {
    pub fn new(name: &str, ip: Option<std::net::IpAddr>) -> Self {
        let name = name.trim().to_lowercase();
        let mut keys = vec![(account_key(&name), ThrottleRule::ACCOUNT)];
        if let Some(ip) = ip {
            keys.push((address_key(ip), ThrottleRule::ADDRESS));
        }
        Self { name, ip, keys }
    }

    fn actor(&self, user: Option<UserId>) -> Actor {
        Actor {
            user,
            purpose: Purpose::RegisterMaintenance,
            client_ip: self.ip,
        }
    }

    /// Refuses while a counter makes the caller wait.
    pub async fn check_throttle(&self, s: &AppState, now: Timestamp) -> Result<(), ApiError> {
        for (key, _) in &self.keys {
            if let Some(retry_after) = s.store.throttle(key).await?.wait_seconds(now) {
                return Err(ApiError::TooManyAttempts { retry_after });
            }
        }
        Ok(())
    }

    /// The credentials of an enabled user whose password this is; a
    /// failure is counted (an unknown name exactly like a wrong password).
    pub async fn check_password(
        &self,
        s: &AppState,
        now: Timestamp,
        password: &str,
    ) -> Result<Credentials, ApiError> {
        self.check_throttle(s, now).await?;
        let credentials = s.store.credentials(&self.name).await?;
        let hash = credentials.as_ref().and_then(|c| c.password_hash.clone());
        let matches = password_matches(password, hash).await?;
        let actor = self.actor(credentials.as_ref().map(|c| c.user.id));
        match credentials
            .filter(|c| matches && c.password_hash.is_some() && c.user.disabled_at.is_none())
        {
            Some(credentials) => Ok(credentials),
            None => {
                s.store
                    .record_login_failure(&actor, now, &self.keys, "password")
                    .await?;
                Err(refused(
                    "invalid_credentials",
                    "the user name or password is wrong",
                ))
            }
        }
    }

    /// A TOTP code not used before or an unused recovery code; a failure
    /// is counted.
    pub async fn check_second_factor(
        &self,
        s: &AppState,
        now: Timestamp,
        credentials: &Credentials,
        code: &str,
    ) -> Result<(), ApiError> {
        if second_factor_holds(s, credentials, code, now).await? {
            return Ok(());
        }
        s.store
            .record_login_failure(
                &self.actor(Some(credentials.user.id)),
                now,
                &self.keys,
                "second_factor",
            )
            .await?;
        Err(refused(
            "invalid_second_factor",
            "the code is wrong or already used",
        ))
    }

    /// Clears the account's counter and starts a session with a fresh id
    /// (ending the one the browser came with): its secret and CSRF token.
    pub async fn open_session(
        &self,
        s: &AppState,
        now: Timestamp,
        user: &User,
        headers: &HeaderMap,
    ) -> Result<(String, String), ApiError> {
        s.store.clear_throttle(&self.keys[0].0).await?;
        let secret = random_secret("");
        let csrf_token = random_secret("");
        s.store
            .start_session(
                &self.actor(Some(user.id)),
                now,
                user.id,
                NewSession {
                    secret: &secret,
                    csrf_token: &csrf_token,
                    user_agent: headers
                        .get(header::USER_AGENT)
                        .and_then(|v| v.to_str().ok()),
                    replaces: session_secret(headers),
                },
            )
            .await?;
        Ok((secret, csrf_token))
    }
}

/// A TOTP code not used before, or an unused recovery code.
async fn second_factor_holds(
    s: &AppState,
    credentials: &Credentials,
    code: &str,
    now: Timestamp,
) -> Result<bool, ApiError> {
    let secret = credentials
        .totp_secret
        .as_deref()
        .and_then(|b| totp::TotpSecret::from_base32(b).ok())
        .ok_or(ApiError::Internal)?;
    let id = credentials.user.id;
    if let Some(step) = totp::verify(&secret, code, now, credentials.totp_last_step) {
        return Ok(s.store.use_totp_step(id, step).await?);
    }
    let hash = totp::recovery_code_hash(code);
    Ok(s.store.use_recovery_code(now, id, &hash).await?)
}

/// The cookie: `__Host-` (this origin, path `/`), HttpOnly, Secure (the
/// browser still sends it to `http://localhost`), SameSite=Lax.
pub fn set_cookie(response: &mut Response, value: &str) {
    let cookie = format!("{value}; Path=/; HttpOnly; Secure; SameSite=Lax");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
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
