//! Users of the register (R11): personal accounts with a role, their signed
//! confidentiality commitments, disabling and role changes, and the
//! register-wide access settings. Every change is audited in its own
//! transaction, with who made it.

use crate::rows::{int, opt_parsed, opt_ts, parsed, text, ts};
use crate::{Store, StoreError, audit};
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{CommitmentId, UserId};
use rekisteri_domain::{Date, Role, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
    /// When the user signed their confidentiality commitment (R11); until
    /// then they see no personal data.
    pub commitment_signed_on: Option<Date>,
    /// The password was set by someone else (a one-time password): the
    /// user must choose their own before anything else.
    pub password_must_change: bool,
    /// Whether the user logs in with a second factor (TOTP).
    pub second_factor: bool,
    /// The language of the web interface (`fi`, `en`); none: the browser's.
    pub language: Option<String>,
}

/// The columns of a user, from `users u`.
pub(crate) const USER_COLUMNS: &str = "u.id, u.name, u.role, u.created_at, u.disabled_at, u.password_must_change, u.language, \
     CASE WHEN u.totp_secret IS NULL THEN 0 ELSE 1 END AS second_factor, \
     (SELECT MAX(c.signed_on) FROM confidentiality_commitments c WHERE c.user_id = u.id) AS commitment_signed_on";

pub(crate) fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: parsed(row, "id")?,
        name: text(row, "name")?,
        role: parsed(row, "role")?,
        created_at: ts(row, "created_at")?,
        disabled_at: opt_ts(row, "disabled_at")?,
        commitment_signed_on: opt_parsed(row, "commitment_signed_on")?,
        password_must_change: int(row, "password_must_change")? == 1,
        second_factor: int(row, "second_factor")? == 1,
        language: crate::rows::opt_text(row, "language")?,
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

/// Appends one audit entry about a user (or their session, token, …).
pub(crate) async fn audit_account(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    action: AuditAction,
    record_type: RecordType,
    record_id: impl ToString,
) -> Result<(), sqlx::Error> {
    let entry = actor.entry(at, action, record_type, record_id, None);
    audit::insert(tx, &[entry]).await
}

impl Store {
    /// Adds a user. With `password_hash`, that password is a one-time one:
    /// the user must change it at their first login.
    pub async fn add_user(
        &self,
        actor: &Actor,
        at: Timestamp,
        name: &str,
        role: Role,
        password_hash: Option<&str>,
    ) -> Result<User, StoreError> {
        check_user_name(name)?;
        let id = UserId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        sqlx::query(
            "INSERT INTO users (id, name, role, created_at, password_hash, password_must_change) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(name.to_string())
        .bind(role.code())
        .bind(at.micros())
        .bind(password_hash.map(str::to_string))
        .bind(i64::from(password_hash.is_some()))
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "name", "a user with this name exists"))?;
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::Create,
            RecordType::User,
            id,
        )
        .await?;
        tx.commit().await?;
        self.user(id).await
    }

    pub async fn user_by_name(&self, name: &str) -> Result<User, StoreError> {
        self.user_where("u.name = $1", name.to_string()).await
    }

    pub async fn user(&self, id: UserId) -> Result<User, StoreError> {
        self.user_where("u.id = $1", id.to_string()).await
    }

    async fn user_where(&self, clause: &str, arg: String) -> Result<User, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE {clause}"
        )))
        .bind(arg)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(user_from_row(&row)?)
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u ORDER BY u.name"
        )))
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(user_from_row).collect::<Result<_, _>>()?)
    }

    /// Gives the user another role. Their tokens, made for the old role,
    /// stop working (a token acts only in the role it was made for).
    pub async fn set_role(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: UserId,
        role: Role,
    ) -> Result<User, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let changed = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.code())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let entry = format!("{id}:{role}");
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::RoleChange,
            RecordType::User,
            entry,
        )
        .await?;
        crate::access::narrow(&mut tx).await?;
        tx.commit().await?;
        self.user(id).await
    }

    /// Sets the language of the user's web interface (`None`: the
    /// browser's). The code is checked by the caller.
    pub async fn set_language(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: UserId,
        language: Option<&str>,
    ) -> Result<User, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
            .bind(language.map(str::to_string))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let entry = format!("{id}:language");
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::Setting,
            RecordType::User,
            entry,
        )
        .await?;
        tx.commit().await?;
        self.user(id).await
    }

    /// Disables the user, ending all their sessions and revoking all their
    /// tokens in the same transaction; or enables them again (their old
    /// sessions and tokens stay ended).
    pub async fn set_disabled(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: UserId,
        disabled: bool,
    ) -> Result<User, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let changed = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
            .bind(disabled.then_some(at.micros()))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            sqlx::query("UPDATE sessions SET ended_at = $1, end_reason = 'disabled' WHERE user_id = $2 AND ended_at IS NULL")
                .bind(at.micros())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(at.micros())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let action = if disabled {
            AuditAction::Disable
        } else {
            AuditAction::Enable
        };
        audit_account(&mut tx, actor, at, action, RecordType::User, id).await?;
        crate::access::narrow(&mut tx).await?;
        tx.commit().await?;
        self.user(id).await
    }

    /// Records that the user signed the confidentiality commitment (R11) on
    /// `signed_on`, of the given document version, and who recorded it.
    /// Forgets cached token answers, so the change shows at once.
    pub async fn record_commitment(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: UserId,
        signed_on: Date,
        document_version: &str,
    ) -> Result<User, StoreError> {
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
        self.user(id).await?;
        let commitment = CommitmentId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        sqlx::query(
            "INSERT INTO confidentiality_commitments (id, user_id, signed_on, document_version, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(commitment.to_string())
        .bind(id.to_string())
        .bind(signed_on.to_string())
        .bind(version.to_string())
        .bind(actor.user.map(|u| u.to_string()))
        .bind(at.micros())
        .execute(&mut *tx)
        .await?;
        let entry = format!("{id}:{commitment}");
        audit_account(
            &mut tx,
            actor,
            at,
            AuditAction::Commitment,
            RecordType::User,
            entry,
        )
        .await?;
        crate::access::narrow(&mut tx).await?;
        tx.commit().await?;
        self.user(id).await
    }

    /// The user's recorded commitments, newest first.
    pub async fn commitments(&self, id: UserId) -> Result<Vec<Commitment>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.signed_on, c.document_version, c.recorded_at, r.name AS recorded_by \
             FROM confidentiality_commitments c LEFT JOIN users r ON r.id = c.recorded_by \
             WHERE c.user_id = $1 ORDER BY c.signed_on DESC, c.recorded_at DESC",
        )
        .bind(id.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Commitment {
                    signed_on: parsed(row, "signed_on")?,
                    document_version: text(row, "document_version")?,
                    recorded_at: ts(row, "recorded_at")?,
                    recorded_by: crate::rows::opt_text(row, "recorded_by")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}

/// A recorded confidentiality commitment (R11).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Commitment {
    pub signed_on: Date,
    pub document_version: String,
    pub recorded_at: Timestamp,
    /// The user name of who recorded it; absent when recorded from the command line.
    pub recorded_by: Option<String>,
}
