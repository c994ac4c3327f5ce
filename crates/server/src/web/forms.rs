//! What every form shares: the domain's validation errors in the user's
//! language, next to the field they name; the fields themselves (one
//! template, `form_field.html`, draws them all with their labels, errors
//! and `aria-describedby`); the select of data sources (R5).

use crate::error::ApiError;
use crate::i18n::Locale;
pub use crate::i18n::{field_message, slug};
use rekisteri_domain::Invalid;
use rekisteri_domain::provenance::Source;
use std::collections::BTreeMap;

/// The form field a domain field path belongs to: `emails[1]` → `emails`,
/// `addresses[0].postal_code` → `postal_code`.
pub fn form_field(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last).to_string()
}

/// The errors of a submitted form, by form field, in the user's language.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(BTreeMap<String, String>);

impl FormErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// The domain's errors; a list's line is named (`rivi 2: …`).
    pub fn from_invalid(l: &Locale, invalid: &Invalid) -> Self {
        let mut errors = Self::new();
        for e in &invalid.0 {
            let mut text = field_message(l, e);
            if let Some(line) = list_line(&e.field) {
                text = format!("{} {text}", l.t1("form-line", "n", line));
            }
            errors.add(&form_field(&e.field), text);
        }
        errors
    }

    /// Adds a message to a field (several are joined).
    pub fn add(&mut self, field: &str, text: String) {
        self.0
            .entry(field.to_string())
            .and_modify(|t| {
                t.push_str("; ");
                t.push_str(&text);
            })
            .or_insert(text);
    }

    /// A handler's error as field errors, or the error itself (a page).
    pub fn of(l: &Locale, error: ApiError) -> Result<Self, ApiError> {
        match error {
            ApiError::Invalid(invalid) => Ok(Self::from_invalid(l, &invalid)),
            ApiError::DuplicatePerson { field, person_id } => {
                let mut errors = Self::new();
                let text = l.t1("v-duplicate-person", "id", person_id);
                errors.add(&form_field(&field), text);
                Ok(errors)
            }
            other => Err(other),
        }
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<String> {
        self.0.get(field).cloned()
    }

    /// The same as [`Self::get`], for templates: the message-id scan of
    /// the i18n test reads any call ending in `t(` as a message.
    pub fn message(&self, field: &str) -> Option<String> {
        self.get(field)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Errors of fields the form does not show, so none is hidden.
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(f, _)| !shown.contains(&f.as_str()))
            .map(|(f, t)| format!("{f}: {t}"))
            .collect()
    }
}

/// The 1-based line of a list field (`emails[1]` → 2).
fn list_line(path: &str) -> Option<usize> {
    if path.contains('.') {
        return None;
    }
    let inside = path.split_once('[')?.1.strip_suffix(']')?;
    inside.parse::<usize>().ok().map(|i| i + 1)
}

/// How a field is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Text,
    Email,
    Textarea,
    DateTime,
    Date,
}

/// One field of a form, ready for `form_field.html`.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
    pub input: Input,
    pub hint: Option<String>,
    pub required: bool,
    pub wide: bool,
    pub autocomplete: &'static str,
}

impl Field {
    pub fn new(name: &'static str, label: String, value: &str, errors: &FormErrors) -> Self {
        Self {
            name,
            label,
            value: value.to_string(),
            error: errors.get(name),
            input: Input::Text,
            hint: None,
            required: false,
            wide: false,
            autocomplete: "off",
        }
    }

    pub fn input(mut self, input: Input) -> Self {
        self.input = input;
        if input == Input::Textarea {
            self.wide = true;
        }
        self
    }

    pub fn hint(mut self, hint: String) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn wide(mut self) -> Self {
        self.wide = true;
        self
    }

    pub fn is_textarea(&self) -> bool {
        self.input == Input::Textarea
    }

    pub fn html_type(&self) -> &'static str {
        match self.input {
            Input::Email => "email",
            Input::DateTime => "datetime-local",
            Input::Date => "date",
            Input::Text | Input::Textarea => "text",
        }
    }

    /// The ids the input is described by: its hint and its error.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("hint-{}", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("err-{}", self.name));
        }
        ids.join(" ")
    }
}

/// One option of a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The data sources (R5) as options, in words (`source-<code>`).
pub fn source_choices(l: &Locale, selected: &str) -> Vec<Choice> {
    Source::ALL
        .iter()
        .map(|s| Choice {
            value: s.code().to_string(),
            label: l.code("source", s.code()),
            selected: s.code() == selected,
        })
        .collect()
}

/// The lines of a textarea, trimmed, empty ones left out.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Empty text as `None`.
pub fn some(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A form that only names the version of the record it changes (a delete,
/// a retirement, a link removed): optimistic concurrency from a page.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct VersionForm {
    pub version: String,
}

impl VersionForm {
    /// The version, or a 422 naming the field.
    pub fn version(&self) -> Result<i64, ApiError> {
        parse_version(&self.version)
    }
}

/// A form's hidden `version` field, or a 422 naming it.
pub fn parse_version(raw: &str) -> Result<i64, ApiError> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| ApiError::field("version", "is not a version number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use rekisteri_domain::FieldError;
    use std::sync::Arc;

    const ZONE: &str = "Europe/Helsinki";

    fn locale(lang: Lang) -> Locale {
        Locale::new(lang, Arc::new(jiff::tz::TimeZone::get(ZONE).expect("zone")))
    }

    #[test]
    fn slugs_name_messages() {
        assert_eq!(slug("has a wrong check digit"), "has-a-wrong-check-digit");
        assert_eq!(
            slug("must be seven digits, a dash and a check digit, such as 2231129-9"),
            "must-be-seven-digits-a-dash-and-a-check-digit-such-as-2231129-9"
        );
        assert_eq!(
            slug("must have 1–64 characters before @"),
            "must-have-1-64-characters-before"
        );
    }

    #[test]
    fn r3_field_errors_speak_finnish_and_english() {
        let e = FieldError::invalid("business_id", "has a wrong check digit");
        assert_eq!(
            field_message(&locale(Lang::Fi), &e),
            "tarkistusmerkki on väärä"
        );
        assert_eq!(
            field_message(&locale(Lang::En), &e),
            "has a wrong check digit"
        );
        let long = FieldError::too_long("title", 200);
        assert!(field_message(&locale(Lang::Fi), &long).contains("200"));
        let unknown = FieldError::invalid("x", "is odd in a new way");
        assert_eq!(
            field_message(&locale(Lang::Fi), &unknown),
            "is odd in a new way"
        );
        let req = FieldError::required("last_name");
        assert_eq!(field_message(&locale(Lang::Fi), &req), "on pakollinen");
    }

    /// Every message the domain writes has a Finnish translation.
    #[test]
    fn r3_every_domain_message_is_translated() {
        let fi = locale(Lang::Fi);
        let domain = concat!(env!("CARGO_MANIFEST_DIR"), "/../domain/src");
        for file in [
            "values.rs",
            "person.rs",
            "organisation.rs",
            "billing.rs",
            "time.rs",
            "note.rs",
        ] {
            let text = std::fs::read_to_string(format!("{domain}/{file}")).expect("domain file");
            for part in text.split("Err(\"").skip(1) {
                let message = part.split('"').next().unwrap_or_default();
                let e = FieldError::invalid("f", message);
                assert_ne!(field_message(&fi, &e), message, "{file}: {message}");
            }
        }
    }

    #[test]
    fn list_errors_name_the_field_and_line() {
        assert_eq!(form_field("emails[1]"), "emails");
        assert_eq!(form_field("addresses[0].postal_code"), "postal_code");
        assert_eq!(list_line("emails[1]"), Some(2));
        assert_eq!(list_line("addresses[0].city"), None);
    }
}
