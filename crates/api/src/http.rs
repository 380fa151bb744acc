//! Small HTTP building blocks shared by the handlers: validated JSON bodies, ETag / If-Match,
//! Idempotency-Key.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{self, EntityTag};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;

/// A JSON body that passed its `validator` rules; failures are a 422 listing every field.
pub struct Valid<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for Valid<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = web::Json::<T>::from_request(req, payload);
        Box::pin(async move {
            let body = fut.await?.into_inner();
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

/// What a creation produced: the representation, where it lives and its version.
pub struct Created<T> {
    pub body: T,
    pub location: String,
    pub version: i64,
}

#[derive(Serialize, serde::Deserialize)]
struct StoredAnswer {
    location: String,
    version: i64,
    body: serde_json::Value,
}

/// The answer stored for an Idempotency-Key already used with the same request, if any; the same key
/// with another request is refused (422). Call it in the transaction that then creates and saves.
pub fn replayed_answer(
    conn: &mut vigie_store::DbConn,
    principal: &str,
    key: Option<&str>,
    request_hash: &str,
) -> ApiResult<Option<String>> {
    use vigie_store::idempotency::{Lookup, lookup};
    let Some(k) = key else { return Ok(None) };
    match lookup(conn, principal, k, request_hash)? {
        Lookup::New => Ok(None),
        Lookup::Replay { body, .. } => Ok(Some(body)),
        Lookup::Mismatch => Err(ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request body",
        )),
    }
}

/// Runs a creation once per Idempotency-Key: a retry with the same key and body gets the first
/// answer again; the same key with another body is refused (422).
pub async fn create_once<T, F>(
    state: &AppState,
    caller: &Caller,
    key: IdempotencyKey,
    request: &impl Serialize,
    create: F,
) -> ApiResult<HttpResponse>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut vigie_store::DbConn) -> ApiResult<Created<T>> + Send + 'static,
{
    let request_hash = hex::encode(Sha256::digest(
        serde_json::to_vec(request).unwrap_or_default(),
    ));
    let principal = caller.sub.clone();
    let answer = state
        .tx(move |conn| {
            if let Some(body) = replayed_answer(conn, &principal, key.0.as_deref(), &request_hash)?
            {
                return serde_json::from_str::<StoredAnswer>(&body)
                    .map(|a| (a, true))
                    .map_err(|_| ApiError::internal());
            }
            let created = create(conn)?;
            let answer = StoredAnswer {
                location: created.location,
                version: created.version,
                body: serde_json::to_value(&created.body).map_err(|_| ApiError::internal())?,
            };
            if let Some(k) = &key.0 {
                let text = serde_json::to_string(&answer).map_err(|_| ApiError::internal())?;
                vigie_store::idempotency::save(conn, &principal, k, &request_hash, 201, &text)?;
            }
            Ok((answer, false))
        })
        .await?;
    let (answer, replayed) = answer;
    Ok(created_response(
        answer.location,
        answer.version,
        replayed,
        &answer.body,
    ))
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

/// For PATCH bodies: an absent field is `None` (leave as is), `null` is `Some(None)` (clear it).
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}
