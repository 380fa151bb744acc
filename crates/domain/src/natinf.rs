//! Reading the official NATINF list (CSV, five columns: number, simplified qualification, nature,
//! defining articles, penalty articles). Pure parsing: every malformed row is reported with its line
//! number, and nothing is decided about storage here.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::offence::{NatinfNumber, Nature};

/// The ministry caps a simplified qualification at 210 characters.
pub const MAX_QUALIFICATION_CHARS: usize = 210;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatinfRow {
    pub line: u64,
    pub number: NatinfNumber,
    pub qualification: String,
    pub nature: Nature,
    pub defining_articles: String,
    pub penalty_articles: String,
}

/// A refused row: the line in the file (1-based, header included) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowError {
    #[schema(example = 12)]
    pub line: u64,
    /// Stable machine code: `wrong_column_count`, `invalid_utf8`, `invalid_number`, `empty_qualification`,
    /// `qualification_too_long`, `invalid_nature`, `duplicate_number`, `unreadable_csv`.
    #[schema(example = "invalid_nature")]
    pub code: String,
    #[schema(example = "unrecognised nature `Contravention de 6ème classe`")]
    pub message: String,
}

impl RowError {
    fn new(line: u64, code: &str, message: impl Into<String>) -> Self {
        debug_assert!(
            crate::field_codes::is_field_code(code),
            "field code `{code}` is not in vigie_domain::field_codes::FIELD_CODES"
        );
        Self {
            line,
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub rows: Vec<NatinfRow>,
    pub errors: Vec<RowError>,
}

/// The delimiter is the one of `;`, `,` or tab that the first line uses most (the ministry's files
/// use `;`; spreadsheets often re-save with `,`).
pub(crate) fn sniff_delimiter(data: &[u8]) -> u8 {
    let first_line = data.split(|b| *b == b'\n').next().unwrap_or_default();
    [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.iter().filter(|b| *b == d).count())
        .unwrap_or(b';')
}

/// Parses a NATINF CSV. A first row whose first column is not a number is a header and is skipped.
pub fn parse_csv(data: &[u8]) -> Parsed {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(data))
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut out = Parsed::default();
    let mut seen: HashMap<NatinfNumber, u64> = HashMap::new();
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                out.errors
                    .push(RowError::new(line, "unreadable_csv", e.to_string()));
                break;
            }
        }
        let line = record.position().map_or(line, csv::Position::line);
        let is_header = first
            && record
                .get(0)
                .is_some_and(|f| NatinfNumber::parse(&String::from_utf8_lossy(f)).is_err());
        first = false;
        if is_header || record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        match parse_record(line, &record) {
            Ok(row) => {
                if let Some(previous) = seen.insert(row.number, line) {
                    out.errors.push(RowError::new(
                        line,
                        "duplicate_number",
                        format!("NATINF {} already appears on line {previous}", row.number),
                    ));
                } else {
                    out.rows.push(row);
                }
            }
            Err(e) => out.errors.push(e),
        }
    }
    out
}

fn parse_record(line: u64, record: &csv::ByteRecord) -> Result<NatinfRow, RowError> {
    if record.len() != 5 {
        return Err(RowError::new(
            line,
            "wrong_column_count",
            format!(
                "expected 5 columns (number, qualification, nature, defining articles, penalty articles), found {}",
                record.len()
            ),
        ));
    }
    let mut fields = Vec::with_capacity(5);
    for (i, raw) in record.iter().enumerate() {
        let text = std::str::from_utf8(raw).map_err(|_| {
            RowError::new(
                line,
                "invalid_utf8",
                format!("column {} is not valid UTF-8", i + 1),
            )
        })?;
        if crate::has_nul(text) {
            return Err(RowError::new(
                line,
                "nul_character",
                format!("column {} contains the NUL character", i + 1),
            ));
        }
        fields.push(text.trim().to_owned());
    }
    let number = NatinfNumber::parse(&fields[0])
        .map_err(|e| RowError::new(line, "invalid_number", format!("`{}`: {e}", fields[0])))?;
    let qualification = fields[1].clone();
    if qualification.is_empty() {
        return Err(RowError::new(
            line,
            "empty_qualification",
            "the qualification is empty",
        ));
    }
    let chars = qualification.chars().count();
    if chars > MAX_QUALIFICATION_CHARS {
        return Err(RowError::new(
            line,
            "qualification_too_long",
            format!("the qualification has {chars} characters, at most {MAX_QUALIFICATION_CHARS}"),
        ));
    }
    let nature = Nature::parse_label(&fields[2])
        .map_err(|e| RowError::new(line, "invalid_nature", e.to_string()))?;
    Ok(NatinfRow {
        line,
        number,
        qualification,
        nature,
        defining_articles: fields[3].clone(),
        penalty_articles: fields[4].clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_a_semicolon_file_with_header_and_bom() {
        let csv = "\u{feff}NATINF;Qualification;Nature;Définie par;Réprimée par\n\
                   27145;MENACE CONTRE GARDIEN ASSERMENTE;Délit;ART.433-3 AL.1 C.PENAL;ART.433-3 AL.1 C.PENAL\n\
                   4;DEPOT D'ORDURES;Contravention de 4ème classe;ART.R.634-2 C.PENAL;ART.R.634-2 C.PENAL\n";
        let p = parse_csv(csv.as_bytes());
        assert_eq!(p.errors, vec![]);
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].number.get(), 27145);
        assert_eq!(p.rows[0].line, 2);
        assert_eq!(p.rows[1].nature, Nature::Contravention(4));
    }

    #[test]
    fn reads_a_comma_file_with_quotes_and_no_header() {
        let csv = "180,\"USAGE ILLICITE DE STUPEFIANTS, SIMPLE\",Délit,ART.L.3421-1 CSP,ART.L.3421-1 CSP\n";
        let p = parse_csv(csv.as_bytes());
        assert_eq!(p.errors, vec![]);
        assert_eq!(
            p.rows[0].qualification,
            "USAGE ILLICITE DE STUPEFIANTS, SIMPLE"
        );
    }

    #[test]
    fn every_malformed_row_is_reported_with_its_line() {
        let mut data = b"number;qualification;nature;defining;penalty\n".to_vec();
        data.extend_from_slice(b"1;OK;Delit;a;b\n"); // 2: fine
        data.extend_from_slice(b"abc;X;Delit;a;b\n"); // 3: bad number
        data.extend_from_slice(b"2;X;Delit;a\n"); // 4: 4 columns
        data.extend_from_slice(b"3;X;Contravention de 6e classe;a;b\n"); // 5: bad nature
        data.extend_from_slice(b"4;;Delit;a;b\n"); // 6: empty qualification
        data.extend_from_slice(b"5;\xff\xfe;Delit;a;b\n"); // 7: invalid UTF-8
        data.extend_from_slice(format!("6;{};Delit;a;b\n", "X".repeat(211)).as_bytes()); // 8: too long
        data.extend_from_slice(b"1;AGAIN;Delit;a;b\n"); // 9: duplicate of line 2
        data.extend_from_slice(b"\n"); // blank lines are skipped
        data.extend_from_slice(b"7;LAST;Crime;a;b\n"); // 11: fine
        let p = parse_csv(&data);
        let got: Vec<(u64, &str)> = p.errors.iter().map(|e| (e.line, e.code.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (3, "invalid_number"),
                (4, "wrong_column_count"),
                (5, "invalid_nature"),
                (6, "empty_qualification"),
                (7, "invalid_utf8"),
                (8, "qualification_too_long"),
                (9, "duplicate_number"),
            ]
        );
        assert_eq!(
            p.rows.iter().map(|r| r.number.get()).collect::<Vec<_>>(),
            vec![1, 7]
        );
    }

    #[test]
    fn a_210_character_qualification_is_accepted() {
        let data = format!("6;{};Delit;a;b\n", "É".repeat(210));
        assert!(parse_csv(data.as_bytes()).errors.is_empty());
    }

    #[test]
    fn empty_input_gives_nothing() {
        assert_eq!(parse_csv(b""), Parsed::default());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let p = parse_csv(&data);
            for e in &p.errors { prop_assert!(e.line >= 1); }
        }

        #[test]
        fn well_formed_rows_round_trip(rows in proptest::collection::btree_map(1u32..999_999, "[A-Z ]{1,50}", 1..20)) {
            let mut data = String::new();
            for (n, q) in &rows {
                data.push_str(&format!("{n};{q}x;Délit;ART 1;ART 2\n"));
            }
            let p = parse_csv(data.as_bytes());
            prop_assert!(p.errors.is_empty(), "{:?}", p.errors);
            prop_assert_eq!(p.rows.len(), rows.len());
        }
    }
}
