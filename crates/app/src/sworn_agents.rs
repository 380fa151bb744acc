//! `/sworn-agents`: the files of a bailleur's sworn agents (commission, aptitude, agrément, oath,
//! suspension, withdrawal). Whether an agent is active on a day is computed by the domain from the
//! file, never stored.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;
use vigie_domain::Role;
use vigie_domain::delays::{DelayRule, LegalDelays};
use vigie_domain::sworn::{
    AgentFile, Agrement, AgrementRefusal, AgrementRequest, Aptitude, Commission, FileError,
    FileEvent, FileStatus, Oath, OffenceFacts, Regime, Suspension, Withdrawal, check_commission,
};
use vigie_store::principals::PrincipalKind;
use vigie_store::sworn_agents::{self as repo, AgentFilter, AgentRow};
use vigie_store::{DbConn, StoreError, offences, residences};

use crate::calendar::today;
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, Answer, Created};
use crate::page::{Listed, PageRequest, fetch_size, views_of};
use crate::policy::{self, AgentFiles};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
  "id": "01936f70-0000-7000-8000-000000000001", "org_id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f",
  "staff_id": "01936f5e-e5f6-7071-8b83-9d0e1f2a3b4c", "agent_name": "Karim Benali",
  "principal_id": "01936f5d-0000-7000-8000-000000000009", "regime": "garde_particulier", "status": "active", "status_on": "2026-11-28",
  "commission": {"residence_ids": ["01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b"], "offence_codes": ["CP-R634-2", "CP-322-1-I"], "issued_on": "2026-01-05"},
  "aptitude": {"certificate_ref": "APT-2026-117", "obtained_on": "2026-01-20"},
  "agrements": [{"arrete_number": "PREF-92-2026-0042", "prefet": "Préfet des Hauts-de-Seine", "start": "2026-02-01", "end": "2031-02-01",
     "offence_codes": ["CP-R634-2", "CP-322-1-I"], "card_number": "GP-92-0042", "recorded_by": "prefecture"}],
  "oath": {"tribunal": "Tribunal judiciaire de Nanterre", "sworn_on": "2026-02-10"},
  "suspensions": [], "agrement_end": "2031-02-01", "renewal_due": false, "version": 4,
  "created_at": "2026-01-05T09:00:00.000000Z", "updated_at": "2026-02-10T15:00:00.000000Z"
}))]
pub struct SwornAgent {
    pub id: String,
    /// The bailleur (what the préfecture, which reads every bailleur's files, needs to know).
    pub org_id: String,
    pub staff_id: String,
    pub agent_name: String,
    /// The person who is this agent in Vigie (draws up and signs PVs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    pub regime: Regime,
    /// Where the file stands on `status_on` (today unless `on` was asked): computed from the file.
    pub status: FileStatus,
    pub status_on: NaiveDate,
    pub commission: Commission,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aptitude: Option<Aptitude>,
    /// Every agrément, renewals after the first.
    pub agrements: Vec<Agrement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oath: Option<Oath>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cnaps_card_number: Option<String>,
    pub suspensions: Vec<Suspension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawal: Option<Withdrawal>,
    /// The bailleur's request awaiting the préfet's decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<AgrementRequest>,
    /// The préfet's refusals, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<AgrementRefusal>,
    /// When the préfecture heard the bailleur and the agent before a withdrawal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawal_hearing: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agrement_end: Option<NaiveDate>,
    /// The agrément ends within the renewal notice (90 days) of `status_on`.
    pub renewal_due: bool,
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

pub fn decode_file(row: &AgentRow) -> AppResult<AgentFile> {
    Ok(row.file()?)
}

fn view(conn: &mut DbConn, row: AgentRow, on: NaiveDate) -> AppResult<SwornAgent> {
    let file = decode_file(&row)?;
    let staff =
        residences::find_staff(conn, &row.org_id, &row.staff_id)?.ok_or_else(AppError::internal)?;
    let notice = LegalDelays::shipped().value_on(DelayRule::AgrementRenewalNoticeDays, on);
    let renewal_due = file.withdrawal.is_none()
        && row
            .agrement_end
            .is_some_and(|end| end >= on && end <= on + Days::new(u64::from(notice)));
    Ok(SwornAgent {
        id: row.id,
        org_id: row.org_id,
        staff_id: row.staff_id,
        agent_name: format!("{} {}", staff.first_name, staff.last_name),
        principal_id: row.principal_id,
        regime: file.regime,
        status: file.status_on(on),
        status_on: on,
        agrement_end: row.agrement_end,
        renewal_due,
        commission: file.commission,
        aptitude: file.aptitude,
        agrements: file.agrements,
        oath: file.oath,
        cnaps_card_number: file.cnaps_card_number,
        suspensions: file.suspensions,
        withdrawal: file.withdrawal,
        request: file.request,
        refusals: file.refusals,
        withdrawal_hearing: file.withdrawal_hearing,
        retention: None,
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

/// The catalogue facts of `codes`; an unknown code is a 422 on `field`.
pub fn offence_facts(
    conn: &mut DbConn,
    codes: &[String],
    field: &str,
) -> AppResult<Vec<OffenceFacts>> {
    if codes.len() > 50 {
        return Err(AppError::invalid_field(field, "too_many", "at most 50"));
    }
    let mut out = vec![];
    for (i, code) in codes.iter().enumerate() {
        let o = offences::find_by_code(conn, code)?.ok_or_else(|| {
            AppError::invalid_field(
                &format!("{field}[{i}]"),
                "unknown_offence",
                "not in the offence catalogue",
            )
        })?;
        out.push(OffenceFacts {
            code: o.code,
            regime_b_allowed: o.regime_b_allowed,
        });
    }
    Ok(out)
}

fn check_residences(conn: &mut DbConn, org_id: &str, ids: &[String]) -> AppResult<()> {
    if ids.len() > 500 {
        return Err(AppError::invalid_field(
            "commission.residence_ids",
            "too_many",
            "at most 500",
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        if residences::find_in_org(conn, org_id, id)?.is_none() {
            return Err(AppError::invalid_field(
                &format!("commission.residence_ids[{i}]"),
                "unknown_residence",
                "no such residence in your organisation",
            ));
        }
    }
    Ok(())
}

/// A file rule refused: the file's state (409) or the event's data (422), under the rule's code.
fn file_error(e: FileError) -> AppError {
    AppError::rule(e.is_conflict(), e.code(), e.to_string(), None)
}

/// Every string of an event is 1 to 200 characters (reasons up to 2 000).
fn check_event_text(event: &FileEvent) -> AppResult<()> {
    let texts: Vec<(&str, &str, usize)> = match event {
        FileEvent::Aptitude {
            certificate_ref, ..
        } => vec![("certificate_ref", certificate_ref, 200)],
        FileEvent::Agrement {
            arrete_number,
            prefet,
            card_number,
            ..
        } => {
            let mut v = vec![
                ("arrete_number", arrete_number.as_str(), 200),
                ("prefet", prefet, 200),
            ];
            if let Some(c) = card_number {
                v.push(("card_number", c, 100));
            }
            v
        }
        FileEvent::Oath { tribunal, .. } => vec![("tribunal", tribunal, 200)],
        FileEvent::Suspension { reason, .. }
        | FileEvent::Withdrawal { reason, .. }
        | FileEvent::AgrementRefusal { reason, .. } => vec![("reason", reason, 2000)],
        FileEvent::Commission { .. }
        | FileEvent::SuspensionLifted { .. }
        | FileEvent::AgrementRequest { .. }
        | FileEvent::WithdrawalHearing { .. } => vec![],
    };
    for (field, text, max) in texts {
        if text.chars().count() > max {
            return Err(AppError::invalid_field(
                field,
                "too_long",
                format!("at most {max} characters"),
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
  "staff_id": "01936f5e-e5f6-7071-8b83-9d0e1f2a3b4c", "principal_id": "01936f5d-0000-7000-8000-000000000009", "regime": "garde_particulier",
  "commission": {"residence_ids": ["01936f5e-d4e5-7f60-8a72-8c9d0e1f2a3b"], "offence_codes": ["CP-R634-2", "CP-322-1-I"], "issued_on": "2026-01-05"}
}))]
pub struct CreateSwornAgent {
    /// The staff member being sworn (one file per person: one regime at most).
    #[schema(max_length = 64)]
    pub staff_id: String,
    /// The person (with the `sworn_agent` role) who is this agent in Vigie, if they log in.
    #[schema(max_length = 64)]
    pub principal_id: Option<String>,
    pub regime: Regime,
    pub commission: Commission,
    /// CNAPS professional card number: required for regime B.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub cnaps_card_number: Option<String>,
}

/// Open a sworn agent's file
///
/// The bailleur's correspondent, admin or integration commissions a staff member: regime, residences
/// in their charge and kinds of offences. Agrément, oath and the rest follow as events.
/// Error codes: `agent_file_exists` (409: the person already has a file, one regime at most),
/// `regime_b_contraventions_only` (422), field errors `unknown_staff`, `unknown_residence`,
/// `unknown_offence`, `not_a_sworn_agent`, `required`.
pub async fn create_sworn_agent(
    app: &App,
    caller: Caller,
    key: Option<String>,
    body: CreateSwornAgent,
) -> AppResult<Answer> {
    policy::manage_agent_files(&caller)?;
    let actor = caller.actor();
    let org_id = caller.org_id.clone();
    let request = serde_json::to_value(&body).map_err(|_| AppError::internal())?;
    idempotency::create_once(app, caller.sub.clone(), key, &request, move |conn| {
        let staff = residences::find_staff(conn, &org_id, &body.staff_id)?.ok_or_else(|| {
            AppError::invalid_field(
                "staff_id",
                "unknown_staff",
                "no staff member with this id in your organisation",
            )
        })?;
        if let Some(p) = &body.principal_id {
            let person =
                vigie_store::principals::find_in_org(conn, PrincipalKind::Person, &org_id, p)?
                    .ok_or_else(|| {
                        AppError::invalid_field(
                            "principal_id",
                            "unknown_person",
                            "no person with this id in your organisation",
                        )
                    })?;
            let roles = vigie_store::decode_roles(&person.roles)?;
            if !roles.contains(&Role::SwornAgent) {
                return Err(AppError::invalid_field(
                    "principal_id",
                    "not_a_sworn_agent",
                    "the person needs the `sworn_agent` role",
                ));
            }
        }
        if body.regime == Regime::LandlordSecurityAgent && body.cnaps_card_number.is_none() {
            return Err(AppError::invalid_field(
                "cnaps_card_number",
                "required",
                "a regime B agent holds a CNAPS professional card",
            ));
        }
        check_residences(conn, &org_id, &body.commission.residence_ids)?;
        let facts = offence_facts(
            conn,
            &body.commission.offence_codes,
            "commission.offence_codes",
        )?;
        check_commission(body.regime, &body.commission, &facts).map_err(file_error)?;
        let file = AgentFile::new(body.regime, body.commission, body.cnaps_card_number);
        let at = vigie_store::now();
        let row = AgentRow {
            id: vigie_store::new_id(),
            org_id: org_id.clone(),
            staff_id: staff.id,
            principal_id: body.principal_id,
            regime: body.regime.as_str().to_owned(),
            file: serde_json::to_string(&file).map_err(|_| AppError::internal())?,
            agrement_end: None,
            version: 1,
            created_at: at,
            updated_at: at,
            request_pending: false,
        };
        repo::create(conn, &actor, &row).map_err(|e| match e {
            StoreError::Conflict(what) => AppError::conflict(
                "agent_file_exists",
                format!(
                    "a sworn-agent file exists for this {what}: a person holds one regime at most"
                ),
            ),
            other => other.into(),
        })?;
        let version = row.version;
        let location = format!("/api/v1/sworn-agents/{}", row.id);
        Ok(Created {
            body: view(conn, row, today())?,
            location,
            version,
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgentQuery {
    pub regime: Option<Regime>,
    /// Only files whose agrément ends within this many days from today (e.g. 90).
    #[param(minimum = 0, maximum = 3650)]
    pub agrement_ending_within_days: Option<u32>,
    /// Only files due for renewal: agrément ending within the renewal notice (90 days).
    pub renewal_due: Option<bool>,
    /// Compute each file's status on this day (default today).
    pub on: Option<NaiveDate>,
    /// Only files with (`true`) or without a request for an agrément awaiting the préfet.
    pub request_pending: Option<bool>,
}

/// List sworn agents
///
/// The bailleur's files (its correspondent, admin and integration); a sworn agent sees their own; a
/// préfecture officer every bailleur's, to decide on them. `renewal_due=true` lists the agréments
/// ending within 90 days, `request_pending=true` the requests awaiting the préfet.
pub async fn list_sworn_agents(
    app: &App,
    caller: Caller,
    q: AgentQuery,
    page: PageRequest,
) -> AppResult<Listed<SwornAgent>> {
    let limit = page.limit;
    let after = page.after.clone();
    if q.agrement_ending_within_days.is_some_and(|d| d > 3650) {
        return Err(AppError::invalid_field(
            "agrement_ending_within_days",
            "out_of_range",
            "0 to 3650",
        ));
    }
    let on = q.on.unwrap_or_else(today);
    app.db(move |conn| {
        let scope = policy::agent_file_scope(&caller)?;
        let principal_id = match scope {
            AgentFiles::Own => Some(caller_principal_id(conn, &caller)?),
            AgentFiles::Bailleur | AgentFiles::Prefecture => None,
        };
        let notice = LegalDelays::shipped().value_on(DelayRule::AgrementRenewalNoticeDays, on);
        let within = match (q.agrement_ending_within_days, q.renewal_due) {
            (Some(d), _) => Some(d),
            (None, Some(true)) => Some(notice),
            _ => None,
        };
        let today = today();
        let f = AgentFilter {
            org_id: (scope != AgentFiles::Prefecture).then(|| caller.org_id.clone()),
            request_pending: q.request_pending,
            principal_id,
            regime: q.regime.map(|r| r.as_str().to_owned()),
            ending_from: within.map(|_| today),
            ending_by: within.map(|d| today + Days::new(u64::from(d))),
            after_id: after,
            limit: fetch_size(limit),
        };
        let rows = repo::list(conn, &f)?;
        views_of(rows, limit, |r| view(conn, r, on))
    })
    .await
}

/// The principal id of a person caller (`person:<login>`).
pub fn caller_principal_id(conn: &mut DbConn, caller: &Caller) -> AppResult<String> {
    let login = caller
        .sub
        .strip_prefix("person:")
        .ok_or_else(|| AppError::forbidden("this operation is for a person, not an API client"))?;
    vigie_store::principals::find_person_by_login(conn, &caller.org_id, login)?
        .map(|p| p.id)
        .ok_or_else(|| AppError::forbidden("unknown person"))
}

/// Loads a file the caller may see, or 404.
pub fn visible_file(conn: &mut DbConn, caller: &Caller, id: &str) -> AppResult<AgentRow> {
    let row = repo::get(conn, id)?.ok_or_else(AppError::not_found)?;
    let visible = match policy::agent_file_scope(caller) {
        Ok(AgentFiles::Prefecture) => true,
        Ok(AgentFiles::Bailleur) => row.org_id == caller.org_id,
        Ok(AgentFiles::Own) => {
            row.org_id == caller.org_id
                && row.principal_id.as_deref() == Some(caller_principal_id(conn, caller)?.as_str())
        }
        Err(_) => false,
    };
    if visible {
        Ok(row)
    } else {
        Err(AppError::not_found())
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnQuery {
    /// Compute the status on this day (default today).
    pub on: Option<NaiveDate>,
}

/// Read a sworn agent's file
///
/// With its status on `on` (default today): active only with an agrément covering the day, the oath
/// taken, and no suspension or withdrawal.
pub async fn get_sworn_agent(
    app: &App,
    caller: Caller,
    id: String,
    q: OnQuery,
) -> AppResult<SwornAgent> {
    let on = q.on.unwrap_or_else(today);
    app.db(move |conn| {
        let row = visible_file(conn, &caller, &id)?;
        let retention = crate::retention::of_agent(conn, &row)?;
        let mut agent = view(conn, row, on)?;
        agent.retention = Some(retention);
        Ok(agent)
    })
    .await
}

/// Record an event on a sworn agent's file
///
/// `kind` says which: `commission` (new perimeter or offences), `aptitude`, `agrement` (first or
/// renewal; `end` defaults to `start` + 5 years and cannot be later), `oath`, `suspension`,
/// `suspension_lifted`, `withdrawal` (final). Correspondent, admin or integration; send `If-Match`.
/// Error codes: 409 `agent_withdrawn`, `oath_before_agrement`, `already_suspended`, `not_suspended`;
/// 422 `agrement_too_long`, `end_before_start`, `renewal_before_previous`, `offence_outside_commission`,
/// `regime_b_contraventions_only`, `required`, and field errors `unknown_offence`, `unknown_residence`.
pub async fn record_event(
    app: &App,
    caller: Caller,
    expected_version: Option<i64>,
    id: String,
    event: FileEvent,
) -> AppResult<SwornAgent> {
    let expected = expected_version;
    check_event_text(&event)?;
    let actor = caller.actor();
    app.tx(move |conn| {
        let row = visible_file(conn, &caller, &id)?;
        let by = policy::file_party(&caller, event.owners())?;
        crate::retention::refuse_if_anonymised(
            conn,
            crate::retention::RecordKind::SwornAgent,
            &row.id,
        )?;
        let mut file = decode_file(&row)?;
        let codes: Vec<String> = match &event {
            FileEvent::Commission {
                offence_codes,
                residence_ids,
                ..
            } => {
                check_residences(conn, &row.org_id, residence_ids)?;
                offence_codes.clone()
            }
            FileEvent::Agrement { offence_codes, .. }
            | FileEvent::AgrementRequest { offence_codes, .. } => offence_codes.clone(),
            _ => vec![],
        };
        let facts = offence_facts(conn, &codes, "offence_codes")?;
        let action = format!("sworn_agent.{}", event.name());
        file.apply(event, &facts, LegalDelays::shipped(), by, today())
            .map_err(file_error)?;
        let mut row = row;
        row.agrement_end = file.agrement_end();
        row.request_pending = file.request.is_some();
        row.file = serde_json::to_string(&file).map_err(|_| AppError::internal())?;
        let row = repo::save(conn, &actor, row, expected, &action)?;
        view(conn, row, today())
    })
    .await
}
