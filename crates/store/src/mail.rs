//! The mail outbox in the database (issue 13): every letter the register
//! writes is a `mail` row, queued with its `deliver_mail` job in the
//! caller's transaction, so a letter is written exactly when its change
//! commits. The runner sends it by SMTP (`sent`) or, with no SMTP server or
//! for a printable letter, keeps it for the outbox (`kept`), which any
//! server reads from here (audited).
//!
//! Erasure and anonymisation remove, in their transaction, every row about
//! the person and every row with no person that names one of the person's
//! email addresses — as its recipient or in its subject or body — in any
//! state: a letter not yet sent is the person's data too.
//!
//! A portal link's body holds the link's secret: once SMTP has accepted it
//! the body is cleared (the row keeps kind, recipient, subject and times as
//! the record that it was sent). Kept in the outbox it stays readable, since
//! reading it there is how it reaches the person; the link itself expires in
//! 30 minutes and works once.

use crate::jobs::{self, ClaimedJob};
use crate::rows::{Arg, opt_parsed, opt_text, opt_ts, parsed, text, ts};
use crate::{Page, Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, AuditEntry, RecordType};
use rekisteri_domain::ids::{MailId, PersonId};
use rekisteri_domain::job::Job;
use rekisteri_domain::mail::{Addressee, Letter, MailKind, MailState};
use rekisteri_domain::values::Email;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};

/// A letter as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailRecord {
    pub id: MailId,
    pub kind: MailKind,
    /// The email address, or `None` for a printable letter.
    pub to_email: Option<String>,
    /// A printable letter's addressee, as the letter starts.
    pub to_name: Option<String>,
    pub subject: String,
    /// `None` once cleared (a portal link sent by SMTP).
    pub body: Option<String>,
    pub about: Option<PersonId>,
    pub state: MailState,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

impl MailRecord {
    pub fn to(&self) -> Addressee {
        match (&self.to_email, &self.to_name) {
            (Some(email), _) => Addressee::Email(email.clone()),
            (None, name) => Addressee::Letter(name.clone().unwrap_or_default()),
        }
    }
}

const COLUMNS: &str =
    "id, kind, to_email, to_name, subject, body, person_id, state, created_at, sent_at";

fn from_row(row: &AnyRow) -> Result<MailRecord, sqlx::Error> {
    Ok(MailRecord {
        id: parsed(row, "id")?,
        kind: parsed(row, "kind")?,
        to_email: opt_text(row, "to_email")?,
        to_name: opt_text(row, "to_name")?,
        subject: text(row, "subject")?,
        body: opt_text(row, "body")?,
        about: opt_parsed(row, "person_id")?,
        state: parsed(row, "state")?,
        created_at: ts(row, "created_at")?,
        sent_at: opt_ts(row, "sent_at")?,
    })
}

/// Writes `letter` and its delivery job inside the caller's transaction.
pub(crate) async fn queue(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    letter: &Letter,
) -> Result<MailId, StoreError> {
    let id = MailId::new(at);
    let (to_email, to_name) = match &letter.to {
        Addressee::Email(email) => (Some(email.trim().to_string()), None),
        Addressee::Letter(name) => (None, Some(name.clone())),
    };
    sqlx::query(
        "INSERT INTO mail (id, kind, to_email, to_name, subject, body, person_id, state, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8)",
    )
    .bind(id.to_string())
    .bind(letter.kind.code())
    .bind(to_email)
    .bind(to_name)
    .bind(letter.subject.clone())
    .bind(letter.body.clone())
    .bind(letter.about.map(|p| p.to_string()))
    .bind(at.micros())
    .execute(&mut **tx)
    .await?;
    jobs::enqueue(tx, at, &Job::DeliverMail { mail_id: id }).await?;
    Ok(id)
}

/// `value` as a LIKE pattern that matches it anywhere, literally.
fn contains_pattern(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len() + 2);
    escaped.push('%');
    for c in value.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}

/// Removes, inside the caller's transaction, every letter about `person`,
/// and every letter about no one that names one of `emails` (recipient,
/// subject or body, in any case of letters). Answers how many went.
pub(crate) async fn purge(
    tx: &mut Transaction<'static, Any>,
    person: PersonId,
    emails: &[Email],
) -> Result<u64, StoreError> {
    let mut removed = sqlx::query("DELETE FROM mail WHERE person_id = $1")
        .bind(person.to_string())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    for email in emails {
        let lower = email.as_str().to_lowercase();
        removed += sqlx::query(
            "DELETE FROM mail WHERE person_id IS NULL AND (LOWER(to_email) = $1 \
             OR LOWER(subject) LIKE $2 ESCAPE '\\' OR LOWER(body) LIKE $2 ESCAPE '\\')",
        )
        .bind(lower.clone())
        .bind(contains_pattern(&lower))
        .execute(&mut **tx)
        .await?
        .rows_affected();
    }
    Ok(removed)
}

/// The outbox's audit row: reading letters is reading personal data (B1).
fn read_entry(actor: &Actor, at: Timestamp, record: &MailRecord) -> AuditEntry {
    actor.entry(
        at,
        AuditAction::Read,
        RecordType::Mail,
        record.id,
        record.about,
    )
}

impl Store {
    /// Writes letters, their delivery jobs and `entries` in one
    /// transaction; with `completes`, that job ends in it too (a job whose
    /// work is writing letters writes them once).
    pub async fn queue_mail(
        &self,
        at: Timestamp,
        letters: &[Letter],
        entries: &[AuditEntry],
        completes: Option<&ClaimedJob>,
    ) -> Result<Vec<MailId>, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        if let Some(claimed) = completes
            && !jobs::complete_in(&mut tx, claimed, at).await?
        {
            // Another runner holds the job now: it writes the letters.
            return Ok(Vec::new());
        }
        let mut ids = Vec::with_capacity(letters.len());
        for letter in letters {
            ids.push(queue(&mut tx, at, letter).await?);
        }
        audit::insert(&mut tx, entries).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// The outbox, newest first, optionally in one state; paged by id
    /// (`after`: the previous page's last id). Audited as one list.
    pub async fn outbox(
        &self,
        actor: &Actor,
        at: Timestamp,
        state: Option<MailState>,
        page: &crate::PageRequest,
    ) -> Result<Page<MailRecord>, StoreError> {
        let mut select = crate::rows::Select::default();
        if let Some(state) = state {
            select.filter("state = ?", Arg::Text(state.code().into()));
        }
        if let Some(after) = &page.after {
            select.filter("id < ?", Arg::Text(after.clone()));
        }
        let tail = format!("ORDER BY id DESC LIMIT {}", select.next_placeholder());
        let items = select
            .build(
                &format!("SELECT {COLUMNS} FROM mail"),
                &tail,
                vec![Arg::Int(page.limit() + 1)],
            )
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(from_row)
            .collect::<Result<Vec<_>, _>>()?;
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::List,
                RecordType::Mail,
                "outbox",
                None,
            )])
            .await?;
        Ok(crate::rows::into_page(items, page, |m| m.id.to_string()))
    }

    /// One letter of the outbox, its reading audited.
    pub async fn mail(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: MailId,
    ) -> Result<MailRecord, StoreError> {
        let record = self.mail_unaudited(id).await?.ok_or(StoreError::NotFound)?;
        self.audit
            .record(vec![read_entry(actor, at, &record)])
            .await?;
        Ok(record)
    }

    /// A letter for its delivery job (`None`: gone, purged by an erasure).
    /// The register itself reads it to send it; the delivery is audited
    /// by [`Store::mail_delivered`].
    pub async fn mail_unaudited(&self, id: MailId) -> Result<Option<MailRecord>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM mail WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.write)
        .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// The letter left by SMTP (`Sent`: a secret body is cleared) or is
    /// kept for the outbox (`Kept`); its delivery job ends in the same
    /// transaction, and the delivery is audited. False when the claim was
    /// lost (another runner has the job).
    pub async fn mail_delivered(
        &self,
        actor: &Actor,
        claimed: &ClaimedJob,
        id: MailId,
        state: MailState,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        if !jobs::complete_in(&mut tx, claimed, at).await? {
            return Ok(false);
        }
        let sent = state == MailState::Sent;
        let secret_kinds: Vec<String> = MailKind::ALL
            .iter()
            .filter(|k| k.holds_secret())
            .map(|k| format!("'{}'", k.code()))
            .collect();
        let clear = if sent && !secret_kinds.is_empty() {
            format!(
                ", body = CASE WHEN kind IN ({}) THEN NULL ELSE body END",
                secret_kinds.join(", ")
            )
        } else {
            String::new()
        };
        let row = sqlx::query(AssertSqlSafe(format!(
            "UPDATE mail SET state = $1, sent_at = $2{clear} WHERE id = $3 AND state = 'queued' \
             RETURNING person_id"
        )))
        .bind(state.code())
        .bind(if sent { Some(at.micros()) } else { None })
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        // A letter to someone already erased goes once the SMTP server has it.
        let gone: Vec<String> = MailKind::ALL
            .iter()
            .filter(|k| k.gone_once_sent())
            .map(|k| k.code().to_string())
            .collect();
        if sent {
            for kind in &gone {
                sqlx::query("DELETE FROM mail WHERE id = $1 AND kind = $2")
                    .bind(id.to_string())
                    .bind(kind.clone())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        if let Some(row) = row {
            let about: Option<PersonId> = opt_parsed(&row, "person_id")?;
            audit::insert(
                &mut tx,
                &[actor.entry(at, AuditAction::Update, RecordType::Mail, id, about)],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

impl Store {
    /// Letters to erased people older than
    /// [`rekisteri_domain::mail::ERASED_LETTER_KEPT_MICROS`] go (the
    /// periodic round), kept ones and those whose delivery never succeeded
    /// (a job that used its tries leaves its letter queued); answers how many.
    pub async fn forget_erased_letters(&self, at: Timestamp) -> Result<u64, StoreError> {
        let mut gone = 0;
        for kind in MailKind::ALL.iter().filter(|k| k.gone_once_sent()) {
            gone += sqlx::query(
                "DELETE FROM mail WHERE kind = $1 AND state IN ('queued', 'kept') AND created_at < $2",
            )
            .bind(kind.code())
            .bind(at.micros() - rekisteri_domain::mail::ERASED_LETTER_KEPT_MICROS)
            .execute(&self.write)
            .await?
            .rows_affected();
        }
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn an_address_is_matched_literally() {
        assert_eq!(
            contains_pattern("a_b%c\\d@example.fi"),
            "%a\\_b\\%c\\\\d@example.fi%"
        );
    }
}
