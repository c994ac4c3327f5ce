use rekisteri_domain::ids::PersonId;
use rekisteri_domain::{FieldError, Invalid};
use serde::Serialize;
use utoipa::ToSchema;

/// A record that stands in the way of an operation and must change first:
/// an organisation's contact link not ended, its note, an order's invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Blocker {
    /// `link`, `note` or `invoice`.
    pub kind: String,
    pub id: String,
    /// The person the record is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    /// A word that tells the record apart: an invoice's number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// What can go wrong in the store, in terms the edges map to responses.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The record changed since the client read it (optimistic concurrency).
    #[error("the record has changed: it is now at version {current}")]
    VersionMismatch { current: i64 },
    /// The input refers to something that does not exist, or breaks a rule
    /// that only the stored data can tell (a duplicate business ID).
    #[error("{0}")]
    Invalid(Invalid),
    /// The operation conflicts with the register's state (a hold, a duplicate).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A conflict with records that must change first; `records` names each
    /// (an organisation's active contacts, its notes; an order's invoices).
    #[error("{message}")]
    Blocked {
        code: &'static str,
        message: String,
        records: Vec<Blocker>,
    },
    /// A conflict caused by one field of the input (an erased person's
    /// email address, R8).
    #[error("{field}: {message}")]
    ConflictOn {
        code: &'static str,
        field: String,
        message: String,
    },
    /// A person's email address already belongs to another person (R3):
    /// `field` is the address's field, `person_id` the person it is theirs.
    #[error("{field}: already belongs to person {person_id}")]
    DuplicatePerson { field: String, person_id: PersonId },
    /// Another writer held the database past the busy timeout (a long
    /// command-line write beside a SQLite server): retry shortly.
    #[error(
        "the database is busy with another writer: try again shortly / tietokanta on toisen kirjoittajan varaama: yritä hetken kuluttua uudelleen"
    )]
    Busy,
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("{0}")]
    Config(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if is_busy(&error) {
            Self::Busy
        } else {
            Self::Database(error)
        }
    }
}

/// SQLite's `SQLITE_BUSY` and `SQLITE_LOCKED` (with their extended codes),
/// PostgreSQL's lock not available: the write waited its turn and did
/// not get it in time. Nothing was half-stored: its transaction is undone.
pub(crate) fn is_busy(error: &sqlx::Error) -> bool {
    // Queued behind the process's own writer past the pool's wait (a long
    // import's last step): the same, a retryable wait, not a failure.
    if matches!(error, sqlx::Error::PoolTimedOut) {
        return true;
    }
    let Some(db) = error.as_database_error() else {
        return false;
    };
    let code = db.code().unwrap_or_default();
    let primary = code.parse::<i64>().map(|c| c & 0xff).ok();
    matches!(primary, Some(5 | 6)) || code == "55P03" || db.message().contains("database is locked")
}

impl StoreError {
    pub(crate) fn field(field: &str, message: &str) -> Self {
        Self::Invalid(Invalid::one(FieldError::invalid(field, message)))
    }

    /// Maps a unique-constraint violation to a conflict naming the field.
    pub(crate) fn unique(error: sqlx::Error, field: &'static str, message: &str) -> Self {
        let unique = match &error {
            sqlx::Error::Database(db) => {
                db.is_unique_violation() || db.message().contains("UNIQUE constraint failed")
            }
            _ => false,
        };
        if unique {
            Self::Invalid(Invalid::one(FieldError {
                field: field.into(),
                code: "taken",
                message: message.into(),
            }))
        } else {
            Self::Database(error)
        }
    }
}
