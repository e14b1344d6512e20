//! Identity numbers of parties: the citizen identity number of GB 11643-1999
//! (公民身份号码) and the unified social credit code of GB 32100-2015
//! (统一社会信用代码). Both end in a check character; a typo in any single
//! position is caught.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why an identity number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("must be {expected} characters long, got {got}")]
    Length { expected: usize, got: usize },
    #[error("character {position} ({found:?}) is not allowed here")]
    Character { position: usize, found: char },
    #[error("the birth date {0} is not a valid calendar date")]
    BirthDate(String),
    #[error("check character is {found:?} but the other characters require {expected:?}")]
    CheckCharacter { expected: char, found: char },
}

/// 公民身份号码 — an 18-character citizen identity number (GB 11643-1999):
/// 6-digit address code, 8-digit birth date, 3-digit sequence, check character
/// (ISO 7064 MOD 11-2, `X` for 10).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId(String);

/// Weights W_i = 2^(17-i) mod 11 of GB 11643-1999 §7.2.
const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const RESIDENT_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

impl ResidentId {
    /// The check character that completes 17 digits.
    pub fn check_character(first17: &str) -> Result<char, IdNumberError> {
        let mut sum = 0u32;
        let mut count = 0usize;
        for ((i, c), w) in first17.chars().enumerate().zip(RESIDENT_WEIGHTS) {
            let d = c.to_digit(10).ok_or(IdNumberError::Character { position: i + 1, found: c })?;
            sum += d * w;
            count += 1;
        }
        if count != 17 || first17.chars().count() != 17 {
            return Err(IdNumberError::Length { expected: 17, got: first17.chars().count() });
        }
        Ok(RESIDENT_CHECK.get((sum % 11) as usize).copied().unwrap_or('?'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Birth date as (year, month, day).
    pub fn birth_date(&self) -> (i32, u8, u8) {
        let digits = |a: usize, b: usize| self.0.get(a..b).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
        (digits(6, 10) as i32, digits(10, 12) as u8, digits(12, 14) as u8)
    }
}

impl FromStr for ResidentId {
    type Err = IdNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_uppercase();
        let n = s.chars().count();
        if n != 18 {
            return Err(IdNumberError::Length { expected: 18, got: n });
        }
        for (i, c) in s.chars().enumerate() {
            let ok = c.is_ascii_digit() || (i == 17 && c == 'X');
            if !ok || (i == 0 && c == '0') {
                return Err(IdNumberError::Character { position: i + 1, found: c });
            }
        }
        let first17 = s.get(..17).unwrap_or_default();
        let date = s.get(6..14).unwrap_or_default();
        let year: i32 = date.get(..4).and_then(|x| x.parse().ok()).unwrap_or(0);
        let month: u8 = date.get(4..6).and_then(|x| x.parse().ok()).unwrap_or(0);
        let day: u8 = date.get(6..8).and_then(|x| x.parse().ok()).unwrap_or(0);
        let valid_date = time::Month::try_from(month)
            .ok()
            .and_then(|m| time::Date::from_calendar_date(year, m, day).ok())
            .is_some_and(|_| year >= 1850);
        if !valid_date {
            return Err(IdNumberError::BirthDate(date.to_owned()));
        }
        let expected = Self::check_character(first17)?;
        let found = s.chars().last().unwrap_or('?');
        if expected != found {
            return Err(IdNumberError::CheckCharacter { expected, found });
        }
        Ok(Self(s))
    }
}

/// 统一社会信用代码 — the 18-character unified social credit code of
/// organisations (GB 32100-2015): registration authority, organisation kind,
/// 6-digit administrative division, 9-character organisation code, check
/// character over the alphabet of 31 symbols (no I, O, S, V, Z).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights W_i = 3^(i-1) mod 31 of GB 32100-2015 §5.
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn uscc_value(c: char) -> Option<u32> {
    USCC_ALPHABET.find(c).map(|i| i as u32)
}

impl Uscc {
    /// The check character that completes the first 17 characters.
    pub fn check_character(first17: &str) -> Result<char, IdNumberError> {
        let n = first17.chars().count();
        if n != 17 {
            return Err(IdNumberError::Length { expected: 17, got: n });
        }
        let mut sum = 0u32;
        for ((i, c), w) in first17.chars().enumerate().zip(USCC_WEIGHTS) {
            let v = uscc_value(c).ok_or(IdNumberError::Character { position: i + 1, found: c })?;
            sum += v * w;
        }
        let check = (31 - sum % 31) % 31;
        Ok(USCC_ALPHABET.chars().nth(check as usize).unwrap_or('?'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Uscc {
    type Err = IdNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_uppercase();
        let n = s.chars().count();
        if n != 18 {
            return Err(IdNumberError::Length { expected: 18, got: n });
        }
        for (i, c) in s.chars().enumerate() {
            let ok = if (2..8).contains(&i) { c.is_ascii_digit() } else { uscc_value(c).is_some() };
            if !ok {
                return Err(IdNumberError::Character { position: i + 1, found: c });
            }
        }
        let expected = Self::check_character(s.get(..17).unwrap_or_default())?;
        let found = s.chars().last().unwrap_or('?');
        if expected != found {
            return Err(IdNumberError::CheckCharacter { expected, found });
        }
        Ok(Self(s))
    }
}

macro_rules! string_newtype_impls {
    ($t:ty) => {
        impl TryFrom<String> for $t {
            type Error = IdNumberError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
string_newtype_impls!(ResidentId);
string_newtype_impls!(Uscc);

/// Personal identity numbers are personal data: `Debug` shows only the
/// region code and a mask so that logs never carry them whole.
impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({}************)", self.0.get(..6).unwrap_or_default())
    }
}

impl fmt::Debug for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Uscc({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn resident_id_standard_example() {
        // The example number printed in GB 11643-1999.
        let id: ResidentId = "11010519491231002X".parse().unwrap();
        assert_eq!(id.birth_date(), (1949, 12, 31));
        assert_eq!("11010519491231002x".parse::<ResidentId>().unwrap(), id);
    }

    #[test]
    fn resident_id_errors_are_precise() {
        assert_eq!(
            "110105194912310021".parse::<ResidentId>(),
            Err(IdNumberError::CheckCharacter { expected: 'X', found: '1' })
        );
        assert_eq!(
            "1101051949123100".parse::<ResidentId>(),
            Err(IdNumberError::Length { expected: 18, got: 16 })
        );
        assert_eq!(
            "11010519490231002X".parse::<ResidentId>(),
            Err(IdNumberError::BirthDate("19490231".into()))
        );
        assert_eq!(
            "1101051949123100AX".parse::<ResidentId>(),
            Err(IdNumberError::Character { position: 17, found: 'A' })
        );
        assert!(format!("{:?}", "11010519491231002X".parse::<ResidentId>().unwrap()).contains("110105*"));
    }

    #[test]
    fn uscc_known_codes() {
        for code in ["91350100M000100Y43", "91110000600037341L"] {
            code.parse::<Uscc>().unwrap();
        }
        assert_eq!(
            "911100001000013663".parse::<Uscc>(),
            Err(IdNumberError::CheckCharacter { expected: 'T', found: '3' })
        );
        assert_eq!(
            "91350100I000100Y43".parse::<Uscc>(),
            Err(IdNumberError::Character { position: 9, found: 'I' })
        );
        assert_eq!(
            "913501A0M000100Y43".parse::<Uscc>(),
            Err(IdNumberError::Character { position: 7, found: 'A' })
        );
    }

    proptest! {
        #[test]
        fn resident_id_catches_every_single_substitution(
            region in 110000u32..659999, days in 0i64..40000, seq in 0u32..999, pos in 0usize..18, delta in 1u32..10
        ) {
            let date = time::Date::from_calendar_date(1920, time::Month::January, 1).unwrap() + time::Duration::days(days);
            let first17 = format!("{region:06}{:04}{:02}{:02}{seq:03}", date.year(), u8::from(date.month()), date.day());
            let full = format!("{first17}{}", ResidentId::check_character(&first17).unwrap());
            prop_assert!(full.parse::<ResidentId>().is_ok());
            let mut chars: Vec<char> = full.chars().collect();
            let c = chars[pos];
            chars[pos] = if pos == 17 {
                RESIDENT_CHECK[(RESIDENT_CHECK.iter().position(|x| *x == c).unwrap() + delta as usize) % 11]
            } else {
                char::from_digit((c.to_digit(10).unwrap() + delta) % 10, 10).unwrap()
            };
            let changed: String = chars.into_iter().collect();
            prop_assert!(changed.parse::<ResidentId>().is_err());
        }

        #[test]
        fn uscc_catches_every_single_substitution(
            body in "[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{9}", pos in 0usize..18, delta in 1usize..31
        ) {
            let full = format!("{body}{}", Uscc::check_character(&body).unwrap());
            prop_assert!(full.parse::<Uscc>().is_ok());
            let mut chars: Vec<char> = full.chars().collect();
            let alphabet: Vec<char> = USCC_ALPHABET.chars().collect();
            let idx = alphabet.iter().position(|x| *x == chars[pos]).unwrap();
            chars[pos] = alphabet[(idx + delta) % 31];
            let changed: String = chars.into_iter().collect();
            prop_assert!(changed.parse::<Uscc>().is_err());
        }
    }
}
