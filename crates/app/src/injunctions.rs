//! The préfet's injunctions to a social landlord to sue for the termination of a tenant's lease
//! (art. L.442-4-3 CCH, loi n° 2025-532): the préfecture opens the dossier, the landlord's
//! correspondent answers within 15 days and, having accepted, brings the action within a month;
//! failing either, the préfet may act in its place. Each step belongs to one party (403 otherwise).
//! A dossier names a tenant: only the préfecture's officers and that landlord's correspondent see
//! it (404 for anyone else), in the API, the feed and the notifications.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;
use vigie_domain::OrgKind;
use vigie_domain::delays::{DelayRule, LegalDelays};
use vigie_domain::injunction::{
    InjunctionError, InjunctionEvent, InjunctionParty, InjunctionStatus, Procedure,
};
use vigie_store::injunctions::{self as repo, InjunctionFilter, InjunctionRow};
use vigie_store::{DbConn, organisations, residences};

use crate::announce::Announcement;
use crate::calendar::today;
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, Answer, Created};
use crate::page::{Listed, PageRequest, fetch_size, views_of};

/// The tenant whose lease is at stake.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tenant {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "M. X")]
    pub name: String,
    /// The dwelling (building, staircase, floor, door).
    #[validate(length(min = 1, max = 300))]
    #[schema(
        min_length = 1,
        max_length = 300,
        example = "Bât. B, esc. B2, 3e étage, porte 31"
    )]
    pub dwelling: String,
    /// The landlord's reference of the lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub lease_ref: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bailleur_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f", "residence_id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b",
    "tenant": {"name": "M. X", "dwelling": "Bât. B, esc. B2, 3e étage, porte 31"},
    "grounds": "Participation au trafic de stupéfiants dans le hall B2 constatée à plusieurs reprises (procès-verbaux de police de septembre à novembre 2026).",
    "issued_on": "2026-11-27"}))]
pub struct CreateInjunction {
    /// The landlord enjoined (a bailleur).
    #[schema(max_length = 64)]
    pub bailleur_id: String,
    /// The residence of the dwelling, when the préfecture knows it.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub residence_id: Option<String>,
    #[validate(nested)]
    pub tenant: Tenant,
    /// What the préfet relies on: the behaviour that disturbs the peaceful use of the premises.
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub grounds: String,
    /// The day the landlord received the injunction: the 15 days run from it.
    pub issued_on: NaiveDate,
}

/// What the dossier holds besides its procedure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Content {
    pub(crate) tenant: Tenant,
    pub(crate) grounds: String,
    #[serde(default)]
    pub(crate) incident_ids: Vec<String>,
    #[serde(default)]
    pub(crate) complaint_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f70-1a2b-7c3d-8e4f-5a6b7c8d9e0f", "bailleur_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f",
    "prefecture_id": "01936f5e-9a4b-7c3d-9e2f-1a2b3c4d5e6f", "residence_id": "01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b",
    "status": "accepted", "tenant": {"name": "M. X", "dwelling": "Bât. B, esc. B2, 3e étage, porte 31"},
    "grounds": "Participation au trafic de stupéfiants dans le hall B2.",
    "incident_ids": ["01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0e"], "complaint_ids": [],
    "procedure": {"status": "accepted", "issued_on": "2026-11-27", "answer_by": "2026-12-12", "answered_on": "2026-11-29",
        "answered_late": false, "action_by": "2026-12-29", "action_late": false},
    "next_deadline": "2026-12-29", "days_left": 30, "next_steps": ["bring_action"], "version": 2,
    "created_at": "2026-11-27T10:00:00.000000Z", "updated_at": "2026-11-29T09:00:00.000000Z"}))]
pub struct Injunction {
    pub id: String,
    pub bailleur_id: String,
    pub prefecture_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residence_id: Option<String>,
    pub status: InjunctionStatus,
    pub tenant: Tenant,
    pub grounds: String,
    /// The landlord's incidents and complaints linked to the dossier.
    pub incident_ids: Vec<String>,
    pub complaint_ids: Vec<String>,
    /// Dates, deadlines (computed from the dated legal delays) and answers.
    pub procedure: Procedure,
    /// The deadline the dossier waits for, and the days left until it (negative once passed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_deadline: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// The steps possible today.
    pub next_steps: Vec<&'static str>,
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

fn view(row: InjunctionRow) -> AppResult<Injunction> {
    let content: Content = row.content()?;
    let procedure = row.procedure()?;
    let today = today();
    Ok(Injunction {
        status: row.status()?,
        next_deadline: procedure.next_deadline(),
        days_left: procedure.next_deadline().map(|d| (d - today).num_days()),
        next_steps: procedure.allowed(today),
        procedure,
        tenant: content.tenant,
        grounds: content.grounds,
        incident_ids: content.incident_ids,
        complaint_ids: content.complaint_ids,
        id: row.id,
        bailleur_id: row.org_id,
        prefecture_id: row.prefecture_id,
        residence_id: row.residence_id,
        retention: None,
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

/// Who reads dossiers: the préfecture's officers all of them, a bailleur's correspondent its own.
enum Readers {
    Prefecture,
    Bailleur(String),
}

fn readers(caller: &Caller) -> AppResult<Readers> {
    match caller.org_kind {
        OrgKind::Prefecture if caller.has(vigie_domain::Role::PrefectureOfficer) => {
            Ok(Readers::Prefecture)
        }
        OrgKind::Bailleur if caller.has(vigie_domain::Role::Correspondent) => {
            Ok(Readers::Bailleur(caller.org_id.clone()))
        }
        _ => Err(AppError::forbidden(
            "injunctions are read by the préfecture's officers and the landlord's correspondent",
        )),
    }
}

pub(crate) fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> AppResult<InjunctionRow> {
    let row = repo::get(conn, id)?.ok_or_else(AppError::not_found)?;
    match readers(caller) {
        Ok(Readers::Prefecture) => Ok(row),
        Ok(Readers::Bailleur(org)) if org == row.org_id => Ok(row),
        _ => Err(AppError::not_found()),
    }
}

/// The party a caller records a step as, if the step is theirs.
fn party(caller: &Caller, owner: InjunctionParty) -> AppResult<()> {
    let is = match owner {
        InjunctionParty::Bailleur => {
            caller.org_kind == OrgKind::Bailleur && caller.has(vigie_domain::Role::Correspondent)
        }
        InjunctionParty::Prefecture => {
            caller.org_kind == OrgKind::Prefecture
                && caller.has(vigie_domain::Role::PrefectureOfficer)
        }
    };
    if is {
        Ok(())
    } else {
        Err(AppError::forbidden(match owner {
            InjunctionParty::Bailleur => {
                "this step is the landlord's: its correspondent records it"
            }
            InjunctionParty::Prefecture => {
                "this step is the préfet's: a préfecture officer records it"
            }
        }))
    }
}

fn injunction_error(e: InjunctionError, allowed: Vec<&'static str>) -> AppError {
    let allowed = matches!(e, InjunctionError::NotAllowed { .. }).then_some(allowed);
    AppError::rule(e.is_conflict(), e.code(), e.to_string(), allowed)
}

/// The feed event and the notifications of a change: the préfecture and the landlord's
/// correspondent (restricted: no other role of the landlord, no webhook), and the landlord's
/// designated correspondent notified.
fn announce(conn: &mut DbConn, row: &InjunctionRow, event: &str, summary: String) -> AppResult<()> {
    crate::announce::announce(
        conn,
        Announcement {
            resource_type: "injunction",
            resource_id: &row.id,
            event,
            org_id: &row.org_id,
            circonscription_code: None,
            restricted: true,
            for_prefecture: true,
            summary,
            data: serde_json::json!({"status": row.status, "next_deadline": row.next_deadline, "version": row.version}),
        },
    )
}

/// Enjoin a landlord to sue for a lease's termination
///
/// A préfecture officer opens the dossier (art. L.442-4-3 CCH): the landlord, the tenant, the
/// grounds and the day the injunction was received. The deadlines follow from the dated legal
/// delays: an answer within 15 days, then the action within one month. The landlord's designated
/// correspondent is notified. Supports `Idempotency-Key`.
pub async fn create_injunction(
    app: &App,
    caller: Caller,
    key: Option<String>,
    body: CreateInjunction,
) -> AppResult<Answer> {
    party(&caller, InjunctionParty::Prefecture)?;
    let actor = caller.actor();
    let request = serde_json::to_value(&body).map_err(|_| AppError::internal())?;
    let prefecture_id = caller.org_id.clone();
    idempotency::create_once(app, caller.sub.clone(), key, &request, move |conn| {
        let bailleur = organisations::find(conn, &body.bailleur_id)?
            .filter(|o| o.kind().is_ok_and(|k| k == OrgKind::Bailleur))
            .ok_or_else(|| {
                AppError::invalid_field(
                    "bailleur_id",
                    "unknown_bailleur",
                    "not a bailleur of Vigie",
                )
            })?;
        if let Some(r) = &body.residence_id
            && residences::find_in_org(conn, &bailleur.id, r)?.is_none()
        {
            return Err(AppError::invalid_field(
                "residence_id",
                "unknown_residence",
                "not a residence of this bailleur",
            ));
        }
        let procedure = Procedure::new(body.issued_on, today(), LegalDelays::shipped())
            .map_err(|e| injunction_error(e, vec![]))?;
        let at = vigie_store::now();
        let content = Content {
            tenant: body.tenant,
            grounds: body.grounds,
            incident_ids: vec![],
            complaint_ids: vec![],
        };
        let row = InjunctionRow {
            id: vigie_store::new_id(),
            org_id: bailleur.id,
            prefecture_id,
            residence_id: body.residence_id,
            status: procedure.status.as_str().to_owned(),
            next_deadline: procedure.next_deadline(),
            alerted_deadline: None,
            content: serde_json::to_string(&content).map_err(|_| AppError::internal())?,
            procedure: serde_json::to_string(&procedure).map_err(|_| AppError::internal())?,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        repo::create(conn, &actor, &row)?;
        announce(
            conn,
            &row,
            "issued",
            format!(
                "injunction to sue received on {}: answer by {}",
                procedure.issued_on, procedure.answer_by
            ),
        )?;
        let location = format!("/api/v1/injunctions/{}", row.id);
        let version = row.version;
        Ok(Created {
            body: view(row)?,
            location,
            version,
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InjunctionQuery {
    pub status: Option<InjunctionStatus>,
    /// Only dossiers whose next deadline falls within this many days from today (overdue ones
    /// included).
    #[param(minimum = 0, maximum = 366)]
    pub due_within_days: Option<u32>,
}

/// List injunctions
///
/// The préfecture's officers see every dossier; a landlord's correspondent its own. Others 403.
pub async fn list_injunctions(
    app: &App,
    caller: Caller,
    q: InjunctionQuery,
    page: PageRequest,
) -> AppResult<Listed<Injunction>> {
    let scope = readers(&caller)?;
    let purpose = crate::access_journal::purpose(&caller)?;
    let limit = page.limit;
    let rows = app
        .db(move |conn| {
            Ok(repo::list(
                conn,
                &InjunctionFilter {
                    org_id: match scope {
                        Readers::Prefecture => None,
                        Readers::Bailleur(org) => Some(org),
                    },
                    status: q.status.map(|s| s.as_str().to_owned()),
                    due_by: q
                        .due_within_days
                        .map(|d| today() + chrono::Days::new(u64::from(d.min(366)))),
                    after_id: page.after,
                    limit: fetch_size(limit),
                },
            )?)
        })
        .await?;
    let read = crate::access_journal::owners_of(&rows, limit, |r| (&r.id, &r.org_id));
    let listed = views_of(rows, limit, view)?;
    crate::access_journal::record(app, &caller, purpose, "injunction", read).await?;
    Ok(listed)
}

/// Read an injunction
pub async fn get_injunction(app: &App, caller: Caller, id: String) -> AppResult<Injunction> {
    let purpose = crate::access_journal::purpose(&caller)?;
    let reader = caller.clone();
    let (i, read) = app
        .db(move |conn| {
            let row = visible(conn, &caller, &id)?;
            let retention = crate::retention::of_injunction(conn, &row)?;
            let read = vec![(row.id.clone(), row.org_id.clone())];
            let mut i = view(row)?;
            i.retention = Some(retention);
            Ok((i, read))
        })
        .await?;
    crate::access_journal::record(app, &reader, purpose, "injunction", read).await?;
    Ok(i)
}

/// Record a step of an injunction
///
/// `accept` or `refuse` (with `reasons`): the landlord's correspondent, within 15 days (a late
/// answer is recorded as late); `bring_action` (court, date of the summons): the landlord, once it
/// accepted, within one month; `substitute`: the préfet, after a refusal or a missed deadline (409
/// `substitution_not_open` before). Another party's step is a 403. Send `If-Match`.
pub async fn record_step(
    app: &App,
    caller: Caller,
    expected_version: Option<i64>,
    id: String,
    event: InjunctionEvent,
) -> AppResult<Injunction> {
    let actor = caller.actor();
    app.tx(move |conn| {
        let mut row = visible(conn, &caller, &id)?;
        party(&caller, event.owner())?;
        crate::retention::refuse_if_anonymised(
            conn,
            crate::retention::RecordKind::Injunction,
            &row.id,
        )?;
        let mut procedure = row.procedure()?;
        let name = event.name();
        let allowed = procedure.allowed(today());
        procedure
            .apply(event, today(), LegalDelays::shipped())
            .map_err(|e| injunction_error(e, allowed))?;
        row.status = procedure.status.as_str().to_owned();
        row.next_deadline = procedure.next_deadline();
        row.procedure = serde_json::to_string(&procedure).map_err(|_| AppError::internal())?;
        let row = repo::save(
            conn,
            &actor,
            row,
            expected_version,
            &format!("injunction.{name}"),
        )?;
        announce(conn, &row, name, format!("injunction {}: {name}", row.id))?;
        view(row)
    })
    .await
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"incident_ids": ["01936f60-1a2b-7c3d-8e4f-5a6b7c8d9e0e"], "complaint_ids": []}))]
pub struct InjunctionLinks {
    /// The landlord's incidents the dossier relies on (replaces the list).
    #[validate(length(max = 50))]
    #[schema(max_items = 50, max_length = 64)]
    pub incident_ids: Vec<String>,
    /// The landlord's complaints the dossier relies on (replaces the list).
    #[validate(length(max = 50))]
    #[schema(max_items = 50, max_length = 64)]
    pub complaint_ids: Vec<String>,
}

/// Link incidents and complaints to an injunction
///
/// The landlord's correspondent links its own incidents and complaints (one it cannot read is
/// `unknown_incident` / `unknown_complaint`, as for an id that does not exist). Send `If-Match`.
pub async fn link(
    app: &App,
    caller: Caller,
    expected_version: Option<i64>,
    id: String,
    body: InjunctionLinks,
) -> AppResult<Injunction> {
    let actor = caller.actor();
    app.tx(move |conn| {
        let mut row = visible(conn, &caller, &id)?;
        party(&caller, InjunctionParty::Bailleur)?;
        crate::retention::refuse_if_anonymised(
            conn,
            crate::retention::RecordKind::Injunction,
            &row.id,
        )?;
        for (i, incident) in body.incident_ids.iter().enumerate() {
            crate::incidents::visible(conn, &caller, incident).map_err(|_| {
                AppError::invalid_field(
                    &format!("incident_ids[{i}]"),
                    "unknown_incident",
                    "no such incident of this landlord",
                )
            })?;
        }
        for (i, complaint) in body.complaint_ids.iter().enumerate() {
            crate::complaints::visible(conn, &caller, complaint).map_err(|_| {
                AppError::invalid_field(
                    &format!("complaint_ids[{i}]"),
                    "unknown_complaint",
                    "no such complaint of this landlord",
                )
            })?;
        }
        let mut content: Content = row.content()?;
        content.incident_ids = body.incident_ids;
        content.complaint_ids = body.complaint_ids;
        row.content = serde_json::to_string(&content).map_err(|_| AppError::internal())?;
        let row = repo::save(conn, &actor, row, expected_version, "injunction.linked")?;
        view(row)
    })
    .await
}

/// Alerts the landlord's correspondent (notification and feed event, seen by the préfecture too)
/// once for each deadline that falls within the alert notice (dated data, 5 days), overdue ones
/// included. Run by the server's housekeeping; safe to run from several processes (a dossier
/// alerted by one is skipped by the others: the version check refuses the second write).
pub async fn alert_due_deadlines(app: &App) -> AppResult<usize> {
    app.tx(|conn| {
        let on = today();
        let notice = LegalDelays::shipped().value_on(DelayRule::InjunctionAlertDays, on);
        let due = repo::due_for_alert(conn, on + chrono::Days::new(u64::from(notice)), 500)?;
        let n = due.len();
        for mut row in due {
            row.alerted_deadline = row.next_deadline;
            let deadline = row.next_deadline.map(|d| d.to_string()).unwrap_or_default();
            let row = repo::save(
                conn,
                &vigie_store::audit::Actor::system(),
                row,
                None,
                "injunction.deadline_alerted",
            )?;
            announce(
                conn,
                &row,
                "deadline_approaching",
                format!("injunction {}: deadline {deadline}", row.id),
            )?;
        }
        Ok(n)
    })
    .await
}
