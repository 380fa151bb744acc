//! Geographic reference data: communes, police circonscriptions and the dated mapping between them.
//! The mapping is data with validity dates, because the police map changes often.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::audit::{self, Actor, Change};
use crate::db::DbConn;
use crate::error::{StoreError, StoreResult, conflict_on};
use crate::schema::{circonscriptions, commune_circonscriptions, communes};
use crate::{new_id, now};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, serde::Deserialize)]
#[diesel(table_name = communes)]
pub struct CommuneRow {
    pub insee_code: String,
    pub name: String,
    pub postal_code: String,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = circonscriptions)]
pub struct CirconscriptionRow {
    pub code: String,
    pub name: String,
    pub reliability: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = commune_circonscriptions)]
pub struct MappingRow {
    pub id: String,
    pub insee_code: String,
    pub circonscription_code: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub reliability: String,
    pub created_at: NaiveDateTime,
}

pub fn list_communes(conn: &mut DbConn) -> StoreResult<Vec<CommuneRow>> {
    Ok(communes::table
        .select(CommuneRow::as_select())
        .order(communes::insee_code.asc())
        .load(conn)?)
}

pub fn find_commune(conn: &mut DbConn, insee: &str) -> StoreResult<Option<CommuneRow>> {
    Ok(communes::table
        .find(insee)
        .select(CommuneRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_circonscriptions(conn: &mut DbConn) -> StoreResult<Vec<CirconscriptionRow>> {
    Ok(circonscriptions::table
        .select(CirconscriptionRow::as_select())
        .order(circonscriptions::code.asc())
        .load(conn)?)
}

pub fn find_circonscription(
    conn: &mut DbConn,
    code: &str,
) -> StoreResult<Option<CirconscriptionRow>> {
    Ok(circonscriptions::table
        .find(code)
        .select(CirconscriptionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn create_circonscription(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    name: &str,
    reliability: &str,
) -> StoreResult<CirconscriptionRow> {
    let row = CirconscriptionRow {
        code: code.to_owned(),
        name: name.to_owned(),
        reliability: reliability.to_owned(),
        created_at: now(),
    };
    diesel::insert_into(circonscriptions::table)
        .values(&row)
        .execute(conn)
        .map_err(conflict_on("circonscription_code"))?;
    audit::record(
        conn,
        actor,
        Change {
            action: "circonscription.created",
            resource_type: "circonscription",
            resource_id: code,
            org_id: None,
            state: &row,
        },
    )?;
    Ok(row)
}

/// The mapping in force for a commune on a date.
pub fn mapping_on(
    conn: &mut DbConn,
    insee: &str,
    on: NaiveDate,
) -> StoreResult<Option<MappingRow>> {
    Ok(commune_circonscriptions::table
        .filter(commune_circonscriptions::insee_code.eq(insee))
        .filter(commune_circonscriptions::valid_from.le(on))
        .filter(
            commune_circonscriptions::valid_to
                .is_null()
                .or(commune_circonscriptions::valid_to.gt(on)),
        )
        .order(commune_circonscriptions::valid_from.desc())
        .select(MappingRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every mapping in force on a date, by commune.
pub fn mappings_on(conn: &mut DbConn, on: NaiveDate) -> StoreResult<Vec<MappingRow>> {
    Ok(commune_circonscriptions::table
        .filter(commune_circonscriptions::valid_from.le(on))
        .filter(
            commune_circonscriptions::valid_to
                .is_null()
                .or(commune_circonscriptions::valid_to.gt(on)),
        )
        .order(commune_circonscriptions::insee_code.asc())
        .select(MappingRow::as_select())
        .load(conn)?)
}

/// The whole history of a commune's mapping, oldest first.
pub fn mapping_history(conn: &mut DbConn, insee: &str) -> StoreResult<Vec<MappingRow>> {
    Ok(commune_circonscriptions::table
        .filter(commune_circonscriptions::insee_code.eq(insee))
        .order(commune_circonscriptions::valid_from.asc())
        .select(MappingRow::as_select())
        .load(conn)?)
}

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("unknown commune")]
    UnknownCommune,
    #[error("unknown circonscription")]
    UnknownCirconscription,
    #[error(
        "a mapping of this commune already starts on or after {0}: dated mappings are appended in order"
    )]
    NotLatest(NaiveDate),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for MappingError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

/// Opens a new mapping from `valid_from`, closing the one in force until then.
pub fn open_mapping(
    conn: &mut DbConn,
    actor: &Actor,
    insee: &str,
    circonscription: &str,
    valid_from: NaiveDate,
    reliability: &str,
) -> Result<MappingRow, MappingError> {
    if find_commune(conn, insee)?.is_none() {
        return Err(MappingError::UnknownCommune);
    }
    if find_circonscription(conn, circonscription)?.is_none() {
        return Err(MappingError::UnknownCirconscription);
    }
    let history = mapping_history(conn, insee)?;
    if let Some(last) = history.last() {
        if last.valid_from >= valid_from {
            return Err(MappingError::NotLatest(last.valid_from));
        }
        diesel::update(commune_circonscriptions::table.find(&last.id))
            .set(commune_circonscriptions::valid_to.eq(Some(valid_from)))
            .execute(conn)?;
    }
    let row = MappingRow {
        id: new_id(),
        insee_code: insee.to_owned(),
        circonscription_code: circonscription.to_owned(),
        valid_from,
        valid_to: None,
        reliability: reliability.to_owned(),
        created_at: now(),
    };
    diesel::insert_into(commune_circonscriptions::table)
        .values(&row)
        .execute(conn)?;
    audit::record(
        conn,
        actor,
        Change {
            action: "commune_mapping.opened",
            resource_type: "commune_mapping",
            resource_id: &row.id,
            org_id: None,
            state: &row,
        },
    )?;
    Ok(row)
}
