//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpResponse, get, post, web};
use vigie_app::directory;

use super::dto::{ContactView, Designate, DirectoryQuery};
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::Valid;
use crate::pagination::Page;
use crate::responses::{AuthErrors, BodyErrors, Conflict, QueryErrors};
use crate::state::AppState;

/// Designate a contact
///
/// A bailleur designates its correspondant tranquillité-sécurité, a police circonscription its
/// correspondent, the parquet its magistrat référent: one holder per role and organisation at a
/// time, with an optional substitute. The organisation's admin, or the platform admin.
#[utoipa::path(
    tag = "directory", operation_id = "designateContact",
    request_body = Designate,
    responses((status = 201, description = "Designated", body = ContactView), AuthErrors, BodyErrors, Conflict),
    security(("bearer" = []))
)]
#[post("/designations")]
pub async fn designate(
    state: web::Data<AppState>,
    caller: Caller,
    Valid(body): Valid<Designate>,
) -> ApiResult<HttpResponse> {
    let view = directory::designate(&state.app, caller.into_inner(), body).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The directory of contacts
///
/// Designated contacts, readable by every party of the convention.
#[utoipa::path(
    tag = "directory", operation_id = "listDesignations",
    params(DirectoryQuery),
    responses((status = 200, description = "Contacts", body = Page<ContactView>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/designations")]
pub async fn list_designations(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<DirectoryQuery>,
) -> ApiResult<HttpResponse> {
    let list = directory::list(&state.app, caller.into_inner(), q.into_inner()).await?;
    Ok(HttpResponse::Ok().json(Page::whole(list)))
}
