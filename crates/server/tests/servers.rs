//! Work that survives a crash and a second server (issue 13), with real
//! `rekisteri serve` processes on the test's database: a letter committed
//! just before a `kill -9` goes out once after the restart; two servers on
//! one PostgreSQL run each job once and stop a revoked token within the
//! token cache's 10 s.

mod common;
#[path = "common/servers.rs"]
mod servers;

use common::{Db, TestApp};
use rekisteri_domain::Role;
use rekisteri_domain::job::JobState;
use rekisteri_domain::mail::MailState;
use reqwest::Method;
use serde_json::json;
use servers::Server;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The CI's SMTP server and its maildir, when set.
fn smtp() -> Option<(String, PathBuf)> {
    match (
        std::env::var("REKISTERI_TEST_SMTP"),
        std::env::var("REKISTERI_TEST_SMTP_MAILDIR"),
    ) {
        (Ok(url), Ok(dir)) if !url.is_empty() => Some((url, PathBuf::from(dir))),
        _ => None,
    }
}

/// Messages in the maildir that contain `needle`.
fn delivered(maildir: &std::path::Path, needle: &str) -> usize {
    std::fs::read_dir(maildir.join("new"))
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    std::fs::read_to_string(e.path()).is_ok_and(|text| text.contains(needle))
                })
                .count()
        })
        .unwrap_or(0)
}

/// Records a request and extends it: the extension's letter to the
/// requester is written in the step's transaction. Answers the case id.
async fn case_with_a_letter(server: &Server, officer: &str, email: &str) -> String {
    let (status, case) = server
        .send(
            Method::POST,
            "/api/v1/requests",
            officer,
            Some(json!({"kind": "access", "channel": "email",
                        "requester_name": "Kirsi Kaatuva", "requester_email": email})),
        )
        .await;
    assert_eq!(status, 201, "{case}");
    let id = case["id"].as_str().unwrap().to_string();
    let to = rekisteri::SystemClock.now().date().plus_days(40);
    let (status, extended) = server
        .send(
            Method::POST,
            &format!("/api/v1/requests/{id}/extend"),
            officer,
            Some(json!({"extended_to": to.to_string(), "reason": "Arkisto on suljettu."})),
        )
        .await;
    assert_eq!(status, 200, "{extended}");
    id
}

use rekisteri_domain::Clock;

fn all() -> rekisteri_store::PageRequest {
    rekisteri_store::PageRequest {
        after: None,
        limit: 500,
        bulk: false,
    }
}

/// Every letter of the outbox whose subject names `case`.
async fn letters_of(app: &TestApp, case: &str) -> Vec<rekisteri_store::MailRecord> {
    let page = rekisteri_store::PageRequest {
        after: None,
        limit: 500,
        bulk: false,
    };
    app.store
        .outbox(&common::cli(), app.clock.now(), None, &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|m| m.subject.contains(case))
        .collect()
}

async fn r14_a_letter_committed_before_a_kill_goes_out_once_after_the_restart(db: Db) {
    let Some(app) = TestApp::spawn(db).await else {
        eprintln!("skipped: set REKISTERI_TEST_POSTGRES to run on PostgreSQL");
        return;
    };
    let officer = app.user("tietosuoja", Role::PrivacyOfficer).await;
    // A server that runs no jobs: the letter is committed, nothing sends it.
    let first = Server::start(&app, &["--no-jobs"]).await;
    let case = case_with_a_letter(&first, &officer, "kirsi.kaatuva@esimerkki.fi").await;
    first.kill().await;
    let waiting = letters_of(&app, &case).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].state, MailState::Queued);

    // Restarted, with SMTP where CI has it: the letter goes, once.
    let smtp = smtp();
    let mut args = vec![];
    if let Some((url, _)) = &smtp {
        args.extend(["--smtp-url", url.as_str()]);
    }
    let second = Server::start(&app, &args).await;
    let started = Instant::now();
    let left = loop {
        let letters = letters_of(&app, &case).await;
        if letters.iter().all(|m| m.state != MailState::Queued)
            || started.elapsed() > Duration::from_secs(30)
        {
            break letters;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(left.len(), 1);
    let expected = if smtp.is_some() {
        MailState::Sent
    } else {
        MailState::Kept
    };
    let jobs = app.store.jobs(None, &all()).await.unwrap().items;
    assert_eq!(left[0].state, expected, "{jobs:?}");
    if let Some((_, maildir)) = &smtp {
        for _ in 0..50 {
            if delivered(maildir, &case) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // A few more rounds of the runner: still one message.
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(delivered(maildir, &case), 1, "the letter went exactly once");
    }
    let jobs = app.store.jobs(None, &all()).await.unwrap().items;
    let delivery: Vec<_> = jobs.iter().filter(|j| j.kind == "deliver_mail").collect();
    assert_eq!(delivery.len(), 1);
    assert_eq!((delivery[0].state, delivery[0].tries), (JobState::Done, 1));
    second.kill().await;
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn r14_a_letter_committed_before_a_kill_goes_out_once_after_the_restart() {
        super::r14_a_letter_committed_before_a_kill_goes_out_once_after_the_restart(
            crate::Db::Sqlite,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn r3_b5_another_process_holding_the_writer_gets_api_callers_503_not_500() {
        super::r3_b5_another_process_holding_the_writer_gets_api_callers_503_not_500().await
    }
}

/// Another process (a command-line import, a sweep) holds SQLite's one
/// writer past the busy timeout (issue 19 §1): the API answers 503 with
/// `Retry-After`, nothing stored, never 500; once it lets go, the same
/// request goes through.
async fn r3_b5_another_process_holding_the_writer_gets_api_callers_503_not_500() {
    use sqlx::Connection;
    let app = TestApp::spawn(Db::Sqlite).await.expect("sqlite app");
    let (id, _) = common::create_person(&app, "Varattu", "Kirjoittaja").await;
    let mut other = sqlx::SqliteConnection::connect(&app.database_url)
        .await
        .expect("a second process's connection");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let people_before = app.count("people").await;
    let path = format!("/api/v1/people/{id}");
    let (write, read) = tokio::join!(
        app.post(
            "/api/v1/people",
            common::person_json("Odottava", "Kirjoittaja")
        ),
        app.get(&path)
    );
    for (what, reply) in [("the write", &write), ("the audited read", &read)] {
        assert_eq!(reply.status, 503, "{what}: {:?}", reply.body);
        assert_eq!(reply.headers["retry-after"], "5", "{what}");
        assert_eq!(reply.body["error"]["code"], "busy", "{what}");
    }
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    assert_eq!(app.count("people").await, people_before, "nothing stored");
    app.post(
        "/api/v1/people",
        common::person_json("Odottava", "Kirjoittaja"),
    )
    .await
    .expect(201);
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn r14_a_letter_committed_before_a_kill_goes_out_once_after_the_restart() {
        super::r14_a_letter_committed_before_a_kill_goes_out_once_after_the_restart(
            crate::Db::Postgres,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn r1_r5_r11_r14_two_servers_share_jobs_tokens_limits_imports_and_details() {
        super::r1_r5_r11_r14_two_servers_share_jobs_tokens_limits_imports_and_details().await
    }
}

async fn r1_r5_r11_r14_two_servers_share_jobs_tokens_limits_imports_and_details() {
    let Some(app) = TestApp::spawn(Db::Postgres).await else {
        eprintln!("skipped: set REKISTERI_TEST_POSTGRES to run on PostgreSQL");
        return;
    };
    let officer = app.user("tietosuoja", Role::PrivacyOfficer).await;
    let smtp = smtp();
    let mut args = vec![];
    if let Some((url, _)) = &smtp {
        args.extend(["--smtp-url", url.as_str()]);
    }
    let a = Server::start(&app, &args).await;
    let b = Server::start(&app, &args).await;

    // Letters written through both servers, every runner claiming.
    let mut cases = Vec::new();
    for i in 0..12 {
        let server = if i % 2 == 0 { &a } else { &b };
        let email = format!("kaksi.palvelinta.{i}@esimerkki.fi");
        cases.push(case_with_a_letter(server, &officer, &email).await);
    }
    let started = Instant::now();
    loop {
        let jobs = app.store.jobs(None, &all()).await.unwrap().items;
        let open = jobs.iter().filter(|j| j.state != JobState::Done).count();
        if (open == 0 && jobs.len() >= cases.len()) || started.elapsed() > Duration::from_secs(30) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let jobs = app.store.jobs(None, &all()).await.unwrap().items;
    let delivery: Vec<_> = jobs.iter().filter(|j| j.kind == "deliver_mail").collect();
    assert_eq!(delivery.len(), cases.len());
    for job in &delivery {
        assert_eq!((job.state, job.tries), (JobState::Done, 1), "{job:?}");
    }
    if let Some((_, maildir)) = &smtp {
        tokio::time::sleep(Duration::from_secs(1)).await;
        for case in &cases {
            assert_eq!(delivered(maildir, case), 1, "case {case}: one message");
        }
    }

    // A token revoked through one server stops on the other within the
    // token cache's 10 s.
    let (_, mine) = b
        .send(Method::GET, "/api/v1/me/tokens", &officer, None)
        .await;
    assert_eq!(
        a.send(Method::GET, "/api/v1/requests", &officer, None)
            .await
            .0,
        200
    );
    assert_eq!(
        b.send(Method::GET, "/api/v1/requests", &officer, None)
            .await
            .0,
        200
    );
    let token_id = mine
        .as_array()
        .or_else(|| mine["items"].as_array())
        .and_then(|t| t.first())
        .and_then(|t| t["id"].as_str())
        .expect("the officer's token")
        .to_string();
    let (status, _) = a
        .send(
            Method::DELETE,
            &format!("/api/v1/me/tokens/{token_id}"),
            &officer,
            None,
        )
        .await;
    assert_eq!(status, 204);
    let revoked = Instant::now();
    let mut stopped = None;
    while revoked.elapsed() < Duration::from_secs(15) {
        if b.send(Method::GET, "/api/v1/requests", &officer, None)
            .await
            .0
            == 401
        {
            stopped = Some(revoked.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let stopped = stopped.expect("the revoked token stops on the other server");
    assert!(
        stopped <= Duration::from_millis(10_500),
        "stopped after {stopped:?}, beyond the 10 s cache"
    );

    // A portal limit reached on one server holds on the other: three links
    // an hour for an address, wherever they were asked.
    for _ in 0..3 {
        assert_eq!(a.ask_portal_link("raja@esimerkki.fi").await, 200);
    }
    assert_eq!(b.ask_portal_link("raja@esimerkki.fi").await, 429);
    assert_eq!(b.ask_portal_link("toinen@esimerkki.fi").await, 200);

    // The register's details changed through one server show on the other
    // within its 10 s cache (R1).
    let admin = app.user("yllapito", Role::Admin).await;
    assert!(b.page("/portal").await.contains("MT Mediateko Oy"));
    let (_, current) = a
        .send(Method::GET, "/api/v1/settings/register", &admin, None)
        .await;
    let mut details = current["details"].clone();
    details["controller"]["name"] = json!("Savon Kirjapaino Oy");
    let status = a
        .client()
        .put(format!("{}/api/v1/settings/register", a.base))
        .bearer_auth(&admin)
        .header("If-Match", "\"0\"")
        .json(&details)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let changed = Instant::now();
    let mut seen = None;
    while changed.elapsed() < Duration::from_secs(15) {
        if b.page("/portal").await.contains("Savon Kirjapaino Oy") {
            seen = Some(changed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let seen = seen.expect("the other server shows the new controller");
    assert!(seen <= Duration::from_millis(10_500), "after {seen:?}");

    // An import started on one server is seen on the other.
    app.user_with_password("tuoja", Role::Staff, "kaksi palvelinta tuovat")
        .await;
    let login = a
        .client()
        .post(format!("{}/api/v1/session", a.base))
        .json(&json!({"name": "tuoja", "password": "kaksi palvelinta tuovat"}))
        .send()
        .await
        .unwrap();
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-rekisteri-session="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let csrf = login.json::<serde_json::Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let csv = "first_name,last_name,emails\nAino,Tuonti,aino.tuonti@esimerkki.fi\nEino,Tuonti,\n";
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("source", "partner_system")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("people.csv"),
        );
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let started = no_redirects
        .post(format!("{}/import", a.base))
        .header("Cookie", &cookie)
        .header("Origin", &a.base)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 303);
    let job = started.headers()["location"].to_str().unwrap().to_string();
    let mut shown = String::new();
    for _ in 0..100 {
        shown = no_redirects
            .get(format!("{}{job}", b.base))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if shown.contains("data-status=\"done\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown.contains("data-status=\"done\""), "{shown}");
    assert!(shown.contains("2 / 2"), "{shown}");
    a.kill().await;
    b.kill().await;
}
