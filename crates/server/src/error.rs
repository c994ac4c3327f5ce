//! One error type for the API, mapped to responses in one place. The body is
//! always `{"error": {"code", "message", "field"?, "fields"?}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rekisteri_domain::{FieldError, Invalid};
use rekisteri_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub enum ApiError {
    Invalid(Invalid),
    NotFound,
    /// 412: `If-Match` names a version that is no longer current.
    VersionMismatch {
        current: i64,
    },
    /// 428: a write without `If-Match`.
    PreconditionRequired,
    Conflict {
        code: &'static str,
        message: String,
    },
    /// 409 with the records that must change first (`active_contacts`,
    /// `has_notes`, `invoiced`); the body names each in `records`.
    Blocked {
        code: &'static str,
        message: String,
        records: Vec<rekisteri_store::Blocker>,
    },
    /// 410: a route retired for another (`use_erasure`: a person is erased,
    /// never plainly deleted); the message names the route to use.
    Gone {
        code: &'static str,
        message: String,
    },
    /// 409 caused by one field of the input (`erased_person`, R8).
    ConflictOn {
        code: &'static str,
        field: String,
        message: String,
    },
    /// 409 `duplicate_person` (R3): an email address of the input already
    /// belongs to another person; the body names the field and, in
    /// `records`, the person.
    DuplicatePerson {
        field: String,
        person_id: rekisteri_domain::ids::PersonId,
    },
    /// 409 `held`: holds prevent an erasure (R8, R19); the body names each.
    Held {
        message: String,
        holds: Vec<rekisteri_domain::erasure::Hold>,
    },
    /// 422: well-formed input that a rule of the register refuses (a
    /// recipient outside the EU/EEA without a safeguard): `code` names the
    /// rule, `field` what to change.
    Refused {
        code: &'static str,
        field: &'static str,
        message: String,
    },
    Unauthorized,
    /// 401 at login: wrong name or password, or a second factor needed.
    LoginFailed {
        code: &'static str,
        message: String,
    },
    /// 429: too many failed logins; try again after this many seconds.
    TooManyAttempts {
        retry_after: i64,
    },
    Forbidden {
        code: &'static str,
        message: String,
    },
    /// 413: the body is larger than the route takes.
    TooLarge,
    /// 503 with `Retry-After`: another writer held the database longer
    /// than a request waits (a long command-line write beside a SQLite
    /// server). Nothing was stored; the same request may be sent again.
    Busy,
    Internal,
}

/// The error body of every failed request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `invalid`, `not_found`, `version_mismatch`, `precondition_required`,
    /// `unauthorized`, `forbidden`, `held`, `restricted` (R18),
    /// `duplicate_person` (with `field` and the person in `records`),
    /// `active_contacts`, `has_notes`, `invoiced` (with `records`),
    /// `use_erasure` (410), `too_large` (413), `busy` (503, with
    /// `Retry-After`), or `internal`.
    pub code: String,
    pub message: String,
    /// The (first) field that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every field that is wrong, when there are several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldError>>,
    /// The version now stored, with `version_mismatch`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// With `held`: what prevents the erasure, each with its code
    /// (`open_invoice`, `debt_collection`, `organisation_contact`) and message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds: Option<Vec<HoldShown>>,
    /// With `active_contacts`, `has_notes` and `invoiced`: the records in
    /// the way (`kind` link, note or invoice; `id`; the `person_id` it is
    /// about), each to be ended or moved first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<Vec<rekisteri_store::Blocker>>,
}

/// A hold as the API shows it: its code and details, and the reason in words.
#[derive(Debug, Serialize, ToSchema)]
pub struct HoldShown {
    #[serde(flatten)]
    pub hold: rekisteri_domain::erasure::Hold,
    pub message: String,
}

impl From<rekisteri_domain::erasure::Hold> for HoldShown {
    fn from(hold: rekisteri_domain::erasure::Hold) -> Self {
        Self {
            message: hold.message(),
            hold,
        }
    }
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(Invalid::one(FieldError::invalid(field, message)))
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        Self::Invalid(e)
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(e.into())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::VersionMismatch { current } => Self::VersionMismatch { current },
            StoreError::Invalid(i) => Self::Invalid(i),
            StoreError::Conflict { code, message } => Self::Conflict { code, message },
            StoreError::Blocked {
                code,
                message,
                records,
            } => Self::Blocked {
                code,
                message,
                records,
            },
            StoreError::ConflictOn {
                code,
                field,
                message,
            } => Self::ConflictOn {
                code,
                field,
                message,
            },
            StoreError::DuplicatePerson { field, person_id } => {
                Self::DuplicatePerson { field, person_id }
            }
            StoreError::Busy => {
                tracing::warn!("the database was busy with another writer: answered 503");
                Self::Busy
            }
            StoreError::Database(error) => {
                // sqlx errors carry statements and constraint names, not values.
                tracing::error!(%error, "database error");
                Self::Internal
            }
            StoreError::Config(error) => {
                tracing::error!(%error, "store error");
                Self::Internal
            }
        }
    }
}

fn detail(code: &str, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail {
        code: code.into(),
        message: message.into(),
        field: None,
        fields: None,
        current_version: None,
        holds: None,
        records: None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let is_bearer_challenge = matches!(self, Self::Unauthorized);
        let (status, body) = match self {
            Self::Invalid(Invalid(errors)) => {
                let first = errors
                    .first()
                    .cloned()
                    .unwrap_or_else(|| FieldError::invalid("body", "is invalid"));
                let mut d = detail("invalid", format!("{}: {}", first.field, first.message));
                d.field = Some(first.field);
                d.fields = Some(errors);
                (StatusCode::UNPROCESSABLE_ENTITY, d)
            }
            Self::NotFound => (StatusCode::NOT_FOUND, detail("not_found", "no such record")),
            Self::VersionMismatch { current } => {
                let mut d = detail(
                    "version_mismatch",
                    "the record was changed by someone else: read it again and reapply your change",
                );
                d.current_version = Some(current);
                (StatusCode::PRECONDITION_FAILED, d)
            }
            Self::PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                detail(
                    "precondition_required",
                    "send If-Match with the ETag of the version you read",
                ),
            ),
            Self::Conflict { code, message } => (StatusCode::CONFLICT, detail(code, message)),
            Self::Blocked {
                code,
                message,
                records,
            } => {
                let mut d = detail(code, message);
                d.records = Some(records);
                (StatusCode::CONFLICT, d)
            }
            Self::Gone { code, message } => (StatusCode::GONE, detail(code, message)),
            Self::ConflictOn {
                code,
                field,
                message,
            } => {
                let mut d = detail(code, format!("{field}: {message}"));
                d.fields = Some(vec![FieldError {
                    field: field.clone(),
                    code,
                    message,
                }]);
                d.field = Some(field);
                (StatusCode::CONFLICT, d)
            }
            Self::DuplicatePerson { field, person_id } => {
                let message = format!(
                    "already belongs to person {person_id}: update that person instead of adding another"
                );
                let mut d = detail("duplicate_person", format!("{field}: {message}"));
                d.fields = Some(vec![FieldError {
                    field: field.clone(),
                    code: "duplicate_person",
                    message,
                }]);
                d.field = Some(field);
                d.records = Some(vec![rekisteri_store::Blocker {
                    kind: "person".into(),
                    id: person_id.to_string(),
                    person_id: Some(person_id),
                    label: None,
                }]);
                (StatusCode::CONFLICT, d)
            }
            Self::Held { message, holds } => {
                let mut d = detail("held", message);
                d.holds = Some(holds.into_iter().map(HoldShown::from).collect());
                (StatusCode::CONFLICT, d)
            }
            Self::Refused {
                code,
                field,
                message,
            } => {
                let mut d = detail(code, message.clone());
                d.field = Some(field.into());
                d.fields = Some(vec![FieldError {
                    field: field.into(),
                    code,
                    message,
                }]);
                (StatusCode::UNPROCESSABLE_ENTITY, d)
            }
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                detail(
                    "unauthorized",
                    "log in (POST /api/v1/session) or send Authorization: Bearer <token>",
                ),
            ),
            Self::LoginFailed { code, message } => {
                (StatusCode::UNAUTHORIZED, detail(code, message))
            }
            Self::TooManyAttempts { retry_after } => {
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    axum::Json(ErrorBody {
                        error: detail(
                            "too_many_attempts",
                            format!(
                                "too many failed logins: try again in {retry_after} s, or ask an administrator to unlock the account"
                            ),
                        ),
                    }),
                )
                    .into_response();
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return response;
            }
            Self::Forbidden { code, message } => (StatusCode::FORBIDDEN, detail(code, message)),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                detail(
                    "too_large",
                    "the request body is larger than this route takes (2 MB; an import upload more)",
                ),
            ),
            Self::Busy => {
                let mut response = (
                    StatusCode::SERVICE_UNAVAILABLE,
                    axum::Json(ErrorBody {
                        error: detail(
                            "busy",
                            "the register is busy with a long write (an import or a sweep): nothing was stored; \
                             send the same request again in a few seconds",
                        ),
                    }),
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                return response;
            }
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                detail("internal", "something went wrong on our side"),
            ),
        };
        let mut response = (status, axum::Json(ErrorBody { error: body })).into_response();
        if status == StatusCode::UNAUTHORIZED && is_bearer_challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
