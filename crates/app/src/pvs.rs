//! `/pvs`: procès-verbaux drawn up by sworn agents, checked against the agent's file, numbered per
//! bailleur and year, signed (then immutable, with a content hash), corrected by new revisions, and
//! followed to their deadline. Transmissions to the parquet are in [`crate::pv_transmissions`].

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;
use vigie_domain::OrgKind;
use vigie_domain::delays::LegalDelays;
use vigie_domain::incident::{self, Category, Evidence, PersonInvolved, Witness};
use vigie_domain::pv::{
    self, Drawing, PvRuleError, PvStateError, PvStatus, check_drawing, local_day,
    transmission_deadline,
};
use vigie_domain::sworn::{AgrementSource, Regime};
use vigie_store::pvs::{self as repo, PvFilter, PvRow, PvScope};
use vigie_store::sworn_agents::{self as agents, AgentRow};
use vigie_store::{DbConn, offences, organisations, residences};

use crate::calendar::today;
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult, ErrorKind, FieldError};
use crate::idempotency::{self, Answer, Created};
use crate::page::{Listed, PageRequest, fetch_size, views_of};
use crate::policy;
use crate::policy::PvAccess;
use crate::sworn_agents::{caller_principal_id, decode_file, offence_facts};

/// A statement heard by the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Who spoke: the offender, a witness, a resident...
    #[schema(min_length = 1, max_length = 200)]
    pub by: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub text: String,
}

/// What the agent writes. The place is a residence of the commission; the offences are codes of
/// the catalogue within the agrément.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
  "agent_id": "01936f70-0000-7000-8000-000000000001", "found_at": "2026-11-27T10:15:00.000000Z",
  "residence_id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b", "building": "B", "entrance": "B1", "common_part": "local poubelles",
  "facts": "Constaté personnellement le dépôt de trois sacs d'ordures et d'un matelas hors des conteneurs, devant l'entrée B1.",
  "personally_observed": true, "offence_codes": ["CP-R634-2"], "offender": {"kind": "described", "description": "homme, 40 ans, camionnette blanche"},
  "statements": [{"by": "l'auteur", "text": "Je ne savais pas que c'était interdit."}], "witnesses": [], "evidence": [{"type": "photo", "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}],
  "incident_ids": []
}))]
pub struct PvInput {
    /// The author's file: required for an integration; a sworn agent draws up under their own.
    #[schema(max_length = 64)]
    pub agent_id: Option<String>,
    /// When the agent found the facts; its local day starts the 5-day transmission clock.
    #[serde(with = "vigie_domain::timestamp")]
    pub found_at: DateTime<Utc>,
    #[schema(max_length = 64)]
    pub residence_id: String,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub building: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub entrance: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub common_part: Option<String>,
    /// The facts as the agent saw, heard or observed them.
    #[schema(min_length = 1, max_length = 10000)]
    pub facts: String,
    /// The agent attests having personally observed the facts (art. 429 CPP): must be true.
    pub personally_observed: bool,
    #[schema(max_length = 32, min_items = 1, max_items = 10)]
    pub offence_codes: Vec<String>,
    pub offender: Option<PersonInvolved>,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub statements: Vec<Statement>,
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub witnesses: Vec<Witness>,
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub evidence: Vec<Evidence>,
    /// Incidents of the bailleur this PV follows up.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_length = 64, max_items = 20)]
    pub incident_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuthorSnapshot {
    pub agent_id: String,
    pub name: String,
    pub regime: Regime,
    pub agrement_arrete: String,
    pub prefet: String,
    pub agrement_start: NaiveDate,
    pub agrement_end: NaiveDate,
    /// `prefecture` (the préfet's decision recorded in Vigie) or `declared_by_bailleur` (an arrêté
    /// the bailleur declared). Absent from PVs drawn up before Vigie recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agrement_recorded_by: Option<AgrementSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cnaps_card_number: Option<String>,
    pub oath_tribunal: String,
    pub oath_sworn_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlaceSnapshot {
    pub residence_id: String,
    pub residence: String,
    pub address: String,
    pub insee_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_part: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PvQualification {
    pub offence_code: String,
    pub label: String,
    pub legal_reference: String,
    pub nature: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreviousRevision {
    pub id: String,
    pub revision: i64,
    pub content_hash: String,
}

/// The PV as a document: what is signed and hashed. Once signed it never changes; its hash is the
/// SHA-256 of its canonical JSON (keys sorted, no whitespace).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PvDocument {
    pub number: String,
    pub revision: i64,
    /// The revision this one corrects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<PreviousRevision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction_reason: Option<String>,
    pub bailleur: String,
    pub author: AuthorSnapshot,
    #[serde(with = "vigie_domain::timestamp")]
    pub found_at: DateTime<Utc>,
    pub found_on: NaiveDate,
    pub place: PlaceSnapshot,
    pub facts: String,
    pub personally_observed: bool,
    pub qualifications: Vec<PvQualification>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offender: Option<PersonInvolved>,
    pub statements: Vec<Statement>,
    pub witnesses: Vec<Witness>,
    pub evidence: Vec<Evidence>,
    pub incident_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub signed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransmissionRef {
    pub id: String,
    pub transmitted_on: NaiveDate,
    #[schema(value_type = vigie_domain::pv::TransmissionMode)]
    pub mode: String,
    /// Sent after the deadline: the PV is void (nullité), whatever the parquet does with it.
    pub void: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub acknowledged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
  "id": "01936f80-0000-7000-8000-000000000001", "number": "2026-000042", "revision": 1, "status": "signed",
  "agent_id": "01936f70-0000-7000-8000-000000000001", "found_on": "2026-11-27", "deadline": "2026-12-02", "days_left": 4, "void": false,
  "document": {"number": "2026-000042", "revision": 1, "bailleur": "Hauts-de-Seine Habitat",
     "author": {"agent_id": "01936f70-0000-7000-8000-000000000001", "name": "Karim Benali", "regime": "garde_particulier",
        "agrement_arrete": "PREF-92-2026-0042", "prefet": "Préfet des Hauts-de-Seine", "agrement_start": "2026-02-01", "agrement_end": "2031-02-01",
        "agrement_recorded_by": "prefecture", "card_number": "GP-92-0042", "oath_tribunal": "Tribunal judiciaire de Nanterre", "oath_sworn_on": "2026-02-10"},
     "found_at": "2026-11-27T10:15:00.000000Z", "found_on": "2026-11-27",
     "place": {"residence_id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b", "residence": "Les Provinces Françaises",
        "address": "12 rue de Bourgogne, 92000 Nanterre", "insee_code": "92050", "building": "B", "entrance": "B2"},
     "facts": "Constaté personnellement le dépôt de trois sacs d'ordures devant l'entrée B2.", "personally_observed": true,
     "qualifications": [{"offence_code": "CP-R634-2", "label": "Dépôt d'ordures hors des emplacements autorisés", "legal_reference": "R.634-2 CP", "nature": "contravention"}],
     "offender": {"kind": "described", "description": "homme, 40 ans, camionnette blanche"},
     "statements": [], "witnesses": [], "evidence": [], "incident_ids": [],
     "signed_at": "2026-11-27T11:00:00.000000Z", "signed_by": "person:k.benali"},
  "content_hash": "sha256:3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
  "version": 2, "created_at": "2026-11-27T10:40:00.000000Z", "updated_at": "2026-11-27T11:00:00.000000Z"
}))]
pub struct Pv {
    pub id: String,
    /// Per bailleur and year, gap-free; a correction keeps the number with the next revision.
    pub number: String,
    pub revision: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_id: Option<String>,
    /// The revision that corrects this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    pub status: PvStatus,
    pub agent_id: String,
    pub found_on: NaiveDate,
    /// Last day to reach the parquet (end of the 5th day after the day of the finding).
    pub deadline: NaiveDate,
    /// Days from today to the deadline while not transmitted (negative: overdue, the PV will be void).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// Transmitted after the deadline.
    pub void: bool,
    #[schema(value_type = PvDocument)]
    pub document: serde_json::Value,
    /// Of the signed document; recompute it: SHA-256 of `document` with keys sorted, no whitespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transmission: Option<TransmissionRef>,
    /// Why and until when the record is kept (GDPR art. 5(1)(e)): on the record's own page, not in
    /// lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention: Option<crate::retention::RecordRetention>,
    pub version: i64,
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "vigie_domain::timestamp")]
    pub updated_at: DateTime<Utc>,
}

pub fn view(conn: &mut DbConn, row: PvRow) -> AppResult<Pv> {
    let status = row.status()?;
    let document: serde_json::Value = row.document()?;
    let transmission = match &row.transmission_id {
        Some(t) => repo::get_transmission(conn, t)?.map(|t| TransmissionRef {
            id: t.id,
            transmitted_on: t.transmitted_on,
            mode: t.mode,
            void: row.void,
            acknowledged_at: t.acknowledged_at.map(|a| a.and_utc()),
        }),
        None => None,
    };
    let days_left = (status != PvStatus::Transmitted && row.superseded_by.is_none())
        .then(|| (row.deadline - today()).num_days());
    Ok(Pv {
        id: row.id,
        number: row.number,
        revision: row.revision,
        previous_id: row.previous_id,
        superseded_by: row.superseded_by,
        status,
        agent_id: row.agent_id,
        found_on: row.found_on,
        deadline: row.deadline,
        days_left,
        void: row.void,
        document,
        content_hash: row.content_hash,
        transmission,
        retention: None,
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

fn rule_error(e: PvRuleError) -> AppError {
    AppError::new(ErrorKind::Invalid, e.code(), e.to_string())
}

pub fn state_error(e: PvStateError) -> AppError {
    AppError::conflict(e.code(), e.to_string())
}

/// Text rules of the content (shared with incidents), with the PV's field names.
fn check_text(input: &PvInput) -> AppResult<()> {
    let offender: Vec<PersonInvolved> = input.offender.iter().cloned().collect();
    let mut errors: Vec<FieldError> = incident::check_content(
        Category::Other,
        &input.facts,
        &offender,
        &input.evidence,
        &input.witnesses,
    )
    .into_iter()
    .map(|e| {
        let field = e
            .field
            .replacen("narrative", "facts", 1)
            .replacen("persons[0]", "offender", 1);
        FieldError::new(&field, e.code, e.message)
    })
    .collect();
    if input.offence_codes.len() > 10 {
        errors.push(FieldError::new("offence_codes", "too_many", "at most 10"));
    }
    for (i, s) in input.statements.iter().enumerate() {
        let bad = |t: &str, max: usize| t.trim().is_empty() || t.chars().count() > max;
        if bad(&s.by, 200) || bad(&s.text, 5000) {
            errors.push(FieldError::new(
                format!("statements[{i}]"),
                "invalid",
                "`by` 1 to 200 characters, `text` 1 to 5000",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid(errors))
    }
}

/// The agent file a caller draws up under: a sworn agent's own (an `agent_id` naming another is
/// refused); for an integration the `agent_id` it names in its bailleur.
fn author_file(
    conn: &mut DbConn,
    caller: &Caller,
    access: PvAccess,
    agent_id: Option<&str>,
) -> AppResult<AgentRow> {
    match access {
        PvAccess::Agent => {
            let me = caller_principal_id(conn, caller)?;
            let file = agents::find_by_principal(conn, &me)?.ok_or_else(|| {
                AppError::forbidden(
                    "you have no sworn-agent file: ask your correspondent to open one",
                )
            })?;
            if agent_id.is_some_and(|a| a != file.id) {
                return Err(AppError::forbidden(
                    "a sworn agent draws up PVs under their own file only",
                ));
            }
            Ok(file)
        }
        _ => {
            let id = agent_id.ok_or_else(|| {
                AppError::invalid_field(
                    "agent_id",
                    "required",
                    "name the author's sworn-agent file",
                )
            })?;
            agents::get(conn, id)?
                .filter(|a| a.org_id == caller.org_id)
                .ok_or_else(|| {
                    AppError::invalid_field(
                        "agent_id",
                        "unknown_agent",
                        "no sworn-agent file with this id in your organisation",
                    )
                })
        }
    }
}

/// Builds the unsigned document from the input after every rule of domain.md §8 rule 1 passed.
fn draw_up(
    conn: &mut DbConn,
    caller: &Caller,
    org_id: &str,
    agent: &AgentRow,
    input: PvInput,
    number: String,
    revision: i64,
) -> AppResult<PvDocument> {
    let residence =
        residences::find_in_org(conn, org_id, &input.residence_id)?.ok_or_else(|| {
            AppError::invalid_field(
                "residence_id",
                "unknown_residence",
                "no such residence in your organisation",
            )
        })?;
    for (i, id) in input.incident_ids.iter().enumerate() {
        // The one visibility rule of incidents: a PV links only what its author may see.
        crate::incidents::linkable(conn, caller, id, &format!("incident_ids[{i}]"))?;
    }
    let facts = offence_facts(conn, &input.offence_codes, "offence_codes")?;
    let file = decode_file(agent)?;
    let found_on = local_day(input.found_at);
    check_drawing(
        &file,
        &Drawing {
            found_on,
            residence_id: &residence.id,
            personally_observed: input.personally_observed,
            offences: &facts,
        },
    )
    .map_err(rule_error)?;
    let agrement = file.agrement_on(found_on).ok_or_else(AppError::internal)?;
    let oath = file.oath.as_ref().ok_or_else(AppError::internal)?;
    let staff =
        residences::find_staff(conn, org_id, &agent.staff_id)?.ok_or_else(AppError::internal)?;
    let bailleur = organisations::get(conn, org_id)?;
    let mut qualifications = vec![];
    for (i, code) in input.offence_codes.iter().enumerate() {
        let o = offences::find_by_code(conn, code)?.ok_or_else(AppError::internal)?;
        // The law in force on the day of the finding.
        if !o.in_force_on(found_on) {
            return Err(AppError::invalid_field(
                &format!("offence_codes[{i}]"),
                "not_in_force",
                format!("`{code}` was not in force on {found_on}"),
            ));
        }
        let wording = o.wording_on(found_on)?;
        qualifications.push(PvQualification {
            offence_code: o.code,
            label: wording.label,
            legal_reference: wording.defining_articles,
            nature: o.nature,
        });
    }
    Ok(PvDocument {
        number,
        revision,
        previous: None,
        correction_reason: None,
        bailleur: bailleur.name,
        author: AuthorSnapshot {
            agent_id: agent.id.clone(),
            name: format!("{} {}", staff.first_name, staff.last_name),
            regime: file.regime,
            agrement_arrete: agrement.arrete_number.clone(),
            prefet: agrement.prefet.clone(),
            agrement_start: agrement.start,
            agrement_end: agrement.end,
            agrement_recorded_by: Some(agrement.recorded_by),
            card_number: agrement.card_number.clone(),
            cnaps_card_number: file.cnaps_card_number.clone(),
            oath_tribunal: oath.tribunal.clone(),
            oath_sworn_on: oath.sworn_on,
        },
        found_at: input.found_at,
        found_on,
        place: PlaceSnapshot {
            residence_id: residence.id,
            residence: residence.name,
            address: residence.address,
            insee_code: residence.insee_code,
            building: input.building,
            entrance: input.entrance,
            common_part: input.common_part,
        },
        facts: input.facts,
        personally_observed: input.personally_observed,
        qualifications,
        offender: input.offender,
        statements: input.statements,
        witnesses: input.witnesses,
        evidence: input.evidence,
        incident_ids: input.incident_ids,
        signed_at: None,
        signed_by: None,
    })
}

fn check_found_at(found_at: DateTime<Utc>) -> AppResult<()> {
    if found_at > Utc::now() + chrono::Duration::minutes(5) {
        return Err(AppError::invalid_field(
            "found_at",
            "in_the_future",
            "a finding cannot be in the future",
        ));
    }
    Ok(())
}

fn new_row(
    org_id: &str,
    agent: &AgentRow,
    doc: &PvDocument,
    year: i64,
    seq: i64,
) -> AppResult<PvRow> {
    let at = vigie_store::now();
    Ok(PvRow {
        id: vigie_store::new_id(),
        org_id: org_id.to_owned(),
        agent_id: agent.id.clone(),
        year,
        seq,
        number: doc.number.clone(),
        revision: doc.revision,
        previous_id: doc.previous.as_ref().map(|p| p.id.clone()),
        superseded_by: None,
        status: PvStatus::Draft.as_str().to_owned(),
        found_at: doc.found_at.naive_utc(),
        found_on: doc.found_on,
        deadline: transmission_deadline(doc.found_on, LegalDelays::shipped()),
        residence_id: doc.place.residence_id.clone(),
        content: serde_json::to_string(doc).map_err(|_| AppError::internal())?,
        signed_at: None,
        signed_by: None,
        content_hash: None,
        document: None,
        transmission_id: None,
        transmitted_on: None,
        void: false,
        version: 1,
        created_at: at,
        updated_at: at,
    })
}

/// Draw up a PV
///
/// By a sworn agent (under their own file) or the bailleur's integration (naming `agent_id`). The
/// PV gets the next number of the bailleur's year at once and starts as a draft. Every rule of
/// drawing up is checked, each refusal a 422 with its code: `not_personally_observed`,
/// `agent_not_active` (no valid agrément, no oath, suspended or withdrawn on the day of the
/// finding), `place_outside_commission`, `offence_outside_agrement`, `offence_outside_commission`,
/// `regime_b_contraventions_only`, `offence_required`; field errors `unknown_residence`,
/// `unknown_offence`, `unknown_incident`, `unknown_agent`, `in_the_future`.
pub async fn create_pv(
    app: &App,
    caller: Caller,
    key: Option<String>,
    input: PvInput,
) -> AppResult<Answer> {
    let access = policy::draw_up_pvs(&caller)?;
    check_text(&input)?;
    check_found_at(input.found_at)?;
    let actor = caller.actor();
    let request = serde_json::to_value(&input).map_err(|_| AppError::internal())?;
    let c = caller.clone();
    idempotency::create_once(app, c.sub.clone(), key, &request, move |conn| {
        let org_id = caller.org_id.clone();
        let agent = author_file(conn, &caller, access, input.agent_id.as_deref())?;
        // Checked before the number is taken; the number is then taken in this transaction.
        let mut doc = draw_up(conn, &caller, &org_id, &agent, input, String::new(), 1)?;
        let year = i64::from(today().year());
        let seq = repo::next_seq(conn, &org_id, year)?;
        doc.number = format!("{year}-{seq:06}");
        let row = new_row(&org_id, &agent, &doc, year, seq)?;
        repo::create(conn, &actor, &row, "pv.drawn_up")?;
        repo::link_incidents(conn, &row.id, &doc.incident_ids)?;
        Ok(Created {
            location: format!("/api/v1/pvs/{}", row.id),
            version: row.version,
            body: view(conn, row)?,
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PvQuery {
    pub status: Option<PvStatus>,
    pub agent_id: Option<String>,
    /// Year of the number.
    #[param(minimum = 2000, maximum = 9999)]
    pub year: Option<i32>,
    pub transmission_id: Option<String>,
}

/// The scope of PVs a caller lists.
fn scope(conn: &mut DbConn, caller: &Caller) -> AppResult<PvScope> {
    Ok(match policy::pv_access(caller)? {
        PvAccess::Bailleur => PvScope::Bailleur {
            org_id: caller.org_id.clone(),
            agent_id: None,
        },
        PvAccess::Agent => {
            let me = caller_principal_id(conn, caller)?;
            let file = agents::find_by_principal(conn, &me)?;
            PvScope::Bailleur {
                org_id: caller.org_id.clone(),
                // No file: an id that matches nothing, so the list is empty.
                agent_id: Some(file.map(|f| f.id).unwrap_or_default()),
            }
        }
        PvAccess::Parquet => PvScope::Parquet {
            parquet_id: caller.org_id.clone(),
        },
    })
}

/// List PVs
///
/// The bailleur's correspondent and integration see its PVs; a sworn agent their own; the parquet
/// those transmitted to it.
pub async fn list_pvs(
    app: &App,
    caller: Caller,
    q: PvQuery,
    page: PageRequest,
) -> AppResult<Listed<Pv>> {
    let limit = page.limit;
    let after = page.after.clone();
    let purpose = crate::access_journal::purpose(&caller)?;
    let reader = caller.clone();
    let (listed, read) = app
        .db(move |conn| {
            let mut f = PvFilter::new(scope(conn, &caller)?, fetch_size(limit));
            f.status = q.status.map(|s| s.as_str().to_owned());
            f.agent_id = q.agent_id;
            f.year = q.year.map(i64::from);
            f.transmission_id = q.transmission_id;
            f.after_id = after;
            let rows = repo::list(conn, &f)?;
            let read = crate::access_journal::owners_of(&rows, limit, |r| (&r.id, &r.org_id));
            Ok((views_of(rows, limit, |r| view(conn, r))?, read))
        })
        .await?;
    crate::access_journal::record(app, &reader, purpose, "pv", read).await?;
    Ok(listed)
}

/// Loads a PV the caller may see, or 404: its bailleur's correspondent and integration, its
/// author, and the parquet it was transmitted to.
pub fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> AppResult<PvRow> {
    // A caller whose role reads no PV sees none (404 on a record, 403 on lists).
    let Ok(scope) = scope(conn, caller) else {
        return Err(AppError::not_found());
    };
    let f = PvFilter {
        id: Some(id.to_owned()),
        ..PvFilter::new(scope, 1)
    };
    repo::list(conn, &f)?
        .into_iter()
        .next()
        .ok_or_else(AppError::not_found)
}

/// Read a PV
pub async fn get_pv(app: &App, caller: Caller, id: String) -> AppResult<Pv> {
    let purpose = crate::access_journal::purpose(&caller)?;
    let reader = caller.clone();
    let (pv, read) = app
        .db(move |conn| {
            let row = visible(conn, &caller, &id)?;
            let retention = crate::retention::of_pv(conn, &row)?;
            let read = vec![(row.id.clone(), row.org_id.clone())];
            let mut pv = view(conn, row)?;
            pv.retention = Some(retention);
            Ok((pv, read))
        })
        .await?;
    crate::access_journal::record(app, &reader, purpose, "pv", read).await?;
    Ok(pv)
}

/// Loads a PV the caller sees and may write (its author or the bailleur's integration).
fn writable(conn: &mut DbConn, caller: &Caller, id: &str) -> AppResult<(PvRow, PvAccess)> {
    let row = visible(conn, caller, id)?;
    let access = policy::draw_up_pvs(caller)?;
    crate::retention::refuse_if_anonymised(conn, crate::retention::RecordKind::Pv, &row.id)?;
    Ok((row, access))
}

/// Rewrite a draft PV
///
/// The whole content again, checked by the same rules as a new PV; the number stays. A signed PV is
/// immutable: 409 `pv_immutable` (draw up a correction). Its author or the integration; `If-Match`.
pub async fn update_draft(
    app: &App,
    caller: Caller,
    expected_version: Option<i64>,
    id: String,
    input: PvInput,
) -> AppResult<Pv> {
    let expected = expected_version;
    check_text(&input)?;
    check_found_at(input.found_at)?;
    let actor = caller.actor();
    app.tx(move |conn| {
        let (mut row, access) = writable(conn, &caller, &id)?;
        pv::can_edit(row.status()?).map_err(state_error)?;
        let agent = author_file(conn, &caller, access, Some(&row.agent_id))?;
        let old: PvDocument = row.content()?;
        let mut doc = draw_up(
            conn,
            &caller,
            &row.org_id,
            &agent,
            input,
            row.number.clone(),
            row.revision,
        )?;
        doc.previous = old.previous;
        doc.correction_reason = old.correction_reason;
        row.found_at = doc.found_at.naive_utc();
        row.found_on = doc.found_on;
        row.deadline = transmission_deadline(doc.found_on, LegalDelays::shipped());
        row.residence_id = doc.place.residence_id.clone();
        row.content = serde_json::to_string(&doc).map_err(|_| AppError::internal())?;
        repo::link_incidents(conn, &row.id, &doc.incident_ids)?;
        let row = repo::save(conn, &actor, row, expected, "pv.draft_updated")?;
        view(conn, row)
    })
    .await
}

/// Sign a PV
///
/// The author (or the integration in their name) signs the draft: the document is frozen with the
/// signature time and signer, and `content_hash` is the SHA-256 of its canonical JSON (keys sorted,
/// no whitespace), which anyone can recompute from `document`. The rules of drawing up are checked
/// again. 409 `pv_immutable` when already signed.
pub async fn sign_pv(
    app: &App,
    caller: Caller,
    expected_version: Option<i64>,
    id: String,
) -> AppResult<Pv> {
    let expected = expected_version;
    let actor = caller.actor();
    app.tx(move |conn| {
        let (mut row, access) = writable(conn, &caller, &id)?;
        pv::can_edit(row.status()?).map_err(state_error)?;
        let agent = author_file(conn, &caller, access, Some(&row.agent_id))?;
        let mut doc: PvDocument = row.content()?;
        // The agent's file may have changed since the draft (suspension, withdrawal...).
        let facts: Vec<_> = doc
            .qualifications
            .iter()
            .map(|q| q.offence_code.clone())
            .collect();
        let facts = offence_facts(conn, &facts, "offence_codes")?;
        check_drawing(
            &decode_file(&agent)?,
            &Drawing {
                found_on: doc.found_on,
                residence_id: &doc.place.residence_id,
                personally_observed: doc.personally_observed,
                offences: &facts,
            },
        )
        .map_err(rule_error)?;
        let at = vigie_store::now();
        doc.signed_at = Some(at.and_utc());
        doc.signed_by = Some(caller.sub.clone());
        let document = serde_json::to_value(&doc).map_err(|_| AppError::internal())?;
        row.content_hash = Some(pv::content_hash(&document));
        row.document = Some(document.to_string());
        row.signed_at = Some(at);
        row.signed_by = Some(caller.sub.clone());
        row.status = PvStatus::Signed.as_str().to_owned();
        let row = repo::save(conn, &actor, row, expected, "pv.signed")?;
        view(conn, row)
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Erreur sur l'entrée : B2 et non B1.", "pv": {
  "found_at": "2026-11-27T10:15:00.000000Z", "residence_id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b", "entrance": "B2",
  "facts": "Constaté personnellement le dépôt de trois sacs d'ordures devant l'entrée B2.", "personally_observed": true, "offence_codes": ["CP-R634-2"]}}))]
pub struct Correction {
    /// Why the signed revision is corrected.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// The corrected content, whole.
    #[validate(nested)]
    pub pv: PvInput,
}

/// Correct a signed PV
///
/// A signed PV never changes: its correction is a new draft revision with the same number, which
/// references the previous revision and its hash; the previous one is marked `superseded_by`. Only
/// the latest signed or transmitted revision can be corrected (409 `pv_not_signed`,
/// `pv_superseded`). The content is checked by the rules of drawing up.
pub async fn correct_pv(app: &App, caller: Caller, id: String, body: Correction) -> AppResult<Pv> {
    check_text(&body.pv)?;
    check_found_at(body.pv.found_at)?;
    let actor = caller.actor();
    app.tx(move |conn| {
        let (mut old, access) = writable(conn, &caller, &id)?;
        let status = old.status()?;
        pv::can_correct(status, old.superseded_by.is_some()).map_err(state_error)?;
        let agent = author_file(conn, &caller, access, Some(&old.agent_id))?;
        let mut doc = draw_up(
            conn,
            &caller,
            &old.org_id,
            &agent,
            body.pv,
            old.number.clone(),
            old.revision + 1,
        )?;
        doc.previous = Some(PreviousRevision {
            id: old.id.clone(),
            revision: old.revision,
            content_hash: old.content_hash.clone().ok_or_else(AppError::internal)?,
        });
        doc.correction_reason = Some(body.reason);
        let row = new_row(&old.org_id, &agent, &doc, old.year, old.seq)?;
        repo::create(conn, &actor, &row, "pv.corrected")?;
        repo::link_incidents(conn, &row.id, &doc.incident_ids)?;
        old.superseded_by = Some(row.id.clone());
        repo::save(conn, &actor, old, None, "pv.superseded")?;
        view(conn, row)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadlineQuery {
    /// The day seen as today (default: today in the Hauts-de-Seine).
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DueView {
    pub on: NaiveDate,
    /// Last day today: transmit now.
    pub due_today: Vec<Pv>,
    pub due_tomorrow: Vec<Pv>,
    /// Past the deadline and not transmitted: void if sent now.
    pub overdue: Vec<Pv>,
}

/// PVs due
///
/// The bailleur's PVs not yet transmitted (drafts and signed, latest revisions), by deadline:
/// today, tomorrow, overdue. A sworn agent sees their own. At most 500 per list.
pub async fn deadlines(app: &App, caller: Caller, q: DeadlineQuery) -> AppResult<DueView> {
    let on = q.on.unwrap_or_else(today);
    app.db(move |conn| {
        let scope = scope(conn, &caller)?;
        if matches!(scope, PvScope::Parquet { .. }) {
            return Err(AppError::forbidden(
                "the parquet follows what it received: GET /pv-transmissions",
            ));
        }
        let mut f = PvFilter::new(scope, 1500);
        f.due_by = Some(on + Days::new(1));
        let mut due = DueView {
            on,
            due_today: vec![],
            due_tomorrow: vec![],
            overdue: vec![],
        };
        for r in repo::list(conn, &f)? {
            let list = match r.deadline {
                d if d < on => &mut due.overdue,
                d if d == on => &mut due.due_today,
                _ => &mut due.due_tomorrow,
            };
            if list.len() < 500 {
                list.push(view(conn, r)?);
            }
        }
        Ok(due)
    })
    .await
}

/// Whether the caller belongs to a parquet (for the transmissions module).
pub fn is_parquet(caller: &Caller) -> bool {
    caller.org_kind == OrgKind::Parquet
}
