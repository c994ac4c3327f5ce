//! Copies of people's data written to files (R21, migration 10): each file
//! the command line writes is recorded with who made it, when, for what
//! purpose, where, how many people and which, in one audited transaction
//! (a `create` of the copy, and one per person in it). The access report
//! names the copies a person is in (`report.rs`); the privacy officer's
//! erasure page lists them ([`Store::export_copies_of`]), to be destroyed.

use crate::rows::{self, Arg, Values, int, opt_parsed, parsed, text, text_or_null, ts};
use crate::{Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::export_copy::{ExportCopy, NewExportCopy};
use rekisteri_domain::ids::{ExportCopyId, PersonId};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

/// The copies a person is in, oldest first (`$1`: the person).
pub(crate) const OF_PERSON: &str = "SELECT c.id, c.kind, c.purpose, c.path, c.people, c.made_by, c.made_at, \
     c.disclosure_id FROM export_copies c JOIN export_copy_people p ON p.copy_id = c.id \
     WHERE p.person_id = $1 ORDER BY c.made_at, c.id";

pub(crate) fn from_row(row: &AnyRow) -> Result<ExportCopy, sqlx::Error> {
    Ok(ExportCopy {
        id: parsed(row, "id")?,
        kind: parsed(row, "kind")?,
        purpose: parsed(row, "purpose")?,
        path: text(row, "path")?,
        people: int(row, "people")?,
        made_by: opt_parsed(row, "made_by")?,
        made_at: ts(row, "made_at")?,
        disclosure_id: opt_parsed(row, "disclosure_id")?,
    })
}

/// Records the copy and everyone in it, with its audit rows, in the
/// caller's transaction (a disclosure's copy goes with the disclosure).
pub(crate) async fn insert(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    new: &NewExportCopy,
) -> Result<ExportCopy, StoreError> {
    if new.path.trim().is_empty() {
        return Err(StoreError::field("path", "must not be empty"));
    }
    let mut people = new.people.clone();
    people.sort();
    people.dedup();
    let id = ExportCopyId::new(at);
    let row: Values = vec![
        ("id", Arg::Text(id.to_string())),
        ("kind", Arg::Text(new.kind.code().into())),
        ("purpose", Arg::Text(actor.purpose.code().into())),
        ("path", Arg::Text(new.path.clone())),
        ("people", Arg::Int(people.len() as i64)),
        ("made_by", text_or_null(actor.user)),
        ("made_at", Arg::Int(at.micros())),
        ("disclosure_id", text_or_null(new.disclosure_id)),
    ];
    rows::insert_records(tx, "export_copies", vec![row]).await?;
    let members = people
        .iter()
        .map(|p| {
            vec![
                ("copy_id", Arg::Text(id.to_string())),
                ("person_id", Arg::Text(p.to_string())),
            ]
        })
        .collect();
    rows::insert_records(tx, "export_copy_people", members).await?;
    let mut entries = vec![actor.entry(at, AuditAction::Create, RecordType::ExportCopy, id, None)];
    entries.extend(people.iter().map(|p| {
        actor.entry(
            at,
            AuditAction::Create,
            RecordType::ExportCopy,
            id,
            Some(*p),
        )
    }));
    audit::insert(tx, &entries).await?;
    Ok(ExportCopy {
        id,
        kind: new.kind,
        purpose: actor.purpose,
        path: new.path.clone(),
        people: people.len() as i64,
        made_by: actor.user,
        made_at: at,
        disclosure_id: new.disclosure_id,
    })
}

impl Store {
    /// Records a file written with people's data in it (R21): who, when,
    /// the actor's purpose, the path, how many people and which. One
    /// transaction, audited.
    pub async fn record_export_copy(
        &self,
        actor: &Actor,
        at: Timestamp,
        new: NewExportCopy,
    ) -> Result<ExportCopy, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let copy = insert(&mut tx, actor, at, &new).await?;
        tx.commit().await?;
        Ok(copy)
    }

    /// The copies the person is in, oldest first; audited as a listing.
    pub async fn export_copies_of(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
    ) -> Result<Vec<ExportCopy>, StoreError> {
        let copies = sqlx::query(OF_PERSON)
            .bind(person.to_string())
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(from_row)
            .collect::<Result<Vec<_>, _>>()?;
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::List,
                RecordType::ExportCopy,
                person,
                Some(person),
            )])
            .await?;
        Ok(copies)
    }
}
