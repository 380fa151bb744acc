//! Thin handlers: extract, call the use case, answer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use vigie_app::directory;

use super::dto::{ContactView, Designate, DirectoryQuery, EndDesignation};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::Valid;
use crate::pagination::{Page, PageQuery};
use crate::responses::{AuthErrors, BodyErrors, Conflict, NotFound, QueryErrors};
use crate::state::AppState;

/// Designate a contact
///
/// A bailleur designates its correspondant tranquillité-sécurité, a police circonscription its
/// correspondent, the parquet its magistrat référent: one holder per role and organisation at a
/// time, with an optional substitute. The designation in force until `valid_from` ends that day.
/// The organisation's admin, or the platform admin.
#[utoipa::path(
    tag = "directory", operation_id = "designateContact",
    request_body = Designate,
    responses((status = 201, description = "Designated", body = ContactView,
        headers(("Location" = String, description = "The designation (`/api/v1/designations/{id}`)"))),
        AuthErrors, BodyErrors, Conflict),
    security(("bearer" = []))
)]
#[post("/designations")]
pub async fn designate(
    state: web::Data<AppState>,
    caller: Caller,
    Valid(body): Valid<Designate>,
) -> ApiResult<HttpResponse> {
    let view = directory::designate(&state.app, caller.into_inner(), body).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/designations/{}", view.id),
        ))
        .json(view))
}

/// The directory of contacts
///
/// Designated contacts, readable by every party of the convention, in the order they were recorded;
/// `on` keeps those in force that day.
#[utoipa::path(
    tag = "directory", operation_id = "listDesignations",
    params(DirectoryQuery, PageQuery),
    responses((status = 200, description = "Contacts", body = Page<ContactView>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/designations")]
pub async fn list_designations(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<DirectoryQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let listed = directory::list(
        &state.app,
        caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, listed, |c| c.id.clone()))
}

/// Read a designation
///
/// One designated contact, readable by every party of the convention (where `POST /designations`
/// points).
#[utoipa::path(
    tag = "directory", operation_id = "getDesignation",
    params(("id" = String, Path, description = "Designation id")),
    responses((status = 200, description = "The designation", body = ContactView), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/designations/{id}")]
pub async fn get_designation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let view = directory::get(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// End a designation
///
/// The holder leaves the post with no successor named yet: from `on`, the organisation has no
/// contact for this role (designating a successor later needs no end). 409 `designation_ended`
/// when it already ends by then. The designating organisation's admin, or the platform admin.
#[utoipa::path(
    tag = "directory", operation_id = "endDesignation",
    params(("id" = String, Path, description = "Designation id")),
    request_body = EndDesignation,
    responses((status = 200, description = "Ended", body = ContactView), AuthErrors, BodyErrors, NotFound, Conflict),
    security(("bearer" = []))
)]
#[post("/designations/{id}/end")]
pub async fn end_designation(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    Valid(body): Valid<EndDesignation>,
) -> ApiResult<HttpResponse> {
    let view = directory::end(&state.app, caller.into_inner(), id.into_inner(), body).await?;
    Ok(HttpResponse::Ok().json(view))
}
