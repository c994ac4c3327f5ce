//! Bad input a probe found accepted (R3; issue 19 §5), on both databases:
//! each is refused with 422 naming the field, and nothing is stored.

mod common;

use common::{TestApp, create_person};
use serde_json::json;

on_both_backends!(
    r3_unknown_fields_are_refused_naming_each_and_nothing_is_stored,
    r3_an_order_whose_total_overflows_is_refused,
    r3_if_match_must_be_the_strong_etag_sent,
    r3_paging_refuses_a_bad_limit_or_cursor_naming_it,
    r3_caps_bidirectional_controls_and_foreign_schemes_are_refused,
    r3_a_body_over_the_limit_gets_413_in_the_errors_form,
    r3_fifty_writers_with_one_etag_lose_no_update,
    r3_a_property_given_twice_is_refused_naming_it,
    r3_a_body_is_an_object_and_a_whole_number_may_have_a_fraction,
);

/// A body is a JSON object: an array is not read as a struct by position
/// (schemathesis's `[null, null]` made a token). And JSON has one kind of
/// number: `2.0` is the whole number 2 (as JSON Schema says), `2.5` is not.
async fn r3_a_body_is_an_object_and_a_whole_number_may_have_a_fraction(app: TestApp) {
    let tokens = app.count("api_tokens").await;
    let array = app.post("/api/v1/me/tokens", json!([null, null])).await;
    assert_eq!(array.status, 422, "{:?}", array.body);
    assert_eq!(array.body["error"]["field"], "body");
    assert_eq!(app.count("api_tokens").await, tokens, "no token made");

    let (person, _) = create_person(&app, "Kokonainen", "Luku").await;
    let order = |number: &str, quantity: f64| {
        json!({"person_id": person, "number": number, "ordered_on": "2026-11-20",
               "lines": [{"description": "Työ", "quantity": quantity, "unit_price_cents": 100}]})
    };
    let whole = app.post("/api/v1/orders", order("T-WHOLE", 2.0)).await;
    assert_eq!(whole.status, 201, "{:?}", whole.body);
    assert_eq!(whole.body["lines"][0]["quantity"], 2);
    let half = app.post("/api/v1/orders", order("T-HALF", 2.5)).await;
    assert_eq!(half.status, 422, "{:?}", half.body);
    assert_eq!(half.body["error"]["field"], "lines[0].quantity");
}

/// A property given twice is refused, naming it, rather than the last one
/// quietly winning (which of the two a client meant is not known).
async fn r3_a_property_given_twice_is_refused_naming_it(app: TestApp) {
    let people = app.count("people").await;
    for (body, field) in [
        (
            r#"{"first_name":"Eka","first_name":"Toka","last_name":"Kahdesti"}"#,
            "first_name",
        ),
        (
            r#"{"first_name":"Eka","last_name":"Kahdesti","addresses":[{"street":"Katu 1","street":"Tie 2","postal_code":"70100","city":"Kuopio"}]}"#,
            "addresses[0].street",
        ),
    ] {
        let reply = app
            .client
            .post(format!("{}/api/v1/people", app.base))
            .bearer_auth(&app.token)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        assert_eq!(reply.status(), 422);
        let error: serde_json::Value = reply.json().await.expect("json");
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    assert_eq!(app.count("people").await, people, "nothing stored");
}

async fn r3_unknown_fields_are_refused_naming_each_and_nothing_is_stored(app: TestApp) {
    let people = app.count("people").await;
    // "email" for "emails": before, a person without an email was stored.
    let misspelt = app
        .post(
            "/api/v1/people",
            json!({"first_name": "Essi", "last_name": "Esimerkki", "email": "essi@esimerkki.fi",
                   "addresses": [{"street": "Kauppakatu 1", "postal_code": "70100", "city": "Kuopio", "katu": "x"}]}),
        )
        .await;
    assert_eq!(misspelt.status, 422, "{:?}", misspelt.body);
    let fields: Vec<(&str, &str)> = misspelt.body["error"]["fields"]
        .as_array()
        .expect("every unknown field named")
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert!(fields.contains(&("email", "unknown_field")), "{fields:?}");
    assert!(
        fields.contains(&("addresses[0].katu", "unknown_field")),
        "{fields:?}"
    );
    assert_eq!(app.count("people").await, people, "nothing stored");

    // The same on another resource: an order's line.
    let (person, _) = create_person(&app, "Tilaaja", "Testinen").await;
    let order = app
        .post(
            "/api/v1/orders",
            json!({"person_id": person, "number": "T-UNKNOWN", "ordered_on": "2026-11-20",
                   "lines": [{"description": "Työ", "quantity": 1, "unit_price_cents": 100, "discount": 5}]}),
        )
        .await;
    assert_eq!(order.status, 422, "{:?}", order.body);
    assert_eq!(order.body["error"]["field"], "lines[0].discount");
    assert_eq!(order.body["error"]["fields"][0]["code"], "unknown_field");
    assert_eq!(app.count("orders").await, 0);
}

async fn r3_an_order_whose_total_overflows_is_refused(app: TestApp) {
    let (person, _) = create_person(&app, "Suuri", "Tilaaja").await;
    // The probe's order: 1 000 lines of the largest quantity and price each
    // line allows; before, its total was saturated at i64::MAX and stored.
    let line = json!({"description": "Paljon", "quantity": 1_000_000, "unit_price_cents": 1_000_000_000_000i64});
    let lines: Vec<_> = (0..1_000).map(|_| line.clone()).collect();
    let reply = app
        .post(
            "/api/v1/orders",
            json!({"person_id": person, "number": "T-HUGE", "ordered_on": "2026-11-20", "lines": lines}),
        )
        .await;
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.body["error"]["field"], "lines");
    assert_eq!(app.count("orders").await, 0);
    // At the limit it is taken, and its total is the exact sum.
    let fits = app
        .post(
            "/api/v1/orders",
            json!({"person_id": person, "number": "T-FITS", "ordered_on": "2026-11-20",
                   "lines": [{"description": "Iso", "quantity": 2, "unit_price_cents": 400_000_000_000i64},
                             {"description": "Pieni", "quantity": 1, "unit_price_cents": 200_000_000_000i64}]}),
        )
        .await
        .expect(201);
    assert_eq!(fits["total_cents"], 1_000_000_000_000i64);
}

async fn r3_if_match_must_be_the_strong_etag_sent(app: TestApp) {
    let (id, etag) = create_person(&app, "Vahva", "Tunniste").await;
    assert_eq!(etag, "\"1\"");
    let path = format!("/api/v1/people/{id}");
    let body = common::person_json("Vahva", "Tunnisteinen");
    // A weak tag and a bare number were taken as the version before.
    for sent in ["W/\"1\"", "1", "\"1", "\"yksi\""] {
        let reply = app.put(&path, sent, body.clone()).await;
        assert_eq!(reply.status, 422, "If-Match: {sent}: {:?}", reply.body);
        assert_eq!(reply.body["error"]["field"], "If-Match", "{sent}");
    }
    assert_eq!(
        app.get(&path).await.expect(200)["last_name"],
        "Tunniste",
        "nothing changed"
    );
    app.put(&path, &etag, body).await.expect(200);
}

async fn r3_paging_refuses_a_bad_limit_or_cursor_naming_it(app: TestApp) {
    create_person(&app, "Sivu", "Ensimmäinen").await;
    create_person(&app, "Sivu", "Toinen").await;
    // Before: limit=0 gave one item, a bad cursor an empty page, and a
    // limit that is no number an error naming "query".
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=kaksi", "limit"),
        ("after=ei-kursori", "after"),
    ] {
        let reply = app.get(&format!("/api/v1/people?{query}")).await;
        assert_eq!(reply.status, 422, "{query}: {:?}", reply.body);
        assert_eq!(reply.body["error"]["field"], field, "{query}");
    }
    let first = app.get("/api/v1/people?limit=1").await.expect(200);
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let next = app
        .get(&format!("/api/v1/people?limit=1&after={cursor}"))
        .await
        .expect(200);
    assert_eq!(next["items"].as_array().unwrap().len(), 1);
    assert_ne!(next["items"][0]["id"], first["items"][0]["id"]);
}

async fn r3_caps_bidirectional_controls_and_foreign_schemes_are_refused(app: TestApp) {
    let people = app.count("people").await;
    // 20 000 emails on one person were taken; now at most 20 of a kind.
    let emails: Vec<String> = (0..21).map(|i| format!("osoite{i}@esimerkki.fi")).collect();
    let mut many = common::person_json("Monta", "Osoitetta");
    many["emails"] = json!(emails);
    let reply = app.post("/api/v1/people", many).await;
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.body["error"]["field"], "emails");
    // U+202E turns a name around on the screen.
    let reply = app
        .post(
            "/api/v1/people",
            common::person_json("Matti\u{202E}nenatriV", "Virtanen"),
        )
        .await;
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.body["error"]["field"], "first_name");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("bidirectional"),
        "{:?}",
        reply.body
    );
    assert_eq!(app.count("people").await, people);
    // A script address is refused for what it is, not for a port.
    let reply = app
        .post(
            "/api/v1/organisations",
            json!({"name": "Skripti Oy", "website": "javascript:alert(1)"}),
        )
        .await;
    assert_eq!(reply.status, 422, "{:?}", reply.body);
    assert_eq!(reply.body["error"]["field"], "website");
    assert!(
        reply.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("http or https"),
        "{:?}",
        reply.body
    );
    // A host and port is still a web address.
    app.post(
        "/api/v1/organisations",
        json!({"name": "Portti Oy", "website": "portti.fi:8080/etusivu"}),
    )
    .await
    .expect(201);
}

async fn r3_a_body_over_the_limit_gets_413_in_the_errors_form(app: TestApp) {
    let big = format!("{{\"first_name\": \"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let reply = common::reply_of(
        reqwest::Client::new()
            .post(format!("{}/api/v1/people", app.base))
            .bearer_auth(&app.token)
            .header("Content-Type", "application/json")
            .body(big),
    )
    .await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.body["error"]["code"], "too_large", "{:?}", reply.body);
}

/// Fifty writers send a change with the same ETag at once (issue 19): one
/// wins, every other gets 412, and the stored person is the winner's.
async fn r3_fifty_writers_with_one_etag_lose_no_update(app: TestApp) {
    let (id, etag) = create_person(&app, "Kilpa", "Kirjoittaja").await;
    let path = format!("/api/v1/people/{id}");
    let writes = (0..50).map(|i| {
        let (app, path, etag) = (&app, path.clone(), etag.clone());
        async move {
            let reply = app
                .put(
                    &path,
                    &etag,
                    common::person_json("Kilpa", &format!("Kirjoittaja{i}")),
                )
                .await;
            (i, reply.status.as_u16())
        }
    });
    let results = futures_util::future::join_all(writes).await;
    let won: Vec<usize> = results
        .iter()
        .filter(|(_, s)| *s == 200)
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(
        results.iter().all(|(_, s)| *s == 200 || *s == 412),
        "{results:?}"
    );
    let stored = app.get(&path).await.expect(200);
    assert_eq!(stored["last_name"], format!("Kirjoittaja{}", won[0]));
    assert_eq!(stored["version"], 2);
}
