//! What the disclosure tests share (`disclosures.rs`, `web_disclosures.rs`):
//! recipients, a customer with data of every category, what was recorded,
//! the command line and a logged-in browser.

#![allow(dead_code)]

use crate::common::{TestApp, cli, person_json};
use rekisteri_domain::Clock;
use reqwest::Method;
use serde_json::{Value, json};

pub const PASSWORD: &str = "kesä on lyhyt mutta kaunis";

/// A recipient made by an administrator over the API; returns (id, ETag).
pub async fn recipient(app: &TestApp, admin: &str, body: Value) -> (String, String) {
    let reply = app
        .send(
            Method::POST,
            "/api/v1/recipients",
            Some(admin),
            None,
            Some(body),
        )
        .await;
    let etag = reply.etag();
    (reply.expect(201)["id"].as_str().unwrap().to_string(), etag)
}

pub fn disclosure(recipient: &str, categories: &[&str], people: &[&str]) -> Value {
    json!({"recipient_id": recipient, "ground": "debt_collection", "purpose": "order_management",
           "categories": categories, "person_ids": people})
}

/// How many disclosures, records and `disclose` audit rows there are.
pub async fn recorded(app: &TestApp) -> (i64, i64, usize) {
    let audit = app.audit().await;
    (
        app.count("disclosures").await,
        app.count("disclosure_records").await,
        audit.iter().filter(|r| r.0 == "disclose").count(),
    )
}

/// A recipient in Finland, made through the store; returns its id.
pub async fn fi_recipient(app: &TestApp, name: &str) -> String {
    let new = rekisteri_domain::recipient::RecipientDraft {
        name: Some(name.into()),
        role: Some("independent_recipient".into()),
        country: Some("FI".into()),
        ..Default::default()
    }
    .parse()
    .expect("a recipient");
    app.store
        .create_recipient(&cli(), app.clock.now(), new)
        .await
        .expect("created")
        .id
        .to_string()
}

/// A person with a value of every kind, an organisation, an order, an
/// invoice and a note; returns the person's id.
pub async fn customer(app: &TestApp) -> String {
    let mut body = person_json("Matti", "Virtanen");
    body["websites"] = json!(["https://virtanen.example/"]);
    body["ip_addresses"] = json!(["192.0.2.7"]);
    body["addresses"].as_array_mut().unwrap().push(
        json!({"kind": "billing", "street": "Laskukuja 3", "postal_code": "00100", "city": "Helsinki"}),
    );
    let person = app.post("/api/v1/people", body).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let org = app
        .post("/api/v1/organisations", json!({"name": "Asiakas Oy"}))
        .await
        .expect(201);
    app.post(
        &format!("/api/v1/people/{person}/organisations"),
        json!({"organisation_id": org["id"], "title": "talouspäällikkö"}),
    )
    .await
    .expect(201);
    let order = app
        .post("/api/v1/orders", json!({"person_id": person, "number": "T-1", "ordered_on": "2026-11-20",
            "lines": [{"description": "Verkkosivusto", "quantity": 1, "unit_price_cents": 240000}]}))
        .await
        .expect(201);
    app.post(
        "/api/v1/invoices",
        json!({"person_id": person, "order_id": order["id"], "number": "L-1",
            "issued_on": "2026-11-20", "due_on": "2026-12-04", "total_cents": 240000}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/notes",
        json!({"person_id": person, "kind": "meeting_note", "body": "Salainen muistiinpano"}),
    )
    .await
    .expect(201);
    person
}

/// The sorted keys of a JSON object.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

/// The record types a disclosure sent, sorted.
pub fn sent(disclosure: &Value) -> Vec<String> {
    let mut t: Vec<String> = disclosure["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record_type"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

/// Runs the `rekisteri` binary on the app's database.
pub async fn rekisteri(app: &TestApp, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_rekisteri"))
        .arg("--database-url")
        .arg(&app.database_url)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("REKISTERI_DATA_DIR", app.data_dir())
        .output()
        .await
        .expect("run rekisteri")
}

/// A request from the logged-in browser: a form post carries the CSRF
/// field and the Origin, as the page's would.
pub async fn web(
    app: &TestApp,
    b: &crate::common::Browser,
    method: Method,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut req = client
        .request(method.clone(), format!("{}{path}", app.base))
        .header("Cookie", &b.cookie)
        .header("Accept-Language", "fi");
    if method == Method::POST {
        let mut pairs: Vec<(&str, &str)> = vec![("csrf", &b.csrf)];
        pairs.extend_from_slice(fields);
        req = req
            .header("Origin", &app.base)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&pairs).unwrap());
    }
    req.send().await.expect("request")
}
