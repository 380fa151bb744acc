//! `/organisations/{org_id}/people` and `/organisations/{org_id}/api-clients`: the principals of an
//! organisation, managed by its admin or the platform admin.

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

use crate::auth;
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, Answer, Created};
use crate::page::{Listed, PageRequest, fetch_size, views_of};
use crate::policy;
use crate::revocation;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-9b1c-7d2e-8f30-4a5b6c7d8e9f", "org_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f",
    "login": "c.martin", "display_name": "Claire Martin", "email": "c.martin@bailleur.example",
    "roles": ["correspondent"], "active": true, "version": 1,
    "created_at": "2026-11-28T09:00:00.000000Z", "updated_at": "2026-11-28T09:00:00.000000Z"
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
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "vigie_domain::timestamp")]
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<PrincipalRow> for Person {
    type Error = AppError;
    fn try_from(r: PrincipalRow) -> AppResult<Self> {
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
    "active": true, "version": 1, "created_at": "2026-11-28T09:00:00.000000Z", "updated_at": "2026-11-28T09:00:00.000000Z"
}))]
pub struct ApiClient {
    pub id: String,
    pub org_id: String,
    pub client_id: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub active: bool,
    pub version: i64,
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "vigie_domain::timestamp")]
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<PrincipalRow> for ApiClient {
    type Error = AppError;
    fn try_from(r: PrincipalRow) -> AppResult<Self> {
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
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(max_length = 254, value_type = Option<String>)]
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
fn checked_roles(conn: &mut DbConn, org_id: &str, roles: &[Role]) -> AppResult<Vec<Role>> {
    let org = organisations::get(conn, org_id)?;
    validate_roles(org.kind()?, roles)
        .map_err(|e| AppError::invalid_field("roles", "invalid_roles", e.to_string()))
}

fn login_taken(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::conflict("login_taken", "this login is already used"),
        other => other.into(),
    }
}

async fn list_principals<T: Send + 'static>(
    app: &App,
    caller: &Caller,
    kind: PrincipalKind,
    org_id: String,
    page: PageRequest,
    map: impl FnMut(PrincipalRow) -> AppResult<T>,
) -> AppResult<Listed<T>> {
    policy::read_members(caller, &org_id)?;
    let limit = page.limit;
    let after = page.after;
    let rows = app
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
    views_of(rows, limit, map)
}

async fn update_principal(
    app: &App,
    caller: &Caller,
    expected: Option<i64>,
    kind: PrincipalKind,
    (org_id, id): (String, String),
    patch: PrincipalPatch,
) -> AppResult<PrincipalRow> {
    policy::manage_members(caller, &org_id)?;
    let actor = caller.actor();
    let handle = app.clone();
    let (row, pending) = app
        .tx(move |conn| {
            let mut patch = patch;
            if let Some(roles) = &patch.roles {
                patch.roles = Some(checked_roles(conn, &org_id, roles)?);
            }
            let before =
                repo::find_in_org(conn, kind, &org_id, &id)?.ok_or(StoreError::NotFound)?;
            let row = repo::update(conn, &actor, kind, &org_id, &id, expected, patch.clone())?;
            let pending = match ends_tokens(&before, &row, &patch)? {
                Some(reason) => revocation::revoke_principal(
                    &handle,
                    conn,
                    &auth::sub_of(kind, &row.login),
                    row.version,
                    reason,
                )?,
                None => revocation::Pending::none(),
            };
            Ok((row, pending))
        })
        .await?;
    pending.apply(app);
    Ok(row)
}

/// Whether a change to a principal ends the tokens it already holds, and why: deactivated, roles
/// changed, or password or secret changed.
fn ends_tokens(
    before: &PrincipalRow,
    after: &PrincipalRow,
    patch: &PrincipalPatch,
) -> AppResult<Option<&'static str>> {
    Ok(if before.active && !after.active {
        Some("deactivated")
    } else if before.roles()? != after.roles()? {
        Some("roles changed")
    } else if patch.secret.is_some() {
        Some("secret changed")
    } else {
        None
    })
}

/// Create a person
///
/// A person logs in with the OAuth2 password grant (`/auth/token`). Supports `Idempotency-Key`.
pub async fn create_person(
    app: &App,
    caller: Caller,
    org_id: String,
    key: Option<String>,
    body: CreatePerson,
) -> AppResult<Answer> {
    policy::manage_members(&caller, &org_id)?;
    let actor = caller.actor();
    let request = serde_json::json!({"login": body.login, "display_name": body.display_name, "email": body.email, "roles": body.roles});
    idempotency::create_once(app, caller.sub.clone(), key, &request, move |conn| {
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
pub async fn list_people(
    app: &App,
    caller: Caller,
    org_id: String,
    page: PageRequest,
) -> AppResult<Listed<Person>> {
    list_principals(
        app,
        &caller,
        PrincipalKind::Person,
        org_id,
        page,
        Person::try_from,
    )
    .await
}

/// A principal of `kind` in `org_id`, for a caller who may read the organisation's members.
async fn get_principal(
    app: &App,
    caller: &Caller,
    kind: PrincipalKind,
    (org_id, id): (String, String),
) -> AppResult<PrincipalRow> {
    policy::read_members(caller, &org_id)?;
    app.db(move |conn| repo::find_in_org(conn, kind, &org_id, &id)?.ok_or_else(AppError::not_found))
        .await
}

/// Read a person
pub async fn get_person(app: &App, caller: Caller, path: (String, String)) -> AppResult<Person> {
    Person::try_from(get_principal(app, &caller, PrincipalKind::Person, path).await?)
}

/// Read an API client
pub async fn get_api_client(
    app: &App,
    caller: Caller,
    path: (String, String),
) -> AppResult<ApiClient> {
    ApiClient::try_from(get_principal(app, &caller, PrincipalKind::ApiClient, path).await?)
}

/// Update a person
///
/// Change name, email, roles, password, or deactivate (`active: false`: no new tokens).
pub async fn update_person(
    app: &App,
    caller: Caller,
    path: (String, String),
    expected_version: Option<i64>,
    body: UpdatePerson,
) -> AppResult<Person> {
    if let Some(Some(email)) = &body.email
        && !validator::ValidateEmail::validate_email(email)
    {
        return Err(AppError::invalid_field(
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
        app,
        &caller,
        expected_version,
        PrincipalKind::Person,
        path,
        patch,
    )
    .await?;
    Person::try_from(row)
}

/// Create an API client
///
/// For machine-to-machine integrations (OAuth2 client credentials). The answer shows the secret once.
pub async fn create_api_client(
    app: &App,
    caller: Caller,
    org_id: String,
    key: Option<String>,
    body: CreateApiClient,
) -> AppResult<Answer> {
    policy::manage_members(&caller, &org_id)?;
    let actor = caller.actor();
    let request = serde_json::to_value(&body).map_err(|_| AppError::internal())?;
    idempotency::create_once(app, caller.sub.clone(), key, &request, move |conn| {
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
pub async fn list_api_clients(
    app: &App,
    caller: Caller,
    org_id: String,
    page: PageRequest,
) -> AppResult<Listed<ApiClient>> {
    list_principals(
        app,
        &caller,
        PrincipalKind::ApiClient,
        org_id,
        page,
        ApiClient::try_from,
    )
    .await
}

/// Update an API client
///
/// Rename, change roles, or revoke (`active: false`: no new tokens).
pub async fn update_api_client(
    app: &App,
    caller: Caller,
    path: (String, String),
    expected_version: Option<i64>,
    body: UpdateApiClient,
) -> AppResult<ApiClient> {
    let patch = PrincipalPatch {
        display_name: body.name.map(|n| n.trim().to_owned()),
        roles: body.roles,
        active: body.active,
        ..PrincipalPatch::default()
    };
    let row = update_principal(
        app,
        &caller,
        expected_version,
        PrincipalKind::ApiClient,
        path,
        patch,
    )
    .await?;
    ApiClient::try_from(row)
}

/// Rotate an API client's secret
///
/// The old secret stops working at once, and so do the tokens obtained with it.
pub async fn rotate_api_client_secret(
    app: &App,
    caller: Caller,
    path: (String, String),
    expected_version: Option<i64>,
) -> AppResult<ApiClientWithSecret> {
    let secret = random_token(32);
    let patch = PrincipalPatch {
        secret: Some(secret.clone()),
        ..PrincipalPatch::default()
    };
    let row = update_principal(
        app,
        &caller,
        expected_version,
        PrincipalKind::ApiClient,
        path,
        patch,
    )
    .await?;
    Ok(ApiClientWithSecret {
        client: ApiClient::try_from(row)?,
        client_secret: secret,
    })
}
