//! What logging in needs from the database (R11): a user's credentials
//! (the Argon2id hash, the TOTP secret), the counters of failed attempts,
//! password and second-factor changes, and the register-wide setting that
//! requires a second factor. The rules themselves are the domain's
//! (`rekisteri_domain::login`, `password`, `totp`).

use crate::rows::{int, opt_int, opt_text, opt_ts};
use crate::users::{USER_COLUMNS, audit_account, user_from_row};
use crate::{Store, StoreError, User};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{SessionId, UserId};
use rekisteri_domain::login::{Throttle, ThrottleRule};
use sqlx::AssertSqlSafe;
use std::sync::Mutex;

/// What a login checks a user against. Never serialised, never logged.
pub struct Credentials {
    pub user: User,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_pending_secret: Option<String>,
    pub totp_last_step: Option<i64>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({})", self.user.id)
    }
}

/// The throttle key of an account name (known or not) and of an address.
pub fn account_key(name: &str) -> String {
    format!("account:{}", name.to_lowercase())
}

pub fn address_key(ip: std::net::IpAddr) -> String {
    format!("address:{ip}")
}

const THROTTLE_SELECT: &str =
    "SELECT failures, last_failure_at, locked_until FROM login_throttle WHERE throttle_key = $1";

fn throttle_from(row: Option<sqlx::any::AnyRow>) -> Result<Throttle, sqlx::Error> {
    let Some(row) = row else {
        return Ok(Throttle::default());
    };
    Ok(Throttle {
        failures: int(&row, "failures")?,
        last_failure_at: opt_ts(&row, "last_failure_at")?,
        locked_until: opt_ts(&row, "locked_until")?,
    })
}

/// The setting that requires a second factor of every user, cached like
/// token answers (see [`crate::TOKEN_CACHE_MICROS`]): the value, when it
/// was read, and the access generation it was read under.
#[derive(Debug, Default)]
pub(crate) struct SettingCache(Mutex<Option<(bool, Timestamp, i64)>>);

impl Store {
    /// The user's credentials by name; `None` for an unknown name.
    pub async fn credentials(&self, name: &str) -> Result<Option<Credentials>, StoreError> {
        self.credentials_where("u.name = $1", name.to_string())
            .await
    }

    pub async fn credentials_of(&self, id: UserId) -> Result<Credentials, StoreError> {
        self.credentials_where("u.id = $1", id.to_string())
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn credentials_where(
        &self,
        clause: &str,
        arg: String,
    ) -> Result<Option<Credentials>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, u.password_hash, u.totp_secret, u.totp_pending_secret, u.totp_last_step \
             FROM users u WHERE {clause}"
        )))
        .bind(arg)
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Credentials {
            user: user_from_row(&row)?,
            password_hash: opt_text(&row, "password_hash")?,
            totp_secret: opt_text(&row, "totp_secret")?,
            totp_pending_secret: opt_text(&row, "totp_pending_secret")?,
            totp_last_step: opt_int(&row, "totp_last_step")?,
        }))
    }

    /// The failed-attempt counters under a key.
    pub async fn throttle(&self, key: &str) -> Result<Throttle, StoreError> {
        let row = sqlx::query(THROTTLE_SELECT)
            .bind(key.to_string())
            .fetch_optional(&self.write)
            .await?;
        Ok(throttle_from(row)?)
    }

    /// Counts a failed login against each key and audits it (with the
    /// user, when the name was known), in one transaction.
    pub async fn record_login_failure(
        &self,
        actor: &Actor,
        at: Timestamp,
        keys: &[(String, ThrottleRule)],
        what: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        for (key, rule) in keys {
            let row = sqlx::query(THROTTLE_SELECT)
                .bind(key.clone())
                .fetch_optional(&mut *tx)
                .await?;
            let after = rule.after_failure(throttle_from(row)?, at);
            // An upsert: two servers counting at once may lose one count,
            // never fail the request.
            sqlx::query(
                "INSERT INTO login_throttle (throttle_key, failures, last_failure_at, locked_until) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (throttle_key) DO UPDATE SET failures = excluded.failures, \
                 last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until",
            )
                .bind(key.clone())
                .bind(after.failures)
                .bind(after.last_failure_at.map(Timestamp::micros))
                .bind(after.locked_until.map(Timestamp::micros))
                .execute(&mut *tx)
                .await?;
        }
        let record = actor
            .user
            .map_or_else(|| "unknown".to_string(), |u| u.to_string());
        let record = format!("{record}:{what}");
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::LoginFailed,
            RecordType::User,
            record,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the failures under a key (a successful login).
    pub async fn clear_throttle(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(key.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// An administrator lets a throttled user try again at once.
    pub async fn unlock(&self, actor: &Actor, at: Timestamp, id: UserId) -> Result<(), StoreError> {
        let user = self.user(id).await?;
        let mut tx = self.backend.begin_write(&self.write).await?;
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(account_key(&user.name))
            .execute(&mut *tx)
            .await?;
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::Unlock,
            RecordType::User,
            id,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the user's password hash. `must_change` marks a one-time
    /// password. Every session of the user but `keep` ends.
    pub async fn set_password(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: UserId,
        password_hash: &str,
        must_change: bool,
        keep: Option<SessionId>,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let changed = sqlx::query(
            "UPDATE users SET password_hash = $1, password_must_change = $2, password_changed_at = $3 WHERE id = $4",
        )
        .bind(password_hash.to_string())
        .bind(i64::from(must_change))
        .bind(at.micros())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "UPDATE sessions SET ended_at = $1, end_reason = 'password_changed' WHERE user_id = $2 AND ended_at IS NULL AND id <> $3",
        )
        .bind(at.micros())
        .bind(id.to_string())
        .bind(keep.map(|s| s.to_string()).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::PasswordChange,
            RecordType::User,
            id,
        )
        .await?;
        crate::access::narrow(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps a TOTP secret awaiting the user's first code.
    pub async fn set_pending_totp(&self, id: UserId, secret: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE users SET totp_pending_secret = $1 WHERE id = $2")
            .bind(secret.to_string())
            .bind(id.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Turns the pending secret on, with the step of the code that confirmed
    /// it and the hashes of new recovery codes (old ones are dropped).
    pub async fn confirm_totp(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: UserId,
        step: i64,
        recovery_hashes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let changed = sqlx::query(
            "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_last_step = $1 \
             WHERE id = $2 AND totp_pending_secret IS NOT NULL",
        )
        .bind(step)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                code: "no_pending_second_factor",
                message: "start the set-up of the second factor first".into(),
            });
        }
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        for hash in recovery_hashes {
            sqlx::query(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(id.to_string())
            .bind(hash.clone())
            .bind(at.micros())
            .execute(&mut *tx)
            .await?;
        }
        let entry = format!("{id}:enabled");
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::SecondFactor,
            RecordType::User,
            entry,
        )
        .await?;
        crate::access::narrow(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the second factor off (an administrator, for a user who lost
    /// their device; or the user themselves when it is not required).
    pub async fn remove_totp(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: UserId,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        sqlx::query("UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_last_step = NULL WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let entry = format!("{id}:removed");
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::SecondFactor,
            RecordType::User,
            entry,
        )
        .await?;
        crate::access::narrow(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks a TOTP step used, if it is later than the last one: a code is
    /// accepted once, even by two servers at the same moment.
    pub async fn use_totp_step(&self, id: UserId, step: i64) -> Result<bool, StoreError> {
        let changed = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(id.to_string())
        .execute(&self.write)
        .await?;
        Ok(changed.rows_affected() == 1)
    }

    /// Uses up a recovery code, if it is the user's and unused.
    pub async fn use_recovery_code(
        &self,
        at: Timestamp,
        id: UserId,
        code_hash: &str,
    ) -> Result<bool, StoreError> {
        let changed = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(at.micros())
        .bind(id.to_string())
        .bind(code_hash.to_string())
        .execute(&self.write)
        .await?;
        Ok(changed.rows_affected() == 1)
    }

    /// Whether an administrator requires a second factor of every user.
    pub async fn second_factor_required(&self, at: Timestamp) -> Result<bool, StoreError> {
        let generation = crate::access::generation(&self.read).await?;
        if let Ok(cache) = self.settings.0.lock()
            && let Some((value, seen, read_under)) = *cache
            && read_under == generation
            && at.micros() - seen.micros() < crate::TOKEN_CACHE_MICROS
            && at >= seen
        {
            return Ok(value);
        }
        let row = sqlx::query("SELECT value FROM settings WHERE name = 'require_second_factor'")
            .fetch_optional(&self.read)
            .await?;
        let value = match row {
            Some(row) => crate::rows::text(&row, "value")? == "true",
            None => false,
        };
        if let Ok(mut cache) = self.settings.0.lock() {
            *cache = Some((value, at, generation));
        }
        Ok(value)
    }

    pub async fn set_second_factor_required(
        &self,
        actor: &Actor,
        at: Timestamp,
        required: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        sqlx::query("DELETE FROM settings WHERE name = 'require_second_factor'")
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO settings (name, value, changed_at, changed_by) VALUES ('require_second_factor', $1, $2, $3)")
            .bind(required.to_string())
            .bind(at.micros())
            .bind(actor.user.map(|u| u.to_string()))
            .execute(&mut *tx)
            .await?;
        let entry = format!("require_second_factor:{required}");
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::Setting,
            RecordType::Setting,
            entry,
        )
        .await?;
        crate::access::narrow(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
