//! Risk across tiers: how a compromise travels up the supply chain.
//!
//! The network is held in compact (CSR) form, each company's incoming edges — its suppliers and
//! how strongly each is connected to it (access, data flows) — contiguous in memory. Exposure is
//! the noisy-OR fixed point
//! `r_i = 1 − (1 − p_i) · Π_{j ∈ suppliers(i)} (1 − w_ji · r_j)`,
//! computed as the product itself (one multiplication per edge; a product of factors in [0, 1]
//! keeps its relative precision near 1 as log space does), in parallel, O(edges) per iteration.
//! Where every company reaches a customer by one path only (a tree), it is the exact
//! probability; where paths rejoin it counts shared upstream causes more than once. [`monte_carlo`] gives the exact answer by
//! sampling: seeded, so the same seed gives the same numbers.

use rayon::prelude::*;

/// Why a network was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GraphError {
    #[error("link {index}: company {node} is not in the network of {n} companies")]
    UnknownNode { index: usize, node: usize, n: usize },
    #[error("link {index}: weight {weight} is outside 0–1")]
    BadWeight { index: usize, weight: f64 },
    #[error("company {index}: own risk {risk} is outside 0–1")]
    BadRisk { index: usize, risk: f64 },
}

/// A supply network in CSR form over incoming edges.
#[derive(Debug, Clone)]
pub struct Network {
    n: usize,
    /// `offsets[i]..offsets[i+1]` are company `i`'s incoming edges.
    offsets: Vec<usize>,
    suppliers: Vec<u32>,
    weights: Vec<f64>,
}

impl Network {
    /// Builds the network from `(supplier, customer, weight)` links.
    pub fn new(n: usize, links: &[(usize, usize, f64)]) -> Result<Network, GraphError> {
        Network::build(n, links.len(), |k| links[k])
    }

    /// Builds the network from compact `(supplier, customer, weight)` links (16 bytes each
    /// instead of 24: what a national network's loader holds).
    pub fn from_compact(n: usize, links: &[(u32, u32, f64)]) -> Result<Network, GraphError> {
        Network::build(n, links.len(), |k| {
            let (s, c, w) = links[k];
            (s as usize, c as usize, w)
        })
    }

    fn build(n: usize, m: usize, link: impl Fn(usize) -> (usize, usize, f64)) -> Result<Network, GraphError> {
        let mut degree = vec![0usize; n + 1];
        for index in 0..m {
            let (s, c, w) = link(index);
            for node in [s, c] {
                if node >= n {
                    return Err(GraphError::UnknownNode { index, node, n });
                }
            }
            if !(0.0..=1.0).contains(&w) {
                return Err(GraphError::BadWeight { index, weight: w });
            }
            degree[c + 1] += 1;
        }
        for i in 0..n {
            degree[i + 1] += degree[i];
        }
        let offsets = degree.clone();
        let mut fill = degree;
        let mut suppliers = vec![0u32; m];
        let mut weights = vec![0.0; m];
        for index in 0..m {
            let (s, c, w) = link(index);
            suppliers[fill[c]] = s as u32;
            weights[fill[c]] = w;
            fill[c] += 1;
        }
        Ok(Network { n, offsets, suppliers, weights })
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn edges(&self) -> usize {
        self.suppliers.len()
    }
}

/// The result of propagation.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    pub risk: Vec<f64>,
    pub iterations: usize,
    /// The largest change in the last iteration.
    pub last_change: f64,
}

fn check_risks(own: &[f64]) -> Result<(), GraphError> {
    match own.iter().position(|p| !(0.0..=1.0).contains(p)) {
        Some(index) => Err(GraphError::BadRisk { index, risk: own[index] }),
        None => Ok(()),
    }
}

/// Iterates the noisy-OR to a fixed point (largest change below `tolerance`) or `max_iterations`.
pub fn propagate(net: &Network, own: &[f64], tolerance: f64, max_iterations: usize) -> Result<Exposure, GraphError> {
    check_risks(own)?;
    Ok(iterate(net, own, None, tolerance, max_iterations))
}

/// How much each of `candidates` adds to `target`'s exposure: the drop in the target's exposure
/// if that company were perfectly secure — never compromised itself and so passing nothing on.
/// Largest first; one propagation per candidate, in parallel.
pub fn contributions(
    net: &Network,
    own: &[f64],
    target: usize,
    candidates: &[usize],
    tolerance: f64,
    max_iterations: usize,
) -> Result<Vec<(usize, f64)>, GraphError> {
    contributions_by(net, own, target, candidates, tolerance, max_iterations, |r| r[target])
}

/// [`contributions`] measured by `measure` of the whole exposure vector (the target's exposure,
/// or its accumulated hazard).
fn contributions_by(
    net: &Network,
    own: &[f64],
    target: usize,
    candidates: &[usize],
    tolerance: f64,
    max_iterations: usize,
    measure: impl Fn(&[f64]) -> f64 + Sync,
) -> Result<Vec<(usize, f64)>, GraphError> {
    check_risks(own)?;
    if target >= net.n {
        return Err(GraphError::UnknownNode { index: 0, node: target, n: net.n });
    }
    let full = measure(&iterate(net, own, None, tolerance, max_iterations).risk);
    let mut out: Vec<(usize, f64)> = candidates
        .par_iter()
        .filter(|&&c| c < net.n && c != target)
        .map(|&c| (c, (full - measure(&iterate(net, own, Some(c), tolerance, max_iterations).risk)).max(0.0)))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// The accumulated hazard of company `i` given everyone's exposure `r`:
/// `h_i = −ln(1 − p_i) − Σ ln(1 − w_ji·r_j)`, so that `r_i = 1 − e^{−h_i}`. Unlike the exposure
/// it keeps growing past the point where `r_i` rounds to 1.
fn hazard(net: &Network, own: &[f64], r: &[f64], i: usize) -> f64 {
    let tiny = f64::MIN_POSITIVE;
    -(1.0 - own[i]).max(tiny).ln()
        - (net.offsets[i]..net.offsets[i + 1]).map(|e| (1.0 - net.weights[e] * r[net.suppliers[e] as usize]).max(tiny).ln()).sum::<f64>()
}

/// Every company's contribution to `target`'s exposure at once, to first order: how far the
/// target's exposure falls if that company's exposure fell to zero (made perfectly secure),
/// `λ_j · r_j`, where `λ_j = ∂r_target/∂r_j` comes from one adjoint fixed point over the same
/// edges (`λ = e_target + Jᵀλ`, with `J_ij = ∂r_i/∂r_j = w_ji·(1 − p_i)·Π_{k≠j}(1 − w_ki·r_k)`).
/// Noisy-OR exposure is affine in each supplier's exposure, so where every company reaches the
/// target by one path only (a tree) this is [`contributions`]'s exact figure; where paths rejoin
/// it counts the shared part more than once and is an estimate (the tests bound the error). Cost:
/// a propagation and an adjoint pass, O(edges) per iteration, whatever the number of candidates
/// — [`contributions`] runs one full propagation per candidate. Index `target` itself is 0.
pub fn estimated_contributions(
    net: &Network,
    own: &[f64],
    target: usize,
    tolerance: f64,
    max_iterations: usize,
) -> Result<Vec<f64>, GraphError> {
    estimate(net, own, target, tolerance, max_iterations, Measure::Exposure)
}

/// What a contribution is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The drop in the target's exposure (a probability).
    Exposure,
    /// The drop in the target's accumulated hazard `−ln(1 − exposure)`, used when the exposure
    /// is saturated (above [`SATURATED_EXPOSURE`]): there no single company moves the exposure,
    /// but each still carries its part of the risk that piles up.
    Hazard,
}

/// What [`top_contributions`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct TopContributions {
    /// (company, contribution), largest first.
    pub top: Vec<(usize, f64)>,
    pub measure: Measure,
    /// The target's whole exposure or hazard, for shares.
    pub total: f64,
}

/// Above this exposure, contributions are measured in hazard.
pub const SATURATED_EXPOSURE: f64 = 0.999;

fn estimate(
    net: &Network,
    own: &[f64],
    target: usize,
    tolerance: f64,
    max_iterations: usize,
    measure: Measure,
) -> Result<Vec<f64>, GraphError> {
    check_risks(own)?;
    if target >= net.n {
        return Err(GraphError::UnknownNode { index: 0, node: target, n: net.n });
    }
    let r = iterate(net, own, None, tolerance, max_iterations).risk;
    // Each edge's partial derivative, the product of the other factors taken from prefix and
    // suffix products, so a factor of zero (a certain compromise) needs no division.
    let mut jac = vec![0.0; net.edges()];
    let mut prefix = Vec::new();
    for (i, p) in own.iter().enumerate() {
        let (lo, hi) = (net.offsets[i], net.offsets[i + 1]);
        prefix.clear();
        let mut acc = 1.0 - p;
        for e in lo..hi {
            prefix.push(acc);
            acc *= 1.0 - net.weights[e] * r[net.suppliers[e] as usize];
        }
        let mut suffix = 1.0;
        for e in (lo..hi).rev() {
            jac[e] = net.weights[e] * prefix[e - lo] * suffix;
            suffix *= 1.0 - net.weights[e] * r[net.suppliers[e] as usize];
        }
    }
    if measure == Measure::Hazard {
        // ∂h_target/∂r_j = w / (1 − w·r_j) on the target's own links; deeper links as before.
        for e in net.offsets[target]..net.offsets[target + 1] {
            jac[e] = net.weights[e] / (1.0 - net.weights[e] * r[net.suppliers[e] as usize]).max(1e-12);
        }
    }
    let mut lambda = vec![0.0; net.n];
    lambda[target] = 1.0;
    let mut next = vec![0.0; net.n];
    for _ in 0..max_iterations {
        next.iter_mut().for_each(|v| *v = 0.0);
        next[target] = 1.0;
        for (i, l) in lambda.iter().enumerate() {
            if *l == 0.0 {
                continue;
            }
            for e in net.offsets[i]..net.offsets[i + 1] {
                next[net.suppliers[e] as usize] += jac[e] * l;
            }
        }
        let scale = next.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let change = next.iter().zip(&lambda).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        std::mem::swap(&mut lambda, &mut next);
        if change < tolerance * scale {
            break;
        }
    }
    Ok((0..net.n).map(|j| if j == target { 0.0 } else { (lambda[j] * r[j]).max(0.0) }).collect())
}

/// The `k` largest contributions to `target`'s risk with exact figures, and what they are
/// measured in: the drop in exposure, or — when the target's exposure is saturated (above
/// [`SATURATED_EXPOSURE`], where making any one company secure changes it by nothing
/// measurable) — the drop in its accumulated hazard. Candidates are every other company, all
/// computed exactly when there are at most `exact_up_to` companies; otherwise the `refine`
/// largest by the adjoint estimate are computed exactly and ranked. Largest first, ties by index.
pub fn top_contributions(
    net: &Network,
    own: &[f64],
    target: usize,
    k: usize,
    exact_up_to: usize,
    refine: usize,
) -> Result<TopContributions, GraphError> {
    check_risks(own)?;
    if target >= net.n {
        return Err(GraphError::UnknownNode { index: 0, node: target, n: net.n });
    }
    let r = iterate(net, own, None, 1e-9, 10_000).risk;
    let measure = if r[target] > SATURATED_EXPOSURE { Measure::Hazard } else { Measure::Exposure };
    let candidates: Vec<usize> = if net.n <= exact_up_to {
        (0..net.n).filter(|&i| i != target).collect()
    } else {
        let est = estimate(net, own, target, 1e-9, 10_000, measure)?;
        let mut order: Vec<usize> = (0..net.n).filter(|&i| i != target && est[i] > 0.0).collect();
        order.sort_by(|a, b| est[*b].total_cmp(&est[*a]).then(a.cmp(b)));
        order.truncate(refine.max(k));
        order
    };
    let mut top = match measure {
        Measure::Exposure => contributions(net, own, target, &candidates, 1e-9, 10_000)?,
        Measure::Hazard => contributions_by(net, own, target, &candidates, 1e-9, 10_000, |r| hazard(net, own, r, target))?,
    };
    top.truncate(k);
    let total = match measure {
        Measure::Exposure => r[target],
        Measure::Hazard => hazard(net, own, &r, target),
    };
    Ok(TopContributions { top, measure, total })
}

/// Below this, `1 − q` is exactly 1.0 in f64 already: the product can stop (and never reaches
/// the subnormal numbers that make arithmetic slow).
const SATURATED: f64 = 1e-200;

fn iterate(net: &Network, own: &[f64], immune: Option<usize>, tolerance: f64, max_iterations: usize) -> Exposure {
    // The product form q_i = (1 − p_i)·Π(1 − w·r_j), r_i = 1 − q_i: one multiplication per
    // edge (a logarithm per edge was most of the time), and as accurate near 1 as log space,
    // since a product of factors in [0, 1] keeps its relative precision.
    let mut r: Vec<f64> = own.to_vec();
    if let Some(c) = immune {
        r[c] = 0.0;
    }
    let mut next = vec![0.0; net.n];
    // Which companies changed in the last iteration: a company none of whose suppliers changed
    // would compute the very same value again, so it is copied (the result is exactly the
    // plain iteration's; most of a national network settles after a few rounds).
    let mut changed = vec![true; net.n];
    let mut changed_next = vec![false; net.n];
    let mut iterations = 0;
    let mut last_change = 0.0;
    const BLOCK: usize = 4096;
    while iterations < max_iterations {
        last_change = next
            .par_chunks_mut(BLOCK)
            .zip(changed_next.par_chunks_mut(BLOCK))
            .enumerate()
            .map(|(b, (out, flags))| {
                let mut change = 0.0f64;
                for (k, (slot, flag)) in out.iter_mut().zip(flags.iter_mut()).enumerate() {
                    let i = b * BLOCK + k;
                    let edges = net.offsets[i]..net.offsets[i + 1];
                    let stale = iterations == 0 || edges.clone().any(|e| changed[net.suppliers[e] as usize]);
                    let v = if Some(i) == immune {
                        0.0
                    } else if !stale {
                        r[i]
                    } else {
                        let mut q = 1.0 - own[i];
                        for e in edges {
                            q *= 1.0 - net.weights[e] * r[net.suppliers[e] as usize];
                            if q < SATURATED {
                                q = 0.0;
                                break;
                            }
                        }
                        1.0 - q
                    };
                    change = change.max((v - r[i]).abs());
                    *flag = v != r[i];
                    *slot = v;
                }
                change
            })
            .reduce(|| 0.0, f64::max);
        std::mem::swap(&mut r, &mut next);
        std::mem::swap(&mut changed, &mut changed_next);
        iterations += 1;
        if last_change < tolerance {
            break;
        }
    }
    Exposure { risk: r, iterations, last_change }
}

/// A small, fast, seeded generator (SplitMix64), so sampling is reproducible.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The probability that each company is compromised, by sampling `trials` worlds: each company
/// is compromised on its own with `own[i]`, each link carries a compromise with its weight, and a
/// company is compromised if any path of carrying links leads to it from a compromised one.
/// `forced` companies are compromised in every world ("what if X is compromised").
pub fn monte_carlo(net: &Network, own: &[f64], forced: &[usize], trials: usize, seed: u64) -> Result<Vec<f64>, GraphError> {
    check_risks(own)?;
    // Outgoing adjacency for the forward search.
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); net.n];
    for c in 0..net.n {
        for e in net.offsets[c]..net.offsets[c + 1] {
            out[net.suppliers[e] as usize].push((c, e));
        }
    }
    let chunks = 8usize.min(trials.max(1));
    let counts: Vec<Vec<u32>> = (0..chunks)
        .into_par_iter()
        .map(|k| {
            let mut rng = SplitMix(seed ^ (k as u64).wrapping_mul(0xA076_1D64_78BD_642F));
            let mut count = vec![0u32; net.n];
            let mut hit = vec![false; net.n];
            let mut stack = Vec::new();
            let per = trials / chunks + usize::from(k < trials % chunks);
            for _ in 0..per {
                hit.iter_mut().for_each(|h| *h = false);
                for i in 0..net.n {
                    if rng.next_f64() < own[i] || forced.contains(&i) {
                        hit[i] = true;
                        stack.push(i);
                    }
                }
                // Each link is sampled once per world, when the search first reaches it.
                while let Some(j) = stack.pop() {
                    for &(c, e) in &out[j] {
                        if !hit[c] && rng.next_f64() < net.weights[e] {
                            hit[c] = true;
                            stack.push(c);
                        }
                    }
                }
                for (c, h) in count.iter_mut().zip(&hit) {
                    *c += u32::from(*h);
                }
            }
            count
        })
        .collect();
    let total = trials.max(1) as f64;
    Ok((0..net.n).map(|i| counts.iter().map(|c| f64::from(c[i])).sum::<f64>() / total).collect())
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // indexes name companies in these tests
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Exact probabilities by enumerating every world (own compromises and links), for tiny graphs.
    fn brute_force(n: usize, links: &[(usize, usize, f64)], own: &[f64]) -> Vec<f64> {
        let vars = n + links.len();
        let mut p = vec![0.0; n];
        for mask in 0u32..(1 << vars) {
            let mut prob = 1.0;
            for i in 0..n {
                prob *= if mask & (1 << i) != 0 { own[i] } else { 1.0 - own[i] };
            }
            for (k, l) in links.iter().enumerate() {
                prob *= if mask & (1 << (n + k)) != 0 { l.2 } else { 1.0 - l.2 };
            }
            let mut hit: Vec<bool> = (0..n).map(|i| mask & (1 << i) != 0).collect();
            loop {
                let mut changed = false;
                for (k, &(s, c, _)) in links.iter().enumerate() {
                    if hit[s] && !hit[c] && mask & (1 << (n + k)) != 0 {
                        hit[c] = true;
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
            for i in 0..n {
                if hit[i] {
                    p[i] += prob;
                }
            }
        }
        p
    }

    proptest! {
        /// On trees (each company supplies one customer at most) noisy-OR is exact.
        #[test]
        fn noisy_or_is_exact_on_trees(
            own in proptest::collection::vec(0.0f64..0.6, 6),
            parents in proptest::collection::vec(0usize..6, 5),
            weights in proptest::collection::vec(0.0f64..1.0, 5),
        ) {
            // Node k+1 supplies a customer with a smaller index: a forest, one path each.
            let links: Vec<(usize, usize, f64)> = (0..5).map(|k| (k + 1, parents[k] % (k + 1), weights[k])).collect();
            let net = Network::new(6, &links).expect("network");
            let e = propagate(&net, &own, 1e-12, 100).expect("propagate");
            let exact = brute_force(6, &links, &own);
            for i in 0..6 {
                prop_assert!((e.risk[i] - exact[i]).abs() < 1e-9, "node {}: {} vs {}", i, e.risk[i], exact[i]);
            }
        }
    }

    #[test]
    fn monte_carlo_agrees_with_the_exact_answer_where_paths_rejoin() {
        // A diamond: 3 → 1 → 0 and 3 → 2 → 0, plus 4 → 0.
        let links = [(3, 1, 0.5), (3, 2, 0.5), (1, 0, 0.6), (2, 0, 0.6), (4, 0, 0.3)];
        let own = [0.01, 0.05, 0.05, 0.3, 0.2];
        let net = Network::new(5, &links).expect("network");
        let exact = brute_force(5, &links, &own);
        let mc = monte_carlo(&net, &own, &[], 200_000, 7).expect("mc");
        for i in 0..5 {
            assert!((mc[i] - exact[i]).abs() < 0.006, "node {i}: MC {} vs exact {}", mc[i], exact[i]);
        }
        let nor = propagate(&net, &own, 1e-12, 100).expect("propagate");
        assert!(nor.risk[0] >= exact[0] - 1e-12, "noisy-OR counts the shared supplier twice: never below");
        assert!((nor.risk[0] - exact[0]).abs() < 0.03, "…but stays close: {} vs {}", nor.risk[0], exact[0]);
        assert_eq!(mc, monte_carlo(&net, &own, &[], 200_000, 7).expect("again"), "seeded: reproducible");
    }

    #[test]
    fn contributions_are_the_exact_drop_when_a_company_is_made_secure_on_a_tree() {
        // 0 ← 1 ← {3, 4}, 0 ← 2: making 1 secure also cuts 3 and 4 off.
        let links = [(1, 0, 0.8), (2, 0, 0.5), (3, 1, 0.9), (4, 1, 0.2)];
        let own = [0.0, 0.1, 0.3, 0.3, 0.3];
        let net = Network::new(5, &links).expect("network");
        let c = contributions(&net, &own, 0, &[1, 2, 3, 4, 0], 1e-12, 100).expect("contributions");
        assert_eq!(c.len(), 4, "the target itself is not a candidate");
        let full = brute_force(5, &links, &own)[0];
        for &(node, drop) in &c {
            let mut without = own;
            without[node] = 0.0;
            let cut: Vec<(usize, usize, f64)> = links.iter().copied().filter(|l| l.0 != node).collect();
            let exact = full - brute_force(5, &cut, &without)[0];
            assert!((drop - exact).abs() < 1e-9, "node {node}: {drop} vs {exact}");
        }
        assert_eq!(c[0].0, 1, "the tier-1 that carries two tier-2s contributes most: {c:?}");
    }

    #[test]
    fn estimated_contributions_are_exact_on_a_tree_and_close_where_paths_rejoin() {
        // A tree: 0 ← 1 ← {3, 4}, 0 ← 2, 2 ← 5 ← 6.
        let links = [(1, 0, 0.8), (2, 0, 0.5), (3, 1, 0.9), (4, 1, 0.2), (5, 2, 0.7), (6, 5, 0.6)];
        let own = [0.0, 0.1, 0.3, 0.3, 0.3, 0.2, 0.9];
        let net = Network::new(7, &links).expect("network");
        let est = estimated_contributions(&net, &own, 0, 1e-13, 1000).expect("estimate");
        let exact = contributions(&net, &own, 0, &[1, 2, 3, 4, 5, 6], 1e-13, 1000).expect("exact");
        for &(node, drop) in &exact {
            assert!((est[node] - drop).abs() < 1e-12, "node {node}: {} vs exact {drop}", est[node]);
        }
        assert_eq!(est[0], 0.0);

        // Paths rejoin and a cycle closes: pseudo-random networks of 40 companies. The estimate
        // stays within a quarter of the top contribution, and its top five hold the exact top three.
        let mut rng = SplitMix(7);
        for round in 0..20 {
            let n = 40;
            let mut links = Vec::new();
            for c in 0..n {
                for _ in 0..3 {
                    let s = c + 1 + (rng.next_f64() * 8.0) as usize;
                    if s < n {
                        links.push((s, c, 0.05 + 0.5 * rng.next_f64()));
                    }
                }
            }
            links.push((0, 20, 0.1)); // a cycle through the target
            let own: Vec<f64> = (0..n).map(|_| 0.02 + 0.2 * rng.next_f64()).collect();
            let net = Network::new(n, &links).expect("network");
            let est = estimated_contributions(&net, &own, 0, 1e-12, 10_000).expect("estimate");
            let exact = contributions(&net, &own, 0, &(1..n).collect::<Vec<_>>(), 1e-12, 10_000).expect("exact");
            let top = exact[0].1;
            let worst = exact.iter().map(|&(node, drop)| (est[node] - drop).abs() / top).fold(0.0f64, f64::max);
            let mut by_est: Vec<usize> = (1..n).collect();
            by_est.sort_by(|a, b| est[*b].total_cmp(&est[*a]));
            let ranks: Vec<usize> = exact[..3].iter().map(|(node, _)| by_est.iter().position(|x| x == node).unwrap_or(99)).collect();
            // Seen over these rounds: worst 0.175 of the top, the exact top three at estimate
            // ranks 0–3. The app re-computes the estimate's top candidates exactly.
            assert!(worst <= 0.25, "round {round}: an estimate is off by {worst:.3} of the top contribution");
            assert!(ranks.iter().all(|&r| r < 5), "round {round}: the exact top three sit at estimate ranks {ranks:?}");
        }
    }

    #[test]
    fn the_refined_top_ten_is_the_exact_top_ten() {
        // 600 companies in tiers with rejoining paths: the estimate picks 30, exactly re-ranked,
        // and they give the same ten (and figures) as computing all 599 exactly.
        let mut rng = SplitMix(2026);
        let n = 600;
        let mut links = Vec::new();
        for c in 0..n {
            for _ in 0..4 {
                let s = c + 1 + (rng.next_f64() * 60.0) as usize;
                if s < n {
                    links.push((s, c, 0.02 + 0.3 * rng.next_f64()));
                }
            }
        }
        let own: Vec<f64> = (0..n).map(|_| 0.01 + 0.1 * rng.next_f64()).collect();
        let net = Network::new(n, &links).expect("network");
        let all = top_contributions(&net, &own, 0, 10, usize::MAX, 0).expect("exact");
        let refined = top_contributions(&net, &own, 0, 10, 100, 30).expect("refined");
        assert_eq!(all, refined);
        assert_eq!(all.measure, Measure::Exposure);
        assert!(all.total > 0.0 && all.total < 1.0);
        assert!(all.top.len() == 10 && all.top[0].1 > 0.0);

        // A buyer with 2,000 risky direct suppliers is saturated: exposure rounds to 1 and no
        // single supplier moves it, so the ranking is by hazard — and the supplier with the
        // strongest, riskiest link comes first, exactly as the full computation says.
        let n = 2001;
        let links: Vec<(usize, usize, f64)> = (1..n).map(|s| (s, 0, 0.2 + 0.6 * ((s * 7919) % 1000) as f64 / 1000.0)).collect();
        let own: Vec<f64> = (0..n).map(|i| if i == 0 { 0.0 } else { 0.3 }).collect();
        let net = Network::new(n, &links).expect("network");
        let all = top_contributions(&net, &own, 0, 10, usize::MAX, 0).expect("exact");
        let refined = top_contributions(&net, &own, 0, 10, 100, 30).expect("refined");
        let (m, m2, total) = (all.measure, refined.measure, all.total);
        assert!(total > 100.0, "the hazard keeps growing past saturation: {total}");
        assert_eq!((m, m2), (Measure::Hazard, Measure::Hazard));
        assert_eq!(all, refined);
        let strongest = links.iter().max_by(|a, b| a.2.total_cmp(&b.2).then(b.0.cmp(&a.0))).expect("a link").0;
        assert_eq!(all.top[0].0, strongest);
        assert!(all.top[0].1 > 0.0);
    }

    #[test]
    fn what_if_forces_a_compromise_and_cycles_converge() {
        // Kojima-style: tier-1 (1) reaches the automaker (0) directly; tier-2 (2) reaches tier-1.
        let links = [(1, 0, 0.9), (2, 1, 0.7), (0, 2, 0.1)];
        let net = Network::new(3, &links).expect("network");
        let own = [0.0, 0.0, 0.0];
        let mc = monte_carlo(&net, &own, &[1], 100_000, 1).expect("mc");
        assert!((mc[0] - 0.9).abs() < 0.01, "{}", mc[0]);
        let e = propagate(&net, &[0.0, 0.2, 0.1], 1e-9, 1000).expect("cycle converges");
        assert!(e.last_change < 1e-9 && e.iterations < 1000);
        assert!(Network::new(2, &[(0, 5, 0.1)]).is_err());
        assert!(Network::new(2, &[(0, 1, 1.5)]).is_err());
        assert!(propagate(&net, &[0.0, 2.0, 0.0], 1e-9, 10).is_err());
    }
}
