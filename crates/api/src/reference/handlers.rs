//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpResponse, get, post, web};
use vigie_app::reference;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{Valid, ok_reference};
use crate::pagination::Page;
use crate::responses::*;
use crate::state::AppState;

/// List the communes
///
/// The 36 communes of the Hauts-de-Seine, each with the circonscription in force on `on`.
#[utoipa::path(
    tag = "reference", operation_id = "listCommunes",
    params(OnDate),
    responses((status = 200, description = "Every commune", body = Page<Commune>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/communes")]
pub async fn list_communes(
    state: web::Data<AppState>,
    _caller: Caller,
    q: web::Query<OnDate>,
) -> ApiResult<HttpResponse> {
    let r = reference::list_communes(&state.app, _caller.into_inner(), q.into_inner()).await?;
    Ok(ok_reference(&Page::whole(r)))
}

/// Circonscription of a commune
///
/// The police circonscription competent for a commune on a date (today by default).
#[utoipa::path(
    tag = "reference", operation_id = "getCommuneCirconscription",
    params(("insee_code" = String, Path, description = "INSEE code of the commune", example = "92050"), OnDate),
    responses((status = 200, description = "The circonscription in force", body = Circonscription), AuthErrors, NotFound, QueryErrors),
    security(("bearer" = []))
)]
#[get("/communes/{insee_code}/circonscription")]
pub async fn get_commune_circonscription(
    state: web::Data<AppState>,
    _caller: Caller,
    insee: web::Path<String>,
    q: web::Query<OnDate>,
) -> ApiResult<HttpResponse> {
    let r = reference::get_commune_circonscription(
        &state.app,
        _caller.into_inner(),
        insee.into_inner(),
        q.into_inner(),
    )
    .await?;
    Ok(ok_reference(&r))
}

/// List the circonscriptions
///
/// The police circonscriptions of the reference data, with how reliable each mapping source is.
/// Any authenticated caller.
#[utoipa::path(
    tag = "reference", operation_id = "listCirconscriptions",
    responses((status = 200, description = "Every circonscription", body = Page<Circonscription>), AuthErrors),
    security(("bearer" = []))
)]
#[get("/circonscriptions")]
pub async fn list_circonscriptions(
    state: web::Data<AppState>,
    _caller: Caller,
) -> ApiResult<HttpResponse> {
    let r = reference::list_circonscriptions(&state.app, _caller.into_inner()).await?;
    Ok(ok_reference(&Page::whole(r)))
}

/// Create a circonscription
///
/// Platform admin only.
#[utoipa::path(
    tag = "reference", operation_id = "createCirconscription",
    request_body = CreateCirconscription,
    responses((status = 201, description = "Created", body = Circonscription), AuthErrors, BodyErrors, Conflict),
    security(("bearer" = []))
)]
#[post("/circonscriptions")]
pub async fn create_circonscription(
    state: web::Data<AppState>,
    caller: Caller,
    Valid(body): Valid<CreateCirconscription>,
) -> ApiResult<HttpResponse> {
    let r = reference::create_circonscription(&state.app, caller.into_inner(), body).await?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("/api/v1/circonscriptions/{}", r.code)))
        .json(r))
}

/// List commune → circonscription mappings
///
/// The dated mapping from communes to police circonscriptions (`commune` filters one commune): the
/// one in force on a day routes the incidents of that day.
#[utoipa::path(
    tag = "reference", operation_id = "listCommuneMappings",
    params(MappingQuery),
    responses((status = 200, description = "Mappings", body = Page<CommuneMapping>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/commune-mappings")]
pub async fn list_commune_mappings(
    state: web::Data<AppState>,
    _caller: Caller,
    q: web::Query<MappingQuery>,
) -> ApiResult<HttpResponse> {
    let r =
        reference::list_commune_mappings(&state.app, _caller.into_inner(), q.into_inner()).await?;
    Ok(ok_reference(&Page::whole(r)))
}

/// Open a new commune mapping
///
/// From `valid_from`, the commune belongs to the given circonscription; the previous mapping ends
/// that day and stays in the history. Mappings are appended in date order (409 otherwise).
/// Platform admin only.
#[utoipa::path(
    tag = "reference", operation_id = "openCommuneMapping",
    request_body = OpenMapping,
    responses((status = 201, description = "Opened", body = CommuneMapping), AuthErrors, BodyErrors, Conflict),
    security(("bearer" = []))
)]
#[post("/commune-mappings")]
pub async fn open_commune_mapping(
    state: web::Data<AppState>,
    caller: Caller,
    Valid(body): Valid<OpenMapping>,
) -> ApiResult<HttpResponse> {
    let r = reference::open_commune_mapping(&state.app, caller.into_inner(), body).await?;
    Ok(HttpResponse::Created().json(r))
}

/// Read a circonscription
///
/// A police circonscription of the reference data by its code (where its creation points).
#[utoipa::path(
    tag = "reference", operation_id = "getCirconscription",
    params(("code" = String, Path, description = "Circonscription code", example = "CSP-92050")),
    responses((status = 200, description = "The circonscription", body = Circonscription), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/circonscriptions/{code}")]
pub async fn get_circonscription(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r =
        reference::get_circonscription(&state.app, caller.into_inner(), code.into_inner()).await?;
    Ok(ok_reference(&r))
}
