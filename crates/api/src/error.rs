//! RFC 9457 problem details for every error the API returns, with a stable machine `code`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;
use vigie_store::StoreError;

tokio::task_local! {
    /// The request id of the request being served, so that any error can name it in `instance`.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
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
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// RFC 9457 problem details, as every error of this API is answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://vigie.example/problems/validation_failed",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "the request has invalid fields",
    "code": "validation_failed",
    "instance": "urn:vigie:request:01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f",
    "errors": [{"field": "siren", "code": "siren_checksum", "message": "the SIREN check digit is wrong (Luhn)"}]
}))]
pub struct Problem {
    /// A URI naming the problem type; its last segment is `code`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code (snake_case); the contract of this API.
    pub code: String,
    /// The request that failed (`x-request-id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Invalid fields (422 only).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
    /// OAuth2 error code (RFC 6749 §5.2), on token endpoint errors only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Transitions allowed from the current state (409 on a state machine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub oauth_error: Option<&'static str>,
    pub retry_after: Option<u64>,
    pub www_authenticate: bool,
    /// For a refused state transition: the transitions allowed.
    pub allowed: Option<Vec<String>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: vec![],
            oauth_error: None,
            retry_after: None,
            www_authenticate: false,
            allowed: None,
        }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            www_authenticate: true,
            ..Self::new(StatusCode::UNAUTHORIZED, code, detail)
        }
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such resource, or not visible to you",
        )
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn stale() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "the resource changed since you read it (If-Match does not match its ETag): read it again",
        )
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                detail,
            )
        }
    }

    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, code, message)])
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self {
            retry_after: Some(5),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                detail,
            )
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "an unexpected error occurred; it was logged",
        )
    }

    pub fn oauth(mut self, code: &'static str) -> Self {
        self.oauth_error = Some(code);
        self
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("https://vigie.example/problems/{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            instance: current_request_id().map(|id| format!("urn:vigie:request:{id}")),
            errors: self.errors.clone(),
            error: self.oauth_error.map(str::to_owned),
            allowed: self.allowed.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if self.www_authenticate {
            res.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"vigie\""),
            ));
        }
        if self.oauth_error.is_some() {
            res.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        }
        res.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(msg) => {
                log::warn!("database unavailable: {msg}");
                Self::unavailable("the database is unavailable; retry shortly")
            }
            StoreError::NotFound => Self::not_found(),
            StoreError::Conflict(what) => Self::conflict(
                "conflict",
                format!("a record with the same {what} already exists"),
            ),
            StoreError::Stale => Self::stale(),
            other => {
                log::error!("storage error: {other}");
                Self::internal()
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        Self::unavailable("the server is overloaded; retry shortly")
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
