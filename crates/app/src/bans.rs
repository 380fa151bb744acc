//! The préfet's bans from premises (art. L.22-11-1 CSI, loi n° 2025-532): for repeated group
//! occupation linked to trafficking, a person may be forbidden to enter given premises for at most
//! one month, after the procureur was informed. The landlord's correspondent and the police
//! correspondent of the circonscription acknowledge it. Breaching it is an offence of the
//! catalogue (`CSI-L22-11-1`), so an incident can be qualified with it. A ban names a person: it is
//! seen by the préfecture's officers, the landlord's correspondent, the police correspondent of the
//! circonscription and the parquet only (404 for anyone else).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;
use vigie_domain::delays::LegalDelays;
use vigie_domain::{OrgKind, Role, ban};
use vigie_store::bans::{self as repo, BanRow, BanScope};
use vigie_store::{DbConn, organisations, reference, residences};

use crate::announce::Announcement;
use crate::calendar::today;
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, Answer, Created};
use crate::page::{Listed, PageRequest, fetch_size, views_of};

/// The catalogue entry of a breach of a ban.
pub const BREACH_OFFENCE_CODE: &str = "CSI-L22-11-1";

/// The person banned.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BannedPerson {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "M. Y")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
}

/// The premises the person may not enter: the residence, or some of its buildings and common parts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanPlaces {
    /// Buildings of the residence (empty: the whole residence).
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50, min_length = 1, max_length = 50)]
    pub buildings: Vec<String>,
    /// Common parts (hall, car park, cellars...).
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50, min_length = 1, max_length = 100)]
    pub common_parts: Vec<String>,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bailleur_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f", "residence_id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b",
    "person": {"name": "M. Y"}, "places": {"buildings": ["B"], "common_parts": ["hall B2"]},
    "grounds": "Occupation répétée du hall B2 en réunion, liée au trafic de stupéfiants.",
    "start": "2026-12-01", "end": "2026-12-31", "procureur_informed_on": "2026-11-28"}))]
pub struct CreateBan {
    /// The landlord of the premises.
    #[schema(max_length = 64)]
    pub bailleur_id: String,
    #[schema(max_length = 64)]
    pub residence_id: String,
    #[validate(nested)]
    pub person: BannedPerson,
    #[serde(default)]
    #[validate(nested)]
    pub places: BanPlaces,
    /// The repeated group occupation linked to trafficking the ban answers.
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub grounds: String,
    pub start: NaiveDate,
    /// The last day; at most one month after `start` (422 `ban_too_long`).
    pub end: NaiveDate,
    /// The day the procureur was informed: required, on or before `start`.
    pub procureur_informed_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Content {
    pub(crate) person: BannedPerson,
    pub(crate) places: BanPlaces,
    pub(crate) grounds: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f71-1a2b-7c3d-8e4f-5a6b7c8d9e0f", "bailleur_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f",
    "prefecture_id": "01936f5e-9a4b-7c3d-9e2f-1a2b3c4d5e6f", "residence_id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b",
    "circonscription_code": "CSP-92050", "person": {"name": "M. Y"}, "places": {"buildings": ["B"], "common_parts": ["hall B2"]},
    "grounds": "Occupation répétée du hall B2 en réunion, liée au trafic de stupéfiants.",
    "start": "2026-12-01", "end": "2026-12-31", "procureur_informed_on": "2026-11-28", "in_force": true,
    "breach_offence_code": "CSI-L22-11-1", "bailleur_acknowledged_at": "2026-12-01T08:30:00.000000Z", "version": 2,
    "created_at": "2026-11-28T15:00:00.000000Z", "updated_at": "2026-12-01T08:30:00.000000Z"}))]
pub struct Ban {
    pub id: String,
    pub bailleur_id: String,
    pub prefecture_id: String,
    pub residence_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circonscription_code: Option<String>,
    pub person: BannedPerson,
    pub places: BanPlaces,
    pub grounds: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub procureur_informed_on: NaiveDate,
    /// In force today.
    pub in_force: bool,
    /// The offence a breach is qualified with.
    pub breach_offence_code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub bailleur_acknowledged_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub police_acknowledged_at: Option<DateTime<Utc>>,
    /// Why and until when the record is kept (GDPR art. 5(1)(e)): on the record's own page, not in
    /// lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<crate::retention::RecordRetention>,
    pub version: i64,
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "vigie_domain::timestamp")]
    pub updated_at: DateTime<Utc>,
}

fn view(row: BanRow) -> AppResult<Ban> {
    let content: Content = row.content()?;
    let today = today();
    Ok(Ban {
        in_force: row.start_on <= today && today <= row.end_on,
        breach_offence_code: BREACH_OFFENCE_CODE,
        person: content.person,
        places: content.places,
        grounds: content.grounds,
        id: row.id,
        bailleur_id: row.org_id,
        prefecture_id: row.prefecture_id,
        residence_id: row.residence_id,
        circonscription_code: row.circonscription_code,
        start: row.start_on,
        end: row.end_on,
        procureur_informed_on: row.procureur_informed_on,
        bailleur_acknowledged_at: row.bailleur_acknowledged_at.map(|t| t.and_utc()),
        police_acknowledged_at: row.police_acknowledged_at.map(|t| t.and_utc()),
        retention: None,
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

fn scope(conn: &mut DbConn, caller: &Caller) -> AppResult<BanScope> {
    match caller.org_kind {
        OrgKind::Prefecture if caller.has(Role::PrefectureOfficer) => Ok(BanScope::All),
        OrgKind::Parquet if caller.has_any(&[Role::Magistrate, Role::ProsecutorDelegate]) => {
            Ok(BanScope::All)
        }
        OrgKind::Bailleur if caller.has(Role::Correspondent) => {
            Ok(BanScope::Bailleur(caller.org_id.clone()))
        }
        OrgKind::PoliceCirconscription if caller.has(Role::PoliceCorrespondent) => {
            let org = organisations::get(conn, &caller.org_id)?;
            org.circonscription_code
                .map(BanScope::Police)
                .ok_or_else(|| {
                    AppError::forbidden("this police organisation has no circonscription")
                })
        }
        _ => Err(AppError::forbidden(
            "bans are read by the préfecture's officers, the landlord's correspondent, the police correspondent of the circonscription and the parquet",
        )),
    }
}

pub(crate) fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> AppResult<BanRow> {
    let row = repo::get(conn, id)?.ok_or_else(AppError::not_found)?;
    let sees = match scope(conn, caller) {
        Ok(BanScope::All) => true,
        Ok(BanScope::Bailleur(org)) => org == row.org_id,
        Ok(BanScope::Police(c)) => row.circonscription_code.as_deref() == Some(c.as_str()),
        Err(_) => false,
    };
    if sees {
        Ok(row)
    } else {
        Err(AppError::not_found())
    }
}

/// The feed event and the notifications of a change: the préfecture, the landlord's correspondent
/// and the police correspondent of the circonscription (restricted: no other role, no webhook).
fn announce(conn: &mut DbConn, row: &BanRow, event: &str, summary: &str) -> AppResult<()> {
    crate::announce::announce(
        conn,
        Announcement {
            resource_type: "ban",
            resource_id: &row.id,
            event,
            org_id: &row.org_id,
            circonscription_code: row.circonscription_code.as_deref(),
            restricted: true,
            for_prefecture: true,
            summary: summary.to_owned(),
            data: serde_json::json!({"start": row.start_on, "end": row.end_on, "version": row.version}),
        },
    )
}

/// Ban a person from premises
///
/// A préfecture officer records the ban (art. L.22-11-1 CSI): the person, the landlord's residence
/// (or some of its buildings and common parts), the first and last days (at most one month: 422
/// `ban_too_long`), and the day the procureur was informed (on or before the first day: 422
/// `date_out_of_order`). The landlord's and the circonscription's designated correspondents are
/// notified and acknowledge it. Supports `Idempotency-Key`.
pub async fn create_ban(
    app: &App,
    caller: Caller,
    key: Option<String>,
    body: CreateBan,
) -> AppResult<Answer> {
    if !(caller.org_kind == OrgKind::Prefecture && caller.has(Role::PrefectureOfficer)) {
        return Err(AppError::forbidden(
            "a ban is the préfet's decision: a préfecture officer records it",
        ));
    }
    ban::check_dates(
        body.start,
        body.end,
        body.procureur_informed_on,
        today(),
        LegalDelays::shipped(),
    )
    .map_err(|e| AppError::invalid_field(e.field(), e.code(), e.to_string()))?;
    let actor = caller.actor();
    let request = serde_json::to_value(&body).map_err(|_| AppError::internal())?;
    let prefecture_id = caller.org_id.clone();
    idempotency::create_once(app, caller.sub.clone(), key, &request, move |conn| {
        let bailleur = organisations::find(conn, &body.bailleur_id)?
            .filter(|o| o.kind().is_ok_and(|k| k == OrgKind::Bailleur))
            .ok_or_else(|| {
                AppError::invalid_field(
                    "bailleur_id",
                    "unknown_bailleur",
                    "not a bailleur of Vigie",
                )
            })?;
        let residence = residences::find_in_org(conn, &bailleur.id, &body.residence_id)?
            .ok_or_else(|| {
                AppError::invalid_field(
                    "residence_id",
                    "unknown_residence",
                    "not a residence of this bailleur",
                )
            })?;
        let circonscription = reference::mapping_on(conn, &residence.insee_code, body.start)?
            .map(|m| m.circonscription_code);
        let at = vigie_store::now();
        let content = Content {
            person: body.person,
            places: body.places,
            grounds: body.grounds,
        };
        let row = BanRow {
            id: vigie_store::new_id(),
            org_id: bailleur.id,
            prefecture_id,
            residence_id: residence.id,
            circonscription_code: circonscription,
            start_on: body.start,
            end_on: body.end,
            procureur_informed_on: body.procureur_informed_on,
            bailleur_acknowledged_at: None,
            police_acknowledged_at: None,
            content: serde_json::to_string(&content).map_err(|_| AppError::internal())?,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        repo::create(conn, &actor, &row)?;
        announce(
            conn,
            &row,
            "issued",
            &format!("ban from premises from {} to {}", row.start_on, row.end_on),
        )?;
        let location = format!("/api/v1/bans/{}", row.id);
        let version = row.version;
        Ok(Created {
            body: view(row)?,
            location,
            version,
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BanQuery {
    /// Only the bans in force on this day.
    pub in_force_on: Option<NaiveDate>,
}

/// List bans
///
/// The préfecture's officers and the parquet see every ban; a landlord's correspondent those on its
/// premises; the police correspondent those in its circonscription. Others 403.
pub async fn list_bans(
    app: &App,
    caller: Caller,
    q: BanQuery,
    page: PageRequest,
) -> AppResult<Listed<Ban>> {
    let limit = page.limit;
    let purpose = crate::access_journal::purpose(&caller)?;
    let reader = caller.clone();
    let rows = app
        .db(move |conn| {
            let scope = scope(conn, &caller)?;
            Ok(repo::list(
                conn,
                &scope,
                q.in_force_on,
                page.after.as_deref(),
                fetch_size(limit),
            )?)
        })
        .await?;
    let read = crate::access_journal::owners_of(&rows, limit, |r| (&r.id, &r.org_id));
    let listed = views_of(rows, limit, view)?;
    crate::access_journal::record(app, &reader, purpose, "ban", read).await?;
    Ok(listed)
}

/// Read a ban
pub async fn get_ban(app: &App, caller: Caller, id: String) -> AppResult<Ban> {
    let purpose = crate::access_journal::purpose(&caller)?;
    let reader = caller.clone();
    let (b, read) = app
        .db(move |conn| {
            let row = visible(conn, &caller, &id)?;
            let retention = crate::retention::of_ban(conn, &row)?;
            let read = vec![(row.id.clone(), row.org_id.clone())];
            let mut b = view(row)?;
            b.retention = Some(retention);
            Ok((b, read))
        })
        .await?;
    crate::access_journal::record(app, &reader, purpose, "ban", read).await?;
    Ok(b)
}

/// Acknowledge a ban
///
/// The landlord's correspondent and the police correspondent of the circonscription each
/// acknowledge it once (409 `already_acknowledged` the second time); nobody else (403).
pub async fn acknowledge(app: &App, caller: Caller, id: String) -> AppResult<Ban> {
    let actor = caller.actor();
    app.tx(move |conn| {
        let mut row = visible(conn, &caller, &id)?;
        crate::retention::refuse_if_anonymised(conn, crate::retention::RecordKind::Ban, &row.id)?;
        let now = vigie_store::now();
        let slot = match scope(conn, &caller)? {
            BanScope::Bailleur(_) => &mut row.bailleur_acknowledged_at,
            BanScope::Police(_) => &mut row.police_acknowledged_at,
            BanScope::All => {
                return Err(AppError::forbidden(
                    "the landlord's correspondent and the police correspondent acknowledge a ban",
                ));
            }
        };
        if slot.is_some() {
            return Err(AppError::conflict(
                "already_acknowledged",
                "your organisation already acknowledged this ban",
            ));
        }
        *slot = Some(now);
        let row = repo::save(conn, &actor, row, None, "ban.acknowledged")?;
        announce(conn, &row, "acknowledged", "ban acknowledged")?;
        view(row)
    })
    .await
}
