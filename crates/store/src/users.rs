//! Users of the register and their bearer API tokens. Only a SHA-256 hash
//! of each token is stored; the token itself is shown once, at creation.

use crate::rows::{opt_ts, parsed, text, ts};
use crate::{Store, StoreError};
use rekisteri_domain::ids::{TokenId, UserId};
use rekisteri_domain::{Role, Timestamp};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
}

/// A token just made: its id, and the secret to hand over once.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: TokenId,
    pub secret: String,
}

/// The stored form of a token secret.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: parsed(row, "id")?,
        name: text(row, "name")?,
        role: parsed(row, "role")?,
        created_at: ts(row, "created_at")?,
        disabled_at: opt_ts(row, "disabled_at")?,
    })
}

/// A user name: 2–64 lower-case letters, digits, dots, dashes or underscores.
pub fn check_user_name(name: &str) -> Result<(), StoreError> {
    let ok = (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    if ok {
        Ok(())
    } else {
        Err(StoreError::field(
            "name",
            "must be 2–64 lower-case letters, digits, dots, dashes or underscores",
        ))
    }
}

impl Store {
    pub async fn add_user(
        &self,
        at: Timestamp,
        name: &str,
        role: Role,
    ) -> Result<User, StoreError> {
        check_user_name(name)?;
        let id = UserId::new(at);
        sqlx::query("INSERT INTO users (id, name, role, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id.to_string())
            .bind(name.to_string())
            .bind(role.code())
            .bind(at.micros())
            .execute(&self.write)
            .await
            .map_err(|e| StoreError::unique(e, "name", "a user with this name exists"))?;
        self.user_by_name(name).await
    }

    pub async fn user_by_name(&self, name: &str) -> Result<User, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, role, created_at, disabled_at FROM users WHERE name = $1",
        )
        .bind(name.to_string())
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(user_from_row(&row)?)
    }

    /// Stores the hash of `secret` as a token of the user.
    pub async fn add_token(
        &self,
        at: Timestamp,
        user: UserId,
        secret: &str,
        label: Option<&str>,
        expires_at: Option<Timestamp>,
    ) -> Result<TokenId, StoreError> {
        let id = TokenId::new(at);
        sqlx::query("INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.to_string())
            .bind(user.to_string())
            .bind(token_hash(secret))
            .bind(label.map(str::to_string))
            .bind(at.micros())
            .bind(expires_at.map(Timestamp::micros))
            .execute(&self.write)
            .await?;
        Ok(id)
    }

    /// The user a bearer token belongs to, if the token is live and the user enabled.
    pub async fn user_by_token(
        &self,
        at: Timestamp,
        secret: &str,
    ) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.role, u.created_at, u.disabled_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled_at IS NULL",
        )
        .bind(token_hash(secret))
        .bind(at.micros())
        .fetch_optional(&self.read)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }
}
