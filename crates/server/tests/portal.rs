//! The public privacy portal (R14–R18, R21) over HTTP: a single-use email
//! link verifies the person; the portal never tells whether an address is
//! in the register; its forms are rate-limited and CSRF-protected; each
//! request becomes a case the officer sees, with its deadline.

mod common;
#[path = "common/listing.rs"]
mod listing;
#[path = "common/pages.rs"]
mod pages;
#[path = "common/portal.rs"]
mod portal;

use common::{Db, TestApp, create_person};
use listing::{audience, event, officer, wording};
use portal::{
    Visitor, arrive, ask, case_id, get, link_to, mail_to, post, post_raw, verified, verify,
};
use rekisteri::state::Firewall;
use rekisteri_domain::network::Network;
use rekisteri_domain::values::Parse;
use serde_json::{Value, json};

on_both_backends!(
    r14_a_portal_access_request_is_verified_by_email_and_downloaded_within_the_deadline,
    r14_the_portal_never_reveals_whether_an_email_is_in_the_register,
    r14_links_are_rate_limited_for_known_and_unknown_addresses_alike,
    r14_portal_forms_without_the_csrf_token_are_refused_and_send_nothing,
    r15_a_portal_prohibition_takes_effect_at_once,
    r17_a_portal_correction_becomes_a_rectification_case,
    r18_r21_portal_restriction_and_erasure_become_cases,
    r14_an_address_on_several_records_is_not_merged,
    r14_the_portal_speaks_finnish_and_english,
);

const MATTI: &str = "matti.virtanen@esimerkki.fi";

/// The officer's view of the cases.
async fn cases(app: &TestApp) -> Vec<Value> {
    let po = app.user("po", rekisteri_domain::Role::PrivacyOfficer).await;
    let reply = app
        .send(
            reqwest::Method::GET,
            "/api/v1/requests",
            Some(&po),
            None,
            None,
        )
        .await;
    reply.expect(200).as_array().expect("cases").clone()
}

fn case<'a>(all: &'a [Value], id: &str) -> &'a Value {
    all.iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("case {id} in {all:?}"))
}

async fn r14_a_portal_access_request_is_verified_by_email_and_downloaded_within_the_deadline(
    app: TestApp,
) {
    let (person, _) = create_person(&app, "Matti", "Virtanen").await;
    let mut v = arrive(&app, "fi").await;
    let sent = ask(&app, &v, MATTI, "access").await;
    assert_eq!(sent.status, 200);
    let link = link_to(&app, MATTI).await;
    assert!(link.starts_with("/portal/verify/"), "{link}");
    // Reading the link's page (a mail scanner does) spends nothing.
    assert_eq!(get(&app, &v, &link).await.status, 200);
    let done = verify(&app, &mut v, &link).await;
    assert_eq!(done.status, 303);
    assert!(
        done.location.starts_with("/portal/request/access"),
        "{}",
        done.location
    );
    // The link works once.
    let again = verify_raw(
        &app,
        &mut Visitor {
            session: None,
            ..v.clone()
        },
        &link,
    )
    .await;
    assert_eq!(again, 410, "a spent link is refused");
    assert_eq!(get(&app, &v, &link).await.status, 410);

    let made = post(&app, &v, "/portal/request/access", &[]).await;
    assert_eq!(made.status, 200, "{}", made.body);
    let id = case_id(&made);
    assert!(
        made.body.contains("/portal/report?format=json"),
        "download links"
    );
    let report = get(&app, &v, "/portal/report?format=json").await;
    assert_eq!(report.status, 200, "{}", report.body);
    let data: Value = serde_json::from_str(&report.body).expect("json");
    assert_eq!(
        data["person"]["id"],
        person.as_str(),
        "the person's own data"
    );
    assert!(
        data.to_string().contains("tietosuoja@om.fi"),
        "the access report, with the authority (R20)"
    );

    let all = cases(&app).await;
    let c = case(&all, &id);
    assert_eq!(c["kind"], "access");
    assert_eq!(c["channel"], "portal");
    assert_eq!(c["person_id"], person.as_str());
    assert_eq!(c["identity_method"], "portal_link");
    assert_eq!(c["status"], "answered");
    assert_eq!(c["outcome"], "fulfilled");
    assert!(
        c["days_left"].as_i64().unwrap() >= 0,
        "within the deadline: {c}"
    );
    assert!(c["answered_at"].as_i64().is_some() || c["answered_at"].is_string());
    // The portal's actor is the person: no staff user on its audit rows.
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|(action, kind, rid, _, _, user)| action == "create"
                && kind == "request"
                && *rid == id
                && user.is_none())
    );
    assert!(
        audit
            .iter()
            .any(|(action, kind, _, p, _, user)| action == "export"
                && kind == "person"
                && p.as_deref() == Some(person.as_str())
                && user.is_none()),
        "the download is audited as an export of the person (the access report)"
    );

    // An expired link is refused.
    app.clock.advance_micros(60 * 1_000_000);
    let mut late = arrive(&app, "fi").await;
    assert_eq!(ask(&app, &late, MATTI, "access").await.status, 200);
    let expiring: String = link_to(&app, MATTI).await;
    assert_ne!(expiring, link);
    app.clock.advance_micros(31 * 60 * 1_000_000);
    assert_eq!(get(&app, &late, &expiring).await.status, 410);
    let refused = verify_raw(&app, &mut late, &expiring).await;
    assert_eq!(refused, 410);
    assert!(late.session.is_none());
    // And the visit ends with its time: 30 minutes.
    assert_eq!(get(&app, &v, "/portal/home").await.status, 401);
}

/// Confirms a link without reading its page first; the status.
async fn verify_raw(app: &TestApp, v: &mut Visitor, link: &str) -> u16 {
    post(app, v, link, &[]).await.status
}

async fn r14_the_portal_never_reveals_whether_an_email_is_in_the_register(app: TestApp) {
    create_person(&app, "Matti", "Virtanen").await;
    let stranger = "ei.ketaan@esimerkki.fi";
    let v = arrive(&app, "fi").await;
    let known = ask(&app, &v, MATTI, "access").await;
    let unknown = ask(&app, &v, stranger, "access").await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.status, 200);
    assert_eq!(known.content_type, unknown.content_type);
    assert_eq!(known.body, unknown.body, "the same page, to the byte");
    // The same in English, with another token: equal apart from the token.
    let en = arrive(&app, "en").await;
    let a = ask(&app, &en, MATTI, "erasure")
        .await
        .body
        .replace(&en.csrf, "");
    let b = ask(&app, &en, stranger, "erasure")
        .await
        .body
        .replace(&en.csrf, "");
    assert_eq!(a, b);
    // Only the address on a record gets mail: no mail to strangers.
    assert_eq!(mail_to(&app, MATTI).await.len(), 2);
    assert!(mail_to(&app, stranger).await.is_empty());
    assert_eq!(app.count("portal_links").await, 2);
}

async fn r14_links_are_rate_limited_for_known_and_unknown_addresses_alike(app: TestApp) {
    create_person(&app, "Matti", "Virtanen").await;
    let stranger = "ei.ketaan@esimerkki.fi";
    let v = arrive(&app, "en").await;
    for email in [MATTI, stranger] {
        for _ in 0..3 {
            assert_eq!(ask(&app, &v, email, "access").await.status, 200);
        }
    }
    let known = ask(&app, &v, MATTI, "access").await;
    let unknown = ask(&app, &v, stranger, "access").await;
    assert_eq!(known.status, 429);
    assert_eq!(unknown.status, 429);
    assert_eq!(known.body, unknown.body);
    assert!(known.body.contains("Too many requests"), "in English");
    assert_eq!(mail_to(&app, MATTI).await.len(), 3);
    // In any case of letters, and an hour later again.
    assert_eq!(
        ask(&app, &v, "Matti.Virtanen@Esimerkki.FI", "access")
            .await
            .status,
        429
    );
    app.clock.advance_micros(60 * 60 * 1_000_000);
    assert_eq!(ask(&app, &v, MATTI, "access").await.status, 200);
    // One client address may ask for 20 links an hour, whatever the addresses.
    app.clock.advance_micros(60 * 60 * 1_000_000);
    for i in 0..20 {
        let email = format!("kokeilu{i}@esimerkki.fi");
        assert_eq!(ask(&app, &v, &email, "access").await.status, 200, "{i}");
    }
    let over = ask(&app, &v, "kokeilu99@esimerkki.fi", "access").await;
    assert_eq!(over.status, 429);
}

async fn r14_portal_forms_without_the_csrf_token_are_refused_and_send_nothing(app: TestApp) {
    create_person(&app, "Matti", "Virtanen").await;
    let v = arrive(&app, "fi").await;
    let fields = [("email", MATTI), ("wanted", "access")];
    let no_field = post_raw(&app, &v.cookies(), "fi", "/portal", &fields).await;
    assert_eq!(no_field.status, 403);
    let mut wrong = vec![("csrf", "not-the-token")];
    wrong.extend_from_slice(&fields);
    let mismatch = post_raw(&app, &v.cookies(), "fi", "/portal", &wrong).await;
    assert_eq!(mismatch.status, 403);
    let mut right = vec![("csrf", v.csrf.as_str())];
    right.extend_from_slice(&fields);
    let no_cookie = post_raw(&app, "", "fi", "/portal", &right).await;
    assert_eq!(no_cookie.status, 403, "the field alone is not enough");
    assert!(
        no_cookie.body.contains("Lomake on vanhentunut"),
        "in Finnish"
    );
    // Another site's form is refused even with both.
    let cross = pages::read(
        pages::client()
            .post(format!("{}/portal", app.base))
            .header("Origin", "https://evil.example")
            .header("Cookie", v.cookies())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&right).unwrap()),
    )
    .await;
    assert_eq!(cross.status, 403);
    assert!(mail_to(&app, MATTI).await.is_empty(), "nothing sent");
    assert_eq!(app.count("portal_links").await, 0);
    // The link's button is a form too.
    assert_eq!(ask(&app, &v, MATTI, "access").await.status, 200);
    let link = link_to(&app, MATTI).await;
    let forged = post_raw(&app, &v.cookies(), "fi", &link, &[]).await;
    assert_eq!(forged.status, 403);
    assert_eq!(app.count("portal_sessions").await, 0);
}

async fn r15_a_portal_prohibition_takes_effect_at_once(app: TestApp) {
    let (person, _) = create_person(&app, "Matti", "Virtanen").await;
    let po = officer(&app).await;
    let w = wording(&app, &po).await;
    event(
        &app,
        &person,
        json!({"channel": "email", "purpose": "direct_marketing", "state": "granted",
               "wording_id": w, "source": "registration"}),
    )
    .await;
    assert!(
        audience(&app, "email", "direct_marketing")
            .await
            .contains(&person)
    );
    assert!(
        audience(&app, "letter", "market_research")
            .await
            .contains(&person)
    );

    let v = verified(&app, MATTI, "objection", "en").await;
    let page = get(&app, &v, "/portal/marketing").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("value=\"email:direct_marketing\""));
    assert!(page.body.contains("Granted"), "the decision now is shown");
    let none = post(&app, &v, "/portal/marketing", &[]).await;
    assert_eq!(none.status, 422, "nothing chosen");
    let done = post(
        &app,
        &v,
        "/portal/marketing",
        &[
            ("prohibit", "email:direct_marketing"),
            ("prohibit", "letter:market_research"),
        ],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let id = case_id(&done);
    // At once: the next list leaves the person out.
    assert!(
        !audience(&app, "email", "direct_marketing")
            .await
            .contains(&person)
    );
    assert!(
        !audience(&app, "letter", "market_research")
            .await
            .contains(&person)
    );
    assert!(
        audience(&app, "letter", "direct_marketing")
            .await
            .contains(&person)
    );
    let history = app
        .get(&format!("/api/v1/people/{person}/permissions"))
        .await
        .expect(200);
    let prohibited: Vec<&Value> = history["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["state"] == "prohibited")
        .collect();
    assert_eq!(prohibited.len(), 2);
    assert!(prohibited.iter().all(|e| e["source"] == "own_notice"
        && e["source_detail"] == "privacy portal"
        && e["recorded_by"].is_null()));
    let all = cases(&app).await;
    let c = case(&all, &id);
    assert_eq!(c["kind"], "objection");
    assert_eq!(c["outcome"], "fulfilled");
    assert_eq!(c["identity_method"], "portal_link");
    // Already prohibited: shown ticked and locked.
    let again = get(&app, &v, "/portal/marketing").await;
    assert!(
        again
            .body
            .contains("value=\"email:direct_marketing\" checked disabled")
    );
}

async fn r17_a_portal_correction_becomes_a_rectification_case(app: TestApp) {
    let (person, etag) = create_person(&app, "Matti", "Virtanen").await;
    let v = verified(&app, MATTI, "rectification", "fi").await;
    let form = get(&app, &v, "/portal/request/rectification").await;
    assert_eq!(form.status, 200);
    let missing = post(
        &app,
        &v,
        "/portal/request/rectification",
        &[("what", "Puhelinnumero")],
    )
    .await;
    assert_eq!(missing.status, 422, "the correction is required");
    assert!(missing.body.contains("err-correction") && missing.body.contains("on pakollinen"));
    let done = post(
        &app,
        &v,
        "/portal/request/rectification",
        &[
            ("what", "Puhelinnumero on vanha"),
            (
                "correction",
                "Uusi numero on 040 765 4321, vaihdoin liittymää",
            ),
        ],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let id = case_id(&done);
    let all = cases(&app).await;
    let c = case(&all, &id);
    assert_eq!(c["kind"], "rectification");
    assert_eq!(c["status"], "verified");
    assert_eq!(c["person_id"], person.as_str());
    let details = c["details"].as_str().unwrap();
    assert!(details.contains("Puhelinnumero on vanha") && details.contains("040 765 4321"));
    // Nothing is changed automatically: the officer corrects.
    let now = app.get(&format!("/api/v1/people/{person}")).await;
    assert_eq!(now.etag(), etag);
    // The page confirms the deadline in Finnish: 15.12.2026 (3 weeks from 24.11.).
    assert!(done.body.contains("15.12.2026"), "{}", done.body);
}

async fn r18_r21_portal_restriction_and_erasure_become_cases(app: TestApp) {
    let (person, _) = create_person(&app, "Matti", "Virtanen").await;
    let v = verified(&app, MATTI, "restriction", "en").await;
    let empty = post(&app, &v, "/portal/request/restriction", &[("reason", " ")]).await;
    assert_eq!(empty.status, 422, "a restriction says why");
    let r = post(
        &app,
        &v,
        "/portal/request/restriction",
        &[(
            "reason",
            "My title is wrong; do not use my data until it is fixed",
        )],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("15 Dec 2026"), "the deadline in English");
    let e = post(&app, &v, "/portal/request/erasure", &[]).await;
    assert_eq!(e.status, 200);
    let (r, e) = (case_id(&r), case_id(&e));
    let all = cases(&app).await;
    for (id, kind) in [(&r, "restriction"), (&e, "erasure")] {
        let c = case(&all, id);
        assert_eq!(c["kind"], kind);
        assert_eq!(c["person_id"], person.as_str());
        assert_eq!(c["identity_method"], "portal_link");
        assert_eq!(c["status"], "verified", "the officer acts");
    }
    // Not an access case: no report to download.
    assert_eq!(
        get(&app, &v, "/portal/report?format=json").await.status,
        404
    );
}

async fn r14_an_address_on_several_records_is_not_merged(app: TestApp) {
    let shared = "perhe@esimerkki.fi";
    let mut ids = Vec::new();
    for first in ["Aino", "Eino"] {
        let mut body = common::person_json(first, "Koskinen");
        body["emails"] = json!([format!("{}@esimerkki.fi", first.to_lowercase())]);
        ids.push(app.post("/api/v1/people", body).await.expect(201)["id"].clone());
    }
    // A family's address on two records, as registers held before a new
    // person's address was matched (B5) and as a bulk import still may.
    sqlx::query("UPDATE person_contacts SET value = $1 WHERE kind = 'email'")
        .bind(shared)
        .execute(app.store.write_pool())
        .await
        .expect("the shared address");
    let v = verified(&app, shared, "access", "fi").await;
    let home = get(&app, &v, "/portal/home").await;
    assert!(
        home.body.contains("useammassa kuin yhdessä"),
        "{}",
        home.body
    );
    let made = post(&app, &v, "/portal/request/access", &[]).await;
    assert_eq!(made.status, 200);
    assert!(
        !made.body.contains("/portal/report"),
        "no download: the answer comes by email"
    );
    let id = case_id(&made);
    let all = cases(&app).await;
    let c = case(&all, &id);
    assert!(c["person_id"].is_null(), "left for the officer to match");
    assert_eq!(c["requester_email"], shared);
    assert_eq!(c["identity_method"], "portal_link");
    assert_eq!(
        get(&app, &v, "/portal/report?format=json").await.status,
        404
    );
    // An address no longer on any record by the visit: no data about it.
    let lone = "yksin@esimerkki.fi";
    let mut body = common::person_json("Lyyli", "Yksinen");
    body["emails"] = json!([lone]);
    let created = app.post("/api/v1/people", body.clone()).await;
    let etag = created.etag();
    let lid = created.expect(201)["id"].as_str().unwrap().to_string();
    let mut w = arrive(&app, "en").await;
    assert_eq!(ask(&app, &w, lone, "access").await.status, 200);
    let link = link_to(&app, lone).await;
    body["emails"] = json!(["lyyli@muualla.fi"]);
    app.put(&format!("/api/v1/people/{lid}"), &etag, body)
        .await
        .expect(200);
    assert_eq!(verify(&app, &mut w, &link).await.status, 303);
    let none = get(&app, &w, "/portal/home").await;
    assert!(
        none.body.contains("We have no data about this address"),
        "{}",
        none.body
    );
}

async fn r14_the_portal_speaks_finnish_and_english(app: TestApp) {
    let page = |lang: Option<&str>, query: &str| {
        let mut req = pages::client().get(format!("{}/portal{query}", app.base));
        if let Some(l) = lang {
            req = req.header("Accept-Language", l);
        }
        pages::read(req)
    };
    let fi = page(None, "").await;
    assert!(
        fi.body.contains("<html lang=\"fi\">")
            && fi.body.contains("Tietosi asiakasrekisterissämme")
    );
    let en = page(Some("en-GB,en;q=0.9"), "").await;
    assert!(
        en.body.contains("<html lang=\"en\">")
            && en.body.contains("Your data in our customer register")
    );
    let asked = page(Some("fi"), "?lang=en").await;
    assert!(asked.body.contains("<html lang=\"en\">"));
    // The controller, contact person and authority are on every page (R1, R20).
    assert!(
        fi.body.contains("MT Mediateko Oy") && fi.body.contains("Tietosuojavaltuutetun toimisto")
    );
    assert!(en.body.contains("Office of the Data Protection Ombudsman"));
    // A bad address is named in the page's language.
    create_person(&app, "Matti", "Virtanen").await;
    let v = arrive(&app, "en").await;
    let bad = ask(&app, &v, "not-an-address", "access").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("err-email"));
    // The link's mail is in the language asked in, and so is its page.
    let v = arrive(&app, "en").await;
    ask(&app, &v, MATTI, "access").await;
    let mail = mail_to(&app, MATTI).await.pop().unwrap();
    assert!(mail.contains("Subject: Your privacy portal link"), "{mail}");
    let link = link_to(&app, MATTI).await;
    let confirm = get(
        &app,
        &Visitor {
            lang: "fi".into(),
            ..v
        },
        &link,
    )
    .await;
    assert!(confirm.body.contains("Confirm that the address is yours"));
}

// R11: the portal is public; the staff interface and the API stay behind
// the firewall. (Network rules do not depend on the database.)
#[tokio::test]
async fn r11_the_portal_answers_outside_the_firewall_and_the_api_does_not() {
    let firewall = Firewall {
        allowed: vec![Network::parse("10.0.0.0/8").unwrap()],
        trusted_proxies: Vec::new(),
    };
    let app = TestApp::spawn_with(Db::Sqlite, firewall).await.unwrap();
    let portal = pages::read(pages::client().get(format!("{}/portal", app.base))).await;
    assert_eq!(portal.status, 200);
    let css = pages::read(pages::client().get(format!("{}/static/app.css", app.base))).await;
    assert_eq!(css.status, 200, "the portal's style sheet");
    let api = app.get("/api/v1/people").await;
    assert_eq!(api.status, 403);
    assert_eq!(api.body["error"]["code"], "network");
    for path in ["/login", "/people", "/portalx", "/api/v1/requests"] {
        let r = pages::read(pages::client().get(format!("{}{path}", app.base))).await;
        assert_eq!(r.status, 403, "{path} stays behind the firewall");
    }
    // Its forms work from outside too.
    let v = arrive(&app, "fi").await;
    assert_eq!(ask(&app, &v, MATTI, "access").await.status, 200);
}
