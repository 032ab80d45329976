//! `hoshi serve` and `hoshi demo`, and the database options every command shares.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use hoshi_app::{App, Store, SystemClock};
use hoshi_web::WebConfig;

/// Where the data lives: SQLite in a folder (the default) or a PostgreSQL URL.
#[derive(clap::Args, Clone)]
pub struct DbArgs {
    /// Folder for the embedded SQLite database (hoshi.db) and keys.
    #[arg(long, default_value = "hoshi-data")]
    pub data: PathBuf,
    /// PostgreSQL instead of SQLite, e.g. postgres://user:pass@host/db.
    #[arg(long, env = "HOSHI_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A read-only replica (e.g. a PostgreSQL standby) for the public registry's reads; they may
    /// lag the primary by the replication delay.
    #[arg(long, env = "HOSHI_READ_DATABASE_URL", requires = "database_url")]
    pub read_database_url: Option<String>,
}

impl DbArgs {
    /// Opens the store and applies pending migrations.
    pub async fn open(&self) -> Result<Store> {
        let store = match &self.database_url {
            Some(url) => Store::connect(url).await.with_context(|| "cannot connect to the database given by --database-url")?,
            None => Store::open_dir(&self.data).await.with_context(|| format!("cannot open the database in {}", self.data.display()))?,
        };
        store.migrate().await.context("cannot apply database migrations")?;
        match &self.read_database_url {
            Some(url) => store.with_read_replica(url).await.with_context(|| "cannot connect to the replica given by --read-database-url"),
            None => Ok(store),
        }
    }
}

/// When cookies get the `Secure` flag.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum CookieSecure {
    /// Secure unless the server listens on a loopback address (plain-HTTP development).
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub db: DbArgs,
    /// Mark cookies Secure (HTTPS only).
    #[arg(long, value_enum, default_value = "auto")]
    pub cookie_secure: CookieSecure,
    #[command(flatten)]
    pub options: ServeOptions,
}

/// Who the clients are and how much each may ask: the limits count per client address.
#[derive(clap::Args, Clone, Default)]
pub struct ServeOptions {
    /// The header a reverse proxy in front of Hoshi puts the client's address in, e.g.
    /// X-Forwarded-For or X-Real-IP. Believed only from --trusted-proxy addresses.
    #[arg(long, env = "HOSHI_CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,
    /// An address or block (10.0.0.0/8) of a proxy whose client-address header is believed;
    /// repeatable. Without one, the header is ignored.
    #[arg(long = "trusted-proxy", env = "HOSHI_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<String>,
    /// Start even when the database is behind, or forks, the log this server already published
    /// (keys/published-head), e.g. after a deliberate restore of an old backup. Loudly.
    #[arg(long)]
    pub allow_log_rollback: bool,
    /// Requests per minute one anonymous client may make to the registry's API, proofs, bundles
    /// and CSV export (0: no limit, e.g. behind a CDN that limits).
    #[arg(long, env = "HOSHI_REGISTRY_RATE_LIMIT", default_value_t = hoshi_app::REGISTRY_RATE_PER_MINUTE)]
    pub registry_rate_limit: u32,
}

impl ServeOptions {
    fn addressing(&self) -> Result<hoshi_web::client::ClientAddressing> {
        hoshi_web::client::ClientAddressing::new(self.client_ip_header.as_deref(), &self.trusted_proxies).map_err(|e| anyhow::anyhow!(e))
    }

    fn apply(&self, app: App) -> App {
        app.with_rate_limit(hoshi_app::Bucket::Registry, self.registry_rate_limit, 60)
    }
}

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Folder for the demo's SQLite database.
    #[arg(long, default_value = "hoshi-demo")]
    pub data: PathBuf,
    /// Seed the demo world and exit without serving.
    #[arg(long)]
    pub seed_only: bool,
    /// Also add this many suppliers with a pending ★3 application (for load and crash tests).
    #[arg(long, default_value_t = 0)]
    pub extra_applicants: usize,
    #[command(flatten)]
    pub options: ServeOptions,
}

pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOSHI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Opens the registry's keys in `<data>/keys` (created on first start, mode 0600).
pub fn keys(data: &std::path::Path) -> Result<hoshi_app::keys::KeyRing> {
    let origin = std::env::var("HOSHI_LOG_ORIGIN").unwrap_or_else(|_| hoshi_app::keys::DEFAULT_ORIGIN.to_owned());
    hoshi_app::keys::KeyRing::load_or_create(&data.join("keys"), &origin)
        .with_context(|| format!("cannot open the signing keys in {}", data.join("keys").display()))
}

/// The log must match its last signed checkpoint before the server may serve or sign anything
/// (every earlier checkpoint is checked by `hoshi registry audit`, not at every start).
///
/// And the database must hold the log this server already published (the checkpoint recorded
/// beside the keys): on a database behind it or forking it the server refuses to start, unless
/// `allow_rollback`, which it then says loudly.
async fn check_log(app: &App, allow_rollback: bool) -> Result<()> {
    app.check_latest_checkpoint().await.map_err(|e| anyhow::anyhow!("refusing to start: {}", e.message(false)))?;
    let head = app.check_published_head().await.map_err(|e| anyhow::anyhow!("refusing to start: {}", e.message(false)))?;
    if !head.is_safe() {
        if !allow_rollback {
            anyhow::bail!(
                "refusing to start: {}. Signing on this database would publish checkpoints that contradict ones already \
                 published. If you really mean to roll the registry back (every relying party will see the fork), start \
                 with --allow-log-rollback.",
                head.message(false)
            );
        }
        let warning = format!(
            "WARNING: --allow-log-rollback: {}. This server will sign checkpoints that FORK the log it published before; \
             relying parties and witnesses that saw the old checkpoints will reject them.",
            head.message(false)
        );
        eprintln!("{warning}");
        tracing::error!("{warning}");
    }
    Ok(())
}

/// Background work: the log sequencer (twice a second) and the expiry job (every minute), on
/// the one server that holds the sequencer lease (any number of servers may share a PostgreSQL
/// database; when the sequencing one stops, another takes over within a tick).
fn spawn_jobs(app: &App) {
    let app = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        let mut lease = hoshi_app::SequencerLease::default();
        let mut ticks: u64 = 0;
        loop {
            tick.tick().await;
            let leading = match app.sequencer_tick(&mut lease).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "log sequencer");
                    lease.is_held()
                }
            };
            if leading && ticks % 120 == 0 {
                match app.expire_due().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(n, "certificates expired"),
                    Err(e) => tracing::warn!(error = %e, "expiry job"),
                }
            }
            ticks += 1;
        }
    });
}

async fn serve(app: App, addr: SocketAddr, secure: CookieSecure, options: &ServeOptions, banner: impl FnOnce(SocketAddr)) -> Result<()> {
    let client = options.addressing()?;
    let app = options.apply(app);
    check_log(&app, options.allow_log_rollback).await?;
    spawn_jobs(&app);
    let secure_cookies = match secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => !addr.ip().is_loopback(),
    };
    let router = hoshi_web::router(app, WebConfig { secure_cookies, client, ..WebConfig::default() });
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(%local, "listening");
    banner(local);
    hoshi_web::serve(listener, router, shutdown_signal()).await?;
    Ok(())
}

pub fn run_serve(a: ServeArgs) -> Result<ExitCode> {
    init_tracing();
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        let app = App::with_keys(store, Arc::new(SystemClock), keys(&a.db.data)?);
        serve(app, a.addr, a.cookie_secure, &a.options, |local| println!("Hoshi is running at http://{local}/")).await
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_demo(a: DemoArgs) -> Result<ExitCode> {
    init_tracing();
    runtime()?.block_on(async {
        let db = DbArgs { data: a.data.clone(), database_url: None, read_database_url: None };
        let store = db.open().await?;
        let app = App::with_keys(store, Arc::new(SystemClock), keys(&a.data)?);
        let created = app.seed_demo().await.context("cannot seed the demo world")?;
        if a.extra_applicants > 0 && created > 0 {
            app.seed_applicants(a.extra_applicants).await.context("cannot seed the extra applicants")?;
        }
        if a.seed_only {
            println!("demo world in {} ({created} organisations created)", a.data.display());
            return Ok(());
        }
        serve(app, a.addr, CookieSecure::Auto, &a.options, |local| {
            println!(
                "Hoshi demo is running at http://{local}/   (data: {}{})",
                a.data.display(),
                if created == 0 { ", existing demo world" } else { "" }
            );
            println!();
            println!("Sign in as any of these (password for all: {}):", hoshi_app::demo::DEMO_PASSWORD);
            println!("デモ用ログイン（パスワードは共通: {}）:", hoshi_app::demo::DEMO_PASSWORD);
            for d in hoshi_app::demo::WORLD {
                println!("  {:<34} {} / {} — {}", d.email, d.what_ja, d.what_en, d.name_ja);
            }
            println!();
            println!("Stop with Ctrl-C.");
        })
        .await
    })?;
    Ok(ExitCode::SUCCESS)
}
