//! Incidents: intake from bailleurs' ERPs, front-ends and bulk imports, qualification, routing to
//! the convention's contacts, lifecycle. Every entry point (HTTP, bulk import) reaches the rules
//! through this module: content checks, the fingerprint, routing, prescription, visibility,
//! permission, audit and feed event are each written once here.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;
use vigie_domain::incident::{
    self, ActionKind, Category, Evidence, NewIncident, PersonInvolved, Status, Transition,
    TransitionError, Victim, Witness, apply_transition,
};
use vigie_domain::offence::{Nature, NatureKind};
use vigie_domain::pv::local_day;
use vigie_domain::qualification::{self, VictimFacts};
use vigie_store::audit::{self, Actor, Change};
use vigie_store::events::{self, NewEvent};
use vigie_store::incidents::{self as repo, IncidentFilter, IncidentRow, QualificationRow, Scope};
use vigie_store::offences::OffenceRow;
use vigie_store::reference::MappingRow;
use vigie_store::residences::ResidenceRow;
use vigie_store::{DbConn, StoreError, offences, organisations, reference, residences};

use crate::caller::Caller;
use crate::context::App;
use crate::directory::{ContactView, RoutingCache};
use crate::error::{AppError, AppResult, FieldError};
use crate::idempotency;
use crate::page::{Listed, PageRequest, views_of};
use crate::policy;

/// A victim as shown: with the CMSP status the convention recognises systematically.
#[derive(Debug, Serialize, ToSchema)]
pub struct VictimView {
    #[serde(flatten)]
    pub victim: Victim,
    /// Staff acting in their functions are persons charged with a public-service mission.
    pub cmsp_recognised: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QualificationView {
    pub offence_code: String,
    pub label: String,
    pub legal_reference: String,
    pub nature: NatureKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contravention_class: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub natinf: Option<i32>,
    pub aggravating: Vec<String>,
    /// Outrage to a CMSP opens the accelerated track before a délégué du procureur.
    pub tadpr_eligible: bool,
    /// Whether an avertissement pénal probatoire may answer it (never for violences).
    pub app_eligible: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Prescription {
    /// Last day on which the public action is not prescribed.
    pub date: NaiveDate,
    pub years: u32,
    /// The most serious qualification, which sets the delay.
    pub basis_offence_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Routing {
    pub insee_code: String,
    pub commune: String,
    /// The competent circonscription on the date of the facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circonscription_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circonscription_name: Option<String>,
    /// Whether the bailleur shared the incident with the police circonscription.
    pub shared_with_police: bool,
    /// The designated contacts in force today.
    pub contacts: Vec<ContactView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
  "id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0f", "residence_id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b", "building": "B", "entrance": "B1",
  "common_part": "hall", "occurred_at": "2026-11-27T21:40:00.000000Z", "reported_at": "2026-11-28T08:05:00.000000Z", "category": "outrage_to_staff",
  "narrative": "Le gardien a été insulté dans le hall alors qu'il fermait le local poubelles.",
  "victims": [{"kind": "staff", "staff_id": "01936f5e-e5f6-7071-8b83-9d0e1f2a3b4c", "acting_in_functions": true, "cmsp_recognised": true}],
  "persons": [{"kind": "described", "description": "homme, 20-25 ans, veste noire"}], "witnesses": [], "evidence": [],
  "external_ref": "ERP-2026-000481", "status": "qualified",
  "qualifications": [{"offence_code": "CP-433-5-AL1", "label": "Outrage à une personne chargée d'une mission de service public",
     "legal_reference": "433-5 al.1 CP", "nature": "delit", "aggravating": [], "tadpr_eligible": true, "app_eligible": true}],
  "prescription": {"date": "2032-11-27", "years": 6, "basis_offence_code": "CP-433-5-AL1"},
  "routing": {"insee_code": "92050", "commune": "Nanterre", "circonscription_code": "CSP-92050", "circonscription_name": "CSP Nanterre",
     "shared_with_police": true, "contacts": []},
  "restricted": false, "version": 3, "created_at": "2026-11-28T08:05:00.000000Z", "updated_at": "2026-11-28T09:12:00.000000Z"
}))]
pub struct Incident {
    pub id: String,
    pub residence_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrance: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_part: Option<String>,
    #[serde(with = "vigie_domain::timestamp")]
    pub occurred_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(with = "vigie_domain::timestamp")]
    pub reported_at: DateTime<Utc>,
    pub category: Category,
    pub narrative: String,
    pub victims: Vec<VictimView>,
    pub persons: Vec<PersonInvolved>,
    pub witnesses: Vec<Witness>,
    pub evidence: Vec<Evidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    pub status: Status,
    /// How a actioned incident is followed up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<ActionKind>,
    pub qualifications: Vec<QualificationView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prescription: Option<Prescription>,
    pub routing: Routing,
    /// A radicalisation signal: visible only to the bailleur's correspondent and, once shared, the
    /// police correspondent of its circonscription; no one else (not the parquet).
    pub restricted: bool,
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

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
  "residence_id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b", "building": "B", "entrance": "B1", "common_part": "hall",
  "occurred_at": "2026-11-27T21:40:00.000000Z", "category": "outrage_to_staff",
  "narrative": "Le gardien a été insulté dans le hall alors qu'il fermait le local poubelles.",
  "victims": [{"kind": "staff", "staff_id": "01936f5e-e5f6-7071-8b83-9d0e1f2a3b4c", "acting_in_functions": true}],
  "persons": [{"kind": "described", "description": "homme, 20-25 ans, veste noire"}],
  "external_ref": "ERP-2026-000481", "share_with_police": true
}))]
pub struct CreateIncident {
    #[schema(max_length = 64)]
    pub residence_id: String,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub building: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub entrance: Option<String>,
    /// Hall, stairwell, car park, roof, cellar...
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub common_part: Option<String>,
    #[serde(with = "vigie_domain::timestamp")]
    pub occurred_at: DateTime<Utc>,
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub ended_at: Option<DateTime<Utc>>,
    /// When the bailleur learnt of it (default: now).
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub reported_at: Option<DateTime<Utc>>,
    pub category: Category,
    #[schema(min_length = 1, max_length = 10000)]
    pub narrative: String,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub victims: Vec<Victim>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub persons: Vec<PersonInvolved>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub witnesses: Vec<Witness>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub evidence: Vec<Evidence>,
    /// The bailleur's own reference, unique per bailleur: posting it again replays the first answer.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_ref: Option<String>,
    /// Share with the police circonscription at once (default false).
    #[serde(default)]
    pub share_with_police: bool,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"narrative": "Le gardien a été insulté et menacé dans le hall B1.", "category": "threats"}))]
pub struct UpdateIncident {
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub building: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub entrance: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub common_part: Option<String>,
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub occurred_at: Option<DateTime<Utc>>,
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub ended_at: Option<DateTime<Utc>>,
    pub category: Option<Category>,
    #[schema(min_length = 1, max_length = 10000)]
    pub narrative: Option<String>,
    pub victims: Option<Vec<Victim>>,
    pub persons: Option<Vec<PersonInvolved>>,
    pub witnesses: Option<Vec<Witness>>,
    pub evidence: Option<Vec<Evidence>>,
    /// Share with the police circonscription (a share cannot be withdrawn).
    pub share_with_police: Option<bool>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationInput {
    #[schema(max_length = 32, example = "CP-433-5-AL1")]
    pub offence_code: String,
    /// Aggravating circumstances, e.g. `en réunion`.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200, max_items = 10)]
    pub aggravating: Vec<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"qualifications": [{"offence_code": "CP-433-5-AL1", "aggravating": ["en réunion"]}]}))]
pub struct SetQualifications {
    #[schema(max_items = 20)]
    pub qualifications: Vec<QualificationInput>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"proposals": [{"offence_code": "CP-433-5-AL1", "label": "Outrage à une personne chargée d'une mission de service public",
    "legal_reference": "433-5 al.1 CP", "reason": "outrage to staff acting in functions", "tadpr_eligible": true, "app_eligible": true}],
    "cmsp_recognised": true}))]
pub struct ProposalAnswer {
    pub proposals: Vec<ProposalView>,
    /// Whether a victim is recognised as a person charged with a public-service mission.
    pub cmsp_recognised: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub offence_code: String,
    pub label: String,
    pub legal_reference: String,
    pub reason: String,
    pub tadpr_eligible: bool,
    pub app_eligible: bool,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"transition": "action", "action": "complaint"}))]
pub struct TransitionRequest {
    pub transition: Transition,
    /// With `action`: how the incident is followed up.
    pub action: Option<ActionKind>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    pub residence_id: Option<String>,
    /// INSEE code of the commune.
    pub commune: Option<String>,
    pub circonscription: Option<String>,
    pub category: Option<Category>,
    pub status: Option<Status>,
    /// Offence code of an attached qualification, e.g. `CP-433-5-AL1`.
    pub qualification: Option<String>,
    /// Facts on or after this instant.
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub occurred_from: Option<DateTime<Utc>>,
    /// Facts before this instant.
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub occurred_to: Option<DateTime<Utc>>,
    /// Changed on or after this instant (for ERPs catching up).
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub updated_since: Option<DateTime<Utc>>,
}

impl CreateIncident {
    /// The content the incident is created with (what its fingerprint covers).
    pub fn content(&self) -> NewIncident {
        NewIncident {
            residence_id: self.residence_id.clone(),
            building: self.building.clone(),
            entrance: self.entrance.clone(),
            common_part: self.common_part.clone(),
            occurred_at: self.occurred_at,
            ended_at: self.ended_at,
            reported_at: self.reported_at,
            category: self.category,
            narrative: self.narrative.clone(),
            victims: self.victims.clone(),
            persons: self.persons.clone(),
            witnesses: self.witnesses.clone(),
            evidence: self.evidence.clone(),
            external_ref: self.external_ref.clone(),
            share_with_police: self.share_with_police,
            offence_codes: vec![],
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Visibility and permission: the caller's scope, applied in SQL by the store.

/// The police organisation's circonscription, needed to scope what the police see.
fn police_circonscription(conn: &mut DbConn, caller: &Caller) -> AppResult<Option<String>> {
    if caller.org_kind != vigie_domain::OrgKind::PoliceCirconscription {
        return Ok(None);
    }
    Ok(organisations::find(conn, &caller.org_id)?.and_then(|o| o.circonscription_code))
}

/// The incidents a caller sees, as a scope the store applies (`None`: none at all).
pub(crate) fn scope_of(conn: &mut DbConn, caller: &Caller) -> AppResult<Option<Scope>> {
    let circ = police_circonscription(conn, caller)?;
    Ok(policy::incident_scope(caller, circ.as_deref()))
}

/// Loads an incident the caller may see, or 404: the one visibility check of every path that
/// names an incident (reading it, changing it, drafting a complaint or a PV from it).
pub(crate) fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> AppResult<IncidentRow> {
    let Some(scope) = scope_of(conn, caller)? else {
        return Err(AppError::not_found());
    };
    repo::find_visible(conn, scope, id)?.ok_or_else(AppError::not_found)
}

/// An incident another record names (a complaint drafted from it, a PV that follows it up): one the
/// caller may see, else the same field error as for an incident that does not exist.
pub(crate) fn linkable(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    field: &str,
) -> AppResult<IncidentRow> {
    visible(conn, caller, id).map_err(|e| match e.kind {
        crate::error::ErrorKind::NotFound => AppError::invalid_field(
            field,
            "unknown_incident",
            "no such incident in your organisation",
        ),
        _ => e,
    })
}

// ---------------------------------------------------------------------------------------------
// The rules of a new or changed incident, shared by every entry point.

fn content_errors(errors: Vec<incident::ContentError>) -> AppResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(AppError::invalid(
        errors
            .into_iter()
            .map(|e| FieldError::new(e.field, e.code, e.message))
            .collect(),
    ))
}

/// Staff named as victims or witnesses must be the bailleur's own.
fn check_staff(
    conn: &mut DbConn,
    org_id: &str,
    victims: &[Victim],
    witnesses: &[Witness],
) -> AppResult<()> {
    let mut ids: Vec<String> = victims
        .iter()
        .filter_map(|v| match v {
            Victim::Staff { staff_id, .. } => Some(staff_id.clone()),
            Victim::Bailleur => None,
        })
        .chain(witnesses.iter().filter_map(|w| w.staff_id.clone()))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    ids.sort();
    ids.dedup();
    let found = residences::staff_among(conn, org_id, &ids)?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|s| &s.id == *id)) {
        return Err(AppError::invalid_field(
            "victims",
            "unknown_staff",
            format!("no staff member {missing} in your organisation"),
        ));
    }
    Ok(())
}

/// An offence's nature as the catalogue stores it.
pub(crate) fn nature_of(o: &OffenceRow) -> AppResult<Nature> {
    let kind = o.nature_kind()?;
    Nature::new(
        kind,
        o.contravention_class.and_then(|c| u8::try_from(c).ok()),
    )
    .map_err(|e| AppError::internal_because(format!("offence {}: {e}", o.code)))
}

/// What creating and changing incidents reads from the reference data, loaded once per request or
/// per import job: each commune's dated mappings and the offences met.
#[derive(Default)]
pub(crate) struct Reference {
    mappings: HashMap<String, Vec<MappingRow>>,
    offences: HashMap<String, Option<OffenceRow>>,
}

impl Reference {
    /// The competent circonscription: the commune's mapping on the local day of the facts.
    fn circonscription(
        &mut self,
        conn: &mut DbConn,
        insee: &str,
        at: DateTime<Utc>,
    ) -> AppResult<Option<String>> {
        if !self.mappings.contains_key(insee) {
            let history = reference::mapping_history(conn, insee)?;
            self.mappings.insert(insee.to_owned(), history);
        }
        let day = local_day(at);
        Ok(self.mappings[insee]
            .iter()
            .filter(|m| m.valid_from <= day && m.valid_to.is_none_or(|t| t > day))
            .max_by_key(|m| m.valid_from)
            .map(|m| m.circonscription_code.clone()))
    }

    pub(crate) fn offence(
        &mut self,
        conn: &mut DbConn,
        code: &str,
    ) -> AppResult<Option<OffenceRow>> {
        if let Some(o) = self.offences.get(code) {
            return Ok(o.clone());
        }
        let o = offences::find_by_code(conn, code)?;
        self.offences.insert(code.to_owned(), o.clone());
        Ok(o)
    }

    /// Loads the whole catalogue at once (bulk imports meet many offences).
    pub(crate) fn preload_offences(&mut self, conn: &mut DbConn) -> AppResult<()> {
        let all = offences::search(
            conn,
            &offences::OffenceFilter {
                limit: 100_000,
                ..Default::default()
            },
        )?;
        for o in all {
            self.offences.insert(o.code.clone(), Some(o));
        }
        Ok(())
    }
}

/// The qualifications an incident's offence codes make, checked against the catalogue (at most 20,
/// each once, each known), and the prescription they set for facts at `occurred_at`.
/// Qualifications from the catalogue, each an offence that existed on `facts_on` (the local day of
/// the facts in France): the law in force then is the one that applies.
fn qualify(
    conn: &mut DbConn,
    reference: &mut Reference,
    incident_id: &str,
    codes: &[(String, Vec<String>)],
    field: &str,
    facts_on: NaiveDate,
) -> AppResult<Vec<QualificationRow>> {
    if codes.len() > 20 {
        return Err(AppError::invalid_field(field, "too_many", "at most 20"));
    }
    let mut rows: Vec<QualificationRow> = vec![];
    for (i, (code, aggravating)) in codes.iter().enumerate() {
        let o = reference.offence(conn, code)?.ok_or_else(|| {
            AppError::invalid_field(
                &format!("{field}[{i}].offence_code"),
                "unknown_offence",
                format!("`{code}` is not in the offence catalogue"),
            )
        })?;
        if !o.in_force_on(facts_on) {
            return Err(AppError::invalid_field(
                &format!("{field}[{i}].offence_code"),
                "not_in_force",
                format!(
                    "`{code}` came into force on {}, after the facts ({facts_on})",
                    o.in_force_from.map(|d| d.to_string()).unwrap_or_default()
                ),
            ));
        }
        if aggravating.len() > 10
            || aggravating
                .iter()
                .any(|a| a.is_empty() || a.chars().count() > 200)
        {
            return Err(AppError::invalid_field(
                &format!("{field}[{i}].aggravating"),
                "invalid",
                "at most 10, 1 to 200 characters each",
            ));
        }
        if rows.iter().any(|r| r.offence_code == o.code) {
            return Err(AppError::invalid_field(
                &format!("{field}[{i}].offence_code"),
                "duplicate",
                "listed twice",
            ));
        }
        rows.push(QualificationRow {
            incident_id: incident_id.to_owned(),
            offence_code: o.code,
            aggravating: serde_json::to_string(aggravating)?,
            added_at: vigie_store::now(),
        });
    }
    Ok(rows)
}

/// Recomputes what follows from an incident's facts whenever they change, on every path: whether
/// it is restricted (its category), where it is routed (its commune on the local day of the
/// facts) and when the public action is prescribed (its qualifications).
fn derive(
    conn: &mut DbConn,
    reference: &mut Reference,
    row: &mut IncidentRow,
    quals: &[QualificationRow],
) -> AppResult<()> {
    row.restricted = row.category()?.is_restricted();
    let at = row.occurred_at.and_utc();
    row.circonscription_code = reference.circonscription(conn, &row.insee_code, at)?;
    let mut natures = vec![];
    for q in quals {
        let o = reference
            .offence(conn, &q.offence_code)?
            .ok_or_else(|| AppError::internal_because(format!("offence {}", q.offence_code)))?;
        natures.push((nature_of(&o)?, q.offence_code.clone()));
    }
    row.prescription_date =
        incident::prescription(at, natures.iter().map(|(n, c)| (*n, c.as_str()))).map(|p| p.date);
    Ok(())
}

/// A new incident from its content, checked and derived: what `POST /incidents` and a bulk import
/// row both make. Nothing is written.
pub(crate) fn prepare_new(
    conn: &mut DbConn,
    reference: &mut Reference,
    caller: &Caller,
    content: &NewIncident,
    residence: &ResidenceRow,
) -> AppResult<(IncidentRow, Vec<QualificationRow>)> {
    policy::bailleur_member(caller)?;
    let mut row = IncidentRow::blank(&caller.org_id, &residence.id);
    let quals = check_content_of(conn, reference, caller, &row.id, content)?;
    fill(&mut row, content)?;
    row.reported_at = content.reported_at.unwrap_or_else(Utc::now).naive_utc();
    row.external_ref = content.external_ref.clone();
    row.insee_code = residence.insee_code.clone();
    row.shared_with_police = content.share_with_police;
    derive(conn, reference, &mut row, &quals)?;
    Ok((row, quals))
}

/// The rules a new content follows, for a new incident or one rewritten by import: its own rules,
/// staff of the bailleur, and qualifications from the catalogue (returned, for incident `id`).
fn check_content_of(
    conn: &mut DbConn,
    reference: &mut Reference,
    caller: &Caller,
    id: &str,
    content: &NewIncident,
) -> AppResult<Vec<QualificationRow>> {
    content_errors(incident::check_new(content, Utc::now()))?;
    check_staff(conn, &caller.org_id, &content.victims, &content.witnesses)?;
    let codes: Vec<(String, Vec<String>)> = content
        .offence_codes
        .iter()
        .map(|c| (c.clone(), vec![]))
        .collect();
    qualify(
        conn,
        reference,
        id,
        &codes,
        "offence_codes",
        local_day(content.occurred_at),
    )
}

/// The facts of `content` on `row`, with the fingerprint of the content they came with.
fn fill(row: &mut IncidentRow, content: &NewIncident) -> AppResult<()> {
    row.building = content.building.clone();
    row.entrance = content.entrance.clone();
    row.common_part = content.common_part.clone();
    row.occurred_at = content.occurred_at.naive_utc();
    row.ended_at = content.ended_at.map(|t| t.naive_utc());
    row.category = content.category.as_str().to_owned();
    row.narrative = content.narrative.clone();
    row.victims = serde_json::to_string(&content.victims)?;
    row.persons = serde_json::to_string(&content.persons)?;
    row.witnesses = serde_json::to_string(&content.witnesses)?;
    row.evidence = serde_json::to_string(&content.evidence)?;
    row.request_hash = Some(content.fingerprint());
    Ok(())
}

/// An existing incident rewritten with new content (a bulk import row met again with other
/// content): the caller must see it and handle it, as for `PATCH /incidents/{id}`.
pub(crate) fn prepare_rewrite(
    conn: &mut DbConn,
    reference: &mut Reference,
    caller: &Caller,
    mut row: IncidentRow,
    content: &NewIncident,
    residence: &ResidenceRow,
) -> AppResult<(IncidentRow, Vec<QualificationRow>)> {
    policy::handle_incident(caller, &row)?;
    let quals = check_content_of(conn, reference, caller, &row.id, content)?;
    if row.residence_id != residence.id {
        row.residence_id = residence.id.clone();
        row.insee_code = residence.insee_code.clone();
    }
    fill(&mut row, content)?;
    derive(conn, reference, &mut row, &quals)?;
    Ok((row, quals))
}

/// An incident's feed event: readable by its bailleur and, once shared, by the police of its
/// circonscription.
pub(crate) fn feed_event<'a>(row: &'a IncidentRow, event_type: &'a str) -> NewEvent<'a> {
    NewEvent {
        event_type,
        resource_type: "incident",
        resource_id: &row.id,
        org_id: &row.org_id,
        circonscription_code: row
            .circonscription_code
            .as_deref()
            .filter(|_| row.shared_with_police),
        parquet_id: None,
        restricted: row.restricted,
        for_prefecture: false,
        data: serde_json::json!({"status": row.status, "version": row.version}),
    }
}

/// Writes new incidents of one bailleur with their qualifications, one audit record and one feed
/// event each: the write of `POST /incidents` (one) and of a bulk import (a chunk).
pub(crate) fn write_new(
    conn: &mut DbConn,
    actor: &Actor,
    rows: &[IncidentRow],
    quals: &[QualificationRow],
) -> AppResult<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let conflict = |e: StoreError| match e {
        StoreError::Conflict(_) => AppError::conflict(
            "external_ref_conflict",
            "an incident with this external_ref exists with different content: PATCH it instead",
        ),
        other => other.into(),
    };
    if rows.len() > 100 {
        repo::copy_in(conn, rows).map_err(conflict)?;
    } else {
        repo::insert_many_unaudited(conn, rows).map_err(conflict)?;
    }
    repo::insert_qualifications_many(conn, quals)?;
    audit::record_many(
        conn,
        actor,
        rows.iter().map(|r| Change {
            action: "incident.created",
            resource_type: "incident",
            resource_id: &r.id,
            org_id: Some(&first.org_id),
            state: r,
        }),
    )?;
    events::record_many(
        conn,
        rows.iter()
            .map(|r| feed_event(r, "incident.created"))
            .collect(),
    )?;
    Ok(())
}

/// Writes changed incidents (version bumped), one audit record (`action`) and one feed event each:
/// the write of every change use case and of a bulk import's updates.
pub(crate) fn write_changed(
    conn: &mut DbConn,
    actor: &Actor,
    rows: Vec<IncidentRow>,
    action: &str,
) -> AppResult<Vec<IncidentRow>> {
    let mut saved = Vec::with_capacity(rows.len());
    for r in rows {
        saved.push(repo::save_unaudited(conn, r)?);
    }
    let Some(first) = saved.first() else {
        return Ok(saved);
    };
    let org_id = first.org_id.clone();
    audit::record_many(
        conn,
        actor,
        saved.iter().map(|r| Change {
            action,
            resource_type: "incident",
            resource_id: &r.id,
            org_id: Some(&org_id),
            state: r,
        }),
    )?;
    let event = match action {
        "incident.updated" | "incident.qualified" => action,
        _ => "incident.status_changed",
    };
    events::record_many(conn, saved.iter().map(|r| feed_event(r, event)).collect())?;
    Ok(saved)
}

// ---------------------------------------------------------------------------------------------
// Views.

/// Caches what several incidents of a page share: offences, communes, circonscriptions, contacts.
struct Lookup {
    reference: Reference,
    routing: Arc<RoutingCache>,
}

impl Lookup {
    fn new(routing: Arc<RoutingCache>) -> Self {
        Self {
            reference: Reference::default(),
            routing,
        }
    }

    fn view(
        &mut self,
        conn: &mut DbConn,
        row: IncidentRow,
        quals: Vec<QualificationRow>,
    ) -> AppResult<Incident> {
        let victims = row.victims()?;
        let mut qualifications = vec![];
        let mut natures = vec![];
        for q in quals {
            let o = self
                .reference
                .offence(conn, &q.offence_code)?
                .ok_or_else(|| {
                    AppError::internal_because(format!("qualification {}", q.offence_code))
                })?;
            let nature = nature_of(&o)?;
            natures.push((nature, o.code.clone()));
            let wording = o.wording_on(local_day(row.occurred_at.and_utc()))?;
            qualifications.push(QualificationView {
                offence_code: o.code.clone(),
                label: wording.label,
                legal_reference: wording.defining_articles,
                nature: nature.kind(),
                contravention_class: o.contravention_class,
                natinf: o.natinf,
                aggravating: q.aggravating()?,
                tadpr_eligible: o.tadpr_eligible,
                app_eligible: !o.app_excluded,
            });
        }
        // The stored date is the one every path wrote; the term says which offence sets it.
        let prescription = incident::prescription(
            row.occurred_at.and_utc(),
            natures.iter().map(|(n, c)| (*n, c.as_str())),
        )
        .map(|term| Prescription {
            date: row.prescription_date.unwrap_or(term.date),
            years: term.years,
            basis_offence_code: term.basis_offence_code,
        });
        let contacts = self.routing.contacts(
            conn,
            &row.org_id,
            row.circonscription_code.as_deref(),
            Utc::now().date_naive(),
        )?;
        let insee = row.insee_code.clone();
        let commune = self.routing.name(format!("commune:{insee}"), || {
            Ok(reference::find_commune(conn, &insee)?.map(|c| c.name))
        })?;
        let circonscription_name = match row.circonscription_code.as_deref() {
            None => None,
            Some(code) => Some(self.routing.name(format!("circonscription:{code}"), || {
                Ok(reference::find_circonscription(conn, code)?.map(|c| c.name))
            })?),
        };
        Ok(Incident {
            victims: victims
                .into_iter()
                .map(|v| {
                    let cmsp = matches!(
                        v,
                        Victim::Staff {
                            acting_in_functions: true,
                            ..
                        }
                    );
                    VictimView {
                        victim: v,
                        cmsp_recognised: cmsp,
                    }
                })
                .collect(),
            persons: row.persons()?,
            witnesses: row.witnesses()?,
            evidence: row.evidence()?,
            category: row.category()?,
            status: row.status()?,
            action: row.action()?,
            prescription,
            routing: Routing {
                commune,
                circonscription_name,
                circonscription_code: row.circonscription_code.clone(),
                insee_code: row.insee_code.clone(),
                shared_with_police: row.shared_with_police,
                contacts,
            },
            qualifications,
            id: row.id,
            residence_id: row.residence_id,
            building: row.building,
            entrance: row.entrance,
            common_part: row.common_part,
            occurred_at: row.occurred_at.and_utc(),
            ended_at: row.ended_at.map(|t| t.and_utc()),
            reported_at: row.reported_at.and_utc(),
            narrative: row.narrative,
            external_ref: row.external_ref,
            restricted: row.restricted,
            retention: None,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

fn view_one(conn: &mut DbConn, cache: &Arc<RoutingCache>, row: IncidentRow) -> AppResult<Incident> {
    let quals = repo::qualifications(conn, &row.id)?;
    Lookup::new(cache.clone()).view(conn, row, quals)
}

// ---------------------------------------------------------------------------------------------
// Use cases.

/// Reports an incident (a bailleur's people or ERP). Idempotent by `Idempotency-Key` (per
/// principal) and by `external_ref` (per bailleur): the same content again replays the first
/// answer, to a caller who may read it; other content, or an incident the caller may not read, is
/// a 409 that never shows it. Answers the incident and whether it is a replay.
pub async fn create(
    app: &App,
    caller: Caller,
    idempotency_key: Option<String>,
    body: CreateIncident,
) -> AppResult<(Incident, bool)> {
    policy::bailleur_member(&caller)?;
    let content = body.content();
    content_errors(incident::check_new(&content, Utc::now()))?;
    let fingerprint = content.fingerprint();
    let cache = app.routing.clone();
    app.tx(move |conn| {
        let principal = caller.sub.as_str();
        let key = idempotency_key.as_deref();
        if let Some(answer) = idempotency::replayed_answer(conn, principal, key, &fingerprint)? {
            let id: String = serde_json::from_str(&answer)?;
            let row = repo::get(conn, &id)?
                .ok_or_else(|| AppError::internal_because(format!("replayed incident {id}")))?;
            return Ok((view_one(conn, &cache, row)?, true));
        }
        if let Some(r) = &content.external_ref
            && let Some(existing) = repo::find_by_external_ref(conn, &caller.org_id, r)?
        {
            let scope = scope_of(conn, &caller)?;
            let sees = scope.is_some_and(|s| s.sees_own(&existing.org_id, existing.restricted));
            if sees && existing.request_hash.as_deref() == Some(fingerprint.as_str()) {
                idempotency::remember(conn, principal, key, &fingerprint, &serde_json::to_string(&existing.id)?)?;
                return Ok((view_one(conn, &cache, existing)?, true));
            }
            return Err(AppError::conflict(
                "external_ref_conflict",
                "an incident with this external_ref exists with different content: PATCH it instead",
            ));
        }
        let residence = residences::find_in_org(conn, &caller.org_id, &content.residence_id)?
            .ok_or_else(|| {
                AppError::invalid_field(
                    "residence_id",
                    "unknown_residence",
                    "no such residence in your organisation",
                )
            })?;
        let mut reference = Reference::default();
        let (row, quals) = prepare_new(conn, &mut reference, &caller, &content, &residence)?;
        // The answer is built before the write: the audit record takes the organisation's chain
        // lock, held until commit, so nothing else should come after it.
        let view = Lookup::new(cache.clone()).view(conn, row.clone(), quals.clone())?;
        idempotency::remember(conn, principal, key, &fingerprint, &serde_json::to_string(&row.id)?)?;
        write_new(conn, &caller.actor(), std::slice::from_ref(&row), &quals)?;
        Ok((view, false))
    })
    .await
}

/// The incidents the caller may see (its bailleur's; for the police, those routed and shared with
/// their circonscription; for the parquet, those brought before it), filtered, in creation order.
pub async fn list(
    app: &App,
    caller: Caller,
    q: IncidentQuery,
    page: PageRequest,
) -> AppResult<Listed<Incident>> {
    let purpose = crate::access_journal::purpose(&caller)?;
    let reader = caller.clone();
    let cache = app.routing.clone();
    let (listed, read) = app
        .db(move |conn| {
            let Some(scope) = scope_of(conn, &caller)? else {
                return Err(AppError::forbidden("this role sees no incident records"));
            };
            let f = IncidentFilter {
                residence_id: q.residence_id,
                insee_code: q.commune,
                circonscription_code: q.circonscription,
                category: q.category.map(|c| c.as_str().to_owned()),
                status: q.status.map(|s| s.as_str().to_owned()),
                offence_code: q.qualification,
                occurred_from: q.occurred_from.map(|t| t.naive_utc()),
                occurred_to: q.occurred_to.map(|t| t.naive_utc()),
                updated_since: q.updated_since.map(|t| t.naive_utc()),
                after_id: page.after.clone(),
                limit: page.fetch(),
                ..IncidentFilter::scoped(scope)
            };
            let rows = repo::list(conn, &f)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let mut quals: HashMap<String, Vec<QualificationRow>> = HashMap::new();
            for qr in repo::qualifications_of(conn, &ids)? {
                quals.entry(qr.incident_id.clone()).or_default().push(qr);
            }
            let mut lookup = Lookup::new(cache.clone());
            let read = crate::access_journal::owners_of(&rows, page.limit, |r| (&r.id, &r.org_id));
            let listed = views_of(rows, page.limit, |r| {
                let qs = quals.remove(&r.id).unwrap_or_default();
                lookup.view(conn, r, qs)
            })?;
            Ok((listed, read))
        })
        .await?;
    crate::access_journal::record(app, &reader, purpose, "incident", read).await?;
    Ok(listed)
}

/// One incident the caller may see.
pub async fn get(app: &App, caller: Caller, id: String) -> AppResult<Incident> {
    let purpose = crate::access_journal::purpose(&caller)?;
    let reader = caller.clone();
    let cache = app.routing.clone();
    let (incident, read) = app
        .db(move |conn| {
            let row = visible(conn, &caller, &id)?;
            let retention = crate::retention::of_incident(conn, &row)?;
            let read = vec![(row.id.clone(), row.org_id.clone())];
            let mut incident = view_one(conn, &cache, row)?;
            incident.retention = Some(retention);
            Ok((incident, read))
        })
        .await?;
    crate::access_journal::record(app, &reader, purpose, "incident", read).await?;
    Ok(incident)
}

/// The common path of every change to an incident: load it if the caller sees it, check the caller
/// handles it, let `change` modify it (returning the audit action and, when they change, the new
/// qualifications), derive what follows from the facts, write it under `If-Match`.
async fn change<F>(
    app: &App,
    caller: Caller,
    id: String,
    expected_version: Option<i64>,
    change: F,
) -> AppResult<Incident>
where
    F: FnOnce(
            &mut DbConn,
            &mut Reference,
            &mut IncidentRow,
        ) -> AppResult<(String, Option<Vec<QualificationRow>>)>
        + Send
        + 'static,
{
    let cache = app.routing.clone();
    app.tx(move |conn| {
        let mut row = visible(conn, &caller, &id)?;
        policy::handle_incident(&caller, &row)?;
        crate::retention::refuse_if_anonymised(
            conn,
            crate::retention::RecordKind::Incident,
            &row.id,
        )?;
        vigie_store::error::check_version(expected_version, row.version)?;
        let mut reference = Reference::default();
        let (action, new_quals) = change(conn, &mut reference, &mut row)?;
        let quals = match new_quals {
            Some(q) => {
                repo::set_qualifications(conn, &row.id, &q)?;
                q
            }
            None => repo::qualifications(conn, &row.id)?,
        };
        derive(conn, &mut reference, &mut row, &quals)?;
        let row = write_changed(conn, &caller.actor(), vec![row], &action)?
            .pop()
            .ok_or_else(AppError::internal)?;
        Lookup::new(cache.clone()).view(conn, row, quals)
    })
    .await
}

/// Changes an incident's facts. Its bailleur's correspondent or integration.
pub async fn update(
    app: &App,
    caller: Caller,
    id: String,
    expected_version: Option<i64>,
    body: UpdateIncident,
) -> AppResult<Incident> {
    change(app, caller, id, expected_version, move |conn, _, row| {
        let victims = match body.victims {
            Some(v) => v,
            None => row.victims()?,
        };
        let witnesses = match body.witnesses {
            Some(v) => v,
            None => row.witnesses()?,
        };
        let content = NewIncident {
            residence_id: row.residence_id.clone(),
            building: body.building.or(row.building.clone()),
            entrance: body.entrance.or(row.entrance.clone()),
            common_part: body.common_part.or(row.common_part.clone()),
            occurred_at: body.occurred_at.unwrap_or(row.occurred_at.and_utc()),
            ended_at: body.ended_at.or(row.ended_at.map(|e| e.and_utc())),
            reported_at: Some(row.reported_at.and_utc()),
            category: match body.category {
                Some(c) => c,
                None => row.category()?,
            },
            narrative: body.narrative.unwrap_or_else(|| row.narrative.clone()),
            persons: match body.persons {
                Some(v) => v,
                None => row.persons()?,
            },
            evidence: match body.evidence {
                Some(v) => v,
                None => row.evidence()?,
            },
            victims,
            witnesses,
            external_ref: row.external_ref.clone(),
            share_with_police: row.shared_with_police || body.share_with_police == Some(true),
            offence_codes: vec![],
        };
        content_errors(incident::check_new(&content, Utc::now()))?;
        check_staff(conn, &row.org_id, &content.victims, &content.witnesses)?;
        // The creation fingerprint stays: it says what the incident was created with.
        let created_with = row.request_hash.clone();
        fill(row, &content)?;
        row.request_hash = created_with;
        row.shared_with_police = content.share_with_police;
        Ok(("incident.updated".to_owned(), None))
    })
    .await
}

/// Replaces an incident's qualifications; the prescription follows from the most serious one.
/// Correspondent or integration.
pub async fn set_qualifications(
    app: &App,
    caller: Caller,
    id: String,
    expected_version: Option<i64>,
    body: SetQualifications,
) -> AppResult<Incident> {
    change(
        app,
        caller,
        id,
        expected_version,
        move |conn, reference, row| {
            let codes: Vec<(String, Vec<String>)> = body
                .qualifications
                .into_iter()
                .map(|q| (q.offence_code, q.aggravating))
                .collect();
            let facts_on = local_day(row.occurred_at.and_utc());
            let quals = qualify(conn, reference, &row.id, &codes, "qualifications", facts_on)?;
            Ok(("incident.qualified".to_owned(), Some(quals)))
        },
    )
    .await
}

/// Moves an incident through its lifecycle. Correspondent or integration.
pub async fn transition(
    app: &App,
    caller: Caller,
    id: String,
    expected_version: Option<i64>,
    body: TransitionRequest,
) -> AppResult<Incident> {
    change(app, caller, id, expected_version, move |conn, _, row| {
        let from = row.status()?;
        let has_q = !repo::qualifications(conn, &row.id)?.is_empty();
        let (to, action) =
            apply_transition(from, body.transition, has_q, body.action).map_err(|e| match e {
                TransitionError::NotAllowed { ref allowed, .. } => {
                    let mut err = AppError::conflict("transition_not_allowed", e.to_string());
                    err.allowed = Some(allowed.iter().map(|s| (*s).to_owned()).collect());
                    err
                }
                TransitionError::QualificationRequired => {
                    AppError::conflict("qualification_required", e.to_string())
                }
                TransitionError::ActionKindRequired => {
                    AppError::invalid_field("action", "required", e.to_string())
                }
            })?;
        row.status = to.as_str().to_owned();
        row.action_kind = action
            .map(|a| a.as_str().to_owned())
            .or(if to == Status::Closed {
                row.action_kind.clone()
            } else {
                None
            });
        Ok((format!("incident.{}", body.transition.as_str()), None))
    })
    .await
}

/// The catalogue's offences that fit an incident's category and victims, with their legal
/// reference and whether the TADPR track and the APP apply. Nothing is attached.
pub async fn propose_qualifications(
    app: &App,
    caller: Caller,
    id: String,
) -> AppResult<ProposalAnswer> {
    app.db(move |conn| {
        let row = visible(conn, &caller, &id)?;
        let victims = row.victims()?;
        let staff_ids: Vec<String> = victims
            .iter()
            .filter_map(|v| match v {
                Victim::Staff { staff_id, .. } => Some(staff_id.clone()),
                Victim::Bailleur => None,
            })
            .collect();
        let staff = residences::staff_among(conn, &row.org_id, &staff_ids)?;
        let residence = residences::find_in_org(conn, &row.org_id, &row.residence_id)?;
        let facts: Vec<VictimFacts> = victims
            .iter()
            .filter_map(|v| match v {
                Victim::Staff {
                    staff_id,
                    acting_in_functions,
                    itt_days,
                } => {
                    let s = staff.iter().find(|s| &s.id == staff_id);
                    // A security agent of a residence guarded under L.271-1 is a landlord guard.
                    let guard = s.is_some_and(|s| {
                        s.sworn_guard
                            || (s.role == "security_agent"
                                && residence.as_ref().is_some_and(|r| r.guarded_l271_1))
                    });
                    Some(VictimFacts {
                        staff_in_functions: *acting_in_functions,
                        sworn_guard: guard,
                        itt_days: *itt_days,
                    })
                }
                Victim::Bailleur => None,
            })
            .collect();
        let category = row.category()?;
        let mut proposals = vec![];
        for p in qualification::propose(category, &facts) {
            // A deployment may have closed or removed a catalogue entry, and an offence may not
            // exist yet on the day of the facts: propose only what applies, as worded then.
            let facts_on = local_day(row.occurred_at.and_utc());
            if let Some(o) = offences::find_by_code(conn, p.code)?
                && o.in_force_on(facts_on)
            {
                let wording = o.wording_on(facts_on)?;
                proposals.push(ProposalView {
                    offence_code: o.code,
                    label: wording.label,
                    legal_reference: wording.defining_articles,
                    reason: p.reason.to_owned(),
                    tadpr_eligible: o.tadpr_eligible,
                    app_eligible: !o.app_excluded,
                });
            }
        }
        Ok(ProposalAnswer {
            proposals,
            cmsp_recognised: facts.iter().any(|f| f.staff_in_functions),
        })
    })
    .await
}
