//! Procès-verbaux of sworn agents: the rules for drawing one up, its lifecycle (draft → signed →
//! transmitted; corrections are new revisions), the transmission deadline with its nullity, and the
//! content hash that makes a signed PV verifiable by anyone.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::delays::{DelayRule, LegalDelays};
use crate::sworn::{AgentFile, FileStatus, OffenceFacts, Regime};

/// The calendar day of an instant in the Hauts-de-Seine: deadlines count in local days.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Paris).date_naive()
}

/// The last day on which a PV may reach the parquet: the end of the Nth day after the day of the
/// finding (N = 5 since 2016, art. 29 CPP). Weekends and holidays do not extend it: whether they do
/// is not verified, and assuming it would risk a void PV.
pub fn transmission_deadline(found_on: NaiveDate, delays: &LegalDelays) -> NaiveDate {
    let days = delays.value_on(DelayRule::PvTransmissionDays, found_on);
    found_on + Days::new(u64::from(days))
}

/// A PV transmitted after its deadline is void (nullité): it is flagged, never silently accepted.
pub fn is_void(found_on: NaiveDate, transmitted_on: NaiveDate, delays: &LegalDelays) -> bool {
    transmitted_on > transmission_deadline(found_on, delays)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PvStatus {
    /// Being written; the only editable state.
    Draft,
    /// Signed by its author: immutable, ready to be transmitted.
    Signed,
    /// Sent to the parquet (see the transmission for the date and whether it was in time).
    Transmitted,
}

impl PvStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Signed => "signed",
            Self::Transmitted => "transmitted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Signed, Self::Transmitted]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// How a PV reaches the parquet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransmissionMode {
    /// Regime A: registered letter to the procureur.
    RegisteredLetter,
    /// Regime A: handed to the parquet.
    HandDelivery,
    /// Regime B: through the territorially competent OPJ.
    ViaOpj,
}

impl TransmissionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RegisteredLetter => "registered_letter",
            Self::HandDelivery => "hand_delivery",
            Self::ViaOpj => "via_opj",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::RegisteredLetter, Self::HandDelivery, Self::ViaOpj]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// Regime A sends directly to the procureur; regime B through an OPJ.
    pub fn allowed_for(regime: Regime) -> &'static [TransmissionMode] {
        match regime {
            Regime::GardeParticulier => &[Self::RegisteredLetter, Self::HandDelivery],
            Regime::LandlordSecurityAgent => &[Self::ViaOpj],
        }
    }
}

/// A rule that refuses a PV. Each has a stable code the API answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PvRuleError {
    #[error(
        "a PV records only what its author personally observed: attest it with `personally_observed: true` (art. 429 CPP)"
    )]
    NotPersonallyObserved,
    #[error("the agent is not active on the day of the finding ({}): a PV needs a valid agrément, the oath taken, no suspension or withdrawal", .0.as_str())]
    AgentNotActive(FileStatus),
    #[error("the place is not in the residences of the agent's commission")]
    PlaceOutsideCommission,
    #[error("offence `{0}` is not in the agent's agrément")]
    OffenceOutsideAgrement(String),
    #[error("offence `{0}` is not in the agent's commission")]
    OffenceOutsideCommission(String),
    #[error("offence `{0}` is not one of the R.614-11 contraventions a regime B agent may record")]
    RegimeBContraventionsOnly(String),
    #[error("a PV names at least one offence")]
    NoOffence,
}

impl PvRuleError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotPersonallyObserved => "not_personally_observed",
            Self::AgentNotActive(_) => "agent_not_active",
            Self::PlaceOutsideCommission => "place_outside_commission",
            Self::OffenceOutsideAgrement(_) => "offence_outside_agrement",
            Self::OffenceOutsideCommission(_) => "offence_outside_commission",
            Self::RegimeBContraventionsOnly(_) => "regime_b_contraventions_only",
            Self::NoOffence => "offence_required",
        }
    }

    /// Every code, for the contract's documentation.
    pub const CODES: [&'static str; 7] = [
        "not_personally_observed",
        "agent_not_active",
        "place_outside_commission",
        "offence_outside_agrement",
        "offence_outside_commission",
        "regime_b_contraventions_only",
        "offence_required",
    ];
}

/// What a PV claims, checked against its author's file (domain.md §8 rule 1).
pub struct Drawing<'a> {
    pub found_on: NaiveDate,
    pub residence_id: &'a str,
    pub personally_observed: bool,
    pub offences: &'a [OffenceFacts],
}

/// Checks every rule of drawing up a PV, in the order a reader would: attestation, the agent's
/// activity on the day, the place, the offences.
pub fn check_drawing(file: &AgentFile, d: &Drawing<'_>) -> Result<(), PvRuleError> {
    if !d.personally_observed {
        return Err(PvRuleError::NotPersonallyObserved);
    }
    let status = file.status_on(d.found_on);
    if status != FileStatus::Active {
        return Err(PvRuleError::AgentNotActive(status));
    }
    if !file
        .commission
        .residence_ids
        .iter()
        .any(|r| r == d.residence_id)
    {
        return Err(PvRuleError::PlaceOutsideCommission);
    }
    if d.offences.is_empty() {
        return Err(PvRuleError::NoOffence);
    }
    let agrement = file.agrement_on(d.found_on);
    for o in d.offences {
        if file.regime.limited_to_regime_b_offences() && !o.regime_b_allowed {
            return Err(PvRuleError::RegimeBContraventionsOnly(o.code.clone()));
        }
        if !agrement.is_some_and(|a| a.offence_codes.contains(&o.code)) {
            return Err(PvRuleError::OffenceOutsideAgrement(o.code.clone()));
        }
        if !file.commission.offence_codes.contains(&o.code) {
            return Err(PvRuleError::OffenceOutsideCommission(o.code.clone()));
        }
    }
    Ok(())
}

/// Why a PV cannot change state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PvStateError {
    #[error("a signed PV is immutable: draw up a correction instead")]
    Immutable,
    #[error("only a signed PV can be {0}")]
    NotSigned(&'static str),
    #[error("the PV is already transmitted")]
    AlreadyTransmitted,
    #[error("the PV was corrected: act on its latest revision")]
    Superseded,
}

impl PvStateError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Immutable => "pv_immutable",
            Self::NotSigned(_) => "pv_not_signed",
            Self::AlreadyTransmitted => "pv_already_transmitted",
            Self::Superseded => "pv_superseded",
        }
    }
}

/// Editing and signing need a draft.
pub fn can_edit(status: PvStatus) -> Result<(), PvStateError> {
    match status {
        PvStatus::Draft => Ok(()),
        _ => Err(PvStateError::Immutable),
    }
}

/// Transmitting needs a signed PV that is the latest revision.
pub fn can_transmit(status: PvStatus, superseded: bool) -> Result<(), PvStateError> {
    if superseded {
        return Err(PvStateError::Superseded);
    }
    match status {
        PvStatus::Signed => Ok(()),
        PvStatus::Transmitted => Err(PvStateError::AlreadyTransmitted),
        PvStatus::Draft => Err(PvStateError::NotSigned("transmitted")),
    }
}

/// A correction is drawn up against the latest signed (or transmitted) revision.
pub fn can_correct(status: PvStatus, superseded: bool) -> Result<(), PvStateError> {
    if superseded {
        return Err(PvStateError::Superseded);
    }
    match status {
        PvStatus::Draft => Err(PvStateError::NotSigned("corrected")),
        PvStatus::Signed | PvStatus::Transmitted => Ok(()),
    }
}

/// The canonical form of a JSON document: object keys sorted, no insignificant whitespace, strings
/// escaped as serde_json does (RFC 8785 for documents without floating-point numbers, which PVs do
/// not hold). Anyone can recompute it with a JSON library that sorts keys.
pub fn canonical_json(v: &serde_json::Value) -> String {
    fn write(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String((*k).clone()).to_string());
                    out.push(':');
                    write(&map[*k], out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(v, &mut out);
    out
}

/// `sha256:` and the hex SHA-256 of the canonical form of the signed document.
pub fn content_hash(document: &serde_json::Value) -> String {
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(canonical_json(document).as_bytes()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sworn::FileParty;
    use crate::sworn::{Commission, FileEvent};
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn deadline(s: &str) -> NaiveDate {
        transmission_deadline(d(s), LegalDelays::shipped())
    }

    #[test]
    fn deadline_is_the_fifth_day_after_across_month_leap_day_and_year_end() {
        assert_eq!(deadline("2026-01-28"), d("2026-02-02"));
        assert_eq!(deadline("2026-02-26"), d("2026-03-03"));
        assert_eq!(deadline("2028-02-24"), d("2028-02-29"));
        assert_eq!(deadline("2028-02-25"), d("2028-03-01"));
        assert_eq!(deadline("2028-02-29"), d("2028-03-05"));
        assert_eq!(deadline("2026-12-27"), d("2027-01-01"));
        assert_eq!(deadline("2026-12-31"), d("2027-01-05"));
        // Before loi 2016-1087 the delay was 3 days.
        assert_eq!(deadline("2016-08-01"), d("2016-08-04"));
    }

    #[test]
    fn the_day_of_the_finding_is_the_local_day() {
        let late_evening: DateTime<Utc> = "2026-12-31T23:30:00Z".parse().unwrap();
        assert_eq!(local_day(late_evening), d("2027-01-01"));
        let summer: DateTime<Utc> = "2026-07-14T21:59:00Z".parse().unwrap();
        assert_eq!(local_day(summer), d("2026-07-14"));
        let summer_midnight: DateTime<Utc> = "2026-07-14T22:00:00Z".parse().unwrap();
        assert_eq!(local_day(summer_midnight), d("2026-07-15"));
    }

    #[test]
    fn void_only_after_the_deadline_day() {
        let l = LegalDelays::shipped();
        assert!(!is_void(d("2026-11-27"), d("2026-12-02"), l));
        assert!(is_void(d("2026-11-27"), d("2026-12-03"), l));
    }

    proptest! {
        #[test]
        fn deadline_is_always_five_days_and_void_exactly_after(days in 0i64..40000, delay in 0u64..20) {
            let l = LegalDelays::shipped();
            let found = d("2016-08-10") + chrono::Duration::days(days);
            let dl = transmission_deadline(found, l);
            prop_assert_eq!((dl - found).num_days(), 5);
            let sent = found + Days::new(delay);
            prop_assert_eq!(is_void(found, sent, l), delay > 5);
        }
    }

    fn file(regime: Regime) -> AgentFile {
        let l = LegalDelays::shipped();
        let mut f = AgentFile::new(
            regime,
            Commission {
                residence_ids: vec!["r1".into()],
                offence_codes: vec!["CP-R634-2".into(), "CP-322-1-I".into()],
                issued_on: d("2026-01-01"),
            },
            None,
        );
        let facts = [
            OffenceFacts {
                code: "CP-R634-2".into(),
                regime_b_allowed: true,
            },
            OffenceFacts {
                code: "CP-322-1-I".into(),
                regime_b_allowed: regime == Regime::GardeParticulier,
            },
        ];
        // Regime B's commission only keeps what it may record.
        if regime == Regime::LandlordSecurityAgent {
            f.commission.offence_codes = vec!["CP-R634-2".into()];
        }
        f.apply(
            FileEvent::Agrement {
                arrete_number: "A-1".into(),
                prefet: "Préfet".into(),
                start: d("2026-02-01"),
                end: None,
                offence_codes: vec!["CP-R634-2".into()],
                card_number: None,
            },
            &facts,
            l,
            FileParty::Bailleur,
            d("2026-11-29"),
        )
        .unwrap();
        f.apply(
            FileEvent::Oath {
                tribunal: "TJ Nanterre".into(),
                sworn_on: d("2026-02-02"),
            },
            &facts,
            l,
            FileParty::Bailleur,
            d("2026-11-29"),
        )
        .unwrap();
        f
    }

    fn offence(code: &str, b: bool) -> Vec<OffenceFacts> {
        vec![OffenceFacts {
            code: code.into(),
            regime_b_allowed: b,
        }]
    }

    #[test]
    fn each_rule_of_drawing_up_names_itself() {
        let f = file(Regime::GardeParticulier);
        let dumping = offence("CP-R634-2", true);
        let ok = Drawing {
            found_on: d("2026-03-01"),
            residence_id: "r1",
            personally_observed: true,
            offences: &dumping,
        };
        assert_eq!(check_drawing(&f, &ok), Ok(()));
        let code = |dr: Drawing<'_>| check_drawing(&f, &dr).unwrap_err().code();
        assert_eq!(
            code(Drawing {
                personally_observed: false,
                ..ok
            }),
            "not_personally_observed"
        );
        assert_eq!(
            code(Drawing {
                found_on: d("2026-02-01"),
                ..ok
            }),
            "agent_not_active"
        );
        assert_eq!(
            code(Drawing {
                residence_id: "r2",
                ..ok
            }),
            "place_outside_commission"
        );
        let damage = offence("CP-322-1-I", false);
        assert_eq!(
            code(Drawing {
                offences: &damage,
                ..ok
            }),
            "offence_outside_agrement"
        );
        assert_eq!(
            code(Drawing {
                offences: &[],
                ..ok
            }),
            "offence_required"
        );
        let b = file(Regime::LandlordSecurityAgent);
        assert_eq!(
            check_drawing(
                &b,
                &Drawing {
                    offences: &damage,
                    ..ok
                }
            )
            .unwrap_err()
            .code(),
            "regime_b_contraventions_only"
        );
    }

    #[test]
    fn transmission_modes_follow_the_regime() {
        assert!(
            TransmissionMode::allowed_for(Regime::GardeParticulier)
                .contains(&TransmissionMode::RegisteredLetter)
        );
        assert!(
            !TransmissionMode::allowed_for(Regime::GardeParticulier)
                .contains(&TransmissionMode::ViaOpj)
        );
        assert_eq!(
            TransmissionMode::allowed_for(Regime::LandlordSecurityAgent),
            &[TransmissionMode::ViaOpj]
        );
    }

    #[test]
    fn lifecycle_refuses_what_the_state_forbids() {
        assert_eq!(can_edit(PvStatus::Signed), Err(PvStateError::Immutable));
        assert_eq!(
            can_transmit(PvStatus::Draft, false).unwrap_err().code(),
            "pv_not_signed"
        );
        assert_eq!(
            can_transmit(PvStatus::Signed, true).unwrap_err().code(),
            "pv_superseded"
        );
        assert_eq!(
            can_transmit(PvStatus::Transmitted, false)
                .unwrap_err()
                .code(),
            "pv_already_transmitted"
        );
        assert!(can_correct(PvStatus::Transmitted, false).is_ok());
        assert!(can_correct(PvStatus::Draft, false).is_err());
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = serde_json::json!({"b": 1, "a": {"d": [true, null, "é\n"], "c": "x"}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"x","d":[true,null,"é\n"]},"b":1}"#
        );
        assert!(content_hash(&v).starts_with("sha256:"));
        assert_ne!(
            content_hash(&v),
            content_hash(&serde_json::json!({"b": 2, "a": {"d": [true, null, "é\n"], "c": "x"}}))
        );
    }
}
