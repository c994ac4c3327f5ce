//! Erasure and anonymisation (R8, R19, R21): what holds an erasure, the
//! tombstone that keeps an erased person from being re-imported by
//! mistake, and what anonymisation replaces and keeps.
//!
//! Holds: an open invoice or one in debt collection (R8), an active
//! organisation contact role (R19). The legal retention duty of the
//! accounting law is no hold: it keeps the invoices, with their amounts,
//! dates and numbers and without the person (the store sets their person to
//! nothing), so the erasure itself can run.
//!
//! Anonymisation replaces what identifies (names, title, contact values,
//! street and city, free text) and keeps what statistics need: the country,
//! the postal-code area (a Finnish code's first two digits, `70100` →
//! `70000`; a foreign code is dropped, its formats are too varied to coarsen
//! safely), the relationship's dates, and the orders and invoices with their
//! amounts (still linked to the anonymous record).

use crate::ids::{InvoiceId, LegalHoldId, OrganisationId};
use crate::provenance::Source;
use crate::time::Date;
use crate::values::Email;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use utoipa::ToSchema;

/// What prevents an erasure now; the erasure waits until it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Hold {
    /// An invoice not yet paid (R8).
    OpenInvoice {
        invoice_id: InvoiceId,
        number: String,
        due_on: Date,
    },
    /// An invoice passed to debt collection (R8).
    DebtCollection {
        invoice_id: InvoiceId,
        number: String,
    },
    /// The person is an organisation's contact person (R19), until the
    /// link's end date (none: until the link is ended).
    OrganisationContact {
        organisation_id: OrganisationId,
        organisation_name: String,
        until: Option<Date>,
    },
    /// A legal hold the privacy officer placed (the notice's "unless law
    /// prevents it"): a dispute, an authority's order, a claim. Until its
    /// end (none: until the officer ends it).
    LegalHold {
        hold_id: LegalHoldId,
        reason: String,
        reference: String,
        until: Option<Date>,
    },
}

impl Hold {
    /// The stable code the API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            Self::OpenInvoice { .. } => "open_invoice",
            Self::DebtCollection { .. } => "debt_collection",
            Self::OrganisationContact { .. } => "organisation_contact",
            Self::LegalHold { .. } => "legal_hold",
        }
    }

    /// The hold in words (English; the web translates by code).
    pub fn message(&self) -> String {
        match self {
            Self::OpenInvoice { number, due_on, .. } => format!(
                "invoice {number} (due {due_on}) is open: the person cannot be erased until it is paid or credited (R8)"
            ),
            Self::DebtCollection { number, .. } => format!(
                "invoice {number} is in debt collection: the person cannot be erased until it is settled (R8)"
            ),
            Self::OrganisationContact {
                organisation_name,
                until,
                ..
            } => match until {
                Some(until) => format!(
                    "the person is the contact person of {organisation_name} until {until}: they cannot be erased while the role lasts (R19)"
                ),
                None => format!(
                    "the person is the contact person of {organisation_name}: they cannot be erased until the role is ended (R19)"
                ),
            },
            Self::LegalHold {
                reason,
                reference,
                until,
                ..
            } => match until {
                Some(until) => format!(
                    "a legal hold ({reason}; {reference}) keeps the person's data until {until}"
                ),
                None => format!(
                    "a legal hold ({reason}; {reference}) keeps the person's data until the privacy officer ends it"
                ),
            },
        }
    }
}

/// An invoice of the person, as far as holds go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceStanding {
    pub id: InvoiceId,
    pub number: String,
    pub status: crate::billing::InvoiceStatus,
    pub due_on: Date,
}

/// A link of the person to an organisation, as far as holds go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRole {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub is_contact_person: bool,
    pub started_on: Option<Date>,
    pub ended_on: Option<Date>,
}

/// Every hold on an erasure `today`: open invoices, debt collection (R8),
/// active contact roles (R19). None: the person may be erased.
pub fn holds(invoices: &[InvoiceStanding], roles: &[ContactRole], today: Date) -> Vec<Hold> {
    use crate::billing::InvoiceStatus;
    let mut held: Vec<Hold> = invoices
        .iter()
        .filter(|i| i.status.holds_erasure())
        .map(|i| match i.status {
            InvoiceStatus::DebtCollection => Hold::DebtCollection {
                invoice_id: i.id,
                number: i.number.clone(),
            },
            _ => Hold::OpenInvoice {
                invoice_id: i.id,
                number: i.number.clone(),
                due_on: i.due_on,
            },
        })
        .collect();
    held.extend(
        roles
            .iter()
            .filter(|r| {
                crate::organisation::is_active_contact(
                    r.is_contact_person,
                    r.started_on,
                    r.ended_on,
                    today,
                )
            })
            .map(|r| Hold::OrganisationContact {
                organisation_id: r.organisation_id,
                organisation_name: r.organisation_name.clone(),
                until: r.ended_on,
            }),
    );
    held
}

/// The codes of holds, comma-separated, as a scheduled erasure stores them
/// (codes only: no invoice number or organisation, nothing about the person).
pub fn hold_codes(holds: &[Hold]) -> String {
    let mut codes: Vec<&str> = holds.iter().map(Hold::code).collect();
    codes.sort_unstable();
    codes.dedup();
    codes.join(",")
}

/// The register's secret for tombstones: 32 random bytes, made once.
#[derive(Clone, PartialEq, Eq)]
pub struct TombstoneKey([u8; 32]);

impl std::fmt::Debug for TombstoneKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TombstoneKey(…)")
    }
}

impl TombstoneKey {
    pub fn generate() -> Self {
        Self(rand::random())
    }

    pub fn from_hex(raw: &str) -> Option<Self> {
        let bytes = hex::decode(raw.trim()).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The tombstone of an email address: HMAC-SHA256 over its normal form
    /// lower-cased whole (the domain is already; the local part too, since
    /// mail systems treat it so in practice and a re-import may differ in
    /// case only). Without the key, the hash cannot be tested against a
    /// list of guessed addresses.
    pub fn tombstone(&self, email: &Email) -> Tombstone {
        // HMAC takes a key of any length: this cannot fail.
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0) else {
            return Tombstone(String::new());
        };
        mac.update(email.as_str().to_lowercase().as_bytes());
        Tombstone(hex::encode(mac.finalize().into_bytes()))
    }
}

/// The keyed hash of an erased person's email address (hex).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tombstone(String);

impl Tombstone {
    /// A tombstone as stored or journaled (its hex).
    pub fn from_stored(hex: &str) -> Self {
        Self(hex.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a tombstone refuses a new person from this source. A new
/// registration by the person themself is their own choice and is
/// allowed; every other source (an import, a partner's system, staff
/// typing an old list in) is refused, so an erased person does not come
/// back by mistake.
pub fn tombstone_refuses(source: Source) -> bool {
    source != Source::Registration
}

/// What anonymisation writes over names, streets and cities.
pub const ANONYMISED: &str = "Anonymised";

/// The postal-code area anonymisation keeps: for Finland the first two
/// digits (the postal district, `70100` → `70000`); elsewhere none.
pub fn postal_area(postal_code: &str, country: &str) -> Option<String> {
    let digits: String = postal_code.chars().take(2).collect();
    (country.eq_ignore_ascii_case("FI")
        && digits.len() == 2
        && digits.chars().all(|c| c.is_ascii_digit()))
    .then(|| format!("{digits}000"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::InvoiceStatus;
    use crate::values::Parse;

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn at() -> crate::Timestamp {
        crate::Timestamp::from_micros(1_800_000_000_000_000)
    }

    fn invoice(number: &str, status: InvoiceStatus) -> InvoiceStanding {
        InvoiceStanding {
            id: InvoiceId::new(at()),
            number: number.into(),
            status,
            due_on: date("2026-12-04"),
        }
    }

    fn role(contact: bool, ended_on: Option<&str>) -> ContactRole {
        ContactRole {
            organisation_id: OrganisationId::new(at()),
            organisation_name: "Asiakas Oy".into(),
            is_contact_person: contact,
            started_on: None,
            ended_on: ended_on.map(date),
        }
    }

    #[test]
    fn r8_open_invoices_and_debt_collection_hold_paid_and_credited_do_not() {
        let today = date("2026-11-24");
        let invoices = [
            invoice("L-1", InvoiceStatus::Open),
            invoice("L-2", InvoiceStatus::Paid),
            invoice("L-3", InvoiceStatus::DebtCollection),
            invoice("L-4", InvoiceStatus::Credited),
        ];
        let held = holds(&invoices, &[], today);
        let codes: Vec<&str> = held.iter().map(Hold::code).collect();
        assert_eq!(codes, ["open_invoice", "debt_collection"]);
        assert!(held[0].message().contains("L-1"), "{}", held[0].message());
        assert!(held[0].message().contains("2026-12-04"));
        assert!(held[1].message().contains("L-3"));
        assert_eq!(hold_codes(&held), "debt_collection,open_invoice");
        assert!(holds(&invoices[1..2], &[], today).is_empty());
    }

    #[test]
    fn r19_an_active_contact_role_holds_until_it_ends() {
        let roles = [
            role(true, Some("2026-12-31")),
            role(false, None),
            role(true, Some("2026-01-01")),
        ];
        let held = holds(&[], &roles, date("2026-11-24"));
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].code(), "organisation_contact");
        assert!(held[0].message().contains("Asiakas Oy"));
        assert!(held[0].message().contains("2026-12-31"));
        // The last day of the role still holds; the day after does not.
        assert_eq!(holds(&[], &roles, date("2026-12-31")).len(), 1);
        assert!(holds(&[], &roles, date("2027-01-01")).is_empty());
    }

    #[test]
    fn r8_a_hold_answers_with_its_code_and_details() {
        let held = holds(
            &[invoice("L-9", InvoiceStatus::Open)],
            &[],
            date("2026-11-24"),
        );
        let json = serde_json::to_value(&held[0]).unwrap();
        assert_eq!(json["code"], "open_invoice");
        assert_eq!(json["number"], "L-9");
        assert_eq!(json["due_on"], "2026-12-04");
    }

    #[test]
    fn r8_tombstones_are_keyed_and_ignore_case() {
        let key = TombstoneKey::generate();
        let a = key.tombstone(&Email::parse("Annika.Kettunen@Mediateko.FI").unwrap());
        let b = key.tombstone(&Email::parse(" annika.kettunen@mediateko.fi").unwrap());
        assert_eq!(a, b);
        assert_eq!(a.as_str().len(), 64);
        assert!(!a.as_str().contains("annika"));
        let other = key.tombstone(&Email::parse("matti@mediateko.fi").unwrap());
        assert_ne!(a, other);
        let another_key = TombstoneKey::generate();
        assert_ne!(
            another_key.tombstone(&Email::parse("annika.kettunen@mediateko.fi").unwrap()),
            a,
            "the hash depends on the register's key"
        );
        let again = TombstoneKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(
            again.tombstone(&Email::parse("annika.kettunen@mediateko.fi").unwrap()),
            a
        );
        assert!(TombstoneKey::from_hex("abcd").is_none());
        assert!(!format!("{key:?}").contains(&key.to_hex()));
    }

    #[test]
    fn r8_only_the_persons_own_registration_passes_a_tombstone() {
        for source in Source::ALL {
            assert_eq!(
                tombstone_refuses(*source),
                *source != Source::Registration,
                "{source}"
            );
        }
    }

    #[test]
    fn r21_anonymisation_keeps_the_postal_district_only() {
        assert_eq!(postal_area("70100", "FI").as_deref(), Some("70000"));
        assert_eq!(postal_area("00100", "fi").as_deref(), Some("00000"));
        assert_eq!(postal_area("SW1A 1AA", "GB"), None);
        assert_eq!(postal_area("", "FI"), None);
    }
}
