//! `/imports`: bulk import of incidents from CSV or NDJSON as a job. Every row is checked and every
//! bad row reported (line, field, code, message); rows are idempotent by `external_ref` (created /
//! updated / unchanged); `dry_run` writes nothing; `all_or_nothing` writes everything in one
//! transaction or nothing, `valid_rows_only` writes the good rows in transactions of 1 000.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_domain::import::{self, Format, Parsed, Row, RowError};
use vigie_domain::offence::{Nature, NatureKind};
use vigie_store::audit::{self, Actor, Change};
use vigie_store::events::{self, NewEvent};
use vigie_store::imports::{self as repo, ImportErrorRow, ImportRow};
use vigie_store::incidents::{self, IncidentRow, QualificationRow};
use vigie_store::{DbConn, Store, StoreError, StoreResult, offences, reference, residences};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{Page, PageQuery, fetch_size};
use crate::policy;
use crate::responses::{AuthErrors, NotFound, QueryErrors};
use crate::state::AppState;

/// Rows written per transaction in `valid_rows_only` mode (and per audit record).
const CHUNK: usize = 1000;
/// Rows written per statement batch in `all_or_nothing` mode, which is one transaction anyway.
const BIG_CHUNK: usize = 10_000;

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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `csv` or `ndjson` (default: from `Content-Type`: `text/csv`, `application/x-ndjson`).
    #[param(inline)]
    pub format: Option<Format>,
    /// Default `all_or_nothing`.
    #[param(inline)]
    pub mode: Option<Mode>,
    /// Check every row and count what would change, write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936fa0-0000-7000-8000-000000000001", "status": "succeeded", "format": "csv", "mode": "valid_rows_only",
    "dry_run": false, "total_rows": 100000, "processed_rows": 100000, "progress_percent": 100, "created": 99990, "updated": 0,
    "unchanged": 0, "failed": 10, "errors": "/api/v1/imports/01936fa0-0000-7000-8000-000000000001/errors",
    "created_at": "2026-11-28T10:00:00Z", "finished_at": "2026-11-28T10:00:41Z"}))]
pub struct ImportJob {
    pub id: String,
    /// `queued`, `running`, `succeeded`, `failed` (bad rows in all-or-nothing mode: nothing written;
    /// or a database error: whole chunks may be written, post the file again), `interrupted` (the
    /// server stopped: post the file again; rows already written come back `unchanged`).
    pub status: String,
    pub format: String,
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
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
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

fn format_of(req: &HttpRequest, asked: Option<Format>) -> ApiResult<Format> {
    if let Some(f) = asked {
        return Ok(f);
    }
    let ctype = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if ctype.starts_with("text/csv") {
        Ok(Format::Csv)
    } else if ctype.starts_with("application/x-ndjson") || ctype.starts_with("application/jsonl") {
        Ok(Format::Ndjson)
    } else {
        Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send text/csv or application/x-ndjson (or say ?format=csv|ndjson)",
        ))
    }
}

/// Import incidents
///
/// The file is the body (`text/csv` or `application/x-ndjson`, UTF-8, up to
/// `VIGIE_MAX_IMPORT_BYTES`). CSV: a header line naming the columns, `;` or `,` separated:
/// `external_ref`, `residence_ref` (the residence's own reference), `occurred_at` (RFC 3339),
/// `category`, `narrative`, and optionally `ended_at`, `building`, `entrance`, `common_part`,
/// `offence_codes` (catalogue codes separated by `|`). NDJSON: one object per line with the same
/// fields (`offence_codes` an array). Answers 202 with the job; follow it at `GET /imports/{id}` and
/// read the row errors at `GET /imports/{id}/errors`. A file that cannot be read at all (no header,
/// a required column missing) is a 422 `unreadable_file`.
#[utoipa::path(
    tag = "imports", operation_id = "createImport",
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV or NDJSON file",
        example = "external_ref;residence_ref;occurred_at;category;narrative;offence_codes\nERP-1;RES-0042;2026-11-27T21:40:00Z;dumping;Dépôt de sacs devant l'entrée B1;CP-R634-2\n"),
    responses((status = 202, description = "The import job", body = ImportJob, headers(("Location" = String))),
        AuthErrors,
        (status = 413, description = "The file is larger than the limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither CSV nor NDJSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file cannot be read (`unreadable_file`)", body = crate::error::Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[post("/imports")]
pub async fn create_import(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<ImportQuery>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    policy::import_incidents(&caller)?;
    let format = format_of(&req, q.format)?;
    let mode = q.mode.unwrap_or(Mode::AllOrNothing);
    let dry_run = q.dry_run;
    let parsed = web::block(move || match format {
        Format::Csv => import::parse_csv(&body),
        Format::Ndjson => import::parse_ndjson(&body),
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|e| ApiError::invalid_field("file", "unreadable_file", e.to_string()))?;
    let at = vigie_store::now();
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
        created_at: at,
        finished_at: None,
    };
    let j = job.clone();
    state.tx(move |conn| Ok(repo::create(conn, &j)?)).await?;
    let store = state.store.clone();
    let actor = caller.actor();
    let id = job.id.clone();
    actix_web::rt::spawn(async move {
        let result = web::block(move || {
            let outcome = run(&store, &id, &actor, parsed, mode, dry_run);
            if let Err(e) = &outcome {
                // Whatever was written committed whole (or not at all): say so rather than leave
                // the job `running`.
                let _ = store.write(|c| {
                    let Some(mut job) = repo::get(c, &id)? else {
                        return Ok(());
                    };
                    job.status = "failed".into();
                    job.message = Some(format!(
                        "the import stopped on a database error ({e}): post the file again"
                    ));
                    job.finished_at = Some(vigie_store::now());
                    repo::save(c, &job)
                });
            }
            outcome
        })
        .await;
        if let Ok(Err(e)) | Err(e) = result.map_err(|e| StoreError::Database(e.to_string())) {
            log::error!("import failed: {e}");
        }
    });
    Ok(HttpResponse::Accepted()
        .insert_header(("location", format!("/api/v1/imports/{}", job.id)))
        .json(view(job)))
}

/// What a good row becomes.
enum Plan {
    Create,
    Update(String),
    Unchanged,
}

/// What the job needs from the database, loaded once.
struct Context {
    residences: HashMap<String, residences::ResidenceRow>,
    offences: HashMap<String, offences::OffenceRow>,
    refs: HashMap<String, (String, Option<String>)>,
    /// Each commune's dated mappings, loaded on first use.
    mappings: HashMap<String, Vec<reference::MappingRow>>,
}

fn context(conn: &mut DbConn, org_id: &str) -> StoreResult<Context> {
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
    let offences = offences::search(
        conn,
        &offences::OffenceFilter {
            limit: 100_000,
            ..Default::default()
        },
    )?
    .into_iter()
    .map(|o| (o.code.clone(), o))
    .collect();
    Ok(Context {
        residences: residences_by_ref,
        offences,
        refs: incidents::refs_of(conn, org_id)?,
        mappings: HashMap::new(),
    })
}

fn run(
    store: &Store,
    id: &str,
    actor: &Actor,
    parsed: Parsed,
    mode: Mode,
    dry_run: bool,
) -> StoreResult<()> {
    let mut job = store
        .with_conn(|c| repo::get(c, id))?
        .ok_or(StoreError::NotFound)?;
    job.status = "running".into();
    store.write(|c| repo::save(c, &job))?;
    let mut ctx = store.with_conn(|c| context(c, &job.org_id))?;
    let Parsed {
        rows, mut errors, ..
    } = parsed;
    // The checks that need the database.
    let mut plan: Vec<(Row, String, Plan)> = vec![];
    for (line, row) in rows {
        if !ctx.residences.contains_key(&row.residence_ref) {
            errors.push(RowError::new(
                line,
                "residence_ref",
                "unknown_residence",
                format!("no residence `{}` in your organisation", row.residence_ref),
            ));
            continue;
        }
        if let Some(bad) = row
            .offence_codes
            .iter()
            .find(|c| !ctx.offences.contains_key(*c))
        {
            errors.push(RowError::new(
                line,
                "offence_codes",
                "unknown_offence",
                format!("`{bad}` is not in the offence catalogue"),
            ));
            continue;
        }
        let digest = import::content_digest(&row);
        let p = match ctx.refs.get(&row.external_ref) {
            None => Plan::Create,
            Some((_, Some(h))) if *h == digest => Plan::Unchanged,
            Some((id, _)) => Plan::Update(id.clone()),
        };
        plan.push((row, digest, p));
    }
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
        i64::try_from(plan.iter().filter(|(_, _, p)| f(p)).count()).unwrap_or(i64::MAX)
    };
    let finish = |job: &mut ImportRow, status: &str, message: Option<String>| {
        job.status = status.into();
        job.message = message;
        job.processed_rows = job.total_rows;
        job.finished_at = Some(vigie_store::now());
        store.write(|c| repo::save(c, job))
    };
    if dry_run {
        job.created_count = count(|p| matches!(p, Plan::Create));
        job.updated_count = count(|p| matches!(p, Plan::Update(_)));
        job.unchanged_count = count(|p| matches!(p, Plan::Unchanged));
        return finish(
            &mut job,
            "succeeded",
            Some("dry run: nothing was written".into()),
        );
    }
    if mode == Mode::AllOrNothing && !errors.is_empty() {
        return finish(
            &mut job,
            "failed",
            Some(format!(
                "{} rows have errors: nothing was written (fix them, or use mode=valid_rows_only)",
                errors.len()
            )),
        );
    }
    let org_id = job.org_id.clone();
    match mode {
        Mode::AllOrNothing => {
            let (c, u, n) = store.write(|conn| {
                let mut totals = (0, 0, 0);
                for chunk in plan.chunks(BIG_CHUNK) {
                    let t = write_chunk(conn, actor, &org_id, &job.id, &mut ctx, chunk)?;
                    totals = (totals.0 + t.0, totals.1 + t.1, totals.2 + t.2);
                }
                Ok(totals)
            })?;
            (job.created_count, job.updated_count, job.unchanged_count) = (c, u, n);
        }
        Mode::ValidRowsOnly => {
            let bad = job.failed_count;
            for chunk in plan.chunks(CHUNK) {
                store.write(|conn| {
                    let (c, u, n) = write_chunk(conn, actor, &org_id, &job.id, &mut ctx, chunk)?;
                    job.created_count += c;
                    job.updated_count += u;
                    job.unchanged_count += n;
                    job.processed_rows =
                        bad + job.created_count + job.updated_count + job.unchanged_count;
                    repo::save(conn, &job)
                })?;
            }
        }
    }
    let message =
        (!errors.is_empty()).then(|| format!("{} rows with errors were skipped", errors.len()));
    finish(&mut job, "succeeded", message)
}

/// The circonscription of a commune on `day` from its dated mappings (as `reference::mapping_on`).
fn circonscription_on(history: &[reference::MappingRow], day: NaiveDate) -> Option<String> {
    history
        .iter()
        .filter(|m| m.valid_from <= day && m.valid_to.is_none_or(|t| t > day))
        .max_by_key(|m| m.valid_from)
        .map(|m| m.circonscription_code.clone())
}

/// Writes one chunk: new incidents in multi-row inserts, changed ones one by one; one audit record
/// for the chunk (the ids it created and updated); the feed's events last.
fn write_chunk(
    conn: &mut DbConn,
    actor: &Actor,
    org_id: &str,
    import_id: &str,
    ctx: &mut Context,
    chunk: &[(Row, String, Plan)],
) -> StoreResult<(i64, i64, i64)> {
    let mut new_rows = vec![];
    let mut quals = vec![];
    let mut updated = vec![];
    let mut unchanged = 0;
    for (row, digest, plan) in chunk {
        let residence = &ctx.residences[&row.residence_ref];
        let day = row.occurred_at.date_naive();
        if !ctx.mappings.contains_key(&residence.insee_code) {
            let history = reference::mapping_history(conn, &residence.insee_code)?;
            ctx.mappings.insert(residence.insee_code.clone(), history);
        }
        let circ = circonscription_on(&ctx.mappings[&residence.insee_code], day);
        let mut most_serious: Option<Nature> = None;
        for code in &row.offence_codes {
            let o = &ctx.offences[code];
            let nature = NatureKind::parse(&o.nature).and_then(|k| {
                Nature::new(k, o.contravention_class.and_then(|c| u8::try_from(c).ok())).ok()
            });
            if let Some(n) = nature
                && most_serious.is_none_or(|m| n.gravity() > m.gravity())
            {
                most_serious = Some(n);
            }
        }
        let fill = |r: &mut IncidentRow| {
            r.building = row.building.clone();
            r.entrance = row.entrance.clone();
            r.common_part = row.common_part.clone();
            r.occurred_at = row.occurred_at.naive_utc();
            r.ended_at = row.ended_at.map(|t| t.naive_utc());
            r.category = row.category.as_str().to_owned();
            r.narrative = row.narrative.clone();
            r.request_hash = Some(digest.clone());
            r.circonscription_code = circ.clone();
            r.restricted = row.category.is_restricted();
            r.prescription_date = most_serious.map(|n| n.prescription_date(day));
        };
        let quals_of = |id: &str| -> Vec<QualificationRow> {
            row.offence_codes
                .iter()
                .map(|c| QualificationRow {
                    incident_id: id.to_owned(),
                    offence_code: c.clone(),
                    aggravating: "[]".into(),
                    added_at: vigie_store::now(),
                })
                .collect()
        };
        match plan {
            Plan::Unchanged => unchanged += 1,
            Plan::Create => {
                let mut r = IncidentRow::blank(org_id, &residence.id);
                fill(&mut r);
                r.external_ref = Some(row.external_ref.clone());
                r.insee_code = residence.insee_code.clone();
                quals.extend(quals_of(&r.id));
                new_rows.push(r);
            }
            Plan::Update(id) => {
                let mut r = incidents::get(conn, id)?.ok_or(StoreError::NotFound)?;
                if r.residence_id != residence.id {
                    r.residence_id = residence.id.clone();
                    r.insee_code = residence.insee_code.clone();
                }
                fill(&mut r);
                incidents::set_qualifications(conn, &r.id, &quals_of(&r.id))?;
                updated.push(incidents::save_unaudited(conn, r)?);
            }
        }
    }
    incidents::copy_in(conn, &new_rows)?;
    incidents::insert_qualifications_many(conn, &quals)?;
    let created_ids: Vec<&str> = new_rows.iter().map(|r| r.id.as_str()).collect();
    let updated_ids: Vec<&str> = updated.iter().map(|r| r.id.as_str()).collect();
    audit::record(
        conn,
        actor,
        Change {
            action: "import.rows_written",
            resource_type: "import",
            resource_id: import_id,
            org_id: Some(org_id),
            state: &serde_json::json!({"created": created_ids, "updated": updated_ids}),
        },
    )?;
    for r in &new_rows {
        ctx.refs.insert(
            r.external_ref.clone().unwrap_or_default(),
            (r.id.clone(), r.request_hash.clone()),
        );
    }
    let mut batch: Vec<NewEvent<'_>> = new_rows
        .iter()
        .map(|r| crate::incidents::feed_event(r, "incident.created"))
        .collect();
    batch.extend(
        updated
            .iter()
            .map(|r| crate::incidents::feed_event(r, "incident.updated")),
    );
    let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    let totals = (n(new_rows.len()), n(updated.len()), unchanged);
    events::record_many(conn, batch)?;
    Ok(totals)
}

/// Read an import job
///
/// Its status and progress, and the counts of created, updated, unchanged and failed rows.
#[utoipa::path(
    tag = "imports", operation_id = "getImport",
    params(("id" = String, Path, description = "Import id")),
    responses((status = 200, description = "The job", body = ImportJob), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/imports/{id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    policy::import_incidents(&caller)?;
    let job = state
        .db(move |conn| {
            repo::get(conn, &id)?
                .filter(|j| j.org_id == caller.org_id)
                .ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view(job)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportError {
    pub line: i64,
    /// The column (empty when the whole line is at fault).
    pub field: String,
    /// `invalid_date`, `unknown_residence`, `unknown_offence`, `invalid_utf8`, `missing_columns`,
    /// `duplicate_in_file`, `unknown_category`, `required`, `too_long`, `before_start`,
    /// `in_the_future`...
    pub code: String,
    pub message: String,
}

/// An import's row errors
///
/// By line, keyset-paginated.
#[utoipa::path(
    tag = "imports", operation_id = "listImportErrors",
    params(("id" = String, Path, description = "Import id"), PageQuery),
    responses((status = 200, description = "One page", body = Page<ImportError>), AuthErrors, NotFound, QueryErrors),
    security(("bearer" = []))
)]
#[get("/imports/{id}/errors")]
pub async fn list_import_errors(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    policy::import_incidents(&caller)?;
    let limit = page.limit()?;
    let after: i64 = match page.after()? {
        None => 0,
        Some(a) => a.parse().map_err(|_| {
            ApiError::invalid_field(
                "cursor",
                "invalid_cursor",
                "this cursor was not issued by this API",
            )
        })?,
    };
    let rows = state
        .db(move |conn| {
            let job = repo::get(conn, &id)?
                .filter(|j| j.org_id == caller.org_id)
                .ok_or_else(ApiError::not_found)?;
            Ok(repo::errors(conn, &job.id, after, fetch_size(limit))?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        &req,
        rows,
        limit,
        |r| r.line.to_string(),
        |r| {
            Ok(ImportError {
                line: r.line,
                field: r.field,
                code: r.code,
                message: r.message,
            })
        },
    )?))
}
