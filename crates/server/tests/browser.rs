//! The web interface in a real browser: `e2e/scenarios.mjs` (Playwright
//! driving Debian's Chromium) against the server booted here on the real
//! clock (the scenarios compute TOTP codes), on both databases. The first
//! admin is created as `rekisteri user add` does: a one-time password.
//!
//! Needs `/usr/bin/chromium`, Node and `e2e/node_modules` (`npm ci` is run
//! here when npm is there). Outside CI a missing piece skips the test with a
//! message; under `CI=true` it fails. `REKISTERI_E2E_ONLY=6,7` runs some
//! scenarios only.

mod common;

use common::{Db, TestApp, cli};
use rekisteri_domain::Clock;
use rekisteri_domain::Role;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

const STAFF_PASSWORD: &str = "Selain-testi-2026-salasana";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether everything the scenarios need is here; `npm ci` when only the
/// packages are missing. Outside CI a missing piece is a skip.
async fn ready() -> bool {
    let e2e = repo_root().join("e2e");
    let missing = |what: &str| {
        if under_ci() {
            panic!("CI=true but {what}: the browser tests must run (see .ci/run)");
        }
        eprintln!("skipped: {what} (install Debian's chromium, Node and run `npm ci` in e2e/)");
        false
    };
    if !Path::new("/usr/bin/chromium").exists() && std::env::var_os("REKISTERI_CHROMIUM").is_none()
    {
        return missing("/usr/bin/chromium is missing");
    }
    let node = tokio::process::Command::new("node")
        .arg("--version")
        .output()
        .await;
    if !node.is_ok_and(|o| o.status.success()) {
        return missing("node is missing");
    }
    if !e2e.join("node_modules/playwright-core").exists() {
        let npm = tokio::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e)
            .status()
            .await;
        if !npm.is_ok_and(|s| s.success()) {
            return missing("e2e/node_modules is missing and `npm ci` failed");
        }
    }
    true
}

async fn scenarios(db: Db) {
    if !ready().await {
        return;
    }
    let Some(app) = TestApp::spawn_with_system_clock(db).await else {
        eprintln!("skipped: set REKISTERI_TEST_POSTGRES to run on PostgreSQL");
        return;
    };
    // The first admin, as `rekisteri user add` makes them.
    let (one_time, hash) =
        tokio::task::spawn_blocking(rekisteri_domain::password::one_time_credentials)
            .await
            .expect("hash task")
            .expect("one-time password");
    app.store
        .add_user(
            &cli(),
            app.clock.now(),
            "paakayttaja",
            Role::Admin,
            Some(&hash),
        )
        .await
        .expect("admin");
    // A ready staff user, for the scenarios run without scenario 1.
    app.user_with_password("valmis", Role::Staff, STAFF_PASSWORD)
        .await;
    // A ready privacy officer, for the retention pages (R9).
    app.user_with_password("valvoja", Role::PrivacyOfficer, STAFF_PASSWORD)
        .await;
    // A person the privacy portal's scenario asks about by email.
    common::create_person(&app, "Maija", "Portaali").await;
    // The register's letters, as a mail client would receive them: the
    // app's jobs run (as the server's runner does) and each letter kept in
    // the outbox is written to a folder the scenarios read the portal's
    // links from.
    let letters = tempfile::tempdir().expect("letters folder");
    let folder = letters.path().to_path_buf();
    let outbox = app.outbox.clone();
    let courier = tokio::spawn(async move {
        loop {
            if let Ok(entries) = outbox.list().await {
                for entry in entries {
                    let path = folder.join(format!("{}.eml", entry.file));
                    if path.exists() {
                        continue;
                    }
                    if let Ok(Some(bytes)) = outbox.read(&entry.file).await {
                        let partial = folder.join(format!(".{}.partial", entry.file));
                        let _ = std::fs::write(&partial, bytes);
                        let _ = std::fs::rename(&partial, &path);
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut child = tokio::process::Command::new("node")
        .arg("e2e/scenarios.mjs")
        .current_dir(repo_root())
        .env("REKISTERI_BASE", &app.base)
        .env("REKISTERI_ADMIN_NAME", "paakayttaja")
        .env("REKISTERI_ADMIN_PASSWORD", &one_time)
        .env("REKISTERI_STAFF_NAME", "valmis")
        .env("REKISTERI_STAFF_PASSWORD", STAFF_PASSWORD)
        .env("REKISTERI_OFFICER_NAME", "valvoja")
        .env("REKISTERI_OFFICER_PASSWORD", STAFF_PASSWORD)
        .env("REKISTERI_OUTBOX", letters.path())
        .env("REKISTERI_PORTAL_EMAIL", "maija.portaali@esimerkki.fi")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let out = tokio::spawn(async move {
        let mut text = String::new();
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut { stdout }, &mut text).await;
        text
    });
    let err = tokio::spawn(async move {
        let mut text = String::new();
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut { stderr }, &mut text).await;
        text
    });
    let status = tokio::time::timeout(Duration::from_secs(600), child.wait())
        .await
        .expect("the browser scenarios finish within 10 minutes")
        .expect("node exits");
    let out = out.await.unwrap_or_default();
    let err = err.await.unwrap_or_default();
    courier.abort();
    println!("{out}");
    eprintln!("{err}");
    assert!(
        status.success(),
        "browser scenarios failed ({status}):\n{out}\n{err}"
    );
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn r3_r4_r11_b1_web_interface_in_chromium() {
        super::scenarios(super::Db::Sqlite).await
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn r3_r4_r11_b1_web_interface_in_chromium() {
        super::scenarios(super::Db::Postgres).await
    }
}
