//! The customer relationship's end (R9), from which customer data is kept
//! for the retention period. Staff or the officer record it with a date and
//! a reason; a new order reopens it. A person whose last activity (an
//! order, invoice, note or meeting, request, portal visit, or the record's
//! creation: `people.last_active_on`, kept by those writes) lies further
//! back than the schedule's review period is on the review list, for the
//! officer to confirm (the relationship ended) or dismiss (still a
//! customer: off the list for another period).

use crate::rows::{opt_date, parsed, text};
use crate::{Store, StoreError, audit};
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::erasure::ANONYMISED;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::{Date, Timestamp};
use serde::Serialize;
use sqlx::{Any, Transaction};
use utoipa::ToSchema;

/// A person on the review list: the relationship may have ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RelationshipReview {
    pub person_id: PersonId,
    pub first_name: String,
    pub last_name: String,
    /// The day of the last order, invoice, note, request or portal visit.
    pub last_active_on: Date,
    /// The officer dismissed an earlier review on this day.
    pub dismissed_on: Option<Date>,
}

/// Keeps `people.last_active_on` at least `on`, inside the caller's
/// transaction (an order, an invoice, a note, a request, a portal visit).
pub(crate) async fn touch(
    tx: &mut Transaction<'static, Any>,
    people: &[PersonId],
    on: Date,
) -> Result<(), StoreError> {
    for person in people {
        sqlx::query(
            "UPDATE people SET last_active_on = $1 WHERE id = $2 \
             AND (last_active_on IS NULL OR last_active_on < $1)",
        )
        .bind(on.to_string())
        .bind(person.to_string())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A new order reopens an ended relationship (audited as a change of the
/// person), inside the order's transaction; and counts as activity.
pub(crate) async fn reopen_on_order(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    person: Option<PersonId>,
) -> Result<(), StoreError> {
    let Some(person) = person else {
        return Ok(());
    };
    touch(tx, &[person], at.date()).await?;
    let reopened = sqlx::query(
        "UPDATE people SET relationship_ended_on = NULL, relationship_end_reason = NULL, \
         version = version + 1, updated_at = $1 WHERE id = $2 AND relationship_ended_on IS NOT NULL",
    )
    .bind(at.micros())
    .bind(person.to_string())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if reopened > 0 {
        audit::insert(
            tx,
            &[actor.entry(
                at,
                AuditAction::Update,
                RecordType::Person,
                person,
                Some(person),
            )],
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Records the end of the person's customer relationship on `ended_on`
    /// with a reason (none: reopens it). Audited as a change of the person.
    pub async fn set_relationship_end(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        end: Option<(Date, &str)>,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        crate::rows::must_exist(&mut tx, person).await?;
        let started: Option<Date> =
            sqlx::query("SELECT relationship_started_on FROM people WHERE id = $1")
                .bind(person.to_string())
                .fetch_one(&mut *tx)
                .await
                .and_then(|r| opt_date(&r, "relationship_started_on"))?;
        if let (Some(started), Some((ended, _))) = (started, end)
            && ended < started
        {
            return Err(StoreError::Invalid(
                rekisteri_domain::FieldError::invalid(
                    "ended_on",
                    "is before the relationship started",
                )
                .into(),
            ));
        }
        sqlx::query(
            "UPDATE people SET relationship_ended_on = $1, relationship_end_reason = $2, \
             version = version + 1, updated_at = $3, updated_by = $4 WHERE id = $5",
        )
        .bind(end.map(|(d, _)| d.to_string()))
        .bind(end.map(|(_, r)| r.to_string()))
        .bind(at.micros())
        .bind(actor.user.map(|u| u.to_string()))
        .bind(person.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM relationship_reviews WHERE person_id = $1")
            .bind(person.to_string())
            .execute(&mut *tx)
            .await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Update,
                RecordType::Person,
                person,
                Some(person),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The review list on `today`: relationships not ended, not anonymised,
    /// quiet since `quiet_since` or longer (and not dismissed since), the
    /// quietest first; at most `limit`. Audited as a list.
    pub async fn relationship_reviews(
        &self,
        actor: &Actor,
        at: Timestamp,
        quiet_since: Date,
        limit: i64,
    ) -> Result<Vec<RelationshipReview>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, p.first_name, p.last_name, p.last_active_on, r.dismissed_on \
             FROM people p LEFT JOIN relationship_reviews r ON r.person_id = p.id \
             WHERE p.relationship_ended_on IS NULL AND p.last_active_on <= $1 \
             AND (r.dismissed_on IS NULL OR r.dismissed_on <= $1) \
             AND NOT (p.first_name = $2 AND p.last_name = $2) \
             ORDER BY p.last_active_on, p.id LIMIT $3",
        )
        .bind(quiet_since.to_string())
        .bind(ANONYMISED)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        let reviews = rows
            .iter()
            .map(|r| {
                Ok(RelationshipReview {
                    person_id: parsed(r, "id")?,
                    first_name: text(r, "first_name")?,
                    last_name: text(r, "last_name")?,
                    last_active_on: parsed(r, "last_active_on")?,
                    dismissed_on: opt_date(r, "dismissed_on")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        self.audit
            .record(
                reviews
                    .iter()
                    .map(|r| {
                        actor.entry(
                            at,
                            AuditAction::List,
                            RecordType::Person,
                            r.person_id,
                            Some(r.person_id),
                        )
                    })
                    .collect(),
            )
            .await?;
        Ok(reviews)
    }

    /// The officer dismissed the review: the person is still a customer;
    /// they come back on the list only after another quiet period.
    pub async fn dismiss_review(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        crate::rows::must_exist(&mut tx, person).await?;
        sqlx::query("DELETE FROM relationship_reviews WHERE person_id = $1")
            .bind(person.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO relationship_reviews (person_id, dismissed_on, dismissed_at, dismissed_by) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(person.to_string())
        .bind(at.date().to_string())
        .bind(at.micros())
        .bind(actor.user.map(|u| u.to_string()))
        .execute(&mut *tx)
        .await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Update,
                RecordType::Person,
                person,
                Some(person),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
