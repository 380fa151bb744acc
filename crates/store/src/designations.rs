//! The directory of designated contacts: one holder per role and organisation at a time, with a
//! substitute, over validity dates.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Actor, Change};
use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::schema::designations;
use crate::{new_id, now};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = designations)]
pub struct DesignationRow {
    pub id: String,
    pub role: String,
    pub org_id: String,
    pub person_id: String,
    pub substitute_id: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

impl DesignationRow {
    pub fn role(&self) -> StoreResult<vigie_domain::directory::ContactRole> {
        crate::error::decode_name(
            &format!("designation {}: role", self.id),
            &self.role,
            vigie_domain::directory::ContactRole::parse,
        )
    }
}

/// Designates a holder from `valid_from`; the designation in force then ends that day. A later
/// designation already recorded makes this one a conflict (history is appended in order).
pub struct NewDesignation<'a> {
    pub role: &'a str,
    pub org_id: &'a str,
    pub person_id: &'a str,
    pub substitute_id: Option<&'a str>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

pub fn designate(
    conn: &mut DbConn,
    actor: &Actor,
    d: NewDesignation<'_>,
) -> StoreResult<DesignationRow> {
    let NewDesignation {
        role,
        org_id,
        person_id,
        substitute_id,
        valid_from,
        valid_to,
    } = d;
    let history: Vec<DesignationRow> = designations::table
        .filter(designations::role.eq(role))
        .filter(designations::org_id.eq(org_id))
        .order(designations::valid_from.asc())
        .select(DesignationRow::as_select())
        .load(conn)?;
    if let Some(last) = history.last() {
        if last.valid_from >= valid_from {
            return Err(StoreError::Conflict(format!(
                "a designation starting on {} exists",
                last.valid_from
            )));
        }
        if last.valid_to.is_none_or(|end| end > valid_from) {
            diesel::update(designations::table.find(&last.id))
                .set(designations::valid_to.eq(Some(valid_from)))
                .execute(conn)?;
        }
    }
    let row = DesignationRow {
        id: new_id(),
        role: role.to_owned(),
        org_id: org_id.to_owned(),
        person_id: person_id.to_owned(),
        substitute_id: substitute_id.map(str::to_owned),
        valid_from,
        valid_to,
        created_at: now(),
    };
    diesel::insert_into(designations::table)
        .values(&row)
        .execute(conn)?;
    audit::record(
        conn,
        actor,
        Change {
            action: "designation.created",
            resource_type: "designation",
            resource_id: &row.id,
            org_id: Some(org_id),
            state: &row,
        },
    )?;
    Ok(row)
}

/// The designation in force on `on` for a role in an organisation (any organisation when `org_id`
/// is `None`, for the parquet's single magistrat référent).
pub fn in_force(
    conn: &mut DbConn,
    role: &str,
    org_id: Option<&str>,
    on: NaiveDate,
) -> StoreResult<Option<DesignationRow>> {
    let mut q = designations::table
        .filter(designations::role.eq(role))
        .filter(designations::valid_from.le(on))
        .filter(
            designations::valid_to
                .is_null()
                .or(designations::valid_to.gt(on)),
        )
        .select(DesignationRow::as_select())
        .into_boxed();
    if let Some(o) = org_id {
        q = q.filter(designations::org_id.eq(o));
    }
    Ok(q.order(designations::valid_from.desc())
        .first(conn)
        .optional()?)
}

/// Which designations a directory page shows.
#[derive(Debug, Default, Clone, Copy)]
pub struct DesignationFilter<'a> {
    pub role: Option<&'a str>,
    pub org_id: Option<&'a str>,
    /// Only those in force on this day.
    pub on: Option<NaiveDate>,
}

/// A page of designations in the order they were recorded (ids are time-ordered), after `after`.
pub fn list(
    conn: &mut DbConn,
    f: DesignationFilter<'_>,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<DesignationRow>> {
    let mut q = designations::table
        .select(DesignationRow::as_select())
        .into_boxed();
    if let Some(r) = f.role {
        q = q.filter(designations::role.eq(r));
    }
    if let Some(o) = f.org_id {
        q = q.filter(designations::org_id.eq(o));
    }
    if let Some(on) = f.on {
        q = q.filter(designations::valid_from.le(on)).filter(
            designations::valid_to
                .is_null()
                .or(designations::valid_to.gt(on)),
        );
    }
    if let Some(a) = after {
        q = q.filter(designations::id.gt(a));
    }
    Ok(q.order(designations::id.asc()).limit(limit).load(conn)?)
}

pub fn find(conn: &mut DbConn, id: &str) -> StoreResult<Option<DesignationRow>> {
    Ok(designations::table
        .find(id)
        .select(DesignationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Ends a designation on `on` (its last day in force is the day before), audited.
pub fn end(
    conn: &mut DbConn,
    actor: &Actor,
    mut row: DesignationRow,
    on: NaiveDate,
) -> StoreResult<DesignationRow> {
    diesel::update(designations::table.find(&row.id))
        .set(designations::valid_to.eq(Some(on)))
        .execute(conn)?;
    row.valid_to = Some(on);
    audit::record(
        conn,
        actor,
        Change {
            action: "designation.ended",
            resource_type: "designation",
            resource_id: &row.id,
            org_id: Some(&row.org_id),
            state: &row,
        },
    )?;
    Ok(row)
}
