//! The préfet's injunctions to sue for lease termination (art. L.442-4-3 CCH). The procedure's
//! rules live in `vigie_domain::injunction`; this module stores the dossier, its deadline for the
//! lists and alerts, and audits each change.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use vigie_domain::injunction::{InjunctionStatus, Procedure};

use crate::audit::{self, Actor, Change};
use crate::db::DbConn;
use crate::error::StoreResult;
use crate::now;
use crate::schema::injunctions;

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = injunctions)]
pub struct InjunctionRow {
    pub id: String,
    /// The landlord enjoined.
    pub org_id: String,
    pub prefecture_id: String,
    pub residence_id: Option<String>,
    pub status: String,
    pub next_deadline: Option<NaiveDate>,
    /// The deadline an alert was last sent for (one alert per deadline).
    pub alerted_deadline: Option<NaiveDate>,
    pub content: String,
    pub procedure: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl InjunctionRow {
    pub fn status(&self) -> StoreResult<InjunctionStatus> {
        crate::error::decode_name(
            &format!("injunction {}: status", self.id),
            &self.status,
            InjunctionStatus::parse,
        )
    }

    pub fn procedure(&self) -> StoreResult<Procedure> {
        crate::error::decode_json(
            &format!("injunction {}: procedure", self.id),
            &self.procedure,
        )
    }

    pub fn content<T: serde::de::DeserializeOwned>(&self) -> StoreResult<T> {
        crate::error::decode_json(&format!("injunction {}: content", self.id), &self.content)
    }
}

fn audited(conn: &mut DbConn, actor: &Actor, action: &str, row: &InjunctionRow) -> StoreResult<()> {
    audit::record(
        conn,
        actor,
        Change {
            action,
            resource_type: "injunction",
            resource_id: &row.id,
            org_id: Some(&row.org_id),
            state: row,
        },
    )
}

pub fn create(conn: &mut DbConn, actor: &Actor, row: &InjunctionRow) -> StoreResult<()> {
    diesel::insert_into(injunctions::table)
        .values(row)
        .execute(conn)?;
    audited(conn, actor, "injunction.created", row)
}

pub fn get(conn: &mut DbConn, id: &str) -> StoreResult<Option<InjunctionRow>> {
    Ok(injunctions::table
        .find(id)
        .select(InjunctionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes a changed dossier if `expected` (If-Match) is still its version; audits `action`.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    mut row: InjunctionRow,
    expected: Option<i64>,
    action: &str,
) -> StoreResult<InjunctionRow> {
    let current = row.version;
    crate::error::check_version(expected, current)?;
    row.version = current + 1;
    row.updated_at = now();
    let n = diesel::update(
        injunctions::table
            .find(&row.id)
            .filter(injunctions::version.eq(current)),
    )
    .set((
        injunctions::status.eq(&row.status),
        injunctions::next_deadline.eq(row.next_deadline),
        injunctions::alerted_deadline.eq(row.alerted_deadline),
        injunctions::content.eq(&row.content),
        injunctions::procedure.eq(&row.procedure),
        injunctions::version.eq(row.version),
        injunctions::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)?;
    audited(conn, actor, action, &row)?;
    Ok(row)
}

#[derive(Debug, Clone, Default)]
pub struct InjunctionFilter {
    /// The landlord's dossiers; `None`: every landlord's (the préfecture).
    pub org_id: Option<String>,
    pub status: Option<String>,
    /// Only dossiers whose next deadline is on or before this day.
    pub due_by: Option<NaiveDate>,
    pub after_id: Option<String>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, f: &InjunctionFilter) -> StoreResult<Vec<InjunctionRow>> {
    let mut q = injunctions::table
        .select(InjunctionRow::as_select())
        .into_boxed();
    if let Some(o) = &f.org_id {
        q = q.filter(injunctions::org_id.eq(o));
    }
    if let Some(s) = &f.status {
        q = q.filter(injunctions::status.eq(s));
    }
    if let Some(d) = f.due_by {
        q = q.filter(injunctions::next_deadline.le(d));
    }
    if let Some(a) = &f.after_id {
        q = q.filter(injunctions::id.gt(a));
    }
    Ok(q.order(injunctions::id.asc()).limit(f.limit).load(conn)?)
}

/// Dossiers whose next deadline falls on or before `by` and has not been alerted yet.
pub fn due_for_alert(
    conn: &mut DbConn,
    by: NaiveDate,
    limit: i64,
) -> StoreResult<Vec<InjunctionRow>> {
    Ok(injunctions::table
        .filter(injunctions::next_deadline.le(by))
        .filter(
            injunctions::alerted_deadline
                .is_null()
                .or(injunctions::alerted_deadline.ne(injunctions::next_deadline)),
        )
        .select(InjunctionRow::as_select())
        .order(injunctions::id.asc())
        .limit(limit)
        .load(conn)?)
}
