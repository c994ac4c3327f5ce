//! The OpenAPI document as clients read it (issue 19 §4). The handlers'
//! annotations say what each operation takes and gives when it succeeds;
//! this module adds what holds for every operation alike, from the same
//! rules the extractors and the error type follow, so a client generated
//! from the document is not misled:
//! - operation ids are unique (prefixed with their tag);
//! - every `{name}` in a path is a declared, required path parameter;
//! - each operation lists the errors it can answer, each with the error
//!   body: 401 and 403 behind a login, 404 with a path parameter, 422 with
//!   input, 412 and 428 with `If-Match`, 409, 413 and 503 on writes;
//! - a request body's objects take no property they do not declare
//!   (`additionalProperties: false`), as the JSON extractor refuses them.

use crate::extract::IfMatch;
use serde_json::{Map, Value, json};
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{Object, Required, Type};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::True)
                .description(Some(
                    "The record's ETag as last read, in its quotes (\"3\"): a write to a version \
                     that is no longer current is refused with 412, one without it with 428.",
                ))
                .schema(Some(
                    Object::builder()
                        .schema_type(Type::String)
                        .pattern(Some("^\"(0|[1-9][0-9]*)\"$")),
                ))
                .build(),
        ]
    }
}

/// The finished document, as served at `/api/v1/openapi.json`.
pub fn finish(doc: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    let mut strict = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            for method in METHODS {
                if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
                    name_uniquely(op);
                    declare_path_parameters(path, op);
                    let login = method == "post" && path == "/api/v1/session";
                    declare_errors(method, login, op);
                    strict.extend(request_schemas(op));
                }
            }
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        close_objects(schemas, strict);
        merge_flattened_enums(schemas);
    }
    doc
}

/// A struct that flattens a tagged enum beside its own fields (a hold and
/// its message) comes out as `allOf` of the enum's `oneOf` and an object,
/// which generated clients cannot take: it is written as the `oneOf` of
/// each variant with the object's properties added.
fn merge_flattened_enums(schemas: &mut Map<String, Value>) {
    let mut merged = Vec::new();
    for (name, schema) in schemas.iter() {
        let Some([Value::Object(first), Value::Object(own)]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        else {
            continue;
        };
        let Some(variants) = first
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .and_then(|target| schemas.get(target))
            .and_then(|t| t.get("oneOf"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let variants: Vec<Value> = variants
            .iter()
            .map(|variant| {
                let mut v = variant.clone();
                for key in ["properties", "required"] {
                    match (v.get_mut(key), own.get(key)) {
                        (Some(Value::Object(mine)), Some(Value::Object(more))) => {
                            mine.extend(more.clone());
                        }
                        (Some(Value::Array(mine)), Some(Value::Array(more))) => {
                            mine.extend(more.iter().cloned());
                        }
                        _ => {}
                    }
                }
                v
            })
            .collect();
        let mut replacement = Map::new();
        if let Some(d) = schema.get("description") {
            replacement.insert("description".into(), d.clone());
        }
        replacement.insert("oneOf".into(), Value::Array(variants));
        merged.push((name.clone(), Value::Object(replacement)));
    }
    schemas.extend(merged);
}

/// An operation's id is its handler's name, which several resources share
/// (`list`, `create`): the id is prefixed with its tag (`people_list`), as
/// OpenAPI wants ids unique and generated clients name functions by them.
fn name_uniquely(op: &mut Map<String, Value>) {
    let tag = op
        .get("tags")
        .and_then(|t| t.get(0))
        .and_then(Value::as_str)
        .map(|t| t.replace('-', "_"));
    if let (Some(tag), Some(Value::String(id))) = (tag, op.get_mut("operationId"))
        && !id.starts_with(&format!("{tag}_"))
    {
        *id = format!("{tag}_{id}");
    }
}

/// The `{name}`s of a path template.
fn template_names(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

fn declare_path_parameters(path: &str, op: &mut Map<String, Value>) {
    if !op.get("parameters").is_some_and(Value::is_array) {
        op.insert("parameters".into(), Value::Array(Vec::new()));
    }
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for name in template_names(path) {
        let declared = params
            .iter()
            .any(|p| p["name"] == name && p["in"] == "path");
        if !declared {
            params.push(json!({
                "name": name, "in": "path", "required": true,
                "description": "The record's id, as the API gave it.",
                "schema": {"type": "string"}
            }));
        }
    }
}

fn error(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

fn declare_errors(method: &str, login: bool, op: &mut Map<String, Value>) {
    let params = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let takes = |place: &str| params.iter().any(|p| p["in"] == place);
    let if_match = params
        .iter()
        .any(|p| p["in"] == "header" && p["name"] == "If-Match");
    let body = op.contains_key("requestBody");
    let write = method != "get";
    let mut add: Vec<(&str, Value)> = Vec::new();
    // Every operation but the login needs a token or a session.
    if !login {
        add.push(("401", error("Not logged in: no valid token or session.")));
        add.push((
            "403",
            error("The caller's role or permissions do not allow this."),
        ));
    }
    if takes("path") {
        add.push(("404", error("No such record.")));
    }
    if takes("path") || takes("query") || takes("header") || body {
        add.push((
            "422",
            error("Input the register refuses; `field` names what to change."),
        ));
    }
    if if_match {
        add.push((
            "412",
            error("`If-Match` names a version that is no longer current."),
        ));
        add.push(("428", error("`If-Match` is missing.")));
    }
    if write {
        add.push((
            "409",
            error(
                "The register's state is in the way (a hold, a duplicate, records to end first).",
            ),
        ));
        let mut busy =
            error("Another writer held the database: send the same request again later.");
        busy["headers"] = json!({"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}});
        add.push(("503", busy));
    }
    if body {
        add.push(("413", error("The body is larger than the route takes.")));
    }
    let responses = op
        .entry("responses")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(responses) = responses.as_object_mut() {
        for (status, response) in add {
            responses.entry(status).or_insert(response);
        }
        describe(responses);
    }
}

/// OpenAPI requires every response to have a description; an annotation
/// without one gets its status's reason phrase ("Created").
fn describe(responses: &mut Map<String, Value>) {
    for (status, response) in responses.iter_mut() {
        if let Some(response) = response.as_object_mut()
            && !response.contains_key("description")
        {
            let reason = status
                .parse::<u16>()
                .ok()
                .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Response");
            response.insert("description".into(), Value::from(reason));
        }
    }
}

/// The component names a request body refers to.
fn request_schemas(op: &Map<String, Value>) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(content) = op.get("requestBody").and_then(|b| b.get("content")) {
        refs(content, &mut names);
    }
    names
}

/// Every `$ref` to a component under `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_string());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(list) => list.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// Closes the objects of these components and of every component they
/// refer to: a request takes only the properties its schema declares.
fn close_objects(schemas: &mut Map<String, Value>, mut todo: Vec<String>) {
    let mut done = std::collections::HashSet::new();
    while let Some(name) = todo.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = schemas.get_mut(&name) {
            close(schema);
            refs(schema, &mut todo);
        }
    }
}

fn close(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            // The parts of an `allOf` each see the whole object: closed,
            // each would refuse the others' properties.
            map.iter_mut()
                .filter(|(key, _)| key.as_str() != "allOf")
                .for_each(|(_, v)| close(v));
        }
        Value::Array(list) => list.iter_mut().for_each(close),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r3_a_template_names_its_parameters() {
        assert_eq!(
            template_names("/people/{id}/organisations/{link_id}"),
            vec!["id", "link_id"]
        );
        assert!(template_names("/people").is_empty());
    }
}
