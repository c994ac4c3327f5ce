use rekisteri_domain::{FieldError, Invalid};

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
    /// A conflict caused by one field of the input (an erased person's
    /// email address, R8).
    #[error("{field}: {message}")]
    ConflictOn {
        code: &'static str,
        field: String,
        message: String,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Config(String),
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
