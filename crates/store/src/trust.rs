//! The trust behind a certificate: organisation verifications and the documents behind them,
//! claims on a corporate number, accreditations of experts and assessment bodies with their
//! decisions. Rows only; the app decides who may do what and what a state means.

use crate::{map_unique, Conn, Result, StoreError};

/// One verification decision on an organisation (`action` = `verified` or `unverified`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Verification {
    pub id: i64,
    pub org_id: i64,
    pub action: String,
    /// `document` today; `gbizid` when a government identity provider vouches for it.
    pub method: String,
    /// What was checked, in the operator's words (document kind, issue date, what matched).
    pub checked: String,
    pub document_sha256: Option<String>,
    pub decided_by_user: Option<i64>,
    /// Who decided, as recorded (the operator's name and email, or the command line).
    pub decided_by: String,
    pub decided_at: i64,
}

const V_COLS: &str = "id, org_id, action, method, checked, document_sha256, decided_by_user, decided_by, decided_at";

pub async fn add_verification(conn: &mut Conn, v: &Verification) -> Result<()> {
    sqlx::query("INSERT INTO org_verifications (org_id, action, method, checked, document_sha256, decided_by_user, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(v.org_id)
        .bind(&v.action)
        .bind(&v.method)
        .bind(&v.checked)
        .bind(&v.document_sha256)
        .bind(v.decided_by_user)
        .bind(&v.decided_by)
        .bind(v.decided_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// An organisation's verification decisions, oldest first.
pub async fn verifications(conn: &mut Conn, org_id: i64) -> Result<Vec<Verification>> {
    Ok(sqlx::query_as::<_, Verification>(&format!("SELECT {V_COLS} FROM org_verifications WHERE org_id = $1 ORDER BY id"))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?)
}

/// Organisations whose latest verification decision is not `verified` (or that have none):
/// those that sent a document first (oldest first), else the newest registrations; at most `limit`.
pub async fn unverified_org_ids(conn: &mut Conn, with_documents: bool, limit: i64) -> Result<Vec<i64>> {
    let docs = if with_documents { "EXISTS" } else { "NOT EXISTS" };
    let order = if with_documents { "o.id" } else { "o.id DESC" };
    Ok(sqlx::query_scalar::<_, i64>(&format!(
        "SELECT o.id FROM organizations o WHERE {docs} (SELECT 1 FROM org_documents d WHERE d.org_id = o.id) \
         AND NOT EXISTS (SELECT 1 FROM org_verifications v WHERE v.org_id = o.id AND v.action = 'verified' \
         AND v.id = (SELECT MAX(w.id) FROM org_verifications w WHERE w.org_id = o.id)) ORDER BY {order} LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// A document an organisation uploaded for its verification (e.g. 登記事項証明書).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrgDocument {
    pub id: i64,
    pub org_id: i64,
    pub sha256: String,
    pub filename: String,
    pub uploaded_by: i64,
    pub uploaded_at: i64,
}

pub async fn add_document(conn: &mut Conn, org_id: i64, sha256: &str, filename: &str, by: i64, at: i64) -> Result<()> {
    sqlx::query("INSERT INTO org_documents (org_id, sha256, filename, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(org_id)
        .bind(sha256)
        .bind(filename)
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn documents(conn: &mut Conn, org_id: i64) -> Result<Vec<OrgDocument>> {
    Ok(sqlx::query_as::<_, OrgDocument>(
        "SELECT id, org_id, sha256, filename, uploaded_by, uploaded_at FROM org_documents WHERE org_id = $1 ORDER BY id",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// A claim that a registered corporate number belongs to someone else.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Claim {
    pub id: i64,
    pub org_id: i64,
    pub claimant_name: String,
    pub claimant_email: String,
    pub statement: String,
    pub document_sha256: Option<String>,
    pub document_name: String,
    /// `open`, `upheld` or `rejected`.
    pub status: String,
    pub resolution: String,
    pub created_at: i64,
    pub resolved_by: String,
    pub resolved_at: Option<i64>,
}

const C_COLS: &str = "id, org_id, claimant_name, claimant_email, statement, document_sha256, document_name, status, resolution, created_at, resolved_by, resolved_at";

pub async fn insert_claim(conn: &mut Conn, c: &Claim) -> Result<Claim> {
    Ok(sqlx::query_as::<_, Claim>(&format!("INSERT INTO org_claims (org_id, claimant_name, claimant_email, statement, document_sha256, document_name, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {C_COLS}"))
        .bind(c.org_id)
        .bind(&c.claimant_name)
        .bind(&c.claimant_email)
        .bind(&c.statement)
        .bind(&c.document_sha256)
        .bind(&c.document_name)
        .bind(&c.status)
        .bind(c.created_at)
        .fetch_one(&mut *conn)
        .await?)
}

pub async fn claim(conn: &mut Conn, id: i64) -> Result<Claim> {
    sqlx::query_as::<_, Claim>(&format!("SELECT {C_COLS} FROM org_claims WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Claims in a state (`open`), or every claim on an organisation.
pub async fn claims(conn: &mut Conn, status: Option<&str>, org_id: Option<i64>) -> Result<Vec<Claim>> {
    Ok(sqlx::query_as::<_, Claim>(&format!(
        "SELECT {C_COLS} FROM org_claims WHERE ($1 = '' OR status = $1) AND ($2 = 0 OR org_id = $2) ORDER BY id"
    ))
    .bind(status.unwrap_or(""))
    .bind(org_id.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn resolve_claim(conn: &mut Conn, id: i64, status: &str, resolution: &str, by: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE org_claims SET status = $1, resolution = $2, resolved_by = $3, resolved_at = $4 WHERE id = $5")
        .bind(status)
        .bind(resolution)
        .bind(by)
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes every membership and session of an organisation (a claim upheld against the people
/// who registered it).
pub async fn remove_members(conn: &mut Conn, org_id: i64, now: i64) -> Result<u64> {
    sqlx::query("DELETE FROM sessions WHERE org_id = $1").bind(org_id).execute(&mut *conn).await?;
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE org_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query("DELETE FROM memberships WHERE org_id = $1").bind(org_id).execute(&mut *conn).await?.rows_affected())
}

/// An expert's or assessment body's accreditation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Accreditation {
    pub id: i64,
    pub org_id: i64,
    /// `expert` or `assessment_body`.
    pub kind: String,
    pub qualification: String,
    /// The expert's registration number, or the body's designation number.
    pub number: String,
    pub training_completed_on: String,
    pub technical_verification: i64,
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
    /// `applied`, `approved`, `suspended`, `withdrawn`, `expired`.
    pub status: String,
    pub applied_by: i64,
    pub applied_at: i64,
    pub updated_at: i64,
}

const A_COLS: &str = "id, org_id, kind, qualification, number, training_completed_on, technical_verification, valid_from, valid_until, status, applied_by, applied_at, updated_at";

/// Creates or replaces the application for an accreditation (back to `applied`).
pub async fn put_accreditation(conn: &mut Conn, a: &Accreditation) -> Result<Accreditation> {
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM accreditations WHERE org_id = $1 AND kind = $2")
        .bind(a.org_id)
        .bind(&a.kind)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = existing {
        sqlx::query("UPDATE accreditations SET qualification = $1, number = $2, training_completed_on = $3, technical_verification = $4, valid_from = $5, valid_until = $6, status = $7, applied_by = $8, applied_at = $9, updated_at = $10 WHERE id = $11")
            .bind(&a.qualification)
            .bind(&a.number)
            .bind(&a.training_completed_on)
            .bind(a.technical_verification)
            .bind(a.valid_from)
            .bind(a.valid_until)
            .bind(&a.status)
            .bind(a.applied_by)
            .bind(a.applied_at)
            .bind(a.updated_at)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        return accreditation(conn, id).await;
    }
    sqlx::query_as::<_, Accreditation>(&format!("INSERT INTO accreditations (org_id, kind, qualification, number, training_completed_on, technical_verification, valid_from, valid_until, status, applied_by, applied_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {A_COLS}"))
        .bind(a.org_id)
        .bind(&a.kind)
        .bind(&a.qualification)
        .bind(&a.number)
        .bind(&a.training_completed_on)
        .bind(a.technical_verification)
        .bind(a.valid_from)
        .bind(a.valid_until)
        .bind(&a.status)
        .bind(a.applied_by)
        .bind(a.applied_at)
        .bind(a.updated_at)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| map_unique(e, "accreditation"))
}

pub async fn set_accreditation_state(
    conn: &mut Conn,
    id: i64,
    status: &str,
    from: Option<i64>,
    until: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE accreditations SET status = $1, valid_from = $2, valid_until = $3, updated_at = $4 WHERE id = $5")
        .bind(status)
        .bind(from)
        .bind(until)
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn accreditation(conn: &mut Conn, id: i64) -> Result<Accreditation> {
    sqlx::query_as::<_, Accreditation>(&format!("SELECT {A_COLS} FROM accreditations WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn accreditations_of_org(conn: &mut Conn, org_id: i64) -> Result<Vec<Accreditation>> {
    Ok(sqlx::query_as::<_, Accreditation>(&format!("SELECT {A_COLS} FROM accreditations WHERE org_id = $1 ORDER BY kind"))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?)
}

/// Every accreditation, or those in one state.
pub async fn accreditations(conn: &mut Conn, status: Option<&str>) -> Result<Vec<Accreditation>> {
    Ok(sqlx::query_as::<_, Accreditation>(&format!("SELECT {A_COLS} FROM accreditations WHERE ($1 = '' OR status = $1) ORDER BY id"))
        .bind(status.unwrap_or(""))
        .fetch_all(&mut *conn)
        .await?)
}

/// One decision on an accreditation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Decision {
    pub id: i64,
    pub accreditation_id: i64,
    pub status: String,
    pub reason: String,
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
    pub decided_by_user: Option<i64>,
    pub decided_by: String,
    pub decided_at: i64,
}

pub async fn add_decision(conn: &mut Conn, d: &Decision) -> Result<()> {
    sqlx::query("INSERT INTO accreditation_decisions (accreditation_id, status, reason, valid_from, valid_until, decided_by_user, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(d.accreditation_id)
        .bind(&d.status)
        .bind(&d.reason)
        .bind(d.valid_from)
        .bind(d.valid_until)
        .bind(d.decided_by_user)
        .bind(&d.decided_by)
        .bind(d.decided_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// An accreditation's decisions, oldest first.
pub async fn decisions(conn: &mut Conn, accreditation_id: i64) -> Result<Vec<Decision>> {
    Ok(sqlx::query_as::<_, Decision>("SELECT id, accreditation_id, status, reason, valid_from, valid_until, decided_by_user, decided_by, decided_at FROM accreditation_decisions WHERE accreditation_id = $1 ORDER BY id")
        .bind(accreditation_id)
        .fetch_all(&mut *conn)
        .await?)
}
