//! SIREN: the 9-digit identifier of a French legal person, whose last digit is a Luhn check digit.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SirenError {
    #[error("a SIREN has exactly 9 digits")]
    Length,
    #[error("a SIREN has only digits")]
    NotDigits,
    #[error("the SIREN check digit is wrong (Luhn)")]
    Checksum,
}

impl SirenError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Length => "siren_length",
            Self::NotDigits => "siren_not_digits",
            Self::Checksum => "siren_checksum",
        }
    }
}

/// A SIREN whose format and Luhn checksum were verified. Spaces (as printed on Kbis extracts,
/// "344 810 825") are accepted on input and dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siren(String);

impl Siren {
    pub fn parse(input: &str) -> Result<Self, SirenError> {
        let compact: String = input.chars().filter(|c| *c != ' ').collect();
        if !compact.chars().all(|c| c.is_ascii_digit()) {
            return Err(SirenError::NotDigits);
        }
        if compact.len() != 9 {
            return Err(SirenError::Length);
        }
        if !luhn_valid(&compact) {
            return Err(SirenError::Checksum);
        }
        Ok(Self(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Luhn over ASCII digits: from the right, every second digit is doubled (minus 9 above 9).
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl TryFrom<String> for Siren {
    type Error = SirenError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Siren> for String {
    fn from(value: Siren) -> Self {
        value.0
    }
}

impl fmt::Display for Siren {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paris_habitat_siren_is_valid_with_or_without_spaces() {
        assert_eq!(Siren::parse("344810825").unwrap().as_str(), "344810825");
        assert_eq!(Siren::parse("344 810 825").unwrap().as_str(), "344810825");
    }

    #[test]
    fn wrong_check_digit_is_refused() {
        assert_eq!(Siren::parse("344810826"), Err(SirenError::Checksum));
    }

    #[test]
    fn wrong_length_and_letters_are_refused() {
        assert_eq!(Siren::parse("34481082"), Err(SirenError::Length));
        assert_eq!(Siren::parse("3448108250"), Err(SirenError::Length));
        assert_eq!(Siren::parse(""), Err(SirenError::Length));
        assert_eq!(Siren::parse("34481082A"), Err(SirenError::NotDigits));
        assert_eq!(
            Siren::parse("３４４８１０８２５"),
            Err(SirenError::NotDigits)
        );
    }

    /// Appends the Luhn digit that makes `prefix` valid.
    fn with_check_digit(prefix: &str) -> String {
        (0..=9)
            .map(|d| format!("{prefix}{d}"))
            .find(|s| luhn_valid(s))
            .expect("one digit always completes a Luhn number")
    }

    proptest! {
        #[test]
        fn exactly_one_check_digit_completes_any_prefix(prefix in "[0-9]{8}") {
            let valid = with_check_digit(&prefix);
            prop_assert!(Siren::parse(&valid).is_ok());
            let count = (0..=9).filter(|d| Siren::parse(&format!("{prefix}{d}")).is_ok()).count();
            prop_assert_eq!(count, 1);
        }

        #[test]
        fn changing_one_digit_breaks_the_checksum(prefix in "[0-9]{8}", pos in 0usize..9, delta in 1u8..10) {
            let valid = with_check_digit(&prefix);
            let mut bytes = valid.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let mutated = String::from_utf8(bytes).unwrap();
            prop_assert_eq!(Siren::parse(&mutated), Err(SirenError::Checksum));
        }

        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = Siren::parse(&s);
        }
    }
}
