//! Marketing permissions, lists and restriction over HTTP, on SQLite and
//! PostgreSQL (R2, R15, R18, R21): the audience is exactly who may be
//! contacted, under random histories too; a prohibition or a restriction
//! takes a person out of the next list at once.

mod common;
#[path = "common/listing.rs"]
mod listing;

use common::{TestApp, create_person, reply_of};
use listing::{CHANNELS, PURPOSES, audience, event, officer, wording};
use rekisteri_domain::{Clock, Role};
use serde_json::json;
use std::collections::BTreeSet;

on_both_backends!(
    r15_a_prohibition_removes_a_person_from_the_next_audience,
    r15_defaults_decide_until_the_person_speaks,
    r18_a_restricted_person_is_in_no_audience_export_or_staff_search,
    r2_an_audience_export_names_its_purpose_and_only_purposes_in_use,
);

async fn r15_a_prohibition_removes_a_person_from_the_next_audience(app: TestApp) {
    let officer = officer(&app).await;
    let w = wording(&app, &officer).await;
    let (matti, _) = create_person(&app, "Matti", "Virtanen").await;
    let (liisa, _) = create_person(&app, "Liisa", "Korhonen").await;
    // Email to a private person is opt-in: nobody until they agree.
    assert!(audience(&app, "email", "direct_marketing").await.is_empty());
    for person in [&matti, &liisa] {
        event(
            &app,
            person,
            json!({"channel": "email", "purpose": "direct_marketing", "state": "granted",
                   "wording_id": w, "source": "registration"}),
        )
        .await;
    }
    assert_eq!(
        audience(&app, "email", "direct_marketing").await,
        BTreeSet::from([matti.clone(), liisa.clone()])
    );
    let prohibited = event(
        &app,
        &matti,
        json!({"channel": "email", "purpose": "direct_marketing", "state": "prohibited",
               "source": "own_notice", "source_detail": "puhelu asiakaspalveluun"}),
    )
    .await;
    assert_eq!(prohibited["legal_basis"], "consent");
    assert_eq!(
        audience(&app, "email", "direct_marketing").await,
        BTreeSet::from([liisa.clone()])
    );
    // The history keeps both events, newest first, with the wording shown.
    let permissions = app
        .get(&format!("/api/v1/people/{matti}/permissions"))
        .await
        .expect(200);
    let history = permissions["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["state"], "prohibited");
    assert_eq!(history[1]["state"], "granted");
    assert_eq!(history[1]["wording_id"], w.as_str());
    assert_eq!(
        permissions["wordings"][0]["text"],
        "Haluan uutiskirjeen sähköpostiini."
    );
    let now = permissions["current"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "email" && c["purpose"] == "direct_marketing")
        .unwrap()
        .clone();
    assert_eq!(now["decision"], "prohibited");
    assert_eq!(now["may_contact"], false);
    // Events are never changed, even in the database.
    let edit = sqlx::query("UPDATE permission_events SET state = 'granted'")
        .execute(app.store.write_pool())
        .await;
    assert!(edit.is_err(), "permission events must be immutable");
    // Consent needs the wording; a bad channel is named.
    let bad = app
        .post(
            &format!("/api/v1/people/{liisa}/permissions"),
            json!({"channel": "fax", "purpose": "direct_marketing", "state": "granted"}),
        )
        .await
        .expect(422);
    let fields: Vec<&str> = bad["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["channel", "wording_id"]);
    // Every event and every export is audited with its purpose.
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|a| a.0 == "create" && a.1 == "permission" && a.3.as_deref() == Some(&matti))
    );
    assert!(audit.iter().any(|a| a.0 == "export"
        && a.1 == "audience"
        && a.2 == "email:direct_marketing"
        && a.4 == "advertising_targeting"));
    // … and each person on a list, before they are sent (B1).
    assert!(audit.iter().any(|a| a.0 == "export"
        && a.1 == "person"
        && a.3.as_deref() == Some(liisa.as_str())
        && a.4 == "advertising_targeting"));
}

async fn r15_defaults_decide_until_the_person_speaks(app: TestApp) {
    // A private person, a customer, and a person in an organisation role.
    let (private, _) = create_person(&app, "Aino", "Private").await;
    let (customer, _) = create_person(&app, "Eero", "Asiakas").await;
    let (b2b, _) = create_person(&app, "Outi", "Yritys").await;
    app.post(
        "/api/v1/orders",
        json!({"person_id": customer, "number": "T-1", "ordered_on": "2026-11-20",
               "lines": [{"description": "Verkkosivusto", "quantity": 1, "unit_price_cents": 240000}]}),
    )
    .await
    .expect(201);
    let org = app
        .post("/api/v1/organisations", json!({"name": "Asiakas Oy"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/people/{b2b}/organisations"),
        json!({"organisation_id": org, "title": "ostopäällikkö"}),
    )
    .await
    .expect(201);
    let all = BTreeSet::from([private.clone(), customer.clone(), b2b.clone()]);
    // Letter and phone: opt-out for everyone.
    assert_eq!(audience(&app, "letter", "market_research").await, all);
    assert_eq!(audience(&app, "phone", "direct_marketing").await, all);
    // Email selling: the customer (similar products) and the B2B role.
    assert_eq!(
        audience(&app, "email", "direct_marketing").await,
        BTreeSet::from([customer.clone(), b2b.clone()])
    );
    // Email research: not selling, so the customer exception is out.
    assert_eq!(
        audience(&app, "sms", "market_research").await,
        BTreeSet::from([b2b.clone()])
    );
    // The law's default legal basis is recorded with an event.
    let withdrawn = event(
        &app,
        &b2b,
        json!({"channel": "letter", "purpose": "market_research", "state": "withdrawn"}),
    )
    .await;
    assert_eq!(withdrawn["legal_basis"], "legitimate_interests");
    assert_eq!(
        audience(&app, "letter", "market_research").await,
        BTreeSet::from([private, customer])
    );
}

async fn r18_a_restricted_person_is_in_no_audience_export_or_staff_search(app: TestApp) {
    let officer = officer(&app).await;
    let (matti, _) = create_person(&app, "Matti", "Rajoitettu").await;
    let (liisa, _) = create_person(&app, "Liisa", "Vapaa").await;
    assert_eq!(audience(&app, "letter", "direct_marketing").await.len(), 2);
    // Staff may not restrict; the privacy officer does, with a reason.
    let path = format!("/api/v1/people/{matti}/restriction");
    app.post(&path, json!({"reason": "oikeellisuus kiistetty"}))
        .await
        .expect(403);
    let restriction = app
        .send(
            reqwest::Method::POST,
            &path,
            Some(&officer),
            None,
            Some(json!({"reason": "oikeellisuus kiistetty"})),
        )
        .await
        .expect(201);
    assert_eq!(restriction["in_force"], true);
    for channel in CHANNELS {
        for purpose in PURPOSES {
            assert!(
                !audience(&app, channel, purpose).await.contains(&matti),
                "{channel} {purpose}"
            );
        }
    }
    // Not in the people export, nor in staff's search; the officer finds him.
    let exported = app
        .store
        .export_people(
            &common::cli(),
            app.clock.now(),
            &rekisteri_store::PageRequest {
                after: None,
                limit: 100,
                bulk: true,
            },
        )
        .await
        .unwrap();
    let ids: Vec<String> = exported.items.iter().map(|p| p.id.to_string()).collect();
    assert_eq!(ids, std::slice::from_ref(&liisa));
    let staff_hits = app.get("/api/v1/search?q=Rajoitettu").await.expect(200);
    assert_eq!(staff_hits.as_array().unwrap().len(), 0, "{staff_hits}");
    // A lookup by name is a search too; the plain list still shows him.
    let lookup = app
        .get("/api/v1/people?last_name=Rajoitettu")
        .await
        .expect(200);
    assert_eq!(lookup["items"].as_array().unwrap().len(), 0, "{lookup}");
    let listed = app.get("/api/v1/people").await.expect(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let officer_hits = app
        .send(
            reqwest::Method::GET,
            "/api/v1/search?q=Rajoitettu",
            Some(&officer),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(officer_hits.as_array().unwrap().len(), 1);
    // Lifting is recorded; then he is back.
    let lifted = app
        .send(
            reqwest::Method::DELETE,
            &format!("{path}?reason=korjattu"),
            Some(&officer),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(lifted[0]["lift_reason"], "korjattu");
    assert!(
        audience(&app, "letter", "direct_marketing")
            .await
            .contains(&matti)
    );
    let history = app.get(&path).await.expect(200);
    assert_eq!(history[0]["in_force"], false);
    // One value restricted: that channel's value only.
    let email = "liisa.vapaa@esimerkki.fi";
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/people/{liisa}/restriction"),
        Some(&officer),
        None,
        Some(json!({"reason": "osoite kiistetty", "value_kind": "email", "value": email})),
    )
    .await
    .expect(201);
    let w = wording(&app, &officer).await;
    event(
        &app,
        &liisa,
        json!({"channel": "email", "purpose": "direct_marketing", "state": "granted", "wording_id": w}),
    )
    .await;
    assert!(
        !audience(&app, "email", "direct_marketing")
            .await
            .contains(&liisa)
    );
    assert!(
        audience(&app, "letter", "direct_marketing")
            .await
            .contains(&liisa)
    );
    // The people export keeps her, without the restricted email.
    let exported = app
        .store
        .export_people(
            &common::cli(),
            app.clock.now(),
            &rekisteri_store::PageRequest {
                after: None,
                limit: 100,
                bulk: true,
            },
        )
        .await
        .unwrap();
    let her = exported
        .items
        .iter()
        .find(|p| p.id.to_string() == liisa)
        .unwrap();
    assert!(her.emails.is_empty() && !her.phones.is_empty());
    // A value the person does not have is named.
    let unknown = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/people/{liisa}/restriction"),
            Some(&officer),
            None,
            Some(json!({"reason": "x", "value_kind": "email", "value": "muu@esimerkki.fi"})),
        )
        .await
        .expect(422);
    assert_eq!(unknown["error"]["field"], "value");
    let audit = app.audit().await;
    assert!(
        audit
            .iter()
            .any(|a| a.0 == "create" && a.1 == "restriction")
    );
    assert!(audit.iter().any(|a| a.0 == "lift" && a.1 == "restriction"));
}

async fn r2_an_audience_export_names_its_purpose_and_only_purposes_in_use(app: TestApp) {
    let admin = app.user("paakayttaja", Role::Admin).await;
    let reply = app
        .get("/api/v1/marketing/audience?channel=letter&purpose=direct_marketing")
        .await
        .expect(422);
    assert_eq!(reply["error"]["field"], "X-Purpose");
    let purposes = app.get("/api/v1/purposes").await.expect(200);
    assert_eq!(purposes.as_array().unwrap().len(), 6);
    assert!(
        purposes
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["legal_basis"] == "contract" && p["in_use"] == true)
    );
    app.send(
        reqwest::Method::PUT,
        "/api/v1/purposes/advertising_targeting",
        Some(&admin),
        None,
        Some(json!({"legal_basis": "consent", "in_use": false})),
    )
    .await
    .expect(200);
    let refused = reply_of(
        app.client
            .get(format!(
                "{}/api/v1/marketing/audience?channel=letter&purpose=direct_marketing",
                app.base
            ))
            .bearer_auth(&app.token)
            .header("X-Purpose", "advertising_targeting"),
    )
    .await
    .expect(422);
    assert_eq!(refused["error"]["field"], "X-Purpose");
    // CSV: a header and one row per person, formulas defused.
    app.post(
        "/api/v1/people",
        json!({"first_name": "=HYPERLINK(1)", "last_name": "Virtanen",
               "addresses": [{"street": "Kauppakatu 12", "postal_code": "70100", "city": "Kuopio"}]}),
    )
    .await
    .expect(201);
    let csv = reply_of(
        app.client
            .get(format!(
                "{}/api/v1/marketing/audience?channel=letter&purpose=direct_marketing&format=csv",
                app.base
            ))
            .bearer_auth(&app.token)
            .header("X-Purpose", "customer_relationship"),
    )
    .await;
    assert_eq!(csv.status, 200);
    let text = csv.body.as_str().unwrap().to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "person_id,first_name,last_name,address,postal_code,city,country,basis"
    );
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].contains(",'=HYPERLINK(1),Virtanen,Kauppakatu 12,70100,Kuopio,"),
        "{}",
        lines[1]
    );
    // A disclosure may not name it either; nothing is recorded.
    let (person, _) = create_person(&app, "Pertti", "Perittävä").await;
    let recipient = app
        .send(
            reqwest::Method::POST,
            "/api/v1/recipients",
            Some(&admin),
            None,
            Some(json!({"name": "Perintä Oy", "role": "independent_recipient", "country": "FI"})),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let disclosure = |purpose: &str| {
        json!({"recipient_id": recipient, "ground": "debt_collection", "purpose": purpose,
               "categories": ["name"], "person_ids": [person]})
    };
    let out_of_use = app
        .post("/api/v1/disclosures", disclosure("advertising_targeting"))
        .await
        .expect(422);
    assert_eq!(out_of_use["error"]["field"], "purpose");
    assert_eq!(app.count("disclosures").await, 0);
    app.post("/api/v1/disclosures", disclosure("order_management"))
        .await
        .expect(201);
}
