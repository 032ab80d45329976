//! Failed sign-ins per key (migration 11), for the app's sign-in limiter: counted in a window
//! that starts at a key's first failure.

use crate::{placeholders, Conn, Result};

/// `(key, failures, first failure)` of the keys that have any.
pub async fn failures(conn: &mut Conn, keys: &[String]) -> Result<Vec<(String, i64, i64)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT key, count, first_at FROM sign_in_failures WHERE key IN ({})", placeholders(conn, 1, keys.len(), 1));
    let mut q = sqlx::query_as::<_, (String, i64, i64)>(&sql);
    for k in keys {
        q = q.bind(k);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

/// One more failure under each key; a key whose window (`window` seconds from its first
/// failure) has passed starts again at one. Windows long past are forgotten.
pub async fn add_failure(conn: &mut Conn, keys: &[String], now: i64, window: i64) -> Result<()> {
    for k in keys {
        sqlx::query(
            "INSERT INTO sign_in_failures (key, count, first_at) VALUES ($1, 1, $2) ON CONFLICT (key) DO UPDATE SET \
             count = CASE WHEN sign_in_failures.first_at <= $3 THEN 1 ELSE sign_in_failures.count + 1 END, \
             first_at = CASE WHEN sign_in_failures.first_at <= $4 THEN excluded.first_at ELSE sign_in_failures.first_at END",
        )
        .bind(k)
        .bind(now)
        .bind(now - window)
        .bind(now - window)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("DELETE FROM sign_in_failures WHERE first_at < $1").bind(now - window).execute(&mut *conn).await?;
    Ok(())
}

/// Forgets the keys (after a successful sign-in).
pub async fn clear(conn: &mut Conn, keys: &[String]) -> Result<()> {
    for k in keys {
        sqlx::query("DELETE FROM sign_in_failures WHERE key = $1").bind(k).execute(&mut *conn).await?;
    }
    Ok(())
}
