//! Server-side web sessions (R11, ASVS V7), in the database so that every
//! server on it shares them. The cookie holds a random secret; only its hash
//! is stored. Liveness (idle and absolute timeouts) is the domain's rule.

use crate::rows::{opt_text, parsed, text, ts};
use crate::tokens::token_hash;
use crate::users::{USER_COLUMNS, audit_account, user_from_row};
use crate::{Store, StoreError, User};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{SessionId, UserId};
use rekisteri_domain::login::SessionTimeouts;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

/// A live session, as its user sees it in the list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Session {
    pub id: SessionId,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The address the session was started from.
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// Sent back in `X-CSRF-Token` with every unsafe request.
    #[serde(skip)]
    pub csrf_token: String,
}

/// What starting a session records.
pub struct NewSession<'a> {
    /// The cookie's secret; only its hash is stored.
    pub secret: &'a str,
    pub csrf_token: &'a str,
    pub user_agent: Option<&'a str>,
    /// The session the browser held before logging in, ended now: the
    /// session id is renewed at login.
    pub replaces: Option<&'a str>,
}

const SESSION_COLUMNS: &str = "s.id AS session_id, s.created_at AS session_created_at, s.last_seen_at, s.client_ip AS session_ip, s.user_agent, s.csrf_token";

fn session_from_row(row: &AnyRow) -> Result<Session, sqlx::Error> {
    Ok(Session {
        id: parsed(row, "session_id")?,
        created_at: ts(row, "session_created_at")?,
        last_seen_at: ts(row, "last_seen_at")?,
        client_ip: opt_text(row, "session_ip")?,
        user_agent: opt_text(row, "user_agent")?,
        csrf_token: text(row, "csrf_token")?,
    })
}

impl Store {
    /// Starts a session for a user who has just proved who they are, and
    /// audits the login in the same transaction.
    pub async fn start_session(
        &self,
        actor: &Actor,
        at: Timestamp,
        user: UserId,
        new: NewSession<'_>,
    ) -> Result<SessionId, StoreError> {
        let id = SessionId::new(at);
        let user_agent = new
            .user_agent
            .map(|ua| ua.chars().take(200).collect::<String>());
        let mut tx = self.backend.begin_write(&self.write).await?;
        if let Some(old) = new.replaces {
            sqlx::query("UPDATE sessions SET ended_at = $1, end_reason = 'renewed' WHERE secret_hash = $2 AND ended_at IS NULL")
                .bind(at.micros())
                .bind(token_hash(old))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO sessions (id, user_id, secret_hash, csrf_token, created_at, last_seen_at, client_ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(user.to_string())
        .bind(token_hash(new.secret))
        .bind(new.csrf_token.to_string())
        .bind(at.micros())
        .bind(at.micros())
        .bind(actor.client_ip.map(|ip| ip.to_string()))
        .bind(user_agent)
        .execute(&mut *tx)
        .await?;
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::Login,
            RecordType::Session,
            id,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The live session a cookie's secret names, and its (enabled) user.
    /// A session past its timeouts is ended here; one used more than a
    /// minute ago is marked used now.
    pub async fn session_by_secret(
        &self,
        at: Timestamp,
        secret: &str,
        timeouts: SessionTimeouts,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS}, {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.secret_hash = $1 AND s.ended_at IS NULL AND u.disabled_at IS NULL"
        )))
        .bind(token_hash(secret))
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let session = session_from_row(&row)?;
        let user = user_from_row(&row)?;
        if !timeouts.is_live(session.created_at, session.last_seen_at, at) {
            sqlx::query("UPDATE sessions SET ended_at = $1, end_reason = 'expired' WHERE id = $2 AND ended_at IS NULL")
                .bind(at.micros())
                .bind(session.id.to_string())
                .execute(&self.write)
                .await?;
            return Ok(None);
        }
        if SessionTimeouts::should_touch(session.last_seen_at, at) {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(at.micros())
                .bind(session.id.to_string())
                .execute(&self.write)
                .await?;
        }
        Ok(Some((session, user)))
    }

    /// The user's live sessions, newest first.
    pub async fn sessions_of(
        &self,
        at: Timestamp,
        user: UserId,
        timeouts: SessionTimeouts,
    ) -> Result<Vec<Session>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM sessions s WHERE s.user_id = $1 AND s.ended_at IS NULL ORDER BY s.id DESC"
        )))
        .bind(user.to_string())
        .fetch_all(&self.read)
        .await?;
        let sessions = rows
            .iter()
            .map(session_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(sessions
            .into_iter()
            .filter(|s| timeouts.is_live(s.created_at, s.last_seen_at, at))
            .collect())
    }

    /// Ends one of the user's sessions (logout, or from the list of
    /// sessions); another user's session is not found.
    pub async fn end_session(
        &self,
        actor: &Actor,
        at: Timestamp,
        user: UserId,
        session: SessionId,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let changed = sqlx::query(
            "UPDATE sessions SET ended_at = $1, end_reason = 'logout' WHERE id = $2 AND user_id = $3 AND ended_at IS NULL",
        )
        .bind(at.micros())
        .bind(session.to_string())
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
            AuditAction::Logout,
            RecordType::Session,
            session,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
