//! How long a record naming people may be kept (GDPR art. 5(1)(e) and 10, art. 46 loi Informatique
//! et Libertés; domain.md §7 and §11): only while it serves a legal action. Each record gets a basis
//! and an end date from these rules; past the end (and with no legal hold) a retention run
//! anonymises it. The durations are dated reference data (`reference/legal-delays.json`).
//!
//! - No proceedings (no PV transmitted, no complaint lodged): until the public action is
//!   prescribed, counted from the day of the facts in France (1 year for contraventions, 6 for
//!   délits, art. 7 to 9 CPP).
//! - Proceedings: while open, no end; once closed, the prescription of the enforcement of the
//!   decision (10 years, L.111-4 CPCE), or the prescription of the action again when no decision
//!   was recorded (a classement sans suite ends nothing: the action can be brought until then).
//! - A PV transmitted to the parquet is an act that interrupts the prescription (art. 9-2 CPP): its
//!   term runs again from the day of the transmission.
//! - A record is kept at least as long as any record it is part of (an incident as long as its
//!   complaint and its PVs), so that nothing anonymised survives named in a copy.
//! - A legal hold (litigation, a request of the parquet) suspends the end until it is released.
//! - A sworn agent's file: a set number of years after their last agrément ends.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::delays::{DelayRule, LegalDelays};

/// Why a record is kept, and so until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// No proceedings: until the public action is prescribed.
    PrescriptionOfAction,
    /// Proceedings are open (a complaint lodged and not closed): no end yet.
    ProceedingsOpen,
    /// Proceedings closed by a decision: until its enforcement is time-barred (L.111-4 CPCE).
    EnforcementOfDecision,
    /// Proceedings closed with no decision recorded: until the action is prescribed again.
    PrescriptionAfterClosure,
    /// A PV transmitted to the parquet: the prescription runs again from the transmission.
    PrescriptionAfterTransmission,
    /// Kept with a record it is part of (the incident of a complaint or a PV).
    LinkedRecord,
    /// A legal hold suspends the end.
    LegalHold,
    /// A sworn agent's agrément is in force: no end yet.
    AgrementInForce,
    /// A set number of years after the sworn agent's last agrément ended.
    AgrementEnded,
    /// A préfet's ban from premises: until a breach of it (a délit) is time-barred, counted from
    /// the ban's last day.
    PrescriptionOfBreach,
    /// A préfet's injunction dossier: a set number of years after its last step.
    DossierLastStep,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PrescriptionOfAction => "prescription_of_action",
            Self::ProceedingsOpen => "proceedings_open",
            Self::EnforcementOfDecision => "enforcement_of_decision",
            Self::PrescriptionAfterClosure => "prescription_after_closure",
            Self::PrescriptionAfterTransmission => "prescription_after_transmission",
            Self::LinkedRecord => "linked_record",
            Self::LegalHold => "legal_hold",
            Self::AgrementInForce => "agrement_in_force",
            Self::AgrementEnded => "agrement_ended",
            Self::PrescriptionOfBreach => "prescription_of_breach",
            Self::DossierLastStep => "dossier_last_step",
        }
    }

    /// Whether the record serves a legal action under way (proceedings open or decided and
    /// enforceable, a PV before the parquet, a hold, a complaint or PV it is part of): an erasure
    /// request is then refused (GDPR art. 17(3)(e)).
    pub fn legal_action_open(self) -> bool {
        matches!(
            self,
            Self::ProceedingsOpen
                | Self::EnforcementOfDecision
                | Self::PrescriptionAfterTransmission
                | Self::LinkedRecord
                | Self::LegalHold
        )
    }
}

/// A record's retention: why it is kept and the last day it may be kept named (none while
/// proceedings are open, an agrément is in force or a hold stands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub basis: Basis,
    pub ends_on: Option<NaiveDate>,
}

impl Retention {
    fn until(basis: Basis, ends_on: NaiveDate) -> Self {
        Self {
            basis,
            ends_on: Some(ends_on),
        }
    }

    fn open(basis: Basis) -> Self {
        Self {
            basis,
            ends_on: None,
        }
    }

    /// Whether the record is past its end on `today` (the end day itself is still within).
    pub fn is_due(&self, today: NaiveDate) -> bool {
        self.ends_on.is_some_and(|end| end < today)
    }

    /// The same retention under a legal hold, when one stands.
    pub fn held(self, hold: bool) -> Self {
        if hold {
            Self::open(Basis::LegalHold)
        } else {
            self
        }
    }

    /// Kept at least as long as the records it is part of: the latest end wins, and any open one
    /// keeps it open.
    pub fn with_linked(self, linked: impl IntoIterator<Item = Retention>) -> Self {
        let mut out = self;
        for l in linked {
            match (out.ends_on, l.ends_on) {
                (None, _) => {}
                (Some(_), None) => out = Self::open(l.basis),
                (Some(a), Some(b)) if b > a => out = Self::until(Basis::LinkedRecord, b),
                _ => {}
            }
        }
        out
    }
}

fn plus_years(day: NaiveDate, years: u32) -> NaiveDate {
    day.checked_add_months(Months::new(12 * years))
        .unwrap_or(NaiveDate::MAX)
}

/// An incident, before the records it is part of are taken into account: its prescription (from
/// its qualifications), or, unqualified, the policy term from the day of its facts.
pub fn incident(prescription: Option<NaiveDate>, facts_on: NaiveDate) -> Retention {
    let end = prescription.unwrap_or_else(|| {
        plus_years(
            facts_on,
            LegalDelays::shipped().value_on(DelayRule::UnqualifiedIncidentYears, facts_on),
        )
    });
    Retention::until(Basis::PrescriptionOfAction, end)
}

/// Where a complaint stands, as retention reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintStage {
    /// Drafted, not lodged: no proceedings.
    NotLodged,
    /// Lodged and not closed.
    Open,
    /// Closed on this day, with or without a decision to enforce.
    Closed { on: NaiveDate, decision: bool },
}

/// A complaint: `facts_end` is the prescription of its facts (the latest of its incidents') and
/// `prescription_years` the term of its most serious qualification.
pub fn complaint(
    stage: ComplaintStage,
    facts_end: NaiveDate,
    prescription_years: u32,
) -> Retention {
    match stage {
        ComplaintStage::NotLodged => Retention::until(Basis::PrescriptionOfAction, facts_end),
        ComplaintStage::Open => Retention::open(Basis::ProceedingsOpen),
        ComplaintStage::Closed { on, decision: true } => Retention::until(
            Basis::EnforcementOfDecision,
            plus_years(
                on,
                LegalDelays::shipped().value_on(DelayRule::EnforcementPrescriptionYears, on),
            ),
        ),
        ComplaintStage::Closed {
            on,
            decision: false,
        } => Retention::until(
            Basis::PrescriptionAfterClosure,
            plus_years(on, prescription_years).max(facts_end),
        ),
    }
}

/// A PV found on `found_on`, of offences prescribed after `prescription_years`, transmitted to the
/// parquet on `transmitted_on` (art. 9-2 CPP: the transmission interrupts the prescription).
pub fn pv(
    found_on: NaiveDate,
    transmitted_on: Option<NaiveDate>,
    prescription_years: u32,
) -> Retention {
    match transmitted_on {
        Some(t) => Retention::until(
            Basis::PrescriptionAfterTransmission,
            plus_years(t.max(found_on), prescription_years),
        ),
        None => Retention::until(
            Basis::PrescriptionOfAction,
            plus_years(found_on, prescription_years),
        ),
    }
}

/// A sworn agent's file: open while an agrément is in force; then the policy term from the end of
/// the last agrément (or from the file's creation when it never had one).
pub fn sworn_agent(
    last_agrement_end: Option<NaiveDate>,
    created_on: NaiveDate,
    today: NaiveDate,
) -> Retention {
    let from = match last_agrement_end {
        Some(end) if end >= today => return Retention::open(Basis::AgrementInForce),
        Some(end) => end,
        None => created_on,
    };
    Retention::until(
        Basis::AgrementEnded,
        plus_years(
            from,
            LegalDelays::shipped().value_on(DelayRule::SwornAgentFileYears, from),
        ),
    )
}

/// A préfet's ban from premises ending on `last_day`: a breach of it is a délit (art. L.22-11-1
/// CSI) that may still be prosecuted until its public action is prescribed, and the last breach
/// possible is on the ban's last day.
pub fn ban(last_day: NaiveDate) -> Retention {
    Retention::until(
        Basis::PrescriptionOfBreach,
        crate::offence::Nature::Delit.prescription_date(last_day),
    )
}

/// A préfet's injunction dossier (art. L.442-4-3 CCH) whose last step (the injunction, the
/// landlord's answer, the summons, the préfet's substitution) was on `last_step`: the policy term
/// from then.
pub fn injunction(last_step: NaiveDate) -> Retention {
    Retention::until(
        Basis::DossierLastStep,
        plus_years(
            last_step,
            LegalDelays::shipped().value_on(DelayRule::InjunctionDossierYears, last_step),
        ),
    )
}

/// The prescription term, in years, of the most serious of these natures (none without any).
pub fn prescription_years(
    kinds: impl IntoIterator<Item = crate::offence::NatureKind>,
) -> Option<u32> {
    use crate::offence::{Nature, NatureKind};
    kinds
        .into_iter()
        .map(|k| match k {
            NatureKind::Contravention => Nature::Contravention(1),
            NatureKind::Delit => Nature::Delit,
            NatureKind::Crime => Nature::Crime,
        })
        .map(Nature::prescription_years)
        .max()
}

/// The text that replaces a free-text narrative or statement once anonymised.
pub const ANONYMISED: &str = "[anonymisé]";

/// The victims of anonymised facts: the bailleur stays; a staff member's identity goes, what the
/// statistics count (acting in functions, days of incapacity) stays.
pub fn anonymise_victims(victims: Vec<crate::incident::Victim>) -> Vec<crate::incident::Victim> {
    use crate::incident::Victim;
    victims
        .into_iter()
        .map(|v| match v {
            Victim::Staff {
                acting_in_functions,
                itt_days,
                ..
            } => Victim::Staff {
                staff_id: String::new(),
                acting_in_functions,
                itt_days,
            },
            other => other,
        })
        .collect()
}

/// A sworn agent's file once its retention ended: the dates, regime and commission stay; card
/// numbers, certificates and every free-text reason go.
pub fn anonymise_agent_file(mut file: crate::sworn::AgentFile) -> crate::sworn::AgentFile {
    if let Some(a) = file.aptitude.as_mut() {
        a.certificate_ref = ANONYMISED.into();
    }
    for a in &mut file.agrements {
        a.card_number = None;
    }
    file.cnaps_card_number = None;
    for s in &mut file.suspensions {
        s.reason = ANONYMISED.into();
    }
    if let Some(w) = file.withdrawal.as_mut() {
        w.reason = ANONYMISED.into();
    }
    for r in &mut file.refusals {
        r.reason = ANONYMISED.into();
    }
    file
}

/// The last day a sworn agent held an agrément: the end of the latest, or the eve of a withdrawal.
pub fn last_agrement_day(file: &crate::sworn::AgentFile) -> Option<NaiveDate> {
    let end = file.agrements.iter().map(|a| a.end).max()?;
    Some(match &file.withdrawal {
        Some(w) => end.min(w.effective_on.pred_opt().unwrap_or(w.effective_on)),
        None => end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn without_proceedings_a_record_ends_with_the_prescription() {
        let r = incident(Some(d("2025-03-01")), d("2024-03-01"));
        assert_eq!(r.basis, Basis::PrescriptionOfAction);
        assert_eq!(r.ends_on, Some(d("2025-03-01")));
        assert!(!r.is_due(d("2025-03-01")), "the last day is still within");
        assert!(r.is_due(d("2025-03-02")));
        // Unqualified: the délit's six years, from the reference data.
        assert_eq!(
            incident(None, d("2020-02-29")).ends_on,
            Some(d("2026-02-28"))
        );
    }

    #[test]
    fn open_proceedings_have_no_end_and_a_decision_keeps_ten_years() {
        let facts_end = d("2027-01-10");
        assert_eq!(
            complaint(ComplaintStage::Open, facts_end, 6),
            Retention {
                basis: Basis::ProceedingsOpen,
                ends_on: None
            }
        );
        let decided = complaint(
            ComplaintStage::Closed {
                on: d("2026-05-04"),
                decision: true,
            },
            facts_end,
            6,
        );
        assert_eq!(decided.basis, Basis::EnforcementOfDecision);
        assert_eq!(decided.ends_on, Some(d("2036-05-04")));
        let dropped = complaint(
            ComplaintStage::Closed {
                on: d("2025-05-04"),
                decision: false,
            },
            facts_end,
            1,
        );
        assert_eq!(dropped.basis, Basis::PrescriptionAfterClosure);
        assert_eq!(
            dropped.ends_on,
            Some(facts_end),
            "never before the facts' own prescription"
        );
        let late = complaint(
            ComplaintStage::Closed {
                on: d("2026-05-04"),
                decision: false,
            },
            facts_end,
            1,
        );
        assert_eq!(late.ends_on, Some(d("2027-05-04")));
        assert_eq!(
            complaint(ComplaintStage::NotLodged, facts_end, 6).ends_on,
            Some(facts_end)
        );
    }

    #[test]
    fn a_transmission_starts_the_prescription_again() {
        assert_eq!(pv(d("2025-01-10"), None, 1).ends_on, Some(d("2026-01-10")));
        let sent = pv(d("2025-01-10"), Some(d("2025-01-13")), 1);
        assert_eq!(sent.basis, Basis::PrescriptionAfterTransmission);
        assert_eq!(sent.ends_on, Some(d("2026-01-13")));
    }

    #[test]
    fn a_record_lasts_as_long_as_what_it_is_part_of_and_a_hold_suspends_it() {
        let own = incident(Some(d("2025-03-01")), d("2024-03-01"));
        let later = Retention::until(Basis::EnforcementOfDecision, d("2035-01-01"));
        assert_eq!(
            own.with_linked([later]),
            Retention::until(Basis::LinkedRecord, d("2035-01-01"))
        );
        let earlier = Retention::until(Basis::PrescriptionOfAction, d("2024-01-01"));
        assert_eq!(own.with_linked([earlier]), own);
        let open = own.with_linked([earlier, Retention::open(Basis::ProceedingsOpen)]);
        assert_eq!(open.ends_on, None);
        assert_eq!(open.basis, Basis::ProceedingsOpen);
        let held = own.held(true);
        assert_eq!(held.basis, Basis::LegalHold);
        assert!(!held.is_due(d("2100-01-01")));
        assert_eq!(own.held(false), own);
    }

    #[test]
    fn a_sworn_agent_file_outlives_the_last_agrement_by_the_set_term() {
        let today = d("2026-11-29");
        assert_eq!(
            sworn_agent(Some(d("2027-01-01")), d("2022-01-01"), today).basis,
            Basis::AgrementInForce
        );
        let ended = sworn_agent(Some(d("2020-06-30")), d("2015-01-01"), today);
        assert_eq!(ended.basis, Basis::AgrementEnded);
        assert_eq!(ended.ends_on, Some(d("2025-06-30")));
        assert!(ended.is_due(today));
        assert_eq!(
            sworn_agent(None, d("2024-01-01"), today).ends_on,
            Some(d("2029-01-01"))
        );
    }

    #[test]
    fn a_ban_is_kept_until_a_breach_of_it_is_prescribed() {
        // A breach on the ban's last day is a délit: prosecuted for six years after it.
        let r = ban(d("2019-03-31"));
        assert_eq!(r.basis, Basis::PrescriptionOfBreach);
        assert_eq!(r.ends_on, Some(d("2025-03-31")));
        assert!(r.is_due(d("2025-04-01")));
        assert!(!r.is_due(d("2025-03-31")), "the last day is still within");
        assert_eq!(r.held(true).ends_on, None);
    }

    #[test]
    fn an_injunction_dossier_is_kept_the_set_term_after_its_last_step() {
        use crate::injunction::{InjunctionEvent, Procedure};
        let delays = LegalDelays::shipped();
        let mut p = Procedure::new(d("2025-07-01"), d("2025-07-01"), delays).unwrap();
        assert_eq!(p.last_step(), d("2025-07-01"));
        p.apply(
            InjunctionEvent::Accept {
                answered_on: d("2025-07-10"),
            },
            d("2025-07-10"),
            delays,
        )
        .unwrap();
        p.apply(
            InjunctionEvent::BringAction {
                court: "TJ Nanterre".into(),
                summons_on: d("2025-08-01"),
            },
            d("2025-08-02"),
            delays,
        )
        .unwrap();
        assert_eq!(
            p.last_step(),
            d("2025-08-01"),
            "the summons, the latest step"
        );
        let years = delays.value_on(DelayRule::InjunctionDossierYears, d("2025-08-01"));
        let r = injunction(p.last_step());
        assert_eq!(r.basis, Basis::DossierLastStep);
        assert_eq!(
            r.ends_on,
            d("2025-08-01").checked_add_months(Months::new(12 * years))
        );
    }
}
