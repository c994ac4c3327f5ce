//! What the retention sweep finds and does (R9). [`Store::expired`] lists,
//! for one policy, every record whose period has run out on a day — the
//! anchor date, the expiry date, the action and any hold — and
//! [`Store::apply_retention`] acts on one in one transaction with its
//! sweep item and audit rows: a person is erased or anonymised as an
//! erasure request would do it (tombstones, Art. 19 notices as jobs), a
//! record deleted or minimised. A kill -9 leaves every record either done
//! and recorded or untouched; the next run finds the rest.

use crate::erasure::{ErasureOutcome, erase_now};
use crate::holds::read_holds;
use crate::retention::{SweepItem, record_item};
use crate::rows::{int, parsed, text};
use crate::{Store, StoreError, audit};
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::backup::JournalAction;
use rekisteri_domain::erasure::{ANONYMISED, Hold};
use rekisteri_domain::ids::{PersonId, SweepId};
use rekisteri_domain::retention::{
    RetentionAction, RetentionCategory, RetentionPolicy, RetentionSchedule,
};
use rekisteri_domain::{Date, Timestamp};
use serde::Serialize;
use sqlx::{Any, AssertSqlSafe, Transaction};
use utoipa::ToSchema;

/// One record whose retention period has run out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Expired {
    pub category: RetentionCategory,
    /// `person`, `order`, `invoice`, `request`, `tombstone`, `audit_range`.
    pub record_type: String,
    /// The record's id (a tombstone: its hash; an audit range: `1-5400`).
    pub record_id: String,
    pub person_id: Option<PersonId>,
    /// The record's own date the period was reckoned from (the
    /// relationship's end, the order's or invoice's date, the case's close,
    /// the erasure's day).
    pub record_on: Date,
    /// The date the period counts from.
    pub anchor_on: Date,
    /// The last day it was kept.
    pub expires_on: Date,
    pub action: RetentionAction,
    /// Rows it stands for (an audit range's rows; else 1).
    pub rows: i64,
    /// What keeps it for now (a legal hold, an open invoice): the sweep
    /// leaves it and lists it again tomorrow.
    pub holds: Vec<Hold>,
}

impl Expired {
    /// The sweep's record of having acted on it, `rows` rows.
    fn done(&self, rows: i64) -> SweepItem {
        SweepItem {
            category: self.category.code().into(),
            record_type: self.record_type.clone(),
            record_id: self.record_id.clone(),
            action: self.action.code().into(),
            anchor_on: self.anchor_on,
            expired_on: self.expires_on,
            rows_affected: rows,
        }
    }
}

/// What acting on one expired record did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Done; an erasure's or anonymisation's outcome when it was a person.
    Done {
        rows: i64,
        erasure: Option<ErasureOutcome>,
    },
    /// Held when re-checked in the transaction: nothing changed.
    Held(Vec<Hold>),
    /// Gone meanwhile (erased another way): nothing to do.
    Gone,
}

/// A closed case still answered by an erasure that waits for its holds:
/// kept until the erasure runs (its letter goes to the requester).
const NOT_AWAITED: &str = "NOT EXISTS (SELECT 1 FROM scheduled_erasures s WHERE s.request_id = requests.id AND s.status = 'scheduled')";

fn not_anonymised() -> String {
    format!("NOT (first_name = '{ANONYMISED}' AND last_name = '{ANONYMISED}')")
}

impl Store {
    /// Every record `policy` has expired on `today`, oldest first, each
    /// with its holds. Read-only (the dry run and the run share it).
    pub async fn expired(
        &self,
        schedule: &RetentionSchedule,
        policy: &RetentionPolicy,
        today: Date,
    ) -> Result<Vec<Expired>, StoreError> {
        let through = policy.expired_through(schedule, today);
        let end_of_through = through.plus_days(1).start().micros();
        let mut conn = self.read.acquire().await?;
        // (record type, id, person, record date, rows)
        let found: Vec<(String, String, Option<PersonId>, Date, i64)> = match policy.category {
            RetentionCategory::CustomerData => sqlx::query(AssertSqlSafe(format!(
                "SELECT id, relationship_ended_on FROM people WHERE relationship_ended_on <= $1 AND {} \
                 ORDER BY relationship_ended_on, id",
                not_anonymised()
            )))
            .bind(through.to_string())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                let id: PersonId = parsed(r, "id")?;
                Ok(("person".into(), id.to_string(), Some(id), parsed(r, "relationship_ended_on")?, 1))
            })
            .collect::<Result<_, sqlx::Error>>()?,
            RetentionCategory::AccountingBooks | RetentionCategory::AccountingVouchers => {
                let minimise = policy.action == RetentionAction::MinimiseAccountingRecord;
                let (order_filter, invoice_filter) = if minimise {
                    (
                        " AND (source_detail IS NOT NULL OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = orders.id))",
                        " AND source_detail IS NOT NULL",
                    )
                } else {
                    ("", "")
                };
                let mut found = Vec::new();
                for (table, kind, date, filter) in [
                    ("orders", "order", "ordered_on", order_filter),
                    ("invoices", "invoice", "issued_on", invoice_filter),
                ] {
                    for r in sqlx::query(AssertSqlSafe(format!(
                        "SELECT id, person_id, {date} AS d FROM {table} WHERE {date} <= $1{filter} ORDER BY {date}, id"
                    )))
                    .bind(through.to_string())
                    .fetch_all(&mut *conn)
                    .await?
                    {
                        found.push((
                            kind.to_string(),
                            text(&r, "id")?,
                            crate::rows::opt_parsed(&r, "person_id")?,
                            parsed(&r, "d")?,
                            1,
                        ));
                    }
                }
                found
            }
            RetentionCategory::RequestCases => sqlx::query(AssertSqlSafe(format!(
                "SELECT id, person_id, closed_at FROM requests WHERE status = 'closed' AND closed_at < $1 \
                 AND {NOT_AWAITED} ORDER BY closed_at, id"
            )))
            .bind(end_of_through)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    "request".into(),
                    text(r, "id")?,
                    crate::rows::opt_parsed(r, "person_id")?,
                    crate::rows::ts(r, "closed_at")?.date(),
                    1,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()?,
            RetentionCategory::Tombstones => sqlx::query(
                "SELECT email_hash, erased_at FROM erasure_tombstones WHERE erased_at < $1 ORDER BY erased_at, email_hash",
            )
            .bind(end_of_through)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    "tombstone".into(),
                    text(r, "email_hash")?,
                    None,
                    crate::rows::ts(r, "erased_at")?.date(),
                    1,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()?,
            RetentionCategory::AuditLog => {
                let from = crate::audit_checkpoint::first_uncut(&mut conn).await?;
                // The range ends before the first row not yet expired:
                // rows are numbered as written, and a lagging clock may
                // write an older time after a younger one.
                let young = sqlx::query(
                    "SELECT MIN(seq) AS first FROM audit_log WHERE seq >= $1 AND at >= $2",
                )
                .bind(from)
                .bind(end_of_through)
                .fetch_one(&mut *conn)
                .await?;
                let end = crate::rows::opt_int(&young, "first")?.map_or(i64::MAX, |first| first - 1);
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n, MAX(seq) AS last, MAX(at) AS newest FROM audit_log WHERE seq >= $1 AND seq <= $2",
                )
                .bind(from)
                .bind(end)
                .fetch_one(&mut *conn)
                .await?;
                let n = int(&row, "n")?;
                if n == 0 {
                    Vec::new()
                } else {
                    let last = int(&row, "last")?;
                    let newest = Timestamp::from_micros(int(&row, "newest")?).date();
                    vec![("audit_range".into(), format!("{from}-{last}"), None, newest, n)]
                }
            }
            // The website's visits (issue 15) have no table yet.
            RetentionCategory::WebsiteVisits => Vec::new(),
        };
        let held_people = crate::holds::held_people(&mut conn, today).await?;
        let mut expired = Vec::with_capacity(found.len());
        for (record_type, record_id, person_id, date, rows) in found {
            let anchor_on = policy.anchor_of(schedule, date);
            let holds = match (record_type.as_str(), person_id) {
                ("person", Some(person)) => read_holds(&mut conn, person, today).await?,
                (_, Some(person)) if held_people.contains(&person) => {
                    crate::holds::legal_holds_of(&mut conn, person)
                        .await
                        .map(|h| rekisteri_domain::legal_hold::holds_in_force(&h, today))?
                }
                _ => Vec::new(),
            };
            let holds = if record_type == "invoice" {
                let mut holds = holds;
                holds.extend(open_invoice_hold(&mut conn, &record_id).await?);
                holds
            } else {
                holds
            };
            expired.push(Expired {
                category: policy.category,
                record_type,
                record_id,
                person_id,
                record_on: date,
                anchor_on,
                expires_on: policy.expires_on(anchor_on),
                action: policy.action,
                rows,
                holds,
            });
        }
        Ok(expired)
    }

    /// Acts on one expired record in one transaction, with its sweep item
    /// and audit rows; holds are read again inside it.
    pub async fn apply_retention(
        &self,
        actor: &Actor,
        at: Timestamp,
        sweep: SweepId,
        item: &Expired,
    ) -> Result<Applied, StoreError> {
        if item.record_type == "audit_range" {
            let rows = crate::audit_cut::cut(self, actor, at, sweep, &item.done(item.rows)).await?;
            return Ok(rows.map_or(Applied::Gone, |rows| Applied::Done {
                rows,
                erasure: None,
            }));
        }
        let mut tx = self.backend.begin_write(&self.write).await?;
        let today = at.date();
        if !still_expired(&mut tx, item).await? {
            return Ok(Applied::Gone);
        }
        if let Some(person) = item.person_id {
            let holds = if item.record_type == "person" {
                read_holds(&mut tx, person, today).await?
            } else {
                let legal = crate::holds::legal_holds_of(&mut tx, person).await?;
                rekisteri_domain::legal_hold::holds_in_force(&legal, today)
            };
            if !holds.is_empty() {
                return Ok(Applied::Held(holds));
            }
        }
        if item.record_type == "invoice" {
            let holds = open_invoice_hold(&mut tx, &item.record_id).await?;
            if !holds.is_empty() {
                return Ok(Applied::Held(holds));
            }
        }
        let (rows, erasure) = match (item.record_type.as_str(), item.action) {
            ("person", action) => {
                let person = item.person_id.ok_or(StoreError::NotFound)?;
                let outcome = if action == RetentionAction::Anonymise {
                    crate::anonymise::anonymise_now(&mut tx, actor, at, person, None).await?
                } else {
                    erase_now(&mut tx, actor, at, person, None).await?
                };
                (1, Some(outcome))
            }
            (kind, RetentionAction::MinimiseAccountingRecord) => {
                (minimise(&mut tx, kind, &item.record_id, at).await?, None)
            }
            (kind, _) => (delete(&mut tx, kind, &item.record_id).await?, None),
        };
        if rows == 0 && erasure.is_none() {
            return Ok(Applied::Gone);
        }
        if erasure.is_none() {
            crate::journal_entries::write(
                &mut tx,
                at,
                crate::journal_entries::Done {
                    action: match item.action {
                        RetentionAction::MinimiseAccountingRecord => JournalAction::Minimise,
                        _ => JournalAction::Delete,
                    },
                    record_type: &item.record_type,
                    record_id: item.record_id.clone(),
                    tombstones: Vec::new(),
                    detail: None,
                },
            )
            .await?;
            let record = match item.record_type.as_str() {
                "order" => RecordType::Order,
                "invoice" => RecordType::Invoice,
                _ => RecordType::RetentionRecord,
            };
            let action = match item.action {
                RetentionAction::MinimiseAccountingRecord => AuditAction::Update,
                _ => AuditAction::Delete,
            };
            audit::insert(
                &mut tx,
                &[actor.entry(at, action, record, &item.record_id, item.person_id)],
            )
            .await?;
        }
        record_item(&mut tx, sweep, &item.done(rows)).await?;
        tx.commit().await?;
        Ok(Applied::Done { rows, erasure })
    }
}

/// Whether the record is still as it was listed, read again inside the
/// transaction: still there, not anonymised, its date not moved past the
/// one the expiry was reckoned from (a reopened relationship, a reopened or
/// newly awaited case, a person erased again).
async fn still_expired(
    tx: &mut Transaction<'static, Any>,
    item: &Expired,
) -> Result<bool, StoreError> {
    let sql = match item.record_type.as_str() {
        "person" => format!(
            "SELECT relationship_ended_on AS d FROM people WHERE id = $1 AND {}",
            not_anonymised()
        ),
        "order" => "SELECT ordered_on AS d FROM orders WHERE id = $1".into(),
        "invoice" => "SELECT issued_on AS d FROM invoices WHERE id = $1".into(),
        "request" => format!(
            "SELECT closed_at AS at FROM requests WHERE id = $1 AND status = 'closed' AND {NOT_AWAITED}"
        ),
        "tombstone" => {
            "SELECT erased_at AS at FROM erasure_tombstones WHERE email_hash = $1".into()
        }
        _ => return Ok(true),
    };
    let Some(row) = sqlx::query(AssertSqlSafe(sql))
        .bind(item.record_id.clone())
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(false);
    };
    let on: Option<Date> = match item.record_type.as_str() {
        "request" | "tombstone" => Some(crate::rows::ts(&row, "at")?.date()),
        _ => crate::rows::opt_parsed(&row, "d")?,
    };
    Ok(on.is_some_and(|on| on <= item.record_on))
}

/// The hold of an invoice still open or in collection: it is not deleted
/// with the books until it is settled.
async fn open_invoice_hold(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Vec<Hold>, StoreError> {
    let row = sqlx::query(
        "SELECT id, number, status, due_on FROM invoices WHERE id = $1 AND status IN ('open', 'debt_collection')",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        None => Vec::new(),
        Some(r) if text(&r, "status")? == "debt_collection" => vec![Hold::DebtCollection {
            invoice_id: parsed(&r, "id")?,
            number: text(&r, "number")?,
        }],
        Some(r) => vec![Hold::OpenInvoice {
            invoice_id: parsed(&r, "id")?,
            number: text(&r, "number")?,
            due_on: parsed(&r, "due_on")?,
        }],
    })
}

/// Deletes one record of the books, a case or a tombstone; the rows gone.
pub(crate) async fn delete(
    tx: &mut Transaction<'static, Any>,
    kind: &str,
    id: &str,
) -> Result<i64, StoreError> {
    let statements: &[&str] = match kind {
        // An order's lines go with it (ON DELETE CASCADE); an invoice of
        // the order keeps its own booked facts.
        "order" => &["DELETE FROM orders WHERE id = $1"],
        "invoice" => &["DELETE FROM invoices WHERE id = $1"],
        "request" => &[
            "UPDATE requests SET repeat_of = NULL WHERE repeat_of = $1",
            "UPDATE portal_sessions SET report_request_id = NULL WHERE report_request_id = $1",
            "DELETE FROM request_events WHERE request_id = $1",
            "DELETE FROM requests WHERE id = $1",
        ],
        "tombstone" => &["DELETE FROM erasure_tombstones WHERE email_hash = $1"],
        _ => return Ok(0),
    };
    let mut last = 0;
    for sql in statements {
        last = sqlx::query(AssertSqlSafe(sql.to_string()))
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?
            .rows_affected();
    }
    Ok(last as i64)
}

/// Minimises one accounting record to what was booked: an order loses its
/// lines and its free source words, an invoice its source words.
pub(crate) async fn minimise(
    tx: &mut Transaction<'static, Any>,
    kind: &str,
    id: &str,
    at: Timestamp,
) -> Result<i64, StoreError> {
    let table = match kind {
        "order" => {
            sqlx::query("DELETE FROM order_lines WHERE order_id = $1")
                .bind(id.to_string())
                .execute(&mut **tx)
                .await?;
            "orders"
        }
        "invoice" => "invoices",
        _ => return Ok(0),
    };
    Ok(sqlx::query(AssertSqlSafe(format!(
        "UPDATE {table} SET source_detail = NULL, version = version + 1, updated_at = $1 WHERE id = $2"
    )))
    .bind(at.micros())
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected() as i64)
}
