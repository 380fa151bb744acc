//! `/residences` and `/staff`: a bailleur's property and front-line people, synced from its ERP.

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

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, Answer, Created};
use crate::page::{Listed, PageRequest, fetch_size, views_of};
use crate::policy;

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Building {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50, example = "B")]
    pub name: String,
    /// Entrances (cages d'escalier) of the building.
    #[serde(default)]
    #[schema(example = json!(["B1", "B2"]), max_items = 100, max_length = 50)]
    pub entrances: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b", "external_ref": "RES-0042", "name": "Les Provinces Françaises",
    "address": "12 rue de Bourgogne, 92000 Nanterre", "insee_code": "92050", "buildings": [{"name": "B", "entrances": ["B1", "B2"]}],
    "qpv": true, "guarded_l271_1": false, "version": 1, "created_at": "2026-11-28T09:00:00.000000Z", "updated_at": "2026-11-28T09:00:00.000000Z"}))]
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
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "vigie_domain::timestamp")]
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<ResidenceRow> for Residence {
    type Error = AppError;
    fn try_from(r: ResidenceRow) -> AppResult<Self> {
        Ok(Self {
            buildings: r.buildings()?,
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
    #[schema(max_length = 5, pattern = r"^([0-9]{2}|2[AB])[0-9]{3}$")]
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

/// What a sync by reference did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synced {
    Created,
    Updated,
    Unchanged,
}

/// Create or update a residence by its reference
///
/// Idempotent sync for ERPs: the residence the bailleur knows as `external_ref` is created (201),
/// updated (200) or left unchanged (200, `Vigie-Sync: unchanged`). Admin and integration roles.
pub async fn put_residence(
    app: &App,
    caller: Caller,
    external_ref: String,
    body: PutResidence,
) -> AppResult<(Residence, Synced)> {
    policy::manage_property(&caller)?;
    if external_ref.is_empty() || external_ref.len() > 100 {
        return Err(AppError::invalid_field(
            "external_ref",
            "invalid_ref",
            "1 to 100 characters",
        ));
    }
    let insee = InseeCode::parse(&body.insee_code)
        .map_err(|e| AppError::invalid_field("insee_code", "invalid_insee_code", e.to_string()))?;
    let actor = caller.actor();
    let org_id = caller.org_id.clone();
    let buildings = serde_json::to_string(&body.buildings).map_err(|_| AppError::internal())?;
    let (row, outcome) = app
        .tx(move |conn| {
            if reference::find_commune(conn, insee.as_str())?.is_none() {
                return Err(AppError::invalid_field(
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
    let synced = match outcome {
        Upsert::Created => Synced::Created,
        Upsert::Updated => Synced::Updated,
        Upsert::Unchanged => Synced::Unchanged,
    };
    Ok((Residence::try_from(row)?, synced))
}

/// List the bailleur's residences
pub async fn list_residences(
    app: &App,
    caller: Caller,
    page: PageRequest,
) -> AppResult<Listed<Residence>> {
    policy::bailleur_member(&caller)?;
    let limit = page.limit;
    let after = page.after.clone();
    let org = caller.org_id.clone();
    let rows = app
        .db(move |conn| Ok(repo::list(conn, &org, after.as_deref(), fetch_size(limit))?))
        .await?;
    views_of(rows, limit, Residence::try_from)
}

/// Read a residence
pub async fn get_residence(app: &App, caller: Caller, id: String) -> AppResult<Residence> {
    policy::bailleur_member(&caller).map_err(|_| AppError::not_found())?;
    let org = caller.org_id.clone();
    let row = app
        .db(move |conn| repo::find_in_org(conn, &org, &id)?.ok_or_else(AppError::not_found))
        .await?;
    Residence::try_from(row)
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-e5f6-7071-8b83-9d0e1f2a3b4c", "external_ref": "EMP-118", "first_name": "Karim", "last_name": "Benali",
    "role": "gardien", "sworn_guard": false, "active": true, "version": 1, "created_at": "2026-11-28T09:00:00.000000Z", "updated_at": "2026-11-28T09:00:00.000000Z"}))]
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
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "vigie_domain::timestamp")]
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<StaffRow> for Staff {
    type Error = AppError;
    fn try_from(r: StaffRow) -> AppResult<Self> {
        Ok(Self {
            role: r.role()?,
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
pub async fn create_staff(
    app: &App,
    caller: Caller,
    key: Option<String>,
    body: CreateStaff,
) -> AppResult<Answer> {
    policy::manage_property(&caller)?;
    let actor = caller.actor();
    let org = caller.org_id.clone();
    let request = serde_json::to_value(&body).map_err(|_| AppError::internal())?;
    idempotency::create_once(app, caller.sub.clone(), key, &request, move |conn| {
        let n = NewStaff {
            external_ref: body.external_ref,
            first_name: body.first_name.trim().to_owned(),
            last_name: body.last_name.trim().to_owned(),
            role: body.role.as_str().to_owned(),
            sworn_guard: body.sworn_guard,
        };
        let row = repo::create_staff(conn, &actor, &org, n).map_err(|e| match e {
            vigie_store::StoreError::Conflict(_) => AppError::conflict(
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
pub async fn list_staff(app: &App, caller: Caller, page: PageRequest) -> AppResult<Listed<Staff>> {
    policy::bailleur_member(&caller)?;
    let limit = page.limit;
    let after = page.after.clone();
    let org = caller.org_id.clone();
    let rows = app
        .db(move |conn| {
            Ok(repo::list_staff(
                conn,
                &org,
                after.as_deref(),
                fetch_size(limit),
            )?)
        })
        .await?;
    views_of(rows, limit, Staff::try_from)
}

/// Read a staff member
pub async fn get_staff(app: &App, caller: Caller, id: String) -> AppResult<Staff> {
    policy::bailleur_member(&caller).map_err(|_| AppError::not_found())?;
    let org = caller.org_id.clone();
    let row = app
        .db(move |conn| repo::find_staff(conn, &org, &id)?.ok_or_else(AppError::not_found))
        .await?;
    Staff::try_from(row)
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
pub async fn update_staff(
    app: &App,
    caller: Caller,
    expected_version: Option<i64>,
    id: String,
    body: UpdateStaff,
) -> AppResult<Staff> {
    policy::bailleur_member(&caller).map_err(|_| AppError::not_found())?;
    policy::manage_property(&caller)?;
    let expected = expected_version;
    let actor = caller.actor();
    let org = caller.org_id.clone();
    let patch = StaffPatch {
        first_name: body.first_name,
        last_name: body.last_name,
        role: body.role.map(|r| r.as_str().to_owned()),
        sworn_guard: body.sworn_guard,
        active: body.active,
    };
    let row = app
        .tx(move |conn| {
            Ok(repo::update_staff(
                conn, &actor, &org, &id, expected, patch,
            )?)
        })
        .await?;
    Staff::try_from(row)
}
