//! `kill -9` during a burst of writes, an import and an erasure (issue 19;
//! R3, R8, B1, B5), on both databases, with real `rekisteri` processes:
//! afterwards nothing acknowledged is lost, nothing is half-done, the
//! audit chain verifies, and the server starts again.

mod common;
#[path = "common/servers.rs"]
mod servers;

use common::TestApp;
use rekisteri_domain::Role;
use serde_json::json;
use servers::Server;
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(r3_b1_kill_9_during_writes_an_import_and_an_erasure_loses_nothing_acknowledged);

/// Starts a command and kills it with SIGKILL after `after`.
async fn killed_after(app: &TestApp, args: &[&str], after: Duration) {
    let mut child = app
        .command(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("rekisteri starts");
    tokio::time::sleep(after).await;
    let _ = child.start_kill();
    let _ = child.wait().await;
}

async fn r3_b1_kill_9_during_writes_an_import_and_an_erasure_loses_nothing_acknowledged(
    app: TestApp,
) {
    let acknowledged = burst_then_kill(&app).await;
    import_then_kill(&app).await;
    let erased = erasure_then_kill(&app).await;

    // The audit chain verifies: every row written before each kill is
    // there, chained and sealed or in the unsealed tail.
    let verified = app.run(&["audit", "verify"]).await;
    assert!(
        verified.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    // The server starts on what the kills left, and serves what was acknowledged.
    let server = Server::start(&app, &[]).await;
    let (status, person) = server
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/people/{}", acknowledged[0]),
            &app.token,
            None,
        )
        .await;
    assert_eq!(status, 200, "{person}");
    // The erasure's journal entry was queued in its transaction: a process
    // killed after the commit leaves it to the server's job runner, which
    // appends it to the file.
    let mut journaled = false;
    for _ in 0..100 {
        let journal = std::fs::read_to_string(app.journal_path()).unwrap_or_default();
        if journal.contains(&erased) {
            journaled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(journaled, "the erasure reaches the journal");
    server.kill().await;
}

/// Eight writers add people through a `serve` process that is killed
/// midway: every person whose 201 came back is stored whole.
async fn burst_then_kill(app: &TestApp) -> Vec<String> {
    let server = Server::start(app, &[]).await;
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (base, token, acked) = (server.base.clone(), app.token.clone(), acked.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                for i in 0.. {
                    let mut body = common::person_json("Purske", &format!("Kirjoittaja{w}x{i}"));
                    body["emails"] = json!([format!("purske.{w}.{i}@esimerkki.fi")]);
                    let sent = client
                        .post(format!("{base}/api/v1/people"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await;
                    let Ok(reply) = sent else { break };
                    if reply.status() != 201 {
                        continue;
                    }
                    let Ok(person) = reply.json::<serde_json::Value>().await else {
                        break;
                    };
                    if let Some(id) = person["id"].as_str() {
                        acked.lock().expect("acked").push(id.to_string());
                    }
                }
            })
        })
        .collect();
    for _ in 0..500 {
        if acked.lock().expect("acked").len() >= 60 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill().await;
    for writer in writers {
        writer.await.expect("writer");
    }
    let acked = acked.lock().expect("acked").clone();
    assert!(acked.len() >= 60, "the burst got going: {}", acked.len());
    for id in &acked {
        let n = app
            .scalar(&format!(
                "SELECT COUNT(*) AS n FROM people WHERE id = '{id}'"
            ))
            .await;
        assert_eq!(n, 1, "acknowledged person {id} is stored");
    }
    assert_eq!(
        app.half_stored_people().await,
        0,
        "no person stored in part"
    );
    acked
}

/// Imports killed at several points: each is all or nothing, and the
/// register takes the next one whole.
async fn import_then_kill(app: &TestApp) {
    // Large enough that the kills land inside the import's transaction
    // (a whole one takes seconds; the test prints how long).
    let rows = 40_000;
    let file = |n: usize| {
        let path = app.data_dir().join(format!("import-{n}.csv"));
        let mut csv = String::from("first_name,last_name,emails\n");
        for i in 0..rows {
            csv.push_str(&format!(
                "Tuotu,Henkilö{n}x{i},tuotu.{n}.{i}@esimerkki.fi\n"
            ));
        }
        std::fs::write(&path, csv).expect("the file");
        path.to_string_lossy().into_owned()
    };
    for (n, ms) in [300u64, 900, 1600].into_iter().enumerate() {
        let before = app.scalar("SELECT COUNT(*) AS n FROM people").await;
        let path = file(n);
        killed_after(
            app,
            &["import", "people", &path, "--source", "registration"],
            Duration::from_millis(ms),
        )
        .await;
        let after = app.scalar("SELECT COUNT(*) AS n FROM people").await;
        eprintln!(
            "import killed after {ms} ms: {} rows stored",
            after - before
        );
        assert!(
            after == before || after == before + rows as i64,
            "an import killed after {ms} ms left {} of {rows} rows",
            after - before
        );
        assert_eq!(app.half_stored_people().await, 0);
    }
    if matches!(app.db, common::Db::Sqlite) {
        killed_in_its_last_step(app, &file(50)).await;
    }
    let before = app.scalar("SELECT COUNT(*) AS n FROM people").await;
    let path = file(99);
    let started = std::time::Instant::now();
    let done = app
        .run(&["import", "people", &path, "--source", "registration"])
        .await;
    eprintln!("a whole import took {:?}", started.elapsed());
    assert!(done.status.success(), "{done:?}");
    let after = app.scalar("SELECT COUNT(*) AS n FROM people").await;
    assert_eq!(after, before + rows as i64, "the next import is whole");
}

/// On SQLite: an import killed while its last step holds the writer
/// leaves nothing. A probe that may not wait (busy timeout 0) finds the
/// write lock taken twice 50 ms apart — longer than any of the app's own
/// writes — and the import is killed then, inside that transaction.
async fn killed_in_its_last_step(app: &TestApp, path: &str) {
    use sqlx::Connection;
    let mut probe = sqlx::SqliteConnection::connect(&app.database_url)
        .await
        .expect("the probe's connection");
    sqlx::query("PRAGMA busy_timeout = 0")
        .execute(&mut probe)
        .await
        .expect("no waiting");
    let before = app.scalar("SELECT COUNT(*) AS n FROM people").await;
    let mut child = app
        .command(&["import", "people", path, "--source", "registration"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the import starts");
    let mut taken = 0;
    let mut killed = false;
    while child.try_wait().expect("the import").is_none() {
        match sqlx::query("BEGIN IMMEDIATE").execute(&mut probe).await {
            Ok(_) => {
                sqlx::query("ROLLBACK")
                    .execute(&mut probe)
                    .await
                    .expect("rollback");
                taken = 0;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            Err(_) => {
                taken += 1;
                if taken == 2 {
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                    killed = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    assert!(killed, "the probe saw the import's last step");
    let after = app.scalar("SELECT COUNT(*) AS n FROM people").await;
    eprintln!(
        "import killed in its last step: {} rows stored",
        after - before
    );
    assert_eq!(
        after, before,
        "killed in its last step, the import left nothing"
    );
    assert_eq!(app.half_stored_people().await, 0);
}

/// An erasure of a person with many notes, killed at several points: the
/// person is either all there or all gone, and the next run finishes.
async fn erasure_then_kill(app: &TestApp) -> String {
    app.user("tuula", Role::PrivacyOfficer).await;
    let (id, _) = common::create_person(app, "Poistettava", "Monimerkintäinen").await;
    let notes = 150;
    for i in 0..notes {
        app.post(
            "/api/v1/notes",
            json!({"person_id": id, "kind": "meeting_note", "body": format!("Tapaaminen {i}")}),
        )
        .await
        .expect(201);
    }
    let count = |sql: &str| {
        let sql = sql.replace("{id}", &id);
        async move { app.scalar(&sql).await }
    };
    // A ladder of kill times across the erasure's one transaction.
    for ms in (5u64..=80).step_by(5) {
        killed_after(
            app,
            &["erasure", "person", &id, "--as", "tuula"],
            Duration::from_millis(ms),
        )
        .await;
        let person = count("SELECT COUNT(*) AS n FROM people WHERE id = '{id}'").await;
        let left = count("SELECT COUNT(*) AS n FROM notes WHERE person_id = '{id}'").await;
        eprintln!("erasure killed after {ms} ms: person {person}, notes {left}");
        match person {
            1 => assert_eq!(left, notes, "killed after {ms} ms: the person is whole"),
            _ => {
                assert_eq!(left, 0, "killed after {ms} ms: the person is all gone");
                break;
            }
        }
    }
    if count("SELECT COUNT(*) AS n FROM people WHERE id = '{id}'").await == 1 {
        let done = app.run(&["erasure", "person", &id, "--as", "tuula"]).await;
        assert!(done.status.success(), "{done:?}");
    }
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM people WHERE id = '{id}'").await,
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM notes WHERE person_id = '{id}'").await,
        0
    );
    assert_eq!(app.half_stored_people().await, 0);
    id
}
