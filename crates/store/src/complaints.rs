//! Complaints and the notifications of their steps. The pre-filled content is a JSON document; the
//! lifecycle's rules live in `vigie_domain::complaint`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use vigie_domain::complaint::{Channel, ComplaintStatus, Orientation, Receipt, TadprTrack};

use crate::audit::{self, Actor, Change};
use crate::db::DbConn;
use crate::error::StoreResult;
use crate::error::{decode_json, decode_name};
use crate::now;
use crate::schema::{complaint_incidents, complaints, notifications};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = complaints)]
pub struct ComplaintRow {
    pub id: String,
    pub org_id: String,
    pub status: String,
    pub channel: String,
    pub circonscription_code: Option<String>,
    pub parquet_id: Option<String>,
    /// JSON array of incident ids.
    pub incident_ids: String,
    /// JSON array of offence codes.
    pub qualifications: String,
    pub content: String,
    pub orientation: Option<String>,
    pub with_reparation: bool,
    pub receipt: Option<String>,
    pub tadpr: String,
    pub filed_at: Option<NaiveDateTime>,
    pub registered_at: Option<NaiveDateTime>,
    pub transmitted_at: Option<NaiveDateTime>,
    pub oriented_at: Option<NaiveDateTime>,
    pub outcome_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The stored complaint's typed parts, decoded here once (corrupt data is an error, not a panic).
impl ComplaintRow {
    fn what(&self, field: &str) -> String {
        format!("complaint {}: {field}", self.id)
    }

    pub fn status(&self) -> StoreResult<ComplaintStatus> {
        decode_name(&self.what("status"), &self.status, ComplaintStatus::parse)
    }

    pub fn channel(&self) -> StoreResult<Channel> {
        decode_name(&self.what("channel"), &self.channel, Channel::parse)
    }

    pub fn orientation(&self) -> StoreResult<Option<Orientation>> {
        self.orientation
            .as_deref()
            .map(|o| {
                decode_json(
                    &self.what("orientation"),
                    &serde_json::Value::String(o.to_owned()).to_string(),
                )
            })
            .transpose()
    }

    pub fn receipt(&self) -> StoreResult<Option<Receipt>> {
        self.receipt
            .as_deref()
            .map(|r| decode_json(&self.what("receipt"), r))
            .transpose()
    }

    pub fn tadpr(&self) -> StoreResult<TadprTrack> {
        decode_json(&self.what("tadpr"), &self.tadpr)
    }

    pub fn incident_ids(&self) -> StoreResult<Vec<String>> {
        decode_json(&self.what("incident_ids"), &self.incident_ids)
    }

    /// The offence codes it was qualified with.
    pub fn offence_codes(&self) -> StoreResult<Vec<String>> {
        decode_json(&self.what("qualifications"), &self.qualifications)
    }

    /// The pre-filled content, as the application shapes it.
    pub fn content<T: serde::de::DeserializeOwned>(&self) -> StoreResult<T> {
        decode_json(&self.what("content"), &self.content)
    }
}

fn audited(conn: &mut DbConn, actor: &Actor, action: &str, row: &ComplaintRow) -> StoreResult<()> {
    audit::record(
        conn,
        actor,
        Change {
            action,
            resource_type: "complaint",
            resource_id: &row.id,
            org_id: Some(&row.org_id),
            state: row,
        },
    )
}

/// Inserts a complaint and its links to `incident_ids`.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    row: &ComplaintRow,
    incident_ids: &[String],
) -> StoreResult<()> {
    diesel::insert_into(complaints::table)
        .values(row)
        .execute(conn)?;
    for id in incident_ids {
        diesel::insert_into(complaint_incidents::table)
            .values((
                complaint_incidents::complaint_id.eq(&row.id),
                complaint_incidents::incident_id.eq(id),
            ))
            .execute(conn)?;
    }
    audited(conn, actor, "complaint.created", row)
}

pub fn get(conn: &mut DbConn, id: &str) -> StoreResult<Option<ComplaintRow>> {
    Ok(complaints::table
        .find(id)
        .select(ComplaintRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes a changed complaint if `expected` (If-Match) is still its version; audits `action`.
pub fn save(
    conn: &mut DbConn,
    actor: &Actor,
    mut row: ComplaintRow,
    expected: Option<i64>,
    action: &str,
) -> StoreResult<ComplaintRow> {
    let current = row.version;
    crate::error::check_version(expected, current)?;
    row.version = current + 1;
    row.updated_at = now();
    let n = diesel::update(
        complaints::table
            .find(&row.id)
            .filter(complaints::version.eq(current)),
    )
    .set((
        complaints::status.eq(&row.status),
        complaints::orientation.eq(&row.orientation),
        complaints::with_reparation.eq(row.with_reparation),
        complaints::receipt.eq(&row.receipt),
        complaints::tadpr.eq(&row.tadpr),
        complaints::filed_at.eq(row.filed_at),
        complaints::registered_at.eq(row.registered_at),
        complaints::transmitted_at.eq(row.transmitted_at),
        complaints::oriented_at.eq(row.oriented_at),
        complaints::outcome_at.eq(row.outcome_at),
        complaints::closed_at.eq(row.closed_at),
        complaints::version.eq(row.version),
        complaints::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)?;
    audited(conn, actor, action, &row)?;
    Ok(row)
}

/// Whose complaints a caller lists.
#[derive(Debug, Clone)]
pub enum ComplaintScope {
    /// A bailleur's own, drafts included.
    Bailleur { org_id: String },
    /// Lodged at this circonscription (police channel, not drafts).
    Police { circonscription_code: String },
    /// Before this parquet: transmitted by the police, or lodged directly with it.
    Parquet { parquet_id: String },
}

pub fn list(
    conn: &mut DbConn,
    scope: &ComplaintScope,
    status: Option<&str>,
    after_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<ComplaintRow>> {
    scoped(conn, scope, None, status, after_id, limit)
}

/// One complaint if `scope` sees it: the look-up and the visibility rule in one query.
pub fn find_visible(
    conn: &mut DbConn,
    scope: &ComplaintScope,
    id: &str,
) -> StoreResult<Option<ComplaintRow>> {
    Ok(scoped(conn, scope, Some(id), None, None, 1)?
        .into_iter()
        .next())
}

/// The complaints `scope` sees: the one place the rule is written.
fn scoped(
    conn: &mut DbConn,
    scope: &ComplaintScope,
    id: Option<&str>,
    status: Option<&str>,
    after_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<ComplaintRow>> {
    let mut q = complaints::table
        .select(ComplaintRow::as_select())
        .into_boxed();
    match scope {
        ComplaintScope::Bailleur { org_id } => q = q.filter(complaints::org_id.eq(org_id)),
        ComplaintScope::Police {
            circonscription_code,
        } => {
            q = q
                .filter(complaints::circonscription_code.eq(circonscription_code))
                .filter(complaints::channel.eq("police"))
                .filter(complaints::status.ne("draft"))
        }
        ComplaintScope::Parquet { parquet_id } => {
            q = q.filter(complaints::parquet_id.eq(parquet_id)).filter(
                complaints::transmitted_at
                    .is_not_null()
                    .or(complaints::channel
                        .eq("direct_to_prosecutor")
                        .and(complaints::status.ne("draft"))),
            )
        }
    }
    if let Some(i) = id {
        q = q.filter(complaints::id.eq(i));
    }
    if let Some(s) = status {
        q = q.filter(complaints::status.eq(s));
    }
    if let Some(a) = after_id {
        q = q.filter(complaints::id.gt(a));
    }
    Ok(q.order(complaints::id.asc()).limit(limit).load(conn)?)
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: String,
    pub recipient_org_id: String,
    pub recipient_person_id: Option<String>,
    pub contact_role: String,
    pub event_type: String,
    pub resource_type: String,
    pub resource_id: String,
    pub summary: String,
    pub created_at: NaiveDateTime,
}

/// Records notifications in the caller's transaction: they exist exactly when the change does.
pub fn notify(conn: &mut DbConn, rows: &[NotificationRow]) -> StoreResult<()> {
    for r in rows {
        diesel::insert_into(notifications::table)
            .values(r)
            .execute(conn)?;
    }
    Ok(())
}

pub fn notifications_for(
    conn: &mut DbConn,
    org_id: &str,
    resource_id: Option<&str>,
    after_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<NotificationRow>> {
    let mut q = notifications::table
        .filter(notifications::recipient_org_id.eq(org_id))
        .select(NotificationRow::as_select())
        .into_boxed();
    if let Some(r) = resource_id {
        q = q.filter(notifications::resource_id.eq(r));
    }
    if let Some(a) = after_id {
        q = q.filter(notifications::id.gt(a));
    }
    Ok(q.order(notifications::id.asc()).limit(limit).load(conn)?)
}
