//! Recipients and processors (R4, R7): who the register's data may be
//! passed to, in which country, and — outside the EU/EEA — under which
//! recorded safeguard (an adequacy decision or standard contractual
//! clauses, with its date). A recipient outside the EU/EEA may be
//! registered without one (the register of processors lists it), but it
//! receives nothing until one is recorded and in force.

use crate::error::{Errors, FieldError, Invalid};
use crate::ids::{RecipientId, UserId};
use crate::provenance::code_enum;
use crate::time::{Date, Timestamp};
use crate::values::{Country, Name, Text, parse_field, parse_optional};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// What the recipient is to the company.
    RecipientRole {
        /// Processes the data on the company's behalf (GDPR 28).
        Processor = "processor",
        /// A controller of its own (a credit bureau, a debt collector).
        IndependentRecipient = "independent_recipient",
        /// A public authority receiving data under a duty of law.
        Authority = "authority",
    }
);

code_enum!(
    /// What makes a transfer outside the EU/EEA lawful (GDPR 45, 46).
    Safeguard {
        /// The Commission decided the country's protection is adequate.
        AdequacyDecision = "adequacy_decision",
        /// The Commission's standard contractual clauses are signed.
        StandardContractualClauses = "standard_contractual_clauses",
    }
);

/// The EU's 27 member states and the EEA's Iceland, Liechtenstein and
/// Norway (ISO 3166-1 alpha-2; Greece is `GR`).
pub const EEA_COUNTRIES: [&str; 30] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

/// Whether the country (an ISO code) is in the EU/EEA.
pub fn in_eea(country: &str) -> bool {
    EEA_COUNTRIES.contains(&country.trim().to_ascii_uppercase().as_str())
}

/// A recipient as a client sends it, to create or to replace (PUT).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct RecipientDraft {
    #[schema(required = true, nullable = false)]
    pub name: Option<String>,
    /// `processor`, `independent_recipient` or `authority`.
    #[schema(required = true, nullable = false)]
    pub role: Option<String>,
    /// ISO 3166-1 alpha-2 (`FI`, `US`).
    #[schema(required = true, nullable = false)]
    pub country: Option<String>,
    /// Outside the EU/EEA: `adequacy_decision` or `standard_contractual_clauses`.
    pub safeguard: Option<String>,
    /// The date of the decision or of the signed clauses; with `safeguard`.
    pub safeguard_on: Option<String>,
    /// Which decision, which clauses (`SCC 2021/914, module 2`).
    pub safeguard_detail: Option<String>,
    /// What the recipient does with the data.
    pub description: Option<String>,
    /// Where notices of rectification and erasure go (Art. 19); without
    /// one they are printable letters.
    pub notice_email: Option<String>,
}

/// A recorded transfer safeguard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedSafeguard {
    pub kind: Safeguard,
    pub on: Date,
    pub detail: Option<Text>,
}

/// A validated recipient, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecipient {
    pub name: Name,
    pub role: RecipientRole,
    pub country: Country,
    pub safeguard: Option<RecordedSafeguard>,
    pub description: Option<Text>,
    pub notice_email: Option<crate::values::Email>,
}

fn bounded(field: &str, raw: Option<&str>, max: usize) -> Result<Option<Text>, FieldError> {
    let text = parse_optional::<Text>(field, raw)?;
    match text {
        Some(t) if t.as_str().chars().count() > max => Err(FieldError::too_long(field, max)),
        other => Ok(other),
    }
}

impl RecipientDraft {
    pub fn parse(&self) -> Result<NewRecipient, Invalid> {
        let mut errors = Errors::new();
        let name = errors.take(parse_field::<Name>(
            "name",
            self.name.as_deref().unwrap_or(""),
        ));
        let role = errors.take(parse_field::<RecipientRole>(
            "role",
            self.role.as_deref().unwrap_or(""),
        ));
        let country = errors.take(parse_field::<Country>(
            "country",
            self.country.as_deref().unwrap_or(""),
        ));
        let kind = errors.take(parse_optional::<Safeguard>(
            "safeguard",
            self.safeguard.as_deref(),
        ));
        let on = errors.take(parse_optional::<Date>(
            "safeguard_on",
            self.safeguard_on.as_deref(),
        ));
        let detail = errors.take(bounded(
            "safeguard_detail",
            self.safeguard_detail.as_deref(),
            500,
        ));
        let description = errors.take(bounded("description", self.description.as_deref(), 2000));
        let notice_email = errors.take(parse_optional::<crate::values::Email>(
            "notice_email",
            self.notice_email.as_deref(),
        ));
        let safeguard = match (kind, on) {
            (Some(Some(kind)), Some(Some(on))) => Some(Some(RecordedSafeguard {
                kind,
                on,
                detail: detail.clone().flatten(),
            })),
            (Some(None), Some(None)) => {
                if detail.as_ref().is_some_and(Option::is_some) {
                    errors.push(FieldError::invalid(
                        "safeguard",
                        "is required with safeguard_detail",
                    ));
                    None
                } else {
                    Some(None)
                }
            }
            (Some(Some(_)), Some(None)) => {
                errors.push(FieldError::invalid(
                    "safeguard_on",
                    "is required with safeguard: the date of the decision or of the signed clauses",
                ));
                None
            }
            (Some(None), Some(Some(_))) => {
                errors.push(FieldError::invalid(
                    "safeguard",
                    "is required with safeguard_on",
                ));
                None
            }
            _ => None,
        };
        errors.finish(|| {
            Some(NewRecipient {
                name: name?,
                role: role?,
                country: country?,
                safeguard: safeguard?,
                description: description?,
                notice_email: notice_email?,
            })
        })
    }
}

/// A recipient as the register holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Recipient {
    pub id: RecipientId,
    /// Increases with every change; sent as the ETag.
    pub version: i64,
    pub name: String,
    pub role: RecipientRole,
    pub country: String,
    /// Whether the country is in the EU/EEA (then no safeguard is needed).
    pub in_eea: bool,
    pub safeguard: Option<Safeguard>,
    pub safeguard_on: Option<Date>,
    pub safeguard_detail: Option<String>,
    pub description: Option<String>,
    pub notice_email: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub created_by: Option<UserId>,
    pub updated_by: Option<UserId>,
    /// When it was retired: it stays for the disclosure log, receives nothing.
    pub retired_at: Option<Timestamp>,
}

/// Why no data may go to a recipient now: a stable code, and the reason
/// in words naming the recipient's country and what is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `recipient_retired`, `no_safeguard` or `safeguard_not_in_force`.
    pub code: &'static str,
    pub message: String,
}

impl Recipient {
    /// May data be sent to this recipient today (R7)? Not when it is
    /// retired; outside the EU/EEA only under a safeguard dated today or
    /// earlier.
    pub fn may_receive(&self, today: Date) -> Result<(), Refusal> {
        if self.retired_at.is_some() {
            return Err(Refusal {
                code: "recipient_retired",
                message: format!(
                    "the recipient {} is retired and receives no data",
                    self.name
                ),
            });
        }
        if self.in_eea {
            return Ok(());
        }
        match (self.safeguard, self.safeguard_on) {
            (Some(_), Some(on)) if on <= today => Ok(()),
            (Some(kind), Some(on)) => Err(Refusal {
                code: "safeguard_not_in_force",
                message: format!(
                    "the recipient {} is in {}, outside the EU/EEA, and its safeguard ({kind}) takes effect only on {on}: \
                     no data may go to it before then (R7)",
                    self.name, self.country
                ),
            }),
            _ => Err(Refusal {
                code: "no_safeguard",
                message: format!(
                    "the recipient {} is in {}, outside the EU/EEA, and no safeguard is recorded for it: \
                     record an adequacy decision or standard contractual clauses, with their date, \
                     before any data may go to it (R7)",
                    self.name, self.country
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Parse;

    fn draft(country: &str) -> RecipientDraft {
        RecipientDraft {
            name: Some("Pilvipalvelu Inc".into()),
            role: Some("processor".into()),
            country: Some(country.into()),
            ..Default::default()
        }
    }

    fn stored(new: NewRecipient) -> Recipient {
        let at = Timestamp::from_micros(1_800_000_000_000_000);
        Recipient {
            id: RecipientId::new(at),
            version: 1,
            name: new.name.to_string(),
            role: new.role,
            in_eea: in_eea(new.country.as_str()),
            country: new.country.to_string(),
            safeguard: new.safeguard.as_ref().map(|s| s.kind),
            safeguard_on: new.safeguard.as_ref().map(|s| s.on),
            safeguard_detail: None,
            description: None,
            notice_email: None,
            created_at: at,
            updated_at: at,
            created_by: None,
            updated_by: None,
            retired_at: None,
        }
    }

    fn day(raw: &str) -> Date {
        Date::parse(raw).unwrap()
    }

    #[test]
    fn r7_the_eea_is_the_eu_27_and_iceland_liechtenstein_norway() {
        assert_eq!(EEA_COUNTRIES.len(), 30);
        for c in ["FI", "SE", "DE", "GR", "IS", "LI", "NO", "fi"] {
            assert!(in_eea(c), "{c}");
        }
        for c in ["US", "GB", "CH", "IN", "EL", "UK"] {
            assert!(!in_eea(c), "{c}");
        }
    }

    #[test]
    fn r7_outside_the_eea_without_a_safeguard_nothing_may_be_received() {
        let today = day("2026-11-24");
        let us = stored(draft("us").parse().unwrap());
        let refusal = us.may_receive(today).unwrap_err();
        assert_eq!(refusal.code, "no_safeguard");
        assert!(refusal.message.contains("US"), "{}", refusal.message);
        assert!(
            refusal.message.contains("standard contractual clauses"),
            "{}",
            refusal.message
        );
        let fi = stored(draft("FI").parse().unwrap());
        assert_eq!(fi.may_receive(today), Ok(()));
    }

    #[test]
    fn r7_a_safeguard_counts_from_its_date() {
        let today = day("2026-11-24");
        let mut d = draft("US");
        d.safeguard = Some("standard_contractual_clauses".into());
        d.safeguard_on = Some("2026-11-25".into());
        let future = stored(d.parse().unwrap());
        let refusal = future.may_receive(today).unwrap_err();
        assert_eq!(refusal.code, "safeguard_not_in_force");
        assert!(
            refusal.message.contains("2026-11-25"),
            "{}",
            refusal.message
        );
        assert_eq!(future.may_receive(day("2026-11-25")), Ok(()));
        d.safeguard_on = Some("2026-11-24".into());
        assert_eq!(stored(d.parse().unwrap()).may_receive(today), Ok(()));
    }

    #[test]
    fn r7_a_retired_recipient_receives_nothing() {
        let mut fi = stored(draft("FI").parse().unwrap());
        fi.retired_at = Some(fi.created_at);
        assert_eq!(
            fi.may_receive(day("2026-11-24")).unwrap_err().code,
            "recipient_retired"
        );
    }

    #[test]
    fn r7_a_safeguard_and_its_date_come_together() {
        let mut d = draft("US");
        d.safeguard = Some("adequacy_decision".into());
        let fields = |d: &RecipientDraft| -> Vec<String> {
            d.parse()
                .unwrap_err()
                .0
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(fields(&d), ["safeguard_on"]);
        d.safeguard = None;
        d.safeguard_on = Some("2023-07-10".into());
        assert_eq!(fields(&d), ["safeguard"]);
        d.safeguard = Some("adequacy_decision".into());
        let new = d.parse().unwrap();
        assert_eq!(new.safeguard.unwrap().kind, Safeguard::AdequacyDecision);
        // The register of processors may list one without a safeguard.
        assert!(draft("US").parse().unwrap().safeguard.is_none());
    }

    #[test]
    fn r4_a_recipient_needs_a_name_a_role_and_a_country() {
        let Invalid(errors) = RecipientDraft {
            role: Some("friend".into()),
            country: Some("Suomi".into()),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "role", "country"]);
    }
}
