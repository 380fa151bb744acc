//! The fixed wording of the printed documents (`reference/document-wording.json`): titles, opening
//! and closing formulas, banners. Data with its reliability, not literals in the renderers: a
//! lawyer's correction is a new version of the file.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

const SHIPPED: &str = include_str!("../../../reference/document-wording.json");

/// Every phrase the documents use; the shipped file must define each (unit test).
pub const KEYS: &[&str] = &[
    "pv_title",
    "pv_opening",
    "pv_closing",
    "pv_transmission_notice",
    "draft_banner",
    "void_banner",
    "complaint_letter_title",
    "complaint_letter_opening",
    "complaint_file_title",
    "complaint_damages",
    "complaint_domicile",
    "complaint_closing",
    "slip_title",
    "slip_acknowledgement",
    "signature",
    "page",
];

#[derive(Debug, Deserialize)]
pub struct Phrase {
    pub text: String,
    /// `verified`, `practice` or `unverified`.
    pub reliability: String,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
pub struct Wording {
    pub version: String,
    pub phrases: HashMap<String, Phrase>,
}

impl Wording {
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The text of a phrase (its key when the file lacks it, which the unit test forbids).
    pub fn text<'a>(&'a self, key: &'a str) -> &'a str {
        self.phrases.get(key).map_or(key, |p| p.text.as_str())
    }
}

/// The wording compiled into this build.
pub fn shipped() -> &'static Wording {
    static W: OnceLock<Wording> = OnceLock::new();
    W.get_or_init(|| Wording::parse(SHIPPED).expect("reference/document-wording.json is valid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_defines_every_phrase_with_its_reliability() {
        let w = shipped();
        assert!(!w.version.is_empty());
        for key in KEYS {
            let p = w
                .phrases
                .get(*key)
                .unwrap_or_else(|| panic!("missing phrase {key}"));
            assert!(!p.text.trim().is_empty(), "{key}");
            assert!(
                ["verified", "practice", "unverified"].contains(&p.reliability.as_str()),
                "{key}: {}",
                p.reliability
            );
        }
        assert_eq!(w.text("pv_title"), "Procès-verbal de constatation");
    }
}
