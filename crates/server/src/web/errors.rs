//! Errors as pages. Handlers return the API's [`ApiError`]; this layer
//! turns its JSON body into what a person in a browser needs: the login
//! page when signed out, the account page when a step is pending (a new
//! password, a second factor), the "no commitment recorded yet" notice,
//! and otherwise a page in the user's language saying what went wrong.

use super::page::{Nav, PageSlot, browser_locale};
use super::render;
use crate::i18n::Locale;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Locale,
    nav: Option<Nav>,
    status: u16,
    code: String,
    /// The message in the user's language, or the API's English one.
    message: String,
}

impl ErrorPage {
    fn title(&self) -> String {
        self.l
            .try_t(&format!("error-title-{}", self.code.replace('_', "-")))
            .unwrap_or_else(|| self.l.t("error-title-other"))
    }
}

fn redirect(to: &str, htmx: bool) -> Response {
    if htmx {
        // htmx follows HX-Redirect with a whole-page load.
        let mut response = StatusCode::NO_CONTENT.into_response();
        if let Ok(v) = HeaderValue::from_str(to) {
            response.headers_mut().insert("hx-redirect", v);
        }
        response
    } else {
        axum::response::Redirect::to(to).into_response()
    }
}

/// The web pages' error layer.
pub async fn html_errors(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let slot = PageSlot::default();
    request.extensions_mut().insert(slot.clone());
    let htmx = request.headers().contains_key("hx-request");
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let fallback = browser_locale(&state, request.headers(), request.uri().query());
    let response = next.run(request).await;
    let status = response.status();
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.is_success() || status.is_redirection() || !is_json {
        return response;
    }
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let error: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let code = error["error"]["code"]
        .as_str()
        .unwrap_or("internal")
        .to_string();
    let english = error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    match (status, code.as_str()) {
        (StatusCode::UNAUTHORIZED, _) => {
            let next = if path == "/" || path.starts_with("/login") {
                "/login".to_string()
            } else {
                format!("/login?next={}", encode(&path))
            };
            return redirect(&next, htmx);
        }
        (_, "password_change_required") => return redirect("/account/password", htmx),
        (_, "second_factor_required") => return redirect("/account/second-factor", htmx),
        _ => {}
    }
    let (l, nav) = slot.get().unwrap_or((fallback, None));
    let message = l
        .try_t(&format!("error-text-{}", code.replace('_', "-")))
        .unwrap_or(english);
    let page = ErrorPage {
        l,
        nav,
        status: status.as_u16(),
        code,
        message,
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

/// A path as a query value (`/people/1` → `%2Fpeople%2F1`).
pub fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}
