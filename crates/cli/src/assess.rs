//! `hoshi assess export`: the latest assessment of a supplier as OSCAL, CSV (gap report) or JSON.

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
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Oscal,
    Csv,
    Json,
}

pub fn run(cmd: AssessCommand) -> Result<ExitCode> {
    let AssessCommand::Export { supplier, format, lang, out, db } = cmd;
    let cn = CorporateNumber::parse(&supplier).map_err(|e| anyhow!("--supplier: {e}"))?;
    let lang = Lang::parse(&lang).ok_or_else(|| anyhow!("--lang: use ja or en"))?;
    let view = runtime()?.block_on(async {
        let app = App::new(db.open().await?, Arc::new(SystemClock));
        app.admin_latest_assessment(&cn).await.map_err(|e| anyhow!("{}", e.message(false)))
    })?;
    let bytes = match format {
        Format::Oscal => serde_json::to_vec_pretty(&exports::oscal(&view, lang))?,
        Format::Json => serde_json::to_vec_pretty(&exports::json(&view))?,
        Format::Csv => exports::gaps_csv(&view, lang),
    };
    match out {
        Some(p) => std::fs::write(&p, bytes).map_err(|e| anyhow!("cannot write {}: {e}", p.display()))?,
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}
