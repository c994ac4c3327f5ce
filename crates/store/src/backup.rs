//! What backups need of the database (B2): SQLite's consistent copy while
//! the server runs (`VACUUM INTO`), where a copy stands (its schema, the
//! journal's and the audit chain's last entries), and the restore's own
//! record, which keeps a register whose restore still replays its journal
//! from being served. PostgreSQL's copy is `pg_dump`'s (the server's
//! `backup` module runs it).

use crate::rows::{int, opt_int, text};
use crate::{Backend, Store, StoreError};
use rekisteri_domain::Timestamp;
use std::path::Path;

/// Where the database stands when a backup is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyPoint {
    pub schema_version: i64,
    pub journal_seq: i64,
    pub audit_seq: i64,
}

impl Store {
    /// The newest migration, the journal's and the audit chain's last entries.
    pub async fn copy_point(&self) -> Result<CopyPoint, StoreError> {
        self.flush_audit().await?;
        let row = sqlx::query(
            "SELECT (SELECT COALESCE(MAX(version), 0) FROM schema_migrations) AS schema_version, \
             (SELECT COALESCE(MAX(seq), 0) FROM erasure_journal) AS journal_seq, \
             (SELECT COALESCE(MAX(seq), 0) FROM audit_log) AS audit_seq",
        )
        .fetch_one(&self.read)
        .await?;
        Ok(CopyPoint {
            schema_version: int(&row, "schema_version")?,
            journal_seq: int(&row, "journal_seq")?,
            audit_seq: int(&row, "audit_seq")?,
        })
    }

    /// SQLite: a consistent copy of the whole database into `path` (an
    /// empty file the caller made private), while others read and write.
    pub async fn copy_sqlite_into(&self, path: &Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Config(
                "VACUUM INTO copies SQLite only; PostgreSQL is copied by pg_dump".into(),
            ));
        }
        let path = path
            .to_str()
            .ok_or_else(|| StoreError::Config("the copy's path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Records a restore that starts replaying the journal after `journal_seq`.
    pub async fn begin_restore(
        &self,
        id: &str,
        at: Timestamp,
        backup_taken_at: Timestamp,
        journal_seq: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO restores (id, backup_taken_at, journal_seq, started_at, replayed, status) \
             VALUES ($1, $2, $3, $4, 0, 'replaying')",
        )
        .bind(id.to_string())
        .bind(backup_taken_at.micros())
        .bind(journal_seq)
        .bind(at.micros())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The restore has replayed `replayed` entries: the register may be served.
    pub async fn finish_restore(
        &self,
        id: &str,
        at: Timestamp,
        replayed: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE restores SET status = 'done', finished_at = $1, replayed = $2 WHERE id = $3",
        )
        .bind(at.micros())
        .bind(replayed)
        .bind(id.to_string())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// SQLite: the write-ahead log folded into the database file, so the
    /// file alone is the whole register (a restore moves it into place).
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&self.write)
                .await?;
            if int(&row, "busy")? != 0 {
                return Err(StoreError::Config(
                    "the database is busy: its log could not be folded in / tietokanta on varattu"
                        .into(),
                ));
            }
        }
        Ok(())
    }

    /// SQLite: `PRAGMA integrity_check`'s answer ("ok" when whole).
    pub async fn integrity(&self) -> Result<String, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok("ok".into());
        }
        let row = sqlx::query("PRAGMA integrity_check")
            .fetch_one(&self.read)
            .await?;
        Ok(text(&row, "integrity_check")?)
    }

    /// A restore that has not finished replaying (its id), if any.
    pub async fn unfinished_restore(&self) -> Result<Option<(String, i64)>, StoreError> {
        let row = sqlx::query(
            "SELECT id, journal_seq FROM restores WHERE status = 'replaying' ORDER BY started_at LIMIT 1",
        )
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| Ok((text(&r, "id")?, opt_int(&r, "journal_seq")?.unwrap_or(0))))
            .transpose()
    }
}
