//! Accounts (R11), for the API's `/session`, `/me` and `/users` and the
//! staff pages alike: a login attempt with its throttles, Argon2id off the
//! async threads and the second factor; the caller's current password
//! checked; a new password checked against the rules and hashed; one-time
//! credentials for a new or reset account.

use crate::caller::{Caller, random_secret, session_secret};
use crate::error::ApiError;
use crate::state::AppState;
use axum::http::{HeaderMap, header};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::ids::UserId;
use rekisteri_domain::login::ThrottleRule;
use rekisteri_domain::password::{self, NewPassword};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Purpose, Role, Timestamp, totp};
use rekisteri_store::{Credentials, NewSession, User, account_key, address_key};

/// Changes to one's own account are keeping the register (R2).
pub const ACCOUNT: Purpose = Purpose::RegisterMaintenance;

/// An administrator's changes to accounts are keeping the register (R2).
pub const ADMIN: Purpose = Purpose::RegisterMaintenance;

pub fn refused(code: &'static str, message: &str) -> ApiError {
    ApiError::LoginFailed {
        code,
        message: message.into(),
    }
}

/// One login, by name from an address: the keys of its failure counters.
pub struct LoginAttempt {
    name: String,
    ip: Option<std::net::IpAddr>,
    keys: Vec<(String, ThrottleRule)>,
}

impl LoginAttempt {
    pub fn new(name: &str, ip: Option<std::net::IpAddr>) -> Self {
        let name = name.trim().to_lowercase();
        let mut keys = vec![(account_key(&name), ThrottleRule::ACCOUNT)];
        if let Some(ip) = ip {
            keys.push((address_key(ip), ThrottleRule::ADDRESS));
        }
        Self { name, ip, keys }
    }

    fn actor(&self, user: Option<UserId>) -> Actor {
        Actor {
            user,
            purpose: Purpose::RegisterMaintenance,
            client_ip: self.ip,
        }
    }

    /// Refuses while a counter makes the caller wait.
    pub async fn check_throttle(&self, s: &AppState, now: Timestamp) -> Result<(), ApiError> {
        for (key, _) in &self.keys {
            if let Some(retry_after) = s.store.throttle(key).await?.wait_seconds(now) {
                return Err(ApiError::TooManyAttempts { retry_after });
            }
        }
        Ok(())
    }

    /// The credentials of an enabled user whose password this is; a
    /// failure is counted (an unknown name exactly like a wrong password).
    pub async fn check_password(
        &self,
        s: &AppState,
        now: Timestamp,
        password: &str,
    ) -> Result<Credentials, ApiError> {
        self.check_throttle(s, now).await?;
        let credentials = s.store.credentials(&self.name).await?;
        let hash = credentials.as_ref().and_then(|c| c.password_hash.clone());
        let matches = password_matches(password, hash).await?;
        let actor = self.actor(credentials.as_ref().map(|c| c.user.id));
        match credentials
            .filter(|c| matches && c.password_hash.is_some() && c.user.disabled_at.is_none())
        {
            Some(credentials) => Ok(credentials),
            None => {
                s.store
                    .record_login_failure(&actor, now, &self.keys, "password")
                    .await?;
                Err(refused(
                    "invalid_credentials",
                    "the user name or password is wrong",
                ))
            }
        }
    }

    /// A TOTP code not used before or an unused recovery code; a failure
    /// is counted.
    pub async fn check_second_factor(
        &self,
        s: &AppState,
        now: Timestamp,
        credentials: &Credentials,
        code: &str,
    ) -> Result<(), ApiError> {
        if second_factor_holds(s, credentials, code, now).await? {
            return Ok(());
        }
        s.store
            .record_login_failure(
                &self.actor(Some(credentials.user.id)),
                now,
                &self.keys,
                "second_factor",
            )
            .await?;
        Err(refused(
            "invalid_second_factor",
            "the code is wrong or already used",
        ))
    }

    /// Clears the account's counter and starts a session with a fresh id
    /// (ending the one the browser came with): its secret and CSRF token.
    pub async fn open_session(
        &self,
        s: &AppState,
        now: Timestamp,
        user: &User,
        headers: &HeaderMap,
    ) -> Result<(String, String), ApiError> {
        s.store.clear_throttle(&self.keys[0].0).await?;
        let secret = random_secret("");
        let csrf_token = random_secret("");
        s.store
            .start_session(
                &self.actor(Some(user.id)),
                now,
                user.id,
                NewSession {
                    secret: &secret,
                    csrf_token: &csrf_token,
                    user_agent: headers
                        .get(header::USER_AGENT)
                        .and_then(|v| v.to_str().ok()),
                    replaces: session_secret(headers),
                },
            )
            .await?;
        Ok((secret, csrf_token))
    }
}

/// A TOTP code not used before, or an unused recovery code.
async fn second_factor_holds(
    s: &AppState,
    credentials: &Credentials,
    code: &str,
    now: Timestamp,
) -> Result<bool, ApiError> {
    let secret = credentials
        .totp_secret
        .as_deref()
        .and_then(|b| totp::TotpSecret::from_base32(b).ok())
        .ok_or(ApiError::Internal)?;
    let id = credentials.user.id;
    if let Some(step) = totp::verify(&secret, code, now, credentials.totp_last_step) {
        return Ok(s.store.use_totp_step(id, step).await?);
    }
    let hash = totp::recovery_code_hash(code);
    Ok(s.store.use_recovery_code(now, id, &hash).await?)
}

/// Verifies a password against a stored Argon2id hash off the async
/// threads. Without a hash (an unknown user, or one without a password) it
/// verifies against a dummy hash, so the answer takes as long and is false.
pub async fn password_matches(raw: &str, hash: Option<String>) -> Result<bool, ApiError> {
    let raw = raw.to_string();
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| password::dummy_hash().to_string());
    let matches = tokio::task::spawn_blocking(move || password::verify_password(&raw, &hash))
        .await
        .map_err(|_| ApiError::Internal)?;
    Ok(known && matches)
}

/// Checks the caller's current password (off the async threads); a wrong
/// one counts as a failed login, so a stolen session cannot guess it.
pub async fn check_current_password(
    s: &AppState,
    caller: &Caller,
    raw: &str,
) -> Result<(), ApiError> {
    let now = s.clock.now();
    let key = account_key(&caller.user.name);
    if let Some(retry_after) = s.store.throttle(&key).await?.wait_seconds(now) {
        return Err(ApiError::TooManyAttempts { retry_after });
    }
    let credentials = s.store.credentials_of(caller.user.id).await?;
    if password_matches(raw, credentials.password_hash).await? {
        return Ok(());
    }
    s.store
        .record_login_failure(
            &caller.actor(ACCOUNT),
            now,
            &[(key, ThrottleRule::ACCOUNT)],
            "current_password",
        )
        .await?;
    Err(ApiError::field("current_password", "is wrong"))
}

/// A new password, checked against the rules and hashed off the async threads.
pub async fn hash_new_password(
    s: &AppState,
    user_name: &str,
    raw: &str,
    field: &str,
) -> Result<String, ApiError> {
    let context = [s.organisation_name.as_ref(), user_name];
    let new = NewPassword::parse(raw, &context).map_err(|m| ApiError::field(field, m))?;
    tokio::task::spawn_blocking(move || password::hash_password(&new))
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(|_| ApiError::Internal)
}

pub fn role(raw: &str) -> Result<Role, ApiError> {
    Role::parse(raw).map_err(|m| ApiError::field("role", m))
}

pub async fn one_time_credentials() -> Result<(String, String), ApiError> {
    tokio::task::spawn_blocking(password::one_time_credentials)
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(|_| ApiError::Internal)
}

/// An administrator may not lock themselves out by their own hand.
pub fn not_self(caller: &Caller, id: UserId) -> Result<(), ApiError> {
    if caller.user.id == id {
        Err(ApiError::Conflict {
            code: "own_account",
            message: "ask another administrator to change your own role or access".into(),
        })
    } else {
        Ok(())
    }
}
