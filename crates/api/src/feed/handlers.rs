//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpResponse, get, web};
use vigie_app::feed;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::responses::*;
use crate::state::AppState;

/// Read the change feed
///
/// The changes the caller may see, in order: a bailleur's correspondent and integration its own; the
/// police correspondent what was shared with or lodged at its circonscription; the parquet what was
/// sent to it. Resume with `after=next_cursor`.
#[utoipa::path(
    tag = "events", operation_id = "readEvents",
    params(FeedQuery),
    responses((status = 200, description = "The next events", body = FeedPage), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/events")]
pub async fn read_events(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<FeedQuery>,
) -> ApiResult<HttpResponse> {
    let r = feed::read_events(&state.app, caller.into_inner(), q.into_inner()).await?;
    Ok(HttpResponse::Ok().json(r))
}
