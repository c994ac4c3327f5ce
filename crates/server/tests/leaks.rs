//! Leaks closed (issue 13), on both databases: a person is erased, never
//! plainly deleted (R21); an organisation is not deleted while contact
//! links have not ended or notes would go with it (R19); an invoiced order
//! stays (R8: invoices are accounting records); a restricted person's data
//! is only stored, and staff see them marked (R18, `leaks/restriction.rs`);
//! files written with people's data are recorded, reported and listed for
//! erasure (R21, `leaks/copies.rs`).

mod common;
#[path = "leaks/copies.rs"]
mod copies;
#[path = "common/disclosing.rs"]
mod disclosing;
#[path = "common/erasing.rs"]
mod erasing;
#[path = "common/pages.rs"]
mod pages;
#[path = "leaks/restriction.rs"]
mod restriction;

use common::{Browser, TestApp, create_person};
use copies::*;
use erasing::{erase, officer};
use rekisteri::i18n::{Lang, Locale};
use rekisteri_domain::Role;
use reqwest::Method;
use restriction::*;
use serde_json::{Value, json};
use std::sync::Arc;

on_both_backends!(
    r21_deleting_a_person_is_gone_and_names_the_erasure,
    r19_an_organisation_with_active_contacts_or_notes_is_not_deleted,
    r8_an_invoiced_order_is_not_deleted,
    r18_writes_to_a_restricted_persons_data_are_refused,
    r18_a_restricted_value_is_not_changed_by_a_plain_edit,
    r18_restricted_people_are_marked_in_the_json_and_on_the_people_page,
    r21_files_written_by_the_command_line_are_recorded_reported_and_listed_for_erasure,
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
