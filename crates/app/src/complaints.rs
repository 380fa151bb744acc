//! `/complaints`: simplified complaints built from incidents, routed to the competent circonscription
//! and the parquet, followed through registration, orientation and the TADPR track to their outcome;
//! each step notifies the designated contacts (`/notifications`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;
use vigie_domain::OrgKind;
use vigie_domain::complaint::{
    Channel, ComplaintError, ComplaintEvent, ComplaintStatus, Facts, Lifecycle, Orientation, Party,
    QualificationFacts, Receipt, TadprEligibility, TadprTrack, Timeline, tadpr_eligibility,
};
use vigie_domain::incident::{Evidence, PersonInvolved, Victim, Witness};
use vigie_domain::offence::Wording;
use vigie_domain::pv::local_day;
use vigie_store::complaints::{self as repo, ComplaintRow, ComplaintScope, NotificationRow};
use vigie_store::{DbConn, incidents, offences, organisations, residences};

use crate::calendar::today;
use crate::caller::Caller;
use crate::context::App;
use crate::directory::contacts_for;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, Answer, Created};
use crate::page::{Listed, PageRequest, fetch_size, views_of};
use crate::policy;

/// The bailleur as a legal-person victim (name and SIREN come from its record).
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BailleurVictimInput {
    #[validate(length(min = 1, max = 300))]
    #[schema(
        min_length = 1,
        max_length = 300,
        example = "45 rue Paul Vaillant-Couturier, 92000 Nanterre"
    )]
    pub head_office: String,
    /// Who files for the bailleur.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Claire Martin")]
    pub representative: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "correspondante tranquillité-sécurité"
    )]
    pub representative_capacity: String,
    /// Reference of the mandate (délégation de pouvoir) to file.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Délégation DG 2026-04")]
    pub mandate: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeVictimInput {
    #[schema(max_length = 64)]
    pub staff_id: String,
    /// Declare the professional address as domicile (art. 10-2 CPP, no consent of the employer).
    #[serde(default = "yes")]
    pub professional_address: bool,
    /// The personal address, when not using the professional one.
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub address: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Damages {
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// Estimate in euros.
    #[validate(range(min = 0, max = 100_000_000))]
    #[schema(minimum = 0, maximum = 100000000)]
    pub estimate_eur: Option<i64>,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
  "incident_ids": ["01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0f"], "channel": "police",
  "bailleur_victim": {"head_office": "45 rue Paul Vaillant-Couturier, 92000 Nanterre", "representative": "Claire Martin",
     "representative_capacity": "correspondante tranquillité-sécurité", "mandate": "Délégation DG 2026-04"},
  "employee_victims": [{"staff_id": "01936f5e-e5f6-7071-8b83-9d0e1f2a3b4c", "professional_address": true}],
  "claims_damages": true
}))]
pub struct CreateComplaint {
    /// Incidents of the bailleur, qualified, in one circonscription.
    #[validate(length(min = 1, max = 20))]
    #[schema(max_length = 64, min_items = 1, max_items = 20)]
    pub incident_ids: Vec<String>,
    /// `police` (default) or `direct_to_prosecutor` (written complaint, art. 40 CPP).
    pub channel: Option<Channel>,
    #[validate(nested)]
    pub bailleur_victim: Option<BailleurVictimInput>,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub employee_victims: Vec<EmployeeVictimInput>,
    #[validate(nested)]
    pub damages: Option<Damages>,
    /// Intention to claim damages (constitution de partie civile).
    #[serde(default)]
    pub claims_damages: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BailleurVictim {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub siren: Option<String>,
    pub head_office: String,
    pub representative: String,
    pub representative_capacity: String,
    pub mandate: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EmployeeVictim {
    pub staff_id: String,
    pub name: String,
    pub role: String,
    /// The domicile declared: the bailleur's head office when the professional address is used.
    pub domicile: String,
    pub professional_address: bool,
    /// Acting in their functions: a person charged with a public-service mission.
    pub cmsp_recognised: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub itt_days: Option<u32>,
}

/// The pre-filled content of the complaint, built from its incidents.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComplaintContent {
    pub facts: String,
    pub place: String,
    pub insee_code: String,
    #[serde(with = "vigie_domain::timestamp")]
    pub occurred_from: DateTime<Utc>,
    #[serde(with = "vigie_domain::timestamp")]
    pub occurred_to: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bailleur_victim: Option<BailleurVictim>,
    pub employee_victims: Vec<EmployeeVictim>,
    pub suspects: Vec<PersonInvolved>,
    pub witnesses: Vec<Witness>,
    pub evidence: Vec<Evidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub damages: Option<Damages>,
    pub claims_damages: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintQualification {
    pub offence_code: String,
    pub label: String,
    pub legal_reference: String,
    pub tadpr_eligible: bool,
    pub app_eligible: bool,
}

/// Days between the steps, as far as they happened.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delays {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filing_to_orientation_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orientation_to_summons_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summons_to_outcome_days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Complaint {
    pub id: String,
    pub status: ComplaintStatus,
    pub channel: Channel,
    pub incident_ids: Vec<String>,
    pub qualifications: Vec<ComplaintQualification>,
    pub content: ComplaintContent,
    /// Whether the TADPR track is open, and why.
    pub tadpr_eligibility: TadprEligibility,
    /// The competent circonscription (police channel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circonscription_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parquet_id: Option<String>,
    /// A complaint counts as lodged only with its receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orientation: Option<Orientation>,
    pub with_reparation: bool,
    pub tadpr: TadprTrack,
    /// The steps possible now.
    pub next_steps: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub filed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub registered_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub transmitted_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub oriented_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub outcome_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub closed_at: Option<DateTime<Utc>>,
    pub delays: Delays,
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

fn bad<E: std::fmt::Display>(e: E) -> AppError {
    AppError::internal_because(e)
}

fn lifecycle(row: &ComplaintRow) -> AppResult<Lifecycle> {
    Ok(Lifecycle {
        status: row.status()?,
        channel: row.channel()?,
        orientation: row.orientation()?,
        with_reparation: row.with_reparation,
        receipt: row.receipt()?,
        tadpr: row.tadpr()?,
    })
}

/// The complaint's qualifications as the rules read them, with the wording in force on the day of
/// the facts.
fn facts_of(
    conn: &mut DbConn,
    codes: &[String],
    facts_on: NaiveDate,
) -> AppResult<Vec<(QualificationFacts, offences::OffenceRow, Wording)>> {
    let mut out = vec![];
    for c in codes {
        let o = offences::find_by_code(conn, c)?.ok_or_else(AppError::internal)?;
        let wording = o.wording_on(facts_on)?;
        out.push((
            QualificationFacts {
                code: o.code.clone(),
                tadpr_eligible: o.tadpr_eligible,
                app_excluded: o.app_excluded,
                afd_available: o.afd_available,
                nature: o.nature_kind()?,
                max_prison_months: wording.max_prison_months,
            },
            o,
            wording,
        ));
    }
    Ok(out)
}

fn days(from: Option<NaiveDateTime>, to: Option<NaiveDateTime>) -> Option<i64> {
    Some((to? - from?).num_days())
}

fn view(conn: &mut DbConn, row: ComplaintRow) -> AppResult<Complaint> {
    let l = lifecycle(&row)?;
    let codes = row.offence_codes()?;
    let content: ComplaintContent = row.content()?;
    let facts = facts_of(conn, &codes, local_day(content.occurred_from))?;
    let qf: Vec<QualificationFacts> = facts.iter().map(|(f, _, _)| f.clone()).collect();
    let summons = l.tadpr.summons_at.map(|t| t.naive_utc());
    Ok(Complaint {
        qualifications: facts
            .into_iter()
            .map(|(_, o, w)| ComplaintQualification {
                offence_code: o.code,
                label: w.label,
                legal_reference: w.defining_articles,
                tadpr_eligible: o.tadpr_eligible,
                app_eligible: !o.app_excluded,
            })
            .collect(),
        tadpr_eligibility: tadpr_eligibility(&qf),
        next_steps: l.allowed(),
        delays: Delays {
            filing_to_orientation_days: days(row.filed_at, row.oriented_at),
            orientation_to_summons_days: days(row.oriented_at, summons),
            summons_to_outcome_days: days(summons, row.outcome_at),
        },
        status: l.status,
        channel: l.channel,
        receipt: l.receipt,
        orientation: l.orientation,
        with_reparation: l.with_reparation,
        tadpr: l.tadpr,
        incident_ids: row.incident_ids()?,
        content,
        id: row.id,
        circonscription_code: row.circonscription_code,
        parquet_id: row.parquet_id,
        filed_at: row.filed_at.map(|t| t.and_utc()),
        registered_at: row.registered_at.map(|t| t.and_utc()),
        transmitted_at: row.transmitted_at.map(|t| t.and_utc()),
        oriented_at: row.oriented_at.map(|t| t.and_utc()),
        outcome_at: row.outcome_at.map(|t| t.and_utc()),
        closed_at: row.closed_at.map(|t| t.and_utc()),
        retention: None,
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

/// Builds the pre-filled content from the incidents: facts, place, dates, qualifications,
/// suspects, witnesses, evidence; victims from the request.
fn prefill(
    conn: &mut DbConn,
    caller: &Caller,
    org_id: &str,
    body: &CreateComplaint,
) -> AppResult<(ComplaintContent, Vec<String>, Option<String>)> {
    let mut rows = vec![];
    for (i, id) in body.incident_ids.iter().enumerate() {
        // The one visibility rule of incidents: a complaint is drafted only from what its author
        // may read, since it copies the facts.
        let r = crate::incidents::linkable(conn, caller, id, &format!("incident_ids[{i}]"))?;
        if r.org_id != org_id {
            return Err(AppError::invalid_field(
                &format!("incident_ids[{i}]"),
                "unknown_incident",
                "no such incident in your organisation",
            ));
        }
        if rows.iter().any(|x: &incidents::IncidentRow| x.id == r.id) {
            return Err(AppError::invalid_field(
                &format!("incident_ids[{i}]"),
                "duplicate",
                "listed twice",
            ));
        }
        rows.push(r);
    }
    let circs: Vec<Option<String>> = rows
        .iter()
        .map(|r| r.circonscription_code.clone())
        .collect();
    if circs.iter().any(|c| c != &circs[0]) {
        return Err(AppError::invalid_field(
            "incident_ids",
            "several_circonscriptions",
            "the incidents of one complaint are in one circonscription",
        ));
    }
    let mut codes: Vec<String> = vec![];
    let mut content = ComplaintContent {
        facts: String::new(),
        place: String::new(),
        insee_code: rows[0].insee_code.clone(),
        occurred_from: rows[0].occurred_at.and_utc(),
        occurred_to: rows[0].ended_at.unwrap_or(rows[0].occurred_at).and_utc(),
        bailleur_victim: None,
        employee_victims: vec![],
        suspects: vec![],
        witnesses: vec![],
        evidence: vec![],
        damages: body.damages.clone(),
        claims_damages: body.claims_damages,
    };
    let mut staff_victims: Vec<Victim> = vec![];
    for r in &rows {
        for q in incidents::qualifications(conn, &r.id)? {
            if !codes.contains(&q.offence_code) {
                codes.push(q.offence_code);
            }
        }
        if !content.facts.is_empty() {
            content.facts.push_str("\n\n");
        }
        content.facts.push_str(&format!(
            "[{}] {}",
            r.occurred_at.format("%d/%m/%Y %H:%M UTC"),
            r.narrative
        ));
        content.occurred_from = content.occurred_from.min(r.occurred_at.and_utc());
        content.occurred_to = content
            .occurred_to
            .max(r.ended_at.unwrap_or(r.occurred_at).and_utc());
        content.suspects.extend(r.persons()?);
        content.witnesses.extend(r.witnesses()?);
        content.evidence.extend(r.evidence()?);
        staff_victims.extend(r.victims()?);
    }
    if codes.is_empty() {
        return Err(AppError::invalid_field(
            "incident_ids",
            "not_qualified",
            "qualify the incidents first (PUT /incidents/{id}/qualifications)",
        ));
    }
    let residence = residences::find_in_org(conn, org_id, &rows[0].residence_id)?
        .ok_or_else(AppError::internal)?;
    let first = &rows[0];
    content.place = [
        Some(residence.name.clone()),
        Some(residence.address.clone()),
        first.building.as_ref().map(|b| format!("bâtiment {b}")),
        first.entrance.as_ref().map(|e| format!("entrée {e}")),
        first.common_part.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let org = organisations::get(conn, org_id)?;
    if let Some(b) = &body.bailleur_victim {
        content.bailleur_victim = Some(BailleurVictim {
            name: org.name.clone(),
            siren: org.siren.clone(),
            head_office: b.head_office.clone(),
            representative: b.representative.clone(),
            representative_capacity: b.representative_capacity.clone(),
            mandate: b.mandate.clone(),
        });
    }
    for (i, e) in body.employee_victims.iter().enumerate() {
        let s = residences::find_staff(conn, org_id, &e.staff_id)?.ok_or_else(|| {
            AppError::invalid_field(
                &format!("employee_victims[{i}].staff_id"),
                "unknown_staff",
                "no staff member with this id in your organisation",
            )
        })?;
        let domicile = match (e.professional_address, &e.address, &body.bailleur_victim) {
            (true, _, Some(b)) => b.head_office.clone(),
            (true, _, None) => format!("{}, {}", org.name, residence.address),
            (false, Some(a), _) => a.clone(),
            (false, None, _) => {
                return Err(AppError::invalid_field(
                    &format!("employee_victims[{i}].address"),
                    "required",
                    "give the address, or use the professional address",
                ));
            }
        };
        let in_incident = staff_victims.iter().find_map(|v| match v {
            Victim::Staff {
                staff_id,
                acting_in_functions,
                itt_days,
            } if staff_id == &s.id => Some((*acting_in_functions, *itt_days)),
            _ => None,
        });
        content.employee_victims.push(EmployeeVictim {
            staff_id: s.id,
            name: format!("{} {}", s.first_name, s.last_name),
            role: s.role,
            domicile,
            professional_address: e.professional_address,
            cmsp_recognised: in_incident.is_some_and(|(f, _)| f),
            itt_days: in_incident.and_then(|(_, d)| d),
        });
    }
    Ok((content, codes, circs[0].clone()))
}

/// Draft a complaint from incidents
///
/// The bailleur's correspondent (or integration) builds a complaint file pre-filled from qualified
/// incidents: facts, place, dates, qualifications, suspects, witnesses, evidence; the victims are
/// the bailleur as a legal person and/or its employees (who may declare the professional address).
/// It is routed to the circonscription of the facts and to the parquet, and says whether the TADPR
/// track is open and why. Field errors: `unknown_incident`, `not_qualified`,
/// `several_circonscriptions`, `unknown_staff`, `required`, `no_parquet`.
pub async fn create_complaint(
    app: &App,
    caller: Caller,
    key: Option<String>,
    body: CreateComplaint,
) -> AppResult<Answer> {
    policy::handle_complaints(&caller)?;
    let actor = caller.actor();
    let org_id = caller.org_id.clone();
    let request = serde_json::to_value(&body).map_err(bad)?;
    idempotency::create_once(app, caller.sub.clone(), key, &request, move |conn| {
        let (content, codes, circonscription) = prefill(conn, &caller, &org_id, &body)?;
        let parquet = organisations::find_by_kind(conn, OrgKind::Parquet)?
            .filter(|p| p.active)
            .ok_or_else(|| {
                AppError::invalid_field(
                    "parquet",
                    "no_parquet",
                    "no parquet organisation is set up",
                )
            })?;
        let at = vigie_store::now();
        let row = ComplaintRow {
            id: vigie_store::new_id(),
            org_id: org_id.clone(),
            status: ComplaintStatus::Draft.as_str().to_owned(),
            channel: body.channel.unwrap_or(Channel::Police).as_str().to_owned(),
            circonscription_code: circonscription,
            parquet_id: Some(parquet.id),
            incident_ids: serde_json::to_string(&body.incident_ids).map_err(bad)?,
            qualifications: serde_json::to_string(&codes).map_err(bad)?,
            content: serde_json::to_string(&content).map_err(bad)?,
            orientation: None,
            with_reparation: false,
            receipt: None,
            tadpr: serde_json::to_string(&TadprTrack::default()).map_err(bad)?,
            filed_at: None,
            registered_at: None,
            transmitted_at: None,
            oriented_at: None,
            outcome_at: None,
            closed_at: None,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        repo::create(conn, &actor, &row, &body.incident_ids)?;
        let location = format!("/api/v1/complaints/{}", row.id);
        Ok(Created {
            version: row.version,
            body: view(conn, row)?,
            location,
        })
    })
    .await
}

/// The police organisation's circonscription.
fn circonscription_of(conn: &mut DbConn, caller: &Caller) -> AppResult<Option<String>> {
    Ok(organisations::find(conn, &caller.org_id)?.and_then(|o| o.circonscription_code))
}

fn scope(conn: &mut DbConn, caller: &Caller) -> AppResult<ComplaintScope> {
    Ok(match policy::complaint_reader(caller)? {
        Party::Bailleur => ComplaintScope::Bailleur {
            org_id: caller.org_id.clone(),
        },
        Party::Police => ComplaintScope::Police {
            circonscription_code: circonscription_of(conn, caller)?.unwrap_or_default(),
        },
        _ => ComplaintScope::Parquet {
            parquet_id: caller.org_id.clone(),
        },
    })
}

/// Loads a complaint the caller may see, or 404.
pub(crate) fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> AppResult<ComplaintRow> {
    // A caller whose role reads no complaint sees none (404 on a record, 403 on lists).
    let Ok(scope) = scope(conn, caller) else {
        return Err(AppError::not_found());
    };
    repo::find_visible(conn, &scope, id)?.ok_or_else(AppError::not_found)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    pub status: Option<ComplaintStatus>,
}

/// List complaints
///
/// A bailleur's correspondent sees its complaints and their progress; the police correspondent
/// those lodged at the circonscription; the magistrat référent and délégués those before the
/// parquet. Others: 403.
pub async fn list_complaints(
    app: &App,
    caller: Caller,
    q: ComplaintQuery,
    page: PageRequest,
) -> AppResult<Listed<Complaint>> {
    let limit = page.limit;
    let after = page.after.clone();
    let status = q.status.map(|s| s.as_str());
    let purpose = crate::access_journal::purpose(&caller)?;
    let reader = caller.clone();
    let (listed, read) = app
        .db(move |conn| {
            let scope = scope(conn, &caller)?;
            let rows = repo::list(conn, &scope, status, after.as_deref(), fetch_size(limit))?;
            let read = crate::access_journal::owners_of(&rows, limit, |r| (&r.id, &r.org_id));
            Ok((views_of(rows, limit, |r| view(conn, r))?, read))
        })
        .await?;
    crate::access_journal::record(app, &reader, purpose, "complaint", read).await?;
    Ok(listed)
}

/// Read a complaint
pub async fn get_complaint(app: &App, caller: Caller, id: String) -> AppResult<Complaint> {
    let purpose = crate::access_journal::purpose(&caller)?;
    let reader = caller.clone();
    let (c, read) = app
        .db(move |conn| {
            let row = visible(conn, &caller, &id)?;
            let retention = crate::retention::of_complaint(conn, &row)?;
            let read = vec![(row.id.clone(), row.org_id.clone())];
            let mut c = view(conn, row)?;
            c.retention = Some(retention);
            Ok((c, read))
        })
        .await?;
    crate::access_journal::record(app, &reader, purpose, "complaint", read).await?;
    Ok(c)
}

fn complaint_error(e: ComplaintError, allowed: Vec<&'static str>) -> AppError {
    let allowed = matches!(e, ComplaintError::NotAllowed { .. }).then_some(allowed);
    AppError::rule(e.is_conflict(), e.code(), e.to_string(), allowed)
}

/// The notifications of a step: one per designated contact in force (the bailleur's correspondent,
/// the circonscription's police correspondent, the magistrat référent).
fn notifications(
    conn: &mut DbConn,
    row: &ComplaintRow,
    event: &str,
) -> AppResult<Vec<NotificationRow>> {
    let contacts = contacts_for(
        conn,
        &row.org_id,
        row.circonscription_code.as_deref(),
        today(),
    )?;
    let at = vigie_store::now();
    Ok(contacts
        .into_iter()
        .map(|c| NotificationRow {
            id: vigie_store::new_id(),
            recipient_org_id: c.organisation_id,
            recipient_person_id: Some(c.holder.id),
            contact_role: c.role.as_str().to_owned(),
            event_type: format!("complaint.{event}"),
            resource_type: "complaint".into(),
            resource_id: row.id.clone(),
            summary: format!("complaint {} is now {}", row.id, row.status),
            created_at: at,
        })
        .collect())
}

/// Record a step of a complaint
///
/// `kind` names the step; each belongs to one party (403 otherwise): `file` the bailleur's
/// correspondent; `register` (with the receipt: number, date, service) the police correspondent of
/// the circonscription, or the parquet for a complaint sent straight to the procureur; `transmit`
/// the police; `orient` and `close` the magistrat; `schedule_summons`, `record_measure`,
/// `record_outcome` a délégué du procureur (TADPR track). Each step notifies the designated
/// contacts. Error codes: 409 `transition_not_allowed` (with `allowed`), `not_on_tadpr_track`,
/// `tadpr_step_out_of_order`; 422 `complaint_incomplete`, `app_excluded_for_violences`,
/// `app_requires_reparation`, `afd_not_available`, `not_tadpr_eligible`, `next_step_required`,
/// `required`.
pub async fn record_event(
    app: &App,
    caller: Caller,
    expected_version: Option<i64>,
    id: String,
    event: ComplaintEvent,
) -> AppResult<Complaint> {
    let expected = expected_version;
    if let ComplaintEvent::ScheduleSummons { place, .. } = &event
        && place.chars().count() > 300
    {
        return Err(AppError::invalid_field(
            "place",
            "too_long",
            "at most 300 characters",
        ));
    }
    if let ComplaintEvent::Register { receipt } = &event
        && (receipt.number.chars().count() > 100 || receipt.service.chars().count() > 200)
    {
        return Err(AppError::invalid_field(
            "receipt",
            "too_long",
            "number ≤ 100, service ≤ 200 characters",
        ));
    }
    let actor = caller.actor();
    app.tx(move |conn| {
        let mut row = visible(conn, &caller, &id)?;
        let mut l = lifecycle(&row)?;
        policy::complaint_step(&caller, event.owner(l.channel))?;
        crate::retention::refuse_if_anonymised(
            conn,
            crate::retention::RecordKind::Complaint,
            &row.id,
        )?;
        let codes = row.offence_codes()?;
        let content: ComplaintContent = row.content()?;
        let qf: Vec<QualificationFacts> = facts_of(conn, &codes, local_day(content.occurred_from))?
            .into_iter()
            .map(|(f, _, _)| f)
            .collect();
        let facts = Facts {
            qualifications: &qf,
            has_victim: content.bailleur_victim.is_some() || !content.employee_victims.is_empty(),
            victim_damaged: content.damages.is_some()
                || content
                    .employee_victims
                    .iter()
                    .any(|v| v.itt_days.is_some_and(|d| d > 0)),
        };
        let name = event.name();
        let allowed = l.allowed();
        let now = vigie_store::now();
        let timeline = Timeline {
            now: now.and_utc(),
            filed_at: row.filed_at.map(|t| t.and_utc()),
            oriented_at: row.oriented_at.map(|t| t.and_utc()),
        };
        l.apply(event, &facts, &timeline)
            .map_err(|e| complaint_error(e, allowed))?;
        match name {
            "filed" => row.filed_at = Some(now),
            "registered" => row.registered_at = Some(now),
            "transmitted_to_parquet" => row.transmitted_at = Some(now),
            "oriented" => row.oriented_at = Some(now),
            "tadpr_outcome" => row.outcome_at = Some(now),
            "closed" => row.closed_at = Some(now),
            _ => {}
        }
        row.status = l.status.as_str().to_owned();
        row.orientation = l.orientation.map(|o| o.as_str().to_owned());
        row.with_reparation = l.with_reparation;
        row.receipt = l
            .receipt
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(bad)?;
        row.tadpr = serde_json::to_string(&l.tadpr).map_err(bad)?;
        let row = repo::save(conn, &actor, row, expected, &format!("complaint.{name}"))?;
        let notes = notifications(conn, &row, name)?;
        repo::notify(conn, &notes)?;
        record_feed_event(conn, &row, name)?;
        view(conn, row)
    })
    .await
}

/// Records a complaint's step in the feed: its bailleur reads it; the police of the circonscription
/// once the complaint is lodged there; the parquet once it is before it.
fn record_feed_event(conn: &mut DbConn, row: &ComplaintRow, step: &str) -> AppResult<()> {
    let lodged = row.status != ComplaintStatus::Draft.as_str();
    let police = row.channel == Channel::Police.as_str() && lodged;
    let parquet = row.transmitted_at.is_some()
        || (row.channel == Channel::DirectToProsecutor.as_str() && lodged);
    vigie_store::events::record(
        conn,
        vigie_store::events::NewEvent {
            event_type: &format!("complaint.{step}"),
            resource_type: "complaint",
            resource_id: &row.id,
            org_id: &row.org_id,
            circonscription_code: row.circonscription_code.as_deref().filter(|_| police),
            parquet_id: row.parquet_id.as_deref().filter(|_| parquet),
            restricted: false,
            for_prefecture: false,
            data: serde_json::json!({"status": row.status, "orientation": row.orientation, "version": row.version}),
        },
    )?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: String,
    /// The designated contact it is addressed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_person_id: Option<String>,
    pub contact_role: String,
    /// `complaint.filed`, `complaint.registered`, `complaint.oriented`...
    pub event_type: String,
    pub resource_type: String,
    pub resource_id: String,
    pub summary: String,
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only those about this resource (e.g. a complaint id).
    pub resource_id: Option<String>,
}

/// List notifications
///
/// The recorded events addressed to the caller's organisation's designated contacts, oldest first;
/// keep the last cursor to read only what is new.
pub async fn list_notifications(
    app: &App,
    caller: Caller,
    q: NotificationQuery,
    page: PageRequest,
) -> AppResult<Listed<Notification>> {
    let limit = page.limit;
    let after = page.after.clone();
    policy::read_notifications(&caller)?;
    let rows = app
        .db(move |conn| {
            Ok(repo::notifications_for(
                conn,
                &caller.org_id,
                q.resource_id.as_deref(),
                after.as_deref(),
                fetch_size(limit),
            )?)
        })
        .await?;
    views_of(rows, limit, |r| {
        Ok(Notification {
            id: r.id,
            recipient_person_id: r.recipient_person_id,
            contact_role: r.contact_role,
            event_type: r.event_type,
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            summary: r.summary,
            created_at: r.created_at.and_utc(),
        })
    })
}
