//! The access report (R14) and portability export (R16): everything held on
//! one person, read in one read-only transaction (a consistent snapshot) with
//! one query per table — never one per row — and audited as an export of
//! the person. [`TABLE_COVERAGE`] says for every table of the schema whether
//! the report covers it, or why not; a test compares it with the database's
//! own catalogue, so a new table without a decision fails.

use crate::rows::{int, opt_int, opt_parsed, opt_text, opt_ts, parsed, provenance, text, ts};
use crate::{Backend, Store, StoreError, people};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::disclosure::parse_categories;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::recipient::in_eea;
use rekisteri_domain::report::{
    AccessReport, Processing, ReportDisclosure, ReportExportCopy, ReportInvoice, ReportLegalHold,
    ReportLink, ReportNote, ReportOrder, ReportOrderLine, ReportPaperDocument, ReportPermission,
    ReportPerson, ReportPurpose, ReportRecipient, ReportRecord, ReportRequest, ReportRequestEvent,
    ReportRestriction, ReportWording, SCHEMA_VERSION,
};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};
use std::collections::HashMap;

/// Why a table is, or is not, in the access report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Its rows about the person (or the facts of processing it holds) are in the report.
    InReport,
    /// It holds no personal data.
    NotPersonal(&'static str),
    /// Its personal data is about the register's staff, not its data subjects.
    NotAboutTheSubject(&'static str),
    /// It only holds copies derived from tables in the report.
    Derived(&'static str),
    /// It holds short-lived records that expire within minutes or hours.
    Transient(&'static str),
}

/// Every table of the schema, and whether the access report covers it.
pub const TABLE_COVERAGE: &[(&str, Coverage)] = &[
    ("people", Coverage::InReport),
    ("person_contacts", Coverage::InReport),
    ("organisations", Coverage::InReport),
    ("person_organisations", Coverage::InReport),
    ("orders", Coverage::InReport),
    ("order_lines", Coverage::InReport),
    ("invoices", Coverage::InReport),
    ("notes", Coverage::InReport),
    ("purposes", Coverage::InReport),
    ("permission_wordings", Coverage::InReport),
    ("permission_events", Coverage::InReport),
    ("restrictions", Coverage::InReport),
    ("recipients", Coverage::InReport),
    ("disclosures", Coverage::InReport),
    ("disclosure_records", Coverage::InReport),
    ("export_copies", Coverage::InReport),
    ("export_copy_people", Coverage::InReport),
    ("requests", Coverage::InReport),
    ("request_events", Coverage::InReport),
    ("legal_holds", Coverage::InReport),
    ("paper_documents", Coverage::InReport),
    ("retention_schedules", Coverage::InReport),
    (
        "relationship_reviews",
        Coverage::Derived(
            "the day the officer kept a quiet relationship open; the relationship's dates are in the report",
        ),
    ),
    (
        "retention_sweeps",
        Coverage::NotPersonal("the retention sweep's runs: when, the schedule's version, counts"),
    ),
    (
        "retention_sweep_items",
        Coverage::NotPersonal("what a sweep removed, by id only: the records themselves are gone"),
    ),
    (
        "erasure_journal",
        Coverage::NotPersonal(
            "what erasures and retention did, by id and tombstone hash only: the records are gone",
        ),
    ),
    (
        "restores",
        Coverage::NotPersonal("when a backup was restored and how much of the journal it replayed"),
    ),
    (
        "audit_checkpoints",
        Coverage::NotPersonal(
            "where the audit chain starts after a retention cut: a hash and a count",
        ),
    ),
    (
        "search_index",
        Coverage::Derived(
            "the words and stems a person or note is found by, made from the report's values",
        ),
    ),
    (
        "search_fts",
        Coverage::Derived("SQLite's full-text index over search_index"),
    ),
    (
        "audit_log",
        Coverage::NotAboutTheSubject(
            "the staff's actions, ids only: no value of the person is in it; the disclosures it logs are \
             reported from the disclosure tables",
        ),
    ),
    ("users", Coverage::NotAboutTheSubject("staff accounts")),
    (
        "api_tokens",
        Coverage::NotAboutTheSubject("staff's API tokens, hashed"),
    ),
    (
        "confidentiality_commitments",
        Coverage::NotAboutTheSubject("the staff's signed commitments (R11)"),
    ),
    (
        "recovery_codes",
        Coverage::NotAboutTheSubject("staff's second-factor recovery codes, hashed"),
    ),
    (
        "sessions",
        Coverage::NotAboutTheSubject("staff's web sessions"),
    ),
    (
        "login_throttle",
        Coverage::NotAboutTheSubject("failed staff logins per account name and address"),
    ),
    (
        "login_challenges",
        Coverage::NotAboutTheSubject("staff logins waiting for the second factor, minutes long"),
    ),
    ("settings", Coverage::NotPersonal("register-wide settings")),
    (
        "register_details",
        Coverage::NotAboutTheSubject(
            "the controller, its contact person and the authority (R1); the report shows the \
             current version as the register's details",
        ),
    ),
    (
        "imports",
        Coverage::NotAboutTheSubject(
            "the web's CSV imports: the staff user who started one, its counts and state",
        ),
    ),
    (
        "import_rejections",
        Coverage::NotPersonal("an import's rejected rows: line, field and reason, never a value"),
    ),
    (
        "portal_hits",
        Coverage::Transient(
            "the portal's counted requests for its rate limits, keyed by an address's hash or a \
             client address, gone after an hour",
        ),
    ),
    (
        "schema_migrations",
        Coverage::NotPersonal("the schema's version"),
    ),
    (
        "portal_links",
        Coverage::Transient(
            "the portal's single-use sign-in links: a hash and the address it was sent to, spent or \
             expired within hours",
        ),
    ),
    (
        "portal_sessions",
        Coverage::Transient(
            "the portal's verified visits: a hash and the address proved, 30 minutes long, gone a \
             day after",
        ),
    ),
    (
        "jobs",
        Coverage::NotPersonal("the durable job queue: kinds, states and ids only"),
    ),
    (
        "mail",
        Coverage::Derived(
            "the letters the register wrote, composed from the report's values and cases; removed \
             with the person",
        ),
    ),
    (
        "scheduled_erasures",
        Coverage::Derived(
            "an erasure waiting for its holds to end: the person's id and the holds' codes, whose \
             request and holds (invoices, organisation links) are in the report",
        ),
    ),
    (
        "erasure_tombstones",
        Coverage::Derived(
            "keyed hashes of erased people's addresses: no person remains to report on",
        ),
    ),
    (
        "erasure_keys",
        Coverage::NotPersonal("the key of the tombstones' hashes"),
    ),
    (
        "access_generation",
        Coverage::NotPersonal("a counter moved on by every change that narrows access"),
    ),
    (
        "audit_chain_key",
        Coverage::NotPersonal("the id of the key the audit chain is sealed with, not the key"),
    ),
    (
        "audit_seals",
        Coverage::NotPersonal(
            "HMACs of the audit chain's hashes at its entries: hashes and numbers only",
        ),
    ),
];

/// The row's decode errors, as the store reports them.
type Rows<T> = Result<Vec<T>, sqlx::Error>;

async fn fetch(
    tx: &mut Transaction<'static, Any>,
    sql: &str,
    person: &str,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    sqlx::query(AssertSqlSafe(sql.to_string()))
        .bind(person.to_string())
        .fetch_all(&mut **tx)
        .await
}

fn link(row: &AnyRow) -> Result<ReportLink, sqlx::Error> {
    Ok(ReportLink {
        id: parsed(row, "id")?,
        organisation_id: parsed(row, "organisation_id")?,
        organisation_name: text(row, "name")?,
        business_id: opt_text(row, "business_id")?,
        title: opt_text(row, "title")?,
        started_on: opt_parsed(row, "started_on")?,
        ended_on: opt_parsed(row, "ended_on")?,
        is_contact_person: int(row, "is_contact_person")? == 1,
        provenance: provenance(row, "")?,
    })
}

fn order(row: &AnyRow) -> Result<ReportOrder, sqlx::Error> {
    Ok(ReportOrder {
        id: parsed(row, "id")?,
        number: text(row, "number")?,
        status: parsed(row, "status")?,
        ordered_on: parsed(row, "ordered_on")?,
        currency: text(row, "currency")?,
        total_cents: int(row, "total_cents")?,
        lines: Vec::new(),
        provenance: provenance(row, "")?,
    })
}

fn invoice(row: &AnyRow) -> Result<ReportInvoice, sqlx::Error> {
    Ok(ReportInvoice {
        id: parsed(row, "id")?,
        order_id: opt_parsed(row, "order_id")?,
        number: text(row, "number")?,
        status: parsed(row, "status")?,
        issued_on: parsed(row, "issued_on")?,
        due_on: parsed(row, "due_on")?,
        total_cents: int(row, "total_cents")?,
        currency: text(row, "currency")?,
        provenance: provenance(row, "")?,
    })
}

fn note(row: &AnyRow) -> Result<ReportNote, sqlx::Error> {
    Ok(ReportNote {
        id: parsed(row, "id")?,
        kind: parsed(row, "kind")?,
        body: text(row, "body")?,
        due_at: opt_ts(row, "due_at")?,
        done_at: opt_ts(row, "done_at")?,
        created_at: ts(row, "created_at")?,
        provenance: provenance(row, "")?,
    })
}

fn permission(row: &AnyRow) -> Result<ReportPermission, sqlx::Error> {
    let wording = match opt_text(row, "w_key")? {
        Some(key) => Some(ReportWording {
            key,
            version: int(row, "w_version")?,
            language: text(row, "w_language")?,
            text: text(row, "w_body")?,
        }),
        None => None,
    };
    Ok(ReportPermission {
        channel: parsed(row, "channel")?,
        purpose: parsed(row, "purpose")?,
        state: parsed(row, "state")?,
        given_at: ts(row, "given_at")?,
        legal_basis: parsed(row, "legal_basis")?,
        wording,
        provenance: provenance(row, "")?,
    })
}

fn restriction(row: &AnyRow) -> Result<ReportRestriction, sqlx::Error> {
    Ok(ReportRestriction {
        id: parsed(row, "id")?,
        value_kind: opt_text(row, "value_kind")?,
        value: opt_text(row, "value")?,
        reason: text(row, "reason")?,
        starts_at: ts(row, "starts_at")?,
        lifted_at: opt_ts(row, "lifted_at")?,
        lift_reason: opt_text(row, "lift_reason")?,
    })
}

fn legal_hold(row: &AnyRow) -> Result<ReportLegalHold, sqlx::Error> {
    Ok(ReportLegalHold {
        reason: text(row, "reason")?,
        reference: text(row, "reference")?,
        placed_at: ts(row, "placed_at")?,
        ends_on: opt_parsed(row, "ends_on")?,
        ended_at: opt_ts(row, "ended_at")?,
    })
}

fn paper_document(row: &AnyRow) -> Result<ReportPaperDocument, sqlx::Error> {
    Ok(ReportPaperDocument {
        kind: text(row, "kind")?,
        dated_on: opt_parsed(row, "dated_on")?,
        location: text(row, "location")?,
        keeper: text(row, "keeper")?,
        recorded_at: ts(row, "recorded_at")?,
        destroy_from: opt_ts(row, "destroy_from")?,
        destroyed_on: opt_parsed(row, "destroyed_on")?,
    })
}

fn disclosure(row: &AnyRow) -> Result<ReportDisclosure, sqlx::Error> {
    let categories =
        parse_categories(&text(row, "categories")?).map_err(|e| sqlx::Error::ColumnDecode {
            index: "categories".into(),
            source: e.into(),
        })?;
    Ok(ReportDisclosure {
        id: parsed(row, "id")?,
        recipient: text(row, "recipient_name")?,
        recipient_country: text(row, "country")?,
        safeguard: opt_parsed(row, "safeguard")?,
        ground: parsed(row, "ground")?,
        purpose: parsed(row, "purpose")?,
        categories,
        disclosed_at: ts(row, "disclosed_at")?,
        records: Vec::new(),
    })
}

/// A file the person is in (R21), as the report tells it: no staff id.
fn export_copy(row: &AnyRow) -> Result<ReportExportCopy, sqlx::Error> {
    let c = crate::export_copies::from_row(row)?;
    Ok(ReportExportCopy {
        id: c.id,
        kind: c.kind,
        purpose: c.purpose,
        path: c.path,
        people: c.people,
        made_at: c.made_at,
    })
}

fn request(row: &AnyRow) -> Result<ReportRequest, sqlx::Error> {
    Ok(ReportRequest {
        id: parsed(row, "id")?,
        kind: text(row, "kind")?,
        channel: text(row, "channel")?,
        status: text(row, "status")?,
        requester_name: opt_text(row, "requester_name")?,
        requester_email: opt_text(row, "requester_email")?,
        requester_address: opt_text(row, "requester_address")?,
        details: opt_text(row, "details")?,
        received_at: ts(row, "received_at")?,
        due_on: parsed(row, "due_on")?,
        extended_to: opt_parsed(row, "extended_to")?,
        extension_reason: opt_text(row, "extension_reason")?,
        identity_method: opt_text(row, "identity_method")?,
        identity_note: opt_text(row, "identity_note")?,
        verified_at: opt_ts(row, "verified_at")?,
        outcome: opt_text(row, "outcome")?,
        answer: opt_text(row, "answer")?,
        answered_at: opt_ts(row, "answered_at")?,
        fee_decision: opt_text(row, "fee_decision")?,
        fee_cents: opt_int(row, "fee_cents")?,
        fee_justification: opt_text(row, "fee_justification")?,
        closed_at: opt_ts(row, "closed_at")?,
        events: Vec::new(),
    })
}

fn recipient(row: &AnyRow) -> Result<ReportRecipient, sqlx::Error> {
    let country = text(row, "country")?;
    Ok(ReportRecipient {
        name: text(row, "name")?,
        role: parsed(row, "role")?,
        in_eea: in_eea(&country),
        country,
        safeguard: opt_parsed(row, "safeguard")?,
    })
}

fn all<T>(rows: &[AnyRow], decode: fn(&AnyRow) -> Result<T, sqlx::Error>) -> Rows<T> {
    rows.iter().map(decode).collect()
}

/// Each of `rows`' `col` with its decoded value, to be put in its parent.
fn by_parent<T>(
    rows: &[AnyRow],
    col: &str,
    decode: fn(&AnyRow) -> Result<T, sqlx::Error>,
) -> Result<HashMap<String, Vec<T>>, sqlx::Error> {
    let mut map: HashMap<String, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(text(row, col)?).or_default().push(decode(row)?);
    }
    Ok(map)
}

fn order_line(row: &AnyRow) -> Result<ReportOrderLine, sqlx::Error> {
    Ok(ReportOrderLine {
        description: text(row, "description")?,
        quantity: int(row, "quantity")?,
        unit_price_cents: int(row, "unit_price_cents")?,
    })
}

fn record(row: &AnyRow) -> Result<ReportRecord, sqlx::Error> {
    Ok(ReportRecord {
        record_type: text(row, "record_type")?,
        record_id: text(row, "record_id")?,
    })
}

fn request_event(row: &AnyRow) -> Result<ReportRequestEvent, sqlx::Error> {
    Ok(ReportRequestEvent {
        at: ts(row, "at")?,
        event: text(row, "event")?,
        note: opt_text(row, "note")?,
    })
}

const LINKS: &str = "SELECT l.id, l.organisation_id, o.name, o.business_id, l.title, l.started_on, l.ended_on, \
     l.is_contact_person, l.source, l.source_detail, l.recorded_at \
     FROM person_organisations l JOIN organisations o ON o.id = l.organisation_id \
     WHERE l.person_id = $1 ORDER BY o.name, l.id";
const ORDERS: &str = "SELECT id, number, status, ordered_on, currency, total_cents, source, source_detail, recorded_at \
     FROM orders WHERE person_id = $1";
const ORDER_LINES: &str = "SELECT order_id, description, quantity, unit_price_cents FROM order_lines \
     WHERE order_id IN (SELECT id FROM orders WHERE person_id = $1) ORDER BY order_id, position";
const INVOICES: &str = "SELECT id, order_id, number, status, issued_on, due_on, total_cents, currency, source, \
     source_detail, recorded_at FROM invoices WHERE person_id = $1";
const NOTES: &str = "SELECT id, kind, body, due_at, done_at, created_at, source, source_detail, recorded_at \
     FROM notes WHERE person_id = $1";
const PERMISSIONS: &str = "SELECT e.channel, e.purpose, e.state, e.given_at, e.legal_basis, e.source, \
     e.source_detail, e.recorded_at, w.wording_key AS w_key, w.version AS w_version, \
     w.language AS w_language, w.body AS w_body \
     FROM permission_events e LEFT JOIN permission_wordings w ON w.id = e.wording_id WHERE e.person_id = $1";
const LEGAL_HOLDS: &str =
    "SELECT reason, reference, placed_at, ends_on, ended_at FROM legal_holds WHERE person_id = $1";
const PAPER_DOCUMENTS: &str = "SELECT kind, dated_on, location, keeper, recorded_at, destroy_from, destroyed_on \
     FROM paper_documents WHERE person_id = $1";
const RESTRICTIONS: &str = "SELECT id, value_kind, value, reason, starts_at, lifted_at, lift_reason \
     FROM restrictions WHERE person_id = $1";
const DISCLOSURES: &str = "SELECT d.id, r.name AS recipient_name, r.country, r.safeguard, d.ground, d.purpose, \
     d.categories, d.disclosed_at FROM disclosures d JOIN recipients r ON r.id = d.recipient_id \
     WHERE d.id IN (SELECT disclosure_id FROM disclosure_records WHERE person_id = $1)";
const DISCLOSURE_RECORDS: &str =
    "SELECT disclosure_id, record_type, record_id FROM disclosure_records WHERE person_id = $1";
const REQUESTS: &str = "SELECT id, kind, channel, status, requester_name, requester_email, requester_address, \
     details, received_at, due_on, extended_to, extension_reason, identity_method, identity_note, verified_at, \
     outcome, answer, answered_at, fee_decision, fee_cents, fee_justification, closed_at \
     FROM requests WHERE person_id = $1";
const REQUEST_EVENTS: &str = "SELECT request_id, at, event, note FROM request_events \
     WHERE request_id IN (SELECT id FROM requests WHERE person_id = $1)";
const PURPOSES: &str = "SELECT code, legal_basis FROM purposes WHERE in_use = 1";
const RECIPIENTS: &str =
    "SELECT name, role, country, safeguard FROM recipients WHERE retired_at IS NULL";

impl Store {
    /// Everything the register holds on the person (R14, R16), with the
    /// notice's facts about processing and `register` (R1, R20). One
    /// read-only transaction, a query per table; audited as an export of
    /// the person with the actor's user and purpose. A restriction (R18)
    /// does not stop it: access is a right, and the data is only read.
    pub async fn access_report(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        register: &RegisterDetails,
    ) -> Result<AccessReport, StoreError> {
        let schedule = self.retention_schedule().await?;
        let mut tx = self.read.begin().await?;
        if self.backend == Backend::Postgres {
            // Every query of the report sees the same snapshot.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let id = person.to_string();
        let found = people::load(&mut *tx, self.backend, std::slice::from_ref(&id), at)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        let organisations = all(&fetch(&mut tx, LINKS, &id).await?, link)?;
        let mut orders = all(&fetch(&mut tx, ORDERS, &id).await?, order)?;
        let mut lines = by_parent(
            &fetch(&mut tx, ORDER_LINES, &id).await?,
            "order_id",
            order_line,
        )?;
        for o in &mut orders {
            o.lines = lines.remove(&o.id.to_string()).unwrap_or_default();
        }
        let invoices = all(&fetch(&mut tx, INVOICES, &id).await?, invoice)?;
        let notes = all(&fetch(&mut tx, NOTES, &id).await?, note)?;
        let permissions = all(&fetch(&mut tx, PERMISSIONS, &id).await?, permission)?;
        let restrictions = all(&fetch(&mut tx, RESTRICTIONS, &id).await?, restriction)?;
        let mut disclosures = all(&fetch(&mut tx, DISCLOSURES, &id).await?, disclosure)?;
        let mut records = by_parent(
            &fetch(&mut tx, DISCLOSURE_RECORDS, &id).await?,
            "disclosure_id",
            record,
        )?;
        for d in &mut disclosures {
            d.records = records.remove(&d.id.to_string()).unwrap_or_default();
        }
        let export_copies = all(
            &fetch(&mut tx, crate::export_copies::OF_PERSON, &id).await?,
            export_copy,
        )?;
        let mut requests = all(&fetch(&mut tx, REQUESTS, &id).await?, request)?;
        let mut events = by_parent(
            &fetch(&mut tx, REQUEST_EVENTS, &id).await?,
            "request_id",
            request_event,
        )?;
        for r in &mut requests {
            r.events = events.remove(&r.id.to_string()).unwrap_or_default();
        }
        let legal_holds = all(&fetch(&mut tx, LEGAL_HOLDS, &id).await?, legal_hold)?;
        let paper_documents = all(&fetch(&mut tx, PAPER_DOCUMENTS, &id).await?, paper_document)?;
        let purposes = sqlx::query(PURPOSES)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| {
                Ok(ReportPurpose {
                    purpose: parsed(row, "code")?,
                    legal_basis: parsed(row, "legal_basis")?,
                })
            })
            .collect::<Rows<_>>()?;
        let recipients = all(
            &sqlx::query(RECIPIENTS).fetch_all(&mut *tx).await?,
            recipient,
        )?;
        tx.commit().await?;
        let report = AccessReport {
            schema_version: SCHEMA_VERSION,
            generated_at: at,
            person: ReportPerson::from(found),
            organisations,
            orders,
            invoices,
            notes,
            permissions,
            restrictions,
            disclosures,
            export_copies,
            requests,
            legal_holds,
            paper_documents,
            processing: Processing::new(
                schedule.schedule.policies,
                purposes,
                recipients,
                register.clone(),
            ),
        }
        .ordered();
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::Export,
                RecordType::Person,
                person,
                Some(person),
            )])
            .await?;
        Ok(report)
    }
}
