//! Sworn-agent files. The file itself (commission, agréments, oath, suspensions...) is a JSON document
//! of `vigie_domain::sworn::AgentFile`; the rules that change it live in the domain crate.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use vigie_domain::sworn::{AgentFile, Regime};

use crate::audit::{self, Actor, Change};
use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::now;
use crate::schema::sworn_agents;

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = sworn_agents)]
pub struct AgentRow {
    pub id: String,
    pub org_id: String,
    pub staff_id: String,
    /// The person (login) who is this agent, when they use Vigie themselves.
    pub principal_id: Option<String>,
    pub regime: String,
    pub file: String,
    pub agrement_end: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A request for an agrément awaits the préfet's decision.
    pub request_pending: bool,
}

/// The stored file's typed parts, decoded here once (corrupt data is an error, not a panic).
impl AgentRow {
    pub fn regime(&self) -> StoreResult<Regime> {
        crate::error::decode_name(
            &format!("sworn agent {}: regime", self.id),
            &self.regime,
            Regime::parse,
        )
    }

    pub fn file(&self) -> StoreResult<AgentFile> {
        crate::error::decode_json(&format!("sworn agent {}: file", self.id), &self.file)
    }
}

fn audited(conn: &mut DbConn, actor: &Actor, action: &str, row: &AgentRow) -> StoreResult<()> {
    audit::record(
        conn,
        actor,
        Change {
            action,
            resource_type: "sworn_agent",
            resource_id: &row.id,
            org_id: Some(&row.org_id),
            state: row,
        },
    )
}

/// Inserts a new file. A staff member or a person with a file already: `Conflict("staff_id")` or
/// `Conflict("principal_id")`.
pub fn create(conn: &mut DbConn, actor: &Actor, row: &AgentRow) -> StoreResult<()> {
    diesel::insert_into(sworn_agents::table)
        .values(row)
        .execute(conn)
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(what) if what.contains("principal") => {
                StoreError::Conflict("principal_id".into())
            }
            StoreError::Conflict(_) => StoreError::Conflict("staff_id".into()),
            other => other,
        })?;
    audited(conn, actor, "sworn_agent.created", row)
}

pub fn get(conn: &mut DbConn, id: &str) -> StoreResult<Option<AgentRow>> {
    Ok(sworn_agents::table
        .find(id)
        .select(AgentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_principal(conn: &mut DbConn, principal_id: &str) -> StoreResult<Option<AgentRow>> {
    Ok(sworn_agents::table
        .filter(sworn_agents::principal_id.eq(principal_id))
        .select(AgentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes a changed file if `expected` (If-Match) is still its version; audits `action`.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    mut row: AgentRow,
    expected: Option<i64>,
    action: &str,
) -> StoreResult<AgentRow> {
    let current = row.version;
    crate::error::check_version(expected, current)?;
    row.version = current + 1;
    row.updated_at = now();
    let n = diesel::update(
        sworn_agents::table
            .find(&row.id)
            .filter(sworn_agents::version.eq(current)),
    )
    .set((
        sworn_agents::file.eq(&row.file),
        sworn_agents::agrement_end.eq(row.agrement_end),
        sworn_agents::request_pending.eq(row.request_pending),
        sworn_agents::version.eq(row.version),
        sworn_agents::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)?;
    audited(conn, actor, action, &row)?;
    Ok(row)
}

#[derive(Debug, Clone, Default)]
pub struct AgentFilter {
    /// The bailleur's files; `None`: every bailleur's (the préfecture).
    pub org_id: Option<String>,
    /// Only this person's file.
    pub principal_id: Option<String>,
    pub regime: Option<String>,
    /// Agréments ending on or before this day (and not before `ending_from`).
    pub ending_by: Option<NaiveDate>,
    pub ending_from: Option<NaiveDate>,
    /// Only files with (or without) a request awaiting the préfet's decision.
    pub request_pending: Option<bool>,
    pub after_id: Option<String>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, f: &AgentFilter) -> StoreResult<Vec<AgentRow>> {
    let mut q = sworn_agents::table
        .select(AgentRow::as_select())
        .into_boxed();
    if let Some(o) = &f.org_id {
        q = q.filter(sworn_agents::org_id.eq(o));
    }
    if let Some(p) = f.request_pending {
        q = q.filter(sworn_agents::request_pending.eq(p));
    }
    if let Some(p) = &f.principal_id {
        q = q.filter(sworn_agents::principal_id.eq(p));
    }
    if let Some(r) = &f.regime {
        q = q.filter(sworn_agents::regime.eq(r));
    }
    if let Some(d) = f.ending_by {
        q = q.filter(sworn_agents::agrement_end.le(d));
    }
    if let Some(d) = f.ending_from {
        q = q.filter(sworn_agents::agrement_end.ge(d));
    }
    if let Some(a) = &f.after_id {
        q = q.filter(sworn_agents::id.gt(a));
    }
    Ok(q.order(sworn_agents::id.asc()).limit(f.limit).load(conn)?)
}
