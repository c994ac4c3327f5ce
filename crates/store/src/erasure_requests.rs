//! Erasure as a data-subject request answers it (R8, R20, R21): one
//! transaction erases the person, or — held — schedules the erasure and
//! writes the requester the letter that says why (each hold's reason, what
//! is kept, when the erasure is expected to run, the supervisory
//! authority). When a scheduled erasure later runs, the requester is told
//! it is done: the letter is written in the erasure's transaction after the
//! person's mail is purged, and it goes itself once sent. The letters'
//! texts are the caller's (the server's `letters`), so the store writes
//! them with the change, never after it.

use crate::erasure::{ErasureOutcome, erase_now, latest_scheduled, schedule};
use crate::holds::read_holds;
use crate::rows::must_exist;
use crate::rows::parsed;
use crate::{Store, StoreError, mail, requests};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::Actor;
use rekisteri_domain::erasure::{Hold, hold_codes};
use rekisteri_domain::ids::{PersonId, RequestId};
use rekisteri_domain::mail::Letter;
use rekisteri_domain::request::RequestCase;

/// The requester's letter when holds keep the erasure waiting.
pub type HeldLetter<'a> = &'a (dyn Fn(&RequestCase, &[Hold]) -> Letter + Send + Sync);
/// The requester's letter when the scheduled erasure has run.
pub type DoneLetter<'a> = &'a (dyn Fn(&RequestCase) -> Letter + Send + Sync);

impl Store {
    /// Erases the person (R8, R21) in one transaction, unless a hold
    /// applies: then the erasure is scheduled for when the holds end and
    /// the answer names them. See `erasure.rs` for what stays.
    pub async fn erase_person(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        request: Option<RequestId>,
    ) -> Result<ErasureOutcome, StoreError> {
        self.erase_person_writing(actor, at, person, request, None)
            .await
    }

    /// [`Store::erase_person`], and when a hold keeps it waiting and it
    /// answers `request`, the letter `held` composes to the requester, in
    /// the same transaction.
    pub async fn erase_person_writing(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        request: Option<RequestId>,
        held: Option<HeldLetter<'_>>,
    ) -> Result<ErasureOutcome, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        must_exist(&mut tx, person).await?;
        let holds = read_holds(&mut tx, person, at.date()).await?;
        if !holds.is_empty() {
            let scheduled = schedule(&mut tx, actor, at, person, request, &holds).await?;
            if let (Some(compose), Some(request)) = (held, request) {
                let case = requests::request_in(&mut *tx, request).await?;
                mail::queue(&mut tx, at, &compose(&case, &holds)).await?;
            }
            tx.commit().await?;
            return Ok(ErasureOutcome::Held {
                holds,
                scheduled: Some(scheduled),
            });
        }
        let outcome = erase_now(&mut tx, actor, at, person, request).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Runs every scheduled erasure whose holds have ended; those still
    /// held stay scheduled (their holds brought up to date, unaudited: the
    /// check reads nothing out). A person gone meanwhile closes theirs.
    pub async fn run_due_erasures(
        &self,
        actor: &Actor,
        at: Timestamp,
        done: Option<DoneLetter<'_>>,
    ) -> Result<Vec<(PersonId, ErasureOutcome)>, StoreError> {
        let waiting: Vec<PersonId> = sqlx::query(
            "SELECT DISTINCT person_id FROM scheduled_erasures WHERE status = 'scheduled' ORDER BY person_id",
        )
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| parsed(r, "person_id"))
        .collect::<Result<_, _>>()?;
        let mut erased = Vec::new();
        for person in waiting {
            if let Some(outcome) = self.run_due_erasure_of(actor, at, person, done).await? {
                erased.push((person, outcome));
            }
        }
        Ok(erased)
    }

    /// Runs the person's scheduled erasure if its holds have ended (after
    /// an invoice is paid or a contact role or legal hold ends); `None`
    /// when nothing was scheduled or it is still held. An erasure that
    /// answers a request writes `done`'s letter to the requester.
    pub async fn run_due_erasure_of(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        done: Option<DoneLetter<'_>>,
    ) -> Result<Option<ErasureOutcome>, StoreError> {
        // Most changes concern no one waiting: answer those from a read.
        let waiting = sqlx::query(
            "SELECT 1 AS one FROM scheduled_erasures WHERE person_id = $1 AND status = 'scheduled'",
        )
        .bind(person.to_string())
        .fetch_optional(&self.read)
        .await?;
        if waiting.is_none() {
            return Ok(None);
        }
        let mut tx = self.backend.begin_write(&self.write).await?;
        let Some(waiting) = latest_scheduled(&mut tx, person)
            .await?
            .filter(|s| s.status == "scheduled")
        else {
            return Ok(None);
        };
        // Gone already (erased another way): the schedule is done. Any
        // other error is the store's, and the erasure waits for the retry.
        let gone = match must_exist(&mut tx, person).await {
            Ok(()) => false,
            Err(StoreError::NotFound) => true,
            Err(other) => return Err(other),
        };
        if gone {
            sqlx::query(
                "UPDATE scheduled_erasures SET status = 'done', done_at = $1, checked_at = $1 WHERE id = $2",
            )
            .bind(at.micros())
            .bind(waiting.id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(None);
        }
        let holds = read_holds(&mut tx, person, at.date()).await?;
        if !holds.is_empty() {
            sqlx::query("UPDATE scheduled_erasures SET holds = $1, checked_at = $2 WHERE id = $3")
                .bind(hold_codes(&holds))
                .bind(at.micros())
                .bind(waiting.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(None);
        }
        // The requester's letter is composed while the case still has
        // their address, and written after the purge of the person's mail.
        // A case no longer kept (its own retention) has no one to write to.
        let letter = match (done, waiting.request_id) {
            (Some(compose), Some(request)) => match requests::request_in(&mut *tx, request).await {
                Ok(case) => Some(compose(&case)),
                Err(StoreError::NotFound) => None,
                Err(other) => return Err(other),
            },
            _ => None,
        };
        let outcome = erase_now(&mut tx, actor, at, person, waiting.request_id).await?;
        if let Some(letter) = letter {
            mail::queue(
                &mut tx,
                at,
                &Letter {
                    about: None,
                    ..letter
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(outcome))
    }
}
