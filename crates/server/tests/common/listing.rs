//! What the marketing tests share (`marketing.rs`, `audience_property.rs`):
//! the privacy officer, a wording, a permission event, and a marketing
//! list's ids.

#![allow(dead_code)]

use crate::common::{TestApp, reply_of};
use rekisteri_domain::Role;
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub const CHANNELS: [&str; 4] = ["email", "sms", "phone", "letter"];
pub const PURPOSES: [&str; 4] = [
    "direct_marketing",
    "distance_selling",
    "market_research",
    "targeted_content",
];

/// The privacy officer's token (wordings and restrictions are theirs).
pub async fn officer(app: &TestApp) -> String {
    app.user("tietosuoja", Role::PrivacyOfficer).await
}

pub async fn wording(app: &TestApp, officer: &str) -> String {
    let reply = app
        .send(
            reqwest::Method::POST,
            "/api/v1/wordings",
            Some(officer),
            None,
            Some(json!({"key": "uutiskirje", "language": "fi",
                        "text": "Haluan uutiskirjeen sähköpostiini."})),
        )
        .await;
    assert!(reply.status == 201 || reply.status == 200, "{}", reply.body);
    reply.body["id"].as_str().unwrap().to_string()
}

pub async fn event(app: &TestApp, person: &str, body: Value) -> Value {
    app.post(&format!("/api/v1/people/{person}/permissions"), body)
        .await
        .expect(201)
}

/// The ids on a marketing list, exported by `token` for `processing`.
pub async fn audience_as(
    app: &TestApp,
    token: &str,
    channel: &str,
    purpose: &str,
    processing: &str,
) -> BTreeSet<String> {
    let reply = reply_of(
        app.client
            .get(format!(
                "{}/api/v1/marketing/audience?channel={channel}&purpose={purpose}",
                app.base
            ))
            .bearer_auth(token)
            .header("X-Purpose", processing),
    )
    .await;
    let body = reply.expect(200);
    let people = body["people"].as_array().unwrap();
    assert_eq!(body["count"].as_u64().unwrap() as usize, people.len());
    people
        .iter()
        .map(|p| p["person_id"].as_str().unwrap().to_string())
        .collect()
}

pub async fn audience(app: &TestApp, channel: &str, purpose: &str) -> BTreeSet<String> {
    audience_as(app, &app.token, channel, purpose, "advertising_targeting").await
}
