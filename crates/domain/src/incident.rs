//! Incidents reported by bailleurs: categories, victims (with the CMSP status of staff acting in their
//! functions), persons involved, evidence, and the lifecycle state machine.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What happened, as the convention names its problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    DrugTrafficking,
    HallOccupation,
    /// Restricted: factual only, visible to the bailleur's correspondent and the police correspondent.
    RadicalisationSignal,
    AssaultOnStaff,
    OutrageToStaff,
    Threats,
    DamageOrTags,
    Dumping,
    Other,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Self::DrugTrafficking,
        Self::HallOccupation,
        Self::RadicalisationSignal,
        Self::AssaultOnStaff,
        Self::OutrageToStaff,
        Self::Threats,
        Self::DamageOrTags,
        Self::Dumping,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::DrugTrafficking => "drug_trafficking",
            Self::HallOccupation => "hall_occupation",
            Self::RadicalisationSignal => "radicalisation_signal",
            Self::AssaultOnStaff => "assault_on_staff",
            Self::OutrageToStaff => "outrage_to_staff",
            Self::Threats => "threats",
            Self::DamageOrTags => "damage_or_tags",
            Self::Dumping => "dumping",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Radicalisation may reveal beliefs (GDPR art. 9): such records are restricted.
    pub fn is_restricted(self) -> bool {
        matches!(self, Self::RadicalisationSignal)
    }
}

/// Front-line roles of a bailleur's staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Gardien,
    AgentDeProximite,
    ChargeDeClientele,
    Mediateur,
    SecurityAgent,
    Other,
}

impl StaffRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gardien => "gardien",
            Self::AgentDeProximite => "agent_de_proximite",
            Self::ChargeDeClientele => "charge_de_clientele",
            Self::Mediateur => "mediateur",
            Self::SecurityAgent => "security_agent",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Gardien,
            Self::AgentDeProximite,
            Self::ChargeDeClientele,
            Self::Mediateur,
            Self::SecurityAgent,
            Self::Other,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// Who suffered the facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Victim {
    /// The bailleur itself, as a legal person (damage to its property, for instance).
    Bailleur,
    /// A staff member of the bailleur.
    Staff {
        #[schema(max_length = 64)]
        staff_id: String,
        /// Whether the person was acting in their functions: then they are a person charged with a
        /// public-service mission (CMSP) and the CMSP limbs of the offences apply.
        acting_in_functions: bool,
        /// Days of total incapacity for work, when known (decides 222-13 against 222-12). At most
        /// ten years (`MAX_ITT_DAYS`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(minimum = 0, maximum = 3650)]
        itt_days: Option<u32>,
    },
}

/// A person involved in the facts: no free profiling, only what identifies or describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PersonInvolved {
    Identified {
        #[schema(max_length = 200)]
        name: String,
    },
    /// A physical description of an unidentified person (clothing, height...), at most 300 characters.
    Described {
        #[schema(max_length = 300)]
        description: String,
    },
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Witness {
    /// A staff member of the bailleur, or...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64)]
    pub staff_id: Option<String>,
    /// ...another person's name and a way to reach them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub contact: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceType {
    Photo,
    Video,
    Audio,
    Document,
    Other,
}

/// A reference to evidence kept elsewhere (Vigie stores no files): a URL and/or a SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    #[serde(rename = "type")]
    pub type_: EvidenceType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    /// Hex SHA-256 of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 64, pattern = "^[0-9a-f]{64}$")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// A rule an incident's content breaks; `field` names where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl ContentError {
    fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// Limits on free text: a radicalisation signal is a short factual note, nothing more.
pub const MAX_NARRATIVE: usize = 10_000;
pub const MAX_RESTRICTED_NARRATIVE: usize = 500;

/// Checks the rules on an incident's content that do not need the database.
pub fn check_content(
    category: Category,
    narrative: &str,
    persons: &[PersonInvolved],
    evidence: &[Evidence],
    witnesses: &[Witness],
) -> Vec<ContentError> {
    let mut errors = vec![];
    let max = if category.is_restricted() {
        MAX_RESTRICTED_NARRATIVE
    } else {
        MAX_NARRATIVE
    };
    if narrative.trim().is_empty() {
        errors.push(ContentError::new(
            "narrative",
            "required",
            "describe the facts",
        ));
    } else if narrative.chars().count() > max {
        errors.push(ContentError::new(
            "narrative",
            "too_long",
            format!("at most {max} characters for this category"),
        ));
    }
    for (i, p) in persons.iter().enumerate() {
        match p {
            PersonInvolved::Identified { name }
                if name.trim().is_empty() || name.chars().count() > 200 =>
            {
                errors.push(ContentError::new(
                    format!("persons[{i}].name"),
                    "invalid_name",
                    "1 to 200 characters",
                ));
            }
            PersonInvolved::Described { description } => {
                if category.is_restricted() {
                    errors.push(ContentError::new(
                        format!("persons[{i}]"),
                        "no_profiling",
                        "a radicalisation signal records no description of persons",
                    ));
                } else if description.trim().is_empty() || description.chars().count() > 300 {
                    errors.push(ContentError::new(
                        format!("persons[{i}].description"),
                        "invalid_description",
                        "1 to 300 characters",
                    ));
                }
            }
            _ => {}
        }
    }
    for (i, e) in evidence.iter().enumerate() {
        if e.url.is_none() && e.sha256.is_none() {
            errors.push(ContentError::new(
                format!("evidence[{i}]"),
                "reference_required",
                "give a url or a sha256",
            ));
        }
        let bad_hash = |h: &String| {
            h.len() != 64
                || !h
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if e.sha256.as_ref().is_some_and(bad_hash) {
            errors.push(ContentError::new(
                format!("evidence[{i}].sha256"),
                "invalid_sha256",
                "64 lowercase hex digits",
            ));
        }
        let bad_url =
            |u: &String| !(u.starts_with("https://") || u.starts_with("http://")) || u.len() > 2000;
        if e.url.as_ref().is_some_and(bad_url) {
            errors.push(ContentError::new(
                format!("evidence[{i}].url"),
                "invalid_url",
                "an http(s) URL of at most 2000 characters",
            ));
        }
    }
    for (i, e) in evidence.iter().enumerate() {
        if e.description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 500)
        {
            errors.push(ContentError::new(
                format!("evidence[{i}].description"),
                "too_long",
                "at most 500 characters",
            ));
        }
    }
    for (i, w) in witnesses.iter().enumerate() {
        for (field, value) in [("name", &w.name), ("contact", &w.contact)] {
            if value.as_ref().is_some_and(|v| v.chars().count() > 200) {
                errors.push(ContentError::new(
                    format!("witnesses[{i}].{field}"),
                    "too_long",
                    "at most 200 characters",
                ));
            }
        }
        if w.staff_id.is_none() && w.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
            errors.push(ContentError::new(
                format!("witnesses[{i}]"),
                "witness_identity",
                "a staff_id or a name",
            ));
        }
    }
    errors
}

/// Where an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Reported,
    Qualified,
    /// Followed up by a procès-verbal, a complaint or internal handling (see `action`).
    Actioned,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Qualified => "qualified",
            Self::Actioned => "actioned",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Reported,
            Self::Qualified,
            Self::Actioned,
            Self::Closed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a qualified incident is followed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    ProcesVerbal,
    Complaint,
    InternalHandling,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProcesVerbal => "proces_verbal",
            Self::Complaint => "complaint",
            Self::InternalHandling => "internal_handling",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::ProcesVerbal, Self::Complaint, Self::InternalHandling]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// A requested change of status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// reported → qualified (needs at least one qualification).
    Qualify,
    /// qualified → actioned, with the follow-up kind.
    Action,
    /// reported, qualified or actioned → closed.
    Close,
    /// closed → reported (or qualified when it has qualifications).
    Reopen,
}

impl Transition {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Qualify => "qualify",
            Self::Action => "action",
            Self::Close => "close",
            Self::Reopen => "reopen",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("`{transition}` is not allowed from `{from}`")]
    NotAllowed {
        from: Status,
        transition: &'static str,
        allowed: Vec<&'static str>,
    },
    #[error("an incident is qualified only once at least one qualification is attached")]
    QualificationRequired,
    #[error(
        "say how the incident is followed up: `action` is proces_verbal, complaint or internal_handling"
    )]
    ActionKindRequired,
}

/// The transitions allowed from a status.
pub fn allowed_transitions(from: Status) -> &'static [Transition] {
    match from {
        Status::Reported => &[Transition::Qualify, Transition::Close],
        Status::Qualified => &[Transition::Action, Transition::Close],
        Status::Actioned => &[Transition::Close],
        Status::Closed => &[Transition::Reopen],
    }
}

/// The status after a transition, or why it is refused.
pub fn apply_transition(
    from: Status,
    t: Transition,
    has_qualifications: bool,
    action: Option<ActionKind>,
) -> Result<(Status, Option<ActionKind>), TransitionError> {
    if !allowed_transitions(from).contains(&t) {
        return Err(TransitionError::NotAllowed {
            from,
            transition: t.as_str(),
            allowed: allowed_transitions(from)
                .iter()
                .map(|x| x.as_str())
                .collect(),
        });
    }
    match t {
        Transition::Qualify if !has_qualifications => Err(TransitionError::QualificationRequired),
        Transition::Qualify => Ok((Status::Qualified, None)),
        Transition::Action => action
            .map(|a| (Status::Actioned, Some(a)))
            .ok_or(TransitionError::ActionKindRequired),
        Transition::Close => Ok((Status::Closed, None)),
        Transition::Reopen => Ok((
            if has_qualifications {
                Status::Qualified
            } else {
                Status::Reported
            },
            None,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_lifecycle_goes_from_report_to_closure_and_back() {
        let (s, _) = apply_transition(Status::Reported, Transition::Qualify, true, None).unwrap();
        assert_eq!(s, Status::Qualified);
        let (s, a) =
            apply_transition(s, Transition::Action, true, Some(ActionKind::Complaint)).unwrap();
        assert_eq!((s, a), (Status::Actioned, Some(ActionKind::Complaint)));
        let (s, _) = apply_transition(s, Transition::Close, true, None).unwrap();
        assert_eq!(s, Status::Closed);
        assert_eq!(
            apply_transition(s, Transition::Reopen, true, None)
                .unwrap()
                .0,
            Status::Qualified
        );
        assert_eq!(
            apply_transition(s, Transition::Reopen, false, None)
                .unwrap()
                .0,
            Status::Reported
        );
    }

    #[test]
    fn witness_and_evidence_texts_keep_their_limits() {
        let long = "é".repeat(201);
        let w = Witness {
            staff_id: None,
            name: Some(long.clone()),
            contact: Some(long),
        };
        let e = Evidence {
            type_: EvidenceType::Photo,
            url: Some("https://x.example/p.jpg".into()),
            sha256: None,
            description: Some("d".repeat(501)),
        };
        let fields: Vec<String> = check_content(Category::Other, "faits", &[], &[e], &[w])
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "evidence[0].description",
                "witnesses[0].name",
                "witnesses[0].contact"
            ]
        );
    }

    #[test]
    fn illegal_transitions_list_the_allowed_ones() {
        let err = apply_transition(
            Status::Reported,
            Transition::Action,
            true,
            Some(ActionKind::ProcesVerbal),
        )
        .unwrap_err();
        assert_eq!(
            err,
            TransitionError::NotAllowed {
                from: Status::Reported,
                transition: "action",
                allowed: vec!["qualify", "close"]
            }
        );
        assert_eq!(
            apply_transition(Status::Reported, Transition::Qualify, false, None),
            Err(TransitionError::QualificationRequired)
        );
        assert_eq!(
            apply_transition(Status::Qualified, Transition::Action, true, None),
            Err(TransitionError::ActionKindRequired)
        );
    }

    #[test]
    fn radicalisation_signals_are_short_and_describe_nobody() {
        let errs = check_content(
            Category::RadicalisationSignal,
            &"x".repeat(501),
            &[PersonInvolved::Described {
                description: "tall".into(),
            }],
            &[],
            &[],
        );
        let codes: Vec<&str> = errs.iter().map(|e| e.code).collect();
        assert_eq!(codes, vec!["too_long", "no_profiling"]);
        assert!(
            check_content(
                Category::DamageOrTags,
                &"x".repeat(501),
                &[PersonInvolved::Described {
                    description: "tall".into()
                }],
                &[],
                &[]
            )
            .is_empty()
        );
    }

    #[test]
    fn evidence_needs_a_reference() {
        let e = Evidence {
            type_: EvidenceType::Photo,
            url: None,
            sha256: None,
            description: None,
        };
        assert_eq!(
            check_content(Category::Other, "x", &[], &[e], &[])[0].code,
            "reference_required"
        );
        let e = Evidence {
            type_: EvidenceType::Photo,
            url: Some("ftp://x".into()),
            sha256: Some("ABC".into()),
            description: None,
        };
        let codes: Vec<&str> = check_content(Category::Other, "x", &[], &[e], &[])
            .iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(codes, vec!["invalid_sha256", "invalid_url"]);
    }

    fn any_status() -> impl Strategy<Value = Status> {
        prop_oneof![
            Just(Status::Reported),
            Just(Status::Qualified),
            Just(Status::Actioned),
            Just(Status::Closed)
        ]
    }

    fn any_transition() -> impl Strategy<Value = Transition> {
        prop_oneof![
            Just(Transition::Qualify),
            Just(Transition::Action),
            Just(Transition::Close),
            Just(Transition::Reopen)
        ]
    }

    proptest! {
        #[test]
        fn every_accepted_transition_is_listed_and_every_listed_one_can_succeed(from in any_status(), t in any_transition(), q in any::<bool>()) {
            let listed = allowed_transitions(from).contains(&t);
            let result = apply_transition(from, t, q, Some(ActionKind::InternalHandling));
            if !listed {
                let is_not_allowed = matches!(result, Err(TransitionError::NotAllowed { .. }));
                prop_assert!(is_not_allowed);
            }
            if listed {
                prop_assert!(apply_transition(from, t, true, Some(ActionKind::InternalHandling)).is_ok());
            }
        }
    }
}

/// The content an incident is created with, whichever way it comes (`POST /incidents`, a bulk
/// import row): its fingerprint decides whether a second creation with the same `external_ref` or
/// `Idempotency-Key` repeats the first (same content) or conflicts with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewIncident {
    pub residence_id: String,
    pub building: Option<String>,
    pub entrance: Option<String>,
    pub common_part: Option<String>,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    pub reported_at: Option<chrono::DateTime<chrono::Utc>>,
    pub category: Category,
    pub narrative: String,
    pub victims: Vec<Victim>,
    pub persons: Vec<PersonInvolved>,
    pub witnesses: Vec<Witness>,
    pub evidence: Vec<Evidence>,
    pub external_ref: Option<String>,
    pub share_with_police: bool,
    /// Qualifications given at creation (bulk imports; none through `POST /incidents`).
    pub offence_codes: Vec<String>,
}

impl NewIncident {
    /// One fingerprint for every entry point: SHA-256 of the content's canonical JSON.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("incident:v2:{}", hex::encode(Sha256::digest(json)))
    }
}

/// Longest building or entrance name, and common part.
pub const MAX_PLACE: usize = 50;
pub const MAX_COMMON_PART: usize = 100;

/// Most entries of each list an incident holds.
pub const MAX_LIST_ENTRIES: usize = 50;
/// The longest ITT recorded: ten years. A larger figure is a typo (and would not fit the contract's
/// 32-bit integer in the first place above 2 147 483 647).
pub const MAX_ITT_DAYS: u32 = 3650;

/// The rules of an incident's content that need no database: list sizes, the texts
/// ([`check_content`]), and the period of the facts (not in the future, 5 minutes of clock skew
/// allowed; ending after they start).
pub fn check_new(content: &NewIncident, now: chrono::DateTime<chrono::Utc>) -> Vec<ContentError> {
    let mut errors = vec![];
    for (field, text) in [
        ("residence_id", Some(&content.residence_id)),
        ("building", content.building.as_ref()),
        ("entrance", content.entrance.as_ref()),
        ("common_part", content.common_part.as_ref()),
        ("narrative", Some(&content.narrative)),
        ("external_ref", content.external_ref.as_ref()),
    ] {
        if text.is_some_and(|t| crate::has_nul(t)) {
            errors.push(ContentError::new(
                field,
                "nul_character",
                "text cannot contain the NUL character (U+0000)",
            ));
        }
    }
    for (field, n) in [
        ("victims", content.victims.len()),
        ("persons", content.persons.len()),
        ("witnesses", content.witnesses.len()),
        ("evidence", content.evidence.len()),
    ] {
        if n > MAX_LIST_ENTRIES {
            errors.push(ContentError {
                field: field.to_owned(),
                code: "too_many",
                message: format!("at most {MAX_LIST_ENTRIES} entries"),
            });
        }
    }
    for (i, v) in content.victims.iter().enumerate() {
        if let Victim::Staff {
            itt_days: Some(days),
            ..
        } = v
            && *days > MAX_ITT_DAYS
        {
            errors.push(ContentError {
                field: format!("victims[{i}].itt_days"),
                code: "out_of_range",
                message: format!("at most {MAX_ITT_DAYS} days"),
            });
        }
    }
    for (field, value, max) in [
        ("building", &content.building, MAX_PLACE),
        ("entrance", &content.entrance, MAX_PLACE),
        ("common_part", &content.common_part, MAX_COMMON_PART),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            errors.push(ContentError::new(
                field,
                "too_long",
                format!("at most {max} characters"),
            ));
        }
    }
    errors.extend(check_content(
        content.category,
        &content.narrative,
        &content.persons,
        &content.evidence,
        &content.witnesses,
    ));
    errors.extend(check_period(content.occurred_at, content.ended_at, now));
    errors
}

/// No facts are recorded before this year: an earlier date is a typo (year 0000, 0202...), and would
/// give a meaningless prescription date.
pub const EARLIEST_YEAR: i32 = 1900;

/// The facts are not in the future (5 minutes of clock skew allowed), not before
/// [`EARLIEST_YEAR`], and end after they start.
pub fn check_period(
    occurred_at: chrono::DateTime<chrono::Utc>,
    ended_at: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<ContentError> {
    let mut errors = vec![];
    if ended_at.is_some_and(|e| e < occurred_at) {
        errors.push(ContentError {
            field: "ended_at".into(),
            code: "before_start",
            message: "the facts end after they start".into(),
        });
    }
    if occurred_at > now + chrono::Duration::minutes(5) {
        errors.push(ContentError {
            field: "occurred_at".into(),
            code: "in_the_future",
            message: "the facts cannot be in the future".into(),
        });
    }
    if ended_at.is_some_and(|e| e > now + chrono::Duration::minutes(5)) {
        errors.push(ContentError {
            field: "ended_at".into(),
            code: "in_the_future",
            message: "the facts cannot end in the future".into(),
        });
    }
    if chrono::Datelike::year(&occurred_at) < EARLIEST_YEAR {
        errors.push(ContentError {
            field: "occurred_at".into(),
            code: "too_early",
            message: format!("facts before {EARLIEST_YEAR} are not recorded"),
        });
    }
    errors
}

/// When the public action for facts at `occurred_at` is prescribed: set by the most serious of the
/// qualifications (`(nature, offence code)`), counted from the local day of the facts in France.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrescriptionTerm {
    /// Last day on which the public action is not prescribed.
    pub date: chrono::NaiveDate,
    pub years: u32,
    pub basis_offence_code: String,
}

/// How many days before the prescription of the public action the bailleur's correspondent is
/// alerted when nothing was done (no complaint, no PV): a Vigie policy, so that no complaint is lost
/// to the calendar. Largest first.
pub const PRESCRIPTION_ALERT_DAYS: [u32; 3] = [90, 60, 30];

/// The alert thresholds an incident `days_left` before its prescription has crossed (none once it
/// is prescribed: too late to alert).
pub fn crossed_thresholds(days_left: i64) -> impl Iterator<Item = u32> {
    PRESCRIPTION_ALERT_DAYS
        .into_iter()
        .filter(move |t| days_left >= 0 && days_left <= i64::from(*t))
}

/// The tightest alert threshold an incident `days_left` before its prescription has crossed.
pub fn alert_threshold(days_left: i64) -> Option<u32> {
    crossed_thresholds(days_left).min()
}

pub fn prescription<'a>(
    occurred_at: chrono::DateTime<chrono::Utc>,
    qualifications: impl IntoIterator<Item = (crate::Nature, &'a str)>,
) -> Option<PrescriptionTerm> {
    let mut basis: Option<(crate::Nature, &str)> = None;
    for (nature, code) in qualifications {
        if basis.is_none_or(|(n, _)| nature.gravity() > n.gravity()) {
            basis = Some((nature, code));
        }
    }
    basis.map(|(n, code)| PrescriptionTerm {
        date: n.prescription_date(crate::pv::local_day(occurred_at)),
        years: n.prescription_years(),
        basis_offence_code: code.to_owned(),
    })
}

#[cfg(test)]
mod period_tests {
    use super::*;

    #[test]
    fn alerts_name_the_tightest_threshold_crossed() {
        assert_eq!(alert_threshold(120), None);
        assert_eq!(alert_threshold(90), Some(90));
        assert_eq!(alert_threshold(61), Some(90));
        assert_eq!(alert_threshold(45), Some(60));
        assert_eq!(alert_threshold(30), Some(30));
        assert_eq!(alert_threshold(0), Some(30));
        assert_eq!(
            alert_threshold(-1),
            None,
            "prescribed already: too late to alert"
        );
    }
    use chrono::{TimeZone, Utc};

    /// Part B.2 of the préfet issue: the prescription runs from the day of the facts in France
    /// (Europe/Paris): facts at 23:30 UTC on 23 November are facts of 24 November in Nanterre.
    #[test]
    fn prescription_runs_from_the_day_of_the_facts_in_france() {
        let late = Utc.with_ymd_and_hms(2026, 11, 23, 23, 30, 0).unwrap();
        let term = prescription(late, [(crate::Nature::Delit, "CP-433-5-AL1")]).unwrap();
        assert_eq!(
            term.date,
            chrono::NaiveDate::from_ymd_opt(2032, 11, 24).unwrap()
        );
        let contravention = prescription(late, [(crate::Nature::Contravention(2), "CP-R634-2")]);
        assert_eq!(
            contravention.unwrap().date,
            chrono::NaiveDate::from_ymd_opt(2027, 11, 24).unwrap()
        );
        // In summer Paris is UTC+2: 22:30 UTC on 30 June is already 1 July.
        let summer = Utc.with_ymd_and_hms(2026, 6, 30, 22, 30, 0).unwrap();
        let term = prescription(summer, [(crate::Nature::Delit, "x")]).unwrap();
        assert_eq!(
            term.date,
            chrono::NaiveDate::from_ymd_opt(2032, 7, 1).unwrap()
        );
    }

    #[test]
    fn facts_are_dated_between_1900_and_now() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap();
        let codes = |from, to| -> Vec<&'static str> {
            check_period(from, to, now).iter().map(|e| e.code).collect()
        };
        assert!(codes(at(2026, 11, 1), None).is_empty());
        assert!(codes(at(1900, 1, 1), Some(at(1900, 1, 2))).is_empty());
        assert_eq!(codes(at(1899, 12, 31), None), ["too_early"]);
        assert_eq!(codes(at(0, 1, 1), None), ["too_early"]);
        assert_eq!(codes(at(2027, 1, 1), None), ["in_the_future"]);
        assert_eq!(
            codes(at(2026, 11, 1), Some(at(9999, 1, 1))),
            ["in_the_future"]
        );
        assert_eq!(
            codes(at(2026, 11, 2), Some(at(2026, 11, 1))),
            ["before_start"]
        );
    }
}
