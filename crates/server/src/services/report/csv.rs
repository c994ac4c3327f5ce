//! The access report as CSV (R16): one file per table or section of the
//! report, in a zip (deflate). Every cell a spreadsheet could run as a
//! formula is defused ([`safe_cell`]).

use crate::services::marketing::safe_cell;
use ::zip::write::SimpleFileOptions;
use rekisteri_domain::Provenance;
use rekisteri_domain::report::AccessReport;
use std::io::{Cursor, Write};

/// One CSV file: its name and rows (the first is the header).
struct Sheet {
    name: &'static str,
    rows: Vec<Vec<String>>,
}

impl Sheet {
    fn new(name: &'static str, header: &[&str]) -> Self {
        Self {
            name,
            rows: vec![header.iter().map(|h| (*h).to_string()).collect()],
        }
    }

    fn push(&mut self, row: Vec<String>) {
        self.rows.push(row.iter().map(|c| safe_cell(c)).collect());
    }

    fn bytes(&self) -> Result<Vec<u8>, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        for row in &self.rows {
            writer.write_record(row)?;
        }
        writer
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

fn opt(value: &Option<impl ToString>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// `source`, `source_detail`, `recorded_at`.
fn source(p: &Provenance) -> [String; 3] {
    [
        p.source.code().to_string(),
        opt(&p.source_detail),
        p.recorded_at.to_string(),
    ]
}

const SOURCE: [&str; 3] = ["source", "source_detail", "recorded_at"];

fn with_source(row: Vec<String>, p: &Provenance) -> Vec<String> {
    let mut row = row;
    row.extend(source(p));
    row
}

fn header<const N: usize>(columns: [&'static str; N]) -> Vec<&'static str> {
    let mut all = columns.to_vec();
    all.extend(SOURCE);
    all
}

fn person_sheets(r: &AccessReport) -> Vec<Sheet> {
    let p = &r.person;
    let mut person = Sheet::new(
        "person.csv",
        &[
            "id",
            "first_name",
            "last_name",
            "name_source",
            "name_source_detail",
            "name_recorded_at",
            "title",
            "title_source",
            "title_source_detail",
            "title_recorded_at",
            "relationship_started_on",
            "relationship_ended_on",
            "created_at",
            "updated_at",
        ],
    );
    let title_source = p.title_source.as_ref().map(source).unwrap_or_default();
    let mut row = vec![p.id.to_string(), p.first_name.clone(), p.last_name.clone()];
    row.extend(source(&p.name_source));
    row.push(opt(&p.title));
    row.extend(title_source);
    row.extend([
        opt(&p.relationship_started_on),
        opt(&p.relationship_ended_on),
        p.created_at.to_string(),
        p.updated_at.to_string(),
    ]);
    person.push(row);
    let mut contacts = Sheet::new(
        "contacts.csv",
        &header(["kind", "value", "postal_code", "city", "country"]),
    );
    for (kind, list) in [
        ("email", &p.emails),
        ("phone", &p.phones),
        ("website", &p.websites),
        ("ip_address", &p.ip_addresses),
    ] {
        for v in list {
            contacts.push(with_source(
                vec![
                    kind.into(),
                    v.value.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
                &v.provenance,
            ));
        }
    }
    for a in &p.addresses {
        contacts.push(with_source(
            vec![
                format!("{}_address", a.kind),
                a.street.clone(),
                a.postal_code.clone(),
                a.city.clone(),
                a.country.clone(),
            ],
            &a.provenance,
        ));
    }
    vec![person, contacts]
}

fn record_sheets(r: &AccessReport) -> Vec<Sheet> {
    let mut links = Sheet::new(
        "organisations.csv",
        &header([
            "organisation_id",
            "organisation",
            "business_id",
            "title",
            "started_on",
            "ended_on",
            "is_contact_person",
        ]),
    );
    for l in &r.organisations {
        links.push(with_source(
            vec![
                l.organisation_id.to_string(),
                l.organisation_name.clone(),
                opt(&l.business_id),
                opt(&l.title),
                opt(&l.started_on),
                opt(&l.ended_on),
                l.is_contact_person.to_string(),
            ],
            &l.provenance,
        ));
    }
    let mut orders = Sheet::new(
        "orders.csv",
        &header([
            "id",
            "number",
            "status",
            "ordered_on",
            "currency",
            "total_cents",
        ]),
    );
    let mut lines = Sheet::new(
        "order_lines.csv",
        &["order_id", "description", "quantity", "unit_price_cents"],
    );
    for o in &r.orders {
        orders.push(with_source(
            vec![
                o.id.to_string(),
                o.number.clone(),
                o.status.code().into(),
                o.ordered_on.to_string(),
                o.currency.clone(),
                o.total_cents.to_string(),
            ],
            &o.provenance,
        ));
        for line in &o.lines {
            lines.push(vec![
                o.id.to_string(),
                line.description.clone(),
                line.quantity.to_string(),
                line.unit_price_cents.to_string(),
            ]);
        }
    }
    let mut invoices = Sheet::new(
        "invoices.csv",
        &header([
            "id",
            "order_id",
            "number",
            "status",
            "issued_on",
            "due_on",
            "total_cents",
            "currency",
        ]),
    );
    for i in &r.invoices {
        invoices.push(with_source(
            vec![
                i.id.to_string(),
                opt(&i.order_id),
                i.number.clone(),
                i.status.code().into(),
                i.issued_on.to_string(),
                i.due_on.to_string(),
                i.total_cents.to_string(),
                i.currency.clone(),
            ],
            &i.provenance,
        ));
    }
    let mut notes = Sheet::new(
        "notes.csv",
        &header(["id", "kind", "body", "due_at", "done_at", "created_at"]),
    );
    for n in &r.notes {
        notes.push(with_source(
            vec![
                n.id.to_string(),
                n.kind.code().into(),
                n.body.clone(),
                opt(&n.due_at),
                opt(&n.done_at),
                n.created_at.to_string(),
            ],
            &n.provenance,
        ));
    }
    vec![links, orders, lines, invoices, notes]
}

fn rights_sheets(r: &AccessReport) -> Vec<Sheet> {
    let mut permissions = Sheet::new(
        "permissions.csv",
        &header([
            "given_at",
            "channel",
            "purpose",
            "state",
            "legal_basis",
            "wording_key",
            "wording_version",
            "wording_language",
            "wording_text",
        ]),
    );
    for p in &r.permissions {
        let w = p.wording.as_ref();
        permissions.push(with_source(
            vec![
                p.given_at.to_string(),
                p.channel.code().into(),
                p.purpose.code().into(),
                p.state.code().into(),
                p.legal_basis.code().into(),
                opt(&w.map(|w| &w.key)),
                opt(&w.map(|w| w.version)),
                opt(&w.map(|w| &w.language)),
                opt(&w.map(|w| &w.text)),
            ],
            &p.provenance,
        ));
    }
    let mut restrictions = Sheet::new(
        "restrictions.csv",
        &[
            "id",
            "value_kind",
            "value",
            "reason",
            "starts_at",
            "lifted_at",
            "lift_reason",
        ],
    );
    for x in &r.restrictions {
        restrictions.push(vec![
            x.id.to_string(),
            opt(&x.value_kind),
            opt(&x.value),
            x.reason.clone(),
            x.starts_at.to_string(),
            opt(&x.lifted_at),
            opt(&x.lift_reason),
        ]);
    }
    let mut disclosures = Sheet::new(
        "disclosures.csv",
        &[
            "id",
            "disclosed_at",
            "recipient",
            "recipient_country",
            "safeguard",
            "ground",
            "purpose",
            "categories",
            "records",
        ],
    );
    for d in &r.disclosures {
        disclosures.push(vec![
            d.id.to_string(),
            d.disclosed_at.to_string(),
            d.recipient.clone(),
            d.recipient_country.clone(),
            opt(&d.safeguard),
            d.ground.code().into(),
            d.purpose.code().into(),
            d.categories
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(" "),
            d.records
                .iter()
                .map(|x| format!("{}:{}", x.record_type, x.record_id))
                .collect::<Vec<_>>()
                .join(" "),
        ]);
    }
    let mut copies = Sheet::new(
        "export_copies.csv",
        &["id", "made_at", "kind", "purpose", "path", "people"],
    );
    for c in &r.export_copies {
        copies.push(vec![
            c.id.to_string(),
            c.made_at.to_string(),
            c.kind.code().into(),
            c.purpose.code().into(),
            c.path.clone(),
            c.people.to_string(),
        ]);
    }
    let mut paper = Sheet::new(
        "paper_documents.csv",
        &[
            "kind",
            "dated_on",
            "location",
            "keeper",
            "recorded_at",
            "destroy_from",
            "destroyed_on",
        ],
    );
    for d in &r.paper_documents {
        paper.push(vec![
            d.kind.clone(),
            d.dated_on.map(|x| x.to_string()).unwrap_or_default(),
            d.location.clone(),
            d.keeper.clone(),
            d.recorded_at.to_string(),
            d.destroy_from.map(|x| x.to_string()).unwrap_or_default(),
            d.destroyed_on.map(|x| x.to_string()).unwrap_or_default(),
        ]);
    }
    let mut holds = Sheet::new(
        "legal_holds.csv",
        &["reason", "reference", "placed_at", "ends_on", "ended_at"],
    );
    for h in &r.legal_holds {
        holds.push(vec![
            h.reason.clone(),
            h.reference.clone(),
            h.placed_at.to_string(),
            h.ends_on.map(|x| x.to_string()).unwrap_or_default(),
            h.ended_at.map(|x| x.to_string()).unwrap_or_default(),
        ]);
    }
    let mut requests = Sheet::new(
        "requests.csv",
        &[
            "id",
            "kind",
            "channel",
            "status",
            "requester_name",
            "requester_email",
            "requester_address",
            "details",
            "received_at",
            "due_on",
            "extended_to",
            "extension_reason",
            "identity_method",
            "identity_note",
            "verified_at",
            "outcome",
            "answer",
            "answered_at",
            "fee_decision",
            "fee_cents",
            "fee_justification",
            "closed_at",
        ],
    );
    let mut events = Sheet::new("request_events.csv", &["request_id", "at", "event", "note"]);
    for q in &r.requests {
        requests.push(vec![
            q.id.to_string(),
            q.kind.clone(),
            q.channel.clone(),
            q.status.clone(),
            opt(&q.requester_name),
            opt(&q.requester_email),
            opt(&q.requester_address),
            opt(&q.details),
            q.received_at.to_string(),
            q.due_on.to_string(),
            opt(&q.extended_to),
            opt(&q.extension_reason),
            opt(&q.identity_method),
            opt(&q.identity_note),
            opt(&q.verified_at),
            opt(&q.outcome),
            opt(&q.answer),
            opt(&q.answered_at),
            opt(&q.fee_decision),
            opt(&q.fee_cents),
            opt(&q.fee_justification),
            opt(&q.closed_at),
        ]);
        for e in &q.events {
            events.push(vec![
                q.id.to_string(),
                e.at.to_string(),
                e.event.clone(),
                opt(&e.note),
            ]);
        }
    }
    vec![
        permissions,
        restrictions,
        disclosures,
        copies,
        paper,
        holds,
        requests,
        events,
    ]
}

fn processing_sheets(r: &AccessReport) -> Vec<Sheet> {
    let p = &r.processing;
    let mut purposes = Sheet::new("purposes.csv", &["purpose", "legal_basis"]);
    for x in &p.purposes {
        purposes.push(vec![x.purpose.code().into(), x.legal_basis.code().into()]);
    }
    let mut retention = Sheet::new(
        "retention.csv",
        &[
            "category",
            "months",
            "from",
            "action",
            "reason_fi",
            "reason_en",
        ],
    );
    for x in &p.retention {
        retention.push(vec![
            x.category.code().into(),
            x.months.to_string(),
            x.anchor.code().into(),
            x.action.code().into(),
            x.reason_fi.clone(),
            x.reason_en.clone(),
        ]);
    }
    let mut sources = Sheet::new("sources.csv", &["source"]);
    for s in &p.sources {
        sources.push(vec![s.code().into()]);
    }
    let mut recipients = Sheet::new(
        "recipients.csv",
        &["name", "role", "country", "in_eea", "safeguard"],
    );
    for x in &p.recipients {
        recipients.push(vec![
            x.name.clone(),
            x.role.code().into(),
            x.country.clone(),
            x.in_eea.to_string(),
            opt(&x.safeguard),
        ]);
    }
    let mut rights = Sheet::new("rights.csv", &["right"]);
    for x in &p.rights {
        rights.push(vec![x.code().into()]);
    }
    let reg = &p.register;
    let mut register = Sheet::new("register.csv", &["field", "value"]);
    for (field, value) in [
        ("controller", &reg.controller.name),
        ("controller_business_id", &reg.controller.business_id),
        ("controller_street", &reg.controller.street),
        ("controller_postal_code", &reg.controller.postal_code),
        ("controller_city", &reg.controller.city),
        ("contact_person", &reg.contact.name),
        ("contact_phone", &reg.contact.phone),
        ("contact_email", &reg.contact.email),
        ("authority_fi", &reg.authority.name_fi),
        ("authority_en", &reg.authority.name_en),
        ("authority_street", &reg.authority.street),
        ("authority_postal_address", &reg.authority.postal_address),
        ("authority_phone", &reg.authority.phone),
        ("authority_email", &reg.authority.email),
        ("authority_website", &reg.authority.website),
    ] {
        register.push(vec![field.into(), value.clone()]);
    }
    register.push(vec![
        "automated_decisions".into(),
        p.automated_decisions.to_string(),
    ]);
    vec![purposes, retention, sources, recipients, rights, register]
}

/// Every section of the report as its own CSV file, zipped.
pub fn archive(report: &AccessReport) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut zip = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
    let sheets = person_sheets(report)
        .into_iter()
        .chain(record_sheets(report))
        .chain(rights_sheets(report))
        .chain(processing_sheets(report));
    for sheet in sheets {
        zip.start_file(sheet.name, options)?;
        zip.write_all(&sheet.bytes()?)?;
    }
    Ok(zip.finish()?.into_inner())
}
