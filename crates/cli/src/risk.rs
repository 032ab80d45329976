//! `hoshi risk propagate DIR`: exposure across a supply network from CSV files.
//!
//! `DIR/firms.csv` has a header with `corporate_number` and `own_risk` (other columns are
//! ignored); `DIR/links.csv` has `supplier,customer,weight` (corporate numbers and 0–1).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use hoshi_core::graph::{propagate, Network};
use hoshi_core::CorporateNumber;
use serde_json::json;

#[derive(Subcommand)]
pub enum RiskCommand {
    /// Iterate noisy-OR exposure to a fixed point (max change below 1e-9) and show the ten most exposed.
    Propagate {
        /// A folder with firms.csv and links.csv.
        dir: PathBuf,
        /// Print {"iterations", "seconds", "top": [{"corporate_number", "risk"}]}.
        #[arg(long)]
        json: bool,
    },
}

fn column(headers: &csv::StringRecord, name: &str, file: &Path) -> Result<usize> {
    headers
        .iter()
        .position(|h| h.trim().trim_start_matches('\u{feff}') == name)
        .ok_or_else(|| anyhow!("{} has no column {name:?} in its header", file.display()))
}

fn number(text: &str, file: &Path, row: usize, col: &str) -> Result<f64> {
    let v: f64 = text.trim().parse().map_err(|_| anyhow!("{} row {row}, column {col}: {text:?} is not a number", file.display()))?;
    if !(0.0..=1.0).contains(&v) {
        bail!("{} row {row}, column {col}: {v} is outside 0–1", file.display());
    }
    Ok(v)
}

pub fn run(cmd: RiskCommand) -> Result<ExitCode> {
    let RiskCommand::Propagate { dir, json } = cmd;
    let started = Instant::now();
    let firms_path = dir.join("firms.csv");
    let mut firms = csv::Reader::from_path(&firms_path).with_context(|| format!("cannot read {}", firms_path.display()))?;
    let headers = firms.headers()?.clone();
    let (cn_col, risk_col) = (column(&headers, "corporate_number", &firms_path)?, column(&headers, "own_risk", &firms_path)?);
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut names = Vec::new();
    let mut own = Vec::new();
    for (i, rec) in firms.records().enumerate() {
        let row = i + 2;
        let rec = rec.with_context(|| format!("{} row {row}", firms_path.display()))?;
        let cn = CorporateNumber::parse(rec.get(cn_col).unwrap_or(""))
            .map_err(|e| anyhow!("{} row {row}, column corporate_number: {e}", firms_path.display()))?
            .to_string();
        if index.insert(cn.clone(), names.len()).is_some() {
            bail!("{} row {row}: corporate number {cn} appears twice", firms_path.display());
        }
        own.push(number(rec.get(risk_col).unwrap_or(""), &firms_path, row, "own_risk")?);
        names.push(cn);
    }
    let links_path = dir.join("links.csv");
    let mut links_reader = csv::Reader::from_path(&links_path).with_context(|| format!("cannot read {}", links_path.display()))?;
    let headers = links_reader.headers()?.clone();
    let (s_col, c_col, w_col) =
        (column(&headers, "supplier", &links_path)?, column(&headers, "customer", &links_path)?, column(&headers, "weight", &links_path)?);
    let mut links = Vec::new();
    for (i, rec) in links_reader.records().enumerate() {
        let row = i + 2;
        let rec = rec.with_context(|| format!("{} row {row}", links_path.display()))?;
        let node = |col: usize, name: &str| -> Result<usize> {
            let cn = CorporateNumber::parse(rec.get(col).unwrap_or(""))
                .map_err(|e| anyhow!("{} row {row}, column {name}: {e}", links_path.display()))?
                .to_string();
            index.get(&cn).copied().ok_or_else(|| anyhow!("{} row {row}, column {name}: {cn} is not in firms.csv", links_path.display()))
        };
        links.push((node(s_col, "supplier")?, node(c_col, "customer")?, number(rec.get(w_col).unwrap_or(""), &links_path, row, "weight")?));
    }
    let net = Network::new(names.len(), &links)?;
    let e = propagate(&net, &own, 1e-9, 10_000)?;
    let seconds = started.elapsed().as_secs_f64();
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|a, b| e.risk[*b].total_cmp(&e.risk[*a]).then(names[*a].cmp(&names[*b])));
    let top: Vec<_> = order.iter().take(10).map(|&i| (names[i].clone(), e.risk[i])).collect();
    if json {
        println!(
            "{}",
            json!({"iterations": e.iterations, "seconds": seconds, "top": top.iter().map(|(c, r)| json!({"corporate_number": c, "risk": r})).collect::<Vec<_>>()})
        );
    } else {
        println!(
            "{} companies, {} links: {} iterations (last change {:.1e}) in {:.3} s",
            names.len(),
            net.edges(),
            e.iterations,
            e.last_change,
            seconds
        );
        for (c, r) in &top {
            println!("{c}  {r:.6}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
