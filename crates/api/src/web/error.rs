//! RFC 9457 problem details for every error the API returns, with a stable machine `code`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

tokio::task_local! {
    /// The request id of the request being served, so that any error can name it in `instance`.
    pub static REQUEST_ID: String;
}

tokio::task_local! {
    /// Where the problem `type` URIs of the request being served point (see [`problem_base`]).
    pub static PROBLEM_BASE: std::sync::Arc<str>;
}

pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// The prefix of problem `type` URIs: absolute under the public URL when the operator gives one,
/// else the path on this server (RFC 9457 §3.1.1 resolves it against the request's URL).
pub fn problem_base(public_url: Option<&str>) -> String {
    match public_url.map(|u| u.trim_end_matches('/')) {
        Some(u) if !u.is_empty() => format!("{u}/problems/"),
        _ => "/problems/".to_owned(),
    }
}

/// The longest `detail` (and field `message`) a problem carries: details may quote the input
/// (a serde message names the unknown value), and the contract bounds every string.
pub const MAX_DETAIL_LEN: usize = 2000;

/// `text` cut to at most `max` characters (on a character boundary), marked as cut.
fn bounded(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The `type` URI of a code, under the base of the request being served.
pub fn problem_type_uri(code: &str) -> String {
    let base = PROBLEM_BASE
        .try_with(|b| b.to_string())
        .unwrap_or_else(|_| problem_base(None));
    format!("{base}{code}")
}

pub use vigie_app::error::{AppError, ErrorKind, FieldError};

/// RFC 9457 problem details, as every error of this API is answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://vigie.example.org/problems/validation_failed",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "the request has invalid fields",
    "code": "validation_failed",
    "instance": "urn:vigie:request:01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f",
    "errors": [{"field": "siren", "code": "siren_checksum", "message": "the SIREN check digit is wrong (Luhn)"}]
}))]
pub struct Problem {
    /// A URI naming the problem type; its last segment is `code`. It resolves to a page that
    /// explains the code (`/problems/{code}` on this server, or under its public URL).
    #[serde(rename = "type")]
    #[schema(format = "uri-reference", max_length = 512)]
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

/// An application error on its way to the client as a problem. The one mapping from the
/// application's refusals to HTTP statuses is [`status_of`].
#[derive(Debug, Clone)]
pub struct ApiError {
    pub error: AppError,
    status: StatusCode,
}

impl std::ops::Deref for ApiError {
    type Target = AppError;
    fn deref(&self) -> &AppError {
        &self.error
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut AppError {
        &mut self.error
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self {
            status: status_of(e.kind),
            error: e,
        }
    }
}

/// The HTTP status of each kind of refusal.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Stale => StatusCode::PRECONDITION_FAILED,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::UnsupportedFormat => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The kind of a status that the HTTP layer itself answers (the safety net for actix's own errors).
fn kind_of(status: StatusCode) -> ErrorKind {
    match status.as_u16() {
        400 | 405 => ErrorKind::BadRequest,
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        412 => ErrorKind::Stale,
        413 => ErrorKind::TooLarge,
        415 => ErrorKind::UnsupportedFormat,
        422 => ErrorKind::Invalid,
        429 => ErrorKind::TooManyRequests,
        503 => ErrorKind::Unavailable,
        _ => ErrorKind::Internal,
    }
}

impl ApiError {
    /// An error the HTTP layer answers itself (body too large, method not allowed...).
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            error: AppError::new(kind_of(status), code, detail),
            status,
        }
    }

    /// The status this error is answered with; a 405 stays a 405.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::from(AppError::bad_request(code, detail))
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::from(AppError::unauthorized(code, detail))
    }

    pub fn not_found() -> Self {
        Self::from(AppError::not_found())
    }

    pub fn stale() -> Self {
        Self::from(AppError::stale())
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        Self::from(AppError::invalid(errors))
    }

    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::from(AppError::invalid_field(field, code, message))
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::from(AppError::unavailable(detail))
    }

    pub fn internal() -> Self {
        Self::from(AppError::internal())
    }

    pub fn oauth(self, code: &'static str) -> Self {
        Self::from(self.error.oauth(code))
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: problem_type_uri(self.code),
            title: title_of(self.status()).to_owned(),
            status: self.status().as_u16(),
            detail: bounded(&self.detail, MAX_DETAIL_LEN),
            code: self.code.to_owned(),
            instance: current_request_id().map(|id| format!("urn:vigie:request:{id}")),
            errors: self
                .errors
                .iter()
                .map(|e| FieldError {
                    message: bounded(&e.message, MAX_DETAIL_LEN),
                    field: bounded(&e.field, 200),
                    code: e.code.clone(),
                })
                .collect(),
            error: self.oauth_error.map(str::to_owned),
            allowed: self.allowed.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status().as_u16(),
            self.code,
            self.detail
        )
    }
}

/// The reason phrase of a status as RFC 9110 names it (the `http` crate still says "Unprocessable
/// Entity" and "Payload Too Large" after RFC 4918 and RFC 7231).
fn title_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        // Internal errors keep their cause in the log, beside the request id; the caller sees a
        // stable, generic answer.
        if let Some(cause) = &self.cause {
            let rid = current_request_id().unwrap_or_default();
            match self.kind {
                ErrorKind::Internal => log::error!("request {rid}: {} ({cause})", self.code),
                _ => log::warn!("request {rid}: {} ({cause})", self.code),
            }
        } else if self.kind == ErrorKind::Internal {
            log::error!(
                "request {}: internal error",
                current_request_id().unwrap_or_default()
            );
        }
        let mut res = HttpResponse::build(self.status());
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if self.kind == ErrorKind::Unauthenticated {
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

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        Self::unavailable("the server is overloaded; retry shortly")
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_cut_to_the_contract_bound_on_a_character_boundary() {
        assert_eq!(bounded("court", 10), "court");
        assert_eq!(bounded("exactement", 10), "exactement");
        let long = "é".repeat(MAX_DETAIL_LEN + 5);
        let cut = bounded(&long, MAX_DETAIL_LEN);
        assert_eq!(cut.chars().count(), MAX_DETAIL_LEN);
        assert!(cut.ends_with('…'));
    }
}
