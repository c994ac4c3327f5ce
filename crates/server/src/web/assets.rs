//! The interface's static files, compiled into the binary: htmx (vendored,
//! 0BSD, `static/htmx.LICENSE`), the style sheet and the small script that
//! adds keyboard moves to search. Nothing is fetched from elsewhere.

use crate::state::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const FILES: [(&str, &str, &[u8]); 4] = [
    (
        "htmx.min.js",
        "text/javascript",
        include_bytes!("../../static/htmx.min.js"),
    ),
    (
        "app.js",
        "text/javascript",
        include_bytes!("../../static/app.js"),
    ),
    (
        "app.css",
        "text/css",
        include_bytes!("../../static/app.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
];

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{name}", get(file))
}

async fn file(Path(name): Path<String>) -> Response {
    let Some((_, kind, bytes)) = FILES.iter().find(|(n, _, _)| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    // No personal data: a browser may keep these for an hour.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
