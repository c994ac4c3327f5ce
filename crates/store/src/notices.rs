//! The notices of GDPR Art. 19: who received the person's data, in which
//! disclosures, and the `notify_recipient` jobs an erasure or an
//! anonymisation queues in its transaction. The job reads its notice again
//! by the disclosures' ids when it runs, after the person is gone.

use crate::rows::{self, parsed, text, ts};
use crate::{Store, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::disclosure::{DataCategory, parse_categories};
use rekisteri_domain::ids::{DisclosureId, PersonId, RecipientId};
use rekisteri_domain::job::{Forgotten, Job};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Transaction};
use utoipa::ToSchema;

/// One disclosure a recipient is told about (GDPR Art. 19).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NoticedDisclosure {
    pub disclosure_id: DisclosureId,
    pub disclosed_at: Timestamp,
    pub categories: Vec<DataCategory>,
}

/// A recipient that received the person's data, to be notified of the
/// erasure (Art. 19): by email to `notice_email`, else by a letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RecipientNotice {
    pub recipient_id: RecipientId,
    pub recipient_name: String,
    pub notice_email: Option<String>,
    pub disclosures: Vec<NoticedDisclosure>,
}

/// The recipients that received the person's data, with the disclosures.
pub(crate) async fn recipient_notices(
    conn: &mut AnyConnection,
    person: PersonId,
) -> Result<Vec<RecipientNotice>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{NOTICE_SELECT} WHERE d.id IN (SELECT disclosure_id FROM disclosure_records WHERE person_id = $1) \
         ORDER BY r.name, d.recipient_id, d.disclosed_at, d.id"
    )))
    .bind(person.to_string())
    .fetch_all(&mut *conn)
    .await?;
    notices_from(&rows)
}

const NOTICE_SELECT: &str = "SELECT d.id, d.recipient_id, r.name, r.notice_email, d.disclosed_at, d.categories \
     FROM disclosures d JOIN recipients r ON r.id = d.recipient_id";

/// Rows of [`NOTICE_SELECT`], ordered by recipient, as one notice each.
fn notices_from(rows: &[AnyRow]) -> Result<Vec<RecipientNotice>, StoreError> {
    let mut out: Vec<RecipientNotice> = Vec::new();
    for row in rows {
        let recipient: RecipientId = parsed(row, "recipient_id")?;
        let categories =
            parse_categories(&text(row, "categories")?).map_err(|e| sqlx::Error::ColumnDecode {
                index: "categories".into(),
                source: e.into(),
            })?;
        let disclosure = NoticedDisclosure {
            disclosure_id: parsed(row, "id")?,
            disclosed_at: ts(row, "disclosed_at")?,
            categories,
        };
        match out.last_mut() {
            Some(last) if last.recipient_id == recipient => last.disclosures.push(disclosure),
            _ => out.push(RecipientNotice {
                recipient_id: recipient,
                recipient_name: text(row, "name")?,
                notice_email: rows::opt_text(row, "notice_email")?.filter(|e| !e.trim().is_empty()),
                disclosures: vec![disclosure],
            }),
        }
    }
    Ok(out)
}

impl Store {
    /// The notice owed to `recipient` for these disclosures, read again
    /// when its job runs (the erasure kept the disclosures' dates and
    /// categories, not the person). `None`: none of them is on record.
    pub async fn recipient_notice(
        &self,
        recipient: RecipientId,
        disclosures: &[DisclosureId],
    ) -> Result<Option<RecipientNotice>, StoreError> {
        let mut found = Vec::new();
        for id in disclosures {
            let rows = sqlx::query(AssertSqlSafe(format!(
                "{NOTICE_SELECT} WHERE d.id = $1 AND d.recipient_id = $2"
            )))
            .bind(id.to_string())
            .bind(recipient.to_string())
            .fetch_all(&self.write)
            .await?;
            found.extend(rows);
        }
        Ok(notices_from(&found)?.pop())
    }
}

/// Queues, inside the erasure's transaction, a `notify_recipient` job per
/// recipient of the person's data (Art. 19): the notice is written when
/// the erasure commits, and only then.
pub(crate) async fn queue_notices(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    person: PersonId,
    notices: &[RecipientNotice],
    forgotten: Forgotten,
) -> Result<(), StoreError> {
    for notice in notices {
        let job = Job::NotifyRecipient {
            person_id: person,
            recipient_id: notice.recipient_id,
            disclosures: notice.disclosures.iter().map(|d| d.disclosure_id).collect(),
            forgotten,
        };
        crate::jobs::enqueue(tx, at, &job).await?;
    }
    Ok(())
}
