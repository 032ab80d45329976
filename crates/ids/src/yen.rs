//! Money: whole Japanese yen, never floats.

use std::fmt;
use std::iter::Sum;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative amount in whole yen. All arithmetic is checked: an overflow is an error,
/// never a wrapped or rounded amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Yen(u64);

/// Why a value is not an amount of yen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YenError {
    #[error("the amount is empty: enter a whole number of yen, e.g. 1,000,000")]
    Empty,
    #[error("the amount {0:?} is negative: amounts are zero or more yen")]
    Negative(String),
    #[error("the amount {0:?} has a fraction: yen are whole numbers, e.g. 1,000,000")]
    Fraction(String),
    #[error("the amount {input:?} contains {ch:?}: write digits, optionally with commas and ¥ or 円")]
    InvalidCharacter { input: String, ch: char },
    #[error("the amount {0:?} has misplaced commas: commas separate groups of three digits, e.g. 1,000,000")]
    MisplacedComma(String),
    #[error("the amount {0:?} is too large")]
    TooLarge(String),
    #[error("the calculation overflowed: the result is too large to be an amount of yen")]
    Overflow,
}

impl YenError {
    /// The same message in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            Self::Empty => "金額が空です。円単位の整数で入力してください（例: 1,000,000）。".into(),
            Self::Negative(s) => format!("金額「{s}」が負の値です。0円以上で入力してください。"),
            Self::Fraction(s) => {
                format!("金額「{s}」に小数があります。円単位の整数で入力してください。")
            }
            Self::InvalidCharacter { input, ch } => {
                format!("金額「{input}」に使えない文字「{ch}」があります。数字（カンマ・¥・円は可）で入力してください。")
            }
            Self::MisplacedComma(s) => {
                format!("金額「{s}」のカンマの位置が正しくありません（3桁ごとに区切ってください）。")
            }
            Self::TooLarge(s) => format!("金額「{s}」が大きすぎます。"),
            Self::Overflow => "計算結果が大きすぎます。".into(),
        }
    }
}

impl Yen {
    pub const ZERO: Yen = Yen(0);

    pub const fn new(amount: u64) -> Self {
        Self(amount)
    }

    /// The amount in yen.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Parses an amount as people write it: `1000000`, `1,000,000`, `¥1,000,000`, `1,000,000円`,
    /// full-width digits, or `1000.00` (a zero fraction, as spreadsheets export it).
    pub fn parse(input: &str) -> Result<Self, YenError> {
        let normal: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                '，' => ',',
                '．' => '.',
                '－' | '−' => '-',
                '￥' => '¥',
                _ => c,
            })
            .collect();
        let mut t = normal.as_str();
        t = t.strip_prefix('¥').unwrap_or(t).trim();
        t = t.strip_suffix('円').unwrap_or(t).trim();
        if t.is_empty() {
            return Err(YenError::Empty);
        }
        if t.starts_with('-') {
            return Err(YenError::Negative(input.to_owned()));
        }
        let (whole, fraction) = match t.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (t, None),
        };
        if let Some(f) = fraction {
            if f.is_empty() || f.chars().any(|c| c != '0') {
                return Err(if f.chars().all(|c| c.is_ascii_digit()) {
                    YenError::Fraction(input.to_owned())
                } else {
                    YenError::InvalidCharacter { input: input.to_owned(), ch: f.chars().find(|c| !c.is_ascii_digit()).unwrap_or('.') }
                });
            }
        }
        if let Some(ch) = whole.chars().find(|c| !c.is_ascii_digit() && *c != ',') {
            return Err(YenError::InvalidCharacter { input: input.to_owned(), ch });
        }
        if whole.contains(',') {
            let mut groups = whole.split(',');
            let first = groups.next().unwrap_or("");
            if first.is_empty() || first.len() > 3 || groups.any(|g| g.len() != 3) {
                return Err(YenError::MisplacedComma(input.to_owned()));
            }
        }
        let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(YenError::Empty);
        }
        digits.parse::<u64>().map(Yen).map_err(|_| YenError::TooLarge(input.to_owned()))
    }

    pub fn checked_add(self, other: Yen) -> Result<Yen, YenError> {
        self.0.checked_add(other.0).map(Yen).ok_or(YenError::Overflow)
    }

    /// `None` when the result would be negative.
    pub fn checked_sub(self, other: Yen) -> Option<Yen> {
        self.0.checked_sub(other.0).map(Yen)
    }

    pub fn checked_mul(self, factor: u64) -> Result<Yen, YenError> {
        self.0.checked_mul(factor).map(Yen).ok_or(YenError::Overflow)
    }

    /// Adds up amounts, failing on overflow.
    pub fn checked_sum<I: IntoIterator<Item = Yen>>(items: I) -> Result<Yen, YenError> {
        items.into_iter().try_fold(Yen::ZERO, |acc, y| acc.checked_add(y))
    }

    /// Digits grouped by three with commas, without a currency sign: `1,234,567`.
    pub fn grouped(self) -> String {
        let s = self.0.to_string();
        let mut out = String::with_capacity(s.len() + s.len() / 3);
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// As Japanese documents write it: `1,234,567円`.
    pub fn format_ja(self) -> String {
        format!("{}円", self.grouped())
    }
}

impl fmt::Display for Yen {
    /// `¥1,234,567`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{}", self.grouped())
    }
}

impl std::str::FromStr for Yen {
    type Err = YenError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Sum for Yen {
    /// Panics on overflow; use [`Yen::checked_sum`] for amounts from outside.
    fn sum<I: Iterator<Item = Yen>>(iter: I) -> Yen {
        match Yen::checked_sum(iter) {
            Ok(y) => y,
            Err(e) => panic!("{e}"),
        }
    }
}

impl Serialize for Yen {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Yen {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Yen;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole, non-negative number of yen")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Yen, E> {
                Ok(Yen(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Yen, E> {
                u64::try_from(v).map(Yen).map_err(|_| E::custom(YenError::Negative(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Yen, E> {
                Err(E::custom(if v < 0.0 { YenError::Negative(v.to_string()) } else { YenError::Fraction(v.to_string()) }))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Yen, E> {
                Yen::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_how_amounts_are_written() {
        for (s, n) in [
            ("1000000", 1_000_000),
            ("1,000,000", 1_000_000),
            ("¥1,000,000", 1_000_000),
            ("￥１，０００，０００", 1_000_000),
            ("1,000,000円", 1_000_000),
            (" 250 円 ", 250),
            ("1000.00", 1000),
            ("0", 0),
        ] {
            assert_eq!(Yen::parse(s), Ok(Yen(n)), "{s}");
        }
    }

    #[test]
    fn refuses_negative_fractional_and_malformed_amounts() {
        assert!(matches!(Yen::parse("-5"), Err(YenError::Negative(_))));
        assert!(matches!(Yen::parse("1000.5"), Err(YenError::Fraction(_))));
        assert!(matches!(Yen::parse("1,00,000"), Err(YenError::MisplacedComma(_))));
        assert!(matches!(Yen::parse("12a"), Err(YenError::InvalidCharacter { ch: 'a', .. })));
        assert!(matches!(Yen::parse(""), Err(YenError::Empty)));
        assert!(matches!(Yen::parse("99999999999999999999"), Err(YenError::TooLarge(_))));
        assert!(serde_json::from_str::<Yen>("1.5").is_err());
        assert!(serde_json::from_str::<Yen>("-3").is_err());
        assert_eq!(serde_json::from_str::<Yen>("\"1,500\"").expect("str"), Yen(1500));
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(Yen(1_234_567).to_string(), "¥1,234,567");
        assert_eq!(Yen(999).format_ja(), "999円");
        assert_eq!(Yen(1000).grouped(), "1,000");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Yen(u64::MAX).checked_add(Yen(1)), Err(YenError::Overflow));
        assert_eq!(Yen(3).checked_sub(Yen(4)), None);
        assert_eq!(Yen(3).checked_mul(4), Ok(Yen(12)));
        assert_eq!(Yen::checked_sum([Yen(1), Yen(2)]), Ok(Yen(3)));
    }

    proptest! {
        #[test]
        fn grouped_text_parses_back(n in 0u64..=u64::MAX) {
            prop_assert_eq!(Yen::parse(&Yen(n).to_string()), Ok(Yen(n)));
            prop_assert_eq!(Yen::parse(&Yen(n).format_ja()), Ok(Yen(n)));
        }
    }
}
