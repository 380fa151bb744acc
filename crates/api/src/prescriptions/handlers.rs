//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, web};
use vigie_app::prescriptions;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Incidents about to be prescribed
///
/// The bailleur's incidents whose public action will be prescribed within `within_days` (90 by
/// default) while nothing was done: no complaint, no PV, not closed. Soonest first, each with the
/// days left and the tightest alert threshold crossed (90, 60 or 30). The same alerts reach the
/// change feed once per threshold (`incident.prescription_due`). The correspondent (restricted
/// incidents included) and the integration.
#[utoipa::path(
    tag = "incidents", operation_id = "listPrescriptionAlerts",
    params(PrescriptionQuery, PageQuery),
    responses((status = 200, description = "One page, soonest first", body = Page<PrescriptionAlert>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/prescription-alerts")]
pub async fn list_alerts(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<PrescriptionQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = prescriptions::list(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, prescriptions::key_of))
}
