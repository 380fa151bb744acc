//! Sworn agents (agents assermentés) of bailleurs: the two legal regimes, the agent's file (commission,
//! aptitude, agrément, oath, suspension, withdrawal) as a state machine fed by events, and whether the
//! agent is active on a given date, which is computed from the file and never stored.
//!
//! Regime A, garde particulier (art. 29, 29-1, R.15-33-24 ss. CPP): the convention's wording; PVs go
//! straight to the procureur. Regime B, landlord security agent (L.614-6 CSI, décret 2022-777): only
//! the R.614-11 contraventions, PVs through an OPJ. A person holds one regime at most.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::delays::{DelayRule, LegalDelays};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// A: garde particulier assermenté (art. 29 CPP).
    GardeParticulier,
    /// B: agent of the landlord's security service (L.614-6 CSI).
    LandlordSecurityAgent,
}

impl Regime {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GardeParticulier => "garde_particulier",
            Self::LandlordSecurityAgent => "landlord_security_agent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::GardeParticulier, Self::LandlordSecurityAgent]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// Regime B records only the contraventions of R.614-11 CSI (the catalogue's
    /// `sworn_agent_regime_b_allowed` flag).
    pub fn limited_to_regime_b_offences(self) -> bool {
        matches!(self, Self::LandlordSecurityAgent)
    }
}

/// The owner's commission: the properties in the agent's charge and the kinds of offences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Commission {
    /// Residences (ids) in the agent's charge: the perimeter of their PVs.
    #[schema(max_length = 64)]
    pub residence_ids: Vec<String>,
    /// Offence codes (catalogue) the agent is commissioned for.
    #[schema(max_length = 32)]
    pub offence_codes: Vec<String>,
    pub issued_on: NaiveDate,
}

/// The professional aptitude the préfet checks before approving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Aptitude {
    /// Reference of the training certificate or aptitude attestation.
    #[schema(max_length = 200)]
    pub certificate_ref: String,
    pub obtained_on: NaiveDate,
}

/// The préfet's agrément (arrêté), for 5 years by default, renewable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Agrement {
    #[schema(max_length = 200)]
    pub arrete_number: String,
    /// The approving préfet (regime A: of the department of the property; B: of the head office).
    #[schema(max_length = 200)]
    pub prefet: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Offence codes the arrêté states; within the commission's.
    #[schema(max_length = 32)]
    pub offence_codes: Vec<String>,
    /// Number of the carte d'agrément.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100)]
    pub card_number: Option<String>,
    /// Who recorded it: the préfecture (its decision in Vigie) or the bailleur (an arrêté it
    /// declares, granted outside Vigie).
    #[serde(default)]
    pub recorded_by: AgrementSource,
}

/// Who recorded an agrément.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgrementSource {
    /// The préfecture's decision, recorded by the préfecture.
    Prefecture,
    /// Declared by the bailleur (an arrêté granted before Vigie): not recorded by the préfecture.
    #[default]
    DeclaredByBailleur,
}

/// A bailleur's request for an agrément (first or renewal), awaiting the préfet's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgrementRequest {
    pub requested_on: NaiveDate,
    /// Offence codes asked for; within the commission's.
    #[schema(max_length = 32)]
    pub offence_codes: Vec<String>,
    /// A renewal of an agrément already granted.
    pub renewal: bool,
}

/// The préfet's refusal of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgrementRefusal {
    pub decided_on: NaiveDate,
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// The oath before the tribunal judiciaire, recorded on the card by the clerk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Oath {
    #[schema(max_length = 200)]
    pub tribunal: String,
    pub sworn_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Suspension {
    pub from: NaiveDate,
    /// Last day of the suspension; open while absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    #[schema(max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// First day without the agrément.
    pub effective_on: NaiveDate,
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// The whole file of a sworn agent, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AgentFile {
    pub regime: Regime,
    pub commission: Commission,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aptitude: Option<Aptitude>,
    /// Every agrément, the renewals after the first.
    #[serde(default)]
    pub agrements: Vec<Agrement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oath: Option<Oath>,
    /// CNAPS professional card number (required for regime B).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnaps_card_number: Option<String>,
    #[serde(default)]
    pub suspensions: Vec<Suspension>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal: Option<Withdrawal>,
    /// The request awaiting the préfet's decision, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<AgrementRequest>,
    /// The préfet's refusals, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refusals: Vec<AgrementRefusal>,
    /// The day the préfecture heard the bailleur and the agent before a withdrawal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal_hearing: Option<NaiveDate>,
}

/// What happens to a file: each event is checked against the file before it is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FileEvent {
    /// A new commission from the bailleur (perimeter or offences change).
    Commission {
        #[schema(max_length = 64)]
        residence_ids: Vec<String>,
        #[schema(max_length = 32)]
        offence_codes: Vec<String>,
        issued_on: NaiveDate,
    },
    Aptitude {
        #[schema(max_length = 200)]
        certificate_ref: String,
        obtained_on: NaiveDate,
    },
    /// The préfet's arrêté, first or renewal. `end` defaults to `start` + the legal duration.
    Agrement {
        #[schema(max_length = 200)]
        arrete_number: String,
        #[schema(max_length = 200)]
        prefet: String,
        start: NaiveDate,
        end: Option<NaiveDate>,
        #[schema(max_length = 32)]
        offence_codes: Vec<String>,
        #[schema(max_length = 100)]
        card_number: Option<String>,
    },
    Oath {
        #[schema(max_length = 200)]
        tribunal: String,
        sworn_on: NaiveDate,
    },
    Suspension {
        from: NaiveDate,
        until: Option<NaiveDate>,
        #[schema(max_length = 2000)]
        reason: String,
    },
    /// Ends the open suspension on `until` (its last day).
    SuspensionLifted { until: NaiveDate },
    /// The bailleur asks the préfet for an agrément, or its renewal.
    AgrementRequest {
        requested_on: NaiveDate,
        #[schema(max_length = 32)]
        offence_codes: Vec<String>,
    },
    /// The préfet refuses the pending request, with the reason.
    AgrementRefusal {
        decided_on: NaiveDate,
        #[schema(max_length = 2000)]
        reason: String,
    },
    /// The préfecture heard the bailleur and the agent: required before a withdrawal.
    WithdrawalHearing { held_on: NaiveDate },
    Withdrawal {
        effective_on: NaiveDate,
        #[schema(max_length = 2000)]
        reason: String,
    },
}

impl FileEvent {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Commission { .. } => "commission",
            Self::Aptitude { .. } => "aptitude",
            Self::Agrement { .. } => "agrement",
            Self::Oath { .. } => "oath",
            Self::Suspension { .. } => "suspension",
            Self::SuspensionLifted { .. } => "suspension_lifted",
            Self::AgrementRequest { .. } => "agrement_request",
            Self::AgrementRefusal { .. } => "agrement_refusal",
            Self::WithdrawalHearing { .. } => "withdrawal_hearing",
            Self::Withdrawal { .. } => "withdrawal",
        }
    }

    /// Who records the step. An agrément is the préfet's decision; a bailleur may still declare
    /// one granted outside Vigie (marked as declared wherever it appears).
    pub fn owners(&self) -> &'static [FileParty] {
        match self {
            Self::AgrementRefusal { .. }
            | Self::WithdrawalHearing { .. }
            | Self::Withdrawal { .. } => &[FileParty::Prefecture],
            Self::Agrement { .. } => &[FileParty::Prefecture, FileParty::Bailleur],
            Self::Commission { .. }
            | Self::Aptitude { .. }
            | Self::Oath { .. }
            | Self::Suspension { .. }
            | Self::SuspensionLifted { .. }
            | Self::AgrementRequest { .. } => &[FileParty::Bailleur],
        }
    }
}

/// The parties that record steps of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileParty {
    /// The bailleur's correspondent, admin or integration.
    Bailleur,
    /// A préfecture officer.
    Prefecture,
}

/// Where a file stands on a date. Only `Active` lets the agent draw up PVs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Commissioned, no agrément yet.
    AwaitingAgrement,
    /// The agrément starts later.
    AgrementNotStarted,
    /// Approved but not sworn in yet.
    AwaitingOath,
    Active,
    Suspended,
    AgrementExpired,
    Withdrawn,
}

impl FileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingAgrement => "awaiting_agrement",
            Self::AgrementNotStarted => "agrement_not_started",
            Self::AwaitingOath => "awaiting_oath",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::AgrementExpired => "agrement_expired",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// Why an event is refused. `is_conflict`: the file's state refuses it (409), otherwise its data (422).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the agrément is withdrawn: the file is closed")]
    Withdrawn,
    #[error("the end of the agrément must follow its start")]
    EndBeforeStart,
    #[error("an agrément lasts at most {years} years")]
    AgrementTooLong { years: u32 },
    #[error("a renewal starts after the previous agrément's start")]
    RenewalBeforePrevious,
    #[error("offence `{0}` is not in the commission")]
    OffenceOutsideCommission(String),
    #[error("offence `{0}` is not one of the R.614-11 contraventions a regime B agent may record")]
    RegimeBContraventionsOnly(String),
    #[error("the oath follows the agrément: record the agrément first")]
    OathBeforeAgrement,
    #[error("the file is already suspended")]
    AlreadySuspended,
    #[error("the file is not suspended")]
    NotSuspended,
    #[error("a suspension ends on or after its start")]
    SuspensionEndsBeforeStart,
    #[error("`{0}` must not be empty")]
    Empty(&'static str),
    /// A suspension or a withdrawal dated before the first agrément it would end.
    #[error("a {0} cannot take effect before the first agrément's start")]
    BeforeAgrement(&'static str),
    #[error("a request for an agrément is already pending")]
    RequestPending,
    #[error("no request for an agrément is pending: the préfet decides on a request")]
    NoPendingRequest,
    #[error("offence `{0}` was not requested")]
    OffenceNotRequested(String),
    #[error(
        "the préfecture hears the bailleur and the agent before a withdrawal: record the hearing first"
    )]
    HearingRequired,
    #[error("a declared agrément is one granted before: its start cannot be after {0}")]
    DeclaredInTheFuture(NaiveDate),
    #[error("a request follows the commission it is for")]
    RequestBeforeCommission,
    #[error("the préfet decides after the request")]
    DecisionBeforeRequest,
}

impl FileError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Withdrawn => "agent_withdrawn",
            Self::EndBeforeStart => "end_before_start",
            Self::AgrementTooLong { .. } => "agrement_too_long",
            Self::RenewalBeforePrevious => "renewal_before_previous",
            Self::OffenceOutsideCommission(_) => "offence_outside_commission",
            Self::RegimeBContraventionsOnly(_) => "regime_b_contraventions_only",
            Self::OathBeforeAgrement => "oath_before_agrement",
            Self::AlreadySuspended => "already_suspended",
            Self::NotSuspended => "not_suspended",
            Self::SuspensionEndsBeforeStart => "end_before_start",
            Self::Empty(_) => "required",
            Self::BeforeAgrement(_) => "date_out_of_order",
            Self::RequestPending => "request_pending",
            Self::NoPendingRequest => "no_pending_request",
            Self::OffenceNotRequested(_) => "offence_not_requested",
            Self::HearingRequired => "hearing_required",
            Self::DeclaredInTheFuture(_) => "declared_in_the_future",
            Self::RequestBeforeCommission | Self::DecisionBeforeRequest => "date_out_of_order",
        }
    }

    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::Withdrawn
                | Self::OathBeforeAgrement
                | Self::AlreadySuspended
                | Self::NotSuspended
                | Self::RequestPending
                | Self::NoPendingRequest
                | Self::HearingRequired
        )
    }
}

/// What the rules need to know of an offence of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffenceFacts {
    pub code: String,
    pub regime_b_allowed: bool,
}

impl AgentFile {
    pub fn new(regime: Regime, commission: Commission, cnaps_card_number: Option<String>) -> Self {
        Self {
            regime,
            commission,
            aptitude: None,
            agrements: vec![],
            oath: None,
            cnaps_card_number,
            suspensions: vec![],
            withdrawal: None,
            request: None,
            refusals: vec![],
            withdrawal_hearing: None,
        }
    }

    /// The current agrément (the last recorded).
    pub fn agrement(&self) -> Option<&Agrement> {
        self.agrements.last()
    }

    /// The end of the last agrément: what renewal alerts watch.
    pub fn agrement_end(&self) -> Option<NaiveDate> {
        self.agrements.iter().map(|a| a.end).max()
    }

    /// Applies `event`. `offences` describes every offence code the event names (the caller looked
    /// them up in the catalogue; unknown codes were refused before).
    /// `by` is the party recording it (the caller checked it may record this kind of event), and
    /// `today` the local day: a declared agrément was granted before it.
    pub fn apply(
        &mut self,
        event: FileEvent,
        offences: &[OffenceFacts],
        delays: &LegalDelays,
        by: FileParty,
        today: NaiveDate,
    ) -> Result<(), FileError> {
        if self.withdrawal.is_some() {
            return Err(FileError::Withdrawn);
        }
        match event {
            FileEvent::Commission {
                residence_ids,
                offence_codes,
                issued_on,
            } => {
                let c = Commission {
                    residence_ids,
                    offence_codes,
                    issued_on,
                };
                check_commission(self.regime, &c, offences)?;
                self.commission = c;
            }
            FileEvent::Aptitude {
                certificate_ref,
                obtained_on,
            } => {
                if certificate_ref.trim().is_empty() {
                    return Err(FileError::Empty("certificate_ref"));
                }
                self.aptitude = Some(Aptitude {
                    certificate_ref,
                    obtained_on,
                });
            }
            FileEvent::Agrement {
                arrete_number,
                prefet,
                start,
                end,
                offence_codes,
                card_number,
            } => {
                if arrete_number.trim().is_empty() {
                    return Err(FileError::Empty("arrete_number"));
                }
                if prefet.trim().is_empty() {
                    return Err(FileError::Empty("prefet"));
                }
                if offence_codes.is_empty() {
                    return Err(FileError::Empty("offence_codes"));
                }
                let years = delays.value_on(DelayRule::AgrementYears, start);
                let longest = start + Months::new(12 * years);
                let end = end.unwrap_or(longest);
                if end <= start {
                    return Err(FileError::EndBeforeStart);
                }
                if end > longest {
                    return Err(FileError::AgrementTooLong { years });
                }
                if self.agrement().is_some_and(|a| start <= a.start) {
                    return Err(FileError::RenewalBeforePrevious);
                }
                for code in &offence_codes {
                    // The law's limit first: it is what a regime B agent needs to hear.
                    check_regime(self.regime, code, offences)?;
                    if !self.commission.offence_codes.contains(code) {
                        return Err(FileError::OffenceOutsideCommission(code.clone()));
                    }
                }
                let recorded_by = match by {
                    // The préfet decides on the bailleur's request, for offences it asked for.
                    FileParty::Prefecture => {
                        let request = self.request.as_ref().ok_or(FileError::NoPendingRequest)?;
                        if let Some(code) = offence_codes
                            .iter()
                            .find(|c| !request.offence_codes.contains(c))
                        {
                            return Err(FileError::OffenceNotRequested(code.clone()));
                        }
                        if start < request.requested_on {
                            return Err(FileError::DecisionBeforeRequest);
                        }
                        self.request = None;
                        AgrementSource::Prefecture
                    }
                    FileParty::Bailleur => {
                        if start > today {
                            return Err(FileError::DeclaredInTheFuture(today));
                        }
                        AgrementSource::DeclaredByBailleur
                    }
                };
                self.agrements.push(Agrement {
                    arrete_number,
                    prefet,
                    start,
                    end,
                    offence_codes,
                    card_number,
                    recorded_by,
                });
            }
            FileEvent::Oath { tribunal, sworn_on } => {
                if tribunal.trim().is_empty() {
                    return Err(FileError::Empty("tribunal"));
                }
                // The oath is taken once approved; a renewal needs no new oath (the field is kept
                // because practice varies: recording a new one replaces it).
                match self.agrements.first() {
                    Some(first) if sworn_on >= first.start => {}
                    _ => return Err(FileError::OathBeforeAgrement),
                }
                self.oath = Some(Oath { tribunal, sworn_on });
            }
            FileEvent::Suspension {
                from,
                until,
                reason,
            } => {
                if reason.trim().is_empty() {
                    return Err(FileError::Empty("reason"));
                }
                if until.is_some_and(|u| u < from) {
                    return Err(FileError::SuspensionEndsBeforeStart);
                }
                if self.agrements.first().is_some_and(|a| from < a.start) {
                    return Err(FileError::BeforeAgrement("suspension"));
                }
                if self.suspensions.iter().any(|s| s.until.is_none()) {
                    return Err(FileError::AlreadySuspended);
                }
                self.suspensions.push(Suspension {
                    from,
                    until,
                    reason,
                });
            }
            FileEvent::SuspensionLifted { until } => {
                let open = self
                    .suspensions
                    .iter_mut()
                    .find(|s| s.until.is_none())
                    .ok_or(FileError::NotSuspended)?;
                if until < open.from {
                    return Err(FileError::SuspensionEndsBeforeStart);
                }
                open.until = Some(until);
            }
            FileEvent::AgrementRequest {
                requested_on,
                offence_codes,
            } => {
                if self.request.is_some() {
                    return Err(FileError::RequestPending);
                }
                if offence_codes.is_empty() {
                    return Err(FileError::Empty("offence_codes"));
                }
                for code in &offence_codes {
                    check_regime(self.regime, code, offences)?;
                    if !self.commission.offence_codes.contains(code) {
                        return Err(FileError::OffenceOutsideCommission(code.clone()));
                    }
                }
                if requested_on < self.commission.issued_on {
                    return Err(FileError::RequestBeforeCommission);
                }
                self.request = Some(AgrementRequest {
                    requested_on,
                    offence_codes,
                    renewal: !self.agrements.is_empty(),
                });
            }
            FileEvent::AgrementRefusal { decided_on, reason } => {
                if reason.trim().is_empty() {
                    return Err(FileError::Empty("reason"));
                }
                let request = self.request.as_ref().ok_or(FileError::NoPendingRequest)?;
                if decided_on < request.requested_on {
                    return Err(FileError::DecisionBeforeRequest);
                }
                self.request = None;
                self.refusals.push(AgrementRefusal { decided_on, reason });
            }
            FileEvent::WithdrawalHearing { held_on } => {
                match self.agrements.first() {
                    Some(first) if held_on >= first.start => {}
                    _ => return Err(FileError::BeforeAgrement("hearing")),
                }
                self.withdrawal_hearing = Some(held_on);
            }
            FileEvent::Withdrawal {
                effective_on,
                reason,
            } => {
                if reason.trim().is_empty() {
                    return Err(FileError::Empty("reason"));
                }
                if self
                    .agrements
                    .first()
                    .is_some_and(|a| effective_on < a.start)
                {
                    return Err(FileError::BeforeAgrement("withdrawal"));
                }
                // The préfet withdraws after hearing the bailleur and the agent.
                if self.withdrawal_hearing.is_none_or(|h| h > effective_on) {
                    return Err(FileError::HearingRequired);
                }
                self.withdrawal = Some(Withdrawal {
                    effective_on,
                    reason,
                });
            }
        }
        Ok(())
    }

    /// Where the file stands on `on`. Active needs, on that day: not withdrawn, an agrément
    /// covering the day, the oath taken, no suspension covering the day.
    pub fn status_on(&self, on: NaiveDate) -> FileStatus {
        if self
            .withdrawal
            .as_ref()
            .is_some_and(|w| w.effective_on <= on)
        {
            return FileStatus::Withdrawn;
        }
        if self.agrements.is_empty() {
            return FileStatus::AwaitingAgrement;
        }
        if !self.agrements.iter().any(|a| a.start <= on && on <= a.end) {
            return if self.agrements.iter().all(|a| on < a.start) {
                FileStatus::AgrementNotStarted
            } else {
                FileStatus::AgrementExpired
            };
        }
        if self.oath.as_ref().is_none_or(|o| o.sworn_on > on) {
            return FileStatus::AwaitingOath;
        }
        if self
            .suspensions
            .iter()
            .any(|s| s.from <= on && s.until.is_none_or(|u| on <= u))
        {
            return FileStatus::Suspended;
        }
        FileStatus::Active
    }

    /// The agrément in force on `on`, if any.
    pub fn agrement_on(&self, on: NaiveDate) -> Option<&Agrement> {
        self.agrements
            .iter()
            .rev()
            .find(|a| a.start <= on && on <= a.end)
    }
}

fn check_regime(regime: Regime, code: &str, offences: &[OffenceFacts]) -> Result<(), FileError> {
    let allowed = offences
        .iter()
        .find(|o| o.code == code)
        .is_some_and(|o| o.regime_b_allowed);
    if regime.limited_to_regime_b_offences() && !allowed {
        return Err(FileError::RegimeBContraventionsOnly(code.to_owned()));
    }
    Ok(())
}

/// A commission names at least one residence and one offence; regime B only R.614-11 contraventions.
pub fn check_commission(
    regime: Regime,
    c: &Commission,
    offences: &[OffenceFacts],
) -> Result<(), FileError> {
    if c.residence_ids.is_empty() {
        return Err(FileError::Empty("residence_ids"));
    }
    if c.offence_codes.is_empty() {
        return Err(FileError::Empty("offence_codes"));
    }
    for code in &c.offence_codes {
        check_regime(regime, code, offences)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts() -> Vec<OffenceFacts> {
        vec![
            OffenceFacts {
                code: "CP-R634-2".into(),
                regime_b_allowed: true,
            },
            OffenceFacts {
                code: "CP-322-1-I".into(),
                regime_b_allowed: false,
            },
        ]
    }

    fn file(regime: Regime) -> AgentFile {
        AgentFile::new(
            regime,
            Commission {
                residence_ids: vec!["r1".into()],
                offence_codes: vec!["CP-R634-2".into()],
                issued_on: d("2026-01-01"),
            },
            None,
        )
    }

    fn agrement(start: &str, end: Option<&str>) -> FileEvent {
        FileEvent::Agrement {
            arrete_number: "2026-PREF-001".into(),
            prefet: "Préfet des Hauts-de-Seine".into(),
            start: d(start),
            end: end.map(d),
            offence_codes: vec!["CP-R634-2".into()],
            card_number: None,
        }
    }

    fn active_file() -> AgentFile {
        let l = LegalDelays::shipped();
        let mut f = file(Regime::GardeParticulier);
        f.apply(
            agrement("2026-02-01", None),
            &facts(),
            l,
            FileParty::Bailleur,
            d("2026-11-29"),
        )
        .unwrap();
        f.apply(
            FileEvent::Oath {
                tribunal: "TJ Nanterre".into(),
                sworn_on: d("2026-02-10"),
            },
            &facts(),
            l,
            FileParty::Bailleur,
            d("2026-11-29"),
        )
        .unwrap();
        f
    }

    #[test]
    fn agrement_lasts_five_years_by_default_and_never_longer() {
        let f = active_file();
        assert_eq!(f.agrement().unwrap().end, d("2031-02-01"));
        let mut g = file(Regime::GardeParticulier);
        let err = g
            .apply(
                agrement("2026-02-01", Some("2031-02-02")),
                &facts(),
                LegalDelays::shipped(),
                FileParty::Bailleur,
                d("2026-11-29"),
            )
            .unwrap_err();
        assert_eq!(err.code(), "agrement_too_long");
    }

    #[test]
    fn active_is_computed_from_the_dates() {
        let f = active_file();
        assert_eq!(f.status_on(d("2026-01-31")), FileStatus::AgrementNotStarted);
        assert_eq!(f.status_on(d("2026-02-05")), FileStatus::AwaitingOath);
        assert_eq!(f.status_on(d("2026-02-10")), FileStatus::Active);
        assert_eq!(f.status_on(d("2031-02-01")), FileStatus::Active);
        assert_eq!(f.status_on(d("2031-02-02")), FileStatus::AgrementExpired);
    }

    #[test]
    fn suspension_and_withdrawal_end_activity_from_their_date() {
        let l = LegalDelays::shipped();
        let mut f = active_file();
        let suspend = FileEvent::Suspension {
            from: d("2026-05-01"),
            until: None,
            reason: "enquête administrative".into(),
        };
        f.apply(
            suspend.clone(),
            &facts(),
            l,
            FileParty::Bailleur,
            d("2026-11-29"),
        )
        .unwrap();
        assert_eq!(
            f.apply(suspend, &facts(), l, FileParty::Bailleur, d("2026-11-29"))
                .unwrap_err()
                .code(),
            "already_suspended"
        );
        assert_eq!(f.status_on(d("2026-04-30")), FileStatus::Active);
        assert_eq!(f.status_on(d("2026-09-01")), FileStatus::Suspended);
        f.apply(
            FileEvent::SuspensionLifted {
                until: d("2026-05-31"),
            },
            &facts(),
            l,
            FileParty::Bailleur,
            d("2026-11-29"),
        )
        .unwrap();
        assert_eq!(f.status_on(d("2026-05-31")), FileStatus::Suspended);
        assert_eq!(f.status_on(d("2026-06-01")), FileStatus::Active);
        let withdrawal = FileEvent::Withdrawal {
            effective_on: d("2026-07-01"),
            reason: "retrait préfectoral".into(),
        };
        assert_eq!(
            f.clone()
                .apply(
                    withdrawal.clone(),
                    &facts(),
                    l,
                    FileParty::Prefecture,
                    d("2026-07-01")
                )
                .unwrap_err()
                .code(),
            "hearing_required"
        );
        f.apply(
            FileEvent::WithdrawalHearing {
                held_on: d("2026-06-20"),
            },
            &facts(),
            l,
            FileParty::Prefecture,
            d("2026-06-20"),
        )
        .unwrap();
        f.apply(
            withdrawal,
            &facts(),
            l,
            FileParty::Prefecture,
            d("2026-07-01"),
        )
        .unwrap();
        assert_eq!(f.status_on(d("2026-06-30")), FileStatus::Active);
        assert_eq!(f.status_on(d("2026-07-01")), FileStatus::Withdrawn);
        let err = f
            .apply(
                agrement("2027-01-01", None),
                &facts(),
                l,
                FileParty::Bailleur,
                d("2026-11-29"),
            )
            .unwrap_err();
        assert!(err.is_conflict());
        assert_eq!(err.code(), "agent_withdrawn");
    }

    /// Part B.4 of the préfet issue, for agréments: a suspension or a withdrawal cannot take effect
    /// before the agrément it ends (the oath already cannot precede it, nor a renewal its predecessor).
    #[test]
    fn dated_steps_of_a_file_follow_the_agrement() {
        let l = LegalDelays::shipped();
        let mut f = active_file();
        let early = FileEvent::Suspension {
            from: d("2026-01-15"),
            until: None,
            reason: "enquête".into(),
        };
        assert_eq!(
            f.apply(early, &facts(), l, FileParty::Bailleur, d("2026-11-29"))
                .unwrap_err()
                .code(),
            "date_out_of_order"
        );
        let early = FileEvent::Withdrawal {
            effective_on: d("2026-01-15"),
            reason: "retrait".into(),
        };
        assert_eq!(
            f.apply(early, &facts(), l, FileParty::Bailleur, d("2026-11-29"))
                .unwrap_err()
                .code(),
            "date_out_of_order"
        );
        assert!(f.withdrawal.is_none());
    }

    /// Part A.1 of the préfet issue: the bailleur asks, the préfet grants or refuses; a grant
    /// answers a pending request for offences it asked for; a bailleur's own agrément is a
    /// declaration of one granted before, marked as such.
    #[test]
    fn agrements_are_the_prefets_decisions_on_the_bailleurs_requests() {
        let l = LegalDelays::shipped();
        let mut f = file(Regime::GardeParticulier);
        let today = d("2026-11-29");
        let grant = agrement("2026-12-01", None);
        assert_eq!(
            f.clone()
                .apply(grant.clone(), &facts(), l, FileParty::Prefecture, today)
                .unwrap_err()
                .code(),
            "no_pending_request"
        );
        let request = FileEvent::AgrementRequest {
            requested_on: d("2026-11-20"),
            offence_codes: vec!["CP-R634-2".into()],
        };
        f.apply(request.clone(), &facts(), l, FileParty::Bailleur, today)
            .unwrap();
        assert_eq!(
            f.clone()
                .apply(request, &facts(), l, FileParty::Bailleur, today)
                .unwrap_err()
                .code(),
            "request_pending"
        );
        // Refused: the request is closed, the refusal kept with its reason.
        let mut refused = f.clone();
        refused
            .apply(
                FileEvent::AgrementRefusal {
                    decided_on: d("2026-11-25"),
                    reason: "enquête administrative défavorable".into(),
                },
                &facts(),
                l,
                FileParty::Prefecture,
                today,
            )
            .unwrap();
        assert!(refused.request.is_none());
        assert_eq!(refused.refusals.len(), 1);
        // Granted.
        f.apply(grant, &facts(), l, FileParty::Prefecture, today)
            .unwrap();
        assert_eq!(
            f.agrement().unwrap().recorded_by,
            AgrementSource::Prefecture
        );
        // A bailleur's declaration of an arrêté from before Vigie: allowed, marked, never future.
        let mut declared = file(Regime::GardeParticulier);
        declared
            .apply(
                agrement("2025-01-01", None),
                &facts(),
                l,
                FileParty::Bailleur,
                today,
            )
            .unwrap();
        assert_eq!(
            declared.agrement().unwrap().recorded_by,
            AgrementSource::DeclaredByBailleur
        );
        assert_eq!(
            file(Regime::GardeParticulier)
                .apply(
                    agrement("2027-01-01", None),
                    &facts(),
                    l,
                    FileParty::Bailleur,
                    today
                )
                .unwrap_err()
                .code(),
            "declared_in_the_future"
        );
    }

    #[test]
    fn oath_needs_an_agrement() {
        let mut f = file(Regime::GardeParticulier);
        let err = f
            .apply(
                FileEvent::Oath {
                    tribunal: "TJ Nanterre".into(),
                    sworn_on: d("2026-02-10"),
                },
                &facts(),
                LegalDelays::shipped(),
                FileParty::Bailleur,
                d("2026-11-29"),
            )
            .unwrap_err();
        assert_eq!(err.code(), "oath_before_agrement");
    }

    #[test]
    fn regime_b_is_limited_to_r614_11_contraventions() {
        let c = Commission {
            residence_ids: vec!["r1".into()],
            offence_codes: vec!["CP-R634-2".into(), "CP-322-1-I".into()],
            issued_on: d("2026-01-01"),
        };
        let err = check_commission(Regime::LandlordSecurityAgent, &c, &facts()).unwrap_err();
        assert_eq!(
            err,
            FileError::RegimeBContraventionsOnly("CP-322-1-I".into())
        );
        assert!(check_commission(Regime::GardeParticulier, &c, &facts()).is_ok());
    }

    #[test]
    fn renewal_extends_activity_without_a_new_oath() {
        let l = LegalDelays::shipped();
        let mut f = active_file();
        // Renewed by the préfet on the bailleur's request.
        let request = FileEvent::AgrementRequest {
            requested_on: d("2030-10-01"),
            offence_codes: vec!["CP-R634-2".into()],
        };
        f.apply(request, &facts(), l, FileParty::Bailleur, d("2030-10-01"))
            .unwrap();
        assert!(f.request.as_ref().unwrap().renewal);
        f.apply(
            agrement("2031-01-15", None),
            &facts(),
            l,
            FileParty::Prefecture,
            d("2030-12-01"),
        )
        .unwrap();
        assert_eq!(
            f.agrement().unwrap().recorded_by,
            AgrementSource::Prefecture
        );
        assert!(f.request.is_none());
        assert_eq!(f.status_on(d("2033-01-01")), FileStatus::Active);
        assert_eq!(f.agrement_end(), Some(d("2036-01-15")));
        assert_eq!(
            f.apply(
                agrement("2030-01-01", None),
                &facts(),
                l,
                FileParty::Bailleur,
                d("2026-11-29")
            )
            .unwrap_err()
            .code(),
            "renewal_before_previous"
        );
    }
}
