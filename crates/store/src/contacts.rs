//! A person's contact values (R3): emails, phones, websites, IP addresses,
//! postal and billing addresses, each row with its own source (R5).

use crate::rows::{
    self, Arg, Values, opt_text, parsed, provenance, source_values, text, text_or_null,
};
use rekisteri_domain::ids::{ContactId, PersonId};
use rekisteri_domain::person::{ContactValue, Person, SourcedAddress, SourcedValue};
use rekisteri_domain::{Provenance, Timestamp};
use sqlx::any::AnyRow;

pub(crate) const CONTACT_COLUMNS: &str = "c.id AS c_id, c.person_id AS c_person_id, c.kind AS c_kind, c.value AS c_value, \
     c.postal_code AS c_postal_code, c.city AS c_city, c.country AS c_country, c.source AS c_source, \
     c.source_detail AS c_source_detail, c.recorded_at AS c_recorded_at";

/// Adds the contact value in `row` (prefixed `c_`) to the person.
pub(crate) fn add_contact(person: &mut Person, row: &AnyRow) -> Result<(), sqlx::Error> {
    let id: ContactId = parsed(row, "c_id")?;
    let kind = text(row, "c_kind")?;
    let value = text(row, "c_value")?;
    let provenance = provenance(row, "c_")?;
    let plain = |value: String, provenance: Provenance| SourcedValue {
        id,
        value,
        provenance,
    };
    match kind.as_str() {
        "email" => person.emails.push(plain(value, provenance)),
        "phone" => person.phones.push(plain(value, provenance)),
        "website" => person.websites.push(plain(value, provenance)),
        "ip_address" => person.ip_addresses.push(plain(value, provenance)),
        _ => person.addresses.push(SourcedAddress {
            id,
            kind: if kind == "billing_address" {
                "billing".into()
            } else {
                "postal".into()
            },
            street: value,
            postal_code: opt_text(row, "c_postal_code")?.unwrap_or_default(),
            city: opt_text(row, "c_city")?.unwrap_or_default(),
            country: opt_text(row, "c_country")?.unwrap_or_default(),
            provenance,
        }),
    }
    Ok(())
}

/// The columns of one contact value's row.
pub(crate) fn contact_values(
    person: PersonId,
    position: usize,
    contact: &ContactValue,
    prov: &Provenance,
    at: Timestamp,
) -> Values {
    let address = match contact {
        ContactValue::Address(a) => Some(a),
        _ => None,
    };
    let mut values = vec![
        ("id", Arg::Text(ContactId::new(at).to_string())),
        ("person_id", Arg::Text(person.to_string())),
        ("kind", Arg::Text(contact.kind().code().to_string())),
        ("position", Arg::Int(position as i64)),
        ("value", Arg::Text(contact.value().to_string())),
        ("postal_code", text_or_null(address.map(|a| &a.postal_code))),
        ("city", text_or_null(address.map(|a| &a.city))),
        ("country", text_or_null(address.map(|a| &a.country))),
    ];
    values.extend(source_values(
        prov.source,
        &prov.source_detail,
        prov.recorded_at,
    ));
    values
}

/// Inserts contact rows, many per statement.
pub(crate) async fn insert_contacts(
    tx: &mut sqlx::AnyConnection,
    rows: Vec<Values>,
) -> Result<(), sqlx::Error> {
    rows::insert_records(tx, "person_contacts", rows).await
}

pub(crate) fn contact_key(c: &ContactValue) -> (String, String, String, String) {
    match c {
        ContactValue::Address(a) => (
            c.kind().code().into(),
            c.value().into(),
            a.postal_code.clone(),
            a.city.to_string(),
        ),
        _ => (
            c.kind().code().into(),
            c.value().into(),
            String::new(),
            String::new(),
        ),
    }
}

pub(crate) fn stored_key(
    kind: &str,
    value: &str,
    postal_code: &str,
    city: &str,
) -> (String, String, String, String) {
    (kind.into(), value.into(), postal_code.into(), city.into())
}
