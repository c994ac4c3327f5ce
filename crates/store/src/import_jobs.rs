//! The web's CSV imports as records (issue 13): who started one, how far
//! it is, how it ended and the rows it left out, read by any server. The
//! import's data commits at once ([`crate::PeopleImport`]) with its record
//! marked done; a record still `running` whose heartbeat stopped
//! (the server died) reads as `failed`, and is written so.

use crate::import::Bulk;
use crate::rows::{int, opt_ts, parsed, text, ts};
use crate::{Store, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::ids::{ImportId, UserId};
use sqlx::any::AnyRow;

/// How long a finished import's record and rejected rows are kept.
pub const IMPORT_KEPT_MICROS: i64 = 30 * 24 * 60 * 60 * 1_000_000;

/// A running import with no heartbeat for this long is taken as failed.
pub const IMPORT_STALE_MICROS: i64 = 30 * 1_000_000;

/// An import as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: ImportId,
    pub owner: UserId,
    /// `running`, `done`, `failed` or `refused` (rows had errors and the
    /// user did not skip them: nothing imported).
    pub status: String,
    /// Data rows in the file.
    pub rows: i64,
    /// People to import (the valid rows).
    pub total: i64,
    pub done: i64,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// A row of the file left out: its line, the field and why (no value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRejection {
    pub line: u64,
    pub field: String,
    pub reason: String,
}

fn from_row(row: &AnyRow) -> Result<ImportRecord, sqlx::Error> {
    Ok(ImportRecord {
        id: parsed(row, "id")?,
        owner: parsed(row, "owner")?,
        status: text(row, "status")?,
        rows: int(row, "row_count")?,
        total: int(row, "total")?,
        done: int(row, "done")?,
        started_at: ts(row, "started_at")?,
        finished_at: opt_ts(row, "finished_at")?,
    })
}

const COLUMNS: &str = "id, owner, status, row_count, total, done, started_at, finished_at";

impl Store {
    /// Records an import about to run (`refused`: it will not), with the
    /// rows it leaves out, in one transaction.
    pub async fn start_import(
        &self,
        owner: UserId,
        at: Timestamp,
        rows: usize,
        total: usize,
        refused: bool,
        rejected: &[ImportRejection],
    ) -> Result<ImportId, StoreError> {
        let id = ImportId::new(at);
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let mut tx = self.backend.begin_write(&self.write).await?;
        sqlx::query(
            "INSERT INTO imports (id, owner, status, row_count, total, done, started_at, heartbeat_at, finished_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6, $6, $7)",
        )
        .bind(id.to_string())
        .bind(owner.to_string())
        .bind(if refused { "refused" } else { "running" })
        .bind(count(rows))
        .bind(count(total))
        .bind(at.micros())
        .bind(refused.then_some(at.micros()))
        .execute(&mut *tx)
        .await?;
        for r in rejected {
            sqlx::query(
                "INSERT INTO import_rejections (import_id, line, field, reason) VALUES ($1, $2, $3, $4)",
            )
            .bind(id.to_string())
            .bind(i64::try_from(r.line).unwrap_or(i64::MAX))
            .bind(r.field.clone())
            .bind(r.reason.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The running import's progress and heartbeat, for other servers and
    /// processes. On SQLite too: the import stages its rows without the
    /// register's writer ([`crate::PeopleImport`]), so this waits only for
    /// its last step.
    pub async fn import_heartbeat(
        &self,
        id: ImportId,
        done: usize,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE imports SET done = $1, heartbeat_at = $2 WHERE id = $3 AND status = 'running'",
        )
        .bind(i64::try_from(done).unwrap_or(i64::MAX))
        .bind(at.micros())
        .bind(id.to_string())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The import failed (its transaction rolled back).
    pub async fn fail_import(&self, id: ImportId, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE imports SET status = 'failed', done = 0, finished_at = $1 \
             WHERE id = $2 AND status = 'running'",
        )
        .bind(at.micros())
        .bind(id.to_string())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The import, if `owner` started it. `live`: this server is running
    /// it now. A running import nobody is running whose heartbeat stopped
    /// is failed, and recorded so.
    pub async fn import_record(
        &self,
        id: ImportId,
        owner: UserId,
        at: Timestamp,
        live: bool,
    ) -> Result<Option<ImportRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS}, heartbeat_at FROM imports WHERE id = $1 AND owner = $2"
        )))
        .bind(id.to_string())
        .bind(owner.to_string())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut record = from_row(&row)?;
        let heartbeat = ts(&row, "heartbeat_at")?;
        if record.status == "running"
            && !live
            && at.micros() - heartbeat.micros() > IMPORT_STALE_MICROS
        {
            self.fail_import(id, at).await?;
            record.status = "failed".into();
            record.done = 0;
            record.finished_at = Some(at);
        }
        Ok(Some(record))
    }

    /// Removes the records of imports finished more than
    /// [`IMPORT_KEPT_MICROS`] before `at` (their rejected rows go with
    /// them); answers how many.
    pub async fn forget_imports(&self, at: Timestamp) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM imports WHERE finished_at IS NOT NULL AND finished_at < $1")
                .bind(at.micros() - IMPORT_KEPT_MICROS)
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected())
    }

    /// The rows the import left out, in file order.
    pub async fn import_rejections(
        &self,
        id: ImportId,
    ) -> Result<Vec<ImportRejection>, StoreError> {
        sqlx::query(
            "SELECT line, field, reason FROM import_rejections WHERE import_id = $1 ORDER BY line",
        )
        .bind(id.to_string())
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|row| {
            Ok(ImportRejection {
                line: u64::try_from(int(row, "line")?).unwrap_or(0),
                field: text(row, "field")?,
                reason: text(row, "reason")?,
            })
        })
        .collect()
    }
}

impl Bulk {
    /// Marks the import done with `done` people, inside the import's own
    /// transaction: the data and its record commit together.
    pub async fn finish_import(
        &mut self,
        id: ImportId,
        done: usize,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        mark_done(&mut self.tx, id, done, at).await
    }
}

/// Marks an import done, in the transaction that commits its rows.
pub(crate) async fn mark_done(
    conn: &mut sqlx::AnyConnection,
    id: ImportId,
    done: usize,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE imports SET status = 'done', done = $1, heartbeat_at = $2, finished_at = $2 \
         WHERE id = $3",
    )
    .bind(i64::try_from(done).unwrap_or(i64::MAX))
    .bind(at.micros())
    .bind(id.to_string())
    .execute(conn)
    .await?;
    Ok(())
}
