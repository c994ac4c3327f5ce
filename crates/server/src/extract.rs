//! Extractors shared by the API's handlers: JSON bodies whose errors name
//! the field, `If-Match`, and ETags. (The caller is [`crate::caller::Caller`].)

pub use crate::caller::Caller;
use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{FieldError, Invalid};
use serde::de::DeserializeOwned;

/// A JSON body; a malformed one is a 422 naming where it broke, and one
/// with fields the request does not have (`"email"` for `"emails"`) a 422
/// naming each, instead of their being dropped.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::field(
                "body",
                "must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::field("body", "could not be read"))?;
        json_body(&bytes).map(JsonBody)
    }
}

/// Reads a JSON body into `T`: a malformed one is an error naming where it
/// broke, a property `T` does not have an error naming each.
pub fn json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::field("body", format!("is not JSON: {e}")))?;
    // A value keeps only the last of a property given twice: refuse it,
    // as reading into the struct itself would have.
    if let Some(field) = given_twice(bytes) {
        return Err(ApiError::field(&field, "is given twice"));
    }
    // Every body this API takes is an object: serde would also read a
    // struct from an array, by position.
    if !value.is_object() {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    whole_numbers_as_integers(&mut value);
    let mut track = serde_path_to_error::Track::new();
    let mut unknown = Vec::new();
    let parsed: Result<T, _> = serde_ignored::deserialize(
        serde_path_to_error::Deserializer::new(value, &mut track),
        |path| unknown.push(FieldError::unknown(field_of(&path))),
    );
    match parsed {
        Err(e) => {
            let path = track.path().to_string();
            let field = if path == "." || path.is_empty() {
                "body".to_string()
            } else {
                path
            };
            Err(ApiError::Invalid(Invalid::one(FieldError::invalid(
                field,
                e.to_string(),
            ))))
        }
        Ok(_) if !unknown.is_empty() => Err(ApiError::Invalid(Invalid(unknown))),
        Ok(value) => Ok(value),
    }
}

/// The first property given twice in the same object, as a field path
/// (`addresses[0].street`); none for well-formed JSON without one.
fn given_twice(bytes: &[u8]) -> Option<String> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    /// Walks a JSON value; fails with the path of a repeated property.
    struct Walk(String);

    impl<'de> DeserializeSeed<'de> for Walk {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                let path = if self.0.is_empty() {
                    key.clone()
                } else {
                    format!("{}.{key}", self.0)
                };
                if !seen.insert(key) {
                    return Err(serde::de::Error::custom(path));
                }
                map.next_value_seed(Walk(path))?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0;
            while seq
                .next_element_seed(Walk(format!("{}[{i}]", self.0)))?
                .is_some()
            {
                i += 1;
            }
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }

    let mut de = serde_json::Deserializer::from_slice(bytes);
    match Walk(String::new()).deserialize(&mut de) {
        Err(e) if e.is_data() => {
            let text = e.to_string();
            // The message is the path, then serde_json's " at line …".
            Some(text.split(" at line ").next().unwrap_or(&text).to_string())
        }
        _ => None,
    }
}

/// JSON has one kind of number: `3.0` is the integer 3 (JSON Schema
/// agrees), so a whole number written with a fraction is read as one.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                // Exact: every whole number below 2^53 is an f64 exactly.
                *n = serde_json::Number::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// A field's path as the API's errors write it: `addresses[1].street`.
fn field_of(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", field_of(parent)),
        Path::Map { parent, key } => match field_of(parent) {
            p if p.is_empty() => key.clone(),
            p => format!("{p}.{key}"),
        },
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => field_of(parent),
    }
}

/// The version named by `If-Match`; writes without one are refused (428),
/// so that no one overwrites a change they have not seen.
pub struct IfMatch(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let raw = parts
            .headers
            .get(header::IF_MATCH)
            .ok_or(ApiError::PreconditionRequired)?;
        let raw = raw
            .to_str()
            .map_err(|_| ApiError::field("If-Match", "is not text"))?;
        if_match(raw).map(IfMatch)
    }
}

/// The version an `If-Match` value names. It compares strongly (RFC 9110
/// §13.1.1): only an ETag this API sends, character for character (`"3"`),
/// names a version; a weak tag, a bare number, `"03"` or `"+3"` do not.
pub fn if_match(raw: &str) -> Result<i64, ApiError> {
    let raw = raw.trim_matches([' ', '\t']);
    if raw.starts_with("W/") {
        return Err(ApiError::field(
            "If-Match",
            "a weak ETag (W/…) never matches a write: send the ETag this API sent, such as \"3\"",
        ));
    }
    raw.strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .and_then(|tag| {
            tag.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0 && n.to_string() == tag)
        })
        .ok_or_else(|| {
            ApiError::field(
                "If-Match",
                "must be an ETag this API sent, in its quotes, such as \"3\"",
            )
        })
}

/// Headers carrying a record's version as its ETag.
pub fn etag(version: i64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        headers.insert(header::ETAG, v);
    }
    headers
}

/// A record id from the path; a malformed one is simply not found.
pub fn path_id<T: Parse>(raw: &str) -> Result<T, ApiError> {
    T::parse(raw).map_err(|_| ApiError::NotFound)
}

/// Query parameters; a bad one is a 422 naming it, like a bad body field.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let raw = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|e| {
                let message = e.inner().to_string();
                // A bad value is named by its path (`limit`); a missing one by
                // serde in backticks: "missing field `q`".
                let path = e.path().to_string();
                let field = if path != "." && !path.is_empty() {
                    path
                } else {
                    message
                        .split('`')
                        .nth(1)
                        .filter(|_| message.contains("field"))
                        .unwrap_or("query")
                        .to_string()
                };
                ApiError::Invalid(Invalid::one(FieldError::invalid(field, message)))
            })
    }
}
