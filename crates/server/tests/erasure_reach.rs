//! What an erasure reaches, over the API, on both databases (R21): no
//! table, search row or mail keeps the person's data; invoices, orders and
//! request cases stay without the person; the recipients of disclosures
//! are notified (Art. 19) with nothing but the reference they hold.
//! Anonymisation keeps the statistics.

mod common;
#[path = "common/disclosing.rs"]
mod disclosing;
#[path = "common/erasing.rs"]
mod erasing;
#[path = "common/scan.rs"]
mod scan;

use common::{TestApp, create_person, person_json};
use disclosing::{disclosure, fi_recipient};
use erasing::{as_officer, erase, invoice, officer};
use rekisteri_domain::Clock;
use reqwest::Method;
use scan::{find_anywhere, outbox_texts};
use serde_json::{Value, json};

on_both_backends!(
    r21_erasure_reaches_every_table_and_derived_data,
    r21_art19_recipients_of_disclosures_are_notified,
    r21_anonymisation_keeps_statistics_and_removes_identity,
);

/// Distinctive strings of the person of the every-table test.
const NEEDLES: [&str; 9] = [
    "Ilmatar",
    "Ahventaival",
    "ilmatar.ahventaival@esimerkki.fi",
    "+358407654321",
    "Ahventaipaleentie",
    "sammakkolammesta",
    "https://ahventaival.example/",
    "198.51.100.77",
    "kiistää osoitteensa",
];

async fn r21_erasure_reaches_every_table_and_derived_data(app: TestApp) {
    let officer = officer(&app).await;
    let mut body = person_json("Ilmatar", "Ahventaival");
    body["phones"] = json!(["040 765 4321"]);
    body["websites"] = json!(["https://ahventaival.example/"]);
    body["ip_addresses"] = json!(["198.51.100.77"]);
    body["addresses"] =
        json!([{"street": "Ahventaipaleentie 5", "postal_code": "70100", "city": "Kuopio"}]);
    body["title"] = json!("sammakkolammesta vastaava");
    let person = app.post("/api/v1/people", body).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other = create_person(&app, "Matti", "Muukalainen").await.0;
    let org = app
        .post("/api/v1/organisations", json!({"name": "Asiakas Oy"}))
        .await
        .expect(201);
    app.post(
        &format!("/api/v1/people/{person}/organisations"),
        json!({"organisation_id": org["id"], "title": "Ahventaival-tiimin vetäjä"}),
    )
    .await
    .expect(201);
    let order = app
        .post(
            "/api/v1/orders",
            json!({"person_id": person, "number": "T-7", "ordered_on": "2026-11-20",
            "source_detail": "Ilmatar soitti",
            "lines": [{"description": "Verkkosivusto", "quantity": 1, "unit_price_cents": 5000}]}),
        )
        .await
        .expect(201);
    invoice(&app, &person, "L-7", "paid").await;
    app.post(
        "/api/v1/notes",
        json!({"person_id": person, "kind": "meeting_note", "body": "Puhuttiin sammakkolammesta"}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/people/{person}/permissions"),
        json!({"channel": "letter", "purpose": "direct_marketing", "state": "prohibited",
               "source": "own_notice", "source_detail": "Ilmatar soitti"}),
    )
    .await
    .expect(201);
    let recipient = fi_recipient(&app, "Perintä Oy").await;
    app.post(
        "/api/v1/disclosures",
        disclosure(
            &recipient,
            &["name", "contact_details", "billing_details"],
            &[&person],
        ),
    )
    .await
    .expect(201);
    app.send(
        Method::POST,
        &format!("/api/v1/people/{person}/restriction"),
        Some(&officer),
        None,
        Some(json!({"reason": "kiistää osoitteensa"})),
    )
    .await
    .expect(201);
    // A request case and a portal link, as the requests part stores them.
    let request = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO requests (id, version, kind, channel, status, person_id, requester_name, requester_email, \
         requester_address, details, received_at, due_on, created_at, updated_at) \
         VALUES ($1, 1, 'erasure', 'email', 'verified', $2, 'Ilmatar Ahventaival', 'ilmatar.ahventaival@esimerkki.fi', \
         'Ahventaipaleentie 5', 'Poistakaa Ilmatar', 1, '2026-12-15', 1, 1)",
    )
    .bind(&request)
    .bind(&person)
    .execute(app.store.write_pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO request_events (id, request_id, at, event, note) VALUES ($1, $2, 1, 'received', 'Ilmatar soitti')",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(&request)
    .execute(app.store.write_pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO portal_links (token_hash, email, created_at, expires_at) VALUES ('h', 'ilmatar.ahventaival@esimerkki.fi', 1, 2)",
    )
    .execute(app.store.write_pool())
    .await
    .unwrap();
    // A case never linked to the person names them by address only.
    app.send(
        Method::POST,
        "/api/v1/requests",
        Some(&officer),
        None,
        Some(
            json!({"kind": "access", "channel": "email", "requester_name": "Ilmatar Ahventaival",
                    "requester_email": "Ilmatar.Ahventaival@esimerkki.fi",
                    "details": "Mitä tietoja Ilmattaresta on?"}),
        ),
    )
    .await
    .expect(201);
    // Mail about the person on disk (R21: derived data).
    app.store
        .queue_mail(
            app.clock.now(),
            &[rekisteri_domain::mail::Letter {
                kind: rekisteri_domain::mail::MailKind::RequestAnswer,
                to: rekisteri_domain::mail::Addressee::Email(
                    "ilmatar.ahventaival@esimerkki.fi".into(),
                ),
                subject: "Vahvistus".into(),
                body: "Hei Ilmatar Ahventaival".into(),
                about: Some(person.parse().unwrap()),
            }],
            &[],
            None,
        )
        .await
        .unwrap();
    app.outbox.run_jobs().await;
    let before = find_anywhere(&app, &NEEDLES).await;
    assert!(
        before.len() >= NEEDLES.len(),
        "the scan finds the data before: {before:?}"
    );

    let done = erase(&app, &officer, &person).await.expect(200);
    assert_eq!(done["erased"], true);
    assert_eq!(done["outbox_removed"], 1);
    let left = find_anywhere(&app, &NEEDLES).await;
    assert!(left.is_empty(), "left after erasure: {left:?}");
    // The other person's rows stay: one person, three contact values.
    assert_eq!(app.count("people").await, 1);
    assert_eq!(app.count("person_contacts").await, 3);
    for table in [
        "person_organisations",
        "notes",
        "permission_events",
        "restrictions",
        "portal_links",
    ] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
    // What the law keeps, without the person: the order, the invoice, the
    // request case (as proof), the disclosure's record (ids only).
    let order = app
        .get(&format!("/api/v1/orders/{}", order["id"].as_str().unwrap()))
        .await
        .expect(200);
    assert_eq!(
        (order["person_id"].clone(), order["total_cents"].clone()),
        (Value::Null, json!(5000))
    );
    assert_eq!(app.count("invoices").await, 1);
    let case: (String, Option<String>) =
        sqlx::query_as("SELECT kind, person_id FROM requests WHERE id = $1")
            .bind(&request)
            .fetch_one(app.store.read_pool())
            .await
            .unwrap();
    assert_eq!(case, ("erasure".to_string(), None));
    assert!(app.count("disclosure_records").await >= 1);
    assert_eq!(app.count("erasure_tombstones").await, 1);
    // Search finds nothing about the person; the other person stays.
    for q in ["Ahventaival", "sammakkolammesta", "Ilmatar"] {
        let hits = app.get(&format!("/api/v1/search?q={q}")).await.expect(200);
        assert_eq!(hits, json!([]), "{q}");
    }
    app.get(&format!("/api/v1/people/{other}"))
        .await
        .expect(200);
    if app.db == common::Db::Sqlite {
        // The full-text index removes a deleted row's terms, not only marks them.
        let on: String = sqlx::query_scalar(
            "SELECT CAST(v AS TEXT) FROM search_fts_config WHERE k = 'secure-delete'",
        )
        .fetch_one(app.store.read_pool())
        .await
        .unwrap();
        assert_eq!(on, "1");
    }
    // The outbox: only the Art. 19 notice, which names none of the data.
    let mails = outbox_texts(&app).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].1.contains("GDPR 19") || mails[0].1.contains("Art"),
        "{}",
        mails[0].1
    );
    for needle in NEEDLES {
        assert!(!mails[0].1.contains(needle), "the notice shows {needle}");
    }
    assert!(
        app.store
            .verify_audit()
            .await
            .unwrap()
            .first_broken
            .is_none()
    );
}

async fn r21_art19_recipients_of_disclosures_are_notified(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Reino", "Luovutettu").await;
    let by_mail = fi_recipient(&app, "Perintä Oy").await;
    let by_letter = fi_recipient(&app, "Luottotieto Oy").await;
    sqlx::query("UPDATE recipients SET notice_email = 'tietosuoja@perinta.example' WHERE id = $1")
        .bind(&by_mail)
        .execute(app.store.write_pool())
        .await
        .unwrap();
    let mut disclosures = Vec::new();
    for (recipient, categories) in [
        (&by_mail, vec!["name", "billing_details"]),
        (&by_letter, vec!["name", "contact_details"]),
    ] {
        let made = app
            .post(
                "/api/v1/disclosures",
                disclosure(recipient, &categories, &[&person]),
            )
            .await
            .expect(201);
        disclosures.push(made["disclosure"]["id"].as_str().unwrap().to_string());
    }
    let done = erase(&app, &officer, &person).await.expect(200);
    let notified = done["notified"].as_array().unwrap();
    assert_eq!(notified.len(), 2, "{done}");
    let by = |id: &str| {
        notified
            .iter()
            .find(|n| n["recipient_id"] == json!(id))
            .unwrap()
            .clone()
    };
    assert_eq!(by(&by_mail)["by"], "email");
    assert_eq!(by(&by_letter)["by"], "letter");
    // The notices are jobs of the erasure: the runner writes and sends them.
    let mails = outbox_texts(&app).await;
    assert_eq!(mails.len(), 2);
    let email = mails
        .iter()
        .find(|m| m.1.contains("To: tietosuoja@perinta.example"))
        .expect("the email notice");
    assert!(email.1.contains(&disclosures[0]) && !email.1.contains(&disclosures[1]));
    assert!(email.1.contains("billing_details"));
    let letter = mails
        .iter()
        .find(|m| m.1.contains("Luottotieto Oy"))
        .expect("the letter");
    assert!(letter.1.contains(&disclosures[1]));
    for (_, text) in &mails {
        // The reference the recipient already holds, nothing more.
        assert!(text.contains(&person));
        for needle in [
            "Reino",
            "Luovutettu",
            "reino.luovutettu",
            "+358401234567",
            "Kauppakatu",
        ] {
            assert!(!text.contains(needle), "a notice shows {needle}: {text}");
        }
        // No file of the outbox is named by the erased person.
    }
    assert!(
        app.outbox
            .list()
            .await
            .unwrap()
            .iter()
            .all(|e| e.about.is_none())
    );
    let audit = app.audit().await;
    let notices: Vec<&String> = audit
        .iter()
        .filter(|r| r.0 == "notify")
        .map(|r| &r.2)
        .collect();
    assert_eq!(notices.len(), 2);
    assert!(disclosures.iter().all(|d| notices.contains(&d)));
}

async fn r21_anonymisation_keeps_statistics_and_removes_identity(app: TestApp) {
    let officer = officer(&app).await;
    let mut body = person_json("Sulo", "Tilastollinen");
    body["relationship_started_on"] = json!("2020-03-01");
    body["addresses"] = json!([
        {"street": "Tilastotie 9", "postal_code": "70100", "city": "Kuopio"},
        {"kind": "billing", "street": "Laskukuja 3", "postal_code": "00100", "city": "Helsinki"}
    ]);
    let person = app.post("/api/v1/people", body).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/orders",
        json!({"person_id": person, "number": "T-9", "ordered_on": "2026-11-20",
        "lines": [{"description": "Verkkosivusto", "quantity": 2, "unit_price_cents": 1500}]}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/notes",
        json!({"person_id": person, "kind": "meeting_note", "body": "Sulo pitää tilastoista"}),
    )
    .await
    .expect(201);
    // Staff may not anonymise.
    app.post(&format!("/api/v1/people/{person}/anonymisation"), json!({}))
        .await
        .expect(403);
    let done = as_officer(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/people/{person}/anonymisation"),
    )
    .await
    .expect(200);
    assert_eq!(done["erased"], true);
    let kept = app
        .get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    assert_eq!(kept["first_name"], "Anonymised");
    assert_eq!(kept["last_name"], "Anonymised");
    assert_eq!(kept["title"], Value::Null);
    assert_eq!(kept["emails"], json!([]));
    assert_eq!(kept["phones"], json!([]));
    assert_eq!(kept["relationship_started_on"], "2020-03-01");
    let mut areas: Vec<(String, String, String)> = kept["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["street"], "Anonymised");
            (
                a["kind"].as_str().unwrap().into(),
                a["postal_code"].as_str().unwrap().into(),
                a["country"].as_str().unwrap().into(),
            )
        })
        .collect();
    areas.sort();
    assert_eq!(
        areas,
        [
            ("billing".into(), "00000".into(), "FI".into()),
            ("postal".into(), "70000".into(), "FI".into())
        ]
    );
    let orders = app
        .get(&format!("/api/v1/orders?person_id={person}"))
        .await
        .expect(200);
    assert_eq!(orders["items"][0]["total_cents"], 3000);
    assert_eq!(app.count("notes").await, 0);
    let left = find_anywhere(
        &app,
        &[
            "Sulo",
            "Tilastollinen",
            "sulo.tilastollinen",
            "+358401234567",
            "Tilastotie",
            "Laskukuja",
            "Kuopio",
        ],
    )
    .await;
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(app.count("erasure_tombstones").await, 1);
    let audit = app.audit().await;
    assert!(audit.iter().any(|r| r.0 == "anonymise" && r.2 == person));
}
