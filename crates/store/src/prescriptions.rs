//! Incidents whose public action is about to be prescribed with nothing done (no complaint, no
//! PV, not closed), and the alerts already given for them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::StoreResult;
use crate::incidents::IncidentRow;
use crate::schema::{complaint_incidents, incidents, prescription_alerts, pv_incidents};

/// Incidents prescribed between `from` and `until` (inclusive) with no complaint, no PV and not
/// closed; of one organisation, or of all (`None`, the alerting job); restricted incidents only
/// when `with_restricted`. Ordered by prescription day then id; `after` is the last (day, id) of
/// the previous page.
pub fn due_without_action(
    conn: &mut DbConn,
    org_id: Option<&str>,
    with_restricted: bool,
    from: NaiveDate,
    until: NaiveDate,
    after: Option<(NaiveDate, String)>,
    limit: i64,
) -> StoreResult<Vec<IncidentRow>> {
    let mut q = incidents::table
        .select(IncidentRow::as_select())
        .filter(incidents::prescription_date.ge(from))
        .filter(incidents::prescription_date.le(until))
        .filter(incidents::status.ne("closed"))
        .filter(not(exists(
            complaint_incidents::table.filter(complaint_incidents::incident_id.eq(incidents::id)),
        )))
        .filter(not(exists(
            pv_incidents::table.filter(pv_incidents::incident_id.eq(incidents::id)),
        )))
        .into_boxed();
    if let Some(org) = org_id {
        q = q.filter(incidents::org_id.eq(org));
    }
    if !with_restricted {
        q = q.filter(incidents::restricted.eq(false));
    }
    if let Some((day, id)) = after {
        q = q.filter(
            incidents::prescription_date
                .gt(day)
                .or(incidents::prescription_date
                    .eq(day)
                    .and(incidents::id.gt(id))),
        );
    }
    Ok(
        q.order((incidents::prescription_date.asc(), incidents::id.asc()))
            .limit(limit)
            .load(conn)?,
    )
}

/// The thresholds already alerted for these incidents.
pub fn alerted(conn: &mut DbConn, ids: &[String]) -> StoreResult<Vec<(String, i32)>> {
    Ok(prescription_alerts::table
        .filter(prescription_alerts::incident_id.eq_any(ids))
        .select((
            prescription_alerts::incident_id,
            prescription_alerts::threshold_days,
        ))
        .load(conn)?)
}

/// Remembers that the incident was alerted at these thresholds (a second process doing the same
/// at the same time conflicts on the key and rolls back: the alert is given once).
pub fn mark_alerted(
    conn: &mut DbConn,
    incident_id: &str,
    thresholds: &[i32],
    at: NaiveDateTime,
) -> StoreResult<()> {
    // At most three rows: one statement each (batch inserts differ between the two backends).
    for t in thresholds {
        diesel::insert_into(prescription_alerts::table)
            .values((
                prescription_alerts::incident_id.eq(incident_id),
                prescription_alerts::threshold_days.eq(*t),
                prescription_alerts::alerted_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
