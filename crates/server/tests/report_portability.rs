//! Portability (R16): a person's access report, exported as JSON or a
//! vCard from one register and imported into a fresh one (over the API
//! and the command line), is the same person; and the JSON keeps the
//! schema it documents (`docs/access-report.schema.json`).

mod common;
#[path = "common/report.rs"]
mod report_common;

use common::TestApp;
use report_common::{officer, report_bytes, report_json};
use serde_json::{Value, json};

on_both_backends!(
    r16_a_json_report_imported_into_another_register_is_the_same_person,
    r16_a_vcard_imported_into_another_register_is_the_same_person,
    r16_the_json_report_keeps_its_documented_schema,
    r16_a_portability_file_is_imported_on_the_command_line,
);

fn rich_person() -> Value {
    json!({
        "first_name": "Siiri",
        "last_name": "Siirrettävä",
        "title": "Hankintapäällikkö, Itä-Suomi",
        "emails": ["siiri.siirrettava@esimerkki.fi", "siiri@koti.example.fi"],
        "phones": ["040 111 2233", "+46 70 123 45 67"],
        "websites": ["https://siiri.example.fi/"],
        "ip_addresses": ["203.0.113.9"],
        "addresses": [
            {"street": "Muuttajankatu 3; A 5", "postal_code": "33100", "city": "Tampere"},
            {"kind": "billing", "street": "Box 12", "postal_code": "114 55", "city": "Stockholm", "country": "SE"}
        ],
        "source": "registration"
    })
}

/// What must survive the move: names, title, emails, phones, websites, addresses.
fn portable(person: &Value) -> Value {
    let values = |key: &str| -> Vec<Value> {
        person[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].clone())
            .collect()
    };
    let addresses: Vec<Value> = person["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            json!([
                a["kind"],
                a["street"],
                a["postal_code"],
                a["city"],
                a["country"]
            ])
        })
        .collect();
    json!({
        "first_name": person["first_name"],
        "last_name": person["last_name"],
        "title": person["title"],
        "emails": values("emails"),
        "phones": values("phones"),
        "websites": values("websites"),
        "addresses": addresses,
    })
}

/// Exports the person, imports the file into a fresh register; returns
/// (the original, the imported).
async fn round_trip(app: TestApp, format: &str) -> (Value, Value) {
    let person = app.post("/api/v1/people", rich_person()).await.expect(201);
    let id = person["id"].as_str().unwrap().to_string();
    let officer = officer(&app).await;
    let file = report_bytes(&app, &id, &officer, &format!("format={format}")).await;
    let fresh = TestApp::spawn(app.db).await.expect("a second register");
    let request = fresh
        .client
        .post(format!(
            "{}/api/v1/people/import?format={format}",
            fresh.base
        ))
        .bearer_auth(&fresh.token)
        .body(file);
    let imported = common::reply_of(request).await.expect(201);
    // Values the person gave themselves (R5): own notice, by portability.
    assert_eq!(imported["name_source"]["source"], "own_notice");
    assert_eq!(
        imported["emails"][0]["source_detail"],
        format!("portability: {format}")
    );
    // The same create path as POST /people: audited as a create.
    let audit = fresh.audit().await;
    assert!(
        audit
            .iter()
            .any(|(action, _, record, ..)| action == "create" && imported["id"] == **record),
        "the import is audited"
    );
    (person, imported)
}

async fn r16_a_json_report_imported_into_another_register_is_the_same_person(app: TestApp) {
    let (person, imported) = round_trip(app, "json").await;
    assert_eq!(portable(&imported), portable(&person));
    // IP addresses identify a device, not a way to reach the person.
    assert_eq!(imported["ip_addresses"], json!([]));
}

async fn r16_a_vcard_imported_into_another_register_is_the_same_person(app: TestApp) {
    let (person, imported) = round_trip(app, "vcard").await;
    assert_eq!(portable(&imported), portable(&person));
}

async fn r16_the_json_report_keeps_its_documented_schema(app: TestApp) {
    let schema: Value =
        serde_json::from_str(include_str!("../../../docs/access-report.schema.json"))
            .expect("the schema is JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("a valid JSON Schema 2020-12");
    let person = app.post("/api/v1/people", rich_person()).await.expect(201);
    let id = person["id"].as_str().unwrap();
    app.post(
        "/api/v1/notes",
        json!({"person_id": id, "kind": "action", "body": "Soita", "due_at": "2026-12-01T10:00:00Z"}),
    )
    .await
    .expect(201);
    let officer = officer(&app).await;
    let report = report_json(&app, id, &officer).await;
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the report breaks its schema: {errors:#?}"
    );
    // The schema is not vacuous: a report without its person fails it.
    let mut broken = report.clone();
    broken.as_object_mut().unwrap().remove("person");
    assert!(!validator.is_valid(&broken));
    let mut broken = report;
    broken["person"]["emails"][0]["source"] = json!("rumour");
    assert!(!validator.is_valid(&broken));
    // A bad file is a 422 naming the body, not a half-made person.
    let before = app.count("people").await;
    for (format, body) in [
        ("json", "{\"person\": 1}"),
        ("vcard", "BEGIN:VCARD\nFN:x\n"),
    ] {
        let request = app
            .client
            .post(format!("{}/api/v1/people/import?format={format}", app.base))
            .bearer_auth(&app.token)
            .body(body);
        let reply = common::reply_of(request).await.expect(422);
        assert_eq!(reply["error"]["field"], "body");
    }
    assert_eq!(app.count("people").await, before);
}

async fn r16_a_portability_file_is_imported_on_the_command_line(app: TestApp) {
    let card = "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Kalle Komentorivi\r\nN:Komentorivi;Kalle;;;\r\n\
                EMAIL:kalle.komentorivi@esimerkki.fi\r\nTEL;VALUE=uri:tel:+358401112233\r\nEND:VCARD\r\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kalle.vcf");
    std::fs::write(&path, card).unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_rekisteri"))
        .args([
            "--database-url",
            &app.database_url,
            "import",
            "person",
            "--format",
            "vcard",
        ])
        .arg(&path)
        .env("REKISTERI_DATA_DIR", app.data_dir())
        .output()
        .await
        .expect("run rekisteri");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let person = app.get(&format!("/api/v1/people/{id}")).await.expect(200);
    assert_eq!(person["last_name"], "Komentorivi");
    assert_eq!(person["phones"][0]["value"], "+358401112233");
    assert_eq!(person["emails"][0]["source_detail"], "portability: vcard");
}
