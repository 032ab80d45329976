//! Loading an edition from its TOML files and checking it: every problem is reported with the
//! file and line it comes from, not just the first.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use hoshi_ids::Level;
use serde::Deserialize;
use toml::Spanned;

use crate::model::*;

/// One thing wrong with an edition, where it is, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based; 0 when the problem concerns the edition as a whole.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// Every problem found in an edition, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            writeln!(f, "{p}")?;
        }
        write!(f, "{} problem(s)", self.0.len())
    }
}

pub const EDITION_FILE: &str = "edition.toml";

// ---- raw shapes, as written in the files ----

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawText {
    ja: Option<String>,
    en: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawList {
    ja: Option<Vec<String>>,
    en: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEdition {
    edition: Spanned<String>,
    published: Spanned<String>,
    title: Option<RawText>,
    rule: Option<RawText>,
    #[serde(default)]
    level: Vec<Spanned<RawLevel>>,
    #[serde(default)]
    category: Vec<Spanned<RawCategory>>,
    #[serde(default)]
    declared: Vec<Spanned<RawDeclared>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    level: Spanned<i64>,
    name: Option<RawText>,
    description: Option<RawText>,
    assessment: AssessmentMethod,
    assessment_text: Option<RawText>,
    validity_months: Option<u32>,
    #[serde(default)]
    annual_self_assessment: bool,
    #[serde(default)]
    provisional: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    number: u8,
    key: String,
    csf_function: String,
    name: Option<RawText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeclared {
    level: i64,
    requirements: u32,
    criteria: BTreeMap<String, u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPart {
    #[serde(default)]
    requirement: Vec<Spanned<RawRequirement>>,
    #[serde(default)]
    criterion: Vec<Spanned<RawCriterion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: Spanned<String>,
    category: Spanned<String>,
    title: Option<RawText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: Spanned<String>,
    requirement: Spanned<String>,
    level: Spanned<i64>,
    text: Option<RawText>,
    guidance: Option<RawText>,
    evidence: Option<RawList>,
    #[serde(default)]
    csf: Vec<Spanned<String>>,
    #[serde(default)]
    iso27001: Vec<Spanned<String>>,
    #[serde(default)]
    sp800_171: Vec<Spanned<String>>,
    #[serde(default)]
    cost: Vec<CostDriver>,
}

/// Collects problems with file and line while checking.
struct Checker<'a> {
    problems: Vec<Problem>,
    file: &'a str,
    text: &'a str,
}

impl Checker<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }
    fn at(&mut self, offset: usize, message: impl Into<String>) {
        let line = self.line_of(offset);
        self.problems.push(Problem { file: self.file.to_owned(), line, message: message.into() });
    }
    fn bilingual(&mut self, offset: usize, what: &str, raw: Option<&RawText>) -> Bilingual {
        let ja = raw.and_then(|r| r.ja.as_deref()).map(str::trim).unwrap_or("");
        let en = raw.and_then(|r| r.en.as_deref()).map(str::trim).unwrap_or("");
        for (lang, v) in [("Japanese (ja)", ja), ("English (en)", en)] {
            if v.is_empty() {
                self.at(offset, format!("{what} is missing its {lang} text"));
            }
        }
        Bilingual { ja: ja.to_owned(), en: en.to_owned() }
    }
}

/// Splits an id into its numbers (the category first); own ids `L{level}-{category}-…` also
/// give `Some(level)`. `parts_wanted` is 3 for a requirement and 4 for a criterion.
fn parse_id(id: &str, parts_wanted: usize) -> Option<(Option<u8>, Vec<u32>)> {
    let (own, rest) = match id.strip_prefix('L') {
        Some(r) => {
            let (lv, rest) = r.split_once('-')?;
            let lv: u8 = lv.parse().ok()?;
            (Some(lv), rest)
        }
        None => (None, id),
    };
    let nums: Option<Vec<u32>> = rest
        .split('-')
        .map(|p| (!p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok()).flatten())
        .collect();
    let nums = nums?;
    // Own ids trade the group number for the level: L5-3-1 is a requirement, L5-3-1-2 a criterion.
    let wanted = if own.is_some() { parts_wanted - 1 } else { parts_wanted };
    (nums.len() == wanted && nums[0] >= 1).then_some((own, nums))
}

fn mapping_ok(kind: &str, v: &str) -> bool {
    let b = v.as_bytes();
    match kind {
        // GV.RR-02
        "csf" => {
            b.len() == 8
                && v.get(..2).is_some_and(|f| ["GV", "ID", "PR", "DE", "RS", "RC"].contains(&f))
                && b[2] == b'.'
                && b[3..5].iter().all(u8::is_ascii_uppercase)
                && b[5] == b'-'
                && b[6..].iter().all(u8::is_ascii_digit)
        }
        // A.8.5 / A.5.15
        "iso27001" => {
            let mut p = v.split('.');
            p.next() == Some("A")
                && matches!(p.next(), Some("5" | "6" | "7" | "8"))
                && p.next().is_some_and(|n| !n.is_empty() && n.len() <= 2 && n.bytes().all(|c| c.is_ascii_digit()))
                && p.next().is_none()
        }
        // 03.05.03
        "sp800_171" => {
            b.len() == 8 && v.starts_with("03.") && b[2] == b'.' && b[5] == b'.' && [b[3], b[4], b[6], b[7]].iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

struct Located<T> {
    file: String,
    line: usize,
    item: T,
}

/// Loads and checks one edition from its files (`(file name, contents)`), one of which must be
/// `edition.toml`. Returns the edition, or every problem found.
pub fn load_edition(files: &[(&str, &str)]) -> Result<Edition, Problems> {
    let mut problems = Vec::new();
    let Some((_, edition_text)) = files.iter().find(|(n, _)| *n == EDITION_FILE) else {
        return Err(Problems(vec![Problem {
            file: EDITION_FILE.into(),
            line: 0,
            message: "the edition has no edition.toml: every edition folder needs one".into(),
        }]));
    };

    // ---- edition.toml ----
    let mut ck = Checker { problems: Vec::new(), file: EDITION_FILE, text: edition_text };
    let raw: RawEdition = match toml::from_str(edition_text) {
        Ok(r) => r,
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            ck.at(offset, toml_message(&e));
            return Err(Problems(ck.problems));
        }
    };
    let id = raw.edition.get_ref().trim().to_owned();
    if id.is_empty() {
        ck.at(raw.edition.span().start, "edition id is empty");
    }
    let published = raw.published.get_ref().trim().to_owned();
    if !is_date(&published) {
        ck.at(raw.published.span().start, format!("published date {published:?} is not a date: write YYYY-MM-DD"));
    }
    let title = ck.bilingual(0, "the edition title", raw.title.as_ref());
    let rule = ck.bilingual(0, "the achieved-level rule", raw.rule.as_ref());

    let mut levels: Vec<Option<LevelInfo>> = vec![None; 5];
    for l in &raw.level {
        let off = l.span().start;
        let r = l.get_ref();
        let n = *r.level.get_ref();
        let name = ck.bilingual(off, &format!("level {n}'s name"), r.name.as_ref());
        let description = ck.bilingual(off, &format!("level {n}'s description"), r.description.as_ref());
        let assessment_text = ck.bilingual(off, &format!("level {n}'s assessment_text"), r.assessment_text.as_ref());
        let Ok(level) = Level::new(n) else {
            ck.at(r.level.span().start, format!("level {n} is outside 1–5"));
            continue;
        };
        let slot = &mut levels[usize::from(level.get() - 1)];
        if slot.is_some() {
            ck.at(r.level.span().start, format!("level {n} is defined twice"));
        }
        *slot = Some(LevelInfo {
            level,
            name,
            description,
            assessment: r.assessment,
            assessment_text,
            validity_months: r.validity_months,
            annual_self_assessment: r.annual_self_assessment,
            provisional: r.provisional,
        });
    }
    for (i, l) in levels.iter().enumerate() {
        if l.is_none() {
            ck.at(0, format!("level {} is not defined: an edition defines all five levels", i + 1));
        }
    }

    let mut categories: Vec<Category> = Vec::new();
    for c in &raw.category {
        let off = c.span().start;
        let r = c.get_ref();
        let name = ck.bilingual(off, &format!("category {}'s name", r.key), r.name.as_ref());
        if !(1..=9).contains(&r.number) {
            ck.at(off, format!("category number {} must be a single digit 1–9", r.number));
        }
        if categories.iter().any(|x| x.number == r.number || x.key == r.key) {
            ck.at(off, format!("category {} ({}) is defined twice", r.number, r.key));
        }
        categories.push(Category { number: r.number, key: r.key.clone(), csf_function: r.csf_function.clone(), name });
    }
    categories.sort_by_key(|c| c.number);

    let mut declared: BTreeMap<u8, LevelCounts> = BTreeMap::new();
    let mut declared_at: HashMap<u8, usize> = HashMap::new();
    for d in &raw.declared {
        let off = d.span().start;
        let r = d.get_ref();
        let Ok(level) = Level::new(r.level) else {
            ck.at(off, format!("declared counts for level {} outside 1–5", r.level));
            continue;
        };
        for key in r.criteria.keys() {
            if !categories.iter().any(|c| &c.key == key) {
                ck.at(off, format!("declared counts name an unknown category {key:?}"));
            }
        }
        if declared.contains_key(&level.get()) {
            ck.at(off, format!("counts for level {} are declared twice", r.level));
        }
        declared_at.insert(level.get(), ck.line_of(off));
        declared.insert(level.get(), LevelCounts { requirements: r.requirements, criteria: r.criteria.clone() });
    }
    problems.append(&mut ck.problems);

    // ---- requirement and criterion files ----
    let mut requirements: Vec<Located<(Requirement, u8)>> = Vec::new();
    let mut criteria: Vec<Located<(Criterion, usize)>> = Vec::new();
    let mut part_files: Vec<&(&str, &str)> = files.iter().filter(|(n, _)| *n != EDITION_FILE).collect();
    part_files.sort_by_key(|(n, _)| *n);
    for (file, text) in part_files {
        let mut ck = Checker { problems: Vec::new(), file, text };
        let part: RawPart = match toml::from_str(text) {
            Ok(p) => p,
            Err(e) => {
                let offset = e.span().map_or(0, |s| s.start);
                ck.at(offset, toml_message(&e));
                problems.append(&mut ck.problems);
                continue;
            }
        };
        for r in part.requirement {
            let off = r.span().start;
            let r = r.into_inner();
            let rid = r.id.get_ref().trim().to_owned();
            let title = ck.bilingual(off, &format!("requirement {rid}'s title"), r.title.as_ref());
            let cat_key = r.category.get_ref().trim().to_owned();
            let category = categories.iter().find(|c| c.key == cat_key);
            if category.is_none() {
                ck.at(
                    r.category.span().start,
                    format!(
                        "requirement {rid} names an unknown category {cat_key:?}; the categories are: {}",
                        categories.iter().map(|c| c.key.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
            match parse_id(&rid, 3) {
                None => ck.at(
                    r.id.span().start,
                    format!("requirement id {rid:?} is malformed: write C-G-R (e.g. 4-1-3) or L<level>-C-N (e.g. L5-3-1)"),
                ),
                Some((_, nums)) => {
                    if let Some(c) = category {
                        if nums[0] != u32::from(c.number) {
                            ck.at(
                                r.id.span().start,
                                format!(
                                    "requirement {rid} starts with category number {} but is in category {} ({})",
                                    nums[0], c.number, c.key
                                ),
                            );
                        }
                    }
                }
            }
            let own_level = parse_id(&rid, 3).and_then(|(l, _)| l).unwrap_or(0);
            requirements.push(Located {
                file: file.to_string(),
                line: ck.line_of(off),
                item: (Requirement { id: rid, category: cat_key, title, level: Level::FIVE }, own_level),
            });
        }
        for c in part.criterion {
            let off = c.span().start;
            let c = c.into_inner();
            let cid = c.id.get_ref().trim().to_owned();
            let text = ck.bilingual(off, &format!("criterion {cid}'s text"), c.text.as_ref());
            let guidance = ck.bilingual(off, &format!("criterion {cid}'s guidance"), c.guidance.as_ref());
            let ev = c.evidence.unwrap_or_default();
            let (ev_ja, ev_en) = (ev.ja.unwrap_or_default(), ev.en.unwrap_or_default());
            if ev_ja.len() != ev_en.len() {
                ck.at(
                    off,
                    format!(
                        "criterion {cid} has {} Japanese but {} English evidence examples: give each in both languages",
                        ev_ja.len(),
                        ev_en.len()
                    ),
                );
            }
            let evidence = ev_ja.into_iter().zip(ev_en).map(|(ja, en)| Bilingual { ja, en }).collect();
            let lv = *c.level.get_ref();
            let level = match Level::new(lv) {
                Ok(l) => l,
                Err(_) => {
                    ck.at(c.level.span().start, format!("criterion {cid} has level {lv}, outside 1–5"));
                    Level::ONE
                }
            };
            match parse_id(&cid, 4) {
                None => ck.at(
                    c.id.span().start,
                    format!("criterion id {cid:?} is malformed: write C-G-R-N (e.g. 4-1-3-2) or L<level>-C-N-M (e.g. L5-3-1-2)"),
                ),
                Some((Some(own), _)) if u8::try_from(lv).ok() != Some(own) => {
                    ck.at(c.level.span().start, format!("criterion {cid} is numbered for level {own} but has level {lv}"))
                }
                Some(_) => {}
            }
            let mut mappings = Mappings::default();
            for (kind, list, out, name) in [
                ("csf", &c.csf, &mut mappings.csf, "NIST CSF 2.0 subcategory (e.g. PR.AA-03)"),
                ("iso27001", &c.iso27001, &mut mappings.iso27001, "ISO/IEC 27001:2022 Annex A control (e.g. A.8.5)"),
                ("sp800_171", &c.sp800_171, &mut mappings.sp800_171, "NIST SP 800-171 Rev. 3 requirement (e.g. 03.05.03)"),
            ] {
                for m in list {
                    if !mapping_ok(kind, m.get_ref()) {
                        ck.at(m.span().start, format!("criterion {cid}: {:?} is not a {name}", m.get_ref()));
                    }
                    out.push(m.get_ref().clone());
                }
            }
            if (3..=4).contains(&lv) {
                if c.cost.is_empty() {
                    ck.at(off, format!("criterion {cid} is a ★{lv} criterion without cost drivers: add at least one [[criterion.cost]]"));
                }
                if mappings.is_empty() {
                    ck.at(off, format!("criterion {cid} is a ★{lv} criterion without any mapping (csf, iso27001 or sp800_171)"));
                }
            }
            criteria.push(Located {
                file: file.to_string(),
                line: ck.line_of(off),
                item: (
                    Criterion {
                        id: cid,
                        requirement: c.requirement.get_ref().trim().to_owned(),
                        category: String::new(),
                        level,
                        text,
                        guidance,
                        evidence,
                        mappings,
                        cost: c.cost,
                    },
                    ck.line_of(c.requirement.span().start),
                ),
            });
        }
        problems.append(&mut ck.problems);
    }

    // ---- cross-file checks ----
    let mut first_req: HashMap<String, (String, usize)> = HashMap::new();
    for r in &requirements {
        let id = &r.item.0.id;
        if let Some((f, l)) = first_req.get(id) {
            problems.push(Problem {
                file: r.file.clone(),
                line: r.line,
                message: format!("duplicate requirement id {id} (first defined at {f}:{l})"),
            });
        } else {
            first_req.insert(id.clone(), (r.file.clone(), r.line));
        }
    }
    let mut first_crit: HashMap<String, (String, usize)> = HashMap::new();
    let mut min_level: HashMap<String, Level> = HashMap::new();
    for c in &mut criteria {
        let (crit, req_line) = &mut c.item;
        if let Some((f, l)) = first_crit.get(&crit.id) {
            problems.push(Problem {
                file: c.file.clone(),
                line: c.line,
                message: format!("duplicate criterion id {} (first defined at {f}:{l})", crit.id),
            });
        } else {
            first_crit.insert(crit.id.clone(), (c.file.clone(), c.line));
        }
        match requirements.iter().find(|r| r.item.0.id == crit.requirement) {
            None => problems.push(Problem {
                file: c.file.clone(),
                line: *req_line,
                message: format!("criterion {} names an unknown requirement {:?}", crit.id, crit.requirement),
            }),
            Some(r) => {
                crit.category = r.item.0.category.clone();
                if !crit.id.starts_with(&format!("{}-", crit.requirement)) {
                    problems.push(Problem {
                        file: c.file.clone(),
                        line: c.line,
                        message: format!(
                            "criterion {} belongs to requirement {} but its id does not start with \"{}-\"",
                            crit.id, crit.requirement, crit.requirement
                        ),
                    });
                }
                let e = min_level.entry(crit.requirement.clone()).or_insert(crit.level);
                *e = (*e).min(crit.level);
            }
        }
    }
    for r in &mut requirements {
        match min_level.get(&r.item.0.id) {
            Some(l) => r.item.0.level = *l,
            None => problems.push(Problem {
                file: r.file.clone(),
                line: r.line,
                message: format!("requirement {} has no criteria", r.item.0.id),
            }),
        }
    }

    let mut requirements: Vec<Requirement> = requirements.into_iter().map(|r| r.item.0).collect();
    let mut criteria: Vec<Criterion> = criteria.into_iter().map(|c| c.item.0).collect();
    let cat_no = |key: &str| categories.iter().find(|c| c.key == key).map_or(99, |c| c.number);
    let req_key = |r: &Requirement| (cat_no(&r.category), r.level, parse_id(&r.id, 3).map(|(_, n)| n).unwrap_or_default());
    requirements.sort_by_key(req_key);
    let order: HashMap<&str, usize> = requirements.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    criteria.sort_by_key(|c| {
        (order.get(c.requirement.as_str()).copied().unwrap_or(usize::MAX), parse_id(&c.id, 4).map(|(_, n)| n).unwrap_or_default())
    });
    let requirements_owned = requirements;

    let mut edition = Edition {
        id,
        published,
        title,
        rule,
        levels: levels.into_iter().flatten().collect(),
        categories,
        requirements: requirements_owned,
        criteria,
        declared,
    };

    // ---- declared counts ----
    if edition.levels.len() == 5 {
        for (lv, want) in edition.declared.clone() {
            let Ok(level) = Level::new(i64::from(lv)) else {
                continue;
            };
            let have = edition.counts(level);
            let line = declared_at.get(&lv).copied().unwrap_or(0);
            let mut say = |message: String| problems.push(Problem { file: EDITION_FILE.into(), line, message });
            if have.requirements != want.requirements {
                say(format!("★{lv} declares {} new requirements but the data has {}", want.requirements, have.requirements));
            }
            for cat in &edition.categories {
                let w = want.criteria.get(&cat.key).copied().unwrap_or(0);
                let h = have.criteria.get(&cat.key).copied().unwrap_or(0);
                if w != h {
                    say(format!("★{lv} declares {w} criteria in {} ({}) but the data has {h}", cat.key, cat.name.en));
                }
            }
        }
        for lv in [3u8, 4] {
            if !edition.declared.contains_key(&lv) {
                problems.push(Problem {
                    file: EDITION_FILE.into(),
                    line: 0,
                    message: format!("no [[declared]] counts for ★{lv}: the ★3 and ★4 counts must be declared so they can be checked"),
                });
            }
        }
    }
    edition.declared.retain(|_, _| true);

    if problems.is_empty() {
        Ok(edition)
    } else {
        problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        Err(Problems(problems))
    }
}

/// The TOML reader's message; it gives none for a key without a value at the very end of a file.
fn toml_message(e: &toml::de::Error) -> String {
    match e.message().trim() {
        "" => "the file ends where a value is expected: write the value after the `=` (a \"text\", a number, true or false, or [a, list])"
            .into(),
        message => message.to_owned(),
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u8>().unwrap_or(0))
}
