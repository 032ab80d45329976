//! The evidence library: an organisation's documents (items) in versions, each version a file in
//! `evidence_files` with an effective date and a review-by date, and the answers that use them
//! (`evidence` rows naming the item). Rows only; `app` decides who may replace or delete.

use crate::{Conn, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Item {
    pub id: i64,
    pub org_id: i64,
    pub title: String,
    pub created_by: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Version {
    pub id: i64,
    pub item_id: i64,
    pub version: i64,
    pub sha256: String,
    pub filename: String,
    pub effective_date: Option<String>,
    pub review_by: Option<String>,
    pub uploaded_by: i64,
    pub uploaded_at: i64,
}

const VERSION_COLS: &str = "id, item_id, version, sha256, filename, effective_date, review_by, uploaded_by, uploaded_at";

/// An answer that uses an item: which assessment (and its status), which criterion, which file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Use {
    pub evidence_id: i64,
    pub assessment_id: i64,
    pub assessment_version: i64,
    pub assessment_status: String,
    pub criterion: String,
    pub sha256: String,
}

pub async fn insert_item(conn: &mut Conn, org_id: i64, title: &str, by: i64, at: i64) -> Result<Item> {
    Ok(sqlx::query_as::<_, Item>(
        "INSERT INTO evidence_items (org_id, title, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id, org_id, title, created_by, created_at",
    )
    .bind(org_id)
    .bind(title)
    .bind(by)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn item(conn: &mut Conn, id: i64) -> Result<Item> {
    sqlx::query_as::<_, Item>("SELECT id, org_id, title, created_by, created_at FROM evidence_items WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The organisation's items, newest first.
pub async fn items(conn: &mut Conn, org_id: i64) -> Result<Vec<Item>> {
    Ok(sqlx::query_as::<_, Item>("SELECT id, org_id, title, created_by, created_at FROM evidence_items WHERE org_id = $1 ORDER BY id DESC")
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?)
}

/// Adds the next version of an item and returns it.
pub async fn add_version(conn: &mut Conn, v: &Version) -> Result<Version> {
    let next: i64 = sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(version), 0) + 1 FROM evidence_versions WHERE item_id = $1")
        .bind(v.item_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(sqlx::query_as::<_, Version>(&format!(
        "INSERT INTO evidence_versions (item_id, version, sha256, filename, effective_date, review_by, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {VERSION_COLS}"
    ))
    .bind(v.item_id)
    .bind(next)
    .bind(&v.sha256)
    .bind(&v.filename)
    .bind(&v.effective_date)
    .bind(&v.review_by)
    .bind(v.uploaded_by)
    .bind(v.uploaded_at)
    .fetch_one(&mut *conn)
    .await?)
}

/// An item's versions, oldest first.
pub async fn versions(conn: &mut Conn, item_id: i64) -> Result<Vec<Version>> {
    Ok(sqlx::query_as::<_, Version>(&format!("SELECT {VERSION_COLS} FROM evidence_versions WHERE item_id = $1 ORDER BY version"))
        .bind(item_id)
        .fetch_all(&mut *conn)
        .await?)
}

/// The newest version of every item of an organisation.
pub async fn latest_versions(conn: &mut Conn, org_id: i64) -> Result<Vec<Version>> {
    Ok(sqlx::query_as::<_, Version>(&format!(
        "SELECT {} FROM evidence_versions v JOIN evidence_items i ON i.id = v.item_id WHERE i.org_id = $1 \
         AND v.version = (SELECT MAX(w.version) FROM evidence_versions w WHERE w.item_id = v.item_id) ORDER BY v.item_id DESC",
        VERSION_COLS.split(", ").map(|c| format!("v.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Every answer that uses the item.
pub async fn uses(conn: &mut Conn, item_id: i64) -> Result<Vec<Use>> {
    Ok(sqlx::query_as::<_, Use>(
        "SELECT e.id AS evidence_id, e.assessment_id, a.version AS assessment_version, a.status AS assessment_status, e.criterion, e.sha256 \
         FROM evidence e JOIN assessments a ON a.id = e.assessment_id WHERE e.item_id = $1 ORDER BY a.version DESC, e.criterion",
    )
    .bind(item_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Points the item's answers in the given assessments at a new file (a new version).
pub async fn relink(conn: &mut Conn, item_id: i64, assessment_ids: &[i64], sha256: &str, filename: &str) -> Result<u64> {
    let mut n = 0;
    for a in assessment_ids {
        n += sqlx::query("UPDATE evidence SET sha256 = $1, filename = $2 WHERE item_id = $3 AND assessment_id = $4")
            .bind(sha256)
            .bind(filename)
            .bind(item_id)
            .bind(a)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(n)
}

/// Removes one answer's use of evidence.
pub async fn unlink(conn: &mut Conn, evidence_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM evidence WHERE id = $1").bind(evidence_id).execute(&mut *conn).await?;
    Ok(())
}

/// Deletes an item, its versions and its remaining uses, then every file of it that nothing
/// else refers to. The caller has checked that no locked assessment uses it.
pub async fn delete_item(conn: &mut Conn, item_id: i64) -> Result<()> {
    let shas: Vec<String> = sqlx::query_scalar::<_, String>("SELECT sha256 FROM evidence_versions WHERE item_id = $1")
        .bind(item_id)
        .fetch_all(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM evidence WHERE item_id = $1").bind(item_id).execute(&mut *conn).await?;
    sqlx::query("UPDATE plan_tasks SET evidence_item_id = NULL WHERE evidence_item_id = $1").bind(item_id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM evidence_versions WHERE item_id = $1").bind(item_id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM evidence_items WHERE id = $1").bind(item_id).execute(&mut *conn).await?;
    for sha in shas {
        sqlx::query(
            "DELETE FROM evidence_files WHERE sha256 = $1 \
             AND NOT EXISTS (SELECT 1 FROM evidence WHERE sha256 = $1) \
             AND NOT EXISTS (SELECT 1 FROM evidence_versions WHERE sha256 = $1) \
             AND NOT EXISTS (SELECT 1 FROM review_items WHERE evidence_sha256 = $1) \
             AND NOT EXISTS (SELECT 1 FROM org_documents WHERE sha256 = $1) \
             AND NOT EXISTS (SELECT 1 FROM org_verifications WHERE document_sha256 = $1) \
             AND NOT EXISTS (SELECT 1 FROM org_claims WHERE document_sha256 = $1)",
        )
        .bind(&sha)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Whether a file is still stored.
pub async fn file_exists(conn: &mut Conn, sha256: &str) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM evidence_files WHERE sha256 = $1").bind(sha256).fetch_one(&mut *conn).await? > 0)
}
