//! Bad input a probe found accepted (R3; issue 19 §5), on both databases:
//! each is refused with 422 naming the field, and nothing is stored.

mod common;

use common::{TestApp, create_person};
use serde_json::json;

on_both_backends!(r3_unknown_fields_are_refused_naming_each_and_nothing_is_stored,);

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
