//! Organisations and the roles they play.

use hoshi_core::org::{Industry, OrgRole, Prefecture};
use hoshi_core::CorporateNumber;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{map_unique, Conn, Result, StoreError};

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: i64,
    pub corporate_number: CorporateNumber,
    pub name_ja: String,
    pub name_en: String,
    pub prefecture: Prefecture,
    pub address: String,
    pub industry: Industry,
    pub employees: Option<u64>,
    pub capital_yen: Option<u64>,
    pub roles: Vec<OrgRole>,
    pub created_at: i64,
}

/// What a new organisation needs.
#[derive(Debug, Clone)]
pub struct NewOrg {
    pub corporate_number: CorporateNumber,
    pub name_ja: String,
    pub name_en: String,
    pub prefecture: Prefecture,
    pub address: String,
    pub industry: Industry,
    pub employees: Option<u64>,
    pub capital_yen: Option<u64>,
    pub roles: Vec<OrgRole>,
}

const COLUMNS: &str = "id, corporate_number, name_ja, name_en, prefecture, address, industry, employees, capital_yen, created_at";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn from_row(r: &AnyRow) -> Result<Org> {
    let cn: String = r.try_get("corporate_number")?;
    let pref: String = r.try_get("prefecture")?;
    let ind: String = r.try_get("industry")?;
    Ok(Org {
        id: r.try_get("id")?,
        corporate_number: CorporateNumber::parse(&cn).map_err(|e| corrupt("corporate number", e))?,
        name_ja: r.try_get("name_ja")?,
        name_en: r.try_get("name_en")?,
        prefecture: Prefecture::parse(&pref).map_err(|e| corrupt("prefecture", e))?,
        address: r.try_get("address")?,
        industry: Industry::parse(&ind).map_err(|e| corrupt("industry", e))?,
        employees: r.try_get::<Option<i64>, _>("employees")?.map(|v| v.max(0) as u64),
        capital_yen: r.try_get::<Option<i64>, _>("capital_yen")?.map(|v| v.max(0) as u64),
        roles: Vec::new(),
        created_at: r.try_get("created_at")?,
    })
}

async fn with_roles(conn: &mut Conn, mut org: Org) -> Result<Org> {
    let rows =
        sqlx::query("SELECT role FROM organization_roles WHERE org_id = $1 ORDER BY role").bind(org.id).fetch_all(&mut *conn).await?;
    for r in rows {
        let key: String = r.try_get(0)?;
        org.roles.push(OrgRole::parse(&key).map_err(|e| corrupt("role", e))?);
    }
    org.roles.sort();
    Ok(org)
}

fn to_i64(v: Option<u64>) -> Option<i64> {
    v.map(|x| i64::try_from(x).unwrap_or(i64::MAX))
}

/// Inserts an organisation with its roles. A taken corporate number is `Duplicate`.
pub async fn insert(conn: &mut Conn, new: &NewOrg, now: i64) -> Result<Org> {
    let row = sqlx::query(&format!(
        "INSERT INTO organizations (corporate_number, name_ja, name_en, prefecture, address, industry, employees, capital_yen, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
    ))
    .bind(new.corporate_number.to_string())
    .bind(&new.name_ja)
    .bind(&new.name_en)
    .bind(new.prefecture.name_ja())
    .bind(&new.address)
    .bind(new.industry.key())
    .bind(to_i64(new.employees))
    .bind(to_i64(new.capital_yen))
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| map_unique(e, &format!("corporate number {}", new.corporate_number)))?;
    let org = from_row(&row)?;
    for role in &new.roles {
        sqlx::query("INSERT INTO organization_roles (org_id, role) VALUES ($1, $2)")
            .bind(org.id)
            .bind(role.key())
            .execute(&mut *conn)
            .await?;
    }
    with_roles(conn, org).await
}

/// Updates the editable profile fields.
pub async fn update_profile(conn: &mut Conn, org: &Org) -> Result<()> {
    let done = sqlx::query(
        "UPDATE organizations SET name_ja = $1, name_en = $2, prefecture = $3, address = $4, industry = $5, employees = $6, capital_yen = $7 WHERE id = $8",
    )
    .bind(&org.name_ja)
    .bind(&org.name_en)
    .bind(org.prefecture.name_ja())
    .bind(&org.address)
    .bind(org.industry.key())
    .bind(to_i64(org.employees))
    .bind(to_i64(org.capital_yen))
    .bind(org.id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Org> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM organizations WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    with_roles(conn, from_row(&row)?).await
}

pub async fn by_corporate_number(conn: &mut Conn, cn: &CorporateNumber) -> Result<Option<Org>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM organizations WHERE corporate_number = $1"))
        .bind(cn.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => Ok(Some(with_roles(conn, from_row(&r)?).await?)),
        None => Ok(None),
    }
}

/// Every organisation, by corporate number.
pub async fn list(conn: &mut Conn) -> Result<Vec<Org>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM organizations ORDER BY corporate_number")).fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(with_roles(conn, from_row(&r)?).await?);
    }
    Ok(out)
}

/// These organisations with their roles, in two queries per 500 ids (a page of the registry).
/// The organisations that play a role.
pub async fn with_role(conn: &mut Conn, role: OrgRole) -> Result<Vec<Org>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM organizations WHERE id IN (SELECT org_id FROM organization_roles WHERE role = $1) ORDER BY corporate_number"
    ))
    .bind(role.key())
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(with_roles(conn, from_row(&r)?).await?);
    }
    Ok(out)
}

pub async fn by_ids(conn: &mut Conn, ids: &[i64]) -> Result<Vec<Org>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let placeholders = crate::placeholders(conn, 1, chunk.len(), 1);
        let list = placeholders;
        let (org_sql, role_sql) = (
            format!("SELECT {COLUMNS} FROM organizations WHERE id IN ({list})"),
            format!("SELECT org_id, role FROM organization_roles WHERE org_id IN ({list}) ORDER BY role"),
        );
        let mut q = sqlx::query(&org_sql);
        let mut r = sqlx::query(&role_sql);
        for id in chunk {
            q = q.bind(*id);
            r = r.bind(*id);
        }
        let mut orgs: Vec<Org> = q.fetch_all(&mut *conn).await?.iter().map(from_row).collect::<Result<_>>()?;
        for row in r.fetch_all(&mut *conn).await? {
            let (org_id, key): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
            if let Some(o) = orgs.iter_mut().find(|o| o.id == org_id) {
                o.roles.push(OrgRole::parse(&key).map_err(|e| corrupt("role", e))?);
            }
        }
        for o in &mut orgs {
            o.roles.sort();
        }
        out.extend(orgs);
    }
    Ok(out)
}

/// The organisation id behind each of these corporate numbers that is registered in Hoshi (one
/// query per 500 numbers).
pub async fn ids_of(conn: &mut Conn, numbers: &[String]) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(500) {
        let placeholders = crate::placeholders(conn, 1, chunk.len(), 1);
        let sql = format!("SELECT corporate_number, id FROM organizations WHERE corporate_number IN ({})", placeholders);
        let mut q = sqlx::query(&sql);
        for n in chunk {
            q = q.bind(n);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push((r.try_get(0)?, r.try_get(1)?));
        }
    }
    Ok(out)
}

/// Which of these corporate numbers belong to organisations in Hoshi.
pub async fn registered_among(conn: &mut Conn, numbers: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(500) {
        let placeholders = crate::placeholders(conn, 1, chunk.len(), 1);
        let sql = format!("SELECT corporate_number FROM organizations WHERE corporate_number IN ({})", placeholders);
        let mut q = sqlx::query(&sql);
        for n in chunk {
            q = q.bind(n);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(r.try_get(0)?);
        }
    }
    Ok(out)
}

/// A requested change of a verified or certified organisation's name (migration 10).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NameChange {
    pub id: i64,
    pub org_id: i64,
    pub name_ja: String,
    pub name_en: String,
    pub old_name_ja: String,
    pub old_name_en: String,
    pub requested_by: Option<i64>,
    pub requested_at: i64,
    /// `pending`, `approved`, `rejected` or `superseded`.
    pub status: String,
    pub decided_by: String,
    pub decided_at: Option<i64>,
    pub reason: String,
}

const NC_COLS: &str =
    "id, org_id, name_ja, name_en, old_name_ja, old_name_en, requested_by, requested_at, status, decided_by, decided_at, reason";

/// Records a pending request, replacing (as `superseded`) any earlier pending one of the organisation.
pub async fn request_name_change(conn: &mut Conn, c: &NameChange) -> Result<NameChange> {
    sqlx::query("UPDATE org_name_changes SET status = 'superseded', decided_at = $1 WHERE org_id = $2 AND status = 'pending'")
        .bind(c.requested_at)
        .bind(c.org_id)
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query_as::<_, NameChange>(&format!(
        "INSERT INTO org_name_changes (org_id, name_ja, name_en, old_name_ja, old_name_en, requested_by, requested_at, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') RETURNING {NC_COLS}"
    ))
    .bind(c.org_id)
    .bind(&c.name_ja)
    .bind(&c.name_en)
    .bind(&c.old_name_ja)
    .bind(&c.old_name_en)
    .bind(c.requested_by)
    .bind(c.requested_at)
    .fetch_one(&mut *conn)
    .await?)
}

/// The organisation's pending request, if any.
pub async fn pending_name_change(conn: &mut Conn, org_id: i64) -> Result<Option<NameChange>> {
    Ok(sqlx::query_as::<_, NameChange>(&format!(
        "SELECT {NC_COLS} FROM org_name_changes WHERE org_id = $1 AND status = 'pending' ORDER BY id DESC LIMIT 1"
    ))
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Pending requests, oldest first, at most `limit`.
pub async fn pending_name_changes(conn: &mut Conn, limit: i64) -> Result<Vec<NameChange>> {
    Ok(sqlx::query_as::<_, NameChange>(&format!("SELECT {NC_COLS} FROM org_name_changes WHERE status = 'pending' ORDER BY id LIMIT $1"))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?)
}

pub async fn name_change(conn: &mut Conn, id: i64) -> Result<NameChange> {
    sqlx::query_as::<_, NameChange>(&format!("SELECT {NC_COLS} FROM org_name_changes WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Decides a pending request (`approved` or `rejected`); an approval sets the names.
pub async fn decide_name_change(conn: &mut Conn, c: &NameChange, approve: bool, by: &str, at: i64, reason: &str) -> Result<()> {
    sqlx::query(
        "UPDATE org_name_changes SET status = $1, decided_by = $2, decided_at = $3, reason = $4 WHERE id = $5 AND status = 'pending'",
    )
    .bind(if approve { "approved" } else { "rejected" })
    .bind(by)
    .bind(at)
    .bind(reason)
    .bind(c.id)
    .execute(&mut *conn)
    .await?;
    if approve {
        sqlx::query("UPDATE organizations SET name_ja = $1, name_en = $2 WHERE id = $3")
            .bind(&c.name_ja)
            .bind(&c.name_en)
            .bind(c.org_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
