//! Anonymisation (R21): the person's record stays, with nothing that
//! identifies them, so the statistics keep counting it: the country, the
//! postal-code area, the relationship's dates and the orders and invoices
//! with their amounts (`domain::erasure` says what is replaced and kept).
//!
//! The same holds apply as to erasure (R8, R19): an open invoice must stay
//! collectable from someone, and a contact person reachable. Anonymisation
//! is not scheduled: the answer names the holds, and the request may be
//! renewed (or turned into an erasure, which is scheduled) when they end.

use crate::erasure::{ErasureOutcome, Forgot, forget_common};
use crate::holds::read_holds;
use crate::notices::{queue_notices, recipient_notices};
use crate::rows::must_exist;
use crate::rows::{opt_text, text};
use crate::{Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::backup::JournalAction;
use rekisteri_domain::erasure::{ANONYMISED, postal_area};
use rekisteri_domain::ids::{PersonId, RequestId};
use rekisteri_domain::job::Forgotten;
use sqlx::{Any, AssertSqlSafe, Transaction};

impl Store {
    /// Anonymises the person in one transaction, unless a hold applies
    /// (then nothing changes and the answer names the holds).
    pub async fn anonymise_person(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        request: Option<RequestId>,
    ) -> Result<ErasureOutcome, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        must_exist(&mut tx, person).await?;
        let holds = read_holds(&mut tx, person, at.date()).await?;
        if !holds.is_empty() {
            return Ok(ErasureOutcome::Held {
                holds,
                scheduled: None,
            });
        }
        let outcome = anonymise_now(&mut tx, actor, at, person, request).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

/// Anonymises the person inside `tx`, the holds already found to be none.
pub(crate) async fn anonymise_now(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    person: PersonId,
    request: Option<RequestId>,
) -> Result<ErasureOutcome, StoreError> {
    let notices = recipient_notices(tx, person).await?;
    queue_notices(tx, at, person, &notices, Forgotten::Anonymised).await?;
    let (mail_removed, paper_to_destroy, tombstones) =
        anonymise_rows(tx, actor, at, person, request).await?;
    crate::journal_entries::write(
        tx,
        at,
        crate::journal_entries::Done {
            action: JournalAction::Anonymise,
            record_type: "person",
            record_id: person.to_string(),
            tombstones,
            detail: None,
        },
    )
    .await?;
    Ok(ErasureOutcome::Erased {
        notices,
        mail_removed,
        paper_to_destroy,
    })
}

/// The anonymisation's rows, inside `tx`: everything [`anonymise_now`]
/// does but the Art. 19 notices and the journal entry (a restore replaying
/// the journal does this alone). Answers the letters removed, the paper
/// tasks opened and the tombstones.
pub(crate) async fn anonymise_rows(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    person: PersonId,
    request: Option<RequestId>,
) -> Result<(u64, u64, Vec<String>), StoreError> {
    let Forgot {
        mut entries,
        mail_removed,
        tombstones,
    } = forget_common(tx, actor, at, person, request).await?;
    // R10: each paper document about the person is to be destroyed.
    let paper_to_destroy = crate::paper::open_destruction(tx, at, person, request).await?;
    let id = person.to_string();
    sqlx::query(
        "UPDATE people SET first_name = $1, last_name = $1, name_source_detail = NULL, title = NULL, \
         relationship_end_reason = NULL, \
         title_source = NULL, title_source_detail = NULL, title_recorded_at = NULL, \
         version = version + 1, updated_at = $2, updated_by = $3 WHERE id = $4",
    )
    .bind(ANONYMISED)
    .bind(at.micros())
    .bind(actor.user.map(|u| u.to_string()))
    .bind(id.clone())
    .execute(&mut **tx)
    .await?;
    for table in ["invoices", "orders"] {
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {table} SET source_detail = NULL WHERE person_id = $1"
        )))
        .bind(id.clone())
        .execute(&mut **tx)
        .await?;
    }
    // Addresses keep their country and postal-code area; every other
    // contact value goes.
    let addresses = sqlx::query(
        "SELECT id, postal_code, country FROM person_contacts \
         WHERE person_id = $1 AND kind IN ('postal_address', 'billing_address')",
    )
    .bind(id.clone())
    .fetch_all(&mut **tx)
    .await?;
    for row in &addresses {
        let area = postal_area(
            &opt_text(row, "postal_code")?.unwrap_or_default(),
            &opt_text(row, "country")?.unwrap_or_default(),
        );
        sqlx::query(
            "UPDATE person_contacts SET value = $1, city = $1, postal_code = $2, source_detail = NULL WHERE id = $3",
        )
        .bind(ANONYMISED)
        .bind(area)
        .bind(text(row, "id")?)
        .execute(&mut **tx)
        .await?;
    }
    for sql in [
        "DELETE FROM person_contacts WHERE person_id = $1 AND kind NOT IN ('postal_address', 'billing_address')",
        "DELETE FROM search_index WHERE person_id = $1 AND record_type <> 'person'",
        "DELETE FROM notes WHERE person_id = $1",
        "DELETE FROM permission_events WHERE person_id = $1",
        "DELETE FROM restrictions WHERE person_id = $1",
        "DELETE FROM legal_holds WHERE person_id = $1",
        "DELETE FROM person_organisations WHERE person_id = $1",
    ] {
        sqlx::query(sql).bind(id.clone()).execute(&mut **tx).await?;
    }
    crate::people::reindex(tx, person).await?;
    entries.insert(
        0,
        actor.entry(
            at,
            AuditAction::Anonymise,
            RecordType::Person,
            person,
            Some(person),
        ),
    );
    audit::insert(tx, &entries).await?;
    Ok((mail_removed, paper_to_destroy, tombstones))
}
