//! Bulk import jobs: their state and counts, and the per-row errors they found.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::StoreResult;
use crate::now;
use crate::schema::{import_errors, imports};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = imports)]
pub struct ImportRow {
    pub id: String,
    pub org_id: String,
    pub created_by: String,
    pub format: String,
    pub mode: String,
    pub dry_run: bool,
    /// `queued`, `running`, `succeeded`, `failed`, `interrupted`.
    pub status: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub created_count: i64,
    pub updated_count: i64,
    pub unchanged_count: i64,
    pub failed_count: i64,
    pub message: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    /// The process running the job (see `vigie_app::process`).
    pub owner: Option<String>,
    /// When its owner last said it was still running it.
    pub heartbeat_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = import_errors)]
pub struct ImportErrorRow {
    pub import_id: String,
    pub line: i64,
    pub field: String,
    pub code: String,
    pub message: String,
}

pub fn create(conn: &mut DbConn, row: &ImportRow) -> StoreResult<()> {
    diesel::insert_into(imports::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut DbConn, id: &str) -> StoreResult<Option<ImportRow>> {
    Ok(imports::table
        .find(id)
        .select(ImportRow::as_select())
        .first(conn)
        .optional()?)
}

/// Writes the job's status and counts, and beats for its owner; `Stale` when another process took
/// the job over (its owner had stopped beating): the job then stops where it is.
pub fn save(conn: &mut DbConn, row: &ImportRow) -> StoreResult<()> {
    let n = diesel::update(
        imports::table
            .find(&row.id)
            .filter(imports::owner.eq(row.owner.as_deref().unwrap_or_default())),
    )
    .set((
        imports::status.eq(&row.status),
        imports::total_rows.eq(row.total_rows),
        imports::processed_rows.eq(row.processed_rows),
        imports::created_count.eq(row.created_count),
        imports::updated_count.eq(row.updated_count),
        imports::unchanged_count.eq(row.unchanged_count),
        imports::failed_count.eq(row.failed_count),
        imports::message.eq(&row.message),
        imports::finished_at.eq(row.finished_at),
        imports::heartbeat_at.eq(Some(now())),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)
}

pub fn save_errors(conn: &mut DbConn, rows: &[ImportErrorRow]) -> StoreResult<()> {
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(import_errors::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

pub fn errors(
    conn: &mut DbConn,
    import_id: &str,
    after_line: i64,
    limit: i64,
) -> StoreResult<Vec<ImportErrorRow>> {
    Ok(import_errors::table
        .filter(import_errors::import_id.eq(import_id))
        .filter(import_errors::line.gt(after_line))
        .order(import_errors::line.asc())
        .limit(limit)
        .select(ImportErrorRow::as_select())
        .load(conn)?)
}

/// The owner's heartbeat: its unfinished jobs are still running.
pub fn beat(conn: &mut DbConn, owner: &str, at: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::update(
        imports::table
            .filter(imports::owner.eq(owner))
            .filter(imports::status.eq_any(["queued", "running"])),
    )
    .set(imports::heartbeat_at.eq(Some(at)))
    .execute(conn)?)
}

/// Jobs whose owner stopped beating before `stale_before` (or never did: written before owners
/// existed) are taken over by `owner` and marked `interrupted` (the import is safe to post again:
/// rows are idempotent by `external_ref`). Jobs another live process runs are left alone.
pub fn take_over_stale(
    conn: &mut DbConn,
    owner: &str,
    stale_before: NaiveDateTime,
) -> StoreResult<usize> {
    Ok(diesel::update(
        imports::table
            .filter(imports::status.eq_any(["queued", "running"]))
            .filter(
                imports::heartbeat_at
                    .is_null()
                    .or(imports::heartbeat_at.lt(stale_before)),
            ),
    )
    .set((
        imports::status.eq("interrupted"),
        imports::message.eq(Some(
            "the server running the import stopped: post the file again (rows are idempotent by external_ref)",
        )),
        imports::finished_at.eq(Some(now())),
        imports::owner.eq(Some(owner)),
    ))
    .execute(conn)?)
}
