//! The OpenAPI document does not mislead a client (issue 19 §4): query
//! parameters are in the query, every `{name}` of a path is declared,
//! writes that need `If-Match` say so, the errors are documented, request
//! objects are closed and name what they require, and operation ids are
//! unique. Schemathesis checks the served API against it in CI
//! (`contract/schemathesis.sh`).

mod common;

use common::{Db, TestApp};
use serde_json::Value;
use std::collections::HashSet;

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

async fn document() -> Value {
    let app = TestApp::spawn(Db::Sqlite).await.expect("app");
    app.get("/api/v1/openapi.json").await.expect(200)
}

fn operations(doc: &Value) -> Vec<(String, &'static str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((path.clone(), method, op));
            }
        }
    }
    out
}

fn params<'a>(op: &'a Value, place: &str) -> Vec<&'a str> {
    op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter(|p| p["in"] == place)
                .filter_map(|p| p["name"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn r3_parameters_are_where_the_server_reads_them() {
    let doc = document().await;
    for (path, method, op) in operations(&doc) {
        let declared: HashSet<&str> = params(op, "path").into_iter().collect();
        let template: HashSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|r| r.split_once('}').map(|(n, _)| n))
            .collect();
        assert_eq!(declared, template, "{method} {path}: path parameters");
    }
    let people = &doc["paths"]["/api/v1/people"]["get"];
    for name in ["email", "last_name", "after", "limit"] {
        assert!(params(people, "query").contains(&name), "{name} in query");
    }
    let limit = people["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "limit"))
        .expect("limit");
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 500);
}

#[tokio::test]
async fn r3_writes_to_a_record_declare_if_match_and_their_errors() {
    let doc = document().await;
    let person = &doc["paths"]["/api/v1/people/{id}"]["put"];
    assert!(params(person, "header").contains(&"If-Match"));
    let mut with_if_match = 0;
    for (path, method, op) in operations(&doc) {
        let responses = op["responses"].as_object().expect("responses");
        let has = |s: &str| responses.contains_key(s);
        for (status, r) in responses {
            assert!(
                r["description"].is_string(),
                "{method} {path} {status}: description"
            );
        }
        if path != "/api/v1/session" || method != "post" {
            assert!(has("401") && has("403"), "{method} {path}: 401/403");
        }
        if !params(op, "path").is_empty() {
            assert!(has("404"), "{method} {path}: 404");
        }
        if params(op, "header").contains(&"If-Match") {
            with_if_match += 1;
            assert!(has("412") && has("428"), "{method} {path}: 412/428");
        }
        if method != "get" {
            assert!(has("409") && has("503"), "{method} {path}: 409/503");
        }
        if op.get("requestBody").is_some() {
            assert!(has("422") && has("413"), "{method} {path}: 422/413");
        }
    }
    assert!(
        with_if_match >= 14,
        "{with_if_match} operations take If-Match"
    );
}

#[tokio::test]
async fn r3_request_objects_are_closed_and_name_what_they_require() {
    let doc = document().await;
    let draft = &doc["components"]["schemas"]["PersonDraft"];
    assert_eq!(draft["additionalProperties"], false, "{draft}");
    let required: Vec<&str> = draft["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(required.contains(&"first_name") && required.contains(&"last_name"));
    assert_eq!(draft["properties"]["first_name"]["type"], "string");
    let address = &doc["components"]["schemas"]["AddressDraft"];
    assert_eq!(address["additionalProperties"], false, "{address}");

    let ids: Vec<&str> = operations(&doc)
        .iter()
        .filter_map(|(_, _, op)| op["operationId"].as_str())
        .collect();
    let unique: HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "operation ids are unique");
    assert!(ids.contains(&"people_list") && ids.contains(&"people_replace"));
}
