//! The records of one organisation that may name a person (a data subject's request): a coarse
//! filter in SQL on the JSON columns that hold people (a lower-cased substring), which the
//! application then checks precisely. Never the free-text narratives: a request is answered on
//! what the records state about people.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::bans::BanRow;
use crate::complaints::ComplaintRow;
use crate::db::DbConn;
use crate::error::StoreResult;
use crate::incidents::IncidentRow;
use crate::injunctions::InjunctionRow;
use crate::pvs::PvRow;
use crate::residences::StaffRow;
use crate::schema::{bans, complaints, incidents, injunctions, pvs, staff};

diesel::define_sql_function!(fn lower(x: Text) -> Text);

/// At most this many records of each kind are read for one request.
pub const MAX_ROWS: i64 = 1000;

fn pattern(needle: &str) -> String {
    // LIKE's wildcards cannot be part of a name searched for.
    let clean: String = needle
        .to_lowercase()
        .chars()
        .filter(|c| *c != '%' && *c != '_' && *c != '\\')
        .collect();
    format!("%{clean}%")
}

pub fn incidents(conn: &mut DbConn, org_id: &str, needle: &str) -> StoreResult<Vec<IncidentRow>> {
    let p = pattern(needle);
    Ok(incidents::table
        .select(IncidentRow::as_select())
        .filter(incidents::org_id.eq(org_id))
        .filter(
            lower(incidents::persons)
                .like(p.clone())
                .or(lower(incidents::witnesses).like(p.clone()))
                .or(lower(incidents::victims).like(p)),
        )
        .order(incidents::id.asc())
        .limit(MAX_ROWS)
        .load(conn)?)
}

pub fn complaints(conn: &mut DbConn, org_id: &str, needle: &str) -> StoreResult<Vec<ComplaintRow>> {
    Ok(complaints::table
        .select(ComplaintRow::as_select())
        .filter(complaints::org_id.eq(org_id))
        .filter(lower(complaints::content).like(pattern(needle)))
        .order(complaints::id.asc())
        .limit(MAX_ROWS)
        .load(conn)?)
}

pub fn pvs(conn: &mut DbConn, org_id: &str, needle: &str) -> StoreResult<Vec<PvRow>> {
    Ok(pvs::table
        .select(PvRow::as_select())
        .filter(pvs::org_id.eq(org_id))
        .filter(lower(pvs::content).like(pattern(needle)))
        .order(pvs::id.asc())
        .limit(MAX_ROWS)
        .load(conn)?)
}

pub fn bans(conn: &mut DbConn, org_id: &str, needle: &str) -> StoreResult<Vec<BanRow>> {
    Ok(bans::table
        .select(BanRow::as_select())
        .filter(bans::org_id.eq(org_id))
        .filter(lower(bans::content).like(pattern(needle)))
        .order(bans::id.asc())
        .limit(MAX_ROWS)
        .load(conn)?)
}

pub fn injunctions(
    conn: &mut DbConn,
    org_id: &str,
    needle: &str,
) -> StoreResult<Vec<InjunctionRow>> {
    Ok(injunctions::table
        .select(InjunctionRow::as_select())
        .filter(injunctions::org_id.eq(org_id))
        .filter(lower(injunctions::content).like(pattern(needle)))
        .order(injunctions::id.asc())
        .limit(MAX_ROWS)
        .load(conn)?)
}

/// Staff members whose first or last name holds `needle` (a victim or witness is often one).
pub fn staff(conn: &mut DbConn, org_id: &str, needle: &str) -> StoreResult<Vec<StaffRow>> {
    let p = pattern(needle);
    Ok(staff::table
        .select(StaffRow::as_select())
        .filter(staff::org_id.eq(org_id))
        .filter(
            lower(staff::first_name)
                .like(p.clone())
                .or(lower(staff::last_name).like(p)),
        )
        .order(staff::id.asc())
        .limit(MAX_ROWS)
        .load(conn)?)
}
