//! The audit log under retention (R9, B1) and the daily sweep as a job,
//! on both databases: old rows cut at a checkpoint that `audit verify`
//! starts from, a truncated tail caught; one sweep a day across servers.

mod common;
#[path = "common/erasing.rs"]
mod erasing;
#[path = "common/retaining.rs"]
mod retaining;

use common::{Db, TestApp, create_person};
use erasing::officer;
use rekisteri_domain::Date;
use rekisteri_domain::retention::plus_months;
use rekisteri_domain::values::Parse;
use reqwest::Method;
use retaining::{ended, move_to, run_sweep, scalar, send, today};
use serde_json::{Value, json};

on_both_backends!(
    r9_b1_the_audit_log_is_cut_at_a_checkpoint_and_a_truncated_tail_is_caught,
    r9_the_daily_sweep_runs_once_as_a_job,
);

async fn r9_b1_the_audit_log_is_cut_at_a_checkpoint_and_a_truncated_tail_is_caught(app: TestApp) {
    let officer = officer(&app).await;
    let start = today(&app);
    let (person, _) = create_person(&app, "Lauri", "Lokinen").await;
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    let old_rows = app.count("audit_log").await;
    // Five years and a day later the old rows have expired.
    move_to(&app, plus_months(start, 60).plus_days(1));
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    let record = run_sweep(&app).await;
    assert_eq!(record.counts["audit_log"]["delete_record"] as i64, old_rows);
    let checkpoint = app
        .store
        .audit_checkpoint()
        .await
        .unwrap()
        .expect("a checkpoint");
    assert_eq!(checkpoint.rows_cut, old_rows);
    let report = app.store.verify_audit().await.unwrap();
    assert_eq!(report.first_broken, None, "{report:?}");
    assert_eq!(
        report.checkpoint.as_ref().map(|c| c.through_seq),
        Some(checkpoint.through_seq)
    );
    assert!(report.head_checked.is_some());
    let min_seq = scalar(&app, "SELECT MIN(seq) AS n FROM audit_log").await;
    assert!(min_seq > checkpoint.through_seq);
    // The trigger lets no row past the checkpoint go.
    assert!(
        sqlx::query("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
            .execute(app.store.write_pool())
            .await
            .is_err()
    );
    // With file access the trigger can go; the tail cut off is caught.
    let drop_trigger = match app.db {
        Db::Sqlite => "DROP TRIGGER audit_log_no_delete",
        Db::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
    };
    sqlx::query(drop_trigger)
        .execute(app.store.write_pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 2 FROM audit_log)")
        .execute(app.store.write_pool())
        .await
        .unwrap();
    let report = app.store.verify_audit().await.unwrap();
    let (_, why) = report.first_broken.expect("the truncation is caught");
    assert!(why.contains("removed from its end"), "{why}");
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
    assert_eq!(verify["intact"], false);
}

async fn r9_the_daily_sweep_runs_once_as_a_job(app: TestApp) {
    let officer = officer(&app).await;
    let end = Date::parse("2010-03-01").unwrap();
    let gone = ended(&app, "Olli", "Unohdettu", end).await;
    // Two rounds (two servers) queue one job for the day.
    rekisteri::services::periodic::tick(&app.state)
        .await
        .unwrap();
    rekisteri::services::periodic::tick(&app.state)
        .await
        .unwrap();
    let queued = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'retention_sweep'",
    )
    .await;
    assert_eq!(queued, 1);
    app.outbox.run_jobs().await;
    app.get(&format!("/api/v1/people/{gone}")).await.expect(404);
    rekisteri::services::periodic::tick(&app.state)
        .await
        .unwrap();
    let queued = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'retention_sweep' AND state = 'pending'",
    )
    .await;
    assert_eq!(queued, 0, "the day's sweep ran: nothing more is queued");
    let history = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/retention/sweeps",
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["daily_on"], json!(today(&app).to_string()));
    // The officer asks for one more: a job, 202.
    let asked = send(
        &app,
        &officer,
        Method::POST,
        "/api/v1/retention/sweeps",
        json!({}),
    )
    .await
    .expect(202);
    assert!(asked["job_id"].is_string());
    app.outbox.run_jobs().await;
    let history = send(
        &app,
        &officer,
        Method::GET,
        "/api/v1/retention/sweeps",
        json!({}),
    )
    .await
    .expect(200);
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[0]["daily_on"], Value::Null);
}
