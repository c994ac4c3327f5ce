//! Erasure with holds over the API, on both databases (R8, R19): an open
//! invoice, debt collection or an active contact role holds it (409 naming
//! the hold) and it runs by itself when the hold ends; a tombstone keeps
//! the erased person from being re-imported, not from registering anew.

mod common;
#[path = "common/disclosing.rs"]
mod disclosing;
#[path = "common/erasing.rs"]
mod erasing;
#[path = "common/scan.rs"]
mod scan;

use common::{TestApp, create_person, person_json};
use disclosing::rekisteri;
use erasing::{as_officer, erase, hold_codes, invoice, officer, set_status, tick};
use reqwest::Method;
use scan::find_anywhere;
use serde_json::{Value, json};

on_both_backends!(
    r8_erasure_is_refused_for_an_open_invoice_then_runs_when_it_is_paid,
    r19_erasure_of_an_active_organisation_contact_is_refused,
    r8_debt_collection_holds_erasure,
    r8_a_tombstone_blocks_reimport_but_not_a_new_registration,
);

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
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);

    // Paid through the API: the hold ends, the scheduled erasure runs.
    set_status(&app, &id, &etag, body, "paid").await;
    // The change queued the erasure's re-check; the runner runs it.
    app.outbox.run_jobs().await;
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(404);
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
    let in_audit = find_in_table(
        &app,
        "audit_log",
        &["Ilmari", "Kivikorpi", "ilmari.kivikorpi@esimerkki.fi"],
    )
    .await;
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
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    // The day after, the job erases the person.
    app.clock.advance_days(1);
    assert_eq!(tick(&app).await, 1);
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(404);
    assert_eq!(app.count("person_organisations").await, 0);
    // Asked again: there is no such person.
    erase(&app, &officer, &person).await.expect(404);
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
    app.outbox.run_jobs().await;
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(404);
    let kept = app.get(&format!("/api/v1/invoices/{id}")).await.expect(200);
    assert_eq!(
        (kept["number"].as_str(), kept["person_id"].clone()),
        (Some("L-200"), Value::Null)
    );
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(
        report.contains("2,emails[0],belongs to a person erased"),
        "{report}"
    );
    assert_eq!(app.count("people").await, 1);
    // The person's own new registration is theirs to make.
    again["source"] = json!("registration");
    app.post("/api/v1/people", again).await.expect(201);
    assert_eq!(app.count("people").await, 2);
}
