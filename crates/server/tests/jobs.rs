//! The job runner as the server runs it (issue 13): a letter whose SMTP
//! server is away is retried with backoff, lands in a visible failed state
//! after the last try, and the admin sees it and retries it — on the API,
//! the `/admin/jobs` page (Finnish and English) and the command line.

mod common;
#[path = "common/pages.rs"]
mod pages;

use common::{TestApp, cli};
use pages::{page, submit};
use rekisteri::mail::Mailer;
use rekisteri_domain::job::{JobState, MAX_TRIES, backoff_micros};
use rekisteri_domain::mail::{Addressee, Letter, MailKind, MailState};
use rekisteri_domain::{Clock, Role};
use reqwest::Method;

on_both_backends!(
    i13_a_letter_whose_smtp_server_is_away_is_retried_then_fails_visibly_and_is_retried_by_the_admin,
    i13_the_job_queue_is_the_admins,
);

const PASSWORD: &str = "jonossa odottaa kirje postiin";

fn letter() -> Letter {
    Letter {
        kind: MailKind::RequestAnswer,
        to: Addressee::Email("maija.meikalainen@esimerkki.fi".into()),
        subject: "Vastaus pyyntöönne / The answer to your request".into(),
        body: "Hei, tässä vastaus.".into(),
        about: None,
    }
}

/// An SMTP address nothing listens on: every try is refused at once.
fn smtp_away() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("smtp://127.0.0.1:{port}")
}

async fn i13_a_letter_whose_smtp_server_is_away_is_retried_then_fails_visibly_and_is_retried_by_the_admin(
    app: TestApp,
) {
    let mut away = app.state.clone();
    away.mailer = Mailer::new("rekisteri@example.fi")
        .unwrap()
        .with_smtp(&smtp_away())
        .unwrap();
    app.store
        .queue_mail(app.clock.now(), &[letter()], &[], None)
        .await
        .unwrap();
    for tries in 1..=MAX_TRIES {
        let ran = rekisteri::services::jobs::run_due(&away, "away")
            .await
            .unwrap();
        assert_eq!((ran.done, ran.failed), (0, 1), "try {tries}");
        // Not again before its wait is over.
        let again = rekisteri::services::jobs::run_due(&away, "away")
            .await
            .unwrap();
        assert_eq!(again.failed, 0, "try {tries} waits");
        app.clock.advance_micros(backoff_micros(tries));
    }
    let failed = app
        .store
        .jobs(Some(JobState::Failed), &Default::default())
        .await
        .unwrap()
        .items;
    assert_eq!(failed.len(), 1);
    let job = &failed[0];
    assert_eq!(job.tries, MAX_TRIES);
    let error = job.last_error.as_deref().unwrap_or_default();
    assert!(error.contains("SMTP"), "{error}");
    assert!(
        !error.contains("maija"),
        "no address in the job's error: {error}"
    );

    // The admin sees it: the API with its counts, the page in both languages.
    app.user_with_password("paakayttaja", Role::Admin, PASSWORD)
        .await;
    let admin = app.browser("paakayttaja", PASSWORD).await;
    let listed = app
        .send_in(&admin, Method::GET, "/api/v1/jobs?state=failed", None)
        .await
        .expect(200);
    assert_eq!(listed["items"][0]["id"], job.id.to_string());
    assert_eq!(listed["items"][0]["kind"], "deliver_mail");
    let failed_count = listed["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == "failed")
        .unwrap()["count"]
        .clone();
    assert_eq!(failed_count, 1);
    let fi = page(&app, &admin, "fi", "/admin/jobs?state=failed").await;
    assert_eq!(fi.status, 200);
    assert!(fi.body.contains("epäonnistui"), "{}", fi.body);
    assert!(fi.body.contains("kirjeen lähetys"));
    assert!(fi.body.contains("Yritä uudelleen"));
    let en = page(&app, &admin, "en", "/admin/jobs").await;
    assert!(en.body.contains("letter delivered") && en.body.contains("Retry"));
    assert!(en.body.contains("SMTP server refused"), "{}", en.body);

    // Retried on the page: pending again with its tries anew, audited.
    let retried = submit(
        &app,
        &admin,
        "fi",
        &format!("/admin/jobs/{}/retry", job.id),
        &[],
    )
    .await;
    assert_eq!(retried.status, 303, "{}", retried.body);
    let again = app.store.job(job.id).await.unwrap();
    assert_eq!((again.state, again.tries), (JobState::Pending, 0));
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|e| e.0 == "retry" && e.2 == job.id.to_string()),
        "the retry is audited"
    );
    // A job that has not failed is not retried.
    app.send_in(
        &admin,
        Method::POST,
        &format!("/api/v1/jobs/{}/retry", job.id),
        None,
    )
    .await
    .expect(409);
    // With the server back (here: no SMTP, the letter kept for the
    // outbox), it goes once.
    let letters = app.outbox.list().await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].state, MailState::Kept);
    assert_eq!(app.store.job(job.id).await.unwrap().state, JobState::Done);
}

async fn i13_the_job_queue_is_the_admins(app: TestApp) {
    let staff = app.user("toimisto", Role::Staff).await;
    let officer = app.user("tietosuoja", Role::PrivacyOfficer).await;
    let admin = app.user("yllapito", Role::Admin).await;
    for token in [&staff, &officer] {
        app.send(Method::GET, "/api/v1/jobs", Some(token), None, None)
            .await
            .expect(403);
    }
    let listed = app
        .send(
            Method::GET,
            "/api/v1/jobs?state=waiting",
            Some(&admin),
            None,
            None,
        )
        .await
        .expect(422);
    assert_eq!(listed["error"]["field"], "state", "{listed}");
    app.send(Method::GET, "/api/v1/jobs", Some(&admin), None, None)
        .await
        .expect(200);
    // The command line lists the queue, and refuses a state it does not know.
    app.store
        .queue_mail(app.clock.now(), &[letter()], &[], None)
        .await
        .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rekisteri"))
        .args(["--database-url", &app.database_url, "jobs", "list"])
        .env("REKISTERI_DATA_DIR", app.data_dir())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("deliver_mail") && text.contains("pending"),
        "{text}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rekisteri"))
        .args([
            "--database-url",
            &app.database_url,
            "jobs",
            "list",
            "--state",
            "odottaa",
        ])
        .env("REKISTERI_DATA_DIR", app.data_dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--state"));
    let _ = cli();
}
