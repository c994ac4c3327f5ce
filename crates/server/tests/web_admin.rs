//! The account, administration and audit pages of the web interface (R11,
//! B1), driven as a browser without JavaScript would: GETs with the session
//! cookie, urlencoded form posts with the `csrf` field and the origin.

mod common;

use common::{Browser, TestApp};
use rekisteri_domain::Clock;
use rekisteri_domain::Role;
use rekisteri_domain::totp::{TotpSecret, step_of};
use serde_json::json;

on_both_backends!(
    r11_a_one_time_password_leads_to_the_password_page_and_is_changed_there,
    r11_admin_adds_a_user_and_records_the_commitment_on_the_pages,
    b1_the_audit_page_filters_by_action_for_the_privacy_officer_only,
    r11_second_factor_enrolment_on_the_page,
    r11_own_language_sessions_and_tokens_on_the_account_page,
    r11_a_required_second_factor_leads_to_its_page,
);

const PASSWORD: &str = "kesä on lyhyt mutta kaunis";
const NEW_PASSWORD: &str = "syksyn lehdet putoavat hiljaa";

/// A page's status, redirect target and text.
struct Html {
    status: u16,
    location: String,
    text: String,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn html(res: reqwest::Response) -> Html {
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Html {
        status,
        location,
        text: res.text().await.unwrap(),
    }
}

async fn get(app: &TestApp, browser: &Browser, path: &str) -> Html {
    html(
        client()
            .get(format!("{}{path}", app.base))
            .header("Cookie", &browser.cookie)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn post(app: &TestApp, browser: &Browser, path: &str, fields: &[(&str, &str)]) -> Html {
    let mut form = vec![("csrf", browser.csrf.as_str())];
    form.extend_from_slice(fields);
    html(
        client()
            .post(format!("{}{path}", app.base))
            .header("Cookie", &browser.cookie)
            .header("Origin", &app.base)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&form).unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The text of the element with the id (`<x id="ID">text</x>`).
fn element(page: &str, id: &str) -> String {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let rest = &page[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap();
    rest[open..open + close].trim().to_string()
}

async fn r11_a_one_time_password_leads_to_the_password_page_and_is_changed_there(app: TestApp) {
    let admin = app.user("admin", Role::Admin).await;
    let created = app
        .send(
            reqwest::Method::POST,
            "/api/v1/users",
            Some(&admin),
            None,
            Some(json!({"name": "uusi", "role": "staff"})),
        )
        .await
        .expect(201);
    let one_time = created["one_time_password"].as_str().unwrap().to_string();
    app.commit("uusi").await;
    let browser = app.browser("uusi", &one_time).await;

    let start = get(&app, &browser, "/").await;
    assert_eq!(start.status, 303);
    assert_eq!(start.location, "/account/password");
    let form = get(&app, &browser, "/account/password").await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form.text.contains("name=\"new_password\""));

    // A mismatch is shown next to the field, in the user's language.
    let mismatch = post(
        &app,
        &browser,
        "/account/password",
        &[
            ("current_password", &one_time),
            ("new_password", NEW_PASSWORD),
            ("new_password_again", "something else entirely"),
        ],
    )
    .await;
    assert_eq!(mismatch.status, 200);
    assert!(mismatch.text.contains("id=\"err-new_password_again\""));

    let done = post(
        &app,
        &browser,
        "/account/password",
        &[
            ("current_password", &one_time),
            ("new_password", NEW_PASSWORD),
            ("new_password_again", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.text);
    assert_eq!(done.location, "/");
    // The session is kept and the start page opens.
    assert_eq!(get(&app, &browser, "/").await.status, 200);
    assert!(
        !app.store
            .user_by_name("uusi")
            .await
            .unwrap()
            .password_must_change
    );
    app.login("uusi", NEW_PASSWORD, None, None)
        .await
        .expect(200);
}

async fn r11_admin_adds_a_user_and_records_the_commitment_on_the_pages(app: TestApp) {
    app.user_with_password("paakayttaja", Role::Admin, PASSWORD)
        .await;
    let admin = app.browser("paakayttaja", PASSWORD).await;
    let list = get(&app, &admin, "/admin/users").await;
    assert_eq!(list.status, 200, "{}", list.text);

    let created = post(
        &app,
        &admin,
        "/admin/users",
        &[("name", "ville"), ("role", "staff")],
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let one_time = element(&created.text, "one-time-password");
    assert!(one_time.len() >= 12);

    // Ville chooses a password, then meets the no-commitment notice.
    let ville = app.browser("ville", &one_time).await;
    post(
        &app,
        &ville,
        "/account/password",
        &[
            ("current_password", &one_time),
            ("new_password", NEW_PASSWORD),
            ("new_password_again", NEW_PASSWORD),
        ],
    )
    .await;
    let notice = get(&app, &ville, "/").await;
    assert_eq!(notice.status, 403, "{}", notice.text);
    assert!(notice.text.contains("no_commitment"));

    let id = app
        .store
        .user_by_name("ville")
        .await
        .unwrap()
        .id
        .to_string();
    let detail = get(&app, &admin, &format!("/admin/users/{id}")).await;
    assert_eq!(detail.status, 200, "{}", detail.text);
    let today = app.clock.now().date().to_string();
    let recorded = post(
        &app,
        &admin,
        &format!("/admin/users/{id}/commitments"),
        &[("signed_on", &today), ("document_version", "2")],
    )
    .await;
    assert_eq!(recorded.status, 303, "{}", recorded.text);
    let detail = get(&app, &admin, &format!("/admin/users/{id}")).await;
    assert!(detail.text.contains("<td>2</td>"), "{}", detail.text);
    assert_eq!(get(&app, &ville, "/").await.status, 200);

    // A date in the wrong shape is shown next to its field.
    let wrong = post(
        &app,
        &admin,
        &format!("/admin/users/{id}/commitments"),
        &[("signed_on", "eilen"), ("document_version", "2")],
    )
    .await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.text.contains("id=\"err-signed_on\""));
}

async fn b1_the_audit_page_filters_by_action_for_the_privacy_officer_only(app: TestApp) {
    app.user_with_password("tietosuoja", Role::PrivacyOfficer, PASSWORD)
        .await;
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let staff = app.browser("maija", PASSWORD).await;
    common::create_person(&app, "Aino", "Virtanen").await;
    let officer = app.browser("tietosuoja", PASSWORD).await;

    let logins = get(&app, &officer, "/audit?action=login").await;
    assert_eq!(logins.status, 200, "{}", logins.text);
    let rows = logins.text.matches("data-action=").count();
    assert!(rows >= 2, "{}", logins.text);
    assert_eq!(logins.text.matches("data-action=\"login\"").count(), rows);

    let creates = get(&app, &officer, "/audit?action=create&record_type=person").await;
    assert_eq!(creates.status, 200);
    assert!(creates.text.contains("data-action=\"create\""));
    assert!(!creates.text.contains("data-action=\"login\""));

    // Dates are days in the interface's zone; "to" includes its day.
    let today = get(
        &app,
        &officer,
        "/audit?action=login&from=2026-11-24&to=2026-11-24",
    )
    .await;
    assert_eq!(today.text.matches("data-action=\"login\"").count(), rows);
    let later = get(&app, &officer, "/audit?action=login&from=2026-11-25").await;
    assert!(!later.text.contains("data-action="));
    let earlier = get(&app, &officer, "/audit?action=login&to=2026-11-23").await;
    assert!(!earlier.text.contains("data-action="));

    let verified = get(&app, &officer, "/audit?verify=1").await;
    assert!(verified.text.contains("id=\"chain-result\""));
    assert!(verified.text.contains("alert ok"), "{}", verified.text);

    assert_eq!(get(&app, &staff, "/audit").await.status, 403);
}

async fn r11_second_factor_enrolment_on_the_page(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let browser = app.browser("maija", PASSWORD).await;
    let setup = get(&app, &browser, "/account/second-factor").await;
    assert_eq!(setup.status, 200, "{}", setup.text);
    assert!(setup.text.contains("<svg"));
    assert!(setup.text.contains("otpauth://totp/"));
    let secret = TotpSecret::from_base32(&element(&setup.text, "totp-secret")).unwrap();
    // A reload (or a second tab) shows the same pending secret.
    let again = get(&app, &browser, "/account/second-factor").await;
    assert_eq!(element(&again.text, "totp-secret"), secret.to_base32());

    let wrong = post(
        &app,
        &browser,
        "/account/second-factor",
        &[("code", "000000"), ("current_password", PASSWORD)],
    )
    .await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.text.contains("id=\"err-code\""));

    let code = secret.code_at(step_of(app.clock.now()));
    let done = post(
        &app,
        &browser,
        "/account/second-factor",
        &[("code", &code), ("current_password", PASSWORD)],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text);
    let start = done.text.find("id=\"recovery-codes\"").unwrap();
    let list = &done.text[start..];
    let list = &list[..list.find("</ol>").unwrap()];
    assert_eq!(list.matches("<li>").count(), 10);
    assert!(app.store.user_by_name("maija").await.unwrap().second_factor);
}

async fn r11_own_language_sessions_and_tokens_on_the_account_page(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let laptop = app.browser("maija", PASSWORD).await;
    let phone = app.browser("maija", PASSWORD).await;
    let page = get(&app, &laptop, "/account").await;
    assert_eq!(page.status, 200, "{}", page.text);
    // Two sessions; only the other one can be ended here.
    assert_eq!(page.text.matches("/end\"").count(), 1);

    let saved = post(&app, &laptop, "/account/language", &[("language", "fi")]).await;
    assert_eq!(saved.status, 303);
    let page = get(&app, &laptop, "/account").await;
    assert!(page.text.contains("<html lang=\"fi\""));
    assert_eq!(
        app.store
            .user_by_name("maija")
            .await
            .unwrap()
            .language
            .as_deref(),
        Some("fi")
    );
    // A field error in Finnish.
    let short = post(
        &app,
        &laptop,
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", "lyhyt"),
            ("new_password_again", "lyhyt"),
        ],
    )
    .await;
    assert!(
        short.text.contains("on oltava vähintään 12 merkkiä"),
        "{}",
        short.text
    );

    // The other session ends.
    let start = page.text.find("/account/sessions/").unwrap();
    let path = &page.text[start..start + page.text[start..].find('"').unwrap()];
    assert_eq!(post(&app, &laptop, path, &[]).await.status, 303);
    assert_eq!(get(&app, &phone, "/account").await.status, 303);

    // A token, shown once, works on the API and is revoked.
    let made = post(
        &app,
        &laptop,
        "/account/tokens",
        &[("label", "raportit"), ("days", "30")],
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.text);
    let token = element(&made.text, "new-token");
    app.send(reqwest::Method::GET, "/api/v1/me", Some(&token), None, None)
        .await
        .expect(200);
    let start = made.text.find("/account/tokens/").unwrap();
    let path = &made.text[start..start + made.text[start..].find('"').unwrap()];
    assert_eq!(post(&app, &laptop, path, &[]).await.status, 303);
    let refused = app
        .send(reqwest::Method::GET, "/api/v1/me", Some(&token), None, None)
        .await;
    assert_eq!(refused.status, 401);
}

async fn r11_a_required_second_factor_leads_to_its_page(app: TestApp) {
    app.user_with_password("paakayttaja", Role::Admin, PASSWORD)
        .await;
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let admin = app.browser("paakayttaja", PASSWORD).await;
    let saved = post(
        &app,
        &admin,
        "/admin/settings",
        &[("require_second_factor", "on")],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    assert!(
        app.store
            .second_factor_required(app.clock.now())
            .await
            .unwrap()
    );
    let maija = app.browser("maija", PASSWORD).await;
    let start = get(&app, &maija, "/").await;
    assert_eq!(start.status, 303);
    assert_eq!(start.location, "/account/second-factor");
    let setup = get(&app, &maija, "/account/second-factor").await;
    assert_eq!(setup.status, 200, "{}", setup.text);
    assert!(setup.text.contains("id=\"totp-secret\""));
}
