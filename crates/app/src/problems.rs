//! The catalogue of problem codes: every `code` a refusal can carry, what it means and how a client
//! gets past it. The contract lists these codes as an enum, and each problem's `type` URI resolves
//! to the page made from its entry (`/problems/{code}`), so the explanation lives beside the code
//! rather than in a wiki that drifts.
//!
//! A code used anywhere without an entry here fails the debug build's tests (see
//! [`AppError::new`](crate::AppError::new)) and the source scan of this module's tests.

/// One problem type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemType {
    /// The stable machine code (the last segment of the `type` URI).
    pub code: &'static str,
    /// The statuses it comes with.
    pub statuses: &'static [u16],
    /// What happened.
    pub meaning: &'static str,
    /// What the client can do about it.
    pub fix: &'static str,
}

const fn p(
    code: &'static str,
    statuses: &'static [u16],
    meaning: &'static str,
    fix: &'static str,
) -> ProblemType {
    ProblemType {
        code,
        statuses,
        meaning,
        fix,
    }
}

/// Every problem code, alphabetically.
pub const CATALOGUE: &[ProblemType] = &[
    p(
        "afd_not_available",
        &[409, 422],
        "An amende forfaitaire délictuelle is not available for the offences of this complaint.",
        "Record another orientation; the AFD applies only to the délits the law lists.",
    ),
    p(
        "agent_file_exists",
        &[409],
        "This person already has a sworn-agent file.",
        "Read the existing file (GET /api/v1/sworn-agents) and record events on it.",
    ),
    p(
        "agent_not_active",
        &[422],
        "The sworn agent has no agrément and oath in force on the day of the finding.",
        "Check the agent's file: agrément dates, oath, suspension. A PV by an agent not in force is void.",
    ),
    p(
        "agent_withdrawn",
        &[409, 422],
        "The agent's agrément was withdrawn: the file takes no further steps.",
        "Open a new agrément request if the agent is to be sworn again.",
    ),
    p(
        "agrement_too_long",
        &[409, 422],
        "The agrément would last longer than the law allows (reference data gives the maximum).",
        "Set an end date within the legal maximum.",
    ),
    p(
        "already_acknowledged",
        &[409],
        "Receipt of this record was already acknowledged by your organisation.",
        "Nothing to do: the first acknowledgement stands. Read the record to see it.",
    ),
    p(
        "already_suspended",
        &[409, 422],
        "The agrément is already suspended.",
        "Record the end of the current suspension before a new one.",
    ),
    p(
        "app_excluded_for_violences",
        &[409, 422],
        "An alternative to prosecution is excluded for these violences.",
        "Choose another orientation for the complaint.",
    ),
    p(
        "app_requires_reparation",
        &[409, 422],
        "This alternative to prosecution requires the victim's reparation to be recorded.",
        "Record the reparation with the measure.",
    ),
    p(
        "ban_too_long",
        &[409, 422],
        "The ban would last longer than the law allows.",
        "Shorten it to the legal maximum.",
    ),
    p(
        "circonscription_exists",
        &[409],
        "A circonscription with this code already exists.",
        "Use another code, or read the existing circonscription.",
    ),
    p(
        "complaint_incomplete",
        &[409, 422],
        "The complaint lacks what it needs before it can be filed (victim, facts, offences).",
        "Complete the draft, then file it.",
    ),
    p(
        "composition_penale_excluded",
        &[409, 422],
        "A composition pénale is excluded: an offence of the complaint carries more than five years' imprisonment.",
        "Choose another orientation (art. 41-2 CPP).",
    ),
    p(
        "conflict",
        &[409],
        "A record with the same unique value already exists.",
        "Read the existing record, or change the value that collides.",
    ),
    p(
        "database_unavailable",
        &[503],
        "The database did not answer in time.",
        "Retry after the `Retry-After` delay; nothing was written.",
    ),
    p(
        "date_out_of_order",
        &[409, 422],
        "A date comes before a date it must follow (or lies in the future).",
        "Check the dates of the step against those already recorded.",
    ),
    p(
        "declared_in_the_future",
        &[409, 422],
        "A declaration is dated in the future.",
        "Give the day it was actually made (local date in France).",
    ),
    p(
        "designation_ended",
        &[409],
        "The designation already ends on or before that day.",
        "Read it: nothing to end. Designate a successor if the post needs one.",
    ),
    p(
        "designation_not_latest",
        &[409],
        "Another designation was recorded for this post in the meantime.",
        "Read the current designations and try again.",
    ),
    p(
        "end_before_start",
        &[409, 422],
        "The end date is before the start date.",
        "Swap or correct the dates.",
    ),
    p(
        "external_ref_conflict",
        &[409],
        "An incident with this `external_ref` exists with different content.",
        "PATCH the existing incident (GET it by `external_ref`) instead of posting it again.",
    ),
    p(
        "external_ref_taken",
        &[409],
        "Another record of your organisation already uses this `external_ref`.",
        "Use the ERP's own unique reference.",
    ),
    p(
        "forbidden",
        &[403],
        "Your role does not allow this action.",
        "Ask your organisation's correspondent for the role, or use the account that holds it.",
    ),
    p(
        "hearing_required",
        &[409, 422],
        "A refusal or withdrawal of agrément needs the agent to have been heard first.",
        "Record the hearing, then the decision.",
    ),
    p(
        "hold_released",
        &[409],
        "This legal hold was already released.",
        "Read the record's holds (GET /legal-holds?record_id=...); place a new hold if it must be kept again.",
    ),
    p(
        "http_error",
        &[400, 406, 408, 411, 414, 431],
        "The HTTP layer refused the request before any operation read it.",
        "Check the request line and headers; `detail` names the status.",
    ),
    p(
        "idempotency_key_reused",
        &[422],
        "This `Idempotency-Key` was used for a different request.",
        "Use a new key for each distinct request; reuse a key only to retry the same one.",
    ),
    p(
        "internal_error",
        &[500],
        "An unexpected error occurred; it was logged with the request id.",
        "Retry later; if it persists, give the operator the `instance` of the problem.",
    ),
    p(
        "invalid_client",
        &[401],
        "The client credentials are wrong (OAuth2).",
        "Check the client id and secret; a rotated secret replaces the old one.",
    ),
    p(
        "invalid_grant",
        &[400],
        "The login or password is wrong, or the account is inactive (OAuth2).",
        "Check the credentials; after repeated failures the account is locked for a while.",
    ),
    p(
        "invalid_idempotency_key",
        &[400],
        "The `Idempotency-Key` header is empty, too long or not visible ASCII.",
        "Send 1 to 255 visible ASCII characters, a UUID for instance.",
    ),
    p(
        "invalid_purpose",
        &[400],
        "The `Vigie-Purpose` header names no purpose of the closed list.",
        "Send one of: investigation, prosecution, complaint_follow_up, victim_support, audit, data_subject_request, case_management.",
    ),
    p(
        "invalid_query",
        &[400],
        "A query parameter cannot be read (wrong type or format).",
        "Check the parameter against the contract.",
    ),
    p(
        "invalid_request",
        &[400],
        "The request cannot be read as the operation expects.",
        "Read `detail` for the part at fault.",
    ),
    p(
        "invalid_token",
        &[401],
        "The bearer token is expired, revoked, malformed or not issued for this API.",
        "Get a new token from POST /api/v1/auth/token.",
    ),
    p(
        "login_locked",
        &[429],
        "Too many failed logins: the account is locked for a while.",
        "Wait for the `Retry-After` delay; the lock doubles with each new run of failures.",
    ),
    p(
        "login_taken",
        &[409],
        "This login is already used.",
        "Choose another login.",
    ),
    p(
        "malformed_json",
        &[400],
        "The body is not valid JSON.",
        "Send a JSON document matching the operation's schema.",
    ),
    p(
        "mapping_not_latest",
        &[409],
        "A commune's mapping can only be replaced from its latest version.",
        "Read the current mappings and open the new one after the latest.",
    ),
    p(
        "method_not_allowed",
        &[405],
        "The path exists but does not answer this method.",
        "Use one of the methods the `Allow` header lists.",
    ),
    p(
        "missing_token",
        &[401],
        "The operation needs a bearer token.",
        "Send `Authorization: Bearer <token>` (POST /api/v1/auth/token issues one).",
    ),
    p(
        "natinf_rows_rejected",
        &[422],
        "Some lines of the NATINF file are malformed: nothing was imported; `errors` lists each line.",
        "Correct the lines, or send `skip_invalid=true` to import the valid ones.",
    ),
    p(
        "next_step_required",
        &[409, 422],
        "The procedure cannot close before its next step is recorded.",
        "Record the step the `allowed` list names.",
    ),
    p(
        "no_pending_request",
        &[409, 422],
        "There is no pending agrément request to decide.",
        "Record a request first.",
    ),
    p(
        "not_acceptable",
        &[406],
        "The document is not available in any representation the `Accept` header allows.",
        "Ask for `text/html` or `application/pdf` (or leave `Accept` out for HTML).",
    ),
    p(
        "not_found",
        &[404],
        "No such resource, or one you may not see (Vigie does not reveal which).",
        "Check the id and that the record belongs to, or was shared with, your organisation.",
    ),
    p(
        "not_on_tadpr_track",
        &[409, 422],
        "This step belongs to the TADPR track, which the complaint is not on.",
        "Orient the complaint to the TADPR track first, if it is eligible.",
    ),
    p(
        "not_personally_observed",
        &[422],
        "A PV records only what its author observed personally.",
        "Set `personally_observed` to true, or record the facts as an incident instead.",
    ),
    p(
        "not_suspended",
        &[409, 422],
        "The agrément is not suspended.",
        "Nothing to lift.",
    ),
    p(
        "not_tadpr_eligible",
        &[409, 422],
        "The complaint's offences are not eligible for the TADPR track.",
        "Choose another orientation.",
    ),
    p(
        "nul_character",
        &[400],
        "The request contains a NUL character.",
        "Remove it: no text field accepts one.",
    ),
    p(
        "oath_before_agrement",
        &[409, 422],
        "The oath is dated before the agrément.",
        "Record the agrément first, then the oath on or after its date.",
    ),
    p(
        "offence_not_requested",
        &[409, 422],
        "The agrément grants an offence the request did not ask for.",
        "Grant only offences of the request.",
    ),
    p(
        "offence_outside_agrement",
        &[422],
        "The PV records an offence the agent's agrément does not cover.",
        "Record only offences of the agrément.",
    ),
    p(
        "offence_outside_commission",
        &[409, 422],
        "The offence is outside what the agent's commission covers.",
        "Record only offences within the commission.",
    ),
    p(
        "offence_required",
        &[422],
        "A PV records at least one offence.",
        "Add the offence's NATINF code.",
    ),
    p(
        "payload_too_large",
        &[413],
        "The body is larger than this operation accepts.",
        "Send less at once: split an import, or shorten the texts.",
    ),
    p(
        "place_outside_commission",
        &[422],
        "The place of the finding is outside the properties the agent guards.",
        "Check the residence; an agent has no power outside the properties of the commission.",
    ),
    p(
        "precondition_failed",
        &[412],
        "The record changed since you read it (`If-Match` does not match its `ETag`).",
        "Read it again, reapply your change, and send the new `ETag`.",
    ),
    p(
        "purpose_required",
        &[400],
        "A partner reads a bailleur's personal offence data only for a stated purpose, which the access journal records.",
        "Send `Vigie-Purpose` with the purpose of the read (investigation, prosecution, complaint_follow_up...).",
    ),
    p(
        "pv_already_transmitted",
        &[409],
        "The PV was already transmitted.",
        "Nothing to do; a correction is a new revision.",
    ),
    p(
        "pv_immutable",
        &[409],
        "A signed PV cannot be changed.",
        "Draw up a correcting revision (POST /api/v1/pvs/{id}/corrections).",
    ),
    p(
        "pv_not_signed",
        &[409],
        "Only a signed PV can be transmitted.",
        "Sign the PV first.",
    ),
    p(
        "pv_superseded",
        &[409],
        "A later revision replaced this PV.",
        "Act on the latest revision.",
    ),
    p(
        "qualification_required",
        &[409],
        "The incident needs its legal qualification before this transition.",
        "PUT its qualifications first.",
    ),
    p(
        "rate_limited",
        &[429],
        "Too many requests in a short time.",
        "Wait for the `Retry-After` delay; the `RateLimit` header tells what is left.",
    ),
    p(
        "record_anonymised",
        &[409],
        "The record was anonymised at the end of its retention: it no longer names anyone, and nothing is left to hold or export.",
        "Read its retention (the `retention` of the record's page) for the basis and the day it ended.",
    ),
    p(
        "regime_b_contraventions_only",
        &[409, 422],
        "An agent of this regime records contraventions only.",
        "Leave délits to the police (or a complaint).",
    ),
    p(
        "renewal_before_previous",
        &[409, 422],
        "A renewal starts before the previous agrément.",
        "Date the renewal after the agrément it renews.",
    ),
    p(
        "request_pending",
        &[409, 422],
        "An agrément request is already pending.",
        "Wait for the préfecture's decision on it.",
    ),
    p(
        "required",
        &[409, 422],
        "A value the step needs is missing or empty.",
        "Give it; `detail` names it.",
    ),
    p(
        "siren_taken",
        &[409],
        "An organisation with this SIREN already exists.",
        "Read the existing organisation.",
    ),
    p(
        "substitution_not_open",
        &[409, 422],
        "The préfet's substitution is not open on this injunction yet.",
        "Wait for the injunction's deadline to pass without compliance.",
    ),
    p(
        "tadpr_step_out_of_order",
        &[409, 422],
        "The TADPR track's steps come in order.",
        "Record the step the `allowed` list names.",
    ),
    p(
        "transition_not_allowed",
        &[409],
        "The record's state does not allow this step, or your organisation does not own it.",
        "The `allowed` list gives the steps possible from the current state.",
    ),
    p(
        "transmission_mode_not_allowed",
        &[422],
        "This PV goes to the parquet by another mode.",
        "Use the mode `detail` names.",
    ),
    p(
        "unknown_route",
        &[404],
        "No operation answers at this path.",
        "Check the path against the contract (GET /openapi.json); operations live under /api/v1.",
    ),
    p(
        "unreadable_body",
        &[400],
        "The body could not be read (interrupted, or in the wrong encoding).",
        "Send the body again, in UTF-8.",
    ),
    p(
        "unsupported_grant_type",
        &[400],
        "This grant type is not supported (OAuth2).",
        "Use `password` or `client_credentials`.",
    ),
    p(
        "unsupported_media_type",
        &[415],
        "The body's `Content-Type` is not one the operation reads.",
        "Send `application/json` (or the type the operation names).",
    ),
    p(
        "validation_failed",
        &[422],
        "Some fields are invalid; `errors` lists each with its own code.",
        "Correct each field listed.",
    ),
];

/// The entry of a code.
pub fn find(code: &str) -> Option<&'static ProblemType> {
    CATALOGUE
        .binary_search_by(|p| p.code.cmp(code))
        .ok()
        .map(|i| &CATALOGUE[i])
}

/// Every code, for the contract's enum.
pub fn codes() -> impl Iterator<Item = &'static str> {
    CATALOGUE.iter().map(|p| p.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_unique_so_that_lookups_find_every_code() {
        for w in CATALOGUE.windows(2) {
            assert!(w[0].code < w[1].code, "{} then {}", w[0].code, w[1].code);
        }
        for p in CATALOGUE {
            assert_eq!(find(p.code), Some(p));
            assert!(!p.statuses.is_empty() && !p.meaning.is_empty() && !p.fix.is_empty());
        }
        assert_eq!(find("no_such_code"), None);
    }

    /// Every code literal the workspace passes to a refusal, or returns from a domain error's
    /// `code()`, has an entry: a new code without one fails here before it reaches a client.
    #[test]
    fn every_code_in_the_sources_is_catalogued() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let constructor = regex::Regex::new(
            r#"(?s)(?:AppError|ApiError|Self)::(?:bad_request|unauthorized|conflict|unprocessable|too_many|new)\(\s*(?:[A-Za-z_:]+,\s*)?"([a-z][a-z0-9_]*)""#,
        )
        .expect("regex");
        let arm = regex::Regex::new(r#"=> "([a-z][a-z0-9_]*)",?"#).expect("regex");
        // A refusal whose code is set after it is made (`err.code = "..."`).
        let assigned = regex::Regex::new(r#"\.code = "([a-z][a-z0-9_]*)";"#).expect("regex");
        let mut missing = vec![];
        let mut seen = 0;
        for crate_dir in ["domain", "app", "api", "server"] {
            for entry in walk(&root.join(crate_dir).join("src")) {
                let text = std::fs::read_to_string(&entry).expect("source");
                let mut found: Vec<String> = constructor
                    .captures_iter(&text)
                    .chain(assigned.captures_iter(&text))
                    .map(|c| c[1].to_owned())
                    .collect();
                // Domain errors whose codes become problem codes.
                for block in text.split("pub fn code(").skip(1) {
                    let body = block.split("\n    }\n").next().unwrap_or("");
                    if [
                        "PvRuleError",
                        "PvStateError",
                        "ComplaintError",
                        "InjunctionError",
                        "FileError",
                    ]
                    .iter()
                    .any(|ty| text.contains(&format!("impl {ty} {{")))
                    {
                        found.extend(arm.captures_iter(body).map(|c| c[1].to_owned()));
                    }
                }
                for code in found {
                    seen += 1;
                    if find(&code).is_none() {
                        missing.push(format!("{code} ({})", entry.display()));
                    }
                }
            }
        }
        assert!(
            seen > 40,
            "the scan found only {seen} codes: is it still reading the sources?"
        );
        assert!(
            missing.is_empty(),
            "codes without a catalogue entry: {missing:?}"
        );
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = vec![];
        for e in std::fs::read_dir(dir).expect("dir").flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
        out
    }
}
