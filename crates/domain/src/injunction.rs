//! The préfet's injunction to a social landlord to sue for the termination of a lease (art.
//! L.442-4-3 CCH, loi n° 2025-532, in force 15 June 2025): the tenant's behaviour (trafficking in
//! or around the building) disturbs the peaceful use of the premises. The landlord answers within
//! 15 days (accepts, or refuses with its reasons); if it accepts, it brings the action within one
//! month; failing either, the préfet may act in its place. The delays are dated legal data
//! (`reference/legal-delays.json`), read on the day of the injunction.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::delays::{DelayRule, LegalDelays};

/// Where an injunction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InjunctionStatus {
    /// The landlord has not answered yet.
    AwaitingAnswer,
    /// The landlord accepted: it brings the action within the month.
    Accepted,
    /// The landlord refused, with its reasons: the préfet may act in its place.
    Refused,
    /// The landlord brought the action (court, date of the summons).
    ActionBrought,
    /// The préfet acted in the landlord's place.
    Substituted,
}

impl InjunctionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingAnswer => "awaiting_answer",
            Self::Accepted => "accepted",
            Self::Refused => "refused",
            Self::ActionBrought => "action_brought",
            Self::Substituted => "substituted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::AwaitingAnswer,
            Self::Accepted,
            Self::Refused,
            Self::ActionBrought,
            Self::Substituted,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A step of the dossier after the injunction itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum InjunctionEvent {
    /// The landlord accepts to bring the action.
    Accept { answered_on: NaiveDate },
    /// The landlord refuses, with its reasons.
    Refuse {
        answered_on: NaiveDate,
        #[schema(max_length = 4000)]
        reasons: String,
    },
    /// The landlord brought the action: the court and the date of the summons (assignation).
    BringAction {
        #[schema(max_length = 200)]
        court: String,
        summons_on: NaiveDate,
    },
    /// The préfet acts in the landlord's place (refusal, or a deadline passed).
    Substitute {
        decided_on: NaiveDate,
        #[schema(max_length = 4000)]
        reason: String,
    },
}

/// Who records a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InjunctionParty {
    /// The landlord's correspondent.
    Bailleur,
    /// A préfecture officer.
    Prefecture,
}

impl InjunctionEvent {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Accept { .. } => "accepted",
            Self::Refuse { .. } => "refused",
            Self::BringAction { .. } => "action_brought",
            Self::Substitute { .. } => "substituted",
        }
    }

    pub fn owner(&self) -> InjunctionParty {
        match self {
            Self::Accept { .. } | Self::Refuse { .. } | Self::BringAction { .. } => {
                InjunctionParty::Bailleur
            }
            Self::Substitute { .. } => InjunctionParty::Prefecture,
        }
    }
}

/// The dossier's procedure: its dates, deadlines and answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Procedure {
    pub status: InjunctionStatus,
    /// The day the landlord received the injunction: the answer delay runs from it.
    pub issued_on: NaiveDate,
    /// The last day to answer (15 days).
    pub answer_by: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_on: Option<NaiveDate>,
    /// The answer came after `answer_by`.
    #[serde(default)]
    pub answered_late: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal_reasons: Option<String>,
    /// Once accepted: the last day to bring the action (one month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_by: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summons_on: Option<NaiveDate>,
    /// The action came after `action_by`.
    #[serde(default)]
    pub action_late: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substituted_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub substitution_reason: Option<String>,
}

/// Why a step is refused: `is_conflict` for the dossier's state (409), the data otherwise (422).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InjunctionError {
    #[error("`{event}` is not possible when the injunction is `{}`", .from.as_str())]
    NotAllowed {
        event: &'static str,
        from: InjunctionStatus,
    },
    #[error(
        "the préfet acts in the landlord's place only after a refusal or a missed deadline (next deadline: {0})"
    )]
    SubstitutionNotOpen(NaiveDate),
    #[error("{0}")]
    DateOutOfOrder(&'static str),
    #[error("`{0}` must not be empty")]
    Empty(&'static str),
}

impl InjunctionError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAllowed { .. } => "transition_not_allowed",
            Self::SubstitutionNotOpen(_) => "substitution_not_open",
            Self::DateOutOfOrder(_) => "date_out_of_order",
            Self::Empty(_) => "required",
        }
    }

    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::NotAllowed { .. } | Self::SubstitutionNotOpen(_))
    }
}

impl Procedure {
    /// A new injunction received on `issued_on` (not after `today`).
    pub fn new(
        issued_on: NaiveDate,
        today: NaiveDate,
        delays: &LegalDelays,
    ) -> Result<Self, InjunctionError> {
        if issued_on > today {
            return Err(InjunctionError::DateOutOfOrder(
                "the injunction cannot be dated after today",
            ));
        }
        let days = delays.value_on(DelayRule::InjunctionAnswerDays, issued_on);
        Ok(Self {
            status: InjunctionStatus::AwaitingAnswer,
            issued_on,
            answer_by: issued_on + Days::new(u64::from(days)),
            answered_on: None,
            answered_late: false,
            refusal_reasons: None,
            action_by: None,
            court: None,
            summons_on: None,
            action_late: false,
            substituted_on: None,
            substitution_reason: None,
        })
    }

    /// The deadline the dossier waits for, if any.
    pub fn next_deadline(&self) -> Option<NaiveDate> {
        match self.status {
            InjunctionStatus::AwaitingAnswer => Some(self.answer_by),
            InjunctionStatus::Accepted => self.action_by,
            _ => None,
        }
    }

    /// The day of the dossier's last step: the injunction, the answer, the summons or the
    /// substitution.
    pub fn last_step(&self) -> NaiveDate {
        [self.answered_on, self.summons_on, self.substituted_on]
            .into_iter()
            .flatten()
            .fold(self.issued_on, NaiveDate::max)
    }

    /// Whether the préfet may act in the landlord's place on `today`.
    pub fn substitution_open(&self, today: NaiveDate) -> bool {
        match self.status {
            InjunctionStatus::Refused => true,
            InjunctionStatus::AwaitingAnswer => today > self.answer_by,
            InjunctionStatus::Accepted => self.action_by.is_some_and(|by| today > by),
            _ => false,
        }
    }

    /// The steps possible now.
    pub fn allowed(&self, today: NaiveDate) -> Vec<&'static str> {
        let mut out = match self.status {
            InjunctionStatus::AwaitingAnswer => vec!["accept", "refuse"],
            InjunctionStatus::Accepted => vec!["bring_action"],
            _ => vec![],
        };
        if self.substitution_open(today) {
            out.push("substitute");
        }
        out
    }

    /// Applies a step recorded on `today` (local day in France).
    pub fn apply(
        &mut self,
        event: InjunctionEvent,
        today: NaiveDate,
        delays: &LegalDelays,
    ) -> Result<(), InjunctionError> {
        use InjunctionStatus::*;
        let not_allowed = |event: &InjunctionEvent, from| InjunctionError::NotAllowed {
            event: event.name(),
            from,
        };
        let dated = |on: NaiveDate, after: NaiveDate, what: &'static str| {
            if on > today || on < after {
                Err(InjunctionError::DateOutOfOrder(what))
            } else {
                Ok(())
            }
        };
        match (&event, self.status) {
            (InjunctionEvent::Accept { answered_on }, AwaitingAnswer) => {
                dated(
                    *answered_on,
                    self.issued_on,
                    "the answer is dated between the injunction and today",
                )?;
                let months = delays.value_on(DelayRule::InjunctionActionMonths, self.issued_on);
                self.answered_on = Some(*answered_on);
                self.answered_late = *answered_on > self.answer_by;
                self.action_by = answered_on.checked_add_months(Months::new(months));
                self.status = Accepted;
            }
            (
                InjunctionEvent::Refuse {
                    answered_on,
                    reasons,
                },
                AwaitingAnswer,
            ) => {
                if reasons.trim().is_empty() {
                    return Err(InjunctionError::Empty("reasons"));
                }
                dated(
                    *answered_on,
                    self.issued_on,
                    "the answer is dated between the injunction and today",
                )?;
                self.answered_on = Some(*answered_on);
                self.answered_late = *answered_on > self.answer_by;
                self.refusal_reasons = Some(reasons.clone());
                self.status = Refused;
            }
            (InjunctionEvent::BringAction { court, summons_on }, Accepted) => {
                if court.trim().is_empty() {
                    return Err(InjunctionError::Empty("court"));
                }
                dated(
                    *summons_on,
                    self.answered_on.unwrap_or(self.issued_on),
                    "the summons is dated between the acceptance and today",
                )?;
                self.court = Some(court.clone());
                self.summons_on = Some(*summons_on);
                self.action_late = self.action_by.is_some_and(|by| *summons_on > by);
                self.status = ActionBrought;
            }
            (
                InjunctionEvent::Substitute { decided_on, reason },
                AwaitingAnswer | Accepted | Refused,
            ) => {
                if !self.substitution_open(today) {
                    return Err(InjunctionError::SubstitutionNotOpen(
                        self.next_deadline().unwrap_or(today),
                    ));
                }
                if reason.trim().is_empty() {
                    return Err(InjunctionError::Empty("reason"));
                }
                dated(
                    *decided_on,
                    self.issued_on,
                    "the substitution is dated between the injunction and today",
                )?;
                self.substituted_on = Some(*decided_on);
                self.substitution_reason = Some(reason.clone());
                self.status = Substituted;
            }
            (e, from) => return Err(not_allowed(e, from)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn l() -> &'static LegalDelays {
        LegalDelays::shipped()
    }

    #[test]
    fn the_landlord_answers_within_15_days_and_sues_within_a_month() {
        let mut p = Procedure::new(d("2026-11-02"), d("2026-11-29"), l()).unwrap();
        assert_eq!(p.answer_by, d("2026-11-17"));
        assert_eq!(p.next_deadline(), Some(d("2026-11-17")));
        p.apply(
            InjunctionEvent::Accept {
                answered_on: d("2026-11-10"),
            },
            d("2026-11-10"),
            l(),
        )
        .unwrap();
        assert!(!p.answered_late);
        assert_eq!(p.action_by, Some(d("2026-12-10")));
        let sue = InjunctionEvent::BringAction {
            court: "Tribunal judiciaire de Nanterre".into(),
            summons_on: d("2026-12-01"),
        };
        p.apply(sue, d("2026-12-02"), l()).unwrap();
        assert_eq!(p.status, InjunctionStatus::ActionBrought);
        assert_eq!(p.next_deadline(), None);
    }

    #[test]
    fn the_prefet_substitutes_only_after_a_refusal_or_a_missed_deadline() {
        let substitute = || InjunctionEvent::Substitute {
            decided_on: d("2026-11-20"),
            reason: "pas de réponse".into(),
        };
        let mut p = Procedure::new(d("2026-11-02"), d("2026-11-03"), l()).unwrap();
        let e = p
            .clone()
            .apply(substitute(), d("2026-11-17"), l())
            .unwrap_err();
        assert_eq!(e.code(), "substitution_not_open");
        // The 15 days passed without an answer.
        assert_eq!(
            p.allowed(d("2026-11-18")),
            ["accept", "refuse", "substitute"]
        );
        p.clone().apply(substitute(), d("2026-11-20"), l()).unwrap();
        // A refusal opens it at once.
        p.apply(
            InjunctionEvent::Refuse {
                answered_on: d("2026-11-05"),
                reasons: "le bail est déjà résilié".into(),
            },
            d("2026-11-05"),
            l(),
        )
        .unwrap();
        assert!(p.substitution_open(d("2026-11-05")));
    }

    #[test]
    fn dates_follow_the_procedure() {
        assert_eq!(
            Procedure::new(d("2026-12-01"), d("2026-11-29"), l())
                .unwrap_err()
                .code(),
            "date_out_of_order"
        );
        let mut p = Procedure::new(d("2026-11-02"), d("2026-11-29"), l()).unwrap();
        let early = InjunctionEvent::Accept {
            answered_on: d("2026-11-01"),
        };
        assert_eq!(
            p.clone()
                .apply(early, d("2026-11-29"), l())
                .unwrap_err()
                .code(),
            "date_out_of_order"
        );
        // A late answer is recorded as late.
        p.apply(
            InjunctionEvent::Accept {
                answered_on: d("2026-11-25"),
            },
            d("2026-11-29"),
            l(),
        )
        .unwrap();
        assert!(p.answered_late);
        let before = InjunctionEvent::BringAction {
            court: "TJ".into(),
            summons_on: d("2026-11-24"),
        };
        assert_eq!(
            p.apply(before, d("2026-11-29"), l()).unwrap_err().code(),
            "date_out_of_order"
        );
    }
}
