//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use vigie_app::pvs;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{IdempotencyKey, Valid, created_response, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Draw up a PV
///
/// By a sworn agent (under their own file) or the bailleur's integration (naming `agent_id`). The
/// PV gets the next number of the bailleur's year at once and starts as a draft. Every rule of
/// drawing up is checked, each refusal a 422 with its code: `not_personally_observed`,
/// `agent_not_active` (no valid agrément, no oath, suspended or withdrawn on the day of the
/// finding), `place_outside_commission`, `offence_outside_agrement`, `offence_outside_commission`,
/// `regime_b_contraventions_only`, `offence_required`; field errors `unknown_residence`,
/// `unknown_offence`, `unknown_incident`, `unknown_agent`, `in_the_future`.
#[utoipa::path(
    tag = "pvs", operation_id = "createPv",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = PvInput,
    responses((status = 201, description = "Drawn up (a numbered draft)", body = Pv, headers(("ETag" = String), ("Location" = String))),
              AuthErrors, DrawingErrors),
    security(("bearer" = []))
)]
#[post("/pvs")]
pub async fn create_pv(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Valid(input): Valid<PvInput>,
) -> ApiResult<HttpResponse> {
    let r = pvs::create_pv(&state.app, caller.into_inner(), key.0, input).await?;
    Ok(created_response(r.location, r.version, r.replayed, &r.body))
}

/// List PVs
///
/// The bailleur's correspondent and integration see its PVs; a sworn agent their own; the parquet
/// those transmitted to it.
#[utoipa::path(
    tag = "pvs", operation_id = "listPvs",
    params(PvQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<Pv>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/pvs")]
pub async fn list_pvs(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<PvQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = pvs::list_pvs(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |v| v.id.clone()))
}

/// Read a PV
///
/// The PV with its numbered document, status, deadline and days left; a signed PV carries its
/// content hash. 404 for anyone who may not read it.
#[utoipa::path(
    tag = "pvs", operation_id = "getPv",
    params(("id" = String, Path, description = "PV id")),
    responses((status = 200, description = "The PV", body = Pv, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/pvs/{id}")]
pub async fn get_pv(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = pvs::get_pv(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Print a PV
///
/// The PV as a document to sign, send and file: the agent's identity and quality (regime,
/// agrément, card, oath), the owner who commissioned them, date, time and place of the finding,
/// the facts as personally observed, the offender, statements, witnesses, evidence, the offences
/// with their articles, the revision (and the one a correction replaces), the signature block with
/// the content hash. A draft says so on every page; so does a void (late) PV. HTML or PDF by
/// `Accept`. 404 for anyone who may not read the PV.
#[utoipa::path(
    tag = "pvs", operation_id = "printPv",
    params(("id" = String, Path, description = "PV id")),
    responses((status = 200, description = "The document as `Accept` asks: `text/html` (the default, A4 print styles) or `application/pdf` (A4, fonts embedded, the reference and page number on every page)",
        content((String = "text/html"), (String = "application/pdf")),
        headers(("Content-Disposition" = String, description = "`inline; filename=\"….pdf\"` for a PDF"), ("Vary" = String, description = "`Accept`"))),
        NotAcceptable, AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/pvs/{id}/document")]
pub async fn print_pv(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let doc =
        vigie_app::documents::pv_document(&state.app, caller.into_inner(), id.into_inner()).await?;
    crate::documents::respond(&req, &doc)
}

/// Rewrite a draft PV
///
/// The whole content again, checked by the same rules as a new PV; the number stays. A signed PV is
/// immutable: 409 `pv_immutable` (draw up a correction). Its author or the integration; `If-Match`.
#[utoipa::path(
    tag = "pvs", operation_id = "updateDraftPv",
    params(("id" = String, Path, description = "PV id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = PvInput,
    responses((status = 200, description = "The draft", body = Pv, headers(("ETag" = String))), AuthErrors, DrawingErrors, NotFound, Conflict, Stale),
    security(("bearer" = []))
)]
#[put("/pvs/{id}")]
pub async fn update_draft(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(input): Valid<PvInput>,
) -> ApiResult<HttpResponse> {
    let r = pvs::update_draft(
        &state.app,
        caller.into_inner(),
        if_match(&req)?,
        id.into_inner(),
        input,
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Sign a PV
///
/// The author (or the integration in their name) signs the draft: the document is frozen with the
/// signature time and signer, and `content_hash` is the SHA-256 of its canonical JSON (keys sorted,
/// no whitespace), which anyone can recompute from `document`. The rules of drawing up are checked
/// again. 409 `pv_immutable` when already signed.
#[utoipa::path(
    tag = "pvs", operation_id = "signPv",
    params(("id" = String, Path, description = "PV id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    responses((status = 200, description = "Signed", body = Pv, headers(("ETag" = String))), AuthErrors, DrawingErrors, NotFound, Conflict, Stale),
    security(("bearer" = []))
)]
#[post("/pvs/{id}/signature")]
pub async fn sign_pv(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = pvs::sign_pv(
        &state.app,
        caller.into_inner(),
        if_match(&req)?,
        id.into_inner(),
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Correct a signed PV
///
/// A signed PV never changes: its correction is a new draft revision with the same number, which
/// references the previous revision and its hash; the previous one is marked `superseded_by`. Only
/// the latest signed or transmitted revision can be corrected (409 `pv_not_signed`,
/// `pv_superseded`). The content is checked by the rules of drawing up.
#[utoipa::path(
    tag = "pvs", operation_id = "correctPv",
    params(("id" = String, Path, description = "PV id (the revision corrected)")),
    request_body = Correction,
    responses((status = 201, description = "The new draft revision", body = Pv, headers(("ETag" = String), ("Location" = String))),
              AuthErrors, DrawingErrors, NotFound, Conflict),
    security(("bearer" = []))
)]
#[post("/pvs/{id}/corrections")]
pub async fn correct_pv(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    Valid(body): Valid<Correction>,
) -> ApiResult<HttpResponse> {
    let r = pvs::correct_pv(&state.app, caller.into_inner(), id.into_inner(), body).await?;
    Ok(created_response(
        format!("/api/v1/pvs/{}", r.id),
        r.version,
        false,
        &r,
    ))
}

/// PVs due
///
/// The bailleur's PVs not yet transmitted (drafts and signed, latest revisions), by deadline:
/// today, tomorrow, overdue. A sworn agent sees their own. At most 500 per list.
#[utoipa::path(
    tag = "pvs", operation_id = "listPvDeadlines",
    params(DeadlineQuery),
    responses((status = 200, description = "Due and overdue PVs", body = DueView), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/pv-deadlines")]
pub async fn deadlines(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<DeadlineQuery>,
) -> ApiResult<HttpResponse> {
    let r = pvs::deadlines(&state.app, caller.into_inner(), q.into_inner()).await?;
    Ok(HttpResponse::Ok().json(r))
}
