//! The audit trail's rows (migration 9). The app computes each entry's hash (core::audit); the
//! store appends it behind the chain's end, which it locks first, so appends never interleave.

use crate::{Conn, Result};

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_user: Option<i64>,
    pub actor: String,
    pub actor_org: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

const COLS: &str = "seq, at, actor_user, actor, actor_org, action, target, detail, prev_hash, hash";

/// The chain's end (last seq, its hash), locked until the transaction ends: on PostgreSQL the
/// update takes the row lock; on SQLite the transaction already holds the write lock.
pub async fn lock_head(conn: &mut Conn) -> Result<(i64, String)> {
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(&mut *conn).await?;
    let row: (i64, String) = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&mut *conn).await?;
    Ok(row)
}

/// Appends `row` (its seq one past the locked head) and moves the head to it.
pub async fn append(conn: &mut Conn, row: &AuditRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_user, actor, actor_org, action, target, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(row.seq)
    .bind(row.at)
    .bind(row.actor_user)
    .bind(&row.actor)
    .bind(&row.actor_org)
    .bind(&row.action)
    .bind(&row.target)
    .bind(&row.detail)
    .bind(&row.prev_hash)
    .bind(&row.hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1").bind(row.seq).bind(&row.hash).execute(&mut *conn).await?;
    Ok(())
}

/// What the operator searches for: an action key, words in the actor, target or details, and
/// a time range (Unix seconds, inclusive).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub text: Option<String>,
    pub from: Option<i64>,
    pub until: Option<i64>,
}

/// Matching entries, newest first, and how many match in all.
pub async fn search(conn: &mut Conn, f: &AuditFilter, limit: i64, offset: i64) -> Result<(Vec<AuditRow>, i64)> {
    let mut clauses = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if f.action.is_some() {
        clauses.push(format!("action = {}", next()));
    }
    if f.text.is_some() {
        let (a, b, c) = (next(), next(), next());
        clauses.push(format!("(actor LIKE {a} ESCAPE '\\' OR target LIKE {b} ESCAPE '\\' OR detail LIKE {c} ESCAPE '\\')"));
    }
    if f.from.is_some() {
        clauses.push(format!("at >= {}", next()));
    }
    if f.until.is_some() {
        clauses.push(format!("at <= {}", next()));
    }
    let (limit_p, offset_p) = (next(), next());
    let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let like = f.text.as_ref().map(|t| format!("%{}%", t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    macro_rules! bind_filter {
        ($q:expr) => {{
            let mut q = $q;
            if let Some(a) = &f.action {
                q = q.bind(a.clone());
            }
            if let Some(l) = &like {
                q = q.bind(l.clone()).bind(l.clone()).bind(l.clone());
            }
            if let Some(t) = f.from {
                q = q.bind(t);
            }
            if let Some(t) = f.until {
                q = q.bind(t);
            }
            q
        }};
    }
    let rows_sql = format!("SELECT {COLS} FROM audit_log {filter} ORDER BY seq DESC LIMIT {limit_p} OFFSET {offset_p}");
    let count_sql = format!("SELECT COUNT(*) FROM audit_log {filter}");
    let rows = bind_filter!(sqlx::query_as::<_, AuditRow>(&rows_sql)).bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    let total: i64 = bind_filter!(sqlx::query_scalar::<_, i64>(&count_sql)).fetch_one(&mut *conn).await?;
    Ok((rows, total))
}

/// Entries `from..=to` by seq, oldest first (for checking the chain in pages).
pub async fn range(conn: &mut Conn, from: i64, to: i64) -> Result<Vec<AuditRow>> {
    Ok(sqlx::query_as::<_, AuditRow>(&format!("SELECT {COLS} FROM audit_log WHERE seq >= $1 AND seq <= $2 ORDER BY seq"))
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?)
}

/// The chain's end as recorded (last seq and hash).
pub async fn head(conn: &mut Conn) -> Result<(i64, String)> {
    Ok(sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&mut *conn).await?)
}
