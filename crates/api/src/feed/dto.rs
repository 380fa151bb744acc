//! The wire types of the feed: the common page with cursor, plus the position to resume from.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use vigie_app::feed::Event;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `next_cursor` (more now) or `resume_cursor` (later) of a previous answer; absent: from the
    /// beginning.
    #[param(max_length = 512, example = "MTA0Mg")]
    pub cursor: Option<String>,
    /// Deprecated: the `seq` of the last event read (a plain number). Use `cursor`.
    #[param(max_length = 20, pattern = "^[0-9]{1,19}$", example = "1042")]
    pub after: Option<String>,
    /// At most this many events, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000, example = 100)]
    pub limit: Option<u32>,
}

/// A page of the feed: the common page (`items`, `next_cursor` and `next` while more events wait
/// right now) and `resume_cursor`, the position to poll from later, present on every page.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"seq": 1043, "id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0f", "type": "incident.created",
    "resource_type": "incident", "resource_id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0e", "data": {"status": "reported", "version": 1},
    "occurred_at": "2026-11-28T08:05:00.000000Z"}], "resume_cursor": "MTA0Mw"}))]
pub struct FeedPage {
    pub items: Vec<Event>,
    /// Cursor of the next page; absent when no more events wait now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 512)]
    pub next_cursor: Option<String>,
    /// Link to the next page; absent when no more events wait now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2048)]
    pub next: Option<String>,
    /// Where to poll from next time (`?cursor=`): after the last event of this page, or where you
    /// asked from when nothing is new. Keep it: the feed is never finished.
    #[schema(max_length = 512)]
    pub resume_cursor: String,
}
