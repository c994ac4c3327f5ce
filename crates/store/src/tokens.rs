//! Bearer API tokens (R11). Only a SHA-256 hash of each token is stored; the
//! token itself is shown once, at creation. A token acts in the role its
//! user had when it was made, until it expires or is revoked; a role change
//! or disabling the user ends it.

use crate::rows::{opt_text, opt_ts, parsed, ts};
use crate::users::{USER_COLUMNS, audit_account, user_from_row};
use crate::{Store, StoreError, User};
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{TokenId, UserId};
use rekisteri_domain::{Role, Timestamp};
use sha2::{Digest, Sha256};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;
use std::sync::Mutex;

/// The stored form of a token secret (and of a session cookie's secret).
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// How long a token's answer is kept in memory at the most. A change that
/// revokes or narrows access does not wait for it: it moves the access
/// generation on (see [`crate::access::narrow`]), and every server drops its
/// answers at its next request.
pub const TOKEN_CACHE_MICROS: i64 = 10_000_000;

/// A live token's user, the token's expiry, and when it was looked up.
type CachedToken = (User, Option<Timestamp>, Timestamp);

/// Recently seen live tokens, by hash, and the access generation they
/// were read under.
#[derive(Debug, Default)]
pub(crate) struct TokenCache(Mutex<(i64, HashMap<String, CachedToken>)>);

impl TokenCache {
    /// The answer kept for `hash`, if it was read under `generation` (the
    /// one stored now) and is fresh; any older generation's answers go.
    fn get(&self, hash: &str, at: Timestamp, generation: i64) -> Option<User> {
        let mut cache = self.0.lock().ok()?;
        if cache.0 != generation {
            *cache = (generation, HashMap::new());
            return None;
        }
        let (user, expires, seen) = cache.1.get(hash)?;
        let fresh = at.micros() - seen.micros() < TOKEN_CACHE_MICROS && at >= *seen;
        let live = expires.is_none_or(|e| e > at);
        (fresh && live).then(|| user.clone())
    }

    fn put(&self, generation: i64, hash: String, cached: CachedToken) {
        if let Ok(mut cache) = self.0.lock() {
            if cache.0 != generation || cache.1.len() > 10_000 {
                *cache = (generation, HashMap::new());
            }
            cache.1.insert(hash, cached);
        }
    }
}

/// A token as its owner sees it in the list: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: TokenId,
    pub label: Option<String>,
    /// The role the token acts in: its user's role when it was made.
    pub role: Role,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl Store {
    /// Stores the hash of `secret` as a token of the user, acting in the
    /// user's present role. A disabled user gets no token.
    pub async fn add_token(
        &self,
        actor: &Actor,
        at: Timestamp,
        user: UserId,
        secret: &str,
        label: Option<&str>,
        expires_at: Option<Timestamp>,
    ) -> Result<TokenId, StoreError> {
        if let Some(label) = label
            && label.chars().count() > 100
        {
            return Err(StoreError::field("label", "must be at most 100 characters"));
        }
        if expires_at.is_some_and(|e| e <= at) {
            return Err(StoreError::field("expires_at", "must be in the future"));
        }
        let owner = self.user(user).await?;
        if owner.disabled_at.is_some() {
            return Err(StoreError::Conflict {
                code: "user_disabled",
                message: "the user is disabled".into(),
            });
        }
        let id = TokenId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        sqlx::query("INSERT INTO api_tokens (id, user_id, token_hash, label, created_at, expires_at, role) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id.to_string())
            .bind(user.to_string())
            .bind(token_hash(secret))
            .bind(label.map(str::to_string))
            .bind(at.micros())
            .bind(expires_at.map(Timestamp::micros))
            .bind(owner.role.code())
            .execute(&mut *tx)
            .await?;
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::Create,
            RecordType::Token,
            id,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The user's tokens, newest first, revoked and expired ones included.
    pub async fn tokens_of(&self, user: UserId) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, label, role, created_at, expires_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TokenInfo {
                    id: parsed(row, "id")?,
                    label: opt_text(row, "label")?,
                    role: parsed(row, "role")?,
                    created_at: ts(row, "created_at")?,
                    expires_at: opt_ts(row, "expires_at")?,
                    revoked_at: opt_ts(row, "revoked_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Revokes one of the user's tokens; another user's token is not found.
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        at: Timestamp,
        user: UserId,
        token: TokenId,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let changed = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(at.micros())
        .bind(token.to_string())
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::Revoke,
            RecordType::Token,
            token,
        )
        .await?;
        crate::access::narrow(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user a bearer token belongs to, if the token is live, its role
    /// still the user's, and the user enabled. Answers are kept for
    /// [`TOKEN_CACHE_MICROS`] while the access generation stays the same, so
    /// most requests cost one read of a single row; a token found revoked,
    /// expired or unknown is not kept.
    pub async fn user_by_token(
        &self,
        at: Timestamp,
        secret: &str,
    ) -> Result<Option<User>, StoreError> {
        let hash = token_hash(secret);
        // Read before the token: a change committed in between leaves an
        // answer kept under the old generation, which the next request drops.
        let generation = crate::access::generation(&self.read).await?;
        if let Some(user) = self.tokens.get(&hash, at, generation) {
            return Ok(Some(user));
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, t.expires_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
             AND u.disabled_at IS NULL AND t.role = u.role"
        )))
        .bind(hash.clone())
        .bind(at.micros())
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        self.tokens.put(
            generation,
            hash,
            (user.clone(), opt_ts(&row, "expires_at")?, at),
        );
        Ok(Some(user))
    }
}
