//! Logging in and out of the web interface (R11): the same checks as the
//! API's `POST /session` (`http::session::LoginAttempt`: counters, Argon2id,
//! second factor, a fresh session id), in two pages. When the user has a
//! second factor, the password page hands the browser a short-lived
//! challenge cookie and the code is asked for on a page of its own.

use super::page::{Nav, Posted, browser_locale};
use super::{render, see_other};
use crate::caller::set_cookie;
use crate::caller::{SESSION_COOKIE, SameOrigin, random_secret};
use crate::error::ApiError;
use crate::i18n::Locale;
use crate::services::accounts::LoginAttempt;
use crate::state::{AppState, ClientIp};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use rekisteri_domain::Purpose;
use serde::Deserialize;

/// The challenge cookie between the password and the code.
const CHALLENGE_COOKIE: &str = "__Host-rekisteri-login";
/// How long the code page waits for the code.
const CHALLENGE_MICROS: i64 = 5 * 60 * 1_000_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/login/code", get(code_page).post(code))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Locale,
    nav: Option<Nav>,
    organisation: String,
    next: String,
    name: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    l: Locale,
    nav: Option<Nav>,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct Next {
    next: Option<String>,
    lang: Option<String>,
}

/// Only a path of this site: never `//elsewhere`, a full address, or one
/// a browser would read as either after dropping a tab or a newline.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n[1..].starts_with('/')
                && !n
                    .chars()
                    .any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            n.into()
        }
        _ => "/".into(),
    }
}

fn locale(s: &AppState, headers: &HeaderMap, lang: Option<&str>) -> Locale {
    let query = lang.map(|l| format!("lang={l}"));
    browser_locale(s, headers, query.as_deref())
}

async fn login_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Next>,
) -> Result<Response, ApiError> {
    render(&LoginPage {
        l: locale(&s, &headers, q.lang.as_deref()),
        nav: None,
        organisation: s.organisation_name.to_string(),
        next: safe_next(q.next.as_deref()),
        name: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    next: Option<String>,
    lang: Option<String>,
}

/// A refused login as words on the page, with the API's status.
fn refusal(l: &Locale, error: ApiError) -> Result<(StatusCode, String), ApiError> {
    match error {
        ApiError::LoginFailed { code, .. } => {
            Ok((StatusCode::UNAUTHORIZED, l.code("login-error", code)))
        }
        ApiError::TooManyAttempts { retry_after } => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            l.tn("login-error-too-many", "seconds", retry_after),
        )),
        other => Err(other),
    }
}

fn with_status(status: StatusCode, page: Result<Response, ApiError>) -> Result<Response, ApiError> {
    page.map(|mut r| {
        *r.status_mut() = status;
        r
    })
}

async fn login(
    State(s): State<AppState>,
    _: SameOrigin,
    headers: HeaderMap,
    client: Option<Extension<ClientIp>>,
    Form(form): Form<LoginForm>,
) -> Result<Response, ApiError> {
    let l = locale(&s, &headers, form.lang.as_deref());
    let next = safe_next(form.next.as_deref());
    let now = s.clock.now();
    let attempt = LoginAttempt::new(&form.name, client.map(|c| c.0.0));
    let credentials = match attempt.check_password(&s, now, &form.password).await {
        Ok(c) => c,
        Err(error) => {
            let (status, message) = refusal(&l, error)?;
            let page = LoginPage {
                l,
                nav: None,
                organisation: s.organisation_name.to_string(),
                next,
                name: form.name,
                error: Some(message),
            };
            return with_status(status, render(&page));
        }
    };
    if credentials.totp_secret.is_some() {
        let secret = random_secret("");
        s.store
            .start_login_challenge(
                now,
                credentials.user.id,
                &secret,
                now.plus_micros(CHALLENGE_MICROS),
            )
            .await?;
        let target = format!(
            "/login/code?next={}&lang={}",
            super::errors::encode(&next),
            l.lang()
        );
        let mut response = see_other(&target);
        set_cookie(
            &mut response,
            &format!("{CHALLENGE_COOKIE}={secret}; Max-Age=300"),
        );
        return Ok(response);
    }
    let (secret, _) = attempt
        .open_session(&s, now, &credentials.user, &headers)
        .await?;
    let mut response = see_other(&next);
    set_cookie(&mut response, &format!("{SESSION_COOKIE}={secret}"));
    Ok(response)
}

fn challenge(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == CHALLENGE_COOKIE)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

async fn code_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Next>,
) -> Result<Response, ApiError> {
    let l = locale(&s, &headers, q.lang.as_deref());
    if challenge(&headers).is_none() {
        return Ok(see_other(&format!("/login?lang={}", l.lang())));
    }
    render(&CodePage {
        l,
        nav: None,
        next: safe_next(q.next.as_deref()),
        error: None,
    })
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
    next: Option<String>,
    lang: Option<String>,
}

async fn code(
    State(s): State<AppState>,
    _: SameOrigin,
    headers: HeaderMap,
    client: Option<Extension<ClientIp>>,
    Form(form): Form<CodeForm>,
) -> Result<Response, ApiError> {
    let l = locale(&s, &headers, form.lang.as_deref());
    let next = safe_next(form.next.as_deref());
    let now = s.clock.now();
    let secret = challenge(&headers).unwrap_or_default().to_string();
    let Some(user) = s.store.login_challenge(now, &secret).await? else {
        return Ok(see_other(&format!("/login?lang={}", l.lang())));
    };
    let credentials = s.store.credentials_of(user).await?;
    let attempt = LoginAttempt::new(&credentials.user.name, client.map(|c| c.0.0));
    let checked = match attempt.check_throttle(&s, now).await {
        Ok(()) => {
            attempt
                .check_second_factor(&s, now, &credentials, form.code.trim())
                .await
        }
        Err(e) => Err(e),
    };
    if let Err(error) = checked {
        let (status, message) = refusal(&l, error)?;
        let page = CodePage {
            l,
            nav: None,
            next,
            error: Some(message),
        };
        return with_status(status, render(&page));
    }
    // Spent once: of two submissions racing with the same challenge, one wins.
    if !s.store.end_login_challenge(&secret).await? {
        return Ok(see_other(&format!("/login?lang={}", l.lang())));
    }
    let (session, _) = attempt
        .open_session(&s, now, &credentials.user, &headers)
        .await?;
    let mut response = see_other(&next);
    set_cookie(&mut response, &format!("{SESSION_COOKIE}={session}"));
    set_cookie(&mut response, &format!("{CHALLENGE_COOKIE}=; Max-Age=0"));
    Ok(response)
}

#[derive(Deserialize)]
struct Nothing {}

async fn logout(State(s): State<AppState>, posted: Posted<Nothing>) -> Result<Response, ApiError> {
    let caller = &posted.page.caller;
    if let Some(session) = &caller.session {
        s.store
            .end_session(
                &caller.actor(Purpose::RegisterMaintenance),
                s.clock.now(),
                caller.user.id,
                session.id,
            )
            .await?;
    }
    let mut response = see_other(&format!("/login?lang={}", posted.page.l.lang()));
    set_cookie(&mut response, &format!("{SESSION_COOKIE}=; Max-Age=0"));
    Ok(response.into_response())
}
