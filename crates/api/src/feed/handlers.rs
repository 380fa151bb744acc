//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, web};
use vigie_app::feed;

use super::dto::*;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{Page, decode_cursor, encode_cursor};
use crate::responses::*;
use crate::state::AppState;

/// Read the change feed
///
/// The changes the caller may see, in order: a bailleur's correspondent and integration its own; the
/// police correspondent what was shared with or lodged at its circonscription; the parquet what was
/// sent to it. Page with `cursor=next_cursor` (or the `Link: rel="next"` header) while more events
/// wait; then keep `resume_cursor` and poll with `cursor=` it later. Restricted events (the
/// préfecture's bans and injunctions) reach the correspondents only.
#[utoipa::path(
    tag = "events", operation_id = "readEvents",
    params(FeedQuery),
    responses((status = 200, description = "The next events", body = FeedPage,
        headers(("Link" = String, description = "`<...>; rel=\"next\"` while more events wait"))),
        AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/events")]
pub async fn read_events(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<FeedQuery>,
) -> ApiResult<HttpResponse> {
    let q = q.into_inner();
    let position = |raw: &str, field: &str| {
        raw.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::invalid_field(
                field,
                "invalid_cursor",
                "pass the next_cursor or resume_cursor of a previous answer",
            )
        })
    };
    let after = match (&q.cursor, &q.after) {
        (Some(c), _) => position(&decode_cursor(c)?, "cursor")?,
        (None, Some(a)) => position(a, "after")?,
        (None, None) => 0,
    };
    let limit = q.limit.unwrap_or(feed::DEFAULT_FEED_LIMIT);
    let listed = feed::read_events(&state.app, caller.into_inner(), after, limit).await?;
    let resume = listed.items.last().map_or(after, |e| e.seq);
    let page = Page::of(&req, listed, |e| e.seq.to_string());
    Ok(page.ok().json(FeedPage {
        items: page.items,
        next_cursor: page.next_cursor,
        next: page.next,
        resume_cursor: encode_cursor(&resume.to_string()),
    }))
}
