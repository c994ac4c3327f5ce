//! The query planner's statistics (issue 17). Without them SQLite guesses
//! an index from the schema alone, and a guess can walk every email in the
//! register for one person's contacts; PostgreSQL's autovacuum gathers them
//! in its own time, not right after a bulk load. So they are gathered after
//! every bulk load (an import, the demo data) and kept current by the
//! periodic round.

use crate::{Backend, Store, StoreError};
use sqlx::Executor;

impl Store {
    /// Gathers statistics on every table now: after a bulk load. On SQLite
    /// each index is sampled (`analysis_limit`), so this stays short however
    /// large the register; it takes the writer for that moment.
    pub async fn refresh_statistics(&self) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await?;
        match self.backend {
            Backend::Sqlite => {
                conn.execute("PRAGMA analysis_limit = 1000; ANALYZE;")
                    .await?;
            }
            Backend::Postgres => {
                conn.execute("ANALYZE").await?;
            }
        }
        Ok(())
    }

    /// Keeps the statistics current as the register changes: SQLite's
    /// `PRAGMA optimize` analyses only the tables that need it (cheap when
    /// none does); on PostgreSQL autovacuum does this.
    pub async fn keep_statistics(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            let mut conn = self.write.acquire().await?;
            conn.execute("PRAGMA analysis_limit = 1000; PRAGMA optimize;")
                .await?;
        }
        Ok(())
    }
}
