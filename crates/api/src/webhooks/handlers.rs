//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use vigie_app::webhooks;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{IdempotencyKey, Valid, created_response, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Subscribe to events
///
/// Deliveries are `POST` requests with the event as JSON, signed twice with HMAC-SHA256:
/// - Vigie's scheme: `Vigie-Signature: t=<unix seconds>,v1=<hex HMAC of "<t>.<body>">`;
/// - Standard Webhooks (standardwebhooks.com, for its libraries): `webhook-id` (the event id),
///   `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC of "<id>.<t>.<body>">`, checked
///   with `standard_secret`.
///
/// Refuse a delivery whose timestamp is more than 300 seconds from your clock (replays). During a
/// rotation's grace period each header carries one signature per secret: accept any that matches.
/// `Vigie-Event-Id` is the same on every retry: de-duplicate with it. A non-2xx answer or no answer
/// in 10 s is retried with jittered exponential backoff for at least 24 hours. Only events recorded
/// after the subscription are delivered. The organisation's admin or integration.
#[utoipa::path(
    tag = "webhooks", operation_id = "createWebhook",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateSubscription,
    responses((status = 201, description = "Created; the secret is shown only now", body = Subscription, headers(("ETag" = String), ("Location" = String))), AuthErrors, BodyErrors),
    security(("bearer" = []))
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Valid(body): Valid<CreateSubscription>,
) -> ApiResult<HttpResponse> {
    let r = webhooks::create_webhook(&state.app, caller.into_inner(), key.0, body).await?;
    Ok(created_response(r.location, r.version, r.replayed, &r.body))
}

/// List the organisation's webhooks
///
/// The caller's organisation's subscriptions (never their secrets); keyset-paginated.
#[utoipa::path(
    tag = "webhooks", operation_id = "listWebhooks",
    params(PageQuery),
    responses((status = 200, description = "One page", body = Page<Subscription>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = webhooks::list_webhooks(&state.app, caller.into_inner(), page.request()?).await?;
    Ok(Page::respond(&req, r, |r| r.id.clone()))
}

/// Change a webhook
///
/// Changes a subscription's URL (checked by the target policy: 422 `target_not_allowed`), event
/// types or active flag. Send `If-Match`.
#[utoipa::path(
    tag = "webhooks", operation_id = "updateWebhook",
    params(("id" = String, Path, description = "Subscription id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = UpdateSubscription,
    responses((status = 200, description = "Updated", body = Subscription, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Stale),
    security(("bearer" = []))
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(body): Valid<UpdateSubscription>,
) -> ApiResult<HttpResponse> {
    let r = webhooks::update_webhook(
        &state.app,
        caller.into_inner(),
        if_match(&req)?,
        id.into_inner(),
        body,
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Rotate a webhook's secret
///
/// Replaces the signing secret and answers the new one (shown only now). For `grace_hours` (default
/// 24, at most 168) the previous secret still signs every delivery beside the new one, so the
/// receiver can switch without refusing any. Send `If-Match`. The organisation's admin or
/// integration.
#[utoipa::path(
    tag = "webhooks", operation_id = "rotateWebhookSecret",
    params(("id" = String, Path, description = "Subscription id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = RotateSecret,
    responses((status = 200, description = "Rotated; the new secret is shown only now", body = Subscription, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Stale),
    security(("bearer" = []))
)]
#[post("/webhooks/{id}/secret-rotation")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(body): Valid<RotateSecret>,
) -> ApiResult<HttpResponse> {
    let r = webhooks::rotate_secret(
        &state.app,
        caller.into_inner(),
        if_match(&req)?,
        id.into_inner(),
        body,
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}

/// A webhook's delivery log
///
/// Each delivery of the subscription with its status, attempts, next attempt and a generic reason
/// for the last failure (`timeout`, `refused: …`, `status N`).
#[utoipa::path(
    tag = "webhooks", operation_id = "listWebhookDeliveries",
    params(("id" = String, Path, description = "Subscription id"), PageQuery),
    responses((status = 200, description = "One page", body = Page<Delivery>), AuthErrors, NotFound, QueryErrors),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = webhooks::list_deliveries(
        &state.app,
        caller.into_inner(),
        id.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |r| r.id.clone()))
}

/// Deliver again
///
/// Puts a delivery back in the queue (whatever its status); the worker sends it at once.
#[utoipa::path(
    tag = "webhooks", operation_id = "redeliverWebhook",
    params(("id" = String, Path, description = "Subscription id"), ("delivery_id" = String, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued", body = Delivery), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redelivery")]
pub async fn redeliver(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let r = webhooks::redeliver(&state.app, caller.into_inner(), path.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(r))
}

/// Read a webhook
///
/// A subscription of the caller's organisation (where `POST /webhooks` points), never its secret;
/// with its ETag.
#[utoipa::path(
    tag = "webhooks", operation_id = "getWebhook",
    params(("id" = String, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription", body = Subscription, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = webhooks::get_webhook(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}
