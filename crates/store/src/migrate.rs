//! Migrations, one folder per backend with the same versions (a test keeps
//! them in step). Each is applied in its own transaction.

use crate::{Backend, StoreError};
use sqlx::{AnyPool, AssertSqlSafe, Row};

/// One version of the schema: a text shared by both backends (with
/// `@SERIAL@` for the serial column type) and each backend's own part.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub shared: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

impl Migration {
    /// The SQL to run on `backend`.
    pub fn sql(&self, backend: Backend) -> String {
        let (serial, own) = match backend {
            Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", self.sqlite),
            Backend::Postgres => ("BIGSERIAL PRIMARY KEY", self.postgres),
        };
        format!("{}\n{own}", self.shared.replace("@SERIAL@", serial))
    }
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "core",
        shared: include_str!("../migrations/0001_core.sql"),
        sqlite: include_str!("../migrations/sqlite/0001_core.sql"),
        postgres: include_str!("../migrations/postgres/0001_core.sql"),
    },
    Migration {
        version: 2,
        name: "commitments",
        shared: include_str!("../migrations/0002_commitments.sql"),
        sqlite: include_str!("../migrations/sqlite/0002_commitments.sql"),
        postgres: include_str!("../migrations/postgres/0002_commitments.sql"),
    },
    Migration {
        version: 3,
        name: "accounts",
        shared: include_str!("../migrations/0003_accounts.sql"),
        sqlite: include_str!("../migrations/sqlite/0003_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0003_accounts.sql"),
    },
    Migration {
        version: 4,
        name: "web",
        shared: include_str!("../migrations/0004_web.sql"),
        sqlite: include_str!("../migrations/sqlite/0004_web.sql"),
        postgres: include_str!("../migrations/postgres/0004_web.sql"),
    },
    Migration {
        version: 5,
        name: "permissions",
        shared: include_str!("../migrations/0005_permissions.sql"),
        sqlite: include_str!("../migrations/sqlite/0005_permissions.sql"),
        postgres: include_str!("../migrations/postgres/0005_permissions.sql"),
    },
    Migration {
        version: 6,
        name: "requests",
        shared: include_str!("../migrations/0006_requests.sql"),
        sqlite: include_str!("../migrations/sqlite/0006_requests.sql"),
        postgres: include_str!("../migrations/postgres/0006_requests.sql"),
    },
    Migration {
        version: 7,
        name: "erasure",
        shared: include_str!("../migrations/0007_erasure.sql"),
        sqlite: include_str!("../migrations/sqlite/0007_erasure.sql"),
        postgres: include_str!("../migrations/postgres/0007_erasure.sql"),
    },
    Migration {
        version: 8,
        name: "portal",
        shared: include_str!("../migrations/0008_portal.sql"),
        sqlite: include_str!("../migrations/sqlite/0008_portal.sql"),
        postgres: include_str!("../migrations/postgres/0008_portal.sql"),
    },
    Migration {
        version: 9,
        name: "jobs",
        shared: include_str!("../migrations/0009_jobs.sql"),
        sqlite: include_str!("../migrations/sqlite/0009_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0009_jobs.sql"),
    },
    Migration {
        version: 10,
        name: "export_copies",
        shared: include_str!("../migrations/0010_export_copies.sql"),
        sqlite: include_str!("../migrations/sqlite/0010_export_copies.sql"),
        postgres: include_str!("../migrations/postgres/0010_export_copies.sql"),
    },
    Migration {
        version: 11,
        name: "register",
        shared: include_str!("../migrations/0011_register.sql"),
        sqlite: include_str!("../migrations/sqlite/0011_register.sql"),
        postgres: include_str!("../migrations/postgres/0011_register.sql"),
    },
    Migration {
        version: 12,
        name: "retention",
        shared: include_str!("../migrations/0012_retention.sql"),
        sqlite: include_str!("../migrations/sqlite/0012_retention.sql"),
        postgres: include_str!("../migrations/postgres/0012_retention.sql"),
    },
    Migration {
        version: 13,
        name: "backups",
        shared: include_str!("../migrations/0013_backups.sql"),
        sqlite: include_str!("../migrations/sqlite/0013_backups.sql"),
        postgres: include_str!("../migrations/postgres/0013_backups.sql"),
    },
    Migration {
        version: 14,
        name: "hardening",
        shared: include_str!("../migrations/0014_hardening.sql"),
        sqlite: include_str!("../migrations/sqlite/0014_hardening.sql"),
        postgres: include_str!("../migrations/postgres/0014_hardening.sql"),
    },
];

pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> Result<(), StoreError> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(pool)
    .await?;
    // Start-up is an edge: the one place here that reads the system clock.
    let applied_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    let mut tx = backend.begin_write(pool).await?;
    if backend == Backend::Postgres {
        // Two servers starting at once must not both migrate.
        sqlx::query("SELECT pg_advisory_xact_lock(7464726)")
            .execute(&mut *tx)
            .await?;
    }
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        sqlx::raw_sql(AssertSqlSafe(m.sql(backend)))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(applied_at)
        .execute(&mut *tx)
        .await?;
    }
    // The tombstone key is made with the schema, not at the first erasure,
    // so every backup holds it: a restore that replays an erasure must lay
    // the same hashes the journal holds (B2).
    crate::tombstones::key(
        &mut tx,
        rekisteri_domain::Timestamp::from_micros(applied_at),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_of_both_backends_stay_in_step() {
        // Versions increase by one; each backend's part is there.
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
            assert!(
                !m.sqlite.trim().is_empty() && !m.postgres.trim().is_empty(),
                "migration {} lacks a backend part",
                m.version
            );
        }
        // Tables are created in the shared text only, so both have the same ones.
        for m in MIGRATIONS {
            for own in [m.sqlite, m.postgres] {
                assert!(
                    !own.lines()
                        .any(|l| l.trim_start().starts_with("CREATE TABLE")),
                    "migration {}: tables belong in the shared text",
                    m.version
                );
            }
            for backend in [Backend::Sqlite, Backend::Postgres] {
                assert!(!m.sql(backend).contains("@SERIAL@"));
            }
        }
    }
}
