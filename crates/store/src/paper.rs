//! Paper documents (R10): recorded per person, listed (audited) for users
//! who signed a confidentiality commitment, and in the access report. An
//! erasure or a retention action on the person opens the destruction task
//! of each (`destroy_from`) in its own transaction; the officer confirms
//! each with its date, and the erasure counts as complete only then.

use crate::rows::{opt_date, opt_parsed, opt_ts, parsed, text, ts};
use crate::{Store, StoreError, audit};
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::backup::JournalAction;
use rekisteri_domain::ids::{PaperDocumentId, PersonId, RequestId};
use rekisteri_domain::paper::{NewPaperDocument, PaperDocument};
use rekisteri_domain::{Date, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Transaction};

const COLUMNS: &str = "id, person_id, kind, dated_on, location, keeper, recorded_at, recorded_by, \
     destroy_from, destroyed_on, destroyed_by";

fn from_row(row: &AnyRow) -> Result<PaperDocument, sqlx::Error> {
    Ok(PaperDocument {
        id: parsed(row, "id")?,
        person_id: parsed(row, "person_id")?,
        kind: text(row, "kind")?,
        dated_on: opt_date(row, "dated_on")?,
        location: text(row, "location")?,
        keeper: text(row, "keeper")?,
        recorded_at: ts(row, "recorded_at")?,
        recorded_by: opt_parsed(row, "recorded_by")?,
        destroy_from: opt_ts(row, "destroy_from")?,
        destroyed_on: opt_date(row, "destroyed_on")?,
        destroyed_by: opt_parsed(row, "destroyed_by")?,
    })
}

/// Marks the document destroyed on `on` (`YYYY-MM-DD`; a replayed journal
/// entry may lack it: then the day of `at`), its words gone; false when it
/// already was (or is not there).
pub(crate) async fn destroyed(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    id: &str,
    on: Option<&str>,
) -> Result<bool, StoreError> {
    let on = on.map_or_else(|| at.date().to_string(), String::from);
    Ok(sqlx::query(
        "UPDATE paper_documents SET destroyed_on = $1, destroyed_at = $2, destroyed_by = $3, \
         destroy_from = COALESCE(destroy_from, $2), kind = '', location = '', keeper = '' \
         WHERE id = $4 AND destroyed_on IS NULL",
    )
    .bind(on)
    .bind(at.micros())
    .bind(actor.user.map(|u| u.to_string()))
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// The person's paper documents, oldest first.
pub(crate) async fn of_person(
    conn: &mut AnyConnection,
    person: PersonId,
) -> Result<Vec<PaperDocument>, StoreError> {
    Ok(sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM paper_documents WHERE person_id = $1 ORDER BY recorded_at, id"
    )))
    .bind(person.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(from_row)
    .collect::<Result<_, _>>()?)
}

/// Opens the destruction task of each of the person's paper documents not
/// yet asked for, inside an erasure's or retention action's transaction.
pub(crate) async fn open_destruction(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    person: PersonId,
    request: Option<RequestId>,
) -> Result<u64, StoreError> {
    // A document already waiting (an earlier anonymisation asked for it)
    // belongs to this erasure's case too.
    if let Some(request) = request {
        sqlx::query(
            "UPDATE paper_documents SET request_id = $1 WHERE person_id = $2 AND destroyed_on IS NULL",
        )
        .bind(request.to_string())
        .bind(person.to_string())
        .execute(&mut **tx)
        .await?;
    }
    Ok(sqlx::query(
        "UPDATE paper_documents SET destroy_from = $1 WHERE person_id = $2 AND destroy_from IS NULL",
    )
    .bind(at.micros())
    .bind(person.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// The paper documents whose destruction the request's erasure asked for
/// and the officer has not confirmed yet.
pub(crate) async fn open_for_request(
    conn: &mut AnyConnection,
    request: RequestId,
) -> Result<i64, StoreError> {
    Ok(crate::rows::int(
        &sqlx::query(
            "SELECT COUNT(*) AS n FROM paper_documents WHERE request_id = $1 AND destroyed_on IS NULL",
        )
        .bind(request.to_string())
        .fetch_one(&mut *conn)
        .await?,
        "n",
    )?)
}

impl Store {
    /// Records a paper document kept about the person (audited).
    pub async fn add_paper_document(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        new: &NewPaperDocument,
    ) -> Result<PaperDocument, StoreError> {
        let id = PaperDocumentId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        crate::rows::must_exist(&mut tx, person).await?;
        sqlx::query(
            "INSERT INTO paper_documents (id, person_id, kind, dated_on, location, keeper, recorded_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(person.to_string())
        .bind(new.kind.to_string())
        .bind(new.dated_on.map(|d| d.to_string()))
        .bind(new.location.to_string())
        .bind(new.keeper.to_string())
        .bind(at.micros())
        .bind(actor.user.map(|u| u.to_string()))
        .execute(&mut *tx)
        .await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Create,
                RecordType::PaperDocument,
                id,
                Some(person),
            )],
        )
        .await?;
        let doc = of_person(&mut tx, person)
            .await?
            .into_iter()
            .find(|d| d.id == id)
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(doc)
    }

    /// The person's paper documents (audited as a list).
    pub async fn paper_documents(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
    ) -> Result<Vec<PaperDocument>, StoreError> {
        let mut conn = self.read.acquire().await?;
        let docs = of_person(&mut conn, person).await?;
        drop(conn);
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::List,
                RecordType::PaperDocument,
                person,
                Some(person),
            )])
            .await?;
        Ok(docs)
    }

    /// How many destructions wait for the officer's confirmation (the
    /// deadline board's count: no one is named).
    pub async fn paper_tasks_open(&self) -> Result<i64, StoreError> {
        Ok(crate::rows::int(
            &sqlx::query(
                "SELECT COUNT(*) AS n FROM paper_documents WHERE destroy_from IS NOT NULL AND destroyed_on IS NULL",
            )
            .fetch_one(&self.read)
            .await?,
            "n",
        )?)
    }

    /// Every destruction asked for and not yet confirmed, oldest first.
    pub async fn paper_to_destroy(
        &self,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<Vec<PaperDocument>, StoreError> {
        let docs = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM paper_documents WHERE destroy_from IS NOT NULL AND destroyed_on IS NULL \
             ORDER BY destroy_from, id"
        )))
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?;
        self.audit
            .record(
                docs.iter()
                    .map(|d| {
                        actor.entry(
                            at,
                            AuditAction::Read,
                            RecordType::PaperDocument,
                            d.id,
                            Some(d.person_id),
                        )
                    })
                    .collect(),
            )
            .await?;
        Ok(docs)
    }

    /// One paper document.
    pub async fn paper_document(&self, id: PaperDocumentId) -> Result<PaperDocument, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM paper_documents WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await?
        .map(|r| from_row(&r))
        .transpose()?
        .ok_or(StoreError::NotFound)
    }

    /// The officer confirms a document destroyed on `on` (audited). Which
    /// document, when and by whom stay as proof; its words (kind, place,
    /// keeper: free text that may name the person) go.
    pub async fn confirm_destroyed(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: PaperDocumentId,
        on: Date,
    ) -> Result<PaperDocument, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let on = on.to_string();
        let changed = destroyed(&mut tx, actor, at, &id.to_string(), Some(&on)).await?;
        if changed {
            crate::journal_entries::write(
                &mut tx,
                at,
                crate::journal_entries::Done {
                    action: JournalAction::PaperDestroyed,
                    record_type: "paper_document",
                    record_id: id.to_string(),
                    tombstones: Vec::new(),
                    detail: Some(on),
                },
            )
            .await?;
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM paper_documents WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let doc = from_row(&row)?;
        if changed {
            audit::insert(
                &mut tx,
                &[actor.entry(
                    at,
                    AuditAction::Delete,
                    RecordType::PaperDocument,
                    id,
                    Some(doc.person_id),
                )],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(doc)
    }
}
