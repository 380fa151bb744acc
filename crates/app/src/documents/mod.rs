//! The documents people sign, send and file, as content: what each says, in order, with its
//! reference and the banner it carries on every page. The HTTP crate renders the same content as
//! HTML and as PDF, so both always say the same thing. Each document is built by a use case that
//! reads its record through the record's own visibility (a record you may not read is a 404).

mod complaint;
mod pv;
mod slip;

use serde::Serialize;
use vigie_domain::incident::{Evidence, PersonInvolved, Witness};

pub use complaint::complaint_document;
pub use pv::pv_document;
pub use slip::slip_document;

/// A printable document.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Printed on every page beside the page number (e.g. `PV n° 2026-000042, révision 1`).
    pub reference: String,
    pub title: String,
    /// A warning printed on every page: a draft, a void PV.
    pub banner: Option<String>,
    pub sections: Vec<Section>,
    /// The version of `reference/document-wording.json` the fixed wording comes from.
    pub wording_version: String,
    /// A short file name, without extension.
    pub file_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Serialize)]
pub enum Block {
    Paragraph(String),
    /// Label and value pairs.
    Fields(Vec<(String, String)>),
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A place to sign: the lines above the signature space.
    Signature(Vec<String>),
}

impl Section {
    fn new(heading: impl Into<String>) -> Self {
        Self {
            heading: heading.into(),
            blocks: vec![],
        }
    }

    fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    fn fields<K: Into<String>, V: Into<String>>(
        mut self,
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.blocks.push(Block::Fields(
            fields
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ));
        self
    }

    /// A table, or the sentence `none` when it has no row (an empty table says nothing on paper).
    fn table(mut self, columns: &[&str], rows: Vec<Vec<String>>, none: &str) -> Self {
        if rows.is_empty() {
            self.blocks.push(Block::Paragraph(none.to_owned()));
        } else {
            self.blocks.push(Block::Table {
                columns: columns.iter().map(|c| (*c).to_owned()).collect(),
                rows,
            });
        }
        self
    }
}

fn person(p: &PersonInvolved) -> String {
    match p {
        PersonInvolved::Identified { name } => name.clone(),
        PersonInvolved::Described { description } => format!("non identifié : {description}"),
        PersonInvolved::Unknown => "inconnu".to_owned(),
    }
}

fn witness_rows(witnesses: &[Witness]) -> Vec<Vec<String>> {
    witnesses
        .iter()
        .map(|w| {
            vec![
                w.name
                    .clone()
                    .or_else(|| w.staff_id.as_ref().map(|s| format!("salarié {s}")))
                    .unwrap_or_default(),
                w.contact.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

fn evidence_rows(evidence: &[Evidence]) -> Vec<Vec<String>> {
    evidence
        .iter()
        .map(|e| {
            let kind = serde_json::to_value(e.type_)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let reference = match (&e.url, &e.sha256) {
                (Some(u), Some(h)) => format!("{u} (SHA-256 {h})"),
                (Some(u), None) => u.clone(),
                (None, Some(h)) => format!("SHA-256 {h}"),
                (None, None) => String::new(),
            };
            vec![kind, e.description.clone().unwrap_or_default(), reference]
        })
        .collect()
}

/// A file name made of the reference's letters and digits.
fn file_name(prefix: &str, reference: &str) -> String {
    let clean: String = reference
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{prefix}-{}", clean.trim_matches('-'))
}
