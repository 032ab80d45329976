//! The five ★ levels of the scheme.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A ★ level, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Level(u8);

/// Why a value is not a ★ level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LevelError {
    #[error("level {0} is outside ★1–★5: use a whole number from 1 to 5")]
    OutOfRange(i64),
    #[error("{0:?} is not a level: write 1–5 or ★1–★5")]
    NotALevel(String),
}

impl Level {
    pub const ONE: Level = Level(1);
    pub const TWO: Level = Level(2);
    pub const THREE: Level = Level(3);
    pub const FOUR: Level = Level(4);
    pub const FIVE: Level = Level(5);
    /// All levels, lowest first.
    pub const ALL: [Level; 5] = [Self::ONE, Self::TWO, Self::THREE, Self::FOUR, Self::FIVE];

    /// A level from its number.
    pub fn new(n: i64) -> Result<Self, LevelError> {
        if (1..=5).contains(&n) {
            Ok(Self(n as u8))
        } else {
            Err(LevelError::OutOfRange(n))
        }
    }

    /// Parses `3`, `★3`, `☆3`, `L3`, `level 3` or the full-width `３`.
    pub fn parse(input: &str) -> Result<Self, LevelError> {
        let t = input.trim();
        let lower = t.to_lowercase();
        let rest = lower
            .strip_prefix('★')
            .or_else(|| lower.strip_prefix('☆'))
            .or_else(|| lower.strip_prefix("level"))
            .or_else(|| lower.strip_prefix('l'))
            .unwrap_or(&lower)
            .trim();
        let mut chars = rest.chars();
        let n = match (chars.next(), chars.next()) {
            (Some(c @ '0'..='9'), None) => i64::from(c as u8 - b'0'),
            (Some(c @ '０'..='９'), None) => i64::from((c as u32 - '０' as u32) as u8),
            _ => return Err(LevelError::NotALevel(input.to_owned())),
        };
        Self::new(n)
    }

    /// The number 1–5.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The levels from ★1 up to and including this one.
    pub fn and_below(self) -> impl Iterator<Item = Level> {
        (1..=self.0).map(Level)
    }

    /// The next level up, if any.
    pub fn next(self) -> Option<Level> {
        (self.0 < 5).then(|| Level(self.0 + 1))
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "★{}", self.0)
    }
}

impl std::str::FromStr for Level {
    type Err = LevelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Level {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Level::new(n),
            Raw::Text(s) => Level::parse(&s),
        }
        .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ways_people_write_levels() {
        for s in ["3", "★3", "☆3", "L3", "level 3", "Level3", "３", " ★３ "] {
            assert_eq!(Level::parse(s), Ok(Level::THREE), "{s}");
        }
        assert_eq!(Level::parse("6"), Err(LevelError::OutOfRange(6)));
        assert_eq!(Level::parse("0"), Err(LevelError::OutOfRange(0)));
        assert!(matches!(Level::parse("3.5"), Err(LevelError::NotALevel(_))));
        assert!(matches!(Level::parse("high"), Err(LevelError::NotALevel(_))));
    }

    #[test]
    fn orders_and_displays() {
        assert!(Level::THREE < Level::FOUR);
        assert_eq!(Level::FOUR.to_string(), "★4");
        assert_eq!(Level::THREE.and_below().map(Level::get).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(Level::FIVE.next(), None);
        assert_eq!(serde_json::to_string(&Level::TWO).expect("ser"), "2");
        assert_eq!(serde_json::from_str::<Level>("\"★4\"").expect("de"), Level::FOUR);
        assert!(serde_json::from_str::<Level>("7").is_err());
    }
}
