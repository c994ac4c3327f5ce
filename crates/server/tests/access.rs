//! Behind a firewall (R11): the allowed networks, trusted proxies, the
//! client address in the audit log, and the security headers. Network rules
//! do not depend on the database, so those run on SQLite; tokens and
//! confidentiality commitments run on both.

mod common;

use common::{Db, TestApp, cli, create_person, person_json};
use rekisteri::state::Firewall;
use rekisteri_domain::Clock;
use rekisteri_domain::network::Network;
use rekisteri_domain::values::Parse;
use reqwest::Method;
use serde_json::json;
use sqlx::Row;

on_both_backends!(
    r11_an_expired_token_is_refused_even_when_recently_used,
    r11_no_personal_data_before_a_confidentiality_commitment,
);

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
    let ip: Option<String> = sqlx::query(
        "SELECT client_ip FROM audit_log WHERE action = 'create' AND record_type = 'person'",
    )
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
async fn r11_hsts_only_when_a_trusted_proxy_says_the_client_used_tls() {
    let firewall = Firewall {
        allowed: nets(&["127.0.0.0/8", "198.51.100.0/24"]),
        trusted_proxies: nets(&["127.0.0.1"]),
    };
    let app = TestApp::spawn_with(Db::Sqlite, firewall).await.unwrap();
    let get = |proto: &'static str| {
        app.client
            .get(format!("{}/api/v1/me", app.base))
            .bearer_auth(&app.token)
            .header("X-Forwarded-For", "198.51.100.7")
            .header("X-Forwarded-Proto", proto)
            .send()
    };
    let tls = get("https").await.unwrap();
    assert_eq!(tls.status(), 200);
    assert!(
        tls.headers()
            .get("strict-transport-security")
            .is_some_and(|v| v.to_str().unwrap().contains("max-age="))
    );
    let plain = get("http").await.unwrap();
    assert!(plain.headers().get("strict-transport-security").is_none());

    // From a peer that is not a trusted proxy the header is not believed.
    let untrusted = TestApp::spawn(Db::Sqlite).await.unwrap();
    let reply = untrusted
        .client
        .get(format!("{}/api/v1/me", untrusted.base))
        .bearer_auth(&untrusted.token)
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    assert!(reply.headers().get("strict-transport-security").is_none());
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
    assert_eq!(h("referrer-policy"), "same-origin");
}

async fn r11_an_expired_token_is_refused_even_when_recently_used(app: TestApp) {
    let user = app.store.user_by_name("staff").await.unwrap();
    let expires = app.clock.now().plus_micros(2_000_000);
    app.store
        .add_token(
            &cli(),
            app.clock.now(),
            user.id,
            "rk_short_lived_token_0123456789",
            None,
            Some(expires),
        )
        .await
        .unwrap();
    let ok = app
        .send(
            Method::GET,
            "/api/v1/people",
            Some("rk_short_lived_token_0123456789"),
            None,
            None,
        )
        .await;
    assert_eq!(ok.status, 200);
    app.clock.set(expires.plus_micros(1));
    let late = app
        .send(
            Method::GET,
            "/api/v1/people",
            Some("rk_short_lived_token_0123456789"),
            None,
            None,
        )
        .await;
    assert_eq!(
        late.status, 401,
        "the token's expiry holds even while its lookup is cached"
    );
}

async fn r11_no_personal_data_before_a_confidentiality_commitment(app: TestApp) {
    let (id, _) = create_person(&app, "Matti", "Virtanen").await;
    let token = app
        .user_without_commitment("uusi", rekisteri_domain::Role::Staff)
        .await;
    for path in [
        format!("/api/v1/people/{id}"),
        "/api/v1/people".into(),
        "/api/v1/search?q=matti".into(),
        "/api/v1/notes".into(),
        "/api/v1/invoices".into(),
    ] {
        let reply = app.send(Method::GET, &path, Some(&token), None, None).await;
        assert_eq!(reply.status, 403, "{path}");
        assert_eq!(reply.body["error"]["code"], "no_commitment");
        assert!(
            reply.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("confidentiality commitment")
        );
    }
    let write = app
        .send(
            Method::POST,
            "/api/v1/people",
            Some(&token),
            None,
            Some(person_json("A", "B")),
        )
        .await;
    assert_eq!(write.status, 403);
    // Organisations are not personal data.
    assert_eq!(
        app.send(
            Method::GET,
            "/api/v1/organisations",
            Some(&token),
            None,
            None
        )
        .await
        .status,
        200
    );
    // An administrator records it through the API; not dated in the future.
    let admin = app.user("paakayttaja", rekisteri_domain::Role::Admin).await;
    let uusi = app.store.user_by_name("uusi").await.unwrap();
    let path = format!("/api/v1/users/{}/commitments", uusi.id);
    let tomorrow = app.clock.now().date().plus_days(1);
    let future = app
        .send(
            Method::POST,
            &path,
            Some(&admin),
            None,
            Some(json!({"signed_on": tomorrow.to_string()})),
        )
        .await;
    assert_eq!(future.status, 422);
    assert_eq!(future.body["error"]["field"], "signed_on");
    let today = app.clock.now().date();
    let user = app
        .send(
            Method::POST,
            &path,
            Some(&admin),
            None,
            Some(json!({"signed_on": today.to_string(), "document_version": "2026-1"})),
        )
        .await
        .expect(201);
    assert_eq!(user["commitment_signed_on"], today.to_string());
    let recorded = app
        .send(Method::GET, &path, Some(&admin), None, None)
        .await
        .expect(200);
    assert_eq!(recorded[0]["document_version"], "2026-1");
    assert_eq!(recorded[0]["recorded_by"], "paakayttaja");

    let reply = app
        .send(
            Method::GET,
            &format!("/api/v1/people/{id}"),
            Some(&token),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "the commitment counts at once");
}
