//! The access journal: every read of personal offence data, by whom, for which purpose (GDPR art.
//! 10 and art. 46 loi Informatique et Libertés: a partner reads a bailleur's records only to
//! prepare, bring or follow a legal action, and each read is logged with its purpose). One hash
//! chain per organisation whose records are read, linked like the audit trail.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Link;
use crate::organisation::{OrgKind, UnknownValue};

/// Why a record is read: the closed list a `Vigie-Purpose` header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// The police's inquiry into the facts.
    Investigation,
    /// The parquet's decision and the proceedings.
    Prosecution,
    /// Following a complaint through its steps.
    ComplaintFollowUp,
    /// Supporting a victim (a staff member, the bailleur).
    VictimSupport,
    /// Checking the processing (the DPO, the platform operator).
    Audit,
    /// Answering a data subject's request (GDPR art. 15 to 17).
    DataSubjectRequest,
    /// The bailleur handling its own cases (the default for its own reads).
    CaseManagement,
}

impl Purpose {
    pub const ALL: [Purpose; 7] = [
        Self::Investigation,
        Self::Prosecution,
        Self::ComplaintFollowUp,
        Self::VictimSupport,
        Self::Audit,
        Self::DataSubjectRequest,
        Self::CaseManagement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Investigation => "investigation",
            Self::Prosecution => "prosecution",
            Self::ComplaintFollowUp => "complaint_follow_up",
            Self::VictimSupport => "victim_support",
            Self::Audit => "audit",
            Self::DataSubjectRequest => "data_subject_request",
            Self::CaseManagement => "case_management",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Purpose {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// Whether a reader of this kind must state a purpose: every partner does (police, parquet,
/// préfecture, AORIF, the platform operator); a bailleur reads only its own records, and its reads
/// default to [`Purpose::CaseManagement`].
pub fn purpose_required(reader: OrgKind) -> bool {
    reader != OrgKind::Bailleur
}

/// How long the journal keeps an entry, by default and at most (days).
pub const DEFAULT_RETENTION_DAYS: u32 = 365;
pub const MAX_RETENTION_DAYS: u32 = 3 * 365;

/// One read, as the chain links it. The audit trail's link carries it: `actor` the reader,
/// `org_id` the organisation whose records were read (the chain), `action` `read.<purpose>`,
/// `resource_id` the JSON array of the ids read, and no state (a read changes nothing).
#[allow(clippy::too_many_arguments)]
pub fn link(
    chain: &str,
    seq: i64,
    at: String,
    reader: &str,
    reader_org: Option<&str>,
    purpose: Purpose,
    resource_type: &str,
    resource_ids: &str,
    request_id: Option<&str>,
    prev_hash: &str,
) -> Link {
    Link {
        chain: chain.to_owned(),
        seq,
        at,
        actor: reader.to_owned(),
        actor_org_id: reader_org.map(str::to_owned),
        org_id: Some(chain.to_owned()),
        action: format!("read.{purpose}"),
        resource_type: resource_type.to_owned(),
        resource_id: resource_ids.to_owned(),
        request_id: request_id.map(str::to_owned),
        state_hash: String::new(),
        prev_hash: prev_hash.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{GENESIS, StoredLink, verify_chain, verify_chain_after_purge};

    fn chain(n: i64) -> Vec<StoredLink> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let l = link(
                    "org-1",
                    seq,
                    format!("2026-01-01T00:00:{seq:02}.000000Z"),
                    "person:mag",
                    Some("parquet"),
                    Purpose::Prosecution,
                    "incident",
                    "i-1",
                    None,
                    &prev,
                );
                let hash = l.hash();
                prev = hash.clone();
                StoredLink { link: l, hash }
            })
            .collect()
    }

    #[test]
    fn purposes_round_trip_and_partners_must_state_one() {
        for p in Purpose::ALL {
            assert_eq!(p.as_str().parse::<Purpose>().unwrap(), p);
        }
        assert!("curiosity".parse::<Purpose>().is_err());
        assert!(!purpose_required(OrgKind::Bailleur));
        for k in [
            OrgKind::PoliceCirconscription,
            OrgKind::Parquet,
            OrgKind::Prefecture,
            OrgKind::Aorif,
            OrgKind::PlatformOperator,
        ] {
            assert!(purpose_required(k), "{k}");
        }
    }

    #[test]
    fn a_purged_prefix_keeps_the_rest_verifiable_but_an_edit_does_not() {
        let c = chain(6);
        let head = (6, c[5].hash.as_str());
        assert!(verify_chain("org-1", &c, Some(head)).is_ok());
        // The two oldest purged: strict verification fails, verification after purge holds.
        assert!(verify_chain("org-1", &c[2..], Some(head)).is_err());
        assert!(verify_chain_after_purge("org-1", &c[2..], Some(head)).is_ok());
        // A purpose rewritten in a kept entry breaks it.
        let mut edited = c[2..].to_vec();
        edited[1].link.action = "read.audit".into();
        let err = verify_chain_after_purge("org-1", &edited, Some(head)).unwrap_err();
        assert_eq!((err.seq, err.reason.as_str()), (4, "hash_mismatch"));
        // An entry removed in the middle is a gap.
        let mut gap = c[2..].to_vec();
        gap.remove(1);
        assert_eq!(
            verify_chain_after_purge("org-1", &gap, Some(head))
                .unwrap_err()
                .reason,
            "sequence_gap"
        );
    }
}
