//! Invitations of a person (by email) into an organisation; accepted once, by token.

use hoshi_core::org::MemberRole;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{map_unique, Conn, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub org_id: i64,
    pub email: String,
    pub role: MemberRole,
    pub invited_by: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
}

const COLUMNS: &str = "id, org_id, email, role, invited_by, created_at, expires_at, accepted_at";

fn from_row(r: &AnyRow) -> Result<Invitation> {
    let role: String = r.try_get("role")?;
    Ok(Invitation {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        email: r.try_get("email")?,
        role: MemberRole::parse(&role).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        invited_by: r.try_get("invited_by")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        accepted_at: r.try_get("accepted_at")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut Conn,
    org_id: i64,
    email: &str,
    role: MemberRole,
    token_hash: &str,
    invited_by: i64,
    now: i64,
    expires_at: i64,
) -> Result<Invitation> {
    let row = sqlx::query(&format!(
        "INSERT INTO invitations (org_id, email, role, token_hash, invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(org_id)
    .bind(email.trim().to_lowercase())
    .bind(role.key())
    .bind(token_hash)
    .bind(invited_by)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| map_unique(e, "invitation"))?;
    from_row(&row)
}

/// An open invitation (not accepted, not expired at `now`) by token hash.
pub async fn open_by_hash(conn: &mut Conn, token_hash: &str, now: i64) -> Result<Option<Invitation>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM invitations WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2"))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn mark_accepted(conn: &mut Conn, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn list_for_org(conn: &mut Conn, org_id: i64) -> Result<Vec<Invitation>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM invitations WHERE org_id = $1 ORDER BY created_at DESC, id DESC"))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}
