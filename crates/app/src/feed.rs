//! `GET /events`: the change feed for ERPs that poll. Ordered, gap-free and resumable: keep
//! `next_cursor` and ask again with `?after=` it; an event is never inserted before one already read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_store::events::{self as repo, FeedScope};

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::policy;

/// Every event type the feed carries (webhook subscriptions filter on them).
pub const EVENT_TYPES: &[&str] = &[
    "incident.created",
    "incident.updated",
    "incident.qualified",
    "incident.status_changed",
    "pv.transmitted",
    "complaint.filed",
    "complaint.registered",
    "complaint.transmitted_to_parquet",
    "complaint.oriented",
    "complaint.summons_scheduled",
    "complaint.measure_recorded",
    "complaint.tadpr_outcome",
    "complaint.closed",
];

pub const DEFAULT_FEED_LIMIT: u32 = 100;
pub const MAX_FEED_LIMIT: u32 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `next_cursor` of the previous answer; absent: from the beginning.
    #[param(example = "1042")]
    pub after: Option<String>,
    /// At most this many events, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

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
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"seq": 1043, "id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0f", "type": "incident.created",
    "resource_type": "incident", "resource_id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0e", "data": {"status": "reported", "version": 1},
    "occurred_at": "2026-11-28T08:05:00Z"}], "next_cursor": "1043", "has_more": false}))]
pub struct FeedPage {
    pub items: Vec<Event>,
    /// Where to resume: always present (the `after` you sent when nothing is new).
    pub next_cursor: String,
    /// More events wait right now: ask again at once.
    pub has_more: bool,
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
/// sent to it. Resume with `after=next_cursor`.
pub async fn read_events(app: &App, caller: Caller, q: FeedQuery) -> AppResult<FeedPage> {
    let limit = match q.limit {
        None => DEFAULT_FEED_LIMIT,
        Some(n @ 1..=MAX_FEED_LIMIT) => n,
        Some(_) => {
            return Err(AppError::invalid_field(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_FEED_LIMIT}"),
            ));
        }
    };
    let after: i64 = match q.after.as_deref() {
        None => 0,
        Some(a) => a.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
            AppError::invalid_field(
                "after",
                "invalid_cursor",
                "pass the next_cursor of a previous answer",
            )
        })?,
    };
    let rows = app
        .db(move |conn| {
            let scope = scope(conn, &caller)?;
            Ok(repo::list(conn, &scope, after, i64::from(limit) + 1)?)
        })
        .await?;
    let has_more = rows.len() > limit as usize;
    let items: Vec<Event> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| Event {
            seq: r.seq,
            data: serde_json::from_str(&r.data).unwrap_or(serde_json::Value::Null),
            id: r.id,
            event_type: r.event_type,
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            occurred_at: r.created_at.and_utc(),
        })
        .collect();
    let next_cursor = items.last().map_or(after, |e| e.seq).to_string();
    Ok(FeedPage {
        items,
        next_cursor,
        has_more,
    })
}
