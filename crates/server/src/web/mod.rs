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
pub mod import;
mod invoices;
mod jobs;
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
mod person_retention;
mod recipients;
mod refusals;
mod requests;
mod retention;
mod settings;
mod settings_retention;
mod start;
mod timeline;

pub(crate) use crate::pages::{render, see_other};
use crate::state::AppState;
use axum::Router;

/// Every page of the interface.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(start::router())
        .merge(people::router())
        .merge(notes::router())
        .merge(account::router())
        .merge(admin::router())
        .merge(jobs::router())
        .merge(settings::router())
        .merge(settings_retention::router())
        .merge(audit::router())
        .merge(organisations::router())
        .merge(links::router())
        .merge(billing::router())
        .merge(invoices::router())
        .merge(recipients::router())
        .merge(disclosures::router())
        .merge(erasure::router())
        .merge(retention::router())
        .merge(person_retention::router())
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
