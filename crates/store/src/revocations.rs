//! Token revocations: rows that make tokens issued before them invalid. They are written in the
//! transaction of the change that causes them (deactivation, roles, secret, explicit revoke) and
//! read whole by every process's cache; a row is purged once every token it concerns has expired.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::StoreResult;
use crate::schema::token_revocations;
use crate::{new_id, now};

/// What a revocation covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationScope {
    /// Every token of one principal (`subject` is the token's `sub`).
    Principal,
    /// Every token of one organisation's principals (`subject` is its id).
    Organisation,
    /// One token (`subject` is its `jti`).
    Token,
}

impl RevocationScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Principal => "principal",
            Self::Organisation => "organisation",
            Self::Token => "token",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "principal" => Some(Self::Principal),
            "organisation" => Some(Self::Organisation),
            "token" => Some(Self::Token),
            _ => None,
        }
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = token_revocations)]
pub struct RevocationRow {
    pub id: String,
    pub scope: String,
    pub subject: String,
    pub below_version: Option<i64>,
    pub revoked_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub reason: String,
}

impl RevocationRow {
    /// `None` for a scope this version does not know (a newer process wrote it): ignored.
    pub fn scope(&self) -> Option<RevocationScope> {
        RevocationScope::parse(&self.scope)
    }
}

/// A revocation to record.
#[derive(Debug, Clone)]
pub struct NewRevocation<'a> {
    pub scope: RevocationScope,
    pub subject: &'a str,
    pub below_version: Option<i64>,
    pub expires_at: NaiveDateTime,
    pub reason: &'a str,
}

/// Records a revocation (and purges those that no longer matter).
pub fn record(conn: &mut DbConn, new: &NewRevocation<'_>) -> StoreResult<RevocationRow> {
    let at = now();
    diesel::delete(token_revocations::table.filter(token_revocations::expires_at.lt(at)))
        .execute(conn)?;
    let row = RevocationRow {
        id: new_id(),
        scope: new.scope.as_str().to_owned(),
        subject: new.subject.to_owned(),
        below_version: new.below_version,
        revoked_at: at,
        expires_at: new.expires_at,
        reason: new.reason.to_owned(),
    };
    diesel::insert_into(token_revocations::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// Every revocation that still matters at `at`.
pub fn live(conn: &mut DbConn, at: NaiveDateTime) -> StoreResult<Vec<RevocationRow>> {
    Ok(token_revocations::table
        .filter(token_revocations::expires_at.ge(at))
        .select(RevocationRow::as_select())
        .load(conn)?)
}
