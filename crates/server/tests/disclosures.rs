//! Recipients and disclosures over the API and the command line, on both
//! databases: no data to a recipient outside the EU/EEA without a recorded
//! safeguard (R7); every disclosure path — API, CLI, web form — records the
//! disclosure, its records and its audit rows in one transaction, and sends
//! exactly the chosen categories (R6); a restricted person is not
//! disclosed (R18); the partner sees none of it (R4).

mod common;

use common::{TestApp, cli, create_person, person_json};
use rekisteri_domain::restriction::RestrictionDraft;
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Clock, Role};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    r7_a_disclosure_outside_the_eea_without_a_safeguard_is_refused,
    r6_every_disclosure_path_leaves_a_record,
    r18_a_restricted_person_is_not_disclosed,
    r4_the_partner_sees_no_disclosures_or_recipients,
);

const PASSWORD: &str = "kesä on lyhyt mutta kaunis";

/// A recipient made by an administrator over the API; returns (id, ETag).
async fn recipient(app: &TestApp, admin: &str, body: Value) -> (String, String) {
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

fn disclosure(recipient: &str, categories: &[&str], people: &[&str]) -> Value {
    json!({"recipient_id": recipient, "ground": "debt_collection", "purpose": "order_management",
           "categories": categories, "person_ids": people})
}

/// How many disclosures, records and `disclose` audit rows there are.
async fn recorded(app: &TestApp) -> (i64, i64, usize) {
    let audit = app.audit().await;
    (
        app.count("disclosures").await,
        app.count("disclosure_records").await,
        audit.iter().filter(|r| r.0 == "disclose").count(),
    )
}

async fn r7_a_disclosure_outside_the_eea_without_a_safeguard_is_refused(app: TestApp) {
    let admin = app.user("paakayttaja", Role::Admin).await;
    let refused = app
        .post(
            "/api/v1/recipients",
            json!({"name": "X", "role": "processor", "country": "US"}),
        )
        .await;
    assert_eq!(refused.status, 403, "staff only read the register");
    // The register of processors lists one outside the EU/EEA without a safeguard …
    let (us, etag) = recipient(
        &app,
        &admin,
        json!({"name": "Pilvi Inc", "role": "processor", "country": "us"}),
    )
    .await;
    let listed = app
        .get(&format!("/api/v1/recipients/{us}"))
        .await
        .expect(200);
    assert_eq!(
        (listed["country"].as_str(), listed["in_eea"].as_bool()),
        (Some("US"), Some(false))
    );
    let (person, _) = create_person(&app, "Matti", "Virtanen").await;
    // … but nothing may go to it, and nothing is recorded.
    let body = app
        .post(
            "/api/v1/disclosures",
            disclosure(&us, &["name"], &[&person]),
        )
        .await
        .expect(422);
    assert_eq!(body["error"]["code"], "no_safeguard", "{body}");
    assert_eq!(body["error"]["field"], "recipient_id");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("US") && message.contains("standard contractual clauses"),
        "{message}"
    );
    assert_eq!(recorded(&app).await, (0, 0, 0));
    // A safeguard and its date come together.
    let half = app
        .send(
            Method::PUT,
            &format!("/api/v1/recipients/{us}"),
            Some(&admin),
            Some(&etag),
            Some(
                json!({"name": "Pilvi Inc", "role": "processor", "country": "US",
                        "safeguard": "standard_contractual_clauses"}),
            ),
        )
        .await
        .expect(422);
    assert_eq!(half["error"]["field"], "safeguard_on");
    let no_if_match = app
        .send(
            Method::PUT,
            &format!("/api/v1/recipients/{us}"),
            Some(&admin),
            None,
            Some(json!({"name": "Pilvi Inc", "role": "processor", "country": "US"})),
        )
        .await;
    assert_eq!(no_if_match.status, 428);
    // Clauses signed for tomorrow do not count today.
    let signed = |on: &str| {
        json!({"name": "Pilvi Inc", "role": "processor", "country": "US",
               "safeguard": "standard_contractual_clauses", "safeguard_on": on,
               "safeguard_detail": "SCC 2021/914, module 2"})
    };
    let reply = app
        .send(
            Method::PUT,
            &format!("/api/v1/recipients/{us}"),
            Some(&admin),
            Some(&etag),
            Some(signed("2026-11-25")),
        )
        .await;
    let etag = reply.etag();
    reply.expect(200);
    let body = app
        .post(
            "/api/v1/disclosures",
            disclosure(&us, &["name"], &[&person]),
        )
        .await
        .expect(422);
    assert_eq!(body["error"]["code"], "safeguard_not_in_force");
    assert_eq!(recorded(&app).await, (0, 0, 0));
    // Once a safeguard in force is recorded, the disclosure goes, recorded.
    let reply = app
        .send(
            Method::PUT,
            &format!("/api/v1/recipients/{us}"),
            Some(&admin),
            Some(&etag),
            Some(signed("2026-11-20")),
        )
        .await;
    let etag = reply.etag();
    assert_eq!(reply.expect(200)["safeguard_on"], "2026-11-20");
    let made = app
        .post(
            "/api/v1/disclosures",
            disclosure(&us, &["name"], &[&person]),
        )
        .await
        .expect(201);
    assert_eq!(made["disclosure"]["recipient_id"], us.as_str());
    assert_eq!(recorded(&app).await, (1, 1, 1));
    // A retired recipient receives nothing more, but stays for the log.
    let retired = app
        .send(
            Method::DELETE,
            &format!("/api/v1/recipients/{us}"),
            Some(&admin),
            Some(&etag),
            None,
        )
        .await
        .expect(200);
    assert!(retired["retired_at"].is_string());
    let body = app
        .post(
            "/api/v1/disclosures",
            disclosure(&us, &["name"], &[&person]),
        )
        .await
        .expect(422);
    assert_eq!(body["error"]["code"], "recipient_retired");
    let history = app
        .get(&format!("/api/v1/people/{person}/disclosures"))
        .await
        .expect(200);
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(recorded(&app).await, (1, 1, 1));
    let writes: Vec<String> = app
        .audit()
        .await
        .into_iter()
        .filter(|r| r.1 == "recipient")
        .map(|r| r.0)
        .collect();
    assert_eq!(writes, ["create", "update", "update", "delete"]);
}

/// A person with a value of every kind, an organisation, an order, an
/// invoice and a note; returns the person's id.
async fn customer(app: &TestApp) -> String {
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
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

/// The record types a disclosure sent, sorted.
fn sent(disclosure: &Value) -> Vec<String> {
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
async fn rekisteri(app: &TestApp, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_rekisteri"))
        .arg("--database-url")
        .arg(&app.database_url)
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .await
        .expect("run rekisteri")
}

async fn r6_every_disclosure_path_leaves_a_record(app: TestApp) {
    let fi = app
        .store
        .create_recipient(
            &cli(),
            app.clock.now(),
            rekisteri_domain::recipient::RecipientDraft {
                name: Some("Perintä Oy".into()),
                role: Some("independent_recipient".into()),
                country: Some("FI".into()),
                ..Default::default()
            }
            .parse()
            .unwrap(),
        )
        .await
        .unwrap()
        .id
        .to_string();
    let person = customer(&app).await;
    let stored = app
        .get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    let values = |list: &str| -> Vec<Value> {
        stored[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].clone())
            .collect()
    };
    // The API: name and contact details, nothing else.
    let made = app
        .post(
            "/api/v1/disclosures",
            disclosure(&fi, &["contact_details", "name"], &[&person]),
        )
        .await
        .expect(201);
    let sent_data = &made["data"]["people"][0];
    assert_eq!(keys(sent_data), ["contact_details", "name", "person_id"]);
    assert_eq!(
        sent_data["name"],
        json!({"first_name": "Matti", "last_name": "Virtanen", "title": "myyntipäällikkö"})
    );
    let contacts = &sent_data["contact_details"];
    assert_eq!(contacts["emails"], json!(values("emails")));
    assert_eq!(contacts["phones"], json!(values("phones")));
    assert_eq!(contacts["websites"], json!(values("websites")));
    assert_eq!(
        contacts["postal_addresses"],
        json!([{"street": "Kauppakatu 12", "postal_code": "70100", "city": "Kuopio", "country": "FI"}])
    );
    assert_eq!(
        sent(&made["disclosure"]),
        ["contact", "contact", "contact", "contact", "person"]
    );
    assert_eq!(made["disclosure"]["channel"], "api");
    // The command line, as a named user: billing details only.
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("luovutus.json");
    let args = [
        "disclose",
        "--recipient",
        &fi,
        "--ground",
        "billing",
        "--purpose",
        "order_management",
        "--categories",
        "billing_details",
        "--person",
        &person,
        "--as",
        "maija",
    ];
    let out = rekisteri(
        &app,
        &[&args[..], &["--out", file.to_str().unwrap()]].concat(),
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_cli: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let billing = &from_cli["data"]["people"][0];
    assert_eq!(keys(billing), ["billing_details", "person_id"]);
    assert_eq!(
        billing["billing_details"]["billing_addresses"][0]["street"],
        "Laskukuja 3"
    );
    assert_eq!(billing["billing_details"]["orders"][0]["number"], "T-1");
    assert_eq!(
        billing["billing_details"]["orders"][0]["lines"][0]["description"],
        "Verkkosivusto"
    );
    assert_eq!(billing["billing_details"]["invoices"][0]["number"], "L-1");
    assert_eq!(
        sent(&from_cli["disclosure"]),
        ["contact", "invoice", "order", "person"]
    );
    // A user whose role may not disclose gets nothing, and nothing is recorded.
    app.user("kirjanpito", Role::Partner).await;
    let before = recorded(&app).await;
    let out = rekisteri(
        &app,
        &[
            "disclose",
            "--recipient",
            &fi,
            "--ground",
            "billing",
            "--purpose",
            "order_management",
            "--categories",
            "name",
            "--person",
            &person,
            "--as",
            "kirjanpito",
        ],
    )
    .await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("partner"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(recorded(&app).await, before);
    // The web form: the organisations the person represents.
    let b = app.browser("maija", PASSWORD).await;
    let page = web(
        &app,
        &b,
        Method::GET,
        &format!("/people/{person}/disclose"),
        &[],
    )
    .await;
    assert_eq!(page.status(), 200);
    let res = web(
        &app,
        &b,
        Method::POST,
        &format!("/people/{person}/disclose"),
        &[
            ("recipient_id", &fi),
            ("ground", "value_added_service"),
            ("purpose", "customer_relationship"),
            ("categories", "organisation"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"disclosure-"),
        "{disposition}"
    );
    let from_web: Value = res.json().await.unwrap();
    let orgs = &from_web["data"]["people"][0];
    assert_eq!(keys(orgs), ["organisations", "person_id"]);
    assert_eq!(orgs["organisations"][0]["name"], "Asiakas Oy");
    assert_eq!(orgs["organisations"][0]["title"], "talouspäällikkö");
    assert_eq!(sent(&from_web["disclosure"]), ["link", "person"]);
    // Three paths, three records, each with its records and audit row.
    for payload in [&made, &from_cli, &from_web] {
        let text = payload.to_string();
        assert!(
            !text.contains("Salainen") && !text.contains("192.0.2.7"),
            "{text}"
        );
    }
    let history = app
        .get(&format!("/api/v1/people/{person}/disclosures"))
        .await
        .expect(200);
    // (The command line runs on the real clock, the app on the test's.)
    let mut channels: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["channel"].as_str().unwrap())
        .collect();
    channels.sort();
    assert_eq!(channels, ["api", "cli", "web"]);
    let one = app
        .get(&format!(
            "/api/v1/disclosures/{}",
            from_cli["disclosure"]["id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(sent(&one), ["contact", "invoice", "order", "person"]);
    assert_eq!(recorded(&app).await, (3, 11, 3));
    let maija = app
        .store
        .user_by_name("maija")
        .await
        .unwrap()
        .id
        .to_string();
    let staff = app
        .store
        .user_by_name("staff")
        .await
        .unwrap()
        .id
        .to_string();
    let rows: Vec<(String, Option<String>, String, Option<String>)> = app
        .audit()
        .await
        .into_iter()
        .filter(|r| r.0 == "disclose")
        .map(|r| (r.1, r.3, r.4, r.5))
        .collect();
    let who = |purpose: &str, actor: &str| {
        (
            "disclosure".to_string(),
            Some(person.clone()),
            purpose.to_string(),
            Some(actor.to_string()),
        )
    };
    assert_eq!(
        rows,
        [
            who("order_management", &staff),
            who("order_management", &maija),
            who("customer_relationship", &maija)
        ]
    );
    // The person page shows them, in their section and on the timeline.
    let page = web(&app, &b, Method::GET, &format!("/people/{person}"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Luovutukset") && page.contains("Perintä Oy") && page.contains("Laskutus"),
        "{page}"
    );
    assert!(page.contains("Tietoja luovutettu: Perintä Oy"));
}

/// A request from the logged-in browser: a form post carries the CSRF
/// field and the Origin, as the page's would.
async fn web(
    app: &TestApp,
    b: &common::Browser,
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

async fn r18_a_restricted_person_is_not_disclosed(app: TestApp) {
    let fi = app
        .store
        .create_recipient(
            &cli(),
            app.clock.now(),
            rekisteri_domain::recipient::RecipientDraft {
                name: Some("Luottotieto Oy".into()),
                role: Some("independent_recipient".into()),
                country: Some("FI".into()),
                ..Default::default()
            }
            .parse()
            .unwrap(),
        )
        .await
        .unwrap()
        .id
        .to_string();
    let (a, _) = create_person(&app, "Aino", "Rajoitettu").await;
    let (b, _) = create_person(&app, "Bertta", "Vapaa").await;
    // The restriction API is not on this branch yet: the store records it.
    let restrict = |person: &str, draft: RestrictionDraft| {
        let person = rekisteri_domain::ids::PersonId::parse(person).unwrap();
        let new = draft.parse(app.clock.now()).unwrap();
        let store = app.store.clone();
        let at = app.clock.now();
        async move { store.restrict(&cli(), at, person, new).await.unwrap() }
    };
    restrict(
        &a,
        RestrictionDraft {
            reason: Some("accuracy contested".into()),
            ..Default::default()
        },
    )
    .await;
    let body = app
        .post(
            "/api/v1/disclosures",
            disclosure(&fi, &["name", "contact_details"], &[&b, &a]),
        )
        .await
        .expect(409);
    assert_eq!(body["error"]["code"], "restricted");
    assert!(
        body["error"]["message"].as_str().unwrap().contains(&a),
        "{body}"
    );
    assert_eq!(
        recorded(&app).await,
        (0, 0, 0),
        "nothing of the other person either"
    );
    // The web form says so, and records nothing.
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let browser = app.browser("maija", PASSWORD).await;
    let res = web(
        &app,
        &browser,
        Method::POST,
        &format!("/people/{a}/disclose"),
        &[
            ("recipient_id", &fi),
            ("ground", "credit_decision"),
            ("purpose", "order_management"),
            ("categories", "name"),
        ],
    )
    .await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("käsittelyä on rajoitettu")
    );
    assert_eq!(recorded(&app).await, (0, 0, 0));
    // A restricted value is left out; the rest of the person goes.
    restrict(
        &b,
        RestrictionDraft {
            reason: Some("accuracy contested".into()),
            value_kind: Some("email".into()),
            value: Some("bertta.vapaa@esimerkki.fi".into()),
            ..Default::default()
        },
    )
    .await;
    let made = app
        .post(
            "/api/v1/disclosures",
            disclosure(&fi, &["contact_details"], &[&b]),
        )
        .await
        .expect(201);
    let contacts = &made["data"]["people"][0]["contact_details"];
    assert_eq!(contacts["emails"], json!([]));
    assert_eq!(contacts["phones"], json!(["+358401234567"]));
    assert_eq!(sent(&made["disclosure"]), ["contact", "contact", "person"]);
    // Lifted, the person may be disclosed again.
    let person = rekisteri_domain::ids::PersonId::parse(&a).unwrap();
    app.store
        .lift_restrictions(
            &cli(),
            app.clock.now(),
            person,
            None,
            Some("corrected".into()),
        )
        .await
        .unwrap();
    app.post("/api/v1/disclosures", disclosure(&fi, &["name"], &[&a]))
        .await
        .expect(201);
}

async fn r4_the_partner_sees_no_disclosures_or_recipients(app: TestApp) {
    let admin = app.user("paakayttaja", Role::Admin).await;
    let (fi, _) = recipient(
        &app,
        &admin,
        json!({"name": "Perintä Oy", "role": "independent_recipient", "country": "FI"}),
    )
    .await;
    let person = customer(&app).await;
    let made = app
        .post(
            "/api/v1/disclosures",
            disclosure(&fi, &["name"], &[&person]),
        )
        .await
        .expect(201);
    let id = made["disclosure"]["id"].as_str().unwrap();
    let partner = app.user("kirjanpito", Role::Partner).await;
    for (method, path, body) in [
        (Method::GET, "/api/v1/recipients".to_string(), None),
        (Method::GET, format!("/api/v1/recipients/{fi}"), None),
        (Method::GET, format!("/api/v1/disclosures/{id}"), None),
        (
            Method::GET,
            format!("/api/v1/people/{person}/disclosures"),
            None,
        ),
        (
            Method::POST,
            "/api/v1/disclosures".to_string(),
            Some(disclosure(&fi, &["name"], &[&person])),
        ),
    ] {
        let reply = app
            .send(method.clone(), &path, Some(&partner), None, body)
            .await;
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.body);
        assert!(!reply.body.to_string().contains("Perintä"));
    }
    assert_eq!(recorded(&app).await, (1, 1, 1));
    // The person page: the billing view, no disclosures, no way to disclose.
    app.user_with_password("kirjanpitaja", Role::Partner, PASSWORD)
        .await;
    let b = app.browser("kirjanpitaja", PASSWORD).await;
    let page = web(&app, &b, Method::GET, &format!("/people/{person}"), &[]).await;
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(text.contains("Virtanen"));
    for hidden in [
        "Luovutukset",
        "Perintä Oy",
        "/disclose",
        "/recipients",
        "Luovutus",
    ] {
        assert!(!text.contains(hidden), "the partner sees {hidden}");
    }
    for path in [
        "/recipients".to_string(),
        format!("/people/{person}/disclose"),
    ] {
        assert_eq!(
            web(&app, &b, Method::GET, &path, &[]).await.status(),
            403,
            "{path}"
        );
    }
    let res = web(
        &app,
        &b,
        Method::POST,
        &format!("/people/{person}/disclose"),
        &[
            ("recipient_id", &fi),
            ("ground", "billing"),
            ("purpose", "order_management"),
            ("categories", "name"),
        ],
    )
    .await;
    assert_eq!(res.status(), 403);
    assert_eq!(recorded(&app).await, (1, 1, 1));
}
