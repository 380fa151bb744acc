//! The retention run: examines the records whose earliest possible end has passed, computes each
//! one's retention with the same rules as its page, and anonymises those past their end with no
//! hold (or, in a dry run, only says what it would do and why).
//!
//! Safe with several processes on one database: each record is anonymised in its own transaction
//! that first claims the record's row in `anonymisations` (a second process conflicts and rolls
//! back), and the daily run is claimed once per day. Resumable: anonymised records are never
//! examined again, so a run taken over (its owner stopped beating) carries on where it stopped.

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;
use vigie_domain::delays::{DelayRule, LegalDelays};
use vigie_domain::retention::{self as rules, ANONYMISED, Basis, Retention};
use vigie_domain::{OrgKind, Role};
use vigie_store::DbConn;
use vigie_store::audit::{self, Actor, Change};
use vigie_store::events::{self, NewEvent};
use vigie_store::retention::{self as repo, AnonymisationRow, RunRow};
use vigie_store::{bans as ban_repo, injunctions as injunction_repo};
use vigie_store::{complaints as complaint_repo, incidents as incident_repo, pvs as pv_repo};
use vigie_store::{residences, sworn_agents as agent_repo};

use super::RecordKind;
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::page::{Listed, PageRequest, fetch_size, views_of};

/// Records examined per read.
const BATCH: i64 = 200;
/// A run whose owner has not beaten for this long is taken over by another process.
const STALE_MINUTES: i64 = 10;
/// At most this many records are listed in a run's answer (the counts are complete).
pub const MAX_LISTED: usize = 1000;

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"dry_run": true}))]
pub struct StartRun {
    /// Only say what would be anonymised and why; change nothing (default false).
    #[serde(default)]
    pub dry_run: bool,
    /// The platform admin may limit a run to one organisation; a DPO's dry run is always limited
    /// to its own.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub org_id: Option<String>,
}

/// A record past the end of its retention.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"record_type": "incident", "record_id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0e",
    "org_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f", "basis": "prescription_of_action", "ended_on": "2025-06-30"}))]
pub struct DueRecord {
    pub record_type: RecordKind,
    pub record_id: String,
    pub org_id: String,
    /// Why it was kept until then.
    pub basis: Basis,
    /// The last day it was to be kept.
    pub ended_on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936fb0-0000-7000-8000-000000000001", "day": "2026-11-29", "dry_run": true, "scheduled": false,
    "started_by": "person:dpo", "started_at": "2026-11-29T03:00:00.000000Z", "finished_at": "2026-11-29T03:00:02.000000Z",
    "examined": 1250, "anonymised": 0,
    "records": [{"record_type": "incident", "record_id": "01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0e",
        "org_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f", "basis": "prescription_of_action", "ended_on": "2025-06-30"}],
    "records_truncated": false}))]
pub struct RetentionRun {
    pub id: String,
    /// The local day in France whose rules the run applied.
    pub day: NaiveDate,
    pub dry_run: bool,
    /// The daily run of the service (not started by a person).
    pub scheduled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    pub started_by: String,
    #[serde(with = "vigie_domain::timestamp")]
    pub started_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub finished_at: Option<DateTime<Utc>>,
    /// Records whose earliest possible end had passed, examined.
    #[schema(minimum = 0, maximum = 1000000000)]
    pub examined: i64,
    /// Records anonymised (none in a dry run).
    #[schema(minimum = 0, maximum = 1000000000)]
    pub anonymised: i64,
    /// In the answer to the request that ran it: the records past their end (anonymised, or that
    /// a dry run would anonymise), at most 1 000.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 1000)]
    pub records: Option<Vec<DueRecord>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records_truncated: Option<bool>,
}

fn view(r: RunRow) -> RetentionRun {
    RetentionRun {
        id: r.id,
        day: r.day,
        dry_run: r.dry_run,
        scheduled: r.scheduled,
        org_id: r.org_id,
        started_by: r.started_by,
        started_at: r.started_at.and_utc(),
        finished_at: r.finished_at.map(|a| a.and_utc()),
        examined: r.examined,
        anonymised: r.anonymised,
        records: None,
        records_truncated: None,
    }
}

fn midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN)
}

/// A lower bound of the day `years` years before `today`, with a day's margin for the local day
/// of facts recorded in UTC: every record whose term may have ended is examined.
fn years_before(today: NaiveDate, years: u32) -> NaiveDate {
    today
        .checked_sub_months(chrono::Months::new(12 * years))
        .and_then(|d| d.checked_add_days(Days::new(2)))
        .unwrap_or(today)
}

/// A record whose earliest possible end has passed, with its retention (hold included).
struct Candidate {
    id: String,
    org_id: String,
    retention: Retention,
}

/// The candidates of a page of rows, each judged by `rule`.
fn judged<R>(
    rows: Vec<R>,
    key: impl Fn(R) -> (String, String),
    mut rule: impl FnMut(&R) -> AppResult<Retention>,
) -> AppResult<Vec<Candidate>> {
    rows.into_iter()
        .map(|r| {
            let retention = rule(&r)?;
            let (id, org_id) = key(r);
            Ok(Candidate {
                id,
                org_id,
                retention,
            })
        })
        .collect()
}

/// One page of candidates of `kind` after `after`, in id order.
fn examine(
    conn: &mut DbConn,
    kind: RecordKind,
    org: Option<&str>,
    today: NaiveDate,
    after: Option<&str>,
) -> AppResult<Vec<Candidate>> {
    let delays = LegalDelays::shipped();
    let mut out = match kind {
        RecordKind::Incident => {
            let unqualified = delays.value_on(DelayRule::UnqualifiedIncidentYears, today);
            let before = midnight(years_before(today, unqualified));
            let rows = repo::incident_candidates(conn, org, today, before, after, BATCH)?;
            judged(
                rows,
                |r| (r.id, r.org_id),
                |r| super::incident_rule(conn, r),
            )?
        }
        RecordKind::Complaint => {
            let rows = repo::complaint_candidates(conn, org, after, BATCH)?;
            judged(
                rows,
                |r| (r.id, r.org_id),
                |r| super::complaint_rule(conn, r),
            )?
        }
        RecordKind::Pv => {
            // A contravention's year is the shortest term.
            let rows = repo::pv_candidates(conn, org, years_before(today, 1), after, BATCH)?;
            judged(rows, |r| (r.id, r.org_id), super::pv_rule)?
        }
        RecordKind::SwornAgent => {
            let years = delays.value_on(DelayRule::SwornAgentFileYears, today);
            let before = years_before(today, years);
            let rows = repo::agent_candidates(conn, org, before, midnight(before), after, BATCH)?;
            judged(rows, |r| (r.id, r.org_id), |r| super::agent_rule(r, today))?
        }
        RecordKind::Injunction => {
            let rows = repo::injunction_candidates(conn, org, after, BATCH)?;
            judged(rows, |r| (r.id, r.org_id), super::injunction_rule)?
        }
        RecordKind::Ban => {
            // A breach is a délit: its term is the longest a ban's end can be kept.
            let years = vigie_domain::offence::Nature::Delit.prescription_years();
            let rows = repo::ban_candidates(conn, org, years_before(today, years), after, BATCH)?;
            judged(rows, |r| (r.id, r.org_id), |r| Ok(rules::ban(r.end_on)))?
        }
    };
    // The holds, read once per page.
    let ids: Vec<String> = out.iter().map(|c| c.id.clone()).collect();
    let held = repo::held(conn, kind.as_str(), &ids)?;
    for c in &mut out {
        c.retention = c.retention.held(held.contains(&c.id));
    }
    Ok(out)
}

/// Examines every candidate and, unless `dry_run`, anonymises what is due. The counts go to the
/// run row `run_id` as they come (its heartbeat; a run taken over adds to them). Returns the
/// records listed (at most `MAX_LISTED`) and whether more were left out.
async fn execute(
    app: &App,
    run_id: &str,
    org: Option<String>,
    today: NaiveDate,
    dry_run: bool,
) -> AppResult<(Vec<DueRecord>, bool)> {
    let mut listed = vec![];
    let mut truncated = false;
    for kind in RecordKind::IN_RUN_ORDER {
        let mut after: Option<String> = None;
        loop {
            let (o, a) = (org.clone(), after.clone());
            let page = app
                .db(move |conn| examine(conn, kind, o.as_deref(), today, a.as_deref()))
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            let (mut page_examined, mut page_anonymised) = (page.len() as i64, 0i64);
            for c in page {
                let Some(ended_on) = c.retention.ends_on.filter(|_| c.retention.is_due(today))
                else {
                    continue;
                };
                let due = DueRecord {
                    record_type: kind,
                    record_id: c.id,
                    org_id: c.org_id,
                    basis: c.retention.basis,
                    ended_on,
                };
                let done = if dry_run {
                    true
                } else {
                    anonymise(app, run_id, &due).await?
                };
                if !done {
                    // Another process anonymised it first.
                    page_examined -= 1;
                    continue;
                }
                if !dry_run {
                    page_anonymised += 1;
                }
                if listed.len() < MAX_LISTED {
                    listed.push(due);
                } else {
                    truncated = true;
                }
            }
            let id = run_id.to_owned();
            app.db(move |conn| {
                Ok(repo::progress(
                    conn,
                    &id,
                    page_examined,
                    page_anonymised,
                    vigie_store::now(),
                )?)
            })
            .await?;
        }
    }
    Ok((listed, truncated))
}

/// Anonymises one record in its own transaction. False when another process did it first.
async fn anonymise(app: &App, run_id: &str, due: &DueRecord) -> AppResult<bool> {
    let kind = due.record_type;
    let claim = AnonymisationRow {
        record_type: due.record_type.as_str().into(),
        record_id: due.record_id.clone(),
        org_id: due.org_id.clone(),
        basis: due.basis.as_str().into(),
        ended_on: due.ended_on,
        run_id: run_id.to_owned(),
        anonymised_at: vigie_store::now(),
    };
    let written = app
        .tx(move |conn| {
            repo::mark_anonymised(conn, &claim)?;
            let data = serde_json::json!({"basis": claim.basis, "ended_on": claim.ended_on});
            match kind {
                RecordKind::Incident => incident(conn, &claim.record_id, data),
                RecordKind::Complaint => complaint(conn, &claim.record_id, data),
                RecordKind::Pv => pv(conn, &claim.record_id, data),
                RecordKind::SwornAgent => agent(conn, &claim.record_id, data),
                RecordKind::Injunction => injunction(conn, &claim.record_id, data),
                RecordKind::Ban => ban(conn, &claim.record_id, data),
            }
        })
        .await;
    match written {
        Ok(()) => Ok(true),
        Err(e) if e.kind == ErrorKind::Conflict => Ok(false),
        Err(e) => Err(e),
    }
}

fn system() -> Actor {
    Actor::system()
}

/// The incident keeps its category, residence, dates, qualifications, status and outcome; the
/// narrative, the people and the place below the residence go.
fn incident(conn: &mut DbConn, id: &str, data: serde_json::Value) -> AppResult<()> {
    let mut row = incident_repo::get(conn, id)?.ok_or_else(AppError::internal)?;
    row.narrative = ANONYMISED.into();
    row.victims = json(&rules::anonymise_victims(row.victims()?))?;
    row.persons = "[]".into();
    row.witnesses = "[]".into();
    row.evidence = "[]".into();
    row.building = None;
    row.entrance = None;
    row.common_part = None;
    let saved = incident_repo::save_unaudited(conn, row)?;
    audit::record(
        conn,
        &system(),
        Change {
            action: "incident.anonymised",
            resource_type: "incident",
            resource_id: &saved.id,
            org_id: Some(&saved.org_id),
            state: &saved,
        },
    )?;
    // The same audience as the incident's other events.
    let mut event = crate::incidents::feed_event(&saved, "incident.anonymised");
    event.data = with_version(data, saved.version);
    events::record(conn, event)?;
    Ok(())
}

fn complaint(conn: &mut DbConn, id: &str, data: serde_json::Value) -> AppResult<()> {
    let row = complaint_repo::get(conn, id)?.ok_or_else(AppError::internal)?;
    let mut content: crate::complaints::ComplaintContent = row.content()?;
    content.facts = ANONYMISED.into();
    // The place down to the residence.
    if let Some(first) = row.incident_ids()?.first()
        && let Some(i) = incident_repo::get(conn, first)?
        && let Some(r) = residences::find_in_org(conn, &row.org_id, &i.residence_id)?
    {
        content.place = format!("{}, {}", r.name, r.address);
    }
    if let Some(b) = content.bailleur_victim.as_mut() {
        b.representative = ANONYMISED.into();
        b.mandate = ANONYMISED.into();
    }
    for v in &mut content.employee_victims {
        v.staff_id = String::new();
        v.name = ANONYMISED.into();
        v.domicile = ANONYMISED.into();
    }
    content.suspects.clear();
    content.witnesses.clear();
    content.evidence.clear();
    if let Some(d) = content.damages.as_mut() {
        d.description = ANONYMISED.into();
    }
    let at = vigie_store::now();
    repo::replace_complaint_content(conn, &row.id, row.version, &json(&content)?, at)?;
    let saved = complaint_repo::get(conn, id)?.ok_or_else(AppError::internal)?;
    audit::record(
        conn,
        &system(),
        Change {
            action: "complaint.anonymised",
            resource_type: "complaint",
            resource_id: &saved.id,
            org_id: Some(&saved.org_id),
            state: &saved,
        },
    )?;
    events::record(
        conn,
        NewEvent {
            event_type: "complaint.anonymised",
            resource_type: "complaint",
            resource_id: &saved.id,
            org_id: &saved.org_id,
            circonscription_code: saved.circonscription_code.as_deref(),
            parquet_id: saved.parquet_id.as_deref(),
            restricted: false,
            for_prefecture: false,
            data: with_version(data, saved.version),
        },
    )?;
    Ok(())
}

fn pv(conn: &mut DbConn, id: &str, data: serde_json::Value) -> AppResult<()> {
    let mut row = pv_repo::get(conn, id)?.ok_or_else(AppError::internal)?;
    let scrub = |mut d: crate::pvs::PvDocument| {
        d.facts = ANONYMISED.into();
        d.correction_reason = d.correction_reason.map(|_| ANONYMISED.into());
        d.author.name = ANONYMISED.into();
        d.author.card_number = None;
        d.author.cnaps_card_number = None;
        d.place.building = None;
        d.place.entrance = None;
        d.place.common_part = None;
        d.offender = None;
        d.statements.clear();
        d.witnesses.clear();
        d.evidence.clear();
        d.signed_by = None;
        d
    };
    row.content = json(&scrub(row.content()?))?;
    if row.document.is_some() {
        let doc: crate::pvs::PvDocument = row.document()?;
        row.document = Some(json(&scrub(doc))?);
    }
    row.signed_by = None;
    let saved = pv_repo::save(conn, &system(), row, None, "pv.anonymised")?;
    events::record(
        conn,
        NewEvent {
            event_type: "pv.anonymised",
            resource_type: "pv",
            resource_id: &saved.id,
            org_id: &saved.org_id,
            circonscription_code: None,
            parquet_id: None,
            restricted: false,
            for_prefecture: false,
            data: with_version(data, saved.version),
        },
    )?;
    Ok(())
}

fn agent(conn: &mut DbConn, id: &str, data: serde_json::Value) -> AppResult<()> {
    let mut row = agent_repo::get(conn, id)?.ok_or_else(AppError::internal)?;
    row.file = json(&rules::anonymise_agent_file(row.file()?))?;
    let saved = agent_repo::save(conn, &system(), row, None, "sworn_agent.anonymised")?;
    events::record(
        conn,
        NewEvent {
            event_type: "sworn_agent.anonymised",
            resource_type: "sworn_agent",
            resource_id: &saved.id,
            org_id: &saved.org_id,
            circonscription_code: None,
            parquet_id: None,
            restricted: false,
            for_prefecture: false,
            data: with_version(data, saved.version),
        },
    )?;
    Ok(())
}

/// A préfet's measure's event: the same restricted audience as its other events (the
/// correspondents and the préfecture, never a webhook).
fn measure_event(
    conn: &mut DbConn,
    event_type: &str,
    resource_type: &str,
    id: &str,
    org_id: &str,
    circonscription_code: Option<&str>,
    data: serde_json::Value,
) -> AppResult<()> {
    events::record(
        conn,
        NewEvent {
            event_type,
            resource_type,
            resource_id: id,
            org_id,
            circonscription_code,
            parquet_id: None,
            restricted: true,
            for_prefecture: true,
            data,
        },
    )?;
    Ok(())
}

/// The dossier keeps its landlord, residence, status, dates, deadlines, court and the records it
/// relies on; the tenant, the grounds and the reasons given go.
fn injunction(conn: &mut DbConn, id: &str, data: serde_json::Value) -> AppResult<()> {
    let mut row = injunction_repo::get(conn, id)?.ok_or_else(AppError::internal)?;
    let mut content: crate::injunctions::Content = row.content()?;
    content.tenant = crate::injunctions::Tenant {
        name: ANONYMISED.into(),
        dwelling: ANONYMISED.into(),
        lease_ref: None,
    };
    content.grounds = ANONYMISED.into();
    let mut procedure = row.procedure()?;
    procedure.refusal_reasons = procedure.refusal_reasons.map(|_| ANONYMISED.into());
    procedure.substitution_reason = procedure.substitution_reason.map(|_| ANONYMISED.into());
    row.content = json(&content)?;
    row.procedure = json(&procedure)?;
    let saved = injunction_repo::save(conn, &system(), row, None, "injunction.anonymised")?;
    let data = with_version(data, saved.version);
    measure_event(
        conn,
        "injunction.anonymised",
        "injunction",
        &saved.id,
        &saved.org_id,
        None,
        data,
    )
}

/// The ban keeps its landlord, residence, circonscription and dates; the person, the grounds and
/// the places below the residence go.
fn ban(conn: &mut DbConn, id: &str, data: serde_json::Value) -> AppResult<()> {
    let mut row = ban_repo::get(conn, id)?.ok_or_else(AppError::internal)?;
    let mut content: crate::bans::Content = row.content()?;
    content.person = crate::bans::BannedPerson {
        name: ANONYMISED.into(),
        birth_date: None,
    };
    content.places = crate::bans::BanPlaces::default();
    content.grounds = ANONYMISED.into();
    row.content = json(&content)?;
    let saved = ban_repo::save(conn, &system(), row, None, "ban.anonymised")?;
    let data = with_version(data, saved.version);
    measure_event(
        conn,
        "ban.anonymised",
        "ban",
        &saved.id,
        &saved.org_id,
        saved.circonscription_code.as_deref(),
        data,
    )
}

fn json<T: Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(AppError::internal_because)
}

fn with_version(mut data: serde_json::Value, version: i64) -> serde_json::Value {
    data["version"] = version.into();
    data
}

/// Who runs: the platform admin, for every organisation or one; a DPO, a dry run of its own.
fn scope(caller: &Caller, body: &StartRun) -> AppResult<Option<String>> {
    if caller.has(Role::PlatformAdmin) {
        return Ok(body.org_id.clone());
    }
    if caller.org_kind == OrgKind::Bailleur && caller.has(Role::Dpo) {
        if !body.dry_run {
            return Err(AppError::forbidden(
                "a DPO previews its organisation's run (dry_run); the service runs it daily",
            ));
        }
        if body.org_id.as_deref().is_some_and(|o| o != caller.org_id) {
            return Err(AppError::not_found());
        }
        return Ok(Some(caller.org_id.clone()));
    }
    Err(AppError::forbidden(
        "retention runs are the platform admin's, and a DPO's dry runs",
    ))
}

/// Starts a run now and answers when it is over, with what it anonymised (or would).
pub async fn start(app: &App, caller: Caller, body: StartRun) -> AppResult<RetentionRun> {
    let org = scope(&caller, &body)?;
    let by = caller.sub.clone();
    run_now(app, &by, org, body.dry_run, false).await
}

/// The CLI's and the API's run: `started_by` is who asked.
pub async fn run_now(
    app: &App,
    started_by: &str,
    org: Option<String>,
    dry_run: bool,
    scheduled: bool,
) -> AppResult<RetentionRun> {
    let today = crate::calendar::today();
    let at = vigie_store::now();
    let row = RunRow {
        id: vigie_store::new_id(),
        day: today,
        scheduled,
        dry_run,
        org_id: org.clone(),
        started_by: started_by.to_owned(),
        owner: crate::process::id().to_owned(),
        heartbeat_at: at,
        started_at: at,
        finished_at: None,
        examined: 0,
        anonymised: 0,
    };
    let id = row.id.clone();
    app.db(move |conn| Ok(repo::create_run(conn, &row)?))
        .await?;
    finish(app, id, org, today, dry_run).await
}

async fn finish(
    app: &App,
    id: String,
    org: Option<String>,
    today: NaiveDate,
    dry_run: bool,
) -> AppResult<RetentionRun> {
    let (records, truncated) = execute(app, &id, org, today, dry_run).await?;
    let run = app
        .db(move |conn| {
            repo::finish_run(conn, &id, vigie_store::now())?;
            repo::get_run(conn, &id)?.ok_or_else(AppError::internal)
        })
        .await?;
    let mut v = view(run);
    v.records = Some(records);
    v.records_truncated = Some(truncated);
    Ok(v)
}

/// The daily run (the background job): claimed once per local day whatever the number of
/// processes; a run left unfinished by a process that stopped is taken over and carried on.
/// `None` when another process has it or today's is done.
pub async fn daily(app: &App) -> AppResult<Option<RetentionRun>> {
    let today = crate::calendar::today();
    let at = vigie_store::now();
    let stale_before = at - chrono::Duration::minutes(STALE_MINUTES);
    let fresh = RunRow {
        id: vigie_store::new_id(),
        day: today,
        scheduled: true,
        dry_run: false,
        org_id: None,
        started_by: "system".into(),
        owner: crate::process::id().to_owned(),
        heartbeat_at: at,
        started_at: at,
        finished_at: None,
        examined: 0,
        anonymised: 0,
    };
    let claimed = app
        .tx(move |conn| match repo::daily_run(conn, today)? {
            None => {
                repo::create_run(conn, &fresh)?;
                Ok(Some(fresh.id))
            }
            Some(run) if repo::take_over(conn, &run, crate::process::id(), at, stale_before)? => {
                Ok(Some(run.id))
            }
            Some(_) => Ok(None),
        })
        .await;
    let id = match claimed {
        Ok(Some(id)) => id,
        Ok(None) => return Ok(None),
        // Another process created today's run at the same moment.
        Err(e) if e.kind == ErrorKind::Conflict => return Ok(None),
        Err(e) => return Err(e),
    };
    finish(app, id, None, today, false).await.map(Some)
}

fn run_readers(caller: &Caller) -> AppResult<Option<String>> {
    if caller.has(Role::PlatformAdmin) {
        Ok(None)
    } else if caller.org_kind == OrgKind::Bailleur && caller.has(Role::Dpo) {
        Ok(Some(caller.org_id.clone()))
    } else {
        Err(AppError::forbidden(
            "retention runs are read by the platform admin and the DPOs",
        ))
    }
}

/// The runs, newest first: every run for the platform admin, its organisation's dry runs for a DPO.
pub async fn list(app: &App, caller: Caller, page: PageRequest) -> AppResult<Listed<RetentionRun>> {
    let org = run_readers(&caller)?;
    let limit = page.limit;
    let rows = app
        .db(move |conn| {
            Ok(repo::list_runs(
                conn,
                org.as_deref(),
                page.after.as_deref(),
                fetch_size(limit),
            )?)
        })
        .await?;
    views_of(rows, limit, |r| Ok(view(r)))
}

pub async fn get(app: &App, caller: Caller, id: String) -> AppResult<RetentionRun> {
    let org = run_readers(&caller)?;
    app.db(move |conn| {
        repo::get_run(conn, &id)?
            .filter(|r| org.is_none() || r.org_id == org)
            .map(view)
            .ok_or_else(AppError::not_found)
    })
    .await
}
