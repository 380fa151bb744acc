//! `/offences` (the qualification catalogue) and `/natinf/imports` (loading the official list).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_domain::offence::{EntryVersion, NatureKind, OffenceFlags};
use vigie_store::offences::{self as repo, NatinfOutcome, OffenceFilter, OffenceRow};

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult, FieldError};
use crate::page::{Listed, PageRequest, fetch_size, views_of};
use crate::policy;

/// What a NATINF list import changed.
pub use vigie_store::offences::ImportReport;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "CP-433-5-AL1", "label": "Outrage à une personne chargée d'une mission de service public",
    "defining_articles": "433-5 al.1 CP", "penalty_articles": "433-5 al.1 CP", "nature": "delit",
    "max_penalty": "7 500 € d'amende et travail d'intérêt général ; en réunion 6 mois d'emprisonnement et 7 500 €",
    "max_prison_months": 6,
    "versions": [{"valid_from": "2024-03-23", "max_penalty": "7 500 € d'amende et travail d'intérêt général ; en réunion 6 mois d'emprisonnement et 7 500 €", "source": "loi n° 2024-247 du 21 mars 2024 (in force 23 March 2024): travail d'intérêt général added to 433-5 al.1"}],
    "flags": {"cmsp_limb": true, "tadpr_eligible": true, "app_excluded": false, "sworn_agent_regime_b_allowed": false, "afd_available": false},
    "reliability": "verified", "source": "catalogue", "catalogue_version": "convention-92/2026-11-29",
    "valid_from": "2022-09-05", "updated_at": "2026-11-28T09:00:00.000000Z"
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
    #[serde(with = "vigie_domain::timestamp")]
    pub updated_at: DateTime<Utc>,
    /// The longest prison penalty in months (0: a fine only; absent: a contravention, or not
    /// recorded): what composition pénale (délits of at most 5 years) is checked against.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1200)]
    pub max_prison_months: Option<i64>,
    /// The day the offence came into the law, when later than the catalogue's: facts before it
    /// cannot be qualified with it (422 `not_in_force`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_force_from: Option<NaiveDate>,
    /// Changes of the law to this offence, by date. The fields above give the wording in force
    /// today; a qualification shows the wording in force on the day of the facts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<EntryVersion>,
}

impl TryFrom<OffenceRow> for Offence {
    type Error = AppError;
    fn try_from(r: OffenceRow) -> AppResult<Self> {
        let today = vigie_domain::pv::local_day(Utc::now());
        let wording = r.wording_on(today)?;
        Ok(Self {
            nature: r.nature_kind()?,
            versions: r.versions()?,
            flags: OffenceFlags {
                cmsp_limb: r.cmsp_limb,
                tadpr_eligible: r.tadpr_eligible,
                app_excluded: r.app_excluded,
                sworn_agent_regime_b_allowed: r.regime_b_allowed,
                afd_available: r.afd_available,
            },
            code: r.code,
            label: wording.label,
            defining_articles: wording.defining_articles,
            penalty_articles: wording.penalty_articles,
            contravention_class: r.contravention_class,
            natinf: r.natinf,
            max_penalty: wording.max_penalty,
            max_prison_months: wording.max_prison_months.map(i64::from),
            in_force_from: r.in_force_from,
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
pub async fn list_offences(
    app: &App,
    _caller: Caller,
    q: OffenceQuery,
    page: PageRequest,
) -> AppResult<Listed<Offence>> {
    let limit = page.limit;
    if q.q.as_ref().is_some_and(|s| s.len() > 200)
        || q.article.as_ref().is_some_and(|s| s.len() > 100)
    {
        return Err(AppError::invalid_field(
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
        after_code: page.after.clone(),
        limit: fetch_size(limit),
    };
    let rows = app.db(move |conn| Ok(repo::search(conn, &f)?)).await?;
    views_of(rows, limit, Offence::try_from)
}

/// Read an offence
pub async fn get_offence(app: &App, _caller: Caller, code: String) -> AppResult<Offence> {
    let row = app
        .db(move |conn| repo::find_by_code(conn, &code)?.ok_or_else(AppError::not_found))
        .await?;
    Offence::try_from(row)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NatinfImportQuery {
    /// Import the valid rows even when some are refused (default: refuse the whole file).
    pub skip_invalid: Option<bool>,
    /// A label for this version of the list, e.g. `natinf/2026-T4` (default: today's date).
    pub version: Option<String>,
}

/// Import the official NATINF list
///
/// CSV (`;`, `,` or tab; UTF-8; optional header) with five columns: number, simplified qualification,
/// nature, defining articles, penalty articles. Idempotent: rows are matched by NATINF number and
/// counted as created, updated or unchanged; curated rule flags are kept. A file with malformed rows
/// is refused whole (422, every bad line listed) unless `skip_invalid=true`. Platform admin only.
pub async fn import_natinf(
    app: &App,
    caller: Caller,
    version: Option<String>,
    skip_invalid: bool,
    data: Vec<u8>,
) -> AppResult<ImportReport> {
    policy::edit_reference(&caller)?;
    let version = version.unwrap_or_else(|| format!("natinf/{}", Utc::now().date_naive()));
    if version.is_empty() || version.len() > 100 {
        return Err(AppError::invalid_field(
            "version",
            "invalid_version",
            "1 to 100 characters",
        ));
    }
    let actor = caller.actor();
    let outcome = app
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
            let mut err = AppError::invalid(errors);
            err.code = "natinf_rows_rejected";
            debug_assert!(crate::problems::find(err.code).is_some());
            err.detail = format!(
                "{} malformed rows; nothing was imported (use skip_invalid=true to import the others)",
                rows.len()
            );
            Err(err)
        }
    }
}
