//! `hoshi backup FILE` and `hoshi restore FILE`: a consistent copy of the database taken while the
//! server runs, and its return, checked against the log this registry already published.
//!
//! SQLite: `VACUUM INTO` writes one snapshot of the database into a new file. PostgreSQL:
//! `pg_dump --format=custom`, restored with `pg_restore` in one transaction. The keys are not in
//! the backup (they are files in `keys/`, backed up separately and kept apart, see
//! docs/operations.md); the published head beside them is what a restore is checked against.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use hoshi_app::registry::HeadCheck;
use hoshi_app::{App, Store, SystemClock};

use crate::server::{keys, runtime, DbArgs};

#[derive(Args)]
pub struct BackupArgs {
    /// The new backup file (must not exist).
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A file written by `hoshi backup`.
    pub file: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
    /// Restore even when the backup's log is behind (or forks) the log this registry already
    /// published: relying parties that saw the newer checkpoints will see a fork.
    #[arg(long)]
    pub force: bool,
}

pub fn run_backup(a: BackupArgs) -> Result<ExitCode> {
    crate::server::init_tracing();
    if a.file.exists() {
        bail!("{} already exists: choose a new file name (a backup never overwrites anything)", a.file.display());
    }
    match &a.db.database_url {
        None => {
            runtime()?.block_on(async {
                let store = a.db.open().await?;
                store.snapshot_sqlite(&a.file).await.map_err(|e| anyhow!("cannot write the snapshot: {e}"))?;
                let size = log_size(&store).await?;
                println!("backed up {} to {} (log size about {size})", a.db.data.join("hoshi.db").display(), a.file.display());
                Ok::<_, anyhow::Error>(())
            })?;
        }
        Some(url) => {
            let status = Command::new(pg_tool("pg_dump")?)
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(&a.file)
                .arg(url)
                .status()
                .context("cannot run pg_dump")?;
            if !status.success() {
                let _ = std::fs::remove_file(&a.file);
                bail!("pg_dump failed ({status}); nothing was written");
            }
            set_owner_only(&a.file)?;
            println!("backed up the PostgreSQL database to {} (pg_dump custom format)", a.file.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_restore(a: RestoreArgs) -> Result<ExitCode> {
    crate::server::init_tracing();
    if !a.file.is_file() {
        bail!("{} is not a file: give a file written by `hoshi backup`", a.file.display());
    }
    let keyring = keys(&a.db.data)?;
    runtime()?.block_on(async {
        match &a.db.database_url {
            None => restore_sqlite(&a, keyring).await,
            Some(url) => restore_postgres(&a, url, keyring).await,
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn restore_sqlite(a: &RestoreArgs, keyring: hoshi_app::keys::KeyRing) -> Result<()> {
    let dir = &a.db.data;
    std::fs::create_dir_all(dir)?;
    let live = dir.join("hoshi.db");
    // The backup is copied beside the database first and checked there: the live file is
    // touched only once the copy is known to be a Hoshi database whose log may be restored.
    let staged = dir.join("hoshi.db.restoring");
    for f in [staged.clone(), suffixed(&staged, "-wal"), suffixed(&staged, "-shm")] {
        let _ = std::fs::remove_file(f);
    }
    std::fs::copy(&a.file, &staged).with_context(|| format!("cannot copy {} into {}", a.file.display(), dir.display()))?;
    set_owner_only(&staged)?;
    let checked = async {
        let store = Store::connect(&sqlite_url(&staged))
            .await
            .map_err(|e| anyhow!("{} is not a readable SQLite database: {e}", a.file.display()))?;
        store.migrate().await.map_err(|e| anyhow!("{} is not a Hoshi database: {e}", a.file.display()))?;
        let app = App::with_keys(store.clone(), Arc::new(SystemClock), keyring.clone());
        let head = app.check_published_head().await.map_err(|e| anyhow!("{}", e.message(false)))?;
        allow(&head, a.force)?;
        let sizes = app.audit_log(true).await.map_err(|e| anyhow!("the backup's log does not pass the audit: {}", e.message(false)))?;
        let latest = app.checkpoint().await.map_err(|e| anyhow!("{}", e.message(false)))?;
        store.pool().close().await;
        Ok::<_, anyhow::Error>((head, sizes, latest))
    }
    .await;
    let (head, sizes, latest) = match checked {
        Ok(v) => v,
        Err(e) => {
            for f in [staged.clone(), suffixed(&staged, "-wal"), suffixed(&staged, "-shm")] {
                let _ = std::fs::remove_file(f);
            }
            return Err(e);
        }
    };
    // The database being replaced is kept, with its WAL, under a dated name.
    let stamp = hoshi_core::time::rfc3339(now()).replace(':', "");
    if live.exists() {
        let aside = dir.join(format!("hoshi.db.before-restore-{stamp}"));
        std::fs::rename(&live, &aside)?;
        for ext in ["-wal", "-shm"] {
            let from = suffixed(&live, ext);
            if from.exists() {
                std::fs::rename(&from, suffixed(&aside, ext))?;
            }
        }
        println!("the database it replaces is kept as {}", aside.display());
    }
    std::fs::rename(&staged, &live)?;
    std::fs::File::open(dir)?.sync_all()?;
    record_forced(&keyring, &head, latest.map(|c| c.note), &stamp)?;
    println!(
        "restored {} into {}: the log passed the audit ({} signed checkpoints, latest size {}); {}",
        a.file.display(),
        live.display(),
        sizes.len(),
        sizes.last().copied().unwrap_or(0),
        head.message(false)
    );
    Ok(())
}

async fn restore_postgres(a: &RestoreArgs, url: &str, keyring: hoshi_app::keys::KeyRing) -> Result<()> {
    // What the dump's log holds, read from the dump itself before anything is restored.
    let out = Command::new(pg_tool("pg_restore")?)
        .args(["--data-only", "--table=log_checkpoints", "--file=-"])
        .arg(&a.file)
        .output()
        .context("cannot run pg_restore")?;
    if !out.status.success() {
        bail!("{} is not a pg_dump archive of a Hoshi database: {}", a.file.display(), String::from_utf8_lossy(&out.stderr).trim());
    }
    let dumped = String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip_while(|l| !l.starts_with("COPY "))
        .skip(1)
        .take_while(|l| *l != "\\.")
        .filter_map(|l| l.split('\t').next().and_then(|s| s.parse::<u64>().ok()))
        .max()
        .unwrap_or(0);
    if let Some(text) = keyring.published_head()? {
        let published = hoshi_ledger::log::open_checkpoint(&text, keyring.log.verifier_key())
            .map_err(|e| anyhow!("keys/{} does not verify: {e}", hoshi_app::keys::PUBLISHED_HEAD))?
            .size();
        if dumped < published && !a.force {
            bail!(
                "refusing to restore: the backup's log (size {dumped}) is behind the log this registry published (size {published}); \
                 restore a newer backup, or pass --force to roll the registry back (relying parties will see a fork)"
            );
        }
    }
    let status = Command::new(pg_tool("pg_restore")?)
        .args(["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", "--dbname"])
        .arg(url)
        .arg(&a.file)
        .status()
        .context("cannot run pg_restore")?;
    if !status.success() {
        bail!("pg_restore failed ({status}); it ran in one transaction, so the database is as it was");
    }
    let store = a.db.open().await?;
    let app = App::with_keys(store, Arc::new(SystemClock), keyring.clone());
    let sizes = app.audit_log(true).await.map_err(|e| anyhow!("the restored log does not pass the audit: {}", e.message(false)))?;
    let head = app.check_published_head().await.map_err(|e| anyhow!("{}", e.message(false)))?;
    let latest = app.checkpoint().await.map_err(|e| anyhow!("{}", e.message(false)))?;
    let stamp = hoshi_core::time::rfc3339(now()).replace(':', "");
    record_forced(&keyring, &head, latest.map(|c| c.note), &stamp)?;
    println!(
        "restored {} into the PostgreSQL database: the log passed the audit ({} signed checkpoints, latest size {}); {}",
        a.file.display(),
        sizes.len(),
        sizes.last().copied().unwrap_or(0),
        head.message(false)
    );
    Ok(())
}

/// Refuses a backup whose log contradicts the published one, unless forced (then loudly).
fn allow(head: &HeadCheck, force: bool) -> Result<()> {
    if head.is_safe() {
        return Ok(());
    }
    if !force {
        bail!(
            "refusing to restore: {}. Restore a newer backup, or pass --force to roll the registry back \
             (relying parties that saw the newer checkpoints will see a fork).",
            head.message(false)
        );
    }
    eprintln!("WARNING: --force: {}. The registry is rolled back; its next checkpoints fork the published log.", head.message(false));
    Ok(())
}

/// After a forced restore the restored head becomes the published one (the old file is kept),
/// so that the server starts on what the operator chose.
fn record_forced(keyring: &hoshi_app::keys::KeyRing, head: &HeadCheck, note: Option<String>, stamp: &str) -> Result<()> {
    if head.is_safe() {
        return Ok(());
    }
    if let (Some(dir), Some(note)) = (&keyring.dir, note) {
        let old = dir.join(hoshi_app::keys::PUBLISHED_HEAD);
        if old.exists() {
            std::fs::copy(&old, dir.join(format!("{}.before-restore-{stamp}", hoshi_app::keys::PUBLISHED_HEAD)))?;
        }
        keyring.record_published_head(&note)?;
        eprintln!("WARNING: the published head in {} now is the restored log's (the old one is kept beside it)", dir.display());
    }
    Ok(())
}

async fn log_size(store: &Store) -> Result<u64> {
    let app = App::new(store.clone(), Arc::new(SystemClock));
    Ok(app.checkpoint().await.map_err(|e| anyhow!("{}", e.message(false)))?.map_or(0, |c| c.size))
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rw", path.display())
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn set_owner_only(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// A PostgreSQL client tool: on the PATH, else Debian's versioned folder.
fn pg_tool(name: &str) -> Result<PathBuf> {
    if let Ok(path) = std::env::var("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.pop().ok_or_else(|| anyhow!("{name} was not found: install the PostgreSQL client (Debian: postgresql-client)"))
}
