//! Data-subject requests as cases over the API, on both databases: the
//! deadline and the board (R14, B4), identity (R14), a repeat flagged with
//! the officer's fee decision (R14), extension and refusal letters (R14,
//! R20), reminders (B4), rectification with its notices (R17) and a
//! restriction case (R18).

mod common;
#[path = "common/disclosing.rs"]
mod disclosing;
#[path = "common/listing.rs"]
mod listing;

use common::{TestApp, create_person};
use disclosing::{disclosure, recipient};
use listing::{audience, officer};
use rekisteri_domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    r14_a_request_by_email_from_an_address_on_record_is_verified_and_on_the_board,
    r14_a_repeat_access_request_is_flagged_and_the_fee_is_the_officers_decision,
    r14_r20_an_extension_and_a_refusal_are_written_to_the_person,
    b4_the_officer_is_reminded_seven_and_two_days_before_the_deadline,
    r17_a_rectification_tells_the_source_and_two_recipients,
    r18_a_restriction_case_takes_the_person_off_every_audience,
);

async fn as_officer(app: &TestApp, token: &str, path: &str, body: Option<Value>) -> common::Reply {
    let method = if body.is_some() {
        Method::POST
    } else {
        Method::GET
    };
    app.send(method, path, Some(token), None, body).await
}

/// One step of the case `id` (`verify`, `extend`, `answer`, …), as the officer.
async fn step(app: &TestApp, token: &str, id: &str, name: &str, body: Value) -> common::Reply {
    let path = format!("/api/v1/requests/{id}/{name}");
    as_officer(app, token, &path, Some(body)).await
}

async fn receive(app: &TestApp, token: &str, body: Value) -> Value {
    as_officer(app, token, "/api/v1/requests", Some(body))
        .await
        .expect(201)
}

/// The texts of the outbox's messages, oldest first.
async fn outbox(app: &TestApp) -> Vec<String> {
    let mut texts = Vec::new();
    for entry in app.outbox.list().await.unwrap() {
        let bytes = app.outbox.read(&entry.file).await.unwrap().unwrap();
        texts.push(decoded(&String::from_utf8_lossy(&bytes)));
    }
    texts
}

/// A message with its quoted-printable soft breaks and escapes undone.
fn decoded(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn r14_a_request_by_email_from_an_address_on_record_is_verified_and_on_the_board(
    app: TestApp,
) {
    let po = officer(&app).await;
    let (person, _) = create_person(&app, "Maija", "Meikäläinen").await;
    // Staff neither see nor record requests: the privacy officer answers them.
    let refused = app
        .post("/api/v1/requests", json!({"kind": "access"}))
        .await;
    assert_eq!(refused.status, 403);
    // An email from an address on the person's record: identifiable at once.
    let case = receive(
        &app,
        &po,
        json!({"kind": "access", "channel": "email", "person_id": person,
               "requester_email": "maija.meikäläinen@esimerkki.fi"}),
    )
    .await;
    assert_eq!(case["status"], "verified", "{case}");
    assert_eq!(case["identity_method"], "email_on_record");
    // R14: three weeks from receipt (2026-11-24) by default.
    assert_eq!(case["deadline"], "2026-12-15");
    assert_eq!(case["days_left"], 21);
    // An email from another address is not: the officer matches candidates.
    let other = receive(
        &app,
        &po,
        json!({"kind": "erasure", "channel": "email", "requester_name": "Maija Meikäläinen",
               "requester_email": "maija@muualla.fi"}),
    )
    .await;
    assert_eq!(other["status"], "received");
    let id = other["id"].as_str().unwrap();
    let candidates = as_officer(
        &app,
        &po,
        &format!("/api/v1/requests/{id}/candidates"),
        None,
    )
    .await
    .expect(200);
    assert_eq!(candidates[0]["person_id"], person.as_str(), "{candidates}");
    assert_eq!(candidates[0]["matched_on"], "name");
    let linked = step(&app, &po, id, "link", json!({"person_id": person}))
        .await
        .expect(200);
    assert_eq!(
        linked["status"], "received",
        "a different address proves nothing"
    );
    // Identity is recorded by hand only as the officer's own finding.
    let claimed = step(&app, &po, id, "verify", json!({"method": "portal_link"}))
        .await
        .expect(422);
    assert_eq!(claimed["error"]["field"], "method");
    // Not identified: it can only be refused, not fulfilled.
    let early = step(
        &app,
        &po,
        id,
        "answer",
        json!({"outcome": "fulfilled", "answer": "Poistettu."}),
    )
    .await
    .expect(422);
    assert_eq!(early["error"]["field"], "outcome");
    let no_note = step(
        &app,
        &po,
        id,
        "verify",
        json!({"method": "officer_recorded"}),
    )
    .await
    .expect(422);
    assert_eq!(no_note["error"]["field"], "identity_note");
    step(&app, &po, id, "verify", json!({"method": "officer_recorded", "note": "soitettu takaisin rekisterissä olevaan numeroon"}))
    .await
    .expect(200);
    // The board: open cases, the nearest deadline first, with days left.
    app.clock.advance_days(5);
    let late = receive(
        &app,
        &po,
        json!({"kind": "access", "channel": "letter", "requester_name": "Kalle Kirje",
               "received_at": "2026-11-20T09:00:00Z"}),
    )
    .await;
    assert_eq!(late["deadline"], "2026-12-11");
    let board = as_officer(&app, &po, "/api/v1/requests?open=true", None)
        .await
        .expect(200);
    let days: Vec<i64> = board
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["days_left"].as_i64().unwrap())
        .collect();
    assert_eq!(days, [12, 16, 16]);
    // Each step is in the case's history, and every read and write audited.
    let detail = as_officer(&app, &po, &format!("/api/v1/requests/{id}"), None)
        .await
        .expect(200);
    let events: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["received", "linked", "verified"]);
    let audit = app.audit().await;
    assert!(audit.iter().any(|r| r.0 == "create" && r.1 == "request"));
    assert!(
        audit.iter().any(|r| r.0 == "update"
            && r.1 == "request"
            && r.3.as_deref() == Some(person.as_str()))
    );
}

async fn r14_a_repeat_access_request_is_flagged_and_the_fee_is_the_officers_decision(app: TestApp) {
    let po = officer(&app).await;
    let (person, _) = create_person(&app, "Ville", "Vaaka").await;
    let first = receive(
        &app,
        &po,
        json!({"kind": "access", "channel": "letter", "person_id": person, "requester_name": "Ville Vaaka"}),
    )
    .await;
    assert_eq!(first["repeat"], false);
    // No fee without a repeat.
    let id = first["id"].as_str().unwrap();
    let refused = step(
        &app,
        &po,
        id,
        "fee",
        json!({"decision": "fee", "fee_cents": 2000, "justification": "toinen kopio"}),
    )
    .await
    .expect(422);
    assert_eq!(refused["error"]["field"], "fee_decision");
    app.clock.advance_days(200);
    let second = receive(
        &app,
        &po,
        json!({"kind": "portability", "channel": "letter", "person_id": person, "requester_name": "Ville Vaaka"}),
    )
    .await;
    assert_eq!(second["repeat"], true, "{second}");
    assert_eq!(second["repeat_of"], id);
    let second_id = second["id"].as_str().unwrap();
    // The officer may decide a fee, with its amount and justification …
    let no_amount = step(
        &app,
        &po,
        second_id,
        "fee",
        json!({"decision": "fee", "justification": "toinen kopio 12 kuukauden sisällä"}),
    )
    .await
    .expect(422);
    assert_eq!(no_amount["error"]["field"], "fee_cents");
    let decided = step(&app, &po, second_id, "fee", json!({"decision": "fee", "fee_cents": 1500, "justification": "toinen kopio 12 kuukauden sisällä"}))
    .await
    .expect(200);
    assert_eq!(
        (
            decided["fee_decision"].as_str(),
            decided["fee_cents"].as_i64()
        ),
        (Some("fee"), Some(1500))
    );
    // … and nothing is charged: the register has no invoice for it.
    assert_eq!(app.count("invoices").await, 0);
    // A year and more later it is no repeat.
    app.clock.advance_days(200);
    let third = receive(
        &app,
        &po,
        json!({"kind": "access", "channel": "letter", "person_id": person, "requester_name": "Ville Vaaka"}),
    )
    .await;
    assert_eq!(
        third["repeat_of"], second_id,
        "the portability copy 200 days ago"
    );
    app.clock.advance_days(400);
    let fourth = receive(
        &app,
        &po,
        json!({"kind": "access", "channel": "letter", "person_id": person, "requester_name": "Ville Vaaka"}),
    )
    .await;
    assert_eq!(fourth["repeat"], false);
}

async fn r14_r20_an_extension_and_a_refusal_are_written_to_the_person(app: TestApp) {
    let po = officer(&app).await;
    let case = receive(
        &app,
        &po,
        json!({"kind": "erasure", "channel": "email", "requester_name": "Outi Outo",
               "requester_email": "outi@example.fi"}),
    )
    .await;
    let id = case["id"].as_str().unwrap();
    // Beyond two further months: refused, naming the field and the limit.
    let far = step(
        &app,
        &po,
        id,
        "extend",
        json!({"extended_to": "2027-02-25", "reason": "laaja aineisto"}),
    )
    .await
    .expect(422);
    assert_eq!(far["error"]["field"], "extended_to");
    assert!(
        far["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2027-02-24"),
        "{far}"
    );
    let no_reason = step(
        &app,
        &po,
        id,
        "extend",
        json!({"extended_to": "2027-01-20"}),
    )
    .await
    .expect(422);
    assert_eq!(no_reason["error"]["field"], "reason");
    let extended = step(
        &app,
        &po,
        id,
        "extend",
        json!({"extended_to": "2027-01-20", "reason": "Tiedot on haettava arkistosta."}),
    )
    .await
    .expect(200);
    assert_eq!(extended["deadline"], "2027-01-20");
    assert_eq!(extended["days_left"], 57);
    let mails = outbox(&app).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: outi@example.fi"), "{}", mails[0]);
    assert!(mails[0].contains("Tiedot on haettava arkistosta."));
    assert!(mails[0].contains("2027-01-20"));
    // After the first month no extension may be told any more.
    app.clock.advance_days(31);
    let late = step(
        &app,
        &po,
        id,
        "extend",
        json!({"extended_to": "2027-02-10", "reason": "lisää aikaa"}),
    )
    .await
    .expect(422);
    assert!(
        late["error"]["message"]
            .as_str()
            .unwrap()
            .contains("first month")
    );
    // A refusal gives its reasons and the supervisory authority (R20).
    let answered = step(
        &app,
        &po,
        id,
        "answer",
        json!({"outcome": "refused", "answer": "Henkilöllisyyttä ei voitu todentaa."}),
    )
    .await
    .expect(200);
    assert_eq!(answered["status"], "answered");
    let mails = outbox(&app).await;
    let refusal = &mails[1];
    assert!(refusal.contains("Henkilöllisyyttä ei voitu todentaa."));
    assert!(
        refusal.contains("Tietosuojavaltuutetun toimisto"),
        "{refusal}"
    );
    assert!(refusal.contains("tietosuoja@om.fi"));
    step(&app, &po, id, "close", json!({})).await.expect(200);
    let board = as_officer(&app, &po, "/api/v1/requests?open=true", None)
        .await
        .expect(200);
    assert_eq!(board.as_array().unwrap().len(), 0);
}

async fn b4_the_officer_is_reminded_seven_and_two_days_before_the_deadline(app: TestApp) {
    let po = officer(&app).await;
    receive(
        &app,
        &po,
        json!({"kind": "access", "channel": "letter", "requester_name": "Aino Aikataulu"}),
    )
    .await;
    let remind = || async {
        rekisteri::services::periodic::tick(&app.state)
            .await
            .map(|round| round.reminded)
    };
    // Deadline 2026-12-15: nothing until 8 December.
    app.clock.advance_days(13);
    assert_eq!(remind().await.unwrap(), 0);
    app.clock.advance_days(1);
    assert_eq!(remind().await.unwrap(), 1, "seven days before");
    assert_eq!(remind().await.unwrap(), 0, "once");
    app.clock.advance_days(4);
    assert_eq!(remind().await.unwrap(), 0);
    app.clock.advance_days(1);
    assert_eq!(remind().await.unwrap(), 1, "two days before");
    app.clock.advance_days(1);
    assert_eq!(remind().await.unwrap(), 0);
    let mails = outbox(&app).await;
    assert_eq!(mails.len(), 2);
    for mail in &mails {
        assert!(mail.contains("To: annika.kettunen@mediateko.fi"), "{mail}");
        assert!(mail.contains("2026-12-15"));
        assert!(
            !mail.contains("Aino"),
            "a reminder names the case, not the person"
        );
    }
    assert!(mails[0].contains("Reminder: 7 days"));
    assert!(mails[1].contains("Reminder: 2 days"));
    // An extension's new deadline gets its own reminders.
    let board = as_officer(&app, &po, "/api/v1/requests?open=true", None)
        .await
        .expect(200);
    let id = board[0]["id"].as_str().unwrap();
    step(
        &app,
        &po,
        id,
        "extend",
        json!({"extended_to": "2027-01-20", "reason": "Arkisto on suljettu."}),
    )
    .await
    .expect(200);
    app.clock.advance_days(29);
    assert_eq!(remind().await.unwrap(), 0);
    app.clock.advance_days(1);
    assert_eq!(
        remind().await.unwrap(),
        1,
        "seven days before the new deadline"
    );
}

async fn r17_a_rectification_tells_the_source_and_two_recipients(app: TestApp) {
    let po = officer(&app).await;
    let admin = app.user("paakayttaja", Role::Admin).await;
    // The wrong phone came from an update service; the email from a partner's system.
    let created = app
        .post(
            "/api/v1/people",
            json!({"first_name": "Reijo", "last_name": "Rivi", "phones": ["040 111 2222"],
                   "source": "update_service", "source_detail": "Osoitepalvelu Oy"}),
        )
        .await;
    let etag = created.etag();
    let person = created.expect(201)["id"].as_str().unwrap().to_string();
    // The email came later from a partner's system (the phone keeps its source).
    app.put(
        &format!("/api/v1/people/{person}"),
        &etag,
        json!({"first_name": "Reijo", "last_name": "Rivi", "phones": ["040 111 2222"],
               "emails": ["reijo@vanha.fi"],
               "source": "partner_system", "source_detail": "tiedot@kumppani.fi"}),
    )
    .await
    .expect(200);
    // Disclosed to two recipients; one takes notices by email.
    let (perinta, _) = recipient(
        &app,
        &admin,
        json!({"name": "Perintä Oy", "role": "independent_recipient", "country": "FI",
               "notice_email": "ilmoitukset@perinta.fi"}),
    )
    .await;
    let (luotto, _) = recipient(
        &app,
        &admin,
        json!({"name": "Luottotieto Oy", "role": "independent_recipient", "country": "SE"}),
    )
    .await;
    for r in [&perinta, &luotto] {
        app.post(
            "/api/v1/disclosures",
            disclosure(r, &["name", "contact_details"], &[&person]),
        )
        .await
        .expect(201);
    }
    // A third got billing details only: nothing of it is corrected.
    let (laskutus, _) = recipient(
        &app,
        &admin,
        json!({"name": "Laskutus Oy", "role": "processor", "country": "FI"}),
    )
    .await;
    app.post(
        "/api/v1/disclosures",
        disclosure(&laskutus, &["billing_details"], &[&person]),
    )
    .await
    .expect(201);
    let case = receive(
        &app,
        &po,
        json!({"kind": "rectification", "channel": "letter", "person_id": person,
               "requester_name": "Reijo Rivi", "details": "Puhelinnumero on väärä, sähköposti vanhentunut."}),
    )
    .await;
    let id = case["id"].as_str().unwrap();
    let path = format!("/api/v1/requests/{id}/rectify");
    let corrections = json!({"corrections": [
        {"field": "phone", "from": "040 111 2222", "to": "040 333 4444"},
        {"field": "email", "from": "reijo@vanha.fi", "to": "reijo@uusi.fi"},
    ]});
    // Only after identity is established.
    let early = as_officer(&app, &po, &path, Some(corrections.clone()))
        .await
        .expect(422);
    assert_eq!(early["error"]["field"], "status");
    step(
        &app,
        &po,
        id,
        "verify",
        json!({"note": "allekirjoitettu kirje"}),
    )
    .await
    .expect(200);
    // A value the person does not have is named, and nothing changes.
    let wrong = as_officer(
        &app,
        &po,
        &path,
        Some(json!({"corrections": [
            {"field": "phone", "from": "040 111 2222", "to": "040 333 4444"},
            {"field": "email", "from": "ei@ole.fi", "to": "reijo@uusi.fi"}]})),
    )
    .await
    .expect(422);
    assert_eq!(wrong["error"]["field"], "corrections[1].from");
    let unchanged = app
        .get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    assert_eq!(unchanged["phones"][0]["value"], "+358401112222");
    let done = as_officer(&app, &po, &path, Some(corrections))
        .await
        .expect(200);
    let notices = done["notices"].as_array().unwrap();
    let summary: Vec<(&str, &str, &str)> = notices
        .iter()
        .map(|n| {
            (
                n["to_whom"].as_str().unwrap(),
                n["by"].as_str().unwrap(),
                n["address"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("source", "letter", "update_service Osoitepalvelu Oy"),
            ("source", "email", "tiedot@kumppani.fi"),
            ("recipient", "letter", "Luottotieto Oy"),
            ("recipient", "email", "ilmoitukset@perinta.fi"),
        ]
    );
    // The person is corrected, the new values carry their new source.
    let now = app
        .get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    assert_eq!(now["phones"][0]["value"], "+358403334444");
    assert_eq!(now["phones"][0]["source"], "own_notice");
    assert_eq!(now["emails"][0]["value"], "reijo@uusi.fi");
    // The letters: the wrong and the right value, the disclosures by id.
    let mails = outbox(&app).await;
    assert_eq!(
        mails.len(),
        4,
        "the billing-only recipient holds nothing corrected"
    );
    // Each source hears of its own values only; recipients of what they got.
    let to_partner = mails
        .iter()
        .find(|m| m.contains("To: tiedot@kumppani.fi"))
        .expect("the partner's email");
    assert!(to_partner.contains("reijo@uusi.fi") && !to_partner.contains("+358403334444"));
    let to_service = mails
        .iter()
        .find(|m| m.contains("Osoitepalvelu Oy") && m.contains("+358403334444"))
        .expect("the update service's letter");
    assert!(!to_service.contains("reijo@uusi.fi"), "{to_service}");
    let to_perinta = mails
        .iter()
        .find(|m| m.contains("To: ilmoitukset@perinta.fi"))
        .expect("the recipient's email");
    assert!(to_perinta.contains("GDPR Art. 16 and 19"), "{to_perinta}");
    let detail = as_officer(&app, &po, &format!("/api/v1/requests/{id}"), None)
        .await
        .expect(200);
    let events: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["received", "linked", "verified", "rectified", "notified"]
    );
    assert_eq!(detail["status"], "in_progress");
}

async fn r18_a_restriction_case_takes_the_person_off_every_audience(app: TestApp) {
    let po = officer(&app).await;
    let (person, _) = create_person(&app, "Raili", "Rajoitus").await;
    // Letters to a private person are opt-out (R15): on the list by default.
    assert!(
        audience(&app, "letter", "direct_marketing")
            .await
            .contains(&person)
    );
    let case = receive(
        &app,
        &po,
        json!({"kind": "restriction", "channel": "email", "person_id": person,
               "requester_email": "raili.rajoitus@esimerkki.fi",
               "details": "Kiistän tietojen paikkansapitävyyden."}),
    )
    .await;
    assert_eq!(case["status"], "verified");
    let id = case["id"].as_str().unwrap();
    step(&app, &po, id, "start", json!({})).await.expect(200);
    as_officer(
        &app,
        &po,
        &format!("/api/v1/people/{person}/restriction"),
        Some(json!({"reason": format!("rekisteröidyn pyyntö {id}")})),
    )
    .await
    .expect(201);
    step(
        &app,
        &po,
        id,
        "answer",
        json!({"outcome": "fulfilled", "answer": "Käsittelyä on rajoitettu."}),
    )
    .await
    .expect(200);
    for channel in ["email", "sms", "phone", "letter"] {
        for purpose in [
            "direct_marketing",
            "distance_selling",
            "market_research",
            "targeted_content",
        ] {
            assert!(
                !audience(&app, channel, purpose).await.contains(&person),
                "{channel}/{purpose}"
            );
        }
    }
}
