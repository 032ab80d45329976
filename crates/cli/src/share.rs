//! `hoshi share allocate FILE`: the cost-sharing calculator of `POST /api/v1/sharing/allocate`
//! on a local file, with the same JSON in and out (reading and answering are
//! `hoshi_web::api::sharing`'s, so the two doors cannot drift apart).

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Result};
use clap::Subcommand;
use hoshi_core::sharing::Rule;
use hoshi_core::Yen;
use hoshi_web::api::sharing::{parse_request, respond, AllocateResponse, Parsed};

#[derive(Subcommand)]
pub enum ShareCommand {
    /// Share the cost increments of reaching the ★ levels among buyers (and the supplier).
    ///
    /// FILE (or - for standard input) is the JSON of the API: {"rule", "increments": [{"level",
    /// "cost_yen"}], "participants": [{"id", "level", "weight"}]}. Prints {"rule", "total_yen",
    /// "increments", "shares": [{"id", "share_yen", "by_increment", "stand_alone_yen",
    /// "exceeds_stand_alone"}]}. Exit status 2 when the file cannot be used.
    Allocate {
        /// The JSON file, or - for standard input.
        file: PathBuf,
        /// weighted_airport, shapley, nucleolus or proportional (replaces the file's "rule").
        #[arg(long)]
        rule: Option<String>,
        /// Print a table for people instead of JSON.
        #[arg(long)]
        table: bool,
        /// Language of the messages and the table: ja or en.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Check a negotiation record exported from Hoshi (`/negotiations/{id}/record.json`) offline:
    /// recompute every step's SHA-256 and its link to the one before. Exit 0 when intact, 1 when
    /// any step was changed, 2 when the file cannot be read.
    VerifyRecord {
        /// The record JSON.
        file: PathBuf,
    },
}

/// Checks an exported negotiation record's hash chain.
fn verify_record(file: &std::path::Path) -> Result<ExitCode> {
    let bytes = std::fs::read(file).map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| anyhow!("{}: not JSON: {e}", file.display()))?;
    let steps: Vec<hoshi_core::negotiation::StepRecord> = serde_json::from_value(v["steps"].clone())
        .map_err(|e| anyhow!("{}: \"steps\" is not a list of recorded steps: {e}", file.display()))?;
    match hoshi_core::negotiation::verify_chain(&steps) {
        Ok(last) => {
            let claimed = v["last_hash"].as_str().unwrap_or("");
            if !claimed.is_empty() && claimed != last {
                println!("FAILED: the steps are consistent but end in {last}, not the last_hash {claimed} the file states");
                return Ok(ExitCode::from(1));
            }
            println!("OK: {} steps, each linked to the one before; last hash {last}", steps.len());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("FAILED: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

pub fn run(cmd: ShareCommand) -> Result<ExitCode> {
    let (file, rule, table, lang) = match cmd {
        ShareCommand::VerifyRecord { file } => return verify_record(&file),
        ShareCommand::Allocate { file, rule, table, lang } => (file, rule, table, lang),
    };
    let ja = match lang.as_str() {
        "ja" => true,
        "en" => false,
        _ => return Err(anyhow!("--lang: use ja or en")),
    };
    let (name, bytes) = if file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin().read_to_end(&mut b).map_err(|e| anyhow!("cannot read standard input: {e}"))?;
        ("standard input".to_owned(), b)
    } else {
        (file.display().to_string(), std::fs::read(&file).map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?)
    };
    let parsed = parse_request(&bytes, rule.as_deref()).map_err(|e| {
        // The message names the field; a wrong --rule is the argument's fault, not the file's.
        if rule.is_some() && e.field == "rule" {
            anyhow!("--rule: {}", e.message(ja))
        } else {
            anyhow!("{name}: {}", e.message(ja))
        }
    })?;
    let answer = respond(&parsed).map_err(|e| anyhow!("{name}: {}", if ja { e.message_ja() } else { e.to_string() }))?;
    if table {
        print!("{}", render_table(&parsed, &answer, ja));
    } else {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// The allocation as a table: one row per participant, one column per increment.
fn render_table(p: &Parsed, a: &AllocateResponse, ja: bool) -> String {
    let yen = |n: u64| Yen::new(n).to_string();
    let rule_name = Rule::parse(&a.rule).map_or_else(|_| a.rule.clone(), |r| if ja { r.name_ja() } else { r.name_en() }.to_owned());
    let mut header: Vec<String> = vec![if ja { "参加者" } else { "participant" }.into(), if ja { "レベル" } else { "level" }.into()];
    let mut prev = None;
    for inc in &a.increments {
        header.push(match prev {
            Some(l) => format!("★{l}→★{}", inc.level),
            None => format!("★{}", inc.level),
        });
        prev = Some(inc.level);
    }
    header.push(if ja { "負担額" } else { "share" }.into());
    header.push(if ja { "単独費用" } else { "stand-alone" }.into());
    let mut rows = vec![header];
    for (s, part) in a.shares.iter().zip(&p.participants) {
        let mut row = vec![s.id.clone(), part.level.to_string()];
        row.extend(s.by_increment.iter().map(|&y| yen(y)));
        row.push(format!("{}{}", yen(s.share_yen), if s.exceeds_stand_alone { " !" } else { "" }));
        row.push(yen(s.stand_alone_yen));
        rows.push(row);
    }
    let mut total = vec![if ja { "合計" } else { "total" }.to_owned(), String::new()];
    total.extend(a.increments.iter().map(|i| yen(i.cost_yen)));
    total.push(yen(a.total_yen));
    total.push(String::new());
    rows.push(total);

    let cols = rows[0].len();
    let width: Vec<usize> = (0..cols).map(|c| rows.iter().map(|r| display_width(&r[c])).max().unwrap_or(0)).collect();
    let mut out = format!("{}: {} ({})\n", if ja { "分担ルール" } else { "rule" }, a.rule, rule_name);
    for (i, row) in rows.iter().enumerate() {
        if i == rows.len() - 1 {
            out.push_str(&format!("{}\n", "-".repeat(width.iter().sum::<usize>() + 2 * (cols - 1))));
        }
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let pad = " ".repeat(width[c] - display_width(cell));
                // Names and levels to the left, amounts to the right.
                if c < 2 {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    if a.shares.iter().any(|s| s.exceeds_stand_alone) {
        out.push_str(if ja {
            "! 単独で対応する場合の費用を超えています（proportional は比較用です）。\n"
        } else {
            "! above the participant's stand-alone cost (proportional is for comparison only).\n"
        });
    }
    out
}

/// Columns a terminal gives the text: two for East Asian wide characters (kana, kanji,
/// full-width forms), one for the rest.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 => {
                2
            }
            0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}
