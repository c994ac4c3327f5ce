//! Retention that runs itself (R9), on both databases: the clock moves ten
//! years and a day past a relationship's end, and the sweep erases the
//! unheld and leaves the held, exactly as its dry run listed; the review
//! list of quiet relationships; the schedule as versioned configuration
//! the access report reads. The audit log's retention and the daily job:
//! `retention_audit.rs`.

mod common;
#[path = "common/erasing.rs"]
mod erasing;
#[path = "common/retaining.rs"]
mod retaining;
#[path = "common/scan.rs"]
mod scan;

use common::{TestApp, create_person};
use erasing::{invoice, officer};
use rekisteri_domain::Role;
use rekisteri_domain::retention::plus_months;
use reqwest::Method;
use retaining::{ended, move_to, run_sweep, send, today};
use scan::find_anywhere;
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_backends!(
    r9_ten_years_and_a_day_after_the_end_the_unheld_go_and_the_dry_run_listed_it,
    r9_quiet_relationships_are_reviewed_and_an_order_reopens_one,
    r9_the_schedule_is_checked_versioned_and_read_by_the_report,
);

fn keys(items: &[Value]) -> BTreeSet<(String, String, String, String)> {
    items
        .iter()
        .map(|i| {
            (
                i["category"].as_str().unwrap().to_string(),
                i["record_type"].as_str().unwrap().to_string(),
                i["record_id"].as_str().unwrap().to_string(),
                i["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn r9_ten_years_and_a_day_after_the_end_the_unheld_go_and_the_dry_run_listed_it(
    app: TestApp,
) {
    let officer = officer(&app).await;
    let end = today(&app);
    let gone = ended(&app, "Aatu", "Vanhanen", end).await;
    let legal = ended(&app, "Bertta", "Riitanen", end).await;
    let owing = ended(&app, "Celsius", "Velkanen", end).await;
    let (open, _) = create_person(&app, "Doris", "Jatkuva").await;
    send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/people/{legal}/legal-holds"),
        json!({"reason": "riita laskusta käräjäoikeudessa", "reference": "KO 123/2026"}),
    )
    .await
    .expect(201);
    invoice(&app, &owing, "L-700", "open").await;
    move_to(&app, end.plus_days(2));
    let later = ended(&app, "Eemil", "Myohanen", end.plus_days(2)).await;

    // The day the period ends nothing has expired yet.
    move_to(&app, plus_months(end, 120));
    let preview = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/retention/preview",
        json!({}),
    )
    .await
    .expect(200);
    let customers: Vec<&Value> = preview["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["category"] == "customer_data")
        .collect();
    assert!(customers.is_empty(), "{customers:?}");

    // A day later: the three ended then have expired; two are held.
    move_to(&app, plus_months(end, 120).plus_days(1));
    let preview = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/retention/preview",
        json!({}),
    )
    .await
    .expect(200);
    let items = preview["items"].as_array().unwrap().clone();
    let customers: Vec<&Value> = items
        .iter()
        .filter(|i| i["category"] == "customer_data")
        .collect();
    let ids: BTreeSet<&str> = customers
        .iter()
        .map(|i| i["record_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        BTreeSet::from([gone.as_str(), legal.as_str(), owing.as_str()])
    );
    for item in &customers {
        assert_eq!(item["anchor_on"], json!(end.to_string()));
        assert_eq!(item["expires_on"], json!(plus_months(end, 120).to_string()));
        assert_eq!(item["action"], "erase_person");
    }
    let holds_of = |id: &str| -> Vec<String> {
        customers.iter().find(|i| i["record_id"] == id).unwrap()["holds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(holds_of(&gone).is_empty());
    assert_eq!(holds_of(&legal), ["legal_hold"]);
    assert_eq!(holds_of(&owing), ["open_invoice"]);
    // The CSV says the same.
    let csv = app
        .client
        .get(format!("{}/api/v1/retention/preview?format=csv", app.base))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with(
        "category,record_type,record_id,person_id,anchor_on,expires_on,action,rows,holds"
    ));
    assert!(csv.contains(&format!("customer_data,person,{legal},{legal},{end}")));
    assert!(csv.contains("legal_hold"));
    // Staff may not see it; the admin reads it.
    app.get("/api/v1/retention/preview").await.expect(403);

    let record = run_sweep(&app).await;
    assert_eq!(record.status, "done");
    assert_eq!(record.counts["customer_data"]["erase_person"], 1);
    assert_eq!(record.counts["customer_data"]["held"], 2);
    let shown = send(
        &app,
        &officer,
        Method::GET,
        &format!("/api/v1/retention/sweeps/{}", record.id),
        json!({}),
    )
    .await
    .expect(200);
    let unheld: Vec<Value> = items
        .iter()
        .filter(|i| i["holds"].as_array().unwrap().is_empty())
        .cloned()
        .collect();
    assert_eq!(
        keys(shown["items"].as_array().unwrap()),
        keys(&unheld),
        "the run did exactly what the dry run listed"
    );

    app.get(&format!("/api/v1/people/{gone}")).await.expect(404);
    for kept in [&legal, &owing, &later, &open] {
        app.get(&format!("/api/v1/people/{kept}")).await.expect(200);
    }
    let left = find_anywhere(&app, &["Vanhanen", "aatu.vanhanen@esimerkki.fi"]).await;
    assert!(left.is_empty(), "the erased person is still in {left:?}");
    assert!(app.count("erasure_tombstones").await >= 1);
    // The run is audited as one sweep, started and finished.
    let audit = app.audit().await;
    let sweep_id = record.id.to_string();
    let sweep_rows: Vec<_> = audit
        .iter()
        .filter(|(_, kind, id, ..)| kind == "retention_sweep" && *id == sweep_id)
        .collect();
    assert_eq!(sweep_rows.len(), 2, "{sweep_rows:?}");
    assert!(
        audit
            .iter()
            .any(|(action, record, id, ..)| action == "erase" && record == "person" && *id == gone)
    );
    // Nothing is left to do; the history lists the run.
    let again = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/retention/preview",
        json!({}),
    )
    .await
    .expect(200);
    assert!(
        again["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| !i["holds"].as_array().unwrap().is_empty())
    );
    let history = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/retention/sweeps",
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(history[0]["id"], json!(record.id.to_string()));
    let verify = app
        .send(
            Method::GET,
            "/api/v1/audit/verify",
            Some(&officer),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(verify["intact"], true, "{verify}");
}

async fn r9_quiet_relationships_are_reviewed_and_an_order_reopens_one(app: TestApp) {
    let officer = officer(&app).await;
    let start = today(&app);
    let (quiet, _) = create_person(&app, "Hilja", "Hiljainen").await;
    let (busy, _) = create_person(&app, "Vilja", "Vilkas").await;
    let list = |body: Value| -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|r| r["person_id"].as_str().unwrap().to_string())
            .collect()
    };
    move_to(&app, plus_months(start, 12));
    app.post(
        "/api/v1/notes",
        json!({"person_id": busy, "kind": "meeting_note", "body": "Tapaaminen"}),
    )
    .await
    .expect(201);
    move_to(&app, plus_months(start, 24).plus_days(1));
    let review = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/retention/review",
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(list(review.clone()), std::slice::from_ref(&quiet));
    assert_eq!(review[0]["last_active_on"], json!(start.to_string()));
    app.get("/api/v1/retention/review").await.expect(403);

    // Dismissed: off the list for another 24 months.
    send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/retention/review/{quiet}/dismiss"),
        json!({}),
    )
    .await
    .expect(204);
    let review = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/retention/review",
        json!({}),
    )
    .await
    .expect(200);
    assert!(list(review).is_empty());
    move_to(&app, plus_months(start, 48).plus_days(2));
    let review = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/retention/review",
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(list(review), [quiet.clone(), busy.clone()]);

    // Confirmed with the last activity's day: the end is recorded.
    send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/retention/review/{quiet}/confirm"),
        json!({"ended_on": start.to_string(), "reason": "ei tilauksia kahteen vuoteen"}),
    )
    .await
    .expect(204);
    let person = app
        .get(&format!("/api/v1/people/{quiet}"))
        .await
        .expect(200);
    assert_eq!(person["relationship_ended_on"], json!(start.to_string()));
    let bad = send(
        &app,
        &officer,
        Method::POST,
        &format!("/api/v1/retention/review/{busy}/confirm"),
        json!({"ended_on": "2999-01-01"}),
    )
    .await
    .expect(422);
    let fields: Vec<&str> = bad["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["ended_on", "reason"]);

    // A new order reopens it (and is activity).
    app.post(
        "/api/v1/orders",
        json!({"person_id": quiet, "number": "T-1", "ordered_on": today(&app).to_string(),
               "lines": [{"description": "Vuosilisenssi", "quantity": 1, "unit_price_cents": 1000}]}),
    )
    .await
    .expect(201);
    let person = app
        .get(&format!("/api/v1/people/{quiet}"))
        .await
        .expect(200);
    assert_eq!(person["relationship_ended_on"], Value::Null);
    let review = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/retention/review",
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(list(review), [busy]);
}

async fn r9_the_schedule_is_checked_versioned_and_read_by_the_report(app: TestApp) {
    let admin = app.user("paakayttaja", Role::Admin).await;
    let current = send(
        &app,
        &admin,
        Method::GET,
        "/api/v1/settings/retention",
        json!({}),
    )
    .await;
    let etag = current.etag();
    let current = current.expect(200);
    assert_eq!(current["version"], 0);
    let mut schedule = current["schedule"].clone();
    // The Accounting Act's minimum is refused, named by path.
    schedule["policies"][1]["months"] = json!(24);
    schedule["policies"][0]["reason_en"] = json!(" ");
    let refused = app
        .send(
            Method::PUT,
            "/api/v1/settings/retention",
            Some(&admin),
            Some(&etag),
            Some(schedule.clone()),
        )
        .await
        .expect(422);
    let fields: Vec<&str> = refused["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["policies[0].reason_en", "policies[1].months"]);
    schedule["policies"][1]["months"] = json!(132);
    schedule["policies"][0]["reason_en"] = json!("Kept 8 years from the end of the relationship.");
    schedule["policies"][0]["reason_fi"] =
        json!("Säilytetään 8 vuotta asiakassuhteen päättymisestä.");
    schedule["policies"][0]["months"] = json!(96);
    let saved = app
        .send(
            Method::PUT,
            "/api/v1/settings/retention",
            Some(&admin),
            Some(&etag),
            Some(schedule.clone()),
        )
        .await
        .expect(200);
    assert_eq!(saved["version"], 1);
    // A stale version is 412, not an overwrite.
    app.send(
        Method::PUT,
        "/api/v1/settings/retention",
        Some(&admin),
        Some(&etag),
        Some(schedule),
    )
    .await
    .expect(412);
    let versions = send(
        &app,
        &admin,
        Method::GET,
        "/api/v1/settings/retention/versions",
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(versions.as_array().unwrap().len(), 1);
    // Staff may not change it.
    app.send(
        Method::PUT,
        "/api/v1/settings/retention",
        Some(&app.token),
        Some("\"1\""),
        Some(saved["schedule"].clone()),
    )
    .await
    .expect(403);
    assert!(
        app.audit()
            .await
            .iter()
            .any(|(action, _, id, ..)| action == "setting" && id == "retention_schedules:1")
    );

    // The access report states the schedule in force, in both languages.
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Raili", "Raportti").await;
    let report = send(
        &app,
        &officer,
        Method::GET,
        &format!("/api/v1/people/{person}/report"),
        json!({}),
    )
    .await
    .expect(200);
    let customer = &report["processing"]["retention"][0];
    assert_eq!(customer["category"], "customer_data");
    assert_eq!(customer["months"], 96);
    assert_eq!(
        report["processing"]["retention"].as_array().unwrap().len(),
        7
    );
    for (lang, words) in [("fi", "8 vuotta"), ("en", "8 years")] {
        let html = app
            .client
            .get(format!(
                "{}/api/v1/people/{person}/report?format=html&lang={lang}",
                app.base
            ))
            .bearer_auth(&officer)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(words), "{lang}: {words}");
    }
}
