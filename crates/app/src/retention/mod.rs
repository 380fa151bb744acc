//! Retention (issue 13): every incident, complaint, PV, sworn-agent file and préfet's dossier
//! (injunction, ban) has a basis and an end
//! computed by the domain's rules (`vigie_domain::retention`) from the facts gathered here; legal
//! holds suspend it; a retention run anonymises what is past its end. The same functions serve the
//! record's own page, the run, its dry run and the CLI.

pub mod holds;
pub mod run;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use vigie_domain::complaint::ComplaintStatus;
use vigie_domain::delays::{DelayRule, LegalDelays};
use vigie_domain::pv::local_day;
use vigie_domain::retention::{self as rules, Basis, ComplaintStage, Retention};
use vigie_store::DbConn;
use vigie_store::bans::BanRow;
use vigie_store::complaints::ComplaintRow;
use vigie_store::incidents::{self as incident_repo, IncidentRow};
use vigie_store::injunctions::InjunctionRow;
use vigie_store::offences;
use vigie_store::pvs::PvRow;
use vigie_store::retention as repo;
use vigie_store::sworn_agents::AgentRow;

use crate::error::{AppError, AppResult};

/// The kinds of record retention applies to (what a hold suspends, what a run anonymises).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Incident,
    Complaint,
    Pv,
    SwornAgent,
    Injunction,
    Ban,
}

impl RecordKind {
    /// In the order a run takes them: the records that copy an incident's content (complaints,
    /// PVs) before the incident.
    pub const IN_RUN_ORDER: [RecordKind; 6] = [
        Self::Complaint,
        Self::Pv,
        Self::Incident,
        Self::SwornAgent,
        Self::Injunction,
        Self::Ban,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incident => "incident",
            Self::Complaint => "complaint",
            Self::Pv => "pv",
            Self::SwornAgent => "sworn_agent",
            Self::Injunction => "injunction",
            Self::Ban => "ban",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::IN_RUN_ORDER.into_iter().find(|k| k.as_str() == s)
    }
}

/// A record's retention, on its own page.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"basis": "prescription_of_action", "ends_on": "2027-11-27", "legal_hold": false}))]
pub struct RecordRetention {
    /// Why the record is kept.
    pub basis: Basis,
    /// The last day it is kept with the people it names (local day in France); absent while
    /// proceedings are open, an agrément is in force or a legal hold stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
    /// A legal hold suspends the end.
    pub legal_hold: bool,
    /// When a retention run anonymised it (its basis and end are then those it ended on).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub anonymised_at: Option<DateTime<Utc>>,
}

/// The retention of one record from its rule: the hold and a past anonymisation read here.
fn shown(
    conn: &mut DbConn,
    kind: RecordKind,
    id: &str,
    rule: Retention,
) -> AppResult<RecordRetention> {
    let ids = [id.to_owned()];
    if let Some(a) = repo::anonymised(conn, kind.as_str(), &ids)?.pop() {
        return Ok(RecordRetention {
            basis: serde_json::from_value(serde_json::Value::String(a.basis))
                .map_err(AppError::internal_because)?,
            ends_on: Some(a.ended_on),
            legal_hold: false,
            anonymised_at: Some(a.anonymised_at.and_utc()),
        });
    }
    let hold = !repo::held(conn, kind.as_str(), &ids)?.is_empty();
    let r = rule.held(hold);
    Ok(RecordRetention {
        basis: r.basis,
        ends_on: r.ends_on,
        legal_hold: hold,
        anonymised_at: None,
    })
}

fn day_of(at: chrono::NaiveDateTime) -> NaiveDate {
    local_day(at.and_utc())
}

/// An incident's own term: its prescription, or the policy's for an unqualified one.
fn incident_own(row: &IncidentRow) -> Retention {
    rules::incident(row.prescription_date, day_of(row.occurred_at))
}

/// The prescription term of these offence codes (the policy's for none known).
fn years_of_codes(conn: &mut DbConn, codes: &[String], on: NaiveDate) -> AppResult<u32> {
    let mut kinds = vec![];
    for c in codes {
        if let Some(o) = offences::find_by_code(conn, c)? {
            kinds.push(o.nature_kind()?);
        }
    }
    Ok(rules::prescription_years(kinds).unwrap_or_else(|| {
        LegalDelays::shipped().value_on(DelayRule::UnqualifiedIncidentYears, on)
    }))
}

/// A complaint's rule (without its hold).
fn complaint_rule(conn: &mut DbConn, c: &ComplaintRow) -> AppResult<Retention> {
    let created = day_of(c.created_at);
    let mut facts_end: Option<NaiveDate> = None;
    for id in c.incident_ids()? {
        if let Some(i) = incident_repo::get(conn, &id)? {
            facts_end = facts_end.max(incident_own(&i).ends_on);
        }
    }
    let years = years_of_codes(conn, &c.offence_codes()?, created)?;
    let facts_end =
        facts_end.unwrap_or_else(|| rules::incident(None, created).ends_on.unwrap_or(created));
    let stage = match (c.status()?, c.closed_at) {
        (ComplaintStatus::Draft, _) => ComplaintStage::NotLodged,
        (ComplaintStatus::Closed, Some(at)) => ComplaintStage::Closed {
            on: day_of(at),
            decision: c.orientation()?.is_some_and(|o| o.leads_to_decision()),
        },
        _ => ComplaintStage::Open,
    };
    Ok(rules::complaint(stage, facts_end, years))
}

/// A PV's rule (without its hold): the natures its document states.
fn pv_rule(p: &PvRow) -> AppResult<Retention> {
    let doc: crate::pvs::PvDocument = p.document()?;
    let kinds = doc
        .qualifications
        .iter()
        .filter_map(|q| vigie_domain::offence::NatureKind::parse(&q.nature));
    let years = rules::prescription_years(kinds).unwrap_or_else(|| {
        LegalDelays::shipped().value_on(DelayRule::UnqualifiedIncidentYears, p.found_on)
    });
    Ok(rules::pv(p.found_on, p.transmitted_on, years))
}

/// An incident's rule (without its hold): its own term, kept as long as the complaints and PVs
/// that copy it.
fn incident_rule(conn: &mut DbConn, row: &IncidentRow) -> AppResult<Retention> {
    let ids = [row.id.clone()];
    let mut linked = vec![];
    for (_, c) in repo::complaints_of(conn, &ids)? {
        linked.push(complaint_rule(conn, &c)?);
    }
    for (_, p) in repo::pvs_of(conn, &ids)? {
        linked.push(pv_rule(&p)?);
    }
    Ok(incident_own(row).with_linked(linked))
}

fn agent_rule(a: &AgentRow, today: NaiveDate) -> AppResult<Retention> {
    let file = a.file()?;
    Ok(rules::sworn_agent(
        rules::last_agrement_day(&file),
        day_of(a.created_at),
        today,
    ))
}

/// An injunction dossier's rule (without its hold): the policy term after its last step.
fn injunction_rule(row: &InjunctionRow) -> AppResult<Retention> {
    Ok(rules::injunction(row.procedure()?.last_step()))
}

pub(crate) fn of_injunction(conn: &mut DbConn, row: &InjunctionRow) -> AppResult<RecordRetention> {
    let rule = injunction_rule(row)?;
    shown(conn, RecordKind::Injunction, &row.id, rule)
}

pub(crate) fn of_ban(conn: &mut DbConn, row: &BanRow) -> AppResult<RecordRetention> {
    shown(conn, RecordKind::Ban, &row.id, rules::ban(row.end_on))
}

pub(crate) fn of_incident(conn: &mut DbConn, row: &IncidentRow) -> AppResult<RecordRetention> {
    let rule = incident_rule(conn, row)?;
    shown(conn, RecordKind::Incident, &row.id, rule)
}

pub(crate) fn of_complaint(conn: &mut DbConn, row: &ComplaintRow) -> AppResult<RecordRetention> {
    let rule = complaint_rule(conn, row)?;
    shown(conn, RecordKind::Complaint, &row.id, rule)
}

pub(crate) fn of_pv(conn: &mut DbConn, row: &PvRow) -> AppResult<RecordRetention> {
    let rule = pv_rule(row)?;
    shown(conn, RecordKind::Pv, &row.id, rule)
}

pub(crate) fn of_agent(conn: &mut DbConn, row: &AgentRow) -> AppResult<RecordRetention> {
    let rule = agent_rule(row, crate::calendar::today())?;
    shown(conn, RecordKind::SwornAgent, &row.id, rule)
}

/// Refuses a change to an anonymised record (409 `record_anonymised`): its end has passed, and a
/// change (an ERP's batch met again, a step, a correction) must not name anyone in it again. Every
/// use case that writes an incident, complaint, PV, sworn-agent file or préfet's dossier calls it.
pub(crate) fn refuse_if_anonymised(conn: &mut DbConn, kind: RecordKind, id: &str) -> AppResult<()> {
    if is_anonymised(conn, kind, id)? {
        return Err(AppError::conflict(
            "record_anonymised",
            format!(
                "this {} was anonymised at the end of its retention: it is not written again",
                kind.as_str().replace('_', " ")
            ),
        ));
    }
    Ok(())
}

/// Whether this record has been anonymised (its content no longer names anyone).
pub(crate) fn is_anonymised(conn: &mut DbConn, kind: RecordKind, id: &str) -> AppResult<bool> {
    Ok(!repo::anonymised(conn, kind.as_str(), &[id.to_owned()])?.is_empty())
}
