//! `hoshi verify` (offline, needs nothing but the files) and `hoshi registry …` (operator
//! commands on the registry's database: export the log as static tiles, audit it, rotate the
//! issuer key, record expiries).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use clap::{Args, Subcommand};
use hoshi_app::{App, SystemClock};
use hoshi_ledger::bundle::{self, Bundle};
use hoshi_ledger::jws::Jwks;

use crate::server::{keys, runtime, DbArgs};

/// Check a certificate bundle offline: signature, log entry, inclusion proof, checkpoint.
#[derive(Args)]
pub struct VerifyArgs {
    /// The bundle (JSON from /api/v1/certificates/{serial}/bundle).
    pub bundle: PathBuf,
    /// The issuer's key set (from /.well-known/jwks.json).
    #[arg(long)]
    pub jwks: PathBuf,
    /// The log's verifier key (from /log/key).
    #[arg(long)]
    pub log_key: PathBuf,
}

pub fn run_verify(a: VerifyArgs) -> Result<ExitCode> {
    let read = |p: &PathBuf, what: &str| std::fs::read_to_string(p).with_context(|| format!("cannot read the {what} {}", p.display()));
    let b = match Bundle::parse(&read(&a.bundle, "bundle")?) {
        Ok(b) => b,
        Err(e) => return fail(&e.to_string()),
    };
    let jwks = match Jwks::parse(&read(&a.jwks, "key set")?) {
        Ok(j) => j,
        Err(e) => return fail(&e.to_string()),
    };
    let key = read(&a.log_key, "log key")?;
    match bundle::verify(&b, &jwks, key.trim()) {
        Ok(p) => {
            let s = &p.payload["credentialSubject"];
            println!(
                "valid ★{} certificate {} for {} ({}, corporate number {}), valid from {} until {}, signed by key {}, included in the log {} at index {} of size {}",
                s["level"],
                p.payload["id"].as_str().unwrap_or("").trim_start_matches("urn:hoshi:certificate:"),
                s["legalName"]["en"].as_str().unwrap_or(""),
                s["legalName"]["ja"].as_str().unwrap_or(""),
                s["corporateNumber"].as_str().unwrap_or(""),
                p.payload["validFrom"].as_str().unwrap_or(""),
                p.payload["validUntil"].as_str().unwrap_or(""),
                p.kid,
                p.origin,
                p.index,
                p.tree_size
            );
            println!("note: this proves what was issued and logged; ask the registry (or read later log entries) for the current state — a certificate can be suspended or revoked after issue.");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn fail(msg: &str) -> Result<ExitCode> {
    eprintln!("NOT VERIFIED: {msg}");
    Ok(ExitCode::from(1))
}

#[derive(Subcommand)]
pub enum RegistryCommand {
    /// Write the log's checkpoint, key and every C2SP tile as static files for any web server or CDN.
    ExportTiles {
        dir: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Recompute the tree from the stored entries and check every stored checkpoint.
    Audit {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Start signing certificates with a new issuer key; the old one stays in the JWKS.
    RotateKey {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print a certificate's bundle (as served at /api/v1/certificates/{serial}/bundle).
    Bundle {
        serial: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print the issuer keys as a JWKS (as served at /.well-known/jwks.json).
    Jwks {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Record the expiry of certificates past their validity and sequence the log now.
    Expire {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub fn run(cmd: RegistryCommand) -> Result<ExitCode> {
    let rt = runtime()?;
    let open = |db: &DbArgs| {
        let db = db.clone();
        async move { Ok::<_, anyhow::Error>(App::with_keys(db.open().await?, Arc::new(SystemClock), keys(&db.data)?)) }
    };
    match cmd {
        RegistryCommand::ExportTiles { dir, db } => {
            let (files, cp, key) = rt.block_on(async {
                let app = open(&db).await?;
                app.sequence().await.map_err(|e| anyhow!("{}", e.message(false)))?;
                let files = app.all_tiles().await.map_err(|e| anyhow!("{}", e.message(false)))?;
                let cp = app
                    .checkpoint()
                    .await
                    .map_err(|e| anyhow!("{}", e.message(false)))?
                    .ok_or_else(|| anyhow!("the log is empty: nothing to export"))?;
                Ok::<_, anyhow::Error>((files, cp, app.keys().log.verifier_key().to_owned()))
            })?;
            std::fs::create_dir_all(&dir)?;
            for (path, bytes) in &files {
                let p = dir.join(path);
                if let Some(parent) = p.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
            }
            std::fs::write(dir.join("checkpoint"), &cp.note)?;
            std::fs::write(dir.join("key"), format!("{key}\n"))?;
            println!("wrote the checkpoint (size {}), the key and {} tiles to {}", cp.size, files.len(), dir.display());
        }
        RegistryCommand::Audit { db } => {
            let (sizes, head) = rt.block_on(async {
                let app = open(&db).await?;
                let sizes = app.audit_log(true).await.map_err(|e| anyhow!("{}", e.message(false)))?;
                let head = app.check_published_head().await.map_err(|e| anyhow!("{}", e.message(false)))?;
                let entries = app.verify_audit_trail().await.map_err(|e| anyhow!("{}", e.message(false)))?;
                println!("the audit trail's chain verifies ({entries} entries)");
                Ok::<_, anyhow::Error>((sizes, head))
            })?;
            // Consistent with itself is not enough: the database must also hold what was published.
            if !head.is_safe() {
                anyhow::bail!("the log does not hold what was published: {}", head.message(false));
            }
            println!(
                "the log is consistent: {} signed checkpoints verified against the stored tree and entries (latest size {}); {}",
                sizes.len(),
                sizes.last().copied().unwrap_or(0),
                head.message(false)
            );
        }
        RegistryCommand::RotateKey { db } => {
            let kid = rt.block_on(async {
                let app = open(&db).await?;
                let new = hoshi_app::keys::KeyRing::rotate_issuer(&db.data.join("keys"), &app.keys().issuer)?;
                let detail = serde_json::json!({"kind": "issuer", "retired": app.keys().issuer.kid});
                app.record_audit(&hoshi_app::audit::Who::console(), hoshi_core::audit::Action::KeyRotated, &new.kid, detail)
                    .await
                    .map_err(|e| anyhow!("the key was rotated but not recorded in the audit trail: {}", e.message(false)))?;
                Ok::<_, anyhow::Error>(new.kid)
            })?;
            println!("new issuer key {kid}; restart the server to sign with it (retired keys stay in the JWKS)");
        }
        RegistryCommand::Bundle { serial, db } => {
            let b = rt.block_on(async {
                let app = open(&db).await?;
                app.sequence().await.map_err(|e| anyhow!("{}", e.message(false)))?;
                app.bundle(&serial).await.map_err(|e| anyhow!("{}", e.message(false)))
            })?;
            println!("{}", serde_json::to_string_pretty(&b)?);
        }
        RegistryCommand::Jwks { db } => {
            let j = rt.block_on(async { open(&db).await?.jwks().await.map_err(|e| anyhow!("{}", e.message(false))) })?;
            println!("{}", serde_json::to_string_pretty(&j)?);
        }
        RegistryCommand::Expire { db } => {
            let (n, size) = rt.block_on(async {
                let app = open(&db).await?;
                let n = app.expire_due().await.map_err(|e| anyhow!("{}", e.message(false)))?;
                let size = app.sequence().await.map_err(|e| anyhow!("{}", e.message(false)))?;
                Ok::<_, anyhow::Error>((n, size))
            })?;
            println!("{n} certificate(s) expired; log size {size}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
