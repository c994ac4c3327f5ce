//! Logging in to the web interface (R11, ASVS V6–V7), driven over HTTP
//! against the real server on both databases: the session cookie, CSRF,
//! logout, timeouts, the second factor, throttling of failed logins, one-time
//! passwords, disabling users, and API tokens.

mod common;

use common::{Browser, TestApp, person_json, reply_of, session_cookie};
use rekisteri_domain::Clock;
use rekisteri_domain::Role;
use rekisteri_domain::totp::{TotpSecret, step_of};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    r11_login_sets_a_host_only_cookie_and_renews_the_session_id,
    r11_logout_ends_the_session_on_the_server,
    r11_unsafe_requests_need_the_csrf_token_and_the_same_origin,
    r11_sessions_end_when_idle_and_after_twelve_hours,
    r11_users_list_and_end_their_own_sessions_only,
    r11_totp_codes_are_single_use_and_recovery_codes_work_once,
    r11_an_admin_can_require_a_second_factor_of_everyone,
    r11_failed_logins_slow_down_and_an_admin_unlocks,
    r11_a_one_time_password_must_be_changed_first,
    r11_disabling_a_user_ends_their_sessions_and_tokens_at_once,
    r11_tokens_have_roles_expiry_and_are_listed_and_revocable,
    b1_logins_refusals_and_account_changes_are_audited,
);

const PASSWORD: &str = "kesä on lyhyt mutta kaunis";

async fn r11_login_sets_a_host_only_cookie_and_renews_the_session_id(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let first = app.login("maija", PASSWORD, None, None).await;
    let set_cookie = first
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for attribute in [
        "__Host-rekisteri-session=",
        "Path=/",
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
    ] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(
        !set_cookie.contains("Domain"),
        "a __Host- cookie names no domain"
    );
    let old = session_cookie(&first).unwrap();
    let body = first.expect(200);
    assert_eq!(body["user"]["name"], "maija");
    let browser = Browser {
        cookie: old.clone(),
        csrf: body["csrf_token"].as_str().unwrap().into(),
    };
    app.send_in(&browser, Method::GET, "/api/v1/people", None)
        .await
        .expect(200);

    // Logging in again from the same browser gives a new id and ends the old one.
    let again = app.login("maija", PASSWORD, None, Some(&old)).await;
    let new = session_cookie(&again).unwrap();
    assert_ne!(new, old);
    again.expect(200);
    assert_eq!(
        app.send_in(&browser, Method::GET, "/api/v1/people", None)
            .await
            .status,
        401
    );
}

async fn r11_logout_ends_the_session_on_the_server(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let browser = app.browser("maija", PASSWORD).await;
    let out = app
        .send_in(&browser, Method::DELETE, "/api/v1/session", None)
        .await;
    assert_eq!(out.status, 204);
    let cleared = out.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // The browser that kept the cookie anyway is not let in.
    let after = app
        .send_in(&browser, Method::GET, "/api/v1/session", None)
        .await;
    assert_eq!(after.status, 401);
}

async fn r11_unsafe_requests_need_the_csrf_token_and_the_same_origin(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let browser = app.browser("maija", PASSWORD).await;
    let url = format!("{}/api/v1/people", app.base);
    let without = reply_of(
        app.client
            .post(&url)
            .header("Cookie", &browser.cookie)
            .json(&person_json("Matti", "Virtanen")),
    )
    .await;
    assert_eq!(without.status, 403);
    assert_eq!(without.body["error"]["code"], "csrf");
    let cross_site = reply_of(
        app.client
            .post(&url)
            .header("Cookie", &browser.cookie)
            .header("X-CSRF-Token", &browser.csrf)
            .header("Origin", "https://evil.example")
            .json(&person_json("Matti", "Virtanen")),
    )
    .await;
    assert_eq!(cross_site.status, 403);
    let same_site = reply_of(
        app.client
            .post(&url)
            .header("Cookie", &browser.cookie)
            .header("X-CSRF-Token", &browser.csrf)
            .header("Origin", &app.base)
            .json(&person_json("Matti", "Virtanen")),
    )
    .await;
    assert_eq!(same_site.status, 201, "{}", same_site.body);
    assert_eq!(
        app.count("people").await,
        1,
        "the refused requests stored nothing"
    );
    // Reading needs no token: a GET changes nothing.
    let read = reply_of(app.client.get(&url).header("Cookie", &browser.cookie)).await;
    assert_eq!(read.status, 200);
    // A login form posted from another site is refused too.
    let forged = reply_of(
        app.client
            .post(format!("{}/api/v1/session", app.base))
            .header("Origin", "https://evil.example")
            .json(&json!({"name": "maija", "password": PASSWORD})),
    )
    .await;
    assert_eq!(forged.status, 403);
}

async fn r11_sessions_end_when_idle_and_after_twelve_hours(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let minute = 60_000_000;
    let idle = app.browser("maija", PASSWORD).await;
    app.clock.advance_micros(29 * minute);
    app.send_in(&idle, Method::GET, "/api/v1/me", None)
        .await
        .expect(200);
    app.clock.advance_micros(29 * minute);
    app.send_in(&idle, Method::GET, "/api/v1/me", None)
        .await
        .expect(200);
    app.clock.advance_micros(31 * minute);
    assert_eq!(
        app.send_in(&idle, Method::GET, "/api/v1/me", None)
            .await
            .status,
        401
    );

    let busy = app.browser("maija", PASSWORD).await;
    for _ in 0..(12 * 3) {
        app.send_in(&busy, Method::GET, "/api/v1/me", None)
            .await
            .expect(200);
        app.clock.advance_micros(20 * minute);
    }
    assert_eq!(
        app.send_in(&busy, Method::GET, "/api/v1/me", None)
            .await
            .status,
        401,
        "twelve hours after login the session ends however busy"
    );
}

async fn r11_users_list_and_end_their_own_sessions_only(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    app.user_with_password("pekka", Role::Staff, PASSWORD).await;
    let laptop = app.browser("maija", PASSWORD).await;
    let phone = app.browser("maija", PASSWORD).await;
    let pekka = app.browser("pekka", PASSWORD).await;
    let mine = app
        .send_in(&laptop, Method::GET, "/api/v1/me/sessions", None)
        .await
        .expect(200);
    assert_eq!(mine.as_array().unwrap().len(), 2);
    let theirs = app
        .send_in(&pekka, Method::GET, "/api/v1/me/sessions", None)
        .await
        .expect(200);
    let pekkas = theirs[0]["id"].as_str().unwrap().to_string();
    // Another user's session is not found, whatever its id.
    let guess = app
        .send_in(
            &laptop,
            Method::DELETE,
            &format!("/api/v1/me/sessions/{pekkas}"),
            None,
        )
        .await;
    assert_eq!(guess.status, 404);
    app.send_in(&pekka, Method::GET, "/api/v1/me", None)
        .await
        .expect(200);
    // Ending the phone's session from the laptop.
    let ids: Vec<String> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    // The newest session (the phone's) is listed first.
    app.send_in(
        &laptop,
        Method::DELETE,
        &format!("/api/v1/me/sessions/{}", ids[0]),
        None,
    )
    .await
    .expect(204);
    assert_eq!(
        app.send_in(&phone, Method::GET, "/api/v1/me", None)
            .await
            .status,
        401
    );
    app.send_in(&laptop, Method::GET, "/api/v1/me", None)
        .await
        .expect(200);
}

/// Enrols TOTP for the browser's user; returns the secret and the recovery codes.
async fn enrol(app: &TestApp, browser: &Browser) -> (TotpSecret, Vec<String>) {
    let setup = app
        .send_in(browser, Method::POST, "/api/v1/me/second-factor", None)
        .await
        .expect(200);
    assert!(
        setup["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let secret = TotpSecret::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    let wrong = app
        .send_in(
            browser,
            Method::POST,
            "/api/v1/me/second-factor/confirm",
            Some(json!({"code": "000000", "current_password": PASSWORD})),
        )
        .await;
    assert_eq!(wrong.status, 422);
    let code = secret.code_at(step_of(app.clock.now()));
    // Whoever holds the session must also know the password.
    let hijacker = app
        .send_in(
            browser,
            Method::POST,
            "/api/v1/me/second-factor/confirm",
            Some(json!({"code": code, "current_password": "arvattu salasana"})),
        )
        .await;
    assert_eq!(hijacker.body["error"]["field"], "current_password");
    let codes = app
        .send_in(
            browser,
            Method::POST,
            "/api/v1/me/second-factor/confirm",
            Some(json!({"code": code, "current_password": PASSWORD})),
        )
        .await
        .expect(200);
    let codes = codes["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

async fn r11_totp_codes_are_single_use_and_recovery_codes_work_once(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let browser = app.browser("maija", PASSWORD).await;
    let (secret, recovery) = enrol(&app, &browser).await;
    // The code that confirmed the set-up is used up.
    let used = secret.code_at(step_of(app.clock.now()));
    let asked = app.login("maija", PASSWORD, None, None).await;
    assert_eq!(asked.status, 401);
    assert_eq!(asked.body["error"]["code"], "second_factor_required");
    let replay = app.login("maija", PASSWORD, Some(&used), None).await;
    assert_eq!(replay.body["error"]["code"], "invalid_second_factor");
    app.clock.advance_micros(30_000_000);
    let code = secret.code_at(step_of(app.clock.now()));
    app.login("maija", PASSWORD, Some(&code), None)
        .await
        .expect(200);
    assert_eq!(
        app.login("maija", PASSWORD, Some(&code), None).await.status,
        401,
        "a code is single use"
    );
    // A recovery code stands in for a code, once.
    app.login("maija", PASSWORD, Some(&recovery[3].to_uppercase()), None)
        .await
        .expect(200);
    assert_eq!(
        app.login("maija", PASSWORD, Some(&recovery[3]), None)
            .await
            .status,
        401
    );
    // A wrong password with a right code is still a wrong password.
    app.clock.advance_micros(30_000_000);
    let code = secret.code_at(step_of(app.clock.now()));
    let wrong = app
        .login("maija", "väärä salasana tämä on", Some(&code), None)
        .await;
    assert_eq!(wrong.body["error"]["code"], "invalid_credentials");
}

async fn r11_an_admin_can_require_a_second_factor_of_everyone(app: TestApp) {
    app.user_with_password("admin", Role::Admin, PASSWORD).await;
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let admin = app.browser("admin", PASSWORD).await;
    app.send_in(
        &admin,
        Method::PUT,
        "/api/v1/settings",
        Some(json!({"require_second_factor": true})),
    )
    .await
    .expect(200);
    let login = app.login("maija", PASSWORD, None, None).await;
    let cookie = session_cookie(&login).unwrap();
    let body = login.expect(200);
    assert_eq!(body["second_factor_setup_required"], true);
    let maija = Browser {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().into(),
    };
    let people = app
        .send_in(&maija, Method::GET, "/api/v1/people", None)
        .await;
    assert_eq!(people.status, 403);
    assert_eq!(people.body["error"]["code"], "second_factor_required");
    enrol(&app, &maija).await;
    app.send_in(&maija, Method::GET, "/api/v1/people", None)
        .await
        .expect(200);
    let removal = app
        .send_in(
            &maija,
            Method::DELETE,
            "/api/v1/me/second-factor",
            Some(json!({"current_password": PASSWORD})),
        )
        .await;
    assert_eq!(removal.status, 409, "not while it is required");
}

async fn r11_failed_logins_slow_down_and_an_admin_unlocks(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    app.user_with_password("admin", Role::Admin, PASSWORD).await;
    let wrong = "tämä ei ole oikea salasana";
    let unknown = app.login("eiole", wrong, None, None).await;
    assert_eq!(unknown.status, 401);
    for _ in 0..5 {
        let reply = app.login("maija", wrong, None, None).await;
        assert_eq!(
            reply.body, unknown.body,
            "an unknown name answers as a wrong password"
        );
    }
    // The sixth failure starts the wait: even the right password waits.
    assert_eq!(app.login("maija", wrong, None, None).await.status, 401);
    let waiting = app.login("maija", PASSWORD, None, None).await;
    assert_eq!(waiting.status, 429);
    assert_eq!(waiting.headers.get("retry-after").unwrap(), "2");
    app.clock.advance_micros(2_000_000);
    assert_eq!(app.login("maija", wrong, None, None).await.status, 401);
    let longer = app.login("maija", PASSWORD, None, None).await;
    assert_eq!(
        longer.headers.get("retry-after").unwrap(),
        "4",
        "the wait doubles"
    );
    // An unknown name is slowed down in the same way.
    for _ in 0..6 {
        app.login("eiole", wrong, None, None).await;
    }
    assert_eq!(app.login("eiole", wrong, None, None).await.status, 429);
    // The administrator lets Maija in at once.
    let admin = app.browser("admin", PASSWORD).await;
    let maija = app.store.user_by_name("maija").await.unwrap();
    app.send_in(
        &admin,
        Method::POST,
        &format!("/api/v1/users/{}/unlock", maija.id),
        None,
    )
    .await
    .expect(204);
    app.login("maija", PASSWORD, None, None).await.expect(200);
}

async fn r11_a_one_time_password_must_be_changed_first(app: TestApp) {
    let admin = app.user("admin", Role::Admin).await;
    let created = app
        .send(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            None,
            Some(json!({"name": "uusi", "role": "staff"})),
        )
        .await
        .expect(201);
    let one_time = created["one_time_password"].as_str().unwrap().to_string();
    assert_eq!(created["user"]["password_must_change"], true);
    app.commit("uusi").await;
    let browser = app.browser("uusi", &one_time).await;
    let people = app
        .send_in(&browser, Method::GET, "/api/v1/people", None)
        .await;
    assert_eq!(people.body["error"]["code"], "password_change_required");
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    for (body, field) in [
        (change(&one_time, "lyhyt"), "new_password"),
        (change(&one_time, "password1234"), "new_password"),
        (change(&one_time, "mediateko mediateko"), "new_password"),
        (change("väärä salasana", PASSWORD), "current_password"),
    ] {
        let reply = app
            .send_in(&browser, Method::PUT, "/api/v1/me/password", Some(body))
            .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.body["error"]["field"], field);
    }
    app.send_in(
        &browser,
        Method::PUT,
        "/api/v1/me/password",
        Some(change(&one_time, PASSWORD)),
    )
    .await
    .expect(204);
    app.send_in(&browser, Method::GET, "/api/v1/people", None)
        .await
        .expect(200);
    assert_eq!(app.login("uusi", &one_time, None, None).await.status, 401);
    app.login("uusi", PASSWORD, None, None).await.expect(200);
}

async fn r11_disabling_a_user_ends_their_sessions_and_tokens_at_once(app: TestApp) {
    let admin = app.user("admin", Role::Admin).await;
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let browser = app.browser("maija", PASSWORD).await;
    let token = app
        .send_in(
            &browser,
            Method::POST,
            "/api/v1/me/tokens",
            Some(json!({"label": "raportit"})),
        )
        .await
        .expect(201)["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.send(Method::GET, "/api/v1/people", Some(&token), None, None)
        .await
        .expect(200);
    let maija = app.store.user_by_name("maija").await.unwrap();
    app.send(
        Method::POST,
        &format!("/api/v1/users/{}/disable", maija.id),
        Some(&admin),
        None,
        None,
    )
    .await
    .expect(200);
    assert_eq!(
        app.send(Method::GET, "/api/v1/people", Some(&token), None, None)
            .await
            .status,
        401
    );
    assert_eq!(
        app.send_in(&browser, Method::GET, "/api/v1/me", None)
            .await
            .status,
        401
    );
    assert_eq!(app.login("maija", PASSWORD, None, None).await.status, 401);
    // An administrator cannot disable themselves.
    let own = app.store.user_by_name("admin").await.unwrap();
    let reply = app
        .send(
            Method::POST,
            &format!("/api/v1/users/{}/disable", own.id),
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, 409);
}

async fn r11_tokens_have_roles_expiry_and_are_listed_and_revocable(app: TestApp) {
    let admin = app.user("admin", Role::Admin).await;
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let browser = app.browser("maija", PASSWORD).await;
    let made = app
        .send_in(
            &browser,
            Method::POST,
            "/api/v1/me/tokens",
            Some(json!({"label": "raportit", "expires_in_days": 7})),
        )
        .await
        .expect(201);
    let token = made["token"].as_str().unwrap().to_string();
    assert_eq!(made["role"], "staff");
    let bad = app
        .send_in(
            &browser,
            Method::POST,
            "/api/v1/me/tokens",
            Some(json!({"expires_in_days": 0})),
        )
        .await;
    assert_eq!(bad.body["error"]["field"], "expires_in_days");
    let listed = app
        .send_in(&browser, Method::GET, "/api/v1/me/tokens", None)
        .await
        .expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        listed[0].get("token").is_none(),
        "the secret is never listed"
    );
    app.send(Method::GET, "/api/v1/people", Some(&token), None, None)
        .await
        .expect(200);
    // Another user cannot revoke it by guessing its id.
    let id = made["id"].as_str().unwrap();
    let other = app
        .send(
            Method::DELETE,
            &format!("/api/v1/me/tokens/{id}"),
            Some(&app.token),
            None,
            None,
        )
        .await;
    assert_eq!(other.status, 404);
    // A role change ends tokens made for the old role.
    let maija = app.store.user_by_name("maija").await.unwrap();
    app.send(
        Method::PUT,
        &format!("/api/v1/users/{}/role", maija.id),
        Some(&admin),
        None,
        Some(json!({"role": "partner"})),
    )
    .await
    .expect(200);
    assert_eq!(
        app.send(Method::GET, "/api/v1/people", Some(&token), None, None)
            .await
            .status,
        401
    );
    // A new one, revoked by its owner.
    let again = app
        .send_in(&browser, Method::POST, "/api/v1/me/tokens", None)
        .await;
    assert_eq!(again.status, 422, "a token request is JSON");
    let again = app
        .send_in(&browser, Method::POST, "/api/v1/me/tokens", Some(json!({})))
        .await
        .expect(201);
    assert_eq!(again["role"], "partner");
    let token = again["token"].as_str().unwrap().to_string();
    app.send(Method::GET, "/api/v1/invoices", Some(&token), None, None)
        .await
        .expect(200);
    let id = again["id"].as_str().unwrap();
    app.send_in(
        &browser,
        Method::DELETE,
        &format!("/api/v1/me/tokens/{id}"),
        None,
    )
    .await
    .expect(204);
    assert_eq!(
        app.send(Method::GET, "/api/v1/invoices", Some(&token), None, None)
            .await
            .status,
        401
    );
    // Expiry: 90 days by default.
    let third = app
        .send_in(&browser, Method::POST, "/api/v1/me/tokens", Some(json!({})))
        .await
        .expect(201);
    let token = third["token"].as_str().unwrap().to_string();
    app.clock.advance_micros(91 * 86_400_000_000);
    assert_eq!(
        app.send(Method::GET, "/api/v1/invoices", Some(&token), None, None)
            .await
            .status,
        401
    );
}

async fn b1_logins_refusals_and_account_changes_are_audited(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    app.user_with_password("kirjanpito", Role::Partner, PASSWORD)
        .await;
    app.login("maija", "tämä ei ole oikea salasana", None, None)
        .await;
    let browser = app.browser("maija", PASSWORD).await;
    let partner = app.browser("kirjanpito", PASSWORD).await;
    let refused = app
        .send_in(&partner, Method::GET, "/api/v1/notes", None)
        .await;
    assert_eq!(refused.status, 403);
    app.send_in(&browser, Method::DELETE, "/api/v1/session", None)
        .await
        .expect(204);
    app.store.flush_audit().await.unwrap();
    let maija = app
        .store
        .user_by_name("maija")
        .await
        .unwrap()
        .id
        .to_string();
    let found = rows(&app, "SELECT actor_user_id, action, record_type, record_id, client_ip FROM audit_log WHERE action IN ('login', 'login_failed', 'logout', 'denied') ORDER BY seq").await;
    let actions: Vec<(String, String)> =
        found.iter().map(|r| (r[1].clone(), r[2].clone())).collect();
    assert_eq!(
        actions,
        [
            ("login_failed", "user"),
            ("login", "session"),
            ("login", "session"),
            ("denied", "route"),
            ("logout", "session"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(
        found[0][0], maija,
        "the failed login names the user it was for"
    );
    assert_eq!(found[3][3], "GET /api/v1/notes");
    assert!(found.iter().all(|r| r[4] == "127.0.0.1"), "{found:?}");
    // No password, no name of a data subject: ids and routes only.
    let all = rows(&app, "SELECT record_id FROM audit_log").await;
    assert!(
        all.iter()
            .all(|r| !r[0].contains(PASSWORD) && !r[0].contains("maija"))
    );
    assert_eq!(app.store.verify_audit().await.unwrap().first_broken, None);
}

/// The rows of a query over the audit log, every column as text ("" for NULL).
async fn rows(app: &TestApp, query: &'static str) -> Vec<Vec<String>> {
    use sqlx::Row;
    sqlx::query(query)
        .fetch_all(app.store.read_pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (0..r.columns().len())
                .map(|i| r.get::<Option<String>, _>(i).unwrap_or_default())
                .collect()
        })
        .collect()
}
