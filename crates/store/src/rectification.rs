//! Rectification (R17): the officer's corrections of a rectification
//! case, applied to the person in one transaction, answering whom to tell:
//! the sources of the wrong values and every recipient the person's data
//! was disclosed to (from the disclosure log, Art. 19).

use crate::notices::RecipientNotice;
use crate::requests::request_in;
use crate::rows::{self, Arg, provenance};
use crate::{Store, StoreError, audit};
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{ContactId, PersonId, RequestId};
use rekisteri_domain::mail::Letter;
use rekisteri_domain::rectification::{Corrected, Correction};
use rekisteri_domain::request::{RequestCase, RequestKind};
use rekisteri_domain::{Provenance, Source, Timestamp};
use sqlx::{Any, Transaction};

/// What a rectification did and whom to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rectified {
    pub case: RequestCase,
    pub person_id: PersonId,
    /// Each correction: what, the wrong value, the right one.
    pub corrections: Vec<Correction>,
    /// Where the wrong values came from (one per distinct source), each
    /// with the corrections (indexes into `corrections`) of its values.
    pub sources: Vec<(Provenance, Vec<usize>)>,
    /// The recipients of the person's data, as erasure's notices find them.
    pub recipients: Vec<RecipientNotice>,
}

/// Applies one correction; answers the wrong value's source, if any.
async fn apply(
    tx: &mut Transaction<'static, Any>,
    person: PersonId,
    index: usize,
    c: &Correction,
    detail: &str,
    at: Timestamp,
) -> Result<Option<Provenance>, StoreError> {
    let own = Source::OwnNotice.code();
    let (column, prefix) = match c.field {
        Corrected::FirstName => ("first_name", "name"),
        Corrected::LastName => ("last_name", "name"),
        Corrected::Title => ("title", "title"),
        Corrected::Contact(kind) => {
            let old = match &c.from {
                None => None,
                Some(from) => {
                    let row = sqlx::query(
                        "SELECT id, source, source_detail, recorded_at FROM person_contacts \
                         WHERE person_id = $1 AND kind = $2 AND value = $3",
                    )
                    .bind(person.to_string())
                    .bind(kind.code())
                    .bind(from.clone())
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| {
                        StoreError::field(
                            &format!("corrections[{index}].from"),
                            "is not one of the person's values of that kind",
                        )
                    })?;
                    Some((rows::text(&row, "id")?, provenance(&row, "")?))
                }
            };
            // R3: an address given to the person must not be another's.
            if let (rekisteri_domain::person::ContactKind::Email, Some(to)) = (kind, &c.to) {
                let field = format!("corrections[{index}].to");
                crate::duplicates::refuse_taken(
                    tx,
                    crate::Backend::of(tx),
                    &[(field, to.clone())],
                    Some(person),
                )
                .await?;
            }
            match (&old, &c.to) {
                (Some((id, _)), Some(to)) => {
                    sqlx::query(
                        "UPDATE person_contacts SET value = $1, source = $2, source_detail = $3, recorded_at = $4 \
                         WHERE id = $5",
                    )
                    .bind(to.clone())
                    .bind(own)
                    .bind(detail.to_string())
                    .bind(at.micros())
                    .bind(id.clone())
                    .execute(&mut **tx)
                    .await?;
                }
                (Some((id, _)), None) => {
                    sqlx::query("DELETE FROM person_contacts WHERE id = $1")
                        .bind(id.clone())
                        .execute(&mut **tx)
                        .await?;
                }
                (None, Some(to)) => {
                    sqlx::query(
                        "INSERT INTO person_contacts (id, person_id, kind, position, value, source, source_detail, recorded_at) \
                         SELECT $1, $2, $3, COALESCE(MAX(position), -1) + 1, $4, $5, $6, $7 FROM person_contacts WHERE person_id = $2",
                    )
                    .bind(ContactId::new(at).to_string())
                    .bind(person.to_string())
                    .bind(kind.code())
                    .bind(to.clone())
                    .bind(own)
                    .bind(detail.to_string())
                    .bind(at.micros())
                    .execute(&mut **tx)
                    .await?;
                }
                (None, None) => {}
            }
            return Ok(old.map(|(_, p)| p));
        }
    };
    // A name or the title: its source is the row's own.
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {prefix}_source AS source, {prefix}_source_detail AS source_detail, \
         {prefix}_recorded_at AS recorded_at FROM people WHERE id = $1"
    )))
    .bind(person.to_string())
    .fetch_one(&mut **tx)
    .await?;
    let old = match rows::opt_text(&row, "source")? {
        Some(_) => Some(provenance(&row, "")?),
        None => None,
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE people SET {column} = $1, {prefix}_source = $2, {prefix}_source_detail = $3, \
         {prefix}_recorded_at = $4 WHERE id = $5"
    )))
    .bind(c.to.clone())
    .bind(own)
    .bind(detail.to_string())
    .bind(at.micros())
    .bind(person.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(old)
}

impl Store {
    /// Corrects, deletes or completes the person's data as a verified,
    /// open rectification case asks (R17), in one transaction with the
    /// case's history and the audit rows; answers whom to tell.
    pub async fn rectify(
        &self,
        actor: &Actor,
        at: Timestamp,
        request: RequestId,
        corrections: Vec<Correction>,
    ) -> Result<Rectified, StoreError> {
        self.rectify_writing(actor, at, request, corrections, |_| (Vec::new(), None))
            .await
    }

    /// [`Store::rectify`], and the notices `letters` composes from what was
    /// rectified (to the wrong values' sources and the recipients, R17,
    /// Art. 19), written with their delivery jobs in the same transaction,
    /// with the case-history note it gives.
    pub async fn rectify_writing(
        &self,
        actor: &Actor,
        at: Timestamp,
        request: RequestId,
        corrections: Vec<Correction>,
        letters: impl FnOnce(&Rectified) -> (Vec<Letter>, Option<String>) + Send,
    ) -> Result<Rectified, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let case = request_in(&mut *tx, request).await?;
        if case.kind != RequestKind::Rectification {
            return Err(StoreError::field(
                "kind",
                "the request is not a rectification",
            ));
        }
        if !case.status.is_open() {
            return Err(StoreError::field("status", "the request is no longer open"));
        }
        if case.verified_at.is_none() {
            return Err(StoreError::field(
                "status",
                "the requester's identity must be verified first",
            ));
        }
        let person = case.person_id.ok_or_else(|| {
            StoreError::field("person_id", "link the request to the person first")
        })?;
        let version = sqlx::query("SELECT version FROM people WHERE id = $1")
            .bind(person.to_string())
            .fetch_one(&mut *tx)
            .await?;
        rows::bump_version(
            &mut tx,
            "people",
            &person.to_string(),
            rows::int(&version, "version")?,
            at,
        )
        .await?;
        let detail = format!("rectification request {request}");
        let mut sources: Vec<(Provenance, Vec<usize>)> = Vec::new();
        for (i, c) in corrections.iter().enumerate() {
            let Some(old) = apply(&mut tx, person, i, c, &detail, at).await? else {
                continue;
            };
            let same = |s: &&mut (Provenance, Vec<usize>)| {
                s.0.source == old.source && s.0.source_detail == old.source_detail
            };
            match sources.iter_mut().find(same) {
                Some((_, of_source)) => of_source.push(i),
                None => sources.push((old, vec![i])),
            }
        }
        crate::people::reindex(&mut tx, person).await?;
        let recipients = crate::notices::recipient_notices(&mut tx, person).await?;
        let fields: Vec<&str> = corrections.iter().map(|c| c.field.code()).collect();
        sqlx::query(
            "INSERT INTO request_events (id, request_id, at, user_id, event, note) VALUES ($1, $2, $3, $4, 'rectified', $5)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(request.to_string())
        .bind(at.micros())
        .bind(actor.user.map(|u| u.to_string()))
        .bind(fields.join(", "))
        .execute(&mut *tx)
        .await?;
        rows::bump_version(&mut tx, "requests", &request.to_string(), case.version, at).await?;
        rows::update_record(
            &mut tx,
            "requests",
            &request.to_string(),
            vec![("status", Arg::Text("in_progress".into()))],
        )
        .await?;
        audit::insert(
            &mut tx,
            &[
                actor.entry(
                    at,
                    AuditAction::Update,
                    RecordType::Person,
                    person,
                    Some(person),
                ),
                actor.entry(
                    at,
                    AuditAction::Update,
                    RecordType::Request,
                    request,
                    Some(person),
                ),
            ],
        )
        .await?;
        let case = request_in(&mut *tx, request).await?;
        let rectified = Rectified {
            case,
            person_id: person,
            corrections,
            sources,
            recipients,
        };
        let (letters, note) = letters(&rectified);
        for letter in &letters {
            crate::mail::queue(&mut tx, at, letter).await?;
        }
        if let Some(note) = note {
            crate::requests::add_event(&mut tx, request, actor, at, "notified", Some(&note))
                .await?;
        }
        tx.commit().await?;
        Ok(rectified)
    }
}
