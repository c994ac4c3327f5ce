//! Opening the database named by a URL: SQLite (the embedded default) or
//! PostgreSQL. An unknown scheme is refused; there is no silent fallback.

use crate::reader::PersonReader;
use crate::{Store, StoreError, audit::AuditWriter, migrate};
use rekisteri_domain::audit_chain::AuditKey;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{ConnectOptions, Executor};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A write transaction. On SQLite `BEGIN IMMEDIATE`: it takes the write
    /// lock at its start, waiting its turn (the busy timeout) while another
    /// process writes, instead of failing at its first write because that
    /// process committed after its first read (issue 19 §1).
    pub(crate) async fn begin_write(
        self,
        pool: &sqlx::AnyPool,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self {
            Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => pool.begin().await,
        }
    }

    /// The backend behind a connection of the `Any` driver.
    pub(crate) fn of(conn: &sqlx::AnyConnection) -> Self {
        if conn.backend_name() == "SQLite" {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }

    /// Placeholders for `count` values bound in order, numbered from `first`.
    /// SQLite gets anonymous `?`: sqlx looks a numbered parameter up by name,
    /// which costs time linear in the statement's parameters, so a statement
    /// of many rows with `$n` placeholders binds in quadratic time.
    pub(crate) fn placeholders(self, first: usize, count: usize) -> String {
        let mut out = String::with_capacity(count * 6);
        for n in first..first + count {
            if n > first {
                out.push_str(", ");
            }
            match self {
                Backend::Sqlite => out.push('?'),
                Backend::Postgres => {
                    out.push('$');
                    out.push_str(&n.to_string());
                }
            }
        }
        out
    }
}

/// A database URL whose scheme we know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
        let backend = match scheme {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" => Backend::Postgres,
            _ => {
                return Err(StoreError::Config(format!(
                    "unsupported database URL scheme {scheme:?}: use sqlite://PATH or postgres://…"
                )));
            }
        };
        Ok(Self {
            url: url.to_string(),
            backend,
        })
    }

    /// The embedded default: `DIR/rekisteri.db`, created when missing.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        let path: PathBuf = data_dir.join("rekisteri.db");
        Self {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            backend: Backend::Sqlite,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }
}

pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA busy_timeout = 10000; \
     PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;";

impl Store {
    /// Connects, applies pending migrations, takes the audit key (the
    /// register's own, or the first one: see [`crate::audit_seal`]) and
    /// starts the audit writer, which seals the chain with it.
    pub async fn open(url: &DatabaseUrl, audit_key: AuditKey) -> Result<Self, StoreError> {
        Self::open_with(url, audit_key, true).await
    }

    /// Opens the register only to verify its audit chain (`audit verify`,
    /// `backup verify`): nothing is sealed, so a chain damaged and stripped
    /// of its later seals is not covered by a new seal before the walk.
    pub async fn open_to_verify(
        url: &DatabaseUrl,
        audit_key: AuditKey,
    ) -> Result<Self, StoreError> {
        Self::open_with(url, audit_key, false).await
    }

    async fn open_with(
        url: &DatabaseUrl,
        audit_key: AuditKey,
        sealing: bool,
    ) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let options = AnyConnectOptions::from_str(url.as_str())?.disable_statement_logging();
        let backend = url.backend();
        let pool = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                // A ping before every acquire is a round trip to SQLite's
                // worker thread per query; broken connections surface as
                // errors on use instead.
                .test_before_acquire(false)
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            conn.execute(SQLITE_PRAGMAS).await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(options.clone())
        };
        let (read, write) = match backend {
            Backend::Sqlite => {
                let write = pool(1).await?;
                // The schema must exist before the readers open it.
                migrate::run(&write, backend).await?;
                let cores = std::thread::available_parallelism()
                    .map(|n| n.get() as u32)
                    .unwrap_or(2);
                (pool((cores * 2).max(4)).await?, write)
            }
            Backend::Postgres => {
                let both = pool(16).await?;
                migrate::run(&both, backend).await?;
                (both.clone(), both)
            }
        };
        crate::audit_seal::adopt_key(&write, backend, &audit_key).await?;
        let audit_key = std::sync::Arc::new(audit_key);
        let seals = sealing.then(|| std::sync::Arc::new(crate::audit_seal::SealMemory::default()));
        let audit = AuditWriter::start(write.clone(), backend, audit_key.clone(), seals.clone());
        let people = PersonReader::start(read.clone(), backend);
        Ok(Store {
            read,
            write,
            backend,
            audit,
            audit_key,
            seals,
            tokens: Default::default(),
            settings: Default::default(),
            people,
            connect: options,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_schemes_are_refused() {
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("rekisteri.db").is_err());
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://x.db").unwrap().backend(),
            Backend::Sqlite
        );
    }
}
