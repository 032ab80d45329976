//! `hoshi gen`: a deterministic synthetic Japan of any size.
//!
//! The same `--firms` and `--seed` give byte-identical files on any machine: every random
//! choice comes from SplitMix64 streams derived from the seed (no library generator whose
//! algorithm could change with a version), per firm where the work is parallel and one stream
//! where it is sequential (preferential attachment).
//!
//! The world:
//! - **firms** with valid 法人番号 (a 12-digit base scrambled from the firm's index, so all are
//!   distinct, plus its check digit), Japanese-looking names, a prefecture (weighted towards
//!   Tokyo, Osaka, Aichi…), an industry group and a heavy-tailed number of employees (Pareto,
//!   α = 1.1, median about 4, capped at 380,000: about 0.4% of firms have 300 or more);
//! - **tiers** by size rank: the largest 0.05% (at least three) are the buyers at the top,
//!   then 2% tier 1, 18% tier 2, the rest tier 3;
//! - **links** `supplier → customer`: each firm below the top supplies 1 + Geometric customers
//!   (mean 5), 85% in the tier directly above, 10% two tiers above, 5% in its own tier (which
//!   makes cycles); the top buyers supply one another a little. Customers are drawn by
//!   preferential attachment (an urn where each firm starts with 1 + log10(employees) balls and
//!   gains one per supplier), so a few hubs collect thousands of suppliers. Each link gets the
//!   three facts of the required-level rule (confidential data, outage unacceptable, network
//!   access) and the weight `hoshi_core::risk::link_weight` gives them;
//! - **levels**: certified ★3/★4/★5 at shares falling with the tier (most SMEs uncertified),
//!   and `own_risk = hoshi_core::risk::likelihood_of_level(level)`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use hoshi_core::org::Industry;
use hoshi_core::required_level::RelationshipFacts;
use hoshi_core::risk::{likelihood_of_level, link_weight};
use hoshi_core::{CorporateNumber, Level};
use rayon::prelude::*;

#[derive(Args)]
pub struct GenArgs {
    /// How many companies (3000: one large buyer's portfolio; 40000: an automaker's tiers; 3400000: Japan).
    #[arg(long)]
    pub firms: usize,
    /// The seed: the same seed and size give byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder for firms.csv and links.csv (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Also load the world into the SQLite database in this folder, with its certificates signed
    /// by the keys in DIR/keys (created if missing). With --database-url: the folder for the keys
    /// only, the one `hoshi serve --data` will use.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Also load the world into this database (sqlite://… or postgres://…); needs --data for the keys.
    #[arg(long, requires = "data")]
    pub database_url: Option<String>,
}

/// SplitMix64: one step of the generator, also used to derive independent streams.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded stream of numbers.
pub struct Rng(u64);

impl Rng {
    /// The stream for `(seed, purpose, index)`.
    pub fn new(seed: u64, purpose: u64, index: u64) -> Rng {
        Rng(splitmix(splitmix(seed ^ purpose.wrapping_mul(0xA076_1D64_78BD_642F)) ^ index.wrapping_mul(0xE703_7ED1_A0B4_28DB)))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }
    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
    /// An index drawn with the given weights (not all zero).
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

const PURPOSE_FIRM: u64 = 1;
const PURPOSE_LINKS: u64 = 2;
const PURPOSE_FACTS: u64 = 3;

/// Rough shares of Japan's companies by prefecture (JIS order), per mille.
const PREFECTURE_WEIGHTS: [f64; 47] = [
    40., 9., 9., 17., 7., 9., 15., 20., 15., 15., 48., 40., 160., 65., 18., 9., 10., 7., 7., 18., 17., 30., 65., 14., 10., 24., 80., 40.,
    8., 8., 4., 5., 15., 25., 10., 6., 8., 10., 6., 45., 6., 10., 13., 9., 9., 12., 12.,
];
/// Industry groups (Industry::ALL order: manufacturing, wholesale, retail, services, other) in a supply network.
const INDUSTRY_WEIGHTS: [f64; 5] = [0.45, 0.15, 0.06, 0.24, 0.10];

const FAMILY: [&str; 40] = [
    "山田",
    "高橋",
    "佐藤",
    "鈴木",
    "田中",
    "伊藤",
    "渡辺",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山本",
    "松本",
    "井上",
    "木村",
    "林",
    "清水",
    "山口",
    "森",
    "池田",
    "橋本",
    "石川",
    "前田",
    "藤田",
    "小川",
    "岡田",
    "後藤",
    "長谷川",
    "村上",
    "近藤",
    "坂本",
    "遠藤",
    "青木",
    "藤井",
    "西村",
    "福田",
    "太田",
    "三浦",
    "岡本",
    "松田",
];
const WORD: [&str; 32] = [
    "東和",
    "大和",
    "日本",
    "三光",
    "富士",
    "中央",
    "北斗",
    "昭和",
    "平成",
    "旭",
    "明和",
    "協和",
    "共栄",
    "太陽",
    "丸八",
    "新栄",
    "第一",
    "東洋",
    "大同",
    "日進",
    "光洋",
    "三協",
    "千代田",
    "菱和",
    "豊田",
    "浜松",
    "信州",
    "関東",
    "関西",
    "東海",
    "北陸",
    "九州",
];
const TRADE: [&[&str]; 5] = [
    &["精機", "電子", "工業", "製作所", "化成", "電機", "金属", "樹脂", "鋳造", "技研", "精工", "工機", "プレス", "部品", "建設", "運輸"],
    &["商事", "物産", "商会", "産業", "トレーディング", "通商"],
    &["商店", "ストア", "販売", "マート"],
    &["システム", "ソフトウェア", "情報サービス", "エンジニアリング", "コンサルティング", "ネットワーク", "データ", "テクノロジー"],
    &["興業", "開発", "企画", "ホールディングス"],
];
const FORM: [(&str, bool, f64); 4] =
    [("株式会社", true, 0.55), ("株式会社", false, 0.33), ("有限会社", true, 0.08), ("合同会社", false, 0.04)];

/// One company of the synthetic world.
#[derive(Clone, Debug)]
pub struct Firm {
    pub corporate_number: CorporateNumber,
    /// Index into `hoshi_core::org::PREFECTURES` (JIS code − 1).
    pub prefecture: u8,
    /// Index into `Industry::ALL`.
    pub industry: u8,
    pub employees: u32,
    /// 0 the buyers at the top, then tiers 1–3.
    pub tier: u8,
    /// Certified level, if any.
    pub level: Option<Level>,
    /// Which name parts (family or word, trade, legal form) — the name is built on demand.
    name_parts: u32,
}

impl Firm {
    pub fn industry(&self) -> Industry {
        Industry::ALL[usize::from(self.industry)]
    }
    pub fn own_risk(&self) -> f64 {
        likelihood_of_level(self.level)
    }
    pub fn name(&self) -> String {
        let p = self.name_parts;
        let stem = if p & 1 == 0 { FAMILY[(p >> 1) as usize % FAMILY.len()] } else { WORD[(p >> 1) as usize % WORD.len()] };
        let trades = TRADE[usize::from(self.industry)];
        let trade = trades[(p >> 8) as usize % trades.len()];
        let (form, before, _) = FORM[(p >> 16) as usize % FORM.len()];
        if before {
            format!("{form}{stem}{trade}")
        } else {
            format!("{stem}{trade}{form}")
        }
    }
}

/// A supply link: `supplier` sells to `customer`, with the facts of the relationship.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    pub supplier: u32,
    pub customer: u32,
    /// Bit 0 holds confidential data, bit 1 outage unacceptable, bit 2 network access.
    pub facts: u8,
}

impl Link {
    pub fn facts(&self) -> RelationshipFacts {
        RelationshipFacts {
            holds_confidential_data: self.facts & 1 != 0,
            outage_unacceptable: self.facts & 2 != 0,
            network_access: self.facts & 4 != 0,
        }
    }
    pub fn weight(&self) -> f64 {
        link_weight(self.facts())
    }
}

/// The synthetic world: firms in file order and links in file order.
pub struct World {
    pub firms: Vec<Firm>,
    pub links: Vec<Link>,
}

/// A scramble of the index into the 12-digit base: multiplication by a unit modulo 10¹² is a
/// bijection, so distinct firms get distinct numbers.
fn corporate_number(seed: u64, i: u64) -> CorporateNumber {
    const M: u64 = 1_000_000_000_000;
    // A multiplier coprime to 10: odd and not a multiple of 5.
    let mut a = (splitmix(seed ^ 0x5151) % M) | 1;
    if a % 5 == 0 {
        a += 2;
    }
    let offset = splitmix(seed ^ 0x7272) % M;
    let v = ((u128::from(i) * u128::from(a) + u128::from(offset)) % u128::from(M)) as u64;
    let mut base = [0u8; 12];
    let mut x = v;
    for d in base.iter_mut().rev() {
        *d = (x % 10) as u8;
        x /= 10;
    }
    CorporateNumber::from_base(&base).expect("digits are 0–9")
}

/// Certified-level shares (★5, ★4, ★3) by tier; the rest is uncertified.
const LEVEL_SHARES: [[f64; 3]; 4] = [[0.05, 0.55, 0.30], [0.01, 0.20, 0.40], [0.0, 0.03, 0.17], [0.0, 0.003, 0.04]];
/// Probability of each fact (confidential data, outage unacceptable, network access) by the supplier's tier.
const FACT_SHARES: [[f64; 3]; 4] = [[0.2, 0.2, 0.2], [0.4, 0.4, 0.3], [0.2, 0.2, 0.1], [0.1, 0.1, 0.05]];

pub fn generate(n: usize, seed: u64) -> Result<World> {
    if n < 4 {
        bail!("--firms must be at least 4 (a buyer and its tiers)");
    }
    if n > u32::MAX as usize / 2 {
        bail!("--firms must be below {}", u32::MAX / 2);
    }
    // Sizes and attributes per firm, in parallel, each from its own stream.
    let mut firms: Vec<Firm> = (0..n as u64)
        .into_par_iter()
        .map(|i| {
            let mut r = Rng::new(seed, PURPOSE_FIRM, i);
            let u = 1.0 - r.f64();
            let employees = (2.0 * u.powf(-1.0 / 1.1)).min(380_000.0) as u32;
            Firm {
                corporate_number: corporate_number(seed, i),
                prefecture: r.weighted(&PREFECTURE_WEIGHTS) as u8,
                industry: r.weighted(&INDUSTRY_WEIGHTS) as u8,
                employees,
                tier: 3,
                level: None,
                name_parts: (r.next_u64() & 0x00ff_ffff) as u32,
            }
        })
        .collect();
    // Tiers by size rank (largest first, ties by index).
    let mut rank: Vec<u32> = (0..n as u32).collect();
    rank.par_sort_unstable_by(|&a, &b| firms[b as usize].employees.cmp(&firms[a as usize].employees).then(a.cmp(&b)));
    let top = ((n as f64 * 0.0005).round() as usize).max(3);
    let t1 = top + ((n as f64 * 0.02).round() as usize).max(1);
    let t2 = t1 + ((n as f64 * 0.18).round() as usize).max(1);
    let mut by_tier: [Vec<u32>; 4] = Default::default();
    for (pos, &i) in rank.iter().enumerate() {
        let tier = if pos < top {
            0
        } else if pos < t1 {
            1
        } else if pos < t2 {
            2
        } else {
            3
        };
        let f = &mut firms[i as usize];
        f.tier = tier;
        if tier == 0 {
            // The buyers at the top are large companies whatever the draw at a small size.
            f.employees = f.employees.max(3_000 + (splitmix(seed ^ u64::from(i)) % 60_000) as u32);
            f.industry = 0;
        }
    }
    drop(rank);
    for (i, f) in firms.iter().enumerate() {
        by_tier[usize::from(f.tier)].push(i as u32);
    }
    // Levels, in parallel.
    firms.par_iter_mut().enumerate().for_each(|(i, f)| {
        let mut r = Rng::new(seed, PURPOSE_FIRM, i as u64 ^ (1 << 62));
        let s = LEVEL_SHARES[usize::from(f.tier)];
        let x = r.f64();
        f.level = if x < s[0] {
            Some(Level::FIVE)
        } else if x < s[0] + s[1] {
            Some(Level::FOUR)
        } else if x < s[0] + s[1] + s[2] {
            Some(Level::THREE)
        } else {
            None
        };
    });
    // Urns for preferential attachment: each firm starts with 1 + log10(employees) balls.
    let mut urns: [Vec<u32>; 4] = Default::default();
    for (t, members) in by_tier.iter().enumerate() {
        for &i in members {
            let balls = 1 + (f64::from(firms[i as usize].employees.max(1))).log10() as usize;
            urns[t].extend(std::iter::repeat_n(i, balls));
        }
    }
    let mut rng = Rng::new(seed, PURPOSE_LINKS, 0);
    let mut links: Vec<Link> = Vec::with_capacity(n * 5 + n / 10);
    let mut chosen: Vec<u32> = Vec::new();
    for s in 0..n as u32 {
        let tier = usize::from(firms[s as usize].tier);
        // 1 + Geometric: mean 5 below the top, 2 among the top buyers; at most 200.
        let p: f64 = if tier == 0 { 0.5 } else { 0.2 };
        let m = (1 + ((1.0 - rng.f64()).ln() / (1.0 - p).ln()) as usize).min(200);
        chosen.clear();
        for _ in 0..m {
            for _attempt in 0..8 {
                let x = rng.f64();
                let target = if tier == 0 || x >= 0.95 {
                    tier
                } else if x >= 0.85 && tier >= 2 {
                    tier - 2
                } else {
                    tier - 1
                };
                let urn = &urns[target];
                let c = urn[rng.below(urn.len())];
                if c != s && !chosen.contains(&c) {
                    chosen.push(c);
                    urns[target].push(c);
                    break;
                }
            }
        }
        for &c in &chosen {
            links.push(Link { supplier: s, customer: c, facts: 0 });
        }
    }
    drop(urns);
    // The facts of each link, in parallel, from the supplier's tier.
    links.par_iter_mut().enumerate().for_each(|(k, l)| {
        let mut r = Rng::new(seed, PURPOSE_FACTS, k as u64);
        let shares = FACT_SHARES[usize::from(firms[l.supplier as usize].tier)];
        let mut facts = 0u8;
        for (bit, share) in shares.iter().enumerate() {
            if r.f64() < *share {
                facts |= 1 << bit;
            }
        }
        l.facts = facts;
    });
    Ok(World { firms, links })
}

/// Formats rows in parallel blocks and writes them in order.
fn write_rows<T: Sync>(path: &std::path::Path, header: &str, rows: &[T], line: impl Fn(&mut Vec<u8>, &T) + Sync) -> Result<u64> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    out.write_all(header.as_bytes())?;
    let mut bytes = header.len() as u64;
    for block in rows.chunks(1 << 20) {
        let parts: Vec<Vec<u8>> = block
            .par_chunks(1 << 14)
            .map(|c| {
                let mut buf = Vec::with_capacity(c.len() * 64);
                for r in c {
                    line(&mut buf, r);
                }
                buf
            })
            .collect();
        for p in parts {
            out.write_all(&p)?;
            bytes += p.len() as u64;
        }
    }
    out.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(bytes)
}

pub fn write_csv(world: &World, dir: &std::path::Path) -> Result<(u64, u64)> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let firms = write_rows(
        &dir.join("firms.csv"),
        "corporate_number,name,prefecture,industry,employees,level,own_risk\n",
        &world.firms,
        |b, f| {
            let level = f.level.map_or(String::new(), |l| l.get().to_string());
            // Prefecture as its JIS code (1–47); Prefecture::parse reads it back.
            let _ = writeln!(
                b,
                "{},{},{},{},{},{},{}",
                f.corporate_number,
                f.name(),
                f.prefecture + 1,
                f.industry().key(),
                f.employees,
                level,
                f.own_risk()
            );
        },
    )?;
    let cns: Vec<CorporateNumber> = world.firms.iter().map(|f| f.corporate_number).collect();
    let links = write_rows(&dir.join("links.csv"), "supplier,customer,weight\n", &world.links, |b, l| {
        // Four decimals: link_weight's products (0.09999999999999998) read badly and carry nothing.
        let _ = writeln!(b, "{},{},{}", cns[l.supplier as usize], cns[l.customer as usize], (l.weight() * 1e4).round() / 1e4);
    })?;
    Ok((firms, links))
}

pub fn run(args: GenArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let world = generate(args.firms, args.seed)?;
    let generated = started.elapsed().as_secs_f64();
    let (fb, lb) = write_csv(&world, &args.out)?;
    let written = started.elapsed().as_secs_f64();
    let tiers = (0..4).map(|t| world.firms.iter().filter(|f| f.tier == t).count()).collect::<Vec<_>>();
    let certified = world.firms.iter().filter(|f| f.level.is_some()).count();
    eprintln!(
        "{} firms (tiers 0/1/2/3: {:?}, {} certified), {} links: generated in {:.2} s, written in {:.2} s ({} + {} bytes) to {}",
        world.firms.len(),
        tiers,
        certified,
        world.links.len(),
        generated,
        written - generated,
        fb,
        lb,
        args.out.display()
    );
    if args.data.is_some() || args.database_url.is_some() {
        let loading = Instant::now();
        let report = load(&world, args.data.as_deref(), args.database_url.as_deref())?;
        eprintln!(
            "loaded {} organisations, {} roles, {} supplier-list entries, {} certificates (log sequenced) in {:.2} s (total {:.2} s)",
            report.organizations,
            report.roles,
            report.supplier_links,
            report.certificates,
            loading.elapsed().as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads the world into SQLite in `data` or the database at `url`, in one transaction.
fn load(world: &World, data: Option<&std::path::Path>, url: Option<&str>) -> Result<hoshi_app::bulk::LoadReport> {
    use hoshi_app::bulk::{WorldFirm, WorldLink};
    let firms: Vec<WorldFirm> = world
        .firms
        .iter()
        .map(|f| WorldFirm {
            corporate_number: f.corporate_number,
            name: f.name(),
            prefecture: f.prefecture,
            industry: f.industry(),
            employees: u64::from(f.employees),
        })
        .collect();
    let links: Vec<WorldLink> =
        world.links.iter().map(|l| WorldLink { supplier: l.supplier, customer: l.customer, facts: l.facts() }).collect();
    let certified: Vec<(hoshi_core::CorporateNumber, hoshi_core::Level)> =
        world.firms.iter().filter_map(|f| f.level.map(|l| (f.corporate_number, l))).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let store = match (url, data) {
            (Some(url), _) => hoshi_app::Store::connect(url)
                .await
                .with_context(|| format!("cannot connect to the database {url:?} given by --database-url"))?,
            (None, Some(dir)) => {
                hoshi_app::Store::open_dir(dir).await.with_context(|| format!("cannot open the database in {}", dir.display()))?
            }
            (None, None) => bail!("give --data or --database-url"),
        };
        store.migrate().await.context("cannot apply database migrations")?;
        let keys = crate::server::keys(data.ok_or_else(|| anyhow::anyhow!("give --data DIR for the signing keys"))?)?;
        let app = hoshi_app::App::with_keys(store, std::sync::Arc::new(hoshi_app::SystemClock), keys);
        let mut report = app.load_world(&firms, &links, url).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        report.certificates = app.load_certificates(&certified).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(report)
    })
}
