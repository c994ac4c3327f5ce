//! Mail by SMTP against a real server (CI starts aiosmtpd and names it in
//! `REKISTERI_TEST_SMTP`, with the maildir it delivers to in
//! `REKISTERI_TEST_SMTP_MAILDIR`): the officer's deadline reminder (B4)
//! leaves the app through lettre's SMTP exchange and arrives whole.

mod common;

use common::{Db, TestApp};
use rekisteri::mail::Mailer;
use rekisteri_domain::Role;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

/// The SMTP server and its maildir, or `None` outside CI when not set.
fn smtp_server() -> Option<(String, PathBuf)> {
    match (
        std::env::var("REKISTERI_TEST_SMTP"),
        std::env::var("REKISTERI_TEST_SMTP_MAILDIR"),
    ) {
        (Ok(url), Ok(dir)) if !url.is_empty() => Some((url, PathBuf::from(dir))),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but REKISTERI_TEST_SMTP is not set: the SMTP path must be tested")
        }
        _ => None,
    }
}

/// The delivered message containing `needle`, waiting up to 20 s.
async fn delivered(maildir: &std::path::Path, needle: &str) -> String {
    for _ in 0..100 {
        if let Ok(entries) = std::fs::read_dir(maildir.join("new")) {
            for entry in entries.flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if text.contains(needle) {
                    return text;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "no message containing {needle} arrived in {}",
        maildir.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b4_a_reminder_goes_to_the_officer_by_smtp() {
    let Some((url, maildir)) = smtp_server() else {
        eprintln!("skipped: set REKISTERI_TEST_SMTP to test the SMTP path");
        return;
    };
    let app = TestApp::spawn(Db::Sqlite).await.expect("app");
    let officer = app.user("tietosuoja", Role::PrivacyOfficer).await;
    let case = app
        .send(
            reqwest::Method::POST,
            "/api/v1/requests",
            Some(&officer),
            None,
            Some(json!({"kind": "access", "channel": "letter", "requester_name": "Sanni Smtp"})),
        )
        .await
        .expect(201);
    let id = case["id"].as_str().unwrap().to_string();
    // The app's own state with SMTP configured, as `serve --smtp-url` makes it.
    let mut state = app.state.clone();
    state.mailer = Mailer::new("rekisteri@example.fi")
        .unwrap()
        .with_smtp(&url)
        .unwrap();
    app.clock.advance_days(14);
    let round = rekisteri::services::periodic::tick(&state).await.unwrap();
    assert_eq!(round.reminded, 1);
    // The reminder is a letter with its delivery job: the runner sends it
    // (and runs the day's retention sweep the round queued).
    let ran = rekisteri::services::jobs::run_due(&state, "smtp-test")
        .await
        .unwrap();
    assert_eq!((ran.done, ran.failed), (2, 0));
    let message = delivered(&maildir, &id).await;
    assert!(
        message.contains("To: annika.kettunen@mediateko.fi"),
        "{message}"
    );
    assert!(message.contains("From: rekisteri@example.fi"));
    assert!(message.contains("2026-12-15"));
    // SMTP carried it: the outbox keeps it as sent, not to be read there.
    let letters = app.outbox.list().await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].state, rekisteri_domain::mail::MailState::Sent);
}

/// R8, R21: the letter telling a requester their held erasure has run
/// leaves by SMTP, and then the register keeps nothing of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r8_r21_the_done_letter_to_an_erased_requester_goes_once_sent() {
    let Some((url, maildir)) = smtp_server() else {
        eprintln!("skipped: set REKISTERI_TEST_SMTP to test the SMTP path");
        return;
    };
    let app = TestApp::spawn(Db::Sqlite).await.expect("app");
    let officer = app.user("tietosuoja", Role::PrivacyOfficer).await;
    let (person, _) = common::create_person(&app, "Senja", "Smtpvaara").await;
    let case = as_officer(
        &app,
        &officer,
        "/api/v1/requests".into(),
        json!({"kind": "erasure", "channel": "email", "person_id": person,
               "requester_email": "senja.smtpvaara@esimerkki.fi"}),
    )
    .await
    .expect(201);
    let hold = as_officer(
        &app,
        &officer,
        format!("/api/v1/people/{person}/legal-holds"),
        json!({"reason": "riita", "reference": "KO 1/2026"}),
    )
    .await
    .expect(201);
    as_officer(
        &app,
        &officer,
        format!("/api/v1/people/{person}/erasure"),
        json!({"request_id": case["id"]}),
    )
    .await
    .expect(409);
    as_officer(
        &app,
        &officer,
        format!(
            "/api/v1/people/{person}/legal-holds/{}/end",
            hold["id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await
    .expect(200);
    let mut state = app.state.clone();
    state.mailer = Mailer::new("rekisteri@example.fi")
        .unwrap()
        .with_smtp(&url)
        .unwrap();
    // The re-check erases and writes the letter; then it is delivered.
    for _ in 0..3 {
        rekisteri::services::jobs::run_due(&state, "smtp-done")
            .await
            .unwrap();
    }
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(404);
    let message = delivered(&maildir, "To: senja.smtpvaara@esimerkki.fi").await;
    assert!(message.contains("From: rekisteri@example.fi"), "{message}");
    assert_eq!(app.count("mail").await, 0, "nothing of the letter stays");
}

async fn as_officer(
    app: &TestApp,
    officer: &str,
    path: String,
    body: serde_json::Value,
) -> common::Reply {
    app.send(
        reqwest::Method::POST,
        &path,
        Some(officer),
        None,
        Some(body),
    )
    .await
}
