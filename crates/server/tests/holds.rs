//! Legal holds (R8) and paper documents (R10) over the API, on both
//! databases: a hold blocks the erasure with its code and reason until it
//! ends (by the officer or by its date), and then the erasure runs; a
//! paper document is in the access report, and an erasure opens the task
//! of destroying it, which the officer confirms with a date.

mod common;
#[path = "common/erasing.rs"]
mod erasing;
#[path = "common/scan.rs"]
mod scan;

use common::{TestApp, create_person};
use erasing::{erase, hold_codes, officer, tick};
use rekisteri_domain::{Clock, Role};
use reqwest::Method;
use scan::{find_anywhere, outbox_texts};
use serde_json::{Value, json};

on_both_backends!(
    r8_a_legal_hold_blocks_erasure_until_the_officer_ends_it,
    r8_a_legal_hold_with_an_end_date_lets_the_erasure_run_after_it,
    r10_paper_documents_are_reported_and_an_erasure_opens_their_destruction,
    r8_r20_a_held_erasure_request_is_answered_with_its_holds_and_then_told_done,
    r8_the_command_line_says_a_held_erasure_is_scheduled_not_failed,
);

/// `rekisteri erasure person` on a held person schedules the erasure, as
/// its help says: it names the hold and says so without "error:", and
/// exits 3 — neither success (nothing was erased) nor failure.
async fn r8_the_command_line_says_a_held_erasure_is_scheduled_not_failed(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Kalevi", "Komentorivi").await;
    let hold = json!({"reason": "riita laskusta L-18 käräjäoikeudessa", "reference": "KO 18/2026"});
    let holds = format!("/api/v1/people/{person}/legal-holds");
    send(&app, &officer, Method::POST, &holds, hold)
        .await
        .expect(201);
    // `officer` made the privacy officer "tietosuoja".
    let out = app
        .run(&["erasure", "person", &person, "--as", "tietosuoja"])
        .await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert!(stdout.contains("held (legal_hold)"), "{stdout}");
    assert!(stdout.contains("it is scheduled"), "{stdout}");
    assert!(!stderr.contains("error:"), "{stderr}");
    assert_eq!(app.count("people").await, 1, "nothing erased");
}

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> common::Reply {
    app.send(method, path, Some(token), None, Some(body)).await
}

fn fields(reply: &Value) -> Vec<String> {
    reply["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect()
}

async fn r8_a_legal_hold_blocks_erasure_until_the_officer_ends_it(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Kalevi", "Kiistanen").await;
    let holds = format!("/api/v1/people/{person}/legal-holds");
    let hold = json!({"reason": "riita laskusta L-17 käräjäoikeudessa", "reference": "KO 17/2026"});
    // Staff may not place one; a hold needs a reason and a reference.
    send(&app, &app.token, Method::POST, &holds, hold.clone())
        .await
        .expect(403);
    let bad = send(
        &app,
        &officer,
        Method::POST,
        &holds,
        json!({"ends_on": "2020-01-01"}),
    )
    .await
    .expect(422);
    assert_eq!(fields(&bad), ["reason", "reference", "ends_on"]);
    let placed = send(&app, &officer, Method::POST, &holds, hold)
        .await
        .expect(201);
    let hold_id = placed["id"].as_str().unwrap().to_string();

    let held = erase(&app, &officer, &person).await.expect(409);
    assert_eq!(held["error"]["code"], "held");
    assert_eq!(hold_codes(&held), ["legal_hold"]);
    let shown = &held["error"]["holds"][0];
    assert_eq!(shown["hold_id"], json!(hold_id));
    assert_eq!(shown["reference"], "KO 17/2026");
    assert!(shown["message"].as_str().unwrap().contains("KO 17/2026"));
    let status = send(
        &app,
        &officer,
        Method::GET,
        &format!("/api/v1/people/{person}/erasure"),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(status["scheduled"]["holds"], json!(["legal_hold"]));
    // The person reads it in their access report.
    let report = send(
        &app,
        &officer,
        Method::GET,
        &format!("/api/v1/people/{person}/report"),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(report["legal_holds"][0]["reference"], "KO 17/2026");
    assert_eq!(report["schema_version"], 2);
    // The periodic round leaves it held.
    assert_eq!(tick(&app).await, 0);
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);

    let ended = send(
        &app,
        &officer,
        Method::POST,
        &format!("{holds}/{hold_id}/end"),
        json!({}),
    )
    .await
    .expect(200);
    assert!(ended["ended_at"].is_string());
    // Ending it re-checks the waiting erasure, which runs.
    app.outbox.run_jobs().await;
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(404);
    assert!(
        find_anywhere(&app, &["Kiistanen", "KO 17/2026"])
            .await
            .is_empty()
    );
    let audit = app.audit().await;
    for action in ["create", "lift"] {
        assert!(
            audit
                .iter()
                .any(|(a, record, id, ..)| a == action && record == "legal_hold" && *id == hold_id),
            "{action}"
        );
    }
}

async fn r8_a_legal_hold_with_an_end_date_lets_the_erasure_run_after_it(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Maija", "Maaraikainen").await;
    let today = app.clock.now().date();
    send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/people/{person}/legal-holds"),
        json!({"reason": "viranomaisen säilytysmääräys", "reference": "VM 2/2026", "ends_on": today.plus_days(1).to_string()}),
    )
    .await
    .expect(201);
    erase(&app, &officer, &person).await.expect(409);
    app.clock.advance_days(1);
    assert_eq!(tick(&app).await, 0, "in force on its last day");
    app.clock.advance_days(1);
    assert_eq!(tick(&app).await, 1, "the day after, the erasure runs");
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(404);
}

async fn r10_paper_documents_are_reported_and_an_erasure_opens_their_destruction(app: TestApp) {
    let officer = officer(&app).await;
    let partner = app.user("kumppani", Role::Partner).await;
    let (person, _) = create_person(&app, "Paula", "Paperinen").await;
    let papers = format!("/api/v1/people/{person}/paper-documents");
    let bad = app.post(&papers, json!({})).await.expect(422);
    assert_eq!(fields(&bad), ["kind", "location", "keeper"]);
    let doc = app
        .post(
            &papers,
            json!({"kind": "allekirjoitettu palvelusopimus", "dated_on": "2026-10-01",
                   "location": "Kuopion toimisto, lukittu kaappi 2", "keeper": "toimistopäällikkö"}),
        )
        .await
        .expect(201);
    let doc_id = doc["id"].as_str().unwrap().to_string();
    send(&app, &partner, Method::GET, &papers, json!({}))
        .await
        .expect(403);
    let listed = app.get(&papers).await.expect(200);
    assert_eq!(listed[0]["location"], "Kuopion toimisto, lukittu kaappi 2");
    let report = send(
        &app,
        &officer,
        Method::GET,
        &format!("/api/v1/people/{person}/report"),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(
        report["paper_documents"][0]["kind"],
        "allekirjoitettu palvelusopimus"
    );
    assert_eq!(report["paper_documents"][0]["destroy_from"], Value::Null);

    let erased = erase(&app, &officer, &person).await.expect(200);
    assert_eq!(erased["paper_to_destroy"], 1);
    app.get("/api/v1/paper-documents/to-destroy")
        .await
        .expect(403);
    let tasks = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/paper-documents/to-destroy",
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(tasks.as_array().unwrap().len(), 1);
    assert_eq!(tasks[0]["location"], "Kuopion toimisto, lukittu kaappi 2");
    let confirm = format!("/api/v1/paper-documents/{doc_id}/destroyed");
    let tomorrow = app.clock.now().date().plus_days(1).to_string();
    let bad = send(
        &app,
        &officer,
        Method::POST,
        &confirm,
        json!({"destroyed_on": tomorrow}),
    )
    .await
    .expect(422);
    assert_eq!(fields(&bad), ["destroyed_on"]);
    let done = send(&app, &officer, Method::POST, &confirm, json!({}))
        .await
        .expect(200);
    assert_eq!(
        done["destroyed_on"],
        json!(app.clock.now().date().to_string())
    );
    let tasks = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/paper-documents/to-destroy",
        json!({}),
    )
    .await
    .expect(200);
    assert!(tasks.as_array().unwrap().is_empty());
    // The task names the document and its place, never the person.
    assert!(
        find_anywhere(&app, &["Paperinen", "paula.paperinen@esimerkki.fi"])
            .await
            .is_empty()
    );
}

async fn r8_r20_a_held_erasure_request_is_answered_with_its_holds_and_then_told_done(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Rauni", "Riidanalainen").await;
    let case = send(
        &app,
        &officer,
        Method::POST,
        "/api/v1/requests",
        json!({"kind": "erasure", "channel": "email", "person_id": person,
               "requester_name": "Rauni Riidanalainen",
               "requester_email": "rauni.riidanalainen@esimerkki.fi"}),
    )
    .await
    .expect(201);
    let case_id = case["id"].as_str().unwrap().to_string();
    let placed = send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/people/{person}/legal-holds"),
        json!({"reason": "vahingonkorvauskanne vireillä", "reference": "KKO 9/2026"}),
    )
    .await
    .expect(201);
    let held = send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/people/{person}/erasure"),
        json!({"request_id": case_id}),
    )
    .await
    .expect(409);
    assert_eq!(hold_codes(&held), ["legal_hold"]);
    // The requester is told why, what is kept, when, and where to complain.
    let letters = outbox_texts(&app).await;
    let (_, letter) = letters
        .iter()
        .find(|(_, t)| t.contains("We cannot erase it yet"))
        .unwrap_or_else(|| panic!("the held letter: {letters:?}"));
    assert!(
        letter.contains("To: rauni.riidanalainen@esimerkki.fi"),
        "{letter}"
    );
    for words in [
        "vahingonkorvauskanne vireillä",
        "KKO 9/2026",
        "The law obliges us to keep the data",
        "Tietosuojavaltuutetun toimisto",
        "supervisory authority",
        "Kirjanpitolaki",
    ] {
        assert!(letter.contains(words), "{words}: {letter}");
    }
    // The hold ends: the erasure runs and the requester is told it is done.
    send(
        &app,
        &officer,
        Method::POST,
        &format!(
            "/api/v1/people/{person}/legal-holds/{}/end",
            placed["id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await
    .expect(200);
    app.outbox.run_jobs().await;
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(404);
    let letters = outbox_texts(&app).await;
    let done: Vec<&String> = letters
        .iter()
        .map(|(_, t)| t)
        .filter(|t| t.contains("your personal data is erased from our register"))
        .collect();
    assert_eq!(done.len(), 1);
    assert!(done[0].contains("To: rauni.riidanalainen@esimerkki.fi"));
    // The held letter went with the person; only the kept "done" letter
    // still names the address, and it goes after 30 days.
    assert!(
        letters
            .iter()
            .all(|(_, t)| !t.contains("Poistopyyntönne odottaa"))
    );
    app.clock.advance_days(31);
    tick(&app).await;
    assert!(
        find_anywhere(&app, &["rauni.riidanalainen@esimerkki.fi", "Riidanalainen"])
            .await
            .is_empty()
    );
}
