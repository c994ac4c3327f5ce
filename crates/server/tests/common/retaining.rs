//! What the retention tests share (`retention.rs`, `retention_audit.rs`):
//! the clock moved to a day, relationships ended over the API, a sweep run
//! as the daily job runs it, a number read from the database.

#![allow(dead_code)]

use crate::common::{Reply, TestApp, create_person};
use rekisteri::services::jobs::system;
use rekisteri::services::retention::sweep;
use rekisteri_domain::{Clock, Date, Timestamp};
use reqwest::Method;
use serde_json::{Value, json};

pub fn today(app: &TestApp) -> Date {
    app.clock.now().date()
}

/// Moves the clock to noon of `day`.
pub fn move_to(app: &TestApp, day: Date) {
    app.clock.set(Timestamp::from_micros(
        day.start().micros() + 12 * 3_600_000_000,
    ));
}

pub async fn send(app: &TestApp, token: &str, method: Method, path: &str, body: Value) -> Reply {
    app.send(method, path, Some(token), None, Some(body)).await
}

/// A person whose relationship ended on `ended`.
pub async fn ended(app: &TestApp, first: &str, last: &str, ended: Date) -> String {
    let (id, _) = create_person(app, first, last).await;
    app.send(
        Method::PUT,
        &format!("/api/v1/people/{id}/relationship-end"),
        Some(&app.token),
        None,
        Some(json!({"ended_on": ended.to_string(), "reason": "asiakas lopetti tilauksen"})),
    )
    .await
    .expect(204);
    id
}

pub async fn run_sweep(app: &TestApp) -> rekisteri_store::SweepRecord {
    sweep(&app.store, app.clock.as_ref(), &system(), None, &|_, _| {})
        .await
        .expect("the sweep runs")
        .expect("a sweep by hand always starts")
}

pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(app.store.read_pool())
        .await
        .expect("a number")
        .get::<i64, _>(0)
}
