//! `/offences` (the qualification catalogue) and `/natinf/imports` (loading the official list).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_domain::offence::{NatureKind, OffenceFlags};
use vigie_store::offences::{self as repo, ImportReport, NatinfOutcome, OffenceFilter, OffenceRow};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::pagination::{Page, PageQuery, fetch_size};
use crate::policy;
use crate::responses::{AuthErrors, NotFound, QueryErrors};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "CP-433-5-AL1", "label": "Outrage à une personne chargée d'une mission de service public",
    "defining_articles": "433-5 al.1 CP", "penalty_articles": "433-5 al.1 CP", "nature": "delit",
    "max_penalty": "7 500 € d'amende ; en réunion 6 mois d'emprisonnement et 7 500 €",
    "flags": {"cmsp_limb": true, "tadpr_eligible": true, "app_excluded": false, "sworn_agent_regime_b_allowed": false, "afd_available": false},
    "reliability": "verified", "source": "catalogue", "catalogue_version": "convention-92/2026-11-28",
    "valid_from": "2022-09-05", "updated_at": "2026-11-28T09:00:00Z"
}))]
pub struct Offence {
    /// Stable code of the entry (`NATINF-<n>` for entries loaded from the official list).
    pub code: String,
    pub label: String,
    pub defining_articles: String,
    pub penalty_articles: String,
    pub nature: NatureKind,
    /// Contraventions only: class 1 to 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contravention_class: Option<i32>,
    /// NATINF number, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub natinf: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_penalty: Option<String>,
    pub flags: OffenceFlags,
    /// `verified`, `secondary`, `unverified` or `official`.
    pub reliability: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// `catalogue` (curated) or `natinf` (official list).
    pub source: String,
    pub catalogue_version: String,
    pub valid_from: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<OffenceRow> for Offence {
    type Error = ApiError;
    fn try_from(r: OffenceRow) -> ApiResult<Self> {
        Ok(Self {
            nature: NatureKind::parse(&r.nature).ok_or_else(ApiError::internal)?,
            flags: OffenceFlags {
                cmsp_limb: r.cmsp_limb,
                tadpr_eligible: r.tadpr_eligible,
                app_excluded: r.app_excluded,
                sworn_agent_regime_b_allowed: r.regime_b_allowed,
                afd_available: r.afd_available,
            },
            code: r.code,
            label: r.label,
            defining_articles: r.defining_articles,
            penalty_articles: r.penalty_articles,
            contravention_class: r.contravention_class,
            natinf: r.natinf,
            max_penalty: r.max_penalty,
            reliability: r.reliability,
            note: r.note,
            source: r.source,
            catalogue_version: r.catalogue_version,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            updated_at: r.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OffenceQuery {
    /// Words that must all appear in the code, label or articles (case and accents ignored).
    #[param(example = "outrage")]
    pub q: Option<String>,
    /// Text of an article reference, e.g. `433-5` or `R.634-2`.
    #[param(example = "433-5")]
    pub article: Option<String>,
    /// NATINF number.
    #[param(minimum = 1, maximum = 999999, example = 27145)]
    pub natinf: Option<i32>,
    pub nature: Option<NatureKind>,
    pub tadpr_eligible: Option<bool>,
}

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
    let limit = page.limit()?;
    let q = q.into_inner();
    if q.q.as_ref().is_some_and(|s| s.len() > 200)
        || q.article.as_ref().is_some_and(|s| s.len() > 100)
    {
        return Err(ApiError::invalid_field(
            "q",
            "too_long",
            "search text is limited to 200 characters",
        ));
    }
    let f = OffenceFilter {
        text: q.q.filter(|s| !s.trim().is_empty()),
        article: q.article.filter(|s| !s.trim().is_empty()),
        natinf: q.natinf,
        nature: q.nature.map(|n| n.as_str().to_owned()),
        tadpr_eligible: q.tadpr_eligible,
        after_code: page.after()?,
        limit: fetch_size(limit),
    };
    let rows = state.db(move |conn| Ok(repo::search(conn, &f)?)).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        &req,
        rows,
        limit,
        |r| r.code.clone(),
        Offence::try_from,
    )?))
}

/// Read an offence
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
    let code = code.into_inner();
    let row = state
        .db(move |conn| repo::find_by_code(conn, &code)?.ok_or_else(ApiError::not_found))
        .await?;
    Ok(HttpResponse::Ok().json(Offence::try_from(row)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NatinfImportQuery {
    /// Import the valid rows even when some are refused (default: refuse the whole file).
    pub skip_invalid: Option<bool>,
    /// A label for this version of the list, e.g. `natinf/2026-T4` (default: today's date).
    pub version: Option<String>,
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
    policy::edit_reference(&caller)?;
    let ctype = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ctype.to_ascii_lowercase().starts_with("text/csv") {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the list as text/csv",
        ));
    }
    let q = q.into_inner();
    let version = q
        .version
        .unwrap_or_else(|| format!("natinf/{}", Utc::now().date_naive()));
    if version.is_empty() || version.len() > 100 {
        return Err(ApiError::invalid_field(
            "version",
            "invalid_version",
            "1 to 100 characters",
        ));
    }
    let actor = caller.actor();
    let report = apply_natinf(
        &state,
        actor,
        body,
        version,
        q.skip_invalid.unwrap_or(false),
    )
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// Parses and applies a NATINF file in one transaction.
async fn apply_natinf(
    state: &AppState,
    actor: vigie_store::audit::Actor,
    data: web::Bytes,
    version: String,
    skip_invalid: bool,
) -> ApiResult<ImportReport> {
    let outcome = state
        .tx(move |conn| {
            Ok(repo::import_natinf_csv(
                conn,
                &actor,
                &data,
                &version,
                skip_invalid,
            )?)
        })
        .await?;
    match outcome {
        NatinfOutcome::Applied(report) => Ok(report),
        NatinfOutcome::Rejected(rows) => {
            let errors = rows
                .iter()
                .map(|e| {
                    FieldError::new(
                        format!("line {}", e.line),
                        e.code.clone(),
                        e.message.clone(),
                    )
                })
                .collect();
            let mut err = ApiError::invalid(errors);
            err.code = "natinf_rows_rejected";
            err.detail = format!(
                "{} malformed rows; nothing was imported (use skip_invalid=true to import the others)",
                rows.len()
            );
            Err(err)
        }
    }
}
