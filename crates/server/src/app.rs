//! The composition root: the API, the staff pages, the portal and the
//! health check merged into one router, behind the firewall (R11) and the
//! security headers.

use crate::caller;
use crate::error::ApiError;
use crate::state::{AppState, ClientIp, Https};
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rekisteri_domain::network::client_ip;
use std::net::SocketAddr;
use std::sync::Arc;

/// The whole application: the API, its document, and the health check.
pub fn app(state: AppState) -> Router {
    let (api, doc) = crate::http::api();
    let doc = Arc::new(doc);
    let routes = api
        .route(
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
            caller::audit_refusals,
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
                    caller::audit_refusals,
                ))
                .layer(tower_http::limit::RequestBodyLimitLayer::new(
                    crate::web::import::UPLOAD_LIMIT,
                )),
        )
        .layer(axum::middleware::map_response(too_large_as_json))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            firewall,
        ));
    outermost(routes).with_state(state)
}

/// What wraps every answer last: a handler that panicked answers 500, and
/// every answer, that one too, carries the security headers.
fn outermost<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::map_response(security_headers))
}

/// A handler that panicked answers 500 in the API's error form (with the
/// security headers) instead of a dropped connection; its transaction was
/// never committed. The panic's message is not logged here, and the
/// binary's panic hook (`main.rs`) writes only where it happened: a
/// message may quote the input.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request's handler panicked: answered 500");
    ApiError::Internal.into_response()
}

/// The body limit's 413 in the API's error form (issue 19 §5), not plain
/// text.
async fn too_large_as_json(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        return ApiError::TooLarge.into_response();
    }
    response
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
        return ApiError::Forbidden {
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
        return ApiError::Forbidden {
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

/// Starts the work the server does by itself beside serving: the job
/// runner and the periodic round of [`crate::jobs`].
pub fn start_background_work(state: AppState) {
    tokio::spawn(crate::jobs::run(state));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A handler that panics (i64::MIN once overflowed in one) answers 500
    /// in the API's error form, with the security headers, instead of a
    /// dropped connection; the panic's words (here a name) are not in it.
    #[tokio::test]
    async fn r3_a_panicking_handler_answers_500_in_the_error_form() {
        async fn boom() -> &'static str {
            panic!("Matti Mäkinen")
        }
        let router = outermost(Router::new().route("/boom", get(boom)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        let reply = reqwest::get(format!("http://{addr}/boom")).await.unwrap();
        assert_eq!(reply.status(), 500);
        assert_eq!(reply.headers()["x-content-type-options"], "nosniff");
        let body = reply.text().await.unwrap();
        assert!(body.contains(r#""code":"internal""#), "{body}");
        assert!(!body.contains("Matti"), "{body}");
    }
}
