//! Leaks closed (issue 13), on both databases: a person is erased, never
//! plainly deleted (R21); an organisation is not deleted while contact
//! links have not ended or notes would go with it (R19); an invoiced order
//! stays (R8: invoices are accounting records); a restricted person's data
//! is only stored, and staff see them marked (R18).

mod common;
#[path = "common/erasing.rs"]
mod erasing;
#[path = "common/pages.rs"]
mod pages;

use common::{Browser, TestApp, create_person, person_json};
use erasing::{erase, officer};
use rekisteri::i18n::{Lang, Locale};
use rekisteri_domain::Role;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

on_both_backends!(
    r21_deleting_a_person_is_gone_and_names_the_erasure,
    r19_an_organisation_with_active_contacts_or_notes_is_not_deleted,
    r8_an_invoiced_order_is_not_deleted,
    r18_writes_to_a_restricted_persons_data_are_refused,
    r18_a_restricted_value_is_not_changed_by_a_plain_edit,
    r18_restricted_people_are_marked_in_the_json_and_on_the_people_page,
);

const PASSWORD: &str = "kesä on lyhyt mutta kaunis";

/// A logged-in staff browser.
async fn staff_browser(app: &TestApp, name: &str, role: Role) -> Browser {
    app.user_with_password(name, role, PASSWORD).await;
    app.browser(name, PASSWORD).await
}

/// A write of personal data in the audit log: (action, record type, id).
async fn writes(app: &TestApp) -> Vec<(String, String, String)> {
    app.audit()
        .await
        .into_iter()
        .filter(|r| ["create", "update", "delete"].contains(&r.0.as_str()))
        .map(|r| (r.0, r.1, r.2))
        .collect()
}

/// POSTs and answers (id, ETag).
async fn created(app: &TestApp, path: &str, body: Value) -> (String, String) {
    let reply = app.post(path, body).await;
    let etag = reply.etag();
    let body = reply.expect(201);
    (body["id"].as_str().expect("id").to_string(), etag)
}

fn order_json(person: Option<&str>, organisation: Option<&str>, number: &str) -> Value {
    json!({"person_id": person, "organisation_id": organisation, "number": number,
           "ordered_on": "2026-11-20",
           "lines": [{"description": "Vuosilisenssi", "quantity": 1, "unit_price_cents": 10000}]})
}

async fn r21_deleting_a_person_is_gone_and_names_the_erasure(app: TestApp) {
    let (person, etag) = create_person(&app, "Ilona", "Poistamaton").await;
    let path = format!("/api/v1/people/{person}");
    let gone = app.delete(&path, &etag).await.expect(410);
    assert_eq!(gone["error"]["code"], "use_erasure");
    let message = gone["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("POST /api/v1/people/{person}/erasure")),
        "{message}"
    );
    // Without If-Match it is gone all the same; the partner may not write.
    let bare = app
        .send(Method::DELETE, &path, Some(&app.token), None, None)
        .await
        .expect(410);
    assert_eq!(bare["error"]["code"], "use_erasure");
    let partner = app.user("kirjanpito", Role::Partner).await;
    app.send(Method::DELETE, &path, Some(&partner), Some(&etag), None)
        .await
        .expect(403);
    // Nothing was deleted, and no deletion is in the log.
    assert_eq!(app.get(&path).await.expect(200)["last_name"], "Poistamaton");
    assert_eq!(app.count("people").await, 1);
    assert_eq!(app.count("person_contacts").await, 3);
    assert!(writes(&app).await.iter().all(|w| w.0 != "delete"));
    // The documentation says so.
    let doc = app.get("/api/v1/openapi.json").await.expect(200);
    let responses = &doc["paths"]["/api/v1/people/{id}"]["delete"]["responses"];
    assert!(responses.get("410").is_some(), "{responses}");
    assert!(responses.get("204").is_none(), "{responses}");
    // The web speaks it in both languages, naming the route.
    let tz = Arc::new(jiff::tz::TimeZone::UTC);
    for lang in Lang::ALL {
        let text = Locale::new(lang, tz.clone()).t("error-text-use-erasure");
        assert!(text.contains("POST /api/v1/people/{id}/erasure"), "{text}");
    }
    // No page offers a plain delete; the officer's page offers the erasure.
    let b = staff_browser(&app, "myyja", Role::Staff).await;
    let shown = pages::page(&app, &b, "fi", &format!("/people/{person}")).await;
    assert_eq!(shown.status, 200);
    assert!(!shown.body.contains(&format!("/people/{person}/delete")));
    let po = staff_browser(&app, "tietosuoja2", Role::PrivacyOfficer).await;
    let shown = pages::page(&app, &po, "fi", &format!("/people/{person}")).await;
    assert!(
        shown
            .body
            .contains(&format!("action=\"/people/{person}/erasure\""))
    );
    // The route the answer names erases the person.
    let officer = officer(&app).await;
    erase(&app, &officer, &person).await.expect(200);
    app.get(&path).await.expect(404);
}

async fn r19_an_organisation_with_active_contacts_or_notes_is_not_deleted(app: TestApp) {
    let (person, _) = create_person(&app, "Aino", "Yhteyshenkilö").await;
    let (org, org_etag) =
        created(&app, "/api/v1/organisations", json!({"name": "Asiakas Oy"})).await;
    let link_body =
        json!({"organisation_id": org, "is_contact_person": true, "title": "ostopäällikkö"});
    let (link, link_etag) = created(
        &app,
        &format!("/api/v1/people/{person}/organisations"),
        link_body.clone(),
    )
    .await;
    let org_path = format!("/api/v1/organisations/{org}");
    let refused = app.delete(&org_path, &org_etag).await.expect(409);
    assert_eq!(refused["error"]["code"], "active_contacts");
    assert_eq!(
        refused["error"]["records"],
        json!([{"kind": "link", "id": link, "person_id": person}])
    );
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains(&person), "{message}");
    // Nothing went: the organisation, the link and the person's search row.
    app.get(&org_path).await.expect(200);
    assert_eq!(app.count("person_organisations").await, 1);
    assert!(writes(&app).await.iter().all(|w| w.0 != "delete"));
    // The web gives the same refusal, readable, naming the contact.
    let b = staff_browser(&app, "myyja", Role::Staff).await;
    let delete_page = format!("/organisations/{org}/delete");
    for (lang, words) in [
        ("fi", "päättymättömiä yhteyshenkilölinkkejä"),
        ("en", "contact links that have not ended"),
    ] {
        let page = pages::submit(&app, &b, lang, &delete_page, &[("version", "1")]).await;
        assert_eq!(page.status, 409, "{}", page.body);
        assert!(page.body.contains(words), "{}", page.body);
        assert!(page.body.contains("Aino Yhteyshenkilö"), "{}", page.body);
        assert!(page.body.contains(&format!("href=\"/people/{person}\"")));
    }
    let shown = pages::page(&app, &b, "fi", &format!("/organisations/{org}")).await;
    assert!(shown.body.contains(&format!("action=\"{delete_page}\"")));
    assert_eq!(app.count("person_organisations").await, 1);

    // The link is ended first, as an audited change.
    let mut ended = link_body;
    ended["ended_on"] = json!("2026-11-23");
    app.put(
        &format!("/api/v1/people/{person}/organisations/{link}"),
        &link_etag,
        ended,
    )
    .await
    .expect(200);
    assert!(
        writes(&app)
            .await
            .contains(&("update".into(), "link".into(), link.clone()))
    );
    // A note about the organisation does not go silently with it.
    let (note, note_etag) = created(
        &app,
        "/api/v1/notes",
        json!({"organisation_id": org, "kind": "meeting_note", "body": "Vuosipalaveri"}),
    )
    .await;
    let refused = app.delete(&org_path, &org_etag).await.expect(409);
    assert_eq!(refused["error"]["code"], "has_notes");
    assert_eq!(refused["error"]["records"][0]["kind"], "note");
    assert_eq!(refused["error"]["records"][0]["id"], json!(note));
    let page = pages::submit(&app, &b, "fi", &delete_page, &[("version", "1")]).await;
    assert_eq!(page.status, 409);
    assert!(page.body.contains("Organisaatiolla on muistiinpanoja"));
    assert!(page.body.contains(&format!("/notes/{note}/edit")));
    app.get(&format!("/api/v1/notes/{note}")).await.expect(200);
    app.delete(&format!("/api/v1/notes/{note}"), &note_etag)
        .await
        .expect(204);
    // Now it goes, and the ended link with it, each in the log.
    app.delete(&org_path, &org_etag).await.expect(204);
    app.get(&org_path).await.expect(404);
    assert_eq!(app.count("person_organisations").await, 0);
    app.get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    let log = writes(&app).await;
    assert!(log.contains(&("delete".into(), "organisation".into(), org.clone())));
    assert!(log.contains(&("delete".into(), "link".into(), link.clone())));
}

async fn r8_an_invoiced_order_is_not_deleted(app: TestApp) {
    let (person, _) = create_person(&app, "Olli", "Tilaaja").await;
    let (order, order_etag) = created(
        &app,
        "/api/v1/orders",
        order_json(Some(&person), None, "T-1"),
    )
    .await;
    let (invoice, _) = created(
        &app,
        "/api/v1/invoices",
        json!({"person_id": person, "order_id": order, "number": "L-7", "status": "paid",
               "issued_on": "2026-11-20", "due_on": "2026-12-04", "total_cents": 10000}),
    )
    .await;
    let order_path = format!("/api/v1/orders/{order}");
    let refused = app.delete(&order_path, &order_etag).await.expect(409);
    assert_eq!(refused["error"]["code"], "invoiced");
    assert_eq!(
        refused["error"]["records"],
        json!([{"kind": "invoice", "id": invoice, "person_id": person, "label": "L-7"}])
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("L-7")
    );
    app.get(&order_path).await.expect(200);
    let kept = app
        .get(&format!("/api/v1/invoices/{invoice}"))
        .await
        .expect(200);
    assert_eq!(kept["order_id"], json!(order));
    // The web likewise, naming the invoice.
    let b = staff_browser(&app, "myyja", Role::Staff).await;
    let shown = pages::page(&app, &b, "fi", &format!("/orders/{order}")).await;
    assert!(
        shown
            .body
            .contains(&format!("action=\"/orders/{order}/delete\""))
    );
    let page = pages::submit(
        &app,
        &b,
        "fi",
        &format!("/orders/{order}/delete"),
        &[("version", "1")],
    )
    .await;
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(page.body.contains("kirjanpitoaineistoa"), "{}", page.body);
    assert!(page.body.contains("Lasku L-7"));
    assert!(page.body.contains(&format!("href=\"/invoices/{invoice}\"")));
    app.get(&order_path).await.expect(200);
    // An order no invoice refers to may go, by the API or the web.
    let (plain, plain_etag) = created(
        &app,
        "/api/v1/orders",
        order_json(Some(&person), None, "T-2"),
    )
    .await;
    app.delete(&format!("/api/v1/orders/{plain}"), &plain_etag)
        .await
        .expect(204);
    let (other, _) = created(
        &app,
        "/api/v1/orders",
        order_json(Some(&person), None, "T-3"),
    )
    .await;
    let page = pages::submit(
        &app,
        &b,
        "fi",
        &format!("/orders/{other}/delete"),
        &[("version", "1")],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location, format!("/people/{person}"));
    assert_eq!(app.count("orders").await, 1);
}

/// Restricts the person as a whole (the privacy officer).
async fn restrict(app: &TestApp, officer: &str, person: &str, body: Value) {
    app.send(
        Method::POST,
        &format!("/api/v1/people/{person}/restriction"),
        Some(officer),
        None,
        Some(body),
    )
    .await
    .expect(201);
}

async fn r18_writes_to_a_restricted_persons_data_are_refused(app: TestApp) {
    let officer = officer(&app).await;
    let (person, etag) = create_person(&app, "Reino", "Rajoitettu").await;
    let (org, _) = created(&app, "/api/v1/organisations", json!({"name": "Asiakas Oy"})).await;
    let link_body = json!({"organisation_id": org, "title": "ostaja"});
    let links = format!("/api/v1/people/{person}/organisations");
    let (link, link_etag) = created(&app, &links, link_body.clone()).await;
    let note_body = json!({"person_id": person, "kind": "meeting_note", "body": "Tapaaminen"});
    let (note, note_etag) = created(&app, "/api/v1/notes", note_body.clone()).await;
    let (org_note, org_note_etag) = created(
        &app,
        "/api/v1/notes",
        json!({"organisation_id": org, "kind": "offer", "body": "Tarjous"}),
    )
    .await;
    let order_body = order_json(Some(&person), None, "T-1");
    let (order, order_etag) = created(&app, "/api/v1/orders", order_body.clone()).await;
    restrict(
        &app,
        &officer,
        &person,
        json!({"reason": "oikeellisuus kiistetty"}),
    )
    .await;
    let before = writes(&app).await;

    let mut renamed = person_json("Reino", "Muutettu");
    renamed["phones"] = json!(["040 999 8888"]);
    let mut moved = note_body.clone();
    moved["body"] = json!("Muutettu");
    let mut onto_person = json!({"organisation_id": org, "kind": "offer", "body": "Tarjous"});
    onto_person["person_id"] = json!(person);
    let mut ended = link_body.clone();
    ended["ended_on"] = json!("2026-11-23");
    let cases: Vec<(Method, String, Option<&str>, Option<Value>)> = vec![
        (
            Method::PUT,
            format!("/api/v1/people/{person}"),
            Some(&etag),
            Some(renamed),
        ),
        (
            Method::POST,
            "/api/v1/notes".into(),
            None,
            Some(note_body.clone()),
        ),
        (
            Method::PUT,
            format!("/api/v1/notes/{note}"),
            Some(&note_etag),
            Some(moved),
        ),
        (
            Method::PUT,
            format!("/api/v1/notes/{org_note}"),
            Some(&org_note_etag),
            Some(onto_person),
        ),
        (
            Method::DELETE,
            format!("/api/v1/notes/{note}"),
            Some(&note_etag),
            None,
        ),
        (
            Method::POST,
            "/api/v1/orders".into(),
            None,
            Some(order_json(Some(&person), None, "T-2")),
        ),
        (
            Method::PUT,
            format!("/api/v1/orders/{order}"),
            Some(&order_etag),
            Some(order_json(Some(&person), None, "T-9")),
        ),
        (
            Method::DELETE,
            format!("/api/v1/orders/{order}"),
            Some(&order_etag),
            None,
        ),
        (
            Method::POST,
            links.clone(),
            None,
            Some(json!({"organisation_id": org})),
        ),
        (
            Method::PUT,
            format!("{links}/{link}"),
            Some(&link_etag),
            Some(ended),
        ),
        (
            Method::DELETE,
            format!("{links}/{link}"),
            Some(&link_etag),
            None,
        ),
    ];
    for (method, path, if_match, body) in cases {
        let what = format!("{method} {path}");
        let reply = app
            .send(method, &path, Some(&app.token), if_match, body)
            .await;
        assert_eq!(reply.status.as_u16(), 409, "{what}: {}", reply.body);
        assert_eq!(reply.body["error"]["code"], "restricted", "{what}");
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(&person), "{what}: {message}");
    }
    // Nothing changed, and no write is in the log.
    assert_eq!(writes(&app).await, before);
    let stored = app
        .get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    assert_eq!(
        (stored["last_name"].as_str(), stored["version"].as_i64()),
        (Some("Rajoitettu"), Some(1))
    );
    assert_eq!(
        app.get(&format!("/api/v1/notes/{note}")).await.expect(200)["body"],
        "Tapaaminen"
    );
    assert_eq!(
        app.get(&format!("/api/v1/notes/{org_note}"))
            .await
            .expect(200)["person_id"],
        Value::Null
    );
    assert_eq!(
        app.get(&format!("/api/v1/orders/{order}"))
            .await
            .expect(200)["number"],
        "T-1"
    );
    assert_eq!(
        (
            app.count("notes").await,
            app.count("orders").await,
            app.count("person_organisations").await
        ),
        (2, 1, 1)
    );
    // The web's edit form gets the refusal in the user's language.
    let b = staff_browser(&app, "myyja", Role::Staff).await;
    let page = pages::submit(
        &app,
        &b,
        "fi",
        &format!("/people/{person}/edit"),
        &[
            ("first_name", "Reino"),
            ("last_name", "Muutettu"),
            ("version", "1"),
            ("source", "staff_entry"),
        ],
    )
    .await;
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(
        page.body.contains("käsittely on rajoitettu"),
        "{}",
        page.body
    );
    // What is not about the person is not held: a note on the organisation.
    let offer = json!({"organisation_id": org, "kind": "offer", "body": "Uusi tarjous"});
    app.put(&format!("/api/v1/notes/{org_note}"), &org_note_etag, offer)
        .await
        .expect(200);

    // The privacy officer's rectification still corrects the data.
    let case = as_officer_post(
        &app,
        &officer,
        "/api/v1/requests",
        json!({"kind": "rectification", "channel": "letter", "person_id": person,
               "requester_name": "Reino Rajoitettu", "details": "Puhelinnumero on väärä."}),
    )
    .await
    .expect(201);
    let id = case["id"].as_str().unwrap();
    as_officer_post(
        &app,
        &officer,
        &format!("/api/v1/requests/{id}/verify"),
        json!({"note": "allekirjoitettu kirje"}),
    )
    .await
    .expect(200);
    as_officer_post(
        &app,
        &officer,
        &format!("/api/v1/requests/{id}/rectify"),
        json!({"corrections": [{"field": "phone", "from": "040 123 4567", "to": "040 333 4444"}]}),
    )
    .await
    .expect(200);
    let corrected = app.get(&format!("/api/v1/people/{person}")).await;
    let corrected_etag = corrected.etag();
    let corrected = corrected.expect(200);
    assert_eq!(corrected["phones"][0]["value"], "+358403334444");
    assert_eq!(corrected["restricted"], true);
    // Lifting the restriction is allowed, and then staff may write again.
    app.send(
        Method::DELETE,
        &format!("/api/v1/people/{person}/restriction?reason=korjattu"),
        Some(&officer),
        None,
        None,
    )
    .await
    .expect(200);
    let mut edited = person_json("Reino", "Rajoitettu");
    edited["phones"] = json!(["040 333 4444"]);
    edited["title"] = json!("ostopäällikkö");
    let after = app
        .put(&format!("/api/v1/people/{person}"), &corrected_etag, edited)
        .await
        .expect(200);
    assert_eq!(
        (after["title"].as_str(), after["restricted"].as_bool()),
        (Some("ostopäällikkö"), Some(false))
    );
    app.delete(&format!("/api/v1/notes/{note}"), &note_etag)
        .await
        .expect(204);
}

async fn as_officer_post(app: &TestApp, officer: &str, path: &str, body: Value) -> common::Reply {
    app.send(Method::POST, path, Some(officer), None, Some(body))
        .await
}

async fn r18_a_restricted_value_is_not_changed_by_a_plain_edit(app: TestApp) {
    let officer = officer(&app).await;
    let (person, etag) = create_person(&app, "Liisa", "Kiistetty").await;
    let email = "liisa.kiistetty@esimerkki.fi";
    restrict(
        &app,
        &officer,
        &person,
        json!({"reason": "osoite kiistetty", "value_kind": "email", "value": email}),
    )
    .await;
    let path = format!("/api/v1/people/{person}");
    // Only one value is restricted: the person is not marked as a whole.
    assert_eq!(app.get(&path).await.expect(200)["restricted"], false);
    let mut changed = person_json("Liisa", "Kiistetty");
    changed["emails"] = json!(["liisa@muualla.fi"]);
    let refused = app.put(&path, &etag, changed).await.expect(409);
    assert_eq!(refused["error"]["code"], "restricted");
    assert_eq!(refused["error"]["field"], "emails");
    let mut removed = person_json("Liisa", "Kiistetty");
    removed["emails"] = json!([]);
    app.put(&path, &etag, removed).await.expect(409);
    let stored = app.get(&path).await.expect(200);
    assert_eq!(stored["emails"][0]["value"], email);
    assert_eq!(stored["version"], 1);
    // Keeping the value, the rest may change.
    let mut kept = person_json("Liisa", "Kiistetty");
    kept["phones"] = json!(["040 555 6666"]);
    let after = app.put(&path, &etag, kept).await.expect(200);
    assert_eq!(after["phones"][0]["value"], "+358405556666");
    assert_eq!(after["emails"][0]["value"], email);
}

async fn r18_restricted_people_are_marked_in_the_json_and_on_the_people_page(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Raili", "Rajattu").await;
    let (other, _) = create_person(&app, "Vilma", "Vapaa").await;
    let path = format!("/api/v1/people/{person}");
    assert_eq!(app.get(&path).await.expect(200)["restricted"], false);
    // A restriction that starts tomorrow marks nobody today.
    restrict(
        &app,
        &officer,
        &person,
        json!({"reason": "oikeellisuus kiistetty", "starts_at": "2026-11-25T10:00:00Z"}),
    )
    .await;
    assert_eq!(app.get(&path).await.expect(200)["restricted"], false);
    app.clock.advance_days(1);
    let marked = |list: &Value| -> Vec<(String, bool)> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["id"].as_str().unwrap().to_string(),
                    p["restricted"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(app.get(&path).await.expect(200)["restricted"], true);
    let list = app.get("/api/v1/people").await.expect(200);
    assert_eq!(
        marked(&list),
        [(person.clone(), true), (other.clone(), false)]
    );
    // The partner's billing view says it too.
    let partner = app.user("kirjanpito", Role::Partner).await;
    let seen = app
        .send(Method::GET, &path, Some(&partner), None, None)
        .await
        .expect(200);
    assert_eq!(seen["restricted"], true);
    // The people page marks the person, in Finnish and English.
    let b = staff_browser(&app, "myyja", Role::Staff).await;
    for (lang, badge) in [
        ("fi", "Käsittely rajoitettu"),
        ("en", "Processing restricted"),
    ] {
        let page = pages::page(&app, &b, lang, "/people").await;
        assert_eq!(page.status, 200);
        assert_eq!(page.body.matches(badge).count(), 1, "{}", page.body);
        let row = page
            .body
            .split("<tr>")
            .find(|r| r.contains(&format!("/people/{person}\"")))
            .unwrap();
        assert!(row.contains(badge), "{row}");
    }
    // Lifted: no longer marked.
    app.send(
        Method::DELETE,
        &format!("{path}/restriction?reason=korjattu"),
        Some(&officer),
        None,
        None,
    )
    .await
    .expect(200);
    assert_eq!(app.get(&path).await.expect(200)["restricted"], false);
    let page = pages::page(&app, &b, "fi", "/people").await;
    assert!(!page.body.contains("Käsittely rajoitettu"));
}
