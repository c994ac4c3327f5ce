//! The deadline board and a case as the privacy officer's pages (R14, R20,
//! B4): a request recorded on the board's form, matched to its person,
//! verified, refused in writing with the authority's details, and the
//! letter read in the outbox page. Staff have no such pages.

mod common;
#[path = "common/pages.rs"]
mod pages;

use common::{Browser, TestApp, create_person};
use pages::{page, submit};
use rekisteri_domain::Role;

const PASSWORD: &str = "kesä on lyhyt mutta kaunis";

on_both_backends!(r14_the_officer_answers_a_request_on_the_deadline_board,);

async fn browser_of(app: &TestApp, name: &str, role: Role) -> Browser {
    app.user_with_password(name, role, PASSWORD).await;
    app.browser(name, PASSWORD).await
}

async fn r14_the_officer_answers_a_request_on_the_deadline_board(app: TestApp) {
    let (person, _) = create_person(&app, "Kaisa", "Kirjoittaja").await;
    let staff = browser_of(&app, "myyja", Role::Staff).await;
    assert_eq!(page(&app, &staff, "fi", "/requests").await.status, 403);
    assert_eq!(page(&app, &staff, "fi", "/outbox").await.status, 403);
    let po = browser_of(&app, "tietosuoja", Role::PrivacyOfficer).await;
    let board = page(&app, &po, "fi", "/requests").await;
    assert_eq!(board.status, 200, "{}", board.body);
    assert!(board.body.contains("Ei avoimia pyyntöjä."));
    // A bad form comes back with the field's error in Finnish.
    let bad = submit(
        &app,
        &po,
        "fi",
        "/requests",
        &[("kind", "access"), ("channel", "letter")],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("Pyytäjän sähköposti"));
    let made = submit(
        &app,
        &po,
        "fi",
        "/requests",
        &[
            ("kind", "access"),
            ("channel", "letter"),
            ("requester_name", "Kaisa Kirjoittaja"),
            ("requester_address", "Kauppakatu 12, 70100 Kuopio"),
        ],
    )
    .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let case_path = made.location.clone();
    let board = page(&app, &po, "en", "/requests").await;
    assert!(
        board.body.contains(&case_path[..]),
        "the board links the case"
    );
    assert!(board.body.contains("15 Dec 2026"), "{}", board.body);
    // The candidate by name; the officer confirms, then records identity.
    let case = page(&app, &po, "fi", &case_path).await;
    assert!(case.body.contains("Mahdolliset henkilöt") && case.body.contains("sama nimi"));
    let linked = submit(
        &app,
        &po,
        "fi",
        &format!("{case_path}/link"),
        &[("person_id", &person)],
    )
    .await;
    assert_eq!(linked.status, 303, "{}", linked.body);
    let verified = submit(
        &app,
        &po,
        "fi",
        &format!("{case_path}/verify"),
        &[(
            "note",
            "allekirjoitettu kirje, nimi ja osoite rekisterin mukaiset",
        )],
    )
    .await;
    assert_eq!(verified.status, 303, "{}", verified.body);
    // A refusal needs its reasons …
    let no_reason = submit(
        &app,
        &po,
        "fi",
        &format!("{case_path}/answer"),
        &[("outcome", "refused")],
    )
    .await;
    assert_eq!(no_reason.status, 422);
    let refused = submit(
        &app,
        &po,
        "fi",
        &format!("{case_path}/answer"),
        &[
            ("outcome", "refused"),
            ("answer", "Pyyntö on ilmeisen perusteeton."),
        ],
    )
    .await;
    assert_eq!(refused.status, 303, "{}", refused.body);
    let case = page(&app, &po, "fi", &case_path).await;
    assert!(case.body.contains("Evätty") && case.body.contains("Sulje pyyntö"));
    // … and the letter names the Data Protection Ombudsman (R20).
    let outbox = page(&app, &po, "fi", "/outbox").await;
    assert_eq!(outbox.status, 200);
    let href = outbox
        .body
        .split("href=\"/outbox/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a message in the outbox");
    let letter = page(&app, &po, "fi", &format!("/outbox/{href}")).await;
    assert!(letter.content_type.starts_with("text/plain"));
    assert!(
        letter.body.contains("Kauppakatu 12, 70100 Kuopio"),
        "a printable letter: {}",
        letter.body
    );
    assert!(letter.body.contains("Tietosuojavaltuutetun toimisto"));
    let closed = submit(&app, &po, "fi", &format!("{case_path}/close"), &[]).await;
    assert_eq!(closed.status, 303);
    assert!(
        page(&app, &po, "fi", "/requests")
            .await
            .body
            .contains("Ei avoimia pyyntöjä.")
    );
}
