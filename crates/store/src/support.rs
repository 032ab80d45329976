//! Expert support for SMEs: programmes (granted by the registry operator to an organisation for
//! regions and a fiscal year), requests, the expert matched and the sessions held. Rows only.

use crate::{Conn, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Programme {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    /// Prefecture codes `01`–`47`, comma-separated; empty for nationwide.
    pub regions: String,
    pub fiscal_year: i64,
    pub budget_hours: i64,
    pub granted_by: String,
    pub granted_at: i64,
    pub revoked_at: Option<i64>,
}

const PROGRAMME_COLS: &str = "id, org_id, name, regions, fiscal_year, budget_hours, granted_by, granted_at, revoked_at";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Request {
    pub id: i64,
    pub org_id: i64,
    pub programme_id: Option<i64>,
    /// Prefecture code `01`–`47`.
    pub prefecture: String,
    pub industry: String,
    pub employees: i64,
    pub target_level: i64,
    pub needs: String,
    pub fiscal_year: i64,
    /// `requested`, `matched`, `closed` or `withdrawn`.
    pub status: String,
    pub expert_org_id: Option<i64>,
    pub matched_by: Option<i64>,
    pub matched_at: Option<i64>,
    pub outcome_level: Option<i64>,
    /// YYYY-MM-DD.
    pub outcome_date: Option<String>,
    pub outcome_note: String,
    pub created_by: i64,
    pub created_at: i64,
    pub closed_at: Option<i64>,
}

const REQUEST_COLS: &str = "id, org_id, programme_id, prefecture, industry, employees, target_level, needs, fiscal_year, status, expert_org_id, matched_by, matched_at, outcome_level, outcome_date, outcome_note, created_by, created_at, closed_at";

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub request_id: i64,
    pub held_on: String,
    pub hours: i64,
    pub note: String,
    pub recorded_by: i64,
    pub recorded_at: i64,
}

pub async fn insert_programme(conn: &mut Conn, p: &Programme) -> Result<Programme> {
    Ok(sqlx::query_as::<_, Programme>(&format!(
        "INSERT INTO support_programmes (org_id, name, regions, fiscal_year, budget_hours, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {PROGRAMME_COLS}"
    ))
    .bind(p.org_id)
    .bind(&p.name)
    .bind(&p.regions)
    .bind(p.fiscal_year)
    .bind(p.budget_hours)
    .bind(&p.granted_by)
    .bind(p.granted_at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn revoke_programme(conn: &mut Conn, id: i64, at: i64) -> Result<()> {
    sqlx::query("UPDATE support_programmes SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn programmes(conn: &mut Conn) -> Result<Vec<Programme>> {
    Ok(sqlx::query_as::<_, Programme>(&format!("SELECT {PROGRAMME_COLS} FROM support_programmes ORDER BY fiscal_year DESC, id"))
        .fetch_all(&mut *conn)
        .await?)
}

pub async fn programme(conn: &mut Conn, id: i64) -> Result<Programme> {
    sqlx::query_as::<_, Programme>(&format!("SELECT {PROGRAMME_COLS} FROM support_programmes WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn insert_request(conn: &mut Conn, r: &Request) -> Result<Request> {
    Ok(sqlx::query_as::<_, Request>(&format!(
        "INSERT INTO support_requests (org_id, programme_id, prefecture, industry, employees, target_level, needs, fiscal_year, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {REQUEST_COLS}"
    ))
    .bind(r.org_id)
    .bind(r.programme_id)
    .bind(&r.prefecture)
    .bind(&r.industry)
    .bind(r.employees)
    .bind(r.target_level)
    .bind(&r.needs)
    .bind(r.fiscal_year)
    .bind(&r.status)
    .bind(r.created_by)
    .bind(r.created_at)
    .fetch_one(&mut *conn)
    .await?)
}

/// Saves a request's programme, status, match and outcome.
pub async fn update_request(conn: &mut Conn, r: &Request) -> Result<()> {
    sqlx::query(
        "UPDATE support_requests SET programme_id = $1, status = $2, expert_org_id = $3, matched_by = $4, matched_at = $5, outcome_level = $6, outcome_date = $7, outcome_note = $8, closed_at = $9 WHERE id = $10",
    )
    .bind(r.programme_id)
    .bind(&r.status)
    .bind(r.expert_org_id)
    .bind(r.matched_by)
    .bind(r.matched_at)
    .bind(r.outcome_level)
    .bind(&r.outcome_date)
    .bind(&r.outcome_note)
    .bind(r.closed_at)
    .bind(r.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn request(conn: &mut Conn, id: i64) -> Result<Request> {
    sqlx::query_as::<_, Request>(&format!("SELECT {REQUEST_COLS} FROM support_requests WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Requests by one column's value (`org_id`, `expert_org_id` or `programme_id`), newest first.
pub async fn requests_by(conn: &mut Conn, column: RequestColumn, value: i64) -> Result<Vec<Request>> {
    let col = match column {
        RequestColumn::Org => "org_id",
        RequestColumn::Expert => "expert_org_id",
        RequestColumn::Programme => "programme_id",
    };
    Ok(sqlx::query_as::<_, Request>(&format!("SELECT {REQUEST_COLS} FROM support_requests WHERE {col} = $1 ORDER BY id DESC"))
        .bind(value)
        .fetch_all(&mut *conn)
        .await?)
}

#[derive(Debug, Clone, Copy)]
pub enum RequestColumn {
    Org,
    Expert,
    Programme,
}

/// Every request (for the operator's figures), oldest first.
pub async fn all_requests(conn: &mut Conn) -> Result<Vec<Request>> {
    Ok(sqlx::query_as::<_, Request>(&format!("SELECT {REQUEST_COLS} FROM support_requests ORDER BY id")).fetch_all(&mut *conn).await?)
}

pub async fn add_session(conn: &mut Conn, s: &Session) -> Result<Session> {
    Ok(sqlx::query_as::<_, Session>(
        "INSERT INTO support_sessions (request_id, held_on, hours, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) \
         RETURNING id, request_id, held_on, hours, note, recorded_by, recorded_at",
    )
    .bind(s.request_id)
    .bind(&s.held_on)
    .bind(s.hours)
    .bind(&s.note)
    .bind(s.recorded_by)
    .bind(s.recorded_at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn sessions(conn: &mut Conn, request_id: i64) -> Result<Vec<Session>> {
    Ok(sqlx::query_as::<_, Session>(
        "SELECT id, request_id, held_on, hours, note, recorded_by, recorded_at FROM support_sessions WHERE request_id = $1 ORDER BY held_on, id",
    )
    .bind(request_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Hours recorded per request: (request id, total hours).
pub async fn hours_by_request(conn: &mut Conn) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as::<_, (i64, i64)>("SELECT request_id, CAST(SUM(hours) AS BIGINT) FROM support_sessions GROUP BY request_id")
        .fetch_all(&mut *conn)
        .await?)
}

/// Hours recorded per programme: (programme id, total hours).
pub async fn hours_by_programme(conn: &mut Conn) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as::<_, (i64, i64)>(
        "SELECT r.programme_id, CAST(SUM(s.hours) AS BIGINT) FROM support_sessions s JOIN support_requests r ON r.id = s.request_id \
         WHERE r.programme_id IS NOT NULL GROUP BY r.programme_id",
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// The number of open (matched, not closed) requests of each expert organisation.
pub async fn open_load(conn: &mut Conn) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as::<_, (i64, i64)>(
        "SELECT expert_org_id, COUNT(*) FROM support_requests WHERE status = 'matched' AND expert_org_id IS NOT NULL GROUP BY expert_org_id",
    )
    .fetch_all(&mut *conn)
    .await?)
}
