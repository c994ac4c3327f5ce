//! What holds a person's erasure and every retention action on them (R8,
//! R19, R9), read from what is stored: open invoices and debt collection,
//! active contact roles, legal holds in force. Erasure, anonymisation and
//! the sweep all ask here; the rules are `domain::erasure::holds`.

use crate::StoreError;
use crate::rows::{int, opt_date, opt_parsed, opt_ts, parsed, text, ts};
use rekisteri_domain::Date;
use rekisteri_domain::billing::InvoiceStatus;
use rekisteri_domain::erasure::{ContactRole, Hold, InvoiceStanding, holds as holds_on};
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::legal_hold::LegalHold;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

/// The person's holds today, from what is stored.
pub(crate) async fn read_holds(
    conn: &mut AnyConnection,
    person: PersonId,
    today: Date,
) -> Result<Vec<Hold>, StoreError> {
    let invoices = sqlx::query(
        "SELECT id, number, status, due_on FROM invoices WHERE person_id = $1 AND status IN ('open', 'debt_collection') \
         ORDER BY due_on, number",
    )
    .bind(person.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(InvoiceStanding {
            id: parsed(r, "id")?,
            number: text(r, "number")?,
            status: parsed::<InvoiceStatus>(r, "status")?,
            due_on: parsed(r, "due_on")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let roles = sqlx::query(
        "SELECT l.organisation_id, o.name, l.is_contact_person, l.started_on, l.ended_on \
         FROM person_organisations l JOIN organisations o ON o.id = l.organisation_id \
         WHERE l.person_id = $1 AND l.is_contact_person = 1 ORDER BY o.name",
    )
    .bind(person.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(ContactRole {
            organisation_id: parsed(r, "organisation_id")?,
            organisation_name: text(r, "name")?,
            is_contact_person: int(r, "is_contact_person")? == 1,
            started_on: opt_date(r, "started_on")?,
            ended_on: opt_date(r, "ended_on")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let mut held = holds_on(&invoices, &roles, today);
    let legal = legal_holds_of(conn, person).await?;
    held.extend(rekisteri_domain::legal_hold::holds_in_force(&legal, today));
    Ok(held)
}

const COLUMNS: &str =
    "id, person_id, reason, reference, ends_on, placed_at, placed_by, ended_at, ended_by";

fn from_row(row: &AnyRow) -> Result<LegalHold, sqlx::Error> {
    Ok(LegalHold {
        id: parsed(row, "id")?,
        person_id: parsed(row, "person_id")?,
        reason: text(row, "reason")?,
        reference: text(row, "reference")?,
        ends_on: opt_date(row, "ends_on")?,
        placed_at: ts(row, "placed_at")?,
        placed_by: opt_parsed(row, "placed_by")?,
        ended_at: opt_ts(row, "ended_at")?,
        ended_by: opt_parsed(row, "ended_by")?,
    })
}

/// The person's legal holds, newest first (in force or not).
pub(crate) async fn legal_holds_of(
    conn: &mut AnyConnection,
    person: PersonId,
) -> Result<Vec<LegalHold>, StoreError> {
    Ok(sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM legal_holds WHERE person_id = $1 ORDER BY placed_at DESC, id DESC"
    )))
    .bind(person.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(from_row)
    .collect::<Result<_, _>>()?)
}

/// Everyone with a legal hold in force on `today`.
pub(crate) async fn held_people(
    conn: &mut AnyConnection,
    today: Date,
) -> Result<std::collections::HashSet<PersonId>, StoreError> {
    Ok(sqlx::query(
        "SELECT DISTINCT person_id FROM legal_holds \
         WHERE ended_at IS NULL AND (ends_on IS NULL OR ends_on >= $1)",
    )
    .bind(today.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| parsed(r, "person_id"))
    .collect::<Result<_, _>>()?)
}
