//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use vigie_app::injunctions;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{Body, IdempotencyKey, Valid, created_response, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Enjoin a landlord to sue for a lease's termination
///
/// A préfecture officer opens the dossier (art. L.442-4-3 CCH): the landlord, the tenant, the
/// grounds and the day the landlord received the injunction. The deadlines follow from the dated
/// legal delays (an answer within 15 days, then the action within one month). The landlord's
/// designated correspondent is notified. Others 403. Field errors `unknown_bailleur`,
/// `unknown_residence`; 422 `date_out_of_order` for an injunction dated after today.
#[utoipa::path(
    tag = "injunctions", operation_id = "createInjunction",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateInjunction,
    responses((status = 201, description = "Created", body = Injunction, headers(("ETag" = String), ("Location" = String))), AuthErrors, BodyErrors),
    security(("bearer" = []))
)]
#[post("/injunctions")]
pub async fn create_injunction(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Valid(body): Valid<CreateInjunction>,
) -> ApiResult<HttpResponse> {
    let r = injunctions::create_injunction(&state.app, caller.into_inner(), key.0, body).await?;
    Ok(created_response(r.location, r.version, r.replayed, &r.body))
}

/// List injunctions
///
/// The préfecture's officers see every dossier, a landlord's correspondent its own; others 403.
/// `due_within_days=N` lists the dossiers whose next deadline falls within N days (overdue ones
/// included).
#[utoipa::path(
    tag = "injunctions", operation_id = "listInjunctions",
    params(InjunctionQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<Injunction>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/injunctions")]
pub async fn list_injunctions(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<InjunctionQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = injunctions::list_injunctions(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |v| v.id.clone()))
}

/// Read an injunction
///
/// With its deadlines, the days left and the steps possible today. 404 for anyone but the
/// préfecture's officers and the landlord's correspondent.
#[utoipa::path(
    tag = "injunctions", operation_id = "getInjunction",
    params(("id" = String, Path, description = "Injunction id")),
    responses((status = 200, description = "The dossier", body = Injunction, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/injunctions/{id}")]
pub async fn get_injunction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = injunctions::get_injunction(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Record a step of an injunction
///
/// `accept` or `refuse` (with `reasons`): the landlord's correspondent, within 15 days (a late
/// answer is recorded as late); `bring_action` (court and date of the summons): the landlord, once
/// it accepted, within one month; `substitute`: the préfet, after a refusal or a missed deadline.
/// Another party's step is a 403; 409 `transition_not_allowed` (with `allowed`),
/// `substitution_not_open`; 422 `date_out_of_order`, `required`. Send `If-Match`.
#[utoipa::path(
    tag = "injunctions", operation_id = "recordInjunctionStep",
    params(("id" = String, Path, description = "Injunction id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body(content = InjunctionEvent, example = json!({"kind": "accept", "answered_on": "2026-11-28"})),
    responses((status = 200, description = "The dossier after the step", body = Injunction, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Conflict, Stale),
    security(("bearer" = []))
)]
#[post("/injunctions/{id}/steps")]
pub async fn record_step(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Body(event): Body<InjunctionEvent>,
) -> ApiResult<HttpResponse> {
    let r = injunctions::record_step(
        &state.app,
        caller.into_inner(),
        if_match(&req)?,
        id.into_inner(),
        event,
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Link incidents and complaints to an injunction
///
/// The landlord's correspondent links its own incidents and complaints (replacing the lists); one
/// it cannot read is a field error `unknown_incident` / `unknown_complaint`. Send `If-Match`.
#[utoipa::path(
    tag = "injunctions", operation_id = "linkInjunction",
    params(("id" = String, Path, description = "Injunction id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = InjunctionLinks,
    responses((status = 200, description = "The dossier", body = Injunction, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Stale),
    security(("bearer" = []))
)]
#[put("/injunctions/{id}/links")]
pub async fn link(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(body): Valid<InjunctionLinks>,
) -> ApiResult<HttpResponse> {
    let r = injunctions::link(
        &state.app,
        caller.into_inner(),
        if_match(&req)?,
        id.into_inner(),
        body,
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}
