//! API tokens for machine clients, stored by hash; the plain token is shown once at creation.

use hoshi_core::org::TokenScope;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{map_unique, Conn, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// The first characters of the token, to recognise it in a list.
    pub prefix: String,
    pub scope: TokenScope,
    pub created_by: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, org_id, name, prefix, scope, created_by, created_at, last_used_at, revoked_at";

fn from_row(r: &AnyRow) -> Result<ApiToken> {
    let scope: String = r.try_get("scope")?;
    Ok(ApiToken {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        scope: TokenScope::parse(&scope).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut Conn,
    org_id: i64,
    name: &str,
    token_hash: &str,
    prefix: &str,
    scope: TokenScope,
    created_by: i64,
    now: i64,
) -> Result<ApiToken> {
    let row = sqlx::query(&format!(
        "INSERT INTO api_tokens (org_id, name, token_hash, prefix, scope, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
    ))
    .bind(org_id)
    .bind(name)
    .bind(token_hash)
    .bind(prefix)
    .bind(scope.key())
    .bind(created_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| map_unique(e, "token"))?;
    from_row(&row)
}

pub async fn list_for_org(conn: &mut Conn, org_id: i64) -> Result<Vec<ApiToken>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM api_tokens WHERE org_id = $1 ORDER BY created_at DESC, id DESC"))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// A live (not revoked) token by its hash; records `now` as its last use.
pub async fn use_live(conn: &mut Conn, token_hash: &str, now: i64) -> Result<Option<ApiToken>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"))
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut t = from_row(&row)?;
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(t.id).execute(&mut *conn).await?;
    t.last_used_at = Some(now);
    Ok(Some(t))
}

/// Revokes a token of this organisation. `NotFound` if it is not the organisation's;
/// `Ok(false)` if it was already revoked.
pub async fn revoke(conn: &mut Conn, org_id: i64, token_id: i64, now: i64) -> Result<bool> {
    let row = sqlx::query("SELECT revoked_at FROM api_tokens WHERE id = $1 AND org_id = $2")
        .bind(token_id)
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    if row.try_get::<Option<i64>, _>(0)?.is_some() {
        return Ok(false);
    }
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2").bind(now).bind(token_id).execute(&mut *conn).await?;
    Ok(true)
}
