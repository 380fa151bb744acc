//! `/designations`: the convention's designated contacts (measure 1), and their resolution for an
//! incident's routing.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;
use vigie_domain::Role;
use vigie_domain::directory::ContactRole;
use vigie_store::designations::{self as repo, DesignationRow};
use vigie_store::principals::{self, PrincipalKind};
use vigie_store::{DbConn, StoreError, organisations};

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::page::{Listed, PageRequest, views_of};
use crate::policy;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A designated contact as shown in an incident's routing.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "01936f5f-2930-74b5-8fc7-3b4c5d6e7f80", "role": "police_correspondent", "organisation_id": "01936f5e-f607-7182-9c94-0e1f2a3b4c5d",
    "organisation_name": "Commissariat de Nanterre", "holder": {"id": "01936f5f-0718-7293-8da5-1f2a3b4c5d6e", "display_name": "Capitaine Anne Roux"},
    "valid_from": "2026-01-01"}))]
pub struct ContactView {
    /// The designation's id (`/designations/{id}`).
    #[schema(max_length = 64)]
    pub id: String,
    pub role: ContactRole,
    pub organisation_id: String,
    pub organisation_name: String,
    pub holder: PersonRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub substitute: Option<PersonRef>,
    pub valid_from: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
}

fn person_ref(conn: &mut DbConn, org_id: &str, id: &str) -> AppResult<Option<PersonRef>> {
    Ok(
        principals::find_in_org(conn, PrincipalKind::Person, org_id, id)?.map(|p| PersonRef {
            id: p.id,
            display_name: p.display_name,
            email: p.email,
        }),
    )
}

fn contact_view(conn: &mut DbConn, d: DesignationRow) -> AppResult<Option<ContactView>> {
    let Some(org) = organisations::find(conn, &d.org_id)? else {
        return Ok(None);
    };
    let Some(holder) = person_ref(conn, &d.org_id, &d.person_id)? else {
        return Ok(None);
    };
    let substitute = match &d.substitute_id {
        Some(s) => person_ref(conn, &d.org_id, s)?,
        None => None,
    };
    Ok(Some(ContactView {
        role: d.role()?,
        id: d.id,
        organisation_id: org.id,
        organisation_name: org.name,
        holder,
        substitute,
        valid_from: d.valid_from,
        valid_to: d.valid_to,
    }))
}

/// What an incident's routing reads again and again, kept per process: the contacts recently resolved
/// (designating through this process clears them; another replica's designation shows here after at
/// most `ttl`) and the names of communes and circonscriptions (never renamed, so kept for good).
/// Bailleur, circonscription, date.
type ContactKey = (String, Option<String>, NaiveDate);

pub struct RoutingCache {
    ttl: std::time::Duration,
    entries: std::sync::Mutex<HashMap<ContactKey, (std::time::Instant, Vec<ContactView>)>>,
    names: std::sync::Mutex<HashMap<String, String>>,
}

impl RoutingCache {
    pub fn new(ttl: std::time::Duration) -> Self {
        Self {
            ttl,
            entries: std::sync::Mutex::new(HashMap::new()),
            names: std::sync::Mutex::new(HashMap::new()),
        }
    }

    pub fn contacts(
        &self,
        conn: &mut DbConn,
        bailleur_org: &str,
        circonscription: Option<&str>,
        on: NaiveDate,
    ) -> AppResult<Vec<ContactView>> {
        let key = (
            bailleur_org.to_owned(),
            circonscription.map(str::to_owned),
            on,
        );
        {
            let entries = self
                .entries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((at, c)) = entries.get(&key)
                && at.elapsed() < self.ttl
            {
                return Ok(c.clone());
            }
        }
        let fresh = contacts_for(conn, bailleur_org, circonscription, on)?;
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() > 10_000 {
            entries.clear();
        }
        entries.insert(key, (std::time::Instant::now(), fresh.clone()));
        Ok(fresh)
    }

    /// A reference name under `key`, loaded once; an unknown one is not remembered.
    pub fn name(
        &self,
        key: String,
        load: impl FnOnce() -> AppResult<Option<String>>,
    ) -> AppResult<String> {
        if let Some(n) = self
            .names
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
        {
            return Ok(n.clone());
        }
        let Some(name) = load()? else {
            return Ok(String::new());
        };
        self.names
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, name.clone());
        Ok(name)
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

/// The contacts of an incident of `bailleur_org` routed to `circonscription`, in force on `on`: the
/// bailleur's correspondent, the circonscription's police correspondent, the magistrat référent.
pub fn contacts_for(
    conn: &mut DbConn,
    bailleur_org: &str,
    circonscription: Option<&str>,
    on: NaiveDate,
) -> AppResult<Vec<ContactView>> {
    let mut out = vec![];
    if let Some(d) = repo::in_force(
        conn,
        ContactRole::BailleurCorrespondent.as_str(),
        Some(bailleur_org),
        on,
    )? {
        out.extend(contact_view(conn, d)?);
    }
    if let Some(circ) = circonscription {
        for org in organisations::police_of(conn, circ)? {
            if let Some(d) = repo::in_force(
                conn,
                ContactRole::PoliceCorrespondent.as_str(),
                Some(&org.id),
                on,
            )? {
                out.extend(contact_view(conn, d)?);
            }
        }
    }
    if let Some(d) = repo::in_force(conn, ContactRole::MagistratReferent.as_str(), None, on)? {
        out.extend(contact_view(conn, d)?);
    }
    Ok(out)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "bailleur_correspondent", "person_id": "01936f5f-0718-7293-8da5-1f2a3b4c5d6e",
    "substitute_id": "01936f5f-1829-73a4-8eb6-2a3b4c5d6e7f", "valid_from": "2026-12-01"}))]
pub struct Designate {
    pub role: ContactRole,
    /// A person of the designating organisation holding the matching role.
    #[schema(max_length = 64)]
    pub person_id: String,
    #[schema(max_length = 64)]
    pub substitute_id: Option<String>,
    /// First day in force; the designation in force until then ends that day.
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// The designating organisation (default: the caller's); the platform admin names it.
    #[schema(max_length = 64)]
    pub org_id: Option<String>,
}

/// Designates a contact: one holder per role and organisation at a time. The organisation's admin,
/// or the platform admin.
pub async fn designate(app: &App, caller: Caller, body: Designate) -> AppResult<ContactView> {
    let org_id = body.org_id.clone().unwrap_or_else(|| caller.org_id.clone());
    policy::manage_members(&caller, &org_id)?;
    if body.valid_to.is_some_and(|end| end <= body.valid_from) {
        return Err(AppError::invalid_field(
            "valid_to",
            "before_start",
            "valid_to comes after valid_from",
        ));
    }
    let actor = caller.actor();
    let view = app
        .tx(move |conn| {
            let org = organisations::get(conn, &org_id)?;
            if org.kind()? != body.role.org_kind() {
                return Err(AppError::invalid_field(
                    "role",
                    "wrong_organisation_kind",
                    format!("a {} designates this role", body.role.org_kind()),
                ));
            }
            let needed: Role = body.role.required_role();
            for (field, id) in [
                ("person_id", Some(&body.person_id)),
                ("substitute_id", body.substitute_id.as_ref()),
            ] {
                let Some(id) = id else { continue };
                let p = principals::find_in_org(conn, PrincipalKind::Person, &org_id, id)?
                    .ok_or_else(|| {
                        AppError::invalid_field(
                            field,
                            "unknown_person",
                            "no such person in the organisation",
                        )
                    })?;
                if !p.active || !p.roles()?.contains(&needed) {
                    return Err(AppError::invalid_field(
                        field,
                        "missing_role",
                        format!("the person must be active and hold the role {needed}"),
                    ));
                }
            }
            if body.substitute_id.as_deref() == Some(body.person_id.as_str()) {
                return Err(AppError::invalid_field(
                    "substitute_id",
                    "same_person",
                    "the substitute is another person",
                ));
            }
            let row = repo::designate(
                conn,
                &actor,
                repo::NewDesignation {
                    role: body.role.as_str(),
                    org_id: &org_id,
                    person_id: &body.person_id,
                    substitute_id: body.substitute_id.as_deref(),
                    valid_from: body.valid_from,
                    valid_to: body.valid_to,
                },
            )
            .map_err(|e| match e {
                StoreError::Conflict(msg) => AppError::conflict("designation_not_latest", msg),
                other => other.into(),
            })?;
            contact_view(conn, row)?.ok_or_else(AppError::internal)
        })
        .await?;
    app.routing.clear();
    Ok(view)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    pub role: Option<ContactRole>,
    #[param(max_length = 64)]
    pub org_id: Option<String>,
    /// Only designations in force on this date (default: the whole history).
    pub on: Option<NaiveDate>,
}

/// The designated contacts, readable by every party of the convention, in the order they were
/// recorded.
pub async fn list(
    app: &App,
    _caller: Caller,
    q: DirectoryQuery,
    page: PageRequest,
) -> AppResult<Listed<ContactView>> {
    app.db(move |conn| {
        let filter = repo::DesignationFilter {
            role: q.role.map(ContactRole::as_str),
            org_id: q.org_id.as_deref(),
            on: q.on,
        };
        let rows = repo::list(conn, filter, page.after.as_deref(), page.fetch())?;
        let listed = views_of(rows, page.limit, |d| contact_view(conn, d))?;
        Ok(Listed {
            items: listed.items.into_iter().flatten().collect(),
            more: listed.more,
        })
    })
    .await
}

/// One designation, readable by every party of the convention.
pub async fn get(app: &App, _caller: Caller, id: String) -> AppResult<ContactView> {
    app.db(move |conn| {
        let row = repo::find(conn, &id)?.ok_or_else(AppError::not_found)?;
        contact_view(conn, row)?.ok_or_else(AppError::not_found)
    })
    .await
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"on": "2026-12-15"}))]
pub struct EndDesignation {
    /// The day it ends: the holder is no longer the contact from this day (local date in France).
    pub on: NaiveDate,
}

/// Ends a designation: its holder leaves the post with no successor named yet. The designating
/// organisation's admin, or the platform admin.
pub async fn end(
    app: &App,
    caller: Caller,
    id: String,
    body: EndDesignation,
) -> AppResult<ContactView> {
    let actor = caller.actor();
    let view = app
        .tx(move |conn| {
            let row = repo::find(conn, &id)?.ok_or_else(AppError::not_found)?;
            // Every party reads the directory: another organisation is refused, not told "no such".
            policy::manage_members(&caller, &row.org_id).map_err(|e| match e.kind {
                crate::error::ErrorKind::NotFound => AppError::forbidden(
                    "only the designating organisation's admin ends its designations",
                ),
                _ => e,
            })?;
            if body.on <= row.valid_from {
                return Err(AppError::invalid_field(
                    "on",
                    "before_start",
                    format!("the designation starts on {}: end it after", row.valid_from),
                ));
            }
            if let Some(end) = row.valid_to
                && end <= body.on
            {
                return Err(AppError::conflict(
                    "designation_ended",
                    format!("this designation already ends on {end}"),
                ));
            }
            let row = repo::end(conn, &actor, row, body.on)?;
            contact_view(conn, row)?.ok_or_else(AppError::internal)
        })
        .await?;
    app.routing.clear();
    Ok(view)
}
