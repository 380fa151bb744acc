//! `/pv-transmissions`: PVs sent together to the parquet with their transmission slip (bordereau),
//! as JSON and as a printable HTML page; the parquet acknowledges receipt. A PV sent after its
//! deadline is flagged void, never silently accepted.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;
use vigie_domain::OrgKind;
use vigie_domain::delays::LegalDelays;
use vigie_domain::pv::{self, PvStatus, TransmissionMode};
use vigie_store::pvs::{
    self as repo, PvFilter, PvRow, PvScope, TransmissionRow, TransmissionScope,
};
use vigie_store::{DbConn, offences, organisations, sworn_agents};

use crate::calendar::today;
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::idempotency::{self, Answer, Created};
use crate::page::{Listed, PageRequest, fetch_size, views_of};
use crate::policy;
use crate::policy::PvAccess;
use crate::pvs::{PvDocument, state_error, visible};
use crate::sworn_agents::caller_principal_id;

#[derive(Debug, Serialize, ToSchema)]
pub struct SlipOffence {
    pub offence_code: String,
    pub label: String,
    /// NATINF code, when the catalogue knows it: it goes on the slip, not in the PV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub natinf: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlipLine {
    pub pv_id: String,
    pub number: String,
    pub revision: i64,
    pub author: String,
    pub found_on: NaiveDate,
    pub deadline: NaiveDate,
    /// Sent after the deadline: void (nullité).
    pub void: bool,
    pub content_hash: String,
    pub offences: Vec<SlipOffence>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
  "id": "01936f90-0000-7000-8000-000000000001", "bailleur": "Hauts-de-Seine Habitat", "parquet_id": "01936f5c-0000-7000-8000-000000000003",
  "parquet": "Parquet de Nanterre", "transmitted_on": "2026-11-30", "mode": "registered_letter", "proof_reference": "1A 234 567 8901 2",
  "lines": [{"pv_id": "01936f80-0000-7000-8000-000000000001", "number": "2026-000042", "revision": 1, "author": "Karim Benali",
     "found_on": "2026-11-27", "deadline": "2026-12-02", "void": false, "content_hash": "sha256:3a7b...",
     "offences": [{"offence_code": "CP-R634-2", "label": "Dépôt d'ordures hors des emplacements autorisés"}]}],
  "void_count": 0, "version": 1, "created_at": "2026-11-30T08:00:00.000000Z"
}))]
pub struct Transmission {
    pub id: String,
    pub bailleur: String,
    pub parquet_id: String,
    pub parquet: String,
    pub transmitted_on: NaiveDate,
    pub mode: TransmissionMode,
    /// Registered-letter number, delivery receipt, or the OPJ's reference.
    pub proof_reference: String,
    /// The OPJ the PVs went through (regime B).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opj: Option<String>,
    pub lines: Vec<SlipLine>,
    /// PVs of this slip sent after their deadline.
    pub void_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "vigie_domain::timestamp::option")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
    pub version: i64,
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
}

fn view(conn: &mut DbConn, t: TransmissionRow) -> AppResult<Transmission> {
    let mut f = PvFilter::new(
        PvScope::Bailleur {
            org_id: t.org_id.clone(),
            agent_id: None,
        },
        1000,
    );
    f.transmission_id = Some(t.id.clone());
    let mut lines = vec![];
    for r in repo::list(conn, &f)? {
        let doc: PvDocument = r.document()?;
        let mut offences_ = vec![];
        for q in doc.qualifications {
            let natinf = offences::find_by_code(conn, &q.offence_code)?.and_then(|o| o.natinf);
            offences_.push(SlipOffence {
                offence_code: q.offence_code,
                label: q.label,
                natinf,
            });
        }
        lines.push(SlipLine {
            pv_id: r.id,
            number: r.number,
            revision: r.revision,
            author: doc.author.name,
            found_on: r.found_on,
            deadline: r.deadline,
            void: r.void,
            content_hash: r.content_hash.unwrap_or_default(),
            offences: offences_,
        });
    }
    lines.sort_by(|a, b| a.number.cmp(&b.number).then(a.revision.cmp(&b.revision)));
    let bailleur = organisations::get(conn, &t.org_id)?.name;
    let parquet = organisations::get(conn, &t.parquet_id)?.name;
    let mode = t.mode()?;
    Ok(Transmission {
        void_count: lines.iter().filter(|l| l.void).count(),
        lines,
        bailleur,
        parquet,
        id: t.id,
        parquet_id: t.parquet_id,
        transmitted_on: t.transmitted_on,
        mode,
        proof_reference: t.proof_reference,
        opj: t.opj,
        acknowledged_at: t.acknowledged_at.map(|a| a.and_utc()),
        acknowledged_by: t.acknowledged_by,
        version: t.version,
        created_at: t.created_at.and_utc(),
    })
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pv_ids": ["01936f80-0000-7000-8000-000000000001"], "transmitted_on": "2026-11-30",
    "mode": "registered_letter", "proof_reference": "1A 234 567 8901 2"}))]
pub struct CreateTransmission {
    /// Signed PVs of the bailleur, latest revisions, not yet transmitted.
    #[validate(length(min = 1, max = 100))]
    #[schema(max_length = 64, min_items = 1, max_items = 100)]
    pub pv_ids: Vec<String>,
    /// The day the PVs left (posting date or hand delivery): checked against each deadline.
    pub transmitted_on: NaiveDate,
    /// Regime A: `registered_letter` or `hand_delivery`; regime B: `via_opj`.
    pub mode: TransmissionMode,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub proof_reference: String,
    /// Name and service of the OPJ (required with `via_opj`).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub opj: Option<String>,
    /// The parquet (default: the deployment's only parquet organisation).
    #[schema(max_length = 64)]
    pub parquet_id: Option<String>,
}

fn parquet_for(conn: &mut DbConn, id: Option<&str>) -> AppResult<String> {
    let org = match id {
        Some(id) => organisations::find(conn, id)?,
        None => organisations::find_by_kind(conn, OrgKind::Parquet)?,
    };
    org.filter(|o| o.kind == OrgKind::Parquet.as_str() && o.active)
        .map(|o| o.id)
        .ok_or_else(|| {
            AppError::invalid_field(
                "parquet_id",
                "unknown_parquet",
                "no such parquet organisation: name an active one",
            )
        })
}

/// Transmit PVs to the parquet
///
/// Records that signed PVs left for the parquet, on a day, by a mode that fits each author's regime
/// (regime A directly, regime B through an OPJ), with a proof reference. A PV sent after its
/// deadline is accepted but flagged `void` on the slip and on the PV. Correspondent, integration,
/// or a sworn agent for their own PVs. Error codes: 409 `pv_not_signed`, `pv_already_transmitted`,
/// `pv_superseded`; 422 `transmission_mode_not_allowed`, field errors `unknown_pv`, `in_the_future`,
/// `before_signature`, `unknown_parquet`, `required` (opj).
pub async fn create_transmission(
    app: &App,
    caller: Caller,
    key: Option<String>,
    body: CreateTransmission,
) -> AppResult<Answer> {
    let access = policy::transmit_pvs(&caller)?;
    if body.transmitted_on > today() {
        return Err(AppError::invalid_field(
            "transmitted_on",
            "in_the_future",
            "record a transmission once it happened",
        ));
    }
    if body.mode == TransmissionMode::ViaOpj && body.opj.is_none() {
        return Err(AppError::invalid_field(
            "opj",
            "required",
            "name the OPJ the PVs went through",
        ));
    }
    let mut ids = body.pv_ids.clone();
    ids.sort();
    ids.dedup();
    if ids.len() != body.pv_ids.len() {
        return Err(AppError::invalid_field(
            "pv_ids",
            "duplicate",
            "a PV is listed twice",
        ));
    }
    let actor = caller.actor();
    let request = serde_json::to_value(&body).map_err(|_| AppError::internal())?;
    let c = caller.clone();
    idempotency::create_once(app, c.sub.clone(), key, &request, move |conn| {
        let parquet_id = parquet_for(conn, body.parquet_id.as_deref())?;
        let own_agent = match access {
            PvAccess::Agent => {
                let me = caller_principal_id(conn, &caller)?;
                sworn_agents::find_by_principal(conn, &me)?.map(|a| a.id)
            }
            _ => None,
        };
        let mut rows: Vec<PvRow> = vec![];
        for (i, id) in body.pv_ids.iter().enumerate() {
            let row = visible(conn, &caller, id)
                .ok()
                .filter(|r| r.org_id == caller.org_id)
                .filter(|r| access != PvAccess::Agent || own_agent.as_deref() == Some(&r.agent_id))
                .ok_or_else(|| {
                    AppError::invalid_field(
                        &format!("pv_ids[{i}]"),
                        "unknown_pv",
                        "no such PV of yours",
                    )
                })?;
            let status = row.status()?;
            pv::can_transmit(status, row.superseded_by.is_some()).map_err(|e| {
                let mut err = state_error(e);
                err.detail = format!(
                    "PV {} (revision {}): {}",
                    row.number, row.revision, err.detail
                );
                err
            })?;
            let agent = sworn_agents::get(conn, &row.agent_id)?.ok_or_else(AppError::internal)?;
            let regime = agent.regime()?;
            if !TransmissionMode::allowed_for(regime).contains(&body.mode) {
                let allowed: Vec<&str> = TransmissionMode::allowed_for(regime)
                    .iter()
                    .map(|m| m.as_str())
                    .collect();
                let mut err = AppError::new(
                    ErrorKind::Invalid,
                    "transmission_mode_not_allowed",
                    format!(
                        "PV {} is by a {} agent: it goes to the parquet by {}",
                        row.number,
                        regime.as_str(),
                        allowed.join(" or ")
                    ),
                );
                err.allowed = Some(allowed.iter().map(|s| (*s).to_owned()).collect());
                return Err(err);
            }
            if row
                .signed_at
                .is_some_and(|s| body.transmitted_on < pv::local_day(s.and_utc()))
            {
                return Err(AppError::invalid_field(
                    "transmitted_on",
                    "before_signature",
                    format!("PV {} was signed after that day", row.number),
                ));
            }
            rows.push(row);
        }
        let t = TransmissionRow {
            id: vigie_store::new_id(),
            org_id: caller.org_id.clone(),
            parquet_id,
            transmitted_on: body.transmitted_on,
            mode: body.mode.as_str().to_owned(),
            proof_reference: body.proof_reference,
            opj: body.opj,
            created_by: caller.sub.clone(),
            acknowledged_at: None,
            acknowledged_by: None,
            version: 1,
            created_at: vigie_store::now(),
        };
        repo::create_transmission(conn, &actor, &t)?;
        let mut sent = vec![];
        for mut row in rows {
            row.status = PvStatus::Transmitted.as_str().to_owned();
            row.transmission_id = Some(t.id.clone());
            row.transmitted_on = Some(t.transmitted_on);
            row.void = pv::is_void(row.found_on, t.transmitted_on, LegalDelays::shipped());
            let action = if row.void {
                "pv.transmitted_late_void"
            } else {
                "pv.transmitted"
            };
            sent.push(repo::save(conn, &actor, row, None, action)?);
        }
        // Feed events last: they take the feed's counter until commit.
        for row in &sent {
            vigie_store::events::record(
                conn,
                vigie_store::events::NewEvent {
                    event_type: "pv.transmitted",
                    resource_type: "pv",
                    resource_id: &row.id,
                    org_id: &row.org_id,
                    circonscription_code: None,
                    parquet_id: Some(&t.parquet_id),
                    restricted: false,
                    for_prefecture: false,
                    data: serde_json::json!({"number": row.number, "revision": row.revision,
                        "transmission_id": t.id, "void": row.void}),
                },
            )?;
        }
        let location = format!("/api/v1/pv-transmissions/{}", t.id);
        let version = t.version;
        Ok(Created {
            body: view(conn, t)?,
            location,
            version,
        })
    })
    .await
}

/// Which transmissions a caller reads: the bailleur's correspondent and integration all of its
/// own, a sworn agent those that carry one of their PVs, the parquet those sent to it.
fn transmission_scope(conn: &mut DbConn, caller: &Caller) -> AppResult<TransmissionScope> {
    Ok(match policy::pv_access(caller)? {
        PvAccess::Parquet => TransmissionScope::Parquet {
            parquet_id: caller.org_id.clone(),
        },
        PvAccess::Bailleur => TransmissionScope::Bailleur {
            org_id: caller.org_id.clone(),
        },
        PvAccess::Agent => {
            let me = caller_principal_id(conn, caller)?;
            TransmissionScope::Agent {
                org_id: caller.org_id.clone(),
                // No file: an id that matches nothing.
                agent_id: vigie_store::sworn_agents::find_by_principal(conn, &me)?
                    .map(|f| f.id)
                    .unwrap_or_default(),
            }
        }
    })
}

/// List transmissions
///
/// The bailleur's slips; for the magistrat référent and délégués, what was sent to their parquet.
pub async fn list_transmissions(
    app: &App,
    caller: Caller,
    page: PageRequest,
) -> AppResult<Listed<Transmission>> {
    let limit = page.limit;
    let after = page.after.clone();
    app.db(move |conn| {
        let scope = transmission_scope(conn, &caller)?;
        if policy::pv_access(&caller)? == PvAccess::Agent {
            return Err(AppError::forbidden(
                "transmission slips are the correspondent's and the parquet's",
            ));
        }
        let rows = repo::list_transmissions(conn, &scope, after.as_deref(), fetch_size(limit))?;
        views_of(rows, limit, |r| view(conn, r))
    })
    .await
}

fn visible_transmission(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
) -> AppResult<TransmissionRow> {
    let Ok(scope) = transmission_scope(conn, caller) else {
        return Err(AppError::not_found());
    };
    repo::find_visible_transmission(conn, &scope, id)?.ok_or_else(AppError::not_found)
}

/// Read a transmission slip
pub async fn get_transmission(app: &App, caller: Caller, id: String) -> AppResult<Transmission> {
    app.db(move |conn| {
        let t = visible_transmission(conn, &caller, &id)?;
        view(conn, t)
    })
    .await
}

/// Acknowledge receipt
///
/// The parquet's magistrat référent or a délégué du procureur records that the PVs arrived.
/// 409 `already_acknowledged` the second time.
pub async fn acknowledge(app: &App, caller: Caller, id: String) -> AppResult<Transmission> {
    let actor = caller.actor();
    app.tx(move |conn| {
        let t = visible_transmission(conn, &caller, &id)?;
        policy::acknowledge_pvs(&caller)?;
        if t.acknowledged_at.is_some() {
            return Err(AppError::conflict(
                "already_acknowledged",
                "receipt of this transmission is already acknowledged",
            ));
        }
        let t = repo::acknowledge(conn, &actor, t, &caller.sub)?;
        view(conn, t)
    })
    .await
}
