//! `hoshi`: one binary, many doors. Each subcommand parses its arguments, calls the library
//! crates and prints; no business rules live here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod admin;
mod assess;
mod backup;
mod catalog;
mod gen;
mod import;
mod registry;
mod risk;
mod server;
mod share;

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
    /// Run the web server (pages and JSON API) on SQLite in --data or on --database-url.
    Serve(server::ServeArgs),
    /// Run the server with a seeded demo world on SQLite in --data, and print the logins.
    Demo(server::DemoArgs),
    /// Export a supplier's self-assessment (OSCAL assessment-results, POA&M of its plan, gap CSV, JSON, XLSX workbook) or import an official workbook.
    #[command(subcommand)]
    Assess(assess::AssessCommand),
    /// Verify a certificate bundle offline: signature, log entry, inclusion proof and checkpoint.
    Verify(registry::VerifyArgs),
    /// Registry operator commands: export tiles, audit the log, rotate the issuer key, expire.
    #[command(subcommand)]
    Registry(registry::RegistryCommand),
    /// Import a buyer's supplier list from CSV or XLSX.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Risk across tiers over a supply network in CSV files.
    #[command(subcommand)]
    Risk(risk::RiskCommand),
    /// Generate a deterministic synthetic Japan (firms.csv, links.csv; optionally loaded into a database).
    Gen(gen::GenArgs),
    /// Fair cost sharing: split the cost of reaching the ★ levels among buyers (as the API does).
    #[command(subcommand)]
    Share(share::ShareCommand),
    /// Read, export and check the ★ standard's catalog of requirements and criteria.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// List organisations (works while the server runs).
    #[command(subcommand)]
    Orgs(admin::OrgsCommand),
    /// List, approve, suspend and withdraw experts and assessment bodies (each change logged).
    #[command(subcommand)]
    Providers(admin::ProvidersCommand),
    /// Add, list and reset the passwords of people (works while the server runs).
    #[command(subcommand)]
    Users(admin::UsersCommand),
    /// Write a consistent copy of the database while the server runs (SQLite snapshot, or pg_dump).
    Backup(backup::BackupArgs),
    /// Put a backup back (stop the server first); refused if its log is behind the published one.
    Restore(backup::RestoreArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Catalog(c) => catalog::run(c),
        Command::Serve(a) => server::run_serve(a),
        Command::Demo(a) => server::run_demo(a),
        Command::Orgs(c) => admin::run_orgs(c),
        Command::Providers(c) => admin::run_providers(c),
        Command::Assess(c) => assess::run(c),
        Command::Verify(a) => registry::run_verify(a),
        Command::Risk(c) => risk::run(c),
        Command::Gen(a) => gen::run(a),
        Command::Import(c) => import::run(c),
        Command::Registry(c) => registry::run(c),
        Command::Share(c) => share::run(c),
        Command::Users(c) => admin::run_users(c),
        Command::Backup(a) => backup::run_backup(a),
        Command::Restore(a) => backup::run_restore(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
