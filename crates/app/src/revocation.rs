//! Token revocation. Tokens are self-contained (JWTs), so a change that must end them
//! (deactivation, roles changed, password or secret changed, organisation deactivated, an explicit
//! revoke) writes a revocation row in its own transaction. Every process keeps the live rows in
//! memory: the process that made the change applies it at once, the others reload the rows when
//! their copy is older than the refresh interval (2 s by default). A request therefore costs no
//! database round trip, and a revoked token is refused everywhere within that interval.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use vigie_store::revocations::{self as repo, NewRevocation, RevocationRow, RevocationScope};
use vigie_store::{DbConn, now};

use crate::context::App;
use crate::error::{AppError, AppResult};

/// What the revocation check reads from a verified token.
#[derive(Debug, Clone, Copy)]
pub struct TokenFacts<'a> {
    pub sub: &'a str,
    pub org_id: &'a str,
    /// The principal's version when Vigie issued the token; absent from an identity provider's
    /// tokens (and from Vigie's older ones), which are judged by `iat`.
    pub version: Option<i64>,
    /// Issued at, in seconds since the epoch.
    pub issued_at: i64,
    pub jti: &'a str,
    /// Expiry, in seconds since the epoch.
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    /// Tokens carrying a version below this are refused (0: none by version).
    below_version: i64,
    /// Tokens without a version issued at or before this second are refused.
    revoked_at: i64,
}

impl Mark {
    fn merge(&mut self, row: &RevocationRow) {
        self.below_version = self.below_version.max(row.below_version.unwrap_or(0));
        self.revoked_at = self.revoked_at.max(row.revoked_at.and_utc().timestamp());
    }
}

/// The live revocations, as one process last read them.
#[derive(Debug, Clone, Default)]
struct Snapshot {
    principals: HashMap<String, Mark>,
    organisations: HashMap<String, Mark>,
    tokens: HashSet<String>,
}

impl Snapshot {
    fn of(rows: &[RevocationRow]) -> Self {
        let mut s = Self::default();
        for r in rows {
            s.apply(r);
        }
        s
    }

    fn apply(&mut self, row: &RevocationRow) {
        match row.scope() {
            Some(RevocationScope::Principal) => self
                .principals
                .entry(row.subject.clone())
                .or_default()
                .merge(row),
            Some(RevocationScope::Organisation) => self
                .organisations
                .entry(row.subject.clone())
                .or_default()
                .merge(row),
            Some(RevocationScope::Token) => {
                self.tokens.insert(row.subject.clone());
            }
            None => {}
        }
    }

    /// Why the token is refused, if it is.
    fn refuses(&self, t: &TokenFacts<'_>) -> Option<&'static str> {
        if self.tokens.contains(t.jti) {
            return Some("revoked");
        }
        if let Some(m) = self.principals.get(t.sub) {
            let refused = match t.version {
                Some(v) => v < m.below_version,
                None => t.issued_at <= m.revoked_at,
            };
            if refused {
                return Some("revoked: the account changed since it was issued");
            }
        }
        if let Some(m) = self.organisations.get(t.org_id)
            && t.issued_at <= m.revoked_at
        {
            return Some("revoked: the organisation was deactivated");
        }
        None
    }
}

/// One process's copy of the revocations.
pub(crate) struct Revocations {
    refresh: Duration,
    current: RwLock<(Option<Instant>, Arc<Snapshot>)>,
    /// One reload at a time; requests arriving meanwhile wait for it rather than all reloading.
    reloading: tokio::sync::Mutex<()>,
    reloads: AtomicU64,
}

impl Revocations {
    pub(crate) fn new(refresh: Duration) -> Self {
        Self {
            refresh,
            current: RwLock::new((None, Arc::new(Snapshot::default()))),
            reloading: tokio::sync::Mutex::new(()),
            reloads: AtomicU64::new(0),
        }
    }

    /// The snapshot if it is fresh enough.
    fn fresh(&self) -> Option<Arc<Snapshot>> {
        let guard = self.current.read().unwrap_or_else(|e| e.into_inner());
        match guard.0 {
            Some(at) if at.elapsed() < self.refresh => Some(guard.1.clone()),
            _ => None,
        }
    }

    fn replace(&self, snapshot: Snapshot, loaded: Instant) {
        let mut guard = self.current.write().unwrap_or_else(|e| e.into_inner());
        *guard = (Some(loaded), Arc::new(snapshot));
    }

    /// Applies a revocation this process just committed, without waiting for the next reload.
    fn apply(&self, row: &RevocationRow) {
        let mut guard = self.current.write().unwrap_or_else(|e| e.into_inner());
        let mut next = (*guard.1).clone();
        next.apply(row);
        guard.1 = Arc::new(next);
    }
}

/// Refuses (401) a token that a revocation covers. Reloads this process's copy first when it is
/// older than the refresh interval; fails closed (503) when the database cannot be read then.
pub async fn admit(app: &App, token: &TokenFacts<'_>) -> AppResult<()> {
    let snapshot = match app.revocations.fresh() {
        Some(s) => s,
        None => reload(app).await?,
    };
    match snapshot.refuses(token) {
        Some(why) => Err(AppError::unauthorized(
            "invalid_token",
            format!("the bearer token is not valid: {why}"),
        )),
        None => Ok(()),
    }
}

async fn reload(app: &App) -> AppResult<Arc<Snapshot>> {
    let cache = app.revocations.clone();
    let _turn = cache.reloading.lock().await;
    if let Some(s) = cache.fresh() {
        return Ok(s);
    }
    let started = Instant::now();
    let rows = app.db(|conn| Ok(repo::live(conn, now())?)).await?;
    cache.reloads.fetch_add(1, Ordering::Relaxed);
    cache.replace(Snapshot::of(&rows), started);
    Ok(cache.fresh().unwrap_or_default())
}

/// How many times this process has read the revocations from the database (for the benchmark
/// and the metrics: at load, about one per refresh interval, not one per request).
pub fn reloads(app: &App) -> u64 {
    app.revocations.reloads.load(Ordering::Relaxed)
}

/// A revocation written by a use case's transaction, to apply once it has committed.
#[must_use = "apply it once the transaction has committed"]
#[derive(Debug)]
pub struct Pending(Option<RevocationRow>);

impl Pending {
    pub(crate) fn none() -> Self {
        Self(None)
    }

    /// Makes the revocation effective in this process at once (other processes reload it within
    /// the refresh interval).
    pub(crate) fn apply(self, app: &App) {
        if let Some(row) = self.0 {
            app.revocations.apply(&row);
        }
    }
}

/// When a revocation written now stops mattering: once every token it can concern has expired.
fn horizon(app: &App) -> NaiveDateTime {
    let lifetime = chrono::Duration::from_std(app.security.token_lifetime)
        .unwrap_or(chrono::Duration::days(1));
    // The clock leeway granted on `exp`, plus a margin.
    now() + lifetime + chrono::Duration::seconds(60)
}

/// Ends every token issued so far to the principal `sub`, whose version is now `version`.
pub(crate) fn revoke_principal(
    app: &App,
    conn: &mut DbConn,
    sub: &str,
    version: i64,
    reason: &str,
) -> AppResult<Pending> {
    let row = repo::record(
        conn,
        &NewRevocation {
            scope: RevocationScope::Principal,
            subject: sub,
            below_version: Some(version),
            expires_at: horizon(app),
            reason,
        },
    )?;
    Ok(Pending(Some(row)))
}

/// Ends every token issued so far to an organisation's principals.
pub(crate) fn revoke_organisation(
    app: &App,
    conn: &mut DbConn,
    org_id: &str,
    reason: &str,
) -> AppResult<Pending> {
    let row = repo::record(
        conn,
        &NewRevocation {
            scope: RevocationScope::Organisation,
            subject: org_id,
            below_version: None,
            expires_at: horizon(app),
            reason,
        },
    )?;
    Ok(Pending(Some(row)))
}

/// Ends one token (RFC 7009), until its own expiry.
pub(crate) fn revoke_token(
    conn: &mut DbConn,
    token: &TokenFacts<'_>,
    reason: &str,
) -> AppResult<Pending> {
    let expires_at = chrono::DateTime::from_timestamp(token.expires_at, 0)
        .map_or_else(now, |t| t.naive_utc())
        + chrono::Duration::seconds(60);
    let row = repo::record(
        conn,
        &NewRevocation {
            scope: RevocationScope::Token,
            subject: token.jti,
            below_version: None,
            expires_at,
            reason,
        },
    )?;
    Ok(Pending(Some(row)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scope: RevocationScope, subject: &str, below: Option<i64>, at: i64) -> RevocationRow {
        let t = chrono::DateTime::from_timestamp(at, 0)
            .expect("time")
            .naive_utc();
        RevocationRow {
            id: "r".into(),
            scope: scope.as_str().into(),
            subject: subject.into(),
            below_version: below,
            revoked_at: t,
            expires_at: t,
            reason: "test".into(),
        }
    }

    fn token<'a>(sub: &'a str, org: &'a str, version: Option<i64>, iat: i64) -> TokenFacts<'a> {
        TokenFacts {
            sub,
            org_id: org,
            version,
            issued_at: iat,
            jti: "j1",
            expires_at: iat + 3600,
        }
    }

    #[test]
    fn a_principal_revocation_ends_older_versions_and_keeps_newer_ones() {
        let s = Snapshot::of(&[row(RevocationScope::Principal, "person:a", Some(3), 1000)]);
        assert!(s.refuses(&token("person:a", "o", Some(2), 2000)).is_some());
        assert!(s.refuses(&token("person:a", "o", Some(3), 900)).is_none());
        assert!(s.refuses(&token("person:b", "o", Some(1), 900)).is_none());
        // Without a version, the issue time decides; the revocation's own second is refused.
        assert!(s.refuses(&token("person:a", "o", None, 1000)).is_some());
        assert!(s.refuses(&token("person:a", "o", None, 1001)).is_none());
    }

    #[test]
    fn an_organisation_revocation_ends_every_token_issued_before_it() {
        let s = Snapshot::of(&[row(RevocationScope::Organisation, "o", None, 1000)]);
        assert!(s.refuses(&token("person:a", "o", Some(9), 999)).is_some());
        assert!(s.refuses(&token("person:a", "o", Some(9), 1001)).is_none());
        assert!(s.refuses(&token("person:a", "p", Some(9), 999)).is_none());
    }

    #[test]
    fn a_token_revocation_ends_that_token_only_and_marks_merge_to_the_strictest() {
        let mut s = Snapshot::of(&[
            row(RevocationScope::Token, "j1", None, 1000),
            row(RevocationScope::Principal, "person:a", Some(5), 1000),
            row(RevocationScope::Principal, "person:a", Some(2), 3000),
        ]);
        assert!(s.refuses(&token("person:z", "o", None, 5000)).is_some());
        let other = TokenFacts {
            jti: "j2",
            ..token("person:z", "o", None, 5000)
        };
        assert!(s.refuses(&other).is_none());
        assert!(
            s.refuses(&TokenFacts {
                jti: "j2",
                ..token("person:a", "o", Some(4), 1)
            })
            .is_some()
        );
        assert!(
            s.refuses(&TokenFacts {
                jti: "j2",
                ..token("person:a", "o", None, 2999)
            })
            .is_some()
        );
        s.apply(&row(RevocationScope::Principal, "person:a", Some(7), 10));
        assert!(
            s.refuses(&TokenFacts {
                jti: "j2",
                ..token("person:a", "o", Some(6), 1)
            })
            .is_some()
        );
    }
}
