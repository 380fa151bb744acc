//! `/organisations`: the convention's parties, and their people and API clients.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;
use vigie_domain::{OrgKind, Siren};
use vigie_store::organisations::{
    self as repo, NewOrganisation, OrganisationFilter, OrganisationPatch, OrganisationRow,
};
use vigie_store::reference;

use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult, FieldError};
use crate::idempotency::{self, Answer, Created};
use crate::page::{Listed, PageRequest, fetch_size, views_of};
use crate::policy;
use crate::revocation;

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f5e-8a4b-7c3d-9e2f-1a2b3c4d5e6f", "kind": "bailleur", "name": "Paris Habitat",
    "siren": "344810825", "contact_email": "securite@bailleur.example", "active": true, "version": 1,
    "created_at": "2026-11-28T09:00:00.000000Z", "updated_at": "2026-11-28T09:00:00.000000Z"
}))]
pub struct Organisation {
    pub id: String,
    pub kind: OrgKind,
    pub name: String,
    /// Bailleurs only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub siren: Option<String>,
    /// Police circonscriptions only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub circonscription_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// Postal address, printed on the documents (a bailleur's head office, the parquet's address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub active: bool,
    /// Increases at every change; the ETag is derived from it.
    pub version: i64,
    #[serde(with = "vigie_domain::timestamp")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "vigie_domain::timestamp")]
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = AppError;
    fn try_from(r: OrganisationRow) -> AppResult<Self> {
        Ok(Self {
            kind: r.kind()?,
            id: r.id,
            name: r.name,
            siren: r.siren,
            circonscription_code: r.circonscription_code,
            contact_email: r.contact_email,
            address: r.address,
            active: r.active,
            version: r.version,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "bailleur", "name": "Paris Habitat", "siren": "344 810 825", "contact_email": "securite@bailleur.example"}))]
pub struct CreateOrganisation {
    pub kind: OrgKind,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Required for a bailleur: 9 digits with a valid Luhn check digit (spaces allowed).
    #[schema(max_length = 20)]
    pub siren: Option<String>,
    /// Required for a police circonscription: the code of a circonscription of the reference map.
    #[schema(max_length = 32)]
    pub circonscription_code: Option<String>,
    #[validate(email, length(max = 254))]
    #[schema(format = Email, max_length = 254)]
    pub contact_email: Option<String>,
    /// Postal address, printed on the documents.
    #[validate(length(min = 1, max = 300))]
    #[schema(
        min_length = 1,
        max_length = 300,
        example = "2 rue Pierre Brossolette, 92000 Nanterre"
    )]
    pub address: Option<String>,
}

/// Checks the rules that depend on the kind: SIREN for bailleurs, circonscription for police.
fn check_kind_fields(
    kind: OrgKind,
    siren: Option<&str>,
    circonscription: Option<&str>,
) -> AppResult<Option<Siren>> {
    let mut errors = vec![];
    let siren = match (kind.requires_siren(), siren) {
        (true, None) => {
            errors.push(FieldError::new(
                "siren",
                "required",
                "a bailleur is identified by its SIREN",
            ));
            None
        }
        (true, Some(s)) => match Siren::parse(s) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(FieldError::new("siren", e.code(), e.to_string()));
                None
            }
        },
        (false, Some(_)) => {
            errors.push(FieldError::new(
                "siren",
                "not_applicable",
                "only a bailleur has a SIREN here",
            ));
            None
        }
        (false, None) => None,
    };
    match (kind.requires_circonscription(), circonscription) {
        (true, None) => errors.push(FieldError::new(
            "circonscription_code",
            "required",
            "a police organisation names its circonscription",
        )),
        (false, Some(_)) => errors.push(FieldError::new(
            "circonscription_code",
            "not_applicable",
            "only a police circonscription has a circonscription code",
        )),
        _ => {}
    }
    if errors.is_empty() {
        Ok(siren)
    } else {
        Err(AppError::invalid(errors))
    }
}

fn check_circonscription_exists(
    conn: &mut vigie_store::DbConn,
    code: Option<&str>,
) -> AppResult<()> {
    match code {
        Some(c) if reference::find_circonscription(conn, c)?.is_none() => {
            Err(AppError::invalid_field(
                "circonscription_code",
                "unknown_circonscription",
                format!("no circonscription `{c}`"),
            ))
        }
        _ => Ok(()),
    }
}

/// Create an organisation
///
/// Platform admin only. A bailleur needs a valid SIREN (unique); a police circonscription names a
/// circonscription of the reference map. Supports `Idempotency-Key`.
pub async fn create_organisation(
    app: &App,
    caller: Caller,
    key: Option<String>,
    body: CreateOrganisation,
) -> AppResult<Answer> {
    policy::platform_admin(&caller)?;
    let siren = check_kind_fields(
        body.kind,
        body.siren.as_deref(),
        body.circonscription_code.as_deref(),
    )?;
    let actor = caller.actor();
    let new = NewOrganisation {
        kind: body.kind,
        name: body.name.trim().to_owned(),
        siren: siren.map(String::from),
        circonscription_code: body.circonscription_code.clone(),
        contact_email: body.contact_email.clone(),
        address: body.address.as_deref().map(str::trim).map(str::to_owned),
    };
    idempotency::create_once(app, caller.sub.clone(), key, &body, move |conn| {
        check_circonscription_exists(conn, new.circonscription_code.as_deref())?;
        let row = repo::create(conn, &actor, new).map_err(|e| match e {
            vigie_store::StoreError::Conflict(_) => AppError::conflict(
                "siren_taken",
                "an organisation with this SIREN already exists",
            ),
            other => other.into(),
        })?;
        let version = row.version;
        let body = Organisation::try_from(row)?;
        Ok(Created {
            location: format!("/api/v1/organisations/{}", body.id),
            version,
            body,
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    /// Only organisations of this kind.
    pub kind: Option<OrgKind>,
}

/// List organisations
///
/// The platform admin sees every organisation; anyone else sees only their own.
pub async fn list_organisations(
    app: &App,
    caller: Caller,
    filter: OrganisationQuery,
    page: PageRequest,
) -> AppResult<Listed<Organisation>> {
    let limit = page.limit;
    let f = OrganisationFilter {
        kind: filter.kind,
        only_id: (!caller.is_platform_admin()).then(|| caller.org_id.clone()),
        after_id: page.after.clone(),
        limit: fetch_size(limit),
    };
    let rows = app.db(move |conn| Ok(repo::list(conn, &f)?)).await?;
    views_of(rows, limit, Organisation::try_from)
}

/// Read an organisation
pub async fn get_organisation(app: &App, caller: Caller, id: String) -> AppResult<Organisation> {
    policy::see_org(&caller, &id)?;
    let row = app.db(move |conn| Ok(repo::get(conn, &id)?)).await?;
    Organisation::try_from(row)
}

#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Paris Habitat OPH", "contact_email": "tranquillite@bailleur.example"}))]
pub struct UpdateOrganisation {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// `null` removes the contact address.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[schema(max_length = 254, value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    /// Postal address printed on the documents; `null` removes it.
    #[serde(default, deserialize_with = "crate::patch::double_option")]
    #[validate(length(min = 1, max = 300))]
    #[schema(max_length = 300, value_type = Option<String>)]
    pub address: Option<Option<String>>,
    /// Platform admin only; police circonscriptions only.
    #[schema(max_length = 32)]
    pub circonscription_code: Option<String>,
    /// Platform admin only. An inactive organisation's principals cannot obtain tokens.
    pub active: Option<bool>,
}

/// Update an organisation
///
/// Its admin changes name and contact; the platform admin also `active` and `circonscription_code`.
/// Send `If-Match` with the ETag you read to avoid overwriting someone else's change (412 if stale).
pub async fn update_organisation(
    app: &App,
    caller: Caller,
    expected_version: Option<i64>,
    id: String,
    body: UpdateOrganisation,
) -> AppResult<Organisation> {
    policy::edit_org(
        &caller,
        &id,
        body.active.is_some() || body.circonscription_code.is_some(),
    )?;
    if let Some(Some(email)) = &body.contact_email
        && !validator::ValidateEmail::validate_email(email)
    {
        return Err(AppError::invalid_field(
            "contact_email",
            "email",
            "not an email address",
        ));
    }
    let expected = expected_version;
    let actor = caller.actor();
    let handle = app.clone();
    let (row, pending) = app
        .tx(move |conn| {
            let current = repo::get(conn, &id)?;
            if body.circonscription_code.is_some()
                && current.kind()? != OrgKind::PoliceCirconscription
            {
                return Err(AppError::invalid_field(
                    "circonscription_code",
                    "not_applicable",
                    "only a police circonscription has a circonscription code",
                ));
            }
            check_circonscription_exists(conn, body.circonscription_code.as_deref())?;
            let patch = OrganisationPatch {
                name: body.name.map(|n| n.trim().to_owned()),
                contact_email: body.contact_email,
                address: body.address.map(|a| a.map(|a| a.trim().to_owned())),
                circonscription_code: body.circonscription_code,
                active: body.active,
            };
            let row = repo::update(conn, &actor, &id, expected, patch)?;
            // A deactivated organisation's tokens end with it.
            let pending = if current.active && !row.active {
                revocation::revoke_organisation(&handle, conn, &row.id, "organisation deactivated")?
            } else {
                revocation::Pending::none()
            };
            Ok((row, pending))
        })
        .await?;
    pending.apply(app);
    Organisation::try_from(row)
}
