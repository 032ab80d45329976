//! Fair cost sharing: how a supplier's cost of reaching the ★ levels its buyers demand is split
//! among those buyers, and what each buyer's share means for its prices.
//!
//! # The game
//! The cost is entered as increments, each the cost of going from the level below to its level
//! (reaching ★3, ★3→★4, ★4→★5). A participant (a buyer, or the supplier itself) at level `l`
//! needs every increment at or below `l`; its stand-alone cost `c_i` is the sum of those
//! increments, and a group's cost is the stand-alone cost of its most demanding member. This is
//! the airport game (Littlechild & Owen 1973): an increment is only needed, so only paid, by the
//! participants at or above its level.
//!
//! # The rules ([`Rule`])
//! - `weighted_airport` (default): each increment `k` is shared among the participants that need
//!   it in proportion to their weight `w` (annual purchases, yen):
//!   `x_i = Σ_{k ≤ level(i)} Δc_k · w_i / Σ_{j: level(j) ≥ k} w_j`.
//!   A large buyer pays more of each step it needs, and nothing of the steps it does not need.
//! - `shapley`: the same with equal weights, `x_i = Σ_{k ≤ level(i)} Δc_k / #{j: level(j) ≥ k}`:
//!   the Shapley value of the airport game, "sequential equal contributions" (Littlechild &
//!   Owen 1973, "A simple expression for the Shapley value in a special case").
//! - `nucleolus`: the nucleolus of the airport game (the allocation that makes the worst-treated
//!   group as well off as possible, then the next, …), in Littlechild's closed form (1974, "A
//!   simple expression for the nucleolus in a special case"). Sort the participants by
//!   stand-alone cost `c_1 ≤ … ≤ c_n`. With the first `m` already assigned a total `A`, the
//!   next group's per-head amount is `t = min_{m < k < n} (c_k − A) / (k − m + 1)`; the
//!   participants `m+1..=k` of the minimising `k` (the largest on a tie) each pay `t`, and the
//!   most expensive participant `n` pays what is left, `c_n − A`. The `+ 1` in the divisor is
//!   participant `n`: the excess of the group "everybody but `i`" is exactly `x_i`, so each step
//!   balances the excess `c_k − A − (k − m)·t` of the cheapest `k` against the `t` of the
//!   participants being assigned. (Dividing by `k − m` instead does not give the nucleolus: on
//!   the worked example ¥3M/¥5M/¥9M it gives ¥2.5M/¥2.5M/¥4M, not ¥1.5M/¥1.75M/¥5.75M.)
//!   Weights are not used. The nucleolus is in the core, so no group pays more than its
//!   stand-alone cost.
//! - `proportional`: the whole cost by weight, `x_i = C · w_i / Σ_j w_j`, for comparison only:
//!   it can make a ★3 buyer pay for ★5, so each share above its stand-alone cost is flagged
//!   ([`Share::exceeds_stand_alone`]).
//!
//! # Whole yen that add up
//! Every rule first gives exact rational amounts `x_ik` (participant `i`, increment `k`; for the
//! nucleolus see below), kept as integer numerators over one denominator per increment. They are
//! then rounded so that, at once,
//! - each increment's column adds up exactly to its cost, and the shares to the total;
//! - each `by_increment` entry is its exact amount rounded down or up (an exact zero stays zero,
//!   so nobody pays a yen of an increment it does not need);
//! - each share is its exact share rounded down or up (never more than 1 yen off);
//! - which shares are rounded up follows the largest remainder, ties by input order.
//!
//! Such a rounding always exists (the exact amounts are a fractional flow in a network with
//! integer bounds, so an integral flow exists). It is found with augmenting paths: first every
//! share gets its rounded-down amount, then the shares with a remainder are raised one at a
//! time in largest-remainder order if the columns still allow it. That greedy order is optimal
//! because the sets of shares that can be raised together form a matroid, so when the plain
//! largest-remainder choice is possible (the usual case) it is exactly what is chosen. Because
//! each column adds up exactly and nobody pays above its level, a group never pays more than
//! its stand-alone cost under the airport rules, not even by a yen of rounding.
//!
//! # Nucleolus by increment
//! The nucleolus gives one amount per participant. It is attributed to increments by filling
//! from the lowest up: participants in order of level (then input order) each pay into the
//! lowest increments not yet fully paid, up to their own level. A participant's share is thus
//! read as paying for the basic steps first. This always fits, because each lower-level group
//! pays no more than the increments below its level (the core property). The exact amounts are
//! then rounded as above.
//!
//! # Price uplift
//! [`uplift`] turns a buyer's share into a yearly amount, a percentage of its purchases and a
//! per-unit price change; see its documentation.

use std::cmp::Ordering;
use std::collections::{HashSet, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::org::UnknownValue;
use crate::{Level, Yen};

/// How the cost is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Each increment among those who need it, by annual purchases.
    #[default]
    WeightedAirport,
    /// Each increment equally among those who need it (the Shapley value).
    Shapley,
    /// The nucleolus of the airport game.
    Nucleolus,
    /// The whole cost by annual purchases: for comparison only.
    Proportional,
}

impl Rule {
    pub const ALL: [Rule; 4] = [Rule::WeightedAirport, Rule::Shapley, Rule::Nucleolus, Rule::Proportional];

    /// The stable key used in storage, URLs and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Rule::WeightedAirport => "weighted_airport",
            Rule::Shapley => "shapley",
            Rule::Nucleolus => "nucleolus",
            Rule::Proportional => "proportional",
        }
    }

    pub fn name_ja(self) -> &'static str {
        match self {
            Rule::WeightedAirport => "取引額加重・段階別分担（空港ゲーム）",
            Rule::Shapley => "シャープレイ値（段階別均等分担）",
            Rule::Nucleolus => "仁（ニュークレオラス）",
            Rule::Proportional => "取引額比例（比較用）",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Rule::WeightedAirport => "Weighted airport (each step by purchases)",
            Rule::Shapley => "Shapley value (each step equally)",
            Rule::Nucleolus => "Nucleolus",
            Rule::Proportional => "Proportional to purchases (comparison)",
        }
    }

    /// Parses the key (also with `-` for `_`), or the Japanese or English name.
    pub fn parse(s: &str) -> Result<Rule, UnknownValue> {
        let t = s.trim();
        let key = t.replace('-', "_");
        Rule::ALL
            .into_iter()
            .find(|r| key.eq_ignore_ascii_case(r.key()) || t == r.name_ja() || t.eq_ignore_ascii_case(r.name_en()))
            .ok_or_else(|| UnknownValue {
                what: "cost-sharing rule",
                value: t.to_owned(),
                allowed: Rule::ALL.iter().map(|r| r.key()).collect(),
            })
    }

    fn uses_weights(self) -> bool {
        matches!(self, Rule::WeightedAirport | Rule::Proportional)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The cost of going from the level below to `level` (for the lowest increment: of reaching it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Increment {
    pub level: Level,
    pub cost_yen: Yen,
}

/// One party sharing the cost: a buyer, or the supplier itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub id: String,
    /// The level this participant needs (a buyer: the level it demands).
    pub level: Level,
    /// Annual purchases from the supplier, in yen. Only `weighted_airport` and `proportional`
    /// use it.
    #[serde(default)]
    pub weight: u64,
}

/// The result of [`allocate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub rule: Rule,
    /// The sum of all increments; the shares add up to exactly this.
    pub total_yen: Yen,
    /// One per participant, in input order.
    pub shares: Vec<Share>,
}

/// One participant's share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub id: String,
    /// Exactly the sum of `by_increment`.
    pub share_yen: Yen,
    /// The part of each increment this participant pays, aligned with the increments sorted by
    /// level. Each increment's column adds up exactly to its cost.
    pub by_increment: Vec<Yen>,
    /// What reaching its own level would cost it alone: the increments at or below its level.
    pub stand_alone_yen: Yen,
    /// `share_yen > stand_alone_yen`: the participant would be better off paying alone. Never
    /// set under the airport rules; the reason `proportional` is for comparison only.
    pub exceeds_stand_alone: bool,
}

/// Why a sharing or uplift could not be computed, and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SharingError {
    #[error("there are no participants: add at least one buyer (or the supplier itself) to share the cost")]
    NoParticipants,
    #[error("there are no cost increments: enter the cost of reaching at least one level (e.g. ★3)")]
    NoIncrements,
    #[error("participant {position} has an empty id: give every participant a name or id")]
    BlankId { position: usize },
    #[error("participant {id:?} is listed more than once: list each participant once (merge the rows or rename one)")]
    DuplicateParticipant { id: String },
    #[error("the cost of {level} is entered more than once: enter one cost per level (the step from the level below)")]
    DuplicateIncrement { level: Level },
    #[error(
        "nobody needs {level}, so nobody can pay its cost of {cost}: every participant's level is below {level}; \
         remove that cost or set it to 0, or add the participant that asks for {level}"
    )]
    NobodyNeeds { level: Level, cost: Yen },
    #[error(
        "every participant's weight is 0: enter each participant's annual purchases in yen, or use the shapley rule, which shares equally"
    )]
    AllWeightsZero,
    #[error(
        "the participants needing {level} all have weight 0, so its cost of {cost} cannot be shared by weight: \
         enter their annual purchases in yen, or use the shapley rule"
    )]
    ZeroWeight { level: Level, cost: Yen },
    #[error("the weights add up to more than 18,446,744,073,709,551,615: enter annual purchases in whole yen")]
    WeightsTooLarge,
    #[error("the amounts are too large to compute exactly: check the costs and weights for extra digits")]
    Overflow,
    #[error("the period is 0 months: spread one-off costs over at least 1 month (usually the certificate validity, e.g. 12 or 36)")]
    ZeroMonths,
    #[error("the annual purchases are 0 yen, so the uplift cannot be a percentage of them: enter the annual purchases or leave them out")]
    ZeroPurchases,
    #[error("the annual quantity is 0 units, so there is no per-unit change: enter the annual quantity or leave it out")]
    ZeroUnits,
    #[error("internal error: {0}; please report this with the inputs")]
    Internal(&'static str),
}

impl SharingError {
    /// The same message in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            Self::NoParticipants => "負担する参加者がいません。発注者（またはサプライヤー自身）を1社以上追加してください。".into(),
            Self::NoIncrements => "費用の段階がありません。少なくとも1つのレベル（例: ★3）に到達する費用を入力してください。".into(),
            Self::BlankId { position } => format!("{position}番目の参加者のIDが空です。すべての参加者に名前またはIDを付けてください。"),
            Self::DuplicateParticipant { id } => {
                format!("参加者「{id}」が複数回登録されています。1社1行にしてください（行をまとめるか名前を変えてください）。")
            }
            Self::DuplicateIncrement { level } => {
                format!("{level}の費用が複数回入力されています。レベルごとに1つ（下のレベルからの増分）を入力してください。")
            }
            Self::NobodyNeeds { level, cost } => format!(
                "{level}を必要とする参加者がいないため、その費用{}を負担する者がいません。その費用を削除するか0にするか、{level}を求める参加者を追加してください。",
                cost.format_ja()
            ),
            Self::AllWeightsZero => {
                "すべての参加者の重み（年間取引額）が0です。年間取引額を円で入力するか、均等に分担するシャープレイ値を使ってください。".into()
            }
            Self::ZeroWeight { level, cost } => format!(
                "{level}を必要とする参加者の重みがすべて0のため、その費用{}を取引額で按分できません。年間取引額を入力するか、シャープレイ値を使ってください。",
                cost.format_ja()
            ),
            Self::WeightsTooLarge => "重みの合計が大きすぎます。年間取引額を円単位の整数で入力してください。".into(),
            Self::Overflow => "金額が大きすぎて正確に計算できません。費用と重みの桁を確認してください。".into(),
            Self::ZeroMonths => "期間が0か月です。一時費用は1か月以上（通常は認証の有効期間、例: 12または36か月）で配分してください。".into(),
            Self::ZeroPurchases => "年間取引額が0円のため、取引額に対する割合を計算できません。年間取引額を入力するか、空欄にしてください。".into(),
            Self::ZeroUnits => "年間数量が0のため、1個あたりの変化額を計算できません。年間数量を入力するか、空欄にしてください。".into(),
            Self::Internal(what) => format!("内部エラー: {what}。入力内容を添えて報告してください。"),
        }
    }
}

/// Shares the increments' cost among the participants by `rule`. The shares come back in input
/// order; `by_increment` is aligned with the increments sorted by level.
pub fn allocate(rule: Rule, increments: &[Increment], participants: &[Participant]) -> Result<Allocation, SharingError> {
    if participants.is_empty() {
        return Err(SharingError::NoParticipants);
    }
    if increments.is_empty() {
        return Err(SharingError::NoIncrements);
    }
    let mut ids = HashSet::new();
    for (index, p) in participants.iter().enumerate() {
        let id = p.id.trim();
        if id.is_empty() {
            return Err(SharingError::BlankId { position: index + 1 });
        }
        if !ids.insert(id) {
            return Err(SharingError::DuplicateParticipant { id: id.to_owned() });
        }
    }
    let mut incs = increments.to_vec();
    incs.sort_by_key(|i| i.level);
    if let Some(pair) = incs.windows(2).find(|w| w[0].level == w[1].level) {
        return Err(SharingError::DuplicateIncrement { level: pair[0].level });
    }
    let total = Yen::checked_sum(incs.iter().map(|i| i.cost_yen)).map_err(|_| SharingError::Overflow)?;
    // An increment with a cost but nobody at or above its level cannot be charged to anyone;
    // an unneeded increment that costs nothing is harmless (e.g. a ★5 column left at 0).
    for inc in &incs {
        if inc.cost_yen > Yen::ZERO && participants.iter().all(|p| p.level < inc.level) {
            return Err(SharingError::NobodyNeeds { level: inc.level, cost: inc.cost_yen });
        }
    }
    if rule.uses_weights() {
        let sum: u128 = participants.iter().map(|p| u128::from(p.weight)).sum();
        if sum > u128::from(u64::MAX) {
            return Err(SharingError::WeightsTooLarge);
        }
        if sum == 0 && total > Yen::ZERO {
            return Err(SharingError::AllWeightsZero);
        }
    }

    let exact = match rule {
        Rule::WeightedAirport => airport_exact(&incs, participants, |p| p.weight)?,
        Rule::Shapley => airport_exact(&incs, participants, |_| 1)?,
        Rule::Nucleolus => nucleolus_exact(&incs, participants)?,
        Rule::Proportional => proportional_exact(&incs, participants),
    };
    let rounded = controlled_round(&exact)?;

    let shares = participants
        .iter()
        .zip(rounded)
        .map(|(p, row)| {
            // Cannot overflow: both are parts of `total`.
            let stand_alone: u64 = incs.iter().filter(|i| i.level <= p.level).map(|i| i.cost_yen.get()).sum();
            let share: u64 = row.iter().sum();
            Share {
                id: p.id.clone(),
                share_yen: Yen::new(share),
                by_increment: row.into_iter().map(Yen::new).collect(),
                stand_alone_yen: Yen::new(stand_alone),
                exceeds_stand_alone: share > stand_alone,
            }
        })
        .collect();
    Ok(Allocation { rule, total_yen: total, shares })
}

/// Exact amounts: participant `i` pays `num[i][k] / den[k]` of increment `k`.
/// Invariant: `Σ_i num[i][k] == cost[k] · den[k]`, `den[k] ≥ 1`.
#[derive(Debug, Clone)]
struct Exact {
    cost: Vec<u64>,
    den: Vec<u128>,
    num: Vec<Vec<u128>>,
}

/// `weighted_airport` with the given weight, `shapley` with weight 1.
fn airport_exact(incs: &[Increment], parts: &[Participant], weight: impl Fn(&Participant) -> u64) -> Result<Exact, SharingError> {
    let mut ex = Exact { cost: Vec::new(), den: Vec::new(), num: vec![Vec::new(); parts.len()] };
    for inc in incs {
        let cost = inc.cost_yen.get();
        // Weights were checked to add up within u64, so `cost · Σw` fits in u128.
        let needing: u128 = parts.iter().filter(|p| p.level >= inc.level).map(|p| u128::from(weight(p))).sum();
        if cost > 0 && needing == 0 {
            return Err(SharingError::ZeroWeight { level: inc.level, cost: inc.cost_yen });
        }
        ex.cost.push(cost);
        ex.den.push(if cost == 0 { 1 } else { needing });
        for (row, p) in ex.num.iter_mut().zip(parts) {
            let share = if cost > 0 && p.level >= inc.level { u128::from(cost) * u128::from(weight(p)) } else { 0 };
            row.push(share);
        }
    }
    Ok(ex)
}

/// `proportional`: every increment by weight among everybody.
fn proportional_exact(incs: &[Increment], parts: &[Participant]) -> Exact {
    let all: u128 = parts.iter().map(|p| u128::from(p.weight)).sum();
    let mut ex = Exact { cost: Vec::new(), den: Vec::new(), num: vec![Vec::new(); parts.len()] };
    for inc in incs {
        let cost = inc.cost_yen.get();
        ex.cost.push(cost);
        // `all == 0` only when the total is 0 (checked by the caller).
        ex.den.push(if cost == 0 || all == 0 { 1 } else { all });
        for (row, p) in ex.num.iter_mut().zip(parts) {
            row.push(if all == 0 { 0 } else { u128::from(cost) * u128::from(p.weight) });
        }
    }
    ex
}

/// `nucleolus`: Littlechild's shares, attributed to increments from the lowest up.
fn nucleolus_exact(incs: &[Increment], parts: &[Participant]) -> Result<Exact, SharingError> {
    let stand_alone: Vec<u64> = parts.iter().map(|p| incs.iter().filter(|i| i.level <= p.level).map(|i| i.cost_yen.get()).sum()).collect();
    let shares = airport_nucleolus(&stand_alone)?;
    let common = shares.iter().try_fold(1u128, |l, r| lcm(l, r.den).ok_or(SharingError::Overflow))?;
    let mut need: Vec<u128> =
        shares.iter().map(|r| r.num.checked_mul(common / r.den).ok_or(SharingError::Overflow)).collect::<Result<_, _>>()?;
    let mut room: Vec<u128> =
        incs.iter().map(|i| u128::from(i.cost_yen.get()).checked_mul(common).ok_or(SharingError::Overflow)).collect::<Result<_, _>>()?;
    let mut num = vec![vec![0u128; incs.len()]; parts.len()];
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| (parts[i].level, i));
    for i in order {
        for (k, inc) in incs.iter().enumerate() {
            if inc.level > parts[i].level || need[i] == 0 {
                break;
            }
            let paid = need[i].min(room[k]);
            num[i][k] = paid;
            need[i] -= paid;
            room[k] -= paid;
        }
        if need[i] > 0 {
            return Err(SharingError::Internal("the nucleolus does not fit under the increments"));
        }
    }
    Ok(Exact { cost: incs.iter().map(|i| i.cost_yen.get()).collect(), den: vec![common; incs.len()], num })
}

/// The nucleolus of the airport game with these stand-alone costs (Littlechild 1974), exactly,
/// in input order.
fn airport_nucleolus(cost: &[u64]) -> Result<Vec<Ratio>, SharingError> {
    let n = cost.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (cost[i], i));
    let mut out = vec![Ratio::ZERO; n];
    let mut assigned = Ratio::ZERO;
    let mut m = 0;
    while m + 1 < n {
        // Try each prefix 1..=k (k < n) of the cheapest participants; `k` is a count.
        let mut best: Option<(Ratio, usize)> = None;
        for k in m + 1..n {
            let left = Ratio::int(cost[order[k - 1]]).sub(assigned)?;
            let t = left.div_int((k - m + 1) as u128)?;
            // `≤` keeps the largest k on a tie: the same per-head amount, one step fewer.
            if best.map_or(Ok(true), |(b, _)| t.le(b))? {
                best = Some((t, k));
            }
        }
        let Some((t, k)) = best else { break };
        for &i in &order[m..k] {
            out[i] = t;
        }
        assigned = assigned.add(t.mul_int((k - m) as u128)?)?;
        m = k;
    }
    if let Some(&last) = order.last() {
        out[last] = Ratio::int(cost[last]).sub(assigned)?;
    }
    Ok(out)
}

/// Rounds the exact amounts to whole yen: columns exact, every entry and every row rounded down
/// or up, rows rounded up by largest remainder (ties by input order) as far as the columns
/// allow. See the module documentation.
fn controlled_round(ex: &Exact) -> Result<Vec<Vec<u64>>, SharingError> {
    let n = ex.num.len();
    let cols = ex.cost.len();
    let mut base = vec![vec![0u64; cols]; n];
    let mut open = vec![vec![false; cols]; n];
    let mut rem = vec![vec![0u128; cols]; n];
    let mut want = ex.cost.clone();
    for i in 0..n {
        for k in 0..cols {
            let (q, r) = (ex.num[i][k] / ex.den[k], ex.num[i][k] % ex.den[k]);
            base[i][k] = u64::try_from(q).map_err(|_| SharingError::Overflow)?;
            rem[i][k] = r;
            open[i][k] = r > 0;
            want[k] = want[k].checked_sub(base[i][k]).ok_or(SharingError::Internal("a column's exact amounts exceed its cost"))?;
        }
    }

    // Each row's remainder Σ_k rem/den over the common denominator D = Π distinct den (of the
    // columns with remainders). Denominators are sums of weights, so D needs more than 128 bits.
    let mut dens: Vec<u128> = (0..cols).filter(|&k| (0..n).any(|i| open[i][k])).map(|k| ex.den[k]).collect();
    dens.sort_unstable();
    dens.dedup();
    let all = dens.iter().fold(Big::from_u128(1), |acc, &d| acc.mul(&Big::from_u128(d)));
    let others: Vec<Big> =
        ex.den.iter().map(|&d| dens.iter().filter(|&&e| e != d).fold(Big::from_u128(1), |acc, &e| acc.mul(&Big::from_u128(e)))).collect();
    let mut low = vec![0usize; n];
    let mut frac = Vec::with_capacity(n);
    for i in 0..n {
        let mut f = Big::from_u128(0);
        for k in 0..cols {
            if open[i][k] {
                f = f.add(&Big::from_u128(rem[i][k]).mul(&others[k]));
            }
        }
        // Fewer than `cols` whole yen hide in the remainders, so this loops at most `cols` times.
        while f >= all {
            f = f.sub(&all);
            low[i] += 1;
        }
        frac.push(f);
    }

    let mut flow = vec![vec![false; cols]; n];
    let mut used = vec![0u64; cols];
    for (i, &units) in low.iter().enumerate() {
        for _ in 0..units {
            if !augment(i, &open, &mut flow, &mut used, &want) {
                return Err(SharingError::Internal("the rounded-down shares do not fit the increments"));
            }
        }
    }
    let mut up: Vec<usize> = (0..n).filter(|&i| !frac[i].is_zero()).collect();
    up.sort_by(|&a, &b| frac[b].cmp(&frac[a]).then(a.cmp(&b)));
    for i in up {
        // A failure here only means this row stays rounded down.
        augment(i, &open, &mut flow, &mut used, &want);
    }
    if used != want {
        return Err(SharingError::Internal("the rounded shares do not add up to the increments"));
    }
    Ok(base.into_iter().zip(flow).map(|(row, f)| row.into_iter().zip(f).map(|(b, up)| b + u64::from(up)).collect()).collect())
}

/// Gives row `start` one more rounded-up entry, moving others' rounded-up entries to other
/// columns where needed (an augmenting path, breadth first). `false` when it cannot.
fn augment(start: usize, open: &[Vec<bool>], flow: &mut [Vec<bool>], used: &mut [u64], want: &[u64]) -> bool {
    let n = flow.len();
    let cols = want.len();
    // The row from which each column was reached, and the column through which each row was.
    let mut col_from: Vec<Option<usize>> = vec![None; cols];
    let mut row_from: Vec<Option<usize>> = vec![None; n];
    let mut seen = vec![false; n];
    seen[start] = true;
    let mut queue = VecDeque::from([start]);
    while let Some(r) = queue.pop_front() {
        for k in 0..cols {
            if !open[r][k] || flow[r][k] || col_from[k].is_some() {
                continue;
            }
            col_from[k] = Some(r);
            if used[k] < want[k] {
                used[k] += 1;
                let mut col = k;
                while let Some(row) = col_from[col] {
                    flow[row][col] = true;
                    match row_from[row] {
                        Some(prev) => {
                            flow[row][prev] = false;
                            col = prev;
                        }
                        None => return true,
                    }
                }
                return false;
            }
            for r2 in 0..n {
                if flow[r2][k] && !seen[r2] {
                    seen[r2] = true;
                    row_from[r2] = Some(k);
                    queue.push_back(r2);
                }
            }
        }
    }
    false
}

/// A non-negative rational in lowest terms, for the nucleolus. Denominators stay small (products
/// of group sizes + 1); anything that does not fit is reported as [`SharingError::Overflow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ratio {
    num: u128,
    den: u128,
}

impl Ratio {
    const ZERO: Ratio = Ratio { num: 0, den: 1 };

    fn new(num: u128, den: u128) -> Ratio {
        let g = gcd(num, den).max(1);
        Ratio { num: num / g, den: den / g }
    }

    fn int(v: u64) -> Ratio {
        Ratio { num: u128::from(v), den: 1 }
    }

    fn add(self, o: Ratio) -> Result<Ratio, SharingError> {
        let l = lcm(self.den, o.den).ok_or(SharingError::Overflow)?;
        let a = self.num.checked_mul(l / self.den).ok_or(SharingError::Overflow)?;
        let b = o.num.checked_mul(l / o.den).ok_or(SharingError::Overflow)?;
        Ok(Ratio::new(a.checked_add(b).ok_or(SharingError::Overflow)?, l))
    }

    fn sub(self, o: Ratio) -> Result<Ratio, SharingError> {
        let l = lcm(self.den, o.den).ok_or(SharingError::Overflow)?;
        let a = self.num.checked_mul(l / self.den).ok_or(SharingError::Overflow)?;
        let b = o.num.checked_mul(l / o.den).ok_or(SharingError::Overflow)?;
        Ok(Ratio::new(a.checked_sub(b).ok_or(SharingError::Internal("a nucleolus step went below zero"))?, l))
    }

    fn mul_int(self, m: u128) -> Result<Ratio, SharingError> {
        Ok(Ratio::new(self.num.checked_mul(m).ok_or(SharingError::Overflow)?, self.den))
    }

    fn div_int(self, d: u128) -> Result<Ratio, SharingError> {
        Ok(Ratio::new(self.num, self.den.checked_mul(d).ok_or(SharingError::Overflow)?))
    }

    fn le(self, o: Ratio) -> Result<bool, SharingError> {
        let a = self.num.checked_mul(o.den).ok_or(SharingError::Overflow)?;
        let b = o.num.checked_mul(self.den).ok_or(SharingError::Overflow)?;
        Ok(a <= b)
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn lcm(a: u128, b: u128) -> Option<u128> {
    (a / gcd(a, b).max(1)).checked_mul(b)
}

/// An unsigned integer of any size (little-endian 64-bit limbs, no leading zero limbs): just
/// enough arithmetic to compare remainders over a product of several weight sums exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Big(Vec<u64>);

impl Big {
    fn from_u128(v: u128) -> Big {
        let mut b = Big(vec![v as u64, (v >> 64) as u64]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn mul(&self, o: &Big) -> Big {
        let mut out = vec![0u64; self.0.len() + o.0.len()];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &b) in o.0.iter().enumerate() {
                // (2^64−1)² + 2·(2^64−1) = 2^128 − 1: never overflows.
                let t = u128::from(a) * u128::from(b) + u128::from(out[i + j]) + carry;
                out[i + j] = t as u64;
                carry = t >> 64;
            }
            out[i + o.0.len()] = carry as u64;
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    fn add(&self, o: &Big) -> Big {
        let len = self.0.len().max(o.0.len());
        let mut out = Vec::with_capacity(len + 1);
        let mut carry = 0u128;
        for i in 0..len {
            let t = u128::from(self.0.get(i).copied().unwrap_or(0)) + u128::from(o.0.get(i).copied().unwrap_or(0)) + carry;
            out.push(t as u64);
            carry = t >> 64;
        }
        out.push(carry as u64);
        let mut b = Big(out);
        b.trim();
        b
    }

    /// `self − o`; the caller ensures `self ≥ o`.
    fn sub(&self, o: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = false;
        for (i, &a) in self.0.iter().enumerate() {
            let (d, b1) = a.overflowing_sub(o.0.get(i).copied().unwrap_or(0));
            let (d, b2) = d.overflowing_sub(u64::from(borrow));
            out.push(d);
            borrow = b1 || b2;
        }
        let mut b = Big(out);
        b.trim();
        b
    }
}

impl Ord for Big {
    fn cmp(&self, o: &Big) -> Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, o: &Big) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// How a one-off cost is spread over the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Spread {
    /// Equal amounts: `one_off · 12 / months` a year.
    #[default]
    StraightLine,
    /// An annuity that also pays interest at `rate_bp` basis points a year (300 = 3%).
    CapitalRecovery { rate_bp: u32 },
}

/// One buyer's share, to be turned into a price change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpliftInput {
    /// The buyer's share of the one-off costs.
    pub one_off_share: Yen,
    /// The buyer's share of the annual running costs.
    pub annual_share: Yen,
    /// The period to spread the one-off costs over, usually the certificate validity (★3: 12,
    /// ★4: 36).
    pub months: u32,
    #[serde(default)]
    pub spread: Spread,
    /// The buyer's annual purchases from the supplier, for the percentage.
    #[serde(default)]
    pub annual_purchases: Option<Yen>,
    /// How many units the buyer buys a year, for the per-unit change.
    #[serde(default)]
    pub annual_units: Option<u64>,
}

/// What a buyer's share means for its prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uplift {
    /// The yearly amount: `one_off_annual_yen + annual_share`.
    pub annual_yen: Yen,
    /// The one-off share spread to one year (included in `annual_yen`).
    pub one_off_annual_yen: Yen,
    /// `annual_yen` as basis points of annual purchases (100 = 1%), rounded half up.
    pub percent_of_purchases_bp: Option<u64>,
    /// `annual_yen` per unit, rounded up to the yen so the price covers the cost.
    pub per_unit_yen: Option<Yen>,
    /// The same in sen (1/100 yen), rounded up: for cheap parts, where a whole yen would
    /// overstate the change many times over.
    pub per_unit_sen: Option<u64>,
}

/// Turns a buyer's share into a yearly amount and a price change.
///
/// - Straight-line: `one_off · 12 / months` a year, rounded half up to the yen.
/// - Capital recovery at annual rate `r = rate_bp / 10,000`, over `n = months / 12` years
///   (annual periods; `n` may be fractional): `one_off · r(1+r)^n / ((1+r)^n − 1)` a year.
///   The annuity factor is computed in f64 internally (its relative error, around 1e-15, is far
///   below a yen for any realistic amount) and the result rounded half up to the yen. At 0% the
///   formula's limit is straight-line, which is used exactly.
/// - `annual_yen` adds the annual running-cost share; the percentage is rounded half up to the
///   basis point; the per-unit change is rounded up (yen and sen), so the price recovers at least
///   the yearly amount.
pub fn uplift(input: &UpliftInput) -> Result<Uplift, SharingError> {
    if input.months == 0 {
        return Err(SharingError::ZeroMonths);
    }
    let one_off = u128::from(input.one_off_share.get());
    let months = u128::from(input.months);
    let spread = match input.spread {
        Spread::CapitalRecovery { rate_bp } if rate_bp > 0 => {
            let r = f64::from(rate_bp) / 10_000.0;
            let growth = (1.0 + r).powf(f64::from(input.months) / 12.0);
            let yearly = input.one_off_share.get() as f64 * r * growth / (growth - 1.0);
            // 2^64 as f64 is exact; anything at or above it does not fit in a Yen.
            if !yearly.is_finite() || yearly.round() >= 18_446_744_073_709_551_616.0 {
                return Err(SharingError::Overflow);
            }
            yearly.round() as u128
        }
        _ => (one_off * 24 + months) / (2 * months),
    };
    let one_off_annual = u64::try_from(spread).map_err(|_| SharingError::Overflow)?;
    let annual = input.annual_share.checked_add(Yen::new(one_off_annual)).map_err(|_| SharingError::Overflow)?;
    let a = u128::from(annual.get());
    let percent = match input.annual_purchases {
        Some(p) if p == Yen::ZERO => return Err(SharingError::ZeroPurchases),
        Some(p) => {
            let p = u128::from(p.get());
            Some(u64::try_from((a * 20_000 + p) / (2 * p)).map_err(|_| SharingError::Overflow)?)
        }
        None => None,
    };
    let (per_unit_yen, per_unit_sen) = match input.annual_units {
        Some(0) => return Err(SharingError::ZeroUnits),
        Some(u) => {
            let u = u128::from(u);
            let yen = u64::try_from(a.div_ceil(u)).map_err(|_| SharingError::Overflow)?;
            let sen = u64::try_from((a * 100).div_ceil(u)).map_err(|_| SharingError::Overflow)?;
            (Some(Yen::new(yen)), Some(sen))
        }
        None => (None, None),
    };
    Ok(Uplift {
        annual_yen: annual,
        one_off_annual_yen: Yen::new(one_off_annual),
        percent_of_purchases_bp: percent,
        per_unit_yen,
        per_unit_sen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::de::value::{Error as DeError, StrDeserializer};

    fn lv(n: i64) -> Level {
        Level::new(n).expect("level")
    }

    fn inc(level: i64, cost: u64) -> Increment {
        Increment { level: lv(level), cost_yen: Yen::new(cost) }
    }

    fn part(id: &str, level: i64, weight: u64) -> Participant {
        Participant { id: id.to_owned(), level: lv(level), weight }
    }

    fn shares(a: &Allocation) -> Vec<u64> {
        a.shares.iter().map(|s| s.share_yen.get()).collect()
    }

    fn columns(a: &Allocation) -> Vec<Vec<u64>> {
        a.shares.iter().map(|s| s.by_increment.iter().map(|y| y.get()).collect()).collect()
    }

    /// ¥3M / ¥5M / ¥9M to reach ★3 / ★4 / ★5, as increments.
    fn example_increments() -> Vec<Increment> {
        vec![inc(3, 3_000_000), inc(4, 2_000_000), inc(5, 4_000_000)]
    }

    fn example_buyers() -> Vec<Participant> {
        vec![part("A", 3, 8), part("B", 4, 1), part("C", 5, 1)]
    }

    #[test]
    fn worked_example_shapley() {
        let a = allocate(Rule::Shapley, &example_increments(), &example_buyers()).expect("allocate");
        assert_eq!(a.total_yen, Yen::new(9_000_000));
        assert_eq!(shares(&a), [1_000_000, 2_000_000, 6_000_000]);
        assert_eq!(columns(&a), [vec![1_000_000, 0, 0], vec![1_000_000, 1_000_000, 0], vec![1_000_000, 1_000_000, 4_000_000]]);
        assert!(a.shares.iter().all(|s| !s.exceeds_stand_alone));
    }

    #[test]
    fn worked_example_nucleolus() {
        let a = allocate(Rule::Nucleolus, &example_increments(), &example_buyers()).expect("allocate");
        assert_eq!(shares(&a), [1_500_000, 1_750_000, 5_750_000]);
        // Filled from the lowest increment up: A's share all goes to ★3, B tops ★3 up, C the rest.
        assert_eq!(columns(&a), [vec![1_500_000, 0, 0], vec![1_500_000, 250_000, 0], vec![0, 1_750_000, 4_000_000]]);
    }

    #[test]
    fn worked_example_weighted_airport() {
        let a = allocate(Rule::WeightedAirport, &example_increments(), &example_buyers()).expect("allocate");
        assert_eq!(shares(&a), [2_400_000, 1_300_000, 5_300_000]);
        assert_eq!(columns(&a), [vec![2_400_000, 0, 0], vec![300_000, 1_000_000, 0], vec![300_000, 1_000_000, 4_000_000]]);
        assert_eq!(a.rule, Rule::default());
        // The increments may come in any order; by_increment follows the levels.
        let mut shuffled = example_increments();
        shuffled.reverse();
        assert_eq!(allocate(Rule::WeightedAirport, &shuffled, &example_buyers()).expect("allocate"), a);
    }

    #[test]
    fn worked_example_proportional_flags_the_small_buyer() {
        let a = allocate(Rule::Proportional, &example_increments(), &example_buyers()).expect("allocate");
        assert_eq!(shares(&a), [7_200_000, 900_000, 900_000]);
        assert_eq!(a.shares.iter().map(|s| s.stand_alone_yen.get()).collect::<Vec<_>>(), [3_000_000, 5_000_000, 9_000_000]);
        assert_eq!(a.shares.iter().map(|s| s.exceeds_stand_alone).collect::<Vec<_>>(), [true, false, false]);
        // Proportional charges A for ★4 and ★5, which it does not need.
        assert_eq!(columns(&a)[0], [2_400_000, 1_600_000, 3_200_000]);
    }

    #[test]
    fn largest_remainder_ties_go_by_input_order() {
        let ten = [inc(3, 10)];
        let three = [part("c", 3, 1), part("a", 3, 1), part("b", 3, 1)];
        for rule in Rule::ALL {
            let a = allocate(rule, &ten, &three).expect("allocate");
            assert_eq!(shares(&a), [4, 3, 3], "{rule}");
        }
        // Two increments of ¥10: each row is rounded once (7/7/6), not once per increment (8/6/6).
        let a = allocate(Rule::Shapley, &[inc(3, 10), inc(4, 10)], &[part("x", 4, 1), part("y", 4, 1), part("z", 4, 1)]).expect("allocate");
        assert_eq!(shares(&a), [7, 7, 6]);
        // 2.5 and 7.5: equal remainders, so the first in input order gets the yen.
        let a = allocate(Rule::WeightedAirport, &[inc(3, 10)], &[part("x", 3, 1), part("y", 3, 3)]).expect("allocate");
        assert_eq!(shares(&a), [3, 7]);
        let a = allocate(Rule::WeightedAirport, &[inc(3, 10)], &[part("x", 3, 2), part("y", 3, 1)]).expect("allocate");
        // 6.67 and 3.33: the larger remainder (x) gets the yen.
        assert_eq!(shares(&a), [7, 3]);
        let a = allocate(Rule::WeightedAirport, &[inc(3, 10)], &[part("x", 3, 1), part("y", 3, 2)]).expect("allocate");
        assert_eq!(shares(&a), [3, 7]);
    }

    #[test]
    fn rounding_keeps_every_entry_and_share_within_a_yen_when_plain_largest_remainder_cannot() {
        // ★1 costs 16 among seven, ★5 costs 5 between p0 and p1 (2.5 each). Exact shares:
        // p0, p1 3.60; p2, p4, p6 2.76; p3 3.86; p5 1.66. Plain largest remainder would round
        // p0 and p1 both down, but one of them must take the odd yen of ★5 (each pays ★1 ≥ 1),
        // so p0 (first in input order) is rounded up and p5, the smallest remaining remainder,
        // down. Every share is still its exact value rounded down or up.
        let parts =
            [part("p0", 5, 2), part("p1", 5, 2), part("p2", 1, 5), part("p3", 1, 7), part("p4", 1, 5), part("p5", 1, 3), part("p6", 1, 5)];
        let a = allocate(Rule::WeightedAirport, &[inc(1, 16), inc(5, 5)], &parts).expect("allocate");
        assert_eq!(shares(&a), [4, 3, 3, 4, 3, 1, 3]);
        assert_eq!(columns(&a)[..2], [vec![1, 3], vec![1, 2]]);
    }

    #[test]
    fn participants_below_every_increment_pay_nothing() {
        let a = allocate(Rule::Shapley, &[inc(3, 900)], &[part("low", 2, 5), part("hi", 3, 5)]).expect("allocate");
        assert_eq!(shares(&a), [0, 900]);
        assert_eq!(a.shares[0].stand_alone_yen, Yen::ZERO);
        // An unneeded increment that costs nothing is accepted.
        let a = allocate(Rule::Nucleolus, &[inc(3, 900), inc(5, 0)], &[part("a", 3, 0), part("b", 3, 0)]).expect("allocate");
        assert_eq!(columns(&a), [vec![450, 0], vec![450, 0]]);
    }

    #[test]
    fn refuses_bad_input_saying_what_to_fix() {
        let one = [part("A", 3, 1)];
        let cases: Vec<(Result<Allocation, SharingError>, SharingError, &str)> = vec![
            (allocate(Rule::Shapley, &[inc(3, 1)], &[]), SharingError::NoParticipants, "add at least one"),
            (allocate(Rule::Shapley, &[], &one), SharingError::NoIncrements, "enter the cost"),
            (allocate(Rule::Shapley, &[inc(3, 1)], &[part(" ", 3, 1)]), SharingError::BlankId { position: 1 }, "give every participant"),
            (
                allocate(Rule::Shapley, &[inc(3, 1)], &[part("A", 3, 1), part("A ", 4, 1)]),
                SharingError::DuplicateParticipant { id: "A".into() },
                "list each participant once",
            ),
            (
                allocate(Rule::Shapley, &[inc(3, 1), inc(3, 2)], &one),
                SharingError::DuplicateIncrement { level: Level::THREE },
                "one cost per level",
            ),
            (
                allocate(Rule::Shapley, &[inc(3, 1), inc(5, 7)], &one),
                SharingError::NobodyNeeds { level: Level::FIVE, cost: Yen::new(7) },
                "add the participant that asks for ★5",
            ),
            (allocate(Rule::WeightedAirport, &[inc(3, 1)], &[part("A", 3, 0)]), SharingError::AllWeightsZero, "use the shapley rule"),
            (allocate(Rule::Proportional, &[inc(3, 1)], &[part("A", 3, 0)]), SharingError::AllWeightsZero, "annual purchases"),
            (
                allocate(Rule::WeightedAirport, &[inc(3, 1), inc(4, 5)], &[part("A", 3, 1), part("B", 4, 0)]),
                SharingError::ZeroWeight { level: Level::FOUR, cost: Yen::new(5) },
                "needing ★4 all have weight 0",
            ),
            (
                allocate(Rule::WeightedAirport, &[inc(3, 1)], &[part("A", 3, u64::MAX), part("B", 3, 1)]),
                SharingError::WeightsTooLarge,
                "whole yen",
            ),
            (allocate(Rule::Shapley, &[inc(3, u64::MAX), inc(4, 1)], &[part("A", 4, 1)]), SharingError::Overflow, "too large"),
        ];
        for (got, want, hint) in cases {
            assert_eq!(got.as_ref().err(), Some(&want));
            assert!(want.to_string().contains(hint), "{want} lacks {hint:?}");
            assert!(!want.message_ja().is_empty());
        }
        // Zero weights are fine where weights are not used, and where nothing is to be paid.
        assert!(allocate(Rule::Shapley, &[inc(3, 1)], &[part("A", 3, 0)]).is_ok());
        assert!(allocate(Rule::WeightedAirport, &[inc(3, 0)], &[part("A", 3, 0)]).is_ok());
    }

    #[test]
    fn rule_names_are_stable() {
        assert_eq!(Rule::ALL.map(Rule::key), ["weighted_airport", "shapley", "nucleolus", "proportional"]);
        for r in Rule::ALL {
            assert_eq!(Rule::parse(r.key()), Ok(r));
            assert_eq!(Rule::parse(r.name_ja()), Ok(r));
            assert_eq!(Rule::parse(r.name_en()), Ok(r));
            assert_eq!(Rule::deserialize(StrDeserializer::<DeError>::new(r.key())), Ok(r));
            assert_eq!(r.to_string(), r.key());
        }
        assert_eq!(Rule::parse("Weighted-Airport"), Ok(Rule::WeightedAirport));
        assert!(Rule::parse("banzhaf").is_err_and(|e| e.to_string().contains("weighted_airport")));
        assert_eq!(Rule::default(), Rule::WeightedAirport);
    }

    #[test]
    fn nucleolus_closed_form_on_known_games() {
        let q = |v: &[Ratio]| v.iter().map(|r| (r.num, r.den)).collect::<Vec<_>>();
        assert_eq!(q(&airport_nucleolus(&[3, 5, 9]).expect("n")), [(3, 2), (7, 4), (23, 4)]);
        // Order does not matter, equal costs share equally, zero costs pay nothing.
        assert_eq!(q(&airport_nucleolus(&[9, 3, 5]).expect("n")), [(23, 4), (3, 2), (7, 4)]);
        assert_eq!(q(&airport_nucleolus(&[6, 6, 6]).expect("n")), [(2, 1), (2, 1), (2, 1)]);
        assert_eq!(q(&airport_nucleolus(&[0, 4]).expect("n")), [(0, 1), (4, 1)]);
        assert_eq!(q(&airport_nucleolus(&[7]).expect("n")), [(7, 1)]);
    }

    #[test]
    fn uplift_straight_line() {
        let base = UpliftInput {
            one_off_share: Yen::new(1_200_000),
            annual_share: Yen::ZERO,
            months: 24,
            spread: Spread::StraightLine,
            annual_purchases: None,
            annual_units: None,
        };
        let u = uplift(&base).expect("uplift");
        assert_eq!(u.annual_yen, Yen::new(600_000));
        assert_eq!((u.percent_of_purchases_bp, u.per_unit_yen, u.per_unit_sen), (None, None, None));
        // Half a yen rounds up: 1 over 24 months is 0.5 a year.
        assert_eq!(uplift(&UpliftInput { one_off_share: Yen::new(1), ..base }).expect("u").annual_yen, Yen::new(1));
        // Running costs are added.
        let u = uplift(&UpliftInput { annual_share: Yen::new(50_000), ..base }).expect("u");
        assert_eq!((u.annual_yen, u.one_off_annual_yen), (Yen::new(650_000), Yen::new(600_000)));
    }

    #[test]
    fn uplift_capital_recovery() {
        let base = UpliftInput {
            one_off_share: Yen::new(1_000_000),
            annual_share: Yen::ZERO,
            months: 36,
            spread: Spread::CapitalRecovery { rate_bp: 0 },
            annual_purchases: None,
            annual_units: None,
        };
        let straight = uplift(&UpliftInput { spread: Spread::StraightLine, ..base }).expect("u");
        assert_eq!(uplift(&base).expect("u"), straight);
        assert_eq!(straight.annual_yen, Yen::new(333_333));
        // 3% over 3 years: 0.03 · 1.03³ / (1.03³ − 1) = 0.3535303… → ¥353,530.
        let u = uplift(&UpliftInput { spread: Spread::CapitalRecovery { rate_bp: 300 }, ..base }).expect("u");
        assert_eq!(u.annual_yen, Yen::new(353_530));
        // 5% over 5 years on ¥2.4M: 554,339.52 → ¥554,340.
        let u = uplift(&UpliftInput {
            one_off_share: Yen::new(2_400_000),
            months: 60,
            spread: Spread::CapitalRecovery { rate_bp: 500 },
            ..base
        })
        .expect("u");
        assert_eq!(u.annual_yen, Yen::new(554_340));
        // A tiny rate is close to straight-line, never below it.
        let u = uplift(&UpliftInput { spread: Spread::CapitalRecovery { rate_bp: 1 }, ..base }).expect("u");
        assert!(u.annual_yen >= straight.annual_yen && u.annual_yen.get() < straight.annual_yen.get() + 100);
    }

    #[test]
    fn uplift_percentage_and_per_unit() {
        let u = uplift(&UpliftInput {
            one_off_share: Yen::new(1_200_000),
            annual_share: Yen::ZERO,
            months: 24,
            spread: Spread::StraightLine,
            annual_purchases: Some(Yen::new(60_000_000)),
            annual_units: Some(7),
        })
        .expect("uplift");
        assert_eq!(u.percent_of_purchases_bp, Some(100)); // 1.00%
        assert_eq!(u.per_unit_yen, Some(Yen::new(85_715))); // 85,714.29 rounded up
        assert_eq!(u.per_unit_sen, Some(8_571_429));
        // A cheap part: ¥600,000 over 2,000,000 units is 30 sen, which a whole yen would overstate.
        let u = uplift(&UpliftInput {
            one_off_share: Yen::new(1_200_000),
            annual_share: Yen::ZERO,
            months: 24,
            spread: Spread::StraightLine,
            annual_purchases: Some(Yen::new(7_000_000)),
            annual_units: Some(2_000_000),
        })
        .expect("uplift");
        assert_eq!((u.per_unit_yen, u.per_unit_sen), (Some(Yen::new(1)), Some(30)));
        assert_eq!(u.percent_of_purchases_bp, Some(857)); // 8.571…% → 857 bp
    }

    #[test]
    fn uplift_refuses_what_it_cannot_compute() {
        let base = UpliftInput {
            one_off_share: Yen::new(1),
            annual_share: Yen::ZERO,
            months: 12,
            spread: Spread::StraightLine,
            annual_purchases: None,
            annual_units: None,
        };
        assert_eq!(uplift(&UpliftInput { months: 0, ..base }), Err(SharingError::ZeroMonths));
        assert_eq!(uplift(&UpliftInput { annual_purchases: Some(Yen::ZERO), ..base }), Err(SharingError::ZeroPurchases));
        assert_eq!(uplift(&UpliftInput { annual_units: Some(0), ..base }), Err(SharingError::ZeroUnits));
        assert_eq!(
            uplift(&UpliftInput { one_off_share: Yen::new(u64::MAX), annual_share: Yen::new(u64::MAX), ..base }),
            Err(SharingError::Overflow)
        );
    }

    // ---- property tests ----

    /// A random valid game: increments at some levels, participants at random levels; costs of
    /// increments nobody needs are set to 0. `big` picks costs and weights of realistic size.
    fn game(max_n: usize) -> impl Strategy<Value = (Vec<Increment>, Vec<Participant>)> {
        let cost = prop_oneof![0u64..=20, 0u64..=3_000_000_000_000u64];
        let weight = prop_oneof![1u64..=6, 1u64..=10_000_000_000_000u64];
        (proptest::collection::vec((1i64..=5, cost), 1..=5), proptest::collection::vec((1i64..=5, weight), 1..=max_n)).prop_map(
            |(incs, parts)| {
                let parts: Vec<Participant> = parts.into_iter().enumerate().map(|(i, (l, w))| part(&format!("p{i}"), l, w)).collect();
                let top = parts.iter().map(|p| p.level).max().unwrap_or(Level::ONE);
                let mut seen = HashSet::new();
                let incs = incs
                    .into_iter()
                    .filter(|(l, _)| seen.insert(*l))
                    .map(|(l, c)| if lv(l) > top { inc(l, 0) } else { inc(l, c) })
                    .collect();
                (incs, parts)
            },
        )
    }

    fn sorted(incs: &[Increment]) -> Vec<Increment> {
        let mut v = incs.to_vec();
        v.sort_by_key(|i| i.level);
        v
    }

    fn stand_alone(incs: &[Increment], level: Level) -> u64 {
        incs.iter().filter(|i| i.level <= level).map(|i| i.cost_yen.get()).sum()
    }

    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for p in permutations(n - 1) {
            for at in 0..=p.len() {
                let mut q = p.clone();
                q.insert(at, n - 1);
                out.push(q);
            }
        }
        out
    }

    /// The nucleolus by brute force: among all core points on a grid of 1/`scale` yen, the one
    /// whose excesses, sorted, are lexicographically largest (LP-free).
    fn grid_nucleolus(cost: &[u64], scale: u64) -> Vec<u64> {
        let n = cost.len();
        let c: Vec<u64> = cost.iter().map(|c| c * scale).collect();
        let coalitions: Vec<(u64, Vec<usize>)> = (1..(1u32 << n) - 1)
            .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect::<Vec<_>>())
            .map(|s| (s.iter().map(|&i| c[i]).max().unwrap_or(0), s))
            .collect();
        let total = c.iter().copied().max().unwrap_or(0);
        let mut best: Option<(Vec<u64>, Vec<u64>)> = None;
        let mut x = vec![0u64; n];
        fn walk(i: usize, left: u64, x: &mut Vec<u64>, c: &[u64], co: &[(u64, Vec<usize>)], best: &mut Option<(Vec<u64>, Vec<u64>)>) {
            let n = x.len();
            if i == n - 1 {
                if left > c[i] {
                    return;
                }
                x[i] = left;
                let mut ex = Vec::with_capacity(co.len());
                for (cs, s) in co {
                    let paid: u64 = s.iter().map(|&j| x[j]).sum();
                    if paid > *cs {
                        return; // outside the core
                    }
                    ex.push(cs - paid);
                }
                ex.sort_unstable();
                if best.as_ref().is_none_or(|(b, _)| ex > *b) {
                    *best = Some((ex, x.clone()));
                }
                return;
            }
            for v in 0..=c[i].min(left) {
                x[i] = v;
                walk(i + 1, left - v, x, c, co, best);
            }
        }
        walk(0, total, &mut x, &c, &coalitions, &mut best);
        best.map(|(_, x)| x).unwrap_or_default()
    }

    proptest! {
        #[test]
        fn shares_add_up_exactly_under_every_rule((incs, parts) in game(7)) {
            let incs_sorted = sorted(&incs);
            for rule in Rule::ALL {
                let a = allocate(rule, &incs, &parts).expect("valid game");
                prop_assert_eq!(a.total_yen.get(), incs.iter().map(|i| i.cost_yen.get()).sum::<u64>());
                prop_assert_eq!(shares(&a).iter().sum::<u64>(), a.total_yen.get());
                for (k, i) in incs_sorted.iter().enumerate() {
                    prop_assert_eq!(a.shares.iter().map(|s| s.by_increment[k].get()).sum::<u64>(), i.cost_yen.get(), "{} column {}", rule, k);
                }
                for (s, p) in a.shares.iter().zip(&parts) {
                    prop_assert_eq!(&s.id, &p.id);
                    prop_assert_eq!(s.share_yen.get(), s.by_increment.iter().map(|y| y.get()).sum::<u64>());
                    prop_assert_eq!(s.stand_alone_yen.get(), stand_alone(&incs, p.level));
                    prop_assert_eq!(s.exceeds_stand_alone, s.share_yen > s.stand_alone_yen);
                }
            }
        }

        #[test]
        fn airport_rules_charge_only_needed_increments_and_no_coalition_beyond_stand_alone((incs, parts) in game(6)) {
            let incs_sorted = sorted(&incs);
            for rule in [Rule::WeightedAirport, Rule::Shapley, Rule::Nucleolus] {
                let a = allocate(rule, &incs, &parts).expect("valid game");
                for (s, p) in a.shares.iter().zip(&parts) {
                    for (k, i) in incs_sorted.iter().enumerate() {
                        if i.level > p.level {
                            prop_assert_eq!(s.by_increment[k], Yen::ZERO, "{} {} pays for {}", rule, p.id, i.level);
                        }
                    }
                    prop_assert!(!s.exceeds_stand_alone);
                }
                // Every coalition: its members together pay no more than the cost of its most
                // demanding member alone. (The issue allows #members yen of rounding; none is needed.)
                let n = parts.len();
                for mask in 1u32..(1 << n) {
                    let members: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
                    let top = members.iter().map(|&i| parts[i].level).max().unwrap_or(Level::ONE);
                    let paid: u64 = members.iter().map(|&i| a.shares[i].share_yen.get()).sum();
                    prop_assert!(paid <= stand_alone(&incs, top), "{} coalition {:?} pays {}", rule, members, paid);
                }
            }
        }

        #[test]
        fn equal_weights_make_weighted_airport_the_shapley_value((incs, parts) in game(7), w in 1u64..=1_000_000_000) {
            let equal: Vec<Participant> = parts.iter().map(|p| Participant { weight: w, ..p.clone() }).collect();
            let weighted = allocate(Rule::WeightedAirport, &incs, &equal).expect("valid");
            let shapley = allocate(Rule::Shapley, &incs, &parts).expect("valid");
            prop_assert_eq!(weighted.shares, shapley.shares);
        }

        #[test]
        fn shapley_matches_brute_force_over_all_orderings((incs, parts) in game(5)) {
            let n = parts.len();
            let cost: Vec<u64> = parts.iter().map(|p| stand_alone(&incs, p.level)).collect();
            // Σ over orderings of each participant's marginal cost; the Shapley value is that / n!.
            let mut sum = vec![0u128; n];
            let orders = permutations(n);
            for order in &orders {
                let mut reached = 0u64;
                for &i in order {
                    sum[i] += u128::from(cost[i].saturating_sub(reached));
                    reached = reached.max(cost[i]);
                }
            }
            let fact = orders.len() as u128;
            let a = allocate(Rule::Shapley, &incs, &parts).expect("valid");
            prop_assert_eq!(sum.iter().sum::<u128>(), fact * u128::from(a.total_yen.get()));
            for (i, s) in a.shares.iter().enumerate() {
                let rounded = u128::from(s.share_yen.get()) * fact;
                prop_assert!(rounded.abs_diff(sum[i]) < fact, "{}: {} vs {}/{}", s.id, s.share_yen, sum[i], fact);
            }
        }

        #[test]
        fn weighted_shares_are_their_exact_values_rounded_down_or_up((incs, parts) in game(7)) {
            // Exact row sums with a common denominator: small weights keep it within u128.
            let parts: Vec<Participant> = parts.into_iter().map(|p| Participant { weight: p.weight % 7 + 1, ..p }).collect();
            let incs_sorted = sorted(&incs);
            for rule in [Rule::WeightedAirport, Rule::Proportional] {
                let a = allocate(rule, &incs, &parts).expect("valid");
                let dens: Vec<u128> = incs_sorted.iter().map(|i| {
                    parts.iter().filter(|p| rule == Rule::Proportional || p.level >= i.level).map(|p| u128::from(p.weight)).sum::<u128>().max(1)
                }).collect();
                let d: u128 = dens.iter().product();
                for (s, p) in a.shares.iter().zip(&parts) {
                    let mut exact = 0u128; // in units of 1/d yen
                    for (k, i) in incs_sorted.iter().enumerate() {
                        if rule == Rule::Proportional || p.level >= i.level {
                            let entry = u128::from(i.cost_yen.get()) * u128::from(p.weight);
                            let y = u128::from(s.by_increment[k].get());
                            prop_assert!((y * dens[k]).abs_diff(entry) < dens[k], "{} entry {}", rule, k);
                            exact += entry * (d / dens[k]);
                        }
                    }
                    prop_assert!((u128::from(s.share_yen.get()) * d).abs_diff(exact) < d, "{} {}", rule, s.id);
                }
            }
        }

        #[test]
        fn proportional_flags_shares_above_stand_alone((incs, parts) in game(7)) {
            let a = allocate(Rule::Proportional, &incs, &parts).expect("valid");
            let total = u128::from(a.total_yen.get());
            let w: u128 = parts.iter().map(|p| u128::from(p.weight)).sum();
            for (s, p) in a.shares.iter().zip(&parts) {
                prop_assert_eq!(s.exceeds_stand_alone, s.share_yen > s.stand_alone_yen);
                // Clear cases, judged on the exact share total · w_i / W (rounding moves it < 1 yen).
                let exact = total * u128::from(p.weight);
                let alone = u128::from(s.stand_alone_yen.get());
                if exact >= (alone + 1) * w {
                    prop_assert!(s.exceeds_stand_alone, "{} should be flagged", p.id);
                }
                if exact <= alone * w {
                    prop_assert!(!s.exceeds_stand_alone, "{} should not be flagged", p.id);
                }
            }
        }

        #[test]
        fn nucleolus_matches_brute_force_on_small_games(cost in proptest::collection::vec(0u64..=4, 2..=4)) {
            // Every nucleolus of ≤ 4 players has a denominator dividing 24 (steps divide by 2, 3 or 4).
            let scale = 24;
            let exact = airport_nucleolus(&cost).expect("nucleolus");
            let ours: Vec<u64> = exact.iter().map(|r| {
                let v = r.num * u128::from(scale);
                assert_eq!(v % r.den, 0, "denominator {} does not divide {}", r.den, scale);
                (v / r.den) as u64
            }).collect();
            prop_assert_eq!(ours, grid_nucleolus(&cost, scale));
        }

        #[test]
        fn nucleolus_allocation_is_the_rounded_nucleolus((incs, parts) in game(6)) {
            let a = allocate(Rule::Nucleolus, &incs, &parts).expect("valid");
            let cost: Vec<u64> = parts.iter().map(|p| stand_alone(&incs, p.level)).collect();
            for (s, r) in a.shares.iter().zip(airport_nucleolus(&cost).expect("nucleolus")) {
                prop_assert!((u128::from(s.share_yen.get()) * r.den).abs_diff(r.num) < r.den, "{}", s.id);
            }
            // Participants at the same level pay the same, up to a yen of rounding.
            for (i, p) in parts.iter().enumerate() {
                for (j, q) in parts.iter().enumerate().skip(i + 1) {
                    if p.level == q.level {
                        prop_assert!(a.shares[i].share_yen.get().abs_diff(a.shares[j].share_yen.get()) <= 1);
                    }
                }
            }
        }
    }
}
