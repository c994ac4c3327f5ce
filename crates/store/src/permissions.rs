//! Marketing permissions (R15, R21): wordings stored once per version, and
//! the immutable history of events (the table refuses UPDATE). The state
//! now is derived by `domain::marketing::decide` from that history and the
//! person's standing, which [`standing`] reads.

use crate::rows::{Arg, Values, opt_parsed, opt_text, parsed, text, text_or_null, ts};
use crate::{Store, StoreError, audit, restrictions};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{PermissionEventId, PersonId, WordingId};
use rekisteri_domain::marketing::{Standing, default_for};
use rekisteri_domain::permission::{
    NewPermissionEvent, NewWording, PermissionRecord, Wording, default_legal_basis,
};
use rekisteri_domain::purpose::LegalBasis;
use rekisteri_domain::restriction::person_restricted;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe};

/// SQL, with `p.id` the person and `$today` a date, that is 1 while the
/// person acts in a role at an organisation (a link in force today): B2B
/// marketing rules apply.
pub(crate) fn organisation_role_sql(today: &str) -> String {
    format!(
        "CAST(CASE WHEN EXISTS (SELECT 1 FROM person_organisations po WHERE po.person_id = p.id \
         AND (po.started_on IS NULL OR po.started_on <= {today}) \
         AND (po.ended_on IS NULL OR po.ended_on >= {today})) THEN 1 ELSE 0 END AS BIGINT)"
    )
}

/// SQL, with `p.id` the person, that is 1 for an existing customer (an
/// order not cancelled): the opt-in rule's exception.
pub(crate) const CUSTOMER_SQL: &str = "CAST(CASE WHEN EXISTS (SELECT 1 FROM orders o WHERE o.person_id = p.id \
     AND o.status <> 'cancelled') THEN 1 ELSE 0 END AS BIGINT)";

const WORDING_SELECT: &str = "SELECT id, wording_key, version, language, body, created_at, created_by FROM permission_wordings";

fn wording_from_row(row: &AnyRow) -> Result<Wording, sqlx::Error> {
    Ok(Wording {
        id: parsed(row, "id")?,
        key: text(row, "wording_key")?,
        version: crate::rows::int(row, "version")?,
        language: text(row, "language")?,
        text: text(row, "body")?,
        created_at: ts(row, "created_at")?,
        created_by: opt_parsed(row, "created_by")?,
    })
}

const EVENT_SELECT: &str = "SELECT id, person_id, channel, purpose, state, given_at, source, source_detail, \
     wording_id, legal_basis, recorded_by, recorded_at FROM permission_events";

fn event_from_row(row: &AnyRow) -> Result<PermissionRecord, sqlx::Error> {
    Ok(PermissionRecord {
        id: parsed(row, "id")?,
        person_id: parsed(row, "person_id")?,
        channel: parsed(row, "channel")?,
        purpose: parsed(row, "purpose")?,
        state: parsed(row, "state")?,
        given_at: ts(row, "given_at")?,
        source: parsed(row, "source")?,
        source_detail: opt_text(row, "source_detail")?,
        wording_id: opt_parsed(row, "wording_id")?,
        legal_basis: parsed(row, "legal_basis")?,
        recorded_by: opt_parsed(row, "recorded_by")?,
        recorded_at: ts(row, "recorded_at")?,
    })
}

/// The columns of one stored event.
pub(crate) fn permission_values(
    actor: &Actor,
    at: Timestamp,
    id: PermissionEventId,
    person_id: PersonId,
    new: &NewPermissionEvent,
    legal_basis: LegalBasis,
) -> Values {
    vec![
        ("id", Arg::Text(id.to_string())),
        ("person_id", Arg::Text(person_id.to_string())),
        ("channel", Arg::Text(new.channel.code().into())),
        ("purpose", Arg::Text(new.purpose.code().into())),
        ("state", Arg::Text(new.state.code().into())),
        ("given_at", Arg::Int(new.given_at.micros())),
        ("source", Arg::Text(new.source.code().into())),
        ("source_detail", text_or_null(new.source_detail.as_ref())),
        ("wording_id", text_or_null(new.wording_id)),
        ("legal_basis", Arg::Text(legal_basis.code().into())),
        ("recorded_by", text_or_null(actor.user)),
        ("recorded_at", Arg::Int(at.micros())),
    ]
}

/// Who the person is to the company as the marketing rules ask, at `at`.
/// Not audited: the caller's operation is. `NotFound` for no such person.
pub(crate) async fn standing(
    conn: &mut AnyConnection,
    person_id: PersonId,
    at: Timestamp,
) -> Result<Standing, StoreError> {
    let sql = format!(
        "SELECT {} AS org_role, {CUSTOMER_SQL} AS customer FROM people p WHERE p.id = $2",
        organisation_role_sql("$1")
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(at.date().to_string())
        .bind(person_id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let restrictions = restrictions::in_force(&mut *conn, &[person_id], at).await?;
    let restricted = restrictions
        .get(&person_id)
        .is_some_and(|r| person_restricted(r, at));
    Ok(Standing {
        organisation_role: crate::rows::int(&row, "org_role")? == 1,
        existing_customer: crate::rows::int(&row, "customer")? == 1,
        restricted,
        erased: false,
    })
}

/// A person's permissions: their standing now, every event in the order
/// recorded, and the wordings those events reference.
#[derive(Debug, Clone)]
pub struct PermissionHistory {
    pub standing: Standing,
    pub events: Vec<PermissionRecord>,
    pub wordings: Vec<Wording>,
}

impl Store {
    /// Stores a wording: the same key, language and text again is the
    /// version already stored (`false`); a new text is the next version.
    pub async fn put_wording(
        &self,
        actor: &Actor,
        at: Timestamp,
        new: NewWording,
    ) -> Result<(Wording, bool), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let same = sqlx::query(AssertSqlSafe(format!(
            "{WORDING_SELECT} WHERE wording_key = $1 AND language = $2 AND body = $3"
        )))
        .bind(new.key.to_string())
        .bind(new.language.clone())
        .bind(new.text.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = same {
            return Ok((wording_from_row(&row)?, false));
        }
        let next = sqlx::query(
            "SELECT CAST(COALESCE(MAX(version), 0) + 1 AS BIGINT) AS next FROM permission_wordings WHERE wording_key = $1",
        )
        .bind(new.key.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let id = WordingId::new(at);
        sqlx::query(
            "INSERT INTO permission_wordings (id, wording_key, version, language, body, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(new.key.to_string())
        .bind(crate::rows::int(&next, "next")?)
        .bind(new.language.clone())
        .bind(new.text.to_string())
        .bind(at.micros())
        .bind(actor.user.map(|u| u.to_string()))
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "key", "was given a new version at the same moment; send it again"))?;
        audit::insert(
            &mut tx,
            &[actor.entry(at, AuditAction::Create, RecordType::Wording, id, None)],
        )
        .await?;
        let row = sqlx::query(AssertSqlSafe(format!("{WORDING_SELECT} WHERE id = $1")))
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let wording = wording_from_row(&row)?;
        tx.commit().await?;
        Ok((wording, true))
    }

    /// Every wording, by key and version (company texts, not personal data).
    pub async fn wordings(&self) -> Result<Vec<Wording>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{WORDING_SELECT} ORDER BY wording_key, version"
        )))
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .iter()
            .map(wording_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Records one event of a person's permission. Without a legal basis
    /// given, the law's default for the person's standing is recorded.
    pub async fn record_permission(
        &self,
        actor: &Actor,
        at: Timestamp,
        person_id: PersonId,
        new: NewPermissionEvent,
    ) -> Result<PermissionRecord, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let standing = standing(&mut tx, person_id, at).await?;
        if let Some(w) = new.wording_id {
            crate::rows::exists(
                &mut tx,
                "permission_wordings",
                Some("wording_id"),
                &w.to_string(),
            )
            .await?;
        }
        let legal_basis = new.legal_basis.unwrap_or_else(|| {
            default_legal_basis(default_for(new.channel, new.purpose, standing))
        });
        let id = PermissionEventId::new(at);
        let values = permission_values(actor, at, id, person_id, &new, legal_basis);
        crate::rows::insert_records(&mut tx, "permission_events", vec![values]).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Create,
                RecordType::Permission,
                id,
                Some(person_id),
            )],
        )
        .await?;
        let row = sqlx::query(AssertSqlSafe(format!("{EVENT_SELECT} WHERE id = $1")))
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let record = event_from_row(&row)?;
        tx.commit().await?;
        Ok(record)
    }

    /// A person's permission history and standing (audited as one read).
    pub async fn permissions_of(
        &self,
        actor: &Actor,
        at: Timestamp,
        person_id: PersonId,
    ) -> Result<PermissionHistory, StoreError> {
        let standing = standing(&mut *self.read.acquire().await?, person_id, at).await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{EVENT_SELECT} WHERE person_id = $1 ORDER BY recorded_at, id"
        )))
        .bind(person_id.to_string())
        .fetch_all(&self.read)
        .await?;
        let events: Vec<PermissionRecord> =
            rows.iter().map(event_from_row).collect::<Result<_, _>>()?;
        let wordings = sqlx::query(AssertSqlSafe(format!(
            "{WORDING_SELECT} WHERE id IN (SELECT wording_id FROM permission_events WHERE person_id = $1) \
             ORDER BY wording_key, version"
        )))
        .bind(person_id.to_string())
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(wording_from_row)
        .collect::<Result<_, _>>()?;
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::List,
                RecordType::Permission,
                person_id,
                Some(person_id),
            )])
            .await?;
        Ok(PermissionHistory {
            standing,
            events,
            wordings,
        })
    }
}
