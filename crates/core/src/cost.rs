//! What closing the gaps costs: each gap criterion's cost drivers scaled to the company, staff
//! hours priced at a loaded hourly rate, a management overhead, and totals per increment
//! (reaching ★3, ★3→★4, ★4→★5), split into one-off and annual, in whole yen.
//!
//! This estimate is the cost basis for cost sharing, so it is data: every line and total is kept,
//! and the totals are exactly the sum of the lines plus the overhead lines.

use std::collections::HashMap;

use hoshi_ids::{Level, Yen, YenError};
use hoshi_standard::{CostBasis, CostKind, Edition};
use serde::{Deserialize, Serialize};

use crate::assessment::Gap;

/// The default loaded hourly rate for staff time.
pub const DEFAULT_HOURLY_RATE: Yen = Yen::new(3_500);
/// Where the default rate comes from, shown beside it.
pub const DEFAULT_HOURLY_RATE_SOURCE_JA: &str = "厚生労働省「賃金構造基本統計調査」（令和5年）の一般労働者の所定内給与額（月額約31.8万円）を月165時間で割った約1,930円に、賞与・法定福利費・間接費として約1.8倍を掛けた概算です。自社の実態に合わせて変更してください。";
pub const DEFAULT_HOURLY_RATE_SOURCE_EN: &str = "Approximation: MHLW Basic Survey on Wage Structure 2023, average scheduled monthly earnings of general workers (about ¥318,000) over 165 hours ≈ ¥1,930 an hour, times about 1.8 for bonuses, statutory welfare and overhead. Change it to your own figure.";
/// The default management overhead on direct costs, in percent.
pub const DEFAULT_OVERHEAD_PERCENT: u32 = 10;

/// How big the company is, for scaling cost drivers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanySize {
    pub employees: u64,
    pub pcs: u64,
    pub servers: u64,
    pub sites: u64,
    pub cloud_services: u64,
}

impl CompanySize {
    fn count(&self, per: CostBasis) -> u64 {
        match per {
            CostBasis::Company => 1,
            CostBasis::Employee => self.employees,
            CostBasis::Pc => self.pcs,
            CostBasis::Server => self.servers,
            CostBasis::Site => self.sites,
            CostBasis::CloudService => self.cloud_services,
        }
    }
}

/// The supplier's pricing choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostSettings {
    pub hourly_rate: Yen,
    pub overhead_percent: u32,
}

impl Default for CostSettings {
    fn default() -> Self {
        CostSettings { hourly_rate: DEFAULT_HOURLY_RATE, overhead_percent: DEFAULT_OVERHEAD_PERCENT }
    }
}

/// A real quote that replaces the catalog's estimate for one criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub one_off: Yen,
    pub annual: Yen,
    pub note: String,
}

/// What closing one gap costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostLine {
    pub criterion: String,
    pub level: Level,
    /// The level whose increment this line belongs to (★3 for gaps at ★1–★3).
    pub increment: Level,
    /// Direct one-off cost (yen), excluding staff time.
    pub direct_one_off: Yen,
    pub annual: Yen,
    pub hours: u64,
    /// `hours × hourly rate`.
    pub labour: Yen,
    /// `direct_one_off + labour`.
    pub one_off: Yen,
    /// Replaced by a quote.
    pub quoted: bool,
}

/// Totals for one increment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncrementTotal {
    /// The level reached by this increment (★3, ★4 or ★5).
    pub to: Level,
    /// The level it starts from (`None` for reaching ★3 from nothing).
    pub from: Option<Level>,
    pub lines: u32,
    pub one_off_lines: Yen,
    pub annual_lines: Yen,
    pub overhead_one_off: Yen,
    pub overhead_annual: Yen,
    /// `one_off_lines + overhead_one_off`.
    pub one_off: Yen,
    /// `annual_lines + overhead_annual`.
    pub annual: Yen,
}

/// The whole estimate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Estimate {
    pub settings: CostSettings,
    pub size: CompanySize,
    pub lines: Vec<CostLine>,
    pub increments: Vec<IncrementTotal>,
}

impl Estimate {
    pub fn total_one_off(&self) -> Result<Yen, YenError> {
        Yen::checked_sum(self.increments.iter().map(|i| i.one_off))
    }
    pub fn total_annual(&self) -> Result<Yen, YenError> {
        Yen::checked_sum(self.increments.iter().map(|i| i.annual))
    }
}

/// The increment a criterion's cost belongs to.
pub fn increment_of(level: Level) -> Level {
    level.max(Level::THREE)
}

/// `amount × percent / 100`, rounded half up, in whole yen.
fn percent_of(amount: Yen, percent: u32) -> Result<Yen, YenError> {
    let v = (u128::from(amount.get()) * u128::from(percent) + 50) / 100;
    u64::try_from(v).map(Yen::new).map_err(|_| YenError::Overflow)
}

/// Prices the gaps. Criteria missing from the edition are skipped (the caller's gaps come from it).
pub fn estimate(
    edition: &Edition,
    gaps: &[Gap],
    size: CompanySize,
    settings: CostSettings,
    quotes: &HashMap<String, Quote>,
) -> Result<Estimate, YenError> {
    let mut lines = Vec::new();
    for g in gaps {
        let Some(c) = edition.criterion(&g.criterion) else {
            continue;
        };
        let line = if let Some(q) = quotes.get(&c.id) {
            CostLine {
                criterion: c.id.clone(),
                level: c.level,
                increment: increment_of(c.level),
                direct_one_off: q.one_off,
                annual: q.annual,
                hours: 0,
                labour: Yen::ZERO,
                one_off: q.one_off,
                quoted: true,
            }
        } else {
            let (mut direct, mut annual, mut hours) = (Yen::ZERO, Yen::ZERO, 0u64);
            for d in &c.cost {
                let n = size.count(d.per);
                match d.kind {
                    CostKind::OneOff => direct = direct.checked_add(Yen::new(d.amount).checked_mul(n)?)?,
                    CostKind::Annual => annual = annual.checked_add(Yen::new(d.amount).checked_mul(n)?)?,
                    CostKind::Hours => {
                        hours = hours.checked_add(d.amount.checked_mul(n).ok_or(YenError::Overflow)?).ok_or(YenError::Overflow)?
                    }
                }
            }
            let labour = settings.hourly_rate.checked_mul(hours)?;
            CostLine {
                criterion: c.id.clone(),
                level: c.level,
                increment: increment_of(c.level),
                direct_one_off: direct,
                annual,
                hours,
                labour,
                one_off: direct.checked_add(labour)?,
                quoted: false,
            }
        };
        lines.push(line);
    }
    let mut increments = Vec::new();
    for (to, from) in [(Level::THREE, None), (Level::FOUR, Some(Level::THREE)), (Level::FIVE, Some(Level::FOUR))] {
        let mine: Vec<&CostLine> = lines.iter().filter(|l| l.increment == to).collect();
        let one_off_lines = Yen::checked_sum(mine.iter().map(|l| l.one_off))?;
        let annual_lines = Yen::checked_sum(mine.iter().map(|l| l.annual))?;
        let overhead_one_off = percent_of(one_off_lines, settings.overhead_percent)?;
        let overhead_annual = percent_of(annual_lines, settings.overhead_percent)?;
        increments.push(IncrementTotal {
            to,
            from,
            lines: mine.len() as u32,
            one_off_lines,
            annual_lines,
            overhead_one_off,
            overhead_annual,
            one_off: one_off_lines.checked_add(overhead_one_off)?,
            annual: annual_lines.checked_add(overhead_annual)?,
        });
    }
    Ok(Estimate { settings, size, lines, increments })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::{evaluate, Answer};
    use proptest::prelude::*;

    fn edition() -> &'static Edition {
        static E: std::sync::OnceLock<Edition> = std::sync::OnceLock::new();
        E.get_or_init(|| hoshi_standard::embedded_edition(Some("2026.03")).expect("embedded"))
    }

    fn size() -> CompanySize {
        CompanySize { employees: 30, pcs: 32, servers: 2, sites: 1, cloud_services: 3 }
    }

    #[test]
    fn a_single_criterion_is_priced_from_its_drivers() {
        let e = edition();
        let c = e.criterion("4-1-3-2").expect("criterion");
        let gaps = vec![Gap { criterion: c.id.clone(), level: c.level, category: c.category.clone(), unanswered: false }];
        let est = estimate(e, &gaps, size(), CostSettings::default(), &HashMap::new()).expect("estimate");
        let mut want_direct = 0u64;
        let mut want_annual = 0u64;
        let mut want_hours = 0u64;
        for d in &c.cost {
            let n = size().count(d.per);
            match d.kind {
                CostKind::OneOff => want_direct += d.amount * n,
                CostKind::Annual => want_annual += d.amount * n,
                CostKind::Hours => want_hours += d.amount * n,
            }
        }
        let l = &est.lines[0];
        assert_eq!((l.direct_one_off.get(), l.annual.get(), l.hours), (want_direct, want_annual, want_hours));
        assert_eq!(l.one_off.get(), want_direct + want_hours * 3_500);
        let three = &est.increments[0];
        assert_eq!(three.to, Level::THREE);
        assert_eq!(three.overhead_one_off.get(), (l.one_off.get() * 10 + 50) / 100);
        assert_eq!(est.increments[1].lines, 0);
    }

    #[test]
    fn a_quote_replaces_the_estimate() {
        let e = edition();
        let c = e.criterion("4-4-5-1").expect("criterion");
        let gaps = vec![Gap { criterion: c.id.clone(), level: c.level, category: c.category.clone(), unanswered: true }];
        let quotes =
            HashMap::from([(c.id.clone(), Quote { one_off: Yen::new(120_000), annual: Yen::new(48_000), note: "vendor quote".into() })]);
        let est =
            estimate(e, &gaps, size(), CostSettings { hourly_rate: Yen::new(4_000), overhead_percent: 0 }, &quotes).expect("estimate");
        assert!(est.lines[0].quoted);
        assert_eq!(est.increments[0].one_off, Yen::new(120_000));
        assert_eq!(est.increments[0].annual, Yen::new(48_000));
    }

    proptest! {
        /// The totals are exactly the lines plus the overhead, per increment, to the yen.
        #[test]
        fn totals_add_up_to_the_yen(
            seed in proptest::collection::vec(0u8..3, 211),
            employees in 0u64..5000, pcs in 0u64..5000, servers in 0u64..300, sites in 0u64..40,
            rate in 0u64..20_000, overhead in 0u32..60,
        ) {
            let e = edition();
            let answers: HashMap<String, Answer> = e.criteria.iter().zip(&seed).filter_map(|(c, s)| match s {
                0 => Some((c.id.clone(), Answer::Met)), 1 => Some((c.id.clone(), Answer::NotMet)), _ => None }).collect();
            let ev = evaluate(e, &answers, Level::FIVE);
            let size = CompanySize { employees, pcs, servers, sites, cloud_services: 2 };
            let est = estimate(e, &ev.gaps, size, CostSettings { hourly_rate: Yen::new(rate), overhead_percent: overhead }, &HashMap::new()).expect("no overflow at these sizes");
            prop_assert_eq!(est.lines.len(), ev.gaps.len());
            for inc in &est.increments {
                let lines: Vec<&CostLine> = est.lines.iter().filter(|l| l.increment == inc.to).collect();
                let one: u64 = lines.iter().map(|l| l.one_off.get()).sum();
                let ann: u64 = lines.iter().map(|l| l.annual.get()).sum();
                prop_assert_eq!(inc.one_off_lines.get(), one);
                prop_assert_eq!(inc.annual_lines.get(), ann);
                prop_assert_eq!(inc.one_off.get(), one + inc.overhead_one_off.get());
                prop_assert_eq!(inc.annual.get(), ann + inc.overhead_annual.get());
                for l in lines {
                    prop_assert_eq!(l.one_off.get(), l.direct_one_off.get() + l.hours * rate);
                }
            }
        }
    }
}
