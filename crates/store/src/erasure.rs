//! Erasure with holds (R8, R19, R21). One write transaction re-checks the
//! holds; held, it schedules the erasure for when the holds end; else it
//! removes the person and every row about them, keeps what the accounting
//! law keeps without the person, minimises the data-subject requests (the
//! proof that the right was answered stays), lays a tombstone per email
//! address, and writes audit rows with ids only.
//!
//! What stays, and why:
//! - invoices and orders: number, dates, amounts, lines; `person_id` and the
//!   free `source_detail` cleared (accounting law, R8);
//! - `requests`: kind, channel, status, dates, outcome; the requester's
//!   name, email, address, their words, the answer's text and every free
//!   note cleared (and the events' notes);
//! - `disclosure_records`: the proof of a disclosure, ids only (the
//!   disclosure, the record type and id, the person's id): nothing in them
//!   names the person once the person's rows are gone;
//! - the audit log: append-only and ids only; it is never rewritten.

use crate::notices::{RecipientNotice, queue_notices, recipient_notices};
use crate::rows::{self, opt_parsed, opt_ts, parsed, text, ts};
use crate::{Store, StoreError, audit, tombstones};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, AuditEntry, RecordType};
use rekisteri_domain::backup::JournalAction;
use rekisteri_domain::erasure::{Hold, hold_codes};
use rekisteri_domain::ids::{PersonId, RequestId, UserId};
use rekisteri_domain::job::{Forgotten, Job};
use rekisteri_domain::values::{Email, Parse};
use serde::Serialize;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Transaction};
use utoipa::ToSchema;

/// An erasure waiting for its holds to end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ScheduledErasure {
    pub id: String,
    pub person_id: PersonId,
    pub requested_at: Timestamp,
    pub requested_by: Option<UserId>,
    pub request_id: Option<RequestId>,
    /// The codes of the holds when last checked.
    pub holds: Vec<String>,
    /// `scheduled` or `done`.
    pub status: String,
    pub checked_at: Timestamp,
    pub done_at: Option<Timestamp>,
}

/// What an erasure (or anonymisation) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErasureOutcome {
    /// Done; these recipients are to be notified (Art. 19): a
    /// `notify_recipient` job each was queued in the erasure's transaction,
    /// and `mail_removed` letters about the person went in it too;
    /// `paper_to_destroy` paper documents wait for the officer to confirm
    /// their destruction (R10), and the erasure is complete only then.
    Erased {
        notices: Vec<RecipientNotice>,
        mail_removed: u64,
        paper_to_destroy: u64,
    },
    /// Holds prevent it; an erasure is scheduled for when they end
    /// (anonymisation is not scheduled: `None`).
    Held {
        holds: Vec<Hold>,
        scheduled: Option<ScheduledErasure>,
    },
}

const SCHEDULED_COLUMNS: &str =
    "id, person_id, requested_at, requested_by, request_id, holds, status, checked_at, done_at";

fn scheduled_from_row(row: &sqlx::any::AnyRow) -> Result<ScheduledErasure, sqlx::Error> {
    Ok(ScheduledErasure {
        id: text(row, "id")?,
        person_id: parsed(row, "person_id")?,
        requested_at: ts(row, "requested_at")?,
        requested_by: opt_parsed(row, "requested_by")?,
        request_id: opt_parsed(row, "request_id")?,
        holds: text(row, "holds")?
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
        status: text(row, "status")?,
        checked_at: ts(row, "checked_at")?,
        done_at: opt_ts(row, "done_at")?,
    })
}

/// The person's latest scheduled erasure (waiting or done).
pub(crate) async fn latest_scheduled(
    conn: &mut AnyConnection,
    person: PersonId,
) -> Result<Option<ScheduledErasure>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {SCHEDULED_COLUMNS} FROM scheduled_erasures WHERE person_id = $1 \
         ORDER BY (CASE WHEN status = 'scheduled' THEN 0 ELSE 1 END), requested_at DESC, id DESC LIMIT 1"
    )))
    .bind(person.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.as_ref().map(scheduled_from_row).transpose()?)
}

/// Schedules the erasure (or brings the waiting one's holds up to date).
pub(crate) async fn schedule(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    person: PersonId,
    request: Option<RequestId>,
    holds: &[Hold],
) -> Result<ScheduledErasure, StoreError> {
    let codes = hold_codes(holds);
    let waiting = latest_scheduled(tx, person)
        .await?
        .filter(|s| s.status == "scheduled");
    let id = match waiting {
        Some(s) => {
            sqlx::query(
                "UPDATE scheduled_erasures SET holds = $1, checked_at = $2, \
                 request_id = COALESCE(request_id, $3) WHERE id = $4",
            )
            .bind(codes)
            .bind(at.micros())
            .bind(request.map(|r| r.to_string()))
            .bind(s.id.clone())
            .execute(&mut **tx)
            .await?;
            s.id
        }
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            sqlx::query(
                "INSERT INTO scheduled_erasures (id, person_id, requested_at, requested_by, request_id, holds, status, checked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $3)",
            )
            .bind(id.clone())
            .bind(person.to_string())
            .bind(at.micros())
            .bind(actor.user.map(|u| u.to_string()))
            .bind(request.map(|r| r.to_string()))
            .bind(codes)
            .execute(&mut **tx)
            .await?;
            id
        }
    };
    audit::insert(
        tx,
        &[actor.entry(
            at,
            AuditAction::Schedule,
            RecordType::Erasure,
            &id,
            Some(person),
        )],
    )
    .await?;
    latest_scheduled(tx, person)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The ids of a table's rows about the person.
async fn ids_of(
    conn: &mut AnyConnection,
    table: &str,
    person: PersonId,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query(AssertSqlSafe(format!(
        "SELECT id FROM {table} WHERE person_id = $1"
    )))
    .bind(person.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| text(r, "id"))
    .collect::<Result<_, _>>()?)
}

/// Runs `sql` with the person's id as `$1`.
async fn exec(
    tx: &mut Transaction<'static, Any>,
    sql: &str,
    person: PersonId,
) -> Result<(), StoreError> {
    sqlx::query(AssertSqlSafe(sql.to_string()))
        .bind(person.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What [`forget_common`] did: the audit rows of the orders and invoices
/// kept, and how many letters about the person went.
pub(crate) struct Forgot {
    pub entries: Vec<AuditEntry>,
    pub mail_removed: u64,
    /// The tombstones' hashes, for the erasure journal.
    pub tombstones: Vec<String>,
}

/// What erasure and anonymisation share, inside their transaction: the
/// tombstones, the requests minimised, the portal's links, the letters
/// about the person or naming their addresses (the `mail` table), the kept
/// orders' and invoices' free source words; and the audit rows of the
/// orders and invoices kept.
pub(crate) async fn forget_common(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    person: PersonId,
    request: Option<RequestId>,
) -> Result<Forgot, StoreError> {
    // Every contact of the person, the kind picked here: with `kind` in the
    // WHERE clause and no statistics, SQLite may walk the (kind, value)
    // index, every email in the register, instead of the person's few rows.
    let emails: Vec<Email> =
        sqlx::query("SELECT kind, value FROM person_contacts WHERE person_id = $1")
            .bind(person.to_string())
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok::<_, sqlx::Error>((text(r, "kind")?, text(r, "value")?)))
            .collect::<Result<Vec<_>, _>>()?
            .iter()
            .filter(|(kind, _)| kind == "email")
            .filter_map(|(_, v)| Email::parse(v).ok())
            .collect();
    let tombstones = tombstones::lay(tx, at, &emails, request).await?;
    let mail_removed = crate::mail::purge(tx, person, &emails).await?;
    // The portal's sign-in links and verified visits name the address.
    for chunk in emails.chunks(1_000) {
        let mut select = rows::Select::default();
        select.filter_in(
            "LOWER(email) IN (?)",
            chunk
                .iter()
                .map(|e| rows::Arg::Text(e.as_str().to_lowercase()))
                .collect(),
        );
        for table in ["portal_links", "portal_sessions"] {
            select
                .build(&format!("DELETE FROM {table}"), "", Vec::new())
                .execute(&mut **tx)
                .await?;
        }
        // Cases never linked to the person (an address on several records,
        // or not matched yet) name them by the address: their words go too.
        let mut unlinked = rows::Select::default();
        unlinked.filter_in(
            "person_id IS NULL AND LOWER(requester_email) IN (?)",
            chunk
                .iter()
                .map(|e| rows::Arg::Text(e.as_str().to_lowercase()))
                .collect(),
        );
        unlinked
            .build(
                "UPDATE request_events SET note = NULL WHERE request_id IN (SELECT id FROM requests",
                ")",
                Vec::new(),
            )
            .execute(&mut **tx)
            .await?;
        unlinked
            .build(
                "UPDATE requests SET requester_name = NULL, requester_email = NULL, requester_address = NULL, \
                 details = NULL, identity_note = NULL, answer = NULL, extension_reason = NULL, \
                 fee_justification = NULL",
                "",
                Vec::new(),
            )
            .execute(&mut **tx)
            .await?;
    }
    // The cases stay as proof that the right was answered; the words go.
    exec(
        tx,
        "UPDATE request_events SET note = NULL WHERE request_id IN (SELECT id FROM requests WHERE person_id = $1)",
        person,
    )
    .await?;
    exec(
        tx,
        "UPDATE requests SET requester_name = NULL, requester_email = NULL, requester_address = NULL, \
         details = NULL, identity_note = NULL, answer = NULL, extension_reason = NULL, \
         fee_justification = NULL WHERE person_id = $1",
        person,
    )
    .await?;
    let mut entries = Vec::new();
    for (table, record) in [
        ("invoices", RecordType::Invoice),
        ("orders", RecordType::Order),
    ] {
        for id in ids_of(tx, table, person).await? {
            entries.push(actor.entry(at, AuditAction::Update, record, id, Some(person)));
        }
    }
    Ok(Forgot {
        entries,
        mail_removed,
        tombstones,
    })
}

/// Erases the person inside `tx`, the holds already found to be none.
pub(crate) async fn erase_now(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    person: PersonId,
    request: Option<RequestId>,
) -> Result<ErasureOutcome, StoreError> {
    let notices = recipient_notices(tx, person).await?;
    queue_notices(tx, at, person, &notices, Forgotten::Erased).await?;
    let (outcome, tombstones) = erase_rows(tx, actor, at, person, request).await?;
    crate::journal_entries::write(
        tx,
        at,
        crate::journal_entries::Done {
            action: JournalAction::Erase,
            record_type: "person",
            record_id: person.to_string(),
            tombstones,
            detail: None,
        },
    )
    .await?;
    Ok(match outcome {
        ErasureOutcome::Erased {
            mail_removed,
            paper_to_destroy,
            ..
        } => ErasureOutcome::Erased {
            notices,
            mail_removed,
            paper_to_destroy,
        },
        other => other,
    })
}

/// The erasure's rows, inside `tx`: everything [`erase_now`] does but the
/// Art. 19 notices and the journal entry (a restore replaying the journal
/// does this alone). Answers the outcome (no notices) and the tombstones.
pub(crate) async fn erase_rows(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    person: PersonId,
    request: Option<RequestId>,
) -> Result<(ErasureOutcome, Vec<String>), StoreError> {
    let Forgot {
        mut entries,
        mail_removed,
        tombstones,
    } = forget_common(tx, actor, at, person, request).await?;
    // R10: each paper document about the person is to be destroyed.
    let paper_to_destroy = crate::paper::open_destruction(tx, at, person, request).await?;
    // Accounting law keeps these, without the person (R8).
    for table in ["invoices", "orders"] {
        exec(
            tx,
            &format!(
                "UPDATE {table} SET person_id = NULL, source_detail = NULL, version = version + 1, \
                 updated_at = {} WHERE person_id = $1",
                at.micros()
            ),
            person,
        )
        .await?;
    }
    // Every other row about the person, set-based (the foreign keys would
    // cascade; naming each table keeps the list of what goes in one place).
    for sql in [
        "DELETE FROM search_index WHERE person_id = $1",
        "DELETE FROM notes WHERE person_id = $1",
        "DELETE FROM permission_events WHERE person_id = $1",
        "DELETE FROM restrictions WHERE person_id = $1",
        "DELETE FROM legal_holds WHERE person_id = $1",
        "DELETE FROM relationship_reviews WHERE person_id = $1",
        "DELETE FROM person_organisations WHERE person_id = $1",
        "DELETE FROM person_contacts WHERE person_id = $1",
        "DELETE FROM people WHERE id = $1",
    ] {
        exec(tx, sql, person).await?;
    }
    sqlx::query(
        "UPDATE scheduled_erasures SET status = 'done', done_at = $1, checked_at = $1, holds = '' \
         WHERE person_id = $2 AND status = 'scheduled'",
    )
    .bind(at.micros())
    .bind(person.to_string())
    .execute(&mut **tx)
    .await?;
    entries.insert(
        0,
        actor.entry(
            at,
            AuditAction::Erase,
            RecordType::Person,
            person,
            Some(person),
        ),
    );
    audit::insert(tx, &entries).await?;
    Ok((
        ErasureOutcome::Erased {
            notices: Vec::new(),
            mail_removed,
            paper_to_destroy,
        },
        tombstones,
    ))
}

/// Queues, inside the caller's transaction, an `erasure_recheck` job when
/// an erasure of the person waits for its holds: the change being written
/// (an invoice paid or credited, a contact role ended) may have ended them.
/// Most changes concern no one waiting and queue nothing.
pub(crate) async fn queue_recheck(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    person: Option<PersonId>,
) -> Result<(), StoreError> {
    let Some(person) = person else {
        return Ok(());
    };
    let waiting = sqlx::query(
        "SELECT 1 AS one FROM scheduled_erasures WHERE person_id = $1 AND status = 'scheduled'",
    )
    .bind(person.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if waiting.is_some() {
        crate::jobs::enqueue(tx, at, &Job::ErasureRecheck { person_id: person }).await?;
    }
    Ok(())
}

impl Store {
    /// What holds the person's erasure today (R8, R19); audited as a read.
    pub async fn erasure_holds(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
    ) -> Result<Vec<Hold>, StoreError> {
        let mut conn = self.read.acquire().await?;
        let exists = sqlx::query("SELECT id FROM people WHERE id = $1")
            .bind(person.to_string())
            .fetch_optional(&mut *conn)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let holds = crate::holds::read_holds(&mut conn, person, at.date()).await?;
        drop(conn);
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::Read,
                RecordType::Person,
                person,
                Some(person),
            )])
            .await?;
        Ok(holds)
    }

    /// The person's erasure waiting for its holds, or the last one done.
    pub async fn scheduled_erasure(
        &self,
        person: PersonId,
    ) -> Result<Option<ScheduledErasure>, StoreError> {
        let mut conn = self.read.acquire().await?;
        latest_scheduled(&mut conn, person).await
    }
}
