//! Why a use case refused or failed, in the application's own words. The HTTP crate maps each
//! [`ErrorKind`] to one status in one place; nothing here knows about HTTP.

use serde::Serialize;
use utoipa::ToSchema;
use vigie_store::StoreError;

/// What kind of refusal or failure: the caller's next move depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request cannot be read (malformed input).
    BadRequest,
    /// No identity, or one that is not valid.
    Unauthenticated,
    /// Known caller, action not allowed to its role.
    Forbidden,
    /// No such record, or one the caller may not see (existence is not revealed).
    NotFound,
    /// A uniqueness rule or the record's state refuses the change.
    Conflict,
    /// The record changed since the caller read it.
    Stale,
    /// Input too large.
    TooLarge,
    /// Input in a format the use case does not read.
    UnsupportedFormat,
    /// Readable but invalid input (field errors listed).
    Invalid,
    /// Too many attempts; retry later.
    TooManyRequests,
    /// The database is unavailable; retry later.
    Unavailable,
    /// A defect or corrupt data: logged, never detailed to the caller.
    Internal,
}

/// One invalid field of a 422 answer.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the field, e.g. `siren` or `roles[1]`.
    #[schema(example = "siren")]
    pub field: String,
    #[schema(example = "siren_checksum")]
    pub code: String,
    #[schema(example = "the SIREN check digit is wrong (Luhn)")]
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let code = code.into();
        // The contract lists every field code: a code without an entry is a defect the test
        // suites (debug builds) must catch.
        debug_assert!(
            vigie_domain::field_codes::is_field_code(&code),
            "field code `{code}` is not in vigie_domain::field_codes::FIELD_CODES"
        );
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// A use case's refusal or failure, with a stable machine `code`.
#[derive(Debug, Clone)]
pub struct AppError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// OAuth2 error code (RFC 6749 §5.2), for the token grant's refusals.
    pub oauth_error: Option<&'static str>,
    pub retry_after: Option<u64>,
    /// For a refused state transition: the transitions allowed.
    pub allowed: Option<Vec<String>>,
    /// The underlying failure of an internal error, for the log only.
    pub cause: Option<String>,
}

impl AppError {
    pub fn new(kind: ErrorKind, code: &'static str, detail: impl Into<String>) -> Self {
        // The contract lists every code and each `type` URI resolves to its catalogue page: a
        // code without an entry is a defect that the test suites (debug builds) must catch.
        debug_assert!(
            crate::problems::find(code).is_some(),
            "problem code `{code}` has no entry in vigie_app::problems::CATALOGUE"
        );
        Self {
            kind,
            code,
            detail: detail.into(),
            errors: vec![],
            oauth_error: None,
            retry_after: None,
            allowed: None,
            cause: None,
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, code, detail)
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, code, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, "forbidden", detail)
    }

    pub fn not_found() -> Self {
        Self::new(
            ErrorKind::NotFound,
            "not_found",
            "no such resource, or not visible to you",
        )
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, detail)
    }

    pub fn stale() -> Self {
        Self::new(
            ErrorKind::Stale,
            "precondition_failed",
            "the resource changed since you read it (If-Match does not match its ETag): read it again",
        )
    }

    /// A refusal by a rule of a legal procedure: a conflict with the record's state (409), or data
    /// the rule refuses (422); `allowed` lists the steps possible instead, when it helps.
    pub fn rule(
        conflict: bool,
        code: &'static str,
        detail: impl Into<String>,
        allowed: Option<Vec<&'static str>>,
    ) -> Self {
        let kind = if conflict {
            ErrorKind::Conflict
        } else {
            ErrorKind::Invalid
        };
        let mut e = Self::new(kind, code, detail);
        e.allowed = allowed.map(|a| a.into_iter().map(str::to_owned).collect());
        e
    }

    /// A refusal about the whole input rather than one field (e.g. a reused idempotency key).
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, detail)
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        Self {
            errors,
            ..Self::new(ErrorKind::Invalid, "validation_failed", detail)
        }
    }

    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, code, message)])
    }

    pub fn unsupported_format(detail: impl Into<String>) -> Self {
        Self::new(
            ErrorKind::UnsupportedFormat,
            "unsupported_media_type",
            detail,
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self {
            retry_after: Some(5),
            ..Self::new(ErrorKind::Unavailable, "database_unavailable", detail)
        }
    }

    pub fn too_many(code: &'static str, detail: impl Into<String>, retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(ErrorKind::TooManyRequests, code, detail)
        }
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "internal_error",
            "an unexpected error occurred; it was logged",
        )
    }

    /// An internal error that keeps its cause for the log (never shown to the caller).
    pub fn internal_because(cause: impl std::fmt::Display) -> Self {
        Self {
            cause: Some(cause.to_string()),
            ..Self::internal()
        }
    }

    pub fn oauth(mut self, code: &'static str) -> Self {
        self.oauth_error = Some(code);
        self
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {}: {}", self.kind, self.code, self.detail)?;
        if let Some(c) = &self.cause {
            write!(f, " (cause: {c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(msg) => Self {
                cause: Some(msg),
                ..Self::unavailable("the database is unavailable; retry shortly")
            },
            StoreError::NotFound => Self::not_found(),
            StoreError::Conflict(what) => Self::conflict(
                "conflict",
                format!("a record with the same {what} already exists"),
            ),
            StoreError::Stale => Self::stale(),
            other => Self::internal_because(format!("storage: {other}")),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        Self::internal_because(format!("json: {e}"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
