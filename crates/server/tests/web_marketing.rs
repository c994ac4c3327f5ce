//! The marketing pages as a browser uses them (R4, R15, R18): the person
//! page's permissions and restriction, its forms posted with the session
//! cookie and the CSRF field, the marketing list downloaded as CSV, and the
//! wordings page.

mod common;
#[path = "common/pages.rs"]
mod pages;

use common::{Browser, TestApp, create_person};
use pages::{client, page, read, submit};
use rekisteri_domain::Role;
use serde_json::json;

const PASSWORD: &str = "kesä on lyhyt mutta kaunis";

async fn browser_of(app: &TestApp, name: &str, role: Role) -> Browser {
    app.user_with_password(name, role, PASSWORD).await;
    app.browser(name, PASSWORD).await
}

/// The choices of the letter list for direct marketing.
const LETTER_LIST: &[(&str, &str)] = &[
    ("channel", "letter"),
    ("purpose", "direct_marketing"),
    ("processing", "customer_relationship"),
];

/// The letter list for direct marketing, downloaded on the marketing page.
async fn letter_list(app: &TestApp, b: &Browser) -> String {
    let csv = submit(app, b, "fi", "/marketing/audience.csv", LETTER_LIST).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    assert!(
        csv.body
            .starts_with("person_id,first_name,last_name,address,postal_code,city,country,basis"),
        "the API's CSV: {}",
        csv.body
    );
    csv.body
}

async fn r15_staff_record_a_prohibition_on_the_person_page_and_the_list_drops_the_person(
    app: TestApp,
) {
    let (id, _) = create_person(&app, "Anna", "Laine").await;
    let b = browser_of(&app, "maija", Role::Staff).await;
    let start = page(&app, &b, "fi", "/").await;
    assert!(start.body.contains(r#"href="/marketing""#), "menu entry");
    let form = page(&app, &b, "fi", "/marketing").await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("Markkinointilista"));
    assert!(
        form.body
            .contains(r#"<option value="customer_relationship">"#)
    );
    let before = letter_list(&app, &b).await;
    assert!(
        before.contains(&format!("{id},Anna,Laine,Kauppakatu 12,70100,Kuopio")),
        "letters are opt-out: {before}"
    );

    let shown = page(&app, &b, "fi", &format!("/people/{id}")).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    for text in [
        "Markkinointiluvat",
        "Suoramarkkinointi",
        "Markkina- ja mielipidetutkimus",
        "Kirje",
        "Ei vastustettu (opt-out)",
        "Ei suostumusta (opt-in)",
        "Ei kirjattuja muutoksia",
        r#"action="/people/"#,
    ] {
        assert!(shown.body.contains(text), "{text}: {}", shown.body);
    }
    assert!(
        !shown.body.contains(r#"/restriction""#),
        "staff may not restrict"
    );

    let done = submit(
        &app,
        &b,
        "fi",
        &format!("/people/{id}/permissions"),
        &[
            ("channel", "letter"),
            ("purpose", "direct_marketing"),
            ("state", "prohibited"),
            ("source", "own_notice"),
            ("source_detail", ""),
            ("wording_id", ""),
            ("given_at", ""),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location, format!("/people/{id}#mk-h"));

    let after = letter_list(&app, &b).await;
    assert!(!after.contains(&id), "the prohibition is in force at once");
    assert_eq!(after.lines().count(), before.lines().count() - 1);

    let shown = page(&app, &b, "fi", &format!("/people/{id}")).await;
    let history = shown
        .body
        .split("permission-history")
        .nth(1)
        .expect("the history");
    for text in ["Kielletty", "Kirje · Suoramarkkinointi", "maija"] {
        assert!(history.contains(text), "{text}: {history}");
    }
    assert!(shown.body.contains(r#"data-decision="prohibited""#));
    let english = page(&app, &b, "en", &format!("/people/{id}")).await;
    assert!(english.body.contains("Prohibited"));
    assert!(english.body.contains("Letter · Direct marketing"));

    // Another site cannot start an export: a link (GET) is no export, and
    // a post without the session's CSRF token or from another origin is
    // refused.
    let link = page(
        &app,
        &b,
        "fi",
        "/marketing/audience.csv?channel=letter&purpose=direct_marketing&processing=customer_relationship",
    )
    .await;
    assert_eq!(link.status, 405);
    let forged = read(
        client()
            .post(format!("{}/marketing/audience.csv", app.base))
            .header("Cookie", &b.cookie)
            .header("Origin", "https://evil.example")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("channel=letter&purpose=direct_marketing&processing=customer_relationship"),
    )
    .await;
    assert_eq!(forged.status, 403);
    assert!(!forged.body.contains(&id));

    // Each download was audited with the purpose chosen on the form.
    let user = app.store.user_by_name("maija").await.expect("user").id;
    let exports: Vec<_> = app
        .audit()
        .await
        .into_iter()
        .filter(|(action, record, ..)| action == "export" && record == "audience")
        .collect();
    assert_eq!(exports.len(), 2, "{exports:?}");
    for (_, _, record_id, _, purpose, actor) in exports {
        assert_eq!(record_id, "letter:direct_marketing");
        assert_eq!(purpose, "customer_relationship");
        assert_eq!(actor, Some(user.to_string()));
    }
}

async fn r18_the_officer_restricts_and_lifts_on_the_person_page(app: TestApp) {
    let (id, _) = create_person(&app, "Pekka", "Nieminen").await;
    let staff = browser_of(&app, "maija", Role::Staff).await;
    let officer = browser_of(&app, "tietosuoja", Role::PrivacyOfficer).await;
    let person = format!("/people/{id}");
    let own = page(&app, &officer, "fi", &person).await;
    assert!(
        own.body
            .contains(&format!(r#"action="/people/{id}/restriction""#))
    );
    assert!(!own.body.contains("restriction-banner"));

    let reason = "Henkilö kiistää osoitteen paikkansapitävyyden";
    let refused = submit(
        &app,
        &staff,
        "fi",
        &format!("{person}/restriction"),
        &[("reason", reason), ("value", "")],
    )
    .await;
    assert_eq!(refused.status, 403, "staff may not restrict");
    let done = submit(
        &app,
        &officer,
        "fi",
        &format!("{person}/restriction"),
        &[("reason", reason), ("value", "")],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);

    let seen = page(&app, &staff, "fi", &person).await;
    assert!(seen.body.contains("restriction-banner"), "{}", seen.body);
    assert!(seen.body.contains("Käsittelyä rajoitettu"));
    assert!(seen.body.contains(reason));
    assert!(seen.body.contains("alkaen"), "since when");
    assert!(seen.body.contains(r#"data-decision="restricted""#));
    assert!(!seen.body.contains(r#"data-decision="not_objected""#));
    assert!(
        !seen.body.contains("/restriction/lift"),
        "staff may not lift"
    );
    assert!(!letter_list(&app, &staff).await.contains(&id));
    // Looking him up by name is a search: staff do not find him, the
    // officer does.
    let lookup = page(&app, &staff, "fi", "/people?q=Nieminen").await;
    assert_eq!(lookup.status, 200);
    assert!(!lookup.body.contains(&id));
    let found = page(&app, &officer, "fi", "/people?q=Nieminen").await;
    assert!(found.body.contains(&id));
    let refused = submit(
        &app,
        &staff,
        "fi",
        &format!("{person}/restriction/lift"),
        &[("reason", "selvitetty")],
    )
    .await;
    assert_eq!(refused.status, 403, "staff may not lift");

    let no_reason = submit(
        &app,
        &officer,
        "fi",
        &format!("{person}/restriction/lift"),
        &[("reason", " ")],
    )
    .await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.body);
    assert!(no_reason.body.contains(r#"id="err-lift-reason""#));
    assert!(no_reason.body.contains("on pakollinen"));
    let lifted = submit(
        &app,
        &officer,
        "fi",
        &format!("{person}/restriction/lift"),
        &[("reason", "Osoite tarkistettu väestötietojärjestelmästä")],
    )
    .await;
    assert_eq!(lifted.status, 303, "{}", lifted.body);
    let seen = page(&app, &staff, "fi", &person).await;
    assert!(!seen.body.contains("restriction-banner"));
    assert!(seen.body.contains("Poistettu"), "the lifting is shown");
    assert!(
        seen.body
            .contains("Osoite tarkistettu väestötietojärjestelmästä")
    );
    assert!(letter_list(&app, &staff).await.contains(&id));

    // One value: marked where it is shown, the person not restricted.
    let email = "pekka.nieminen@esimerkki.fi";
    let value = submit(
        &app,
        &officer,
        "fi",
        &format!("{person}/restriction"),
        &[
            ("reason", "Sähköposti kiistetty"),
            ("value", &format!("email|{email}")),
        ],
    )
    .await;
    assert_eq!(value.status, 303, "{}", value.body);
    let seen = page(&app, &staff, "fi", &person).await;
    assert!(!seen.body.contains("restriction-banner"));
    let marked = seen
        .body
        .split(&format!("mailto:{email}"))
        .nth(1)
        .expect("the email");
    assert!(
        marked[..marked.find("</dd>").expect("dd")].contains("rajoitettu"),
        "{marked}"
    );
    assert!(letter_list(&app, &staff).await.contains(&id));
    let unknown = submit(
        &app,
        &officer,
        "fi",
        &format!("{person}/restriction"),
        &[("reason", "x"), ("value", "email|muu@esimerkki.fi")],
    )
    .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains(r#"id="err-restrict-value""#));
    assert!(
        unknown
            .body
            .contains("ei kuulu henkilön tämänlajisiin tietoihin")
    );
}

async fn r4_the_partner_sees_no_permissions_or_restriction(app: TestApp) {
    let (id, _) = create_person(&app, "Kalle", "Korhonen").await;
    let officer = app.user("tietosuoja", Role::PrivacyOfficer).await;
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/people/{id}/restriction"),
        Some(&officer),
        None,
        Some(json!({"reason": "Henkilö kiistää tiedot"})),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/people/{id}/permissions"),
        json!({"channel": "letter", "purpose": "direct_marketing", "state": "prohibited"}),
    )
    .await
    .expect(201);
    let partner = browser_of(&app, "kirsi", Role::Partner).await;
    let seen = page(&app, &partner, "fi", &format!("/people/{id}")).await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert!(seen.body.contains("Korhonen"));
    for secret in [
        "mk-h",
        "Markkinointiluvat",
        "Käsittelyä rajoitettu",
        "Henkilö kiistää tiedot",
        "Kielletty",
        "/permissions",
        "/restriction",
        r#"href="/marketing""#,
    ] {
        assert!(!seen.body.contains(secret), "partner sees {secret}");
    }
    let refused = submit(&app, &partner, "fi", "/marketing/audience.csv", LETTER_LIST).await;
    assert_eq!(refused.status, 403);
    assert!(!refused.body.contains("Korhonen"));
    for path in ["/marketing", "/marketing/wordings"] {
        let refused = page(&app, &partner, "fi", path).await;
        assert_eq!(refused.status, 403, "{path}");
        assert!(!refused.body.contains("Korhonen"));
    }
    let post = submit(
        &app,
        &partner,
        "fi",
        &format!("/people/{id}/permissions"),
        &[
            ("channel", "email"),
            ("purpose", "direct_marketing"),
            ("state", "withdrawn"),
        ],
    )
    .await;
    assert_eq!(post.status, 403);
    let staff = browser_of(&app, "maija", Role::Staff).await;
    let own = page(&app, &staff, "fi", &format!("/people/{id}")).await;
    assert!(own.body.contains("Käsittelyä rajoitettu"), "staff see it");
}

async fn r15_a_bad_permission_form_is_named_in_finnish_and_nothing_is_stored(app: TestApp) {
    let (id, _) = create_person(&app, "Liisa", "Virtanen").await;
    let b = browser_of(&app, "maija", Role::Staff).await;
    let before = app.count("permission_events").await;
    let reply = submit(
        &app,
        &b,
        "fi",
        &format!("/people/{id}/permissions"),
        &[
            ("channel", "email"),
            ("purpose", "direct_marketing"),
            ("state", "granted"),
            ("source", "registration"),
            ("wording_id", ""),
            ("given_at", "2099-01-01T10:00"),
        ],
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(
        reply.body.contains(r#"id="err-mk-wording_id""#),
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .contains("on pakollinen, kun lupa annetaan: suostumus annetaan näytetylle tekstille"),
        "the Finnish message"
    );
    assert!(reply.body.contains(r#"id="err-given_at""#));
    assert!(reply.body.contains("ei saa olla tulevaisuudessa"));
    assert!(
        reply.body.contains(r##"href="#mk-h""##),
        "the page says where"
    );
    assert!(
        reply
            .body
            .contains(r#"<option value="granted" selected>Annettu</option>"#),
        "the input is kept"
    );
    assert!(reply.body.contains("Virtanen"), "the person page again");
    let english = submit(
        &app,
        &b,
        "en",
        &format!("/people/{id}/permissions"),
        &[("channel", "pigeon"), ("state", "granted")],
    )
    .await;
    assert_eq!(english.status, 422);
    assert!(english.body.contains(r#"id="err-mk-channel""#));
    assert!(english.body.contains(r#"id="err-mk-purpose""#));
    assert!(english.body.contains("is required"));
    assert_eq!(app.count("permission_events").await, before);

    // The list without a purpose of processing: named, nothing exported.
    let list = submit(
        &app,
        &b,
        "fi",
        "/marketing/audience.csv",
        &[
            ("channel", "letter"),
            ("purpose", "direct_marketing"),
            ("processing", ""),
        ],
    )
    .await;
    assert_eq!(list.status, 422, "{}", list.body);
    assert!(list.body.contains(r#"id="err-processing""#));
    assert!(list.body.contains("on pakollinen"));
    let exports = app
        .audit()
        .await
        .into_iter()
        .filter(|(action, ..)| action == "export")
        .count();
    assert_eq!(exports, 0);
}

async fn r15_wordings_are_added_on_their_page_and_consent_is_given_to_one(app: TestApp) {
    let (id, _) = create_person(&app, "Ville", "Heikkinen").await;
    let officer = browser_of(&app, "tietosuoja", Role::PrivacyOfficer).await;
    let staff = browser_of(&app, "maija", Role::Staff).await;
    let empty = page(&app, &officer, "fi", "/marketing/wordings").await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(empty.body.contains("Ei sanamuotoja vielä."));
    let text = "Haluan uutiskirjeen sähköpostiini.";
    let fields = [("key", "uutiskirje"), ("language", "fi"), ("text", text)];
    let saved = submit(&app, &officer, "fi", "/marketing/wordings", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let shown = page(&app, &officer, "fi", &saved.location).await;
    assert!(
        shown.body.contains("Tallennettu: uutiskirje v1 (fi)."),
        "{}",
        shown.body
    );
    assert!(shown.body.contains(text));
    let again = submit(&app, &officer, "fi", "/marketing/wordings", &fields).await;
    assert_eq!(again.status, 303);
    let shown = page(&app, &officer, "fi", &again.location).await;
    assert!(
        shown
            .body
            .contains("Sama teksti oli jo tallennettu: uutiskirje v1 (fi).")
    );
    assert_eq!(app.count("permission_wordings").await, 1);
    let bad = submit(
        &app,
        &officer,
        "fi",
        "/marketing/wordings",
        &[("key", "uutiskirje"), ("language", "suomi"), ("text", "")],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("on oltava kaksikirjaiminen kielikoodi"));
    assert!(bad.body.contains(r#"id="err-text""#));

    // Staff read the wordings but add none.
    let read = page(&app, &staff, "fi", "/marketing/wordings").await;
    assert_eq!(read.status, 200);
    assert!(read.body.contains(text));
    assert!(!read.body.contains(r#"action="/marketing/wordings""#));
    let refused = submit(&app, &staff, "fi", "/marketing/wordings", &fields).await;
    assert_eq!(refused.status, 403);

    // Consent is given to the stored text.
    let wording = app.get("/api/v1/wordings").await.expect(200)[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let person_page = page(&app, &staff, "fi", &format!("/people/{id}")).await;
    assert!(
        person_page
            .body
            .contains(&format!(r#"<option value="{wording}">"#))
    );
    let done = submit(
        &app,
        &staff,
        "fi",
        &format!("/people/{id}/permissions"),
        &[
            ("channel", "email"),
            ("purpose", "direct_marketing"),
            ("state", "granted"),
            ("source", "registration"),
            ("wording_id", &wording),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let shown = page(&app, &staff, "fi", &format!("/people/{id}")).await;
    assert!(shown.body.contains("uutiskirje v1 (fi)"));
    assert!(
        shown
            .body
            .contains(&format!("/marketing/wordings#w-{wording}"))
    );
    assert!(shown.body.contains(r#"data-decision="granted""#));
}

on_both_backends!(
    r15_staff_record_a_prohibition_on_the_person_page_and_the_list_drops_the_person,
    r18_the_officer_restricts_and_lifts_on_the_person_page,
    r4_the_partner_sees_no_permissions_or_restriction,
    r15_a_bad_permission_form_is_named_in_finnish_and_nothing_is_stored,
    r15_wordings_are_added_on_their_page_and_consent_is_given_to_one,
);
