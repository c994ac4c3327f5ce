//! Marketing lists (R15, R18, R21): the people who may be contacted by a
//! channel for a purpose, streamed. The database finds, per person, the
//! first contact value of the channel's kind not restricted, the latest
//! permission event, and the standing; `domain::marketing::decide` says yes
//! or no. Each export is audited with its purpose before any row leaves,
//! and each person on the list (B1) before they are sent.

use crate::permissions::{CUSTOMER_SQL, organisation_role_sql};
use crate::restrictions::person_restricted_sql;
use crate::rows::{int, opt_parsed, opt_text, parsed, text};
use crate::{Store, StoreError};
use futures_util::TryStreamExt;
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::marketing::{
    Channel, Decision, MarketingPurpose, PermissionEvent, PermissionState, Standing, decide,
};
use rekisteri_domain::person::ContactKind;
use sqlx::AssertSqlSafe;
use tokio::sync::mpsc;

/// One person of a marketing list, with the value to reach them by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceMember {
    pub person_id: PersonId,
    pub first_name: String,
    pub last_name: String,
    /// The email, the phone number or the street line.
    pub address: String,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    /// Why they may be contacted: `Granted` or `NotObjected`.
    pub decision: Decision,
}

/// The contact value a channel needs.
pub fn channel_kind(channel: Channel) -> ContactKind {
    match channel {
        Channel::Email => ContactKind::Email,
        Channel::Sms | Channel::Phone => ContactKind::Phone,
        Channel::Letter => ContactKind::PostalAddress,
    }
}

/// A value's restriction in force at `$3` (`r` its row).
const IN_FORCE: &str = "r.starts_at <= $3 AND (r.lifted_at IS NULL OR r.lifted_at > $3)";

fn audience_sql() -> String {
    format!(
        "SELECT p.id, p.first_name, p.last_name, c.value, c.postal_code, c.city, c.country, \
         (SELECT e.state FROM permission_events e WHERE e.person_id = p.id AND e.channel = $1 AND e.purpose = $2 \
          ORDER BY e.given_at DESC, e.recorded_at DESC, e.id DESC LIMIT 1) AS latest, \
         {org} AS org_role, {CUSTOMER_SQL} AS customer \
         FROM people p JOIN person_contacts c ON c.id = ( \
           SELECT c2.id FROM person_contacts c2 WHERE c2.person_id = p.id AND c2.kind = $5 \
           AND NOT EXISTS (SELECT 1 FROM restrictions r WHERE r.person_id = p.id AND r.value_kind = c2.kind \
                           AND r.value = c2.value AND {IN_FORCE}) \
           ORDER BY c2.position LIMIT 1) \
         WHERE NOT {restricted} ORDER BY p.id",
        org = organisation_role_sql("$4"),
        restricted = person_restricted_sql("p.id", "$3"),
    )
}

/// People audited and sent together: the audit writer commits their rows
/// in one group.
const BATCH: usize = 1_000;

impl Store {
    /// Audits each person of `batch` as exported (B1: the access report can
    /// tell who was on which list), then sends them; `false` when `out`
    /// was closed.
    async fn send_audited(
        &self,
        actor: &Actor,
        at: Timestamp,
        batch: &mut Vec<AudienceMember>,
        out: &mpsc::Sender<AudienceMember>,
    ) -> Result<bool, StoreError> {
        if batch.is_empty() {
            return Ok(true);
        }
        let entries = batch
            .iter()
            .map(|m| {
                actor.entry(
                    at,
                    AuditAction::Export,
                    RecordType::Person,
                    m.person_id,
                    Some(m.person_id),
                )
            })
            .collect();
        self.audit.record(entries).await?;
        for member in batch.drain(..) {
            if out.send(member).await.is_err() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Sends every person who may be contacted by `channel` for `purpose`
    /// to `out`, in id order, and answers how many. The export is audited
    /// (with the actor's purpose) before the first row is sent, and each
    /// person before they are sent. Stops early, without error, when `out`
    /// is closed.
    pub async fn audience(
        &self,
        actor: &Actor,
        at: Timestamp,
        channel: Channel,
        purpose: MarketingPurpose,
        out: mpsc::Sender<AudienceMember>,
    ) -> Result<u64, StoreError> {
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::Export,
                RecordType::Audience,
                format!("{channel}:{purpose}"),
                None,
            )])
            .await?;
        let sql = audience_sql();
        let mut rows = sqlx::query(AssertSqlSafe(sql))
            .bind(channel.code())
            .bind(purpose.code())
            .bind(at.micros())
            .bind(at.date().to_string())
            .bind(channel_kind(channel).code())
            .fetch(&self.read);
        let mut sent = 0;
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(row) = rows.try_next().await? {
            let history: Vec<PermissionEvent> = opt_parsed::<PermissionState>(&row, "latest")?
                .map(|state| PermissionEvent {
                    channel,
                    purpose,
                    state,
                    at,
                })
                .into_iter()
                .collect();
            let standing = Standing {
                organisation_role: int(&row, "org_role")? == 1,
                existing_customer: int(&row, "customer")? == 1,
                // Restricted people and values are left out by the query.
                restricted: false,
                erased: false,
            };
            let decision = decide(&history, channel, purpose, standing);
            if !decision.allows() {
                continue;
            }
            batch.push(AudienceMember {
                person_id: parsed(&row, "id")?,
                first_name: text(&row, "first_name")?,
                last_name: text(&row, "last_name")?,
                address: text(&row, "value")?,
                postal_code: opt_text(&row, "postal_code")?,
                city: opt_text(&row, "city")?,
                country: opt_text(&row, "country")?,
                decision,
            });
            if batch.len() == BATCH {
                if !self.send_audited(actor, at, &mut batch, &out).await? {
                    return Ok(sent);
                }
                sent += BATCH as u64;
            }
        }
        let last = batch.len() as u64;
        if self.send_audited(actor, at, &mut batch, &out).await? {
            sent += last;
        }
        Ok(sent)
    }
}
