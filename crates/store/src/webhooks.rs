//! Webhook subscriptions and deliveries. The change feed is the outbox: [`enqueue`] turns new events
//! a subscription may see into deliveries, [`claim_due`] hands due deliveries to one worker at a
//! time (a lease; `SKIP LOCKED` on PostgreSQL), and the worker records each attempt.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Actor, Change};
use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::events::{self, EventRow, FeedScope};
use crate::schema::{event_counter, events as events_t, webhook_deliveries, webhook_subscriptions};
use crate::{new_id, now};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: String,
    pub org_id: String,
    pub url: String,
    /// JSON array of event types; empty: all.
    pub event_types: String,
    #[serde(skip)]
    pub secret: String,
    pub active: bool,
    /// The last feed position turned into deliveries.
    pub last_enqueued_seq: i64,
    /// After a rotation, the secret that still signs beside the new one until it expires.
    #[serde(skip)]
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<NaiveDateTime>,
    pub created_by: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl SubscriptionRow {
    pub fn event_types(&self) -> StoreResult<Vec<String>> {
        crate::error::decode_json(
            &format!("webhook {}: event_types", self.id),
            &self.event_types,
        )
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub subscription_id: String,
    pub event_seq: i64,
    /// `pending`, `delivered`, or `failed` (gave up after the retry window).
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

fn audited(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    row: &SubscriptionRow,
) -> StoreResult<()> {
    audit::record(
        conn,
        actor,
        Change {
            action,
            resource_type: "webhook_subscription",
            resource_id: &row.id,
            org_id: Some(&row.org_id),
            state: row,
        },
    )
}

/// A new subscription receives the events recorded after it.
pub fn create_subscription(
    conn: &mut DbConn,
    actor: &Actor,
    mut row: SubscriptionRow,
) -> StoreResult<SubscriptionRow> {
    row.last_enqueued_seq = event_counter::table
        .find(1i64)
        .select(event_counter::last_seq)
        .first(conn)?;
    diesel::insert_into(webhook_subscriptions::table)
        .values(&row)
        .execute(conn)?;
    audited(conn, actor, "webhook_subscription.created", &row)?;
    Ok(row)
}

pub fn get_subscription(conn: &mut DbConn, id: &str) -> StoreResult<Option<SubscriptionRow>> {
    Ok(webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_subscriptions(
    conn: &mut DbConn,
    org_id: &str,
    after_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<SubscriptionRow>> {
    let mut q = webhook_subscriptions::table
        .filter(webhook_subscriptions::org_id.eq(org_id))
        .select(SubscriptionRow::as_select())
        .into_boxed();
    if let Some(a) = after_id {
        q = q.filter(webhook_subscriptions::id.gt(a));
    }
    Ok(q.order(webhook_subscriptions::id.asc())
        .limit(limit)
        .load(conn)?)
}

/// Writes a changed subscription (url, types, active, secrets) under its version; audits `action`.
pub fn save_subscription(
    conn: &mut DbConn,
    actor: &Actor,
    mut row: SubscriptionRow,
    expected: Option<i64>,
    action: &str,
) -> StoreResult<SubscriptionRow> {
    let current = row.version;
    crate::error::check_version(expected, current)?;
    row.version = current + 1;
    row.updated_at = now();
    let n = diesel::update(
        webhook_subscriptions::table
            .find(&row.id)
            .filter(webhook_subscriptions::version.eq(current)),
    )
    .set((
        webhook_subscriptions::url.eq(&row.url),
        webhook_subscriptions::event_types.eq(&row.event_types),
        webhook_subscriptions::active.eq(row.active),
        webhook_subscriptions::secret.eq(&row.secret),
        webhook_subscriptions::previous_secret.eq(&row.previous_secret),
        webhook_subscriptions::previous_secret_expires_at.eq(row.previous_secret_expires_at),
        webhook_subscriptions::version.eq(row.version),
        webhook_subscriptions::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)?;
    audited(conn, actor, action, &row)?;
    Ok(row)
}

/// The ids of active subscriptions (for the worker).
pub fn active_subscription_ids(conn: &mut DbConn) -> StoreResult<Vec<String>> {
    Ok(webhook_subscriptions::table
        .filter(webhook_subscriptions::active.eq(true))
        .select(webhook_subscriptions::id)
        .order(webhook_subscriptions::id.asc())
        .load(conn)?)
}

/// Turns up to `batch` new events that `scope` may see into deliveries of subscription `id`. Run it
/// in a write transaction: the subscription row is locked (PostgreSQL) so that two workers never
/// enqueue the same events; the unique (subscription, event) key backs that up.
pub fn enqueue(conn: &mut DbConn, id: &str, scope: &FeedScope, batch: i64) -> StoreResult<usize> {
    // `as_select()` is typed per backend, hence the query written in each arm.
    let sub: SubscriptionRow = match conn {
        DbConn::Postgres(c) => webhook_subscriptions::table
            .find(id)
            .select(SubscriptionRow::as_select())
            .for_update()
            .first(c)?,
        DbConn::Sqlite(c) => webhook_subscriptions::table
            .find(id)
            .select(SubscriptionRow::as_select())
            .first(c)?,
    };
    if !sub.active {
        return Ok(0);
    }
    let types: Vec<String> = serde_json::from_str(&sub.event_types)
        .map_err(|e| StoreError::Corrupt(format!("webhook event types: {e}")))?;
    let found: Vec<EventRow> = events::list(conn, scope, sub.last_enqueued_seq, batch)?;
    let Some(last) = found.last().map(|e| e.seq) else {
        return Ok(0);
    };
    let at = now();
    let mut n = 0;
    for e in found
        .iter()
        .filter(|e| types.is_empty() || types.contains(&e.event_type))
    {
        let d = DeliveryRow {
            id: new_id(),
            subscription_id: sub.id.clone(),
            event_seq: e.seq,
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: at,
            locked_until: None,
            last_status_code: None,
            last_error: None,
            delivered_at: None,
            created_at: at,
        };
        n += match conn {
            DbConn::Sqlite(c) => diesel::insert_or_ignore_into(webhook_deliveries::table)
                .values(&d)
                .execute(c)?,
            DbConn::Postgres(c) => diesel::insert_into(webhook_deliveries::table)
                .values(&d)
                .on_conflict_do_nothing()
                .execute(c)?,
        };
    }
    diesel::update(webhook_subscriptions::table.find(&sub.id))
        .set(webhook_subscriptions::last_enqueued_seq.eq(last))
        .execute(conn)?;
    Ok(n)
}

/// A delivery claimed by a worker, with what it needs to send it.
pub struct Claimed {
    pub delivery: DeliveryRow,
    pub subscription: SubscriptionRow,
    pub event: EventRow,
}

/// Claims up to `limit` due deliveries for `lease`: they are invisible to other workers until the
/// lease ends or the attempt is recorded. Run it in a write transaction.
pub fn claim_due(
    conn: &mut DbConn,
    lease: chrono::Duration,
    limit: i64,
) -> StoreResult<Vec<Claimed>> {
    let at = now();
    macro_rules! due {
        () => {
            webhook_deliveries::table
                .filter(webhook_deliveries::status.eq("pending"))
                .filter(webhook_deliveries::next_attempt_at.le(at))
                .filter(
                    webhook_deliveries::locked_until
                        .is_null()
                        .or(webhook_deliveries::locked_until.lt(at)),
                )
                .order(webhook_deliveries::next_attempt_at.asc())
                .limit(limit)
                .select(DeliveryRow::as_select())
        };
    }
    // Concurrent workers on PostgreSQL skip the rows another one is claiming instead of waiting;
    // SQLite writers already take turns.
    let due: Vec<DeliveryRow> = match conn {
        DbConn::Postgres(c) => due!().for_update().skip_locked().load(c)?,
        DbConn::Sqlite(c) => due!().load(c)?,
    };
    let mut out = vec![];
    for mut d in due {
        d.locked_until = Some(at + lease);
        diesel::update(webhook_deliveries::table.find(&d.id))
            .set(webhook_deliveries::locked_until.eq(d.locked_until))
            .execute(conn)?;
        let subscription =
            get_subscription(conn, &d.subscription_id)?.ok_or(StoreError::NotFound)?;
        let event = events_t::table
            .find(d.event_seq)
            .select(EventRow::as_select())
            .first(conn)?;
        out.push(Claimed {
            delivery: d,
            subscription,
            event,
        });
    }
    Ok(out)
}

/// What an attempt gave.
pub enum Attempt {
    Delivered {
        status_code: u16,
    },
    /// Failed; retry at `retry_at`, or give up when `None`.
    Failed {
        status_code: Option<u16>,
        error: String,
        retry_at: Option<NaiveDateTime>,
    },
}

pub fn record_attempt(conn: &mut DbConn, delivery_id: &str, attempt: Attempt) -> StoreResult<()> {
    let row = webhook_deliveries::table.find(delivery_id);
    match attempt {
        Attempt::Delivered { status_code } => diesel::update(row)
            .set((
                webhook_deliveries::status.eq("delivered"),
                webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1i64),
                webhook_deliveries::last_status_code.eq(Some(i64::from(status_code))),
                webhook_deliveries::last_error.eq(None::<String>),
                webhook_deliveries::delivered_at.eq(Some(now())),
                webhook_deliveries::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
        Attempt::Failed {
            status_code,
            error,
            retry_at,
        } => diesel::update(row)
            .set((
                webhook_deliveries::status.eq(if retry_at.is_some() {
                    "pending"
                } else {
                    "failed"
                }),
                webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1i64),
                webhook_deliveries::last_status_code.eq(status_code.map(i64::from)),
                webhook_deliveries::last_error.eq(Some(error)),
                webhook_deliveries::next_attempt_at.eq(retry_at.unwrap_or_else(now)),
                webhook_deliveries::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
    };
    Ok(())
}

pub fn get_delivery(conn: &mut DbConn, id: &str) -> StoreResult<Option<DeliveryRow>> {
    Ok(webhook_deliveries::table
        .find(id)
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_deliveries(
    conn: &mut DbConn,
    subscription_id: &str,
    after_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<DeliveryRow>> {
    let mut q = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(a) = after_id {
        q = q.filter(webhook_deliveries::id.gt(a));
    }
    Ok(q.order(webhook_deliveries::id.asc())
        .limit(limit)
        .load(conn)?)
}

/// Sends a delivery again as soon as a worker is free (whatever its status).
pub fn redeliver(conn: &mut DbConn, id: &str) -> StoreResult<()> {
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq("pending"),
            webhook_deliveries::next_attempt_at.eq(now()),
            webhook_deliveries::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}
