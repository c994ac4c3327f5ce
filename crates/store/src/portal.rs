//! The privacy portal's storage (R14–R18, R21): single-use links (only the
//! SHA-256 of the secret kept; 30 minutes; spent once), the verified visits
//! they open (a cookie's secret, hashed, with the address it proved), the
//! people an address belongs to, and a visitor's marketing prohibitions
//! recorded in one transaction. The portal's actor is the data subject:
//! audited with no user, with the client's address.

use crate::permissions::{permission_values, standing};
use crate::rows::{self, opt_parsed, parsed, text, ts};
use crate::tokens::token_hash;
use crate::{Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, AuditEntry, RecordType};
use rekisteri_domain::ids::{PermissionEventId, PersonId, PortalSessionId, RequestId};
use rekisteri_domain::mail::Letter;
use rekisteri_domain::marketing::default_for;
use rekisteri_domain::permission::{NewPermissionEvent, default_legal_basis};
use rekisteri_domain::portal::{
    LINK_LIFETIME_MICROS, PortalRequest, RateLimit, SESSION_LIFETIME_MICROS,
};
use rekisteri_domain::values::Email;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Transaction};

/// A link not yet used nor expired, as its confirmation page needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalLink {
    pub wanted: Option<PortalRequest>,
    pub language: Option<String>,
    pub expires_at: Timestamp,
}

/// What asking for a link came to. The portal answers every one alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOutcome {
    /// The address is on these people's records: the link is stored.
    Created(Vec<PersonId>),
    /// No one in the register has the address: nothing is stored.
    NotOnRecord,
    /// The address has had its links for the hour: nothing is stored.
    Capped,
}

/// A link asked for.
#[derive(Debug, Clone)]
pub struct NewPortalLink<'a> {
    /// The secret in the link; only its SHA-256 is stored.
    pub token: &'a str,
    pub email: &'a Email,
    pub wanted: PortalRequest,
    pub language: &'a str,
    /// How many links the address may get (counted from the stored links:
    /// every server on the database shares the count).
    pub limit: RateLimit,
}

/// A verified visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSession {
    pub id: PortalSessionId,
    /// The address the link was sent to, as typed (in normal form).
    pub email: String,
    pub language: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// The access or portability case whose report this visit may download.
    pub report_request_id: Option<RequestId>,
}

const SESSION_SELECT: &str =
    "SELECT id, email, language, created_at, expires_at, report_request_id FROM portal_sessions";

fn session_from_row(row: &AnyRow) -> Result<PortalSession, sqlx::Error> {
    Ok(PortalSession {
        id: parsed(row, "id")?,
        email: text(row, "email")?,
        language: text(row, "language")?,
        created_at: ts(row, "created_at")?,
        expires_at: ts(row, "expires_at")?,
        report_request_id: opt_parsed(row, "report_request_id")?,
    })
}

/// The people with `email` among their email addresses (letters in any case).
async fn people_with<'e, E>(conn: E, email: &str) -> Result<Vec<PersonId>, StoreError>
where
    E: Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "SELECT DISTINCT person_id FROM person_contacts WHERE kind = 'email' AND LOWER(value) = LOWER($1) \
         ORDER BY person_id",
    )
    .bind(email.to_string())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| parsed(r, "person_id"))
        .collect::<Result<_, _>>()?)
}

/// One audit row per person found by an address: a search that found them.
fn found(actor: &Actor, at: Timestamp, people: &[PersonId], record: &str) -> Vec<AuditEntry> {
    people
        .iter()
        .map(|p| {
            actor.entry(
                at,
                AuditAction::Search,
                RecordType::Person,
                record,
                Some(*p),
            )
        })
        .collect()
}

impl Store {
    /// The people whose records hold the address; audited as a search that
    /// found each of them.
    pub async fn people_by_email(
        &self,
        actor: &Actor,
        at: Timestamp,
        email: &str,
    ) -> Result<Vec<PersonId>, StoreError> {
        let people = people_with(&self.read, email).await?;
        self.audit
            .record(found(actor, at, &people, "portal"))
            .await?;
        Ok(people)
    }

    /// Stores a single-use link for an address on someone's record, unless
    /// the address has had its links for the hour. An address no one has
    /// stores nothing (the caller sends no mail to strangers). Links long
    /// expired are removed here too.
    pub async fn create_portal_link(
        &self,
        actor: &Actor,
        at: Timestamp,
        new: NewPortalLink<'_>,
    ) -> Result<LinkOutcome, StoreError> {
        self.create_portal_link_writing(actor, at, new, |_| None)
            .await
    }

    /// [`Store::create_portal_link`], and the link's letter, which `letter`
    /// composes for the people found (the person it is about when the
    /// address is one person's), written with its delivery job in the same
    /// transaction: a link is mailed exactly when it is stored.
    pub async fn create_portal_link_writing(
        &self,
        actor: &Actor,
        at: Timestamp,
        new: NewPortalLink<'_>,
        letter: impl FnOnce(&[PersonId]) -> Option<Letter> + Send,
    ) -> Result<LinkOutcome, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        // Addresses are personal data: spent links and ended visits go a
        // day after their expiry.
        let day_ago = at.micros() - 24 * 60 * 60 * 1_000_000;
        for table in ["portal_links", "portal_sessions"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE expires_at < $1"
            )))
            .bind(day_ago)
            .execute(&mut *tx)
            .await?;
        }
        let people = people_with(&mut *tx, new.email.as_str()).await?;
        if people.is_empty() {
            tx.commit().await?;
            return Ok(LinkOutcome::NotOnRecord);
        }
        let recent = sqlx::query(
            "SELECT created_at FROM portal_links WHERE LOWER(email) = LOWER($1) AND created_at > $2",
        )
        .bind(new.email.to_string())
        .bind(at.micros() - new.limit.window_micros)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| ts(r, "created_at"))
        .collect::<Result<Vec<_>, _>>()?;
        if !new.limit.allows(&recent, at) {
            tx.commit().await?;
            return Ok(LinkOutcome::Capped);
        }
        let hash = token_hash(new.token);
        sqlx::query(
            "INSERT INTO portal_links (token_hash, email, created_at, expires_at, wanted, language) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(hash.clone())
        .bind(new.email.to_string())
        .bind(at.micros())
        .bind(at.micros() + LINK_LIFETIME_MICROS)
        .bind(new.wanted.code().to_string())
        .bind(new.language.to_string())
        .execute(&mut *tx)
        .await?;
        let mut entries = found(actor, at, &people, "portal");
        entries.push(actor.entry(at, AuditAction::Create, RecordType::PortalLink, &hash, None));
        audit::insert(&mut tx, &entries).await?;
        if let Some(letter) = letter(&people) {
            crate::mail::queue(&mut tx, at, &letter).await?;
        }
        tx.commit().await?;
        Ok(LinkOutcome::Created(people))
    }

    /// The link `token` names, if it is neither used nor expired. Reading it
    /// spends nothing (mail scanners fetch links).
    pub async fn portal_link(
        &self,
        at: Timestamp,
        token: &str,
    ) -> Result<Option<PortalLink>, StoreError> {
        let row = sqlx::query(
            "SELECT wanted, language, expires_at FROM portal_links \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(at.micros())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(PortalLink {
            wanted: opt_parsed(&row, "wanted")?,
            language: rows::opt_text(&row, "language")?,
            expires_at: ts(&row, "expires_at")?,
        }))
    }

    /// Spends the link and opens a verified visit whose cookie holds
    /// `secret` (only its hash is stored): one transaction, so a link is
    /// spent exactly once however many times it is sent. `None`: the link
    /// is unknown, used or expired.
    pub async fn start_portal_session(
        &self,
        actor: &Actor,
        at: Timestamp,
        token: &str,
        secret: &str,
        language: &str,
    ) -> Result<Option<PortalSession>, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let hash = token_hash(token);
        let spent = sqlx::query(
            "UPDATE portal_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(at.micros())
        .bind(hash.clone())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if spent != 1 {
            return Ok(None);
        }
        let email = text(
            &sqlx::query("SELECT email FROM portal_links WHERE token_hash = $1")
                .bind(hash.clone())
                .fetch_one(&mut *tx)
                .await?,
            "email",
        )?;
        let id = PortalSessionId::new(at);
        sqlx::query(
            "INSERT INTO portal_sessions (id, secret_hash, email, language, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(token_hash(secret))
        .bind(email.clone())
        .bind(language.to_string())
        .bind(at.micros())
        .bind(at.micros() + SESSION_LIFETIME_MICROS)
        .execute(&mut *tx)
        .await?;
        let people = people_with(&mut *tx, &email).await?;
        // R9: a portal visit is activity of the customer relationship.
        crate::relationships::touch(&mut tx, &people, at.date()).await?;
        let mut entries = vec![
            actor.entry(at, AuditAction::Update, RecordType::PortalLink, &hash, None),
            actor.entry(at, AuditAction::Login, RecordType::PortalSession, id, None),
        ];
        entries.extend(found(actor, at, &people, &id.to_string()));
        audit::insert(&mut tx, &entries).await?;
        let session = session_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Some(session))
    }

    /// The live visit a cookie's secret names.
    pub async fn portal_session(
        &self,
        at: Timestamp,
        secret: &str,
    ) -> Result<Option<PortalSession>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SESSION_SELECT} WHERE secret_hash = $1 AND ended_at IS NULL AND expires_at > $2"
        )))
        .bind(token_hash(secret))
        .bind(at.micros())
        .fetch_optional(&self.read)
        .await?;
        row.as_ref()
            .map(session_from_row)
            .transpose()
            .map_err(Into::into)
    }

    /// Ends a visit (the person signed out).
    pub async fn end_portal_session(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: PortalSessionId,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        sqlx::query("UPDATE portal_sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
            .bind(at.micros())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        audit::insert(
            &mut tx,
            &[actor.entry(at, AuditAction::Logout, RecordType::PortalSession, id, None)],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The case whose report the visit may now download.
    pub async fn set_portal_report(
        &self,
        id: PortalSessionId,
        request: RequestId,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE portal_sessions SET report_request_id = $1 WHERE id = $2")
            .bind(request.to_string())
            .bind(id.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Records the person's prohibitions in one transaction, each with
    /// its audit row: in force at once (R15).
    pub async fn prohibit_marketing(
        &self,
        actor: &Actor,
        at: Timestamp,
        person_id: PersonId,
        events: &[NewPermissionEvent],
    ) -> Result<Vec<PermissionEventId>, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let standing = standing(&mut tx, person_id, at).await?;
        let mut rows_ = Vec::with_capacity(events.len());
        let mut entries = Vec::with_capacity(events.len());
        let mut ids = Vec::with_capacity(events.len());
        for new in events {
            let basis = new.legal_basis.unwrap_or_else(|| {
                default_legal_basis(default_for(new.channel, new.purpose, standing))
            });
            let id = PermissionEventId::new(at);
            rows_.push(permission_values(actor, at, id, person_id, new, basis));
            entries.push(actor.entry(
                at,
                AuditAction::Create,
                RecordType::Permission,
                id,
                Some(person_id),
            ));
            ids.push(id);
        }
        if !rows_.is_empty() {
            rows::insert_records(&mut tx, "permission_events", rows_).await?;
        }
        audit::insert(&mut tx, &entries).await?;
        tx.commit().await?;
        Ok(ids)
    }
}

async fn session_in(
    tx: &mut Transaction<'static, Any>,
    id: PortalSessionId,
) -> Result<PortalSession, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SESSION_SELECT} WHERE id = $1"
    )))
    .bind(id.to_string())
    .fetch_one(&mut **tx)
    .await?;
    Ok(session_from_row(&row)?)
}
