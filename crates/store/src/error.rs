//! Storage errors, sorted by what the caller can do about them.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is failing: retry later (HTTP 503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("not found")]
    NotFound,
    /// A uniqueness rule refused the write; the string names what collided.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The stored version differs from the one the caller read (HTTP 412).
    #[error("stale version")]
    Stale,
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(String),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => Self::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Self::Conflict(info.constraint_name().unwrap_or(info.message()).to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(_, ref info) if is_unavailable_message(info.message()) => {
                Self::Unavailable(info.message().to_owned())
            }
            DieselError::BrokenTransactionManager => Self::Unavailable("broken transaction".into()),
            other => Self::Database(other.to_string()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

/// libpq and SQLite report lost servers and lock time-outs as untyped errors.
fn is_unavailable_message(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    [
        "server closed the connection",
        "connection refused",
        "terminating connection",
        "no connection to the server",
        "could not connect",
        "database is locked",
        "database table is locked",
        "unable to open database",
        "disk i/o error",
        "the database system is shutting down",
        "the database system is starting up",
    ]
    .iter()
    .any(|p| m.contains(p))
}

pub type StoreResult<T> = Result<T, StoreError>;

/// For inserts whose only unique rule is one business key: a unique violation names that key.
pub fn conflict_on(what: &'static str) -> impl Fn(DieselError) -> StoreError {
    move |e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(what.to_owned()),
        other => other,
    }
}

/// Optimistic concurrency, first half: the caller's `If-Match` (`expected`) must name the version
/// that is stored now.
pub fn check_version(expected: Option<i64>, current: i64) -> StoreResult<()> {
    if expected.is_some_and(|v| v != current) {
        return Err(StoreError::Stale);
    }
    Ok(())
}

/// Second half: an update guarded by `WHERE version = <read version>` that touched no row lost
/// the race to another writer.
pub fn updated_once(rows: usize) -> StoreResult<()> {
    if rows == 0 {
        return Err(StoreError::Stale);
    }
    Ok(())
}

/// Decodes a stored JSON column; a value that does not decode is corrupt data, named by `what`.
pub fn decode_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// Decodes a stored name (an enum's `as_str`); an unknown one is corrupt data, named by `what`.
pub fn decode_name<T>(what: &str, text: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
    parse(text).ok_or_else(|| StoreError::Corrupt(format!("{what}: `{text}`")))
}
