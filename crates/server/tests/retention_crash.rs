//! A retention sweep killed with SIGKILL midway (R9): no person is left
//! half-erased, and the next run finishes the rest — on both databases,
//! with real `rekisteri retention run` processes.

mod common;

use common::TestApp;
use std::time::Duration;

on_both_backends!(r9_a_sweep_killed_midway_leaves_no_half_erased_person_and_the_next_finishes,);

async fn r9_a_sweep_killed_midway_leaves_no_half_erased_person_and_the_next_finishes(app: TestApp) {
    let filled = app.run(&["demo", "--people", "1500"]).await;
    assert!(filled.status.success(), "{filled:?}");
    // Every relationship ended long ago: all but the held have expired.
    sqlx::query(
        "UPDATE people SET relationship_started_on = NULL, relationship_ended_on = '2010-01-01'",
    )
    .execute(app.store.write_pool())
    .await
    .unwrap();
    let people = app.scalar("SELECT COUNT(*) AS n FROM people").await;
    assert_eq!(app.half_stored_people().await, 0);

    let mut child = app
        .command(&["retention", "run"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the sweep starts");
    let mut erased = 0;
    for _ in 0..600 {
        erased = app
            .scalar(
                "SELECT COUNT(*) AS n FROM retention_sweep_items WHERE category = 'customer_data'",
            )
            .await;
        if erased >= 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(erased >= 100, "the sweep got going");
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    let gone_now = people - app.scalar("SELECT COUNT(*) AS n FROM people").await;
    let recorded = app
        .scalar("SELECT COUNT(*) AS n FROM retention_sweep_items WHERE category = 'customer_data'")
        .await;
    assert!(gone_now < people, "killed midway: {gone_now} of {people}");
    assert_eq!(
        gone_now, recorded,
        "every erasure is recorded with its item"
    );
    assert_eq!(app.half_stored_people().await, 0);

    let finished = app.run(&["retention", "run"]).await;
    assert!(finished.status.success(), "{finished:?}");
    let left: i64 = app.scalar("SELECT COUNT(*) AS n FROM people").await;
    let dry = app
        .run(&["retention", "run", "--dry-run", "--format", "json"])
        .await;
    assert!(dry.status.success(), "{dry:?}");
    let preview: serde_json::Value = serde_json::from_slice(&dry.stdout).expect("JSON");
    let customers: Vec<&serde_json::Value> = preview["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["category"] == "customer_data")
        .collect();
    assert!(
        customers
            .iter()
            .all(|i| !i["holds"].as_array().unwrap().is_empty()),
        "only held people are still expired"
    );
    assert_eq!(left, customers.len() as i64, "only the held are left");
    assert_eq!(app.half_stored_people().await, 0);
    let items = app
        .scalar("SELECT COUNT(*) AS n FROM retention_sweep_items WHERE category = 'customer_data'")
        .await;
    let distinct = app.scalar("SELECT COUNT(DISTINCT record_id) AS n FROM retention_sweep_items WHERE category = 'customer_data'",
    )
    .await;
    assert_eq!(items, people - left);
    assert_eq!(items, distinct, "no one erased twice");
    // The journal file holds each erasure once, in order, torn append or not.
    let journal = rekisteri::journal::ErasureJournal::at(app.journal_path())
        .read()
        .expect("a whole journal");
    let erasures = journal
        .entries
        .iter()
        .filter(|e| e.record_type == "person")
        .count() as i64;
    assert_eq!(erasures, items);
    let verify = app.run(&["audit", "verify"]).await;
    assert!(verify.status.success(), "{verify:?}");
}
