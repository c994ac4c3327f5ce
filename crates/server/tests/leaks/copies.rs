//! R21 in `leaks.rs`: the files the command line writes with people's
//! data are recorded, named in the access report and listed on the
//! officer's erasure section, to be destroyed.

use crate::common::{TestApp, create_person};
use crate::disclosing::{fi_recipient, rekisteri};
use crate::erasing::{erase, officer};
use crate::{pages, staff_browser};
use rekisteri_domain::Role;
use reqwest::Method;
use serde_json::Value;

/// The recorded copies: (kind, path, people, made_by) by time.
async fn copies(app: &TestApp) -> Vec<(String, String, i64, Option<String>)> {
    use sqlx::Row;
    sqlx::query("SELECT kind, path, people, made_by FROM export_copies ORDER BY made_at, id")
        .fetch_all(app.store.read_pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get("kind"),
                r.get("path"),
                r.get("people"),
                r.get("made_by"),
            )
        })
        .collect()
}

/// Runs the command line and says what it said when it failed.
async fn run(app: &TestApp, args: &[&str]) {
    let out = rekisteri(app, args).await;
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub async fn r21_files_written_by_the_command_line_are_recorded_reported_and_listed_for_erasure(
    app: TestApp,
) {
    let officer = officer(&app).await;
    let (anna, _) = create_person(&app, "Anna", "Vientinen").await;
    let (bertta, _) = create_person(&app, "Bertta", "Listalla").await;
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    // To standard output nothing is on disk for the register to know of.
    run(&app, &["export", "people"]).await;
    assert!(copies(&app).await.is_empty());
    let (people, audience, disclosed) = (
        file("henkilot.json"),
        file("lista.csv"),
        file("luovutus.json"),
    );
    run(&app, &["export", "people", "--output", &people]).await;
    run(
        &app,
        &[
            "export",
            "audience",
            "--channel",
            "letter",
            "--marketing-purpose",
            "direct_marketing",
            "--purpose",
            "customer_relationship",
            "--output",
            &audience,
        ],
    )
    .await;
    let recipient = fi_recipient(&app, "Perintä Oy").await;
    run(
        &app,
        &[
            "disclose",
            "--recipient",
            &recipient,
            "--ground",
            "debt_collection",
            "--purpose",
            "order_management",
            "--categories",
            "name",
            "--person",
            &anna,
            "--as",
            "staff",
            "--out",
            &disclosed,
        ],
    )
    .await;
    // Each file: what wrote it, where, how many people; the disclosure by its user.
    let staff = app
        .store
        .user_by_name("staff")
        .await
        .unwrap()
        .id
        .to_string();
    assert_eq!(
        copies(&app).await,
        [
            ("people".into(), people.clone(), 2, None),
            ("audience".into(), audience.clone(), 2, None),
            ("disclosure".into(), disclosed.clone(), 1, Some(staff)),
        ]
    );
    assert_eq!(app.count("export_copy_people").await, 5);
    // Audited: the copy, and each person in it.
    let audit = app.audit().await;
    let made: Vec<_> = audit
        .iter()
        .filter(|r| r.0 == "create" && r.1 == "export_copy")
        .collect();
    assert_eq!(made.len(), 3 + 5);
    assert_eq!(
        made.iter()
            .filter(|r| r.3.as_deref() == Some(anna.as_str()))
            .count(),
        3
    );
    assert_eq!(
        made.iter()
            .filter(|r| r.3.as_deref() == Some(bertta.as_str()))
            .count(),
        2
    );
    assert!(made.iter().any(|r| r.4 == "order_management"));

    // The access report names the copies the person is in.
    let report = |person: String, format: &'static str| {
        let (app, officer) = (&app, officer.clone());
        async move {
            app.send(
                Method::GET,
                &format!("/api/v1/people/{person}/report?format={format}&lang=fi"),
                Some(&officer),
                None,
                None,
            )
            .await
            .expect(200)
        }
    };
    let json_of = |r: &Value| -> Vec<(String, String, i64)> {
        r["export_copies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["kind"].as_str().unwrap().to_string(),
                    c["path"].as_str().unwrap().to_string(),
                    c["people"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let of_anna = report(anna.clone(), "json").await;
    assert_eq!(
        json_of(&of_anna),
        [
            ("people".into(), people.clone(), 2),
            ("audience".into(), audience.clone(), 2),
            ("disclosure".into(), disclosed.clone(), 1),
        ]
    );
    assert_eq!(of_anna["export_copies"][2]["purpose"], "order_management");
    assert!(of_anna["export_copies"][0].get("made_by").is_none());
    let of_bertta = report(bertta.clone(), "json").await;
    assert_eq!(json_of(&of_bertta).len(), 2);
    let html = report(anna.clone(), "html").await;
    let html = html.as_str().unwrap();
    assert!(
        html.contains("Tiedostot, joihin tietojasi on kirjoitettu"),
        "{html}"
    );
    assert!(html.contains(&disclosed) && html.contains("Luovutuksen tiedot"));
    let zip = report(anna.clone(), "csv").await;
    assert!(zip.as_str().unwrap().contains("export_copies.csv"));

    // The officer's erasure section lists the files, to be destroyed.
    let po = staff_browser(&app, "tietosuoja2", Role::PrivacyOfficer).await;
    let page = pages::page(&app, &po, "fi", &format!("/people/{anna}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("hävitä jokainen"), "{}", page.body);
    for path in [&people, &audience, &disclosed] {
        assert!(page.body.contains(path.as_str()), "{path}");
    }
    assert!(page.body.contains("Markkinointilista"));
    let b = staff_browser(&app, "myyja", Role::Staff).await;
    let page = pages::page(&app, &b, "fi", &format!("/people/{anna}")).await;
    assert!(
        !page.body.contains(&disclosed),
        "staff see no erasure section"
    );
    // Erased, the copies stay recorded (ids only), as disclosures do.
    erase(&app, &officer, &anna).await.expect(200);
    assert_eq!(copies(&app).await.len(), 3);
    assert_eq!(app.count("export_copy_people").await, 5);
}
