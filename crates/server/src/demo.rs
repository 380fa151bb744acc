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
