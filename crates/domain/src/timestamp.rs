//! One precision for every timestamp on the wire: RFC 3339 in UTC with exactly six fractional
//! digits (`2026-11-28T08:05:00.000000Z`), the precision both databases store. chrono's own format
//! drops trailing zeros, so the same instant would read `08:05:00Z` in one answer and
//! `08:05:00.120Z` in another, which breaks clients that compare or sort them as text.
//! Use with `#[serde(with = "vigie_domain::timestamp")]` (and `timestamp::option`); reading accepts
//! any RFC 3339 timestamp.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// The wire form of an instant.
pub fn format(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format(t))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    DateTime::<Utc>::deserialize(d)
}

/// The same for an optional timestamp (pair it with `#[serde(default)]`).
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&format(t)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<DateTime<Utc>>::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct T {
        #[serde(with = "super")]
        at: DateTime<Utc>,
        #[serde(
            default,
            with = "super::option",
            skip_serializing_if = "Option::is_none"
        )]
        until: Option<DateTime<Utc>>,
    }

    #[test]
    fn every_instant_has_six_fractional_digits_and_reads_back() {
        for (input, wire) in [
            ("2026-11-28T08:05:00.000000Z", "2026-11-28T08:05:00.000000Z"),
            (
                "2026-11-28T09:05:00.12+01:00",
                "2026-11-28T08:05:00.120000Z",
            ),
            ("2026-11-28T08:05:00.123456Z", "2026-11-28T08:05:00.123456Z"),
        ] {
            let t: T = serde_json::from_str(&format!(r#"{{"at": "{input}"}}"#)).unwrap();
            let json = serde_json::to_value(&t).unwrap();
            assert_eq!(json["at"], wire);
            assert_eq!(json.get("until"), None);
            let back: T = serde_json::from_value(json).unwrap();
            assert_eq!(format(&back.at), wire);
        }
        let t = T {
            at: "2026-01-01T00:00:00Z".parse().unwrap(),
            until: Some("2026-01-02T00:00:00.5Z".parse().unwrap()),
        };
        assert_eq!(
            serde_json::to_value(&t).unwrap()["until"],
            "2026-01-02T00:00:00.500000Z"
        );
    }
}

/// An instant as people in the Hauts-de-Seine read it on paper: `27/11/2026 à 11 h 15`, local time.
pub fn local_label(t: &DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Paris)
        .format("%d/%m/%Y à %H h %M")
        .to_string()
}

/// A day as written on paper: `27/11/2026`.
pub fn day_label(d: &chrono::NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod label_tests {
    #[test]
    fn labels_are_local_to_france() {
        let winter: chrono::DateTime<chrono::Utc> = "2026-11-27T10:15:00Z".parse().unwrap();
        assert_eq!(super::local_label(&winter), "27/11/2026 à 11 h 15");
        let summer: chrono::DateTime<chrono::Utc> = "2026-07-14T22:30:00Z".parse().unwrap();
        assert_eq!(super::local_label(&summer), "15/07/2026 à 00 h 30");
    }
}
