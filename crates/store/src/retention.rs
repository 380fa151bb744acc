//! Retention: legal holds, the records anonymised at the end of their retention, the runs that did
//! it, and the candidate records a run examines (those whose earliest possible end has passed).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use serde::Serialize;

use crate::bans::BanRow;
use crate::complaints::ComplaintRow;
use crate::db::DbConn;
use crate::error::StoreResult;
use crate::incidents::IncidentRow;
use crate::injunctions::InjunctionRow;
use crate::pvs::PvRow;
use crate::schema::{
    anonymisations, bans, complaint_incidents, complaints, incidents, injunctions, legal_holds,
    pv_incidents, pvs, retention_runs, sworn_agents,
};
use crate::sworn_agents::AgentRow;

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = legal_holds, treat_none_as_default_value = false)]
pub struct HoldRow {
    pub id: String,
    /// The organisation whose record is held.
    pub org_id: String,
    pub record_type: String,
    pub record_id: String,
    pub reason: String,
    pub placed_by: String,
    pub placed_by_org_id: String,
    pub placed_at: NaiveDateTime,
    pub released_at: Option<NaiveDateTime>,
    pub released_by: Option<String>,
    pub version: i64,
}

pub fn place_hold(conn: &mut DbConn, row: &HoldRow) -> StoreResult<()> {
    diesel::insert_into(legal_holds::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn get_hold(conn: &mut DbConn, id: &str) -> StoreResult<Option<HoldRow>> {
    Ok(legal_holds::table
        .find(id)
        .select(HoldRow::as_select())
        .first(conn)
        .optional()?)
}

/// Releases a hold still at `version` (a concurrent release conflicts).
pub fn release_hold(
    conn: &mut DbConn,
    id: &str,
    version: i64,
    by: &str,
    at: NaiveDateTime,
) -> StoreResult<()> {
    let n = diesel::update(
        legal_holds::table
            .find(id)
            .filter(legal_holds::version.eq(version)),
    )
    .set((
        legal_holds::released_at.eq(Some(at)),
        legal_holds::released_by.eq(Some(by)),
        legal_holds::version.eq(version + 1),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)
}

/// The holds a caller lists: those on its organisation's records and those it placed.
pub fn list_holds(
    conn: &mut DbConn,
    org_id: &str,
    record_id: Option<&str>,
    active_only: bool,
    after_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<HoldRow>> {
    let mut q = legal_holds::table
        .select(HoldRow::as_select())
        .filter(
            legal_holds::org_id
                .eq(org_id)
                .or(legal_holds::placed_by_org_id.eq(org_id)),
        )
        .into_boxed();
    if let Some(r) = record_id {
        q = q.filter(legal_holds::record_id.eq(r));
    }
    if active_only {
        q = q.filter(legal_holds::released_at.is_null());
    }
    if let Some(a) = after_id {
        q = q.filter(legal_holds::id.gt(a));
    }
    Ok(q.order(legal_holds::id.asc()).limit(limit).load(conn)?)
}

/// Which of these records of `record_type` a hold still suspends.
pub fn held(conn: &mut DbConn, record_type: &str, ids: &[String]) -> StoreResult<Vec<String>> {
    Ok(legal_holds::table
        .filter(legal_holds::record_type.eq(record_type))
        .filter(legal_holds::record_id.eq_any(ids))
        .filter(legal_holds::released_at.is_null())
        .select(legal_holds::record_id)
        .distinct()
        .load(conn)?)
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = anonymisations, treat_none_as_default_value = false)]
pub struct AnonymisationRow {
    pub record_type: String,
    pub record_id: String,
    pub org_id: String,
    pub basis: String,
    pub ended_on: NaiveDate,
    pub run_id: String,
    pub anonymised_at: NaiveDateTime,
}

/// Records the anonymisation (a second process doing the same record conflicts on the key and
/// rolls its transaction back: each record is anonymised once).
pub fn mark_anonymised(conn: &mut DbConn, row: &AnonymisationRow) -> StoreResult<()> {
    diesel::insert_into(anonymisations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The anonymisations of these records of `record_type`.
pub fn anonymised(
    conn: &mut DbConn,
    record_type: &str,
    ids: &[String],
) -> StoreResult<Vec<AnonymisationRow>> {
    Ok(anonymisations::table
        .filter(anonymisations::record_type.eq(record_type))
        .filter(anonymisations::record_id.eq_any(ids))
        .select(AnonymisationRow::as_select())
        .load(conn)?)
}

/// Incidents not anonymised whose own end has passed: prescribed before `prescribed_before`, or,
/// unqualified, with facts before `unqualified_before`. Their links may keep them longer: the run
/// decides. Of one organisation or all; by id after `after`.
pub fn incident_candidates(
    conn: &mut DbConn,
    org_id: Option<&str>,
    prescribed_before: NaiveDate,
    unqualified_before: NaiveDateTime,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<IncidentRow>> {
    let mut q = incidents::table
        .select(IncidentRow::as_select())
        .filter(
            incidents::prescription_date
                .lt(prescribed_before)
                .or(incidents::prescription_date
                    .is_null()
                    .and(incidents::occurred_at.lt(unqualified_before))),
        )
        .filter(not(exists(
            anonymisations::table
                .filter(anonymisations::record_type.eq("incident"))
                .filter(anonymisations::record_id.eq(incidents::id)),
        )))
        .into_boxed();
    if let Some(o) = org_id {
        q = q.filter(incidents::org_id.eq(o));
    }
    if let Some(a) = after {
        q = q.filter(incidents::id.gt(a));
    }
    Ok(q.order(incidents::id.asc()).limit(limit).load(conn)?)
}

/// Complaints not anonymised that can have an end: drafts and closed ones.
pub fn complaint_candidates(
    conn: &mut DbConn,
    org_id: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<ComplaintRow>> {
    let mut q = complaints::table
        .select(ComplaintRow::as_select())
        .filter(complaints::status.eq_any(["draft", "closed"]))
        .filter(not(exists(
            anonymisations::table
                .filter(anonymisations::record_type.eq("complaint"))
                .filter(anonymisations::record_id.eq(complaints::id)),
        )))
        .into_boxed();
    if let Some(o) = org_id {
        q = q.filter(complaints::org_id.eq(o));
    }
    if let Some(a) = after {
        q = q.filter(complaints::id.gt(a));
    }
    Ok(q.order(complaints::id.asc()).limit(limit).load(conn)?)
}

/// PVs not anonymised found before `found_before` (the shortest term has passed).
pub fn pv_candidates(
    conn: &mut DbConn,
    org_id: Option<&str>,
    found_before: NaiveDate,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<PvRow>> {
    let mut q = pvs::table
        .select(PvRow::as_select())
        .filter(pvs::found_on.lt(found_before))
        .filter(not(exists(
            anonymisations::table
                .filter(anonymisations::record_type.eq("pv"))
                .filter(anonymisations::record_id.eq(pvs::id)),
        )))
        .into_boxed();
    if let Some(o) = org_id {
        q = q.filter(pvs::org_id.eq(o));
    }
    if let Some(a) = after {
        q = q.filter(pvs::id.gt(a));
    }
    Ok(q.order(pvs::id.asc()).limit(limit).load(conn)?)
}

/// Sworn-agent files not anonymised whose last agrément ended before `ended_before`, or that never
/// had one and were opened before `created_before`.
pub fn agent_candidates(
    conn: &mut DbConn,
    org_id: Option<&str>,
    ended_before: NaiveDate,
    created_before: NaiveDateTime,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<AgentRow>> {
    let mut q = sworn_agents::table
        .select(AgentRow::as_select())
        .filter(
            sworn_agents::agrement_end
                .lt(ended_before)
                .or(sworn_agents::agrement_end
                    .is_null()
                    .and(sworn_agents::created_at.lt(created_before))),
        )
        .filter(not(exists(
            anonymisations::table
                .filter(anonymisations::record_type.eq("sworn_agent"))
                .filter(anonymisations::record_id.eq(sworn_agents::id)),
        )))
        .into_boxed();
    if let Some(o) = org_id {
        q = q.filter(sworn_agents::org_id.eq(o));
    }
    if let Some(a) = after {
        q = q.filter(sworn_agents::id.gt(a));
    }
    Ok(q.order(sworn_agents::id.asc()).limit(limit).load(conn)?)
}

/// Injunction dossiers not anonymised (all of them: their end follows their last step, which
/// only their procedure records, and a département has few).
pub fn injunction_candidates(
    conn: &mut DbConn,
    org_id: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<InjunctionRow>> {
    let mut q = injunctions::table
        .select(InjunctionRow::as_select())
        .filter(not(exists(
            anonymisations::table
                .filter(anonymisations::record_type.eq("injunction"))
                .filter(anonymisations::record_id.eq(injunctions::id)),
        )))
        .into_boxed();
    if let Some(o) = org_id {
        q = q.filter(injunctions::org_id.eq(o));
    }
    if let Some(a) = after {
        q = q.filter(injunctions::id.gt(a));
    }
    Ok(q.order(injunctions::id.asc()).limit(limit).load(conn)?)
}

/// Bans not anonymised whose last day was before `ended_before`.
pub fn ban_candidates(
    conn: &mut DbConn,
    org_id: Option<&str>,
    ended_before: NaiveDate,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<BanRow>> {
    let mut q = bans::table
        .select(BanRow::as_select())
        .filter(bans::end_on.lt(ended_before))
        .filter(not(exists(
            anonymisations::table
                .filter(anonymisations::record_type.eq("ban"))
                .filter(anonymisations::record_id.eq(bans::id)),
        )))
        .into_boxed();
    if let Some(o) = org_id {
        q = q.filter(bans::org_id.eq(o));
    }
    if let Some(a) = after {
        q = q.filter(bans::id.gt(a));
    }
    Ok(q.order(bans::id.asc()).limit(limit).load(conn)?)
}

/// The complaints these incidents are part of, as (incident id, complaint).
pub fn complaints_of(
    conn: &mut DbConn,
    incident_ids: &[String],
) -> StoreResult<Vec<(String, ComplaintRow)>> {
    Ok(complaint_incidents::table
        .inner_join(complaints::table.on(complaints::id.eq(complaint_incidents::complaint_id)))
        .filter(complaint_incidents::incident_id.eq_any(incident_ids))
        .select((complaint_incidents::incident_id, ComplaintRow::as_select()))
        .load(conn)?)
}

/// The PVs that follow these incidents up, as (incident id, PV).
pub fn pvs_of(conn: &mut DbConn, incident_ids: &[String]) -> StoreResult<Vec<(String, PvRow)>> {
    Ok(pv_incidents::table
        .inner_join(pvs::table.on(pvs::id.eq(pv_incidents::pv_id)))
        .filter(pv_incidents::incident_id.eq_any(incident_ids))
        .select((pv_incidents::incident_id, PvRow::as_select()))
        .load(conn)?)
}

/// Replaces a complaint's content (its anonymisation) if it is still at `version`.
pub fn replace_complaint_content(
    conn: &mut DbConn,
    id: &str,
    version: i64,
    content: &str,
    at: NaiveDateTime,
) -> StoreResult<()> {
    let n = diesel::update(
        complaints::table
            .find(id)
            .filter(complaints::version.eq(version)),
    )
    .set((
        complaints::content.eq(content),
        complaints::version.eq(version + 1),
        complaints::updated_at.eq(at),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = retention_runs, treat_none_as_default_value = false)]
pub struct RunRow {
    pub id: String,
    /// The local day in France the run applies the rules of.
    pub day: NaiveDate,
    /// The daily run (one per day, whatever the number of processes).
    pub scheduled: bool,
    pub dry_run: bool,
    /// Limited to one organisation's records.
    pub org_id: Option<String>,
    pub started_by: String,
    /// The process running it; another takes it over when its heartbeat stops.
    pub owner: String,
    pub heartbeat_at: NaiveDateTime,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub examined: i64,
    pub anonymised: i64,
}

pub fn create_run(conn: &mut DbConn, row: &RunRow) -> StoreResult<()> {
    diesel::insert_into(retention_runs::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The scheduled run of `day`, if one was started.
pub fn daily_run(conn: &mut DbConn, day: NaiveDate) -> StoreResult<Option<RunRow>> {
    Ok(retention_runs::table
        .filter(retention_runs::day.eq(day))
        .filter(retention_runs::scheduled.eq(true))
        .select(RunRow::as_select())
        .first(conn)
        .optional()?)
}

/// Takes over an unfinished run whose owner stopped beating before `stale_before`. True when this
/// process now owns it (a concurrent taker loses: the heartbeat it read has changed).
pub fn take_over(
    conn: &mut DbConn,
    run: &RunRow,
    owner: &str,
    at: NaiveDateTime,
    stale_before: NaiveDateTime,
) -> StoreResult<bool> {
    if run.finished_at.is_some() || run.heartbeat_at >= stale_before {
        return Ok(false);
    }
    let n = diesel::update(
        retention_runs::table
            .find(&run.id)
            .filter(retention_runs::heartbeat_at.eq(run.heartbeat_at))
            .filter(retention_runs::finished_at.is_null()),
    )
    .set((
        retention_runs::owner.eq(owner),
        retention_runs::heartbeat_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Adds a batch's counts and beats.
pub fn progress(
    conn: &mut DbConn,
    id: &str,
    examined: i64,
    anonymised: i64,
    at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::update(retention_runs::table.find(id))
        .set((
            retention_runs::examined.eq(retention_runs::examined + examined),
            retention_runs::anonymised.eq(retention_runs::anonymised + anonymised),
            retention_runs::heartbeat_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn finish_run(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> StoreResult<()> {
    diesel::update(retention_runs::table.find(id))
        .set((
            retention_runs::finished_at.eq(Some(at)),
            retention_runs::heartbeat_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn get_run(conn: &mut DbConn, id: &str) -> StoreResult<Option<RunRow>> {
    Ok(retention_runs::table
        .find(id)
        .select(RunRow::as_select())
        .first(conn)
        .optional()?)
}

/// Runs, newest first: all of them, or those limited to one organisation.
pub fn list_runs(
    conn: &mut DbConn,
    org_id: Option<&str>,
    before_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<RunRow>> {
    let mut q = retention_runs::table
        .select(RunRow::as_select())
        .into_boxed();
    if let Some(o) = org_id {
        q = q.filter(retention_runs::org_id.eq(o));
    }
    if let Some(b) = before_id {
        q = q.filter(retention_runs::id.lt(b));
    }
    Ok(q.order(retention_runs::id.desc()).limit(limit).load(conn)?)
}
