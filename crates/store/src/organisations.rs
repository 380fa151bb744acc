//! Organisations: the convention's parties (bailleurs, police circonscriptions, parquet...).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use vigie_domain::OrgKind;

use crate::audit::{self, Actor, Change};
use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::schema::organisations;
use crate::{new_id, now};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub siren: Option<String>,
    pub circonscription_code: Option<String>,
    pub contact_email: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Postal address, printed on the documents.
    pub address: Option<String>,
}

impl OrganisationRow {
    pub fn kind(&self) -> StoreResult<OrgKind> {
        self.kind
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("organisation kind `{}`", self.kind)))
    }
}

#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub kind: OrgKind,
    pub name: String,
    pub siren: Option<String>,
    pub circonscription_code: Option<String>,
    pub contact_email: Option<String>,
    pub address: Option<String>,
}

/// Creates the organisation and opens its audit chain, in the caller's transaction.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    new: NewOrganisation,
) -> StoreResult<OrganisationRow> {
    let at = now();
    let row = OrganisationRow {
        id: new_id(),
        kind: new.kind.as_str().to_owned(),
        name: new.name,
        siren: new.siren,
        circonscription_code: new.circonscription_code,
        contact_email: new.contact_email,
        address: new.address,
        active: true,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(organisations::table)
        .values(&row)
        .execute(conn)?;
    audit::open_chain(conn, &row.id)?;
    audit::record(
        conn,
        actor,
        Change {
            action: "organisation.created",
            resource_type: "organisation",
            resource_id: &row.id,
            org_id: Some(&row.id),
            state: &row,
        },
    )?;
    Ok(row)
}

pub fn find(conn: &mut DbConn, id: &str) -> StoreResult<Option<OrganisationRow>> {
    Ok(organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConn, id: &str) -> StoreResult<OrganisationRow> {
    find(conn, id)?.ok_or(StoreError::NotFound)
}

#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub kind: Option<OrgKind>,
    /// Restricts the list to one organisation (what a non-platform principal may see).
    pub only_id: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, f: &OrganisationFilter) -> StoreResult<Vec<OrganisationRow>> {
    let mut q = organisations::table
        .select(OrganisationRow::as_select())
        .into_boxed();
    if let Some(k) = f.kind {
        q = q.filter(organisations::kind.eq(k.as_str()));
    }
    if let Some(id) = &f.only_id {
        q = q.filter(organisations::id.eq(id));
    }
    if let Some(after) = &f.after_id {
        q = q.filter(organisations::id.gt(after));
    }
    Ok(q.order(organisations::id.asc()).limit(f.limit).load(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct OrganisationPatch {
    pub name: Option<String>,
    pub contact_email: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub circonscription_code: Option<String>,
    pub active: Option<bool>,
}

/// Applies a patch if `expected_version` (from `If-Match`) is still current.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    expected_version: Option<i64>,
    patch: OrganisationPatch,
) -> StoreResult<OrganisationRow> {
    let mut row = get(conn, id)?;
    crate::error::check_version(expected_version, row.version)?;
    if let Some(v) = patch.name {
        row.name = v;
    }
    if let Some(v) = patch.contact_email {
        row.contact_email = v;
    }
    if let Some(v) = patch.address {
        row.address = v;
    }
    if let Some(v) = patch.circonscription_code {
        row.circonscription_code = Some(v);
    }
    if let Some(v) = patch.active {
        row.active = v;
    }
    row.version += 1;
    row.updated_at = now();
    // The version in the WHERE clause makes a concurrent update lose cleanly instead of overwriting.
    let n = diesel::update(
        organisations::table
            .find(id)
            .filter(organisations::version.eq(row.version - 1)),
    )
    .set((
        organisations::name.eq(&row.name),
        organisations::contact_email.eq(&row.contact_email),
        organisations::address.eq(&row.address),
        organisations::circonscription_code.eq(&row.circonscription_code),
        organisations::active.eq(row.active),
        organisations::version.eq(row.version),
        organisations::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)?;
    audit::record(
        conn,
        actor,
        Change {
            action: "organisation.updated",
            resource_type: "organisation",
            resource_id: id,
            org_id: Some(id),
            state: &row,
        },
    )?;
    Ok(row)
}

pub fn platform_admin_exists(conn: &mut DbConn) -> StoreResult<bool> {
    use crate::schema::principals;
    let n: i64 = principals::table
        .filter(principals::roles.like("%\"platform_admin\"%"))
        .filter(principals::active.eq(true))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn find_by_kind(conn: &mut DbConn, kind: OrgKind) -> StoreResult<Option<OrganisationRow>> {
    Ok(organisations::table
        .filter(organisations::kind.eq(kind.as_str()))
        .order(organisations::id.asc())
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()?)
}

/// The active police organisations of a circonscription.
pub fn police_of(conn: &mut DbConn, circonscription: &str) -> StoreResult<Vec<OrganisationRow>> {
    Ok(organisations::table
        .filter(organisations::kind.eq(OrgKind::PoliceCirconscription.as_str()))
        .filter(organisations::circonscription_code.eq(circonscription))
        .filter(organisations::active.eq(true))
        .select(OrganisationRow::as_select())
        .load(conn)?)
}
