//! Rectification (R17, GDPR 16): what a correction changes. The officer
//! corrects a wrong value, deletes an unnecessary one or completes a
//! missing one; the source that supplied the wrong value and every
//! recipient it was disclosed to are then told.

use crate::error::{Errors, FieldError, Invalid};
use crate::person::ContactKind;
use crate::restriction::normal_value;
use crate::values::{Name, Parse, Text, parse_field};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a correction is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Corrected {
    FirstName,
    LastName,
    Title,
    /// A contact value (for an address: its street line).
    Contact(ContactKind),
}

impl Corrected {
    /// The category of disclosed data the field belongs to (R6): a
    /// recipient hears only of corrections to what it received (Art. 19).
    pub fn category(self) -> crate::disclosure::DataCategory {
        use crate::disclosure::DataCategory;
        match self {
            Self::FirstName | Self::LastName | Self::Title => DataCategory::Name,
            Self::Contact(ContactKind::BillingAddress) => DataCategory::BillingDetails,
            Self::Contact(_) => DataCategory::ContactDetails,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::Title => "title",
            Self::Contact(kind) => kind.code(),
        }
    }
}

impl Parse for Corrected {
    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "first_name" => Ok(Self::FirstName),
            "last_name" => Ok(Self::LastName),
            "title" => Ok(Self::Title),
            other => ContactKind::parse(other).map(Self::Contact).map_err(|_| {
                "must be first_name, last_name, title, email, phone, website, ip_address, \
                 postal_address or billing_address"
                    .into()
            }),
        }
    }
}

/// One correction as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct CorrectionDraft {
    /// `first_name`, `last_name`, `title` or a contact kind (`email`, `phone`, …).
    pub field: Option<String>,
    /// The wrong value (a contact value to correct or delete); absent to complete.
    pub from: Option<String>,
    /// The right value; absent to delete.
    pub to: Option<String>,
}

/// A validated correction: values in the register's stored form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub field: Corrected,
    pub from: Option<String>,
    pub to: Option<String>,
}

fn normal(field: Corrected, name: &str, raw: &str) -> Result<String, FieldError> {
    let parsed = match field {
        Corrected::FirstName | Corrected::LastName => Name::parse(raw).map(|n| n.to_string()),
        Corrected::Title => Text::parse(raw).map(|t| t.to_string()),
        Corrected::Contact(kind) => normal_value(kind, raw),
    };
    parsed.map_err(|m| FieldError::invalid(name, m))
}

/// Parses the corrections of one request: at least one; names are
/// replaced (never deleted); a contact value is corrected (`from` and
/// `to`), deleted (`from` only) or completed (`to` only).
pub fn parse_corrections(drafts: &[CorrectionDraft]) -> Result<Vec<Correction>, Invalid> {
    let mut errors = Errors::new();
    if drafts.is_empty() {
        errors.push(FieldError::required("corrections"));
    }
    let mut out = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        let at = |f: &str| format!("corrections[{i}].{f}");
        let Some(field) = errors.take(parse_field::<Corrected>(
            &at("field"),
            d.field.as_deref().unwrap_or(""),
        )) else {
            continue;
        };
        let blank = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let (from, to) = (blank(&d.from), blank(&d.to));
        let from = match (&from, field) {
            (Some(raw), Corrected::Contact(_)) => {
                errors.take(normal(field, &at("from"), raw).map(Some))
            }
            _ => Some(None),
        };
        let to = match &to {
            Some(raw) => errors.take(normal(field, &at("to"), raw).map(Some)),
            None => Some(None),
        };
        match (field, &from, &to) {
            (Corrected::FirstName | Corrected::LastName, _, Some(None)) => {
                errors.push(FieldError::invalid(
                    at("to"),
                    "a name can be corrected, not deleted",
                ));
            }
            (Corrected::Contact(_), Some(None), Some(None)) => {
                errors.push(FieldError::invalid(
                    at("to"),
                    "is required when there is no value to delete",
                ));
            }
            (_, Some(from), Some(to)) => out.push(Correction {
                field,
                from: from.clone(),
                to: to.clone(),
            }),
            _ => {}
        }
    }
    errors.finish(|| Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(field: &str, from: Option<&str>, to: Option<&str>) -> CorrectionDraft {
        CorrectionDraft {
            field: Some(field.into()),
            from: from.map(Into::into),
            to: to.map(Into::into),
        }
    }

    // R17: corrected, deleted or completed; values in their stored form.
    #[test]
    fn r17_corrections_correct_delete_or_complete() {
        let parsed = parse_corrections(&[
            draft("phone", Some("040 123 4567"), Some("040 765 4321")),
            draft("email", Some("old@example.fi"), None),
            draft("website", None, Some("https://example.fi")),
            draft("last_name", None, Some("Virtanen")),
        ])
        .unwrap();
        assert_eq!(parsed[0].from.as_deref(), Some("+358401234567"));
        assert_eq!(parsed[0].to.as_deref(), Some("+358407654321"));
        assert_eq!(parsed[1].to, None);
        assert_eq!(parsed[2].from, None);
        assert_eq!(parsed[3].field, Corrected::LastName);
    }

    #[test]
    fn r17_bad_corrections_name_their_field() {
        let err = parse_corrections(&[
            draft("shoe_size", None, Some("44")),
            draft("first_name", None, None),
            draft("email", Some("not an email"), Some("a@example.fi")),
        ])
        .unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "corrections[0].field",
                "corrections[1].to",
                "corrections[2].from"
            ]
        );
        assert!(parse_corrections(&[]).is_err());
    }
}
