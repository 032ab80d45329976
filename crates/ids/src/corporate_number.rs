//! 法人番号 (Corporate Number): 13 digits, the first a check digit over the other twelve.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Corporate Number whose length and check digit are known to be right.
///
/// Parse it from what a person typed with [`CorporateNumber::parse`]: full-width digits,
/// hyphens and spaces are accepted and normalised away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CorporateNumber([u8; 13]);

/// Why a text is not a Corporate Number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorporateNumberError {
    #[error("the corporate number is empty: enter the 13 digits of the 法人番号")]
    Empty,
    #[error("the corporate number {input:?} contains {ch:?} at position {position}: only digits, hyphens and spaces are allowed")]
    InvalidCharacter { input: String, ch: char, position: usize },
    #[error("the corporate number {digits} has {found} digits: a 法人番号 has exactly 13")]
    WrongLength { digits: String, found: usize },
    #[error("the corporate number {digits} has a wrong check digit {found} (expected {expected}): check for a typing error")]
    WrongCheckDigit { digits: String, found: u8, expected: u8 },
}

impl CorporateNumberError {
    /// The same message in Japanese, for screens and documents.
    pub fn message_ja(&self) -> String {
        match self {
            Self::Empty => "法人番号が空です。13桁の法人番号を入力してください。".into(),
            Self::InvalidCharacter { input, ch, position } => format!(
                "法人番号「{input}」の{position}文字目に使えない文字「{ch}」があります。数字・ハイフン・空白のみ使えます。"
            ),
            Self::WrongLength { digits, found } => {
                format!("法人番号「{digits}」は{found}桁です。法人番号は13桁です。")
            }
            Self::WrongCheckDigit {
                digits,
                found,
                expected,
            } => format!(
                "法人番号「{digits}」のチェックデジット（先頭の数字）{found}が正しくありません（正しくは{expected}）。入力の誤りがないか確認してください。"
            ),
        }
    }
}

impl CorporateNumber {
    /// Parses a Corporate Number as people type it.
    ///
    /// Accepts ASCII or full-width digits, separated by ASCII or full-width hyphens, dashes or
    /// spaces; refuses anything else, a length other than 13 digits, and a wrong check digit
    /// (naming the expected one).
    pub fn parse(input: &str) -> Result<Self, CorporateNumberError> {
        let mut digits = Vec::with_capacity(13);
        let leading = input.chars().take_while(|c| c.is_whitespace()).count();
        for (i, ch) in input.trim().chars().enumerate() {
            match ch {
                '0'..='9' => digits.push(ch as u8 - b'0'),
                '０'..='９' => digits.push((ch as u32 - '０' as u32) as u8),
                '-' | '‐' | '‑' | '–' | '—' | '−' | '－' | 'ー' | ' ' | '\u{3000}' | '\t' => {}
                _ => return Err(CorporateNumberError::InvalidCharacter { input: input.to_owned(), ch, position: leading + i + 1 }),
            }
        }
        if digits.is_empty() {
            return Err(CorporateNumberError::Empty);
        }
        let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        if digits.len() != 13 {
            return Err(CorporateNumberError::WrongLength { found: digits.len(), digits: text });
        }
        let mut base = [0u8; 12];
        base.copy_from_slice(&digits[1..]);
        let expected = Self::check_digit(&base);
        if digits[0] != expected {
            return Err(CorporateNumberError::WrongCheckDigit { digits: text, found: digits[0], expected });
        }
        let mut all = [0u8; 13];
        all.copy_from_slice(&digits);
        Ok(Self(all))
    }

    /// The check digit for a 12-digit base (each element 0–9):
    /// `9 − (Σ P_n·Q_n mod 9)`, with P_n the n-th digit from the right and Q_n = 1 for odd n, 2 for even n.
    pub fn check_digit(base: &[u8; 12]) -> u8 {
        let sum: u32 = base.iter().rev().enumerate().map(|(i, &p)| u32::from(p) * if i % 2 == 0 { 1 } else { 2 }).sum();
        9 - (sum % 9) as u8
    }

    /// Builds the Corporate Number for a 12-digit base by computing its check digit.
    /// Returns `None` when an element is not a digit 0–9.
    pub fn from_base(base: &[u8; 12]) -> Option<Self> {
        if base.iter().any(|&d| d > 9) {
            return None;
        }
        let mut all = [0u8; 13];
        all[0] = Self::check_digit(base);
        all[1..].copy_from_slice(base);
        Some(Self(all))
    }

    /// The 13 digits as ASCII text, e.g. `7000012050002`.
    pub fn as_string(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

impl fmt::Display for CorporateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

impl std::str::FromStr for CorporateNumber {
    type Err = CorporateNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for CorporateNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_string())
    }
}

impl<'de> Deserialize<'de> for CorporateNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn national_tax_agency_number_parses() {
        let n = CorporateNumber::parse("7000012050002").expect("NTA's own number");
        assert_eq!(n.to_string(), "7000012050002");
    }

    #[test]
    fn people_type_full_width_digits_hyphens_and_spaces() {
        for typed in [
            "７００００１２０５０００２",
            "7-0000-1205-0002",
            " 7000 0120 50002 ",
            "７−０００ー０１２０５０００２",
            "7000\u{3000}012050002",
        ] {
            assert_eq!(CorporateNumber::parse(typed).map(|n| n.to_string()), Ok("7000012050002".to_owned()), "{typed}");
        }
    }

    #[test]
    fn wrong_check_digit_names_the_expected_one() {
        let err = CorporateNumber::parse("8000012050002").unwrap_err();
        assert_eq!(err, CorporateNumberError::WrongCheckDigit { digits: "8000012050002".into(), found: 8, expected: 7 });
        assert!(err.to_string().contains("expected 7"), "{err}");
        assert!(err.message_ja().contains("正しくは7"));
    }

    #[test]
    fn wrong_length_says_how_many_digits() {
        let err = CorporateNumber::parse("700001205000").unwrap_err();
        assert!(matches!(err, CorporateNumberError::WrongLength { found: 12, .. }));
        assert!(err.to_string().contains("12 digits"), "{err}");
        let err = CorporateNumber::parse("70000120500021").unwrap_err();
        assert!(matches!(err, CorporateNumberError::WrongLength { found: 14, .. }));
    }

    #[test]
    fn stray_characters_are_named_with_their_position() {
        let err = CorporateNumber::parse("70000120500O2").unwrap_err();
        assert_eq!(err, CorporateNumberError::InvalidCharacter { input: "70000120500O2".into(), ch: 'O', position: 12 });
        assert!(matches!(CorporateNumber::parse("7000012050002.0"), Err(CorporateNumberError::InvalidCharacter { ch: '.', .. })));
        assert!(matches!(CorporateNumber::parse("+7000012050002"), Err(CorporateNumberError::InvalidCharacter { ch: '+', .. })));
    }

    #[test]
    fn empty_input_is_refused() {
        assert_eq!(CorporateNumber::parse(""), Err(CorporateNumberError::Empty));
        assert_eq!(CorporateNumber::parse(" - "), Err(CorporateNumberError::Empty));
    }

    #[test]
    fn serde_round_trip_and_refusal() {
        let n: CorporateNumber = serde_json::from_str("\"7000012050002\"").expect("valid");
        assert_eq!(serde_json::to_string(&n).expect("ser"), "\"7000012050002\"");
        assert!(serde_json::from_str::<CorporateNumber>("\"7000012050003\"").is_err());
    }

    proptest! {
        #[test]
        fn computed_check_digit_parses_and_every_other_is_refused(base in proptest::array::uniform12(0u8..=9)) {
            let base_text: String = base.iter().map(|d| char::from(b'0' + d)).collect();
            let good = CorporateNumber::from_base(&base).expect("digits");
            let text = good.to_string();
            prop_assert_eq!(&text[1..], base_text.as_str());
            prop_assert_eq!(CorporateNumber::parse(&text), Ok(good));
            for first in 0u8..=9 {
                if first == good.0[0] { continue; }
                let other = format!("{first}{base_text}");
                let refused = matches!(
                    CorporateNumber::parse(&other),
                    Err(CorporateNumberError::WrongCheckDigit { expected, .. }) if expected == good.0[0]
                );
                prop_assert!(refused, "{} should be refused", other);
            }
        }
    }
}
