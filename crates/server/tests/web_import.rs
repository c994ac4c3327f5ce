//! The import page (R5): a CSV uploaded as a form, imported in the
//! background in one transaction, its progress and its rejected rows on a
//! page of the job, driven over HTTP on both databases.

mod common;

use common::{Browser, TestApp};
use rekisteri_domain::{Clock, Role};

on_both_backends!(
    r5_the_import_page_imports_the_valid_rows_and_reports_the_rest,
    r5_the_import_page_imports_nothing_when_rows_fail_unless_skipped,
    r5_an_import_job_is_only_its_owners,
    r5_an_import_whose_server_stopped_reads_as_failed_not_lost,
);

const PASSWORD: &str = "Kuopion-kesä-2026-tuonti";

/// Lines 3 and 5 have errors (no last name; a broken email address).
const CSV: &str = "first_name,last_name,emails,phones\n\
Aino,Tuonti,aino@esimerkki.fi,040 123 4567\n\
Eino,,eino@esimerkki.fi,\n\
Helmi,Tuonti,helmi@esimerkki.fi,\n\
Veikko,Tuonti,not-an-address,\n\
Lyyli,Tuonti,,\n";

async fn staff(app: &TestApp, name: &str) -> Browser {
    app.user_with_password(name, Role::Staff, PASSWORD).await;
    app.browser(name, PASSWORD).await
}

/// Posts the import form; returns the status and the `Location`.
async fn upload(app: &TestApp, browser: &Browser, csv: &str, skip: bool) -> (u16, String) {
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec())
        .file_name("people.csv")
        .mime_str("text/csv")
        .expect("mime");
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", browser.csrf.clone())
        .text("source", "partner_system")
        .text("source_detail", "messut 2026")
        .part("file", part);
    if skip {
        form = form.text("skip_invalid", "1");
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = client
        .post(format!("{}/import", app.base))
        .header("Cookie", &browser.cookie)
        .header("Origin", &app.base)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (res.status().as_u16(), location)
}

async fn page(app: &TestApp, browser: &Browser, path: &str) -> (u16, String) {
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .header("Cookie", &browser.cookie)
        .header("Accept-Language", "en-GB")
        .send()
        .await
        .expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// The job page once the job is no longer running.
async fn finished(app: &TestApp, browser: &Browser, job: &str) -> String {
    for _ in 0..200 {
        let (status, html) = page(app, browser, job).await;
        assert_eq!(status, 200, "{html}");
        if !html.contains("data-status=\"running\"") {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

async fn r5_the_import_page_imports_the_valid_rows_and_reports_the_rest(app: TestApp) {
    let browser = staff(&app, "tuoja").await;
    let (status, html) = page(&app, &browser, "/import").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    let before = app.count("people").await;
    let (status, job) = upload(&app, &browser, CSV, true).await;
    assert_eq!(status, 303);
    assert!(job.starts_with("/import/"), "{job}");
    let html = finished(&app, &browser, &job).await;
    assert!(html.contains("data-status=\"done\""), "{html}");
    assert!(
        html.contains("id=\"import-progress\" value=\"3\" max=\"3\""),
        "{html}"
    );
    assert!(html.contains("3 / 3"), "{html}");
    assert_eq!(app.count("people").await, before + 3);
    let (status, report) = page(&app, &browser, &format!("{job}/report.csv")).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "line,field,reason");
    assert!(
        lines.iter().any(|l| l.starts_with("3,last_name,")),
        "{report}"
    );
    assert!(lines.iter().any(|l| l.starts_with("5,emails")), "{report}");
    assert_eq!(lines.len(), 3, "{report}");
    let imports = app
        .audit()
        .await
        .into_iter()
        .filter(|a| a.0 == "import")
        .count();
    assert!(imports >= 3, "the import is audited");
}

async fn r5_the_import_page_imports_nothing_when_rows_fail_unless_skipped(app: TestApp) {
    let browser = staff(&app, "tuoja").await;
    let before = app.count("people").await;
    let (status, job) = upload(&app, &browser, CSV, false).await;
    assert_eq!(status, 303);
    let html = finished(&app, &browser, &job).await;
    assert!(html.contains("data-status=\"refused\""), "{html}");
    assert!(html.contains("report.csv"), "{html}");
    assert_eq!(app.count("people").await, before);
    // A file that is not CSV of people: the form again, with the error.
    let (status, _) = upload(&app, &browser, "nimi\nAino\n", true).await;
    assert_eq!(status, 422);
    assert_eq!(app.count("people").await, before);
}

async fn r5_an_import_job_is_only_its_owners(app: TestApp) {
    let owner = staff(&app, "tuoja").await;
    let other = staff(&app, "toinen").await;
    let (_, job) = upload(&app, &owner, CSV, true).await;
    finished(&app, &owner, &job).await;
    assert_eq!(page(&app, &other, &job).await.0, 404);
    assert_eq!(
        page(&app, &other, &format!("{job}/report.csv")).await.0,
        404
    );
    // Without the form's token or from another origin: refused.
    let stale = Browser {
        csrf: "wrong".into(),
        ..owner.clone()
    };
    assert_eq!(upload(&app, &stale, CSV, true).await.0, 403);
}

/// An import recorded by a server that then stopped (no heartbeat): any
/// server shows it running while it may still be, then failed — never lost.
async fn r5_an_import_whose_server_stopped_reads_as_failed_not_lost(app: TestApp) {
    let browser = staff(&app, "tuoja").await;
    let owner = app.store.user_by_name("tuoja").await.unwrap().id;
    let id = app
        .store
        .start_import(owner, app.clock.now(), 2, 2, false, &[])
        .await
        .unwrap();
    let path = format!("/import/{id}");
    let (status, html) = page(&app, &browser, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-status=\"running\""), "{html}");
    app.clock
        .advance_micros(rekisteri_store::IMPORT_STALE_MICROS + 1_000_000);
    let (_, html) = page(&app, &browser, &path).await;
    assert!(html.contains("data-status=\"failed\""), "{html}");
    assert!(html.contains("The import failed"));
    // Recorded so: the next read needs no clock to say it.
    let record = app
        .store
        .import_record(id, owner, app.clock.now(), false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status, "failed");
    // Someone else's import is not found.
    let other = staff(&app, "toinen").await;
    assert_eq!(page(&app, &other, &path).await.0, 404);
}
