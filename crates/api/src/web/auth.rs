//! Bearer tokens: issuing Vigie's own HS256 JWTs, accepting an external identity provider's RS256 or
//! ES256 tokens, and the extractor through which every protected handler learns who is calling.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::Utc;
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};
use vigie_app::auth::Identity;
use vigie_domain::{OrgKind, Role};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The claims of a Vigie access token. External tokens must carry `org`, `org_kind` and `roles` too.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub org: String,
    pub org_kind: OrgKind,
    pub roles: Vec<Role>,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    /// A string or an array of strings; checked by the validation, not read.
    pub aud: serde_json::Value,
    pub jti: String,
    /// The principal's version when Vigie issued the token (absent from an identity provider's):
    /// a revocation ends the versions below the one it names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ver: Option<i64>,
}

/// An external identity provider's public key and the algorithm it signs with.
pub struct ExternalKey {
    pub key: DecodingKey,
    pub algorithm: Algorithm,
    pub issuer: String,
}

impl ExternalKey {
    /// Reads a PEM public key: RSA keys verify RS256, EC P-256 keys ES256.
    pub fn from_pem(pem: &str, issuer: String) -> Result<Self, String> {
        if let Ok(key) = DecodingKey::from_rsa_pem(pem.as_bytes()) {
            return Ok(Self {
                key,
                algorithm: Algorithm::RS256,
                issuer,
            });
        }
        DecodingKey::from_ec_pem(pem.as_bytes())
            .map(|key| Self {
                key,
                algorithm: Algorithm::ES256,
                issuer,
            })
            .map_err(|e| {
                format!("VIGIE_JWT_PUBLIC_KEY is neither an RSA nor an EC public key in PEM: {e}")
            })
    }
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    external: Option<ExternalKey>,
    pub issuer: String,
    pub audience: String,
    pub ttl_secs: i64,
}

impl TokenKeys {
    pub fn new(
        secret: &[u8],
        issuer: String,
        audience: String,
        ttl_secs: i64,
        external: Option<ExternalKey>,
    ) -> Result<Self, String> {
        let bad = |e: jsonwebtoken::errors::Error| format!("unusable JWT secret: {e}");
        Ok(Self {
            encoding: EncodingKey::from_secret(secret).map_err(bad)?,
            decoding: DecodingKey::from_secret(secret).map_err(bad)?,
            external,
            issuer,
            audience,
            ttl_secs,
        })
    }

    pub fn issue(&self, who: &Identity) -> ApiResult<(String, i64)> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: who.sub.clone(),
            org: who.org_id.clone(),
            org_kind: who.org_kind,
            roles: who.roles.clone(),
            iat: now,
            exp: now + self.ttl_secs,
            iss: self.issuer.clone(),
            aud: serde_json::Value::String(self.audience.clone()),
            jti: uuid::Uuid::new_v4().to_string(),
            ver: Some(who.version),
        };
        let token =
            encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| {
                log::error!("cannot sign a token: {e}");
                ApiError::internal()
            })?;
        Ok((token, self.ttl_secs))
    }

    /// Verifies the token as [`Self::verify`] does, then what its claims say: no NUL character
    /// (they reach the audit trail) and roles that the organisation kind can hold.
    pub fn verify_claims(&self, token: &str) -> ApiResult<Claims> {
        let claims = self.verify(token)?;
        if vigie_domain::has_nul(&claims.sub)
            || vigie_domain::has_nul(&claims.org)
            || vigie_domain::has_nul(&claims.jti)
        {
            return Err(ApiError::unauthorized(
                "invalid_token",
                "the bearer token is not valid: a claim contains the NUL character",
            ));
        }
        // An identity provider may be configured loosely: roles that the organisation kind cannot
        // hold make the token invalid rather than half-trusted.
        vigie_domain::organisation::validate_roles(claims.org_kind, &claims.roles).map_err(
            |e| {
                ApiError::unauthorized(
                    "invalid_token",
                    format!("the bearer token is not valid: {e}"),
                )
            },
        )?;
        Ok(claims)
    }

    /// Verifies signature, algorithm, expiry, issuer and audience. Only HS256 (our own) and the
    /// external provider's one algorithm are accepted: `alg: none` and algorithm confusion fail here.
    pub fn verify(&self, token: &str) -> ApiResult<Claims> {
        let bad = |why: &str| {
            ApiError::unauthorized(
                "invalid_token",
                format!("the bearer token is not valid: {why}"),
            )
        };
        let header = decode_header(token).map_err(|_| bad("malformed"))?;
        let (key, algorithm, issuer) = match (header.alg, &self.external) {
            (Algorithm::HS256, _) => (&self.decoding, Algorithm::HS256, self.issuer.as_str()),
            (alg, Some(ext)) if alg == ext.algorithm => {
                (&ext.key, ext.algorithm, ext.issuer.as_str())
            }
            _ => return Err(bad("unsupported signing algorithm")),
        };
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        // A token is not valid before its `nbf` either (same 5 s of clock leeway).
        validation.validate_nbf = true;
        decode::<Claims>(token, key, &validation)
            .map(|d| d.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => bad("expired"),
                    ErrorKind::InvalidIssuer => bad("wrong issuer"),
                    ErrorKind::InvalidAudience => bad("wrong audience"),
                    ErrorKind::InvalidSignature => bad("bad signature"),
                    ErrorKind::Json(_) | ErrorKind::MissingRequiredClaim(_) => {
                        bad("missing or malformed claims")
                    }
                    _ => bad("rejected"),
                }
            })
    }
}

/// The authenticated caller, as the use cases take it. Extracting it checks the token and the
/// caller's rate limit.
#[derive(Debug, Clone)]
pub struct Caller(pub vigie_app::Caller);

impl std::ops::Deref for Caller {
    type Target = vigie_app::Caller;
    fn deref(&self) -> &vigie_app::Caller {
        &self.0
    }
}

impl Caller {
    /// The caller, for a use case.
    pub fn into_inner(self) -> vigie_app::Caller {
        self.0
    }

    /// The bearer token's verified claims (signature, expiry, issuer, audience, roles), before the
    /// revocation check.
    pub fn verified_claims(req: &HttpRequest) -> ApiResult<Claims> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(ApiError::internal)?;
        let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized(
                "missing_token",
                "an `Authorization: Bearer <token>` header is required",
            )
        })?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "invalid_token",
                    "the Authorization header must be `Bearer <token>`",
                )
            })?;
        state.tokens.verify_claims(token)
    }

    /// The caller of a request, for handlers that authenticate only when asked to.
    pub async fn of(req: &HttpRequest) -> ApiResult<Self> {
        Self::from_request_async(req.clone()).await
    }

    async fn from_request_async(req: HttpRequest) -> ApiResult<Self> {
        if let Some(c) = req.extensions().get::<Caller>() {
            return Ok(c.clone());
        }
        let state = req
            .app_data::<web::Data<AppState>>()
            .ok_or_else(ApiError::internal)?
            .clone();
        let claims = Self::verified_claims(&req)?;
        // Revoked tokens (deactivated account or organisation, roles or secret changed, explicit
        // revoke) are refused here, from this process's copy of the revocations.
        vigie_app::revocation::admit(&state.app, &claims.facts()).await?;
        // Where the caller stands against its rate limit, for the `RateLimit` headers of the answer
        // (the 429 included).
        match state.rate_limiter.check(&claims.sub) {
            Ok(Some(rate)) => {
                req.extensions_mut().insert(rate);
            }
            Ok(None) => {}
            Err(e) => {
                if let Some(rate) = state.rate_limiter.exhausted(e.retry_after.unwrap_or(1)) {
                    req.extensions_mut().insert(rate);
                }
                return Err(e);
            }
        }
        let request_id = req.extensions().get::<String>().cloned();
        let purpose = purpose_of(&req)?;
        let caller = Caller(vigie_app::Caller {
            sub: claims.sub,
            org_id: claims.org,
            org_kind: claims.org_kind,
            roles: claims.roles,
            request_id,
            purpose,
        });
        req.extensions_mut().insert(caller.clone());
        Ok(caller)
    }
}

/// The `Vigie-Purpose` header: why the caller reads personal offence data (the access journal
/// records it). Absent is fine here; the reads that need one refuse without it.
fn purpose_of(req: &HttpRequest) -> ApiResult<Option<vigie_domain::journal::Purpose>> {
    let Some(v) = req.headers().get("vigie-purpose") else {
        return Ok(None);
    };
    let names = || {
        vigie_domain::journal::Purpose::ALL
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    v.to_str()
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_purpose",
                format!("Vigie-Purpose is one of: {}", names()),
            )
        })
}

impl Claims {
    /// What the revocation check reads.
    pub fn facts(&self) -> vigie_app::revocation::TokenFacts<'_> {
        vigie_app::revocation::TokenFacts {
            sub: &self.sub,
            org_id: &self.org,
            version: self.ver,
            issued_at: self.iat,
            jti: &self.jti,
            expires_at: self.exp,
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Self::from_request_async(req.clone()))
    }
}
