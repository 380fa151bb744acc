//! The demo data set (`demo/demo-data.json`): fictional bailleurs and partners so that a newcomer can
//! try every flow. Loading it twice changes nothing.

use serde::Deserialize;
use vigie_domain::delays::LegalDelays;
use vigie_domain::organisation::validate_roles;
use vigie_domain::sworn::{AgentFile, Commission, FileEvent, FileParty, OffenceFacts, Regime};
use vigie_domain::{OrgKind, Role, Siren};
use vigie_store::audit::Actor;
use vigie_store::designations::{self, NewDesignation};
use vigie_store::organisations::{self, NewOrganisation};
use vigie_store::principals::{self, NewPrincipal, PrincipalKind};
use vigie_store::residences::{self, NewStaff, ResidenceData};
use vigie_store::{Store, StoreError, offences, sworn_agents};

const DEMO_JSON: &str = include_str!("../../../demo/demo-data.json");

#[derive(Deserialize)]
struct DemoData {
    password: String,
    organisations: Vec<DemoOrg>,
}

#[derive(Deserialize)]
struct DemoOrg {
    kind: OrgKind,
    name: String,
    siren: Option<String>,
    circonscription_code: Option<String>,
    contact_email: Option<String>,
    #[serde(default)]
    address: Option<String>,
    people: Vec<DemoPerson>,
    api_clients: Vec<DemoClient>,
    #[serde(default)]
    residences: Vec<DemoResidence>,
    #[serde(default)]
    staff: Vec<DemoStaff>,
    #[serde(default)]
    designations: Vec<DemoDesignation>,
    #[serde(default)]
    sworn_agents: Vec<DemoSwornAgent>,
}

/// An active sworn agent: commissioned for every residence of the bailleur, approved and sworn.
#[derive(Deserialize)]
struct DemoSwornAgent {
    login: String,
    staff_last_name: String,
    regime: Regime,
    offence_codes: Vec<String>,
    agrement: DemoAgrement,
    oath: DemoOath,
}

#[derive(Deserialize)]
struct DemoAgrement {
    arrete_number: String,
    prefet: String,
    start: chrono::NaiveDate,
    card_number: String,
}

#[derive(Deserialize)]
struct DemoOath {
    tribunal: String,
    sworn_on: chrono::NaiveDate,
}

#[derive(Deserialize)]
struct DemoResidence {
    external_ref: String,
    name: String,
    address: String,
    insee_code: String,
    buildings: serde_json::Value,
    qpv: bool,
    guarded_l271_1: bool,
}

#[derive(Deserialize)]
struct DemoStaff {
    first_name: String,
    last_name: String,
    role: String,
    sworn_guard: bool,
}

#[derive(Deserialize)]
struct DemoDesignation {
    role: String,
    login: String,
}

#[derive(Deserialize)]
struct DemoPerson {
    login: String,
    display_name: String,
    roles: Vec<Role>,
}

#[derive(Deserialize)]
struct DemoClient {
    name: String,
    roles: Vec<Role>,
    client_id: String,
    secret: String,
}

/// What the demo offers, to print once it is loaded.
pub struct DemoSummary {
    pub password: String,
    pub people: Vec<(String, String, String)>,
    pub clients: Vec<(String, String)>,
}

pub fn load(store: &Store) -> Result<DemoSummary, StoreError> {
    let data: DemoData = serde_json::from_str(DEMO_JSON)
        .map_err(|e| StoreError::Corrupt(format!("demo data: {e}")))?;
    let actor = Actor::system();
    let mut summary = DemoSummary {
        password: data.password.clone(),
        people: vec![],
        clients: vec![],
    };
    store.write(|conn| {
        let existing = organisations::list(
            conn,
            &organisations::OrganisationFilter {
                limit: 10_000,
                ..Default::default()
            },
        )?;
        for o in &data.organisations {
            for p in &o.people {
                summary.people.push((
                    p.login.clone(),
                    o.name.clone(),
                    p.roles
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                ));
            }
            for c in &o.api_clients {
                summary
                    .clients
                    .push((c.client_id.clone(), c.secret.clone()));
            }
            if existing.iter().any(|e| e.name == o.name) {
                continue;
            }
            let siren = o
                .siren
                .as_deref()
                .map(Siren::parse)
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("demo SIREN: {e}")))?;
            let org = organisations::create(
                conn,
                &actor,
                NewOrganisation {
                    kind: o.kind,
                    name: o.name.clone(),
                    siren: siren.map(String::from),
                    circonscription_code: o.circonscription_code.clone(),
                    contact_email: o.contact_email.clone(),
                    address: o.address.clone(),
                },
            )?;
            let principals = o
                .people
                .iter()
                .map(|p| {
                    (
                        PrincipalKind::Person,
                        p.login.clone(),
                        p.display_name.clone(),
                        data.password.clone(),
                        &p.roles,
                    )
                })
                .chain(o.api_clients.iter().map(|c| {
                    (
                        PrincipalKind::ApiClient,
                        c.client_id.clone(),
                        c.name.clone(),
                        c.secret.clone(),
                        &c.roles,
                    )
                }));
            let mut created = vec![];
            for (kind, login, display_name, secret, roles) in principals {
                let roles = validate_roles(o.kind, roles)
                    .map_err(|e| StoreError::Corrupt(format!("demo roles: {e}")))?;
                let p = NewPrincipal {
                    kind,
                    org_id: org.id.clone(),
                    login,
                    display_name,
                    email: None,
                    secret,
                    roles,
                };
                created.push(principals::create(conn, &actor, p)?);
            }
            let mut residence_ids = vec![];
            for r in &o.residences {
                let data = ResidenceData {
                    name: r.name.clone(),
                    address: r.address.clone(),
                    insee_code: r.insee_code.clone(),
                    buildings: r.buildings.to_string(),
                    qpv: r.qpv,
                    guarded_l271_1: r.guarded_l271_1,
                };
                let (row, _) = residences::upsert(conn, &actor, &org.id, &r.external_ref, data)?;
                residence_ids.push(row.id);
            }
            for st in &o.staff {
                let n = NewStaff {
                    external_ref: None,
                    first_name: st.first_name.clone(),
                    last_name: st.last_name.clone(),
                    role: st.role.clone(),
                    sworn_guard: st.sworn_guard,
                };
                residences::create_staff(conn, &actor, &org.id, n)?;
            }
            let staff_rows = residences::list_staff(conn, &org.id, None, 1000)?;
            for a in &o.sworn_agents {
                let staff = staff_rows
                    .iter()
                    .find(|s| s.last_name == a.staff_last_name)
                    .ok_or_else(|| StoreError::Corrupt(format!("demo agent {}", a.login)))?;
                let person = created.iter().find(|p| p.login == a.login).ok_or_else(|| {
                    StoreError::Corrupt(format!("demo agent of unknown {}", a.login))
                })?;
                let row = demo_agent_file(conn, a, &org.id, &staff.id, &person.id, &residence_ids)?;
                sworn_agents::create(conn, &actor, &row)?;
            }
            // The convention was signed on 5 September 2022: the demo contacts hold office since.
            let since = chrono::NaiveDate::from_ymd_opt(2022, 9, 5).unwrap_or_default();
            for d in &o.designations {
                let person = created.iter().find(|p| p.login == d.login).ok_or_else(|| {
                    StoreError::Corrupt(format!("demo designation of unknown {}", d.login))
                })?;
                let nd = NewDesignation {
                    role: &d.role,
                    org_id: &org.id,
                    person_id: &person.id,
                    substitute_id: None,
                    valid_from: since,
                    valid_to: None,
                };
                designations::designate(conn, &actor, nd)?;
            }
        }
        Ok(())
    })?;
    Ok(summary)
}

/// The file of a demo agent, built by the domain's own rules (a demo that breaks them fails to load).
fn demo_agent_file(
    conn: &mut vigie_store::DbConn,
    a: &DemoSwornAgent,
    org_id: &str,
    staff_id: &str,
    principal_id: &str,
    residence_ids: &[String],
) -> Result<sworn_agents::AgentRow, StoreError> {
    let mut facts = vec![];
    for code in &a.offence_codes {
        let o = offences::find_by_code(conn, code)?
            .ok_or_else(|| StoreError::Corrupt(format!("demo offence {code}")))?;
        facts.push(OffenceFacts {
            code: o.code,
            regime_b_allowed: o.regime_b_allowed,
        });
    }
    let commission = Commission {
        residence_ids: residence_ids.to_vec(),
        offence_codes: a.offence_codes.clone(),
        issued_on: a.agrement.start,
    };
    let mut file = AgentFile::new(a.regime, commission, None);
    let delays = LegalDelays::shipped();
    let events = [
        FileEvent::Agrement {
            arrete_number: a.agrement.arrete_number.clone(),
            prefet: a.agrement.prefet.clone(),
            start: a.agrement.start,
            end: None,
            offence_codes: a.offence_codes.clone(),
            card_number: Some(a.agrement.card_number.clone()),
        },
        FileEvent::Oath {
            tribunal: a.oath.tribunal.clone(),
            sworn_on: a.oath.sworn_on,
        },
    ];
    for e in events {
        // Agréments granted before Vigie: declared by the bailleur.
        file.apply(
            e,
            &facts,
            delays,
            FileParty::Bailleur,
            vigie_domain::pv::local_day(chrono::Utc::now()),
        )
        .map_err(|e| StoreError::Corrupt(format!("demo agent {}: {e}", a.login)))?;
    }
    let at = vigie_store::now();
    Ok(sworn_agents::AgentRow {
        id: vigie_store::new_id(),
        org_id: org_id.to_owned(),
        staff_id: staff_id.to_owned(),
        principal_id: Some(principal_id.to_owned()),
        regime: a.regime.as_str().to_owned(),
        file: serde_json::to_string(&file).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        agrement_end: file.agrement_end(),
        version: 1,
        created_at: at,
        updated_at: at,
        request_pending: false,
    })
}

/// What the demo recorded through the use cases: the paths of one document of each kind.
pub struct DemoDocuments {
    pub pv: String,
    pub slip: String,
    pub complaint: String,
}

/// Records, the first time, a little activity of the first demo bailleur through the use cases (the
/// same code as the API): an outrage to its gardien, qualified; a PV by its sworn agent, signed
/// and sent to the parquet; a complaint drafted from the incident. So that `--demo` shows one
/// document of each kind. `None` when it was recorded before.
pub async fn record_documents(
    app: &vigie_app::App,
    store: &Store,
) -> Result<Option<DemoDocuments>, String> {
    use serde_json::json;
    use vigie_app::{Caller, complaints, incidents, pv_transmissions, pvs};
    let data: DemoData = serde_json::from_str(DEMO_JSON).map_err(|e| e.to_string())?;
    let bailleur = data
        .organisations
        .iter()
        .find(|o| !o.sworn_agents.is_empty())
        .ok_or("the demo data has no sworn agent")?;
    let agent = &bailleur.sworn_agents[0];
    let corr_login = bailleur
        .designations
        .first()
        .map(|d| d.login.clone())
        .ok_or("the demo bailleur has no correspondent")?;
    let found = store
        .write(|conn| {
            let orgs = organisations::list(
                conn,
                &organisations::OrganisationFilter {
                    limit: 10_000,
                    ..Default::default()
                },
            )?;
            let Some(org) = orgs.iter().find(|o| o.name == bailleur.name) else {
                return Ok(None);
            };
            let scope = vigie_store::pvs::PvScope::Bailleur {
                org_id: org.id.clone(),
                agent_id: None,
            };
            if !vigie_store::pvs::list(conn, &vigie_store::pvs::PvFilter::new(scope, 1))?.is_empty()
            {
                return Ok(None);
            }
            let caller = |conn: &mut vigie_store::DbConn,
                          login: &str|
             -> Result<Option<Caller>, StoreError> {
                principals::find_person_by_login(conn, &org.id, login)?
                    .map(|p| -> Result<Caller, StoreError> {
                        Ok(Caller {
                            sub: format!("person:{login}"),
                            org_id: org.id.clone(),
                            org_kind: vigie_domain::OrgKind::Bailleur,
                            roles: p.roles()?,
                            request_id: None,
                            purpose: None,
                        })
                    })
                    .transpose()
            };
            let (Some(corr), Some(agent_caller)) =
                (caller(conn, &corr_login)?, caller(conn, &agent.login)?)
            else {
                return Ok(None);
            };
            let residences = residences::list(conn, &org.id, None, 10)?;
            let staff = residences::list_staff(conn, &org.id, None, 100)?;
            let gardien = staff
                .iter()
                .find(|s| s.role == "gardien")
                .map(|s| s.id.clone());
            Ok(residences.first().map(|r| {
                (
                    corr,
                    agent_caller,
                    r.id.clone(),
                    gardien,
                    org.address.clone(),
                )
            }))
        })
        .map_err(|e| e.to_string())?;
    let Some((corr, agent_caller, residence, gardien, head_office)) = found else {
        return Ok(None);
    };
    let err = |e: vigie_app::AppError| e.to_string();
    fn from_json<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, String> {
        serde_json::from_value(v).map_err(|e| e.to_string())
    }
    // Yesterday at 21:40 in Nanterre: the facts, and the agent's finding the next morning.
    let yesterday = vigie_domain::pv::local_day(chrono::Utc::now()) - chrono::Days::new(1);
    let at = |h: u32, m: u32| {
        yesterday
            .and_hms_opt(h, m, 0)
            .and_then(|t| t.and_local_timezone(chrono_tz::Europe::Paris).single())
            .map(|t| t.with_timezone(&chrono::Utc).to_rfc3339())
            .unwrap_or_default()
    };
    let mut victims = vec![json!({"kind": "bailleur"})];
    if let Some(g) = &gardien {
        victims.insert(
            0,
            json!({"kind": "staff", "staff_id": g, "acting_in_functions": true}),
        );
    }
    let incident = incidents::create(
        app,
        corr.clone(),
        None,
        from_json(json!({"residence_id": residence, "building": "A", "entrance": "A1", "common_part": "hall",
            "occurred_at": at(21, 40), "category": "outrage_to_staff",
            "narrative": "Le gardien, en tournée dans le hall A1, est insulté et menacé par un individu qui refuse de quitter les lieux (démo).",
            "victims": victims,
            "persons": [{"kind": "described", "description": "homme, vingtaine, survêtement gris (démo)"}]}))?,
    )
    .await
    .map_err(err)?;
    let incident_id = incident.0.id;
    incidents::set_qualifications(
        app,
        corr.clone(),
        incident_id.clone(),
        None,
        from_json(json!({"qualifications": [{"offence_code": "CP-433-5-AL1"}]}))?,
    )
    .await
    .map_err(err)?;
    let pv = pvs::create_pv(
        app,
        agent_caller.clone(),
        None,
        from_json(json!({"found_at": at(8, 30), "residence_id": residence, "building": "A", "entrance": "A1",
            "common_part": "hall",
            "facts": "Constaté personnellement, lors de notre ronde, le dépôt de quatre sacs d'ordures ménagères et d'un matelas devant l'entrée A1, hors des emplacements prévus (démo).",
            "personally_observed": true, "offence_codes": agent.offence_codes.iter().take(1).collect::<Vec<_>>(),
            "witnesses": [{"name": "M. Durand, locataire (démo)", "contact": "bâtiment A, 3e étage"}],
            "evidence": [{"type": "photo", "description": "Deux photographies du dépôt", "sha256": "9f2c1a7e5b3d4c6f8a0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a"}],
            "incident_ids": [incident_id]}))?,
    )
    .await
    .map_err(err)?;
    let pv_id = pv.body["id"].as_str().unwrap_or_default().to_owned();
    pvs::sign_pv(app, agent_caller, None, pv_id.clone())
        .await
        .map_err(err)?;
    let slip = pv_transmissions::create_transmission(
        app,
        corr.clone(),
        None,
        from_json(json!({"pv_ids": [pv_id], "transmitted_on": vigie_domain::pv::local_day(chrono::Utc::now()),
            "mode": "registered_letter", "proof_reference": "1A 000 000 0000 0 (démo)"}))?,
    )
    .await
    .map_err(err)?;
    let mut employee_victims = vec![];
    if let Some(g) = gardien {
        employee_victims.push(json!({"staff_id": g, "professional_address": true}));
    }
    let complaint = complaints::create_complaint(
        app,
        corr,
        None,
        from_json(json!({"incident_ids": [incident_id],
            "bailleur_victim": {"head_office": head_office.unwrap_or_else(|| "siège du bailleur (démo)".into()),
                "representative": "Claire Martin", "representative_capacity": "correspondante tranquillité-sécurité",
                "mandate": "délégation de la direction générale (démo)"},
            "employee_victims": employee_victims, "claims_damages": true}))?,
    )
    .await
    .map_err(err)?;
    Ok(Some(DemoDocuments {
        pv: format!(
            "/api/v1/pvs/{}/document",
            pv.body["id"].as_str().unwrap_or_default()
        ),
        slip: format!(
            "/api/v1/pv-transmissions/{}/slip",
            slip.body["id"].as_str().unwrap_or_default()
        ),
        complaint: format!(
            "/api/v1/complaints/{}/document",
            complaint.body["id"].as_str().unwrap_or_default()
        ),
    }))
}
