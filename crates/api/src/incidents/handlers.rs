//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use vigie_app::incidents;

use super::dto::{
    CreateIncident, Incident, IncidentQuery, ProposalAnswer, SetQualifications, TransitionRequest,
    UpdateIncident,
};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{IdempotencyKey, Valid, created_response, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::{AuthErrors, BodyErrors, Conflict, NotFound, QueryErrors, Stale};
use crate::state::AppState;

/// Create an incident
///
/// Reported by a bailleur's people or ERP. Idempotent by `Idempotency-Key` and by `external_ref`
/// (unique per bailleur): the same request again replays the first answer; the same `external_ref`
/// with other content is a 409. The incident is routed to the circonscription of the residence's
/// commune on the date of the facts.
#[utoipa::path(
    tag = "incidents", operation_id = "createIncident",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateIncident,
    responses((status = 201, description = "Created (or replayed)", body = Incident, headers(("ETag" = String), ("Location" = String))),
              AuthErrors, BodyErrors, Conflict),
    security(("bearer" = []))
)]
#[post("/incidents")]
pub async fn create_incident(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Valid(body): Valid<CreateIncident>,
) -> ApiResult<HttpResponse> {
    let (view, replayed) = incidents::create(&state.app, caller.into_inner(), key.0, body).await?;
    Ok(created_response(
        format!("/api/v1/incidents/{}", view.id),
        view.version,
        replayed,
        &view,
    ))
}

/// List incidents
///
/// What the caller may see (its bailleur's incidents; for the police, those routed and shared with
/// their circonscription), filtered, in a stable order (creation), keyset-paginated.
#[utoipa::path(
    tag = "incidents", operation_id = "listIncidents",
    params(IncidentQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<Incident>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/incidents")]
pub async fn list_incidents(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<IncidentQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let listed = incidents::list(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, listed, |v| v.id.clone()))
}

/// Read an incident
///
/// The incident with its qualifications, prescription, routing (circonscription and contacts in
/// force today) and ETag. 404 for anyone who may not read it.
#[utoipa::path(
    tag = "incidents", operation_id = "getIncident",
    params(("id" = String, Path, description = "Incident id")),
    responses((status = 200, description = "The incident", body = Incident, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/incidents/{id}")]
pub async fn get_incident(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let view = incidents::get(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&view, view.version))
}

/// Update an incident
///
/// Its bailleur's correspondent or integration. Send `If-Match` (412 when stale).
#[utoipa::path(
    tag = "incidents", operation_id = "updateIncident",
    params(("id" = String, Path, description = "Incident id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = UpdateIncident,
    responses((status = 200, description = "Updated", body = Incident, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Stale),
    security(("bearer" = []))
)]
#[patch("/incidents/{id}")]
pub async fn update_incident(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(body): Valid<UpdateIncident>,
) -> ApiResult<HttpResponse> {
    let view = incidents::update(
        &state.app,
        caller.into_inner(),
        id.into_inner(),
        if_match(&req)?,
        body,
    )
    .await?;
    Ok(ok_with_etag(&view, view.version))
}

/// Set an incident's qualifications
///
/// Replaces the offences attached to the incident (codes of `/offences`). The prescription date
/// follows from the most serious one. Correspondent or integration.
#[utoipa::path(
    tag = "incidents", operation_id = "setIncidentQualifications",
    params(("id" = String, Path, description = "Incident id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = SetQualifications,
    responses((status = 200, description = "The incident, qualified", body = Incident, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Stale),
    security(("bearer" = []))
)]
#[put("/incidents/{id}/qualifications")]
pub async fn set_qualifications(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(body): Valid<SetQualifications>,
) -> ApiResult<HttpResponse> {
    let view = incidents::set_qualifications(
        &state.app,
        caller.into_inner(),
        id.into_inner(),
        if_match(&req)?,
        body,
    )
    .await?;
    Ok(ok_with_etag(&view, view.version))
}

/// Propose qualifications
///
/// From the incident's category and victims, the catalogue's offences that fit, with their legal
/// reference and whether the TADPR track and the APP apply. Nothing is attached: set them with
/// `PUT /incidents/{id}/qualifications`.
#[utoipa::path(
    tag = "incidents", operation_id = "proposeIncidentQualifications",
    params(("id" = String, Path, description = "Incident id")),
    responses((status = 200, description = "Proposals", body = ProposalAnswer), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/incidents/{id}/qualification-proposals")]
pub async fn propose_qualifications(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let answer =
        incidents::propose_qualifications(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// Change an incident's status
///
/// reported → qualified (needs qualifications) → actioned (PV, complaint or internal handling) →
/// closed, and closed → reopened. A transition not allowed from the current status is a 409 whose
/// `allowed` lists those that are. Correspondent or integration.
#[utoipa::path(
    tag = "incidents", operation_id = "transitionIncident",
    params(("id" = String, Path, description = "Incident id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = TransitionRequest,
    responses((status = 200, description = "New status", body = Incident, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Conflict, Stale),
    security(("bearer" = []))
)]
#[post("/incidents/{id}/transitions")]
pub async fn transition_incident(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(body): Valid<TransitionRequest>,
) -> ApiResult<HttpResponse> {
    let view = incidents::transition(
        &state.app,
        caller.into_inner(),
        id.into_inner(),
        if_match(&req)?,
        body,
    )
    .await?;
    Ok(ok_with_etag(&view, view.version))
}
