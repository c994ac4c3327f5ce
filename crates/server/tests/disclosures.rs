//! Recipients and disclosures over the API, on both databases: no data to
//! a recipient outside the EU/EEA without a recorded safeguard in force
//! (R7) — over the command line too —, and none of a restricted person
//! (R18). Nothing is recorded when a disclosure is refused.

mod common;
#[path = "common/disclosing.rs"]
mod disclosing;

use common::{TestApp, cli, create_person};
use disclosing::{PASSWORD, disclosure, fi_recipient, recipient, recorded, rekisteri, sent, web};
use rekisteri_domain::restriction::RestrictionDraft;
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Clock, Role};
use reqwest::Method;
use serde_json::json;

on_both_backends!(
    r7_a_disclosure_outside_the_eea_without_a_safeguard_is_refused,
    r18_a_restricted_person_is_not_disclosed,
);

async fn r7_a_disclosure_outside_the_eea_without_a_safeguard_is_refused(app: TestApp) {
    let admin = app.user("paakayttaja", Role::Admin).await;
    let refused = app
        .post(
            "/api/v1/recipients",
            json!({"name": "X", "role": "processor", "country": "US"}),
        )
        .await;
    assert_eq!(refused.status, 403, "staff only read the register");
    // The register of processors lists one outside the EU/EEA without a safeguard …
    let (us, etag) = recipient(
        &app,
        &admin,
        json!({"name": "Pilvi Inc", "role": "processor", "country": "us"}),
    )
    .await;
    let listed = app
        .get(&format!("/api/v1/recipients/{us}"))
        .await
        .expect(200);
    assert_eq!(
        (listed["country"].as_str(), listed["in_eea"].as_bool()),
        (Some("US"), Some(false))
    );
    let (person, _) = create_person(&app, "Matti", "Virtanen").await;
    // … but nothing may go to it, and nothing is recorded.
    let body = app
        .post(
            "/api/v1/disclosures",
            disclosure(&us, &["name"], &[&person]),
        )
        .await
        .expect(422);
    assert_eq!(body["error"]["code"], "no_safeguard", "{body}");
    assert_eq!(body["error"]["field"], "recipient_id");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("US") && message.contains("standard contractual clauses"),
        "{message}"
    );
    assert_eq!(recorded(&app).await, (0, 0, 0));
    // A safeguard and its date come together.
    let half = app
        .send(
            Method::PUT,
            &format!("/api/v1/recipients/{us}"),
            Some(&admin),
            Some(&etag),
            Some(
                json!({"name": "Pilvi Inc", "role": "processor", "country": "US",
                        "safeguard": "standard_contractual_clauses"}),
            ),
        )
        .await
        .expect(422);
    assert_eq!(half["error"]["field"], "safeguard_on");
    let no_if_match = app
        .send(
            Method::PUT,
            &format!("/api/v1/recipients/{us}"),
            Some(&admin),
            None,
            Some(json!({"name": "Pilvi Inc", "role": "processor", "country": "US"})),
        )
        .await;
    assert_eq!(no_if_match.status, 428);
    // Clauses signed for tomorrow do not count today.
    let signed = |on: &str| {
        json!({"name": "Pilvi Inc", "role": "processor", "country": "US",
               "safeguard": "standard_contractual_clauses", "safeguard_on": on,
               "safeguard_detail": "SCC 2021/914, module 2"})
    };
    let reply = app
        .send(
            Method::PUT,
            &format!("/api/v1/recipients/{us}"),
            Some(&admin),
            Some(&etag),
            Some(signed("2026-11-25")),
        )
        .await;
    let etag = reply.etag();
    reply.expect(200);
    let body = app
        .post(
            "/api/v1/disclosures",
            disclosure(&us, &["name"], &[&person]),
        )
        .await
        .expect(422);
    assert_eq!(body["error"]["code"], "safeguard_not_in_force");
    assert_eq!(recorded(&app).await, (0, 0, 0));
    // Once a safeguard in force is recorded, the disclosure goes, recorded.
    let reply = app
        .send(
            Method::PUT,
            &format!("/api/v1/recipients/{us}"),
            Some(&admin),
            Some(&etag),
            Some(signed("2026-11-20")),
        )
        .await;
    let etag = reply.etag();
    assert_eq!(reply.expect(200)["safeguard_on"], "2026-11-20");
    let made = app
        .post(
            "/api/v1/disclosures",
            disclosure(&us, &["name"], &[&person]),
        )
        .await
        .expect(201);
    assert_eq!(made["disclosure"]["recipient_id"], us.as_str());
    assert_eq!(recorded(&app).await, (1, 1, 1));
    // A retired recipient receives nothing more, but stays for the log.
    let retired = app
        .send(
            Method::DELETE,
            &format!("/api/v1/recipients/{us}"),
            Some(&admin),
            Some(&etag),
            None,
        )
        .await
        .expect(200);
    assert!(retired["retired_at"].is_string());
    let body = app
        .post(
            "/api/v1/disclosures",
            disclosure(&us, &["name"], &[&person]),
        )
        .await
        .expect(422);
    assert_eq!(body["error"]["code"], "recipient_retired");
    let history = app
        .get(&format!("/api/v1/people/{person}/disclosures"))
        .await
        .expect(200);
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(recorded(&app).await, (1, 1, 1));
    let writes: Vec<String> = app
        .audit()
        .await
        .into_iter()
        .filter(|r| r.1 == "recipient")
        .map(|r| r.0)
        .collect();
    assert_eq!(writes, ["create", "update", "update", "delete"]);
    // The command line keeps the same rule: registered, listed, refused.
    let out = rekisteri(
        &app,
        &[
            "recipient",
            "add",
            "--name",
            "Analytiikka LLC",
            "--role",
            "processor",
            "--country",
            "IN",
            "--as",
            "paakayttaja",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let india = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let out = rekisteri(&app, &["recipient", "list"]).await;
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        listed.contains(&format!(
            "{india}\tAnalytiikka LLC\tprocessor\tIN\tnone\tno_safeguard"
        )),
        "{listed}"
    );
    let out = rekisteri(
        &app,
        &[
            "disclose",
            "--recipient",
            &india,
            "--ground",
            "value_added_service",
            "--purpose",
            "business_development",
            "--categories",
            "name,contact_details",
            "--person",
            &person,
            "--as",
            "staff",
        ],
    )
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        err.contains("--recipient") && err.contains("IN, outside the EU/EEA"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing is written");
    assert_eq!(recorded(&app).await, (1, 1, 1));
}

async fn r18_a_restricted_person_is_not_disclosed(app: TestApp) {
    let fi = fi_recipient(&app, "Luottotieto Oy").await;
    let (a, _) = create_person(&app, "Aino", "Rajoitettu").await;
    let (b, _) = create_person(&app, "Bertta", "Vapaa").await;
    // The store records the restriction here (tests/marketing.rs goes
    // through the API).
    let restrict = |person: &str, draft: RestrictionDraft| {
        let person = rekisteri_domain::ids::PersonId::parse(person).unwrap();
        let new = draft.parse(app.clock.now()).unwrap();
        let store = app.store.clone();
        let at = app.clock.now();
        async move { store.restrict(&cli(), at, person, new).await.unwrap() }
    };
    restrict(
        &a,
        RestrictionDraft {
            reason: Some("accuracy contested".into()),
            ..Default::default()
        },
    )
    .await;
    let body = app
        .post(
            "/api/v1/disclosures",
            disclosure(&fi, &["name", "contact_details"], &[&b, &a]),
        )
        .await
        .expect(409);
    assert_eq!(body["error"]["code"], "restricted");
    assert!(
        body["error"]["message"].as_str().unwrap().contains(&a),
        "{body}"
    );
    assert_eq!(
        recorded(&app).await,
        (0, 0, 0),
        "nothing of the other person either"
    );
    // The web form says so, and records nothing.
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let browser = app.browser("maija", PASSWORD).await;
    let res = web(
        &app,
        &browser,
        Method::POST,
        &format!("/people/{a}/disclose"),
        &[
            ("recipient_id", &fi),
            ("ground", "credit_decision"),
            ("purpose", "order_management"),
            ("categories", "name"),
        ],
    )
    .await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("käsittelyä on rajoitettu")
    );
    assert_eq!(recorded(&app).await, (0, 0, 0));
    // A restricted value is left out; the rest of the person goes.
    restrict(
        &b,
        RestrictionDraft {
            reason: Some("accuracy contested".into()),
            value_kind: Some("email".into()),
            value: Some("bertta.vapaa@esimerkki.fi".into()),
            ..Default::default()
        },
    )
    .await;
    let made = app
        .post(
            "/api/v1/disclosures",
            disclosure(&fi, &["contact_details"], &[&b]),
        )
        .await
        .expect(201);
    let contacts = &made["data"]["people"][0]["contact_details"];
    assert_eq!(contacts["emails"], json!([]));
    assert_eq!(contacts["phones"], json!(["+358401234567"]));
    assert_eq!(sent(&made["disclosure"]), ["contact", "contact", "person"]);
    // Lifted, the person may be disclosed again.
    let person = rekisteri_domain::ids::PersonId::parse(&a).unwrap();
    app.store
        .lift_restrictions(
            &cli(),
            app.clock.now(),
            person,
            None,
            Some("corrected".into()),
        )
        .await
        .unwrap();
    app.post("/api/v1/disclosures", disclosure(&fi, &["name"], &[&a]))
        .await
        .expect(201);
}
