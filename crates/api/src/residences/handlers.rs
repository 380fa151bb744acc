//! Thin handlers: extract, call the use case, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use vigie_app::residences::{self, Synced};

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{IdempotencyKey, Valid, created_response, etag, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Create or update a residence by its reference
///
/// Idempotent sync for ERPs: the residence the bailleur knows as `external_ref` is created (201),
/// updated (200) or left unchanged (200, `Vigie-Sync: unchanged`). Admin and integration roles.
#[utoipa::path(
    tag = "residences", operation_id = "putResidence",
    params(("external_ref" = String, Path, description = "The bailleur's own reference", example = "RES-0042")),
    request_body = PutResidence,
    responses((status = 200, description = "Updated or unchanged", body = Residence, headers(("ETag" = String), ("Vigie-Sync" = String))),
              (status = 201, description = "Created", body = Residence, headers(("ETag" = String), ("Location" = String))),
              AuthErrors, BodyErrors),
    security(("bearer" = []))
)]
#[put("/residences/by-ref/{external_ref}")]
pub async fn put_residence(
    state: web::Data<AppState>,
    caller: Caller,
    external_ref: web::Path<String>,
    Valid(body): Valid<PutResidence>,
) -> ApiResult<HttpResponse> {
    let (r, synced) = residences::put_residence(
        &state.app,
        caller.into_inner(),
        external_ref.into_inner(),
        body,
    )
    .await?;
    let tag = match synced {
        Synced::Created => {
            return Ok(HttpResponse::Created()
                .insert_header(("location", format!("/api/v1/residences/{}", r.id)))
                .insert_header(header::ETag(etag(r.version)))
                .json(r));
        }
        Synced::Updated => "updated",
        Synced::Unchanged => "unchanged",
    };
    let mut res = ok_with_etag(&r, r.version);
    res.headers_mut().insert(
        header::HeaderName::from_static("vigie-sync"),
        header::HeaderValue::from_static(tag),
    );
    Ok(res)
}

/// List the bailleur's residences
///
/// The caller's bailleur's residences with their buildings and entrances; keyset-paginated.
#[utoipa::path(
    tag = "residences", operation_id = "listResidences",
    params(PageQuery),
    responses((status = 200, description = "One page", body = Page<Residence>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/residences")]
pub async fn list_residences(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = residences::list_residences(&state.app, caller.into_inner(), page.request()?).await?;
    Ok(Page::respond(&req, r, |r| r.id.clone()))
}

/// Read a residence
///
/// A residence of the caller's bailleur, with its ETag.
#[utoipa::path(
    tag = "residences", operation_id = "getResidence",
    params(("id" = String, Path, description = "Residence id")),
    responses((status = 200, description = "The residence", body = Residence, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/residences/{id}")]
pub async fn get_residence(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = residences::get_residence(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Add a staff member
///
/// Minimal personal data: name, front-line role, sworn-guard status. Admin and integration roles.
#[utoipa::path(
    tag = "staff", operation_id = "createStaff",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateStaff,
    responses((status = 201, description = "Created", body = Staff, headers(("ETag" = String), ("Location" = String))), AuthErrors, BodyErrors, Conflict),
    security(("bearer" = []))
)]
#[post("/staff")]
pub async fn create_staff(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    Valid(body): Valid<CreateStaff>,
) -> ApiResult<HttpResponse> {
    let r = residences::create_staff(&state.app, caller.into_inner(), key.0, body).await?;
    Ok(created_response(r.location, r.version, r.replayed, &r.body))
}

/// List the bailleur's staff
///
/// The caller's bailleur's front-line staff (the victims and witnesses incidents name);
/// keyset-paginated.
#[utoipa::path(
    tag = "staff", operation_id = "listStaff",
    params(PageQuery),
    responses((status = 200, description = "One page", body = Page<Staff>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/staff")]
pub async fn list_staff(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = residences::list_staff(&state.app, caller.into_inner(), page.request()?).await?;
    Ok(Page::respond(&req, r, |r| r.id.clone()))
}

/// Update a staff member
///
/// Changes a staff member's names, role or sworn-guard flag. Admin and integration roles; send
/// `If-Match` with the ETag you read (412 if stale).
#[utoipa::path(
    tag = "staff", operation_id = "updateStaff",
    params(("id" = String, Path, description = "Staff id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = UpdateStaff,
    responses((status = 200, description = "Updated", body = Staff, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Stale),
    security(("bearer" = []))
)]
#[patch("/staff/{id}")]
pub async fn update_staff(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    Valid(body): Valid<UpdateStaff>,
) -> ApiResult<HttpResponse> {
    let r = residences::update_staff(
        &state.app,
        caller.into_inner(),
        if_match(&req)?,
        id.into_inner(),
        body,
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Read a staff member
///
/// A staff member of the caller's bailleur (where `POST /staff` points), with its ETag.
#[utoipa::path(
    tag = "staff", operation_id = "getStaff",
    params(("id" = String, Path, description = "Staff id")),
    responses((status = 200, description = "The staff member", body = Staff, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/staff/{id}")]
pub async fn get_staff(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = residences::get_staff(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}
