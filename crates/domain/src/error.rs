//! Validation errors that name the field and the problem (R3).

use serde::Serialize;
use utoipa::ToSchema;

/// One field that failed to parse, with the problem in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as the client named it (`email`, `addresses[1].postal_code`).
    pub field: String,
    /// A stable machine-readable code (`invalid`, `required`, `too_long`).
    pub code: &'static str,
    /// What is wrong, for a person to read.
    pub message: String,
}

impl FieldError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: "invalid",
            message: message.into(),
        }
    }

    pub fn required(field: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: "required",
            message: "is required".into(),
        }
    }

    /// A field the request does not have (a misspelt name is not dropped).
    pub fn unknown(field: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: "unknown_field",
            message: "is not a field of this request".into(),
        }
    }

    pub fn too_long(field: impl Into<String>, max: usize) -> Self {
        Self {
            field: field.into(),
            code: "too_long",
            message: format!("must be at most {max} characters"),
        }
    }

    /// The same error under a longer field path (`emails[0]` for `email`).
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// All the field errors of one input; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(error: FieldError) -> Self {
        Self(vec![error])
    }

    pub fn first(&self) -> Option<&FieldError> {
        self.0.first()
    }
}

impl From<FieldError> for Invalid {
    fn from(error: FieldError) -> Self {
        Self::one(error)
    }
}

/// Collects field errors while an input is parsed, so the client hears of
/// every bad field at once.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value if it parsed, records the error otherwise.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// `Ok(value)` when nothing failed; the value is built only then.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, Invalid> {
        if self.0.is_empty() {
            // Every `take` succeeded, so `build` finds all its parts.
            build().ok_or_else(|| Invalid::one(FieldError::invalid("input", "is incomplete")))
        } else {
            Err(Invalid(self.0))
        }
    }
}
