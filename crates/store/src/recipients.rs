//! The register of recipients and processors (R4, R7). A recipient is a
//! company or an authority, not a data subject: reads are not audited,
//! every write is (in its own transaction, like every record's). A
//! recipient is retired, never deleted: the disclosure log refers to it.

use crate::rows::{
    self, Arg, Select, Values, bump_version, int, opt_parsed, opt_text, opt_ts, parsed, text,
    text_or_null, ts,
};
use crate::{Page, PageRequest, Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::RecipientId;
use rekisteri_domain::recipient::{NewRecipient, Recipient, in_eea};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor, Transaction};

/// Filters of the recipients list.
#[derive(Debug, Clone, Default)]
pub struct RecipientFilter {
    /// Leave out retired recipients.
    pub active_only: bool,
}

const SELECT: &str = "SELECT id, version, name, role, country, safeguard, safeguard_on, safeguard_detail, description, notice_email, \
     created_at, updated_at, created_by, updated_by, retired_at FROM recipients";

fn from_row(row: &AnyRow) -> Result<Recipient, sqlx::Error> {
    let country = text(row, "country")?;
    Ok(Recipient {
        id: parsed(row, "id")?,
        version: int(row, "version")?,
        name: text(row, "name")?,
        role: parsed(row, "role")?,
        in_eea: in_eea(&country),
        country,
        safeguard: opt_parsed(row, "safeguard")?,
        safeguard_on: opt_parsed(row, "safeguard_on")?,
        safeguard_detail: opt_text(row, "safeguard_detail")?,
        description: opt_text(row, "description")?,
        notice_email: opt_text(row, "notice_email")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        created_by: opt_parsed(row, "created_by")?,
        updated_by: opt_parsed(row, "updated_by")?,
        retired_at: opt_ts(row, "retired_at")?,
    })
}

/// The recipient, read inside a transaction or from a pool.
pub(crate) async fn recipient_in<'e, E>(conn: E, id: RecipientId) -> Result<Recipient, StoreError>
where
    E: Executor<'e, Database = Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(from_row(&row.ok_or(StoreError::NotFound)?)?)
}

/// The columns a write sets.
fn values(new: &NewRecipient, actor: &Actor) -> Values {
    let safeguard = new.safeguard.as_ref();
    vec![
        ("name", Arg::Text(new.name.to_string())),
        ("role", Arg::Text(new.role.code().into())),
        ("country", Arg::Text(new.country.to_string())),
        ("safeguard", text_or_null(safeguard.map(|s| s.kind.code()))),
        ("safeguard_on", text_or_null(safeguard.map(|s| s.on))),
        (
            "safeguard_detail",
            text_or_null(safeguard.and_then(|s| s.detail.as_ref())),
        ),
        ("description", text_or_null(new.description.as_ref())),
        ("notice_email", text_or_null(new.notice_email.as_ref())),
        ("updated_by", text_or_null(actor.user)),
    ]
}

async fn written(
    mut tx: Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    action: AuditAction,
    id: RecipientId,
) -> Result<Recipient, StoreError> {
    audit::insert(
        &mut tx,
        &[actor.entry(at, action, RecordType::Recipient, id, None)],
    )
    .await?;
    let recipient = recipient_in(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(recipient)
}

impl Store {
    pub async fn create_recipient(
        &self,
        actor: &Actor,
        at: Timestamp,
        new: NewRecipient,
    ) -> Result<Recipient, StoreError> {
        let id = RecipientId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        let mut row = rows::new_record(id, at, values(&new, actor));
        row.push(("created_by", text_or_null(actor.user)));
        rows::insert_records(&mut tx, "recipients", vec![row]).await?;
        written(tx, actor, at, AuditAction::Create, id).await
    }

    pub async fn get_recipient(&self, id: RecipientId) -> Result<Recipient, StoreError> {
        recipient_in(&self.read, id).await
    }

    /// Recipients by name (a few hundred at most: the register of processors).
    pub async fn list_recipients(
        &self,
        filter: &RecipientFilter,
        page: &PageRequest,
    ) -> Result<Page<Recipient>, StoreError> {
        let mut select = Select::default();
        if filter.active_only {
            select.filter_in("retired_at IS NULL", Vec::new());
        }
        let (tail, extra) = rows::page_clause(&mut select, page, "id");
        let rows = select
            .build(SELECT, &tail, extra)
            .fetch_all(&self.read)
            .await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(rows::into_page(items, page, |r| r.id.to_string()))
    }

    /// Replaces the recipient's data (a retired one cannot be changed).
    pub async fn replace_recipient(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: RecipientId,
        expected: i64,
        new: NewRecipient,
    ) -> Result<Recipient, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        bump_version(&mut tx, "recipients", &id.to_string(), expected, at).await?;
        if recipient_in(&mut *tx, id).await?.retired_at.is_some() {
            return Err(retired());
        }
        rows::update_record(&mut tx, "recipients", &id.to_string(), values(&new, actor)).await?;
        written(tx, actor, at, AuditAction::Update, id).await
    }

    /// Retires the recipient: it stays for the disclosure log and receives
    /// nothing more.
    pub async fn retire_recipient(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: RecipientId,
        expected: i64,
    ) -> Result<Recipient, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        bump_version(&mut tx, "recipients", &id.to_string(), expected, at).await?;
        if recipient_in(&mut *tx, id).await?.retired_at.is_some() {
            return Err(retired());
        }
        sqlx::query("UPDATE recipients SET retired_at = $1, updated_by = $2 WHERE id = $3")
            .bind(at.micros())
            .bind(actor.user.map(|u| u.to_string()))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        written(tx, actor, at, AuditAction::Delete, id).await
    }
}

fn retired() -> StoreError {
    StoreError::Conflict {
        code: "recipient_retired",
        message: "the recipient is retired: it stays in the disclosure log and cannot be changed"
            .into(),
    }
}
