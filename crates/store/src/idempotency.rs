//! Idempotency-Key (IETF httpapi draft): the first answer to a creation is kept with a hash of its
//! request, and a retry with the same key replays it instead of creating twice.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::StoreResult;
use crate::now;
use crate::schema::idempotency_keys;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Never seen: go ahead, and [`save`] the answer in the same transaction.
    New,
    /// Seen with the same request: answer this again.
    Replay { status: u16, body: String },
    /// Seen with another request body: the client reused a key by mistake.
    Mismatch,
}

pub fn lookup(
    conn: &mut DbConn,
    principal: &str,
    key: &str,
    request_hash: &str,
) -> StoreResult<Lookup> {
    let found: Option<(String, i32, String)> = idempotency_keys::table
        .find((principal, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status,
            idempotency_keys::body,
        ))
        .first(conn)
        .optional()?;
    Ok(match found {
        None => Lookup::New,
        Some((hash, status, body)) if hash == request_hash => Lookup::Replay {
            status: u16::try_from(status).unwrap_or(200),
            body,
        },
        Some(_) => Lookup::Mismatch,
    })
}

pub fn save(
    conn: &mut DbConn,
    principal: &str,
    key: &str,
    request_hash: &str,
    status: u16,
    body: &str,
) -> StoreResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::principal.eq(principal),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::status.eq(i32::from(status)),
            idempotency_keys::body.eq(body),
            idempotency_keys::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// How long a key is remembered: long enough for any client's retries, short enough that the table
/// does not grow without end.
pub const RETENTION_HOURS: i64 = 24;

/// Forgets the keys recorded before `cutoff`; returns how many.
pub fn purge_before(conn: &mut DbConn, cutoff: chrono::NaiveDateTime) -> StoreResult<usize> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
            .execute(conn)?,
    )
}
