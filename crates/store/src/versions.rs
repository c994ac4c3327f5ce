//! Configuration kept as versions (R1's register details, R9's retention
//! schedule): each change is a new row of its table — `version`, the value
//! as JSON, who changed it and when —, so every version stays. The newest
//! is in force; with none stored, the caller's default is (version 0).

use crate::rows::{int, opt_parsed, text, ts};
use crate::{Backend, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::UserId;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe};

/// One table of versions: its name, the JSON column, and the advisory lock
/// that serialises two saves on PostgreSQL.
pub(crate) struct Versions {
    pub table: &'static str,
    pub column: &'static str,
    pub lock: i64,
}

/// One stored version.
pub(crate) struct Version<T> {
    pub version: i64,
    pub value: T,
    pub changed_at: Option<Timestamp>,
    pub changed_by: Option<UserId>,
}

impl Versions {
    fn decode<T: DeserializeOwned>(&self, row: &AnyRow) -> Result<Version<T>, StoreError> {
        let value = serde_json::from_str(&text(row, self.column)?)
            .map_err(|e| StoreError::Config(format!("stored {}: {e}", self.table)))?;
        Ok(Version {
            version: int(row, "version")?,
            value,
            changed_at: Some(ts(row, "changed_at")?),
            changed_by: opt_parsed(row, "changed_by")?,
        })
    }

    fn select(&self, tail: &str) -> String {
        format!(
            "SELECT version, {}, changed_at, changed_by FROM {} ORDER BY version DESC{tail}",
            self.column, self.table
        )
    }

    /// The version in force: the newest, else `T::default()` as version 0.
    pub async fn current<T: DeserializeOwned + Default>(
        &self,
        pool: &AnyPool,
    ) -> Result<Version<T>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(self.select(" LIMIT 1")))
            .fetch_optional(pool)
            .await?;
        match row {
            Some(row) => self.decode(&row),
            None => Ok(Version {
                version: 0,
                value: T::default(),
                changed_at: None,
                changed_by: None,
            }),
        }
    }

    /// Every stored version, newest first.
    pub async fn all<T: DeserializeOwned>(
        &self,
        pool: &AnyPool,
    ) -> Result<Vec<Version<T>>, StoreError> {
        sqlx::query(AssertSqlSafe(self.select("")))
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| self.decode(row))
            .collect()
    }

    /// Stores `value` (checked by the caller) as the next version, audited
    /// as a setting. `expected`: the version the admin edited; another
    /// change since is a version mismatch, not a silent overwrite.
    pub async fn store<T: Serialize + Clone>(
        &self,
        store: &crate::Store,
        actor: &Actor,
        at: Timestamp,
        value: &T,
        expected: Option<i64>,
    ) -> Result<Version<T>, StoreError> {
        let mut tx = store.backend.begin_write(&store.write).await?;
        if Backend::of(&tx) == Backend::Postgres {
            // Two admins saving at once: the second waits, then sees the
            // first's version and gets 412, not a clash of keys.
            sqlx::query(AssertSqlSafe(format!(
                "SELECT pg_advisory_xact_lock({})",
                self.lock
            )))
            .execute(&mut *tx)
            .await?;
        }
        let current: i64 = sqlx::query(AssertSqlSafe(format!(
            "SELECT COALESCE(MAX(version), 0) AS v FROM {}",
            self.table
        )))
        .fetch_one(&mut *tx)
        .await
        .and_then(|row| int(&row, "v"))?;
        if let Some(expected) = expected
            && expected != current
        {
            return Err(StoreError::VersionMismatch { current });
        }
        let version = current + 1;
        let json = serde_json::to_string(value)
            .map_err(|e| StoreError::Config(format!("{}: {e}", self.table)))?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {} (version, {}, changed_at, changed_by) VALUES ($1, $2, $3, $4)",
            self.table, self.column
        )))
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
                format!("{}:{version}", self.table),
                None,
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(Version {
            version,
            value: value.clone(),
            changed_at: Some(at),
            changed_by: actor.user,
        })
    }
}
