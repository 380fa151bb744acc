//! Procès-verbaux, their per-bailleur yearly numbering and their transmissions to the parquet.
//! A PV's content is a JSON document; once signed, the frozen `document` and its hash never change.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use vigie_domain::pv::{PvStatus, TransmissionMode};

use crate::audit::{self, Actor, Change};
use crate::db::DbConn;
use crate::error::StoreResult;
use crate::error::{decode_json, decode_name};
use crate::now;
use crate::schema::{pv_counters, pv_incidents, pv_transmissions, pvs};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = pvs)]
pub struct PvRow {
    pub id: String,
    pub org_id: String,
    pub agent_id: String,
    pub year: i64,
    pub seq: i64,
    pub number: String,
    pub revision: i64,
    pub previous_id: Option<String>,
    pub superseded_by: Option<String>,
    pub status: String,
    pub found_at: NaiveDateTime,
    pub found_on: NaiveDate,
    pub deadline: NaiveDate,
    pub residence_id: String,
    pub content: String,
    pub signed_at: Option<NaiveDateTime>,
    pub signed_by: Option<String>,
    pub content_hash: Option<String>,
    pub document: Option<String>,
    pub transmission_id: Option<String>,
    pub transmitted_on: Option<NaiveDate>,
    pub void: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The stored PV's typed parts, decoded here once (corrupt data is an error, not a panic).
impl PvRow {
    pub fn status(&self) -> StoreResult<PvStatus> {
        decode_name(
            &format!("pv {}: status", self.id),
            &self.status,
            PvStatus::parse,
        )
    }

    /// The working content (a draft's, as last saved).
    pub fn content<T: serde::de::DeserializeOwned>(&self) -> StoreResult<T> {
        decode_json(&format!("pv {}: content", self.id), &self.content)
    }

    /// The document as signed, or the working content of a draft.
    pub fn document<T: serde::de::DeserializeOwned>(&self) -> StoreResult<T> {
        decode_json(
            &format!("pv {}: document", self.id),
            self.document.as_deref().unwrap_or(&self.content),
        )
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = pv_transmissions)]
pub struct TransmissionRow {
    pub id: String,
    pub org_id: String,
    pub parquet_id: String,
    pub transmitted_on: NaiveDate,
    pub mode: String,
    pub proof_reference: String,
    pub opj: Option<String>,
    pub created_by: String,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub acknowledged_by: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

impl TransmissionRow {
    pub fn mode(&self) -> StoreResult<TransmissionMode> {
        decode_name(
            &format!("transmission {}: mode", self.id),
            &self.mode,
            TransmissionMode::parse,
        )
    }
}

fn audited<S: Serialize>(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    resource_type: &str,
    id: &str,
    org_id: &str,
    state: &S,
) -> StoreResult<()> {
    audit::record(
        conn,
        actor,
        Change {
            action,
            resource_type,
            resource_id: id,
            org_id: Some(org_id),
            state,
        },
    )
}

/// The next PV number of `org_id` in `year`, taken inside the caller's transaction: the counter row
/// stays locked (PostgreSQL) or the database stays reserved (SQLite) until commit, and a rollback
/// gives the number back, so numbers are unique and gap-free across server processes.
pub fn next_seq(conn: &mut DbConn, org_id: &str, year: i64) -> StoreResult<i64> {
    let first = (
        pv_counters::org_id.eq(org_id),
        pv_counters::year.eq(year),
        pv_counters::last_seq.eq(0i64),
    );
    // Creating the year's counter may race with another process: the loser's insert does nothing.
    match conn {
        DbConn::Sqlite(c) => diesel::insert_or_ignore_into(pv_counters::table)
            .values(first)
            .execute(c)?,
        DbConn::Postgres(c) => diesel::insert_into(pv_counters::table)
            .values(first)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    let key = pv_counters::table.find((org_id, year));
    diesel::update(key)
        .set(pv_counters::last_seq.eq(pv_counters::last_seq + 1i64))
        .execute(conn)?;
    Ok(key.select(pv_counters::last_seq).first(conn)?)
}

/// Records which incidents a PV follows up (replacing what a draft said before).
pub fn link_incidents(conn: &mut DbConn, pv_id: &str, incident_ids: &[String]) -> StoreResult<()> {
    diesel::delete(pv_incidents::table.filter(pv_incidents::pv_id.eq(pv_id))).execute(conn)?;
    for id in incident_ids {
        diesel::insert_into(pv_incidents::table)
            .values((
                pv_incidents::pv_id.eq(pv_id),
                pv_incidents::incident_id.eq(id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn create(conn: &mut DbConn, actor: &Actor, row: &PvRow, action: &str) -> StoreResult<()> {
    diesel::insert_into(pvs::table)
        .values(row)
        .execute(conn)
        .map_err(crate::error::conflict_on("number"))?;
    audited(conn, actor, action, "pv", &row.id, &row.org_id, row)
}

pub fn get(conn: &mut DbConn, id: &str) -> StoreResult<Option<PvRow>> {
    Ok(pvs::table
        .find(id)
        .select(PvRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes a changed PV if `expected` (If-Match) is still its version; audits `action`.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    mut row: PvRow,
    expected: Option<i64>,
    action: &str,
) -> StoreResult<PvRow> {
    let current = row.version;
    crate::error::check_version(expected, current)?;
    row.version = current + 1;
    row.updated_at = now();
    let n = diesel::update(pvs::table.find(&row.id).filter(pvs::version.eq(current)))
        .set((
            pvs::superseded_by.eq(&row.superseded_by),
            pvs::status.eq(&row.status),
            pvs::found_at.eq(row.found_at),
            pvs::found_on.eq(row.found_on),
            pvs::deadline.eq(row.deadline),
            pvs::residence_id.eq(&row.residence_id),
            pvs::content.eq(&row.content),
            pvs::signed_at.eq(row.signed_at),
            pvs::signed_by.eq(&row.signed_by),
            pvs::content_hash.eq(&row.content_hash),
            pvs::document.eq(&row.document),
            pvs::transmission_id.eq(&row.transmission_id),
            pvs::transmitted_on.eq(row.transmitted_on),
            pvs::void.eq(row.void),
            pvs::version.eq(row.version),
            pvs::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    crate::error::updated_once(n)?;
    audited(conn, actor, action, "pv", &row.id, &row.org_id, &row)?;
    Ok(row)
}

/// Whose PVs a caller may list.
#[derive(Debug, Clone)]
pub enum PvScope {
    /// A bailleur's PVs, or only one agent's.
    Bailleur {
        org_id: String,
        agent_id: Option<String>,
    },
    /// PVs transmitted to this parquet.
    Parquet { parquet_id: String },
}

#[derive(Debug, Clone)]
pub struct PvFilter {
    pub scope: PvScope,
    /// Only this PV.
    pub id: Option<String>,
    pub status: Option<String>,
    pub agent_id: Option<String>,
    pub year: Option<i64>,
    pub transmission_id: Option<String>,
    /// Not transmitted and due on or before this day (deadline view).
    pub due_by: Option<NaiveDate>,
    pub after_id: Option<String>,
    pub limit: i64,
}

impl PvFilter {
    pub fn new(scope: PvScope, limit: i64) -> Self {
        Self {
            scope,
            id: None,
            status: None,
            agent_id: None,
            year: None,
            transmission_id: None,
            due_by: None,
            after_id: None,
            limit,
        }
    }
}

pub fn list(conn: &mut DbConn, f: &PvFilter) -> StoreResult<Vec<PvRow>> {
    let mut q = pvs::table.select(PvRow::as_select()).into_boxed();
    match &f.scope {
        PvScope::Bailleur { org_id, agent_id } => {
            q = q.filter(pvs::org_id.eq(org_id));
            if let Some(a) = agent_id {
                q = q.filter(pvs::agent_id.eq(a));
            }
        }
        PvScope::Parquet { parquet_id } => {
            let sent_here = pv_transmissions::table
                .filter(pv_transmissions::parquet_id.eq(parquet_id.clone()))
                .select(pv_transmissions::id.nullable());
            q = q.filter(pvs::transmission_id.eq_any(sent_here));
        }
    }
    if let Some(i) = &f.id {
        q = q.filter(pvs::id.eq(i));
    }
    if let Some(s) = &f.status {
        q = q.filter(pvs::status.eq(s));
    }
    if let Some(a) = &f.agent_id {
        q = q.filter(pvs::agent_id.eq(a));
    }
    if let Some(y) = f.year {
        q = q.filter(pvs::year.eq(y));
    }
    if let Some(t) = &f.transmission_id {
        q = q.filter(pvs::transmission_id.eq(t));
    }
    if let Some(d) = f.due_by {
        q = q
            .filter(pvs::deadline.le(d))
            .filter(pvs::status.ne("transmitted"))
            .filter(pvs::superseded_by.is_null());
    }
    if let Some(a) = &f.after_id {
        q = q.filter(pvs::id.gt(a));
    }
    Ok(q.order(pvs::id.asc()).limit(f.limit).load(conn)?)
}

pub fn create_transmission(
    conn: &mut DbConn,
    actor: &Actor,
    t: &TransmissionRow,
) -> StoreResult<()> {
    diesel::insert_into(pv_transmissions::table)
        .values(t)
        .execute(conn)?;
    audited(
        conn,
        actor,
        "pv_transmission.sent",
        "pv_transmission",
        &t.id,
        &t.org_id,
        t,
    )
}

pub fn get_transmission(conn: &mut DbConn, id: &str) -> StoreResult<Option<TransmissionRow>> {
    Ok(pv_transmissions::table
        .find(id)
        .select(TransmissionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn transmissions_by_id(conn: &mut DbConn, ids: &[String]) -> StoreResult<Vec<TransmissionRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(pv_transmissions::table
        .filter(pv_transmissions::id.eq_any(ids))
        .select(TransmissionRow::as_select())
        .load(conn)?)
}

/// Records the parquet's acknowledgement of receipt (once).
pub fn acknowledge(
    conn: &mut DbConn,
    actor: &Actor,
    mut t: TransmissionRow,
    by: &str,
) -> StoreResult<TransmissionRow> {
    let current = t.version;
    t.acknowledged_at = Some(now());
    t.acknowledged_by = Some(by.to_owned());
    t.version = current + 1;
    let n = diesel::update(
        pv_transmissions::table
            .find(&t.id)
            .filter(pv_transmissions::version.eq(current)),
    )
    .set((
        pv_transmissions::acknowledged_at.eq(t.acknowledged_at),
        pv_transmissions::acknowledged_by.eq(&t.acknowledged_by),
        pv_transmissions::version.eq(t.version),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)?;
    audited(
        conn,
        actor,
        "pv_transmission.acknowledged",
        "pv_transmission",
        &t.id,
        &t.org_id,
        &t,
    )?;
    Ok(t)
}

#[derive(Debug, Clone)]
pub enum TransmissionScope {
    Bailleur {
        org_id: String,
    },
    /// A sworn agent: the transmissions that carry one of their PVs.
    Agent {
        org_id: String,
        agent_id: String,
    },
    Parquet {
        parquet_id: String,
    },
}

pub fn list_transmissions(
    conn: &mut DbConn,
    scope: &TransmissionScope,
    after_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<TransmissionRow>> {
    scoped_transmissions(conn, scope, None, after_id, limit)
}

/// One transmission if `scope` sees it: the look-up and the visibility rule in one query.
pub fn find_visible_transmission(
    conn: &mut DbConn,
    scope: &TransmissionScope,
    id: &str,
) -> StoreResult<Option<TransmissionRow>> {
    Ok(scoped_transmissions(conn, scope, Some(id), None, 1)?
        .into_iter()
        .next())
}

fn scoped_transmissions(
    conn: &mut DbConn,
    scope: &TransmissionScope,
    id: Option<&str>,
    after_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<TransmissionRow>> {
    let mut q = pv_transmissions::table
        .select(TransmissionRow::as_select())
        .into_boxed();
    q = match scope {
        TransmissionScope::Bailleur { org_id } => q.filter(pv_transmissions::org_id.eq(org_id)),
        TransmissionScope::Agent { org_id, agent_id } => {
            let theirs = pvs::table
                .filter(pvs::agent_id.eq(agent_id.clone()))
                .select(pvs::transmission_id);
            q.filter(pv_transmissions::org_id.eq(org_id))
                .filter(pv_transmissions::id.nullable().eq_any(theirs))
        }
        TransmissionScope::Parquet { parquet_id } => {
            q.filter(pv_transmissions::parquet_id.eq(parquet_id))
        }
    };
    if let Some(i) = id {
        q = q.filter(pv_transmissions::id.eq(i));
    }
    if let Some(a) = after_id {
        q = q.filter(pv_transmissions::id.gt(a));
    }
    Ok(q.order(pv_transmissions::id.asc())
        .limit(limit)
        .load(conn)?)
}
