//! What the erasure tests share (`erasure.rs`, `erasure_reach.rs`,
//! `web_erasure.rs`): the privacy officer, erasing, invoices whose status
//! holds or ends a hold, and one round of the server's periodic jobs.

#![allow(dead_code)]

use crate::common::{Reply, TestApp};
use rekisteri_domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

pub async fn officer(app: &TestApp) -> String {
    app.user("tietosuoja", Role::PrivacyOfficer).await
}

pub async fn as_officer(app: &TestApp, officer: &str, method: Method, path: &str) -> Reply {
    app.send(method, path, Some(officer), None, Some(json!({})))
        .await
}

pub async fn erase(app: &TestApp, officer: &str, person: &str) -> Reply {
    as_officer(
        app,
        officer,
        Method::POST,
        &format!("/api/v1/people/{person}/erasure"),
    )
    .await
}

/// An invoice of the person; returns (id, ETag, the body sent).
pub async fn invoice(
    app: &TestApp,
    person: &str,
    number: &str,
    status: &str,
) -> (String, String, Value) {
    let body = json!({"person_id": person, "number": number, "status": status, "issued_on": "2026-11-20",
                      "due_on": "2026-12-04", "total_cents": 12345});
    let reply = app.post("/api/v1/invoices", body.clone()).await;
    let etag = reply.etag();
    (
        reply.expect(201)["id"].as_str().unwrap().to_string(),
        etag,
        body,
    )
}

/// Changes the invoice's status through the API (staff).
pub async fn set_status(app: &TestApp, id: &str, etag: &str, mut body: Value, status: &str) {
    body["status"] = json!(status);
    app.put(&format!("/api/v1/invoices/{id}"), etag, body)
        .await
        .expect(200);
}

pub fn hold_codes(reply: &Value) -> Vec<String> {
    reply["error"]["holds"]
        .as_array()
        .expect("holds")
        .iter()
        .map(|h| h["code"].as_str().unwrap().to_string())
        .collect()
}

/// One round of the server's periodic work on the app's store and clock,
/// and then the jobs it queued; answers how many people were erased.
pub async fn tick(app: &TestApp) -> usize {
    let erased = rekisteri::services::periodic::tick(&app.state)
        .await
        .unwrap()
        .erased;
    app.outbox.run_jobs().await;
    erased
}
