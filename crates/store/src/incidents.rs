//! Incidents and their qualifications. Victims, persons involved, witnesses and evidence are kept as
//! JSON documents of the incident (they are read and written with it, never queried alone).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::schema::{
    complaint_incidents, complaints, incident_qualifications, incidents, pv_incidents,
    pv_transmissions, pvs,
};
use crate::{new_id, now};
use vigie_domain::incident::{
    ActionKind, Category, Evidence, PersonInvolved, Status, Victim, Witness,
};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = incidents, treat_none_as_default_value = false)]
pub struct IncidentRow {
    pub id: String,
    pub org_id: String,
    pub residence_id: String,
    pub building: Option<String>,
    pub entrance: Option<String>,
    pub common_part: Option<String>,
    pub occurred_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub reported_at: NaiveDateTime,
    pub category: String,
    pub narrative: String,
    pub victims: String,
    pub persons: String,
    pub witnesses: String,
    pub evidence: String,
    pub external_ref: Option<String>,
    #[serde(skip)]
    pub request_hash: Option<String>,
    pub status: String,
    pub action_kind: Option<String>,
    pub insee_code: String,
    pub circonscription_code: Option<String>,
    pub shared_with_police: bool,
    pub restricted: bool,
    pub prescription_date: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = incident_qualifications, treat_none_as_default_value = false)]
pub struct QualificationRow {
    pub incident_id: String,
    pub offence_code: String,
    /// JSON array of aggravating circumstances.
    pub aggravating: String,
    pub added_at: NaiveDateTime,
}

impl IncidentRow {
    /// A fresh row; the caller fills the content fields.
    pub fn blank(org_id: &str, residence_id: &str) -> Self {
        let at = now();
        Self {
            id: new_id(),
            org_id: org_id.to_owned(),
            residence_id: residence_id.to_owned(),
            building: None,
            entrance: None,
            common_part: None,
            occurred_at: at,
            ended_at: None,
            reported_at: at,
            category: String::new(),
            narrative: String::new(),
            victims: "[]".into(),
            persons: "[]".into(),
            witnesses: "[]".into(),
            evidence: "[]".into(),
            external_ref: None,
            request_hash: None,
            status: "reported".into(),
            action_kind: None,
            insee_code: String::new(),
            circonscription_code: None,
            shared_with_police: false,
            restricted: false,
            prescription_date: None,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }
}

/// The stored incident's typed content, decoded here once: a value that does not decode is corrupt
/// data, reported as such (one logged internal error), never a panic.
impl IncidentRow {
    fn corrupt(&self, field: &str, why: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt(format!("incident {}: {field}: {why}", self.id))
    }

    fn json<T: serde::de::DeserializeOwned>(&self, field: &str, text: &str) -> StoreResult<T> {
        serde_json::from_str(text).map_err(|e| self.corrupt(field, e))
    }

    pub fn category(&self) -> StoreResult<Category> {
        Category::parse(&self.category).ok_or_else(|| self.corrupt("category", &self.category))
    }

    pub fn status(&self) -> StoreResult<Status> {
        Status::parse(&self.status).ok_or_else(|| self.corrupt("status", &self.status))
    }

    pub fn action(&self) -> StoreResult<Option<ActionKind>> {
        self.action_kind
            .as_deref()
            .map(|a| ActionKind::parse(a).ok_or_else(|| self.corrupt("action_kind", a)))
            .transpose()
    }

    pub fn victims(&self) -> StoreResult<Vec<Victim>> {
        self.json("victims", &self.victims)
    }

    pub fn persons(&self) -> StoreResult<Vec<PersonInvolved>> {
        self.json("persons", &self.persons)
    }

    pub fn witnesses(&self) -> StoreResult<Vec<Witness>> {
        self.json("witnesses", &self.witnesses)
    }

    pub fn evidence(&self) -> StoreResult<Vec<Evidence>> {
        self.json("evidence", &self.evidence)
    }
}

impl QualificationRow {
    /// The aggravating circumstances, decoded.
    pub fn aggravating(&self) -> StoreResult<Vec<String>> {
        serde_json::from_str(&self.aggravating).map_err(|e| {
            StoreError::Corrupt(format!(
                "qualification {} of incident {}: aggravating: {e}",
                self.offence_code, self.incident_id
            ))
        })
    }
}

/// A bailleur's incident by its own reference.
pub fn find_by_external_ref(
    conn: &mut DbConn,
    org_id: &str,
    external_ref: &str,
) -> StoreResult<Option<IncidentRow>> {
    Ok(incidents::table
        .filter(incidents::org_id.eq(org_id))
        .filter(incidents::external_ref.eq(external_ref))
        .select(IncidentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConn, id: &str) -> StoreResult<Option<IncidentRow>> {
    Ok(incidents::table
        .find(id)
        .select(IncidentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes a changed incident if its version is still the one read. The audit record is the
/// caller's (`vigie_app::incidents::write_changed` appends one per incident, by batch).
pub fn save_unaudited(conn: &mut DbConn, mut row: IncidentRow) -> StoreResult<IncidentRow> {
    let current = row.version;
    row.version = current + 1;
    row.updated_at = now();
    let n = diesel::update(
        incidents::table
            .find(&row.id)
            .filter(incidents::version.eq(current)),
    )
    .set((
        incidents::residence_id.eq(&row.residence_id),
        incidents::insee_code.eq(&row.insee_code),
        incidents::building.eq(&row.building),
        incidents::entrance.eq(&row.entrance),
        incidents::common_part.eq(&row.common_part),
        incidents::occurred_at.eq(row.occurred_at),
        incidents::ended_at.eq(row.ended_at),
        incidents::category.eq(&row.category),
        incidents::narrative.eq(&row.narrative),
        incidents::victims.eq(&row.victims),
        incidents::persons.eq(&row.persons),
        incidents::witnesses.eq(&row.witnesses),
        incidents::evidence.eq(&row.evidence),
        incidents::request_hash.eq(&row.request_hash),
        incidents::status.eq(&row.status),
        incidents::action_kind.eq(&row.action_kind),
        incidents::circonscription_code.eq(&row.circonscription_code),
        incidents::shared_with_police.eq(row.shared_with_police),
        incidents::restricted.eq(row.restricted),
        incidents::prescription_date.eq(row.prescription_date),
        incidents::version.eq(row.version),
        incidents::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)?;
    Ok(row)
}

pub fn qualifications(conn: &mut DbConn, incident_id: &str) -> StoreResult<Vec<QualificationRow>> {
    Ok(incident_qualifications::table
        .filter(incident_qualifications::incident_id.eq(incident_id))
        .order(incident_qualifications::added_at.asc())
        .select(QualificationRow::as_select())
        .load(conn)?)
}

/// Qualifications of many incidents at once (for list pages).
pub fn qualifications_of(conn: &mut DbConn, ids: &[String]) -> StoreResult<Vec<QualificationRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(incident_qualifications::table
        .filter(incident_qualifications::incident_id.eq_any(ids))
        .order((
            incident_qualifications::incident_id.asc(),
            incident_qualifications::added_at.asc(),
        ))
        .select(QualificationRow::as_select())
        .load(conn)?)
}

/// Replaces the qualifications of an incident (the caller then saves the incident, which audits).
pub fn set_qualifications(
    conn: &mut DbConn,
    incident_id: &str,
    rows: &[QualificationRow],
) -> StoreResult<()> {
    diesel::delete(
        incident_qualifications::table.filter(incident_qualifications::incident_id.eq(incident_id)),
    )
    .execute(conn)?;
    for r in rows {
        diesel::insert_into(incident_qualifications::table)
            .values(r)
            .execute(conn)?;
    }
    Ok(())
}

/// Whose incidents a caller may list.
#[derive(Debug, Clone)]
pub enum Scope {
    /// A bailleur's own incidents; restricted ones only when allowed.
    Bailleur {
        org_id: String,
        include_restricted: bool,
    },
    /// Incidents routed to a circonscription and shared with the police.
    Police { circonscription_code: String },
    /// Incidents followed up by a PV transmitted to this parquet, or by a complaint before it (not
    /// restricted ones).
    Parquet { parquet_id: String },
}

impl Scope {
    /// Whether this scope sees an incident of `org_id` known only by its `restricted` flag (bulk
    /// imports meet their own incidents by reference): the bailleur half of the rule [`list`]
    /// applies in SQL. Other parties never reach a bailleur's incidents this way.
    pub fn sees_own(&self, org_id: &str, restricted: bool) -> bool {
        match self {
            Self::Bailleur {
                org_id: own,
                include_restricted,
            } => own == org_id && (*include_restricted || !restricted),
            Self::Police { .. } | Self::Parquet { .. } => false,
        }
    }
}

impl IncidentFilter {
    /// Everything `scope` sees, unfiltered, one page of `limit` after `after_id`.
    pub fn scoped(scope: Scope) -> Self {
        Self {
            scope,
            id: None,
            residence_id: None,
            insee_code: None,
            circonscription_code: None,
            category: None,
            status: None,
            offence_code: None,
            occurred_from: None,
            occurred_to: None,
            updated_since: None,
            after_id: None,
            limit: 1,
        }
    }
}

/// One incident if `scope` sees it: the look-up and the visibility rule in one query.
pub fn find_visible(conn: &mut DbConn, scope: Scope, id: &str) -> StoreResult<Option<IncidentRow>> {
    let f = IncidentFilter {
        id: Some(id.to_owned()),
        ..IncidentFilter::scoped(scope)
    };
    Ok(list(conn, &f)?.into_iter().next())
}

#[derive(Debug, Clone)]
pub struct IncidentFilter {
    pub scope: Scope,
    /// Only this incident.
    pub id: Option<String>,
    pub residence_id: Option<String>,
    pub insee_code: Option<String>,
    pub circonscription_code: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub offence_code: Option<String>,
    pub occurred_from: Option<NaiveDateTime>,
    pub occurred_to: Option<NaiveDateTime>,
    pub updated_since: Option<NaiveDateTime>,
    pub after_id: Option<String>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, f: &IncidentFilter) -> StoreResult<Vec<IncidentRow>> {
    let mut q = incidents::table
        .select(IncidentRow::as_select())
        .into_boxed();
    match &f.scope {
        Scope::Bailleur {
            org_id,
            include_restricted,
        } => {
            q = q.filter(incidents::org_id.eq(org_id));
            if !include_restricted {
                q = q.filter(incidents::restricted.eq(false));
            }
        }
        Scope::Police {
            circonscription_code,
        } => {
            q = q
                .filter(incidents::circonscription_code.eq(circonscription_code))
                .filter(incidents::shared_with_police.eq(true));
        }
        Scope::Parquet { parquet_id } => {
            let transmissions = pv_transmissions::table
                .filter(pv_transmissions::parquet_id.eq(parquet_id.clone()))
                .select(pv_transmissions::id.nullable());
            let sent_pvs = pvs::table
                .filter(pvs::transmission_id.eq_any(transmissions))
                .select(pvs::id);
            let by_pv = pv_incidents::table
                .filter(pv_incidents::pv_id.eq_any(sent_pvs))
                .select(pv_incidents::incident_id);
            // The same rule as the complaints the parquet lists: transmitted by the police, or
            // lodged directly with the procureur.
            let before_parquet = complaints::table
                .filter(complaints::parquet_id.eq(parquet_id.clone()))
                .filter(
                    complaints::transmitted_at
                        .is_not_null()
                        .or(complaints::channel
                            .eq("direct_to_prosecutor")
                            .and(complaints::status.ne("draft"))),
                )
                .select(complaints::id);
            let by_complaint = complaint_incidents::table
                .filter(complaint_incidents::complaint_id.eq_any(before_parquet))
                .select(complaint_incidents::incident_id);
            q = q
                .filter(
                    incidents::id
                        .eq_any(by_pv)
                        .or(incidents::id.eq_any(by_complaint)),
                )
                .filter(incidents::restricted.eq(false));
        }
    }
    if let Some(v) = &f.id {
        q = q.filter(incidents::id.eq(v));
    }
    if let Some(v) = &f.residence_id {
        q = q.filter(incidents::residence_id.eq(v));
    }
    if let Some(v) = &f.insee_code {
        q = q.filter(incidents::insee_code.eq(v));
    }
    if let Some(v) = &f.circonscription_code {
        q = q.filter(incidents::circonscription_code.eq(v));
    }
    if let Some(v) = &f.category {
        q = q.filter(incidents::category.eq(v));
    }
    if let Some(v) = &f.status {
        q = q.filter(incidents::status.eq(v));
    }
    if let Some(code) = &f.offence_code {
        let with_code = incident_qualifications::table
            .filter(incident_qualifications::offence_code.eq(code.clone()))
            .select(incident_qualifications::incident_id);
        q = q.filter(incidents::id.eq_any(with_code));
    }
    if let Some(v) = f.occurred_from {
        q = q.filter(incidents::occurred_at.ge(v));
    }
    if let Some(v) = f.occurred_to {
        q = q.filter(incidents::occurred_at.lt(v));
    }
    if let Some(v) = f.updated_since {
        q = q.filter(incidents::updated_at.ge(v));
    }
    if let Some(a) = &f.after_id {
        q = q.filter(incidents::id.gt(a));
    }
    Ok(q.order(incidents::id.asc()).limit(f.limit).load(conn)?)
}

/// Many rows in one statement per chunk. No audit record here: the application appends them
/// (`vigie_app::incidents::write_new`), benchmarks and seeding need none.
/// Multi-row VALUES does not go through diesel's multi-backend connection, hence the match.
pub fn insert_many_unaudited(conn: &mut DbConn, rows: &[IncidentRow]) -> StoreResult<()> {
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(incidents::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Qualifications of many new incidents by the bulk path (COPY on PostgreSQL, multi-row inserts on
/// SQLite).
pub fn insert_qualifications_many(conn: &mut DbConn, rows: &[QualificationRow]) -> StoreResult<()> {
    if let DbConn::Postgres(c) = conn {
        if !rows.is_empty() {
            diesel::copy_from(incident_qualifications::table)
                .from_insertable(rows)
                .execute(c)?;
        }
        return Ok(());
    }
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(incident_qualifications::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// What a bulk import needs to know of an incident it may meet again by `external_ref`.
#[derive(Debug, Clone)]
pub struct RefEntry {
    pub id: String,
    pub request_hash: Option<String>,
    pub restricted: bool,
}

/// `external_ref → RefEntry` of a bailleur's incidents that have one (bulk imports decide
/// created / updated / unchanged with it).
pub fn refs_of(
    conn: &mut DbConn,
    org_id: &str,
) -> StoreResult<std::collections::HashMap<String, RefEntry>> {
    let rows: Vec<(Option<String>, String, Option<String>, bool)> = incidents::table
        .filter(incidents::org_id.eq(org_id))
        .filter(incidents::external_ref.is_not_null())
        .select((
            incidents::external_ref,
            incidents::id,
            incidents::request_hash,
            incidents::restricted,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(r, id, request_hash, restricted)| {
            r.map(|r| {
                (
                    r,
                    RefEntry {
                        id,
                        request_hash,
                        restricted,
                    },
                )
            })
        })
        .collect())
}

/// The database's own bulk path for `rows`, in one transaction: PostgreSQL `COPY FROM` (binary),
/// SQLite multi-row inserts. The ceiling a bulk import is compared with (`make bench`).
pub fn copy_in(conn: &mut DbConn, rows: &[IncidentRow]) -> StoreResult<usize> {
    match conn {
        DbConn::Postgres(_) if rows.is_empty() => Ok(0),
        DbConn::Postgres(c) => Ok(diesel::copy_from(incidents::table)
            .from_insertable(rows)
            .execute(c)?),
        DbConn::Sqlite(_) => {
            insert_many_unaudited(conn, rows)?;
            Ok(rows.len())
        }
    }
}
