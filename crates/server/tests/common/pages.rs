//! What the page tests share: a logged-in browser's requests without the
//! browser (`web_people.rs`, `web_marketing.rs`): a page read in a language,
//! a form posted with the session's CSRF field and our own origin.

#![allow(dead_code)]

use crate::common::{Browser, TestApp};

/// A reply as a page: status, `Location`, `Content-Type`, the body.
pub struct Html {
    pub status: u16,
    pub location: String,
    pub content_type: String,
    pub body: String,
}

/// A client that shows redirects instead of following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub async fn read(req: reqwest::RequestBuilder) -> Html {
    let res = req.send().await.expect("request");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (location, content_type) = (header("location"), header("content-type"));
    Html {
        status: res.status().as_u16(),
        location,
        content_type,
        body: res.text().await.expect("body"),
    }
}

/// `GET path` as the browser, in `lang`.
pub async fn page(app: &TestApp, b: &Browser, lang: &str, path: &str) -> Html {
    read(
        client()
            .get(format!("{}{path}", app.base))
            .header("Cookie", &b.cookie)
            .header("Accept-Language", lang),
    )
    .await
}

/// A form posted to `path` as the browser, in `lang`.
pub async fn submit(
    app: &TestApp,
    b: &Browser,
    lang: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> Html {
    let mut all = vec![("csrf", b.csrf.as_str())];
    all.extend_from_slice(fields);
    read(
        client()
            .post(format!("{}{path}", app.base))
            .header("Cookie", &b.cookie)
            .header("Origin", &app.base)
            .header("Accept-Language", lang)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&all).expect("form")),
    )
    .await
}
