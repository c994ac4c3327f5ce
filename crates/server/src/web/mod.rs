//! The staff web interface: server-rendered pages (askama templates under
//! `templates/`, checked at compile time, output escaped) in Finnish and
//! English (`locales/`), improved by htmx where JavaScript runs and whole
//! without it. Pages ask the same policy and the same store as the API;
//! forms go through [`page::Posted`] (CSRF) and errors through
//! [`errors::html_errors`] (a page in the user's language).

mod account;
mod admin;
mod assets;
mod audit;
mod billing;
mod disclosures;
mod erasure;
pub mod errors;
pub mod forms;
pub mod i18n;
pub mod import;
mod invoices;
mod links;
mod login;
mod marketing;
mod notes;
mod organisations;
pub mod page;
pub mod people;
mod person_marketing;
mod person_marketing_forms;
mod person_page;
mod recipients;
mod requests;
mod start;

use crate::http::AppState;
use crate::http::error::ApiError;
use askama::Template;
use axum::Router;
use axum::response::{Html, IntoResponse, Response};

/// Every page of the interface.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(start::router())
        .merge(people::router())
        .merge(notes::router())
        .merge(account::router())
        .merge(admin::router())
        .merge(audit::router())
        .merge(organisations::router())
        .merge(links::router())
        .merge(billing::router())
        .merge(invoices::router())
        .merge(recipients::router())
        .merge(disclosures::router())
        .merge(erasure::router())
        .merge(person_marketing_forms::router())
        .merge(marketing::router())
        .merge(requests::router())
        .layer(axum::middleware::from_fn_with_state(
            state,
            errors::html_errors,
        ))
        .merge(assets::router())
}

/// The pages that take uploads: merged past the application's 2 MB body
/// limit (`http::app`), with their own.
pub fn uploads(state: AppState) -> Router<AppState> {
    import::router().layer(axum::middleware::from_fn_with_state(
        state,
        errors::html_errors,
    ))
}

/// A template rendered to a page.
pub fn render(template: &impl Template) -> Result<Response, ApiError> {
    match template.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(error) => {
            tracing::error!(%error, "template failed");
            Err(ApiError::Internal)
        }
    }
}

/// A redirect after a form (303: the browser GETs the target).
pub fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}
