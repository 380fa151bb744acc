//! `/communes`, `/circonscriptions`, `/commune-mappings`: the geography that routes every record to
//! its police circonscription, as dated, editable reference data.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;
use vigie_domain::InseeCode;
use vigie_domain::offence::Reliability;
use vigie_store::StoreError;
use vigie_store::reference::{self as repo, CirconscriptionRow, MappingError, MappingRow};

use crate::calendar::today;
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::policy;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"insee_code": "92019", "name": "Châtenay-Malabry", "postal_code": "92290",
    "circonscription": {"code": "CSP-92019", "name": "CSP Châtenay-Malabry", "reliability": "verified"}}))]
pub struct Commune {
    pub insee_code: String,
    pub name: String,
    pub postal_code: String,
    /// The circonscription in force on the requested date (today by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circonscription: Option<Circonscription>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"code": "CSP-92023", "name": "CSP Clamart", "reliability": "verified"}))]
pub struct Circonscription {
    pub code: String,
    pub name: String,
    /// `verified` or `unverified`: most of the default map is a placeholder until a deployment loads
    /// the real one.
    pub reliability: String,
}

impl From<CirconscriptionRow> for Circonscription {
    fn from(r: CirconscriptionRow) -> Self {
        Self {
            code: r.code,
            name: r.name,
            reliability: r.reliability,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5e-b2c3-7d4e-8f50-6a7b8c9d0e1f", "insee_code": "92071", "circonscription_code": "CSP-92019",
    "valid_from": "2022-09-05", "reliability": "verified", "created_at": "2026-11-28T09:00:00.000000Z"}))]
pub struct CommuneMapping {
    pub id: String,
    pub insee_code: String,
    pub circonscription_code: String,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// First day no longer in force; absent while current.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
    pub reliability: String,
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
}

impl From<MappingRow> for CommuneMapping {
    fn from(r: MappingRow) -> Self {
        Self {
            id: r.id,
            insee_code: r.insee_code,
            circonscription_code: r.circonscription_code,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            reliability: r.reliability,
            created_at: r.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnDate {
    /// The date at which the mapping is read (default: today).
    pub on: Option<NaiveDate>,
}

/// List the communes
///
/// The 36 communes of the Hauts-de-Seine, each with the circonscription in force on `on`.
pub async fn list_communes(app: &App, _caller: Caller, q: OnDate) -> AppResult<Vec<Commune>> {
    let on = q.on.unwrap_or_else(today);
    app.db(move |conn| {
        let circs: std::collections::HashMap<String, CirconscriptionRow> =
            repo::list_circonscriptions(conn)?
                .into_iter()
                .map(|c| (c.code.clone(), c))
                .collect();
        let mappings: std::collections::HashMap<String, String> = repo::mappings_on(conn, on)?
            .into_iter()
            .map(|m| (m.insee_code, m.circonscription_code))
            .collect();
        Ok(repo::list_communes(conn)?
            .into_iter()
            .map(|c| Commune {
                circonscription: mappings
                    .get(&c.insee_code)
                    .and_then(|code| circs.get(code))
                    .cloned()
                    .map(Into::into),
                insee_code: c.insee_code,
                name: c.name,
                postal_code: c.postal_code,
            })
            .collect::<Vec<_>>())
    })
    .await
}

/// Circonscription of a commune
///
/// The police circonscription competent for a commune on a date (today by default).
pub async fn get_commune_circonscription(
    app: &App,
    _caller: Caller,
    insee: String,
    q: OnDate,
) -> AppResult<Circonscription> {
    let on = q.on.unwrap_or_else(today);
    let insee = InseeCode::parse(&insee).map_err(|_| AppError::not_found())?;
    let circ = app
        .db(move |conn| {
            let m = repo::mapping_on(conn, insee.as_str(), on)?.ok_or_else(AppError::not_found)?;
            repo::find_circonscription(conn, &m.circonscription_code)?
                .ok_or_else(AppError::not_found)
        })
        .await?;
    Ok(Circonscription::from(circ))
}

/// Read a circonscription
pub async fn get_circonscription(
    app: &App,
    _caller: Caller,
    code: String,
) -> AppResult<Circonscription> {
    let circ = app
        .db(move |conn| repo::find_circonscription(conn, &code)?.ok_or_else(AppError::not_found))
        .await?;
    Ok(Circonscription::from(circ))
}

/// List the circonscriptions
pub async fn list_circonscriptions(app: &App, _caller: Caller) -> AppResult<Vec<Circonscription>> {
    let list = app
        .db(|conn| Ok(repo::list_circonscriptions(conn)?))
        .await?;
    Ok(list
        .into_iter()
        .map(Circonscription::from)
        .collect::<Vec<_>>())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "CSP-NANTERRE-NORD", "name": "CSP Nanterre Nord", "reliability": "verified"}))]
pub struct CreateCirconscription {
    /// Stable code: capitals, digits and `-`, 2 to 40 characters.
    #[validate(length(min = 2, max = 40), custom(function = "valid_code"))]
    #[schema(min_length = 2, max_length = 40, pattern = r"^[A-Z0-9-]+$")]
    pub code: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// `verified` (default) or `unverified`.
    pub reliability: Option<Reliability>,
}

fn valid_code(code: &str) -> Result<(), validator::ValidationError> {
    if code
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
    {
        Ok(())
    } else {
        Err(validator::ValidationError::new("code_charset")
            .with_message("capitals, digits and - only".into()))
    }
}

/// Create a circonscription
///
/// Platform admin only.
pub async fn create_circonscription(
    app: &App,
    caller: Caller,
    body: CreateCirconscription,
) -> AppResult<Circonscription> {
    policy::edit_reference(&caller)?;
    let actor = caller.actor();
    let reliability = body.reliability.unwrap_or(Reliability::Verified).as_str();
    let row = app
        .tx(move |conn| {
            repo::create_circonscription(conn, &actor, &body.code, body.name.trim(), reliability)
                .map_err(|e| match e {
                    StoreError::Conflict(_) => AppError::conflict(
                        "circonscription_exists",
                        "a circonscription with this code exists",
                    ),
                    other => other.into(),
                })
        })
        .await?;
    Ok(Circonscription::from(row))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MappingQuery {
    /// The history of one commune (INSEE code); without it, the mappings in force on `on`.
    pub commune: Option<String>,
    /// Date at which mappings are read when no commune is given (default: today).
    pub on: Option<NaiveDate>,
}

/// List commune → circonscription mappings
pub async fn list_commune_mappings(
    app: &App,
    _caller: Caller,
    q: MappingQuery,
) -> AppResult<Vec<CommuneMapping>> {
    let on = q.on.unwrap_or_else(today);
    let rows = app
        .db(move |conn| match q.commune {
            Some(c) => Ok(repo::mapping_history(conn, &c)?),
            None => Ok(repo::mappings_on(conn, on)?),
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(CommuneMapping::from)
        .collect::<Vec<_>>())
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"insee_code": "92050", "circonscription_code": "CSP-NANTERRE-NORD", "valid_from": "2027-01-01"}))]
pub struct OpenMapping {
    #[schema(max_length = 5, pattern = r"^([0-9]{2}|2[AB])[0-9]{3}$")]
    pub insee_code: String,
    #[schema(max_length = 32)]
    pub circonscription_code: String,
    /// First day in force; the mapping in force until then closes that day.
    pub valid_from: NaiveDate,
    pub reliability: Option<Reliability>,
}

/// Open a new commune mapping
///
/// From `valid_from`, the commune belongs to the given circonscription; the previous mapping ends
/// that day and stays in the history. Mappings are appended in date order (409 otherwise).
/// Platform admin only.
pub async fn open_commune_mapping(
    app: &App,
    caller: Caller,
    body: OpenMapping,
) -> AppResult<CommuneMapping> {
    policy::edit_reference(&caller)?;
    let insee = InseeCode::parse(&body.insee_code)
        .map_err(|e| AppError::invalid_field("insee_code", "invalid_insee_code", e.to_string()))?;
    let actor = caller.actor();
    let reliability = body.reliability.unwrap_or(Reliability::Verified).as_str();
    let row = app
        .tx(move |conn| {
            repo::open_mapping(
                conn,
                &actor,
                insee.as_str(),
                &body.circonscription_code,
                body.valid_from,
                reliability,
            )
            .map_err(|e| match e {
                MappingError::UnknownCommune => {
                    AppError::invalid_field("insee_code", "unknown_commune", "no such commune")
                }
                MappingError::UnknownCirconscription => AppError::invalid_field(
                    "circonscription_code",
                    "unknown_circonscription",
                    "no such circonscription",
                ),
                e @ MappingError::NotLatest(_) => {
                    AppError::conflict("mapping_not_latest", e.to_string())
                }
                MappingError::Store(s) => s.into(),
            })
        })
        .await?;
    Ok(CommuneMapping::from(row))
}
