//! Who may obtain a token, and ending tokens: checking a person's login and password (through the
//! per-account brake) or an API client's id and secret, and revoking a token on its holder's
//! request. Signing and verifying tokens is the entry point's business.

use std::str::FromStr;

use serde::Serialize;
use vigie_domain::{OrgKind, Role};
use vigie_store::audit::{self, Actor, Change};
use vigie_store::login_failures;
use vigie_store::principals::{self, Login, PrincipalKind};

use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::revocation::{self, TokenFacts};

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
    /// The principal's version, carried by its token (`ver`) so that a later revocation can name
    /// the tokens it ends.
    pub version: i64,
}

/// The `sub` of a principal's tokens.
pub fn sub_of(kind: PrincipalKind, login: &str) -> String {
    match kind {
        PrincipalKind::Person => format!("person:{login}"),
        PrincipalKind::ApiClient => format!("client:{login}"),
    }
}

fn refused(grant: Grant) -> AppError {
    match grant {
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
    }
}

fn locked(seconds: i64) -> AppError {
    AppError::too_many(
        "login_locked",
        "too many failed logins for this account: wait before trying again",
        u64::try_from(seconds.max(1)).unwrap_or(1),
    )
    .oauth("invalid_grant")
}

/// Checks credentials. Unknown logins, wrong secrets, inactive principals and inactive
/// organisations are refused alike, after the same password-hashing work. Password logins go
/// through the per-account brake (API clients' secrets are random and long: guessing them is
/// hopeless, and locking them would only let anyone stop an integration).
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
    let braked = grant == Grant::Password && app.security.login_brake.free_failures > 0;
    let key = sub_of(kind, &login);
    let streak = if braked {
        let key = key.clone();
        app.db(move |conn| Ok(login_failures::find(conn, &key)?))
            .await?
    } else {
        None
    };
    let at = vigie_store::now();
    if let Some(until) = streak.as_ref().and_then(|s| s.locked_until)
        && until > at
    {
        return Err(locked((until - at).num_seconds() + 1));
    }
    let outcome = app
        .db(move |conn| Ok(principals::authenticate(conn, kind, &login, &secret)?))
        .await?;
    let who = match outcome {
        Login::Accepted(who) => who,
        Login::Refused { org_id } => {
            if braked {
                count_failure(app, key, org_id).await?;
            }
            return Err(refused(grant));
        }
    };
    if streak.is_some() {
        app.db(move |conn| Ok(login_failures::clear(conn, &key)?))
            .await?;
    }
    Ok(Identity {
        sub: sub_of(kind, &who.login),
        org_kind: OrgKind::from_str(&who.org_kind).map_err(|_| {
            AppError::internal_because(format!("organisation kind {}", who.org_kind))
        })?,
        org_id: who.org_id,
        roles: who.roles,
        version: who.version,
    })
}

#[derive(Serialize)]
struct LockRecord<'a> {
    login: &'a str,
    failures: i64,
    locked_until: chrono::NaiveDateTime,
}

/// Counts a failed login; locks the account name when the brake says so, and records the lock in
/// the audit trail (the organisation's when the login exists, the platform's otherwise).
async fn count_failure(app: &App, key: String, org_id: Option<String>) -> AppResult<()> {
    let brake = app.security.login_brake;
    app.tx(move |conn| {
        let at = vigie_store::now();
        let forget =
            chrono::Duration::from_std(brake.forget_after).unwrap_or(chrono::Duration::days(1));
        let row = login_failures::count_failure(conn, &key, at, at - forget)?;
        if let Some(lock) = brake.lock_after(row.failures) {
            let until = at + chrono::Duration::from_std(lock).unwrap_or(chrono::Duration::hours(1));
            login_failures::lock(conn, &key, until)?;
            audit::record(
                conn,
                &Actor {
                    principal: "anonymous".into(),
                    org_id: org_id.clone(),
                    request_id: None,
                },
                Change {
                    action: "login.locked",
                    resource_type: "login",
                    resource_id: &key,
                    org_id: org_id.as_deref(),
                    state: &LockRecord {
                        login: &key,
                        failures: row.failures,
                        locked_until: until,
                    },
                },
            )?;
        }
        Ok(())
    })
    .await
}

/// A token its holder wants ended (RFC 7009), as read from the verified token.
#[derive(Debug, Clone)]
pub struct TokenToRevoke {
    pub sub: String,
    pub org_id: String,
    pub jti: String,
    pub issued_at: i64,
    pub expires_at: i64,
}

#[derive(Serialize)]
struct RevokeRecord<'a> {
    jti: &'a str,
    sub: &'a str,
}

/// Ends one token at once on this process, and within the refresh interval on the others. Only
/// the token's own holder may revoke it: `holder` is the `sub` of whoever asks, when known.
pub async fn revoke(app: &App, holder: Option<&str>, token: TokenToRevoke) -> AppResult<()> {
    if holder.is_some_and(|h| h != token.sub) {
        return Err(AppError::forbidden(
            "a token can only be revoked by the principal it was issued to",
        )
        .oauth("unauthorized_client"));
    }
    let pending = app
        .tx(move |conn| {
            let facts = TokenFacts {
                sub: &token.sub,
                org_id: &token.org_id,
                version: None,
                issued_at: token.issued_at,
                jti: &token.jti,
                expires_at: token.expires_at,
            };
            let pending = revocation::revoke_token(conn, &facts, "revoked by its holder")?;
            audit::record(
                conn,
                &Actor {
                    principal: token.sub.clone(),
                    org_id: Some(token.org_id.clone()),
                    request_id: None,
                },
                Change {
                    action: "token.revoked",
                    resource_type: "token",
                    resource_id: &token.jti,
                    org_id: Some(&token.org_id),
                    state: &RevokeRecord {
                        jti: &token.jti,
                        sub: &token.sub,
                    },
                },
            )?;
            Ok(pending)
        })
        .await?;
    pending.apply(app);
    Ok(())
}
