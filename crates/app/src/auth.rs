//! Who may obtain a token: checking a person's login and password or an API client's id and secret.
//! Signing the token is the entry point's business.

use std::str::FromStr;

use vigie_domain::{OrgKind, Role};
use vigie_store::principals::{self, PrincipalKind};

use crate::context::App;
use crate::error::{AppError, AppResult};

/// How the caller proves who it is (OAuth2 grant types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// An API client's id and secret.
    ClientCredentials,
    /// A person's login and password.
    Password,
}

/// A principal whose credentials were just checked.
#[derive(Debug, Clone)]
pub struct Identity {
    /// `person:<login>` or `client:<client id>`.
    pub sub: String,
    pub org_id: String,
    pub org_kind: OrgKind,
    pub roles: Vec<Role>,
}

/// Checks credentials. Unknown logins, wrong secrets, inactive principals and inactive
/// organisations are refused alike, after the same password-hashing work.
pub async fn authenticate(
    app: &App,
    grant: Grant,
    login: String,
    secret: String,
) -> AppResult<Identity> {
    if login.len() > 200 || secret.len() > 1024 {
        return Err(
            AppError::bad_request("invalid_request", "credentials too long")
                .oauth("invalid_request"),
        );
    }
    let kind = match grant {
        Grant::ClientCredentials => PrincipalKind::ApiClient,
        Grant::Password => PrincipalKind::Person,
    };
    let who = app
        .db(move |conn| Ok(principals::authenticate(conn, kind, &login, &secret)?))
        .await?;
    let Some(who) = who else {
        return Err(match grant {
            Grant::ClientCredentials => AppError::unauthorized(
                "invalid_client",
                "unknown client, wrong secret or revoked client",
            )
            .oauth("invalid_client"),
            Grant::Password => AppError::bad_request(
                "invalid_grant",
                "wrong login or password, or inactive account",
            )
            .oauth("invalid_grant"),
        });
    };
    Ok(Identity {
        sub: format!(
            "{}:{}",
            match grant {
                Grant::Password => "person",
                Grant::ClientCredentials => "client",
            },
            who.login
        ),
        org_kind: OrgKind::from_str(&who.org_kind).map_err(|_| {
            AppError::internal_because(format!("organisation kind {}", who.org_kind))
        })?,
        org_id: who.org_id,
        roles: who.roles,
    })
}
