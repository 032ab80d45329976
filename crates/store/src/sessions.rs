//! Server-side sessions, stored by the SHA-256 of their cookie value (never the value itself).

use sqlx::Row;

use crate::{Conn, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: i64,
    pub org_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

pub async fn insert(conn: &mut Conn, id_hash: &str, s: &Session) -> Result<()> {
    sqlx::query("INSERT INTO sessions (id_hash, user_id, org_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id_hash)
        .bind(s.user_id)
        .bind(s.org_id)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.expires_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The session with this hash if it has not expired at `now`.
pub async fn get_live(conn: &mut Conn, id_hash: &str, now: i64) -> Result<Option<Session>> {
    let row =
        sqlx::query("SELECT user_id, org_id, csrf_token, created_at, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2")
            .bind(id_hash)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(|r| {
        Ok(Session {
            user_id: r.try_get(0)?,
            org_id: r.try_get(1)?,
            csrf_token: r.try_get(2)?,
            created_at: r.try_get(3)?,
            expires_at: r.try_get(4)?,
        })
    })
    .transpose()
}

pub async fn delete(conn: &mut Conn, id_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&mut *conn).await?;
    Ok(())
}

/// Ends every session of a user (after a password reset).
pub async fn delete_for_user(conn: &mut Conn, user_id: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?.rows_affected())
}

pub async fn delete_expired(conn: &mut Conn, now: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&mut *conn).await?.rows_affected())
}
