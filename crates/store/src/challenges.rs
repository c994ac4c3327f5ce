//! Pending logins of the web interface (R11): the password was right and
//! the user has a second factor, so the browser holds a short-lived secret
//! (a cookie) while the code is asked for on a page of its own. Only the
//! secret's hash is kept; a challenge ends when the login completes or
//! expires, and is shared by every server on the database.

use crate::tokens::token_hash;
use crate::{Store, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::ids::UserId;

impl Store {
    /// Remembers that `user` passed the password, until `expires_at`.
    pub async fn start_login_challenge(
        &self,
        now: Timestamp,
        user: UserId,
        secret: &str,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        sqlx::query("DELETE FROM login_challenges WHERE expires_at <= $1")
            .bind(now.micros())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO login_challenges (secret_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(token_hash(secret))
        .bind(user.to_string())
        .bind(expires_at.micros())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user a live challenge belongs to.
    pub async fn login_challenge(
        &self,
        now: Timestamp,
        secret: &str,
    ) -> Result<Option<UserId>, StoreError> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT user_id FROM login_challenges WHERE secret_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash(secret))
        .bind(now.micros())
        .fetch_optional(&self.read)
        .await?;
        id.map(|id| {
            id.parse()
                .map_err(|_| StoreError::field("user_id", "is not an id"))
        })
        .transpose()
    }

    /// Ends a challenge (the login completed); false when it was already
    /// ended, by a concurrent submission of the same code page.
    pub async fn end_login_challenge(&self, secret: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM login_challenges WHERE secret_hash = $1")
            .bind(token_hash(secret))
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
