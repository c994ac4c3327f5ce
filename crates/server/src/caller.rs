//! Who is calling (R11): a bearer API token, or a web session cookie with
//! its CSRF token. The answer is a [`Caller`]; what the caller may do is
//! the policy's to decide. Refusals are audited here, in one place.

use crate::error::ApiError;
use crate::state::{AppState, ClientIp, Https};
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::UserId;
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Purpose, Timestamp};
use rekisteri_store::{Session, User};
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;

/// The web session's cookie. `__Host-`: only from this origin, path `/`,
/// never sent by the browser over plain HTTP to another host.
pub const SESSION_COOKIE: &str = "__Host-rekisteri-session";
/// The header that carries a session's CSRF token on unsafe requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The authenticated user of a request, and the purpose they named.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    /// From the `X-Purpose` header, when sent.
    pub purpose: Option<Purpose>,
    /// As the firewall decided it.
    pub client_ip: Option<std::net::IpAddr>,
    /// The web session, when the caller came with a cookie, not a token.
    pub session: Option<Session>,
    /// Whether an administrator requires a second factor of every user.
    pub second_factor_required: bool,
}

impl Caller {
    /// Who acts and why: the named purpose, or the operation's usual one (R2).
    pub fn actor(&self, default: Purpose) -> Actor {
        Actor {
            client_ip: self.client_ip,
            user: Some(self.user.id),
            purpose: self.purpose.unwrap_or(default),
        }
    }

    /// A web user who logged in with a one-time password (someone else has
    /// seen it) and has not chosen their own yet. API tokens are separate
    /// credentials, made by a user already in or by the operator.
    pub fn password_change_pending(&self) -> bool {
        self.session.is_some() && self.user.password_must_change
    }

    /// A web user who must have a second factor and has none yet. (API
    /// tokens are made by users already logged in, and are not asked.)
    pub fn second_factor_missing(&self) -> bool {
        self.session.is_some() && self.second_factor_required && !self.user.second_factor
    }
}

/// A session cookie's value from the request, if any.
pub fn session_secret(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn purpose(headers: &HeaderMap) -> Result<Option<Purpose>, ApiError> {
    match headers.get("x-purpose") {
        None => Ok(None),
        Some(v) => {
            let raw = v
                .to_str()
                .map_err(|_| ApiError::field("X-Purpose", "is not text"))?;
            Purpose::parse(raw)
                .map(Some)
                .map_err(|m| ApiError::field("X-Purpose", m))
        }
    }
}

/// Whether a method changes something (and so needs CSRF protection).
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A browser request made by another site is refused: the `Origin` (when
/// sent) must be this server's, and `Sec-Fetch-Site` must not be
/// `cross-site`.
pub fn same_origin(parts: &Parts) -> Result<(), ApiError> {
    let headers = &parts.headers;
    let refused = || ApiError::Forbidden {
        code: "csrf",
        message: "the request came from another site".into(),
    };
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return Err(refused());
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    // A browser under a strict referrer setting (`no-referrer`, which this
    // server no longer sends, or a privacy extension) sends `Origin: null`
    // with a site's own form POSTs; `Sec-Fetch-Site` (set by the browser
    // only, never by a page) then tells where the form was.
    if origin.as_bytes() == b"null"
        && headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"same-origin")
    {
        return Ok(());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let https = parts.extensions.get::<Https>().is_some_and(|h| h.0);
    let expected = format!("{}://{host}", if https { "https" } else { "http" });
    if origin.to_str().ok() == Some(expected.as_str()) {
        Ok(())
    } else {
        Err(refused())
    }
}

fn check_csrf(parts: &Parts, session: &Session) -> Result<(), ApiError> {
    same_origin(parts)?;
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if csrf_matches(session, sent) {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            code: "csrf",
            message: "send the session's CSRF token in X-CSRF-Token".into(),
        })
    }
}

/// Where a session's CSRF token comes from on an unsafe request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrfToken {
    /// The API: the `X-CSRF-Token` header, checked while identifying.
    Header,
    /// The web pages: a form field, checked by the form's extractor
    /// (`web::page::Posted`), which cannot be read from the head alone.
    FormField,
}

/// Whether `sent` is the session's CSRF token (constant time).
pub fn csrf_matches(session: &Session, sent: &str) -> bool {
    let ok: bool = sent.as_bytes().ct_eq(session.csrf_token.as_bytes()).into();
    ok && !sent.is_empty()
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Caller::identify(parts, state, CsrfToken::Header).await
    }
}

impl Caller {
    /// Who is calling: a bearer token (API only) or the session cookie.
    pub async fn identify(
        parts: &mut Parts,
        state: &AppState,
        csrf: CsrfToken,
    ) -> Result<Self, ApiError> {
        let now = state.clock.now();
        let token = bearer(&parts.headers).filter(|_| csrf == CsrfToken::Header);
        let (user, session) = if let Some(token) = token {
            let user = state
                .store
                .user_by_token(now, token)
                .await?
                .ok_or(ApiError::Unauthorized)?;
            (user, None)
        } else if let Some(secret) = session_secret(&parts.headers) {
            let (session, user) = state
                .store
                .session_by_secret(now, secret, state.sessions)
                .await?
                .ok_or(ApiError::Unauthorized)?;
            if is_unsafe(&parts.method) && csrf == CsrfToken::Header {
                check_csrf(parts, &session)?;
            }
            (user, Some(session))
        } else {
            return Err(ApiError::Unauthorized);
        };
        let second_factor_required =
            session.is_some() && state.store.second_factor_required(now).await?;
        let purpose = purpose(&parts.headers)?;
        if let Some(p) = purpose
            && !state.store.purpose_in_use(p).await?
        {
            return Err(ApiError::field(
                "X-Purpose",
                format!("{p} is not in use: an administrator has taken it out of use (R2)"),
            ));
        }
        if let Some(trace) = parts.extensions.get::<Trace>() {
            trace.set(user.id, purpose, parts);
        }
        let client_ip = parts.extensions.get::<ClientIp>().map(|c| c.0);
        Ok(Caller {
            user,
            purpose,
            client_ip,
            session,
            second_factor_required,
        })
    }
}

/// The caller, their purpose, and the route (`GET /api/v1/notes/{id}`).
type Traced = (UserId, Option<Purpose>, String);

/// Who a request turned out to be, for the audit of refusals.
#[derive(Clone, Default)]
pub struct Trace(Arc<Mutex<Option<Traced>>>);

impl Trace {
    fn set(&self, user: UserId, purpose: Option<Purpose>, parts: &Parts) {
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map_or_else(|| parts.uri.path().to_string(), |m| m.as_str().to_string());
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((user, purpose, format!("{} {route}", parts.method)));
        }
    }

    fn take(&self) -> Option<Traced> {
        self.0.lock().ok()?.take()
    }
}

/// Audits every request an authenticated caller was refused (403): who,
/// which route (its template: ids, never values), from where (B1).
pub async fn audit_refusals(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let trace = Trace::default();
    request.extensions_mut().insert(trace.clone());
    let client_ip = request.extensions().get::<ClientIp>().map(|c| c.0);
    let response = next.run(request).await;
    if response.status() == StatusCode::FORBIDDEN
        && let Some((user, purpose, route)) = trace.take()
    {
        let actor = Actor {
            user: Some(user),
            purpose: purpose.unwrap_or(Purpose::RegisterMaintenance),
            client_ip,
        };
        let at: Timestamp = state.clock.now();
        if let Err(error) = state
            .store
            .record_audit(vec![actor.entry(
                at,
                AuditAction::Denied,
                RecordType::Route,
                route,
                None,
            )])
            .await
        {
            tracing::error!(%error, "could not audit a refusal");
        }
    }
    response
}

/// A fresh secret: a prefix and 32 random bytes, URL-safe base64.
pub fn random_secret(prefix: &str) -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Refuses, before any other work, a request another site made the browser
/// send (login has no session yet, but still must come from this origin).
pub struct SameOrigin;

impl<S: Send + Sync> FromRequestParts<S> for SameOrigin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        same_origin(parts).map(|()| SameOrigin)
    }
}

/// The cookie: `__Host-` (this origin, path `/`), HttpOnly, Secure (the
/// browser still sends it to `http://localhost`), SameSite=Lax.
pub fn set_cookie(response: &mut Response, value: &str) {
    let cookie = format!("{value}; Path=/; HttpOnly; Secure; SameSite=Lax");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}
