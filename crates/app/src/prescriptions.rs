//! Prescription alerts: the incidents whose public action will be prescribed within 90, 60 or 30
//! days while nothing was done (no complaint, no PV, not closed), so that no complaint is lost to
//! the calendar. The bailleur's correspondent lists them; a background job announces each
//! threshold once in the change feed (`incident.prescription_due`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_domain::Role;
use vigie_domain::incident::{
    Category, PRESCRIPTION_ALERT_DAYS, alert_threshold, crossed_thresholds,
};
use vigie_store::events::NewEvent;
use vigie_store::incidents::IncidentRow;
use vigie_store::prescriptions as repo;

use crate::calendar::today;
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::page::{Listed, PageRequest, fetch_size, views_of};
use crate::policy;

/// An incident about to be prescribed with nothing done.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"incident_id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0e", "residence_id": "01936f5f-5c6d-7e8f-9a0b-1c2d3e4f5a6b",
    "category": "dumping", "occurred_at": "2025-12-20T21:40:00.000000Z", "prescription_date": "2026-12-20",
    "days_left": 21, "threshold_days": 30, "status": "qualified"}))]
pub struct PrescriptionAlert {
    pub incident_id: String,
    pub residence_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    pub category: Category,
    #[serde(with = "vigie_domain::timestamp")]
    pub occurred_at: DateTime<Utc>,
    /// The last day the public action can be brought (local day in France).
    pub prescription_date: NaiveDate,
    /// Days from today (in France) to that day.
    pub days_left: i64,
    /// The tightest alert threshold crossed: 90, 60 or 30.
    pub threshold_days: u32,
    pub status: vigie_domain::incident::Status,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PrescriptionQuery {
    /// Incidents prescribed within this many days, 1 to 90 (default 90).
    #[param(minimum = 1, maximum = 90, example = 30)]
    pub within_days: Option<u32>,
}

fn alert(row: IncidentRow, on: NaiveDate) -> AppResult<Option<PrescriptionAlert>> {
    let Some(date) = row.prescription_date else {
        return Ok(None);
    };
    let days_left = (date - on).num_days();
    let Some(threshold_days) = alert_threshold(days_left) else {
        return Ok(None);
    };
    Ok(Some(PrescriptionAlert {
        category: row.category()?,
        status: row.status()?,
        incident_id: row.id,
        residence_id: row.residence_id,
        external_ref: row.external_ref,
        occurred_at: row.occurred_at.and_utc(),
        prescription_date: date,
        days_left,
        threshold_days,
    }))
}

/// The page key: prescription day and incident id.
pub fn key_of(a: &PrescriptionAlert) -> String {
    format!("{}|{}", a.prescription_date, a.incident_id)
}

fn parse_key(after: Option<&str>) -> AppResult<Option<(NaiveDate, String)>> {
    after
        .map(|k| {
            k.split_once('|')
                .and_then(|(d, id)| Some((d.parse().ok()?, id.to_owned())))
                .ok_or_else(|| {
                    AppError::invalid_field(
                        "cursor",
                        "invalid_cursor",
                        "this cursor was not issued here",
                    )
                })
        })
        .transpose()
}

/// Incidents about to be prescribed
pub async fn list(
    app: &App,
    caller: Caller,
    q: PrescriptionQuery,
    page: PageRequest,
) -> AppResult<Listed<PrescriptionAlert>> {
    if caller.org_kind != vigie_domain::OrgKind::Bailleur {
        return Err(AppError::forbidden(
            "a bailleur's correspondent follows its prescriptions",
        ));
    }
    policy::require_any(&caller, &[Role::Correspondent, Role::Integration])?;
    let within = match q.within_days {
        None => 90,
        Some(d @ 1..=90) => d,
        Some(_) => {
            return Err(AppError::invalid_field(
                "within_days",
                "out_of_range",
                "within_days is 1 to 90",
            ));
        }
    };
    let after = parse_key(page.after.as_deref())?;
    let on = today();
    let until = on + chrono::Days::new(u64::from(within));
    // Restricted incidents (radicalisation signals) are the correspondent's alone.
    let sees_restricted = caller.has(Role::Correspondent);
    let limit = page.limit;
    let org = caller.org_id.clone();
    let rows = app
        .db(move |conn| {
            Ok(repo::due_without_action(
                conn,
                Some(&org),
                sees_restricted,
                on,
                until,
                after,
                fetch_size(limit),
            )?)
        })
        .await?;
    let listed = views_of(rows, limit, |r| alert(r, on))?;
    Ok(Listed {
        items: listed.items.into_iter().flatten().collect(),
        more: listed.more,
    })
}

/// Announces every threshold newly crossed, once, in the change feed (the background job; safe
/// with several processes: the alert's key makes a second announcement roll back). Returns how
/// many incidents were announced.
pub async fn alert_due(app: &App) -> AppResult<usize> {
    let on = today();
    let until = on + chrono::Days::new(u64::from(PRESCRIPTION_ALERT_DAYS[0]));
    let mut announced = 0;
    let mut after: Option<(NaiveDate, String)> = None;
    loop {
        let a = after.clone();
        let rows = app
            .db(move |conn| {
                Ok(repo::due_without_action(
                    conn, None, true, on, until, a, 500,
                )?)
            })
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.prescription_date.map(|d| (d, last.id.clone()));
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let done = app.db(move |conn| Ok(repo::alerted(conn, &ids)?)).await?;
        for row in rows {
            let Some(date) = row.prescription_date else {
                continue;
            };
            let days_left = (date - on).num_days();
            let new: Vec<i32> = crossed_thresholds(days_left)
                .filter_map(|t| i32::try_from(t).ok())
                .filter(|t| !done.iter().any(|(id, d)| *id == row.id && d == t))
                .collect();
            let Some(tightest) = new.iter().min().copied() else {
                continue;
            };
            let written = app
                .tx(move |conn| {
                    repo::mark_alerted(conn, &row.id, &new, vigie_store::now())?;
                    vigie_store::events::record(
                        conn,
                        NewEvent {
                            event_type: "incident.prescription_due",
                            resource_type: "incident",
                            resource_id: &row.id,
                            org_id: &row.org_id,
                            circonscription_code: None,
                            parquet_id: None,
                            restricted: row.restricted,
                            for_prefecture: false,
                            data: serde_json::json!({"prescription_date": date, "days_left": days_left,
                                "threshold_days": tightest}),
                        },
                    )?;
                    Ok(())
                })
                .await;
            match written {
                Ok(()) => announced += 1,
                // Another process announced it first.
                Err(e) if e.kind == crate::error::ErrorKind::Conflict => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(announced)
}
