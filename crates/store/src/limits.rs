//! The privacy portal's rate limits in the database (R14), so every server
//! on it counts the same events: a request is counted against all its
//! limits at once, or against none when one of them refuses.

use crate::rows::ts;
use crate::{Backend, Store, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::portal::RateLimit;

impl Store {
    /// Counts one event at `at` under every `(key, limit)` if each limit
    /// allows one more; otherwise counts nothing and answers the seconds to
    /// wait (the longest of the refusing limits). Keys are the caller's
    /// (hashed where they would name a person).
    pub async fn take_limits(
        &self,
        limits: &[(String, RateLimit)],
        at: Timestamp,
    ) -> Result<Result<(), i64>, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let mut wait = 0;
        for (key, limit) in limits {
            if self.backend == Backend::Postgres {
                // Two servers counting the same key wait for each other.
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(key.clone())
                    .execute(&mut *tx)
                    .await?;
            }
            let earlier = sqlx::query("SELECT at FROM portal_hits WHERE key = $1 AND at > $2")
                .bind(key.clone())
                .bind(at.micros() - limit.window_micros)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| ts(r, "at"))
                .collect::<Result<Vec<_>, _>>()?;
            if !limit.allows(&earlier, at) {
                wait = wait.max(limit.retry_after(&earlier, at).max(1));
            }
        }
        if wait > 0 {
            tx.rollback().await?;
            return Ok(Err(wait));
        }
        for (key, _) in limits {
            sqlx::query("INSERT INTO portal_hits (key, at) VALUES ($1, $2)")
                .bind(key.clone())
                .bind(at.micros())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Removes the counted events older than `window_micros` (the longest
    /// limit's window); answers how many.
    pub async fn forget_limits(
        &self,
        at: Timestamp,
        window_micros: i64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM portal_hits WHERE at <= $1")
            .bind(at.micros() - window_micros)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}
