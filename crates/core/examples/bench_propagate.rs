//! Benchmark: risk propagation at national scale — 3.4 million companies and 20 million supply
//! links by default — on a synthetic tiered network, against a peer and a bound measured in the
//! same run:
//! - peer: the same noisy-OR fixed point computed by a plain single-threaded Jacobi loop written
//!   here (same formula in log space, same CSR order, no rayon); the two must agree to 1e-9;
//! - bound: one parallel pass that only reads every edge once (supplier and weight).
//!
//! Also: building the CSR (`Network::new`), its memory per edge and per company, and one Monte
//! Carlo what-if (200 trials) on a separate 100,000-company network.
//!
//! Run with `scripts/bench propagate [--firms N --links M --threads T --seed S --mc-firms K]`
//! (release build). Prints a table and a final JSON line; numbers go to BENCHMARKS.md.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use hoshi_core::graph::{monte_carlo, propagate, Network};
use hoshi_core::risk::likelihood_of_level;
use hoshi_core::Level;
use rayon::prelude::*;

const TOLERANCE: f64 = 1e-9;
const MAX_ITERATIONS: usize = 1000;
const MC_TRIALS: usize = 200;

struct Args {
    firms: usize,
    links: usize,
    threads: usize,
    seed: u64,
    mc_firms: usize,
}

const USAGE: &str = "bench_propagate [--firms N] [--links M] [--threads T] [--seed S] [--mc-firms K]
  defaults: 3400000 firms, 20000000 links, rayon's default threads (0), seed 2026, 100000 MC firms";

fn parse_args() -> Result<Args, String> {
    let mut a = Args { firms: 3_400_000, links: 20_000_000, threads: 0, seed: 2026, mc_firms: 100_000 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let n: u64 = value.replace('_', "").parse().map_err(|_| format!("{flag}: not a number: {value}"))?;
        let as_usize = || usize::try_from(n).map_err(|_| format!("{flag}: too large: {n}"));
        match flag.as_str() {
            "--firms" => a.firms = as_usize()?,
            "--links" => a.links = as_usize()?,
            "--threads" => a.threads = as_usize()?,
            "--seed" => a.seed = n,
            "--mc-firms" => a.mc_firms = as_usize()?,
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    for (name, n) in [("--firms", a.firms), ("--mc-firms", a.mc_firms)] {
        if !(10..=u32::MAX as usize).contains(&n) {
            return Err(format!("{name} must be between 10 and {}", u32::MAX));
        }
    }
    Ok(a)
}

/// SplitMix64: small, fast and seeded, so the same seed gives the same network.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// A synthetic national supply network. Companies are numbered by tier, largest first within a
/// tier: `tiers[t]..tiers[t + 1]` is tier `t` (0: a few thousand large buyers, 1: about 10%,
/// 2 and 3: the rest, a third and two thirds).
struct Synthetic {
    tiers: [usize; 5],
    links: Vec<(usize, usize, f64)>,
    own: Vec<f64>,
}

fn synthesize(firms: usize, links: usize, seed: u64) -> Synthetic {
    let top = (firms / 1000).max(1);
    let tier1 = (firms / 10).max(1);
    let tier2 = ((firms - top - tier1) / 3).max(1);
    let tiers = [0, top, top + tier1, top + tier1 + tier2, firms];
    let tier_of = |i: usize| (1..4).find(|&t| i < tiers[t]).unwrap_or(4) - 1;
    let mut rng = Rng(seed);
    // A customer in tier `t`, skewed toward the large ones (low numbers): u² puts about 1.7% of
    // a tier's links on its largest company.
    let customer_in = |rng: &mut Rng, t: usize| {
        let size = tiers[t + 1] - tiers[t];
        let u = rng.unit();
        tiers[t] + ((u * u * size as f64) as usize).min(size - 1)
    };
    let mut out = Vec::with_capacity(links);
    for _ in 0..links {
        let w = 0.05 + 0.85 * rng.unit().powi(2);
        if rng.unit() < 0.01 {
            // Across tiers in any direction: paths rejoin, and some close cycles.
            let s = rng.below(firms);
            let c = (s + 1 + rng.below(firms - 1)) % firms;
            out.push((s, c, w));
        } else {
            // A supplier below the top sells to a shallower tier: mostly the next one up.
            let s = tiers[1] + rng.below(firms - tiers[1]);
            let t = tier_of(s);
            let ct = if t == 1 || rng.unit() < 0.85 { t - 1 } else { rng.below(t) };
            out.push((s, customer_in(&mut rng, ct), w));
        }
    }
    // Own risk from a certified-level mix (the large buyers certified high), by the scorer's
    // likelihood of each level (`risk::likelihood_of_level`).
    let own = (0..firms)
        .map(|i| {
            let u = rng.unit();
            let level = if i < top {
                Some(if u < 0.5 { Level::FOUR } else { Level::FIVE })
            } else {
                [(0.35, None), (0.45, Some(Level::ONE)), (0.65, Some(Level::TWO)), (0.85, Some(Level::THREE)), (0.96, Some(Level::FOUR))]
                    .iter()
                    .find(|(p, _)| u < *p)
                    .map_or(Some(Level::FIVE), |(_, l)| *l)
            };
            likelihood_of_level(level)
        })
        .collect();
    Synthetic { tiers, links: out, own }
}

/// The peer's own CSR over incoming edges, in the same order as `Network::new` (a stable
/// counting sort by customer), built and iterated without rayon.
struct Csr {
    offsets: Vec<usize>,
    suppliers: Vec<u32>,
    weights: Vec<f64>,
}

impl Csr {
    fn new(n: usize, links: &[(usize, usize, f64)]) -> Csr {
        let mut offsets = vec![0usize; n + 1];
        for &(_, c, _) in links {
            offsets[c + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut suppliers = vec![0u32; links.len()];
        let mut weights = vec![0.0; links.len()];
        for &(s, c, w) in links {
            suppliers[fill[c]] = u32::try_from(s).expect("company numbers fit u32");
            weights[fill[c]] = w;
            fill[c] += 1;
        }
        Csr { offsets, suppliers, weights }
    }
}

/// The same noisy-OR fixed point as `propagate`, as a plain sequential Jacobi loop:
/// `ln(1 − r_i) = ln(1 − p_i) + Σ_j ln(1 − w_ji · r_j)` until the largest change is below
/// `tolerance`. Returns the risks, the iterations and the last change.
fn sequential_reference(csr: &Csr, own: &[f64], tolerance: f64, max_iterations: usize) -> (Vec<f64>, usize, f64) {
    let base: Vec<f64> = own.iter().map(|p| (1.0 - p).max(f64::MIN_POSITIVE).ln()).collect();
    let mut r = own.to_vec();
    let mut next = vec![0.0; own.len()];
    let (mut iterations, mut last_change) = (0, 0.0);
    while iterations < max_iterations {
        for (i, out) in next.iter_mut().enumerate() {
            let mut acc = 0.0;
            for e in csr.offsets[i]..csr.offsets[i + 1] {
                acc += (1.0 - csr.weights[e] * r[csr.suppliers[e] as usize]).max(f64::MIN_POSITIVE).ln();
            }
            *out = 1.0 - (base[i] + acc).exp();
        }
        last_change = next.iter().zip(&r).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        std::mem::swap(&mut r, &mut next);
        iterations += 1;
        if last_change < tolerance {
            break;
        }
    }
    (r, iterations, last_change)
}

/// The bound: one parallel pass reading every edge once (its supplier and its weight).
fn read_every_edge(csr: &Csr) -> f64 {
    csr.suppliers.par_iter().zip(csr.weights.par_iter()).map(|(&s, &w)| w + f64::from(s & 1)).sum()
}

/// Reading every edge and its supplier's current risk — propagate's memory traffic without the
/// logarithms (for the explanation only).
fn gather_every_edge(csr: &Csr, r: &[f64]) -> f64 {
    (0..csr.offsets.len() - 1)
        .into_par_iter()
        .map(|i| (csr.offsets[i]..csr.offsets[i + 1]).map(|e| csr.weights[e] * r[csr.suppliers[e] as usize]).sum::<f64>())
        .sum()
}

fn median_of(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    let mut v: Vec<Duration> = (0..runs).map(|_| f()).collect();
    v.sort();
    v[v.len() / 2]
}

/// A line of /proc/self/status in bytes (Linux); 0 where unavailable.
fn proc_status_bytes(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()))
        })
        .map_or(0, |kb| kb * 1024)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    if args.threads > 0 {
        rayon::ThreadPoolBuilder::new().num_threads(args.threads).build_global().expect("rayon pool");
    }
    let threads = rayon::current_num_threads();
    let (n, m) = (args.firms, args.links);
    println!("risk propagation: {n} firms, {m} links, {threads} rayon threads, seed {}", args.seed);

    let t = Instant::now();
    let syn = synthesize(n, m, args.seed);
    let generate = t.elapsed();
    let Synthetic { tiers, links, own } = syn;

    // (a) Building the CSR, median of 3; the network is kept from the last build.
    let rss_before = proc_status_bytes("VmRSS:");
    let mut net = None;
    let build = median_of(3, || {
        net = None;
        let t = Instant::now();
        let built = Network::new(n, &links).expect("valid synthetic network");
        let d = t.elapsed();
        net = Some(built);
        d
    });
    let net = net.expect("built");
    let rss_net = proc_status_bytes("VmRSS:").saturating_sub(rss_before);
    let csr = Csr::new(n, &links);
    drop(links);
    // (e) Memory of the CSR: offsets (usize per company + 1), supplier u32 and weight f64 per edge.
    let csr_bytes = ((n + 1) * 8 + m * (4 + 8)) as u64;

    // (b) The library's propagation with rayon.
    let t = Instant::now();
    let e = propagate(&net, &own, TOLERANCE, MAX_ITERATIONS).expect("risks are valid");
    let par = t.elapsed();
    // (c) The sequential peer.
    let t = Instant::now();
    let (reference, seq_iterations, seq_change) = sequential_reference(&csr, &own, TOLERANCE, MAX_ITERATIONS);
    let seq = t.elapsed();
    let max_diff = e.risk.iter().zip(&reference).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    drop(reference);

    // (d) The bound, and the gather pass for the explanation; median of 5 each.
    let bound = median_of(5, || {
        let t = Instant::now();
        black_box(read_every_edge(black_box(&csr)));
        t.elapsed()
    });
    let gather = median_of(5, || {
        let t = Instant::now();
        black_box(gather_every_edge(black_box(&csr), black_box(&e.risk)));
        t.elapsed()
    });
    let per_iter = par / e.iterations.max(1) as u32;
    let seq_per_iter = seq / seq_iterations.max(1) as u32;

    let mean = |a: usize, b: usize| e.risk[a..b].iter().sum::<f64>() / (b - a).max(1) as f64;
    let tier_means: Vec<f64> = (0..4).map(|t| mean(tiers[t], tiers[t + 1])).collect();
    drop(csr);
    drop(net);

    // (f) One Monte Carlo what-if on a separate, smaller network of the same shape: the largest
    // tier-1 supplier compromised.
    let mc_n = args.mc_firms;
    let mc_m = (mc_n as f64 * m as f64 / n as f64).round() as usize;
    let mc_syn = synthesize(mc_n, mc_m, args.seed ^ 0x5EED);
    let mc_net = Network::new(mc_n, &mc_syn.links).expect("valid synthetic network");
    let forced = mc_syn.tiers[1];
    let t = Instant::now();
    let mc_prop = propagate(&mc_net, &mc_syn.own, TOLERANCE, MAX_ITERATIONS).expect("risks are valid");
    let mc_prop_time = t.elapsed();
    let t = Instant::now();
    let what_if = monte_carlo(&mc_net, &mc_syn.own, &[forced], MC_TRIALS, args.seed).expect("risks are valid");
    let mc = t.elapsed();
    black_box(&what_if);
    let peak = proc_status_bytes("VmHWM:");

    let s = |d: Duration| d.as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let agree = max_diff <= 1e-9;
    println!(
        "tiers: {} large buyers, {} tier-1, {} tier-2, {} tier-3; generated in {:.2} s",
        tiers[1],
        tiers[2] - tiers[1],
        tiers[3] - tiers[2],
        tiers[4] - tiers[3],
        s(generate)
    );
    println!();
    println!("| measure | value |");
    println!("|---|---|");
    println!("| build CSR (`Network::new`, median of 3) | {:.3} s |", s(build));
    println!("| propagate (rayon, {threads} threads): iterations | {} (last change {:.1e}) |", e.iterations, e.last_change);
    println!("| propagate: total | {:.3} s |", s(par));
    println!("| propagate: per iteration | {:.1} ms |", ms(per_iter));
    println!("| peer (sequential Jacobi): iterations, total | {seq_iterations} (last change {seq_change:.1e}), {:.3} s |", s(seq));
    println!("| peer: per iteration | {:.1} ms |", ms(seq_per_iter));
    println!("| ratio peer / propagate | {:.2}x |", s(seq) / s(par));
    println!("| max abs difference from peer | {max_diff:.1e} ({}) |", if agree { "agree" } else { "DISAGREE" });
    println!("| bound: read every edge once ({threads} threads, median of 5) | {:.1} ms |", ms(bound));
    println!("| ratio propagate per iteration / bound | {:.1}x |", s(per_iter) / s(bound));
    println!("| (read every edge + its supplier's risk, no logs) | {:.1} ms |", ms(gather));
    println!(
        "| CSR memory | {:.0} MiB: {:.2} B/edge, {:.1} B/company (measured RSS growth {:.0} MiB) |",
        mib(csr_bytes),
        csr_bytes as f64 / m.max(1) as f64,
        csr_bytes as f64 / n as f64,
        mib(rss_net)
    );
    println!("| process peak RSS | {:.0} MiB |", mib(peak));
    println!(
        "| mean exposure by tier 0/1/2/3 | {:.3} / {:.3} / {:.3} / {:.3} |",
        tier_means[0], tier_means[1], tier_means[2], tier_means[3]
    );
    println!(
        "| MC what-if: {MC_TRIALS} trials, {mc_n} firms, {mc_m} links | {:.3} s ({:.1} ms/trial; propagate on it {:.1} ms, {} iterations) |",
        s(mc),
        ms(mc) / MC_TRIALS as f64,
        ms(mc_prop_time),
        mc_prop.iterations
    );
    println!();
    println!(
        "{{\"bench\":\"propagate\",\"firms\":{n},\"links\":{m},\"threads\":{threads},\"seed\":{},\"build_s\":{:.4},\"iterations\":{},\
\"propagate_s\":{:.4},\"per_iteration_ms\":{:.3},\"peer_iterations\":{seq_iterations},\"peer_s\":{:.4},\"ratio_peer\":{:.3},\
\"max_abs_diff\":{max_diff:e},\"bound_ms\":{:.3},\"ratio_bound\":{:.2},\"gather_ms\":{:.3},\"csr_bytes\":{csr_bytes},\
\"bytes_per_edge\":{:.3},\"bytes_per_firm\":{:.2},\"peak_rss_bytes\":{peak},\"mc_firms\":{mc_n},\"mc_links\":{mc_m},\
\"mc_trials\":{MC_TRIALS},\"mc_s\":{:.4},\"agree\":{agree}}}",
        args.seed,
        s(build),
        e.iterations,
        s(par),
        ms(per_iter),
        s(seq),
        s(seq) / s(par),
        ms(bound),
        s(per_iter) / s(bound),
        ms(gather),
        csr_bytes as f64 / m.max(1) as f64,
        csr_bytes as f64 / n as f64,
        s(mc)
    );
    if agree {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "propagate and the sequential peer disagree: max abs difference {max_diff:e}, iterations {} vs {seq_iterations}",
            e.iterations
        );
        ExitCode::FAILURE
    }
}
