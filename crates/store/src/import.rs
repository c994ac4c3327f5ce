//! Bulk writes in one transaction: CSV imports (B7) and the demo data. Rows
//! go in many per statement; every person imported gets an audit row; and
//! nothing is stored unless everything is (the transaction commits last).

use crate::people::{PERSON_INSERT, contact_args, person_args};
use crate::rows::{Arg, insert_many};
use crate::{Store, StoreError, audit};
use rekisteri_domain::audit::{Actor, AuditAction, AuditEntry, RecordType};
use rekisteri_domain::billing::{NewInvoice, NewOrder};
use rekisteri_domain::ids::{
    InvoiceId, LinkId, NoteId, OrderId, OrderLineId, OrganisationId, PersonId,
};
use rekisteri_domain::note::NewNote;
use rekisteri_domain::organisation::{NewLink, NewOrganisation};
use rekisteri_domain::person::{ContactValue, NewPerson};
use rekisteri_domain::search::search_text;
use rekisteri_domain::{Provenance, Timestamp};
use sqlx::{Any, Transaction};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub imported: usize,
}

/// A transaction for bulk writes; dropped without [`Bulk::commit`], it stores nothing.
pub struct Bulk {
    tx: Transaction<'static, Any>,
    actor: Actor,
    at: Timestamp,
}

fn opt(v: Option<String>) -> Arg {
    v.map(Arg::Text).unwrap_or(Arg::Null)
}

impl Store {
    pub async fn bulk(&self, actor: Actor, at: Timestamp) -> Result<Bulk, StoreError> {
        Ok(Bulk {
            tx: self.write.begin().await?,
            actor,
            at,
        })
    }
}

impl Bulk {
    async fn search_rows(&mut self, rows: Vec<[Arg; 4]>) -> Result<(), StoreError> {
        insert_many(
            &mut self.tx,
            "INSERT INTO search_index (record_type, record_id, person_id, search_text) VALUES ",
            rows,
        )
        .await?;
        Ok(())
    }

    async fn audit(&mut self, entries: Vec<AuditEntry>) -> Result<(), StoreError> {
        audit::insert(&mut self.tx, &entries).await?;
        Ok(())
    }

    /// People with their contact values and search rows.
    pub async fn people(&mut self, people: &[(PersonId, NewPerson)]) -> Result<(), StoreError> {
        let (actor, at) = (self.actor, self.at);
        let rows = people
            .iter()
            .map(|(id, p)| person_args(&actor, at, *id, p))
            .collect();
        insert_many(&mut self.tx, PERSON_INSERT, rows).await?;
        let mut contacts = Vec::new();
        for (id, p) in people {
            let prov = Provenance::new(p.source, p.source_detail.clone(), at);
            contacts.extend(
                p.contacts
                    .iter()
                    .enumerate()
                    .map(|(i, c)| contact_args(*id, i, c, &prov, at)),
            );
        }
        insert_many(&mut self.tx, crate::people::CONTACT_INSERT, contacts).await?;
        let search = people
            .iter()
            .map(|(id, p)| {
                let mut parts = vec![p.first_name.as_str(), p.last_name.as_str()];
                parts.extend(p.title.as_ref().map(|t| t.as_str()));
                parts.extend(
                    p.contacts
                        .iter()
                        .filter(|c| matches!(c, ContactValue::Email(_) | ContactValue::Phone(_)))
                        .map(|c| c.value()),
                );
                [
                    Arg::Text("person".into()),
                    Arg::Text(id.to_string()),
                    Arg::Text(id.to_string()),
                    Arg::Text(search_text(parts)),
                ]
            })
            .collect();
        self.search_rows(search).await?;
        let entries = people
            .iter()
            .map(|(id, _)| actor.entry(at, AuditAction::Import, RecordType::Person, id, Some(*id)))
            .collect();
        self.audit(entries).await
    }

    pub async fn organisations(
        &mut self,
        orgs: &[(OrganisationId, NewOrganisation)],
    ) -> Result<(), StoreError> {
        let at = self.at.micros();
        let rows = orgs
            .iter()
            .map(|(id, o)| {
                [
                    Arg::Text(id.to_string()),
                    Arg::Int(1),
                    Arg::Text(o.name.to_string()),
                    opt(o.business_id.as_ref().map(|b| b.to_string())),
                    opt(o.website.as_ref().map(|w| w.to_string())),
                    Arg::Text(o.source.code().into()),
                    opt(o.source_detail.clone()),
                    Arg::Int(at),
                    Arg::Int(at),
                    Arg::Int(at),
                ]
            })
            .collect();
        insert_many(
            &mut self.tx,
            "INSERT INTO organisations (id, version, name, business_id, website, source, source_detail, recorded_at, created_at, updated_at) VALUES ",
            rows,
        )
        .await
        .map_err(|e| StoreError::unique(e, "business_id", "another organisation has this business ID"))?;
        let search = orgs
            .iter()
            .map(|(id, o)| {
                let mut parts = vec![o.name.as_str()];
                parts.extend(o.business_id.as_ref().map(|b| b.as_str()));
                [
                    Arg::Text("organisation".into()),
                    Arg::Text(id.to_string()),
                    Arg::Null,
                    Arg::Text(search_text(parts)),
                ]
            })
            .collect();
        self.search_rows(search).await
    }

    /// Links; the linked people's search rows are not rewritten (call before
    /// `people` is not possible, so bulk links leave organisation names out
    /// of people's search rows, which a later edit restores).
    pub async fn links(&mut self, links: &[(PersonId, NewLink)]) -> Result<(), StoreError> {
        let (actor, at) = (self.actor, self.at);
        let rows = links
            .iter()
            .map(|(person, l)| {
                [
                    Arg::Text(LinkId::new(at).to_string()),
                    Arg::Int(1),
                    Arg::Text(person.to_string()),
                    Arg::Text(l.organisation_id.to_string()),
                    opt(l.title.as_ref().map(|t| t.to_string())),
                    opt(l.started_on.map(|d| d.to_string())),
                    opt(l.ended_on.map(|d| d.to_string())),
                    Arg::Int(i64::from(l.is_contact_person)),
                    Arg::Text(l.source.code().into()),
                    opt(l.source_detail.clone()),
                    Arg::Int(at.micros()),
                    Arg::Int(at.micros()),
                    Arg::Int(at.micros()),
                ]
            })
            .collect();
        insert_many(
            &mut self.tx,
            "INSERT INTO person_organisations (id, version, person_id, organisation_id, title, started_on, ended_on, is_contact_person, \
             source, source_detail, recorded_at, created_at, updated_at) VALUES ",
            rows,
        )
        .await?;
        let entries = links
            .iter()
            .map(|(p, _)| actor.entry(at, AuditAction::Import, RecordType::Link, p, Some(*p)))
            .collect();
        self.audit(entries).await
    }

    pub async fn orders(&mut self, orders: &[(OrderId, NewOrder)]) -> Result<(), StoreError> {
        let (actor, at) = (self.actor, self.at);
        let rows = orders
            .iter()
            .map(|(id, o)| {
                [
                    Arg::Text(id.to_string()),
                    Arg::Int(1),
                    opt(o.person_id.map(|p| p.to_string())),
                    opt(o.organisation_id.map(|p| p.to_string())),
                    Arg::Text(o.number.to_string()),
                    Arg::Text(o.status.code().into()),
                    Arg::Text(o.ordered_on.to_string()),
                    Arg::Text(o.currency.to_string()),
                    Arg::Int(o.total_cents()),
                    Arg::Text(o.source.code().into()),
                    opt(o.source_detail.clone()),
                    Arg::Int(at.micros()),
                    Arg::Int(at.micros()),
                    Arg::Int(at.micros()),
                ]
            })
            .collect();
        insert_many(
            &mut self.tx,
            "INSERT INTO orders (id, version, person_id, organisation_id, number, status, ordered_on, currency, total_cents, \
             source, source_detail, recorded_at, created_at, updated_at) VALUES ",
            rows,
        )
        .await?;
        let mut lines = Vec::new();
        for (id, o) in orders {
            for (i, l) in o.lines.iter().enumerate() {
                lines.push([
                    Arg::Text(OrderLineId::new(at).to_string()),
                    Arg::Text(id.to_string()),
                    Arg::Int(i as i64),
                    Arg::Text(l.description.to_string()),
                    Arg::Int(l.quantity),
                    Arg::Int(l.unit_price_cents),
                ]);
            }
        }
        insert_many(&mut self.tx, "INSERT INTO order_lines (id, order_id, position, description, quantity, unit_price_cents) VALUES ", lines).await?;
        let entries = orders
            .iter()
            .map(|(id, o)| actor.entry(at, AuditAction::Import, RecordType::Order, id, o.person_id))
            .collect();
        self.audit(entries).await
    }

    pub async fn invoices(
        &mut self,
        invoices: &[(InvoiceId, NewInvoice)],
    ) -> Result<(), StoreError> {
        let (actor, at) = (self.actor, self.at);
        let rows = invoices
            .iter()
            .map(|(id, i)| {
                [
                    Arg::Text(id.to_string()),
                    Arg::Int(1),
                    opt(i.person_id.map(|p| p.to_string())),
                    opt(i.organisation_id.map(|p| p.to_string())),
                    opt(i.order_id.map(|p| p.to_string())),
                    Arg::Text(i.number.to_string()),
                    Arg::Text(i.status.code().into()),
                    Arg::Text(i.issued_on.to_string()),
                    Arg::Text(i.due_on.to_string()),
                    Arg::Int(i.total_cents),
                    Arg::Text(i.currency.to_string()),
                    Arg::Text(i.source.code().into()),
                    opt(i.source_detail.clone()),
                    Arg::Int(at.micros()),
                    Arg::Int(at.micros()),
                    Arg::Int(at.micros()),
                ]
            })
            .collect();
        insert_many(
            &mut self.tx,
            "INSERT INTO invoices (id, version, person_id, organisation_id, order_id, number, status, issued_on, due_on, total_cents, \
             currency, source, source_detail, recorded_at, created_at, updated_at) VALUES ",
            rows,
        )
        .await
        .map_err(|e| StoreError::unique(e, "number", "another invoice has this number"))?;
        let entries = invoices
            .iter()
            .map(|(id, i)| {
                actor.entry(
                    at,
                    AuditAction::Import,
                    RecordType::Invoice,
                    id,
                    i.person_id,
                )
            })
            .collect();
        self.audit(entries).await
    }

    pub async fn notes(&mut self, notes: &[(NoteId, NewNote)]) -> Result<(), StoreError> {
        let (actor, at) = (self.actor, self.at);
        let rows = notes
            .iter()
            .map(|(id, n)| {
                [
                    Arg::Text(id.to_string()),
                    Arg::Int(1),
                    opt(n.person_id.map(|p| p.to_string())),
                    opt(n.organisation_id.map(|p| p.to_string())),
                    Arg::Text(n.kind.code().into()),
                    Arg::Text(n.body.to_string()),
                    n.due_at
                        .map(|t| Arg::Int(t.micros()))
                        .unwrap_or(Arg::NullInt),
                    n.done_at
                        .map(|t| Arg::Int(t.micros()))
                        .unwrap_or(Arg::NullInt),
                    opt(n.assigned_to.map(|u| u.to_string())),
                    opt(actor.user.map(|u| u.to_string())),
                    Arg::Text(n.source.code().into()),
                    opt(n.source_detail.clone()),
                    Arg::Int(at.micros()),
                    Arg::Int(at.micros()),
                    Arg::Int(at.micros()),
                ]
            })
            .collect();
        insert_many(
            &mut self.tx,
            "INSERT INTO notes (id, version, person_id, organisation_id, kind, body, due_at, done_at, assigned_to, created_by, \
             source, source_detail, recorded_at, created_at, updated_at) VALUES ",
            rows,
        )
        .await?;
        let search = notes
            .iter()
            .map(|(id, n)| {
                [
                    Arg::Text("note".into()),
                    Arg::Text(id.to_string()),
                    opt(n.person_id.map(|p| p.to_string())),
                    Arg::Text(search_text([n.body.as_str()])),
                ]
            })
            .collect();
        self.search_rows(search).await?;
        let entries = notes
            .iter()
            .map(|(id, n)| actor.entry(at, AuditAction::Import, RecordType::Note, id, n.person_id))
            .collect();
        self.audit(entries).await
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}
