//! Legal holds (R8, R9): placed by the privacy officer on a person with a
//! reason, a reference and an optional end; while in force they block the
//! person's erasure and every retention action on them, like an open
//! invoice (`erasure::read_holds` reads them with the invoices and roles).
//! Ending one early is recorded with who and when; an erasure waiting on
//! it is re-checked in the same transaction. Every write and read is
//! audited; the rows go with the person.

use crate::holds::legal_holds_of as of_person;
use crate::rows::must_exist;
use crate::{Store, StoreError, audit, erasure};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{LegalHoldId, PersonId};
use rekisteri_domain::legal_hold::{LegalHold, NewLegalHold};

impl Store {
    /// Places a legal hold on the person (audited).
    pub async fn place_legal_hold(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        new: &NewLegalHold,
    ) -> Result<LegalHold, StoreError> {
        let id = LegalHoldId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        must_exist(&mut tx, person).await?;
        sqlx::query(
            "INSERT INTO legal_holds (id, person_id, reason, reference, ends_on, placed_at, placed_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(person.to_string())
        .bind(new.reason.as_str().to_string())
        .bind(new.reference.as_str().to_string())
        .bind(new.ends_on.map(|d| d.to_string()))
        .bind(at.micros())
        .bind(actor.user.map(|u| u.to_string()))
        .execute(&mut *tx)
        .await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Create,
                RecordType::LegalHold,
                id,
                Some(person),
            )],
        )
        .await?;
        let hold = of_person(&mut tx, person)
            .await?
            .into_iter()
            .find(|h| h.id == id)
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(hold)
    }

    /// Ends a hold now (audited); an erasure waiting for it is re-checked
    /// by a job written in the same transaction.
    pub async fn end_legal_hold(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        hold: LegalHoldId,
    ) -> Result<LegalHold, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let ended = sqlx::query(
            "UPDATE legal_holds SET ended_at = $1, ended_by = $2 \
             WHERE id = $3 AND person_id = $4 AND ended_at IS NULL",
        )
        .bind(at.micros())
        .bind(actor.user.map(|u| u.to_string()))
        .bind(hold.to_string())
        .bind(person.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let found = of_person(&mut tx, person)
            .await?
            .into_iter()
            .find(|h| h.id == hold)
            .ok_or(StoreError::NotFound)?;
        if ended == 1 {
            audit::insert(
                &mut tx,
                &[actor.entry(
                    at,
                    AuditAction::Lift,
                    RecordType::LegalHold,
                    hold,
                    Some(person),
                )],
            )
            .await?;
            erasure::queue_recheck(&mut tx, at, Some(person)).await?;
        }
        tx.commit().await?;
        Ok(found)
    }

    /// The person's legal holds, newest first (audited as a read).
    pub async fn legal_holds(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
    ) -> Result<Vec<LegalHold>, StoreError> {
        let mut conn = self.read.acquire().await?;
        let holds = of_person(&mut conn, person).await?;
        drop(conn);
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::List,
                RecordType::LegalHold,
                person,
                Some(person),
            )])
            .await?;
        Ok(holds)
    }
}
