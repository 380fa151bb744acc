//! Bulk imports of incidents from CSV or NDJSON, as a job. Every row goes through the same use-case
//! code as `POST /incidents` and `PATCH /incidents/{id}` ([`crate::incidents`]): the same content
//! rules, permission, visibility, fingerprint, routing, prescription, audit records and feed
//! events, written in batches. Every bad row is reported (line, field, code, message); rows are
//! idempotent by `external_ref` (created / updated / unchanged); `dry_run` writes nothing;
//! `all_or_nothing` writes everything in one transaction or nothing, `valid_rows_only` writes the
//! good rows in transactions of 1 000.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::import::{self, Format, Parsed, RowError};
use vigie_store::imports::{self as repo, ImportErrorRow, ImportRow};
use vigie_store::incidents::{self as incidents_repo, IncidentRow, QualificationRow, RefEntry};
use vigie_store::residences::{self, ResidenceRow};
use vigie_store::{DbConn, Store, StoreError};

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::incidents::{self, Reference};
use crate::page::{Listed, PageRequest, views_of};
use crate::policy;

/// Rows written per transaction in `valid_rows_only` mode.
const CHUNK: usize = 1000;
/// Rows written per statement batch in `all_or_nothing` mode, which is one transaction anyway.
const BIG_CHUNK: usize = 10_000;

/// Every status a job takes (declared in the contract as the closed set of `ImportJob.status`).
pub const STATUSES: &[&str] = &["queued", "running", "succeeded", "failed", "interrupted"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Nothing is written if any row is bad; otherwise everything, in one transaction.
    AllOrNothing,
    /// The good rows are written (in transactions of 1 000); the bad ones reported.
    ValidRowsOnly,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Self::AllOrNothing => "all_or_nothing",
            Self::ValidRowsOnly => "valid_rows_only",
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936fa0-0000-7000-8000-000000000001", "status": "succeeded", "format": "csv", "mode": "valid_rows_only",
    "dry_run": false, "total_rows": 100000, "processed_rows": 100000, "progress_percent": 100, "created": 99990, "updated": 0,
    "unchanged": 0, "failed": 10, "errors": "/api/v1/imports/01936fa0-0000-7000-8000-000000000001/errors",
    "created_at": "2026-11-28T10:00:00.000000Z", "finished_at": "2026-11-28T10:00:41.000000Z"}))]
pub struct ImportJob {
    pub id: String,
    /// `queued`, `running`, `succeeded`, `failed` (bad rows in all-or-nothing mode: nothing written;
    /// or a database error: whole chunks may be written, post the file again), `interrupted` (the
    /// server stopped: post the file again; rows already written come back `unchanged`).
    pub status: String,
    #[schema(value_type = Format)]
    pub format: String,
    #[schema(value_type = Mode)]
    pub mode: String,
    pub dry_run: bool,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub progress_percent: i64,
    /// Rows created, updated and left unchanged (for a dry run: that would be).
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    /// Rows with an error (listed at `errors`).
    pub failed: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Where the per-row errors are listed.
    pub errors: String,
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub finished_at: Option<DateTime<Utc>>,
}

fn view(r: ImportRow) -> ImportJob {
    ImportJob {
        progress_percent: if r.total_rows == 0 {
            100
        } else {
            r.processed_rows * 100 / r.total_rows
        },
        errors: format!("/api/v1/imports/{}/errors", r.id),
        id: r.id,
        status: r.status,
        format: r.format,
        mode: r.mode,
        dry_run: r.dry_run,
        total_rows: r.total_rows,
        processed_rows: r.processed_rows,
        created: r.created_count,
        updated: r.updated_count,
        unchanged: r.unchanged_count,
        failed: r.failed_count,
        message: r.message,
        created_at: r.created_at.and_utc(),
        finished_at: r.finished_at.map(|t| t.and_utc()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportError {
    pub line: i64,
    /// The column (empty when the whole line is at fault).
    pub field: String,
    /// `invalid_date`, `unknown_residence`, `unknown_offence`, `invalid_utf8`, `missing_columns`,
    /// `duplicate_in_file`, `unknown_category`, `required`, `too_long`, `before_start`,
    /// `in_the_future`, `too_early`, `nul_character`; and, for an `external_ref` met again, what
    /// its direct route answers: `forbidden` (a role that changes no incident) or
    /// `external_ref_conflict` (an incident the importer may not read)...
    pub code: String,
    pub message: String,
}

/// Starts an import of `file`: it is read at once (a file that cannot be read at all is refused
/// whole), then its rows are checked and written by a job that runs on after this returns.
/// A bailleur's correspondent, integration or admin.
pub async fn start(
    app: &App,
    caller: Caller,
    format: Format,
    mode: Mode,
    dry_run: bool,
    file: Vec<u8>,
) -> AppResult<ImportJob> {
    policy::import_incidents(&caller)?;
    let parsed = tokio::task::spawn_blocking(move || match format {
        Format::Csv => import::parse_csv(&file),
        Format::Ndjson => import::parse_ndjson(&file),
    })
    .await
    .map_err(|e| AppError::internal_because(format!("import parser: {e}")))?
    .map_err(|e| AppError::invalid_field("file", "unreadable_file", e.to_string()))?;
    let job = ImportRow {
        id: vigie_store::new_id(),
        org_id: caller.org_id.clone(),
        created_by: caller.sub.clone(),
        format: match format {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
        .into(),
        mode: mode.as_str().into(),
        dry_run,
        status: "queued".into(),
        total_rows: i64::try_from(parsed.total).unwrap_or(i64::MAX),
        processed_rows: 0,
        created_count: 0,
        updated_count: 0,
        unchanged_count: 0,
        failed_count: 0,
        message: None,
        created_at: vigie_store::now(),
        finished_at: None,
        owner: Some(crate::process::id().to_owned()),
        heartbeat_at: Some(vigie_store::now()),
    };
    let j = job.clone();
    app.tx(move |conn| Ok(repo::create(conn, &j)?)).await?;
    let store = app.store.clone();
    let id = job.id.clone();
    // The job runs on a blocking thread of its own; the answer does not wait for it.
    tokio::task::spawn_blocking(move || {
        let outcome = run(&store, &id, &caller, parsed, mode, dry_run);
        if let Err(e) = outcome {
            log::error!("import {id} failed: {e}");
            // Whatever was written committed whole (or not at all): say so rather than leave the
            // job `running`.
            let _ = store.write(|c| {
                let Some(mut job) = repo::get(c, &id)? else {
                    return Ok(());
                };
                job.status = "failed".into();
                job.message = Some(format!(
                    "the import stopped on a database error ({}): post the file again",
                    e.detail
                ));
                job.finished_at = Some(vigie_store::now());
                repo::save(c, &job)
            });
        }
    });
    Ok(view(job))
}

/// Says this process still runs its unfinished jobs (every quarter of the lease).
pub async fn beat(app: &App) -> AppResult<usize> {
    let at = vigie_store::now();
    app.tx(move |conn| Ok(repo::beat(conn, crate::process::id(), at)?))
        .await
}

/// Marks `interrupted` the jobs whose owner stopped beating for `lease` (a process that stopped,
/// or was killed, during an import); never those another live replica runs.
pub async fn take_over_stale(app: &App, lease: std::time::Duration) -> AppResult<usize> {
    let stale_before = vigie_store::now()
        - chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(60));
    app.tx(move |conn| {
        Ok(repo::take_over_stale(
            conn,
            crate::process::id(),
            stale_before,
        )?)
    })
    .await
}

/// What a good row becomes.
enum Plan {
    Create(IncidentRow, Vec<QualificationRow>),
    Update(IncidentRow, Vec<QualificationRow>),
    Unchanged,
}

/// What the job needs from the database, loaded once.
struct Context {
    residences: HashMap<String, ResidenceRow>,
    refs: HashMap<String, RefEntry>,
    reference: Reference,
}

fn context(conn: &mut DbConn, org_id: &str) -> AppResult<Context> {
    let mut residences_by_ref = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = residences::list(conn, org_id, after.as_deref(), 1000)?;
        let Some(last) = page.last().map(|r| r.id.clone()) else {
            break;
        };
        for r in page {
            residences_by_ref.insert(r.external_ref.clone(), r);
        }
        after = Some(last);
    }
    let mut reference = Reference::default();
    reference.preload_offences(conn)?;
    Ok(Context {
        residences: residences_by_ref,
        refs: incidents_repo::refs_of(conn, org_id)?,
        reference,
    })
}

/// A use case's refusal of one row, as the row's error; a failure of the database stops the job.
fn row_error(line: u64, e: AppError) -> AppResult<RowError> {
    match e.kind {
        ErrorKind::Invalid => Ok(match e.errors.first() {
            // `offence_codes[2].offence_code` is the column `offence_codes` of the file.
            Some(f) => RowError::new(
                line,
                f.field.split(['[', '.']).next().unwrap_or(&f.field),
                &f.code,
                f.message.clone(),
            ),
            None => RowError::refused(line, "", e.code, e.detail),
        }),
        ErrorKind::Forbidden | ErrorKind::Conflict | ErrorKind::NotFound => {
            Ok(RowError::refused(line, "external_ref", e.code, e.detail))
        }
        _ => Err(e),
    }
}

/// Decides what a row becomes, through the incidents' own use-case code.
fn plan_row(
    conn: &mut DbConn,
    caller: &Caller,
    ctx: &mut Context,
    row: &import::Row,
) -> AppResult<Plan> {
    let residence = ctx.residences.get(&row.residence_ref).ok_or_else(|| {
        AppError::invalid_field(
            "residence_ref",
            "unknown_residence",
            format!("no residence `{}` in your organisation", row.residence_ref),
        )
    })?;
    let content = row.content(residence.id.clone());
    let Some(existing) = ctx.refs.get(&row.external_ref) else {
        let (new, quals) =
            incidents::prepare_new(conn, &mut ctx.reference, caller, &content, residence)?;
        return Ok(Plan::Create(new, quals));
    };
    let scope = incidents::scope_of(conn, caller)?;
    let sees = scope.is_some_and(|s| s.sees_own(&caller.org_id, existing.restricted));
    if sees && existing.request_hash.as_deref() == Some(content.fingerprint().as_str()) {
        return Ok(Plan::Unchanged);
    }
    // A role that changes no incident is refused whatever the record (403 on `PATCH`); an incident
    // the caller may not see is refused as `POST /incidents` refuses it: a conflict that neither
    // shows it nor says why.
    policy::require_any(caller, policy::HANDLERS)?;
    if !sees {
        return Err(AppError::conflict(
            "external_ref_conflict",
            "an incident with this external_ref exists with different content",
        ));
    }
    crate::retention::refuse_if_anonymised(
        conn,
        crate::retention::RecordKind::Incident,
        &existing.id,
    )?;
    let current = incidents_repo::get(conn, &existing.id)?.ok_or(StoreError::NotFound)?;
    let (changed, quals) = incidents::prepare_rewrite(
        conn,
        &mut ctx.reference,
        caller,
        current,
        &content,
        residence,
    )?;
    Ok(Plan::Update(changed, quals))
}

fn run(
    store: &Store,
    id: &str,
    caller: &Caller,
    parsed: Parsed,
    mode: Mode,
    dry_run: bool,
) -> AppResult<()> {
    let mut job = store
        .with_conn(|c| repo::get(c, id))?
        .ok_or(StoreError::NotFound)?;
    job.status = "running".into();
    store.write(|c| repo::save(c, &job))?;
    let Parsed {
        rows, mut errors, ..
    } = parsed;
    let mut plan: Vec<Plan> = vec![];
    store.with_conn_as(|conn| -> AppResult<()> {
        let mut ctx = context(conn, &job.org_id)?;
        for (line, row) in rows {
            match plan_row(conn, caller, &mut ctx, &row) {
                Ok(p) => plan.push(p),
                Err(e) => errors.push(row_error(line, e)?),
            }
        }
        Ok(())
    })?;
    errors.sort_by_key(|e| e.line);
    let error_rows: Vec<ImportErrorRow> = errors
        .iter()
        .map(|e| ImportErrorRow {
            import_id: job.id.clone(),
            line: i64::try_from(e.line).unwrap_or(i64::MAX),
            field: e.field.clone(),
            code: e.code.clone(),
            message: e.message.clone(),
        })
        .collect();
    store.write(|c| repo::save_errors(c, &error_rows))?;
    job.failed_count = i64::try_from(errors.len()).unwrap_or(i64::MAX);
    let count = |f: fn(&Plan) -> bool| {
        i64::try_from(plan.iter().filter(|p| f(p)).count()).unwrap_or(i64::MAX)
    };
    let finish = |job: &mut ImportRow, status: &str, message: Option<String>| {
        job.status = status.into();
        job.message = message;
        job.processed_rows = job.total_rows;
        job.finished_at = Some(vigie_store::now());
        store.write(|c| repo::save(c, job))
    };
    if dry_run {
        job.created_count = count(|p| matches!(p, Plan::Create(..)));
        job.updated_count = count(|p| matches!(p, Plan::Update(..)));
        job.unchanged_count = count(|p| matches!(p, Plan::Unchanged));
        finish(
            &mut job,
            "succeeded",
            Some("dry run: nothing was written".into()),
        )?;
        return Ok(());
    }
    if mode == Mode::AllOrNothing && !errors.is_empty() {
        finish(
            &mut job,
            "failed",
            Some(format!(
                "{} rows have errors: nothing was written (fix them, or use mode=valid_rows_only)",
                errors.len()
            )),
        )?;
        return Ok(());
    }
    let actor = caller.actor();
    match mode {
        Mode::AllOrNothing => {
            let (c, u, n) = store.write_as(|conn| {
                let mut totals = (0, 0, 0);
                for chunk in plan.chunks(BIG_CHUNK) {
                    let t = write_chunk(conn, &actor, chunk)?;
                    totals = (totals.0 + t.0, totals.1 + t.1, totals.2 + t.2);
                }
                Ok::<_, AppError>(totals)
            })?;
            (job.created_count, job.updated_count, job.unchanged_count) = (c, u, n);
        }
        Mode::ValidRowsOnly => {
            let bad = job.failed_count;
            for chunk in plan.chunks(CHUNK) {
                store.write_as(|conn| {
                    let (c, u, n) = write_chunk(conn, &actor, chunk)?;
                    job.created_count += c;
                    job.updated_count += u;
                    job.unchanged_count += n;
                    job.processed_rows =
                        bad + job.created_count + job.updated_count + job.unchanged_count;
                    Ok::<_, AppError>(repo::save(conn, &job)?)
                })?;
            }
        }
    }
    let message =
        (!errors.is_empty()).then(|| format!("{} rows with errors were skipped", errors.len()));
    finish(&mut job, "succeeded", message)?;
    Ok(())
}

/// Writes one chunk through the incidents' writers: new incidents in batches, changed ones with
/// their qualifications; one audit record and one feed event per incident.
fn write_chunk(
    conn: &mut DbConn,
    actor: &vigie_store::audit::Actor,
    chunk: &[Plan],
) -> AppResult<(i64, i64, i64)> {
    let mut new_rows = vec![];
    let mut new_quals = vec![];
    let mut changed = vec![];
    let mut unchanged = 0;
    for p in chunk {
        match p {
            Plan::Unchanged => unchanged += 1,
            Plan::Create(row, quals) => {
                new_rows.push(row.clone());
                new_quals.extend(quals.iter().cloned());
            }
            Plan::Update(row, quals) => {
                incidents_repo::set_qualifications(conn, &row.id, quals)?;
                changed.push(row.clone());
            }
        }
    }
    let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    let totals = (n(new_rows.len()), n(changed.len()), unchanged);
    incidents::write_new(conn, actor, &new_rows, &new_quals)?;
    incidents::write_changed(conn, actor, changed, "incident.updated")?;
    Ok(totals)
}

/// An import job of the caller's organisation.
pub async fn get(app: &App, caller: Caller, id: String) -> AppResult<ImportJob> {
    policy::import_incidents(&caller)?;
    app.db(move |conn| {
        repo::get(conn, &id)?
            .filter(|j| j.org_id == caller.org_id)
            .map(view)
            .ok_or_else(AppError::not_found)
    })
    .await
}

/// An import's row errors, by line.
pub async fn errors(
    app: &App,
    caller: Caller,
    id: String,
    page: PageRequest,
) -> AppResult<Listed<ImportError>> {
    policy::import_incidents(&caller)?;
    let after: i64 = match &page.after {
        None => 0,
        Some(a) => a.parse().map_err(|_| {
            AppError::invalid_field(
                "cursor",
                "invalid_cursor",
                "this cursor was not issued by this API",
            )
        })?,
    };
    app.db(move |conn| {
        let job = repo::get(conn, &id)?
            .filter(|j| j.org_id == caller.org_id)
            .ok_or_else(AppError::not_found)?;
        let rows = repo::errors(conn, &job.id, after, page.fetch())?;
        views_of(rows, page.limit, |r| {
            Ok(ImportError {
                line: r.line,
                field: r.field,
                code: r.code,
                message: r.message,
            })
        })
    })
    .await
}
