//! Organisations, links, orders, invoices and notes over HTTP on SQLite and
//! PostgreSQL; the partner's view (R4); the OpenAPI document.

mod common;

use common::{TestApp, create_person, person_json};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    organisations_links_and_duplicate_business_ids,
    orders_invoices_and_notes_page_with_cursors_and_filters,
    r4_partner_sees_billing_data_only,
    openapi_document_describes_every_route,
);

async fn organisations_links_and_duplicate_business_ids(app: TestApp) {
    let org = app.post("/api/v1/organisations", json!({"name": "MT Mediateko Oy", "business_id": "2231129-9", "website": "mediateko.fi"})).await;
    let org_etag = org.etag();
    let org = org.expect(201);
    let dup = app
        .post(
            "/api/v1/organisations",
            json!({"name": "Toinen Oy", "business_id": "2231129-9"}),
        )
        .await;
    assert_eq!(dup.status, 422);
    assert_eq!(dup.body["error"]["field"], "business_id");
    let (id, _) = create_person(&app, "Annika", "Kettunen").await;
    let bad_link = app
        .post(
            &format!("/api/v1/people/{id}/organisations"),
            json!({"organisation_id": "01900000-0000-7000-8000-000000000000"}),
        )
        .await;
    assert_eq!(bad_link.status, 422);
    assert_eq!(bad_link.body["error"]["field"], "organisation_id");
    app.post(
        &format!("/api/v1/people/{id}/organisations"),
        json!({"organisation_id": org["id"], "title": "toimitusjohtaja"}),
    )
    .await
    .expect(201);
    let links = app
        .get(&format!("/api/v1/people/{id}/organisations"))
        .await
        .expect(200);
    assert_eq!(links[0]["organisation_name"], "MT Mediateko Oy");
    let members = app
        .get(&format!(
            "/api/v1/people?organisation_id={}",
            org["id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(members["items"].as_array().unwrap().len(), 1);
    let renamed = app
        .put(
            &format!("/api/v1/organisations/{}", org["id"].as_str().unwrap()),
            &org_etag,
            json!({"name": "Mediateko Group Oy", "business_id": "2231129-9"}),
        )
        .await
        .expect(200);
    assert_eq!(renamed["version"], 2);
    assert_eq!(
        app.get("/api/v1/search?q=Group&kinds=person")
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let by_bid = app
        .get("/api/v1/organisations?business_id=2231129-9")
        .await
        .expect(200);
    assert_eq!(by_bid["items"][0]["name"], "Mediateko Group Oy");
    assert_eq!(
        app.get("/api/v1/people/not-an-id/organisations")
            .await
            .status,
        404
    );
}

async fn orders_invoices_and_notes_page_with_cursors_and_filters(app: TestApp) {
    let (id, _) = create_person(&app, "Matti", "Virtanen").await;
    let order = app
        .post(
            "/api/v1/orders",
            json!({"person_id": id, "number": "T-1", "ordered_on": "2026-11-20",
                   "lines": [{"description": "Verkkosivusto", "quantity": 1, "unit_price_cents": 250000}, {"description": "Ylläpito", "quantity": 12, "unit_price_cents": 5000}]}),
        )
        .await;
    let order_etag = order.etag();
    let order = order.expect(201);
    assert_eq!(order["total_cents"], 310000);
    assert_eq!(order["lines"].as_array().unwrap().len(), 2);
    let bad = app
        .post(
            "/api/v1/orders",
            json!({"person_id": id, "number": "T-2", "ordered_on": "2026-11-20", "lines": []}),
        )
        .await;
    assert_eq!(bad.body["error"]["field"], "lines");
    let order_path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    let changed = app
        .put(&order_path, &order_etag, json!({"person_id": id, "number": "T-1", "status": "delivered", "ordered_on": "2026-11-20", "lines": [{"description": "Verkkosivusto", "quantity": 1, "unit_price_cents": 240000}]}))
        .await
        .expect(200);
    assert_eq!(
        (changed["status"].as_str(), changed["total_cents"].as_i64()),
        (Some("delivered"), Some(240000))
    );
    assert_eq!(
        app.get(&format!("/api/v1/orders?person_id={id}"))
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    for i in 0..5 {
        app.post(
            "/api/v1/notes",
            json!({"person_id": id, "kind": "meeting_note", "body": format!("Muistiinpano {i}")}),
        )
        .await
        .expect(201);
    }
    let meeting = app.post("/api/v1/notes", json!({"person_id": id, "kind": "meeting", "body": "Palaveri", "due_at": "2026-11-25T09:00:00+02:00"})).await.expect(201);
    assert_eq!(meeting["due_at"], "2026-11-25T07:00:00Z");
    let no_due = app
        .post(
            "/api/v1/notes",
            json!({"person_id": id, "kind": "action", "body": "Soita"}),
        )
        .await;
    assert_eq!(no_due.body["error"]["field"], "due_at");

    let mut seen = Vec::new();
    let mut path = format!("/api/v1/notes?person_id={id}&timeline=history&limit=2");
    loop {
        let page = app.get(&path).await.expect(200);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["body"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => {
                path = format!("/api/v1/notes?person_id={id}&timeline=history&limit=2&after={c}")
            }
            None => break,
        }
    }
    assert_eq!(
        seen,
        (0..5)
            .map(|i| format!("Muistiinpano {i}"))
            .collect::<Vec<_>>()
    );
    let upcoming = app.get("/api/v1/notes?timeline=upcoming&due_from=2026-11-24T00:00:00Z&due_before=2026-11-26T00:00:00Z").await.expect(200);
    assert_eq!(upcoming["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/v1/notes?timeline=later").await.status, 422);

    let inv = app.post("/api/v1/invoices", json!({"person_id": id, "order_id": order["id"], "number": "L-9", "issued_on": "2026-11-20", "due_on": "2026-11-10", "total_cents": 100})).await;
    assert_eq!(inv.body["error"]["field"], "due_on");
    let inv = app.post("/api/v1/invoices", json!({"person_id": id, "order_id": order["id"], "number": "L-9", "issued_on": "2026-11-20", "due_on": "2026-12-04", "total_cents": 240000})).await.expect(201);
    let dup = app.post("/api/v1/invoices", json!({"person_id": id, "number": "L-9", "issued_on": "2026-11-20", "due_on": "2026-12-04", "total_cents": 1})).await;
    assert_eq!(dup.body["error"]["field"], "number");
    // R3: the refused write left nothing behind, not even its audit row.
    assert_eq!(app.count("invoices").await, 1);
    let invoice_creates = app
        .audit()
        .await
        .iter()
        .filter(|r| r.0 == "create" && r.1 == "invoice")
        .count();
    assert_eq!(invoice_creates, 1);
    let open = app.get("/api/v1/invoices?status=open").await.expect(200);
    assert_eq!(open["items"][0]["id"], inv["id"]);
    let no_delete = app
        .delete(
            &format!("/api/v1/invoices/{}", inv["id"].as_str().unwrap()),
            "\"1\"",
        )
        .await;
    assert_eq!(no_delete.status, 405, "invoices are credited, not deleted");
}

async fn r4_partner_sees_billing_data_only(app: TestApp) {
    let mut person = person_json("Matti", "Virtanen");
    person["addresses"] = json!([
        {"street": "Kotikatu 1", "postal_code": "70100", "city": "Kuopio"},
        {"kind": "billing", "street": "PL 12", "postal_code": "70101", "city": "Kuopio"}
    ]);
    let id = app.post("/api/v1/people", person).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/notes",
        json!({"person_id": id, "kind": "meeting_note", "body": "Salainen"}),
    )
    .await
    .expect(201);
    let partner = app
        .user("kirjanpito", rekisteri_domain::Role::Partner)
        .await;
    let seen = app
        .send(
            Method::GET,
            &format!("/api/v1/people/{id}"),
            Some(&partner),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(seen["last_name"], "Virtanen");
    assert_eq!(seen["phones"], json!([]));
    assert_eq!(seen["emails"], json!([]));
    assert_eq!(seen["title"], Value::Null);
    assert_eq!(seen["addresses"].as_array().unwrap().len(), 1);
    assert_eq!(seen["addresses"][0]["kind"], "billing");
    let listed = app
        .send(Method::GET, "/api/v1/people", Some(&partner), None, None)
        .await
        .expect(200);
    assert_eq!(listed["items"][0]["phones"], json!([]));
    for path in ["/api/v1/notes", "/api/v1/search?q=Virtanen"] {
        assert_eq!(
            app.send(Method::GET, path, Some(&partner), None, None)
                .await
                .status,
            403,
            "{path}"
        );
    }
    let write = app
        .send(
            Method::POST,
            "/api/v1/people",
            Some(&partner),
            None,
            Some(person_json("A", "B")),
        )
        .await;
    assert_eq!(write.status, 403);
    assert_eq!(
        app.send(Method::GET, "/api/v1/invoices", Some(&partner), None, None)
            .await
            .status,
        200
    );
}

async fn openapi_document_describes_every_route(app: TestApp) {
    let doc = app
        .send(Method::GET, "/api/v1/openapi.json", None, None, None)
        .await
        .expect(200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/people",
        "/api/v1/people/{id}",
        "/api/v1/people/{id}/organisations",
        "/api/v1/people/{id}/organisations/{link_id}",
        "/api/v1/organisations",
        "/api/v1/organisations/{id}",
        "/api/v1/orders",
        "/api/v1/orders/{id}",
        "/api/v1/invoices",
        "/api/v1/invoices/{id}",
        "/api/v1/notes",
        "/api/v1/notes/{id}",
        "/api/v1/search",
    ] {
        assert!(paths.contains_key(path), "missing {path}");
    }
    assert!(doc["components"]["schemas"]["Person"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
