//! Every way data leaves for a third party leaves a record (R6): the API,
//! the command line and the web form each record the disclosure, its
//! records and its audit rows in one transaction, and send exactly the
//! chosen categories. The recipients page keeps the register of processors
//! (R7), and the partner sees none of it (R4). On both databases.

mod common;
#[path = "common/disclosing.rs"]
mod disclosing;

use common::TestApp;
use disclosing::{
    PASSWORD, customer, disclosure, fi_recipient, keys, recipient, recorded, rekisteri, sent, web,
};
use rekisteri_domain::Role;
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends!(
    r6_every_disclosure_path_leaves_a_record,
    r4_the_partner_sees_no_disclosures_or_recipients,
    r7_the_recipients_page_keeps_the_register_of_processors,
);

async fn r6_every_disclosure_path_leaves_a_record(app: TestApp) {
    let fi = fi_recipient(&app, "Perintä Oy").await;
    let person = customer(&app).await;
    let stored = app
        .get(&format!("/api/v1/people/{person}"))
        .await
        .expect(200);
    let values = |list: &str| -> Vec<Value> {
        stored[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].clone())
            .collect()
    };
    // The API: name and contact details, nothing else.
    let made = app
        .post(
            "/api/v1/disclosures",
            disclosure(&fi, &["contact_details", "name"], &[&person]),
        )
        .await
        .expect(201);
    let sent_data = &made["data"]["people"][0];
    assert_eq!(keys(sent_data), ["contact_details", "name", "person_id"]);
    assert_eq!(
        sent_data["name"],
        json!({"first_name": "Matti", "last_name": "Virtanen", "title": "myyntipäällikkö"})
    );
    let contacts = &sent_data["contact_details"];
    assert_eq!(contacts["emails"], json!(values("emails")));
    assert_eq!(contacts["phones"], json!(values("phones")));
    assert_eq!(contacts["websites"], json!(values("websites")));
    assert_eq!(
        contacts["postal_addresses"],
        json!([{"street": "Kauppakatu 12", "postal_code": "70100", "city": "Kuopio", "country": "FI"}])
    );
    assert_eq!(
        sent(&made["disclosure"]),
        ["contact", "contact", "contact", "contact", "person"]
    );
    assert_eq!(made["disclosure"]["channel"], "api");
    // The command line, as a named user: billing details only.
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("luovutus.json");
    let args = [
        "disclose",
        "--recipient",
        &fi,
        "--ground",
        "billing",
        "--purpose",
        "order_management",
        "--categories",
        "billing_details",
        "--person",
        &person,
        "--as",
        "maija",
    ];
    let out = rekisteri(
        &app,
        &[&args[..], &["--out", file.to_str().unwrap()]].concat(),
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_cli: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let billing = &from_cli["data"]["people"][0];
    assert_eq!(keys(billing), ["billing_details", "person_id"]);
    assert_eq!(
        billing["billing_details"]["billing_addresses"][0]["street"],
        "Laskukuja 3"
    );
    assert_eq!(billing["billing_details"]["orders"][0]["number"], "T-1");
    assert_eq!(
        billing["billing_details"]["orders"][0]["lines"][0]["description"],
        "Verkkosivusto"
    );
    assert_eq!(billing["billing_details"]["invoices"][0]["number"], "L-1");
    assert_eq!(
        sent(&from_cli["disclosure"]),
        ["contact", "invoice", "order", "person"]
    );
    // A user whose role may not disclose gets nothing, and nothing is recorded.
    app.user("kirjanpito", Role::Partner).await;
    let before = recorded(&app).await;
    let out = rekisteri(
        &app,
        &[
            "disclose",
            "--recipient",
            &fi,
            "--ground",
            "billing",
            "--purpose",
            "order_management",
            "--categories",
            "name",
            "--person",
            &person,
            "--as",
            "kirjanpito",
        ],
    )
    .await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("partner"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(recorded(&app).await, before);
    // The web form: the organisations the person represents.
    let b = app.browser("maija", PASSWORD).await;
    let page = web(
        &app,
        &b,
        Method::GET,
        &format!("/people/{person}/disclose"),
        &[],
    )
    .await;
    assert_eq!(page.status(), 200);
    let res = web(
        &app,
        &b,
        Method::POST,
        &format!("/people/{person}/disclose"),
        &[
            ("recipient_id", &fi),
            ("ground", "value_added_service"),
            ("purpose", "customer_relationship"),
            ("categories", "organisation"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"disclosure-"),
        "{disposition}"
    );
    let from_web: Value = res.json().await.unwrap();
    let orgs = &from_web["data"]["people"][0];
    assert_eq!(keys(orgs), ["organisations", "person_id"]);
    assert_eq!(orgs["organisations"][0]["name"], "Asiakas Oy");
    assert_eq!(orgs["organisations"][0]["title"], "talouspäällikkö");
    assert_eq!(sent(&from_web["disclosure"]), ["link", "person"]);
    // Three paths, three records, each with its records and audit row.
    for payload in [&made, &from_cli, &from_web] {
        let text = payload.to_string();
        assert!(
            !text.contains("Salainen") && !text.contains("192.0.2.7"),
            "{text}"
        );
    }
    let history = app
        .get(&format!("/api/v1/people/{person}/disclosures"))
        .await
        .expect(200);
    // (The command line runs on the real clock, the app on the test's.)
    let mut channels: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["channel"].as_str().unwrap())
        .collect();
    channels.sort();
    assert_eq!(channels, ["api", "cli", "web"]);
    let one = app
        .get(&format!(
            "/api/v1/disclosures/{}",
            from_cli["disclosure"]["id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(sent(&one), ["contact", "invoice", "order", "person"]);
    assert_eq!(recorded(&app).await, (3, 11, 3));
    let maija = app
        .store
        .user_by_name("maija")
        .await
        .unwrap()
        .id
        .to_string();
    let staff = app
        .store
        .user_by_name("staff")
        .await
        .unwrap()
        .id
        .to_string();
    let rows: Vec<(String, Option<String>, String, Option<String>)> = app
        .audit()
        .await
        .into_iter()
        .filter(|r| r.0 == "disclose")
        .map(|r| (r.1, r.3, r.4, r.5))
        .collect();
    let who = |purpose: &str, actor: &str| {
        (
            "disclosure".to_string(),
            Some(person.clone()),
            purpose.to_string(),
            Some(actor.to_string()),
        )
    };
    assert_eq!(
        rows,
        [
            who("order_management", &staff),
            who("order_management", &maija),
            who("customer_relationship", &maija)
        ]
    );
    // The person page shows them, in their section and on the timeline.
    let page = web(&app, &b, Method::GET, &format!("/people/{person}"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Luovutukset") && page.contains("Perintä Oy") && page.contains("Laskutus"),
        "{page}"
    );
    assert!(page.contains("Tietoja luovutettu: Perintä Oy"));
}

async fn r4_the_partner_sees_no_disclosures_or_recipients(app: TestApp) {
    let admin = app.user("paakayttaja", Role::Admin).await;
    let (fi, _) = recipient(
        &app,
        &admin,
        json!({"name": "Perintä Oy", "role": "independent_recipient", "country": "FI"}),
    )
    .await;
    let person = customer(&app).await;
    let made = app
        .post(
            "/api/v1/disclosures",
            disclosure(&fi, &["name"], &[&person]),
        )
        .await
        .expect(201);
    let id = made["disclosure"]["id"].as_str().unwrap();
    let partner = app.user("kirjanpito", Role::Partner).await;
    for (method, path, body) in [
        (Method::GET, "/api/v1/recipients".to_string(), None),
        (Method::GET, format!("/api/v1/recipients/{fi}"), None),
        (Method::GET, format!("/api/v1/disclosures/{id}"), None),
        (
            Method::GET,
            format!("/api/v1/people/{person}/disclosures"),
            None,
        ),
        (
            Method::POST,
            "/api/v1/disclosures".to_string(),
            Some(disclosure(&fi, &["name"], &[&person])),
        ),
    ] {
        let reply = app
            .send(method.clone(), &path, Some(&partner), None, body)
            .await;
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.body);
        assert!(!reply.body.to_string().contains("Perintä"));
    }
    assert_eq!(recorded(&app).await, (1, 1, 1));
    // The person page: the billing view, no disclosures, no way to disclose.
    app.user_with_password("kirjanpitaja", Role::Partner, PASSWORD)
        .await;
    let b = app.browser("kirjanpitaja", PASSWORD).await;
    let page = web(&app, &b, Method::GET, &format!("/people/{person}"), &[]).await;
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(text.contains("Virtanen"));
    for hidden in [
        "Luovutukset",
        "Perintä Oy",
        "/disclose",
        "/recipients",
        "Luovutus",
    ] {
        assert!(!text.contains(hidden), "the partner sees {hidden}");
    }
    for path in [
        "/recipients".to_string(),
        format!("/people/{person}/disclose"),
    ] {
        assert_eq!(
            web(&app, &b, Method::GET, &path, &[]).await.status(),
            403,
            "{path}"
        );
    }
    let res = web(
        &app,
        &b,
        Method::POST,
        &format!("/people/{person}/disclose"),
        &[
            ("recipient_id", &fi),
            ("ground", "billing"),
            ("purpose", "order_management"),
            ("categories", "name"),
        ],
    )
    .await;
    assert_eq!(res.status(), 403);
    assert_eq!(recorded(&app).await, (1, 1, 1));
}

/// The value of the first hidden `version` input of a page.
fn version_in(text: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let at = text.find(marker).expect("a version field") + marker.len();
    text[at..].split('"').next().expect("a value").to_string()
}

async fn r7_the_recipients_page_keeps_the_register_of_processors(app: TestApp) {
    app.user_with_password("tietosuoja", Role::PrivacyOfficer, PASSWORD)
        .await;
    let officer = app.browser("tietosuoja", PASSWORD).await;
    let page = |path: &str| {
        let path = path.to_string();
        let (app, officer) = (&app, &officer);
        async move {
            let res = web(app, officer, Method::GET, &path, &[]).await;
            assert_eq!(res.status(), 200, "{path}");
            res.text().await.unwrap()
        }
    };
    let list = page("/recipients").await;
    assert!(list.contains("Uusi vastaanottaja") && list.contains("Vastaanottajia ei ole vielä."));
    assert!(
        page("/recipients/new")
            .await
            .contains("name=\"safeguard_on\"")
    );
    // A safeguard without its date: refused in Finnish, nothing stored.
    let fields = [
        ("name", "Pilvi Inc"),
        ("role", "processor"),
        ("country", "us"),
        ("safeguard", "standard_contractual_clauses"),
    ];
    let res = web(&app, &officer, Method::POST, "/recipients", &fields).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("on pakollinen, kun suojatoimi on valittu")
    );
    assert_eq!(app.count("recipients").await, 0);
    // Outside the EU/EEA without a safeguard: listed, but receives nothing.
    let res = web(&app, &officer, Method::POST, "/recipients", &fields[..3]).await;
    assert_eq!(res.status(), 303);
    let list = page("/recipients").await;
    for shown in [
        "Pilvi Inc",
        "EU:n/ETA:n ulkopuolella",
        "ei kirjattu",
        "ei saa tietoja",
    ] {
        assert!(list.contains(shown), "{shown}: {list}");
    }
    let id = app.get("/api/v1/recipients").await.expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The disclosure form refuses it, naming the recipient field.
    let (person, _) = common::create_person(&app, "Matti", "Virtanen").await;
    let form = page(&format!("/people/{person}/disclose")).await;
    assert!(
        form.contains("Pilvi Inc (US) — ei voimassa olevaa suojatoimea"),
        "{form}"
    );
    let res = web(
        &app,
        &officer,
        Method::POST,
        &format!("/people/{person}/disclose"),
        &[
            ("recipient_id", &id),
            ("ground", "value_added_service"),
            ("purpose", "customer_relationship"),
            ("categories", "name"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    let text = res.text().await.unwrap();
    assert!(text.contains("id=\"err-recipient_id\""), "{text}");
    assert!(text.contains("sille ei saa luovuttaa tietoja"), "{text}");
    assert_eq!(recorded(&app).await, (0, 0, 0));
    // Standard contractual clauses recorded: it may receive.
    let edit = page(&format!("/recipients/{id}/edit")).await;
    let version = version_in(&edit);
    let signed = [
        ("name", "Pilvi Inc"),
        ("role", "processor"),
        ("country", "US"),
        ("safeguard", "standard_contractual_clauses"),
        ("safeguard_on", "2026-11-02"),
        ("safeguard_detail", "SCC 2021/914, moduuli 2"),
        ("version", &version),
    ];
    let path = format!("/recipients/{id}/edit");
    let res = web(&app, &officer, Method::POST, &path, &signed).await;
    assert_eq!(res.status(), 303);
    let list = page("/recipients").await;
    for shown in [
        "Vakiolausekkeet",
        "2.11.2026",
        "SCC 2021/914",
        "voi vastaanottaa",
    ] {
        assert!(list.contains(shown), "{shown}: {list}");
    }
    // A form over someone else's change is refused.
    let res = web(&app, &officer, Method::POST, &path, &signed).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("Joku muu muutti"));
    // Retired: kept, listed as such, no longer offered for disclosure.
    let version = version_in(&page(&format!("/recipients/{id}/edit")).await);
    let res = web(
        &app,
        &officer,
        Method::POST,
        &format!("/recipients/{id}/retire"),
        &[("version", &version)],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert!(page("/recipients").await.contains("poistettu käytöstä"));
    assert!(
        !page(&format!("/people/{person}/disclose"))
            .await
            .contains("Pilvi Inc")
    );
    let officer_id = app
        .store
        .user_by_name("tietosuoja")
        .await
        .unwrap()
        .id
        .to_string();
    let writes: Vec<(String, Option<String>)> = app
        .audit()
        .await
        .into_iter()
        .filter(|r| r.1 == "recipient")
        .map(|r| (r.0, r.5))
        .collect();
    let by = |action: &str| (action.to_string(), Some(officer_id.clone()));
    assert_eq!(writes, [by("create"), by("update"), by("delete")]);
    // Staff read the register, without its actions.
    app.user_with_password("maija", Role::Staff, PASSWORD).await;
    let staff = app.browser("maija", PASSWORD).await;
    let res = web(&app, &staff, Method::GET, "/recipients", &[]).await;
    assert_eq!(res.status(), 200);
    let list = res.text().await.unwrap();
    assert!(
        list.contains("Pilvi Inc")
            && !list.contains("/recipients/new")
            && !list.contains("/retire")
    );
    assert_eq!(
        web(&app, &staff, Method::GET, "/recipients/new", &[])
            .await
            .status(),
        403
    );
    let res = web(&app, &staff, Method::POST, "/recipients", &fields[..3]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.count("recipients").await, 1);
}
