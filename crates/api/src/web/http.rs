//! Small HTTP building blocks shared by the handlers: validated JSON bodies, ETag / If-Match,
//! Idempotency-Key.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{self, EntityTag};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, ApiResult, FieldError};

/// A JSON body. Read as a JSON value first so that one check covers every body: a string (or key)
/// holding the NUL character, which no text in Vigie may contain, is a 422 `nul_character` naming
/// where it is; then the value must have the body's shape (422 `invalid_body` otherwise) and keep
/// within the bounds the contract declares for it (422 `too_long`, `out_of_range`, `too_many`).
pub struct Body<T>(pub T);

impl<T: DeserializeOwned + utoipa::ToSchema + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = fut.await?.into_inner();
            if let Some(path) = nul_in(&value, "") {
                return Err(ApiError::invalid_field(
                    if path.is_empty() { "body" } else { &path },
                    "nul_character",
                    "text cannot contain the NUL character (U+0000)",
                )
                .into());
            }
            let body = serde_json::from_value(value.clone())
                .map_err(|e| ApiError::invalid_field("body", "invalid_body", e.to_string()))?;
            // The bounds the contract declares for this body (lengths, ranges, sizes).
            let errors = super::contract::check_body(&T::name(), &value);
            if !errors.is_empty() {
                return Err(ApiError::invalid(errors).into());
            }
            Ok(Self(body))
        })
    }
}

/// Where a JSON value holds the NUL character, as a field path (`persons[0].name`).
fn nul_in(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) => vigie_domain::has_nul(s).then(|| path.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_in(v, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if vigie_domain::has_nul(k) {
                Some(here)
            } else {
                nul_in(v, &here)
            }
        }),
        _ => None,
    }
}

/// A JSON body that passed its `validator` rules; failures are a 422 listing every field.
pub struct Valid<T>(pub T);

impl<T: DeserializeOwned + Validate + utoipa::ToSchema + 'static> FromRequest for Valid<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = Body::<T>::from_request(req, payload);
        Box::pin(async move {
            let Body(body) = fut.await?;
            body.validate()
                .map_err(|e| ApiError::invalid(field_errors(&e, "")))?;
            Ok(Self(body))
        })
    }
}

/// Flattens validator's nested errors into `field.path` entries.
pub fn field_errors(errors: &ValidationErrors, prefix: &str) -> Vec<FieldError> {
    let mut out = vec![];
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(errs) => {
                for e in errs {
                    let message = e
                        .message
                        .as_ref()
                        .map_or_else(|| describe(e), ToString::to_string);
                    out.push(FieldError::new(&path, e.code.as_ref(), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => out.extend(field_errors(inner, &path)),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    out.extend(field_errors(inner, &format!("{path}[{i}]")));
                }
            }
        }
    }
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

/// A readable message for a validator error without one, e.g. `invalid length (min 3, max 100)`.
fn describe(e: &validator::ValidationError) -> String {
    let mut params: Vec<String> = e
        .params
        .iter()
        .filter(|(k, _)| *k != "value")
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    params.sort();
    if params.is_empty() {
        format!("invalid {}", e.code)
    } else {
        format!("invalid {} ({})", e.code, params.join(", "))
    }
}

/// How long a client may reuse reference data (communes, circonscriptions, mappings, offences):
/// they change by dated versions, rarely; private because every read is authenticated.
pub const REFERENCE_CACHE: &str = "private, max-age=300";

/// A 200 with reference data, cacheable for a few minutes.
pub fn ok_reference<T: Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, REFERENCE_CACHE))
        .json(body)
}

/// A resource version as an ETag.
pub fn etag(version: i64) -> EntityTag {
    EntityTag::new_strong(format!("v{version}"))
}

/// The version named by `If-Match`, if the header is present. `*` matches any version.
pub fn if_match(req: &HttpRequest) -> ApiResult<Option<i64>> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| ApiError::stale())?.trim();
    if text == "*" {
        return Ok(None);
    }
    let tag = text.trim_start_matches("W/").trim_matches('"');
    tag.strip_prefix('v')
        .and_then(|v| v.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(ApiError::stale)
}

/// The optional `Idempotency-Key` header.
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let v = match req.headers().get("idempotency-key") {
            None => Ok(Self(None)),
            Some(h) => match h.to_str() {
                Ok(s) if (1..=255).contains(&s.trim_matches('"').len()) => {
                    Ok(Self(Some(s.trim_matches('"').to_owned())))
                }
                _ => Err(ApiError::bad_request(
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 255 visible ASCII characters",
                )),
            },
        };
        std::future::ready(v)
    }
}

/// A 201 with `Location`, `ETag`, and `Idempotent-Replayed: true` when it repeats a first answer.
pub fn created_response<T: Serialize>(
    location: String,
    version: i64,
    replayed: bool,
    body: &T,
) -> HttpResponse {
    let mut res = HttpResponse::Created();
    res.insert_header((header::LOCATION, location))
        .insert_header(header::ETag(etag(version)));
    if replayed {
        res.insert_header(("idempotent-replayed", "true"));
    }
    res.json(body)
}

/// A 200 answer with its ETag.
pub fn ok_with_etag<T: Serialize>(body: &T, version: i64) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(header::ETag(etag(version)))
        .json(body)
}
