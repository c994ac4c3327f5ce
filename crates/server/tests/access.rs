//! Behind a firewall (R11): the allowed networks, trusted proxies, the
//! client address in the audit log, and the security headers. Network rules
//! do not depend on the database, so these run on SQLite.

mod common;

use common::{Db, TestApp, person_json};
use rekisteri::http::Firewall;
use rekisteri_domain::network::Network;
use rekisteri_domain::values::Parse;
use reqwest::Method;
use sqlx::Row;

fn nets(list: &[&str]) -> Vec<Network> {
    list.iter().map(|n| Network::parse(n).unwrap()).collect()
}

#[tokio::test]
async fn r11_requests_from_outside_the_allowed_networks_get_403_before_any_work() {
    let firewall = Firewall {
        allowed: nets(&["10.0.0.0/8"]),
        trusted_proxies: Vec::new(),
    };
    let app = TestApp::spawn_with(Db::Sqlite, firewall).await.unwrap();
    let reply = app
        .post("/api/v1/people", person_json("Matti", "Virtanen"))
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.body["error"]["code"], "network");
    assert_eq!(app.count("people").await, 0);
    // Not even a wrong token is looked at.
    let reply = app
        .send(Method::GET, "/api/v1/people", Some("rk_wrong"), None, None)
        .await;
    assert_eq!(reply.status, 403);
    // A client cannot talk its way in with the header: 127.0.0.1 is no trusted proxy here.
    let spoofed = app
        .client
        .get(format!("{}/api/v1/people", app.base))
        .bearer_auth(&app.token)
        .header("X-Forwarded-For", "10.1.2.3")
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed.status(), 403);
    assert_eq!(
        app.send(Method::GET, "/healthz", None, None, None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn r11_behind_a_trusted_proxy_the_forwarded_client_is_checked_and_audited() {
    let firewall = Firewall {
        allowed: nets(&["198.51.100.0/24"]),
        trusted_proxies: nets(&["127.0.0.1"]),
    };
    let app = TestApp::spawn_with(Db::Sqlite, firewall).await.unwrap();
    let direct = app
        .post("/api/v1/people", person_json("Matti", "Virtanen"))
        .await;
    assert_eq!(
        direct.status, 403,
        "the proxy's own address is not an allowed client"
    );
    let created = app
        .client
        .post(format!("{}/api/v1/people", app.base))
        .bearer_auth(&app.token)
        .header("X-Forwarded-For", "203.0.113.1, 198.51.100.7")
        .json(&person_json("Matti", "Virtanen"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    app.store.flush_audit().await.unwrap();
    let ip: Option<String> = sqlx::query("SELECT client_ip FROM audit_log WHERE action = 'create'")
        .fetch_one(app.store.read_pool())
        .await
        .unwrap()
        .get("client_ip");
    assert_eq!(ip.as_deref(), Some("198.51.100.7"));
    assert_eq!(
        app.store.verify_audit().await.unwrap().first_broken,
        None,
        "the address is part of the chain"
    );
}

#[tokio::test]
async fn r11_responses_carry_security_headers_and_are_not_cached() {
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
    let reply = app
        .post("/api/v1/people", person_json("Matti", "Virtanen"))
        .await;
    assert_eq!(reply.status, 201);
    let h = |name: &str| {
        reply
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(h("cache-control"), "no-store");
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert!(h("content-security-policy").contains("frame-ancestors 'none'"));
    assert_eq!(h("referrer-policy"), "no-referrer");
}
