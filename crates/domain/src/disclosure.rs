//! Disclosures (R6): passing personal data to anyone outside the company.
//! Each names a recipient, a ground from the notice's closed list, the
//! purpose, the data categories (R3) and the people; the record of it, with
//! the exact records sent, is written in the same transaction as the data
//! is read. The payload types here are what is sent.

use crate::error::{Errors, FieldError, Invalid};
use crate::ids::{
    ContactId, DisclosureId, InvoiceId, LinkId, OrderId, OrganisationId, PersonId, RecipientId,
    UserId,
};
use crate::provenance::code_enum;
use crate::purpose::Purpose;
use crate::time::{Date, Timestamp};
use crate::values::{Parse, parse_field};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// The grounds on which the privacy notice lets data leave the company.
    DisclosureGround {
        /// An external provider of value-added services.
        ValueAddedService = "value_added_service",
        /// An external provider of credit decisions.
        CreditDecision = "credit_decision",
        CreditApplication = "credit_application",
        DebtCollection = "debt_collection",
        Billing = "billing",
        /// A duty under law (an authority's request).
        LegalObligation = "legal_obligation",
    }
);

code_enum!(
    /// The data categories of the notice (R3).
    DataCategory {
        /// First and last name, title.
        Name = "name",
        /// The organisations the person represents, with their title there.
        Organisation = "organisation",
        /// Email addresses, phone numbers, postal addresses, websites.
        ContactDetails = "contact_details",
        /// Billing address, orders, invoices.
        BillingDetails = "billing_details",
    }
);

code_enum!(
    /// The way out the data took: every one leaves a record.
    DisclosureChannel {
        Api = "api",
        Web = "web",
        Cli = "cli",
    }
);

code_enum!(
    /// The kinds of record a disclosure sends, as recorded per record.
    SentRecord {
        Person = "person",
        /// One contact value (an email, a phone, an address, a website).
        Contact = "contact",
        /// "The person represents the organisation", with the title.
        Link = "link",
        Order = "order",
        Invoice = "invoice",
    }
);

/// The most people one disclosure may carry.
pub const MAX_PEOPLE: usize = 10_000;

/// A disclosure as a client asks for it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct DisclosureDraft {
    #[schema(required = true, nullable = false)]
    pub recipient_id: Option<String>,
    /// `value_added_service`, `credit_decision`, `credit_application`,
    /// `debt_collection`, `billing` or `legal_obligation`.
    #[schema(required = true, nullable = false)]
    pub ground: Option<String>,
    /// The purpose of processing (R2); required, there is no default.
    #[schema(required = true, nullable = false)]
    pub purpose: Option<String>,
    /// `name`, `organisation`, `contact_details`, `billing_details`; at least one.
    #[serde(default)]
    #[schema(required = true, nullable = false)]
    pub categories: Vec<String>,
    /// The people whose data is sent: 1–10 000.
    #[serde(default)]
    #[schema(required = true, nullable = false)]
    pub person_ids: Vec<String>,
}

/// A validated disclosure, not yet made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDisclosure {
    pub recipient_id: RecipientId,
    pub ground: DisclosureGround,
    pub purpose: Purpose,
    /// Never empty, in the order of [`DataCategory::ALL`], no repeats.
    pub categories: Vec<DataCategory>,
    /// Never empty, at most [`MAX_PEOPLE`], no repeats, in the order given.
    pub person_ids: Vec<PersonId>,
}

impl NewDisclosure {
    pub fn includes(&self, category: DataCategory) -> bool {
        self.categories.contains(&category)
    }
}

/// The categories as stored: codes joined by commas.
pub fn categories_code(categories: &[DataCategory]) -> String {
    categories
        .iter()
        .map(|c| c.code())
        .collect::<Vec<_>>()
        .join(",")
}

/// The stored comma list back into categories; unknown codes are errors.
pub fn parse_categories(raw: &str) -> Result<Vec<DataCategory>, String> {
    let mut found = Vec::new();
    for code in raw.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        found.push(DataCategory::parse(code)?);
    }
    Ok(DataCategory::ALL
        .iter()
        .copied()
        .filter(|c| found.contains(c))
        .collect())
}

impl DisclosureDraft {
    pub fn parse(&self) -> Result<NewDisclosure, Invalid> {
        let mut errors = Errors::new();
        let recipient_id = errors.take(parse_field::<RecipientId>(
            "recipient_id",
            self.recipient_id.as_deref().unwrap_or(""),
        ));
        let ground = errors.take(parse_field::<DisclosureGround>(
            "ground",
            self.ground.as_deref().unwrap_or(""),
        ));
        let purpose = errors.take(parse_field::<Purpose>(
            "purpose",
            self.purpose.as_deref().unwrap_or(""),
        ));
        let mut chosen = Vec::new();
        for (i, raw) in self.categories.iter().enumerate() {
            if let Some(c) = errors.take(parse_field::<DataCategory>(
                &format!("categories[{i}]"),
                raw,
            )) {
                chosen.push(c);
            }
        }
        let categories: Vec<DataCategory> = DataCategory::ALL
            .iter()
            .copied()
            .filter(|c| chosen.contains(c))
            .collect();
        if self.categories.is_empty() {
            errors.push(FieldError {
                field: "categories".into(),
                code: "required",
                message: "must name at least one data category".into(),
            });
        }
        let mut person_ids: Vec<PersonId> = Vec::new();
        if self.person_ids.is_empty() {
            errors.push(FieldError {
                field: "person_ids".into(),
                code: "required",
                message: "must name at least one person".into(),
            });
        } else if self.person_ids.len() > MAX_PEOPLE {
            errors.push(FieldError {
                field: "person_ids".into(),
                code: "too_long",
                message: format!("may name at most {MAX_PEOPLE} people"),
            });
        } else {
            let mut seen = std::collections::HashSet::new();
            for (i, raw) in self.person_ids.iter().enumerate() {
                if let Some(id) =
                    errors.take(parse_field::<PersonId>(&format!("person_ids[{i}]"), raw))
                    && seen.insert(id)
                {
                    person_ids.push(id);
                }
            }
        }
        errors.finish(|| {
            Some(NewDisclosure {
                recipient_id: recipient_id?,
                ground: ground?,
                purpose: purpose?,
                categories,
                person_ids,
            })
        })
    }
}

/// One record a disclosure sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisclosedRecord {
    /// The data subject the record is about.
    pub person_id: Option<PersonId>,
    pub record_type: SentRecord,
    pub record_id: String,
}

/// A disclosure as recorded (R6): who got what, on which ground, when, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Disclosure {
    pub id: DisclosureId,
    pub recipient_id: RecipientId,
    pub recipient_name: String,
    pub ground: DisclosureGround,
    pub purpose: Purpose,
    pub categories: Vec<DataCategory>,
    pub channel: DisclosureChannel,
    /// The user who made it; none when the command line acted for no user.
    pub disclosed_by: Option<UserId>,
    pub disclosed_at: Timestamp,
    /// The exact records sent (for one person's view: theirs only).
    pub records: Vec<DisclosedRecord>,
}

impl Disclosure {
    /// The people the disclosure is about.
    pub fn people(&self) -> Vec<PersonId> {
        let mut people: Vec<PersonId> = self.records.iter().filter_map(|r| r.person_id).collect();
        people.sort();
        people.dedup();
        people
    }
}

/// What a disclosure sent: the data itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisclosedData {
    pub disclosure_id: DisclosureId,
    pub recipient: String,
    pub ground: DisclosureGround,
    pub purpose: Purpose,
    pub categories: Vec<DataCategory>,
    pub disclosed_at: Timestamp,
    pub people: Vec<DisclosedPerson>,
}

/// One person's data in a disclosure: the chosen categories only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisclosedPerson {
    pub person_id: PersonId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<DisclosedName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisations: Option<Vec<DisclosedOrganisation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_details: Option<DisclosedContacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_details: Option<DisclosedBilling>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisclosedName {
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisclosedOrganisation {
    #[serde(skip)]
    pub link_id: LinkId,
    pub organisation_id: OrganisationId,
    pub name: String,
    pub business_id: Option<String>,
    /// The person's title there.
    pub title: Option<String>,
}

/// A contact value as sent (a string), with the id of its stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosedValue {
    pub id: ContactId,
    pub value: String,
}

impl Serialize for DisclosedValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisclosedAddress {
    #[serde(skip)]
    pub id: ContactId,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisclosedContacts {
    #[schema(value_type = Vec<String>)]
    pub emails: Vec<DisclosedValue>,
    #[schema(value_type = Vec<String>)]
    pub phones: Vec<DisclosedValue>,
    #[schema(value_type = Vec<String>)]
    pub websites: Vec<DisclosedValue>,
    pub postal_addresses: Vec<DisclosedAddress>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisclosedBilling {
    pub billing_addresses: Vec<DisclosedAddress>,
    pub orders: Vec<DisclosedOrder>,
    pub invoices: Vec<DisclosedInvoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisclosedOrder {
    pub order_id: OrderId,
    pub number: String,
    pub status: String,
    pub ordered_on: Date,
    pub currency: String,
    pub total_cents: i64,
    pub lines: Vec<DisclosedOrderLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisclosedOrderLine {
    pub description: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisclosedInvoice {
    pub invoice_id: InvoiceId,
    pub order_id: Option<OrderId>,
    pub number: String,
    pub status: String,
    pub issued_on: Date,
    pub due_on: Date,
    pub total_cents: i64,
    pub currency: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERSON: &str = "0196a0b0-0000-7000-8000-000000000001";
    const RECIPIENT: &str = "0196a0b0-0000-7000-8000-000000000002";

    fn draft() -> DisclosureDraft {
        DisclosureDraft {
            recipient_id: Some(RECIPIENT.into()),
            ground: Some("debt_collection".into()),
            purpose: Some("order_management".into()),
            categories: vec!["contact_details".into(), "name".into(), "name".into()],
            person_ids: vec![PERSON.into(), PERSON.into()],
        }
    }

    #[test]
    fn r6_the_grounds_are_the_notices_closed_list() {
        let codes: Vec<&str> = DisclosureGround::ALL.iter().map(|g| g.code()).collect();
        assert_eq!(
            codes,
            [
                "value_added_service",
                "credit_decision",
                "credit_application",
                "debt_collection",
                "billing",
                "legal_obligation"
            ]
        );
        let mut d = draft();
        d.ground = Some("marketing_partner".into());
        let e = d.parse().unwrap_err();
        assert_eq!(e.first().unwrap().field, "ground");
        assert!(e.first().unwrap().message.contains("debt_collection"));
    }

    #[test]
    fn r6_a_disclosure_names_its_purpose_explicitly() {
        let mut d = draft();
        d.purpose = None;
        let e = d.parse().unwrap_err();
        assert_eq!(e.first().unwrap().field, "purpose");
        assert_eq!(e.first().unwrap().code, "required");
    }

    #[test]
    fn r6_categories_and_people_are_sets_in_a_fixed_order() {
        let new = draft().parse().unwrap();
        assert_eq!(
            new.categories,
            [DataCategory::Name, DataCategory::ContactDetails]
        );
        assert_eq!(new.person_ids.len(), 1);
        assert_eq!(categories_code(&new.categories), "name,contact_details");
        assert_eq!(
            parse_categories("contact_details,name").unwrap(),
            new.categories
        );
        assert!(parse_categories("name,shoe_size").is_err());
    }

    #[test]
    fn r6_someone_and_something_must_be_disclosed() {
        let mut d = draft();
        d.categories.clear();
        d.person_ids.clear();
        let Invalid(errors) = d.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["categories", "person_ids"]);
        let mut d = draft();
        d.categories = vec!["shoe_size".into()];
        d.person_ids = vec!["nobody".into()];
        let Invalid(errors) = d.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["categories[0]", "person_ids[0]"]);
    }

    #[test]
    fn r6_one_disclosure_carries_at_most_ten_thousand_people() {
        let mut d = draft();
        d.person_ids = (0..=MAX_PEOPLE)
            .map(|i| format!("0196a0b0-0000-7000-8000-{i:012}"))
            .collect();
        let e = d.parse().unwrap_err();
        assert_eq!(e.first().unwrap().code, "too_long");
        d.person_ids.pop();
        assert_eq!(d.parse().unwrap().person_ids.len(), MAX_PEOPLE);
    }
}
