//! What the report tests share (`report_complete.rs`, `report_portability.rs`):
//! the privacy officer, the report in each form, and the database's own
//! list of tables.

#![allow(dead_code)]

use crate::common::{Reply, TestApp};
use rekisteri_domain::Role;
use serde_json::Value;
use sqlx::Row;
use std::io::Read;

/// The privacy officer's token: the report is theirs (and the admin's).
pub async fn officer(app: &TestApp) -> String {
    app.user("tietosuoja", Role::PrivacyOfficer).await
}

/// `GET /people/{id}/report?format=…` as the token's user.
pub async fn report_of(app: &TestApp, person: &str, token: &str, format: &str) -> Reply {
    app.send(
        reqwest::Method::GET,
        &format!("/api/v1/people/{person}/report?format={format}"),
        Some(token),
        None,
        None,
    )
    .await
}

/// The report's bytes in a form and language.
pub async fn report_bytes(app: &TestApp, person: &str, token: &str, query: &str) -> Vec<u8> {
    let res = app
        .client
        .get(format!(
            "{}/api/v1/people/{person}/report?{query}",
            app.base
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 200, "report {query}");
    res.bytes().await.expect("body").to_vec()
}

pub async fn report_json(app: &TestApp, person: &str, token: &str) -> Value {
    serde_json::from_slice(&report_bytes(app, person, token, "format=json").await).expect("json")
}

pub async fn report_html(app: &TestApp, person: &str, token: &str, lang: &str) -> String {
    String::from_utf8(report_bytes(app, person, token, &format!("format=html&lang={lang}")).await)
        .expect("utf-8")
}

pub async fn report_vcard(app: &TestApp, person: &str, token: &str) -> String {
    String::from_utf8(report_bytes(app, person, token, "format=vcard").await).expect("utf-8")
}

/// Every file of the CSV zip, named, one after another.
pub async fn report_csv(app: &TestApp, person: &str, token: &str) -> String {
    let bytes = report_bytes(app, person, token, "format=csv").await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut all = String::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).expect("a file");
        assert_eq!(file.compression(), zip::CompressionMethod::Deflated);
        all.push_str(&format!("== {}\n", file.name().expect("a name")));
        file.read_to_string(&mut all).expect("csv text");
    }
    all
}

/// The tables of the database, from its own catalogue; SQLite's internal
/// tables and the full-text index's shadow tables left out.
pub async fn table_names(app: &TestApp) -> Vec<String> {
    let sql = match app.db {
        crate::common::Db::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
        crate::common::Db::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
    };
    let mut names: Vec<String> = sqlx::query(sql)
        .fetch_all(app.store.read_pool())
        .await
        .expect("catalogue")
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .filter(|n| !n.starts_with("sqlite_") && !n.starts_with("search_fts_"))
        .collect();
    names.sort();
    names
}
