//! `hoshi import suppliers`: a buyer's supplier list from CSV or XLSX, with a row-numbered report.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, Result};
use clap::{Subcommand, ValueEnum};
use hoshi_app::suppliers::ImportMode;
use hoshi_app::{App, SystemClock};
use hoshi_core::CorporateNumber;
use serde_json::json;

use crate::server::{runtime, DbArgs};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import (or update, by corporate number) a buyer's suppliers from a CSV or XLSX file.
    ///
    /// Without --good-rows nothing is imported unless every row is good. Blanks Hoshi has to
    /// assume something for are warnings, listed but not stopping the import: a blank in one of
    /// the three ★4 questions is not "no" but unanswered (★4 until answered), a blank amount is
    /// unknown, a blank criticality medium; run with --dry-run to see them first. Exit status: 0
    /// when the file was read and the import (or dry run) done, 1 when bad rows stopped the
    /// import, 2 when the file or the arguments could not be used at all.
    Suppliers {
        /// The CSV (UTF-8, or Excel's Shift_JIS, converted) or XLSX file.
        file: std::path::PathBuf,
        /// The buyer's corporate number: whose supplier list this is.
        #[arg(long)]
        buyer: String,
        /// Read and check the file, report, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import the good rows even if some rows are bad (default: only if all rows are good).
        #[arg(long)]
        good_rows: bool,
        /// Print the report as JSON: {"rows_total", "rows_ok", "errors": [{"row", "column", "message"}],
        /// "warnings": [{"row", "column", "message"}], "created", "updated", "imported", "dry_run"}.
        #[arg(long, value_enum)]
        report: Option<Report>,
        /// Language of the messages: ja or en.
        #[arg(long, default_value = "en")]
        lang: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Report {
    Json,
}

pub fn run(cmd: ImportCommand) -> Result<ExitCode> {
    let ImportCommand::Suppliers { file, buyer, dry_run, good_rows, report, lang, db } = cmd;
    let ja = match lang.as_str() {
        "ja" => true,
        "en" => false,
        _ => return Err(anyhow!("--lang: use ja or en")),
    };
    let cn = CorporateNumber::parse(&buyer).map_err(|e| anyhow!("--buyer: {e}"))?;
    let bytes = std::fs::read(&file).map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?;
    let filename = file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let mode = if good_rows { ImportMode::GoodRows } else { ImportMode::AllOrNothing };
    let started = std::time::Instant::now();
    let r = runtime()?.block_on(async {
        let app = App::new(db.open().await?, Arc::new(SystemClock));
        app.admin_import_suppliers(&cn, &filename, &bytes, mode, dry_run).await.map_err(|e| anyhow!("{}", e.message(ja)))
    })?;
    let refused = !dry_run && !r.imported && !r.errors.is_empty();
    let message = |e: &hoshi_app::suppliers::ImportError| if ja { e.message_ja.clone() } else { e.message_en.clone() };
    if r.converted_from_shift_jis {
        eprintln!(
            "{}",
            if ja {
                "注意: Shift_JISのファイルをUTF-8に変換して読みました。"
            } else {
                "note: the file was Shift_JIS; it was converted to UTF-8."
            }
        );
    }
    match report {
        Some(Report::Json) => {
            let cells = |list: &[hoshi_app::suppliers::ImportError]| -> Vec<serde_json::Value> {
                list.iter().map(|e| json!({"row": e.row, "column": e.column, "message": message(e)})).collect()
            };
            let out = json!({
                "rows_total": r.rows_total,
                "rows_ok": r.rows_ok,
                "errors": cells(&r.errors),
                "errors_total": r.errors_total,
                "warnings": cells(&r.warnings),
                "warnings_total": r.warnings_total,
                "created": r.created,
                "updated": r.updated,
                "imported": r.imported,
                "dry_run": r.dry_run,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        None => {
            for e in &r.errors {
                println!("row {}, {}: {}", e.row, e.column, message(e));
            }
            for w in &r.warnings {
                println!("warning: row {}, {}: {}", w.row, w.column, message(w));
            }
            if r.errors_total > r.errors.len() || r.warnings_total > r.warnings.len() {
                println!(
                    "(the first {} errors of {} and {} warnings of {} are listed)",
                    r.errors.len(),
                    r.errors_total,
                    r.warnings.len(),
                    r.warnings_total
                );
            }
            let what = if r.imported {
                format!("imported: {} added, {} updated", r.created, r.updated)
            } else if dry_run {
                format!("dry run: would add {} and update {}; nothing written", r.created, r.updated)
            } else if refused {
                "nothing imported: fix the rows above, or use --good-rows to import the good rows".to_owned()
            } else {
                "nothing to import".to_owned()
            };
            println!(
                "{} rows read, {} good, {} with errors, {} warnings; {what} ({:.2} s)",
                r.rows_total,
                r.rows_ok,
                r.rows_bad,
                r.warnings_total,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(if refused { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
