//! Users of the register and their bearer API tokens. Only a SHA-256 hash
//! of each token is stored; the token itself is shown once, at creation.

use crate::rows::{opt_parsed, opt_ts, parsed, text, ts};
use crate::{Store, StoreError};
use rekisteri_domain::ids::{CommitmentId, TokenId, UserId};
use rekisteri_domain::{Date, Role, Timestamp};
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
    /// When the user signed their confidentiality commitment (R11); until
    /// then they see no personal data.
    pub commitment_signed_on: Option<Date>,
}

/// The stored form of a token secret.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// How long a token's answer is kept in memory: a revoked token or a
/// disabled user may be let in for at most this long by another server.
pub const TOKEN_CACHE_MICROS: i64 = 10_000_000;

/// A live token's user, the token's expiry, and when it was looked up.
type CachedToken = (User, Option<Timestamp>, Timestamp);

/// Recently seen live tokens, by hash.
#[derive(Debug, Default)]
pub(crate) struct TokenCache(Mutex<HashMap<String, CachedToken>>);

impl TokenCache {
    fn get(&self, hash: &str, at: Timestamp) -> Option<User> {
        let cache = self.0.lock().ok()?;
        let (user, expires, seen) = cache.get(hash)?;
        let fresh = at.micros() - seen.micros() < TOKEN_CACHE_MICROS && at >= *seen;
        let live = expires.is_none_or(|e| e > at);
        (fresh && live).then(|| user.clone())
    }

    /// Forgets every answer (after a change to users, tokens or commitments).
    fn clear(&self) {
        if let Ok(mut cache) = self.0.lock() {
            cache.clear();
        }
    }

    fn put(&self, hash: String, user: User, expires: Option<Timestamp>, at: Timestamp) {
        if let Ok(mut cache) = self.0.lock() {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(hash, (user, expires, at));
        }
    }
}

/// The latest commitment of user `u`, as a column of a user query.
const COMMITMENT: &str = "(SELECT MAX(c.signed_on) FROM confidentiality_commitments c WHERE c.user_id = u.id) AS commitment_signed_on";

fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: parsed(row, "id")?,
        name: text(row, "name")?,
        role: parsed(row, "role")?,
        created_at: ts(row, "created_at")?,
        disabled_at: opt_ts(row, "disabled_at")?,
        commitment_signed_on: opt_parsed(row, "commitment_signed_on")?,
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
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT u.id, u.name, u.role, u.created_at, u.disabled_at, {COMMITMENT} FROM users u WHERE u.name = $1"
        )))
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

    /// The user a bearer token belongs to, if the token is live and the
    /// user enabled. Answers are kept for [`TOKEN_CACHE_MICROS`], so most
    /// requests cost no query; a token found revoked, expired or unknown is
    /// not kept.
    pub async fn user_by_token(
        &self,
        at: Timestamp,
        secret: &str,
    ) -> Result<Option<User>, StoreError> {
        let hash = token_hash(secret);
        if let Some(user) = self.tokens.get(&hash, at) {
            return Ok(Some(user));
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT u.id, u.name, u.role, u.created_at, u.disabled_at, {COMMITMENT}, t.expires_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled_at IS NULL"
        )))
        .bind(hash.clone())
        .bind(at.micros())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        self.tokens
            .put(hash, user.clone(), opt_ts(&row, "expires_at")?, at);
        Ok(Some(user))
    }

    /// Records that the user signed the confidentiality commitment (R11) on
    /// `signed_on`, of the given document version. Forgets cached token
    /// answers, so the change shows on this server at once.
    pub async fn record_commitment(
        &self,
        at: Timestamp,
        name: &str,
        signed_on: Date,
        document_version: &str,
        recorded_by: Option<UserId>,
    ) -> Result<User, StoreError> {
        let user = self.user_by_name(name).await?;
        if signed_on > at.date() {
            return Err(StoreError::field("signed_on", "must not be in the future"));
        }
        let version = document_version.trim();
        if version.is_empty() || version.chars().count() > 100 {
            return Err(StoreError::field(
                "document_version",
                "must be 1–100 characters",
            ));
        }
        sqlx::query(
            "INSERT INTO confidentiality_commitments (id, user_id, signed_on, document_version, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(CommitmentId::new(at).to_string())
        .bind(user.id.to_string())
        .bind(signed_on.to_string())
        .bind(version.to_string())
        .bind(recorded_by.map(|u| u.to_string()))
        .bind(at.micros())
        .execute(&self.write)
        .await?;
        self.tokens.clear();
        self.user_by_name(name).await
    }
}
