//! What the sweep must not do (R8, R9, R10, R11, B1), on both databases:
//! delete the case a waiting erasure still answers, act on a record that
//! changed after it was listed, stop at one failing record, start twice on
//! one day, cut audit rows not yet expired; and what must not stay behind
//! an erasure or anonymisation (a relationship's reason, a destroyed paper
//! document's words, a done letter that never left).

mod common;
#[path = "common/erasing.rs"]
mod erasing;
#[path = "common/retaining.rs"]
mod retaining;
#[path = "common/scan.rs"]
mod scan;

use common::{Db, TestApp, create_person};
use erasing::{erase, invoice, officer, tick};
use rekisteri::services::jobs::system;
use rekisteri_domain::retention::{RetentionCategory, plus_months};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Clock, Date};
use rekisteri_store::Applied;
use reqwest::Method;
use retaining::{ended, move_to, run_sweep, scalar, send, today};
use scan::find_anywhere;
use serde_json::json;

on_both_backends!(
    r9_r20_the_case_a_waiting_erasure_answers_outlives_its_period,
    r9_a_relationship_reopened_after_the_listing_is_left,
    r8_anonymising_clears_the_reason_the_relationship_ended,
    r10_a_destroyed_paper_document_keeps_no_free_text,
    r9_one_failing_record_does_not_stop_the_sweep,
    r9_two_servers_claiming_one_day_start_one_sweep,
    r9_b1_the_audit_cut_stops_before_the_first_row_not_yet_expired,
    r8_a_done_letter_that_never_left_goes_after_thirty_days,
    r11_the_preview_and_the_paper_tasks_are_audited_per_person,
    r10_an_erasure_case_closes_only_when_its_paper_is_destroyed,
);

/// An erasure request case for `person`, held by a legal hold: (case, hold).
async fn held_request(app: &TestApp, officer: &str, person: &str, email: &str) -> (String, String) {
    let case = send(
        app,
        officer,
        Method::POST,
        "/api/v1/requests",
        json!({"kind": "erasure", "channel": "email", "person_id": person,
               "requester_name": "Kaarina Kesken", "requester_email": email}),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hold = send(
        app,
        officer,
        Method::POST,
        &format!("/api/v1/people/{person}/legal-holds"),
        json!({"reason": "riita-asia käräjäoikeudessa", "reference": "KO 12/2026"}),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        app,
        officer,
        Method::POST,
        &format!("/api/v1/people/{person}/erasure"),
        json!({"request_id": case}),
    )
    .await
    .expect(409);
    (case, hold)
}

async fn r9_r20_the_case_a_waiting_erasure_answers_outlives_its_period(app: TestApp) {
    let officer = officer(&app).await;
    let start = today(&app);
    let (person, _) = create_person(&app, "Kaarina", "Kesken").await;
    let (case, hold) = held_request(&app, &officer, &person, "kaarina.kesken@esimerkki.fi").await;
    for (step, body) in [
        (
            "answer",
            json!({"outcome": "partly", "answer": "Poisto tehdään, kun oikeudenkäynti päättyy."}),
        ),
        ("close", json!({})),
    ] {
        send(
            &app,
            &officer,
            Method::POST,
            &format!("/api/v1/requests/{case}/{step}"),
            json!(body),
        )
        .await
        .expect(200);
    }
    // Five years and a day later the closed case's own period has run out,
    // but the erasure it asked for still waits: the case stays.
    move_to(&app, plus_months(start, 60).plus_days(1));
    run_sweep(&app).await;
    send(
        &app,
        &officer,
        Method::GET,
        &format!("/api/v1/requests/{case}"),
        json!({}),
    )
    .await
    .expect(200);
    // The hold ends: the erasure runs and the requester is told.
    send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/people/{person}/legal-holds/{hold}/end"),
        json!({}),
    )
    .await
    .expect(200);
    tick(&app).await;
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(404);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM scheduled_erasures WHERE status = 'scheduled'"
        )
        .await,
        0
    );
}

async fn r9_a_relationship_reopened_after_the_listing_is_left(app: TestApp) {
    let start = today(&app);
    let person = ended(&app, "Paavo", "Palaava", start).await;
    move_to(&app, plus_months(start, 120).plus_days(1));
    let version = app.store.retention_schedule().await.unwrap();
    let policy = version
        .schedule
        .policies
        .iter()
        .find(|p| p.category == RetentionCategory::CustomerData)
        .unwrap();
    let listed = app
        .store
        .expired(&version.schedule, policy, today(&app))
        .await
        .unwrap();
    let item = listed
        .iter()
        .find(|i| i.person_id.map(|p| p.to_string()).as_deref() == Some(person.as_str()))
        .expect("listed")
        .clone();
    // The customer comes back before the sweep reaches them.
    app.post(
        "/api/v1/orders",
        json!({"person_id": person, "number": "P-1", "ordered_on": today(&app).to_string(),
               "lines": [{"description": "Huoltosopimus", "quantity": 1, "unit_price_cents": 5000}]}),
    )
    .await
    .expect(201);
    let record = app
        .store
        .start_sweep(&system(), app.clock.now(), version.version, None)
        .await
        .unwrap()
        .unwrap();
    let applied = app
        .store
        .apply_retention(&system(), app.clock.now(), record.id, &item)
        .await
        .unwrap();
    assert_eq!(applied, Applied::Gone);
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
}

async fn r8_anonymising_clears_the_reason_the_relationship_ended(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Anni", "Aiemmin").await;
    send(
        &app,
        &app.token,
        Method::PUT,
        &format!("/api/v1/people/{person}/relationship-end"),
        json!({"reason": "Anni Aiemmin muutti Ouluun ja lopetti"}),
    )
    .await
    .expect(204);
    send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/people/{person}/anonymisation"),
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(
        find_anywhere(&app, &["muutti Ouluun"]).await,
        Vec::<String>::new()
    );
}

async fn r10_a_destroyed_paper_document_keeps_no_free_text(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Ville", "Virtanen").await;
    let doc = app
        .post(
            &format!("/api/v1/people/{person}/paper-documents"),
            json!({"kind": "Virtasen vuokrasopimus", "location": "arkisto, kansio Ville V.",
                   "keeper": "Ville V:n tiimin esihenkilö"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    erase(&app, &officer, &person).await.expect(200);
    send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/paper-documents/{doc}/destroyed"),
        json!({"destroyed_on": today(&app).to_string()}),
    )
    .await
    .expect(200);
    assert_eq!(
        find_anywhere(&app, &["Virtasen", "Ville V"]).await,
        Vec::<String>::new()
    );
    // The proof stays: which document, when, by whom.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM paper_documents WHERE destroyed_on IS NOT NULL AND destroyed_by IS NOT NULL"
        )
        .await,
        1
    );
}

async fn r9_one_failing_record_does_not_stop_the_sweep(app: TestApp) {
    let (person, _) = create_person(&app, "Kalle", "Kirjanpito").await;
    invoice(&app, &person, "F-1", "paid").await;
    invoice(&app, &person, "F-2", "paid").await;
    // The database refuses to delete F-1 (a fault the sweep cannot mend).
    let refuse: &[&str] = match app.db {
        Db::Sqlite => &[
            "CREATE TRIGGER test_refuse BEFORE DELETE ON invoices WHEN OLD.number = 'F-1' \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        ],
        Db::Postgres => &[
            "CREATE FUNCTION test_refuse() RETURNS trigger AS $$ BEGIN \
             IF OLD.number = 'F-1' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN OLD; END $$ \
             LANGUAGE plpgsql",
            "CREATE TRIGGER test_refuse BEFORE DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION test_refuse()",
        ],
    };
    for sql in refuse {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(app.store.write_pool())
            .await
            .unwrap();
    }
    // The books' ten years from the end of the financial year have run out.
    move_to(&app, Date::parse("2038-01-02").unwrap());
    let record = run_sweep(&app).await;
    assert_eq!(record.status, "done");
    assert_eq!(record.counts["accounting_books"]["delete_record"], 1);
    assert_eq!(record.counts["accounting_books"]["failed"], 1);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM invoices WHERE number = 'F-2'").await,
        0
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM invoices WHERE number = 'F-1'").await,
        1
    );
}

async fn r9_two_servers_claiming_one_day_start_one_sweep(app: TestApp) {
    let day = today(&app);
    let now = app.clock.now();
    let actor = system();
    let (a, b) = tokio::join!(
        app.store.start_sweep(&actor, now, 1, Some(day)),
        app.store.start_sweep(&actor, now, 1, Some(day)),
    );
    let started = [a.expect("no error"), b.expect("no error")]
        .into_iter()
        .flatten()
        .count();
    assert_eq!(started, 1);
}

async fn r9_b1_the_audit_cut_stops_before_the_first_row_not_yet_expired(app: TestApp) {
    let start = today(&app);
    let (person, _) = create_person(&app, "Aila", "Aikajana").await;
    let later = plus_months(start, 60).plus_days(2);
    let cutoff = later.plus_days(-1).start().micros();
    // A row written on the later day, then one from a server whose clock
    // lags by five years: its number is higher, its time older.
    move_to(&app, later);
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    move_to(&app, start);
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    move_to(&app, later);
    app.store.flush_audit().await.unwrap();
    let young = format!("SELECT COUNT(*) FROM audit_log WHERE at >= {cutoff}");
    let before = scalar(&app, &young).await;
    assert!(before >= 1);
    let sweep = run_sweep(&app).await;
    // Every young row is still there (the sweep's own rows come on top).
    let own = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) FROM audit_log WHERE at >= {cutoff} AND (record_id = '{}' OR record_type = 'retention_record')",
            sweep.id
        ),
    )
    .await;
    assert_eq!(scalar(&app, &young).await - own, before);
    assert_eq!(app.store.verify_audit().await.unwrap().first_broken, None);
}

async fn r8_a_done_letter_that_never_left_goes_after_thirty_days(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Kaarina", "Kirjeetön").await;
    let email = "kaarina.kirjeeton@esimerkki.fi";
    let (_, hold) = held_request(&app, &officer, &person, email).await;
    send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/people/{person}/legal-holds/{hold}/end"),
        json!({}),
    )
    .await
    .expect(200);
    // The erasure runs; its letter's delivery fails for good.
    rekisteri::services::periodic::tick(&app.state)
        .await
        .unwrap();
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(404);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM mail WHERE state = 'queued'").await,
        1
    );
    sqlx::query("UPDATE jobs SET state = 'failed'")
        .execute(app.store.write_pool())
        .await
        .unwrap();
    app.clock.advance_days(31);
    rekisteri::services::periodic::tick(&app.state)
        .await
        .unwrap();
    assert_eq!(find_anywhere(&app, &[email]).await, Vec::<String>::new());
}

async fn r11_the_preview_and_the_paper_tasks_are_audited_per_person(app: TestApp) {
    let officer = officer(&app).await;
    let start = today(&app);
    let expired = ended(&app, "Eero", "Erääntynyt", start).await;
    let (erased, _) = create_person(&app, "Paula", "Paperi").await;
    app.post(
        &format!("/api/v1/people/{erased}/paper-documents"),
        json!({"kind": "sopimus", "location": "kaappi 1", "keeper": "toimisto"}),
    )
    .await
    .expect(201);
    erase(&app, &officer, &erased).await.expect(200);
    send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/paper-documents/to-destroy",
        json!({}),
    )
    .await
    .expect(200);
    move_to(&app, plus_months(start, 120).plus_days(1));
    send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/retention/preview",
        json!({}),
    )
    .await
    .expect(200);
    let reads: Vec<(String, Option<String>)> = app
        .audit()
        .await
        .into_iter()
        .filter(|(action, ..)| action == "read")
        .map(|(_, record, _, person, ..)| (record, person))
        .collect();
    assert!(
        reads.contains(&("paper_document".into(), Some(erased.clone()))),
        "{reads:?}"
    );
    assert!(
        reads
            .iter()
            .any(|(_, person)| person.as_deref() == Some(expired.as_str())),
        "{reads:?}"
    );
}

async fn r10_an_erasure_case_closes_only_when_its_paper_is_destroyed(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Pirkko", "Paperinen").await;
    let doc = app
        .post(
            &format!("/api/v1/people/{person}/paper-documents"),
            json!({"kind": "sopimus", "location": "kaappi 3", "keeper": "toimisto"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let case = send(
        &app,
        &officer,
        Method::POST,
        "/api/v1/requests",
        json!({"kind": "erasure", "channel": "email", "person_id": person,
               "requester_name": "Pirkko Paperinen", "requester_email": "pirkko.paperinen@esimerkki.fi"}),
    )
    .await
    .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/people/{person}/erasure"),
        json!({"request_id": case}),
    )
    .await
    .expect(200);
    let step = |name: &'static str, body: serde_json::Value| {
        let (app, officer, case) = (&app, officer.clone(), case.clone());
        async move {
            send(
                app,
                &officer,
                Method::POST,
                &format!("/api/v1/requests/{case}/{name}"),
                body,
            )
            .await
        }
    };
    step(
        "answer",
        json!({"outcome": "fulfilled", "answer": "Tiedot poistettu."}),
    )
    .await
    .expect(200);
    // The deadline board tells the officer a destruction waits.
    app.user_with_password(
        "valvoja",
        rekisteri_domain::Role::PrivacyOfficer,
        "pitkä salasana 2026",
    )
    .await;
    let browser = app.browser("valvoja", "pitkä salasana 2026").await;
    let board = app
        .send_in(&browser, Method::GET, "/requests", None)
        .await
        .expect(200);
    let board = board.as_str().unwrap();
    assert!(
        board.contains("1 paperiasiakirjaa odottaa") || board.contains("1 paper documents wait"),
        "{board}"
    );
    // The case does not close before the paper is destroyed.
    let refused = step("close", json!({})).await.expect(422);
    assert_eq!(refused["error"]["field"], "status");
    send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/paper-documents/{doc}/destroyed"),
        json!({"destroyed_on": today(&app).to_string()}),
    )
    .await
    .expect(200);
    step("close", json!({})).await.expect(200);
}
