//! Thin handlers: extract, call the use case, answer.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use vigie_app::offences;

use super::dto::*;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::http::ok_reference;
use crate::pagination::{Page, PageQuery};
use crate::responses::*;
use crate::state::AppState;

/// Search the offence catalogue
///
/// Curated qualifications of the convention, plus the official NATINF list once loaded. Ordered by code.
#[utoipa::path(
    tag = "offences", operation_id = "listOffences",
    params(OffenceQuery, PageQuery),
    responses((status = 200, description = "One page", body = Page<Offence>), AuthErrors, QueryErrors),
    security(("bearer" = []))
)]
#[get("/offences")]
pub async fn list_offences(
    state: web::Data<AppState>,
    _caller: Caller,
    req: HttpRequest,
    q: web::Query<OffenceQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let r = offences::list_offences(
        &state.app,
        _caller.into_inner(),
        q.into_inner(),
        page.request()?,
    )
    .await?;
    Ok(Page::respond(&req, r, |r| r.code.clone()))
}

/// Read an offence
///
/// A catalogue entry by its stable code: articles, nature, flags, the longest prison penalty, and
/// its dated versions (the fields give today's wording).
#[utoipa::path(
    tag = "offences", operation_id = "getOffence",
    params(("code" = String, Path, description = "Offence code", example = "CP-433-5-AL1")),
    responses((status = 200, description = "The offence", body = Offence), AuthErrors, NotFound),
    security(("bearer" = []))
)]
#[get("/offences/{code}")]
pub async fn get_offence(
    state: web::Data<AppState>,
    _caller: Caller,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let r = offences::get_offence(&state.app, _caller.into_inner(), code.into_inner()).await?;
    Ok(ok_reference(&r))
}

#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum ImportErrors {
    /// Body larger than the import limit.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(crate::error::Problem),
    /// The body is not `text/csv`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(crate::error::Problem),
    /// Malformed rows, each in `errors` with `field` = `line N`; nothing was written.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(crate::error::Problem),
}

/// Import the official NATINF list
///
/// CSV (`;`, `,` or tab; UTF-8; optional header) with five columns: number, simplified qualification,
/// nature, defining articles, penalty articles. Idempotent: rows are matched by NATINF number and
/// counted as created, updated or unchanged; curated rule flags are kept. A file with malformed rows
/// is refused whole (422, every bad line listed) unless `skip_invalid=true`. Platform admin only.
#[utoipa::path(
    tag = "offences", operation_id = "importNatinf",
    params(NatinfImportQuery),
    request_body(content = String, content_type = "text/csv",
        example = "NATINF;Qualification;Nature;Définie par;Réprimée par\n27145;MENACE DE CRIME OU DELIT CONTRE UN GARDIEN ASSERMENTE D'IMMEUBLE;Délit;ART.433-3 AL.1 C.PENAL;ART.433-3 AL.1 C.PENAL\n"),
    responses((status = 200, description = "Applied", body = ImportReport), AuthErrors, ImportErrors),
    security(("bearer" = []))
)]
#[post("/natinf/imports")]
pub async fn import_natinf(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    q: web::Query<NatinfImportQuery>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let ctype = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ctype.to_ascii_lowercase().starts_with("text/csv") {
        return Err(vigie_app::AppError::unsupported_format("send the list as text/csv").into());
    }
    let q = q.into_inner();
    let r = offences::import_natinf(
        &state.app,
        caller.into_inner(),
        q.version,
        q.skip_invalid.unwrap_or(false),
        body.to_vec(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(r))
}
