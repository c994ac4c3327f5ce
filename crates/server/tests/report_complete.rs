//! The access report is complete (R14, R16): every table of the database's
//! own catalogue has a decision in `TABLE_COVERAGE`, and every table the
//! report covers gets a distinctive value through the API (the store or SQL
//! where no API writes it yet) which is then found in the JSON, the HTML and
//! the CSV zip — and nothing of another person is. A new table without a
//! decision, or covered without a value here, fails.

mod common;
#[path = "common/report.rs"]
mod report_common;

use common::{TestApp, create_person};
use rekisteri_domain::{Clock, Role};
use rekisteri_store::{Coverage, TABLE_COVERAGE};
use report_common::{
    officer, report_csv, report_html, report_json, report_of, report_vcard, table_names,
};
use serde_json::json;
use sqlx::Row;

on_both_backends!(
    r14_r16_the_access_report_covers_every_personal_data_table,
    r14_r20_the_document_names_purposes_retention_rights_and_the_authority,
    r14_only_the_privacy_officer_and_the_admin_get_the_report_and_it_is_audited,
    r14_r18_a_restricted_person_still_gets_their_report,
);

/// What each covered table holds for the person: a string that must
/// appear in the JSON, the CSV and the HTML (where a code is shown in
/// words, or a record is written differently, the forms' strings differ).
struct Needle {
    table: &'static str,
    json: String,
    csv: String,
    html: String,
}

fn needle(table: &'static str, text: &str) -> Needle {
    Needle {
        table,
        json: text.into(),
        csv: text.into(),
        html: text.into(),
    }
}

fn worded(table: &'static str, code: &str, words: &str) -> Needle {
    Needle {
        html: words.into(),
        ..needle(table, code)
    }
}

/// Fills every table the report covers for `person`; returns what to find.
async fn fill(app: &TestApp, person: &str, officer: &str) -> Vec<Needle> {
    let org = app
        .post(
            "/api/v1/organisations",
            json!({"name": "Kattavuusyhtiö R14 Oy", "source": "update_service"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/people/{person}/organisations"),
        json!({"organisation_id": org, "title": "Edustajanimike R19", "is_contact_person": true}),
    )
    .await
    .expect(201);
    let order = app
        .post(
            "/api/v1/orders",
            json!({"person_id": person, "number": "TILAUS-R14-77", "ordered_on": "2026-11-20",
                   "lines": [{"description": "Kattavuusrivi R14", "quantity": 3, "unit_price_cents": 4200}]}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let invoice = app
        .post(
            "/api/v1/invoices",
            json!({"person_id": person, "order_id": order, "number": "LASKU-R14-88",
                   "issued_on": "2026-11-21", "due_on": "2026-12-05", "total_cents": 12600}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        "/api/v1/notes",
        json!({"person_id": person, "kind": "offer", "body": "Tarjousmuistio R14 kattavuus"}),
    )
    .await
    .expect(201);
    let wording = app
        .send(
            reqwest::Method::POST,
            "/api/v1/wordings",
            Some(officer),
            None,
            Some(json!({"key": "r14-signup", "language": "fi", "text": "Suostun uutiskirjeeseen R15"})),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/people/{person}/permissions"),
        json!({"channel": "sms", "purpose": "market_research", "state": "granted",
               "wording_id": wording, "source": "partner_system", "source_detail": "kumppanilomake R15"}),
    )
    .await
    .expect(201);
    let recipient = app
        .send(
            reqwest::Method::POST,
            "/api/v1/recipients",
            Some(officer),
            None,
            Some(
                json!({"name": "Vastaanottaja R6 Perintä Oy", "role": "independent_recipient",
                        "country": "NO"}),
            ),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let disclosure = app
        .post(
            "/api/v1/disclosures",
            json!({"recipient_id": recipient, "ground": "debt_collection", "purpose": "order_management",
                   "categories": ["name", "billing_details"], "person_ids": [person]}),
        )
        .await
        .expect(201)["disclosure"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Requests have no API on this branch yet: their rows as the requests
    // module writes them.
    let at = app.clock.now().micros();
    let request = "01900000-0000-7000-8000-00000000a014";
    sqlx::query(
        "INSERT INTO requests (id, version, kind, channel, status, person_id, requester_name, \
         requester_email, details, received_at, due_on, created_at, updated_at) \
         VALUES ($1, 1, 'access', 'email', 'received', $2, 'Pyytäjä R14', 'pyytaja.r14@esimerkki.fi', \
         'Haluan tietoni R14', $3, '2026-12-15', $3, $3)",
    )
    .bind(request)
    .bind(person)
    .bind(at)
    .execute(app.store.write_pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO request_events (id, request_id, at, event, note) \
         VALUES ('01900000-0000-7000-8000-00000000e014', $1, $2, 'received', 'Saapui sähköpostilla R14')",
    )
    .bind(request)
    .bind(at)
    .execute(app.store.write_pool())
    .await
    .unwrap();
    // R21: a file the person's data was written to (the command line's
    // record of it).
    let copy = record_copy(app, person, "/srv/viennit/kattavuus-R21.json").await;
    // R8, R10: a legal hold and a paper document about the person.
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/people/{person}/legal-holds"),
        Some(officer),
        None,
        Some(json!({"reason": "Riita-asia R8 kattavuus", "reference": "KO R8/2026"})),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/people/{person}/paper-documents"),
        json!({"kind": "Allekirjoitettu sopimus R10", "location": "Arkistokaappi R10 kattavuus",
               "keeper": "toimisto"}),
    )
    .await
    .expect(201);
    // R9: the retention schedule in force, with a reason of its own.
    let admin = app.user("kattavuus-admin", Role::Admin).await;
    let mut schedule =
        serde_json::to_value(rekisteri_domain::retention::RetentionSchedule::default()).unwrap();
    schedule["policies"][0]["reason_en"] = json!("Kept ten years R9 coverage");
    schedule["policies"][0]["reason_fi"] = json!("Säilytetään kymmenen vuotta R9");
    app.send(
        reqwest::Method::PUT,
        "/api/v1/settings/retention",
        Some(&admin),
        Some("\"0\""),
        Some(schedule),
    )
    .await
    .expect(200);
    // Restriction last: a restricted person may not be disclosed.
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/people/{person}/restriction"),
        Some(officer),
        None,
        Some(
            json!({"reason": "Oikeellisuus kiistetty R18", "value_kind": "phone",
                    "value": "+358 40 765 4321"}),
        ),
    )
    .await
    .expect(201);
    vec![
        needle("people", "Kattavainen"),
        needle("people", "Tarkastusnimike R14"),
        needle("person_contacts", "r14.kattava@esimerkki.fi"),
        needle("person_contacts", "+358407654321"),
        needle("person_contacts", "r14-kattava.example.fi"),
        needle("person_contacts", "198.51.100.14"),
        needle("person_contacts", "Raporttikuja 14"),
        needle("person_contacts", "Laskutustie 16"),
        needle("person_contacts", "lomake R5 kattava"),
        needle("organisations", "Kattavuusyhtiö R14 Oy"),
        needle("person_organisations", "Edustajanimike R19"),
        needle("orders", "TILAUS-R14-77"),
        needle("order_lines", "Kattavuusrivi R14"),
        needle("invoices", "LASKU-R14-88"),
        needle("notes", "Tarjousmuistio R14 kattavuus"),
        needle("permission_wordings", "Suostun uutiskirjeeseen R15"),
        needle("permission_events", "kumppanilomake R15"),
        needle("restrictions", "Oikeellisuus kiistetty R18"),
        needle("recipients", "Vastaanottaja R6 Perintä Oy"),
        worded("disclosures", "debt_collection", "Debt collection"),
        needle("disclosures", &disclosure),
        // The exact records sent: the invoice is one (its id shows nowhere
        // else in the document).
        Needle {
            table: "disclosure_records",
            json: format!("\"record_id\":\"{invoice}\""),
            csv: format!("invoice:{invoice}"),
            html: invoice.clone(),
        },
        needle("export_copies", "/srv/viennit/kattavuus-R21.json"),
        // Only the copies the person is in: the copy's id shows nowhere else.
        needle("export_copy_people", &copy),
        needle("requests", "Haluan tietoni R14"),
        needle("requests", "pyytaja.r14@esimerkki.fi"),
        needle("request_events", "Saapui sähköpostilla R14"),
        needle("legal_holds", "Riita-asia R8 kattavuus"),
        needle("paper_documents", "Arkistokaappi R10 kattavuus"),
        needle("retention_schedules", "Kept ten years R9 coverage"),
        worded("purposes", "customer_relationship", "customer relationship"),
    ]
}

async fn r14_r16_the_access_report_covers_every_personal_data_table(app: TestApp) {
    // Every table of the catalogue has a decision; every decision a table.
    let tables = table_names(&app).await;
    let known: Vec<&str> = TABLE_COVERAGE.iter().map(|(t, _)| *t).collect();
    let undecided: Vec<&String> = tables
        .iter()
        .filter(|t| !known.contains(&t.as_str()))
        .collect();
    assert!(
        undecided.is_empty(),
        "tables without a decision in TABLE_COVERAGE (crates/store/src/report.rs): {undecided:?}"
    );
    for (table, _) in TABLE_COVERAGE {
        let sqlite_only = *table == "search_fts";
        assert!(
            tables.iter().any(|t| t == table) || sqlite_only,
            "TABLE_COVERAGE names {table}, which the database does not have"
        );
    }
    let officer = officer(&app).await;
    let mut body = common::person_json("Reija", "Kattavainen");
    body["title"] = json!("Tarkastusnimike R14");
    body["emails"] = json!(["r14.kattava@esimerkki.fi"]);
    body["phones"] = json!(["040 765 4321"]);
    body["websites"] = json!(["https://r14-kattava.example.fi/sivu"]);
    body["ip_addresses"] = json!(["198.51.100.14"]);
    body["addresses"] = json!([
        {"street": "Raporttikuja 14", "postal_code": "70100", "city": "Kuopio"},
        {"kind": "billing", "street": "Laskutustie 16", "postal_code": "00100", "city": "Helsinki"}
    ]);
    body["source_detail"] = json!("lomake R5 kattava");
    let person = app.post("/api/v1/people", body).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let needles = fill(&app, &person, &officer).await;
    // Another person, with values of the same kinds, must not leak in.
    let (other, _) = create_person(&app, "Toivo", "Ulkopuolinen").await;
    let other_needles = fill_other(&app, &other).await;

    let json = report_json(&app, &person, &officer).await.to_string();
    let html = report_html(&app, &person, &officer, "en").await;
    let csv = report_csv(&app, &person, &officer).await;
    let vcard = report_vcard(&app, &person, &officer).await;
    let covered: Vec<&str> = TABLE_COVERAGE
        .iter()
        .filter(|(_, c)| *c == Coverage::InReport)
        .map(|(t, _)| *t)
        .collect();
    for table in &covered {
        assert!(
            needles.iter().any(|n| n.table == *table),
            "{table} is InReport but this test puts nothing in it: add a value"
        );
    }
    let mut missing = Vec::new();
    for n in &needles {
        assert!(covered.contains(&n.table), "{} is not InReport", n.table);
        if !json.contains(&n.json) {
            missing.push(format!("json: {} {}", n.table, n.json));
        }
        if !csv.contains(&n.csv) {
            missing.push(format!("csv: {} {}", n.table, n.csv));
        }
        if !html.contains(&n.html) {
            missing.push(format!("html: {} {}", n.table, n.html));
        }
    }
    assert!(missing.is_empty(), "not in the report: {missing:#?}");
    for value in [
        "Reija",
        "Kattavainen",
        "Tarkastusnimike R14",
        "r14.kattava@esimerkki.fi",
        "tel:+358407654321",
        "https://r14-kattava.example.fi/sivu",
        "Raporttikuja 14",
        "Laskutustie 16",
        "Kattavuusyhtiö R14 Oy",
    ] {
        assert!(vcard.contains(value), "vCard lacks {value}: {vcard}");
    }
    for secret in other_needles {
        for (form, text) in [
            ("json", &json),
            ("html", &html),
            ("csv", &csv),
            ("vcard", &vcard),
        ] {
            assert!(
                !text.contains(secret),
                "{form} shows another person's {secret}"
            );
        }
    }
}

/// The other person's values: a note, an order, an email.
/// Records a file with the person in it, as `export people --output` does;
/// returns the copy's id.
async fn record_copy(app: &TestApp, person: &str, path: &str) -> String {
    use rekisteri_domain::export_copy::{ExportKind, NewExportCopy};
    use rekisteri_domain::values::Parse;
    let copy = NewExportCopy {
        kind: ExportKind::People,
        path: path.into(),
        disclosure_id: None,
        people: vec![rekisteri_domain::ids::PersonId::parse(person).unwrap()],
    };
    app.store
        .record_export_copy(&common::cli(), app.clock.now(), copy)
        .await
        .unwrap()
        .id
        .to_string()
}

async fn fill_other(app: &TestApp, other: &str) -> Vec<&'static str> {
    record_copy(app, other, "/srv/viennit/toisen-ZQX.json").await;
    app.post(
        "/api/v1/notes",
        json!({"person_id": other, "kind": "meeting_note", "body": "Toisen salaisuus ZQX"}),
    )
    .await
    .expect(201);
    app.post(
        "/api/v1/orders",
        json!({"person_id": other, "number": "TOISEN-TILAUS-9", "ordered_on": "2026-11-20",
               "lines": [{"description": "Toisen rivi", "quantity": 1, "unit_price_cents": 100}]}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/api/v1/people/{other}/paper-documents"),
        json!({"kind": "Toisen paperi ZQX", "location": "Toisen kaappi ZQX", "keeper": "toimisto"}),
    )
    .await
    .expect(201);
    vec![
        "Toisen kaappi ZQX",
        "/srv/viennit/toisen-ZQX.json",
        "Toisen salaisuus ZQX",
        "TOISEN-TILAUS-9",
        "Ulkopuolinen",
        "toivo.ulkopuolinen@esimerkki.fi",
    ]
}

async fn r14_r20_the_document_names_purposes_retention_rights_and_the_authority(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Kaisa", "Kielinen").await;
    let fi = report_html(&app, &person, &officer, "fi").await;
    let en = report_html(&app, &person, &officer, "en").await;
    assert!(fi.contains("<html lang=\"fi\">") && en.contains("<html lang=\"en\">"));
    assert!(fi.contains("@media print") && en.contains("@media print"));
    for (html, authority, purpose, basis, retention, right) in [
        (
            &fi,
            "Tietosuojavaltuutetun toimisto",
            "asiakassuhteen hoito",
            "sopimus",
            "10 vuotta asiakassuhteen päättymisestä",
            "Siirto-oikeus",
        ),
        (
            &en,
            "Office of the Data Protection Ombudsman",
            "customer relationship",
            "contract",
            "10 years from the end of the customer relationship",
            "Portability",
        ),
    ] {
        for expected in [
            authority,
            "Lintulahdenkuja 4, 00530 Helsinki",
            "tietosuoja@om.fi",
            purpose,
            basis,
            retention,
            right,
            "Kielinen",
            "MT Mediateko Oy",
            "annika.kettunen@mediateko.fi",
        ] {
            assert!(
                html.contains(expected),
                "{expected} missing from the document"
            );
        }
    }
    // Finnish dates in the Finnish document, English in the English one.
    assert!(fi.contains("24.11.2026"), "a Finnish date");
    assert!(en.contains("24 Nov 2026"), "an English date");
    let bad = app
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/people/{person}/report?format=pdf"),
            Some(&officer),
            None,
            None,
        )
        .await
        .expect(422);
    assert_eq!(bad["error"]["field"], "format");
}

async fn r14_only_the_privacy_officer_and_the_admin_get_the_report_and_it_is_audited(app: TestApp) {
    let (person, _) = create_person(&app, "Aatu", "Auditoitu").await;
    let partner = app.user("kirjanpito", Role::Partner).await;
    for token in [app.token.clone(), partner] {
        report_of(&app, &person, &token, "json").await.expect(403);
    }
    let admin = app.user("paakayttaja", Role::Admin).await;
    report_of(&app, &person, &admin, "csv").await.expect(200);
    let officer = officer(&app).await;
    let before = app.audit().await.len();
    let reply = report_of(&app, &person, &officer, "json").await;
    let disposition = reply
        .headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"access-report-{person}.json\"")
    );
    assert_eq!(reply.headers["cache-control"], "no-store");
    reply.expect(200);
    let officer_id = app
        .store
        .user_by_name("tietosuoja")
        .await
        .unwrap()
        .id
        .to_string();
    let rows = app.audit().await;
    let new: Vec<_> = rows[before..].iter().collect();
    assert_eq!(new.len(), 1, "one audit row for the report: {new:?}");
    let (action, record_type, record_id, person_id, purpose, actor) = new[0];
    assert_eq!(
        (action.as_str(), record_type.as_str(), record_id.as_str()),
        ("export", "person", person.as_str())
    );
    assert_eq!(person_id.as_deref(), Some(person.as_str()));
    assert_eq!(purpose, "register_maintenance");
    assert_eq!(actor.as_deref(), Some(officer_id.as_str()));
    let missing = "01900000-0000-7000-8000-000000000000";
    report_of(&app, missing, &officer, "json").await.expect(404);
}

async fn r14_r18_a_restricted_person_still_gets_their_report(app: TestApp) {
    let officer = officer(&app).await;
    let (person, _) = create_person(&app, "Raili", "Rajoitettu").await;
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/people/{person}/restriction"),
        Some(&officer),
        None,
        Some(json!({"reason": "kiistää tietojen oikeellisuuden"})),
    )
    .await
    .expect(201);
    let report = report_json(&app, &person, &officer).await;
    assert_eq!(report["person"]["last_name"], "Rajoitettu");
    assert_eq!(
        report["restrictions"][0]["reason"],
        "kiistää tietojen oikeellisuuden"
    );
    assert!(report["restrictions"][0]["value_kind"].is_null());
    // Still stored: the restriction row is untouched by the report.
    let n = sqlx::query("SELECT COUNT(*) AS n FROM restrictions WHERE lifted_at IS NULL")
        .fetch_one(app.store.read_pool())
        .await
        .unwrap()
        .get::<i64, _>("n");
    assert_eq!(n, 1);
}
