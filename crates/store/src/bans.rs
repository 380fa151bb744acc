//! The préfet's bans from premises (art. L.22-11-1 CSI). The rules on their dates live in
//! `vigie_domain::ban`; this module stores them, with who may read each, and audits every change.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Actor, Change};
use crate::db::DbConn;
use crate::error::StoreResult;
use crate::now;
use crate::schema::bans;

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = bans)]
pub struct BanRow {
    pub id: String,
    /// The landlord of the premises.
    pub org_id: String,
    pub prefecture_id: String,
    pub residence_id: String,
    /// The police circonscription of the premises (the commune's mapping on the first day).
    pub circonscription_code: Option<String>,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub procureur_informed_on: NaiveDate,
    pub bailleur_acknowledged_at: Option<NaiveDateTime>,
    pub police_acknowledged_at: Option<NaiveDateTime>,
    pub content: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl BanRow {
    pub fn content<T: serde::de::DeserializeOwned>(&self) -> StoreResult<T> {
        crate::error::decode_json(&format!("ban {}: content", self.id), &self.content)
    }
}

fn audited(conn: &mut DbConn, actor: &Actor, action: &str, row: &BanRow) -> StoreResult<()> {
    audit::record(
        conn,
        actor,
        Change {
            action,
            resource_type: "ban",
            resource_id: &row.id,
            org_id: Some(&row.org_id),
            state: row,
        },
    )
}

pub fn create(conn: &mut DbConn, actor: &Actor, row: &BanRow) -> StoreResult<()> {
    diesel::insert_into(bans::table).values(row).execute(conn)?;
    audited(conn, actor, "ban.created", row)
}

pub fn get(conn: &mut DbConn, id: &str) -> StoreResult<Option<BanRow>> {
    Ok(bans::table
        .find(id)
        .select(BanRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes a changed ban (an acknowledgement, the retention run's anonymisation) if `expected` is
/// still its version; audits `action`.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    mut row: BanRow,
    expected: Option<i64>,
    action: &str,
) -> StoreResult<BanRow> {
    let current = row.version;
    crate::error::check_version(expected, current)?;
    row.version = current + 1;
    row.updated_at = now();
    let n = diesel::update(bans::table.find(&row.id).filter(bans::version.eq(current)))
        .set((
            bans::bailleur_acknowledged_at.eq(row.bailleur_acknowledged_at),
            bans::police_acknowledged_at.eq(row.police_acknowledged_at),
            bans::content.eq(&row.content),
            bans::version.eq(row.version),
            bans::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    crate::error::updated_once(n)?;
    audited(conn, actor, action, &row)?;
    Ok(row)
}

/// Who lists bans.
#[derive(Debug, Clone)]
pub enum BanScope {
    /// The préfecture and the parquet: every ban.
    All,
    /// A landlord: those on its premises.
    Bailleur(String),
    /// A police circonscription: those in its territory.
    Police(String),
}

pub fn list(
    conn: &mut DbConn,
    scope: &BanScope,
    in_force_on: Option<NaiveDate>,
    after_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<BanRow>> {
    let mut q = bans::table.select(BanRow::as_select()).into_boxed();
    q = match scope {
        BanScope::All => q,
        BanScope::Bailleur(org) => q.filter(bans::org_id.eq(org.clone())),
        BanScope::Police(c) => q.filter(bans::circonscription_code.eq(c.clone())),
    };
    if let Some(d) = in_force_on {
        q = q.filter(bans::start_on.le(d)).filter(bans::end_on.ge(d));
    }
    if let Some(a) = after_id {
        q = q.filter(bans::id.gt(a.to_owned()));
    }
    Ok(q.order(bans::id.asc()).limit(limit).load(conn)?)
}
