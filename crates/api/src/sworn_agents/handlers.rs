//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use vigie_app::sworn_agents;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{Body, IdempotencyKey, Valid, created_response, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Open a sworn agent's file
///
/// The bailleur's correspondent, admin or integration commissions a staff member: regime, residences
/// in their charge and kinds of offences. Agrément, oath and the rest follow as events.
/// Error codes: `agent_file_exists` (409: the person already has a file, one regime at most),
/// `regime_b_contraventions_only` (422), field errors `unknown_staff`, `unknown_residence`,
/// `unknown_offence`, `not_a_sworn_agent`, `required`.
#[utoipa::path(
    tag = "sworn-agents", operation_id = "createSwornAgent",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateSwornAgent,
    responses((status = 201, description = "Created", body = SwornAgent, headers(("ETag" = String), ("Location" = String))), AuthErrors, BodyErrors, Conflict),
    security(("bearer" = []))
)]
#[post("/sworn-agents")]
pub async fn create_sworn_agent(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Valid(body): Valid<CreateSwornAgent>,
) -> ApiResult<HttpResponse> {
    let r = sworn_agents::create_sworn_agent(&state.app, caller.into_inner(), key.0, body).await?;
    Ok(created_response(r.location, r.version, r.replayed, &r.body))
}

/// List sworn agents
///
/// The bailleur's files (its correspondent, admin and integration); a sworn agent sees their own.
/// `renewal_due=true` lists the agréments ending within 90 days.
#[utoipa::path(
    tag = "sworn-agents", operation_id = "listSwornAgents",
    params(AgentQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<SwornAgent>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/sworn-agents")]
pub async fn list_sworn_agents(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<AgentQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = sworn_agents::list_sworn_agents(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |v| v.id.clone()))
}

/// Read a sworn agent's file
///
/// With its status on `on` (default today): active only with an agrément covering the day, the oath
/// taken, and no suspension or withdrawal.
#[utoipa::path(
    tag = "sworn-agents", operation_id = "getSwornAgent",
    params(("id" = String, Path, description = "File id"), OnQuery),
    responses((status = 200, description = "The file", body = SwornAgent, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/sworn-agents/{id}")]
pub async fn get_sworn_agent(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: web::Query<OnQuery>,
) -> ApiResult<HttpResponse> {
    let r = sworn_agents::get_sworn_agent(
        &state.app,
        caller.into_inner(),
        id.into_inner(),
        q.into_inner(),
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Record an event on a sworn agent's file
///
/// `kind` says which: `commission` (new perimeter or offences), `aptitude`, `agrement` (first or
/// renewal; `end` defaults to `start` + 5 years and cannot be later), `oath`, `suspension`,
/// `suspension_lifted`, `withdrawal` (final). Correspondent, admin or integration; send `If-Match`.
/// Error codes: 409 `agent_withdrawn`, `oath_before_agrement`, `already_suspended`, `not_suspended`;
/// 422 `agrement_too_long`, `end_before_start`, `renewal_before_previous`, `offence_outside_commission`,
/// `regime_b_contraventions_only`, `required`, and field errors `unknown_offence`, `unknown_residence`.
#[utoipa::path(
    tag = "sworn-agents", operation_id = "recordSwornAgentEvent",
    params(("id" = String, Path, description = "File id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body(content = FileEvent, example = json!({"kind": "agrement", "arrete_number": "PREF-92-2026-0042", "prefet": "Préfet des Hauts-de-Seine",
        "start": "2026-02-01", "offence_codes": ["CP-R634-2"], "card_number": "GP-92-0042"})),
    responses((status = 200, description = "The file after the event", body = SwornAgent, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Conflict, Stale),
    security(("bearer" = []))
)]
#[post("/sworn-agents/{id}/events")]
pub async fn record_event(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Body(event): Body<FileEvent>,
) -> ApiResult<HttpResponse> {
    let r = sworn_agents::record_event(
        &state.app,
        caller.into_inner(),
        if_match(&req)?,
        id.into_inner(),
        event,
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}
