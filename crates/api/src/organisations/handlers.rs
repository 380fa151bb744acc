//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use vigie_app::organisations;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{IdempotencyKey, Valid, created_response, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Create an organisation
///
/// Platform admin only. A bailleur needs a valid SIREN (unique); a police circonscription names a
/// circonscription of the reference map. Supports `Idempotency-Key`.
#[utoipa::path(
    tag = "organisations", operation_id = "createOrganisation",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the same key and body replay the first answer")),
    request_body = CreateOrganisation,
    responses(
        (status = 201, description = "Created", body = Organisation,
            headers(("ETag" = String), ("Location" = String))),
        AuthErrors, BodyErrors, Conflict,
    ),
    security(("bearer" = []))
)]
#[post("/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Valid(body): Valid<CreateOrganisation>,
) -> ApiResult<HttpResponse> {
    let r =
        organisations::create_organisation(&state.app, caller.into_inner(), key.0, body).await?;
    Ok(created_response(r.location, r.version, r.replayed, &r.body))
}

/// List organisations
///
/// The platform admin sees every organisation; anyone else sees only their own.
#[utoipa::path(
    tag = "organisations", operation_id = "listOrganisations",
    params(OrganisationQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<Organisation>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    filter: web::Query<OrganisationQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = organisations::list_organisations(
        &state.app,
        caller.into_inner(),
        filter.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |r| r.id.clone()))
}

/// Read an organisation
///
/// An organisation as its members or the platform admin see it, with its ETag for updates.
#[utoipa::path(
    tag = "organisations", operation_id = "getOrganisation",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The organisation", body = Organisation, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/organisations/{id}")]
pub async fn get_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r =
        organisations::get_organisation(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Update an organisation
///
/// Its admin changes name and contact; the platform admin also `active` and `circonscription_code`.
/// Send `If-Match` with the ETag you read to avoid overwriting someone else's change (412 if stale).
#[utoipa::path(
    tag = "organisations", operation_id = "updateOrganisation",
    params(("id" = String, Path, description = "Organisation id"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = UpdateOrganisation,
    responses((status = 200, description = "Updated", body = Organisation, headers(("ETag" = String))),
              AuthErrors, BodyErrors, NotFound, Stale),
    security(("bearer" = []))
)]
#[patch("/organisations/{id}")]
pub async fn update_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(body): Valid<UpdateOrganisation>,
) -> ApiResult<HttpResponse> {
    let r = organisations::update_organisation(
        &state.app,
        caller.into_inner(),
        if_match(&req)?,
        id.into_inner(),
        body,
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}
