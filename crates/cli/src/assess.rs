//! `hoshi assess export`: the latest assessment of a supplier as OSCAL, CSV (gap report), JSON or
//! the self-assessment workbook (XLSX); `hoshi assess import-workbook`: answers from a workbook
//! laid out like IPA's official one into the supplier's open draft.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, Result};
use clap::{Subcommand, ValueEnum};
use hoshi_app::{exports, App, SystemClock};
use hoshi_core::CorporateNumber;
use hoshi_standard::Lang;

use crate::server::{runtime, DbArgs};

#[derive(Subcommand)]
pub enum AssessCommand {
    /// Export the latest assessment of a supplier (by corporate number).
    Export {
        /// The supplier's corporate number.
        #[arg(long)]
        supplier: String,
        #[arg(long, value_enum)]
        format: Format,
        /// Language of the text: ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<std::path::PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Import answers from a self-assessment workbook (XLSX laid out like IPA's, or CSV) into the
    /// supplier's draft (or returned) assessment, started as a ★3 draft if none is open.
    ///
    /// Nothing is imported if any row has a problem (an unknown or repeated criterion number, an
    /// unreadable answer, a criterion above the target): each is listed with its sheet and row.
    /// Exit status: 0 when imported (or a dry run found no problem), 1 when rows have problems,
    /// 2 when the file or the arguments could not be used at all.
    ImportWorkbook {
        /// The workbook (.xlsx) or CSV file.
        file: std::path::PathBuf,
        /// The supplier's corporate number.
        #[arg(long)]
        supplier: String,
        /// Read and compare, report, and write nothing (no draft is started either).
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON: {"rows_total", "mapped", "changed", "errors": [{"sheet", "row", "message"}]}.
        #[arg(long, value_enum)]
        report: Option<Report>,
        /// Language of the messages: ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Report {
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Oscal,
    Csv,
    Json,
    /// The self-assessment workbook: one sheet per category, answers as ○ / ✖ / 該当なし.
    Xlsx,
    /// The remediation plan of the newest assessment with one, as OSCAL plan-of-action-and-milestones.
    Poam,
}

pub fn run(cmd: AssessCommand) -> Result<ExitCode> {
    match cmd {
        AssessCommand::Export { supplier, format, lang, out, db } => export(&supplier, format, &lang, out, db),
        AssessCommand::ImportWorkbook { file, supplier, dry_run, report, lang, db } => {
            import_workbook(&file, &supplier, dry_run, report, &lang, db)
        }
    }
}

fn export(supplier: &str, format: Format, lang: &str, out: Option<std::path::PathBuf>, db: DbArgs) -> Result<ExitCode> {
    let cn = CorporateNumber::parse(supplier).map_err(|e| anyhow!("--supplier: {e}"))?;
    let lang = Lang::parse(lang).ok_or_else(|| anyhow!("--lang: use ja or en"))?;
    if let Format::Poam = format {
        let (view, plan) = runtime()?.block_on(async {
            let app = App::new(db.open().await?, Arc::new(SystemClock));
            app.admin_latest_plan(&cn).await.map_err(|e| anyhow!("{}", e.message(false)))
        })?;
        let bytes = serde_json::to_vec_pretty(&exports::poam(&view, &plan, lang))?;
        match out {
            Some(p) => std::fs::write(&p, bytes).map_err(|e| anyhow!("cannot write {}: {e}", p.display()))?,
            None => std::io::stdout().write_all(&bytes)?,
        }
        return Ok(ExitCode::SUCCESS);
    }
    let view = runtime()?.block_on(async {
        let app = App::new(db.open().await?, Arc::new(SystemClock));
        app.admin_latest_assessment(&cn).await.map_err(|e| anyhow!("{}", e.message(false)))
    })?;
    let bytes = match format {
        Format::Poam => unreachable!("handled above"),
        Format::Oscal => serde_json::to_vec_pretty(&exports::oscal(&view, lang))?,
        Format::Json => serde_json::to_vec_pretty(&exports::json(&view))?,
        Format::Csv => exports::gaps_csv(&view, lang),
        Format::Xlsx => exports::assessment_xlsx(&view, lang).map_err(|e| anyhow!("{}", e.message(lang == Lang::Ja)))?,
    };
    match out {
        Some(p) => std::fs::write(&p, bytes).map_err(|e| anyhow!("cannot write {}: {e}", p.display()))?,
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn import_workbook(
    file: &std::path::Path,
    supplier: &str,
    dry_run: bool,
    report: Option<Report>,
    lang: &str,
    db: DbArgs,
) -> Result<ExitCode> {
    let lang = Lang::parse(lang).ok_or_else(|| anyhow!("--lang: use ja or en"))?;
    let ja = lang == Lang::Ja;
    let cn = CorporateNumber::parse(supplier).map_err(|e| anyhow!("--supplier: {e}"))?;
    let bytes = std::fs::read(file).map_err(|e| anyhow!("cannot read {}: {e}", file.display()))?;
    let r = runtime()?.block_on(async {
        let app = App::new(db.open().await?, Arc::new(SystemClock));
        app.admin_import_workbook(&cn, &bytes, dry_run).await.map_err(|e| anyhow!("{}", e.message(ja)))
    })?;
    match report {
        Some(Report::Json) => println!("{}", serde_json::to_string_pretty(&r.summary_json(lang))?),
        None => {
            for e in &r.errors {
                if ja {
                    println!("シート「{}」{}行目: {}", e.sheet, e.row, e.message(lang));
                } else {
                    println!("sheet {:?}, row {}: {}", e.sheet, e.row, e.message(lang));
                }
            }
            for c in &r.changes {
                let old = c.old.as_ref().map_or("-", |o| o.status.as_str());
                println!("{} {} → {} ({} {})", c.criterion, old, c.new.status, c.sheet, c.row);
            }
            let what = match (r.imported, dry_run, ja) {
                (true, _, true) => {
                    format!("取り込みました（自己評価 {}{}）", r.assessment_id, if r.created_draft { "、新しく作成" } else { "" })
                }
                (true, _, false) => {
                    format!("imported into assessment {}{}", r.assessment_id, if r.created_draft { " (a new draft)" } else { "" })
                }
                (false, true, true) => "確認のみ。何も書き込んでいません".to_owned(),
                (false, true, false) => "dry run: nothing written".to_owned(),
                (false, false, true) => "問題のある行があるため、何も取り込んでいません".to_owned(),
                (false, false, false) => "nothing imported: fix the rows above".to_owned(),
            };
            if ja {
                println!("{}行を読み、{}行を対応付け、{}件の回答が変わります。{what}。", r.rows_total, r.mapped, r.changed);
            } else {
                println!("{} rows read, {} mapped, {} answers change; {what}", r.rows_total, r.mapped, r.changed);
            }
        }
    }
    Ok(if r.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
