//! `/webhooks`: an organisation's subscriptions to the change feed, and their delivery log. The
//! deliveries themselves are made by the server's worker (`vigie::webhooks`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;
use vigie_store::DbConn;
use vigie_store::webhooks::{self as repo, DeliveryRow, SubscriptionRow};

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::feed::EVENT_TYPES;
use crate::idempotency::{self, Answer, Created};
use crate::page::{Listed, PageRequest, fetch_size, views_of};
use crate::policy;
use crate::webhook_target;

#[derive(Debug, Serialize, ToSchema)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    /// Event types delivered; empty: all the organisation may see.
    pub event_types: Vec<String>,
    pub active: bool,
    /// Shown only in the answers that create the subscription or rotate its secret: check
    /// `Vigie-Signature` with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub secret: Option<String>,
    /// The same secret as Standard Webhooks libraries take it (`whsec_` and base64): check
    /// `webhook-signature` with it. Shown with `secret` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 300)]
    pub standard_secret: Option<String>,
    /// After a rotation: until then, the previous secret still signs beside the new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub version: i64,
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "vigie_domain::timestamp")]
    pub updated_at: DateTime<Utc>,
}

fn view(row: SubscriptionRow, with_secret: bool) -> AppResult<Subscription> {
    let now = vigie_store::now();
    Ok(Subscription {
        event_types: row.event_types()?,
        standard_secret: with_secret.then(|| crate::deliveries::standard_secret(&row.secret)),
        secret: with_secret.then_some(row.secret),
        previous_secret_expires_at: row
            .previous_secret_expires_at
            .filter(|until| *until > now)
            .map(|t| t.and_utc()),
        id: row.id,
        url: row.url,
        active: row.active,
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

/// Refuses a URL that the delivery policy would refuse (see [`webhook_target`]), including a name
/// that resolves now to an address inside. A name that does not resolve yet is accepted: it is
/// checked again at each delivery.
async fn check_url(app: &App, url: &str) -> AppResult<()> {
    let allow_private = app.security.webhook_allow_private;
    let refuse = |r: webhook_target::Refusal| AppError::invalid_field("url", r.code(), r.message());
    let parsed = webhook_target::check_url(url, allow_private).map_err(refuse)?;
    if let Some(url::Host::Domain(name)) = parsed.host() {
        let port = parsed.port_or_known_default().unwrap_or(443);
        let lookup = tokio::net::lookup_host((name.to_owned(), port));
        if let Ok(Ok(addrs)) = tokio::time::timeout(std::time::Duration::from_secs(3), lookup).await
        {
            for addr in addrs {
                webhook_target::check_ip(addr.ip(), allow_private).map_err(refuse)?;
            }
        }
    }
    Ok(())
}

fn check_types(types: &[String]) -> AppResult<()> {
    for (i, t) in types.iter().enumerate() {
        if !EVENT_TYPES.contains(&t.as_str()) {
            return Err(AppError::invalid_field(
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
    #[schema(max_length = 64, max_items = 50)]
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
pub async fn create_webhook(
    app: &App,
    caller: Caller,
    key: Option<String>,
    body: CreateSubscription,
) -> AppResult<Answer> {
    policy::manage_webhooks(&caller)?;
    check_url(app, &body.url).await?;
    check_types(&body.event_types)?;
    let actor = caller.actor();
    let org_id = caller.org_id.clone();
    let by = caller.sub.clone();
    let request = serde_json::to_value(&body).map_err(|_| AppError::internal())?;
    idempotency::create_once(app, caller.sub.clone(), key, &request, move |conn| {
        let at = vigie_store::now();
        let row = SubscriptionRow {
            id: vigie_store::new_id(),
            org_id,
            url: body.url,
            event_types: serde_json::to_string(&body.event_types)
                .map_err(|_| AppError::internal())?,
            secret: body
                .secret
                .unwrap_or_else(|| vigie_store::credentials::random_token(32)),
            active: true,
            last_enqueued_seq: 0,
            previous_secret: None,
            previous_secret_expires_at: None,
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
pub async fn list_webhooks(
    app: &App,
    caller: Caller,
    page: PageRequest,
) -> AppResult<Listed<Subscription>> {
    policy::manage_webhooks(&caller)?;
    let limit = page.limit;
    let after = page.after.clone();
    let rows = app
        .db(move |conn| {
            Ok(repo::list_subscriptions(
                conn,
                &caller.org_id,
                after.as_deref(),
                fetch_size(limit),
            )?)
        })
        .await?;
    views_of(rows, limit, |r| view(r, false))
}

/// Read a webhook
pub async fn get_webhook(app: &App, caller: Caller, id: String) -> AppResult<Subscription> {
    app.db(move |conn| view(own(conn, &caller, &id)?, false))
        .await
}

fn own(conn: &mut DbConn, caller: &Caller, id: &str) -> AppResult<SubscriptionRow> {
    policy::manage_webhooks(caller)?;
    repo::get_subscription(conn, id)?
        .filter(|s| s.org_id == caller.org_id)
        .ok_or_else(AppError::not_found)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UpdateSubscription {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 64, max_items = 50)]
    pub event_types: Option<Vec<String>>,
    /// Pause (false) or resume (true) deliveries; events recorded while paused are delivered on
    /// resuming.
    pub active: Option<bool>,
}

/// Change a webhook
pub async fn update_webhook(
    app: &App,
    caller: Caller,
    expected_version: Option<i64>,
    id: String,
    body: UpdateSubscription,
) -> AppResult<Subscription> {
    let expected = expected_version;
    if let Some(u) = &body.url {
        check_url(app, u).await?;
    }
    if let Some(t) = &body.event_types {
        check_types(t)?;
    }
    let actor = caller.actor();
    app.tx(move |conn| {
        let mut row = own(conn, &caller, &id)?;
        if let Some(u) = body.url {
            row.url = u;
        }
        if let Some(t) = body.event_types {
            row.event_types = serde_json::to_string(&t).map_err(|_| AppError::internal())?;
        }
        if let Some(a) = body.active {
            row.active = a;
        }
        let action = "webhook_subscription.updated";
        view(
            repo::save_subscription(conn, &actor, row, expected, action)?,
            false,
        )
    })
    .await
}

/// How long the previous secret signs after a rotation, by default and at most.
pub const DEFAULT_SECRET_GRACE_HOURS: u32 = 24;
pub const MAX_SECRET_GRACE_HOURS: u32 = 168;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grace_hours": 24}))]
pub struct RotateSecret {
    /// Your own new secret (32 to 200 characters); one is generated when absent.
    #[validate(length(min = 32, max = 200))]
    #[schema(min_length = 32, max_length = 200)]
    pub secret: Option<String>,
    /// Hours during which the previous secret still signs beside the new one, 0 to 168
    /// (default 24): time to deploy the new secret on the receiver.
    #[validate(range(max = 168))]
    #[schema(minimum = 0, maximum = 168)]
    pub grace_hours: Option<u32>,
}

/// Rotate a webhook's secret
pub async fn rotate_secret(
    app: &App,
    caller: Caller,
    expected_version: Option<i64>,
    id: String,
    body: RotateSecret,
) -> AppResult<Subscription> {
    let grace = body.grace_hours.unwrap_or(DEFAULT_SECRET_GRACE_HOURS);
    let actor = caller.actor();
    app.tx(move |conn| {
        let mut row = own(conn, &caller, &id)?;
        let new = body
            .secret
            .unwrap_or_else(|| vigie_store::credentials::random_token(32));
        let previous = std::mem::replace(&mut row.secret, new);
        (row.previous_secret, row.previous_secret_expires_at) = if grace == 0 {
            (None, None)
        } else {
            let until = vigie_store::now() + chrono::Duration::hours(i64::from(grace));
            (Some(previous), Some(until))
        };
        let action = "webhook_subscription.secret_rotated";
        view(
            repo::save_subscription(conn, &actor, row, expected_version, action)?,
            true,
        )
    })
    .await
}

/// Every status a delivery takes (declared in the contract as the closed set of `Delivery.status`).
pub const DELIVERY_STATUSES: &[&str] = &["pending", "delivered", "failed"];

#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub id: String,
    pub event_seq: i64,
    /// `pending`, `delivered`, or `failed` (gave up after the retry window).
    pub status: String,
    pub attempts: i64,
    #[serde(with = "vigie_domain::timestamp")]
    pub next_attempt_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub delivered_at: Option<DateTime<Utc>>,
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
}

fn delivery_view(d: DeliveryRow) -> AppResult<Delivery> {
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
pub async fn list_deliveries(
    app: &App,
    caller: Caller,
    id: String,
    page: PageRequest,
) -> AppResult<Listed<Delivery>> {
    let limit = page.limit;
    let after = page.after.clone();
    let rows = app
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
    views_of(rows, limit, delivery_view)
}

/// Deliver again
///
/// Puts a delivery back in the queue (whatever its status); the worker sends it at once.
pub async fn redeliver(app: &App, caller: Caller, path: (String, String)) -> AppResult<Delivery> {
    let (id, delivery_id) = path;
    app.tx(move |conn| {
        let sub = own(conn, &caller, &id)?;
        let d = repo::get_delivery(conn, &delivery_id)?
            .filter(|d| d.subscription_id == sub.id)
            .ok_or_else(AppError::not_found)?;
        repo::redeliver(conn, &d.id)?;
        let d = repo::get_delivery(conn, &d.id)?.ok_or_else(AppError::internal)?;
        delivery_view(d)
    })
    .await
}
