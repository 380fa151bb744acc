//! The audit trail's hash chain. Each audit record carries the hash of the record before it in its
//! chain; editing, deleting or reordering a stored record breaks the chain at that point.
//!
//! There is one chain per organisation (plus one for the platform), so that writes of different
//! organisations never wait on one another to extend the trail.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record of every chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields a chain link covers. `at` must be the exact stored text (RFC 3339, microseconds, UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub chain: String,
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub actor_org_id: Option<String>,
    pub org_id: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub request_id: Option<String>,
    pub state_hash: String,
    pub prev_hash: String,
}

impl Link {
    /// SHA-256 over a JSON array of the fields: unambiguous (no separator can be forged inside a field).
    pub fn hash(&self) -> String {
        let canonical = serde_json::to_vec(&(
            &self.chain,
            self.seq,
            &self.at,
            (&self.actor, &self.actor_org_id),
            &self.org_id,
            &self.action,
            &self.resource_type,
            &self.resource_id,
            &self.request_id,
            &self.state_hash,
            &self.prev_hash,
        ))
        .unwrap_or_default();
        hex::encode(Sha256::digest(canonical))
    }
}

/// Hash of a resource's new state. serde_json's `Value` keeps object keys sorted, so the same state
/// always hashes the same.
pub fn state_hash(state: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(
        serde_json::to_vec(state).unwrap_or_default(),
    ))
}

/// Where a chain stops being trustworthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChainBreak {
    pub chain: String,
    /// The sequence number of the first record that does not verify (or that is missing).
    pub seq: i64,
    /// `hash_mismatch` (the record was edited), `prev_mismatch` (a record before it was removed or
    /// replaced), `sequence_gap` (records are missing), `head_mismatch` (the newest records were removed),
    /// `head_missing` (the chain head row itself was removed).
    pub reason: String,
}

/// A stored record: its link fields plus the hash it was stored with.
#[derive(Debug, Clone)]
pub struct StoredLink {
    pub link: Link,
    pub hash: String,
}

/// Verifies one chain, given its records in `seq` order and the head (last seq, last hash) that the
/// chain's head row remembers.
pub fn verify_chain(
    chain: &str,
    records: &[StoredLink],
    head: Option<(i64, &str)>,
) -> Result<(), ChainBreak> {
    verify_from(chain, records, head, 1, GENESIS)
}

/// Verifies a chain whose oldest records were purged by its retention rule: the first record kept
/// is the anchor (its `prev_hash` is the hash of the last purged record, which the audit trail's
/// purge record attests); from there every link must hold as in [`verify_chain`].
pub fn verify_chain_after_purge(
    chain: &str,
    records: &[StoredLink],
    head: Option<(i64, &str)>,
) -> Result<(), ChainBreak> {
    // Everything purged: nothing left to check (the audit trail's purge records say how far).
    let Some(first) = records.first() else {
        return Ok(());
    };
    verify_from(chain, records, head, first.link.seq, &first.link.prev_hash)
}

/// Checks that the records follow each other from `first_seq` and `first_prev`, that each hash is
/// its link's, and that the head names the last one.
fn verify_from(
    chain: &str,
    records: &[StoredLink],
    head: Option<(i64, &str)>,
    first_seq: i64,
    first_prev: &str,
) -> Result<(), ChainBreak> {
    let brk = |seq: i64, reason: &str| ChainBreak {
        chain: chain.to_owned(),
        seq,
        reason: reason.to_owned(),
    };
    let mut expected_prev = first_prev.to_owned();
    let mut expected_seq = first_seq;
    for r in records {
        if r.link.seq != expected_seq {
            return Err(brk(expected_seq, "sequence_gap"));
        }
        if r.link.prev_hash != expected_prev {
            return Err(brk(r.link.seq, "prev_mismatch"));
        }
        if r.link.hash() != r.hash {
            return Err(brk(r.link.seq, "hash_mismatch"));
        }
        expected_prev = r.hash.clone();
        expected_seq += 1;
    }
    match head {
        Some((seq, hash)) if seq != expected_seq - 1 || hash != expected_prev => {
            Err(brk(expected_seq, "head_mismatch"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredLink> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let link = Link {
                    chain: "org-1".into(),
                    seq,
                    at: format!("2026-01-01T00:00:{seq:02}.000000Z"),
                    actor: "client:abc".into(),
                    actor_org_id: Some("org-1".into()),
                    org_id: Some("org-1".into()),
                    action: "organisation.updated".into(),
                    resource_type: "organisation".into(),
                    resource_id: "org-1".into(),
                    request_id: None,
                    state_hash: state_hash(&serde_json::json!({"n": seq})),
                    prev_hash: prev.clone(),
                };
                let hash = link.hash();
                prev = hash.clone();
                StoredLink { link, hash }
            })
            .collect()
    }

    fn head(c: &[StoredLink]) -> Option<(i64, &str)> {
        c.last().map(|l| (l.link.seq, l.hash.as_str()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify_chain("org-1", &c, head(&c)), Ok(()));
        assert_eq!(verify_chain("org-1", &[], None), Ok(()));
    }

    #[test]
    fn an_edited_record_is_detected() {
        let c = chain(5);
        let h = c[4].hash.clone();
        let mut edited = c.clone();
        edited[2].link.action = "organisation.deleted".into();
        let err = verify_chain("org-1", &edited, Some((5, &h))).unwrap_err();
        assert_eq!((err.seq, err.reason.as_str()), (3, "hash_mismatch"));
    }

    #[test]
    fn an_edited_record_with_recomputed_hash_breaks_the_next_link() {
        let c = chain(5);
        let h = c[4].hash.clone();
        let mut edited = c.clone();
        edited[2].link.actor = "someone-else".into();
        edited[2].hash = edited[2].link.hash();
        let err = verify_chain("org-1", &edited, Some((5, &h))).unwrap_err();
        assert_eq!((err.seq, err.reason.as_str()), (4, "prev_mismatch"));
    }

    #[test]
    fn deleted_records_are_detected_in_the_middle_and_at_the_end() {
        let c = chain(5);
        let h = c[4].hash.clone();
        let mut gap = c.clone();
        gap.remove(1);
        assert_eq!(
            verify_chain("org-1", &gap, Some((5, &h)))
                .unwrap_err()
                .reason,
            "sequence_gap"
        );
        let truncated = &c[..3];
        assert_eq!(
            verify_chain("org-1", truncated, Some((5, &h)))
                .unwrap_err()
                .reason,
            "head_mismatch"
        );
    }

    #[test]
    fn state_hash_ignores_key_order() {
        let a: serde_json::Value = serde_json::from_str(r#"{"a":1,"b":2}"#).unwrap();
        let b: serde_json::Value = serde_json::from_str(r#"{"b":2,"a":1}"#).unwrap();
        assert_eq!(state_hash(&a), state_hash(&b));
    }
}
