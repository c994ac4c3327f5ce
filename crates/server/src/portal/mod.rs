//! The public privacy portal (R14–R18, R21): no staff login. A person
//! types their email and chooses a request; a single-use link (30 minutes,
//! only its hash stored) goes to the address when it is on someone's
//! record; following it and confirming opens a verified visit (30 minutes,
//! its own cookie, only the secret's hash stored) where the person
//! downloads their data, asks for a correction, sets marketing
//! prohibitions (in force at once), or asks for restriction or erasure.
//! Each becomes a case (`channel portal`, verified by `portal_link`) with
//! its deadline, audited with no staff user.
//!
//! The portal never tells whether an address is in the register before
//! the link is followed: asking for a link answers the same page, at the
//! same speed (the lookup and the mail happen after the answer), and the
//! rate limits count every address alike ([`limits`]). Its forms are
//! CSRF-protected twice: a double-submitted `__Host-` cookie (SameSite
//! Strict) and the staff forms' origin check. The firewall lets everyone
//! reach `/portal` (and the static files), nothing else (`http::firewall`).

mod actions;
mod link;
mod marketing;
pub mod report;

use crate::caller::{random_secret, same_origin};
use crate::error::ApiError;
use crate::i18n::{Lang, Locale};
use crate::pages::{PageSlot, browser_locale, render, see_other};
use crate::services::limits;
use crate::state::{AppState, ClientIp};
use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::portal::RateLimit;
use rekisteri_domain::{Purpose, Timestamp};
use rekisteri_store::PortalSession;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The verified visit's cookie.
pub const SESSION_COOKIE: &str = "__Host-rekisteri-portal";
/// The double-submitted CSRF cookie of the portal's forms.
pub const CSRF_COOKIE: &str = "__Host-rekisteri-portal-csrf";

/// Every page of the portal, under its own error pages.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/portal", get(link::start).post(link::request_link))
        .route(
            "/portal/verify/{token}",
            get(link::confirm).post(link::verify),
        )
        .route("/portal/home", get(actions::home))
        .route(
            "/portal/request/{what}",
            get(actions::form).post(actions::submit),
        )
        .route("/portal/report", get(actions::download))
        .route(
            "/portal/marketing",
            get(marketing::page).post(marketing::submit),
        )
        .route("/portal/logout", post(actions::logout))
        .layer(axum::middleware::from_fn_with_state(state, errors))
}

/// Whether a path is the public portal's (or a static file it needs).
pub fn is_public(path: &str) -> bool {
    path == "/portal" || path.starts_with("/portal/") || path.starts_with("/static/")
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// Appends a `__Host-` cookie: this origin, path `/`, HttpOnly, Secure (the
/// browser still keeps it for `http://localhost`), SameSite=Strict.
fn set_cookie(response: &mut Response, name: &str, value: &str, max_age: Option<i64>) {
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    let cookie = format!("{name}={value}; Path=/; HttpOnly; Secure; SameSite=Strict{age}");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Someone on a portal page: their language, the CSRF token of the forms,
/// and their verified visit, if any.
pub struct Visitor {
    pub l: Locale,
    /// Whether the page's address named the language (`?lang=`).
    pub lang_asked: bool,
    pub csrf: String,
    /// The CSRF cookie is new: it goes out with the page.
    fresh_csrf: bool,
    pub session: Option<PortalSession>,
    pub actor: Actor,
    pub register: Arc<RegisterDetails>,
    pub now: Timestamp,
}

impl Visitor {
    async fn identify(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let now = state.clock.now();
        let session = match cookie(&parts.headers, SESSION_COOKIE) {
            Some(secret) => state.store.portal_session(now, secret).await?,
            None => None,
        };
        let asked = parts
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .find_map(|p| p.strip_prefix("lang="))
            .and_then(Lang::parse);
        let lang = asked
            .or_else(|| session.as_ref().and_then(|s| Lang::parse(&s.language)))
            .unwrap_or_else(|| browser_locale(state, &parts.headers, None).lang);
        let l = Locale::new(lang, state.time_zone.clone());
        if let Some(slot) = parts.extensions.get::<PageSlot>() {
            slot.set(&l, None);
        }
        let (csrf, fresh_csrf) = match cookie(&parts.headers, CSRF_COOKIE) {
            Some(c) => (c.to_string(), false),
            None => (random_secret(""), true),
        };
        Ok(Visitor {
            l,
            lang_asked: asked.is_some(),
            csrf,
            fresh_csrf,
            session,
            actor: Actor {
                user: None,
                purpose: Purpose::RegisterMaintenance,
                client_ip: parts.extensions.get::<ClientIp>().map(|c| c.0),
            },
            register: state.register().await,
            now,
        })
    }

    /// Speaks `lang` from here on (the language a link was asked in).
    pub fn speak(&mut self, lang: Lang) {
        self.l = Locale::new(lang, self.l.tz.clone());
    }

    /// The frame every portal page shares.
    pub fn frame(&self, path: &str) -> Frame {
        Frame {
            csrf: self.csrf.clone(),
            path: path.to_string(),
            signed_in: self.session.is_some(),
            register: self.register.clone(),
        }
    }

    /// A page, with the CSRF cookie when it is new.
    pub fn page(&self, template: &impl Template, status: StatusCode) -> Result<Response, ApiError> {
        let mut response = render(template)?;
        *response.status_mut() = status;
        if self.fresh_csrf {
            set_cookie(&mut response, CSRF_COOKIE, &self.csrf, None);
        }
        Ok(response)
    }

    /// A redirect within the portal, in the visitor's language.
    pub fn go(&self, path: &str) -> Response {
        let sep = if path.contains('?') { '&' } else { '?' };
        see_other(&format!("{path}{sep}lang={}", self.l.lang()))
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Visitor::identify(parts, state).await
    }
}

/// A visitor whose visit is verified, and the people their address belongs to.
pub struct Verified {
    pub visitor: Visitor,
    pub session: PortalSession,
    pub people: Vec<PersonId>,
}

impl Verified {
    async fn of(visitor: Visitor, state: &AppState) -> Result<Self, ApiError> {
        let session = visitor.session.clone().ok_or(ApiError::Unauthorized)?;
        let people = state
            .store
            .people_by_email(&visitor.actor, visitor.now, &session.email)
            .await?;
        Ok(Verified {
            visitor,
            session,
            people,
        })
    }

    /// The one person the address belongs to; several are never merged.
    pub fn person(&self) -> Option<PersonId> {
        match self.people.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

impl FromRequestParts<AppState> for Verified {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let visitor = Visitor::identify(parts, state).await?;
        Verified::of(visitor, state).await
    }
}

/// The largest portal form.
const FORM_LIMIT: usize = 64 * 1024;

/// A form sent to the portal: from this site (origin), with the CSRF
/// field equal to the CSRF cookie, within the client's rate limit; checked
/// before the handler sees anything.
pub struct PortalForm<T> {
    pub visitor: Visitor,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for PortalForm<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let (mut parts, body) = request.into_parts();
        let visitor = Visitor::identify(&mut parts, state).await?;
        same_origin(&parts)?;
        let refused = || ApiError::Forbidden {
            code: "csrf",
            message: "the form is out of date; reload the page and send it again".into(),
        };
        if visitor.fresh_csrf {
            return Err(refused());
        }
        limits::take(
            &state.store,
            &[(
                limits::Key::FormsFrom(visitor.actor.client_ip),
                RateLimit::FORMS_PER_CLIENT,
            )],
            visitor.now,
        )
        .await?;
        let bytes = axum::body::to_bytes(body, FORM_LIMIT)
            .await
            .map_err(|_| ApiError::field("form", "is too large"))?;
        let pairs: Vec<(String, String)> = serde_html_form::from_bytes(&bytes)
            .map_err(|_| ApiError::field("form", "is not a form"))?;
        let sent = pairs
            .iter()
            .find(|(name, _)| name == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        let same: bool = sent.as_bytes().ct_eq(visitor.csrf.as_bytes()).into();
        if !same || sent.is_empty() {
            return Err(refused());
        }
        let form = serde_html_form::from_bytes(&bytes)
            .map_err(|e| ApiError::field("form", e.to_string()))?;
        Ok(PortalForm { visitor, form })
    }
}

/// The frame of a portal page: the forms' CSRF token, the path for the
/// language links, the controller and the register's contact person (R1).
pub struct Frame {
    pub csrf: String,
    pub path: String,
    pub signed_in: bool,
    pub register: Arc<RegisterDetails>,
}

impl Frame {
    /// The supervisory authority's name in the page's language (R20).
    pub fn authority(&self, l: &Locale) -> String {
        let a = &self.register.authority;
        match l.lang {
            Lang::Fi => a.name_fi.clone(),
            Lang::En => a.name_en.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal_error.html")]
struct ErrorPage {
    l: Locale,
    f: Frame,
    status: u16,
    title: String,
    message: String,
}

/// The portal's errors as pages in the visitor's language: a visit that
/// has ended, a form out of date, too many requests, anything else.
async fn errors(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let slot = PageSlot::default();
    request.extensions_mut().insert(slot.clone());
    let fallback = browser_locale(&state, request.headers(), request.uri().query());
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.is_success() || status.is_redirection() || !is_json {
        return response;
    }
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let code = error["error"]["code"].as_str().unwrap_or("other");
    let code = code.replace('_', "-");
    let l = slot.get().map_or(fallback, |(l, _)| l);
    let text = |kind: &str| {
        l.try_t(&format!("portal-error-{kind}-{code}"))
            .unwrap_or_else(|| l.t(&format!("portal-error-{kind}-other")))
    };
    let page = ErrorPage {
        title: text("title"),
        message: text("text"),
        f: Frame {
            csrf: String::new(),
            path: "/portal".into(),
            signed_in: false,
            register: state.register().await,
        },
        status: status.as_u16(),
        l,
    };
    match render(&page) {
        Ok(mut response) => {
            *response.status_mut() = status;
            if let Some(v) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
        Err(_) => status.into_response(),
    }
}
