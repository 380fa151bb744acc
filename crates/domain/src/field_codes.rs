//! The codes of invalid fields (`errors[].code` of a 422, an import row's `code`, a NATINF line's
//! `code`): a closed set the contract lists as an enum, so that generated clients can match on
//! them. Every constructor of a field error checks its code against this list in debug builds:
//! the test suites (and the contract fuzzing, which runs a debug build) catch a new code left out.

/// Every field code, alphabetically.
pub const FIELD_CODES: &[&str] = &[
    "ban_too_long",
    "before_signature",
    "before_start",
    "code_charset",
    "credentials_in_url",
    "date_out_of_order",
    "duplicate",
    "duplicate_in_file",
    "duplicate_number",
    "email",
    "empty_qualification",
    "end_before_start",
    "in_the_future",
    "invalid",
    "invalid_body",
    "invalid_cursor",
    "invalid_date",
    "invalid_description",
    "invalid_insee_code",
    "invalid_name",
    "invalid_nature",
    "invalid_number",
    "invalid_ref",
    "invalid_roles",
    "invalid_row",
    "invalid_sha256",
    "invalid_url",
    "invalid_utf8",
    "invalid_version",
    "length",
    "login_charset",
    "missing_columns",
    "missing_role",
    "no_parquet",
    "no_profiling",
    "not_a_sworn_agent",
    "not_applicable",
    "not_in_force",
    "not_qualified",
    "nul_character",
    "out_of_range",
    "qualification_too_long",
    "range",
    "reference_required",
    "required",
    "same_person",
    "several_circonscriptions",
    "siren_checksum",
    "siren_length",
    "siren_not_digits",
    "target_not_allowed",
    "too_early",
    "too_long",
    "too_many",
    "unknown_agent",
    "unknown_bailleur",
    "unknown_category",
    "unknown_circonscription",
    "unknown_commune",
    "unknown_complaint",
    "unknown_event_type",
    "unknown_incident",
    "unknown_offence",
    "unknown_parquet",
    "unknown_person",
    "unknown_pv",
    "unknown_residence",
    "unknown_staff",
    "unreadable_csv",
    "unreadable_file",
    "witness_identity",
    "wrong_column_count",
    "wrong_organisation_kind",
];

/// Whether `code` is a field code.
pub fn is_field_code(code: &str) -> bool {
    FIELD_CODES.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_unique_so_that_lookups_find_every_code() {
        for w in FIELD_CODES.windows(2) {
            assert!(w[0] < w[1], "{} then {}", w[0], w[1]);
        }
        assert!(FIELD_CODES.iter().all(|c| is_field_code(c)));
        assert!(!is_field_code("made_up"));
    }
}
