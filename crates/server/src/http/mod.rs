//! The HTTP API: a router per resource under `/api/v1` and its OpenAPI
//! document. Handlers parse input into domain types, ask the policy
//! ([`crate::policy`]), call the store or a service ([`crate::services`]),
//! and shape the answer; nothing else.

mod account;
mod audit;
mod disclosures;
mod erasure;
mod holds;
mod invoices;
mod jobs;
mod marketing;
mod notes;
mod openapi;
mod orders;
mod organisations;
mod people;
mod permissions;
mod recipients;
mod rectification;
mod register;
mod report;
mod requests;
mod retention;
mod search;
mod session;
mod users;

use crate::error;
use crate::state::AppState;
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rekisteri",
        description = "A customer register that keeps its privacy notice's promises. Every request needs \
                       `Authorization: Bearer <token>` or the session cookie of `POST /api/v1/session` (then \
                       unsafe methods need `X-CSRF-Token`); `X-Purpose` names the purpose of processing (R2). \
                       Writes to an existing record need `If-Match` with the ETag read."
    ),
    modifiers(&BearerAuth),
    components(schemas(error::ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOf<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> From<rekisteri_store::Page<T>> for ListOf<T> {
    fn from(page: rekisteri_store::Page<T>) -> Self {
        Self {
            items: page.items,
            next_cursor: page.next_cursor,
        }
    }
}

/// Where a list page starts and how long it is.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    pub after: Option<String>,
    /// 1–500; default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

impl Paging {
    /// The page asked for; a limit outside 1–500 or a cursor this API did
    /// not send is a 422 naming it (not a quietly clamped or empty page).
    pub fn request(&self) -> Result<rekisteri_store::PageRequest, crate::error::ApiError> {
        let limit = match self.limit {
            None => 50,
            Some(n @ 1..=500) => n,
            Some(_) => {
                return Err(crate::error::ApiError::field(
                    "limit",
                    "must be between 1 and 500",
                ));
            }
        };
        // A cursor is an id as this API writes it (lower-case, hyphenated).
        if let Some(after) = &self.after
            && !uuid::Uuid::parse_str(after).is_ok_and(|id| id.to_string() == *after)
        {
            return Err(crate::error::ApiError::field(
                "after",
                "is not a cursor this API sent (a list's next_cursor)",
            ));
        }
        Ok(rekisteri_store::PageRequest {
            after: self.after.clone(),
            limit,
            bulk: false,
        })
    }
}

/// The API and its OpenAPI document, built from the same handlers.
pub fn api() -> (Router<AppState>, serde_json::Value) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            OpenApiRouter::new()
                .merge(report::router())
                .merge(people::router())
                .merge(organisations::router())
                .merge(orders::router())
                .merge(invoices::router())
                .merge(notes::router())
                .merge(search::router())
                .merge(session::router())
                .merge(account::router())
                .merge(users::router())
                .merge(audit::router())
                .merge(permissions::router())
                .merge(marketing::router())
                .merge(recipients::router())
                .merge(disclosures::router())
                .merge(requests::router())
                .merge(rectification::router())
                .merge(erasure::router())
                .merge(jobs::router())
                .merge(register::router())
                .merge(retention::router())
                .merge(holds::router()),
        )
        .split_for_parts();
    (router, openapi::finish(doc))
}
