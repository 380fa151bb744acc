//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, web};
use vigie_app::audit;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Read the audit trail
///
/// Oldest first. Platform admin only.
#[utoipa::path(
    tag = "audit", operation_id = "listAuditEvents",
    params(AuditQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<AuditEvent>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<AuditQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = audit::list_audit(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |r| r.id.clone()))
}

/// Verify the audit chains
///
/// Recomputes every chain; `breaks` lists each chain's first record that was edited, removed or
/// reordered. Platform admin only.
#[utoipa::path(
    tag = "audit", operation_id = "verifyAudit",
    responses((status = 200, description = "Verification report", body = VerifyReport), AuthErrors),
    security(("bearer" = []))
)]
#[get("/audit/verify")]
pub async fn verify_audit(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let r = audit::verify_audit(&state.app, caller.into_inner()).await?;
    Ok(HttpResponse::Ok().json(r))
}
