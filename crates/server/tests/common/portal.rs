//! What the portal tests share: a visitor without a browser (the CSRF
//! cookie, the verified visit's cookie), the portal's forms posted from
//! our own origin, and the link read from the app's outbox.

#![allow(dead_code)]

use crate::common::TestApp;
use crate::pages::{Html, client, read};
use base64::Engine;

/// A visitor: the CSRF cookie's value and, once verified, the visit's.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    pub csrf: String,
    pub session: Option<String>,
    pub lang: String,
}

/// The value of a `Set-Cookie` named `name` in a response's headers.
pub fn set_cookie(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .and_then(|v| v.split_once('='))
        .map(|(_, v)| v.to_string())
}

impl Visitor {
    pub fn cookies(&self) -> String {
        let mut c = format!("__Host-rekisteri-portal-csrf={}", self.csrf);
        if let Some(s) = &self.session {
            c.push_str(&format!("; __Host-rekisteri-portal={s}"));
        }
        c
    }
}

/// Opens `/portal` in `lang` (an `Accept-Language`): the CSRF cookie.
pub async fn arrive(app: &TestApp, lang: &str) -> Visitor {
    let res = client()
        .get(format!("{}/portal", app.base))
        .header("Accept-Language", lang)
        .send()
        .await
        .expect("portal");
    assert_eq!(res.status(), 200);
    let csrf = set_cookie(res.headers(), "__Host-rekisteri-portal-csrf").expect("a CSRF cookie");
    let body = res.text().await.expect("body");
    assert!(
        body.contains(&format!("name=\"csrf\" value=\"{csrf}\"")),
        "the form carries the cookie's token"
    );
    Visitor {
        csrf,
        session: None,
        lang: lang.to_string(),
    }
}

/// `GET path` as the visitor.
pub async fn get(app: &TestApp, v: &Visitor, path: &str) -> Html {
    read(
        client()
            .get(format!("{}{path}", app.base))
            .header("Cookie", v.cookies())
            .header("Accept-Language", &v.lang),
    )
    .await
}

/// A portal form posted as the visitor, the CSRF field included.
pub async fn post(app: &TestApp, v: &Visitor, path: &str, fields: &[(&str, &str)]) -> Html {
    let mut all = vec![("csrf", v.csrf.as_str())];
    all.extend_from_slice(fields);
    post_raw(app, &v.cookies(), &v.lang, path, &all).await
}

/// A form posted with exactly these cookies and fields, from our origin.
pub async fn post_raw(
    app: &TestApp,
    cookies: &str,
    lang: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> Html {
    let mut req = client()
        .post(format!("{}{path}", app.base))
        .header("Origin", &app.base)
        .header("Accept-Language", lang)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).expect("form"));
    if !cookies.is_empty() {
        req = req.header("Cookie", cookies);
    }
    read(req).await
}

/// Asks for a link to `email` for `wanted`.
pub async fn ask(app: &TestApp, v: &Visitor, email: &str, wanted: &str) -> Html {
    post(app, v, "/portal", &[("email", email), ("wanted", wanted)]).await
}

/// Every message in the outbox to `email`, decoded, once the portal's
/// link work has settled.
pub async fn mail_to(app: &TestApp, email: &str) -> Vec<String> {
    app.state.portal.settled().await;
    let mut found = Vec::new();
    for entry in app.outbox.list().await.expect("outbox") {
        let raw = app
            .outbox
            .read(&entry.file)
            .await
            .expect("read")
            .expect("file");
        let text = decode(&String::from_utf8_lossy(&raw));
        if text.contains(&format!("To: {email}")) {
            found.push(text);
        }
    }
    found
}

/// The headers and the body of a message, its body decoded
/// (base64 or quoted-printable).
fn decode(message: &str) -> String {
    let (head, body) = message.split_once("\r\n\r\n").unwrap_or((message, ""));
    let lower = head.to_ascii_lowercase();
    let body = if lower.contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .expect("base64 body");
        String::from_utf8_lossy(&bytes).into_owned()
    } else if lower.contains("content-transfer-encoding: quoted-printable") {
        let soft = body.replace("=\r\n", "");
        let bytes = soft.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && i + 2 < bytes.len()
                && let Ok(b) = u8::from_str_radix(&soft[i + 1..i + 3], 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    } else {
        body.to_string()
    };
    format!("{head}\r\n\r\n{body}")
}

/// The path of the latest link mailed to `email`.
pub async fn link_to(app: &TestApp, email: &str) -> String {
    let mails = mail_to(app, email).await;
    let last = mails.last().expect("a link was mailed");
    let start = last.find("/portal/verify/").expect("a link in the mail");
    last[start..]
        .split_whitespace()
        .next()
        .expect("the link")
        .to_string()
}

/// Follows the link and confirms it: the verified visit.
pub async fn verify(app: &TestApp, v: &mut Visitor, link: &str) -> Html {
    let page = get(app, v, link).await;
    assert_eq!(page.status, 200, "the link's page: {}", page.body);
    let res = client()
        .post(format!("{}{link}", app.base))
        .header("Origin", &app.base)
        .header("Cookie", v.cookies())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("csrf={}", v.csrf))
        .send()
        .await
        .expect("verify");
    if let Some(s) = set_cookie(res.headers(), "__Host-rekisteri-portal") {
        v.session = Some(s);
    }
    let location = res
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Html {
        status: res.status().as_u16(),
        location,
        content_type: String::new(),
        body: res.text().await.unwrap_or_default(),
    }
}

/// A verified visit for `email`, asked for `wanted`.
pub async fn verified(app: &TestApp, email: &str, wanted: &str, lang: &str) -> Visitor {
    let mut v = arrive(app, lang).await;
    assert_eq!(ask(app, &v, email, wanted).await.status, 200);
    let link = link_to(app, email).await;
    let done = verify(app, &mut v, &link).await;
    assert_eq!(done.status, 303, "verified: {}", done.body);
    assert!(v.session.is_some(), "a visit cookie");
    v
}

/// The case id a confirmation page shows.
pub fn case_id(page: &Html) -> String {
    let start = page
        .body
        .find("<code id=\"case-id\">")
        .unwrap_or_else(|| panic!("a case id on the page: {}", page.body))
        + "<code id=\"case-id\">".len();
    let end = page.body[start..].find('<').expect("end") + start;
    page.body[start..end].to_string()
}
