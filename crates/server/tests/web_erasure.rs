//! The privacy officer's erasure section on the person page (R8, R21):
//! the holds in the user's language, the confirmed form, the scheduled
//! erasure; staff see no form and may not post it.

mod common;
#[path = "common/disclosing.rs"]
mod disclosing;
#[path = "common/erasing.rs"]
mod erasing;

use common::{TestApp, create_person};
use disclosing::{PASSWORD, web};
use erasing::{invoice, set_status};
use rekisteri_domain::Role;
use reqwest::Method;

on_both_backends!(r8_web_the_officer_sees_the_holds_and_erases_with_the_form,);

async fn r8_web_the_officer_sees_the_holds_and_erases_with_the_form(app: TestApp) {
    app.user_with_password("tietosuoja", Role::PrivacyOfficer, PASSWORD)
        .await;
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let officer = app.browser("tietosuoja", PASSWORD).await;
    let staff = app.browser("maija", PASSWORD).await;
    let (person, _) = create_person(&app, "Hilkka", "Lomakkeella").await;
    let (id, etag, body) = invoice(&app, &person, "L-300", "open").await;
    let path = format!("/people/{person}");
    let form = format!(r#"action="/people/{person}/erasure""#);
    // Staff see no erasure section, and may not post the form.
    let page = web(&app, &staff, Method::GET, &path, &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Lomakkeella") && !page.contains(&form));
    let refused = web(
        &app,
        &staff,
        Method::POST,
        &format!("{path}/erasure"),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(refused.status(), 403);
    // The officer sees the hold (in Finnish) and the form.
    let page = web(&app, &officer, Method::GET, &path, &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&form), "{page}");
    assert!(page.contains("Avoin lasku L-300"), "{page}");
    // Without the confirmation nothing happens.
    let unconfirmed = web(
        &app,
        &officer,
        Method::POST,
        &format!("{path}/erasure"),
        &[],
    )
    .await;
    assert_eq!(unconfirmed.status(), 422);
    // Held: scheduled, and the page says so.
    let held = web(
        &app,
        &officer,
        Method::POST,
        &format!("{path}/erasure"),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(held.status(), 303);
    let page = web(&app, &officer, Method::GET, &path, &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Poistoa pyydetty"), "{page}");
    // Paid: the scheduled erasure runs; the page is gone.
    set_status(&app, &id, &etag, body, "paid").await;
    app.outbox.run_jobs().await;
    assert_eq!(
        web(&app, &officer, Method::GET, &path, &[]).await.status(),
        404
    );
    // A person without holds is erased by the form at once.
    let (other, _) = create_person(&app, "Heikki", "Heti").await;
    let page = web(
        &app,
        &officer,
        Method::GET,
        &format!("/people/{other}"),
        &[],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(page.contains("Mikään ei estä poistamista"), "{page}");
    let done = web(
        &app,
        &officer,
        Method::POST,
        &format!("/people/{other}/erasure"),
        &[("confirm", "yes")],
    )
    .await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "/people?erased=1");
    assert_eq!(app.count("people").await, 0);
}
