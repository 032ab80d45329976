//! Hoshi's persistence: one code path for embedded SQLite (the default) and PostgreSQL.
//!
//! Queries are portable SQL run through sqlx's `Any` driver with `$1, $2, …` placeholders, used
//! in ascending order (both databases accept them). Migrations are portable SQL too, with two
//! placeholders (`{id}`, `{blob}`) expanded per database, applied in order at start and
//! recorded in `schema_migrations`.
//!
//! This crate runs queries and maps rows; it makes no decisions and checks no permissions. The
//! `app` crate opens transactions ([`Store::begin`]) and calls the functions of the modules
//! below with them.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Row};

pub mod assessments;
pub mod audit;
pub mod bulk;
pub mod invitations;
pub mod library;
pub mod limits;
pub mod negotiations;
pub mod orgs;
pub mod plans;
pub mod registry;
pub mod sessions;
pub mod suppliers;
pub mod support;
pub mod testing;
pub mod tokens;
pub mod trust;
pub mod users;

/// A transaction, the unit every use case runs in.
pub type Tx = sqlx::Transaction<'static, Any>;
/// A connection or transaction to run queries on.
pub type Conn = sqlx::AnyConnection;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What went wrong in storage, in terms the use cases can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the row (e.g. a corporate number or email already taken).
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("not found")]
    NotFound,
    #[error("the database URL {0:?} is not supported: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

/// sqlx itself, for tests that must reach under the store (e.g. to tamper with the log).
pub use sqlx;
/// sqlx's error, for callers that need to name it.
pub use sqlx::Error as SqlxError;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a unique-constraint violation to [`StoreError::Duplicate`] naming what was duplicated.
pub(crate) fn map_unique(e: sqlx::Error, what: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return StoreError::Duplicate(what.to_owned());
        }
    }
    StoreError::Db(e)
}

/// The migrations, in order. Each is applied once, in its own transaction.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "platform", include_str!("../migrations/0001_platform.sql")),
    (2, "assessment", include_str!("../migrations/0002_assessment.sql")),
    (3, "registry", include_str!("../migrations/0003_registry.sql")),
    (4, "suppliers", include_str!("../migrations/0004_suppliers.sql")),
    (5, "negotiations", include_str!("../migrations/0005_negotiations.sql")),
    (6, "trust", include_str!("../migrations/0006_trust.sql")),
    (7, "supplier_unknown", include_str!("../migrations/0007_supplier_unknown.sql")),
    (8, "national", include_str!("../migrations/0008_national.sql")),
    (9, "audit", include_str!("../migrations/0009_audit.sql")),
    (10, "name_changes", include_str!("../migrations/0010_name_changes.sql")),
    (11, "sign_in_failures", include_str!("../migrations/0011_sign_in_failures.sql")),
    (12, "sme_path", include_str!("../migrations/0012_sme_path.sql")),
];

/// The tables whose rows the database itself refuses to change or remove (migration 9).
pub const APPEND_ONLY_TABLES: &[&str] =
    &["log_entries", "log_hashes", "log_checkpoints", "negotiation_steps", "audit_log", "org_verifications", "accreditation_decisions"];

/// A migration's statements for one backend. Lines `-- @sqlite`, `-- @postgres` and `-- @all`
/// start a section for that backend (trigger syntax differs); other whole-line `--` comments are
/// dropped. Statements end at `;`, except inside a `$$` body (PostgreSQL functions) or a
/// `CREATE TRIGGER … BEGIN … END;` (SQLite triggers).
fn statements(sql: &str, backend: Backend) -> Vec<String> {
    let mut active = true;
    let mut code = String::new();
    for line in sql.lines() {
        let t = line.trim();
        match t {
            "-- @sqlite" => active = backend == Backend::Sqlite,
            "-- @postgres" => active = backend == Backend::Postgres,
            "-- @all" => active = true,
            _ if t.starts_with("--") => {}
            _ if active => {
                code.push_str(line);
                code.push('\n');
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_dollar = false;
    let mut rest = code.as_str();
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("$$") {
            in_dollar = !in_dollar;
            current.push_str("$$");
            rest = &rest[2..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if c == ';' && !in_dollar {
            let upper = current.trim_start().to_ascii_uppercase();
            let in_trigger_body = upper.starts_with("CREATE TRIGGER") && upper.contains(" BEGIN") && !upper.trim_end().ends_with("END");
            if !in_trigger_body {
                if !current.trim().is_empty() {
                    out.push(current.trim().to_owned());
                }
                current.clear();
                continue;
            }
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// The connection pool and which database it talks to.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// A read-only replica for the public registry's reads, if configured.
    read: Option<AnyPool>,
    /// Counts write transactions begun through this store (see [`Store::generation`]).
    writes: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// The advisory-lock key of the log's sequencer ("HOSHI" in ASCII).
const SEQUENCER_LOCK: i64 = 0x48_4f_53_48_49;

/// The right to sequence the log (see [`Store::hold_sequencer_lease`]): on PostgreSQL a
/// connection of its own, kept between tries, and whether it holds the lock.
#[derive(Default)]
pub struct SequencerLease {
    conn: Option<Conn>,
    held: bool,
}

impl SequencerLease {
    /// Whether the lease was held at its last check.
    pub fn is_held(&self) -> bool {
        self.held
    }
}

impl Store {
    /// Opens the embedded SQLite database `hoshi.db` in `dir`, creating both if needed.
    pub async fn open_dir(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        let path = dir.join("hoshi.db");
        // Password hashes, evidence and the log live here: readable by the owner only (SQLite
        // gives its -wal and -shm files the database file's mode).
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            let io = |e| StoreError::Db(sqlx::Error::Io(e));
            std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(&path).map_err(io)?;
            for f in [path.clone(), dir.join("hoshi.db-wal"), dir.join("hoshi.db-shm")] {
                if f.exists() {
                    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
                }
            }
        }
        Store::connect(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    /// Connects to `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Per connection: enforce foreign keys, wait for the writer rather than fail,
                        // and sync the WAL at every commit: an acknowledged change, and a checkpoint
                        // already signed and served, survive power loss (NORMAL could roll them back).
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        if backend == Backend::Sqlite {
            // WAL is a property of the database file: set once, kept.
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        Ok(Store { pool, backend, read: None, writes: Default::default() })
    }

    /// Keeps, or tries to take, the right to be the one server that sequences the log; returns
    /// whether this process holds it now. On PostgreSQL it is a session-level advisory lock on a
    /// connection of the lease's own (opened once, reused by every try): when the holding
    /// process dies its connection closes and the lock is free for another server's next try;
    /// a holder whose connection fails loses the lease at once. On SQLite (one file, one
    /// machine) every process may sequence: the database's single writer and the `log_lock` row
    /// keep them from overlapping.
    pub async fn hold_sequencer_lease(&self, lease: &mut SequencerLease) -> Result<bool> {
        if self.backend == Backend::Sqlite {
            lease.held = true;
            return Ok(true);
        }
        let conn = match &mut lease.conn {
            Some(c) => c,
            None => {
                lease.held = false;
                lease.conn.insert(self.pool.acquire().await?.detach())
            }
        };
        let now = if lease.held {
            sqlx::query("SELECT 1").execute(&mut *conn).await.map(|_| true)
        } else {
            sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(SEQUENCER_LOCK).fetch_one(&mut *conn).await
        };
        match now {
            Ok(held) => {
                lease.held = held;
                Ok(held)
            }
            Err(e) => {
                (lease.conn, lease.held) = (None, false);
                Err(e.into())
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A consistent copy of the SQLite database in a new file, taken while the server runs
    /// (`VACUUM INTO` reads one snapshot; writers are not blocked). PostgreSQL is backed up with
    /// `pg_dump` instead (see `hoshi backup`).
    pub async fn snapshot_sqlite(&self, to: &Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Corrupt("a snapshot file is for SQLite; back up PostgreSQL with pg_dump".into()));
        }
        if to.exists() {
            return Err(StoreError::Duplicate(format!("{} already exists", to.display())));
        }
        sqlx::query("VACUUM INTO $1").bind(to.to_string_lossy().into_owned()).execute(&self.pool).await?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o600)).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        }
        std::fs::File::open(to).and_then(|f| f.sync_all()).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        Ok(())
    }

    /// Sends the public registry's reads (company pages and JSON, search, bulk verification,
    /// certificates, checkpoints, tiles and proofs) to a read-only replica of this database, e.g.
    /// a PostgreSQL streaming standby. Those reads may then lag the primary by the replication
    /// delay; everything that writes, and everything behind a sign-in, stays on the primary.
    pub async fn with_read_replica(mut self, url: &str) -> Result<Store> {
        let replica = Store::connect(url).await?;
        if replica.backend != self.backend {
            return Err(StoreError::UnsupportedUrl(format!("{url}: a replica must be the same kind of database as the primary")));
        }
        self.read = Some(replica.pool);
        Ok(self)
    }

    /// Changes whenever a write transaction begins through this store (any clone of it): a
    /// value read before is possibly out of date. Writes by other processes do not show here.
    pub fn generation(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The pool for public registry reads: the replica if there is one, else the primary.
    pub fn read_pool(&self) -> &AnyPool {
        self.read.as_ref().unwrap_or(&self.pool)
    }

    /// Starts a transaction. On SQLite it takes the write lock at once (waiting up to the busy
    /// timeout): a deferred transaction that reads and then writes would otherwise fail with
    /// SQLITE_BUSY_SNAPSHOT whenever another connection committed in between, without waiting.
    pub async fn begin(&self) -> Result<Tx> {
        self.writes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Sqlite {
            // A write statement that changes nothing still starts the write transaction.
            tx.execute("UPDATE schema_migrations SET name = name WHERE version = -1").await?;
        }
        Ok(tx)
    }

    fn expand(&self, sql: &str) -> String {
        let (id, blob) = match self.backend {
            Backend::Sqlite => ("INTEGER PRIMARY KEY", "BLOB"),
            Backend::Postgres => ("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "BYTEA"),
        };
        sql.replace("{id}", id).replace("{blob}", blob)
    }

    /// Applies every migration not yet applied. Safe to run from several processes: on
    /// PostgreSQL an advisory lock serialises them; on SQLite the write lock does.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            conn.execute("SELECT pg_advisory_lock(7262001)").await?;
        }
        let result = self.migrate_locked(&mut conn).await;
        if self.backend == Backend::Postgres {
            conn.execute("SELECT pg_advisory_unlock(7262001)").await?;
        }
        result
    }

    async fn migrate_locked(&self, conn: &mut Conn) -> Result<Vec<i64>> {
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
        let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<Result<_, _>>()?;
        let mut done = Vec::new();
        for (version, name, sql) in MIGRATIONS {
            if applied.contains(version) {
                continue;
            }
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            for stmt in statements(&self.expand(sql), self.backend) {
                tx.execute(stmt.as_str()).await?;
            }
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(*version)
                .bind(*name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version, name, "applied migration");
            done.push(*version);
        }
        Ok(done)
    }

    /// Whether the database answers and every migration this build knows is applied.
    pub async fn ready(&self) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) FROM schema_migrations").fetch_one(&self.pool).await?;
        let n: i64 = row.try_get(0)?;
        Ok(n as usize >= MIGRATIONS.len())
    }
}

/// Parameter `n` of a statement whose parameters appear in increasing order: `?` on SQLite,
/// `$n` on PostgreSQL. SQLite finds a named or numbered parameter (`$n`, `?n`) by walking the
/// statement's list of names, and sqlx asks for every parameter's name, so a 9,500-parameter
/// insert cost quadratic time (a 100,000-row import: 24 s, 94% in `sqlite3_bind_parameter_name`);
/// plain `?` has no name to look up.
pub(crate) fn param(conn: &Conn, n: usize) -> String {
    if conn.backend_name() == "SQLite" {
        "?".to_owned()
    } else {
        format!("${n}")
    }
}

/// `(?, …)` groups for a multi-row statement: `rows` groups of `width` parameters numbered from
/// `first`, written as [`param`] does. The statement's other parameters must all come before
/// (numbered below `first`) or after, in the order they appear.
pub(crate) fn placeholders(conn: &Conn, first: usize, rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * width * 6);
    for r in 0..rows {
        if width > 1 {
            out.push_str(if r == 0 { "(" } else { ", (" });
        } else if r > 0 {
            out.push_str(", ");
        }
        for c in 0..width {
            if c > 0 {
                out.push_str(", ");
            }
            out.push_str(&param(conn, first + r * width + c));
        }
        if width > 1 {
            out.push(')');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_split_into_statements_per_backend() {
        let sql = "CREATE TABLE a (x TEXT);\n-- a comment; with a semicolon\nINSERT INTO a VALUES ('1');\n\
                   -- @sqlite\nCREATE TRIGGER t BEFORE UPDATE ON a BEGIN SELECT RAISE(ABORT, 'no'); END;\n\
                   -- @postgres\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  RAISE EXCEPTION 'no';\nEND\n$$;\n\
                   CREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f();\n-- @all\nCREATE INDEX i ON a (x);";
        let lite = statements(sql, Backend::Sqlite);
        assert_eq!(lite.len(), 4, "{lite:#?}");
        assert!(lite[2].starts_with("CREATE TRIGGER t") && lite[2].ends_with("END"), "{}", lite[2]);
        assert_eq!(lite[3], "CREATE INDEX i ON a (x)");
        let pg = statements(sql, Backend::Postgres);
        assert_eq!(pg.len(), 5, "{pg:#?}");
        assert!(pg[2].contains("RAISE EXCEPTION 'no';") && pg[2].ends_with("$$"), "{}", pg[2]);
        assert!(pg[3].contains("EXECUTE FUNCTION f()"));
        assert_eq!(lite[0], "CREATE TABLE a (x TEXT)");
    }
}
