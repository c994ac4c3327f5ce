//! A people import that is all or nothing without holding the register's
//! one writer for its whole length (issue 19 §1).
//!
//! On SQLite a write transaction locks the database file for every other
//! writer, in this process and in others (a running server). So the rows
//! are first staged, batch by batch, in temporary tables of a connection of
//! the import's own: SQLite keeps those in the connection's `temp` database,
//! which takes no lock on the register. One last transaction then copies
//! them in with `INSERT … SELECT`, writes their audit rows and marks the
//! import done. Killed before that step, the import leaves nothing: the
//! temporary tables die with the connection.
//!
//! That last step only copies, but it still grows with the import (the
//! indexes of the email addresses, the full-text index, the audit rows):
//! at 200 000 people it holds the writer about half the import's time
//! (`bench/import_export.sh` measures it with `bench/writer_probe.py`).
//!
//! On PostgreSQL a long transaction blocks no other writer (rows are locked,
//! not the database), so the import is one [`Bulk`] transaction, with its
//! audit rows written last: an audit write takes the chain's lock until the
//! commit.

use crate::connect::SQLITE_PRAGMAS;
use crate::import::{Bulk, PeopleRows};
use crate::rows::{Values, insert_records};
use crate::{Backend, Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditEntry};
use rekisteri_domain::ids::{ImportId, PersonId};
use rekisteri_domain::person::NewPerson;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, AssertSqlSafe, Executor};

/// The tables a people import writes, in the order they are copied in.
const TABLES: [&str; 3] = ["people", "person_contacts", "search_index"];

/// A people import under way; dropped without [`PeopleImport::commit`],
/// it stores nothing.
pub struct PeopleImport(Way);

enum Way {
    /// PostgreSQL: one transaction; the audit rows at its end.
    Direct(Bulk, Vec<AuditEntry>),
    /// SQLite: staged in temporary tables, copied in at the end.
    Staged(Staged),
}

struct Staged {
    /// One connection, kept open: its temporary tables hold the rows.
    pool: AnyPool,
    actor: Actor,
    at: Timestamp,
    /// The columns each table's staged rows set (known from the first row).
    columns: [Vec<&'static str>; 3],
    entries: Vec<AuditEntry>,
}

impl Store {
    /// Starts a people import as `actor` at `at`.
    pub async fn people_import(
        &self,
        actor: Actor,
        at: Timestamp,
    ) -> Result<PeopleImport, StoreError> {
        if self.backend == Backend::Postgres {
            return Ok(PeopleImport(Way::Direct(
                self.bulk(actor, at).await?,
                Vec::new(),
            )));
        }
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .test_before_acquire(false)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(SQLITE_PRAGMAS).await?;
                    // The staged rows on disk, not in memory beside the
                    // parsed file: a large import would hold both.
                    conn.execute("PRAGMA temp_store = FILE").await.map(|_| ())
                })
            })
            .connect_with(self.connect.clone())
            .await?;
        {
            let mut conn = pool.acquire().await?;
            for table in TABLES {
                conn.execute(AssertSqlSafe(format!(
                    "CREATE TEMP TABLE stage_{table} AS SELECT * FROM main.{table} WHERE 0"
                )))
                .await?;
            }
        }
        Ok(PeopleImport(Way::Staged(Staged {
            pool,
            actor,
            at,
            columns: Default::default(),
            entries: Vec::new(),
        })))
    }
}

impl PeopleImport {
    /// Adds a batch of people (with their contact values and search rows).
    pub async fn people(&mut self, people: &[(PersonId, NewPerson)]) -> Result<(), StoreError> {
        match &mut self.0 {
            Way::Direct(bulk, entries) => {
                entries.extend(bulk.people_unaudited(people).await?);
                Ok(())
            }
            Way::Staged(staged) => staged.stage(people).await,
        }
    }

    /// Stores everything at once; with `record`, that import is marked
    /// done with `total` people in the same transaction.
    pub async fn commit(self, record: Option<(ImportId, usize)>) -> Result<(), StoreError> {
        match self.0 {
            Way::Direct(mut bulk, entries) => {
                bulk.audit(&entries).await?;
                if let Some((id, total)) = record {
                    let at = bulk.at();
                    bulk.finish_import(id, total, at).await?;
                }
                bulk.commit().await
            }
            Way::Staged(staged) => staged.copy_in(record).await,
        }
    }
}

impl Staged {
    async fn stage(&mut self, people: &[(PersonId, NewPerson)]) -> Result<(), StoreError> {
        let rows = PeopleRows::of(&self.actor, self.at, people);
        let mut conn = self.pool.acquire().await?;
        for (i, rows) in [rows.people, rows.contacts, rows.search]
            .into_iter()
            .enumerate()
        {
            if let (true, Some(first)) = (self.columns[i].is_empty(), rows.first()) {
                self.columns[i] = columns(first);
            }
            insert_records(&mut conn, &format!("temp.stage_{}", TABLES[i]), rows).await?;
        }
        self.entries.extend(rows.entries);
        Ok(())
    }

    /// The one short write: the staged rows copied in, their audit rows,
    /// the import's record.
    async fn copy_in(self, record: Option<(ImportId, usize)>) -> Result<(), StoreError> {
        let mut tx = Backend::Sqlite.begin_write(&self.pool).await?;
        for (table, columns) in TABLES.iter().zip(&self.columns) {
            if columns.is_empty() {
                continue;
            }
            let list = columns.join(", ");
            tx.execute(AssertSqlSafe(format!(
                "INSERT INTO main.{table} ({list}) SELECT {list} FROM temp.stage_{table}"
            )))
            .await?;
        }
        audit::insert(&mut tx, &self.entries).await?;
        if let Some((id, total)) = record {
            crate::import_jobs::mark_done(&mut tx, id, total, self.at).await?;
        }
        tx.commit().await?;
        self.pool.close().await;
        Ok(())
    }
}

fn columns(row: &Values) -> Vec<&'static str> {
    row.iter().map(|(c, _)| *c).collect()
}
