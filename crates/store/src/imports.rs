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

/// Writes the job's status and counts.
pub fn save(conn: &mut DbConn, row: &ImportRow) -> StoreResult<()> {
    diesel::update(imports::table.find(&row.id))
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
        ))
        .execute(conn)?;
    Ok(())
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

/// Jobs a stopped process left running: they are marked `interrupted` (the import is safe to post
/// again: rows are idempotent by `external_ref`).
pub fn interrupt_running(conn: &mut DbConn) -> StoreResult<usize> {
    Ok(diesel::update(
        imports::table.filter(imports::status.eq_any(["queued", "running"])),
    )
    .set((
        imports::status.eq("interrupted"),
        imports::message.eq(Some(
            "the server stopped during the import: post the file again (rows are idempotent by external_ref)",
        )),
        imports::finished_at.eq(Some(now())),
    ))
    .execute(conn)?)
}
