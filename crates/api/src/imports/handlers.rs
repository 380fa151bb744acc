//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use vigie_app::imports;
use vigie_domain::import::Format;

use super::dto::{ImportError, ImportJob, ImportQuery, Mode};
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{Page, PageQuery};
use crate::responses::{AuthErrors, NotFound, QueryErrors};
use crate::state::AppState;

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
    let format = format_of(&req, q.format)?;
    let mode = q.mode.unwrap_or(Mode::AllOrNothing);
    let job = imports::start(
        &state.app,
        caller.into_inner(),
        format,
        mode,
        q.dry_run,
        body.to_vec(),
    )
    .await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("location", format!("/api/v1/imports/{}", job.id)))
        .json(job))
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
    let job = imports::get(&state.app, caller.into_inner(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(job))
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
    let listed = imports::errors(
        &state.app,
        caller.into_inner(),
        id.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, listed, |e| e.line.to_string()))
}
