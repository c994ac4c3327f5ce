//! The HTTP edge: a router per resource under `/api/v1`, one error type
//! ([`error::ApiError`]), authorization decided in [`policy`]. Handlers parse
//! input into domain types, ask the policy, call the store, and shape the
//! answer; nothing else.

pub mod error;
pub mod extract;
mod invoices;
mod notes;
mod orders;
mod organisations;
mod people;
pub mod policy;
mod search;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use rekisteri_domain::Clock;
use rekisteri_store::Store;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rekisteri",
        description = "A customer register that keeps its privacy notice's promises. Every request needs \
                       `Authorization: Bearer <token>`; `X-Purpose` names the purpose of processing (R2). \
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
pub struct Paging {
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
    /// 1–500; default 50.
    pub limit: Option<u32>,
}

impl Paging {
    pub fn request(&self) -> rekisteri_store::PageRequest {
        rekisteri_store::PageRequest {
            after: self.after.clone(),
            limit: self.limit.unwrap_or(50),
            bulk: false,
        }
    }
}

/// The API and its OpenAPI description, built from the same handlers.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            OpenApiRouter::new()
                .merge(people::router())
                .merge(organisations::router())
                .merge(orders::router())
                .merge(invoices::router())
                .merge(notes::router())
                .merge(search::router()),
        )
        .split_for_parts()
}

/// The whole application: the API, its document, and the health check.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api();
    let doc = Arc::new(doc);
    api.route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc.as_ref().clone()) }
        }),
    )
    .route("/healthz", get(|| async { "ok" }))
    .layer(tower_http::limit::RequestBodyLimitLayer::new(
        2 * 1024 * 1024,
    ))
    .layer(axum::middleware::map_response(no_store))
    .with_state(state)
}

/// Responses may carry personal data: no cache keeps them.
async fn no_store(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
