//! People and their memberships in organisations.

use hoshi_core::org::MemberRole;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{map_unique, Conn, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub created_at: i64,
}

/// A person's place in one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub user_id: i64,
    pub org_id: i64,
    pub role: MemberRole,
}

fn from_row(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        password_hash: r.try_get("password_hash")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Inserts a user; emails are stored lower-cased. A taken email is `Duplicate`.
pub async fn insert(conn: &mut Conn, email: &str, display_name: &str, password_hash: &str, now: i64) -> Result<User> {
    let row = sqlx::query(
        "INSERT INTO users (email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id, email, display_name, password_hash, created_at",
    )
    .bind(email.to_lowercase())
    .bind(display_name)
    .bind(password_hash)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| map_unique(e, &format!("email {email}")))?;
    from_row(&row)
}

pub async fn by_email(conn: &mut Conn, email: &str) -> Result<Option<User>> {
    let row = sqlx::query("SELECT id, email, display_name, password_hash, created_at FROM users WHERE email = $1")
        .bind(email.trim().to_lowercase())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<User> {
    let row = sqlx::query("SELECT id, email, display_name, password_hash, created_at FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn set_password_hash(conn: &mut Conn, user_id: i64, hash: &str) -> Result<()> {
    let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user_id).execute(&mut *conn).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn add_membership(conn: &mut Conn, user_id: i64, org_id: i64, role: MemberRole, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO memberships (user_id, org_id, role, created_at) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(org_id)
        .bind(role.key())
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(|e| map_unique(e, "membership"))?;
    Ok(())
}

/// The user's memberships, oldest first (the first is the default organisation at sign-in).
pub async fn memberships(conn: &mut Conn, user_id: i64) -> Result<Vec<Membership>> {
    let rows = sqlx::query("SELECT user_id, org_id, role FROM memberships WHERE user_id = $1 ORDER BY created_at, org_id")
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(membership_from_row).collect()
}

fn membership_from_row(r: &AnyRow) -> Result<Membership> {
    let role: String = r.try_get("role")?;
    Ok(Membership {
        user_id: r.try_get("user_id")?,
        org_id: r.try_get("org_id")?,
        role: MemberRole::parse(&role).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

/// Members of an organisation with their user records, by email.
pub async fn members_of(conn: &mut Conn, org_id: i64) -> Result<Vec<(User, MemberRole)>> {
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.display_name, u.password_hash, u.created_at, m.role FROM users u \
         JOIN memberships m ON m.user_id = u.id WHERE m.org_id = $1 ORDER BY u.email",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            Ok((from_row(r)?, MemberRole::parse(&role).map_err(|e| StoreError::Corrupt(e.to_string()))?))
        })
        .collect()
}

/// Every user with the corporate numbers of their organisations, by email.
pub async fn list(conn: &mut Conn) -> Result<Vec<(User, Vec<(String, MemberRole)>)>> {
    let users: Vec<User> = sqlx::query("SELECT id, email, display_name, password_hash, created_at FROM users ORDER BY email")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_>>()?;
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        let rows = sqlx::query(
            "SELECT o.corporate_number, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.corporate_number",
        )
        .bind(u.id)
        .fetch_all(&mut *conn)
        .await?;
        let mut orgs = Vec::new();
        for r in rows {
            let role: String = r.try_get(1)?;
            orgs.push((r.try_get::<String, _>(0)?, MemberRole::parse(&role).map_err(|e| StoreError::Corrupt(e.to_string()))?));
        }
        out.push((u, orgs));
    }
    Ok(out)
}
