//! The web interface's own login pages, forms and frame (R11, R3), over HTTP
//! against the real server on both databases: the second-factor page, the
//! form CSRF field, the language of the pages, error pages, the start page
//! and search as you type.

mod common;

use common::{TestApp, person_json};
use rekisteri_domain::totp::{TotpSecret, step_of};
use rekisteri_domain::{Clock, Role};
use reqwest::Method;
use reqwest::redirect::Policy;
use serde_json::json;

on_both_backends!(
    r11_web_login_asks_the_second_factor_on_its_own_page,
    r11_web_forms_need_the_session_csrf_field,
    r11_web_pages_speak_the_browser_or_the_users_language,
    r11_web_signed_out_pages_lead_to_login_and_never_elsewhere,
    r3_start_page_lists_my_upcoming_meeting_and_search_finds_a_surname_prefix,
    r4_a_partners_start_is_the_people_list_and_changes_show_no_accounts,
    b1_pages_audit_their_reads_with_the_user_and_purpose,
);

const PASSWORD: &str = "kesä on lyhyt mutta kaunis";

/// A browser that does not follow redirects, so each step can be checked.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// The `name=value` of a `Set-Cookie` whose name starts with `prefix`.
fn cookie(res: &reqwest::Response, prefix: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(prefix))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Logs in through the login page; the session cookie.
async fn page_login(app: &TestApp, name: &str, password: &str) -> String {
    let res = browser()
        .post(format!("{}/login", app.base))
        .header("Origin", &app.base)
        .form(&[("name", name), ("password", password), ("next", "/")])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303);
    cookie(&res, "__Host-rekisteri-session=").expect("a session")
}

async fn get_page(app: &TestApp, cookie: &str, path: &str, lang: &str) -> (u16, String) {
    let res = browser()
        .get(format!("{}{path}", app.base))
        .header("Cookie", cookie)
        .header("Accept-Language", lang)
        .send()
        .await
        .expect("page");
    let status = res.status().as_u16();
    (status, res.text().await.expect("html"))
}

/// The CSRF token the page's forms carry.
fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with csrf")
        + 19;
    html[at..at + html[at..].find('"').expect("end")].to_string()
}

async fn r11_web_login_asks_the_second_factor_on_its_own_page(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let api = app.browser("maija", PASSWORD).await;
    let setup = app
        .send_in(&api, Method::POST, "/api/v1/me/second-factor", None)
        .await
        .expect(200);
    let secret = TotpSecret::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    let step = step_of(app.clock.now());
    app.send_in(
        &api,
        Method::POST,
        "/api/v1/me/second-factor/confirm",
        Some(json!({"code": secret.code_at(step - 1), "current_password": PASSWORD})),
    )
    .await
    .expect(200);

    // The password is right: no session yet, a challenge and the code page.
    let res = browser()
        .post(format!("{}/login", app.base))
        .header("Origin", &app.base)
        .form(&[
            ("name", "maija"),
            ("password", PASSWORD),
            ("next", "/people"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        location(&res).starts_with("/login/code"),
        "{}",
        location(&res)
    );
    assert!(cookie(&res, "__Host-rekisteri-session=").is_none());
    let challenge = cookie(&res, "__Host-rekisteri-login=").expect("a challenge");
    let (status, html) = get_page(&app, &challenge, &location(&res), "fi").await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"code\""));

    // A wrong code is refused on the page and counted; the right one opens a session.
    let send_code = |code: String| {
        let challenge = challenge.clone();
        let base = app.base.clone();
        async move {
            browser()
                .post(format!("{base}/login/code"))
                .header("Origin", &base)
                .header("Cookie", challenge)
                .header("Accept-Language", "fi")
                .form(&[("code", code.as_str()), ("next", "/people")])
                .send()
                .await
                .unwrap()
        }
    };
    let wrong = send_code("000000".into()).await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.text().await.unwrap().contains("Koodi on väärä"));
    let ok = send_code(secret.code_at(step)).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(location(&ok), "/people");
    let session = cookie(&ok, "__Host-rekisteri-session=").expect("a session");
    // The challenge is spent: the same code page cannot open a second session.
    let again = send_code(secret.code_at(step + 1)).await;
    assert_eq!(location(&again), "/login?lang=fi");
    let (status, _) = get_page(&app, &session, "/", "fi").await;
    assert_eq!(status, 200);
    let audit = app.audit().await;
    assert!(
        audit.iter().any(|row| row.0 == "login_failed"),
        "the wrong code is audited"
    );
}

async fn r11_web_forms_need_the_session_csrf_field(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let session = page_login(&app, "maija", PASSWORD).await;
    let (_, html) = get_page(&app, &session, "/", "en").await;
    let csrf = csrf_of(&html);
    let logout = |token: String, origin: String| {
        let session = session.clone();
        let base = app.base.clone();
        async move {
            browser()
                .post(format!("{base}/logout"))
                .header("Cookie", session)
                .header("Origin", origin)
                .header("Accept-Language", "en")
                .form(&[("csrf", token.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let forged = logout("not-the-token".into(), app.base.clone()).await;
    assert_eq!(forged.status(), 403);
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("The form has expired")
    );
    let cross_site = logout(csrf.clone(), "http://evil.example".into()).await;
    assert_eq!(cross_site.status(), 403);
    let (status, _) = get_page(&app, &session, "/", "en").await;
    assert_eq!(status, 200, "the refused forms changed nothing");
    let ok = logout(csrf, app.base.clone()).await;
    assert_eq!(ok.status(), 303);
    let (status, _) = get_page(&app, &session, "/", "en").await;
    assert_eq!(status, 303, "logged out: the start page leads to login");
}

async fn r11_web_pages_speak_the_browser_or_the_users_language(app: TestApp) {
    let (_, fi) = get_page(&app, "", "/login", "fi-FI,fi;q=0.9").await;
    assert!(fi.contains("<html lang=\"fi\"") && fi.contains("Kirjaudu"));
    let (_, en) = get_page(&app, "", "/login", "en-GB,en;q=0.9").await;
    assert!(en.contains("<html lang=\"en\"") && en.contains("Log in"));
    let (_, asked) = get_page(&app, "", "/login?lang=en", "fi").await;
    assert!(asked.contains("Log in"), "the page's own choice wins");
    // A wrong password, in Finnish, on the page itself.
    let res = browser()
        .post(format!("{}/login", app.base))
        .header("Origin", &app.base)
        .header("Accept-Language", "fi")
        .form(&[
            ("name", "nobody"),
            ("password", "väärä salasana"),
            ("lang", "fi"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("salasana on väärin"));
    // A user who chose English sees English whatever the browser says.
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let user = app.store.user_by_name("maija").await.unwrap();
    app.store
        .set_language(&common::cli(), app.clock.now(), user.id, Some("en"))
        .await
        .unwrap();
    let session = page_login(&app, "maija", PASSWORD).await;
    let (_, start) = get_page(&app, &session, "/", "fi").await;
    assert!(start.contains("Upcoming meetings and actions"));
}

async fn r11_web_signed_out_pages_lead_to_login_and_never_elsewhere(app: TestApp) {
    let res = browser()
        .get(format!("{}/search?q=a", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?next=%2Fsearch%3Fq%3Da");
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    for (next, expected) in [
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/search?q=a", "/search?q=a"),
    ] {
        let res = browser()
            .post(format!("{}/login", app.base))
            .header("Origin", &app.base)
            .form(&[("name", "maija"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&res), expected, "next={next}");
    }
    // A login form posted from another site is refused.
    let res = browser()
        .post(format!("{}/login", app.base))
        .header("Origin", "http://evil.example")
        .form(&[("name", "maija"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Pages carry the strict policy: only this server's scripts and styles.
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
}

async fn r3_start_page_lists_my_upcoming_meeting_and_search_finds_a_surname_prefix(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let maija = app.store.user_by_name("maija").await.unwrap();
    let person = app
        .post("/api/v1/people", person_json("Matti", "Virtanen"))
        .await
        .expect(201);
    let due = app.clock.now().plus_micros(86_400_000_000);
    for (assigned, body) in [
        (maija.id.to_string(), "Tarjouksen läpikäynti"),
        (String::new(), "Jonkun muun tapaaminen"),
    ] {
        let mut note = json!({
            "person_id": person["id"], "kind": "meeting", "body": body,
            "due_at": due.to_string(), "source": "staff_entry",
        });
        if !assigned.is_empty() {
            note["assigned_to"] = assigned.into();
        }
        app.post("/api/v1/notes", note).await.expect(201);
    }
    let session = page_login(&app, "maija", PASSWORD).await;
    let (status, mine) = get_page(&app, &session, "/", "fi").await;
    assert_eq!(status, 200);
    assert!(mine.contains("Tarjouksen läpikäynti") && mine.contains("Matti Virtanen"));
    assert!(
        !mine.contains("Jonkun muun tapaaminen"),
        "only mine by default"
    );
    let (_, all) = get_page(&app, &session, "/?who=all", "fi").await;
    assert!(all.contains("Jonkun muun tapaaminen"));
    // Search: the whole page without JavaScript, the results alone for htmx.
    let (_, page) = get_page(&app, &session, "/search?q=Virta", "fi").await;
    assert!(page.contains("<h1>Haku</h1>") && page.contains("Matti Virtanen"));
    let partial = browser()
        .get(format!("{}/search?q=virt", app.base))
        .header("Cookie", &session)
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(partial.starts_with("<div id=\"results\"") && partial.contains("Matti Virtanen"));
    assert!(!partial.contains("<html"));
}

async fn r4_a_partners_start_is_the_people_list_and_changes_show_no_accounts(app: TestApp) {
    app.user_with_password("pekka", Role::Partner, PASSWORD)
        .await;
    let partner = page_login(&app, "pekka", PASSWORD).await;
    let res = browser()
        .get(format!("{}/", app.base))
        .header("Cookie", &partner)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "no meetings or notes for the partner");
    assert_eq!(location(&res), "/people");
    let (status, people) = get_page(&app, &partner, "/people", "en").await;
    assert_eq!(status, 200);
    assert!(
        !people.contains(">Start</a>"),
        "no start page in the partner's menu"
    );
    // Staff see the register's changes, not the accounts' (users, sessions).
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    app.post("/api/v1/people", person_json("Matti", "Virtanen"))
        .await
        .expect(201);
    let staff = page_login(&app, "maija", PASSWORD).await;
    let (_, start) = get_page(&app, &staff, "/", "en").await;
    assert!(
        start.contains("Matti Virtanen"),
        "the new person is a recent change"
    );
    assert!(
        !start.contains(">User<"),
        "account changes stay out of the feed"
    );
}

async fn b1_pages_audit_their_reads_with_the_user_and_purpose(app: TestApp) {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let maija = app.store.user_by_name("maija").await.unwrap();
    let person = app
        .post("/api/v1/people", person_json("Matti", "Virtanen"))
        .await
        .expect(201);
    let id = person["id"].as_str().unwrap().to_string();
    let session = page_login(&app, "maija", PASSWORD).await;
    let (status, html) = get_page(&app, &session, &format!("/people/{id}"), "fi").await;
    assert_eq!(status, 200);
    assert!(html.contains("Matti Virtanen"));
    let reads: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|row| row.0 == "read" && row.1 == "person" && row.2 == id)
        .collect();
    assert_eq!(reads.len(), 1, "one read of the person, by the page");
    assert_eq!(reads[0].5.as_deref(), Some(maija.id.to_string().as_str()));
    assert_eq!(reads[0].4, "customer_relationship");
}
