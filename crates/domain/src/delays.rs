//! Legal delays and durations as dated reference data (`reference/legal-delays.json`): the law changes
//! them (the PV transmission delay went from 3 to 5 days in 2016), so the rules ask for the value in
//! force on a date instead of carrying a literal.

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Deserialize;

/// The rules that read a dated value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DelayRule {
    /// Days after the day of the finding by which a PV must reach the parquet (art. 29 CPP).
    PvTransmissionDays,
    /// Length of a préfet's agrément, in years.
    AgrementYears,
    /// How many days before its end an agrément is listed for renewal.
    AgrementRenewalNoticeDays,
    /// The longest prison penalty, in years, of a délit open to composition pénale (art. 41-2 CPP).
    CompositionPenaleMaxPrisonYears,
    /// Days a landlord has to answer the préfet's injunction (art. L.442-4-3 CCH).
    InjunctionAnswerDays,
    /// Months a landlord that accepted has to bring the action (art. L.442-4-3 CCH).
    InjunctionActionMonths,
    /// Days before an injunction's deadline when the landlord's correspondent is alerted.
    InjunctionAlertDays,
    /// The longest ban from premises, in months (art. L.22-11-1 CSI).
    BanMaxMonths,
    /// Years after which the enforcement of a court decision is time-barred (L.111-4 CPCE).
    EnforcementPrescriptionYears,
    /// Years a sworn agent's file is kept after the end of their last agrément (a policy).
    SwornAgentFileYears,
    /// Years an incident with no qualification is kept from its facts (a policy).
    UnqualifiedIncidentYears,
    /// Years a préfet's injunction dossier is kept after its last step (a policy).
    InjunctionDossierYears,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DelayEntry {
    pub rule: DelayRule,
    pub value: u32,
    pub valid_from: NaiveDate,
    pub source: String,
    pub reliability: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LegalDelays {
    pub version: String,
    pub entries: Vec<DelayEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum DelaysError {
    #[error("legal delays file: {0}")]
    Parse(String),
    #[error("legal delays file has no value of {0:?}")]
    Missing(DelayRule),
}

const SHIPPED: &str = include_str!("../../../reference/legal-delays.json");

impl LegalDelays {
    pub fn parse(text: &str) -> Result<Self, DelaysError> {
        let d: Self = serde_json::from_str(text).map_err(|e| DelaysError::Parse(e.to_string()))?;
        for rule in [
            DelayRule::PvTransmissionDays,
            DelayRule::AgrementYears,
            DelayRule::AgrementRenewalNoticeDays,
            DelayRule::CompositionPenaleMaxPrisonYears,
            DelayRule::InjunctionAnswerDays,
            DelayRule::InjunctionActionMonths,
            DelayRule::InjunctionAlertDays,
            DelayRule::BanMaxMonths,
            DelayRule::EnforcementPrescriptionYears,
            DelayRule::SwornAgentFileYears,
            DelayRule::UnqualifiedIncidentYears,
            DelayRule::InjunctionDossierYears,
        ] {
            if !d.entries.iter().any(|e| e.rule == rule) {
                return Err(DelaysError::Missing(rule));
            }
        }
        Ok(d)
    }

    /// The file shipped in `reference/` (checked by a test, so it always parses).
    pub fn shipped() -> &'static Self {
        static CELL: OnceLock<LegalDelays> = OnceLock::new();
        CELL.get_or_init(|| Self::parse(SHIPPED).expect("reference/legal-delays.json is valid"))
    }

    /// The value of `rule` in force on `on`: the entry with the latest `valid_from` not after `on`
    /// (the earliest entry for dates before every entry).
    pub fn value_on(&self, rule: DelayRule, on: NaiveDate) -> u32 {
        let mut of_rule: Vec<&DelayEntry> =
            self.entries.iter().filter(|e| e.rule == rule).collect();
        of_rule.sort_by_key(|e| e.valid_from);
        of_rule
            .iter()
            .rev()
            .find(|e| e.valid_from <= on)
            .or(of_rule.first())
            .map(|e| e.value)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn shipped_file_parses_and_dates_the_2016_change() {
        let l = LegalDelays::shipped();
        assert_eq!(
            l.value_on(DelayRule::PvTransmissionDays, d("2016-08-09")),
            3
        );
        assert_eq!(
            l.value_on(DelayRule::PvTransmissionDays, d("2016-08-10")),
            5
        );
        assert_eq!(
            l.value_on(DelayRule::PvTransmissionDays, d("2026-11-28")),
            5
        );
        assert_eq!(l.value_on(DelayRule::AgrementYears, d("2026-11-28")), 5);
        assert_eq!(
            l.value_on(DelayRule::AgrementRenewalNoticeDays, d("2026-11-28")),
            90
        );
    }

    #[test]
    fn a_file_missing_a_rule_is_refused() {
        let text = r#"{"version": "x", "entries": [{"rule": "agrement_years", "value": 5, "valid_from": "2000-01-01", "source": "s", "reliability": "verified"}]}"#;
        assert!(matches!(
            LegalDelays::parse(text),
            Err(DelaysError::Missing(DelayRule::PvTransmissionDays))
        ));
    }
}
