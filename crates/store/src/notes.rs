//! Notes: history (meeting notes, offers) and upcoming events (actions,
//! meetings). Free text about a person is personal data: reads are audited.

use crate::rows::{
    self, Arg, Select, Values, int, int_or_null, new_record, opt_parsed, opt_ts, parsed,
    provenance, source_values, text, text_or_null, ts,
};
use crate::rows::{bump_version, exists};
use crate::search::SearchRow;
use crate::{Page, PageRequest, Store, StoreError, audit, search};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::NoteId;
use rekisteri_domain::note::{NewNote, Note, NoteKind};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};

#[derive(Debug, Clone, Default)]
pub struct NoteFilter {
    pub person_id: Option<String>,
    pub organisation_id: Option<String>,
    /// Only these kinds (from `kind` or `timeline`).
    pub kinds: Vec<NoteKind>,
    pub assigned_to: Option<String>,
    /// Upcoming events due at or after this time.
    pub due_from: Option<Timestamp>,
    /// … and before this time.
    pub due_before: Option<Timestamp>,
    /// Leave out actions already done.
    pub open_only: bool,
}

const NOTE_SELECT: &str = "SELECT id, version, person_id, organisation_id, kind, body, due_at, done_at, assigned_to, created_by, \
     source, source_detail, recorded_at, created_at, updated_at FROM notes";

fn note_from_row(row: &AnyRow) -> Result<Note, sqlx::Error> {
    Ok(Note {
        id: parsed(row, "id")?,
        version: int(row, "version")?,
        person_id: opt_parsed(row, "person_id")?,
        organisation_id: opt_parsed(row, "organisation_id")?,
        kind: parsed(row, "kind")?,
        body: text(row, "body")?,
        due_at: opt_ts(row, "due_at")?,
        done_at: opt_ts(row, "done_at")?,
        assigned_to: opt_parsed(row, "assigned_to")?,
        created_by: opt_parsed(row, "created_by")?,
        provenance: provenance(row, "")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

async fn note_in(tx: &mut Transaction<'static, Any>, id: NoteId) -> Result<Note, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{NOTE_SELECT} WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    Ok(note_from_row(&row.ok_or(StoreError::NotFound)?)?)
}

/// The columns a note's write sets (its author is set once, at creation).
pub(crate) fn note_values(new: &NewNote, at: Timestamp) -> Values {
    let mut values = vec![
        ("person_id", text_or_null(new.person_id)),
        ("organisation_id", text_or_null(new.organisation_id)),
        ("kind", Arg::Text(new.kind.code().into())),
        ("body", Arg::Text(new.body.to_string())),
        ("due_at", int_or_null(new.due_at.map(Timestamp::micros))),
        ("done_at", int_or_null(new.done_at.map(Timestamp::micros))),
        ("assigned_to", text_or_null(new.assigned_to)),
    ];
    values.extend(source_values(new.source, &new.source_detail, at));
    values
}

async fn check_refs(tx: &mut Transaction<'static, Any>, new: &NewNote) -> Result<(), StoreError> {
    if let Some(p) = new.person_id {
        exists(tx, "people", Some("person_id"), &p.to_string()).await?;
    }
    if let Some(o) = new.organisation_id {
        exists(tx, "organisations", Some("organisation_id"), &o.to_string()).await?;
    }
    if let Some(u) = new.assigned_to {
        exists(tx, "users", Some("assigned_to"), &u.to_string()).await?;
    }
    Ok(())
}

impl Store {
    pub async fn create_note(
        &self,
        actor: &Actor,
        at: Timestamp,
        new: NewNote,
    ) -> Result<Note, StoreError> {
        let id = NoteId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        check_refs(&mut tx, &new).await?;
        // R18: nothing new is written about a restricted person.
        crate::restrictions::refuse_write(&mut tx, at, &[new.person_id]).await?;
        let mut values = note_values(&new, at);
        values.push(("created_by", text_or_null(actor.user)));
        rows::insert_records(&mut tx, "notes", vec![new_record(id, at, values)]).await?;
        search::put(&mut tx, SearchRow::note(id, &new)).await?;
        // R9: a note or a meeting is activity of the customer relationship.
        let party: Vec<_> = new.person_id.into_iter().collect();
        crate::relationships::touch(&mut tx, &party, at.date()).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(at, AuditAction::Create, RecordType::Note, id, new.person_id)],
        )
        .await?;
        let note = note_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(note)
    }

    pub async fn get_note(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: NoteId,
    ) -> Result<Note, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{NOTE_SELECT} WHERE id = $1")))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        let note = note_from_row(&row.ok_or(StoreError::NotFound)?)?;
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::Read,
                RecordType::Note,
                id,
                note.person_id,
            )])
            .await?;
        Ok(note)
    }

    /// Notes by filter; upcoming events come by due time, history by creation.
    pub async fn list_notes(
        &self,
        actor: &Actor,
        at: Timestamp,
        filter: &NoteFilter,
        page: &PageRequest,
    ) -> Result<Page<Note>, StoreError> {
        let mut select = Select::default();
        if let Some(p) = &filter.person_id {
            select.filter("person_id = ?", Arg::Text(p.clone()));
        }
        if let Some(o) = &filter.organisation_id {
            select.filter("organisation_id = ?", Arg::Text(o.clone()));
        }
        if !filter.kinds.is_empty() {
            select.filter_in(
                "kind IN (?)",
                filter
                    .kinds
                    .iter()
                    .map(|k| Arg::Text(k.code().into()))
                    .collect(),
            );
        }
        if let Some(u) = &filter.assigned_to {
            select.filter("assigned_to = ?", Arg::Text(u.clone()));
        }
        if let Some(from) = filter.due_from {
            select.filter("due_at >= ?", Arg::Int(from.micros()));
        }
        if let Some(before) = filter.due_before {
            select.filter("due_at < ?", Arg::Int(before.micros()));
        }
        if filter.open_only {
            select.filter("(done_at IS NULL OR done_at > ?)", Arg::Int(at.micros()));
        }
        let (tail, extra) = rows::page_clause(&mut select, page, "id");
        let rows = select
            .build(NOTE_SELECT, &tail, extra)
            .fetch_all(&self.read)
            .await?;
        let notes = rows
            .iter()
            .map(note_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let page = rows::into_page(notes, page, |n| n.id.to_string());
        let entries = page
            .items
            .iter()
            .filter(|n| n.person_id.is_some())
            .map(|n| actor.entry(at, AuditAction::List, RecordType::Note, n.id, n.person_id))
            .collect();
        self.audit.record(entries).await?;
        Ok(page)
    }

    pub async fn replace_note(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: NoteId,
        expected: i64,
        new: NewNote,
    ) -> Result<Note, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        bump_version(&mut tx, "notes", &id.to_string(), expected, at).await?;
        check_refs(&mut tx, &new).await?;
        let before = note_in(&mut tx, id).await?.person_id;
        crate::restrictions::refuse_write(&mut tx, at, &[before, new.person_id]).await?;
        rows::update_record(&mut tx, "notes", &id.to_string(), note_values(&new, at)).await?;
        search::put(&mut tx, SearchRow::note(id, &new)).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(at, AuditAction::Update, RecordType::Note, id, new.person_id)],
        )
        .await?;
        let note = note_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(note)
    }

    pub async fn delete_note(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: NoteId,
        expected: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let note = note_in(&mut tx, id).await?;
        bump_version(&mut tx, "notes", &id.to_string(), expected, at).await?;
        crate::restrictions::refuse_write(&mut tx, at, &[note.person_id]).await?;
        sqlx::query("DELETE FROM notes WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        search::remove(&mut tx, "note", &id.to_string()).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Delete,
                RecordType::Note,
                id,
                note.person_id,
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
