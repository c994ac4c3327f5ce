//! Bulk writes in one transaction: CSV imports (B7) and the demo data. Rows
//! go in many per statement, built by the same functions as single writes;
//! every record gets its audit row; and nothing is stored unless everything
//! is (the transaction commits last).

use crate::billing::{DUPLICATE_INVOICE_NUMBER, insert_lines, invoice_values, order_values};
use crate::contacts::{contact_values, insert_contacts};
use crate::notes::note_values;
use crate::organisations::{DUPLICATE_BUSINESS_ID, link_values, organisation_values};
use crate::people::person_values;
use crate::permissions::permission_values;
use crate::rows::{Values, insert_records, new_record, text_or_null};
use crate::search::SearchRow;
use crate::{Store, StoreError, audit};
use rekisteri_domain::audit::{Actor, AuditAction, AuditEntry, RecordType};
use rekisteri_domain::billing::{NewInvoice, NewOrder};
use rekisteri_domain::ids::{
    InvoiceId, LinkId, NoteId, OrderId, OrganisationId, PermissionEventId, PersonId,
};
use rekisteri_domain::note::NewNote;
use rekisteri_domain::organisation::{NewLink, NewOrganisation};
use rekisteri_domain::permission::NewPermissionEvent;
use rekisteri_domain::person::{ContactValue, NewPerson};
use rekisteri_domain::{Provenance, Timestamp};
use sqlx::{Any, Transaction};

/// The rows a batch of new people writes: theirs, their contact values,
/// their search rows and their audit entries. Built once for a bulk
/// transaction and for a staged import alike.
pub(crate) struct PeopleRows {
    pub people: Vec<Values>,
    pub contacts: Vec<Values>,
    pub search: Vec<Values>,
    pub entries: Vec<AuditEntry>,
}

impl PeopleRows {
    pub(crate) fn of(actor: &Actor, at: Timestamp, people: &[(PersonId, NewPerson)]) -> Self {
        let rows = people
            .iter()
            .map(|(id, p)| person_values(actor, at, *id, p))
            .collect();
        let mut contacts = Vec::new();
        for (id, p) in people {
            let prov = Provenance::new(p.source, p.source_detail.clone(), at);
            contacts.extend(
                p.contacts
                    .iter()
                    .enumerate()
                    .map(|(i, c)| contact_values(*id, i, c, &prov, at)),
            );
        }
        let search = people
            .iter()
            .map(|(id, p)| {
                let contacts = p
                    .contacts
                    .iter()
                    .filter(|c| matches!(c, ContactValue::Email(_) | ContactValue::Phone(_)))
                    .map(|c| c.value());
                let parts = p
                    .title
                    .as_ref()
                    .map(|t| t.as_str())
                    .into_iter()
                    .chain(contacts);
                SearchRow::person(*id, p.first_name.as_str(), p.last_name.as_str(), parts).values()
            })
            .collect();
        let entries = people
            .iter()
            .map(|(id, _)| actor.entry(at, AuditAction::Import, RecordType::Person, id, Some(*id)))
            .collect();
        Self {
            people: rows,
            contacts,
            search,
            entries,
        }
    }
}

/// A transaction for bulk writes; dropped without [`Bulk::commit`], it stores nothing.
pub struct Bulk {
    pub(crate) tx: Transaction<'static, Any>,
    actor: Actor,
    at: Timestamp,
}

impl Store {
    pub async fn bulk(&self, actor: Actor, at: Timestamp) -> Result<Bulk, StoreError> {
        Ok(Bulk {
            tx: self.backend.begin_write(&self.write).await?,
            actor,
            at,
        })
    }
}

impl Bulk {
    /// The time the bulk write records.
    pub fn at(&self) -> Timestamp {
        self.at
    }

    async fn finish(
        &mut self,
        search: Vec<Values>,
        entries: Vec<AuditEntry>,
    ) -> Result<(), StoreError> {
        insert_records(&mut self.tx, "search_index", search).await?;
        audit::insert(&mut self.tx, &entries).await?;
        Ok(())
    }

    /// People with their contact values and search rows.
    pub async fn people(&mut self, people: &[(PersonId, NewPerson)]) -> Result<(), StoreError> {
        let entries = self.people_unaudited(people).await?;
        audit::insert(&mut self.tx, &entries).await?;
        Ok(())
    }

    /// People with their contact values and search rows, their audit
    /// entries answered to be written last: on PostgreSQL an audit write
    /// takes the chain's lock until the commit, so a long import that wrote
    /// them as it went would hold every other writer for its whole length.
    pub(crate) async fn people_unaudited(
        &mut self,
        people: &[(PersonId, NewPerson)],
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = PeopleRows::of(&self.actor, self.at, people);
        insert_records(&mut self.tx, "people", rows.people).await?;
        insert_contacts(&mut self.tx, rows.contacts).await?;
        insert_records(&mut self.tx, "search_index", rows.search).await?;
        Ok(rows.entries)
    }

    /// Audit entries of rows this transaction wrote.
    pub(crate) async fn audit(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        audit::insert(&mut self.tx, entries).await?;
        Ok(())
    }

    /// Organisations are not personal data: no audit rows.
    pub async fn organisations(
        &mut self,
        orgs: &[(OrganisationId, NewOrganisation)],
    ) -> Result<(), StoreError> {
        let at = self.at;
        let rows = orgs
            .iter()
            .map(|(id, o)| new_record(id, at, organisation_values(o, at)))
            .collect();
        insert_records(&mut self.tx, "organisations", rows)
            .await
            .map_err(|e| StoreError::unique(e, "business_id", DUPLICATE_BUSINESS_ID))?;
        let search = orgs
            .iter()
            .map(|(id, o)| SearchRow::organisation(*id, o).values())
            .collect();
        self.finish(search, Vec::new()).await
    }

    /// Links. The people's search rows are not rewritten with the
    /// organisation names here; an edit of the person or organisation does it.
    pub async fn links(&mut self, links: &[(PersonId, NewLink)]) -> Result<(), StoreError> {
        let (actor, at) = (self.actor, self.at);
        let ids: Vec<LinkId> = links.iter().map(|_| LinkId::new(at)).collect();
        let rows = links
            .iter()
            .zip(&ids)
            .map(|((person, l), id)| new_record(id, at, link_values(*person, l, at)))
            .collect();
        insert_records(&mut self.tx, "person_organisations", rows).await?;
        let entries = links
            .iter()
            .zip(&ids)
            .map(|((p, _), id)| {
                actor.entry(at, AuditAction::Import, RecordType::Link, id, Some(*p))
            })
            .collect();
        self.finish(Vec::new(), entries).await
    }

    pub async fn orders(&mut self, orders: &[(OrderId, NewOrder)]) -> Result<(), StoreError> {
        let (actor, at) = (self.actor, self.at);
        let rows = orders
            .iter()
            .map(|(id, o)| new_record(id, at, order_values(o, at)))
            .collect();
        insert_records(&mut self.tx, "orders", rows).await?;
        let with_ids: Vec<(OrderId, &NewOrder)> = orders.iter().map(|(id, o)| (*id, o)).collect();
        insert_lines(&mut self.tx, at, &with_ids).await?;
        let entries = orders
            .iter()
            .map(|(id, o)| actor.entry(at, AuditAction::Import, RecordType::Order, id, o.person_id))
            .collect();
        self.finish(Vec::new(), entries).await
    }

    pub async fn invoices(
        &mut self,
        invoices: &[(InvoiceId, NewInvoice)],
    ) -> Result<(), StoreError> {
        let (actor, at) = (self.actor, self.at);
        let rows = invoices
            .iter()
            .map(|(id, i)| new_record(id, at, invoice_values(i, at)))
            .collect();
        insert_records(&mut self.tx, "invoices", rows)
            .await
            .map_err(|e| StoreError::unique(e, "number", DUPLICATE_INVOICE_NUMBER))?;
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
        self.finish(Vec::new(), entries).await
    }

    pub async fn notes(&mut self, notes: &[(NoteId, NewNote)]) -> Result<(), StoreError> {
        let (actor, at) = (self.actor, self.at);
        let rows = notes
            .iter()
            .map(|(id, n)| {
                let mut values = note_values(n, at);
                values.push(("created_by", text_or_null(actor.user)));
                new_record(id, at, values)
            })
            .collect();
        insert_records(&mut self.tx, "notes", rows).await?;
        let search = notes
            .iter()
            .map(|(id, n)| SearchRow::note(*id, n).values())
            .collect();
        let entries = notes
            .iter()
            .map(|(id, n)| actor.entry(at, AuditAction::Import, RecordType::Note, id, n.person_id))
            .collect();
        self.finish(search, entries).await
    }

    /// Marketing permission events (R15), each with its legal basis given.
    pub async fn permissions(
        &mut self,
        events: &[(PersonId, NewPermissionEvent)],
    ) -> Result<(), StoreError> {
        let (actor, at) = (self.actor, self.at);
        let ids: Vec<PermissionEventId> =
            events.iter().map(|_| PermissionEventId::new(at)).collect();
        let mut rows = Vec::with_capacity(events.len());
        for ((person, e), id) in events.iter().zip(&ids) {
            let Some(basis) = e.legal_basis else {
                return Err(StoreError::field(
                    "legal_basis",
                    "is required in a bulk write",
                ));
            };
            rows.push(permission_values(&actor, at, *id, *person, e, basis));
        }
        insert_records(&mut self.tx, "permission_events", rows).await?;
        let entries = events
            .iter()
            .zip(&ids)
            .map(|((p, _), id)| {
                actor.entry(
                    at,
                    AuditAction::Import,
                    RecordType::Permission,
                    id,
                    Some(*p),
                )
            })
            .collect();
        self.finish(Vec::new(), entries).await
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}
