//! The web pages of organisations, links, orders and invoices, driven over
//! HTTP as a browser would (session cookie, form CSRF field, Origin) on
//! both databases: validation in the user's language (R3), totals of order
//! lines, optimistic concurrency, links (R19), and the financial partner's
//! read-only view (R4).

mod common;

use common::{Browser, TestApp, create_person};
use rekisteri_domain::Role;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(
    r3_a_wrong_business_id_is_refused_in_finnish_and_nothing_is_stored,
    r3_an_order_with_two_lines_totals_correctly_and_is_invoiced,
    r3_an_edit_over_someone_elses_change_is_refused_with_a_conflict,
    r19_a_person_is_linked_to_an_organisation_and_unlinked,
    r4_a_partner_reads_the_organisation_without_write_actions_and_may_not_order,
);

const PASSWORD: &str = "kesä on lyhyt mutta kaunis";

/// A page's reply: status, `Location`, HTML.
struct Html {
    status: StatusCode,
    location: String,
    text: String,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn html(res: reqwest::RequestBuilder) -> Html {
    let res = res.send().await.expect("request");
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Html {
        status,
        location,
        text: res.text().await.expect("body"),
    }
}

async fn get(app: &TestApp, b: &Browser, path: &str) -> Html {
    html(
        client()
            .get(format!("{}{path}", app.base))
            .header("Cookie", &b.cookie)
            .header("Accept-Language", "fi"),
    )
    .await
}

/// Posts a form as the browser's page would: its CSRF field and Origin.
async fn post(app: &TestApp, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Html {
    post_in("fi", app, b, path, fields).await
}

/// Posts a form from a browser that prefers the language.
async fn post_in(
    lang: &str,
    app: &TestApp,
    b: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> Html {
    let mut pairs: Vec<(&str, &str)> = vec![("csrf", &b.csrf)];
    pairs.extend_from_slice(fields);
    let body = serde_urlencoded::to_string(&pairs).expect("form");
    html(
        client()
            .post(format!("{}{path}", app.base))
            .header("Cookie", &b.cookie)
            .header("Origin", &app.base)
            .header("Accept-Language", lang)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await
}

async fn staff(app: &TestApp) -> Browser {
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    app.browser("maija", PASSWORD).await
}

/// Creates an organisation through the web form; returns its id.
async fn organisation(app: &TestApp, b: &Browser, name: &str) -> String {
    let created = post(
        app,
        b,
        "/organisations",
        &[
            ("name", name),
            ("business_id", "2231129-9"),
            ("website", "https://mediateko.fi"),
            ("source", "staff_entry"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.text);
    created
        .location
        .strip_prefix("/organisations/")
        .expect("the organisation's page")
        .to_string()
}

/// The value of the first hidden `version` input of a page.
fn version_in(text: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let at = text.find(marker).expect("a version field") + marker.len();
    text[at..].split('"').next().expect("a value").to_string()
}

async fn r3_a_wrong_business_id_is_refused_in_finnish_and_nothing_is_stored(app: TestApp) {
    let b = staff(&app).await;
    let form = get(&app, &b, "/organisations/new").await;
    assert_eq!(form.status, 200);
    assert!(form.text.contains("name=\"business_id\""));
    let refused = post(
        &app,
        &b,
        "/organisations",
        &[
            ("name", "MT Mediateko Oy"),
            ("business_id", "2231129-8"),
            ("source", "staff_entry"),
        ],
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text.to_lowercase().contains("tarkistusmerkki"),
        "the Finnish message: {}",
        refused.text
    );
    assert!(!refused.text.contains("has a wrong check digit"));
    assert!(refused.text.contains("id=\"err-business_id\""));
    assert!(refused.text.contains("aria-invalid=\"true\""));
    // The input is kept.
    assert!(refused.text.contains("value=\"MT Mediateko Oy\""));
    assert!(refused.text.contains("value=\"2231129-8\""));
    assert_eq!(app.count("organisations").await, 0);

    let id = organisation(&app, &b, "MT Mediateko Oy").await;
    assert_eq!(app.count("organisations").await, 1);
    let page = get(&app, &b, &format!("/organisations/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("MT Mediateko Oy"));
    assert!(page.text.contains("2231129-9"));
    let list = get(&app, &b, "/organisations?q=MT").await;
    assert!(list.text.contains(&format!("/organisations/{id}")));
    let none = get(&app, &b, "/organisations?q=Zz").await;
    assert!(!none.text.contains(&format!("/organisations/{id}")));
}

async fn r3_an_order_with_two_lines_totals_correctly_and_is_invoiced(app: TestApp) {
    let b = staff(&app).await;
    let org = organisation(&app, &b, "MT Mediateko Oy").await;
    let form = get(&app, &b, &format!("/orders/new?organisation_id={org}")).await;
    assert_eq!(form.status, 200);
    assert!(form.text.contains("MT Mediateko Oy"));
    let created = post(
        &app,
        &b,
        "/orders",
        &[
            ("organisation_id", &org),
            ("person_id", ""),
            ("number", "T-1001"),
            ("ordered_on", "2026-11-24"),
            ("status", "confirmed"),
            ("source", "staff_entry"),
            ("description", "Vuositilaus"),
            ("quantity", "2"),
            ("unit_price", "12,50"),
            ("description", ""),
            ("quantity", ""),
            ("unit_price", ""),
            ("description", "Toimitus"),
            ("quantity", "1"),
            ("unit_price", "4.90"),
            ("description", ""),
            ("quantity", ""),
            ("unit_price", ""),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.text);
    let order = created
        .location
        .strip_prefix("/orders/")
        .expect("the order's page")
        .to_string();
    let stored = app
        .get(&format!("/api/v1/orders/{order}"))
        .await
        .expect(200);
    assert_eq!(stored["total_cents"], 2990);
    assert_eq!(stored["lines"].as_array().map(Vec::len), Some(2));
    let page = get(&app, &b, &format!("/orders/{order}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("29,90\u{a0}€"), "{}", page.text);
    assert!(page.text.contains("25,00\u{a0}€"));
    assert!(
        page.text
            .contains(&format!("/invoices/new?order_id={order}"))
    );

    // A bad price is refused on its row, in Finnish, and nothing is stored.
    let refused = post(
        &app,
        &b,
        "/orders",
        &[
            ("organisation_id", &org),
            ("number", "T-1002"),
            ("ordered_on", "2026-11-24"),
            ("description", "Vuositilaus"),
            ("quantity", "2"),
            ("unit_price", "kaksitoista"),
        ],
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(refused.text.contains("id=\"err-unit_price-0\""));
    assert!(refused.text.contains("Anna summa euroina"));
    assert_eq!(app.count("orders").await, 1);

    let invoice_form = get(&app, &b, &format!("/invoices/new?order_id={order}")).await;
    assert_eq!(invoice_form.status, 200);
    assert!(invoice_form.text.contains("value=\"29,90\""));
    let invoiced = post(
        &app,
        &b,
        "/invoices",
        &[
            ("organisation_id", &org),
            ("person_id", ""),
            ("order_id", &order),
            ("number", "L-5001"),
            ("status", "open"),
            ("issued_on", "2026-11-24"),
            ("due_on", "2026-12-08"),
            ("total", "29,90"),
            ("source", "staff_entry"),
        ],
    )
    .await;
    assert_eq!(invoiced.status, 303, "{}", invoiced.text);
    let invoice = invoiced.location.clone();
    assert!(invoice.starts_with("/invoices/"));
    let page = get(&app, &b, &invoice).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("L-5001"));
    assert!(page.text.contains("29,90\u{a0}€"));
    assert!(page.text.contains("8.12.2026"));
    let order_page = get(&app, &b, &format!("/orders/{order}")).await;
    assert!(order_page.text.contains(&invoice));
    let org_page = get(&app, &b, &format!("/organisations/{org}")).await;
    assert!(org_page.text.contains(&format!("/orders/{order}")));
    assert!(org_page.text.contains(&invoice));
}

async fn r3_an_edit_over_someone_elses_change_is_refused_with_a_conflict(app: TestApp) {
    let b = staff(&app).await;
    let id = organisation(&app, &b, "MT Mediateko Oy").await;
    let form = get(&app, &b, &format!("/organisations/{id}/edit")).await;
    assert_eq!(form.status, 200);
    let version = version_in(&form.text);
    // Someone else renames it meanwhile.
    let current = app.get(&format!("/api/v1/organisations/{id}")).await;
    let etag = current.etag();
    app.put(
        &format!("/api/v1/organisations/{id}"),
        &etag,
        json!({"name": "Mediateko Group Oy", "business_id": "2231129-9"}),
    )
    .await
    .expect(200);
    let fields = [
        ("version", version.as_str()),
        ("name", "MT Mediateko Oyj"),
        ("business_id", "2231129-9"),
        ("source", "staff_entry"),
    ];
    let refused = post(&app, &b, &format!("/organisations/{id}/edit"), &fields).await;
    assert_eq!(refused.status, 409);
    assert!(refused.text.contains("conflict"));
    assert!(refused.text.contains("role=\"alert\""));
    assert!(
        refused
            .text
            .contains("Joku muu muutti tätä organisaatiota sillä välin")
    );
    assert!(refused.text.contains("value=\"MT Mediateko Oyj\""));
    let path = format!("/organisations/{id}/edit");
    let in_english = post_in("en", &app, &b, &path, &fields).await;
    assert_eq!(in_english.status, 409);
    assert!(
        in_english
            .text
            .contains("Someone else changed this organisation in the meantime.")
    );
    assert!(in_english.text.contains(&format!("href=\"{path}\"")));
    let stored = app
        .get(&format!("/api/v1/organisations/{id}"))
        .await
        .expect(200);
    assert_eq!(stored["name"], "Mediateko Group Oy");

    // With the current version the change is saved.
    let form = get(&app, &b, &format!("/organisations/{id}/edit")).await;
    let version = version_in(&form.text);
    let fields = [
        ("version", version.as_str()),
        ("name", "MT Mediateko Oyj"),
        ("business_id", "2231129-9"),
        ("source", "staff_entry"),
    ];
    let saved = post(&app, &b, &format!("/organisations/{id}/edit"), &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let stored = app
        .get(&format!("/api/v1/organisations/{id}"))
        .await
        .expect(200);
    assert_eq!(stored["name"], "MT Mediateko Oyj");
}

async fn r19_a_person_is_linked_to_an_organisation_and_unlinked(app: TestApp) {
    let b = staff(&app).await;
    let org = organisation(&app, &b, "MT Mediateko Oy").await;
    let (person, _) = create_person(&app, "Annika", "Kettunen").await;
    let form = get(&app, &b, &format!("/people/{person}/links/new")).await;
    assert_eq!(form.status, 200);
    assert!(form.text.contains(&format!("<option value=\"{org}\"")));
    let linked = post(
        &app,
        &b,
        &format!("/people/{person}/links"),
        &[
            ("organisation_id", &org),
            ("title", "toimitusjohtaja"),
            ("started_on", "2026-01-01"),
            ("is_contact_person", "on"),
            ("source", "staff_entry"),
        ],
    )
    .await;
    assert_eq!(linked.status, 303, "{}", linked.text);
    assert_eq!(linked.location, format!("/people/{person}"));
    let links = app
        .get(&format!("/api/v1/people/{person}/organisations"))
        .await
        .expect(200);
    assert_eq!(links[0]["title"], "toimitusjohtaja");
    assert_eq!(links[0]["is_active_contact_person"], true);
    let org_page = get(&app, &b, &format!("/organisations/{org}")).await;
    assert!(org_page.text.contains(&format!("/people/{person}")));
    assert!(org_page.text.contains("Annika Kettunen"));

    let form = get(&app, &b, &format!("/people/{person}/links/new")).await;
    let link = links[0]["id"].as_str().expect("id");
    let version = version_in(&form.text);
    let removed = post(
        &app,
        &b,
        &format!("/people/{person}/links/{link}/delete"),
        &[("version", &version)],
    )
    .await;
    assert_eq!(removed.status, 303, "{}", removed.text);
    let links = app
        .get(&format!("/api/v1/people/{person}/organisations"))
        .await
        .expect(200);
    assert_eq!(links.as_array().map(Vec::len), Some(0));
}

async fn r4_a_partner_reads_the_organisation_without_write_actions_and_may_not_order(app: TestApp) {
    let b = staff(&app).await;
    let org = organisation(&app, &b, "MT Mediateko Oy").await;
    let edit = format!("/organisations/{org}/edit");
    let order = format!("/orders/new?organisation_id={org}");
    let seen_by_staff = get(&app, &b, &format!("/organisations/{org}")).await;
    assert!(seen_by_staff.text.contains(&edit));
    assert!(seen_by_staff.text.contains(&order));

    app.user_with_password("pirkko", Role::Partner, PASSWORD)
        .await;
    let partner = app.browser("pirkko", PASSWORD).await;
    let page = get(&app, &partner, &format!("/organisations/{org}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("MT Mediateko Oy"));
    assert!(!page.text.contains(&edit));
    assert!(!page.text.contains(&order));
    let list = get(&app, &partner, "/organisations").await;
    assert_eq!(list.status, 200);
    assert!(!list.text.contains("/organisations/new"));
    assert_eq!(get(&app, &partner, &edit).await.status, 403);
    assert_eq!(get(&app, &partner, &order).await.status, 403);
    let refused = post(
        &app,
        &partner,
        "/orders",
        &[
            ("organisation_id", &org),
            ("number", "T-1"),
            ("ordered_on", "2026-11-24"),
            ("description", "Vuositilaus"),
            ("quantity", "1"),
            ("unit_price", "10"),
        ],
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_eq!(app.count("orders").await, 0);

    // The partner reads orders and invoices, without their write actions.
    let created = app
        .post(
            "/api/v1/orders",
            json!({"organisation_id": org, "number": "T-9", "ordered_on": "2026-11-24",
                   "lines": [{"description": "Vuositilaus", "quantity": 3, "unit_price_cents": 1000}]}),
        )
        .await
        .expect(201);
    let id = created["id"].as_str().expect("id");
    let page = get(&app, &partner, &format!("/orders/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("30,00\u{a0}€"));
    assert!(!page.text.contains("/invoices/new"));
    let new_invoice = format!("/invoices/new?order_id={id}");
    assert_eq!(get(&app, &partner, &new_invoice).await.status, 403);
}
