//! Bulk import of incidents (CSV or NDJSON): reading the file, one row at a time, into checked rows
//! or per-row errors (line, field, code, message). What needs the database (residences, offences,
//! existing incidents) is checked by the caller with [`Row`]s that passed these rules.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::incident::Category;

/// The CSV columns, in any order; `;` or `,` separated, UTF-8, a header line first.
pub const CSV_COLUMNS: [&str; 10] = [
    "external_ref",
    "residence_ref",
    "occurred_at",
    "ended_at",
    "category",
    "narrative",
    "building",
    "entrance",
    "common_part",
    "offence_codes",
];
/// Columns a file must have (the others may be absent or empty).
pub const REQUIRED_COLUMNS: [&str; 5] = [
    "external_ref",
    "residence_ref",
    "occurred_at",
    "category",
    "narrative",
];

/// One incident of an import, as the file gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// The bailleur's reference: re-importing it updates (or leaves unchanged) the same incident.
    pub external_ref: String,
    /// The residence's `external_ref` (as synced with `PUT /residences/by-ref/{ref}`).
    pub residence_ref: String,
    #[serde(with = "crate::timestamp")]
    pub occurred_at: DateTime<Utc>,
    #[serde(default)]
    #[serde(with = "crate::timestamp::option")]
    pub ended_at: Option<DateTime<Utc>>,
    pub category: Category,
    pub narrative: String,
    #[serde(default)]
    pub building: Option<String>,
    #[serde(default)]
    pub entrance: Option<String>,
    #[serde(default)]
    pub common_part: Option<String>,
    /// Catalogue codes (CSV: separated by `|`).
    #[serde(default)]
    pub offence_codes: Vec<String>,
}

impl Row {
    /// The incident this row creates, in the residence `residence_id` (resolved from its reference).
    pub fn content(&self, residence_id: String) -> crate::incident::NewIncident {
        crate::incident::NewIncident {
            residence_id,
            building: self.building.clone(),
            entrance: self.entrance.clone(),
            common_part: self.common_part.clone(),
            occurred_at: self.occurred_at,
            ended_at: self.ended_at,
            reported_at: None,
            category: self.category,
            narrative: self.narrative.clone(),
            victims: vec![],
            persons: vec![],
            witnesses: vec![],
            evidence: vec![],
            external_ref: Some(self.external_ref.clone()),
            share_with_police: false,
            offence_codes: self.offence_codes.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub code: String,
    pub message: String,
}

impl RowError {
    /// A row refused by a rule on one of its fields: `code` is a field code.
    pub fn new(line: u64, field: &str, code: &str, message: impl Into<String>) -> Self {
        debug_assert!(
            crate::field_codes::is_field_code(code),
            "field code `{code}` is not in vigie_domain::field_codes::FIELD_CODES"
        );
        Self::refused(line, field, code, message)
    }

    /// A row its use case refused as a whole: `code` is the refusal's problem code
    /// (`external_ref_conflict`, `forbidden`...).
    pub fn refused(line: u64, field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            line,
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Ndjson,
}

/// A file that cannot be read at all (no header, a required column missing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty")]
    Empty,
    #[error(
        "the header lacks the column `{0}` (columns: external_ref, residence_ref, occurred_at, category, narrative; optional: ended_at, building, entrance, common_part, offence_codes)"
    )]
    MissingColumn(&'static str),
    #[error("unknown column `{0}`")]
    UnknownColumn(String),
}

/// Rows that passed the file's rules, with their line, and the errors of the others.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<(u64, Row)>,
    pub errors: Vec<RowError>,
    /// Data lines read (valid or not).
    pub total: u64,
}

impl Parsed {
    fn push(&mut self, line: u64, r: Result<Row, RowError>, seen: &mut HashMap<String, u64>) {
        self.total += 1;
        let row = match r.and_then(|row| check(line, row)) {
            Ok(row) => row,
            Err(e) => return self.errors.push(e),
        };
        if let Some(first) = seen.insert(row.external_ref.clone(), line) {
            return self.errors.push(RowError::new(
                line,
                "external_ref",
                "duplicate_in_file",
                format!(
                    "external_ref `{}` is already on line {first}",
                    row.external_ref
                ),
            ));
        }
        self.rows.push((line, row));
    }
}

fn text(line: u64, field: &str, v: &str, max: usize) -> Result<(), RowError> {
    if v.chars().count() > max {
        return Err(RowError::new(
            line,
            field,
            "too_long",
            format!("at most {max} characters"),
        ));
    }
    Ok(())
}

/// The rules a row follows whatever the database holds.
fn check(line: u64, mut row: Row) -> Result<Row, RowError> {
    row.external_ref = row.external_ref.trim().to_owned();
    if row.external_ref.is_empty() {
        return Err(RowError::new(line, "external_ref", "required", "required"));
    }
    text(line, "external_ref", &row.external_ref, 100)?;
    for (field, value) in [
        ("external_ref", &row.external_ref),
        ("residence_ref", &row.residence_ref),
    ] {
        if crate::has_nul(value) {
            return Err(RowError::new(
                line,
                field,
                "nul_character",
                "text cannot contain the NUL character (U+0000)",
            ));
        }
    }
    if row.residence_ref.trim().is_empty() {
        return Err(RowError::new(line, "residence_ref", "required", "required"));
    }
    text(line, "residence_ref", &row.residence_ref, 100)?;
    // The incident's own rules, the same as `POST /incidents` applies.
    if let Some(e) = crate::incident::check_new(&row.content(String::new()), Utc::now())
        .into_iter()
        .next()
    {
        return Err(RowError::new(line, &e.field, e.code, e.message));
    }
    if row.offence_codes.len() > 20 {
        return Err(RowError::new(
            line,
            "offence_codes",
            "too_many",
            "at most 20",
        ));
    }
    let mut codes = row.offence_codes.clone();
    codes.sort();
    codes.dedup();
    if codes.len() != row.offence_codes.len() {
        return Err(RowError::new(
            line,
            "offence_codes",
            "duplicate",
            "a code is listed twice",
        ));
    }
    Ok(row)
}

fn date(line: u64, field: &str, v: &str) -> Result<DateTime<Utc>, RowError> {
    DateTime::parse_from_rfc3339(v.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            RowError::new(
                line,
                field,
                "invalid_date",
                format!("`{v}` is not an RFC 3339 date-time, e.g. 2026-11-27T21:40:00Z"),
            )
        })
}

/// Reads a CSV file: header first, `;` or `,`.
pub fn parse_csv(data: &[u8]) -> Result<Parsed, FileError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(crate::natinf::sniff_delimiter(data))
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut record = csv::ByteRecord::new();
    let header: Vec<String> = match reader.read_byte_record(&mut record) {
        Ok(true) => record
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase())
            .collect(),
        _ => return Err(FileError::Empty),
    };
    for h in &header {
        if !CSV_COLUMNS.contains(&h.as_str()) {
            return Err(FileError::UnknownColumn(h.clone()));
        }
    }
    for c in REQUIRED_COLUMNS {
        if !header.iter().any(|h| h == c) {
            return Err(FileError::MissingColumn(c));
        }
    }
    let mut out = Parsed::default();
    let mut seen = HashMap::new();
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                out.total += 1;
                out.errors
                    .push(RowError::new(line, "", "unreadable_csv", e.to_string()));
                break;
            }
        }
        let line = record.position().map_or(line, csv::Position::line);
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let row = csv_row(line, &header, &record);
        out.push(line, row, &mut seen);
    }
    Ok(out)
}

fn csv_row(line: u64, header: &[String], record: &csv::ByteRecord) -> Result<Row, RowError> {
    if record.len() != header.len() {
        return Err(RowError::new(
            line,
            "",
            "missing_columns",
            format!("expected {} columns, found {}", header.len(), record.len()),
        ));
    }
    let mut get: HashMap<&str, &str> = HashMap::new();
    for (name, raw) in header.iter().zip(record.iter()) {
        let v = std::str::from_utf8(raw).map_err(|_| {
            RowError::new(line, name, "invalid_utf8", "the value is not valid UTF-8")
        })?;
        get.insert(name.as_str(), v);
    }
    let opt = |k: &str| {
        get.get(k)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let req = |k: &str| get.get(k).copied().unwrap_or_default();
    let category = Category::parse(req("category").trim()).ok_or_else(|| {
        RowError::new(
            line,
            "category",
            "unknown_category",
            format!("`{}` is not a category", req("category")),
        )
    })?;
    Ok(Row {
        external_ref: req("external_ref").to_owned(),
        residence_ref: req("residence_ref").trim().to_owned(),
        occurred_at: date(line, "occurred_at", req("occurred_at"))?,
        ended_at: opt("ended_at")
            .map(|v| date(line, "ended_at", &v))
            .transpose()?,
        category,
        narrative: req("narrative").to_owned(),
        building: opt("building"),
        entrance: opt("entrance"),
        common_part: opt("common_part"),
        offence_codes: opt("offence_codes")
            .map(|v| {
                v.split('|')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Reads an NDJSON file: one JSON object per line (the fields of [`Row`]).
pub fn parse_ndjson(data: &[u8]) -> Result<Parsed, FileError> {
    let mut out = Parsed::default();
    let mut seen = HashMap::new();
    for (i, raw) in data.split(|b| *b == b'\n').enumerate() {
        let line = i as u64 + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let row = match std::str::from_utf8(raw) {
            Err(_) => Err(RowError::new(
                line,
                "",
                "invalid_utf8",
                "the line is not valid UTF-8",
            )),
            Ok(text) => serde_json::from_str::<Row>(text).map_err(|e| {
                let field = e
                    .to_string()
                    .split('`')
                    .nth(1)
                    .filter(|f| CSV_COLUMNS.contains(f))
                    .unwrap_or_default()
                    .to_owned();
                let code = if e.to_string().starts_with("missing field") {
                    "missing_columns"
                } else {
                    "invalid_row"
                };
                RowError::new(line, &field, code, e.to_string())
            }),
        };
        out.push(line, row, &mut seen);
    }
    if out.total == 0 {
        return Err(FileError::Empty);
    }
    Ok(out)
}

/// A stable digest of a row's content: an import of the same row again changes nothing.
#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "external_ref;residence_ref;occurred_at;category;narrative;offence_codes\n";

    #[test]
    fn a_csv_with_good_and_bad_rows_reports_each_bad_one() {
        let mut data = HEADER.as_bytes().to_vec();
        data.extend_from_slice(b"E1;R1;2026-11-01T10:00:00Z;dumping;Sacs;CP-R634-2|CP-R635-8\n");
        data.extend_from_slice(b"E2;R1;01/11/2026;dumping;Sacs;\n");
        data.extend_from_slice(b"E3;R1;2026-11-01T10:00:00Z;nope;Sacs;\n");
        data.extend_from_slice(b"E4;R1;2026-11-01T10:00:00Z;dumping\n");
        data.extend_from_slice(b"E5;R1;2026-11-01T10:00:00Z;dumping;Sac \xff;\n");
        data.extend_from_slice(b"E1;R1;2026-11-01T10:00:00Z;dumping;Encore;\n");
        data.extend_from_slice(b"E7;R1;2026-11-01T10:00:00Z;dumping;;\n");
        let p = parse_csv(&data).unwrap();
        assert_eq!(p.total, 7);
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].1.offence_codes, vec!["CP-R634-2", "CP-R635-8"]);
        let codes: Vec<(u64, &str, &str)> = p
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            vec![
                (3, "occurred_at", "invalid_date"),
                (4, "category", "unknown_category"),
                (5, "", "missing_columns"),
                (6, "narrative", "invalid_utf8"),
                (7, "external_ref", "duplicate_in_file"),
                (8, "narrative", "required"),
            ]
        );
    }

    #[test]
    fn a_header_without_a_required_column_refuses_the_file() {
        assert_eq!(
            parse_csv(b"external_ref,occurred_at,category,narrative\n").unwrap_err(),
            FileError::MissingColumn("residence_ref")
        );
        assert_eq!(parse_csv(b"").unwrap_err(), FileError::Empty);
        assert!(matches!(
            parse_csv(b"external_ref;residence_ref;occurred_at;category;narrative;colour\n"),
            Err(FileError::UnknownColumn(_))
        ));
    }

    #[test]
    fn ndjson_rows_are_checked_like_csv_rows() {
        let data = b"{\"external_ref\":\"E1\",\"residence_ref\":\"R1\",\"occurred_at\":\"2026-11-01T10:00:00Z\",\"category\":\"dumping\",\"narrative\":\"Sacs\"}\n\
{\"external_ref\":\"E2\",\"residence_ref\":\"R1\",\"category\":\"dumping\",\"narrative\":\"Sacs\"}\n\
\xff\xfe\n\
{\"external_ref\":\"E3\",\"residence_ref\":\"R1\",\"occurred_at\":\"2026-11-01T10:00:00Z\",\"ended_at\":\"2026-10-01T10:00:00Z\",\"category\":\"dumping\",\"narrative\":\"Sacs\"}\n";
        let p = parse_ndjson(data).unwrap();
        assert_eq!(p.rows.len(), 1);
        let codes: Vec<(u64, &str)> = p.errors.iter().map(|e| (e.line, e.code.as_str())).collect();
        assert_eq!(
            codes,
            vec![
                (2, "missing_columns"),
                (3, "invalid_utf8"),
                (4, "before_start")
            ]
        );
        assert_eq!(p.errors[0].field, "occurred_at");
    }

    #[test]
    fn the_digest_changes_with_the_content_only() {
        let p = parse_csv(b"external_ref;residence_ref;occurred_at;category;narrative\nE1;R1;2026-11-01T10:00:00Z;dumping;Sacs\n").unwrap();
        let mut row = p.rows[0].1.clone();
        let d = row.content("R".into()).fingerprint();
        assert_eq!(d, row.clone().content("R".into()).fingerprint());
        row.narrative.push('!');
        assert_ne!(d, row.content("R".into()).fingerprint());
    }
}
