//! One person per email address (R3; issue 19 §7), on both databases:
//! twenty creates with one address at once make one person and nineteen
//! 409s naming them; a change that takes another person's address is
//! refused the same way; the web form names the match in Finnish.

mod common;
#[path = "common/pages.rs"]
mod pages;

use common::{TestApp, create_person, person_json};
use pages::submit;
use rekisteri_domain::Role;
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    r3_twenty_concurrent_creates_with_one_email_make_one_person,
    r3_a_change_that_takes_another_persons_email_is_refused,
    r3_the_form_names_the_person_who_has_the_address,
    r3_a_rectification_does_not_give_a_person_anothers_address,
);

async fn r3_twenty_concurrent_creates_with_one_email_make_one_person(app: TestApp) {
    let before = app.count("people").await;
    let creates = (0..20).map(|i| {
        let app = &app;
        // The address in another case is the same address.
        let email = if i % 2 == 0 {
            "kaksoiskappale@esimerkki.fi"
        } else {
            "Kaksoiskappale@Esimerkki.FI"
        };
        let mut body = person_json("Kaksi", &format!("Kappaletta{i}"));
        body["emails"] = json!([email]);
        async move { app.post("/api/v1/people", body).await }
    });
    let replies = futures_util::future::join_all(creates).await;
    let created: Vec<&common::Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(
        created.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let winner = created[0].body["id"].as_str().expect("id").to_string();
    for reply in replies.iter().filter(|r| r.status != 201) {
        assert_eq!(reply.status, 409, "{:?}", reply.body);
        let error = &reply.body["error"];
        assert_eq!(error["code"], "duplicate_person", "{error}");
        assert_eq!(error["field"], "emails[0]", "{error}");
        assert_eq!(error["records"][0]["kind"], "person", "{error}");
        assert_eq!(error["records"][0]["id"], winner.as_str(), "{error}");
        assert!(
            error["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&winner),
            "the message names the match: {error}"
        );
    }
    assert_eq!(app.count("people").await, before + 1);
}

async fn r3_a_change_that_takes_another_persons_email_is_refused(app: TestApp) {
    let (first, _) = create_person(&app, "Eka", "Henkilö").await;
    let (second, etag) = create_person(&app, "Toka", "Henkilö").await;
    let path = format!("/api/v1/people/{second}");
    let mut body = person_json("Toka", "Henkilö");
    body["emails"] = json!(["toka.henkilö@esimerkki.fi", "EKA.henkilö@esimerkki.fi"]);
    let taken = app.put(&path, &etag, body).await;
    assert_eq!(taken.status, 409, "{:?}", taken.body);
    assert_eq!(taken.body["error"]["code"], "duplicate_person");
    assert_eq!(taken.body["error"]["field"], "emails[1]");
    assert_eq!(taken.body["error"]["records"][0]["id"], first.as_str());
    let stored = app.get(&path).await.expect(200);
    assert_eq!(stored["version"], 1, "nothing changed");
    assert_eq!(stored["emails"].as_array().map(Vec::len), Some(1));

    // A change that keeps the person's own address is not a duplicate.
    let mut renamed = person_json("Toka", "Henkilö");
    renamed["title"] = json!("toimitusjohtaja");
    app.put(&path, &etag, renamed).await.expect(200);
}

async fn r3_the_form_names_the_person_who_has_the_address(app: TestApp) {
    let (first, _) = create_person(&app, "Lomake", "Täyttäjä").await;
    let password = "kesä on lyhyt mutta kaunis";
    app.user_with_password("maija", Role::Staff, password).await;
    let b = app.browser("maija", password).await;
    let before = app.count("people").await;
    let again = submit(
        &app,
        &b,
        "fi",
        "/people",
        &[
            ("first_name", "Toinen"),
            ("last_name", "Täyttäjä"),
            ("emails", "lomake.täyttäjä@esimerkki.fi\n"),
            ("source", "own_notice"),
        ],
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(
        again
            .body
            .contains("kuuluu jo rekisterissä olevalle henkilölle"),
        "{}",
        again.body
    );
    assert!(again.body.contains(&first), "the match is named");
    assert_eq!(app.count("people").await, before);
}

/// A rectification (R17) that would give a person another person's
/// address is refused the same way, naming the correction, and nothing of
/// it is applied.
async fn r3_a_rectification_does_not_give_a_person_anothers_address(app: TestApp) {
    let (first, _) = create_person(&app, "Oikea", "Omistaja").await;
    let (second, _) = create_person(&app, "Korjattava", "Henkilö").await;
    let officer = app.user("tuula", Role::PrivacyOfficer).await;
    let officer = Some(officer.as_str());
    let case = app
        .send(
            Method::POST,
            "/api/v1/requests",
            officer,
            None,
            Some(
                json!({"kind": "rectification", "channel": "letter", "person_id": second,
                        "requester_name": "Korjattava Henkilö",
                        "details": "Sähköpostiosoite puuttuu, nimike on vanha."}),
            ),
        )
        .await
        .expect(201);
    let id = case["id"].as_str().expect("id");
    app.send(
        Method::POST,
        &format!("/api/v1/requests/{id}/verify"),
        officer,
        None,
        Some(json!({"note": "allekirjoitettu kirje"})),
    )
    .await
    .expect(200);
    let taken = app
        .send(
            Method::POST,
            &format!("/api/v1/requests/{id}/rectify"),
            officer,
            None,
            Some(json!({"corrections": [
                {"field": "title", "from": "myyntipäällikkö", "to": "johtaja"},
                {"field": "email", "from": null, "to": "OIKEA.omistaja@esimerkki.fi"}]})),
        )
        .await;
    assert_eq!(taken.status, 409, "{:?}", taken.body);
    assert_eq!(taken.body["error"]["code"], "duplicate_person");
    assert_eq!(taken.body["error"]["field"], "corrections[1].to");
    assert_eq!(taken.body["error"]["records"][0]["id"], first.as_str());
    let stored = app
        .get(&format!("/api/v1/people/{second}"))
        .await
        .expect(200);
    assert_eq!(stored["title"], "myyntipäällikkö", "nothing of it applied");
    assert_eq!(stored["emails"].as_array().map(Vec::len), Some(1));
}
