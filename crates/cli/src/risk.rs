//! `hoshi risk propagate DIR`: exposure across a supply network from CSV files.
//!
//! `DIR/firms.csv` has a header with `corporate_number` and `own_risk` (other columns are
//! ignored); `DIR/links.csv` has `supplier,customer,weight` (corporate numbers and 0–1).
//!
//! Built for a national network (3.4 million firms, 17 million links): each file is read into
//! memory whole, cut into blocks at line boundaries and parsed in parallel. A file with no `"`
//! at all takes the fast path (split at commas, 13 ASCII digits read as an integer with the
//! check digit verified, anything else handed to `CorporateNumber::parse` for its exact
//! message); a file with quotes anywhere is read by the csv crate, so quoted fields (commas or
//! line breaks inside) stay right. Corporate numbers become `u64`s and firms are found through
//! an open-addressing table of integers, never a map keyed by strings. Rows are numbered as
//! lines of the file (the header is row 1), as a spreadsheet shows them.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use hoshi_core::graph::{propagate, Network};
use hoshi_core::CorporateNumber;
use rayon::prelude::*;
use serde_json::json;

/// The ranking rule, as the output states it.
pub const RANK_RULE: &str = "risk descending, then corporate number ascending";

#[derive(Subcommand)]
pub enum RiskCommand {
    /// Iterate noisy-OR exposure to a fixed point (max change below 1e-9) and show the ten most
    /// exposed, ranked by risk descending, then corporate number ascending (so ties are broken
    /// the same way every time); also how many firms tie with the tenth and how many are at 1.0.
    Propagate {
        /// A folder with firms.csv and links.csv.
        dir: PathBuf,
        /// Print {"firms", "links", "iterations", "last_change", "seconds" (everything: read,
        /// parse, build, propagate, rank, output), "phases": {"read", "parse", "build",
        /// "propagate", "rank"}, "rank_rule", "top": [{"corporate_number", "risk"}],
        /// "tenth_risk", "ties_at_cutoff" (firms whose risk equals the tenth's, the tenth
        /// included), "tied_beyond_top" (of those, how many the top ten leaves out), "at_one"}.
        #[arg(long)]
        json: bool,
        /// Also write every firm's exposure to this CSV (corporate_number,risk; firms.csv order).
        #[arg(long)]
        write: Option<PathBuf>,
    },
}

/// An error on one line, before its row number is known (blocks are parsed in parallel).
struct LineError {
    /// Byte offset of the line in the file.
    at: usize,
    column: &'static str,
    message: String,
}

/// A file in memory and where its records start.
struct Table {
    path: PathBuf,
    bytes: Vec<u8>,
    /// Byte offset just after the header line.
    body: usize,
    /// Header names, trimmed, BOM removed.
    headers: Vec<String>,
    /// Whether any `"` occurs: then the csv crate reads the records.
    quoted: bool,
}

impl Table {
    fn read(path: PathBuf) -> Result<Table> {
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let quoted = bytes.par_chunks(1 << 20).any(|c| c.contains(&b'"'));
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes.as_slice());
        let headers: Vec<String> = reader
            .headers()
            .with_context(|| format!("{} row 1", path.display()))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        if headers.iter().all(|h| h.is_empty()) {
            bail!("{} is empty: it needs a header row", path.display());
        }
        let body = reader.position().byte() as usize;
        Ok(Table { path, bytes, body, headers, quoted })
    }

    fn column(&self, name: &str) -> Result<usize> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| anyhow!("{} has no column {name:?} in its header", self.path.display()))
    }

    /// The row (line number, header = 1) of the line starting at byte `at`.
    fn row_at(&self, at: usize) -> usize {
        1 + self.bytes[..at.min(self.bytes.len())].iter().filter(|&&b| b == b'\n').count()
    }

    fn error(&self, e: LineError) -> anyhow::Error {
        anyhow!("{} row {}, column {}: {}", self.path.display(), self.row_at(e.at), e.column, e.message)
    }

    /// The row of the `k`-th record (0-based): error paths only.
    fn row_of_record(&self, k: usize) -> usize {
        let mut seen = 0;
        let mut found = None;
        self.records_seq(|at, _| {
            if seen == k && found.is_none() {
                found = Some(at);
            }
            seen += 1;
            Ok(())
        })
        .ok();
        found.map_or(0, |at| self.row_at(at))
    }

    /// Calls `f(line_offset, fields)` on every non-blank record, in order, through the csv
    /// crate (the path for files with quotes).
    fn records_seq(&self, mut f: impl FnMut(usize, &[&[u8]]) -> Result<(), LineError>) -> Result<()> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&self.bytes[self.body..]);
        let mut rec = csv::ByteRecord::new();
        loop {
            let at = self.body + reader.position().byte() as usize;
            let more = reader.read_byte_record(&mut rec).map_err(|e| anyhow!("{} row {}: {e}", self.path.display(), self.row_at(at)))?;
            if !more {
                return Ok(());
            }
            // The record starts where the reader's position was, after any blank lines.
            let mut at = self.body + rec.position().map_or(at - self.body, |p| p.byte() as usize);
            // The reader's position may be at blank lines before the record.
            while matches!(self.bytes.get(at), Some(b'\n' | b'\r')) {
                at += 1;
            }
            let fields: Vec<&[u8]> = rec.iter().collect();
            if fields.len() == 1 && fields[0].is_empty() {
                continue;
            }
            f(at, &fields).map_err(|e| self.error(e))?;
        }
    }

    /// Parses every record with `line` and then each block of results with `finish`, in file
    /// order: blocks in parallel on the fast path. A second step per block lets lookups run in a
    /// tight loop of their own, where the processor overlaps their cache misses.
    fn parse<R: Send, T: Send>(
        &self,
        line: impl Fn(usize, &[&[u8]]) -> Result<R, LineError> + Sync,
        finish: impl Fn(Vec<(usize, R)>, &mut Vec<T>) -> Result<(), LineError> + Sync,
    ) -> Result<Vec<T>> {
        if self.quoted {
            let mut out = Vec::new();
            let mut pending = Vec::new();
            self.records_seq(|at, fields| {
                pending.push((at, line(at, fields)?));
                if pending.len() == 1 << 16 {
                    finish(std::mem::take(&mut pending), &mut out)?;
                }
                Ok(())
            })?;
            finish(pending, &mut out).map_err(|e| self.error(e))?;
            return Ok(out);
        }
        let blocks = split_lines(&self.bytes, self.body, 1 << 22);
        let parsed: Vec<Result<Vec<T>, LineError>> = blocks
            .par_iter()
            .map(|&(start, end)| {
                let mut rows = Vec::with_capacity((end - start) / 32);
                let mut fields: Vec<&[u8]> = Vec::with_capacity(8);
                let mut at = start;
                for text in self.bytes[start..end].split(|&b| b == b'\n') {
                    let here = at;
                    at += text.len() + 1;
                    let text = text.strip_suffix(b"\r").unwrap_or(text);
                    if text.is_empty() {
                        continue;
                    }
                    fields.clear();
                    fields.extend(text.split(|&b| b == b','));
                    rows.push((here, line(here, &fields)?));
                }
                let mut out = Vec::with_capacity(rows.len());
                finish(rows, &mut out)?;
                Ok(out)
            })
            .collect();
        let mut all = Vec::with_capacity(parsed.iter().map(|p| p.as_ref().map_or(0, Vec::len)).sum());
        for p in parsed {
            all.extend(p.map_err(|e| self.error(e))?);
        }
        Ok(all)
    }
}

/// `[start, end)` byte ranges of about `size` bytes each, cut just after a line break.
fn split_lines(bytes: &[u8], from: usize, size: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = from;
    while start < bytes.len() {
        let mut end = (start + size).min(bytes.len());
        while end < bytes.len() && bytes[end - 1] != b'\n' {
            end += 1;
        }
        // A final line without its line break belongs to the last block.
        out.push((start, end));
        start = end;
    }
    out
}

fn field<'a>(fields: &[&'a [u8]], index: usize, at: usize, column: &'static str) -> Result<&'a [u8], LineError> {
    fields.get(index).copied().ok_or_else(|| LineError {
        at,
        column,
        message: format!("the row has {} columns, the header more", fields.len()),
    })
}

fn text<'a>(bytes: &'a [u8], at: usize, column: &'static str) -> Result<&'a str, LineError> {
    std::str::from_utf8(bytes).map_err(|_| LineError { at, column, message: "is not UTF-8 text".into() })
}

/// A corporate number as its 13 digits read as an integer. 13 plain ASCII digits are checked
/// here (the check digit included); anything else goes through `CorporateNumber::parse`, which
/// also accepts hyphens and full-width digits and words the error.
fn corporate_number(bytes: &[u8], at: usize, column: &'static str) -> Result<u64, LineError> {
    let b = bytes.trim_ascii();
    if b.len() == 13 && b.iter().all(u8::is_ascii_digit) {
        let mut value = 0u64;
        let mut sum = 0u32;
        for (k, &d) in b.iter().enumerate() {
            let d = d - b'0';
            value = value * 10 + u64::from(d);
            // Digit k (1…12) of the base is position 13 − k from the right: weight 1 when odd, 2 when even.
            if k > 0 {
                sum += u32::from(d) * if (13 - k) % 2 == 1 { 1 } else { 2 };
            }
        }
        if u32::from(b[0] - b'0') == 9 - sum % 9 {
            return Ok(value);
        }
    }
    let t = text(bytes, at, column)?;
    match CorporateNumber::parse(t) {
        Ok(cn) => Ok(cn.as_string().parse().expect("13 digits fit in u64")),
        Err(e) => Err(LineError { at, column, message: e.to_string() }),
    }
}

/// `0`, `1`, `0.25`, `.5`: digits with at most 15 of them, read exactly as the integer of
/// the digits divided by a power of ten (both exact in f64, so the quotient is correctly
/// rounded, the same number `str::parse` gives). `None` for anything else.
fn simple_decimal(b: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let (mut m, mut digits, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    for &c in b {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + u64::from(c - b'0');
                digits += 1;
                frac += usize::from(dot);
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    Some(m as f64 / POW10[frac])
}

fn probability(bytes: &[u8], at: usize, column: &'static str) -> Result<f64, LineError> {
    if let Some(v) = simple_decimal(bytes.trim_ascii()) {
        if v <= 1.0 {
            return Ok(v);
        }
    }
    let t = text(bytes, at, column)?;
    let v: f64 = t.trim().parse().map_err(|_| LineError { at, column, message: format!("{t:?} is not a number") })?;
    if !(0.0..=1.0).contains(&v) {
        return Err(LineError { at, column, message: format!("{v} is outside 0–1") });
    }
    Ok(v)
}

/// Corporate numbers (as integers) to firm indices: open addressing, linear probing, keys and
/// values side by side so a lookup touches one cache line. 0 marks an empty slot (no
/// corporate number is 0: its check digit would have to be 9).
struct Index {
    slots: Vec<(u64, u32)>,
    mask: usize,
}

impl Index {
    fn with_capacity(n: usize) -> Index {
        let size = (n * 2).next_power_of_two().max(16);
        Index { slots: vec![(0, 0); size], mask: size - 1 }
    }
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & self.mask
    }
    /// Inserts, or returns the index already there.
    fn insert(&mut self, key: u64, value: u32) -> Option<u32> {
        let mut i = self.home(key);
        loop {
            let (k, v) = self.slots[i];
            if k == 0 {
                self.slots[i] = (key, value);
                return None;
            }
            if k == key {
                return Some(v);
            }
            i = (i + 1) & self.mask;
        }
    }
    fn get(&self, key: u64) -> Option<u32> {
        let mut i = self.home(key);
        loop {
            let (k, v) = self.slots[i];
            if k == key {
                return Some(v);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Ranks by risk descending, then corporate number ascending.
fn ranks_before(a: (f64, u64), b: (f64, u64)) -> bool {
    match b.0.total_cmp(&a.0) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => a.1 < b.1,
    }
}

/// The `k` first firms by the ranking rule, in order: one pass per block, in parallel.
fn top_k(risk: &[f64], cns: &[u64], k: usize) -> Vec<usize> {
    let local = |range: std::ops::Range<usize>| {
        let mut best: Vec<usize> = Vec::with_capacity(k + 1);
        for i in range {
            let key = (risk[i], cns[i]);
            if best.len() == k && !ranks_before(key, (risk[best[k - 1]], cns[best[k - 1]])) {
                continue;
            }
            let pos = best.partition_point(|&j| ranks_before((risk[j], cns[j]), key));
            best.insert(pos, i);
            best.truncate(k);
        }
        best
    };
    const BLOCK: usize = 1 << 16;
    let blocks: Vec<Vec<usize>> =
        (0..risk.len().div_ceil(BLOCK)).into_par_iter().map(|b| local(b * BLOCK..((b + 1) * BLOCK).min(risk.len()))).collect();
    let mut all: Vec<usize> = blocks.into_iter().flatten().collect();
    all.sort_by(|&a, &b| risk[b].total_cmp(&risk[a]).then(cns[a].cmp(&cns[b])));
    all.truncate(k);
    all
}

pub fn run(cmd: RiskCommand) -> Result<ExitCode> {
    let RiskCommand::Propagate { dir, json, write } = cmd;
    let started = Instant::now();
    let mut phases = [0.0f64; 5];
    let mut mark = Instant::now();
    let mut lap = |slot: usize| {
        phases[slot] += mark.elapsed().as_secs_f64();
        mark = Instant::now();
    };

    // Firms.
    let firms = Table::read(dir.join("firms.csv"))?;
    lap(0);
    let (cn_col, risk_col) = (firms.column("corporate_number")?, firms.column("own_risk")?);
    let rows: Vec<(u64, f64)> = firms.parse(
        |at, f| {
            Ok((
                corporate_number(field(f, cn_col, at, "corporate_number")?, at, "corporate_number")?,
                probability(field(f, risk_col, at, "own_risk")?, at, "own_risk")?,
            ))
        },
        |rows, out| {
            out.extend(rows.into_iter().map(|(_, r)| r));
            Ok(())
        },
    )?;
    if rows.len() >= u32::MAX as usize {
        bail!("{} has more firms than this build can hold", firms.path.display());
    }
    let mut index = Index::with_capacity(rows.len());
    for (i, &(cn, _)) in rows.iter().enumerate() {
        if index.insert(cn, i as u32).is_some() {
            bail!("{} row {}: corporate number {cn:013} appears twice", firms.path.display(), firms.row_of_record(i));
        }
    }
    drop(firms);
    let (cns, own): (Vec<u64>, Vec<f64>) = rows.into_iter().unzip();
    lap(1);

    // Links.
    let links = Table::read(dir.join("links.csv"))?;
    lap(0);
    let (s_col, c_col, w_col) = (links.column("supplier")?, links.column("customer")?, links.column("weight")?);
    let edges: Vec<(u32, u32, f64)> = links.parse(
        |at, f| {
            Ok((
                corporate_number(field(f, s_col, at, "supplier")?, at, "supplier")?,
                corporate_number(field(f, c_col, at, "customer")?, at, "customer")?,
                probability(field(f, w_col, at, "weight")?, at, "weight")?,
            ))
        },
        |rows, out| {
            let missing =
                |at: usize, column: &'static str, cn: u64| LineError { at, column, message: format!("{cn:013} is not in firms.csv") };
            for (at, (s, c, w)) in rows {
                let s = index.get(s).ok_or_else(|| missing(at, "supplier", s))?;
                let c = index.get(c).ok_or_else(|| missing(at, "customer", c))?;
                out.push((s, c, w));
            }
            Ok(())
        },
    )?;
    drop(links);
    drop(index);
    lap(1);

    let net = Network::from_compact(cns.len(), &edges)?;
    drop(edges);
    lap(2);
    let e = propagate(&net, &own, 1e-9, 10_000)?;
    lap(3);

    let top = top_k(&e.risk, &cns, 10);
    let tenth = top.last().map(|&i| e.risk[i]);
    let ties = tenth.map_or(0, |t| e.risk.par_iter().filter(|&&r| r == t).count());
    let listed_ties = tenth.map_or(0, |t| top.iter().filter(|&&i| e.risk[i] == t).count());
    let at_one = e.risk.par_iter().filter(|&&r| r == 1.0).count();
    let top: Vec<(String, f64)> = top.iter().map(|&i| (format!("{:013}", cns[i]), e.risk[i])).collect();
    if let Some(path) = &write {
        let mut out = String::with_capacity(cns.len() * 36);
        out.push_str("corporate_number,risk\n");
        for (cn, r) in cns.iter().zip(&e.risk) {
            use std::fmt::Write;
            let _ = writeln!(out, "{cn:013},{r}");
        }
        std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let body = if json {
        lap(4);
        let seconds = started.elapsed().as_secs_f64();
        json!({
            "firms": cns.len(),
            "links": net.edges(),
            "iterations": e.iterations,
            "last_change": e.last_change,
            "seconds": seconds,
            "phases": {"read": phases[0], "parse": phases[1], "build": phases[2], "propagate": phases[3], "rank": phases[4]},
            "rank_rule": RANK_RULE,
            "top": top.iter().map(|(c, r)| json!({"corporate_number": c, "risk": r})).collect::<Vec<_>>(),
            "tenth_risk": tenth,
            "ties_at_cutoff": ties,
            "tied_beyond_top": ties - listed_ties,
            "at_one": at_one,
        })
        .to_string()
    } else {
        let mut s = String::new();
        use std::fmt::Write;
        for (c, r) in &top {
            let _ = writeln!(s, "{c}  {r:.6}");
        }
        if let Some(t) = tenth {
            let _ = writeln!(
                s,
                "ranked by {RANK_RULE}; {ties} firms have the tenth's exposure {t} ({} of them not listed); {at_one} are at exactly 1.0",
                ties - listed_ties
            );
        }
        lap(4);
        format!(
            "{} companies, {} links: {} iterations (last change {:.1e}) in {:.3} s (read {:.3}, parse {:.3}, build {:.3}, propagate {:.3}, rank {:.3})\n{s}",
            cns.len(),
            net.edges(),
            e.iterations,
            e.last_change,
            started.elapsed().as_secs_f64(),
            phases[0],
            phases[1],
            phases[2],
            phases[3],
            phases[4]
        )
    };
    println!("{}", body.trim_end());
    Ok(ExitCode::SUCCESS)
}
