//! Communes are identified by their INSEE code (Code officiel géographique), not by name or postcode.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an INSEE commune code is 5 characters: 2 digits (or 2A/2B) then 3 digits")]
pub struct InseeCodeError;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InseeCode(String);

impl InseeCode {
    pub fn parse(input: &str) -> Result<Self, InseeCodeError> {
        let s = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        let department_ok = b.len() == 5
            && ((b[0].is_ascii_digit() && b[1].is_ascii_digit())
                || (b[0] == b'2' && matches!(b[1], b'A' | b'B')));
        if department_ok && b[2..].iter().all(u8::is_ascii_digit) {
            Ok(Self(s))
        } else {
            Err(InseeCodeError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for InseeCode {
    type Error = InseeCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<InseeCode> for String {
    fn from(value: InseeCode) -> Self {
        value.0
    }
}

impl fmt::Display for InseeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mainland_and_corsican_codes() {
        assert_eq!(InseeCode::parse("92050").unwrap().as_str(), "92050");
        assert_eq!(InseeCode::parse("2a004").unwrap().as_str(), "2A004");
    }

    #[test]
    fn refuses_postcodes_of_wrong_shape() {
        for bad in ["9205", "920500", "92O50", "2C004", "", "ABCDE"] {
            assert!(InseeCode::parse(bad).is_err(), "{bad}");
        }
    }
}
