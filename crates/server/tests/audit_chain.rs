//! The audit log's proof against someone who can write the database but
//! does not hold the audit key (B1; issue 19 §2), on both databases: an
//! entry edited and the chain computed again, an entry removed from the
//! middle, entries removed from the end (seals too), the log emptied, a
//! forged checkpoint, another register's key, each caught and named by
//! `audit verify`; the head file and anchors kept outside the database.

mod common;

use common::{Db, TestApp, create_person};
use rekisteri_domain::audit::ChainedRow;
use rekisteri_domain::audit_chain::AuditKey;
use rekisteri_store::{DatabaseUrl, Store};
use sqlx::Row;

on_both_backends!(
    b1_an_entry_edited_and_the_chain_computed_again_is_caught,
    b1_an_entry_removed_from_the_middle_is_caught,
    b1_entries_removed_from_the_end_are_caught_by_seals_and_by_the_anchor,
    b1_an_emptied_log_is_caught,
    b1_a_forged_checkpoint_is_caught,
    b1_a_server_with_another_registers_key_is_refused,
    b1_the_command_line_keeps_the_head_outside_and_checks_anchors,
);

/// Some audited work, sealed: a person made and read a few times.
async fn some_history(app: &TestApp) -> i64 {
    let (id, _) = create_person(app, "Aarne", "Auditoija").await;
    for _ in 0..4 {
        app.get(&format!("/api/v1/people/{id}")).await.expect(200);
    }
    let anchor = app.store.audit_anchor().await.unwrap().expect("sealed");
    assert_eq!(app.store.verify_audit().await.unwrap().first_broken, None);
    anchor.seq
}

/// What someone with the database's files does first: the guards off.
async fn guards_off(app: &TestApp) {
    let pool = app.store.write_pool();
    let statements: &[&str] = match app.db {
        Db::Sqlite => &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
            "DROP TRIGGER audit_seals_no_update",
            "DROP TRIGGER audit_seals_no_delete",
        ],
        Db::Postgres => &[
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            "ALTER TABLE audit_seals DISABLE TRIGGER USER",
        ],
    };
    for sql in statements {
        sqlx::query(*sql).execute(pool).await.unwrap();
    }
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(app.store.write_pool())
        .await
        .unwrap();
}

async fn seqs(app: &TestApp) -> Vec<i64> {
    sqlx::query("SELECT seq FROM audit_log ORDER BY seq")
        .fetch_all(app.store.read_pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64, _>("seq"))
        .collect()
}

/// Computes the plain SHA-256 chain again from the entry after `after`,
/// as anyone can without the key.
async fn rechain_from(app: &TestApp, after: i64) {
    let pool = app.store.write_pool();
    let mut prev: String =
        sqlx::query("SELECT hash FROM audit_log WHERE seq <= $1 ORDER BY seq DESC LIMIT 1")
            .bind(after)
            .fetch_one(pool)
            .await
            .unwrap()
            .get("hash");
    let rows = sqlx::query(
        "SELECT seq, at, actor_user_id, action, record_type, record_id, person_id, purpose, client_ip \
         FROM audit_log WHERE seq > $1 ORDER BY seq",
    )
    .bind(after)
    .fetch_all(pool)
    .await
    .unwrap();
    for row in rows {
        let get = |c: &str| row.get::<Option<String>, _>(c);
        let (actor, person, ip) = (get("actor_user_id"), get("person_id"), get("client_ip"));
        let (action, record_type, record_id, purpose) = (
            row.get::<String, _>("action"),
            row.get::<String, _>("record_type"),
            row.get::<String, _>("record_id"),
            row.get::<String, _>("purpose"),
        );
        let hash = ChainedRow {
            at: row.get("at"),
            actor_user_id: actor.as_deref(),
            action: &action,
            record_type: &record_type,
            record_id: &record_id,
            person_id: person.as_deref(),
            purpose: &purpose,
            client_ip: ip.as_deref(),
        }
        .hash(&prev);
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(prev.clone())
            .bind(hash.clone())
            .bind(row.get::<i64, _>("seq"))
            .execute(pool)
            .await
            .unwrap();
        prev = hash;
    }
}

async fn broken(app: &TestApp) -> (i64, String) {
    app.store
        .verify_audit()
        .await
        .unwrap()
        .first_broken
        .expect("verify must name the damage")
}

async fn b1_an_entry_edited_and_the_chain_computed_again_is_caught(app: TestApp) {
    let sealed = some_history(&app).await;
    let all = seqs(&app).await;
    let edited = all[all.len() / 2];
    guards_off(&app).await;
    exec(
        &app,
        &format!("UPDATE audit_log SET purpose = 'business_development' WHERE seq = {edited}"),
    )
    .await;
    rechain_from(&app, edited - 1).await;
    let (seq, why) = broken(&app).await;
    assert!(seq >= edited && seq <= sealed, "{seq} ({edited}..{sealed})");
    assert!(why.contains("without the key"), "{why}");
}

async fn b1_an_entry_removed_from_the_middle_is_caught(app: TestApp) {
    some_history(&app).await;
    let all = seqs(&app).await;
    let removed = all[all.len() / 2];
    guards_off(&app).await;
    exec(
        &app,
        &format!("DELETE FROM audit_log WHERE seq = {removed}"),
    )
    .await;
    rechain_from(&app, removed).await;
    let (seq, why) = broken(&app).await;
    assert!(seq >= removed, "{seq} {removed}");
    assert!(
        why.contains("removed") || why.contains("without the key"),
        "{why}"
    );
    if app.db == Db::Sqlite {
        // SQLite's numbers run without gaps: the missing number is named.
        assert!(why.contains(&format!("entry {removed}")), "{why}");
    }
}

async fn b1_entries_removed_from_the_end_are_caught_by_seals_and_by_the_anchor(app: TestApp) {
    some_history(&app).await;
    let anchor = app.store.audit_anchor().await.unwrap().expect("anchor");
    let all = seqs(&app).await;
    let keep = all[all.len() - 3];
    guards_off(&app).await;
    exec(&app, &format!("DELETE FROM audit_log WHERE seq > {keep}")).await;
    let (seq, why) = broken(&app).await;
    assert_eq!(seq, keep + 1);
    assert!(why.contains("removed from its end"), "{why}");
    // The seals go too: the database alone no longer shows it, the anchor
    // kept outside it does, and the writer does not seal over the damage.
    exec(
        &app,
        &format!("DELETE FROM audit_seals WHERE through_seq > {keep}"),
    )
    .await;
    let report = app
        .store
        .verify_audit_against(std::slice::from_ref(&anchor))
        .await
        .unwrap();
    let (seq, why) = report.first_broken.expect("the anchor catches it");
    assert_eq!(seq, keep + 1);
    assert!(why.contains(&format!("entry {}", anchor.seq)), "{why}");
    assert!(!app.store.audit_reaches(&anchor).await.unwrap());
    // The writer remembers its last seal: it does not seal over the damage.
    assert!(app.store.audit_anchor().await.is_err());
    let sealed: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_seals WHERE through_seq > $1")
        .bind(keep)
        .fetch_one(app.store.read_pool())
        .await
        .unwrap()
        .get("n");
    assert_eq!(sealed, 0);
}

async fn b1_an_emptied_log_is_caught(app: TestApp) {
    let sealed = some_history(&app).await;
    guards_off(&app).await;
    exec(&app, "DELETE FROM audit_log").await;
    let (_, why) = broken(&app).await;
    assert!(why.contains(&format!("entry {sealed} was sealed")), "{why}");
}

async fn b1_a_forged_checkpoint_is_caught(app: TestApp) {
    some_history(&app).await;
    let all = seqs(&app).await;
    let hash_at = |seq: i64| {
        let pool = app.store.read_pool().clone();
        async move {
            sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
                .bind(seq)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<String, _>("hash")
        }
    };
    // A checkpoint would let the rows before it go; one without the key's
    // signature is not taken: neither a wrong one, nor none at all, which
    // a server started later does not sign either.
    for (skip_to, mac) in [
        (all[all.len() / 3], "'forged'"),
        (all[all.len() / 2], "NULL"),
    ] {
        let hash = hash_at(skip_to).await;
        exec(
            &app,
            &format!(
                "INSERT INTO audit_checkpoints (through_seq, hash, rows_cut, cut_at, mac) \
                 VALUES ({skip_to}, '{hash}', {skip_to}, 0, {mac})"
            ),
        )
        .await;
        let later = app.other_store().await;
        let (seq, why) = later
            .verify_audit()
            .await
            .unwrap()
            .first_broken
            .expect("verify must name the checkpoint");
        assert_eq!(seq, skip_to, "{mac}");
        assert!(why.contains("not signed"), "{why}");
        later.close().await;
    }
}

async fn b1_a_server_with_another_registers_key_is_refused(app: TestApp) {
    some_history(&app).await;
    let url = DatabaseUrl::parse(&app.database_url).unwrap();
    let refused = Store::open(&url, AuditKey::generate()).await;
    let error = refused.err().expect("another key is refused").to_string();
    assert!(error.contains("not this register's"), "{error}");
    assert!(error.contains(&app.store.audit_key().id()), "{error}");
}

async fn b1_the_command_line_keeps_the_head_outside_and_checks_anchors(app: TestApp) {
    some_history(&app).await;
    let rekisteri = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_rekisteri"))
            .arg("--database-url")
            .arg(&app.database_url)
            .args(args)
            .env("REKISTERI_DATA_DIR", app.data_dir())
            .env_remove("REKISTERI_AUDIT_KEY")
            .output()
            .expect("rekisteri runs")
    };
    let anchored = rekisteri(&["audit", "anchor"]);
    assert!(anchored.status.success(), "{anchored:?}");
    let line = String::from_utf8(anchored.stdout).unwrap();
    assert!(line.starts_with("rekisteri-audit-anchor-v1 seq="), "{line}");
    let kept = app.data_dir().join("kept-elsewhere.txt");
    std::fs::write(&kept, &line).unwrap();
    let head = app.data_dir().join("audit.head");
    assert!(head.exists(), "the command wrote the head file");

    let verified = rekisteri(&["audit", "verify", "--anchor", kept.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&verified.stdout).to_string();
    assert!(verified.status.success(), "{out} {verified:?}");
    for said in [
        "seals under the audit key",
        "the head file",
        "1 anchors kept elsewhere",
        "intact",
    ] {
        assert!(out.contains(said), "{said}: {out}");
    }

    // A forged anchor is refused by its signature.
    let forged = app.data_dir().join("forged.txt");
    std::fs::write(&forged, line.replace("seq=", "seq=9")).unwrap();
    let refused = rekisteri(&["audit", "verify", "--anchor", forged.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("signature"),
        "{refused:?}"
    );

    // The log cut short, seals and all: the head file names where it ended.
    let all = seqs(&app).await;
    let keep = all[all.len() / 2];
    guards_off(&app).await;
    exec(&app, &format!("DELETE FROM audit_log WHERE seq > {keep}")).await;
    exec(
        &app,
        &format!("DELETE FROM audit_seals WHERE through_seq > {keep}"),
    )
    .await;
    let caught = rekisteri(&["audit", "verify"]);
    assert!(!caught.status.success());
    let err = String::from_utf8_lossy(&caught.stderr);
    assert!(err.contains("removed from its end"), "{err}");
    let head_before = std::fs::read_to_string(&head).unwrap();
    let refused = rekisteri(&["audit", "anchor"]);
    assert!(
        !refused.status.success(),
        "no anchor is signed over the damage"
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("no longer reaches"),
        "{refused:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&head).unwrap(),
        head_before,
        "the head file is never moved back over the damage"
    );
}
