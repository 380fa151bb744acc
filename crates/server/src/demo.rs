//! The demo data set (`demo/demo-data.json`): fictional bailleurs and partners so that a newcomer can
//! try every flow. Loading it twice changes nothing.

use serde::Deserialize;
use vigie_domain::organisation::validate_roles;
use vigie_domain::{OrgKind, Role, Siren};
use vigie_store::audit::Actor;
use vigie_store::organisations::{self, NewOrganisation};
use vigie_store::principals::{self, NewPrincipal, PrincipalKind};
use vigie_store::{Store, StoreError};

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
    people: Vec<DemoPerson>,
    api_clients: Vec<DemoClient>,
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
            for (kind, login, display_name, secret, roles) in principals {
                let roles = validate_roles(o.kind, roles)
                    .map_err(|e| StoreError::Corrupt(format!("demo roles: {e}")))?;
                principals::create(
                    conn,
                    &actor,
                    NewPrincipal {
                        kind,
                        org_id: org.id.clone(),
                        login,
                        display_name,
                        email: None,
                        secret,
                        roles,
                    },
                )?;
            }
        }
        Ok(())
    })?;
    Ok(summary)
}
