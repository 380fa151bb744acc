//! The offence catalogue: curated entries (`reference/offence-catalogue.json`) and the official NATINF
//! list loaded on top. Both are versioned data.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use vigie_domain::natinf::{self, NatinfRow, RowError};
use vigie_domain::offence::{
    Catalogue, CatalogueEntry, EntryVersion, Nature, Reliability, Wording, search_key,
};

use crate::audit::{self, Actor, Change};
use crate::db::DbConn;
use crate::error::{StoreError, StoreResult};
use crate::schema::offences;
use crate::{new_id, now};

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, Serialize, PartialEq)]
#[diesel(table_name = offences, treat_none_as_null = true)]
pub struct OffenceRow {
    pub id: String,
    pub code: String,
    pub label: String,
    pub defining_articles: String,
    pub penalty_articles: String,
    pub nature: String,
    pub contravention_class: Option<i32>,
    pub natinf: Option<i32>,
    pub max_penalty: Option<String>,
    pub cmsp_limb: bool,
    pub tadpr_eligible: bool,
    pub app_excluded: bool,
    pub regime_b_allowed: bool,
    pub afd_available: bool,
    pub reliability: String,
    pub note: Option<String>,
    pub source: String,
    pub catalogue_version: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub search_text: String,
    pub updated_at: NaiveDateTime,
    /// The longest prison penalty in months (0: a fine only; none: not recorded).
    pub max_prison_months: Option<i64>,
    /// The day the offence came into the law, when later than the catalogue's.
    pub in_force_from: Option<NaiveDate>,
    /// Later wordings (JSON list of `EntryVersion`).
    pub versions: String,
}

impl OffenceRow {
    pub fn versions(&self) -> StoreResult<Vec<EntryVersion>> {
        crate::error::decode_json(&format!("offence {}: versions", self.code), &self.versions)
    }

    /// Whether the offence existed on `day` (facts before it cannot be qualified with it).
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.in_force_from.is_none_or(|from| from <= day)
    }

    /// What the entry says on `day`: its wording in force then.
    pub fn wording_on(&self, day: NaiveDate) -> StoreResult<Wording> {
        Ok(Wording {
            label: self.label.clone(),
            defining_articles: self.defining_articles.clone(),
            penalty_articles: self.penalty_articles.clone(),
            max_penalty: self.max_penalty.clone(),
            max_prison_months: self.max_prison_months.and_then(|m| u32::try_from(m).ok()),
        }
        .on(&self.versions()?, day))
    }

    pub fn nature_kind(&self) -> StoreResult<vigie_domain::offence::NatureKind> {
        crate::error::decode_name(
            &format!("offence {}: nature", self.code),
            &self.nature,
            vigie_domain::offence::NatureKind::parse,
        )
    }
}

fn search_text(code: &str, label: &str, defining: &str, penalty: &str) -> String {
    search_key(&format!("{code} {label} {defining} {penalty}"))
}

impl OffenceRow {
    fn from_catalogue(e: &CatalogueEntry, version: &str, valid_from: NaiveDate) -> Self {
        Self {
            id: new_id(),
            code: e.code.clone(),
            label: e.label.clone(),
            defining_articles: e.defining_articles.clone(),
            penalty_articles: e.penalty_articles.clone(),
            nature: e.nature.as_str().to_owned(),
            contravention_class: e.contravention_class.map(i32::from),
            natinf: e.natinf.and_then(|n| i32::try_from(n).ok()),
            max_penalty: Some(e.max_penalty.clone()).filter(|s| !s.is_empty()),
            cmsp_limb: e.flags.cmsp_limb,
            tadpr_eligible: e.flags.tadpr_eligible,
            app_excluded: e.flags.app_excluded,
            regime_b_allowed: e.flags.sworn_agent_regime_b_allowed,
            afd_available: e.flags.afd_available,
            reliability: e.reliability.as_str().to_owned(),
            note: e.note.clone(),
            source: "catalogue".into(),
            catalogue_version: version.to_owned(),
            valid_from,
            valid_to: None,
            search_text: search_text(&e.code, &e.label, &e.defining_articles, &e.penalty_articles),
            updated_at: now(),
            max_prison_months: e.max_prison_months.map(i64::from),
            in_force_from: e.in_force_from,
            versions: serde_json::to_string(&e.versions).unwrap_or_else(|_| "[]".into()),
        }
    }
}

/// Loads a catalogue version: entries are matched by `code`, inserted or replaced. Entries of an older
/// version of the catalogue that the new one dropped are closed (`valid_to`), never deleted, since
/// qualifications already attached to records keep pointing at them.
pub fn load_catalogue(conn: &mut DbConn, actor: &Actor, cat: &Catalogue) -> StoreResult<usize> {
    let existing: HashMap<String, OffenceRow> = offences::table
        .filter(offences::source.eq("catalogue"))
        .select(OffenceRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect();
    for e in &cat.entries {
        let mut row = OffenceRow::from_catalogue(e, &cat.version, cat.valid_from);
        match existing.get(&e.code) {
            Some(old) => {
                row.id = old.id.clone();
                diesel::update(offences::table.find(&old.id))
                    .set(&row)
                    .execute(conn)?;
            }
            None => {
                // An entry that the official list already brought in (same NATINF) becomes curated.
                if let Some(n) = row.natinf {
                    diesel::update(
                        offences::table
                            .filter(offences::natinf.eq(n))
                            .filter(offences::source.eq("natinf")),
                    )
                    .set(offences::natinf.eq(None::<i32>))
                    .execute(conn)?;
                }
                diesel::insert_into(offences::table)
                    .values(&row)
                    .execute(conn)?;
            }
        }
    }
    let dropped: Vec<&String> = existing
        .keys()
        .filter(|code| !cat.entries.iter().any(|e| &e.code == *code))
        .collect();
    for code in dropped {
        diesel::update(
            offences::table
                .filter(offences::code.eq(code))
                .filter(offences::valid_to.is_null()),
        )
        .set(offences::valid_to.eq(Some(cat.valid_from)))
        .execute(conn)?;
    }
    audit::record(
        conn,
        actor,
        Change {
            action: "offence_catalogue.loaded",
            resource_type: "offence_catalogue",
            resource_id: &cat.version,
            org_id: None,
            state: cat,
        },
    )?;
    Ok(cat.entries.len())
}

#[derive(Debug, Clone, Default)]
pub struct OffenceFilter {
    /// Words that must all appear in the code, label or articles (accents and case ignored).
    pub text: Option<String>,
    /// Text that must appear in the defining or penalty articles, e.g. `433-5` or `R.634-2`.
    pub article: Option<String>,
    pub natinf: Option<i32>,
    pub nature: Option<String>,
    pub tadpr_eligible: Option<bool>,
    pub after_code: Option<String>,
    pub limit: i64,
}

pub fn search(conn: &mut DbConn, f: &OffenceFilter) -> StoreResult<Vec<OffenceRow>> {
    let mut q = offences::table.select(OffenceRow::as_select()).into_boxed();
    if let Some(text) = &f.text {
        for word in search_key(text).split_whitespace() {
            q = q.filter(
                offences::search_text
                    .like(format!("%{}%", escape_like(word)))
                    .escape('\\'),
            );
        }
    }
    if let Some(article) = &f.article {
        q = q.filter(
            offences::search_text
                .like(format!("%{}%", escape_like(&search_key(article))))
                .escape('\\'),
        );
    }
    if let Some(n) = f.natinf {
        q = q.filter(offences::natinf.eq(n));
    }
    if let Some(nature) = &f.nature {
        q = q.filter(offences::nature.eq(nature));
    }
    if let Some(t) = f.tadpr_eligible {
        q = q.filter(offences::tadpr_eligible.eq(t));
    }
    if let Some(after) = &f.after_code {
        q = q.filter(offences::code.gt(after));
    }
    Ok(q.order(offences::code.asc()).limit(f.limit).load(conn)?)
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub fn find_by_code(conn: &mut DbConn, code: &str) -> StoreResult<Option<OffenceRow>> {
    Ok(offences::table
        .filter(offences::code.eq(code))
        .select(OffenceRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ImportReport {
    #[schema(example = 120)]
    pub created: usize,
    #[schema(example = 3)]
    pub updated: usize,
    #[schema(example = 14210)]
    pub unchanged: usize,
    /// Rows refused, with their line numbers. Nothing is written when this is not empty, unless the
    /// import was asked to skip invalid rows.
    pub rejected: Vec<RowError>,
    /// Whether anything was written.
    pub applied: bool,
}

/// Applies parsed NATINF rows: matched by number; created, updated (qualification, nature or articles
/// changed) or unchanged. Rule flags of curated entries are kept.
pub fn import_natinf(
    conn: &mut DbConn,
    actor: &Actor,
    rows: &[NatinfRow],
    version: &str,
) -> StoreResult<ImportReport> {
    let mut by_natinf: HashMap<i32, OffenceRow> = offences::table
        .filter(offences::natinf.is_not_null())
        .select(OffenceRow::as_select())
        .load(conn)?
        .into_iter()
        .filter_map(|r| r.natinf.map(|n| (n, r)))
        .collect();
    let today = now().date();
    let mut report = ImportReport {
        applied: true,
        ..ImportReport::default()
    };
    for r in rows {
        let n = i32::try_from(r.number.get())
            .map_err(|_| StoreError::Corrupt("NATINF out of range".into()))?;
        let (nature, class) = split_nature(r.nature);
        match by_natinf.get_mut(&n) {
            Some(existing) => {
                let same = existing.label == r.qualification
                    && existing.nature == nature
                    && existing.contravention_class == class
                    && existing.defining_articles == r.defining_articles
                    && existing.penalty_articles == r.penalty_articles;
                if same {
                    report.unchanged += 1;
                    continue;
                }
                existing.label = r.qualification.clone();
                existing.nature = nature;
                existing.contravention_class = class;
                existing.defining_articles = r.defining_articles.clone();
                existing.penalty_articles = r.penalty_articles.clone();
                existing.reliability = Reliability::Official.as_str().to_owned();
                existing.search_text = search_text(
                    &existing.code,
                    &existing.label,
                    &existing.defining_articles,
                    &existing.penalty_articles,
                );
                existing.updated_at = now();
                diesel::update(offences::table.find(&existing.id))
                    .set(&*existing)
                    .execute(conn)?;
                report.updated += 1;
            }
            None => {
                let code = format!("NATINF-{n}");
                let row = OffenceRow {
                    id: new_id(),
                    search_text: search_text(
                        &code,
                        &r.qualification,
                        &r.defining_articles,
                        &r.penalty_articles,
                    ),
                    code,
                    label: r.qualification.clone(),
                    defining_articles: r.defining_articles.clone(),
                    penalty_articles: r.penalty_articles.clone(),
                    nature,
                    contravention_class: class,
                    natinf: Some(n),
                    max_penalty: None,
                    cmsp_limb: false,
                    tadpr_eligible: false,
                    app_excluded: false,
                    regime_b_allowed: false,
                    afd_available: false,
                    reliability: Reliability::Official.as_str().to_owned(),
                    note: None,
                    source: "natinf".into(),
                    catalogue_version: version.to_owned(),
                    valid_from: today,
                    valid_to: None,
                    updated_at: now(),
                    // The official list gives no penalty the rules can read, and no history.
                    max_prison_months: None,
                    in_force_from: None,
                    versions: "[]".into(),
                };
                diesel::insert_into(offences::table)
                    .values(&row)
                    .execute(conn)?;
                by_natinf.insert(n, row);
                report.created += 1;
            }
        }
    }
    #[derive(Serialize)]
    struct ImportState<'a> {
        version: &'a str,
        created: usize,
        updated: usize,
        unchanged: usize,
    }
    audit::record(
        conn,
        actor,
        Change {
            action: "natinf.imported",
            resource_type: "offence_catalogue",
            resource_id: version,
            org_id: None,
            state: &ImportState {
                version,
                created: report.created,
                updated: report.updated,
                unchanged: report.unchanged,
            },
        },
    )?;
    Ok(report)
}

fn split_nature(n: Nature) -> (String, Option<i32>) {
    (
        n.kind().as_str().to_owned(),
        n.contravention_class().map(i32::from),
    )
}

/// What became of a NATINF file.
#[derive(Debug)]
pub enum NatinfOutcome {
    /// Malformed rows and no `skip_invalid`: nothing was written.
    Rejected(Vec<RowError>),
    Applied(ImportReport),
}

/// Parses a NATINF CSV and applies it, in the caller's transaction. Shared by the API and the CLI.
pub fn import_natinf_csv(
    conn: &mut DbConn,
    actor: &Actor,
    data: &[u8],
    version: &str,
    skip_invalid: bool,
) -> StoreResult<NatinfOutcome> {
    let parsed = natinf::parse_csv(data);
    if !parsed.errors.is_empty() && !skip_invalid {
        return Ok(NatinfOutcome::Rejected(parsed.errors));
    }
    let mut report = import_natinf(conn, actor, &parsed.rows, version)?;
    report.rejected = parsed.errors;
    Ok(NatinfOutcome::Applied(report))
}
