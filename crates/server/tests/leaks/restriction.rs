//! R18 in `leaks.rs`: a restricted person's data is only stored — every
//! write of it is refused, but the privacy officer's rectification and the
//! lifting — and staff see the person marked.

use crate::common::{TestApp, create_person, person_json};
use crate::erasing::officer;
use crate::{created, order_json, pages, staff_browser, writes};
use rekisteri_domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

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

pub async fn r18_writes_to_a_restricted_persons_data_are_refused(app: TestApp) {
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

async fn as_officer_post(
    app: &TestApp,
    officer: &str,
    path: &str,
    body: Value,
) -> crate::common::Reply {
    app.send(Method::POST, path, Some(officer), None, Some(body))
        .await
}

pub async fn r18_a_restricted_value_is_not_changed_by_a_plain_edit(app: TestApp) {
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

pub async fn r18_restricted_people_are_marked_in_the_json_and_on_the_people_page(app: TestApp) {
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
