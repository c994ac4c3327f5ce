use super::*;
use crate::retention::{RetentionAnchor, RetentionCategory, RetentionSchedule};
use crate::values::Parse;

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn provenance() -> Provenance {
    Provenance::new(Source::Registration, None, at("2026-01-01T00:00:00Z"))
}

fn report() -> AccessReport {
    let t = at("2026-11-24T10:00:00Z");
    AccessReport {
        schema_version: SCHEMA_VERSION,
        generated_at: t,
        person: ReportPerson {
            id: PersonId::new(t),
            first_name: "Aino".into(),
            last_name: "Virtanen".into(),
            name_source: provenance(),
            title: Some("myyntipäällikkö".into()),
            title_source: Some(provenance()),
            emails: vec![ReportValue {
                value: "aino@example.fi".into(),
                provenance: provenance(),
            }],
            phones: vec![ReportValue {
                value: "+358401234567".into(),
                provenance: provenance(),
            }],
            websites: Vec::new(),
            ip_addresses: vec![ReportValue {
                value: "192.0.2.7".into(),
                provenance: provenance(),
            }],
            addresses: vec![ReportAddress {
                kind: "postal".into(),
                street: "Kauppakatu 12".into(),
                postal_code: "70100".into(),
                city: "Kuopio".into(),
                country: "FI".into(),
                provenance: provenance(),
            }],
            relationship_started_on: None,
            relationship_ended_on: None,
            relationship_end_reason: None,
            created_at: t,
            updated_at: t,
        },
        organisations: Vec::new(),
        orders: Vec::new(),
        invoices: Vec::new(),
        notes: vec![
            ReportNote {
                id: NoteId::new(at("2026-03-01T00:00:00Z")),
                kind: NoteKind::Offer,
                body: "later".into(),
                due_at: None,
                done_at: None,
                created_at: at("2026-03-01T00:00:00Z"),
                provenance: provenance(),
            },
            ReportNote {
                id: NoteId::new(at("2026-02-01T00:00:00Z")),
                kind: NoteKind::MeetingNote,
                body: "earlier".into(),
                due_at: None,
                done_at: None,
                created_at: at("2026-02-01T00:00:00Z"),
                provenance: provenance(),
            },
        ],
        permissions: Vec::new(),
        restrictions: Vec::new(),
        disclosures: Vec::new(),
        export_copies: Vec::new(),
        requests: Vec::new(),
        legal_holds: Vec::new(),
        paper_documents: Vec::new(),
        processing: Processing::new(
            RetentionSchedule::default().policies,
            vec![
                ReportPurpose {
                    purpose: Purpose::OrderManagement,
                    legal_basis: LegalBasis::Contract,
                },
                ReportPurpose {
                    purpose: Purpose::RegisterMaintenance,
                    legal_basis: LegalBasis::Contract,
                },
            ],
            Vec::new(),
            RegisterDetails::default(),
        ),
    }
}

#[test]
fn r14_the_report_reads_back_from_its_own_json() {
    let report = report().ordered();
    let json = serde_json::to_string(&report).unwrap();
    let back: AccessReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    // Sources are flattened beside each value, as in the API.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["person"]["emails"][0]["source"], "registration");
}

#[test]
fn r14_lists_are_in_reading_order_and_the_notice_facts_are_complete() {
    let report = report().ordered();
    assert_eq!(report.notes[0].body, "earlier");
    let p = &report.processing;
    assert_eq!(p.purposes[0].purpose, Purpose::RegisterMaintenance);
    assert_eq!(p.rights.len(), 7);
    assert!(p.rights.contains(&Right::Complaint));
    assert_eq!(p.sources.len(), Source::ALL.len());
    assert!(!p.automated_decisions);
    let customer = &p.retention[0];
    assert_eq!(
        (customer.category, customer.months, customer.anchor),
        (
            RetentionCategory::CustomerData,
            120,
            RetentionAnchor::RelationshipEnd
        )
    );
    assert!(p.retention.iter().any(|r| r.months == 72));
    assert_eq!(report.row_count(), 3);
}

#[test]
fn r16_a_report_becomes_a_new_person_without_device_addresses() {
    let report = report();
    let draft = report
        .person_draft(Source::OwnNotice, "portability: json")
        .unwrap();
    assert_eq!(draft.emails, ["aino@example.fi"]);
    assert!(draft.ip_addresses.is_empty());
    assert_eq!(draft.source_detail.as_deref(), Some("portability: json"));
    let new = draft.parse().unwrap();
    assert_eq!(new.source, Source::OwnNotice);
    assert_eq!(new.contacts.len(), 3);
    let mut old = report;
    old.schema_version = 99;
    assert!(old.person_draft(Source::OwnNotice, "x").is_err());
}

#[test]
fn r9_r16_a_version_1_report_with_the_old_retention_rules_still_reads() {
    let mut json = serde_json::to_value(report()).unwrap();
    json["schema_version"] = 1.into();
    json["processing"]["retention"] = serde_json::json!([
        {"category": "customer_data", "years": 10, "from": "relationship_end", "reason": "the notice"}
    ]);
    let old: AccessReport = serde_json::from_value(json).unwrap();
    assert!(old.processing.retention.is_empty());
    let draft = old
        .person_draft(Source::OwnNotice, "portability: json")
        .unwrap();
    assert_eq!(draft.emails, ["aino@example.fi"]);
}
