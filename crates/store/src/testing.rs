//! Fresh databases for tests: one SQLite file in a temporary folder, and — when
//! `HOSHI_TEST_POSTGRES_URL` names a server — one new PostgreSQL database per call.
//!
//! Set `HOSHI_REQUIRE_POSTGRES=1` (the test command does) to make a missing PostgreSQL an error
//! instead of a silent SQLite-only run.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Executor;

use crate::Store;

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// A migrated, empty store on embedded SQLite in a new temporary folder.
pub async fn sqlite() -> Store {
    let dir = std::env::temp_dir().join(unique("hoshi_test"));
    let store = Store::open_dir(&dir).await.expect("open sqlite");
    store.migrate().await.expect("migrate sqlite");
    store
}

/// A migrated, empty store in a new PostgreSQL database, if a server is configured.
///
/// # Panics
/// When `HOSHI_REQUIRE_POSTGRES=1` and no server is configured or reachable.
pub async fn postgres() -> Option<Store> {
    let url = postgres_url().await?;
    let store = Store::connect(&url).await.expect("connect new database");
    store.migrate().await.expect("migrate postgres");
    Some(store)
}

/// The URL of a new, empty PostgreSQL database, if a server is configured (for tests that start
/// `hoshi serve` processes on it).
///
/// # Panics
/// When `HOSHI_REQUIRE_POSTGRES=1` and no server is configured or reachable.
pub async fn postgres_url() -> Option<String> {
    let required = std::env::var("HOSHI_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let Ok(base) = std::env::var("HOSHI_TEST_POSTGRES_URL") else {
        assert!(!required, "HOSHI_REQUIRE_POSTGRES=1 but HOSHI_TEST_POSTGRES_URL is not set");
        return None;
    };
    let admin = Store::connect(&base).await.unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {base}: {e}"));
    let name = unique("hoshi_t");
    admin.pool().execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create database");
    admin.pool().close().await;
    let (head, _) = base.rsplit_once('/').expect("URL with a database name");
    Some(format!("{head}/{name}"))
}

/// One fresh store per configured backend: SQLite always, PostgreSQL when configured.
pub async fn all() -> Vec<Store> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

/// Drops the database's append-only guards (migration 9), as an insider with the right to
/// change the schema could, so that a test can tamper with rows and show what notices.
pub async fn drop_append_only_guards(store: &Store) {
    for t in crate::APPEND_ONLY_TABLES {
        let statements = match store.backend() {
            crate::Backend::Sqlite => {
                vec![format!("DROP TRIGGER IF EXISTS {t}_no_update"), format!("DROP TRIGGER IF EXISTS {t}_no_delete")]
            }
            crate::Backend::Postgres => {
                vec![format!("DROP TRIGGER IF EXISTS {t}_append_only ON {t}"), format!("DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}")]
            }
        };
        for s in statements {
            store.pool().execute(s.as_str()).await.expect("drop guard");
        }
    }
}
