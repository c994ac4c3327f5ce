//! The HTTP edge: a router per resource under `/api/v1`, one error type
//! ([`error::ApiError`]), authorization decided in [`policy`]. Handlers parse
//! input into domain types, ask the policy, call the store, and shape the
//! answer; nothing else.

pub mod account;
mod audit;
pub mod auth;
pub mod disclosures;
pub mod erasure;
pub mod error;
pub mod extract;
mod invoices;
pub mod marketing;
mod notes;
mod orders;
mod organisations;
mod people;
pub mod permissions;
pub mod policy;
mod recipients;
mod rectification;
pub mod report;
mod report_csv;
pub mod requests;
mod search;
pub mod session;
pub(crate) mod users;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rekisteri_domain::Clock;
use rekisteri_domain::login::SessionTimeouts;
use rekisteri_domain::network::{Network, client_ip};
use rekisteri_store::Store;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub firewall: Arc<Firewall>,
    /// How long web sessions live.
    pub sessions: SessionTimeouts,
    /// The organisation keeping the register: no password may be built on
    /// its name.
    pub organisation_name: Arc<str>,
    /// The zone the web interface shows times in and reads them from.
    pub time_zone: Arc<jiff::tz::TimeZone>,
    /// The web's CSV imports running or recently done.
    pub imports: Arc<crate::web::import::ImportJobs>,
    /// Outgoing mail: SMTP when configured, else the outbox folder.
    pub mailer: crate::mail::Mailer,
    /// The controller, the register's contact person and the supervisory
    /// authority (R1, R20).
    pub register: Arc<rekisteri_domain::controller::RegisterDetails>,
    /// How long a data-subject request may wait for its answer (R14).
    pub answer_period: rekisteri_domain::request::AnswerPeriod,
    /// The public privacy portal: its address, rate limits and link work.
    pub portal: Arc<crate::portal::Portal>,
}

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>, mailer: crate::mail::Mailer) -> Self {
        Self {
            mailer,
            register: Arc::default(),
            answer_period: Default::default(),
            portal: Arc::new(crate::portal::Portal::new(DEFAULT_PUBLIC_URL)),
            store,
            clock,
            firewall: Arc::new(Firewall::default()),
            sessions: SessionTimeouts::default(),
            organisation_name: Arc::from(DEFAULT_ORGANISATION),
            time_zone: Arc::new(default_time_zone()),
            imports: Arc::default(),
        }
    }
}

/// Europe/Helsinki, from the zone database compiled into the binary.
pub fn default_time_zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(jiff::tz::TimeZone::UTC)
}

pub const DEFAULT_TIME_ZONE: &str = "Europe/Helsinki";

/// Where people reach the portal unless `serve --public-url` says otherwise.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// The organisation of the privacy notice this register was built for.
pub const DEFAULT_ORGANISATION: &str = "MT Mediateko Oy";

/// Who may reach the register over the network (R11).
#[derive(Debug, Clone)]
pub struct Firewall {
    /// Networks whose clients may use the API; default loopback only.
    pub allowed: Vec<Network>,
    /// Proxies whose `X-Forwarded-For` names the real client.
    pub trusted_proxies: Vec<Network>,
}

impl Default for Firewall {
    fn default() -> Self {
        Self {
            allowed: Network::loopback(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// The client's address, as the firewall decided it; audited with each entry.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub std::net::IpAddr);

/// Whether the client reached us over TLS: a trusted proxy said so with
/// `X-Forwarded-Proto: https`. Decides HSTS and the origin CSRF expects.
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

/// Refuses requests from outside the allowed networks before any other
/// work; `/healthz` stays open for load balancers (it shows nothing), and
/// the public privacy portal (`/portal`, and the static files its pages
/// use) for everyone: the staff interface and the API stay behind it.
async fn firewall(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    else {
        return error::ApiError::Forbidden {
            code: "network",
            message: "the client's address is unknown".into(),
        }
        .into_response();
    };
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let ip = client_ip(peer.ip(), forwarded, &state.firewall.trusted_proxies);
    let path = request.uri().path();
    let public = path == "/healthz" || crate::portal::is_public(path);
    if !public && !state.firewall.allowed.iter().any(|n| n.contains(ip)) {
        return error::ApiError::Forbidden {
            code: "network",
            message:
                "this network may not use the register (R11); ask an administrator to allow it"
                    .into(),
        }
        .into_response();
    }
    let from_proxy = state
        .firewall
        .trusted_proxies
        .iter()
        .any(|n| n.contains(peer.ip()));
    let https = from_proxy
        && request
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    request.extensions_mut().insert(ClientIp(ip));
    request.extensions_mut().insert(Https(https));
    let mut response = next.run(request).await;
    if https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

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
                .merge(erasure::router()),
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
    .merge(crate::web::router(state.clone()))
    .merge(crate::portal::router(state.clone()))
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::audit_refusals,
    ))
    .route("/healthz", get(|| async { "ok" }))
    .layer(tower_http::limit::RequestBodyLimitLayer::new(
        2 * 1024 * 1024,
    ))
    // The import page's upload is the one body allowed past 2 MB: its
    // routes are merged after that limit, with their own.
    .merge(
        crate::web::uploads(state.clone())
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                auth::audit_refusals,
            ))
            .layer(tower_http::limit::RequestBodyLimitLayer::new(
                crate::web::import::UPLOAD_LIMIT,
            )),
    )
    .layer(axum::middleware::from_fn_with_state(
        state.clone(),
        firewall,
    ))
    .layer(axum::middleware::map_response(security_headers))
    .with_state(state)
}

/// Responses may carry personal data: no cache keeps them (only the static
/// files say otherwise), no page frames them, and only this server's own
/// files run as scripts or style pages: no inline script, no inline style.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // `same-origin`, not `no-referrer`: under `no-referrer` browsers send
    // `Origin: null` with this site's own form posts, and the CSRF origin
    // check must see them. Other sites still get no referrer.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}
