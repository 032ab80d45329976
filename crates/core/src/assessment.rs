//! Where a company stands against an edition: the achieved level, readiness per level and per
//! category, and the gaps to a target level.
//!
//! The rule (from the edition): a level is achieved only when every criterion of that level and
//! of every level below is met or excluded as not applicable. One gap blocks the level; there is
//! no points score. An unanswered criterion counts as not met.

use std::collections::{BTreeMap, HashMap};

use hoshi_ids::Level;
use hoshi_standard::{Criterion, Edition};
use serde::{Deserialize, Serialize};

/// A company's answer to one criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Answer {
    Met,
    NotMet,
    /// Excluded as not applicable; the reason is required and later confirmed by the expert or assessor.
    NotApplicable {
        reason: String,
    },
}

impl Answer {
    /// Met or excluded: does not block a level.
    pub fn satisfies(&self) -> bool {
        !matches!(self, Answer::NotMet)
    }
}

/// Progress on a set of criteria.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    /// Criteria in the set.
    pub total: u32,
    pub met: u32,
    pub not_applicable: u32,
    pub not_met: u32,
    pub unanswered: u32,
}

impl Readiness {
    fn add(&mut self, a: Option<&Answer>) {
        self.total += 1;
        match a {
            Some(Answer::Met) => self.met += 1,
            Some(Answer::NotApplicable { .. }) => self.not_applicable += 1,
            Some(Answer::NotMet) => self.not_met += 1,
            None => self.unanswered += 1,
        }
    }
    /// Applicable criteria (total less exclusions).
    pub fn applicable(&self) -> u32 {
        self.total - self.not_applicable
    }
    /// Met share of applicable criteria, in whole percent (rounded down; 100 only when all are met).
    pub fn percent(&self) -> u32 {
        match self.applicable() {
            0 => 100,
            n => self.met * 100 / n,
        }
    }
    pub fn complete(&self) -> bool {
        self.not_met == 0 && self.unanswered == 0
    }
}

/// One criterion standing between the company and its target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub criterion: String,
    pub level: Level,
    pub category: String,
    /// True when it was never answered (as opposed to answered "not met").
    pub unanswered: bool,
}

/// The result of evaluating answers against an edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The highest level whose criteria, and those of every level below, are all met or excluded.
    pub achieved: Option<Level>,
    pub target: Level,
    /// Readiness of each level's own criteria.
    pub by_level: BTreeMap<u8, Readiness>,
    /// Readiness per category over the criteria needed for the target.
    pub by_category: BTreeMap<String, Readiness>,
    /// Criteria not yet satisfied up to the target, in catalog order.
    pub gaps: Vec<Gap>,
}

/// Evaluates `answers` (by criterion id) against `edition` for `target`.
pub fn evaluate(edition: &Edition, answers: &HashMap<String, Answer>, target: Level) -> Evaluation {
    let mut by_level: BTreeMap<u8, Readiness> = Level::ALL.iter().map(|l| (l.get(), Readiness::default())).collect();
    let mut by_category: BTreeMap<String, Readiness> = edition.categories.iter().map(|c| (c.key.clone(), Readiness::default())).collect();
    let mut gaps = Vec::new();
    for c in &edition.criteria {
        let a = answers.get(&c.id);
        if let Some(r) = by_level.get_mut(&c.level.get()) {
            r.add(a);
        }
        if c.level <= target {
            if let Some(r) = by_category.get_mut(&c.category) {
                r.add(a);
            }
            if !a.is_some_and(Answer::satisfies) {
                gaps.push(gap(c, a.is_none()));
            }
        }
    }
    let mut achieved = None;
    for l in Level::ALL {
        if by_level.get(&l.get()).is_some_and(Readiness::complete) {
            achieved = Some(l);
        } else {
            break;
        }
    }
    Evaluation { achieved, target, by_level, by_category, gaps }
}

fn gap(c: &Criterion, unanswered: bool) -> Gap {
    Gap { criterion: c.id.clone(), level: c.level, category: c.category.clone(), unanswered }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn edition() -> &'static Edition {
        static E: std::sync::OnceLock<Edition> = std::sync::OnceLock::new();
        E.get_or_init(|| hoshi_standard::embedded_edition(Some("2026.03")).expect("embedded"))
    }

    fn all_met(e: &Edition, up_to: Level) -> HashMap<String, Answer> {
        e.criteria.iter().filter(|c| c.level <= up_to).map(|c| (c.id.clone(), Answer::Met)).collect()
    }

    #[test]
    fn nothing_answered_achieves_nothing() {
        let e = edition();
        let ev = evaluate(e, &HashMap::new(), Level::THREE);
        assert_eq!(ev.achieved, None);
        assert_eq!(ev.gaps.len() as u32, e.criteria_up_to(Level::THREE).count() as u32);
        assert!(ev.gaps.iter().all(|g| g.unanswered));
    }

    #[test]
    fn every_criterion_up_to_a_level_achieves_it_and_exclusions_count() {
        let e = edition();
        let mut answers = all_met(e, Level::THREE);
        assert_eq!(evaluate(e, &answers, Level::THREE).achieved, Some(Level::THREE));
        answers.insert("4-1-2-4".into(), Answer::NotApplicable { reason: "no development".into() });
        let ev = evaluate(e, &answers, Level::FOUR);
        assert_eq!(ev.achieved, Some(Level::THREE));
        assert_eq!(ev.by_level[&3].not_applicable, 1);
        assert_eq!(ev.by_level[&3].percent(), 100);
        assert_eq!(ev.gaps.len(), e.counts(Level::FOUR).total_criteria() as usize);
    }

    #[test]
    fn a_level_needs_the_levels_below() {
        let e = edition();
        let mut answers: HashMap<String, Answer> =
            e.criteria.iter().filter(|c| c.level >= Level::THREE).map(|c| (c.id.clone(), Answer::Met)).collect();
        assert_eq!(evaluate(e, &answers, Level::FIVE).achieved, None, "★3–★5 met but ★1/★2 not: nothing");
        for c in e.criteria.iter().filter(|c| c.level < Level::THREE) {
            answers.insert(c.id.clone(), Answer::Met);
        }
        assert_eq!(evaluate(e, &answers, Level::FIVE).achieved, Some(Level::FIVE));
    }

    proptest! {
        /// In any set of answers that achieves ★3, turning any applicable ★3 criterion to
        /// "not met" makes the achieved level lower than ★3.
        #[test]
        fn one_gap_blocks_star_three(
            seed in proptest::collection::vec(0u8..4, 250),
            pick in 0usize..81,
        ) {
            let e = edition();
            let mut answers = HashMap::new();
            for (c, s) in e.criteria.iter().zip(seed.iter().cycle()) {
                let a = if c.level <= Level::THREE {
                    // anything that satisfies: met or excluded
                    if *s == 0 { Answer::NotApplicable { reason: "r".into() } } else { Answer::Met }
                } else {
                    match s { 0 => Answer::Met, 1 => Answer::NotMet, 2 => Answer::NotApplicable { reason: "r".into() }, _ => continue }
                };
                answers.insert(c.id.clone(), a);
            }
            let before = evaluate(e, &answers, Level::FOUR);
            prop_assert!(before.achieved >= Some(Level::THREE));
            let applicable: Vec<&Criterion> = e.criteria.iter()
                .filter(|c| c.level == Level::THREE && answers.get(&c.id) == Some(&Answer::Met))
                .collect();
            prop_assume!(!applicable.is_empty());
            let victim = applicable[pick % applicable.len()];
            answers.insert(victim.id.clone(), Answer::NotMet);
            let after = evaluate(e, &answers, Level::FOUR);
            prop_assert!(after.achieved < Some(Level::THREE), "{} not met still gives {:?}", victim.id, after.achieved);
            prop_assert!(after.gaps.iter().any(|g| g.criterion == victim.id));
        }
    }
}
