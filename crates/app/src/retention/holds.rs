//! Legal holds: litigation or a request of the parquet suspends a record's end until released.
//! A hold is placed by the bailleur's correspondent on its own records, by the parquet's
//! magistrate on the records before it, or by a préfecture officer on the préfet's dossiers
//! (injunctions, bans), and released only by the organisation that placed it (a bailleur cannot
//! lift the parquet's hold).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;
use vigie_domain::{OrgKind, Role};
use vigie_store::DbConn;
use vigie_store::audit::{self, Change};
use vigie_store::retention::{self as repo, HoldRow};

use super::RecordKind;
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::page::{Listed, PageRequest, fetch_size, views_of};

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"record_type": "complaint", "record_id": "01936f90-0000-7000-8000-000000000001",
    "reason": "Appel interjeté le 12/11/2026 : conserver jusqu'à l'arrêt (demande du parquet, réf. 26/1234)"}))]
pub struct PlaceHold {
    pub record_type: RecordKind,
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub record_id: String,
    /// Why: the litigation, or the parquet's request and its reference.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936fa0-0000-7000-8000-000000000001", "record_type": "complaint",
    "record_id": "01936f90-0000-7000-8000-000000000001", "org_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f",
    "reason": "Appel interjeté le 12/11/2026 : conserver jusqu'à l'arrêt (demande du parquet, réf. 26/1234)",
    "placed_by": "person:m.lefevre", "placed_by_org_id": "01936f5e-f607-7182-9c94-0e1f2a3b4c5e",
    "placed_at": "2026-11-29T09:00:00.000000Z", "active": true, "version": 1}))]
pub struct LegalHold {
    pub id: String,
    pub record_type: RecordKind,
    pub record_id: String,
    /// The organisation whose record is held.
    pub org_id: String,
    pub reason: String,
    pub placed_by: String,
    pub placed_by_org_id: String,
    #[serde(with = "vigie_domain::timestamp")]
    pub placed_at: DateTime<Utc>,
    /// Until released.
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub released_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released_by: Option<String>,
    pub version: i64,
}

fn view(r: HoldRow) -> AppResult<LegalHold> {
    Ok(LegalHold {
        record_type: RecordKind::parse(&r.record_type)
            .ok_or_else(|| AppError::internal_because(format!("hold {}: type", r.id)))?,
        active: r.released_at.is_none(),
        id: r.id,
        record_id: r.record_id,
        org_id: r.org_id,
        reason: r.reason,
        placed_by: r.placed_by,
        placed_by_org_id: r.placed_by_org_id,
        placed_at: r.placed_at.and_utc(),
        released_at: r.released_at.map(|a| a.and_utc()),
        released_by: r.released_by,
        version: r.version,
    })
}

/// The parties of legal holds: a bailleur's members with one of `bailleur_roles`, the parquet's
/// magistrate, the préfecture's officers; anyone else is refused with `refusal`.
fn hold_party(caller: &Caller, bailleur_roles: &[Role], refusal: &str) -> AppResult<()> {
    let allowed = match caller.org_kind {
        OrgKind::Bailleur => caller.has_any(bailleur_roles),
        OrgKind::Parquet => caller.has(Role::Magistrate),
        OrgKind::Prefecture => caller.has(Role::PrefectureOfficer),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::forbidden(refusal))
    }
}

/// Who places and releases holds: the bailleur's correspondent, the parquet's magistrate, the
/// préfecture's officers.
fn holder(caller: &Caller) -> AppResult<()> {
    hold_party(
        caller,
        &[Role::Correspondent],
        "legal holds are placed by the bailleur's correspondent, the parquet's magistrate or a préfecture officer",
    )
}

/// The owning organisation of a record the caller sees (404 otherwise); the parquet holds only
/// what is before it, and never a sworn agent's file; the préfecture only its own dossiers.
fn owner_of(conn: &mut DbConn, caller: &Caller, record: RecordKind, id: &str) -> AppResult<String> {
    let dossier = matches!(record, RecordKind::Injunction | RecordKind::Ban);
    if caller.org_kind == OrgKind::Prefecture && !dossier {
        return Err(AppError::not_found());
    }
    Ok(match record {
        RecordKind::Injunction => crate::injunctions::visible(conn, caller, id)?.org_id,
        RecordKind::Ban => crate::bans::visible(conn, caller, id)?.org_id,
        RecordKind::Incident => crate::incidents::visible(conn, caller, id)?.org_id,
        RecordKind::Complaint => crate::complaints::visible(conn, caller, id)?.org_id,
        RecordKind::Pv => crate::pvs::visible(conn, caller, id)?.org_id,
        RecordKind::SwornAgent if caller.org_kind == OrgKind::Bailleur => {
            crate::sworn_agents::visible_file(conn, caller, id)?.org_id
        }
        RecordKind::SwornAgent => return Err(AppError::not_found()),
    })
}

fn audited(conn: &mut DbConn, caller: &Caller, action: &str, row: &HoldRow) -> AppResult<()> {
    audit::record(
        conn,
        &caller.actor(),
        Change {
            action,
            resource_type: "legal_hold",
            resource_id: &row.id,
            org_id: Some(&row.org_id),
            state: row,
        },
    )?;
    Ok(())
}

/// Places a hold on a record the caller sees.
pub async fn place(app: &App, caller: Caller, body: PlaceHold) -> AppResult<LegalHold> {
    holder(&caller)?;
    app.tx(move |conn| {
        let org_id = owner_of(conn, &caller, body.record_type, &body.record_id)?;
        if caller.org_kind == OrgKind::Bailleur && org_id != caller.org_id {
            return Err(AppError::not_found());
        }
        if super::is_anonymised(conn, body.record_type, &body.record_id)? {
            return Err(AppError::conflict(
                "record_anonymised",
                "this record was anonymised at the end of its retention: nothing is left to hold",
            ));
        }
        let row = HoldRow {
            id: vigie_store::new_id(),
            org_id,
            record_type: body.record_type.as_str().into(),
            record_id: body.record_id,
            reason: body.reason,
            placed_by: caller.sub.clone(),
            placed_by_org_id: caller.org_id.clone(),
            placed_at: vigie_store::now(),
            released_at: None,
            released_by: None,
            version: 1,
        };
        repo::place_hold(conn, &row)?;
        audited(conn, &caller, "legal_hold.placed", &row)?;
        view(row)
    })
    .await
}

/// A hold the caller sees: on its records, or placed by it.
fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> AppResult<HoldRow> {
    repo::get_hold(conn, id)?
        .filter(|h| h.org_id == caller.org_id || h.placed_by_org_id == caller.org_id)
        .ok_or_else(AppError::not_found)
}

pub async fn get(app: &App, caller: Caller, id: String) -> AppResult<LegalHold> {
    readers(&caller)?;
    app.db(move |conn| view(visible(conn, &caller, &id)?)).await
}

/// Releases a hold: only the organisation that placed it (the parquet's hold is the parquet's).
pub async fn release(
    app: &App,
    caller: Caller,
    id: String,
    expected_version: Option<i64>,
) -> AppResult<LegalHold> {
    holder(&caller)?;
    app.tx(move |conn| {
        let row = visible(conn, &caller, &id)?;
        if row.placed_by_org_id != caller.org_id {
            return Err(AppError::forbidden(
                "only the organisation that placed a hold releases it",
            ));
        }
        vigie_store::error::check_version(expected_version, row.version)?;
        if row.released_at.is_some() {
            return Err(AppError::conflict(
                "hold_released",
                "this hold was already released",
            ));
        }
        let at = vigie_store::now();
        repo::release_hold(conn, &row.id, row.version, &caller.sub, at)?;
        let released = repo::get_hold(conn, &row.id)?.ok_or_else(AppError::internal)?;
        audited(conn, &caller, "legal_hold.released", &released)?;
        view(released)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HoldQuery {
    /// The holds on one record.
    #[param(max_length = 64)]
    pub record_id: Option<String>,
    /// Only holds still in force (default false: released ones too).
    pub active: Option<bool>,
}

/// Who reads holds: also the bailleur's DPO.
fn readers(caller: &Caller) -> AppResult<()> {
    hold_party(
        caller,
        &[Role::Correspondent, Role::Dpo],
        "legal holds are read by the bailleur's correspondent and DPO, the parquet's magistrate and the préfecture's officers",
    )
}

/// The holds on the caller's organisation's records and those it placed, oldest first.
pub async fn list(
    app: &App,
    caller: Caller,
    q: HoldQuery,
    page: PageRequest,
) -> AppResult<Listed<LegalHold>> {
    readers(&caller)?;
    let limit = page.limit;
    let rows = app
        .db(move |conn| {
            Ok(repo::list_holds(
                conn,
                &caller.org_id,
                q.record_id.as_deref(),
                q.active.unwrap_or(false),
                page.after.as_deref(),
                fetch_size(limit),
            )?)
        })
        .await?;
    views_of(rows, limit, view)
}
