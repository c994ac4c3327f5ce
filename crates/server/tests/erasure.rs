//! Erasure with holds over the API, on both databases (R8, R19, R21): an
//! open invoice, debt collection or an active contact role holds it (409
//! naming the hold) and it runs by itself when the hold ends; done, it
//! leaves the person's data in no table, no search row and no mail, keeps
//! the invoices without the person, lays a tombstone against re-import and
//! notifies the recipients of disclosures (Art. 19). Anonymisation keeps
//! the statistics.

mod common;
#[path = "common/disclosing.rs"]
mod disclosing;
#[path = "common/scan.rs"]
mod scan;

use common::{Reply, TestApp, create_person, person_json};
use disclosing::{PASSWORD, disclosure, fi_recipient, rekisteri, web};
use rekisteri_domain::{Clock, Role};
use reqwest::Method;
use scan::{find_anywhere, outbox_texts};
use serde_json::{Value, json};

on_both_backends!(
    r8_erasure_is_refused_for_an_open_invoice_then_runs_when_it_is_paid,
    r19_erasure_of_an_active_organisation_contact_is_refused,
    r8_debt_collection_holds_erasure,
    r21_erasure_reaches_every_table_and_derived_data,
    r8_a_tombstone_blocks_reimport_but_not_a_new_registration,
    r21_art19_recipients_of_disclosures_are_notified,
    r21_anonymisation_keeps_statistics_and_removes_identity,
    r8_web_the_officer_sees_the_holds_and_erases_with_the_form,
);

async fn officer(app: &TestApp) -> String {
    app.user("tietosuoja", Role::PrivacyOfficer).await
}

async fn as_officer(app: &TestApp, officer: &str, method: Method, path: &str) -> Reply {
    app.send(method, path, Some(officer), None, Some(json!({})))
        .await
}

async fn erase(app: &TestApp, officer: &str, person: &str) -> Reply {
    as_officer(
        app,
        officer,
        Method::POST,
        &format!("/api/v1/people/{person}/erasure"),
    )
    .await
}

/// An invoice of the person; returns (id, ETag, the body sent).
async fn invoice(app: &TestApp, person: &str, number: &str, status: &str) -> (String, String, Value) {
    let body = json!({"person_id": person, "number": number, "status": status, "issued_on": "2026-11-20",
                      "due_on": "2026-12-04", "total_cents": 12345});
    let reply = app.post("/api/v1/invoices", body.clone()).await;
    let etag = reply.etag();
    (reply.expect(201)["id"].as_str().unwrap().to_string(), etag, body)
}

/// Changes the invoice's status through the API (staff).
async fn set_status(app: &TestApp, id: &str, etag: &str, mut body: Value, status: &str) {
    body["status"] = json!(status);
    app.put(&format!("/api/v1/invoices/{id}"), etag, body)
        .await
        .expect(200);
}

fn hold_codes(reply: &Value) -> Vec<String> {
    reply["error"]["holds"]
        .as_array()
        .expect("holds")
        .iter()
        .map(|h| h["code"].as_str().unwrap().to_string())
        .collect()
}

async fn r8_erasure_is_refused_for_an_open_invoice_then_runs_when_it_is_paid(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Ilmari", "Kivikorpi").await;
    let (id, etag, body) = invoice(&app, &person, "L-100", "open").await;
    // Staff may not erase: the privacy officer answers the request.
    app.post(&format!("/api/v1/people/{person}/erasure"), json!({}))
        .await
        .expect(403);
    let held = erase(&app, &officer, &person).await.expect(409);
    assert_eq!(held["error"]["code"], "held");
    assert_eq!(hold_codes(&held), ["open_invoice"]);
    assert_eq!(held["error"]["holds"][0]["number"], "L-100");
    assert_eq!(held["error"]["holds"][0]["invoice_id"], json!(id));
    assert!(
        held["error"]["holds"][0]["message"]
            .as_str()
            .unwrap()
            .contains("L-100")
    );
    let status = as_officer(
        &app,
        &officer,
        Method::GET,
        &format!("/api/v1/people/{person}/erasure"),
    )
    .await
    .expect(200);
    assert_eq!(status["scheduled"]["status"], "scheduled");
    assert_eq!(status["scheduled"]["holds"], json!(["open_invoice"]));
    app.get(&format!("/api/v1/people/{person}")).await.expect(200);

    // Paid through the API: the hold ends, the scheduled erasure runs.
    set_status(&app, &id, &etag, body, "paid").await;
    app.get(&format!("/api/v1/people/{person}")).await.expect(404);
    let kept = app.get(&format!("/api/v1/invoices/{id}")).await.expect(200);
    assert_eq!(kept["person_id"], Value::Null);
    assert_eq!(kept["number"], "L-100");
    assert_eq!(kept["total_cents"], 12345);
    assert_eq!(kept["issued_on"], "2026-11-20");
    assert_eq!(kept["due_on"], "2026-12-04");
    assert_eq!(kept["status"], "paid");
    let hits = app.get("/api/v1/search?q=Kivikorpi").await.expect(200);
    assert_eq!(hits, json!([]));
    let done: String = sqlx::query_scalar("SELECT status FROM scheduled_erasures")
        .fetch_one(app.store.read_pool())
        .await
        .unwrap();
    assert_eq!(done, "done");
    // The audit log tells what happened, by ids only.
    let audit = app.audit().await;
    for action in ["schedule", "erase"] {
        assert!(
            audit
                .iter()
                .any(|r| r.0 == action && r.3.as_deref() == Some(person.as_str())),
            "{action}"
        );
    }
    let in_audit = find_in_table(&app, "audit_log", &["Ilmari", "Kivikorpi", "ilmari.kivikorpi@esimerkki.fi"]).await;
    assert!(in_audit.is_empty(), "{in_audit:?}");
    assert!(find_anywhere(&app, &["Kivikorpi"]).await.is_empty());
}

/// The needles found in one table.
async fn find_in_table(app: &TestApp, table: &str, needles: &[&str]) -> Vec<String> {
    find_anywhere(app, needles)
        .await
        .into_iter()
        .filter(|f| f.starts_with(&format!("{table}.")))
        .collect()
}

async fn r19_erasure_of_an_active_organisation_contact_is_refused(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Aino", "Yhteyshenkilö").await;
    let org = app
        .post("/api/v1/organisations", json!({"name": "Asiakas Oy"}))
        .await
        .expect(201);
    app.post(
        &format!("/api/v1/people/{person}/organisations"),
        json!({"organisation_id": org["id"], "title": "hankintapäällikkö", "is_contact_person": true,
               "ended_on": "2026-12-31"}),
    )
    .await
    .expect(201);
    let held = erase(&app, &officer, &person).await.expect(409);
    assert_eq!(hold_codes(&held), ["organisation_contact"]);
    let hold = &held["error"]["holds"][0];
    assert_eq!(hold["organisation_name"], "Asiakas Oy");
    assert_eq!(hold["organisation_id"], org["id"]);
    assert_eq!(hold["until"], "2026-12-31");
    // On the role's last day it still holds: the job leaves it scheduled.
    app.clock.advance_days(37);
    assert_eq!(tick(&app).await, 0);
    app.get(&format!("/api/v1/people/{person}")).await.expect(200);
    // The day after, the job erases the person.
    app.clock.advance_days(1);
    assert_eq!(tick(&app).await, 1);
    app.get(&format!("/api/v1/people/{person}")).await.expect(404);
    assert_eq!(app.count("person_organisations").await, 0);
    // Asked again: there is no such person.
    erase(&app, &officer, &person).await.expect(404);
}

/// One round of the server's periodic jobs, on the app's store and clock.
async fn tick(app: &TestApp) -> usize {
    let mailer =
        rekisteri::mail::Mailer::outbox(app.outbox.dir().to_path_buf(), "rekisteri@example.fi")
            .unwrap();
    let state = rekisteri::http::AppState::new(app.store.clone(), app.clock.clone(), mailer);
    rekisteri::jobs::tick(&state).await.unwrap().erased
}

async fn r8_debt_collection_holds_erasure(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Veikko", "Velallinen").await;
    let (id, etag, body) = invoice(&app, &person, "L-200", "debt_collection").await;
    let held = erase(&app, &officer, &person).await.expect(409);
    assert_eq!(hold_codes(&held), ["debt_collection"]);
    assert_eq!(held["error"]["holds"][0]["number"], "L-200");
    // Anonymisation is held as well, and not scheduled.
    let anon = as_officer(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/people/{person}/anonymisation"),
    )
    .await
    .expect(409);
    assert_eq!(hold_codes(&anon), ["debt_collection"]);
    // The job leaves a held erasure alone.
    assert_eq!(tick(&app).await, 0);
    // Credited: the scheduled erasure runs.
    set_status(&app, &id, &etag, body, "credited").await;
    app.get(&format!("/api/v1/people/{person}")).await.expect(404);
    let kept = app.get(&format!("/api/v1/invoices/{id}")).await.expect(200);
    assert_eq!((kept["number"].as_str(), kept["person_id"].clone()), (Some("L-200"), Value::Null));
}

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
        .post("/api/v1/orders", json!({"person_id": person, "number": "T-7", "ordered_on": "2026-11-20",
            "source_detail": "Ilmatar soitti",
            "lines": [{"description": "Verkkosivusto", "quantity": 1, "unit_price_cents": 5000}]}))
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
        disclosure(&recipient, &["name", "contact_details", "billing_details"], &[&person]),
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
    // Mail about the person on disk (R21: derived data).
    let mailer =
        rekisteri::mail::Mailer::outbox(app.outbox.dir().to_path_buf(), "rekisteri@example.fi")
            .unwrap();
    mailer
        .send(
            &rekisteri::mail::Mail {
                to: rekisteri::mail::Addressee::Email("ilmatar.ahventaival@esimerkki.fi".into()),
                subject: "Vahvistus".into(),
                body: "Hei Ilmatar Ahventaival".into(),
                about: Some(person.parse().unwrap()),
            },
            app.clock.now(),
        )
        .await
        .unwrap();
    let before = find_anywhere(&app, &NEEDLES).await;
    assert!(before.len() >= NEEDLES.len(), "the scan finds the data before: {before:?}");

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
    assert_eq!((order["person_id"].clone(), order["total_cents"].clone()), (Value::Null, json!(5000)));
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
    app.get(&format!("/api/v1/people/{other}")).await.expect(200);
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
    assert!(mails[0].1.contains("GDPR 19") || mails[0].1.contains("Art"), "{}", mails[0].1);
    for needle in NEEDLES {
        assert!(!mails[0].1.contains(needle), "the notice shows {needle}");
    }
    assert!(app.store.verify_audit().await.unwrap().first_broken.is_none());
}

async fn r8_a_tombstone_blocks_reimport_but_not_a_new_registration(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Kaarina", "Poistettu").await;
    erase(&app, &officer, &person).await.expect(200);
    let mut again = person_json("Kaarina", "Poistettu");
    again["source"] = json!("partner_system");
    let refused = app.post("/api/v1/people", again.clone()).await.expect(409);
    assert_eq!(refused["error"]["code"], "erased_person");
    assert_eq!(refused["error"]["field"], "emails[0]");
    // The address in other case, second in the list: still refused.
    again["emails"] = json!(["toinen@esimerkki.fi", "KAARINA.Poistettu@ESIMERKKI.fi"]);
    let refused = app.post("/api/v1/people", again.clone()).await.expect(409);
    assert_eq!(refused["error"]["field"], "emails[1]");
    assert_eq!(app.count("people").await, 0);
    // A CSV import skips the row and reports it; the other row goes in.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.csv");
    let report = dir.path().join("report.csv");
    std::fs::write(
        &file,
        "first_name,last_name,emails\nKaarina,Poistettu,kaarina.poistettu@esimerkki.fi\nUusi,Asiakas,uusi@esimerkki.fi\n",
    )
    .unwrap();
    let out = rekisteri(
        &app,
        &[
            "import",
            "people",
            file.to_str().unwrap(),
            "--source",
            "partner_system",
            "--skip-invalid",
            "--report",
            report.to_str().unwrap(),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(report.contains("2,emails[0],belongs to a person erased"), "{report}");
    assert_eq!(app.count("people").await, 1);
    // The person's own new registration is theirs to make.
    again["source"] = json!("registration");
    app.post("/api/v1/people", again).await.expect(201);
    assert_eq!(app.count("people").await, 2);
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
            .post("/api/v1/disclosures", disclosure(recipient, &categories, &[&person]))
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
    assert!(notified.iter().all(|n| n["sent"] == true));
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
        for needle in ["Reino", "Luovutettu", "reino.luovutettu", "+358401234567", "Kauppakatu"] {
            assert!(!text.contains(needle), "a notice shows {needle}: {text}");
        }
        // No file of the outbox is named by the erased person.
    }
    assert!(app.outbox.list().await.unwrap().iter().all(|e| e.about.is_none()));
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
    app.post("/api/v1/orders", json!({"person_id": person, "number": "T-9", "ordered_on": "2026-11-20",
        "lines": [{"description": "Verkkosivusto", "quantity": 2, "unit_price_cents": 1500}]}))
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
    let kept = app.get(&format!("/api/v1/people/{person}")).await.expect(200);
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
        &["Sulo", "Tilastollinen", "sulo.tilastollinen", "+358401234567", "Tilastotie", "Laskukuja", "Kuopio"],
    )
    .await;
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(app.count("erasure_tombstones").await, 1);
    let audit = app.audit().await;
    assert!(audit.iter().any(|r| r.0 == "anonymise" && r.2 == person));
}

async fn r8_web_the_officer_sees_the_holds_and_erases_with_the_form(app: TestApp) {
    app.user_with_password("tietosuoja", Role::PrivacyOfficer, PASSWORD)
        .await;
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let officer = app.browser("tietosuoja", PASSWORD).await;
    let staff = app.browser("maija", PASSWORD).await;
    let (person, _) = create_person(&app, "Hilkka", "Lomakkeella").await;
    let (id, etag, body) = invoice(&app, &person, "L-300", "open").await;
    let path = format!("/people/{person}");
    let form = format!(r#"action="/people/{person}/erasure""#);
    // Staff see no erasure section, and may not post the form.
    let page = web(&app, &staff, Method::GET, &path, &[]).await.text().await.unwrap();
    assert!(page.contains("Lomakkeella") && !page.contains(&form));
    let refused = web(&app, &staff, Method::POST, &format!("{path}/erasure"), &[("confirm", "yes")]).await;
    assert_eq!(refused.status(), 403);
    // The officer sees the hold (in Finnish) and the form.
    let page = web(&app, &officer, Method::GET, &path, &[]).await.text().await.unwrap();
    assert!(page.contains(&form), "{page}");
    assert!(page.contains("Avoin lasku L-300"), "{page}");
    // Without the confirmation nothing happens.
    let unconfirmed = web(&app, &officer, Method::POST, &format!("{path}/erasure"), &[]).await;
    assert_eq!(unconfirmed.status(), 422);
    // Held: scheduled, and the page says so.
    let held = web(&app, &officer, Method::POST, &format!("{path}/erasure"), &[("confirm", "yes")]).await;
    assert_eq!(held.status(), 303);
    let page = web(&app, &officer, Method::GET, &path, &[]).await.text().await.unwrap();
    assert!(page.contains("Poistoa pyydetty"), "{page}");
    // Paid: the scheduled erasure runs; the page is gone.
    set_status(&app, &id, &etag, body, "paid").await;
    assert_eq!(web(&app, &officer, Method::GET, &path, &[]).await.status(), 404);
    // A person without holds is erased by the form at once.
    let (other, _) = create_person(&app, "Heikki", "Heti").await;
    let page = web(&app, &officer, Method::GET, &format!("/people/{other}"), &[]).await.text().await.unwrap();
    assert!(page.contains("Mikään ei estä poistamista"), "{page}");
    let done = web(&app, &officer, Method::POST, &format!("/people/{other}/erasure"), &[("confirm", "yes")]).await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "/people?erased=1");
    assert_eq!(app.count("people").await, 0);
}
