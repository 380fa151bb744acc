//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use vigie_app::pv_transmissions;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{IdempotencyKey, Valid, created_response, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Transmit PVs to the parquet
///
/// Records that signed PVs left for the parquet, on a day, by a mode that fits each author's regime
/// (regime A directly, regime B through an OPJ), with a proof reference. A PV sent after its
/// deadline is accepted but flagged `void` on the slip and on the PV. Correspondent, integration,
/// or a sworn agent for their own PVs. Error codes: 409 `pv_not_signed`, `pv_already_transmitted`,
/// `pv_superseded`; 422 `transmission_mode_not_allowed`, field errors `unknown_pv`, `in_the_future`,
/// `before_signature`, `unknown_parquet`, `required` (opj).
#[utoipa::path(
    tag = "pv-transmissions", operation_id = "createPvTransmission",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateTransmission,
    responses((status = 201, description = "The transmission slip", body = Transmission, headers(("ETag" = String), ("Location" = String))),
              AuthErrors, BodyErrors, Conflict),
    security(("bearer" = []))
)]
#[post("/pv-transmissions")]
pub async fn create_transmission(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Valid(body): Valid<CreateTransmission>,
) -> ApiResult<HttpResponse> {
    let r =
        pv_transmissions::create_transmission(&state.app, caller.into_inner(), key.0, body).await?;
    Ok(created_response(r.location, r.version, r.replayed, &r.body))
}

/// List transmissions
///
/// The bailleur's slips; for the magistrat référent and délégués, what was sent to their parquet.
#[utoipa::path(
    tag = "pv-transmissions", operation_id = "listPvTransmissions",
    params(PageQuery),
    responses((status = 200, description = "One page", body = Page<Transmission>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/pv-transmissions")]
pub async fn list_transmissions(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = pv_transmissions::list_transmissions(&state.app, caller.into_inner(), page.request()?)
        .await?;
    Ok(Page::respond(&req, r, |v| v.id.clone()))
}

/// Read a transmission slip
///
/// The transmission with its PVs, mode, date, deadline results and the parquet's acknowledgement.
/// 404 for anyone who may not read it.
#[utoipa::path(
    tag = "pv-transmissions", operation_id = "getPvTransmission",
    params(("id" = String, Path, description = "Transmission id")),
    responses((status = 200, description = "The slip", body = Transmission, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/pv-transmissions/{id}")]
pub async fn get_transmission(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = pv_transmissions::get_transmission(&state.app, caller.into_inner(), id.into_inner())
        .await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Print a transmission slip
///
/// The bordereau to send with the PVs: the sender (bailleur, SIREN, address, its correspondent),
/// the recipient (the parquet and its address), each PV with its number, date, author and
/// agrément, offences with their articles and NATINF, the deadline and whether it was met, the
/// pages of each printed PV and their total, a signature block, and the parquet's acknowledgement
/// once given. HTML or PDF by `Accept`.
#[utoipa::path(
    tag = "pv-transmissions", operation_id = "printPvTransmission",
    params(("id" = String, Path, description = "Transmission id")),
    responses((status = 200, description = "The document as `Accept` asks: `text/html` (the default, A4 print styles) or `application/pdf` (A4, fonts embedded, the reference and page number on every page)",
        content((String = "text/html"), (String = "application/pdf")),
        headers(("Content-Disposition" = String, description = "`inline; filename=\"….pdf\"` for a PDF"), ("Vary" = String, description = "`Accept`"))),
        NotAcceptable, AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/pv-transmissions/{id}/slip")]
pub async fn print_transmission(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let doc = vigie_app::documents::slip_document(
        &state.app,
        caller.into_inner(),
        id.into_inner(),
        &crate::documents::pdf::page_count,
    )
    .await?;
    crate::documents::respond(&req, &doc)
}

/// Acknowledge receipt
///
/// The parquet's magistrat référent or a délégué du procureur records that the PVs arrived.
/// 409 `already_acknowledged` the second time.
#[utoipa::path(
    tag = "pv-transmissions", operation_id = "acknowledgePvTransmission",
    params(("id" = String, Path, description = "Transmission id")),
    responses((status = 200, description = "Acknowledged", body = Transmission, headers(("ETag" = String))), AuthErrors, NotFound, Conflict),
    security(("bearer" = []))
)]
#[post("/pv-transmissions/{id}/acknowledgement")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = pv_transmissions::acknowledge(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}
