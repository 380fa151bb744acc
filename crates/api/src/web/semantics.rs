//! HTTP as clients and proxies expect it, for every route at once: `HEAD` answers what `GET` would
//! without the body, a `GET` whose `If-None-Match` names the current `ETag` is a `304` without the
//! body (RFC 9110 §9.3.2 and §13.1.2), and an authenticated answer says where the caller stands
//! against its rate limit (`RateLimit-Policy`, `RateLimit`).

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;

/// Whether an `If-None-Match` value names `etag` (or is `*`); weak comparison, as RFC 9110 says.
fn matches(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

pub async fn head_and_conditional_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut res = next.call(req).await?.map_into_boxed_body();
    // The caller's rate limit, as the authentication left it (draft-ietf-httpapi-ratelimit-headers).
    let rate = res
        .request()
        .extensions()
        .get::<crate::rate_limit::RateState>()
        .copied();
    if let Some(rate) = rate {
        let (policy, state): (String, String) = rate.headers();
        for (name, value) in [("ratelimit-policy", policy), ("ratelimit", state)] {
            if let Ok(v) = header::HeaderValue::from_str(&value) {
                res.headers_mut()
                    .insert(header::HeaderName::from_static(name), v);
            }
        }
    }
    let etag = res
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let not_modified = res.status() == StatusCode::OK
        && matches!((&if_none_match, &etag), (Some(inm), Some(e)) if matches(inm, e));
    if not_modified {
        let (req, mut res) = res.into_parts();
        *res.status_mut() = StatusCode::NOT_MODIFIED;
        res.headers_mut().remove(header::CONTENT_TYPE);
        res.headers_mut().remove(header::CONTENT_LENGTH);
        let res = res.set_body(BoxBody::new(()));
        return Ok(ServiceResponse::new(req, res));
    }
    if head {
        let (req, res) = res.into_parts();
        let res = res.set_body(BoxBody::new(()));
        return Ok(ServiceResponse::new(req, res));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        assert!(matches("\"v3\"", "\"v3\""));
        assert!(matches("W/\"v3\"", "\"v3\""));
        assert!(matches("\"v1\", \"v3\"", "\"v3\""));
        assert!(matches("*", "\"v3\""));
        assert!(!matches("\"v2\"", "\"v3\""));
    }
}
