//! Error responses shared by the operations of the contract, so each operation documents its errors.

use utoipa::IntoResponses;

use crate::error::Problem;

/// Errors every authenticated operation can answer.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum AuthErrors {
    /// No token, or a token that is malformed, expired, forged, or for another issuer or audience.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// Authenticated, but the caller's roles do not allow this operation.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Too many requests for this principal; see `Retry-After`.
    #[response(status = 429, content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait")))]
    TooManyRequests(Problem),
    /// An unexpected error: the answer names the request (`instance`), the cause stays in the
    /// server's log.
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
    /// The database is unreachable; retry after `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait")))]
    Unavailable(Problem),
}

/// Errors of operations that read a JSON body.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BodyErrors {
    /// Malformed JSON or query.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Body larger than the configured limit.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// Wrong `Content-Type`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// Invalid fields, listed in `errors`.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
}

/// The resource does not exist or belongs to another organisation.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NotFound {
    /// No such resource, or it belongs to another organisation.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
}

/// A uniqueness rule or the resource's state refuses the change.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Conflict {
    /// Conflicts with an existing record or with the resource's state.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
}

/// `If-Match` names a version that is no longer current.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Stale {
    /// The resource changed since it was read: read it again.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Problem),
}

/// Query parameters that cannot be read, or a limit/cursor out of range.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum QueryErrors {
    /// A query parameter cannot be read.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// A limit or cursor out of range.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
}

/// Errors of operations that draw up or rewrite a PV: the body's errors, and each rule of drawing
/// up under its own code.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum DrawingErrors {
    /// Malformed JSON.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Body larger than the configured limit.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// Wrong `Content-Type`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// `validation_failed` (fields listed in `errors`), or the rule that refused the PV:
    /// `not_personally_observed`, `agent_not_active`, `place_outside_commission`,
    /// `offence_outside_agrement`, `offence_outside_commission`, `regime_b_contraventions_only`,
    /// `offence_required`.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
}

/// A printable document whose `Accept` allows neither `text/html` nor `application/pdf`.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NotAcceptable {
    /// `Accept` allows neither `text/html` nor `application/pdf`.
    #[response(status = 406, content_type = "application/problem+json")]
    NotAcceptable(Problem),
}
