//! People: the data subjects of the register (R3), each value with its source (R5).

use crate::error::{Errors, FieldError, Invalid};
use crate::ids::{ContactId, PersonId};
use crate::provenance::{Provenance, Source, code_enum};
use crate::time::{Date, Timestamp};
use crate::values::{
    Country, Email, ForeignPostalCode, IpAddress, Name, Parse, Phone, PostalCode, WebUrl,
    parse_field, parse_optional,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// Kinds of contact value a person has; each stored value has its own source.
    ContactKind {
        Email = "email",
        Phone = "phone",
        Website = "website",
        IpAddress = "ip_address",
        PostalAddress = "postal_address",
        BillingAddress = "billing_address",
    }
);

/// An address as typed by a client.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct AddressDraft {
    /// `postal` (default) or `billing`.
    pub kind: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2; default `FI`, whose postal codes are five digits.
    pub country: Option<String>,
}

/// A validated postal or billing address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub billing: bool,
    pub street: Name,
    pub postal_code: String,
    pub city: Name,
    pub country: Country,
}

impl AddressDraft {
    pub fn parse(&self, at: &str) -> Result<Address, Invalid> {
        let mut errors = Errors::new();
        let billing = match self.kind.as_deref().map(str::trim) {
            None | Some("") | Some("postal") => Some(false),
            Some("billing") => Some(true),
            Some(_) => {
                errors.push(FieldError::invalid(
                    format!("{at}.kind"),
                    "must be postal or billing",
                ));
                None
            }
        };
        let street = errors.take(parse_field::<Name>(
            &format!("{at}.street"),
            self.street.as_deref().unwrap_or(""),
        ));
        let city = errors.take(parse_field::<Name>(
            &format!("{at}.city"),
            self.city.as_deref().unwrap_or(""),
        ));
        let country = errors.take(
            parse_optional::<Country>(&format!("{at}.country"), self.country.as_deref())
                .map(|c| c.unwrap_or_else(Country::finland)),
        );
        let code_field = format!("{at}.postal_code");
        let raw_code = self.postal_code.as_deref().unwrap_or("");
        let postal_code = match &country {
            Some(c) if c.is_finland() => {
                errors.take(parse_field::<PostalCode>(&code_field, raw_code).map(|p| p.to_string()))
            }
            Some(_) => errors.take(
                parse_field::<ForeignPostalCode>(&code_field, raw_code).map(|p| p.to_string()),
            ),
            None => None,
        };
        errors.finish(|| {
            Some(Address {
                billing: billing?,
                street: street?,
                postal_code: postal_code?,
                city: city?,
                country: country?,
            })
        })
    }
}

/// A person as a client sends it, to create or to replace (PUT). Every field
/// is raw text, so that a bad one is named in the error.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct PersonDraft {
    #[schema(required = true, nullable = false)]
    pub first_name: Option<String>,
    #[schema(required = true, nullable = false)]
    pub last_name: Option<String>,
    /// Title in the company they work for.
    pub title: Option<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    /// Written any common way; stored in E.164, Finnish by default.
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub websites: Vec<String>,
    #[serde(default)]
    pub ip_addresses: Vec<String>,
    #[serde(default)]
    pub addresses: Vec<AddressDraft>,
    /// When the customer relationship began.
    pub relationship_started_on: Option<String>,
    /// When it ended; retention (R9) counts from this date.
    pub relationship_ended_on: Option<String>,
    /// Where the values in this request came from (R5); default `staff_entry`.
    pub source: Option<String>,
    pub source_detail: Option<String>,
}

/// One contact value of a person, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactValue {
    Email(Email),
    Phone(Phone),
    Website(WebUrl),
    IpAddress(IpAddress),
    Address(Address),
}

impl ContactValue {
    pub fn kind(&self) -> ContactKind {
        match self {
            Self::Email(_) => ContactKind::Email,
            Self::Phone(_) => ContactKind::Phone,
            Self::Website(_) => ContactKind::Website,
            Self::IpAddress(_) => ContactKind::IpAddress,
            Self::Address(a) if a.billing => ContactKind::BillingAddress,
            Self::Address(_) => ContactKind::PostalAddress,
        }
    }

    /// The main text of the value: the address itself, or the street line.
    pub fn value(&self) -> &str {
        match self {
            Self::Email(v) => v.as_str(),
            Self::Phone(v) => v.as_str(),
            Self::Website(v) => v.as_str(),
            Self::IpAddress(v) => v.as_str(),
            Self::Address(a) => a.street.as_str(),
        }
    }
}

/// A person ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    pub first_name: Name,
    pub last_name: Name,
    pub title: Option<Name>,
    pub contacts: Vec<ContactValue>,
    pub relationship_started_on: Option<Date>,
    pub relationship_ended_on: Option<Date>,
    pub source: Source,
    pub source_detail: Option<String>,
}

/// Parses the source of a request; absent means the staff typed it in.
pub fn parse_source(
    raw: Option<&str>,
    detail: Option<&str>,
) -> Result<(Source, Option<String>), FieldError> {
    let source = parse_optional::<Source>("source", raw)?.unwrap_or(Source::StaffEntry);
    let detail = match detail.map(str::trim) {
        None | Some("") => None,
        Some(d) if d.chars().count() > 500 => {
            return Err(FieldError::too_long("source_detail", 500));
        }
        Some(d) => Some(d.to_string()),
    };
    Ok((source, detail))
}

/// The most values of one kind a person has (emails, phones, websites,
/// IP addresses; addresses): more is a mistake or an attack, not a person.
pub const MAX_VALUES: usize = 20;

/// The list's field error when it is longer than [`MAX_VALUES`].
fn too_many(field: &str, count: usize) -> Option<FieldError> {
    (count > MAX_VALUES)
        .then(|| FieldError::invalid(field, format!("must have at most {MAX_VALUES} values")))
}

fn parse_list<T: Parse>(
    errors: &mut Errors,
    field: &str,
    raws: &[String],
    wrap: fn(T) -> ContactValue,
    out: &mut Vec<ContactValue>,
) {
    if let Some(error) = too_many(field, raws.len()) {
        errors.push(error);
        return;
    }
    for (i, raw) in raws.iter().enumerate() {
        if let Some(v) = errors.take(parse_field::<T>(&format!("{field}[{i}]"), raw)) {
            let v = wrap(v);
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
}

impl PersonDraft {
    pub fn parse(&self) -> Result<NewPerson, Invalid> {
        let mut errors = Errors::new();
        let first_name = errors.take(parse_field::<Name>(
            "first_name",
            self.first_name.as_deref().unwrap_or(""),
        ));
        let last_name = errors.take(parse_field::<Name>(
            "last_name",
            self.last_name.as_deref().unwrap_or(""),
        ));
        let title = errors.take(parse_optional::<Name>("title", self.title.as_deref()));
        let mut contacts = Vec::new();
        parse_list(
            &mut errors,
            "emails",
            &self.emails,
            ContactValue::Email,
            &mut contacts,
        );
        parse_list(
            &mut errors,
            "phones",
            &self.phones,
            ContactValue::Phone,
            &mut contacts,
        );
        parse_list(
            &mut errors,
            "websites",
            &self.websites,
            ContactValue::Website,
            &mut contacts,
        );
        parse_list(
            &mut errors,
            "ip_addresses",
            &self.ip_addresses,
            ContactValue::IpAddress,
            &mut contacts,
        );
        if let Some(error) = too_many("addresses", self.addresses.len()) {
            errors.push(error);
        }
        for (i, draft) in self.addresses.iter().take(MAX_VALUES).enumerate() {
            match draft.parse(&format!("addresses[{i}]")) {
                Ok(a) => contacts.push(ContactValue::Address(a)),
                Err(Invalid(es)) => es.into_iter().for_each(|e| errors.push(e)),
            }
        }
        let started = errors.take(parse_optional::<Date>(
            "relationship_started_on",
            self.relationship_started_on.as_deref(),
        ));
        let ended = errors.take(parse_optional::<Date>(
            "relationship_ended_on",
            self.relationship_ended_on.as_deref(),
        ));
        if let (Some(Some(s)), Some(Some(e))) = (started, ended)
            && e < s
        {
            errors.push(FieldError::invalid(
                "relationship_ended_on",
                "must not be before relationship_started_on",
            ));
        }
        let source = errors.take(parse_source(
            self.source.as_deref(),
            self.source_detail.as_deref(),
        ));
        errors.finish(|| {
            let (source, source_detail) = source?;
            Some(NewPerson {
                first_name: first_name?,
                last_name: last_name?,
                title: title?,
                contacts,
                relationship_started_on: started?,
                relationship_ended_on: ended?,
                source,
                source_detail,
            })
        })
    }
}

/// A contact value as stored, with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SourcedValue {
    pub id: ContactId,
    pub value: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// An address as stored, with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SourcedAddress {
    pub id: ContactId,
    /// `postal` or `billing`.
    pub kind: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// A person as the register holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Person {
    pub id: PersonId,
    /// Increases with every change; sent as the ETag.
    pub version: i64,
    pub first_name: String,
    pub last_name: String,
    /// Source of the name.
    pub name_source: Provenance,
    pub title: Option<String>,
    pub title_source: Option<Provenance>,
    pub emails: Vec<SourcedValue>,
    pub phones: Vec<SourcedValue>,
    pub websites: Vec<SourcedValue>,
    pub ip_addresses: Vec<SourcedValue>,
    pub addresses: Vec<SourcedAddress>,
    pub relationship_started_on: Option<Date>,
    pub relationship_ended_on: Option<Date>,
    /// Why it ended, in the words of who recorded it (R9).
    #[serde(default)]
    pub relationship_end_reason: Option<String>,
    /// Whether the person's processing is restricted now (R18): the data
    /// is only stored, and staff see the person marked.
    pub restricted: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Person {
    /// What financial administration needs (R4): the name and billing
    /// addresses, nothing else.
    pub fn billing_view(mut self) -> Self {
        self.title = None;
        self.title_source = None;
        self.emails.clear();
        self.phones.clear();
        self.websites.clear();
        self.ip_addresses.clear();
        self.addresses.retain(|a| a.kind == "billing");
        self.relationship_end_reason = None;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> PersonDraft {
        PersonDraft {
            first_name: Some("Matti".into()),
            last_name: Some("Virtanen".into()),
            emails: vec!["matti@example.fi".into()],
            phones: vec!["040 123 4567".into()],
            addresses: vec![AddressDraft {
                street: Some("Kauppakatu 12".into()),
                postal_code: Some("70100".into()),
                city: Some("Kuopio".into()),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn r3_person_draft_parses_into_normal_forms() {
        let p = draft().parse().unwrap();
        assert_eq!(p.source, Source::StaffEntry);
        assert_eq!(
            p.contacts[1],
            ContactValue::Phone(Phone::parse("+358401234567").unwrap())
        );
        assert_eq!(p.contacts[2].kind(), ContactKind::PostalAddress);
    }

    #[test]
    fn r3_every_bad_field_is_named() {
        let mut d = draft();
        d.emails.push("not-an-email".into());
        d.phones = vec!["12".into()];
        d.addresses[0].postal_code = Some("7010".into());
        d.last_name = None;
        d.source = Some("rumour".into());
        let Invalid(errors) = d.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "last_name",
                "emails[1]",
                "phones[0]",
                "addresses[0].postal_code",
                "source"
            ]
        );
    }

    #[test]
    fn r3_foreign_addresses_take_their_own_postal_codes() {
        let mut d = draft();
        d.addresses[0].country = Some("SE".into());
        d.addresses[0].postal_code = Some("114 55".into());
        assert!(d.parse().is_ok());
    }

    #[test]
    fn r9_relationship_cannot_end_before_it_starts() {
        let mut d = draft();
        d.relationship_started_on = Some("2025-01-01".into());
        d.relationship_ended_on = Some("2024-01-01".into());
        assert_eq!(
            d.parse().unwrap_err().first().unwrap().field,
            "relationship_ended_on"
        );
    }
}
