//! `/webhooks`: an organisation's subscriptions to the change feed, and their delivery log. The
//! deliveries themselves are made by the server's worker (`vigie::webhooks`).

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;
use vigie_store::DbConn;
use vigie_store::webhooks::{self as repo, DeliveryRow, SubscriptionRow};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::feed::EVENT_TYPES;
use crate::http::{Created, IdempotencyKey, Valid, create_once, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery, fetch_size};
use crate::policy;
use crate::responses::{AuthErrors, BodyErrors, NotFound, QueryErrors, Stale};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    /// Event types delivered; empty: all the organisation may see.
    pub event_types: Vec<String>,
    pub active: bool,
    /// Shown only in the answer that creates the subscription: sign-check deliveries with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(row: SubscriptionRow, with_secret: bool) -> ApiResult<Subscription> {
    Ok(Subscription {
        event_types: serde_json::from_str(&row.event_types).map_err(|_| ApiError::internal())?,
        secret: with_secret.then_some(row.secret),
        id: row.id,
        url: row.url,
        active: row.active,
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

fn check_url(url: &str) -> ApiResult<()> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2000
        && !url.chars().any(char::is_whitespace)
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            "url",
            "invalid_url",
            "an http(s) URL of at most 2000 characters",
        ))
    }
}

fn check_types(types: &[String]) -> ApiResult<()> {
    for (i, t) in types.iter().enumerate() {
        if !EVENT_TYPES.contains(&t.as_str()) {
            return Err(ApiError::invalid_field(
                &format!("event_types[{i}]"),
                "unknown_event_type",
                format!("one of: {}", EVENT_TYPES.join(", ")),
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://erp.bailleur.example/vigie/webhook", "event_types": ["incident.status_changed", "complaint.tadpr_outcome"]}))]
pub struct CreateSubscription {
    #[schema(max_length = 2000)]
    pub url: String,
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub event_types: Vec<String>,
    /// Your own signing secret (32 to 200 characters); one is generated when absent.
    #[validate(length(min = 32, max = 200))]
    #[schema(min_length = 32, max_length = 200)]
    pub secret: Option<String>,
}

/// Subscribe to events
///
/// Deliveries are `POST` requests with the event as JSON, signed with HMAC-SHA256: header
/// `Vigie-Signature: t=<unix seconds>,v1=<hex HMAC of "<t>.<body>" with the secret>`, plus
/// `Vigie-Event-Id` (the same on every retry: de-duplicate with it) and `Vigie-Event-Type`. A non-2xx
/// answer or no answer in 10 s is retried with exponential backoff for at least 24 hours. Only
/// events recorded after the subscription are delivered. The organisation's admin or integration.
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
    policy::manage_webhooks(&caller)?;
    check_url(&body.url)?;
    check_types(&body.event_types)?;
    let actor = caller.actor();
    let org_id = caller.org_id.clone();
    let by = caller.sub.clone();
    let request = serde_json::to_value(&body).map_err(|_| ApiError::internal())?;
    create_once(&state, &caller, key, &request, move |conn| {
        let at = vigie_store::now();
        let row = SubscriptionRow {
            id: vigie_store::new_id(),
            org_id,
            url: body.url,
            event_types: serde_json::to_string(&body.event_types)
                .map_err(|_| ApiError::internal())?,
            secret: body
                .secret
                .unwrap_or_else(|| vigie_store::credentials::random_token(32)),
            active: true,
            last_enqueued_seq: 0,
            created_by: by,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        let row = repo::create_subscription(conn, &actor, row)?;
        Ok(Created {
            location: format!("/api/v1/webhooks/{}", row.id),
            version: row.version,
            body: view(row, true)?,
        })
    })
    .await
}

/// List the organisation's webhooks
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
    policy::manage_webhooks(&caller)?;
    let limit = page.limit()?;
    let after = page.after()?;
    let rows = state
        .db(move |conn| {
            Ok(repo::list_subscriptions(
                conn,
                &caller.org_id,
                after.as_deref(),
                fetch_size(limit),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        &req,
        rows,
        limit,
        |r| r.id.clone(),
        |r| view(r, false),
    )?))
}

fn own(conn: &mut DbConn, caller: &Caller, id: &str) -> ApiResult<SubscriptionRow> {
    policy::manage_webhooks(caller)?;
    repo::get_subscription(conn, id)?
        .filter(|s| s.org_id == caller.org_id)
        .ok_or_else(ApiError::not_found)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UpdateSubscription {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub event_types: Option<Vec<String>>,
    /// Pause (false) or resume (true) deliveries; events recorded while paused are delivered on
    /// resuming.
    pub active: Option<bool>,
}

/// Change a webhook
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
    let expected = if_match(&req)?;
    if let Some(u) = &body.url {
        check_url(u)?;
    }
    if let Some(t) = &body.event_types {
        check_types(t)?;
    }
    let actor = caller.actor();
    let v = state
        .tx(move |conn| {
            let mut row = own(conn, &caller, &id)?;
            if let Some(u) = body.url {
                row.url = u;
            }
            if let Some(t) = body.event_types {
                row.event_types = serde_json::to_string(&t).map_err(|_| ApiError::internal())?;
            }
            if let Some(a) = body.active {
                row.active = a;
            }
            view(repo::save_subscription(conn, &actor, row, expected)?, false)
        })
        .await?;
    Ok(ok_with_etag(&v, v.version))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: String,
    pub event_seq: i64,
    /// `pending`, `delivered`, or `failed` (gave up after the retry window).
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

fn delivery_view(d: DeliveryRow) -> ApiResult<Delivery> {
    Ok(Delivery {
        id: d.id,
        event_seq: d.event_seq,
        status: d.status,
        attempts: d.attempts,
        next_attempt_at: d.next_attempt_at.and_utc(),
        last_status_code: d.last_status_code,
        last_error: d.last_error,
        delivered_at: d.delivered_at.map(|t| t.and_utc()),
        created_at: d.created_at.and_utc(),
    })
}

/// A webhook's delivery log
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
    let limit = page.limit()?;
    let after = page.after()?;
    let rows = state
        .db(move |conn| {
            let sub = own(conn, &caller, &id)?;
            Ok(repo::list_deliveries(
                conn,
                &sub.id,
                after.as_deref(),
                fetch_size(limit),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        &req,
        rows,
        limit,
        |r| r.id.clone(),
        delivery_view,
    )?))
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
    let (id, delivery_id) = path.into_inner();
    let d = state
        .tx(move |conn| {
            let sub = own(conn, &caller, &id)?;
            let d = repo::get_delivery(conn, &delivery_id)?
                .filter(|d| d.subscription_id == sub.id)
                .ok_or_else(ApiError::not_found)?;
            repo::redeliver(conn, &d.id)?;
            let d = repo::get_delivery(conn, &d.id)?.ok_or_else(ApiError::internal)?;
            delivery_view(d)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(d))
}
