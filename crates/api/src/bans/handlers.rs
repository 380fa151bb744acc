//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use vigie_app::bans;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{IdempotencyKey, Valid, created_response, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Ban a person from premises
///
/// A préfecture officer records the ban (art. L.22-11-1 CSI): the person, the landlord's residence
/// (or some of its buildings and common parts), the first and last days (at most one month: 422
/// `ban_too_long`), and the day the procureur was informed (required, on or before the first day:
/// 422 `date_out_of_order`). The landlord's and the circonscription's designated correspondents are
/// notified. Breaching it is the offence `CSI-L22-11-1` of the catalogue. Others 403.
#[utoipa::path(
    tag = "bans", operation_id = "createBan",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateBan,
    responses((status = 201, description = "Created", body = Ban, headers(("ETag" = String), ("Location" = String))), AuthErrors, BodyErrors),
    security(("bearer" = []))
)]
#[post("/bans")]
pub async fn create_ban(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Valid(body): Valid<CreateBan>,
) -> ApiResult<HttpResponse> {
    let r = bans::create_ban(&state.app, caller.into_inner(), key.0, body).await?;
    Ok(created_response(r.location, r.version, r.replayed, &r.body))
}

/// List bans
///
/// The préfecture's officers and the parquet see every ban; a landlord's correspondent those on its
/// premises; the police correspondent those in its circonscription; others 403.
#[utoipa::path(
    tag = "bans", operation_id = "listBans",
    params(BanQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<Ban>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/bans")]
pub async fn list_bans(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<BanQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = bans::list_bans(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |v| v.id.clone()))
}

/// Read a ban
///
/// The ban with its places, dates, the day the procureur was informed and the acknowledgements.
/// 404 for anyone but the préfecture's officers, the landlord's correspondent, the police
/// correspondent of the circonscription and the parquet.
#[utoipa::path(
    tag = "bans", operation_id = "getBan",
    params(("id" = String, Path, description = "Ban id")),
    responses((status = 200, description = "The ban", body = Ban, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/bans/{id}")]
pub async fn get_ban(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = bans::get_ban(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Acknowledge a ban
///
/// The landlord's correspondent and the police correspondent of the circonscription each
/// acknowledge it once (409 `already_acknowledged` the second time); others 403.
#[utoipa::path(
    tag = "bans", operation_id = "acknowledgeBan",
    params(("id" = String, Path, description = "Ban id")),
    responses((status = 200, description = "The ban", body = Ban, headers(("ETag" = String))), AuthErrors, NotFound, Conflict),
    security(("bearer" = []))
)]
#[post("/bans/{id}/acknowledgement")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = bans::acknowledge(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}
