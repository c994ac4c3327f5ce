//! The purposes of processing as configuration (R2): each with its legal
//! basis, and whether it is in use. The notice's list is the default
//! (migration 5); a purpose not in use cannot be named by a caller.

use crate::rows::{int, opt_parsed, opt_ts, parsed};
use crate::{Store, StoreError, audit};
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::UserId;
use rekisteri_domain::purpose::LegalBasis;
use rekisteri_domain::{Purpose, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe};

/// One purpose's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurposeSetting {
    pub purpose: Purpose,
    pub legal_basis: LegalBasis,
    pub in_use: bool,
    pub updated_at: Option<Timestamp>,
    pub updated_by: Option<UserId>,
}

const SELECT: &str = "SELECT code, legal_basis, in_use, updated_at, updated_by FROM purposes";

fn from_row(row: &AnyRow) -> Result<PurposeSetting, sqlx::Error> {
    Ok(PurposeSetting {
        purpose: parsed(row, "code")?,
        legal_basis: parsed(row, "legal_basis")?,
        in_use: int(row, "in_use")? == 1,
        updated_at: opt_ts(row, "updated_at")?,
        updated_by: opt_parsed(row, "updated_by")?,
    })
}

/// Whether the purpose is in use (inside a caller's transaction).
pub(crate) async fn in_use(conn: &mut AnyConnection, purpose: Purpose) -> Result<bool, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE code = $1")))
        .bind(purpose.code())
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => from_row(&row)?.in_use,
        None => false,
    })
}

impl Store {
    /// Every purpose, in the notice's order.
    pub async fn purposes(&self) -> Result<Vec<PurposeSetting>, StoreError> {
        let rows = sqlx::query(SELECT).fetch_all(&self.read).await?;
        let mut all: Vec<PurposeSetting> = rows.iter().map(from_row).collect::<Result<_, _>>()?;
        all.sort_by_key(|p| Purpose::ALL.iter().position(|q| *q == p.purpose));
        Ok(all)
    }

    /// The purposes a caller may name, in the notice's order (the choices
    /// of a form).
    pub async fn purposes_in_use(&self) -> Result<Vec<Purpose>, StoreError> {
        Ok(self
            .purposes()
            .await?
            .into_iter()
            .filter(|p| p.in_use)
            .map(|p| p.purpose)
            .collect())
    }

    /// Whether a caller may name the purpose.
    pub async fn purpose_in_use(&self, purpose: Purpose) -> Result<bool, StoreError> {
        in_use(&mut *self.read.acquire().await?, purpose).await
    }

    /// Sets a purpose's legal basis and whether it is in use.
    pub async fn set_purpose(
        &self,
        actor: &Actor,
        at: Timestamp,
        purpose: Purpose,
        legal_basis: LegalBasis,
        in_use: bool,
    ) -> Result<PurposeSetting, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let done = sqlx::query(
            "UPDATE purposes SET legal_basis = $1, in_use = $2, updated_at = $3, updated_by = $4 WHERE code = $5",
        )
        .bind(legal_basis.code())
        .bind(i64::from(in_use))
        .bind(at.micros())
        .bind(actor.user.map(|u| u.to_string()))
        .bind(purpose.code())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Update,
                RecordType::Purpose,
                purpose.code(),
                None,
            )],
        )
        .await?;
        let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE code = $1")))
            .bind(purpose.code())
            .fetch_one(&mut *tx)
            .await?;
        let setting = from_row(&row)?;
        tx.commit().await?;
        Ok(setting)
    }
}
