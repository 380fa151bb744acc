//! `/residences` and `/staff`: a bailleur's property and front-line people, synced from its ERP.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;
use vigie_domain::InseeCode;
use vigie_domain::incident::StaffRole;
use vigie_store::reference;
use vigie_store::residences::{
    self as repo, NewStaff, ResidenceData, ResidenceRow, StaffPatch, StaffRow, Upsert,
};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::{Created, IdempotencyKey, Valid, create_once, if_match, ok_with_etag};
use crate::pagination::{Page, PageQuery, fetch_size};
use crate::policy;
use crate::responses::{AuthErrors, BodyErrors, Conflict, NotFound, QueryErrors, Stale};
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Building {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50, example = "B")]
    pub name: String,
    /// Entrances (cages d'escalier) of the building.
    #[serde(default)]
    #[schema(example = json!(["B1", "B2"]))]
    pub entrances: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b", "external_ref": "RES-0042", "name": "Les Provinces Françaises",
    "address": "12 rue de Bourgogne, 92000 Nanterre", "insee_code": "92050", "buildings": [{"name": "B", "entrances": ["B1", "B2"]}],
    "qpv": true, "guarded_l271_1": false, "version": 1, "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z"}))]
pub struct Residence {
    pub id: String,
    /// The bailleur's own reference (ERP key), unique per bailleur.
    pub external_ref: String,
    pub name: String,
    pub address: String,
    pub insee_code: String,
    pub buildings: Vec<Building>,
    /// In a quartier prioritaire de la politique de la ville.
    pub qpv: bool,
    /// Guarded under L.271-1 CSI (obligation of guarding or surveillance).
    pub guarded_l271_1: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<ResidenceRow> for Residence {
    type Error = ApiError;
    fn try_from(r: ResidenceRow) -> ApiResult<Self> {
        Ok(Self {
            buildings: serde_json::from_str(&r.buildings).map_err(|_| ApiError::internal())?,
            id: r.id,
            external_ref: r.external_ref,
            name: r.name,
            address: r.address,
            insee_code: r.insee_code,
            qpv: r.qpv,
            guarded_l271_1: r.guarded_l271_1,
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Les Provinces Françaises", "address": "12 rue de Bourgogne, 92000 Nanterre", "insee_code": "92050",
    "buildings": [{"name": "B", "entrances": ["B1", "B2"]}], "qpv": true, "guarded_l271_1": false}))]
pub struct PutResidence {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub address: String,
    /// INSEE code of the commune (decides the police circonscription).
    #[schema(pattern = r"^([0-9]{2}|2[AB])[0-9]{3}$")]
    pub insee_code: String,
    #[serde(default)]
    #[validate(length(max = 200), nested)]
    #[schema(max_items = 200)]
    pub buildings: Vec<Building>,
    #[serde(default)]
    pub qpv: bool,
    #[serde(default)]
    pub guarded_l271_1: bool,
}

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
    policy::manage_property(&caller)?;
    let external_ref = external_ref.into_inner();
    if external_ref.is_empty() || external_ref.len() > 100 {
        return Err(ApiError::invalid_field(
            "external_ref",
            "invalid_ref",
            "1 to 100 characters",
        ));
    }
    let insee = InseeCode::parse(&body.insee_code)
        .map_err(|e| ApiError::invalid_field("insee_code", "invalid_insee_code", e.to_string()))?;
    let actor = caller.actor();
    let org_id = caller.org_id.clone();
    let buildings = serde_json::to_string(&body.buildings).map_err(|_| ApiError::internal())?;
    let (row, outcome) = state
        .tx(move |conn| {
            if reference::find_commune(conn, insee.as_str())?.is_none() {
                return Err(ApiError::invalid_field(
                    "insee_code",
                    "unknown_commune",
                    "not a commune of the reference data",
                ));
            }
            let data = ResidenceData {
                name: body.name.trim().to_owned(),
                address: body.address.trim().to_owned(),
                insee_code: insee.to_string(),
                buildings,
                qpv: body.qpv,
                guarded_l271_1: body.guarded_l271_1,
            };
            Ok(repo::upsert(conn, &actor, &org_id, &external_ref, data)?)
        })
        .await?;
    let version = row.version;
    let dto = Residence::try_from(row)?;
    Ok(match outcome {
        Upsert::Created => HttpResponse::Created()
            .insert_header(("location", format!("/api/v1/residences/{}", dto.id)))
            .insert_header(actix_web::http::header::ETag(crate::http::etag(version)))
            .json(dto),
        Upsert::Updated | Upsert::Unchanged => {
            let mut res = ok_with_etag(&dto, version);
            let tag = if outcome == Upsert::Updated {
                "updated"
            } else {
                "unchanged"
            };
            res.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("vigie-sync"),
                actix_web::http::header::HeaderValue::from_static(tag),
            );
            res
        }
    })
}

/// List the bailleur's residences
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
    policy::bailleur_member(&caller)?;
    let limit = page.limit()?;
    let after = page.after()?;
    let org = caller.org_id.clone();
    let rows = state
        .db(move |conn| Ok(repo::list(conn, &org, after.as_deref(), fetch_size(limit))?))
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        &req,
        rows,
        limit,
        |r| r.id.clone(),
        Residence::try_from,
    )?))
}

/// Read a residence
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
    policy::bailleur_member(&caller).map_err(|_| ApiError::not_found())?;
    let org = caller.org_id.clone();
    let row = state
        .db(move |conn| repo::find_in_org(conn, &org, &id)?.ok_or_else(ApiError::not_found))
        .await?;
    let version = row.version;
    Ok(ok_with_etag(&Residence::try_from(row)?, version))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-e5f6-7071-8b83-9d0e1f2a3b4c", "external_ref": "EMP-118", "first_name": "Karim", "last_name": "Benali",
    "role": "gardien", "sworn_guard": false, "active": true, "version": 1, "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z"}))]
pub struct Staff {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub role: StaffRole,
    /// A sworn building guard or a landlord guard of L.271-1 CSI (named limbs of 222-13 4° and 433-3 al.1).
    pub sworn_guard: bool,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<StaffRow> for Staff {
    type Error = ApiError;
    fn try_from(r: StaffRow) -> ApiResult<Self> {
        Ok(Self {
            role: StaffRole::parse(&r.role).ok_or_else(ApiError::internal)?,
            id: r.id,
            external_ref: r.external_ref,
            first_name: r.first_name,
            last_name: r.last_name,
            sworn_guard: r.sworn_guard,
            active: r.active,
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"external_ref": "EMP-118", "first_name": "Karim", "last_name": "Benali", "role": "gardien"}))]
pub struct CreateStaff {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_ref: Option<String>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub first_name: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub last_name: String,
    pub role: StaffRole,
    #[serde(default)]
    pub sworn_guard: bool,
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
    policy::manage_property(&caller)?;
    let actor = caller.actor();
    let org = caller.org_id.clone();
    let request = serde_json::to_value(&body).map_err(|_| ApiError::internal())?;
    create_once(&state, &caller, key, &request, move |conn| {
        let n = NewStaff {
            external_ref: body.external_ref,
            first_name: body.first_name.trim().to_owned(),
            last_name: body.last_name.trim().to_owned(),
            role: body.role.as_str().to_owned(),
            sworn_guard: body.sworn_guard,
        };
        let row = repo::create_staff(conn, &actor, &org, n).map_err(|e| match e {
            vigie_store::StoreError::Conflict(_) => ApiError::conflict(
                "external_ref_taken",
                "a staff member with this external_ref exists",
            ),
            other => other.into(),
        })?;
        let version = row.version;
        let body = Staff::try_from(row)?;
        Ok(Created {
            location: format!("/api/v1/staff/{}", body.id),
            version,
            body,
        })
    })
    .await
}

/// List the bailleur's staff
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
    policy::bailleur_member(&caller)?;
    let limit = page.limit()?;
    let after = page.after()?;
    let org = caller.org_id.clone();
    let rows = state
        .db(move |conn| {
            Ok(repo::list_staff(
                conn,
                &org,
                after.as_deref(),
                fetch_size(limit),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        &req,
        rows,
        limit,
        |r| r.id.clone(),
        Staff::try_from,
    )?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "agent_de_proximite", "active": true}))]
pub struct UpdateStaff {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub first_name: Option<String>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub last_name: Option<String>,
    pub role: Option<StaffRole>,
    pub sworn_guard: Option<bool>,
    pub active: Option<bool>,
}

/// Update a staff member
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
    policy::bailleur_member(&caller).map_err(|_| ApiError::not_found())?;
    policy::manage_property(&caller)?;
    let expected = if_match(&req)?;
    let actor = caller.actor();
    let org = caller.org_id.clone();
    let patch = StaffPatch {
        first_name: body.first_name,
        last_name: body.last_name,
        role: body.role.map(|r| r.as_str().to_owned()),
        sworn_guard: body.sworn_guard,
        active: body.active,
    };
    let row = state
        .tx(move |conn| {
            Ok(repo::update_staff(
                conn, &actor, &org, &id, expected, patch,
            )?)
        })
        .await?;
    let version = row.version;
    Ok(ok_with_etag(&Staff::try_from(row)?, version))
}
