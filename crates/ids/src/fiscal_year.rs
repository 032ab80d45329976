//! 年度: the Japanese fiscal year, April to March, named after the calendar year it starts in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A fiscal year running from 1 April of `start_year` to 31 March of the year after.
/// Written `FY2026` in English and `2026年度` (or `令和8年度`) in Japanese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FiscalYear(u16);

/// The first Gregorian year of the Reiwa era (令和元年).
const REIWA_START: u16 = 2019;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FiscalYearError {
    #[error("{0:?} is not a fiscal year: write it as FY2026, 2026年度 or 令和8年度")]
    NotAFiscalYear(String),
    #[error("fiscal year {0} is out of range (1900–9998)")]
    OutOfRange(i64),
    #[error("month {0} does not exist: months are 1–12")]
    BadMonth(u8),
}

impl FiscalYear {
    /// The fiscal year that starts in April of `start_year`.
    pub fn new(start_year: i64) -> Result<Self, FiscalYearError> {
        if (1900..=9998).contains(&start_year) {
            Ok(Self(start_year as u16))
        } else {
            Err(FiscalYearError::OutOfRange(start_year))
        }
    }

    /// The fiscal year a calendar date falls in: January–March belong to the year before.
    pub fn containing(year: i64, month: u8) -> Result<Self, FiscalYearError> {
        match month {
            1..=3 => Self::new(year - 1),
            4..=12 => Self::new(year),
            _ => Err(FiscalYearError::BadMonth(month)),
        }
    }

    /// Parses `FY2026`, `fy 2026`, `2026年度`, `２０２６年度`, `令和8年度`, `R8年度` or plain `2026`.
    pub fn parse(input: &str) -> Result<Self, FiscalYearError> {
        let bad = || FiscalYearError::NotAFiscalYear(input.to_owned());
        let normal: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                _ => c,
            })
            .collect();
        let t = normal.trim();
        let t = t.strip_suffix("年度").unwrap_or(t).trim();
        let upper = t.to_uppercase();
        let (reiwa, digits) = if let Some(r) = t.strip_prefix("令和") {
            (true, r.trim())
        } else if let Some(r) = upper.strip_prefix('R') {
            (true, r.trim())
        } else if let Some(r) = upper.strip_prefix("FY") {
            (false, r.trim())
        } else {
            (false, t)
        };
        let digits = if reiwa && digits == "元" { "1" } else { digits };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 4 {
            return Err(bad());
        }
        let n: i64 = digits.parse().map_err(|_| bad())?;
        if reiwa {
            if n == 0 {
                return Err(bad());
            }
            Self::new(i64::from(REIWA_START) + n - 1)
        } else {
            Self::new(n)
        }
    }

    /// The calendar year in which the fiscal year starts.
    pub fn start_year(self) -> u16 {
        self.0
    }

    /// First day, as (year, month, day): 1 April.
    pub fn first_day(self) -> (u16, u8, u8) {
        (self.0, 4, 1)
    }

    /// Last day, as (year, month, day): 31 March of the next year.
    pub fn last_day(self) -> (u16, u8, u8) {
        (self.0 + 1, 3, 31)
    }

    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }

    /// `2026年度`.
    pub fn format_ja(self) -> String {
        format!("{}年度", self.0)
    }

    /// The Reiwa-era name, `令和8年度`, for years from 2019 on.
    pub fn format_wareki(self) -> Option<String> {
        match self.0.checked_sub(REIWA_START)? {
            0 => Some("令和元年度".to_owned()),
            n => Some(format!("令和{}年度", n + 1)),
        }
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FY{}", self.0)
    }
}

impl std::str::FromStr for FiscalYear {
    type Err = FiscalYearError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for FiscalYear {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for FiscalYear {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn april_starts_the_year() {
        let fy = FiscalYear::new(2026).expect("in range");
        assert_eq!(FiscalYear::containing(2026, 4), Ok(fy));
        assert_eq!(FiscalYear::containing(2027, 3), Ok(fy));
        assert_eq!(FiscalYear::containing(2026, 3), FiscalYear::new(2025));
        assert_eq!(FiscalYear::containing(2026, 13), Err(FiscalYearError::BadMonth(13)));
        assert_eq!(fy.first_day(), (2026, 4, 1));
        assert_eq!(fy.last_day(), (2027, 3, 31));
    }

    #[test]
    fn written_both_ways() {
        let fy = FiscalYear::new(2026).expect("in range");
        assert_eq!(fy.to_string(), "FY2026");
        assert_eq!(fy.format_ja(), "2026年度");
        assert_eq!(fy.format_wareki().as_deref(), Some("令和8年度"));
        assert_eq!(FiscalYear::new(2019).expect("y").format_wareki().as_deref(), Some("令和元年度"));
        for s in ["FY2026", "fy 2026", "2026年度", "２０２６年度", "令和8年度", "R8", "2026"] {
            assert_eq!(FiscalYear::parse(s), Ok(fy), "{s}");
        }
        assert_eq!(FiscalYear::parse("令和元年度"), FiscalYear::new(2019));
        for s in ["", "FY", "2026-27", "FY20266", "平成30年度", "令和0年度"] {
            assert!(FiscalYear::parse(s).is_err(), "{s}");
        }
    }
}
