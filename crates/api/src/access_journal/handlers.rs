//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, web};
use vigie_app::access_journal;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Read the access journal
///
/// Every read of the organisation's personal offence data (incidents, complaints, PVs,
/// injunctions, bans, one by one or in lists, and the documents printed from them): who read it,
/// from which organisation, when, for which purpose (`Vigie-Purpose`), in the request's id; oldest
/// first, each entry linked to the one before by its hash. The organisation's data protection
/// officer (role `dpo`) reads its own organisation's chain; the platform admin any (`org_id`).
/// Reading the journal is itself journaled (purpose `audit` unless given).
#[utoipa::path(
    tag = "access-journal", operation_id = "listAccessJournal",
    params(JournalQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<JournalEntry>), AuthErrors, QueryErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/access-journal")]
pub async fn list_journal(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<JournalQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = access_journal::list(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |e| e.id.clone()))
}

/// Verify the access journal
///
/// Recomputes the chain (the DPO's organisation's; every chain for the platform admin) from its
/// oldest kept entry; `breaks` names the first entry of a chain that was edited or removed.
#[utoipa::path(
    tag = "access-journal", operation_id = "verifyAccessJournal",
    responses((status = 200, description = "Verification report", body = JournalReport), AuthErrors),
    security(("bearer" = []))
)]
#[get("/access-journal/verify")]
pub async fn verify_journal(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let r = access_journal::verify(&state.app, caller.into_inner()).await?;
    Ok(HttpResponse::Ok().json(r))
}
