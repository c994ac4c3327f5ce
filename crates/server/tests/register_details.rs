//! The register's details as configuration (R1): the admin changes the
//! controller, the contact person and the authority on the API and the
//! settings page; every change is checked, audited and kept as a version;
//! letters, reminders and the portal use the current values.

mod common;
#[path = "common/pages.rs"]
mod pages;

use common::TestApp;
use pages::{page, submit};
use rekisteri_domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    r1_the_admin_changes_the_register_details_and_the_register_uses_them,
    r1_the_settings_page_checks_and_keeps_the_details,
);

const PASSWORD: &str = "rekisterin tiedot ovat tärkeät";

fn changed(current: &Value) -> Value {
    let mut details = current["details"].clone();
    details["controller"]["name"] = json!("Savon Kirjapaino Oy");
    details["controller"]["business_id"] = json!("0737546-2");
    details["contact"]["name"] = json!("Tuula Tietosuoja");
    details["contact"]["email"] = json!("tietosuoja@kirjapaino.example");
    details
}

async fn r1_the_admin_changes_the_register_details_and_the_register_uses_them(app: TestApp) {
    let admin = app.user("yllapito", Role::Admin).await;
    let staff = app.user("toimisto", Role::Staff).await;
    let officer = app.user("tietosuoja", Role::PrivacyOfficer).await;
    let path = "/api/v1/settings/register";
    // The seed notice's details until changed: version 0.
    let first = app.send(Method::GET, path, Some(&admin), None, None).await;
    assert_eq!(first.etag(), "\"0\"");
    let current = first.expect(200);
    assert_eq!(current["version"], 0);
    assert_eq!(current["details"]["controller"]["name"], "MT Mediateko Oy");
    for token in [&staff, &officer] {
        app.send(
            Method::PUT,
            path,
            Some(token),
            Some("\"0\""),
            Some(changed(&current)),
        )
        .await
        .expect(403);
    }
    // Checked field by field: a wrong check digit is named.
    let mut wrong = changed(&current);
    wrong["controller"]["business_id"] = json!("0737546-3");
    let refused = app
        .send(Method::PUT, path, Some(&admin), Some("\"0\""), Some(wrong))
        .await
        .expect(422);
    assert_eq!(
        refused["error"]["field"], "controller.business_id",
        "{refused}"
    );
    // Saved as version 1; an edit of version 0 after that is refused.
    let saved = app
        .send(
            Method::PUT,
            path,
            Some(&admin),
            Some("\"0\""),
            Some(changed(&current)),
        )
        .await;
    assert_eq!(saved.etag(), "\"1\"");
    let saved = saved.expect(200);
    assert_eq!(saved["details"]["contact"]["name"], "Tuula Tietosuoja");
    app.send(
        Method::PUT,
        path,
        Some(&admin),
        Some("\"0\""),
        Some(changed(&current)),
    )
    .await
    .expect(412);
    let versions = app
        .send(
            Method::GET,
            &format!("{path}/versions"),
            Some(&admin),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(versions.as_array().unwrap().len(), 1);
    assert!(
        app.audit()
            .await
            .iter()
            .any(|e| e.0 == "setting" && e.2 == "register_details:1"),
        "the change is audited"
    );

    // A request's letter is signed with the new details, the reminder goes
    // to the new contact person, and the portal names the new controller.
    let case = app
        .send(
            Method::POST,
            "/api/v1/requests",
            Some(&officer),
            None,
            Some(
                json!({"kind": "access", "channel": "email", "requester_name": "Veera Versio",
                        "requester_email": "veera@example.fi"}),
            ),
        )
        .await
        .expect(201);
    let id = case["id"].as_str().unwrap();
    // Seven days before the deadline: the reminder.
    app.clock.advance_days(14);
    rekisteri::services::periodic::tick(&app.state)
        .await
        .unwrap();
    app.send(
        Method::POST,
        &format!("/api/v1/requests/{id}/extend"),
        Some(&officer),
        None,
        Some(json!({"extended_to": "2027-01-20", "reason": "Arkisto on suljettu."})),
    )
    .await
    .expect(200);
    app.clock.advance_days(14);
    rekisteri::services::periodic::tick(&app.state)
        .await
        .unwrap();
    let mut texts = Vec::new();
    for entry in app.outbox.list().await.unwrap() {
        let raw = app.outbox.read(&entry.file).await.unwrap().unwrap();
        texts.push(String::from_utf8_lossy(&raw).into_owned());
    }
    assert!(
        texts
            .iter()
            .any(|t| t.contains("To: veera@example.fi") && t.contains("Savon Kirjapaino Oy")),
        "the extension is signed with the new controller: {texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("To: tietosuoja@kirjapaino.example") && t.contains("Reminder")),
        "the reminder goes to the new contact person: {texts:?}"
    );
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("annika.kettunen@mediateko.fi"))
    );
    let portal = app
        .client
        .get(format!("{}/portal", app.base))
        .send()
        .await
        .unwrap();
    let body = portal.text().await.unwrap();
    assert!(
        body.contains("Savon Kirjapaino Oy"),
        "the portal names the controller"
    );
}

async fn r1_the_settings_page_checks_and_keeps_the_details(app: TestApp) {
    app.user_with_password("paakayttaja", Role::Admin, PASSWORD)
        .await;
    let admin = app.browser("paakayttaja", PASSWORD).await;
    let form = page(&app, &admin, "fi", "/admin/settings/register").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Y-tunnus") && form.body.contains("2231129-9"));
    let mut fields: Vec<(&str, &str)> = vec![
        ("version", "0"),
        ("controller.name", "Savon Kirjapaino Oy"),
        ("controller.business_id", "0737546-3"),
        ("controller.street", "Satamakatu 3"),
        ("controller.postal_code", "70100"),
        ("controller.city", "Kuopio"),
        ("contact.name", "Tuula Tietosuoja"),
        ("contact.phone", "040 123 4567"),
        ("contact.email", "tietosuoja@kirjapaino.example"),
        ("authority.name_fi", "Tietosuojavaltuutetun toimisto"),
        (
            "authority.name_en",
            "Office of the Data Protection Ombudsman",
        ),
        ("authority.street", "Lintulahdenkuja 4, 00530 Helsinki"),
        ("authority.postal_address", "PL 800, 00531 Helsinki"),
        ("authority.phone", "029 566 6700"),
        ("authority.email", "tietosuoja@om.fi"),
        ("authority.website", "https://tietosuoja.fi"),
    ];
    let refused = submit(&app, &admin, "fi", "/admin/settings/register", &fields).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("err-controller.business_id"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"Satamakatu 3\""),
        "the form keeps what was typed"
    );
    fields[2] = ("controller.business_id", "0737546-2");
    let saved = submit(&app, &admin, "en", "/admin/settings/register", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let shown = page(&app, &admin, "en", "/admin/settings/register?saved=1").await;
    assert!(shown.body.contains("details are saved"), "{}", shown.body);
    assert!(
        shown.body.contains("Savon Kirjapaino Oy (0737546-2)"),
        "the version is listed"
    );
    // In normal form: the phone as E.164.
    assert!(shown.body.contains("+358401234567"));
    // The same version again is a conflict, not an overwrite.
    let stale = submit(&app, &admin, "fi", "/admin/settings/register", &fields).await;
    assert_eq!(stale.status, 409);
}
