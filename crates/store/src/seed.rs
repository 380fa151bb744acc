//! Loading the versioned reference data shipped in `reference/` at start. Each file is loaded once
//! per version; a deployment's later edits (through the API) are never overwritten by a restart.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use vigie_domain::InseeCode;
use vigie_domain::offence::Catalogue;

use crate::audit::Actor;
use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::reference::{self, CommuneRow, MappingError};
use crate::schema::{communes, reference_versions};
use crate::{now, offences};

pub const COMMUNES_CSV: &str = include_str!("../../../reference/communes-92.csv");
pub const MAPPING_CSV: &str = include_str!("../../../reference/commune-circonscriptions-92.csv");
pub const CATALOGUE_JSON: &str = include_str!("../../../reference/offence-catalogue.json");

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub loaded: Vec<String>,
}

fn loaded_version(conn: &mut DbConn, name: &str) -> StoreResult<Option<String>> {
    Ok(reference_versions::table
        .find(name)
        .select(reference_versions::version)
        .first(conn)
        .optional()?)
}

fn mark_loaded(conn: &mut DbConn, name: &str, version: &str) -> StoreResult<()> {
    diesel::delete(reference_versions::table.find(name)).execute(conn)?;
    diesel::insert_into(reference_versions::table)
        .values((
            reference_versions::name.eq(name),
            reference_versions::version.eq(version),
            reference_versions::loaded_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

fn content_version(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

#[derive(Deserialize)]
struct MappingLine {
    insee_code: String,
    circonscription_code: String,
    circonscription_name: String,
    valid_from: NaiveDate,
    reliability: String,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("reference/{what}: {e}"))
}

/// Loads every reference file whose version is not loaded yet. Call inside a write transaction.
pub fn load_reference_data(conn: &mut DbConn) -> StoreResult<SeedReport> {
    let actor = Actor::system();
    let mut report = SeedReport::default();

    let v = content_version(COMMUNES_CSV);
    if loaded_version(conn, "communes")?.as_deref() != Some(v.as_str()) {
        let mut rd = csv::Reader::from_reader(COMMUNES_CSV.as_bytes());
        for rec in rd.deserialize::<CommuneRow>() {
            let c = rec.map_err(|e| corrupt("communes-92.csv", e))?;
            InseeCode::parse(&c.insee_code).map_err(|e| corrupt("communes-92.csv", e))?;
            diesel::delete(
                communes::table
                    .filter(communes::insee_code.eq(&c.insee_code))
                    .filter(communes::name.ne(&c.name)),
            )
            .execute(conn)
            .ok();
            if reference::find_commune(conn, &c.insee_code)?.is_none() {
                diesel::insert_into(communes::table)
                    .values(&c)
                    .execute(conn)?;
            }
        }
        mark_loaded(conn, "communes", &v)?;
        report.loaded.push(format!("communes {v}"));
    }

    let v = content_version(MAPPING_CSV);
    if loaded_version(conn, "commune_circonscriptions")?.as_deref() != Some(v.as_str()) {
        let mut rd = csv::Reader::from_reader(MAPPING_CSV.as_bytes());
        for rec in rd.deserialize::<MappingLine>() {
            let m = rec.map_err(|e| corrupt("commune-circonscriptions-92.csv", e))?;
            if reference::find_circonscription(conn, &m.circonscription_code)?.is_none() {
                reference::create_circonscription(
                    conn,
                    &actor,
                    &m.circonscription_code,
                    &m.circonscription_name,
                    &m.reliability,
                )?;
            }
            let current = reference::mapping_on(conn, &m.insee_code, m.valid_from)?;
            if current.is_some_and(|c| c.circonscription_code == m.circonscription_code) {
                continue;
            }
            match reference::open_mapping(
                conn,
                &actor,
                &m.insee_code,
                &m.circonscription_code,
                m.valid_from,
                &m.reliability,
            ) {
                // A mapping edited through the API since is newer than the shipped file: keep it.
                Ok(_) | Err(MappingError::NotLatest(_)) => {}
                Err(MappingError::Store(e)) => return Err(e),
                Err(e) => return Err(corrupt("commune-circonscriptions-92.csv", e)),
            }
        }
        mark_loaded(conn, "commune_circonscriptions", &v)?;
        report.loaded.push(format!("commune_circonscriptions {v}"));
    }

    let cat = Catalogue::parse(CATALOGUE_JSON).map_err(|e| corrupt("offence-catalogue.json", e))?;
    if loaded_version(conn, "offence_catalogue")?.as_deref() != Some(cat.version.as_str()) {
        offences::load_catalogue(conn, &actor, &cat)?;
        mark_loaded(conn, "offence_catalogue", &cat.version)?;
        report
            .loaded
            .push(format!("offence_catalogue {}", cat.version));
    }
    Ok(report)
}
