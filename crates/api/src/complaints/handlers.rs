//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use vigie_app::complaints;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{Body, IdempotencyKey, Valid, created_response, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Draft a complaint from incidents
///
/// The bailleur's correspondent (or integration) builds a complaint file pre-filled from qualified
/// incidents: facts, place, dates, qualifications, suspects, witnesses, evidence; the victims are
/// the bailleur as a legal person and/or its employees (who may declare the professional address).
/// It is routed to the circonscription of the facts and to the parquet, and says whether the TADPR
/// track is open and why. Field errors: `unknown_incident`, `not_qualified`,
/// `several_circonscriptions`, `unknown_staff`, `required`, `no_parquet`.
#[utoipa::path(
    tag = "complaints", operation_id = "createComplaint",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateComplaint,
    responses((status = 201, description = "A draft", body = Complaint, headers(("ETag" = String), ("Location" = String))), AuthErrors, BodyErrors),
    security(("bearer" = []))
)]
#[post("/complaints")]
pub async fn create_complaint(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Valid(body): Valid<CreateComplaint>,
) -> ApiResult<HttpResponse> {
    let r = complaints::create_complaint(&state.app, caller.into_inner(), key.0, body).await?;
    Ok(created_response(r.location, r.version, r.replayed, &r.body))
}

/// List complaints
///
/// A bailleur's correspondent sees its complaints and their progress; the police correspondent
/// those lodged at the circonscription; the magistrat référent and délégués those before the
/// parquet. Others: 403.
#[utoipa::path(
    tag = "complaints", operation_id = "listComplaints",
    params(ComplaintQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<Complaint>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/complaints")]
pub async fn list_complaints(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<ComplaintQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = complaints::list_complaints(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |v| v.id.clone()))
}

/// Read a complaint
///
/// The complaint with its status, receipt, orientation, TADPR track, delays in days and the steps
/// possible next. 404 for anyone who may not read it.
#[utoipa::path(
    tag = "complaints", operation_id = "getComplaint",
    params(("id" = String, Path, description = "Complaint id")),
    responses((status = 200, description = "The complaint", body = Complaint, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/complaints/{id}")]
pub async fn get_complaint(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = complaints::get_complaint(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Print a complaint
///
/// The written complaint: for the direct channel, the letter to the procureur de la République;
/// for the police channel, the file the bailleur's representative brings to the commissariat. The
/// victim as a legal person (name, SIREN, head office, representative and mandate) and the
/// employees (the professional address as domicile where chosen, art. 10-2 CPP), the facts, the
/// offences with their articles, suspects, witnesses, evidence as numbered attachments, damages
/// and the intention to claim them; once registered, the receipt. A draft says so on every page.
/// HTML or PDF by `Accept`. 404 for anyone who may not read the complaint.
#[utoipa::path(
    tag = "complaints", operation_id = "printComplaint",
    params(("id" = String, Path, description = "Complaint id")),
    responses((status = 200, description = "The document as `Accept` asks: `text/html` (the default, A4 print styles) or `application/pdf` (A4, fonts embedded, the reference and page number on every page)",
        content((String = "text/html"), (String = "application/pdf")),
        headers(("Content-Disposition" = String, description = "`inline; filename=\"….pdf\"` for a PDF"), ("Vary" = String, description = "`Accept`"))),
        NotAcceptable, AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/complaints/{id}/document")]
pub async fn print_complaint(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let doc =
        vigie_app::documents::complaint_document(&state.app, caller.into_inner(), id.into_inner())
            .await?;
    crate::documents::respond(&req, &doc)
}

/// Record a step of a complaint
///
/// `kind` names the step; each belongs to one party (403 otherwise): `file` the bailleur's
/// correspondent; `register` (with the receipt: number, date, service) the police correspondent of
/// the circonscription, or the parquet for a complaint sent straight to the procureur; `transmit`
/// the police; `orient` and `close` the magistrat; `schedule_summons`, `record_measure`,
/// `record_outcome` a délégué du procureur (TADPR track). Each step notifies the designated
/// contacts. Error codes: 409 `transition_not_allowed` (with `allowed`), `not_on_tadpr_track`,
/// `tadpr_step_out_of_order`; 422 `complaint_incomplete`, `app_excluded_for_violences`,
/// `app_requires_reparation`, `afd_not_available`, `not_tadpr_eligible`, `next_step_required`,
/// `required`.
#[utoipa::path(
    tag = "complaints", operation_id = "recordComplaintEvent",
    params(("id" = String, Path, description = "Complaint id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body(content = ComplaintEvent, example = json!({"kind": "register", "receipt": {"number": "2026/004512", "date": "2026-11-28", "service": "Commissariat de Nanterre"}})),
    responses((status = 200, description = "The complaint after the step", body = Complaint, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Conflict, Stale),
    security(("bearer" = []))
)]
#[post("/complaints/{id}/events")]
pub async fn record_event(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Body(event): Body<ComplaintEvent>,
) -> ApiResult<HttpResponse> {
    let r = complaints::record_event(
        &state.app,
        caller.into_inner(),
        if_match(&req)?,
        id.into_inner(),
        event,
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}

/// List notifications
///
/// The recorded events addressed to the caller's organisation's designated contacts, oldest first;
/// keep the last cursor to read only what is new.
#[utoipa::path(
    tag = "complaints", operation_id = "listNotifications",
    params(NotificationQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<Notification>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<NotificationQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = complaints::list_notifications(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |r| r.id.clone()))
}
