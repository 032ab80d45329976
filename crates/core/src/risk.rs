//! A buyer's view of one supplier: whether it meets the required level (portfolio status), how
//! risky it is and why (an explained score), and how strongly a compromise at the supplier reaches
//! the buyer (the weight of its link in the supply network).
//!
//! The score is likelihood × impact on a 0–100 scale:
//! - **likelihood** comes from the certified level (the registry's word). An uncertified supplier
//!   that shared a self-assessment is credited with its readiness, discounted by half — a
//!   self-assessment nobody has checked is worth less than a certificate. No certificate and no
//!   shared assessment is the worst case.
//! - **impact** adds up the three questions of the published rule, the buyer's criticality and
//!   the supplier's share of the buyer's purchases. A question the buyer has not answered counts
//!   as yes (as in the required-level rule) and its driver says it is unanswered.
//!
//! Every point of the score is attributed to a named driver, so the explanation adds up to the
//! score a person sees.

use hoshi_ids::Level;
use serde::Serialize;

use crate::required_level::{RelationshipAnswers, RelationshipFacts};
use crate::supplier_file::Criticality;

/// Chance of a damaging incident in a year by certified level (★1…★5), and with no level at all.
/// Orders of magnitude from the scheme's premise (each level halves the likelihood of the one
/// below, more or less); tunable, but the order must hold.
const LIKELIHOOD_BY_LEVEL: [f64; 5] = [0.12, 0.10, 0.05, 0.025, 0.01];
/// An unknown supplier: nothing certified, nothing shared.
pub const LIKELIHOOD_UNKNOWN: f64 = 0.15;
/// How much a shared, unconfirmed self-assessment is believed.
pub const SELF_ASSESSMENT_CREDIT: f64 = 0.5;

/// Impact weights: they add up to 1.
const IMPACT_CONFIDENTIAL: f64 = 0.25;
const IMPACT_OUTAGE: f64 = 0.25;
const IMPACT_NETWORK: f64 = 0.20;
const IMPACT_CRITICALITY_MAX: f64 = 0.15;
const IMPACT_PURCHASES_MAX: f64 = 0.15;
/// A supplier with this share of the buyer's purchases (10%) or more gets the full purchase weight.
const PURCHASE_SHARE_FULL_BP: u32 = 1_000;

/// Days before expiry from which a certificate counts as expiring.
pub const EXPIRING_DAYS: i64 = 90;

/// The likelihood of a supplier certified at `level`.
pub fn likelihood_of_level(level: Option<Level>) -> f64 {
    level.map_or(LIKELIHOOD_UNKNOWN, |l| LIKELIHOOD_BY_LEVEL[usize::from(l.get().clamp(1, 5) - 1)])
}

/// How strongly a compromise of a supplier travels to its customer: the chance it does, from
/// how the two are connected. Network access and data held are paths for an attacker; an
/// outage the customer cannot absorb is how a compromise stops the customer's production (as
/// Kojima Industries' stopped Toyota's plants). Even a link with none of these carries a little
/// (orders, e-mail).
pub fn link_weight(facts: RelationshipFacts) -> f64 {
    let mut safe = 1.0 - 0.1;
    if facts.network_access {
        safe *= 1.0 - 0.6;
    }
    if facts.holds_confidential_data {
        safe *= 1.0 - 0.3;
    }
    if facts.outage_unacceptable {
        safe *= 1.0 - 0.5;
    }
    1.0 - safe
}

/// Where a supplier stands against the level a buyer requires of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A valid certificate at or above the required level, not expiring soon.
    Compliant,
    /// A valid certificate at or above the required level that ends within 90 days.
    Expiring,
    /// Known to fall short: certified below the level, certificate suspended or revoked, or
    /// only a self-assessment.
    Gap,
    /// The last certificate ran out and none replaced it.
    Expired,
    /// Nothing in the registry and nothing shared.
    Unknown,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Compliant, Status::Expiring, Status::Gap, Status::Expired, Status::Unknown];

    pub fn key(self) -> &'static str {
        match self {
            Status::Compliant => "compliant",
            Status::Expiring => "expiring",
            Status::Gap => "gap",
            Status::Expired => "expired",
            Status::Unknown => "unknown",
        }
    }
    pub fn name_ja(self) -> &'static str {
        match self {
            Status::Compliant => "適合",
            Status::Expiring => "期限間近",
            Status::Gap => "不足",
            Status::Expired => "期限切れ",
            Status::Unknown => "不明",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            Status::Compliant => "compliant",
            Status::Expiring => "expiring",
            Status::Gap => "gap",
            Status::Expired => "expired",
            Status::Unknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.key() == s)
    }
}

/// What the registry and the supplier's shares say about one supplier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistryFacts {
    /// The best currently valid certificate: its level and the moment its validity ends.
    pub valid: Option<(Level, i64)>,
    /// The latest certificate ended by expiry (and nothing valid replaced it).
    pub latest_expired: bool,
    /// A certificate exists but is suspended or revoked.
    pub invalidated: bool,
    /// The supplier shared a self-assessment with this buyer.
    pub shared_assessment: bool,
}

/// The portfolio status of a supplier of which `required` is required, at `now`.
pub fn status(required: Level, facts: &RegistryFacts, now: i64) -> Status {
    match facts.valid {
        Some((level, until)) if level >= required => {
            if until - now <= EXPIRING_DAYS * 86_400 {
                Status::Expiring
            } else {
                Status::Compliant
            }
        }
        Some(_) => Status::Gap,
        None if facts.latest_expired => Status::Expired,
        None if facts.invalidated || facts.shared_assessment => Status::Gap,
        None => Status::Unknown,
    }
}

/// A self-assessment the supplier shared: how ready it is for a level (0–10,000 basis points
/// of that level's criteria met).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SharedReadiness {
    pub toward: Level,
    pub readiness_bp: u32,
}

/// Everything the score reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RiskInput {
    /// The level of the best valid certificate.
    pub certified: Option<Level>,
    /// A shared self-assessment, used only when there is no valid certificate.
    pub shared: Option<SharedReadiness>,
    /// The three questions; an unanswered one counts as yes.
    pub answers: RelationshipAnswers,
    pub criticality: Criticality,
    /// The supplier's share of the buyer's annual purchases, in basis points, when known.
    pub purchase_share_bp: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Low,
    Medium,
    High,
}

impl Band {
    pub fn key(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
        }
    }
    pub fn name_ja(self) -> &'static str {
        match self {
            Band::Low => "低",
            Band::Medium => "中",
            Band::High => "高",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
        }
    }
    pub fn parse(s: &str) -> Option<Band> {
        [Band::Low, Band::Medium, Band::High].into_iter().find(|b| b.key() == s)
    }
    /// Bands of a 0–1 quantity: thirds.
    fn of_fraction(x: f64) -> Band {
        // Strictly above a third: a certified ★3 (a third of the unknown likelihood) is low.
        if x > 2.0 / 3.0 + 1e-9 {
            Band::High
        } else if x > 1.0 / 3.0 + 1e-9 {
            Band::Medium
        } else {
            Band::Low
        }
    }
}

/// Score thresholds: 40 and above is high, 15 and above medium.
pub const HIGH_FROM: u32 = 40;
pub const MEDIUM_FROM: u32 = 15;

/// One reason for the score, with the points it adds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Driver {
    pub key: &'static str,
    pub points: u32,
    pub ja: String,
    pub en: String,
}

/// The explained score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskScore {
    /// 0–100.
    pub score: u32,
    pub band: Band,
    /// Likelihood relative to an unknown supplier, in percent (100 = nothing known).
    pub likelihood_pct: u32,
    pub likelihood_band: Band,
    /// Impact in percent of the largest possible.
    pub impact_pct: u32,
    pub impact_band: Band,
    /// Why the likelihood is what it is.
    pub likelihood_ja: String,
    pub likelihood_en: String,
    /// The impact drivers by points, largest first; their points add up to the score.
    pub drivers: Vec<Driver>,
}

impl RiskScore {
    /// The main drivers in one line, for lists.
    pub fn summary(&self, ja: bool) -> String {
        let mut parts = vec![if ja { self.likelihood_ja.clone() } else { self.likelihood_en.clone() }];
        parts.extend(self.drivers.iter().filter(|d| d.points > 0).take(2).map(|d| if ja { d.ja.clone() } else { d.en.clone() }));
        parts.join(if ja { "、" } else { "; " })
    }
}

/// The likelihood of a supplier and the words for it.
fn likelihood(input: &RiskInput) -> (f64, String, String) {
    if let Some(level) = input.certified {
        let l = likelihood_of_level(Some(level));
        return (l, format!("★{}認証取得済み", level.get()), format!("certified ★{}", level.get()));
    }
    if let Some(s) = input.shared {
        let r = f64::from(s.readiness_bp.min(10_000)) / 10_000.0;
        let target = likelihood_of_level(Some(s.toward));
        let l = LIKELIHOOD_UNKNOWN - SELF_ASSESSMENT_CREDIT * r * (LIKELIHOOD_UNKNOWN - target);
        let pct = s.readiness_bp / 100;
        return (
            l,
            format!("未認証。共有された自己評価は★{}に対し{pct}%（半分の重みで評価）", s.toward.get()),
            format!("not certified; shared self-assessment {pct}% ready for ★{} (counted at half weight)", s.toward.get()),
        );
    }
    (LIKELIHOOD_UNKNOWN, "認証なし・自己評価の共有なし".to_owned(), "no certificate and no shared self-assessment".to_owned())
}

/// Scores one supplier and explains the score.
pub fn score(input: &RiskInput) -> RiskScore {
    let (l, likelihood_ja, likelihood_en) = likelihood(input);
    let rel = (l / LIKELIHOOD_UNKNOWN).clamp(0.0, 1.0);
    let a = input.answers;
    // Yes: the full weight; unanswered: the full weight too, and words that say so.
    let question = |answer: Option<bool>, weight: f64, ja: &str, en: &str, ja_unknown: &str, en_unknown: &str| match answer {
        Some(true) => (weight, ja.to_owned(), en.to_owned()),
        None => (weight, ja_unknown.to_owned(), en_unknown.to_owned()),
        Some(false) => (0.0, ja.to_owned(), en.to_owned()),
    };
    let confidential = question(
        a.holds_confidential_data,
        IMPACT_CONFIDENTIAL,
        "重要な機密情報を保有",
        "holds important confidential data",
        "機密情報の保有が未回答（保有として計算）",
        "confidential data not answered (counted as held)",
    );
    let outage = question(
        a.outage_unacceptable,
        IMPACT_OUTAGE,
        "停止すると生産に許容できない遅れ",
        "an outage would stop production",
        "停止影響が未回答（許容できないとして計算）",
        "outage impact not answered (counted as unacceptable)",
    );
    let network = question(
        a.network_access,
        IMPACT_NETWORK,
        "社内システムに接続",
        "can reach internal systems",
        "社内システムへの接続が未回答（接続ありとして計算）",
        "network access not answered (counted as connected)",
    );
    let crit = match input.criticality {
        Criticality::Low => 0.0,
        Criticality::Medium => IMPACT_CRITICALITY_MAX / 2.0,
        Criticality::High => IMPACT_CRITICALITY_MAX,
    };
    let share = input.purchase_share_bp.map_or(0.0, |bp| f64::from(bp.min(PURCHASE_SHARE_FULL_BP)) / f64::from(PURCHASE_SHARE_FULL_BP));
    let share_pct = input.purchase_share_bp.map_or(0.0, |bp| f64::from(bp) / 100.0);
    let parts: Vec<(&'static str, f64, String, String)> = vec![
        ("confidential_data", confidential.0, confidential.1, confidential.2),
        ("outage", outage.0, outage.1, outage.2),
        ("network_access", network.0, network.1, network.2),
        ("criticality", crit, format!("重要度「{}」", input.criticality.name_ja()), format!("criticality {}", input.criticality.name_en())),
        ("purchases", IMPACT_PURCHASES_MAX * share, format!("購入額の{share_pct:.1}%"), format!("{share_pct:.1}% of purchases")),
    ];
    let impact: f64 = parts.iter().map(|p| p.1).sum();
    // Points per driver, rounded so that they add up exactly to the score (largest remainder).
    let exact: Vec<f64> = parts.iter().map(|p| 100.0 * rel * p.1).collect();
    let score = exact.iter().sum::<f64>().round().clamp(0.0, 100.0) as u32;
    let mut points: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let mut left = score.saturating_sub(points.iter().sum());
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for i in order {
        if left == 0 {
            break;
        }
        if exact[i] > 0.0 {
            points[i] += 1;
            left -= 1;
        }
    }
    let mut drivers: Vec<Driver> =
        parts.into_iter().zip(points).map(|((key, _, ja, en), points)| Driver { key, points, ja, en }).filter(|d| d.points > 0).collect();
    drivers.sort_by_key(|d| std::cmp::Reverse(d.points));
    let band = if score >= HIGH_FROM {
        Band::High
    } else if score >= MEDIUM_FROM {
        Band::Medium
    } else {
        Band::Low
    };
    RiskScore {
        score,
        band,
        likelihood_pct: (rel * 100.0).round() as u32,
        likelihood_band: Band::of_fraction(rel),
        impact_pct: (impact * 100.0).round() as u32,
        impact_band: Band::of_fraction(impact),
        likelihood_ja,
        likelihood_en,
        drivers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_800_000_000;
    const DAY: i64 = 86_400;

    fn facts(bits: u8) -> RelationshipFacts {
        RelationshipFacts { holds_confidential_data: bits & 1 != 0, outage_unacceptable: bits & 2 != 0, network_access: bits & 4 != 0 }
    }

    #[test]
    fn status_follows_the_registry() {
        let l3 = Level::THREE;
        let l4 = Level::FOUR;
        let valid = |level, days| RegistryFacts { valid: Some((level, NOW + days * DAY)), ..Default::default() };
        assert_eq!(status(l3, &valid(l3, 400), NOW), Status::Compliant);
        assert_eq!(status(l3, &valid(l4, 400), NOW), Status::Compliant);
        assert_eq!(status(l3, &valid(l3, 90), NOW), Status::Expiring);
        assert_eq!(status(l3, &valid(l3, 91), NOW), Status::Compliant);
        assert_eq!(status(l4, &valid(l3, 400), NOW), Status::Gap);
        assert_eq!(status(l3, &RegistryFacts { latest_expired: true, ..Default::default() }, NOW), Status::Expired);
        assert_eq!(status(l3, &RegistryFacts { invalidated: true, ..Default::default() }, NOW), Status::Gap);
        assert_eq!(status(l3, &RegistryFacts { shared_assessment: true, ..Default::default() }, NOW), Status::Gap);
        assert_eq!(status(l3, &RegistryFacts::default(), NOW), Status::Unknown);
    }

    #[test]
    fn an_unknown_supplier_with_every_risk_factor_scores_the_maximum() {
        let s = score(&RiskInput {
            certified: None,
            shared: None,
            answers: facts(7).into(),
            criticality: Criticality::High,
            purchase_share_bp: Some(2_000),
        });
        assert_eq!(s.score, 100);
        assert_eq!(s.band, Band::High);
        assert_eq!(s.drivers[0].key, "confidential_data");
        assert!(s.summary(false).contains("no certificate"), "{}", s.summary(false));
    }

    #[test]
    fn certification_lowers_the_score_and_shared_readiness_counts_half() {
        let base = RiskInput {
            certified: None,
            shared: None,
            answers: facts(6).into(),
            criticality: Criticality::Medium,
            purchase_share_bp: Some(300),
        };
        let unknown = score(&base).score;
        let star3 = score(&RiskInput { certified: Some(Level::THREE), ..base }).score;
        let star4 = score(&RiskInput { certified: Some(Level::FOUR), ..base }).score;
        let half = score(&RiskInput { shared: Some(SharedReadiness { toward: Level::THREE, readiness_bp: 10_000 }), ..base }).score;
        assert!(unknown > half && half > star3 && star3 > star4, "{unknown} {half} {star3} {star4}");
        // Fully ready for ★3 but unconfirmed: halfway between unknown and certified ★3.
        let mid = (f64::from(unknown) + f64::from(star3)) / 2.0;
        assert!((f64::from(half) - mid).abs() <= 1.0, "{half} vs {mid}");
    }

    #[test]
    fn an_unanswered_question_scores_as_yes_and_says_so() {
        let answered = RiskInput {
            certified: None,
            shared: None,
            answers: facts(2).into(),
            criticality: Criticality::Medium,
            purchase_share_bp: None,
        };
        let blank = RiskInput { answers: RelationshipAnswers { outage_unacceptable: None, ..facts(0).into() }, ..answered };
        let (a, b) = (score(&answered), score(&blank));
        assert_eq!(a.score, b.score, "unanswered weighs like yes");
        let outage = b.drivers.iter().find(|d| d.key == "outage").expect("an outage driver");
        assert!(outage.en.contains("not answered") && outage.ja.contains("未回答"), "{outage:?}");
        let no = score(&RiskInput { answers: facts(0).into(), ..answered });
        assert!(no.score < b.score && no.drivers.iter().all(|d| d.key != "outage"));
    }

    #[test]
    fn the_link_weight_grows_with_each_connection() {
        assert!((link_weight(facts(0)) - 0.1).abs() < 1e-12);
        assert!((link_weight(facts(6)) - 0.82).abs() < 1e-12);
        for bits in 0..8u8 {
            for extra in [1u8, 2, 4] {
                if bits & extra == 0 {
                    assert!(link_weight(facts(bits | extra)) > link_weight(facts(bits)));
                }
            }
        }
    }

    proptest! {
        #[test]
        fn drivers_add_up_to_the_score(bits in 0u8..8, crit in 0u8..3, level in 0u8..6, share in proptest::option::of(0u32..5_000), ready in proptest::option::of(0u32..=10_000)) {
            let criticality = [Criticality::Low, Criticality::Medium, Criticality::High][usize::from(crit)];
            let certified = if level == 0 { None } else { Some(Level::new(i64::from(level)).unwrap()) };
            let shared = ready.map(|r| SharedReadiness { toward: Level::THREE, readiness_bp: r });
            let s = score(&RiskInput { certified, shared, answers: facts(bits).into(), criticality, purchase_share_bp: share });
            prop_assert!(s.score <= 100);
            prop_assert_eq!(s.drivers.iter().map(|d| d.points).sum::<u32>(), s.score);
            prop_assert!(s.drivers.windows(2).all(|w| w[0].points >= w[1].points));
            // More certification never raises the score.
            if let Some(l) = certified {
                if let Some(up) = l.next() {
                    let higher = score(&RiskInput { certified: Some(up), shared, answers: facts(bits).into(), criticality, purchase_share_bp: share });
                    prop_assert!(higher.score <= s.score);
                }
            }
        }
    }
}
