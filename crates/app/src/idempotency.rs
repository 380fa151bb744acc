//! Creations made safe to retry: an `Idempotency-Key` (per principal) replays the first answer to
//! the same request, and refuses the same key with another request.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vigie_store::DbConn;
use vigie_store::idempotency::{Lookup, lookup};

use crate::context::App;
use crate::error::{AppError, AppResult};

/// What a creation produced: the representation, where it lives and its version.
pub struct Created<T> {
    pub body: T,
    pub location: String,
    pub version: i64,
}

/// A creation's answer, first or replayed.
#[derive(Serialize, Deserialize)]
pub struct Answer {
    pub location: String,
    pub version: i64,
    pub body: serde_json::Value,
    #[serde(skip)]
    pub replayed: bool,
}

/// The fingerprint of a request body.
pub fn request_hash(request: &impl Serialize) -> String {
    hex::encode(Sha256::digest(
        serde_json::to_vec(request).unwrap_or_default(),
    ))
}

/// The answer stored for a key already used with the same request, if any; the same key with
/// another request is refused. Call it in the transaction that then creates and saves.
pub(crate) fn replayed_answer(
    conn: &mut DbConn,
    principal: &str,
    key: Option<&str>,
    request_hash: &str,
) -> AppResult<Option<String>> {
    let Some(k) = key else { return Ok(None) };
    match lookup(conn, principal, k, request_hash)? {
        Lookup::New => Ok(None),
        Lookup::Replay { body, .. } => Ok(Some(body)),
        Lookup::Mismatch => Err(AppError::unprocessable(
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request body",
        )),
    }
}

/// Remembers the answer to a key, in the creating transaction.
pub(crate) fn remember(
    conn: &mut DbConn,
    principal: &str,
    key: Option<&str>,
    request_hash: &str,
    answer: &str,
) -> AppResult<()> {
    if let Some(k) = key {
        vigie_store::idempotency::save(conn, principal, k, request_hash, 201, answer)?;
    }
    Ok(())
}

/// Runs a creation once per key: a retry with the same key and body gets the first answer again.
pub(crate) async fn create_once<T, F>(
    app: &App,
    principal: String,
    key: Option<String>,
    request: &impl Serialize,
    create: F,
) -> AppResult<Answer>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut DbConn) -> AppResult<Created<T>> + Send + 'static,
{
    let hash = request_hash(request);
    app.tx(move |conn| {
        if let Some(body) = replayed_answer(conn, &principal, key.as_deref(), &hash)? {
            let mut answer: Answer = serde_json::from_str(&body)?;
            answer.replayed = true;
            return Ok(answer);
        }
        let created = create(conn)?;
        let answer = Answer {
            location: created.location,
            version: created.version,
            body: serde_json::to_value(&created.body)?,
            replayed: false,
        };
        remember(
            conn,
            &principal,
            key.as_deref(),
            &hash,
            &serde_json::to_string(&answer)?,
        )?;
        Ok(answer)
    })
    .await
}

/// How long an answer is kept for replay.
pub use vigie_store::idempotency::RETENTION_HOURS;

/// Forgets the answers older than [`RETENTION_HOURS`] (a periodic job).
pub async fn purge_expired(app: &App) -> AppResult<usize> {
    app.tx(|conn| {
        let cutoff = vigie_store::now() - chrono::Duration::hours(RETENTION_HOURS);
        Ok(vigie_store::idempotency::purge_before(conn, cutoff)?)
    })
    .await
}
