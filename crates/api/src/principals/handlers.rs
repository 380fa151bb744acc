//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use vigie_app::principals;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::{IdempotencyKey, Valid, created_response, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Create a person
///
/// A person logs in with the OAuth2 password grant (`/auth/token`). Supports `Idempotency-Key`.
#[utoipa::path(
    tag = "people", operation_id = "createPerson",
    params(("org_id" = String, Path, description = "Organisation id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreatePerson,
    responses((status = 201, description = "Created", body = Person, headers(("ETag" = String), ("Location" = String))),
              AuthErrors, BodyErrors, NotFound, Conflict),
    security(("bearer" = []))
)]
#[post("/organisations/{org_id}/people")]
pub async fn create_person(
    state: web::Data<AppState>,
    caller: Caller,
    org_id: web::Path<String>,
    key: IdempotencyKey,
    Valid(body): Valid<CreatePerson>,
) -> ApiResult<HttpResponse> {
    let r = principals::create_person(
        &state.app,
        caller.into_inner(),
        org_id.into_inner(),
        key.0,
        body,
    )
    .await?;
    Ok(created_response(r.location, r.version, r.replayed, &r.body))
}

/// List an organisation's people
///
/// The organisation's people and their roles, for its admin or the platform admin;
/// keyset-paginated.
#[utoipa::path(
    tag = "people", operation_id = "listPeople",
    params(("org_id" = String, Path, description = "Organisation id"), PageQuery),
    responses((status = 200, description = "One page", body = Page<Person>), AuthErrors, NotFound, QueryErrors),
    security(("bearer" = []))
)]
#[get("/organisations/{org_id}/people")]
pub async fn list_people(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    org_id: web::Path<String>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = principals::list_people(
        &state.app,
        caller.into_inner(),
        org_id.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |v| v.id.clone()))
}

/// Read a person
///
/// A person of the organisation, with the ETag to send in `If-Match` when changing roles, password
/// or status.
#[utoipa::path(
    tag = "people", operation_id = "getPerson",
    params(("org_id" = String, Path, description = "Organisation id"), ("id" = String, Path, description = "Person id")),
    responses((status = 200, description = "The person", body = Person, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/organisations/{org_id}/people/{id}")]
pub async fn get_person(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let r = principals::get_person(&state.app, caller.into_inner(), path.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Update a person
///
/// Change name, email, roles, password, or deactivate (`active: false`: no new tokens).
#[utoipa::path(
    tag = "people", operation_id = "updatePerson",
    params(("org_id" = String, Path, description = "Organisation id"), ("id" = String, Path, description = "Person id"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = UpdatePerson,
    responses((status = 200, description = "Updated", body = Person, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Stale),
    security(("bearer" = []))
)]
#[patch("/organisations/{org_id}/people/{id}")]
pub async fn update_person(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    Valid(body): Valid<UpdatePerson>,
) -> ApiResult<HttpResponse> {
    let r = principals::update_person(
        &state.app,
        caller.into_inner(),
        path.into_inner(),
        if_match(&req)?,
        body,
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Create an API client
///
/// For machine-to-machine integrations (OAuth2 client credentials). The answer shows the secret once.
#[utoipa::path(
    tag = "api-clients", operation_id = "createApiClient",
    params(("org_id" = String, Path, description = "Organisation id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = CreateApiClient,
    responses((status = 201, description = "Created; the secret is shown only here", body = ApiClientWithSecret,
               headers(("ETag" = String), ("Location" = String))),
              AuthErrors, BodyErrors, NotFound),
    security(("bearer" = []))
)]
#[post("/organisations/{org_id}/api-clients")]
pub async fn create_api_client(
    state: web::Data<AppState>,
    caller: Caller,
    org_id: web::Path<String>,
    key: IdempotencyKey,
    Valid(body): Valid<CreateApiClient>,
) -> ApiResult<HttpResponse> {
    let r = principals::create_api_client(
        &state.app,
        caller.into_inner(),
        org_id.into_inner(),
        key.0,
        body,
    )
    .await?;
    Ok(created_response(r.location, r.version, r.replayed, &r.body))
}

/// List an organisation's API clients
///
/// The organisation's API clients (never their secrets), for its admin or the platform admin;
/// keyset-paginated.
#[utoipa::path(
    tag = "api-clients", operation_id = "listApiClients",
    params(("org_id" = String, Path, description = "Organisation id"), PageQuery),
    responses((status = 200, description = "One page", body = Page<ApiClient>), AuthErrors, NotFound, QueryErrors),
    security(("bearer" = []))
)]
#[get("/organisations/{org_id}/api-clients")]
pub async fn list_api_clients(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    org_id: web::Path<String>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = principals::list_api_clients(
        &state.app,
        caller.into_inner(),
        org_id.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |v| v.id.clone()))
}

/// Update an API client
///
/// Rename, change roles, or revoke (`active: false`: no new tokens).
#[utoipa::path(
    tag = "api-clients", operation_id = "updateApiClient",
    params(("org_id" = String, Path, description = "Organisation id"), ("id" = String, Path, description = "API client id"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = UpdateApiClient,
    responses((status = 200, description = "Updated", body = ApiClient, headers(("ETag" = String))), AuthErrors, BodyErrors, NotFound, Stale),
    security(("bearer" = []))
)]
#[patch("/organisations/{org_id}/api-clients/{id}")]
pub async fn update_api_client(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    Valid(body): Valid<UpdateApiClient>,
) -> ApiResult<HttpResponse> {
    let r = principals::update_api_client(
        &state.app,
        caller.into_inner(),
        path.into_inner(),
        if_match(&req)?,
        body,
    )
    .await?;
    Ok(ok_with_etag(&r, r.version))
}

/// Rotate an API client's secret
///
/// The old secret stops working at once, and so do the tokens obtained with it.
#[utoipa::path(
    tag = "api-clients", operation_id = "rotateApiClientSecret",
    params(("org_id" = String, Path, description = "Organisation id"), ("id" = String, Path, description = "API client id")),
    responses((status = 200, description = "The new secret, shown once", body = ApiClientWithSecret), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[post("/organisations/{org_id}/api-clients/{id}/secret")]
pub async fn rotate_api_client_secret(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let r = principals::rotate_api_client_secret(
        &state.app,
        caller.into_inner(),
        path.into_inner(),
        if_match(&req)?,
    )
    .await?;
    Ok(ok_with_etag(&r, r.client.version))
}

/// Read an API client
///
/// An API client of the organisation (where its creation points), never its secret; with the ETag
/// to send in `If-Match` when renaming it, changing its roles or revoking it.
#[utoipa::path(
    tag = "api-clients", operation_id = "getApiClient",
    params(("org_id" = String, Path, description = "Organisation id"), ("id" = String, Path, description = "API client id")),
    responses((status = 200, description = "The API client", body = ApiClient, headers(("ETag" = String))), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/organisations/{org_id}/api-clients/{id}")]
pub async fn get_api_client(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let r = principals::get_api_client(&state.app, caller.into_inner(), path.into_inner()).await?;
    Ok(ok_with_etag(&r, r.version))
}
