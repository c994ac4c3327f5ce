//! Backups that never bring the erased back (B2), on both databases, with
//! the real command line: a backup taken while the register serves, then
//! an erasure and an anonymisation; `backup verify`; `backup restore` into
//! an empty register replays the erasure journal, so no trace of the
//! erased is anywhere (every table scanned) and the audit chain verifies.

mod common;
#[path = "common/erasing.rs"]
mod erasing;
#[path = "common/scan.rs"]
mod scan;

use common::{Db, TestApp, create_person, empty_postgres_database};
use erasing::{erase, officer};
use rekisteri_store::{DatabaseUrl, Store};
use reqwest::Method;
use scan::find_in;
use serde_json::json;
use std::path::Path;

on_both_backends!(
    b2_r8_a_restored_backup_has_no_trace_of_the_erased_and_its_chain_verifies,
    b2_two_writers_of_one_journal_file_write_each_entry_once,
);

/// The binary beside the app: its data directory (the audit key and head
/// file) unless `args` name another.
fn rekisteri(app: &TestApp, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rekisteri"));
    command
        .args(args)
        .env_remove("REKISTERI_BACKUP_PASSPHRASE")
        .env("REKISTERI_DATA_DIR", app.data_dir())
        .env("REKISTERI_AUDIT_KEY", app.data_dir().join("audit.key"));
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("rekisteri runs")
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

async fn b2_r8_a_restored_backup_has_no_trace_of_the_erased_and_its_chain_verifies(app: TestApp) {
    let officer = officer(&app).await;
    let (erased, _) = create_person(&app, "Eila", "Erasmus").await;
    let (anonymised, _) = create_person(&app, "Anna", "Anonyymi").await;
    create_person(&app, "Kalle", "Kestävä").await;
    let work = tempfile::tempdir().unwrap();
    let journal = app.journal_path();
    let journal = journal.to_str().unwrap();
    let passphrase = work.path().join("passphrase");
    std::fs::write(&passphrase, "oikea hevonen patteri niitti\n").unwrap();
    let passphrase = passphrase.to_str().unwrap();
    let backup = work.path().join("rekisteri.backup");
    let backup_arg = backup.to_str().unwrap();

    // The backup is taken while the register serves.
    let url = app.database_url.as_str();
    let created = ok(&rekisteri(
        &app,
        &[
            "--database-url",
            url,
            "--erasure-journal",
            journal,
            "backup",
            "create",
            "--out",
            backup_arg,
            "--passphrase-file",
            passphrase,
        ],
        &[],
    ));
    assert!(created.contains("encrypted"), "{created}");
    assert_eq!(mode(&backup), 0o600);
    assert!(!String::from_utf8_lossy(&std::fs::read(&backup).unwrap()).contains("Erasmus"));

    // After it: one erased, one anonymised; the journal file gets both.
    erase(&app, &officer, &erased).await.expect(200);
    app.send(
        Method::POST,
        &format!("/api/v1/people/{anonymised}/anonymisation"),
        Some(&officer),
        None,
        Some(json!({})),
    )
    .await
    .expect(200);
    app.outbox.run_jobs().await;
    let lines = std::fs::read_to_string(journal).unwrap();
    assert_eq!(lines.lines().count(), 2, "{lines}");
    assert!(
        !lines.contains("Erasmus") && !lines.contains("@"),
        "{lines}"
    );
    assert_eq!(mode(Path::new(journal)), 0o600);

    // Verify reads it whole; without the passphrase it is refused.
    let verified = ok(&rekisteri(
        &app,
        &[
            "backup",
            "verify",
            backup_arg,
            "--passphrase-file",
            passphrase,
        ],
        &[],
    ));
    assert!(verified.contains("SHA-256 matches"), "{verified}");
    let refused = rekisteri(&app, &["backup", "verify", backup_arg], &[]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("encrypted"));

    // Restored into an empty register, with the passphrase from the environment.
    let target_dir = work.path().join("restored");
    let target_dir_arg = target_dir.to_str().unwrap().to_string();
    let target_url = match app.db {
        Db::Sqlite => None,
        Db::Postgres => Some(empty_postgres_database().await.unwrap()),
    };
    let mut args = vec!["--erasure-journal", journal];
    match &target_url {
        None => args.extend(["--data-dir", target_dir_arg.as_str()]),
        Some(url) => args.extend(["--database-url", url.as_str()]),
    }
    args.extend(["backup", "restore", backup_arg]);
    let env = [(
        "REKISTERI_BACKUP_PASSPHRASE",
        "oikea hevonen patteri niitti",
    )];
    // Without its journal a restore would bring the erased back: refused.
    let mut lost = args.clone();
    lost[1] = "/nonexistent/erasure-journal.jsonl";
    let refused = rekisteri(&app, &lost, &env);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no erasure journal"));
    let restored = ok(&rekisteri(&app, &args, &env));
    assert!(restored.contains("replayed 2"), "{restored}");
    if app.db == Db::Sqlite {
        // The key the restore was given goes with the restored register,
        // so the next `serve` there opens it (B1).
        assert_eq!(
            std::fs::read(target_dir.join("audit.key")).expect("the key beside the restore"),
            std::fs::read(app.data_dir().join("audit.key")).unwrap()
        );
        assert_eq!(mode(&target_dir.join("audit.key")), 0o600);
    }
    // A second restore into the same register is refused.
    assert!(!rekisteri(&app, &args, &env).status.success());

    let url = match &target_url {
        None => DatabaseUrl::sqlite_in(&target_dir),
        Some(url) => DatabaseUrl::parse(url).unwrap(),
    };
    let store = Store::open(&url, app.store.audit_key().clone())
        .await
        .unwrap();
    assert_eq!(
        find_in(
            app.db,
            &store,
            &["Erasmus", "eila.erasmus@esimerkki.fi", "Anonyymi"]
        )
        .await,
        Vec::<String>::new()
    );
    assert!(!find_in(app.db, &store, &["Kestävä"]).await.is_empty());
    let report = store.verify_audit().await.unwrap();
    assert_eq!(report.first_broken, None);
    assert_eq!(store.journal_head().await.unwrap(), 2);
    assert_eq!(store.unfinished_restore().await.unwrap(), None);
    // The erased cannot be imported back: the tombstones came with the replay.
    use sqlx::Row;
    let count = |pool: &sqlx::AnyPool| {
        let pool = pool.clone();
        async move {
            sqlx::query("SELECT COUNT(*) AS n FROM erasure_tombstones")
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>("n")
        }
    };
    assert_eq!(
        count(store.read_pool()).await,
        count(app.store.read_pool()).await
    );
    store.close().await;
}

async fn b2_two_writers_of_one_journal_file_write_each_entry_once(app: TestApp) {
    let officer = officer(&app).await;
    for (first, last) in [("Eero", "Yksi"), ("Tiina", "Kaksi"), ("Kolmo", "Kolme")] {
        let (id, _) = create_person(&app, first, last).await;
        erase(&app, &officer, &id).await.expect(200);
    }
    // Two processes' writers (a server's job and `backup create`) at once.
    let path = app.journal_path();
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let (store, path) = (app.store.clone(), path.clone());
            tokio::spawn(async move {
                rekisteri::journal::ErasureJournal::at(path)
                    .append_pending(&store)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut appended = 0;
    for writer in writers {
        appended += writer.await.unwrap();
    }
    assert_eq!(appended, 3);
    let journal = rekisteri::journal::ErasureJournal::at(path).read().unwrap();
    assert_eq!(journal.entries.len(), 3);
}
