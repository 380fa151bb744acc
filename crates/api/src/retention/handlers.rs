//! Thin handlers: extract, call the use case, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use vigie_app::retention::{holds, run};

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{Valid, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Place a legal hold
///
/// Litigation, or a request of the parquet, suspends the end of a record's retention: a retention
/// run leaves it named until the hold is released. The bailleur's correspondent on its own
/// incidents, complaints, PVs and sworn-agent files; the parquet's magistrate on the incidents,
/// complaints and PVs before it (a record the caller does not see is a 404). 409
/// `record_anonymised` once the record was anonymised. Audited as `legal_hold.placed`.
#[utoipa::path(
    tag = "retention", operation_id = "placeLegalHold",
    request_body = PlaceHold,
    responses((status = 201, description = "Placed", body = LegalHold,
        headers(("Location" = String, description = "The hold (`/api/v1/legal-holds/{id}`)"),
            ("ETag" = String, description = "The hold's version, for `If-Match` on its release"))),
        AuthErrors, BodyErrors, NotFound, Conflict),
    security(("bearer" = []))
)]
#[post("/legal-holds")]
pub async fn place_hold(
    state: web::Data<AppState>,
    caller: Caller,
    Valid(body): Valid<PlaceHold>,
) -> ApiResult<HttpResponse> {
    let hold = holds::place(&state.app, caller.into_inner(), body).await?;
    Ok(crate::http::created_response(
        format!("/api/v1/legal-holds/{}", hold.id),
        hold.version,
        false,
        &hold,
    ))
}

/// List legal holds
///
/// The holds on the caller's organisation's records and those it placed, oldest first; `active`
/// keeps those in force. The bailleur's correspondent and DPO, the parquet's magistrate.
#[utoipa::path(
    tag = "retention", operation_id = "listLegalHolds",
    params(HoldQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<LegalHold>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/legal-holds")]
pub async fn list_holds(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<HoldQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = holds::list(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |h| h.id.clone()))
}

/// Read a legal hold
///
/// A hold on the caller's organisation's record, or one it placed, with its reason, who placed it
/// and, once released, when and by whom. Its ETag is what a release's `If-Match` sends.
#[utoipa::path(
    tag = "retention", operation_id = "getLegalHold",
    params(("id" = String, Path, description = "Hold id")),
    responses((status = 200, description = "The hold", body = LegalHold,
        headers(("ETag" = String, description = "The hold's version"))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/legal-holds/{id}")]
pub async fn get_hold(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let hold = holds::get(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&hold, hold.version))
}

/// Release a legal hold
///
/// The record's end applies again (a run past it anonymises the record). Only the organisation
/// that placed the hold releases it: the bailleur cannot lift the parquet's hold (403). 409
/// `hold_released` when it was already released. `If-Match` optional. Audited as
/// `legal_hold.released`.
#[utoipa::path(
    tag = "retention", operation_id = "releaseLegalHold",
    params(("id" = String, Path, description = "Hold id"),
        ("If-Match" = Option<String>, Header, description = "The ETag read")),
    responses((status = 200, description = "Released", body = LegalHold,
        headers(("ETag" = String, description = "The hold's version"))), AuthErrors, NotFound, Conflict, Stale),
    security(("bearer" = []))
)]
#[post("/legal-holds/{id}/release")]
pub async fn release_hold(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let hold = holds::release(
        &state.app,
        caller.into_inner(),
        id.into_inner(),
        if_match(&req)?,
    )
    .await?;
    Ok(ok_with_etag(&hold, hold.version))
}

/// Run the retention rules
///
/// Examines every record whose retention may have ended (incidents, complaints, PVs, sworn-agent
/// files), computes its end by the same rules as its page, and anonymises those past it with no
/// legal hold: names, contact details, narratives, statements, persons and witnesses go; the
/// category, the place down to the residence, the dates, the qualifications and the outcomes stay
/// for the statistics. Each anonymisation is audited (`<type>.anonymised`) and announced in the
/// feed. With `dry_run` nothing changes: the answer lists what would be anonymised and why. The
/// service runs it daily by itself; the platform admin runs it (for every organisation or one),
/// a DPO previews its own organisation's (`dry_run` only). Answers when the run is over.
#[utoipa::path(
    tag = "retention", operation_id = "startRetentionRun",
    request_body = StartRun,
    responses((status = 201, description = "The run, over, with the records it anonymised (or would)", body = RetentionRun,
        headers(("Location" = String, description = "The run (`/api/v1/retention-runs/{id}`)"))),
        AuthErrors, BodyErrors, NotFound),
    security(("bearer" = []))
)]
#[post("/retention-runs")]
pub async fn start_run(
    state: web::Data<AppState>,
    caller: Caller,
    Valid(body): Valid<StartRun>,
) -> ApiResult<HttpResponse> {
    let r = run::start(&state.app, caller.into_inner(), body).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/retention-runs/{}", r.id)))
        .json(r))
}

/// List retention runs
///
/// Newest first: every run for the platform admin (the daily ones are `scheduled`), its
/// organisation's dry runs for a DPO.
#[utoipa::path(
    tag = "retention", operation_id = "listRetentionRuns",
    params(PageQuery),
    responses((status = 200, description = "One page", body = Page<RetentionRun>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/retention-runs")]
pub async fn list_runs(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = run::list(&state.app, caller.into_inner(), page.request()?).await?;
    Ok(Page::respond(&req, r, |r| r.id.clone()))
}

/// Read a retention run
///
/// Its day, scope, who started it, and its counts as they grow (a running run beats with each
/// batch; `finished_at` once over). The records it touched are in the answer of the request that
/// ran it and in the audit trail (`<type>.anonymised`).
#[utoipa::path(
    tag = "retention", operation_id = "getRetentionRun",
    params(("id" = String, Path, description = "Run id")),
    responses((status = 200, description = "The run and its counts", body = RetentionRun), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/retention-runs/{id}")]
pub async fn get_run(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = run::get(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(r))
}
