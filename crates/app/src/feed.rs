//! The change feed for ERPs that poll. Ordered, gap-free and resumable: an event is never inserted
//! before one already read, so a reader that keeps its position misses nothing.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use vigie_store::events::{self as repo, FeedScope};

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::page::{Listed, fetch_size, views_of};
use crate::policy;

/// Every event type the feed carries (webhook subscriptions filter on them).
pub const EVENT_TYPES: &[&str] = &[
    "incident.created",
    "incident.updated",
    "incident.qualified",
    "incident.status_changed",
    "incident.prescription_due",
    "incident.anonymised",
    "pv.transmitted",
    "pv.anonymised",
    "complaint.filed",
    "complaint.registered",
    "complaint.transmitted_to_parquet",
    "complaint.oriented",
    "complaint.summons_scheduled",
    "complaint.measure_recorded",
    "complaint.tadpr_outcome",
    "complaint.closed",
    "complaint.anonymised",
    "sworn_agent.anonymised",
];

/// The event types of the préfecture's procedures: restricted to the correspondents' feed (never
/// a webhook, so no subscription names them).
pub const RESTRICTED_EVENT_TYPES: &[&str] = &[
    "ban.issued",
    "ban.acknowledged",
    "injunction.issued",
    "injunction.accepted",
    "injunction.refused",
    "injunction.action_brought",
    "injunction.substituted",
    "injunction.deadline_approaching",
    "injunction.anonymised",
    "ban.anonymised",
];

/// Whether the feed can carry this event type.
pub fn is_event_type(t: &str) -> bool {
    EVENT_TYPES.contains(&t) || RESTRICTED_EVENT_TYPES.contains(&t)
}

pub const DEFAULT_FEED_LIMIT: u32 = 100;
pub const MAX_FEED_LIMIT: u32 = 1000;

#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    /// Position in the feed (increasing, shared by every reader).
    pub seq: i64,
    /// Stable id: an event delivered twice has the same id.
    pub id: String,
    /// `incident.created`, `incident.updated`, `incident.qualified`, `incident.status_changed`,
    /// `pv.transmitted`, `complaint.filed`, `complaint.registered`, `complaint.oriented`,
    /// `complaint.tadpr_outcome`, `complaint.closed`...
    #[serde(rename = "type")]
    pub event_type: String,
    pub resource_type: String,
    pub resource_id: String,
    /// A summary (status, version...); read the resource for the rest.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    #[serde(with = "vigie_domain::timestamp")]
    pub occurred_at: DateTime<Utc>,
}

fn scope(conn: &mut vigie_store::DbConn, caller: &Caller) -> AppResult<FeedScope> {
    policy::feed_reader(caller)?;
    // Restricted events (radicalisation signals, injunctions, bans) reach the correspondents only.
    FeedScope::of_org(
        conn,
        &caller.org_id,
        caller.has_any(&[
            vigie_domain::Role::Correspondent,
            vigie_domain::Role::PoliceCorrespondent,
        ]),
    )?
    .ok_or_else(|| AppError::forbidden("this organisation reads no change feed"))
}

/// Read the change feed
///
/// The changes the caller may see, in order: a bailleur's correspondent and integration its own; the
/// police correspondent what was shared with or lodged at its circonscription; the parquet what was
/// sent to it. At most `limit` (1 to [`MAX_FEED_LIMIT`]) events after the position `after` (0: from
/// the beginning), and whether more wait right now.
pub async fn read_events(
    app: &App,
    caller: Caller,
    after: i64,
    limit: u32,
) -> AppResult<Listed<Event>> {
    if !(1..=MAX_FEED_LIMIT).contains(&limit) {
        return Err(AppError::invalid_field(
            "limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_FEED_LIMIT}"),
        ));
    }
    if after < 0 {
        return Err(AppError::invalid_field(
            "cursor",
            "invalid_cursor",
            "pass the next_cursor or resume_cursor of a previous answer",
        ));
    }
    let rows = app
        .db(move |conn| {
            let scope = scope(conn, &caller)?;
            Ok(repo::list(conn, &scope, after, fetch_size(limit))?)
        })
        .await?;
    views_of(rows, limit, |r| {
        Ok(Event {
            seq: r.seq,
            data: serde_json::from_str(&r.data).unwrap_or(serde_json::Value::Null),
            id: r.id,
            event_type: r.event_type,
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            occurred_at: r.created_at.and_utc(),
        })
    })
}
