//! `/organisations/{org_id}/people` and `/organisations/{org_id}/api-clients`: the principals of an
//! organisation, managed by its admin or the platform admin.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;
use vigie_domain::Role;
use vigie_domain::organisation::validate_roles;
use vigie_store::credentials::random_token;
use vigie_store::principals::{
    self as repo, NewPrincipal, PrincipalKind, PrincipalPatch, PrincipalRow,
};
use vigie_store::{DbConn, StoreError, organisations};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::{Created, IdempotencyKey, Valid, create_once, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery, fetch_size};
use crate::policy;
use crate::responses::{AuthErrors, BodyErrors, Conflict, NotFound, QueryErrors, Stale};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-9b1c-7d2e-8f30-4a5b6c7d8e9f", "org_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f",
    "login": "c.martin", "display_name": "Claire Martin", "email": "c.martin@bailleur.example",
    "roles": ["correspondent"], "active": true, "version": 1,
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z"
}))]
pub struct Person {
    pub id: String,
    pub org_id: String,
    pub login: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub roles: Vec<Role>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<PrincipalRow> for Person {
    type Error = ApiError;
    fn try_from(r: PrincipalRow) -> ApiResult<Self> {
        Ok(Self {
            roles: r.roles()?,
            id: r.id,
            org_id: r.org_id,
            login: r.login,
            display_name: r.display_name,
            email: r.email,
            active: r.active,
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-a1b2-7c3d-8e4f-5a6b7c8d9e0f", "org_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f",
    "client_id": "vg_4kQ2x9Lm7pR1sT8v", "name": "ERP Ikos production", "roles": ["integration"],
    "active": true, "version": 1, "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z"
}))]
pub struct ApiClient {
    pub id: String,
    pub org_id: String,
    pub client_id: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<PrincipalRow> for ApiClient {
    type Error = ApiError;
    fn try_from(r: PrincipalRow) -> ApiResult<Self> {
        Ok(Self {
            roles: r.roles()?,
            id: r.id,
            org_id: r.org_id,
            client_id: r.login,
            name: r.display_name,
            active: r.active,
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

/// An API client with its secret: the only answer that ever shows the secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientWithSecret {
    #[serde(flatten)]
    pub client: ApiClient,
    /// Shown once: store it now. Only its argon2 hash is kept.
    #[schema(example = "kS9v0x3Jd8QmL2pZ7rT4wY6uB1nC5eHa0fGjKlMoPqR")]
    pub client_secret: String,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"login": "c.martin", "display_name": "Claire Martin", "email": "c.martin@bailleur.example",
    "password": "correct-horse-battery-staple", "roles": ["correspondent"]}))]
pub struct CreatePerson {
    /// Unique across Vigie: letters, digits and `._@-`, 3 to 100 characters.
    #[validate(length(min = 3, max = 100), custom(function = "valid_login"))]
    #[schema(min_length = 3, max_length = 100, pattern = r"^[A-Za-z0-9._@-]+$")]
    pub login: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    #[validate(email, length(max = 254))]
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// At least 12 characters.
    #[validate(length(min = 12, max = 256))]
    #[schema(min_length = 12, max_length = 256)]
    pub password: String,
    /// Roles allowed for the organisation's kind (at least one).
    #[schema(min_items = 1)]
    pub roles: Vec<Role>,
}

fn valid_login(login: &str) -> Result<(), validator::ValidationError> {
    if login
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c))
    {
        Ok(())
    } else {
        Err(validator::ValidationError::new("login_charset")
            .with_message("letters, digits and . _ @ - only".into()))
    }
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"roles": ["correspondent", "admin"]}))]
pub struct UpdatePerson {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "crate::http::double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    pub roles: Option<Vec<Role>>,
    pub active: Option<bool>,
    #[validate(length(min = 12, max = 256))]
    #[schema(min_length = 12, max_length = 256)]
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "ERP Ikos production", "roles": ["integration"]}))]
pub struct CreateApiClient {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(min_items = 1)]
    pub roles: Vec<Role>,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UpdateApiClient {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub roles: Option<Vec<Role>>,
    pub active: Option<bool>,
}

/// Loads the organisation (404 if absent) and checks roles against its kind (422).
fn checked_roles(conn: &mut DbConn, org_id: &str, roles: &[Role]) -> ApiResult<Vec<Role>> {
    let org = organisations::get(conn, org_id)?;
    validate_roles(org.kind()?, roles)
        .map_err(|e| ApiError::invalid_field("roles", "invalid_roles", e.to_string()))
}

fn login_taken(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(_) => ApiError::conflict("login_taken", "this login is already used"),
        other => other.into(),
    }
}

async fn list_principals<T: ToSchema + Serialize>(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    kind: PrincipalKind,
    org_id: String,
    page: &PageQuery,
    map: impl FnMut(PrincipalRow) -> ApiResult<T>,
) -> ApiResult<HttpResponse> {
    policy::read_members(caller, &org_id)?;
    let limit = page.limit()?;
    let after = page.after()?;
    let rows = state
        .db(move |conn| {
            organisations::get(conn, &org_id)?;
            Ok(repo::list(
                conn,
                kind,
                &org_id,
                after.as_deref(),
                fetch_size(limit),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(req, rows, limit, |r| r.id.clone(), map)?))
}

async fn update_principal(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    kind: PrincipalKind,
    (org_id, id): (String, String),
    patch: PrincipalPatch,
) -> ApiResult<PrincipalRow> {
    policy::manage_members(caller, &org_id)?;
    let expected = if_match(req)?;
    let actor = caller.actor();
    state
        .tx(move |conn| {
            let mut patch = patch;
            if let Some(roles) = &patch.roles {
                patch.roles = Some(checked_roles(conn, &org_id, roles)?);
            }
            Ok(repo::update(
                conn, &actor, kind, &org_id, &id, expected, patch,
            )?)
        })
        .await
}

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
    let org_id = org_id.into_inner();
    policy::manage_members(&caller, &org_id)?;
    let actor = caller.actor();
    let request = serde_json::json!({"login": body.login, "display_name": body.display_name, "email": body.email, "roles": body.roles});
    create_once(&state, &caller, key, &request, move |conn| {
        let roles = checked_roles(conn, &org_id, &body.roles)?;
        let new = NewPrincipal {
            kind: PrincipalKind::Person,
            org_id: org_id.clone(),
            login: body.login,
            display_name: body.display_name.trim().to_owned(),
            email: body.email,
            secret: body.password,
            roles,
        };
        let row = repo::create(conn, &actor, new).map_err(login_taken)?;
        let version = row.version;
        let body = Person::try_from(row)?;
        Ok(Created {
            location: format!("/api/v1/organisations/{org_id}/people/{}", body.id),
            version,
            body,
        })
    })
    .await
}

/// List an organisation's people
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
    list_principals(
        &state,
        &caller,
        &req,
        PrincipalKind::Person,
        org_id.into_inner(),
        &page,
        Person::try_from,
    )
    .await
}

/// Read a person
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
    let (org_id, id) = path.into_inner();
    policy::read_members(&caller, &org_id)?;
    let row = state
        .db(move |conn| {
            repo::find_in_org(conn, PrincipalKind::Person, &org_id, &id)?
                .ok_or_else(ApiError::not_found)
        })
        .await?;
    let version = row.version;
    Ok(ok_with_etag(&Person::try_from(row)?, version))
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
    if let Some(Some(email)) = &body.email
        && !validator::ValidateEmail::validate_email(email)
    {
        return Err(ApiError::invalid_field(
            "email",
            "email",
            "not an email address",
        ));
    }
    let patch = PrincipalPatch {
        display_name: body.display_name.map(|n| n.trim().to_owned()),
        email: body.email,
        roles: body.roles,
        active: body.active,
        secret: body.password,
    };
    let row = update_principal(
        &state,
        &caller,
        &req,
        PrincipalKind::Person,
        path.into_inner(),
        patch,
    )
    .await?;
    let version = row.version;
    Ok(ok_with_etag(&Person::try_from(row)?, version))
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
    let org_id = org_id.into_inner();
    policy::manage_members(&caller, &org_id)?;
    let actor = caller.actor();
    let request = serde_json::to_value(&body).map_err(|_| ApiError::internal())?;
    create_once(&state, &caller, key, &request, move |conn| {
        let roles = checked_roles(conn, &org_id, &body.roles)?;
        let secret = random_token(32);
        let new = NewPrincipal {
            kind: PrincipalKind::ApiClient,
            org_id: org_id.clone(),
            login: format!("vg_{}", random_token(12)),
            display_name: body.name.trim().to_owned(),
            email: None,
            secret: secret.clone(),
            roles,
        };
        let row = repo::create(conn, &actor, new)?;
        let version = row.version;
        let client = ApiClient::try_from(row)?;
        let location = format!("/api/v1/organisations/{org_id}/api-clients/{}", client.id);
        Ok(Created {
            location,
            version,
            body: ApiClientWithSecret {
                client,
                client_secret: secret,
            },
        })
    })
    .await
}

/// List an organisation's API clients
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
    list_principals(
        &state,
        &caller,
        &req,
        PrincipalKind::ApiClient,
        org_id.into_inner(),
        &page,
        ApiClient::try_from,
    )
    .await
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
    let patch = PrincipalPatch {
        display_name: body.name.map(|n| n.trim().to_owned()),
        roles: body.roles,
        active: body.active,
        ..PrincipalPatch::default()
    };
    let row = update_principal(
        &state,
        &caller,
        &req,
        PrincipalKind::ApiClient,
        path.into_inner(),
        patch,
    )
    .await?;
    let version = row.version;
    Ok(ok_with_etag(&ApiClient::try_from(row)?, version))
}

/// Rotate an API client's secret
///
/// The old secret stops working at once; tokens already issued stay valid until they expire.
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
    let secret = random_token(32);
    let patch = PrincipalPatch {
        secret: Some(secret.clone()),
        ..PrincipalPatch::default()
    };
    let row = update_principal(
        &state,
        &caller,
        &req,
        PrincipalKind::ApiClient,
        path.into_inner(),
        patch,
    )
    .await?;
    let version = row.version;
    Ok(ok_with_etag(
        &ApiClientWithSecret {
            client: ApiClient::try_from(row)?,
            client_secret: secret,
        },
        version,
    ))
}
