//! Restriction of processing (R18, GDPR 18): while a restriction is in
//! force — from its start until it is lifted — the person's data, or one
//! value of it, is only stored. It is left out of marketing lists, exports
//! and disclosures, search results for everyone but the privacy officer,
//! and analytics, and shown to staff as restricted.

use crate::error::{Errors, FieldError, Invalid};
use crate::ids::{PersonId, RestrictionId, UserId};
use crate::person::ContactKind;
use crate::time::Timestamp;
use crate::values::{
    Email, IpAddress, Name, Parse, Phone, Text, WebUrl, parse_field, parse_optional,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a restriction covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestrictionScope {
    /// Everything held on the person.
    Person,
    /// One contact value (for example an email whose accuracy is contested),
    /// in the stored normal form.
    Value { kind: ContactKind, value: String },
}

/// A restriction as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct RestrictionDraft {
    /// Why processing is restricted (for example "accuracy contested").
    #[schema(required = true, nullable = false)]
    pub reason: Option<String>,
    /// When it starts (RFC 3339); now when left out. Not in the past.
    pub starts_at: Option<String>,
    /// To restrict one value only: its kind (`email`, `phone`, `website`,
    /// `ip_address`, `postal_address`, `billing_address`) …
    pub value_kind: Option<String>,
    /// … and the value (for an address, its street line).
    pub value: Option<String>,
}

/// A validated restriction, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRestriction {
    pub scope: RestrictionScope,
    pub reason: Text,
    pub starts_at: Timestamp,
}

/// A value of `kind` in the form the register stores it, so that a
/// restriction of `040 123 4567` meets the stored `+358401234567`.
pub fn normal_value(kind: ContactKind, raw: &str) -> Result<String, String> {
    Ok(match kind {
        ContactKind::Email => Email::parse(raw)?.to_string(),
        ContactKind::Phone => Phone::parse(raw)?.to_string(),
        ContactKind::Website => WebUrl::parse(raw)?.to_string(),
        ContactKind::IpAddress => IpAddress::parse(raw)?.to_string(),
        ContactKind::PostalAddress | ContactKind::BillingAddress => Name::parse(raw)?.to_string(),
    })
}

impl RestrictionDraft {
    /// `now` is the clock's time: a start left out is now, and one in the
    /// past is refused (a restriction cannot have applied before it was
    /// recorded).
    pub fn parse(&self, now: Timestamp) -> Result<NewRestriction, Invalid> {
        let mut errors = Errors::new();
        let reason = errors.take(parse_field::<Text>(
            "reason",
            self.reason.as_deref().unwrap_or(""),
        ));
        let starts_at = errors
            .take(parse_optional::<Timestamp>(
                "starts_at",
                self.starts_at.as_deref(),
            ))
            .map(|s| s.unwrap_or(now));
        if let Some(s) = starts_at
            && s < now
        {
            errors.push(FieldError::invalid("starts_at", "must not be in the past"));
        }
        let kind = errors.take(parse_optional::<ContactKind>(
            "value_kind",
            self.value_kind.as_deref(),
        ));
        let value = self
            .value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let scope = match (kind, value) {
            (Some(None), None) => Some(RestrictionScope::Person),
            (Some(Some(kind)), Some(raw)) => errors.take(
                normal_value(kind, raw)
                    .map(|value| RestrictionScope::Value { kind, value })
                    .map_err(|m| FieldError::invalid("value", m)),
            ),
            (Some(Some(_)), None) => {
                errors.push(FieldError::invalid("value", "is required with value_kind"));
                None
            }
            (Some(None), Some(_)) => {
                errors.push(FieldError::invalid("value_kind", "is required with value"));
                None
            }
            (None, _) => None,
        };
        errors.finish(|| {
            Some(NewRestriction {
                scope: scope?,
                reason: reason?,
                starts_at: starts_at?,
            })
        })
    }
}

/// A stored restriction, in force or lifted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    pub id: RestrictionId,
    pub person_id: PersonId,
    pub scope: RestrictionScope,
    pub reason: String,
    pub starts_at: Timestamp,
    pub recorded_by: Option<UserId>,
    pub recorded_at: Timestamp,
    pub lifted_at: Option<Timestamp>,
    pub lifted_by: Option<UserId>,
    pub lift_reason: Option<String>,
}

impl Restriction {
    /// Started and not lifted.
    pub fn in_force(&self, at: Timestamp) -> bool {
        self.starts_at <= at && self.lifted_at.is_none_or(|lifted| lifted > at)
    }
}

/// Whether the whole person is restricted at `at`.
pub fn person_restricted(restrictions: &[Restriction], at: Timestamp) -> bool {
    restrictions
        .iter()
        .any(|r| r.in_force(at) && r.scope == RestrictionScope::Person)
}

/// Whether a value may be processed at `at`: neither the person nor the
/// value is restricted.
pub fn value_restricted(
    restrictions: &[Restriction],
    kind: ContactKind,
    value: &str,
    at: Timestamp,
) -> bool {
    restrictions.iter().any(|r| {
        r.in_force(at)
            && match &r.scope {
                RestrictionScope::Person => true,
                RestrictionScope::Value { kind: k, value: v } => *k == kind && v == value,
            }
    })
}

/// The person without the values restricted at `at` (R18): what may
/// leave in an export.
pub fn without_restricted_values(
    mut person: crate::person::Person,
    restrictions: &[Restriction],
    at: Timestamp,
) -> crate::person::Person {
    let keep = |kind: ContactKind, value: &str| !value_restricted(restrictions, kind, value, at);
    person.emails.retain(|v| keep(ContactKind::Email, &v.value));
    person.phones.retain(|v| keep(ContactKind::Phone, &v.value));
    person
        .websites
        .retain(|v| keep(ContactKind::Website, &v.value));
    person
        .ip_addresses
        .retain(|v| keep(ContactKind::IpAddress, &v.value));
    person.addresses.retain(|a| {
        let kind = if a.kind == "billing" {
            ContactKind::BillingAddress
        } else {
            ContactKind::PostalAddress
        };
        keep(kind, &a.street)
    });
    person
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_micros(1_800_000_000_000_000 + s * 1_000_000)
    }

    fn stored(scope: RestrictionScope, starts: i64, lifted: Option<i64>) -> Restriction {
        Restriction {
            id: RestrictionId::new(at(0)),
            person_id: PersonId::new(at(0)),
            scope,
            reason: "accuracy contested".into(),
            starts_at: at(starts),
            recorded_by: None,
            recorded_at: at(0),
            lifted_at: lifted.map(at),
            lifted_by: None,
            lift_reason: None,
        }
    }

    #[test]
    fn r18_a_restriction_is_in_force_from_its_start_until_lifted() {
        let r = stored(RestrictionScope::Person, 10, Some(20));
        assert!(!r.in_force(at(9)));
        assert!(r.in_force(at(10)));
        assert!(r.in_force(at(19)));
        assert!(!r.in_force(at(20)));
        let all = [r];
        assert!(person_restricted(&all, at(15)));
        assert!(!person_restricted(&all, at(25)));
    }

    #[test]
    fn r18_a_restricted_value_restricts_that_value_only() {
        let email = RestrictionScope::Value {
            kind: ContactKind::Email,
            value: "a@example.fi".into(),
        };
        let all = [stored(email, 0, None)];
        assert!(!person_restricted(&all, at(1)));
        assert!(value_restricted(
            &all,
            ContactKind::Email,
            "a@example.fi",
            at(1)
        ));
        assert!(!value_restricted(
            &all,
            ContactKind::Email,
            "b@example.fi",
            at(1)
        ));
        assert!(!value_restricted(
            &all,
            ContactKind::Phone,
            "a@example.fi",
            at(1)
        ));
        let whole = [stored(RestrictionScope::Person, 0, None)];
        assert!(value_restricted(
            &whole,
            ContactKind::Phone,
            "+358401234567",
            at(1)
        ));
    }

    #[test]
    fn r18_a_draft_needs_a_reason_and_normalises_the_value() {
        let now = at(100);
        let draft = RestrictionDraft {
            reason: Some("accuracy contested".into()),
            value_kind: Some("phone".into()),
            value: Some("040 123 4567".into()),
            ..Default::default()
        };
        let new = draft.parse(now).unwrap();
        assert_eq!(new.starts_at, now);
        assert_eq!(
            new.scope,
            RestrictionScope::Value {
                kind: ContactKind::Phone,
                value: "+358401234567".into()
            }
        );
        let errors = RestrictionDraft {
            value_kind: Some("email".into()),
            starts_at: Some("2020-01-01T00:00:00Z".into()),
            ..Default::default()
        }
        .parse(now)
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["reason", "starts_at", "value"]);
    }
}
