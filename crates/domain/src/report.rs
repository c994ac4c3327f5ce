//! The access report (R14, GDPR 15) and the portability export (R16):
//! everything the register holds on one person, each value with its source
//! (R5), and what the person is told about the processing — purposes with
//! their legal basis (R2), retention (R9), sources, recipients (R4, R7), the
//! rights, and the controller, contact person and supervisory authority
//! (R1, R20). The same shape is the JSON export (its schema is
//! `docs/access-report.schema.json`) and what Rekisteri imports back
//! ([`AccessReport::person_draft`]). Shaping and ordering only: no IO.

use crate::billing::{InvoiceStatus, OrderStatus};
use crate::controller::RegisterDetails;
use crate::disclosure::{DataCategory, DisclosureGround};
use crate::export_copy::ExportKind;
use crate::ids::{
    DisclosureId, ExportCopyId, InvoiceId, LinkId, NoteId, OrderId, OrganisationId, PersonId,
    RequestId, RestrictionId,
};
use crate::marketing::{Channel, MarketingPurpose, PermissionState};
use crate::note::NoteKind;
use crate::person::{AddressDraft, Person, PersonDraft, SourcedValue};
use crate::provenance::{Provenance, Source, code_enum};
use crate::purpose::{LegalBasis, Purpose};
use crate::recipient::{RecipientRole, Safeguard};
use crate::retention::RetentionPolicy;
use crate::time::{Date, Timestamp};
use serde::{Deserialize, Serialize};

/// The report's format; a reader refuses a version it does not know.
pub const SCHEMA_VERSION: u32 = 2;

/// The versions a reader accepts: 2 added the retention schedule's
/// policies (R9); a version 1 document's person reads the same.
pub const READABLE_VERSIONS: [u32; 2] = [1, 2];

/// Where the JSON Schema of the report lives in the repository.
pub const SCHEMA_PATH: &str = "docs/access-report.schema.json";

/// Everything held on the person, and the notice's facts about processing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessReport {
    pub schema_version: u32,
    pub generated_at: Timestamp,
    pub person: ReportPerson,
    /// The organisations the person represents (R19), with the title there.
    pub organisations: Vec<ReportLink>,
    pub orders: Vec<ReportOrder>,
    pub invoices: Vec<ReportInvoice>,
    /// Meeting notes, offers, actions and meetings (R3).
    pub notes: Vec<ReportNote>,
    /// Every marketing permission event, oldest first, with the wording shown (R15).
    pub permissions: Vec<ReportPermission>,
    /// Restrictions of processing, in force or lifted (R18).
    pub restrictions: Vec<ReportRestriction>,
    /// Every disclosure of the person's data (R6, GDPR 15(1)(c)), oldest first.
    pub disclosures: Vec<ReportDisclosure>,
    /// The files the person's data was written to (R21), oldest first.
    #[serde(default)]
    pub export_copies: Vec<ReportExportCopy>,
    /// The person's data-subject requests and their steps (R14–R21).
    pub requests: Vec<ReportRequest>,
    /// Legal holds that keep the person's data past an erasure request (R8).
    #[serde(default)]
    pub legal_holds: Vec<ReportLegalHold>,
    /// Paper documents kept about the person, and where (R10).
    #[serde(default)]
    pub paper_documents: Vec<ReportPaperDocument>,
    pub processing: Processing,
}

/// The person's own values, each with where it came from (R5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPerson {
    pub id: PersonId,
    pub first_name: String,
    pub last_name: String,
    pub name_source: Provenance,
    pub title: Option<String>,
    pub title_source: Option<Provenance>,
    pub emails: Vec<ReportValue>,
    pub phones: Vec<ReportValue>,
    pub websites: Vec<ReportValue>,
    pub ip_addresses: Vec<ReportValue>,
    pub addresses: Vec<ReportAddress>,
    pub relationship_started_on: Option<Date>,
    pub relationship_ended_on: Option<Date>,
    /// Why the relationship ended (R9), as recorded.
    #[serde(default)]
    pub relationship_end_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One contact value and its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportValue {
    pub value: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// An address and its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportAddress {
    /// `postal` or `billing`.
    pub kind: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLink {
    pub id: LinkId,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub business_id: Option<String>,
    pub title: Option<String>,
    pub started_on: Option<Date>,
    pub ended_on: Option<Date>,
    pub is_contact_person: bool,
    #[serde(flatten)]
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOrder {
    pub id: OrderId,
    pub number: String,
    pub status: OrderStatus,
    pub ordered_on: Date,
    pub currency: String,
    pub total_cents: i64,
    pub lines: Vec<ReportOrderLine>,
    #[serde(flatten)]
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOrderLine {
    pub description: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportInvoice {
    pub id: InvoiceId,
    pub order_id: Option<OrderId>,
    pub number: String,
    pub status: InvoiceStatus,
    pub issued_on: Date,
    pub due_on: Date,
    pub total_cents: i64,
    pub currency: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportNote {
    pub id: NoteId,
    pub kind: NoteKind,
    pub body: String,
    pub due_at: Option<Timestamp>,
    pub done_at: Option<Timestamp>,
    pub created_at: Timestamp,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// One recorded change of a marketing permission (R15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPermission {
    pub channel: Channel,
    pub purpose: MarketingPurpose,
    pub state: PermissionState,
    pub given_at: Timestamp,
    pub legal_basis: LegalBasis,
    /// The text the person was shown when asked, if one was recorded.
    pub wording: Option<ReportWording>,
    #[serde(flatten)]
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportWording {
    pub key: String,
    pub version: i64,
    pub language: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRestriction {
    pub id: RestrictionId,
    /// The kind of the one value restricted (`email`, …); none: the whole person.
    pub value_kind: Option<String>,
    pub value: Option<String>,
    pub reason: String,
    pub starts_at: Timestamp,
    pub lifted_at: Option<Timestamp>,
    pub lift_reason: Option<String>,
}

/// A legal hold on the person's data (R8): why, on what reference, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLegalHold {
    pub reason: String,
    pub reference: String,
    pub placed_at: Timestamp,
    pub ends_on: Option<Date>,
    pub ended_at: Option<Timestamp>,
}

/// A paper document kept about the person (R10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPaperDocument {
    pub kind: String,
    pub dated_on: Option<Date>,
    pub location: String,
    pub keeper: String,
    pub recorded_at: Timestamp,
    /// Its destruction was asked for (by an erasure or retention) …
    pub destroy_from: Option<Timestamp>,
    /// … and done on this day.
    pub destroyed_on: Option<Date>,
}

/// One disclosure of the person's data: to whom, where, on what ground,
/// for what purpose, which categories and records, when (R6, R7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDisclosure {
    pub id: DisclosureId,
    pub recipient: String,
    pub recipient_country: String,
    pub safeguard: Option<Safeguard>,
    pub ground: DisclosureGround,
    pub purpose: Purpose,
    pub categories: Vec<DataCategory>,
    pub disclosed_at: Timestamp,
    /// The person's records sent: `person`, `contact`, `link`, `order`, `invoice`, each with its id.
    pub records: Vec<ReportRecord>,
}

/// A file the person's data was written to (R21: an export kept on disk,
/// destroyed when the person is erased): what wrote it, for what purpose,
/// where, when, and how many people are in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportExportCopy {
    pub id: ExportCopyId,
    pub kind: ExportKind,
    pub purpose: Purpose,
    pub path: String,
    pub people: i64,
    pub made_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRecord {
    pub record_type: String,
    pub record_id: String,
}

/// A data-subject request as the register keeps it, with its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRequest {
    pub id: RequestId,
    pub kind: String,
    pub channel: String,
    pub status: String,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_address: Option<String>,
    pub details: Option<String>,
    pub received_at: Timestamp,
    pub due_on: Date,
    pub extended_to: Option<Date>,
    pub extension_reason: Option<String>,
    pub identity_method: Option<String>,
    pub identity_note: Option<String>,
    pub verified_at: Option<Timestamp>,
    pub outcome: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<Timestamp>,
    pub fee_decision: Option<String>,
    pub fee_cents: Option<i64>,
    pub fee_justification: Option<String>,
    pub closed_at: Option<Timestamp>,
    pub events: Vec<ReportRequestEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRequestEvent {
    pub at: Timestamp,
    pub event: String,
    pub note: Option<String>,
}

/// What the person is told about the processing (GDPR 15(1)(a)–(h), 13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Processing {
    /// The purposes in use, each with its legal basis (R2).
    pub purposes: Vec<ReportPurpose>,
    /// The retention schedule in force (R9): every category's period,
    /// anchor, action and reason.
    #[serde(deserialize_with = "policies_of_any_version")]
    pub retention: Vec<RetentionPolicy>,
    /// The notice's sources of data (R5); each value above names its own.
    pub sources: Vec<Source>,
    /// The register's recipients and processors (R4, R7).
    pub recipients: Vec<ReportRecipient>,
    pub rights: Vec<Right>,
    /// R13: the register makes no automated decisions and no profiling.
    pub automated_decisions: bool,
    /// The controller, the contact person and the supervisory authority (R1, R20).
    pub register: RegisterDetails,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPurpose {
    pub purpose: Purpose,
    pub legal_basis: LegalBasis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRecipient {
    pub name: String,
    pub role: RecipientRole,
    pub country: String,
    pub in_eea: bool,
    pub safeguard: Option<Safeguard>,
}

/// A version 1 document's retention rules had another shape; the reader
/// needs none of them (an import reads the person), so what does not read
/// as this version's policies is read as none.
fn policies_of_any_version<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<RetentionPolicy>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).unwrap_or_default())
}

code_enum!(
    /// The data subject's rights the notice names (GDPR 15–21, 77).
    Right {
        Access = "access",
        Rectification = "rectification",
        Erasure = "erasure",
        Restriction = "restriction",
        /// Objection, and the prohibition of direct marketing (R15, R21).
        Objection = "objection",
        Portability = "portability",
        /// A complaint to the supervisory authority (R20).
        Complaint = "complaint",
    }
);

impl Processing {
    /// The notice's facts: `purposes` in use with their bases, `recipients`
    /// not retired, and the register's details.
    pub fn new(
        retention: Vec<RetentionPolicy>,
        mut purposes: Vec<ReportPurpose>,
        mut recipients: Vec<ReportRecipient>,
        register: RegisterDetails,
    ) -> Self {
        purposes.sort_by_key(|p| Purpose::ALL.iter().position(|q| *q == p.purpose));
        recipients.sort_by(|a, b| a.name.cmp(&b.name));
        Self {
            purposes,
            retention,
            sources: Source::ALL.to_vec(),
            recipients,
            rights: Right::ALL.to_vec(),
            automated_decisions: false,
            register,
        }
    }
}

impl From<Person> for ReportPerson {
    fn from(p: Person) -> Self {
        let values = |list: Vec<SourcedValue>| {
            list.into_iter()
                .map(|v| ReportValue {
                    value: v.value,
                    provenance: v.provenance,
                })
                .collect()
        };
        Self {
            id: p.id,
            first_name: p.first_name,
            last_name: p.last_name,
            name_source: p.name_source,
            title: p.title,
            title_source: p.title_source,
            emails: values(p.emails),
            phones: values(p.phones),
            websites: values(p.websites),
            ip_addresses: values(p.ip_addresses),
            addresses: p
                .addresses
                .into_iter()
                .map(|a| ReportAddress {
                    kind: a.kind,
                    street: a.street,
                    postal_code: a.postal_code,
                    city: a.city,
                    country: a.country,
                    provenance: a.provenance,
                })
                .collect(),
            relationship_started_on: p.relationship_started_on,
            relationship_ended_on: p.relationship_ended_on,
            relationship_end_reason: p.relationship_end_reason,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

impl AccessReport {
    /// Puts every list in its reading order: contact values and links as
    /// stored, orders and invoices by date, notes by creation, permission
    /// events by when given, restrictions by start, disclosures and
    /// requests oldest first (the store reads them in any order).
    pub fn ordered(mut self) -> Self {
        self.orders.sort_by_key(|x| (x.ordered_on, x.id));
        self.invoices.sort_by_key(|x| (x.issued_on, x.id));
        self.notes.sort_by_key(|x| (x.created_at, x.id));
        self.permissions.sort_by(|a, b| {
            (a.given_at, a.provenance.recorded_at).cmp(&(b.given_at, b.provenance.recorded_at))
        });
        self.restrictions.sort_by_key(|x| (x.starts_at, x.id));
        self.disclosures.sort_by_key(|x| (x.disclosed_at, x.id));
        for d in &mut self.disclosures {
            d.records.sort_by(|a, b| {
                (&a.record_type, &a.record_id).cmp(&(&b.record_type, &b.record_id))
            });
        }
        self.export_copies.sort_by_key(|x| (x.made_at, x.id));
        self.requests.sort_by_key(|x| (x.received_at, x.id));
        for r in &mut self.requests {
            r.events.sort_by_key(|e| e.at);
        }
        self.legal_holds.sort_by_key(|x| x.placed_at);
        self.paper_documents.sort_by_key(|x| x.recorded_at);
        self
    }

    /// How many records the report holds (the person counts as one).
    pub fn row_count(&self) -> usize {
        1 + self.organisations.len()
            + self.orders.iter().map(|o| 1 + o.lines.len()).sum::<usize>()
            + self.invoices.len()
            + self.notes.len()
            + self.permissions.len()
            + self.restrictions.len()
            + self.disclosures.len()
            + self.export_copies.len()
            + self.legal_holds.len()
            + self.paper_documents.len()
            + self
                .requests
                .iter()
                .map(|r| 1 + r.events.len())
                .sum::<usize>()
    }

    /// The person's contact details as a new person of another register
    /// (R16: portability into Rekisteri): names, title, emails, phones,
    /// websites, addresses. The IP addresses stay behind (they identify a
    /// device, not a way to reach the person). The values were valid where
    /// they were exported; the draft is parsed again all the same.
    pub fn person_draft(&self, source: Source, detail: &str) -> Result<PersonDraft, String> {
        if !READABLE_VERSIONS.contains(&self.schema_version) {
            return Err(format!(
                "is an access report of schema version {}; this register reads versions 1 and {SCHEMA_VERSION}",
                self.schema_version
            ));
        }
        let p = &self.person;
        let values = |list: &[ReportValue]| list.iter().map(|v| v.value.clone()).collect();
        Ok(PersonDraft {
            first_name: Some(p.first_name.clone()),
            last_name: Some(p.last_name.clone()),
            title: p.title.clone(),
            emails: values(&p.emails),
            phones: values(&p.phones),
            websites: values(&p.websites),
            ip_addresses: Vec::new(),
            addresses: p
                .addresses
                .iter()
                .map(|a| AddressDraft {
                    kind: Some(a.kind.clone()),
                    street: Some(a.street.clone()),
                    postal_code: Some(a.postal_code.clone()),
                    city: Some(a.city.clone()),
                    country: Some(a.country.clone()),
                })
                .collect(),
            relationship_started_on: None,
            relationship_ended_on: None,
            source: Some(source.code().to_string()),
            source_detail: Some(detail.to_string()),
        })
    }
}

#[cfg(test)]
mod tests;
