//! The register's details as configuration (R1): the controller, the
//! register's contact person and the supervisory authority, each change a
//! new version kept with who made it and when. The newest is in force;
//! with none stored, the seed notice's defaults are.

use crate::rows::{int, opt_parsed, text, ts};
use crate::{Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::ids::UserId;
use serde::Serialize;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

/// One version of the register's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RegisterVersion {
    /// 1, 2, …; 0 is the seed notice's defaults, never stored.
    pub version: i64,
    pub details: RegisterDetails,
    pub changed_at: Option<Timestamp>,
    pub changed_by: Option<UserId>,
}

fn from_row(row: &AnyRow) -> Result<RegisterVersion, StoreError> {
    let details = serde_json::from_str(&text(row, "details")?)
        .map_err(|e| StoreError::Config(format!("stored register details: {e}")))?;
    Ok(RegisterVersion {
        version: int(row, "version")?,
        details,
        changed_at: Some(ts(row, "changed_at")?),
        changed_by: opt_parsed(row, "changed_by")?,
    })
}

impl Store {
    /// The details in force: the newest version, else the defaults.
    pub async fn register_details(&self) -> Result<RegisterVersion, StoreError> {
        let row = sqlx::query(
            "SELECT version, details, changed_at, changed_by FROM register_details \
             ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(&self.read)
        .await?;
        match row {
            Some(row) => from_row(&row),
            None => Ok(RegisterVersion {
                version: 0,
                details: RegisterDetails::default(),
                changed_at: None,
                changed_by: None,
            }),
        }
    }

    /// Every stored version, newest first.
    pub async fn register_versions(&self) -> Result<Vec<RegisterVersion>, StoreError> {
        sqlx::query(
            "SELECT version, details, changed_at, changed_by FROM register_details \
             ORDER BY version DESC",
        )
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// Stores `details` (checked by the caller) as the next version,
    /// audited. `expected`: the version the admin edited; another change
    /// since is a version mismatch, not a silent overwrite.
    pub async fn set_register_details(
        &self,
        actor: &Actor,
        at: Timestamp,
        details: &RegisterDetails,
        expected: Option<i64>,
    ) -> Result<RegisterVersion, StoreError> {
        let mut tx = self.write.begin().await?;
        if self.backend == crate::Backend::Postgres {
            // Two admins saving at once: the second waits, then sees the
            // first's version and gets 412, not a clash of keys.
            sqlx::query("SELECT pg_advisory_xact_lock(7464727)")
                .execute(&mut *tx)
                .await?;
        }
        let current: i64 =
            sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM register_details")
                .fetch_one(&mut *tx)
                .await
                .and_then(|row| int(&row, "v"))?;
        if let Some(expected) = expected
            && expected != current
        {
            return Err(StoreError::VersionMismatch { current });
        }
        let version = current + 1;
        let json = serde_json::to_string(details)
            .map_err(|e| StoreError::Config(format!("register details: {e}")))?;
        sqlx::query(
            "INSERT INTO register_details (version, details, changed_at, changed_by) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(version)
        .bind(json)
        .bind(at.micros())
        .bind(actor.user.map(|u| u.to_string()))
        .execute(&mut *tx)
        .await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Setting,
                RecordType::Setting,
                format!("register_details:{version}"),
                None,
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(RegisterVersion {
            version,
            details: details.clone(),
            changed_at: Some(at),
            changed_by: actor.user,
        })
    }
}
