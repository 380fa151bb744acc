//! `POST /auth/token`: the OAuth2 token endpoint (RFC 6749) for the `client_credentials` and
//! `password` grants, and `POST /auth/revoke`: token revocation (RFC 7009). Form-encoded as the
//! RFCs say; JSON accepted too.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_app::auth::{self, Grant, TokenToRevoke};

use crate::auth::Caller;

use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "vg_4kQ2x9Lm7pR1sT8v", "client_secret": "kS9v0x3Jd8QmL2pZ7rT4wY6uB1nC5eHa0fGjKlMoPqR"}))]
pub struct TokenRequest {
    /// `client_credentials` (API clients) or `password` (people).
    #[schema(example = "client_credentials", max_length = 64)]
    pub grant_type: String,
    /// client_credentials: the client id (or HTTP Basic authentication instead).
    #[schema(max_length = 200)]
    pub client_id: Option<String>,
    #[schema(max_length = 1024)]
    pub client_secret: Option<String>,
    /// password grant: the person's login and password.
    #[schema(max_length = 200)]
    pub username: Option<String>,
    #[schema(max_length = 1024)]
    pub password: Option<String>,
    /// Accepted and ignored: a token carries the principal's roles.
    #[schema(max_length = 200)]
    pub scope: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGllbnQ6dmdfNGtRMng5TG0ifQ.c2lnbmF0dXJl", "token_type": "Bearer", "expires_in": 3600}))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
}

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum TokenErrors {
    /// `invalid_request`, `invalid_grant` (wrong login or password) or `unsupported_grant_type`;
    /// the OAuth2 code is in `error`.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// `invalid_client`: unknown client, wrong secret, or revoked client.
    #[response(status = 401, content_type = "application/problem+json")]
    InvalidClient(Problem),
    /// Body too large.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// Neither form-encoded nor JSON.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// Too many token requests from this address.
    #[response(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Problem),
    /// The database is unreachable.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// Reads an OAuth2 request body: form-encoded as the RFCs say, or JSON.
fn parse_body<T: serde::de::DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> ApiResult<T> {
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ctype
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let invalid = |e: String| {
        ApiError::bad_request("invalid_request", format!("unreadable token request: {e}"))
            .oauth("invalid_request")
    };
    match media.as_str() {
        "application/x-www-form-urlencoded" => {
            serde_urlencoded::from_bytes(body).map_err(|e| invalid(e.to_string()))
        }
        "application/json" => serde_json::from_slice(body).map_err(|e| invalid(e.to_string())),
        _ => Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/x-www-form-urlencoded (RFC 6749) or application/json",
        )),
    }
}

/// Refuses an OAuth2 request whose fields break the bounds the contract declares for it (400
/// `invalid_request`, as RFC 6749 answers a malformed request).
fn check_bounds<T: Serialize + utoipa::ToSchema>(form: &T) -> ApiResult<()> {
    let value = serde_json::to_value(form).map_err(|_| ApiError::internal())?;
    match crate::web::contract::check_body(&T::name(), &value).first() {
        None => Ok(()),
        Some(e) => Err(ApiError::bad_request(
            "invalid_request",
            format!("`{}`: {}", e.field, e.message),
        )
        .oauth("invalid_request")),
    }
}

/// An OAuth2 request, after the per-address brake (the TCP peer, not X-Forwarded-For: a client
/// must not choose its own bucket), read and within its bounds.
fn read_request<T>(state: &AppState, req: &HttpRequest, body: &[u8]) -> ApiResult<T>
where
    T: serde::de::DeserializeOwned + Serialize + utoipa::ToSchema,
{
    let peer = req
        .peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    state.token_rate_limiter.check(&format!("token:{peer}"))?;
    let form: T = parse_body(req, body)?;
    check_bounds(&form)?;
    Ok(form)
}

/// HTTP Basic client authentication (RFC 6749 §2.3.1), which clients must be able to use.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let id = percent_decode(id);
    let secret = percent_decode(secret);
    Some((id, secret))
}

fn percent_decode(s: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
        .ok()
        .and_then(|mut v| v.pop())
        .map_or_else(|| s.to_owned(), |(_, v)| v)
}

/// Obtain an access token
///
/// `grant_type=client_credentials` with `client_id` and `client_secret` (in the body or by HTTP Basic)
/// for integrations; `grant_type=password` with `username` and `password` for people using a
/// front-end. The token is a JWT to send as `Authorization: Bearer <token>`.
#[utoipa::path(
    tag = "auth", operation_id = "issueToken",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses((status = 200, description = "Token issued", body = TokenResponse), TokenErrors),
    security(())
)]
#[post("/auth/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let form: TokenRequest = read_request(&state, &req, &body)?;
    let fields = [
        &form.client_id,
        &form.client_secret,
        &form.username,
        &form.password,
        &form.scope,
    ];
    if vigie_domain::has_nul(&form.grant_type)
        || fields
            .iter()
            .any(|f| f.as_deref().is_some_and(vigie_domain::has_nul))
    {
        return Err(ApiError::bad_request(
            "invalid_request",
            "the token request contains the NUL character",
        )
        .oauth("invalid_request"));
    }
    let missing = |what: &str| {
        ApiError::bad_request("invalid_request", format!("`{what}` is required"))
            .oauth("invalid_request")
    };
    let (kind, login, secret) = match form.grant_type.as_str() {
        "client_credentials" => {
            let (id, secret) = match (form.client_id, form.client_secret, basic_credentials(&req)) {
                (Some(id), Some(secret), _) => (id, secret),
                (_, _, Some(pair)) => pair,
                (None, _, None) => return Err(missing("client_id")),
                (Some(_), None, None) => return Err(missing("client_secret")),
            };
            (Grant::ClientCredentials, id, secret)
        }
        "password" => (
            Grant::Password,
            form.username.ok_or_else(|| missing("username"))?,
            form.password.ok_or_else(|| missing("password"))?,
        ),
        "" => return Err(missing("grant_type")),
        other => {
            return Err(ApiError::bad_request(
                "unsupported_grant_type",
                format!(
                    "grant_type `{other}` is not supported: use client_credentials or password"
                ),
            )
            .oauth("unsupported_grant_type"));
        }
    };
    let who = auth::authenticate(&state.app, kind, login, secret).await?;
    let (access_token, expires_in) = state.tokens.issue(&who)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in,
        }))
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGllbnQ6dmdfNGtRMng5TG0ifQ.c2lnbmF0dXJl", "token_type_hint": "access_token"}))]
pub struct RevokeRequest {
    /// The access token to end.
    #[schema(max_length = 8192)]
    pub token: Option<String>,
    /// Accepted and ignored: Vigie issues access tokens only.
    #[schema(max_length = 64)]
    pub token_type_hint: Option<String>,
}

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum RevokeErrors {
    /// `invalid_request`: no `token`, or the NUL character in it.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// The bearer token sent with the request is not valid.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The token belongs to another principal than the bearer.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Neither form-encoded nor JSON.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// Too many requests from this address.
    #[response(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Problem),
    /// The database is unreachable.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// Revoke a token
///
/// Ends an access token before its expiry (RFC 7009): logging out, or a token that leaked. The
/// token itself proves its holder; when an `Authorization: Bearer` header is sent too, it must be
/// the same principal's. A token that is not valid (expired, malformed, another issuer's) answers
/// 200 as the RFC says: there is nothing to end. The revoked token is refused (401) at once by
/// this server and within `VIGIE_REVOCATION_REFRESH_SECS` by the others sharing the database.
#[utoipa::path(
    tag = "auth", operation_id = "revokeToken",
    request_body(content(
        (RevokeRequest = "application/x-www-form-urlencoded"),
        (RevokeRequest = "application/json"),
    )),
    responses((status = 200, description = "Revoked, or not a valid token"), RevokeErrors),
    security(())
)]
#[post("/auth/revoke")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let form: RevokeRequest = read_request(&state, &req, &body)?;
    let token = form.token.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        ApiError::bad_request("invalid_request", "`token` is required").oauth("invalid_request")
    })?;
    if vigie_domain::has_nul(&token)
        || form
            .token_type_hint
            .as_deref()
            .is_some_and(vigie_domain::has_nul)
    {
        return Err(ApiError::bad_request(
            "invalid_request",
            "the revocation request contains the NUL character",
        )
        .oauth("invalid_request"));
    }
    let holder = if req.headers().contains_key(header::AUTHORIZATION) {
        Some(Caller::of(&req).await?.sub.clone())
    } else {
        None
    };
    let ok = || {
        HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()
    };
    let Ok(claims) = state.tokens.verify_claims(token.trim()) else {
        return Ok(ok());
    };
    auth::revoke(
        &state.app,
        holder.as_deref(),
        TokenToRevoke {
            sub: claims.sub,
            org_id: claims.org,
            jti: claims.jti,
            issued_at: claims.iat,
            expires_at: claims.exp,
        },
    )
    .await?;
    Ok(ok())
}
