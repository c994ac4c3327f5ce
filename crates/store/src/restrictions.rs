//! Restrictions of processing (R18): recorded, read and lifted here; the
//! other modules ask [`in_force`] before they let data out (marketing
//! lists, disclosures, search), and every write of a person's data asks
//! [`refuse_write`] inside its transaction: while restricted the data is
//! only stored. Not asked: the privacy officer's rectification
//! (`rectification.rs`), restricting and lifting (here), and erasure.

use crate::rows::{Arg, Select, opt_parsed, opt_text, opt_ts, parsed, text, ts};
use crate::{Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{PersonId, RestrictionId};
use rekisteri_domain::person::ContactKind;
use rekisteri_domain::restriction::{
    NewRestriction, Restriction, RestrictionScope, person_restricted,
};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor, Transaction};
use std::collections::HashMap;

const SELECT: &str = "SELECT id, person_id, value_kind, value, reason, starts_at, recorded_by, recorded_at, \
     lifted_at, lifted_by, lift_reason FROM restrictions";

fn from_row(row: &AnyRow) -> Result<Restriction, sqlx::Error> {
    let scope = match opt_parsed::<ContactKind>(row, "value_kind")? {
        None => RestrictionScope::Person,
        Some(kind) => RestrictionScope::Value {
            kind,
            value: text(row, "value")?,
        },
    };
    Ok(Restriction {
        id: parsed(row, "id")?,
        person_id: parsed(row, "person_id")?,
        scope,
        reason: text(row, "reason")?,
        starts_at: ts(row, "starts_at")?,
        recorded_by: opt_parsed(row, "recorded_by")?,
        recorded_at: ts(row, "recorded_at")?,
        lifted_at: opt_ts(row, "lifted_at")?,
        lifted_by: opt_parsed(row, "lifted_by")?,
        lift_reason: opt_text(row, "lift_reason")?,
    })
}

/// SQL that is true while the person `person` (a column) is restricted as
/// a whole at `at` (a placeholder such as `$3`).
pub(crate) fn person_restricted_sql(person: &str, at: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM restrictions r WHERE r.person_id = {person} AND r.value_kind IS NULL \
         AND r.starts_at <= {at} AND (r.lifted_at IS NULL OR r.lifted_at > {at}))"
    )
}

/// The restrictions not lifted by `at` of these people (some may start
/// later: ask [`Restriction::in_force`]), by person. Not audited: the
/// caller's own operation is.
pub(crate) async fn in_force<'e, E>(
    conn: E,
    people: &[PersonId],
    at: Timestamp,
) -> Result<HashMap<PersonId, Vec<Restriction>>, StoreError>
where
    E: Executor<'e, Database = Any>,
{
    let mut by_person: HashMap<PersonId, Vec<Restriction>> = HashMap::new();
    if people.is_empty() {
        return Ok(by_person);
    }
    let mut select = Select::default();
    select.filter(
        "(lifted_at IS NULL OR lifted_at > ?)",
        Arg::Int(at.micros()),
    );
    select.filter_in(
        "person_id IN (?)",
        people.iter().map(|p| Arg::Text(p.to_string())).collect(),
    );
    for row in select
        .build(SELECT, "ORDER BY starts_at", vec![])
        .fetch_all(conn)
        .await?
    {
        // Not lifted by `at`: in force, or starting later.
        let r = from_row(&row)?;
        by_person.entry(r.person_id).or_default().push(r);
    }
    Ok(by_person)
}

/// Refuses a write of these people's data (409 `restricted`) while one of
/// them is restricted as a whole at `at` (R18: the data is only stored).
/// Called inside the write's own transaction, before it changes anything;
/// `None`s (a note or order about no person) are skipped.
pub(crate) async fn refuse_write(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    people: &[Option<PersonId>],
) -> Result<(), StoreError> {
    let mut ids: Vec<PersonId> = people.iter().flatten().copied().collect();
    ids.sort();
    ids.dedup();
    let held = in_force(&mut **tx, &ids, at).await?;
    match ids
        .iter()
        .find(|p| held.get(p).is_some_and(|r| person_restricted(r, at)))
    {
        Some(person) => Err(restricted(*person)),
        None => Ok(()),
    }
}

/// The refusal of a write to a restricted person's data.
pub(crate) fn restricted(person: PersonId) -> StoreError {
    StoreError::Conflict {
        code: "restricted",
        message: format!(
            "the processing of person {person} is restricted (R18): their data is only stored; \
             only the privacy officer's rectification or lifting the restriction may change it"
        ),
    }
}

/// Refuses a replacement of the person's contact values that changes or
/// removes a value restricted at `at` (R18: while its accuracy is
/// contested it stays as it is, until the privacy officer rectifies it).
/// `kept(kind, value)` says whether the new data still holds the value.
pub(crate) async fn refuse_value_change(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    person: PersonId,
    kept: impl Fn(ContactKind, &str) -> bool,
) -> Result<(), StoreError> {
    let held = in_force(&mut **tx, &[person], at).await?;
    for r in held.get(&person).into_iter().flatten() {
        if let RestrictionScope::Value { kind, value } = &r.scope
            && r.in_force(at)
            && !kept(*kind, value)
        {
            return Err(StoreError::ConflictOn {
                code: "restricted",
                field: contact_field(*kind).into(),
                message: format!(
                    "holds a value whose processing is restricted (R18): it may not be changed or \
                     removed until the privacy officer rectifies it or lifts restriction {}",
                    r.id
                ),
            });
        }
    }
    Ok(())
}

/// The field of a person's draft that holds values of the kind.
fn contact_field(kind: ContactKind) -> &'static str {
    match kind {
        ContactKind::Email => "emails",
        ContactKind::Phone => "phones",
        ContactKind::Website => "websites",
        ContactKind::IpAddress => "ip_addresses",
        ContactKind::PostalAddress | ContactKind::BillingAddress => "addresses",
    }
}

impl Store {
    /// Records a restriction of the person or of one of their values (the
    /// value must be one the person has).
    pub async fn restrict(
        &self,
        actor: &Actor,
        at: Timestamp,
        person_id: PersonId,
        new: NewRestriction,
    ) -> Result<Restriction, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        crate::rows::exists(&mut tx, "people", None, &person_id.to_string()).await?;
        let (kind, value) = match &new.scope {
            RestrictionScope::Person => (None, None),
            RestrictionScope::Value { kind, value } => {
                let held = sqlx::query(
                    "SELECT 1 AS one FROM person_contacts WHERE person_id = $1 AND kind = $2 AND value = $3",
                )
                .bind(person_id.to_string())
                .bind(kind.code())
                .bind(value.clone())
                .fetch_optional(&mut *tx)
                .await?;
                if held.is_none() {
                    return Err(StoreError::field(
                        "value",
                        "is not one of the person's values of that kind",
                    ));
                }
                (Some(kind.code()), Some(value.clone()))
            }
        };
        let id = RestrictionId::new(at);
        sqlx::query(
            "INSERT INTO restrictions (id, person_id, value_kind, value, reason, starts_at, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(person_id.to_string())
        .bind(kind)
        .bind(value)
        .bind(new.reason.to_string())
        .bind(new.starts_at.micros())
        .bind(actor.user.map(|u| u.to_string()))
        .bind(at.micros())
        .execute(&mut *tx)
        .await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Create,
                RecordType::Restriction,
                id,
                Some(person_id),
            )],
        )
        .await?;
        let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let restriction = from_row(&row)?;
        tx.commit().await?;
        Ok(restriction)
    }

    /// Lifts the person's restrictions not lifted yet (or only `only`),
    /// recording who and why. Answers the lifted ones; none is not found.
    pub async fn lift_restrictions(
        &self,
        actor: &Actor,
        at: Timestamp,
        person_id: PersonId,
        only: Option<RestrictionId>,
        reason: Option<String>,
    ) -> Result<Vec<Restriction>, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        crate::rows::exists(&mut tx, "people", None, &person_id.to_string()).await?;
        let mut select = Select::default();
        select.filter(
            "person_id = ? AND lifted_at IS NULL",
            Arg::Text(person_id.to_string()),
        );
        if let Some(id) = only {
            select.filter("id = ?", Arg::Text(id.to_string()));
        }
        let open: Vec<Restriction> = select
            .build(SELECT, "ORDER BY starts_at", vec![])
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(from_row)
            .collect::<Result<_, _>>()?;
        if open.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut entries = Vec::new();
        for r in &open {
            sqlx::query(
                "UPDATE restrictions SET lifted_at = $1, lifted_by = $2, lift_reason = $3 WHERE id = $4",
            )
            .bind(at.micros())
            .bind(actor.user.map(|u| u.to_string()))
            .bind(reason.clone())
            .bind(r.id.to_string())
            .execute(&mut *tx)
            .await?;
            entries.push(actor.entry(
                at,
                AuditAction::Lift,
                RecordType::Restriction,
                r.id,
                Some(person_id),
            ));
        }
        audit::insert(&mut tx, &entries).await?;
        tx.commit().await?;
        Ok(open
            .into_iter()
            .map(|r| Restriction {
                lifted_at: Some(at),
                lifted_by: actor.user,
                lift_reason: reason.clone(),
                ..r
            })
            .collect())
    }

    /// Every restriction of the person, lifted ones too, newest first.
    pub async fn restrictions_of(
        &self,
        actor: &Actor,
        at: Timestamp,
        person_id: PersonId,
    ) -> Result<Vec<Restriction>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE person_id = $1 ORDER BY starts_at DESC, id DESC"
        )))
        .bind(person_id.to_string())
        .fetch_all(&self.read)
        .await?;
        let all: Vec<Restriction> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::List,
                RecordType::Restriction,
                person_id,
                Some(person_id),
            )])
            .await?;
        Ok(all)
    }
}
