//! The people pages as a browser uses them: forms posted with the session
//! cookie and the CSRF field, pages read as HTML.

mod common;
#[path = "common/pages.rs"]
mod pages;

use common::{Browser, TestApp, create_person};
use pages::{page, submit};
use rekisteri_domain::Role;
use serde_json::json;

const PASSWORD: &str = "kesä on lyhyt mutta kaunis";

async fn staff(app: &TestApp) -> Browser {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    app.browser("maija", PASSWORD).await
}

async fn r3_a_person_added_with_the_form_keeps_the_phone_in_e164(app: TestApp) {
    let b = staff(&app).await;
    let form = page(&app, &b, "en", "/people/new").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains(r#"name="phones""#));
    let done = submit(
        &app,
        &b,
        "en",
        "/people",
        &[
            ("first_name", "Matti"),
            ("last_name", "Virtanen"),
            ("emails", "matti@esimerkki.fi\n"),
            ("phones", "040 123 4567"),
            ("street", "Kauppakatu 12"),
            ("postal_code", "70100"),
            ("city", "Kuopio"),
            ("source", "own_notice"),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let id = done.location.trim_start_matches("/people/").to_string();
    let stored = app.get(&format!("/api/v1/people/{id}")).await.expect(200);
    assert_eq!(stored["phones"][0]["value"], "+358401234567");
    assert_eq!(stored["phones"][0]["source"], "own_notice");
    let shown = page(&app, &b, "en", &done.location).await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.contains("+358401234567"));
    assert!(
        shown.body.contains("Told by the person"),
        "the source is shown"
    );
    let list = page(&app, &b, "en", "/people?q=Virt").await;
    assert!(list.body.contains("Virtanen, Matti"));
    let none = page(&app, &b, "en", "/people?q=Xyz").await;
    assert!(!none.body.contains("Virtanen, Matti"));
}

async fn r3_a_bad_email_is_named_in_finnish_and_nothing_is_stored(app: TestApp) {
    let b = staff(&app).await;
    let before = app.count("people").await;
    let reply = submit(
        &app,
        &b,
        "fi",
        "/people",
        &[
            ("first_name", "Liisa"),
            ("last_name", "Korhonen"),
            ("emails", "liisa.example.fi"),
            ("phones", "040 765 4321"),
        ],
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains(r#"id="err-emails""#), "{}", reply.body);
    assert!(
        reply.body.contains("osoitteessa on oltava @"),
        "the Finnish message: {}",
        reply.body
    );
    assert!(reply.body.contains(r#"aria-invalid="true""#));
    assert!(reply.body.contains("liisa.example.fi"), "the input is kept");
    assert!(reply.body.contains("Korhonen"), "the input is kept");
    assert_eq!(app.count("people").await, before);
}

async fn r3_an_edit_conflict_shows_the_conflict_and_overwrites_nothing(app: TestApp) {
    let b = staff(&app).await;
    let (id, etag) = create_person(&app, "Pekka", "Nieminen").await;
    let form = page(&app, &b, "fi", &format!("/people/{id}/edit")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let version = etag.trim_matches('"').to_string();
    assert!(
        form.body
            .contains(&format!(r#"name="version" value="{version}""#))
    );
    // Someone else saves first.
    let mut other = common::person_json("Pekka", "Toinen");
    other["source"] = json!("staff_entry");
    app.put(&format!("/api/v1/people/{id}"), &etag, other)
        .await
        .expect(200);
    let reply = submit(
        &app,
        &b,
        "fi",
        &format!("/people/{id}/edit"),
        &[
            ("first_name", "Pekka"),
            ("last_name", "Minun"),
            ("version", &version),
        ],
    )
    .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(
        reply
            .body
            .contains(r#"class="alert conflict" role="alert""#)
    );
    assert!(
        reply
            .body
            .contains("Joku muu muutti tätä henkilöä sillä välin")
    );
    assert!(reply.body.contains(&format!(r#"href="/people/{id}/edit""#)));
    assert!(reply.body.contains("Minun"), "the user's input is kept");
    let stored = app.get(&format!("/api/v1/people/{id}")).await.expect(200);
    assert_eq!(stored["last_name"], "Toinen");
}

async fn r4_a_partner_sees_no_contacts_or_notes_on_the_person_page(app: TestApp) {
    let (id, _) = create_person(&app, "Anna", "Laine").await;
    app.post(
        "/api/v1/notes",
        json!({"person_id": id, "kind": "meeting_note", "body": "Salainen neuvottelu"}),
    )
    .await
    .expect(201);
    let b = staff(&app).await;
    let own = page(&app, &b, "fi", &format!("/people/{id}")).await;
    assert!(own.body.contains("Salainen neuvottelu"));
    assert!(own.body.contains("+358401234567"));
    assert!(own.body.contains("id=\"note-"));
    app.user_with_password("kirsi", Role::Partner, PASSWORD)
        .await;
    let partner = app.browser("kirsi", PASSWORD).await;
    let seen = page(&app, &partner, "fi", &format!("/people/{id}")).await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert!(seen.body.contains("Laine"));
    for secret in [
        "+358401234567",
        "anna.laine@esimerkki.fi",
        "Salainen neuvottelu",
        "/notes/",
        "myyntipäällikkö",
    ] {
        assert!(!seen.body.contains(secret), "partner sees {secret}");
    }
}

async fn r3_a_meeting_is_added_for_a_person_with_a_local_time(app: TestApp) {
    let b = staff(&app).await;
    let (id, _) = create_person(&app, "Ville", "Heikkinen").await;
    let form = page(
        &app,
        &b,
        "en",
        &format!("/notes/new?person_id={id}&kind=meeting"),
    )
    .await;
    assert_eq!(form.status, 200, "{}", form.body);
    let missing = submit(
        &app,
        &b,
        "en",
        "/notes",
        &[
            ("person_id", &id),
            ("kind", "meeting"),
            ("body", "Kick-off"),
        ],
    )
    .await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert!(missing.body.contains(r#"id="err-due_at""#));
    let done = submit(
        &app,
        &b,
        "en",
        "/notes",
        &[
            ("person_id", &id),
            ("kind", "meeting"),
            ("body", "Kick-off"),
            ("due_at", "2026-12-01T10:00"),
            ("source", "staff_entry"),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(done.location.starts_with(&format!("/people/{id}#note-")));
    let notes = app
        .get(&format!("/api/v1/notes?person_id={id}"))
        .await
        .expect(200);
    assert_eq!(notes["items"][0]["due_at"], "2026-12-01T08:00:00Z");
    let shown = page(&app, &b, "en", &format!("/people/{id}")).await;
    assert!(shown.body.contains("Kick-off"));
    assert!(shown.body.contains("1 Dec 2026, 10:00"));
}

on_both_backends!(
    r3_a_person_added_with_the_form_keeps_the_phone_in_e164,
    r3_a_bad_email_is_named_in_finnish_and_nothing_is_stored,
    r3_an_edit_conflict_shows_the_conflict_and_overwrites_nothing,
    r4_a_partner_sees_no_contacts_or_notes_on_the_person_page,
    r3_a_meeting_is_added_for_a_person_with_a_local_time,
);
