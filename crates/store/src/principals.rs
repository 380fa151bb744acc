//! Principals: people (login + password) and API clients (client_id + secret), each in one
//! organisation with roles. Secrets are only ever stored as argon2id hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use vigie_domain::Role;

use crate::audit::{self, Actor, Change};
use crate::credentials::{dummy_hash, hash_secret, verify_secret};
use crate::db::DbConn;
use crate::error::{StoreError, StoreResult, conflict_on};
use crate::schema::{organisations, principals};
use crate::{decode_roles, encode_roles, new_id, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    Person,
    ApiClient,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::ApiClient => "api_client",
        }
    }

    fn resource(self) -> &'static str {
        self.as_str()
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = principals)]
pub struct PrincipalRow {
    pub id: String,
    pub org_id: String,
    pub kind: String,
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    #[serde(skip)]
    pub secret_hash: String,
    pub roles: String,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PrincipalRow {
    pub fn roles(&self) -> StoreResult<Vec<Role>> {
        decode_roles(&self.roles)
    }
}

#[derive(Debug, Clone)]
pub struct NewPrincipal {
    pub kind: PrincipalKind,
    pub org_id: String,
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub secret: String,
    pub roles: Vec<Role>,
}

pub fn create(conn: &mut DbConn, actor: &Actor, new: NewPrincipal) -> StoreResult<PrincipalRow> {
    let at = now();
    let row = PrincipalRow {
        id: new_id(),
        org_id: new.org_id,
        kind: new.kind.as_str().to_owned(),
        login: new.login,
        display_name: new.display_name,
        email: new.email,
        secret_hash: hash_secret(&new.secret)?,
        roles: encode_roles(&new.roles),
        active: true,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(principals::table)
        .values(&row)
        .execute(conn)
        .map_err(conflict_on("login"))?;
    audit::record(
        conn,
        actor,
        Change {
            action: &format!("{}.created", new.kind.resource()),
            resource_type: new.kind.resource(),
            resource_id: &row.id,
            org_id: Some(&row.org_id),
            state: &row,
        },
    )?;
    Ok(row)
}

/// A principal of `kind` in `org_id`; another organisation's principal is simply not found.
pub fn find_in_org(
    conn: &mut DbConn,
    kind: PrincipalKind,
    org_id: &str,
    id: &str,
) -> StoreResult<Option<PrincipalRow>> {
    Ok(principals::table
        .find(id)
        .filter(principals::org_id.eq(org_id))
        .filter(principals::kind.eq(kind.as_str()))
        .select(PrincipalRow::as_select())
        .first(conn)
        .optional()?)
}

/// The person `login` of `org_id`.
pub fn find_person_by_login(
    conn: &mut DbConn,
    org_id: &str,
    login: &str,
) -> StoreResult<Option<PrincipalRow>> {
    Ok(principals::table
        .filter(principals::login.eq(login))
        .filter(principals::org_id.eq(org_id))
        .filter(principals::kind.eq(PrincipalKind::Person.as_str()))
        .select(PrincipalRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(
    conn: &mut DbConn,
    kind: PrincipalKind,
    org_id: &str,
    after_id: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<PrincipalRow>> {
    let mut q = principals::table
        .filter(principals::org_id.eq(org_id))
        .filter(principals::kind.eq(kind.as_str()))
        .select(PrincipalRow::as_select())
        .into_boxed();
    if let Some(after) = after_id {
        q = q.filter(principals::id.gt(after));
    }
    Ok(q.order(principals::id.asc()).limit(limit).load(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct PrincipalPatch {
    pub display_name: Option<String>,
    pub email: Option<Option<String>>,
    pub roles: Option<Vec<Role>>,
    pub active: Option<bool>,
    /// A new password or secret (hashed before storage).
    pub secret: Option<String>,
}

pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    kind: PrincipalKind,
    org_id: &str,
    id: &str,
    expected_version: Option<i64>,
    patch: PrincipalPatch,
) -> StoreResult<PrincipalRow> {
    let mut row = find_in_org(conn, kind, org_id, id)?.ok_or(StoreError::NotFound)?;
    crate::error::check_version(expected_version, row.version)?;
    let secret_changed = patch.secret.is_some();
    if let Some(v) = patch.display_name {
        row.display_name = v;
    }
    if let Some(v) = patch.email {
        row.email = v;
    }
    if let Some(v) = patch.roles {
        row.roles = encode_roles(&v);
    }
    if let Some(v) = patch.active {
        row.active = v;
    }
    if let Some(s) = patch.secret {
        row.secret_hash = hash_secret(&s)?;
    }
    row.version += 1;
    row.updated_at = now();
    let n = diesel::update(
        principals::table
            .find(id)
            .filter(principals::version.eq(row.version - 1)),
    )
    .set((
        principals::display_name.eq(&row.display_name),
        principals::email.eq(&row.email),
        principals::roles.eq(&row.roles),
        principals::active.eq(row.active),
        principals::secret_hash.eq(&row.secret_hash),
        principals::version.eq(row.version),
        principals::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    crate::error::updated_once(n)?;
    let action = if secret_changed {
        "secret_changed"
    } else {
        "updated"
    };
    audit::record(
        conn,
        actor,
        Change {
            action: &format!("{}.{action}", kind.resource()),
            resource_type: kind.resource(),
            resource_id: id,
            org_id: Some(org_id),
            state: &row,
        },
    )?;
    Ok(row)
}

/// What a successful login knows about the principal: enough to sign its token.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal_id: String,
    pub login: String,
    pub kind: PrincipalKind,
    pub org_id: String,
    pub org_kind: String,
    pub roles: Vec<Role>,
    /// The principal's version when the token is issued: a revocation names the first version
    /// whose tokens stay valid.
    pub version: i64,
}

/// The answer to a login attempt.
#[derive(Debug, Clone)]
pub enum Login {
    Accepted(Authenticated),
    /// Unknown login, wrong secret, inactive principal or inactive organisation; the organisation
    /// is named when the login exists (for its audit trail, never for the caller).
    Refused {
        org_id: Option<String>,
    },
}

/// Checks a login (or client_id) and secret. Unknown logins, wrong secrets, inactive principals and
/// inactive organisations are all refused, after the same argon2 work.
pub fn authenticate(
    conn: &mut DbConn,
    kind: PrincipalKind,
    login: &str,
    secret: &str,
) -> StoreResult<Login> {
    let found: Option<(PrincipalRow, String, bool)> = principals::table
        .inner_join(organisations::table)
        .filter(principals::login.eq(login))
        .filter(principals::kind.eq(kind.as_str()))
        .select((
            PrincipalRow::as_select(),
            organisations::kind,
            organisations::active,
        ))
        .first(conn)
        .optional()?;
    let Some((row, org_kind, org_active)) = found else {
        verify_secret(secret, dummy_hash());
        return Ok(Login::Refused { org_id: None });
    };
    if !verify_secret(secret, &row.secret_hash) || !row.active || !org_active {
        return Ok(Login::Refused {
            org_id: Some(row.org_id),
        });
    }
    Ok(Login::Accepted(Authenticated {
        principal_id: row.id.clone(),
        login: row.login.clone(),
        kind,
        org_id: row.org_id.clone(),
        org_kind,
        roles: row.roles()?,
        version: row.version,
    }))
}
