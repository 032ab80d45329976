//! The validated catalog: what every other crate reads.

use std::collections::BTreeMap;
use std::fmt;

use hoshi_ids::Level;
use serde::{Deserialize, Serialize};

/// A language of the catalog's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ja" | "jp" | "ja-jp" | "japanese" | "日本語" => Some(Lang::Ja),
            "en" | "en-us" | "en-gb" | "english" | "英語" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }
}

/// The same text in Japanese and English; both are always present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bilingual {
    pub ja: String,
    pub en: String,
}

impl Bilingual {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// How results at a level are established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentMethod {
    SelfDeclaration,
    SelfAssessmentExpertConfirmed,
    ThirdParty,
    ToBeDecided,
}

/// One ★ level as the edition defines it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LevelInfo {
    pub level: Level,
    pub name: Bilingual,
    pub description: Bilingual,
    pub assessment: AssessmentMethod,
    pub assessment_text: Bilingual,
    /// How long a certified result stays valid; `None` for self-declared levels.
    pub validity_months: Option<u32>,
    /// Whether a self-assessment is due every year within the validity (★4).
    pub annual_self_assessment: bool,
    /// Still being designed by the scheme (★5).
    pub provisional: bool,
}

/// One of the seven categories (the six NIST CSF 2.0 functions plus supplier management).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Category {
    pub number: u8,
    pub key: String,
    pub csf_function: String,
    pub name: Bilingual,
}

/// A requirement (要求事項): a group of criteria under one topic.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Requirement {
    pub id: String,
    pub category: String,
    pub title: Bilingual,
    /// The lowest level any of its criteria applies from.
    pub level: Level,
}

/// What a cost driver's amount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    /// Whole yen, once.
    OneOff,
    /// Whole yen every year.
    Annual,
    /// Staff hours, once, priced later at the company's loaded hourly rate.
    Hours,
}

/// What a cost driver's amount is multiplied by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum CostBasis {
    /// Once per company.
    Company,
    Employee,
    Pc,
    Server,
    Site,
    CloudService,
}

impl CostBasis {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (CostBasis::Company, Lang::En) => "per company",
            (CostBasis::Employee, Lang::En) => "per employee",
            (CostBasis::Pc, Lang::En) => "per PC",
            (CostBasis::Server, Lang::En) => "per server",
            (CostBasis::Site, Lang::En) => "per site",
            (CostBasis::CloudService, Lang::En) => "per cloud service",
            (CostBasis::Company, Lang::Ja) => "1社あたり",
            (CostBasis::Employee, Lang::Ja) => "従業員1人あたり",
            (CostBasis::Pc, Lang::Ja) => "PC1台あたり",
            (CostBasis::Server, Lang::Ja) => "サーバー1台あたり",
            (CostBasis::Site, Lang::Ja) => "拠点あたり",
            (CostBasis::CloudService, Lang::Ja) => "クラウドサービスあたり",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            CostBasis::Company => "company",
            CostBasis::Employee => "employee",
            CostBasis::Pc => "pc",
            CostBasis::Server => "server",
            CostBasis::Site => "site",
            CostBasis::CloudService => "cloud_service",
        }
    }
}

impl CostKind {
    pub fn key(self) -> &'static str {
        match self {
            CostKind::OneOff => "one_off",
            CostKind::Annual => "annual",
            CostKind::Hours => "hours",
        }
    }
}

/// One element of what meeting a criterion costs, before it is scaled to a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostDriver {
    pub kind: CostKind,
    /// Whole yen for `one_off` and `annual`, whole hours for `hours`.
    pub amount: u64,
    pub per: CostBasis,
}

impl fmt::Display for CostDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            CostKind::OneOff => write!(f, "one-off ¥{} {}", self.amount, self.per.label(Lang::En)),
            CostKind::Annual => write!(f, "annual ¥{} {}", self.amount, self.per.label(Lang::En)),
            CostKind::Hours => write!(f, "{} staff hours {}", self.amount, self.per.label(Lang::En)),
        }
    }
}

/// References to other frameworks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mappings {
    /// NIST CSF 2.0 subcategories, e.g. `PR.AA-03`.
    pub csf: Vec<String>,
    /// ISO/IEC 27001:2022 Annex A controls, e.g. `A.8.5`.
    pub iso27001: Vec<String>,
    /// NIST SP 800-171 Rev. 3 requirements, e.g. `03.05.03`.
    pub sp800_171: Vec<String>,
}

impl Mappings {
    pub fn is_empty(&self) -> bool {
        self.csf.is_empty() && self.iso27001.is_empty() && self.sp800_171.is_empty()
    }
}

/// An evaluation criterion (評価基準): one statement a company meets, does not meet, or
/// justifies as not applicable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Criterion {
    /// Official number for ★3/★4 (`4-1-3-2`), our own `L{level}-…` otherwise.
    pub id: String,
    pub requirement: String,
    pub category: String,
    /// The level from which it applies.
    pub level: Level,
    pub text: Bilingual,
    pub guidance: Bilingual,
    pub evidence: Vec<Bilingual>,
    pub mappings: Mappings,
    pub cost: Vec<CostDriver>,
}

impl Criterion {
    /// Whether the criterion asks for a check at least once a year (「年1回以上」「少なくとも年1回」):
    /// its evidence then has a review-by date a year after it takes effect.
    pub fn yearly_check(&self) -> bool {
        let t = self.text.ja.as_str();
        t.contains("年1回") || t.contains("年に1回") || t.contains("毎年")
    }
}

/// How many requirements and criteria a level introduces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelCounts {
    pub requirements: u32,
    /// Criteria per category key.
    pub criteria: BTreeMap<String, u32>,
}

impl LevelCounts {
    pub fn total_criteria(&self) -> u32 {
        self.criteria.values().sum()
    }
}

/// One validated edition of the standard.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Edition {
    pub id: String,
    /// `YYYY-MM-DD`.
    pub published: String,
    pub title: Bilingual,
    /// The achieved-level rule, in words.
    pub rule: Bilingual,
    pub levels: Vec<LevelInfo>,
    pub categories: Vec<Category>,
    pub requirements: Vec<Requirement>,
    pub criteria: Vec<Criterion>,
    /// Counts the edition declares per level (checked against the data on load).
    pub declared: BTreeMap<u8, LevelCounts>,
}

impl Edition {
    pub fn level(&self, level: Level) -> &LevelInfo {
        // Validation guarantees exactly one entry per level, in order.
        &self.levels[usize::from(level.get() - 1)]
    }

    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key == key)
    }

    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    /// The criteria of one requirement, in order.
    pub fn criteria_of<'a>(&'a self, requirement: &'a str) -> impl Iterator<Item = &'a Criterion> {
        self.criteria.iter().filter(move |c| c.requirement == requirement)
    }

    /// What each level introduces, counted from the data.
    pub fn counts(&self, level: Level) -> LevelCounts {
        let mut counts =
            LevelCounts { requirements: self.requirements.iter().filter(|r| r.level == level).count() as u32, criteria: BTreeMap::new() };
        for c in self.criteria.iter().filter(|c| c.level == level) {
            *counts.criteria.entry(c.category.clone()).or_default() += 1;
        }
        counts
    }

    /// Criteria needed for `level` counted the way the scheme publishes them: the ★3/★4
    /// structure counts from ★3 up (★4 "in all" = ★3's plus ★4's own); ★1, ★2 and ★5
    /// count their own criteria plus, for ★5, those of ★3 and ★4.
    pub fn published_total(&self, level: Level) -> u32 {
        let from = if level >= Level::THREE { 3 } else { level.get() };
        self.criteria.iter().filter(|c| (from..=level.get()).contains(&c.level.get())).count() as u32
    }

    /// Every criterion a company must meet (or justify as not applicable) to achieve `level`:
    /// those of the level and of every level below.
    pub fn criteria_up_to(&self, level: Level) -> impl Iterator<Item = &Criterion> {
        self.criteria.iter().filter(move |c| c.level <= level)
    }
}
