//! `hoshi`: one binary, many doors. Each subcommand parses its arguments, calls the library
//! crates and prints; no business rules live here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod catalog;

/// Hoshi: the ★-level supply-chain security scheme — standard, assessment, certification,
/// public registry and fair cost sharing.
#[derive(Parser)]
#[command(name = "hoshi", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read, export and check the ★ standard's catalog of requirements and criteria.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Catalog(c) => catalog::run(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
