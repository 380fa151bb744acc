//! Complaints (plaintes) of bailleurs and their staff, from the pre-filled draft to the prosecutor's
//! answer, with the TADPR track (accelerated treatment by a délégué du procureur) for outrage to a
//! person charged with a public-service mission (domain.md §4, §5, §8 rules 5 and 6).
//!
//! The lifecycle is one state machine fed by events, each owned by one party:
//! draft → filed (bailleur) → registered (receipt: police, or the parquet for a written complaint
//! straight to the procureur) → transmitted to the parquet (police) → oriented (magistrat) → closed.
//! On the TADPR track, between orientation and closing: summons scheduled, measure decided, outcome.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Draft,
    Filed,
    Registered,
    TransmittedToParquet,
    Oriented,
    Closed,
}

impl ComplaintStatus {
    pub const ALL: [Self; 6] = [
        Self::Draft,
        Self::Filed,
        Self::Registered,
        Self::TransmittedToParquet,
        Self::Oriented,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Filed => "filed",
            Self::Registered => "registered",
            Self::TransmittedToParquet => "transmitted_to_parquet",
            Self::Oriented => "oriented",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Where the complaint is lodged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// At the competent police circonscription, which registers it and transmits it to the parquet.
    Police,
    /// A written complaint straight to the procureur (art. 40 CPP): the parquet registers it.
    DirectToProsecutor,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Police => "police",
            Self::DirectToProsecutor => "direct_to_prosecutor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Police, Self::DirectToProsecutor]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// The prosecutor's answer (art. 40-1, 41-1, 41-2 CPP and others; domain.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    ClassementSansSuite,
    /// Avertissement pénal probatoire (41-1 1°): never for violences; with a damaged victim only
    /// with reparation.
    AvertissementPenalProbatoire,
    /// Stage (41-1 2°).
    Stage,
    /// Réparation (41-1 4°).
    Reparation,
    /// Médiation (41-1 5°).
    Mediation,
    /// Composition pénale (41-2).
    CompositionPenale,
    /// Amende forfaitaire délictuelle, where the offence provides one.
    Afd,
    OrdonnancePenale,
    Crpc,
    /// Convocation before the court (COPJ, citation).
    Convocation,
    ComparutionImmediate,
    /// The accelerated track before a délégué du procureur, for outrage to a CMSP.
    Tadpr,
}

impl Orientation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClassementSansSuite => "classement_sans_suite",
            Self::AvertissementPenalProbatoire => "avertissement_penal_probatoire",
            Self::Stage => "stage",
            Self::Reparation => "reparation",
            Self::Mediation => "mediation",
            Self::CompositionPenale => "composition_penale",
            Self::Afd => "afd",
            Self::OrdonnancePenale => "ordonnance_penale",
            Self::Crpc => "crpc",
            Self::Convocation => "convocation",
            Self::ComparutionImmediate => "comparution_immediate",
            Self::Tadpr => "tadpr",
        }
    }

    /// Whether this answer leads to a decision that can be enforced (a penalty pronounced or
    /// validated by a judge, or a forfeit fine), which retention keeps until its enforcement is
    /// time-barred. Alternatives to prosecution and a classement sans suite do not.
    pub fn leads_to_decision(self) -> bool {
        matches!(
            self,
            Self::CompositionPenale
                | Self::Afd
                | Self::OrdonnancePenale
                | Self::Crpc
                | Self::Convocation
                | Self::ComparutionImmediate
        )
    }
}

/// The measure a délégué du procureur carries out on the TADPR track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DprMeasure {
    AvertissementPenalProbatoire,
    Stage,
    Reparation,
    Mediation,
    CompositionPenale,
}

/// What happens after a failed measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    CompositionPenale,
    Prosecution,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TadprOutcome {
    Executed,
    Failed,
}

/// The receipt (récépissé) that makes a complaint count as lodged (art. 15-3 CPP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    #[schema(min_length = 1, max_length = 100)]
    pub number: String,
    pub date: NaiveDate,
    /// The receiving service (commissariat, parquet's bureau des enquêtes...).
    #[schema(min_length = 1, max_length = 200)]
    pub service: String,
}

/// A step of the complaint, each owned by one party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ComplaintEvent {
    /// The bailleur lodges the complaint.
    File,
    /// The receiving service records it with its receipt.
    Register { receipt: Receipt },
    /// The police send the registered complaint to the parquet.
    Transmit,
    /// The magistrat orients it. `with_reparation` combines an APP with réparation.
    Orient {
        orientation: Orientation,
        #[serde(default)]
        with_reparation: bool,
    },
    /// TADPR: the délégué summons the author.
    ScheduleSummons {
        #[serde(with = "crate::timestamp")]
        summons_at: DateTime<Utc>,
        #[schema(max_length = 200)]
        place: String,
    },
    /// TADPR: the measure decided at the hearing.
    RecordMeasure { measure: DprMeasure },
    /// TADPR: executed, or failed with the next step.
    RecordOutcome {
        outcome: TadprOutcome,
        next_step: Option<NextStep>,
    },
    /// The parquet closes the file.
    Close,
}

impl ComplaintEvent {
    pub fn name(&self) -> &'static str {
        match self {
            Self::File => "filed",
            Self::Register { .. } => "registered",
            Self::Transmit => "transmitted_to_parquet",
            Self::Orient { .. } => "oriented",
            Self::ScheduleSummons { .. } => "summons_scheduled",
            Self::RecordMeasure { .. } => "measure_recorded",
            Self::RecordOutcome { .. } => "tadpr_outcome",
            Self::Close => "closed",
        }
    }

    /// Who owns the step.
    pub fn owner(&self, channel: Channel) -> Party {
        match self {
            Self::File => Party::Bailleur,
            Self::Register { .. } | Self::Transmit if channel == Channel::Police => Party::Police,
            Self::Register { .. } | Self::Transmit => Party::Parquet,
            Self::Orient { .. } | Self::Close => Party::Magistrate,
            Self::ScheduleSummons { .. }
            | Self::RecordMeasure { .. }
            | Self::RecordOutcome { .. } => Party::Delegate,
        }
    }
}

/// The parties that own steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The bailleur's correspondent (or integration).
    Bailleur,
    /// The police correspondent of the competent circonscription.
    Police,
    /// The parquet (magistrat or délégué) for a written complaint straight to the procureur.
    Parquet,
    /// The magistrat référent.
    Magistrate,
    /// A délégué du procureur (the TADPR summons, measure and outcome).
    Delegate,
}

/// The TADPR track's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TadprTrack {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, with = "crate::timestamp::option")]
    pub summons_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<DprMeasure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<TadprOutcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_step: Option<NextStep>,
}

/// What the rules need to know of the complaint's qualifications (from the catalogue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualificationFacts {
    pub code: String,
    pub tadpr_eligible: bool,
    pub app_excluded: bool,
    pub afd_available: bool,
    pub nature: crate::offence::NatureKind,
    /// The longest prison penalty the catalogue records, in months (0: a fine only; none: not
    /// recorded).
    pub max_prison_months: Option<u32>,
}

/// Whether the TADPR track is open, and why: a qualification of outrage to a CMSP (433-5 al.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TadprEligibility {
    pub eligible: bool,
    pub reason: String,
}

pub fn tadpr_eligibility(q: &[QualificationFacts]) -> TadprEligibility {
    match q.iter().find(|q| q.tadpr_eligible) {
        Some(q) => TadprEligibility {
            eligible: true,
            reason: format!(
                "qualified {} (outrage to a person charged with a public-service mission): the convention's accelerated track before a délégué du procureur applies",
                q.code
            ),
        },
        None => TadprEligibility {
            eligible: false,
            reason: "no qualification of outrage to a person charged with a public-service mission (433-5 al.1 CP)".into(),
        },
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintError {
    #[error("`{event}` is not possible from `{}`", .from.as_str())]
    NotAllowed {
        event: &'static str,
        from: ComplaintStatus,
    },
    #[error("a complaint is filed with at least one victim and one qualification")]
    Incomplete,
    #[error("the avertissement pénal probatoire is excluded for violences ({0})")]
    AppExcludedForViolences(String),
    #[error(
        "a victim suffered damage: the avertissement pénal probatoire needs reparation (`with_reparation: true`)"
    )]
    AppRequiresReparation,
    #[error("no qualification of this complaint provides an amende forfaitaire délictuelle")]
    AfdNotAvailable,
    #[error("{0}")]
    NotTadprEligible(String),
    #[error("this step belongs to the TADPR track, and the complaint is not on it")]
    NotOnTadprTrack,
    #[error("{0}")]
    TrackOrder(&'static str),
    #[error("a failed measure names its next step (composition pénale or prosecution)")]
    NextStepRequired,
    #[error("`{0}` must not be empty")]
    Empty(&'static str),
    /// A dated step before the step it follows, or a step recorded before it happened.
    #[error("{0}")]
    DateOutOfOrder(&'static str),
    #[error("composition pénale is only for délits punished by at most {max} years: {why}")]
    CompositionPenaleExcluded { max: u32, why: String },
}

impl ComplaintError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAllowed { .. } => "transition_not_allowed",
            Self::Incomplete => "complaint_incomplete",
            Self::AppExcludedForViolences(_) => "app_excluded_for_violences",
            Self::AppRequiresReparation => "app_requires_reparation",
            Self::AfdNotAvailable => "afd_not_available",
            Self::NotTadprEligible(_) => "not_tadpr_eligible",
            Self::NotOnTadprTrack => "not_on_tadpr_track",
            Self::TrackOrder(_) => "tadpr_step_out_of_order",
            Self::NextStepRequired => "next_step_required",
            Self::Empty(_) => "required",
            Self::DateOutOfOrder(_) => "date_out_of_order",
            Self::CompositionPenaleExcluded { .. } => "composition_penale_excluded",
        }
    }

    /// State conflicts are 409; refusals by a legal rule or missing data 422.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::NotAllowed { .. } | Self::NotOnTadprTrack | Self::TrackOrder(_)
        )
    }
}

/// The part of a complaint the lifecycle reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    pub status: ComplaintStatus,
    pub channel: Channel,
    pub orientation: Option<Orientation>,
    pub with_reparation: bool,
    pub receipt: Option<Receipt>,
    pub tadpr: TadprTrack,
}

/// When the step is recorded, and when the earlier steps were: dated steps follow each other, and
/// nothing is recorded as done before it happened, so that no delay is ever negative.
#[derive(Debug, Clone, Copy)]
pub struct Timeline {
    pub now: DateTime<Utc>,
    pub filed_at: Option<DateTime<Utc>>,
    pub oriented_at: Option<DateTime<Utc>>,
}

impl Timeline {
    /// A step recorded at `now` on a complaint with no earlier dated step.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now,
            filed_at: None,
            oriented_at: None,
        }
    }
}

/// What the rules know of the complaint's content.
pub struct Facts<'a> {
    pub qualifications: &'a [QualificationFacts],
    pub has_victim: bool,
    /// A victim suffered damage (damages declared, or an injured staff member).
    pub victim_damaged: bool,
}

impl Lifecycle {
    pub fn new(channel: Channel) -> Self {
        Self {
            status: ComplaintStatus::Draft,
            channel,
            orientation: None,
            with_reparation: false,
            receipt: None,
            tadpr: TadprTrack::default(),
        }
    }

    /// The events possible now (for 409 answers).
    pub fn allowed(&self) -> Vec<&'static str> {
        use ComplaintStatus::*;
        match (self.status, self.channel) {
            (Draft, _) => vec!["file"],
            (Filed, _) => vec!["register"],
            (Registered, Channel::Police) => vec!["transmit"],
            (Registered, Channel::DirectToProsecutor) | (TransmittedToParquet, _) => vec!["orient"],
            (Oriented, _) if self.orientation == Some(Orientation::Tadpr) => {
                match (
                    &self.tadpr.summons_at,
                    &self.tadpr.measure,
                    &self.tadpr.outcome,
                ) {
                    (None, _, _) => vec!["schedule_summons"],
                    (Some(_), None, _) => vec!["record_measure", "schedule_summons"],
                    (Some(_), Some(_), None) => vec!["record_outcome"],
                    _ => vec!["close"],
                }
            }
            (Oriented, _) => vec!["close"],
            (Closed, _) => vec![],
        }
    }

    pub fn apply(
        &mut self,
        event: ComplaintEvent,
        f: &Facts<'_>,
        t: &Timeline,
    ) -> Result<(), ComplaintError> {
        use ComplaintStatus::*;
        let not_allowed = |event: &ComplaintEvent, from| ComplaintError::NotAllowed {
            event: event.name(),
            from,
        };
        match (&event, self.status) {
            (ComplaintEvent::File, Draft) => {
                if !f.has_victim || f.qualifications.is_empty() {
                    return Err(ComplaintError::Incomplete);
                }
                self.status = Filed;
            }
            (ComplaintEvent::Register { receipt }, Filed) => {
                if receipt.number.trim().is_empty() {
                    return Err(ComplaintError::Empty("receipt.number"));
                }
                if receipt.service.trim().is_empty() {
                    return Err(ComplaintError::Empty("receipt.service"));
                }
                if receipt.date > crate::pv::local_day(t.now) {
                    return Err(ComplaintError::DateOutOfOrder(
                        "the receipt cannot be dated after today",
                    ));
                }
                if t.filed_at
                    .is_some_and(|f| receipt.date < crate::pv::local_day(f))
                {
                    return Err(ComplaintError::DateOutOfOrder(
                        "the receipt cannot be dated before the complaint was filed",
                    ));
                }
                self.receipt = Some(receipt.clone());
                self.status = Registered;
            }
            (ComplaintEvent::Transmit, Registered) if self.channel == Channel::Police => {
                self.status = TransmittedToParquet;
            }
            (
                ComplaintEvent::Orient {
                    orientation,
                    with_reparation,
                },
                s,
            ) if s == TransmittedToParquet
                || (s == Registered && self.channel == Channel::DirectToProsecutor) =>
            {
                check_orientation(
                    *orientation,
                    *with_reparation,
                    f,
                    crate::pv::local_day(t.now),
                )?;
                self.orientation = Some(*orientation);
                self.with_reparation = *with_reparation;
                self.status = Oriented;
            }
            (
                ComplaintEvent::ScheduleSummons { .. }
                | ComplaintEvent::RecordMeasure { .. }
                | ComplaintEvent::RecordOutcome { .. },
                Oriented,
            ) if self.orientation != Some(Orientation::Tadpr) => {
                return Err(ComplaintError::NotOnTadprTrack);
            }
            (ComplaintEvent::ScheduleSummons { summons_at, place }, Oriented) => {
                if self.tadpr.measure.is_some() {
                    return Err(ComplaintError::TrackOrder(
                        "the measure is already recorded",
                    ));
                }
                if place.trim().is_empty() {
                    return Err(ComplaintError::Empty("place"));
                }
                if t.oriented_at.is_some_and(|o| *summons_at < o) {
                    return Err(ComplaintError::DateOutOfOrder(
                        "the summons cannot be before the orientation",
                    ));
                }
                // A new date replaces the previous one (a postponed hearing).
                self.tadpr.summons_at = Some(*summons_at);
                self.tadpr.place = Some(place.clone());
            }
            (ComplaintEvent::RecordMeasure { measure }, Oriented) => {
                let Some(summons_at) = self.tadpr.summons_at else {
                    return Err(ComplaintError::TrackOrder("schedule the summons first"));
                };
                if t.now < summons_at {
                    return Err(ComplaintError::DateOutOfOrder(
                        "the measure is decided at the hearing: it cannot be recorded before the summons date",
                    ));
                }
                if self.tadpr.measure.is_some() {
                    return Err(ComplaintError::TrackOrder(
                        "the measure is already recorded",
                    ));
                }
                if *measure == DprMeasure::AvertissementPenalProbatoire {
                    check_app(f, self.with_reparation)?;
                }
                if *measure == DprMeasure::CompositionPenale {
                    check_composition_penale(f, crate::pv::local_day(t.now))?;
                }
                self.tadpr.measure = Some(*measure);
            }
            (ComplaintEvent::RecordOutcome { outcome, next_step }, Oriented) => {
                if self.tadpr.measure.is_none() {
                    return Err(ComplaintError::TrackOrder("record the measure first"));
                }
                if self.tadpr.summons_at.is_some_and(|s| t.now < s) {
                    return Err(ComplaintError::DateOutOfOrder(
                        "the outcome cannot be recorded before the summons date",
                    ));
                }
                if self.tadpr.outcome.is_some() {
                    return Err(ComplaintError::TrackOrder(
                        "the outcome is already recorded",
                    ));
                }
                if *outcome == TadprOutcome::Failed && next_step.is_none() {
                    return Err(ComplaintError::NextStepRequired);
                }
                if *outcome == TadprOutcome::Failed
                    && *next_step == Some(NextStep::CompositionPenale)
                {
                    check_composition_penale(f, crate::pv::local_day(t.now))?;
                }
                self.tadpr.outcome = Some(*outcome);
                self.tadpr.next_step = if *outcome == TadprOutcome::Failed {
                    *next_step
                } else {
                    None
                };
            }
            (ComplaintEvent::Close, Oriented) => {
                if self.orientation == Some(Orientation::Tadpr) && self.tadpr.outcome.is_none() {
                    return Err(ComplaintError::TrackOrder(
                        "a TADPR file closes once its outcome is recorded",
                    ));
                }
                self.status = Closed;
            }
            (e, from) => return Err(not_allowed(e, from)),
        }
        Ok(())
    }
}

/// Composition pénale (art. 41-2 CPP) is open to contraventions and to délits punished by at most
/// the years the dated legal data give (5): not to crimes, nor to a délit whose maximum penalty is
/// higher or not recorded in the catalogue.
pub fn check_composition_penale(f: &Facts<'_>, on: NaiveDate) -> Result<(), ComplaintError> {
    use crate::delays::{DelayRule, LegalDelays};
    use crate::offence::NatureKind;
    let max = LegalDelays::shipped().value_on(DelayRule::CompositionPenaleMaxPrisonYears, on);
    for q in f.qualifications {
        let why = match (q.nature, q.max_prison_months) {
            (NatureKind::Contravention, _) => continue,
            (NatureKind::Delit, Some(m)) if m <= max * 12 => continue,
            (NatureKind::Crime, _) => format!("{} is a crime", q.code),
            (NatureKind::Delit, Some(m)) => format!(
                "{} is punished by {} of imprisonment",
                q.code,
                crate::offence::describe_months(m)
            ),
            (NatureKind::Delit, None) => format!(
                "the catalogue records no maximum prison penalty for {}",
                q.code
            ),
        };
        return Err(ComplaintError::CompositionPenaleExcluded { max, why });
    }
    Ok(())
}

fn check_app(f: &Facts<'_>, with_reparation: bool) -> Result<(), ComplaintError> {
    if let Some(q) = f.qualifications.iter().find(|q| q.app_excluded) {
        return Err(ComplaintError::AppExcludedForViolences(q.code.clone()));
    }
    if f.victim_damaged && !with_reparation {
        return Err(ComplaintError::AppRequiresReparation);
    }
    Ok(())
}

/// The orientation rules: APP (41-1 1°) never for violences and with reparation for a damaged
/// victim; AFD only where an offence provides it; TADPR only for outrage to a CMSP.
pub fn check_orientation(
    o: Orientation,
    with_reparation: bool,
    f: &Facts<'_>,
    on: NaiveDate,
) -> Result<(), ComplaintError> {
    match o {
        Orientation::CompositionPenale => check_composition_penale(f, on),
        Orientation::AvertissementPenalProbatoire => check_app(f, with_reparation),
        Orientation::Afd if !f.qualifications.iter().any(|q| q.afd_available) => {
            Err(ComplaintError::AfdNotAvailable)
        }
        Orientation::Tadpr => {
            let e = tadpr_eligibility(f.qualifications);
            if e.eligible {
                Ok(())
            } else {
                Err(ComplaintError::NotTadprEligible(e.reason))
            }
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(code: &str, tadpr: bool, app_excluded: bool, afd: bool) -> QualificationFacts {
        QualificationFacts {
            code: code.into(),
            tadpr_eligible: tadpr,
            app_excluded,
            afd_available: afd,
            nature: crate::offence::NatureKind::Delit,
            max_prison_months: Some(36),
        }
    }

    fn day() -> NaiveDate {
        "2026-11-29".parse().unwrap()
    }

    /// A day after every date these tests use: each step has happened.
    fn after() -> Timeline {
        Timeline::at("2026-12-31T12:00:00Z".parse().unwrap())
    }

    fn receipt() -> Receipt {
        Receipt {
            number: "2026/000123".into(),
            date: "2026-11-28".parse().unwrap(),
            service: "Commissariat de Nanterre".into(),
        }
    }

    #[test]
    fn the_police_channel_goes_through_each_step_in_order() {
        let outrage = [q("CP-433-5-AL1", true, false, false)];
        let f = Facts {
            qualifications: &outrage,
            has_victim: true,
            victim_damaged: false,
        };
        let mut l = Lifecycle::new(Channel::Police);
        let err = l.apply(ComplaintEvent::Transmit, &f, &after()).unwrap_err();
        assert_eq!(err.code(), "transition_not_allowed");
        assert_eq!(l.allowed(), vec!["file"]);
        l.apply(ComplaintEvent::File, &f, &after()).unwrap();
        l.apply(
            ComplaintEvent::Register { receipt: receipt() },
            &f,
            &after(),
        )
        .unwrap();
        let orient = ComplaintEvent::Orient {
            orientation: Orientation::Tadpr,
            with_reparation: false,
        };
        assert!(
            l.apply(orient.clone(), &f, &after()).is_err(),
            "the police transmit first"
        );
        l.apply(ComplaintEvent::Transmit, &f, &after()).unwrap();
        l.apply(orient, &f, &after()).unwrap();
        let close = l.apply(ComplaintEvent::Close, &f, &after()).unwrap_err();
        assert_eq!(close.code(), "tadpr_step_out_of_order");
        let measure = ComplaintEvent::RecordMeasure {
            measure: DprMeasure::AvertissementPenalProbatoire,
        };
        assert_eq!(
            l.apply(measure.clone(), &f, &after()).unwrap_err().code(),
            "tadpr_step_out_of_order"
        );
        l.apply(
            ComplaintEvent::ScheduleSummons {
                summons_at: "2026-12-10T09:30:00Z".parse().unwrap(),
                place: "Maison de justice et du droit".into(),
            },
            &f,
            &after(),
        )
        .unwrap();
        l.apply(measure, &f, &after()).unwrap();
        assert_eq!(
            l.apply(
                ComplaintEvent::RecordOutcome {
                    outcome: TadprOutcome::Failed,
                    next_step: None
                },
                &f,
                &after()
            )
            .unwrap_err()
            .code(),
            "next_step_required"
        );
        l.apply(
            ComplaintEvent::RecordOutcome {
                outcome: TadprOutcome::Failed,
                next_step: Some(NextStep::CompositionPenale),
            },
            &f,
            &after(),
        )
        .unwrap();
        l.apply(ComplaintEvent::Close, &f, &after()).unwrap();
        assert_eq!(l.status, ComplaintStatus::Closed);
        assert!(l.allowed().is_empty());
    }

    #[test]
    fn app_is_refused_for_violences_and_needs_reparation_for_damage() {
        let violence = [q("CP-222-13-4BIS", false, true, false)];
        let outrage = [q("CP-433-5-AL1", true, false, false)];
        let app = Orientation::AvertissementPenalProbatoire;
        let f = |qs, damaged| Facts {
            qualifications: qs,
            has_victim: true,
            victim_damaged: damaged,
        };
        assert_eq!(
            check_orientation(app, true, &f(&violence, false), day())
                .unwrap_err()
                .code(),
            "app_excluded_for_violences"
        );
        assert_eq!(
            check_orientation(app, false, &f(&outrage, true), day())
                .unwrap_err()
                .code(),
            "app_requires_reparation"
        );
        assert!(check_orientation(app, true, &f(&outrage, true), day()).is_ok());
        assert!(check_orientation(app, false, &f(&outrage, false), day()).is_ok());
    }

    #[test]
    fn tadpr_needs_outrage_to_a_cmsp_and_says_why() {
        let damage = [q("CP-322-1-I", false, false, false)];
        let e = tadpr_eligibility(&damage);
        assert!(!e.eligible);
        assert!(e.reason.contains("433-5"));
        let f = Facts {
            qualifications: &damage,
            has_victim: true,
            victim_damaged: false,
        };
        assert_eq!(
            check_orientation(Orientation::Tadpr, false, &f, day())
                .unwrap_err()
                .code(),
            "not_tadpr_eligible"
        );
        assert_eq!(
            check_orientation(Orientation::Afd, false, &f, day())
                .unwrap_err()
                .code(),
            "afd_not_available"
        );
        assert!(tadpr_eligibility(&[q("CP-433-5-AL1", true, false, false)]).eligible);
    }

    #[test]
    fn the_direct_channel_is_registered_and_oriented_by_the_parquet() {
        let outrage = [q("CP-433-5-AL1", true, false, false)];
        let f = Facts {
            qualifications: &outrage,
            has_victim: true,
            victim_damaged: false,
        };
        let mut l = Lifecycle::new(Channel::DirectToProsecutor);
        assert_eq!(
            l.apply(
                ComplaintEvent::File,
                &Facts {
                    has_victim: false,
                    ..f
                },
                &after()
            )
            .unwrap_err()
            .code(),
            "complaint_incomplete"
        );
        l.apply(ComplaintEvent::File, &f, &after()).unwrap();
        let register = ComplaintEvent::Register { receipt: receipt() };
        assert_eq!(register.owner(Channel::DirectToProsecutor), Party::Parquet);
        assert_eq!(register.owner(Channel::Police), Party::Police);
        l.apply(register, &f, &after()).unwrap();
        assert_eq!(l.allowed(), vec!["orient"]);
        assert!(l.apply(ComplaintEvent::Transmit, &f, &after()).is_err());
        l.apply(
            ComplaintEvent::Orient {
                orientation: Orientation::ClassementSansSuite,
                with_reparation: false,
            },
            &f,
            &after(),
        )
        .unwrap();
        assert_eq!(
            l.apply(
                ComplaintEvent::ScheduleSummons {
                    summons_at: "2026-12-10T09:30:00Z".parse().unwrap(),
                    place: "MJD".into()
                },
                &f,
                &after()
            )
            .unwrap_err()
            .code(),
            "not_on_tadpr_track"
        );
        l.apply(ComplaintEvent::Close, &f, &after()).unwrap();
    }

    /// Part B.4 of the préfet issue: a measure or an outcome cannot be recorded before the summons,
    /// a summons cannot precede the orientation, a receipt cannot precede the filing or be in the
    /// future: no delay between steps is ever negative.
    #[test]
    fn steps_happen_in_time_order_and_no_delay_is_negative() {
        let outrage = [q("CP-433-5-AL1", true, false, false)];
        let f = Facts {
            qualifications: &outrage,
            has_victim: true,
            victim_damaged: false,
        };
        let at = |s: &str| -> DateTime<Utc> { s.parse().unwrap() };
        let filed = Timeline {
            now: at("2026-11-28T10:00:00.000000Z"),
            filed_at: Some(at("2026-11-27T10:00:00.000000Z")),
            oriented_at: None,
        };
        let mut l = Lifecycle::new(Channel::DirectToProsecutor);
        l.apply(ComplaintEvent::File, &f, &filed).unwrap();
        let dated = |d: &str| ComplaintEvent::Register {
            receipt: Receipt {
                date: d.parse().unwrap(),
                ..receipt()
            },
        };
        for d in ["2026-11-26", "2026-11-29"] {
            assert_eq!(
                l.clone().apply(dated(d), &f, &filed).unwrap_err().code(),
                "date_out_of_order",
                "{d}"
            );
        }
        l.apply(dated("2026-11-27"), &f, &filed).unwrap();
        l.apply(
            ComplaintEvent::Orient {
                orientation: Orientation::Tadpr,
                with_reparation: false,
            },
            &f,
            &filed,
        )
        .unwrap();
        let oriented = Timeline {
            oriented_at: Some(at("2026-11-28T10:00:00.000000Z")),
            ..filed
        };
        let summons = |s: &str| ComplaintEvent::ScheduleSummons {
            summons_at: at(s),
            place: "MJD de Nanterre".into(),
        };
        assert_eq!(
            l.clone()
                .apply(summons("2026-11-20T09:00:00.000000Z"), &f, &oriented)
                .unwrap_err()
                .code(),
            "date_out_of_order"
        );
        // Summoned ten days ahead: the measure waits for the hearing.
        l.apply(summons("2026-12-08T09:00:00.000000Z"), &f, &oriented)
            .unwrap();
        let measure = ComplaintEvent::RecordMeasure {
            measure: DprMeasure::Stage,
        };
        assert_eq!(
            l.clone()
                .apply(measure.clone(), &f, &oriented)
                .unwrap_err()
                .code(),
            "date_out_of_order"
        );
        let hearing_day = Timeline {
            now: at("2026-12-08T11:00:00.000000Z"),
            ..oriented
        };
        l.apply(measure, &f, &hearing_day).unwrap();
        l.apply(
            ComplaintEvent::RecordOutcome {
                outcome: TadprOutcome::Executed,
                next_step: None,
            },
            &f,
            &hearing_day,
        )
        .unwrap();
    }

    /// Part B.6 of the préfet issue: composition pénale only for délits punished by 5 years or less
    /// (and contraventions), with the reason otherwise.
    #[test]
    fn composition_penale_only_for_delits_of_5_years_or_less() {
        use crate::offence::NatureKind;
        let with = |nature, months| QualificationFacts {
            nature,
            max_prison_months: months,
            ..q("X", false, false, false)
        };
        let orient = |quals: &[QualificationFacts]| {
            check_orientation(
                Orientation::CompositionPenale,
                false,
                &Facts {
                    qualifications: quals,
                    has_victim: true,
                    victim_damaged: false,
                },
                day(),
            )
        };
        assert!(orient(&[with(NatureKind::Delit, Some(60))]).is_ok());
        assert!(
            orient(&[
                with(NatureKind::Delit, Some(36)),
                with(NatureKind::Contravention, None)
            ])
            .is_ok()
        );
        for (quals, why) in [
            (
                vec![with(NatureKind::Delit, Some(120))],
                "punished by 10 years",
            ),
            (
                vec![
                    with(NatureKind::Delit, Some(24)),
                    with(NatureKind::Crime, Some(240)),
                ],
                "is a crime",
            ),
            (
                vec![with(NatureKind::Delit, None)],
                "no maximum prison penalty",
            ),
        ] {
            let e = orient(&quals).unwrap_err();
            assert_eq!(e.code(), "composition_penale_excluded");
            assert!(e.to_string().contains(why), "{e}");
        }
    }
}
