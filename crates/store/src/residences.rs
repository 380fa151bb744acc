//! Residences (the bailleurs' property) and staff (their front-line people).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Actor, Change};
use crate::db::DbConn;
use crate::error::{StoreError, StoreResult, conflict_on};
use crate::schema::{residences, staff};
use crate::{new_id, now};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = residences)]
pub struct ResidenceRow {
    pub id: String,
    pub org_id: String,
    pub external_ref: String,
    pub name: String,
    pub address: String,
    pub insee_code: String,
    /// JSON array of buildings with their entrances.
    pub buildings: String,
    pub qpv: bool,
    pub guarded_l271_1: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ResidenceRow {
    /// Its buildings and entrances, as the application shapes them.
    pub fn buildings<T: serde::de::DeserializeOwned>(&self) -> StoreResult<T> {
        crate::error::decode_json(
            &format!("residence {}: buildings", self.id),
            &self.buildings,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidenceData {
    pub name: String,
    pub address: String,
    pub insee_code: String,
    pub buildings: String,
    pub qpv: bool,
    pub guarded_l271_1: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Upsert {
    Created,
    Updated,
    Unchanged,
}

/// Creates or updates the residence the bailleur knows as `external_ref` (an ERP sync).
pub fn upsert(
    conn: &mut DbConn,
    actor: &Actor,
    org_id: &str,
    external_ref: &str,
    d: ResidenceData,
) -> StoreResult<(ResidenceRow, Upsert)> {
    let existing: Option<ResidenceRow> = residences::table
        .filter(residences::org_id.eq(org_id))
        .filter(residences::external_ref.eq(external_ref))
        .select(ResidenceRow::as_select())
        .first(conn)
        .optional()?;
    let at = now();
    let (row, outcome) = match existing {
        Some(old) => {
            let same = old.name == d.name
                && old.address == d.address
                && old.insee_code == d.insee_code
                && old.buildings == d.buildings
                && old.qpv == d.qpv
                && old.guarded_l271_1 == d.guarded_l271_1;
            if same {
                return Ok((old, Upsert::Unchanged));
            }
            let row = ResidenceRow {
                name: d.name,
                address: d.address,
                insee_code: d.insee_code,
                buildings: d.buildings,
                qpv: d.qpv,
                guarded_l271_1: d.guarded_l271_1,
                version: old.version + 1,
                updated_at: at,
                ..old
            };
            diesel::update(residences::table.find(&row.id))
                .set((
                    residences::name.eq(&row.name),
                    residences::address.eq(&row.address),
                    residences::insee_code.eq(&row.insee_code),
                    residences::buildings.eq(&row.buildings),
                    residences::qpv.eq(row.qpv),
                    residences::guarded_l271_1.eq(row.guarded_l271_1),
                    residences::version.eq(row.version),
                    residences::updated_at.eq(row.updated_at),
                ))
                .execute(conn)?;
            (row, Upsert::Updated)
        }
        None => {
            let row = ResidenceRow {
                id: new_id(),
                org_id: org_id.to_owned(),
                external_ref: external_ref.to_owned(),
                name: d.name,
                address: d.address,
                insee_code: d.insee_code,
                buildings: d.buildings,
                qpv: d.qpv,
                guarded_l271_1: d.guarded_l271_1,
                version: 1,
                created_at: at,
                updated_at: at,
            };
            diesel::insert_into(residences::table)
                .values(&row)
                .execute(conn)
                .map_err(conflict_on("external_ref"))?;
            (row, Upsert::Created)
        }
    };
    let action = if outcome == Upsert::Created {
        "residence.created"
    } else {
        "residence.updated"
    };
    audit::record(
        conn,
        actor,
        Change {
            action,
            resource_type: "residence",
            resource_id: &row.id,
            org_id: Some(org_id),
            state: &row,
        },
    )?;
    Ok((row, outcome))
}

pub fn find_in_org(conn: &mut DbConn, org_id: &str, id: &str) -> StoreResult<Option<ResidenceRow>> {
    Ok(residences::table
        .find(id)
        .filter(residences::org_id.eq(org_id))
        .select(ResidenceRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(
    conn: &mut DbConn,
    org_id: &str,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<ResidenceRow>> {
    let mut q = residences::table
        .filter(residences::org_id.eq(org_id))
        .select(ResidenceRow::as_select())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(residences::id.gt(a));
    }
    Ok(q.order(residences::id.asc()).limit(limit).load(conn)?)
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = staff)]
pub struct StaffRow {
    pub id: String,
    pub org_id: String,
    pub external_ref: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub sworn_guard: bool,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl StaffRow {
    pub fn role(&self) -> StoreResult<vigie_domain::incident::StaffRole> {
        crate::error::decode_name(
            &format!("staff {}: role", self.id),
            &self.role,
            vigie_domain::incident::StaffRole::parse,
        )
    }
}

#[derive(Debug, Clone)]
pub struct NewStaff {
    pub external_ref: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub sworn_guard: bool,
}

pub fn create_staff(
    conn: &mut DbConn,
    actor: &Actor,
    org_id: &str,
    n: NewStaff,
) -> StoreResult<StaffRow> {
    let at = now();
    let row = StaffRow {
        id: new_id(),
        org_id: org_id.to_owned(),
        external_ref: n.external_ref,
        first_name: n.first_name,
        last_name: n.last_name,
        role: n.role,
        sworn_guard: n.sworn_guard,
        active: true,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(staff::table)
        .values(&row)
        .execute(conn)
        .map_err(conflict_on("external_ref"))?;
    audit::record(
        conn,
        actor,
        Change {
            action: "staff.created",
            resource_type: "staff",
            resource_id: &row.id,
            org_id: Some(org_id),
            state: &row,
        },
    )?;
    Ok(row)
}

pub fn find_staff(conn: &mut DbConn, org_id: &str, id: &str) -> StoreResult<Option<StaffRow>> {
    Ok(staff::table
        .find(id)
        .filter(staff::org_id.eq(org_id))
        .select(StaffRow::as_select())
        .first(conn)
        .optional()?)
}

/// Staff of `org_id` among `ids` (the others are not this bailleur's).
pub fn staff_among(conn: &mut DbConn, org_id: &str, ids: &[String]) -> StoreResult<Vec<StaffRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(staff::table
        .filter(staff::org_id.eq(org_id))
        .filter(staff::id.eq_any(ids))
        .select(StaffRow::as_select())
        .load(conn)?)
}

pub fn list_staff(
    conn: &mut DbConn,
    org_id: &str,
    after: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<StaffRow>> {
    let mut q = staff::table
        .filter(staff::org_id.eq(org_id))
        .select(StaffRow::as_select())
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(staff::id.gt(a));
    }
    Ok(q.order(staff::id.asc()).limit(limit).load(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct StaffPatch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Option<String>,
    pub sworn_guard: Option<bool>,
    pub active: Option<bool>,
}

pub fn update_staff(
    conn: &mut DbConn,
    actor: &Actor,
    org_id: &str,
    id: &str,
    expected: Option<i64>,
    p: StaffPatch,
) -> StoreResult<StaffRow> {
    let mut row = find_staff(conn, org_id, id)?.ok_or(StoreError::NotFound)?;
    crate::error::check_version(expected, row.version)?;
    if let Some(v) = p.first_name {
        row.first_name = v;
    }
    if let Some(v) = p.last_name {
        row.last_name = v;
    }
    if let Some(v) = p.role {
        row.role = v;
    }
    if let Some(v) = p.sworn_guard {
        row.sworn_guard = v;
    }
    if let Some(v) = p.active {
        row.active = v;
    }
    row.version += 1;
    row.updated_at = now();
    let n = diesel::update(
        staff::table
            .find(id)
            .filter(staff::version.eq(row.version - 1)),
    )
    .set((
        staff::first_name.eq(&row.first_name),
        staff::last_name.eq(&row.last_name),
        staff::role.eq(&row.role),
        staff::sworn_guard.eq(row.sworn_guard),
        staff::active.eq(row.active),
        staff::version.eq(row.version),
        staff::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)?;
    audit::record(
        conn,
        actor,
        Change {
            action: "staff.updated",
            resource_type: "staff",
            resource_id: id,
            org_id: Some(org_id),
            state: &row,
        },
    )?;
    Ok(row)
}
