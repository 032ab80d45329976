//! Self-assessments and everything hanging off them: answers (with history), evidence,
//! quotes, engagements of experts and assessment bodies with their per-criterion reviews, the
//! compliance pledge, shares with buyers and their views, and expert profiles.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{map_unique, Conn, Result, StoreError};

fn b(v: bool) -> i64 {
    i64::from(v)
}

fn u(v: i64) -> u64 {
    v.max(0) as u64
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// An assessment as stored. Status and kinds are kept as text keys; `app` gives them meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub id: i64,
    pub org_id: i64,
    pub edition: String,
    pub target_level: u8,
    pub version: i64,
    pub previous_id: Option<i64>,
    pub scope_kind: String,
    pub scope_text: String,
    pub it_onprem: bool,
    pub it_cloud: bool,
    pub employees: u64,
    pub pcs: u64,
    pub servers: u64,
    pub sites: u64,
    pub cloud_services: u64,
    pub hourly_rate_yen: u64,
    pub overhead_percent: u32,
    pub status: String,
    pub locked_at: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// `initial`, `new_version`, `renewal` (★3's yearly renewal) or `annual` (★4's yearly self-assessment).
    pub purpose: String,
}

const A_COLS: &str = "id, org_id, edition, target_level, version, previous_id, scope_kind, scope_text, it_onprem, it_cloud, employees, pcs, servers, sites, cloud_services, hourly_rate_yen, overhead_percent, status, locked_at, created_by, created_at, updated_at, purpose";

fn a_row(r: &AnyRow) -> Result<Assessment> {
    Ok(Assessment {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        edition: r.try_get("edition")?,
        target_level: r.try_get::<i64, _>("target_level")?.clamp(1, 5) as u8,
        version: r.try_get("version")?,
        previous_id: r.try_get("previous_id")?,
        scope_kind: r.try_get("scope_kind")?,
        scope_text: r.try_get("scope_text")?,
        it_onprem: r.try_get::<i64, _>("it_onprem")? != 0,
        it_cloud: r.try_get::<i64, _>("it_cloud")? != 0,
        employees: u(r.try_get("employees")?),
        pcs: u(r.try_get("pcs")?),
        servers: u(r.try_get("servers")?),
        sites: u(r.try_get("sites")?),
        cloud_services: u(r.try_get("cloud_services")?),
        hourly_rate_yen: u(r.try_get("hourly_rate_yen")?),
        overhead_percent: u(r.try_get("overhead_percent")?).min(1000) as u32,
        status: r.try_get("status")?,
        locked_at: r.try_get("locked_at")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        purpose: r.try_get("purpose")?,
    })
}

/// Inserts an assessment (its `id` is ignored and assigned).
pub async fn insert(conn: &mut Conn, a: &Assessment) -> Result<Assessment> {
    let row = sqlx::query(&format!(
        "INSERT INTO assessments (org_id, edition, target_level, version, previous_id, scope_kind, scope_text, it_onprem, it_cloud, employees, pcs, servers, sites, cloud_services, hourly_rate_yen, overhead_percent, status, locked_at, created_by, created_at, updated_at, purpose) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING {A_COLS}"
    ))
    .bind(a.org_id)
    .bind(&a.edition)
    .bind(i64::from(a.target_level))
    .bind(a.version)
    .bind(a.previous_id)
    .bind(&a.scope_kind)
    .bind(&a.scope_text)
    .bind(b(a.it_onprem))
    .bind(b(a.it_cloud))
    .bind(i(a.employees))
    .bind(i(a.pcs))
    .bind(i(a.servers))
    .bind(i(a.sites))
    .bind(i(a.cloud_services))
    .bind(i(a.hourly_rate_yen))
    .bind(i64::from(a.overhead_percent))
    .bind(&a.status)
    .bind(a.locked_at)
    .bind(a.created_by)
    .bind(a.created_at)
    .bind(a.updated_at)
    .bind(&a.purpose)
    .fetch_one(&mut *conn)
    .await?;
    a_row(&row)
}

/// Saves the editable fields, status and lock of an assessment.
pub async fn update(conn: &mut Conn, a: &Assessment) -> Result<()> {
    let done = sqlx::query(
        "UPDATE assessments SET target_level = $1, scope_kind = $2, scope_text = $3, it_onprem = $4, it_cloud = $5, employees = $6, pcs = $7, servers = $8, sites = $9, cloud_services = $10, hourly_rate_yen = $11, overhead_percent = $12, status = $13, locked_at = $14, updated_at = $15 WHERE id = $16",
    )
    .bind(i64::from(a.target_level))
    .bind(&a.scope_kind)
    .bind(&a.scope_text)
    .bind(b(a.it_onprem))
    .bind(b(a.it_cloud))
    .bind(i(a.employees))
    .bind(i(a.pcs))
    .bind(i(a.servers))
    .bind(i(a.sites))
    .bind(i(a.cloud_services))
    .bind(i(a.hourly_rate_yen))
    .bind(i64::from(a.overhead_percent))
    .bind(&a.status)
    .bind(a.locked_at)
    .bind(a.updated_at)
    .bind(a.id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Assessment> {
    let row = sqlx::query(&format!("SELECT {A_COLS} FROM assessments WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    a_row(&row)
}

/// The organisation's assessments, newest first.
pub async fn list_for_org(conn: &mut Conn, org_id: i64) -> Result<Vec<Assessment>> {
    sqlx::query(&format!("SELECT {A_COLS} FROM assessments WHERE org_id = $1 ORDER BY created_at DESC, id DESC"))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(a_row)
        .collect()
}

/// The highest version number the organisation has used.
pub async fn max_version(conn: &mut Conn, org_id: i64) -> Result<i64> {
    let r = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM assessments WHERE org_id = $1").bind(org_id).fetch_one(&mut *conn).await?;
    Ok(r.try_get::<i64, _>(0)?)
}

// ---- answers ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRow {
    pub criterion: String,
    /// `met`, `not_met` or `not_applicable`.
    pub status: String,
    pub reason: String,
    pub note: String,
    pub by: i64,
    pub at: i64,
    /// Carried over from the assessment this one renews, not yet re-checked.
    pub carried_over: bool,
}

fn ans_row(r: &AnyRow) -> Result<AnswerRow> {
    Ok(AnswerRow {
        criterion: r.try_get("criterion")?,
        status: r.try_get("status")?,
        reason: r.try_get("reason")?,
        note: r.try_get("note")?,
        by: r.try_get("by_user")?,
        at: r.try_get("at_time")?,
        carried_over: r.try_get::<i64, _>("carried_over")? != 0,
    })
}

pub async fn answers(conn: &mut Conn, assessment_id: i64) -> Result<Vec<AnswerRow>> {
    sqlx::query(
        "SELECT criterion, status, reason, note, updated_by AS by_user, updated_at AS at_time, carried_over FROM answers WHERE assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(ans_row)
    .collect()
}

/// Sets an answer and appends it to the history.
pub async fn put_answer(conn: &mut Conn, assessment_id: i64, a: &AnswerRow) -> Result<()> {
    sqlx::query("DELETE FROM answers WHERE assessment_id = $1 AND criterion = $2")
        .bind(assessment_id)
        .bind(&a.criterion)
        .execute(&mut *conn)
        .await?;
    for table in ["answers", "answer_history"] {
        let (by, at) = if table == "answers" { ("updated_by", "updated_at") } else { ("changed_by", "changed_at") };
        sqlx::query(&format!(
            "INSERT INTO {table} (assessment_id, criterion, status, reason, note, {by}, {at}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(assessment_id)
        .bind(&a.criterion)
        .bind(&a.status)
        .bind(&a.reason)
        .bind(&a.note)
        .bind(a.by)
        .bind(a.at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Every change of one criterion's answer, oldest first.
pub async fn history(conn: &mut Conn, assessment_id: i64, criterion: &str) -> Result<Vec<AnswerRow>> {
    sqlx::query("SELECT criterion, status, reason, note, changed_by AS by_user, changed_at AS at_time, 0 AS carried_over FROM answer_history WHERE assessment_id = $1 AND criterion = $2 ORDER BY id")
        .bind(assessment_id)
        .bind(criterion)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(ans_row)
        .collect()
}

/// Copies answers, evidence links and quotes into a new version; with `carried`, every answer is
/// marked carried over (to be re-checked).
pub async fn copy_into(conn: &mut Conn, from: i64, to: i64, carried: bool) -> Result<()> {
    sqlx::query("INSERT INTO answers (assessment_id, criterion, status, reason, note, updated_by, updated_at, carried_over) SELECT $1, criterion, status, reason, note, updated_by, updated_at, $3 FROM answers WHERE assessment_id = $2")
        .bind(to)
        .bind(from)
        .bind(b(carried))
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO evidence (assessment_id, criterion, sha256, filename, uploaded_by, uploaded_at, item_id) SELECT $1, criterion, sha256, filename, uploaded_by, uploaded_at, item_id FROM evidence WHERE assessment_id = $2")
        .bind(to)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO quotes (assessment_id, criterion, one_off_yen, annual_yen, note, updated_at) SELECT $1, criterion, one_off_yen, annual_yen, note, updated_at FROM quotes WHERE assessment_id = $2")
        .bind(to)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---- evidence ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRow {
    pub id: i64,
    pub criterion: String,
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub uploaded_by: i64,
    pub uploaded_at: i64,
    /// The library item the file is a version of.
    pub item_id: Option<i64>,
    /// The review-by date (YYYY-MM-DD) of that version, when it has one.
    pub review_by: Option<String>,
}

/// Stores file content once per SHA-256.
pub async fn put_file(conn: &mut Conn, sha256: &str, content_type: &str, bytes: &[u8], now: i64) -> Result<()> {
    let exists = sqlx::query("SELECT 1 FROM evidence_files WHERE sha256 = $1").bind(sha256).fetch_optional(&mut *conn).await?.is_some();
    if !exists {
        sqlx::query("INSERT INTO evidence_files (sha256, content_type, size, content, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(sha256)
            .bind(content_type)
            .bind(bytes.len() as i64)
            .bind(bytes.to_vec())
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Makes a library item's file the evidence of one criterion (once: an existing link is returned).
#[allow(clippy::too_many_arguments)]
pub async fn link_evidence(
    conn: &mut Conn,
    assessment_id: i64,
    criterion: &str,
    item_id: i64,
    sha256: &str,
    filename: &str,
    by: i64,
    now: i64,
) -> Result<i64> {
    if let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM evidence WHERE assessment_id = $1 AND criterion = $2 AND item_id = $3")
        .bind(assessment_id)
        .bind(criterion)
        .bind(item_id)
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(id);
    }
    let r = sqlx::query("INSERT INTO evidence (assessment_id, criterion, sha256, filename, uploaded_by, uploaded_at, item_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(assessment_id)
        .bind(criterion)
        .bind(sha256)
        .bind(filename)
        .bind(by)
        .bind(now)
        .bind(item_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get(0)?)
}

pub async fn evidence(conn: &mut Conn, assessment_id: i64) -> Result<Vec<EvidenceRow>> {
    sqlx::query(
        "SELECT e.id, e.criterion, e.sha256, e.filename, f.content_type, f.size, e.uploaded_by, e.uploaded_at, e.item_id, \
         (SELECT MAX(v.review_by) FROM evidence_versions v WHERE v.item_id = e.item_id AND v.sha256 = e.sha256) AS review_by FROM evidence e JOIN evidence_files f ON f.sha256 = e.sha256 WHERE e.assessment_id = $1 ORDER BY e.id",
    )
    .bind(assessment_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(EvidenceRow {
            id: r.try_get("id")?,
            criterion: r.try_get("criterion")?,
            sha256: r.try_get("sha256")?,
            filename: r.try_get("filename")?,
            content_type: r.try_get("content_type")?,
            size: u(r.try_get("size")?),
            uploaded_by: r.try_get("uploaded_by")?,
            uploaded_at: r.try_get("uploaded_at")?,
            item_id: r.try_get("item_id")?,
            review_by: r.try_get("review_by")?,
        })
    })
    .collect()
}

/// The content of a file, with its type.
pub async fn file(conn: &mut Conn, sha256: &str) -> Result<(String, Vec<u8>)> {
    let r = sqlx::query("SELECT content_type, content FROM evidence_files WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

// ---- quotes ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteRow {
    pub criterion: String,
    pub one_off_yen: u64,
    pub annual_yen: u64,
    pub note: String,
}

pub async fn put_quote(conn: &mut Conn, assessment_id: i64, q: &QuoteRow, now: i64) -> Result<()> {
    sqlx::query("DELETE FROM quotes WHERE assessment_id = $1 AND criterion = $2")
        .bind(assessment_id)
        .bind(&q.criterion)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO quotes (assessment_id, criterion, one_off_yen, annual_yen, note, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(assessment_id)
        .bind(&q.criterion)
        .bind(i(q.one_off_yen))
        .bind(i(q.annual_yen))
        .bind(&q.note)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn delete_quote(conn: &mut Conn, assessment_id: i64, criterion: &str) -> Result<()> {
    sqlx::query("DELETE FROM quotes WHERE assessment_id = $1 AND criterion = $2")
        .bind(assessment_id)
        .bind(criterion)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn quotes(conn: &mut Conn, assessment_id: i64) -> Result<Vec<QuoteRow>> {
    sqlx::query("SELECT criterion, one_off_yen, annual_yen, note FROM quotes WHERE assessment_id = $1 ORDER BY criterion")
        .bind(assessment_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(QuoteRow { criterion: r.try_get(0)?, one_off_yen: u(r.try_get(1)?), annual_yen: u(r.try_get(2)?), note: r.try_get(3)? })
        })
        .collect()
}

// ---- engagements and reviews ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engagement {
    pub id: i64,
    pub assessment_id: i64,
    pub provider_org_id: i64,
    /// `confirmation`, `support` or `third_party`.
    pub kind: String,
    /// `requested`, `in_review`, `confirmed`, `returned`, `completed`, `withdrawn`.
    pub status: String,
    pub assessor_user_id: Option<i64>,
    pub message: String,
    pub decision_comment: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

const E_COLS: &str =
    "id, assessment_id, provider_org_id, kind, status, assessor_user_id, message, decision_comment, created_at, decided_at";

fn e_row(r: &AnyRow) -> Result<Engagement> {
    Ok(Engagement {
        id: r.try_get("id")?,
        assessment_id: r.try_get("assessment_id")?,
        provider_org_id: r.try_get("provider_org_id")?,
        kind: r.try_get("kind")?,
        status: r.try_get("status")?,
        assessor_user_id: r.try_get("assessor_user_id")?,
        message: r.try_get("message")?,
        decision_comment: r.try_get("decision_comment")?,
        created_at: r.try_get("created_at")?,
        decided_at: r.try_get("decided_at")?,
    })
}

pub async fn insert_engagement(conn: &mut Conn, e: &Engagement) -> Result<Engagement> {
    let row = sqlx::query(&format!(
        "INSERT INTO engagements (assessment_id, provider_org_id, kind, status, assessor_user_id, message, decision_comment, created_at, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {E_COLS}"
    ))
    .bind(e.assessment_id)
    .bind(e.provider_org_id)
    .bind(&e.kind)
    .bind(&e.status)
    .bind(e.assessor_user_id)
    .bind(&e.message)
    .bind(&e.decision_comment)
    .bind(e.created_at)
    .bind(e.decided_at)
    .fetch_one(&mut *conn)
    .await?;
    e_row(&row)
}

pub async fn update_engagement(conn: &mut Conn, e: &Engagement) -> Result<()> {
    sqlx::query("UPDATE engagements SET status = $1, assessor_user_id = $2, decision_comment = $3, decided_at = $4 WHERE id = $5")
        .bind(&e.status)
        .bind(e.assessor_user_id)
        .bind(&e.decision_comment)
        .bind(e.decided_at)
        .bind(e.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn engagement(conn: &mut Conn, id: i64) -> Result<Engagement> {
    let row = sqlx::query(&format!("SELECT {E_COLS} FROM engagements WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    e_row(&row)
}

pub async fn engagements_of_assessment(conn: &mut Conn, assessment_id: i64) -> Result<Vec<Engagement>> {
    sqlx::query(&format!("SELECT {E_COLS} FROM engagements WHERE assessment_id = $1 ORDER BY id"))
        .bind(assessment_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(e_row)
        .collect()
}

pub async fn engagements_of_provider(conn: &mut Conn, provider_org_id: i64) -> Result<Vec<Engagement>> {
    sqlx::query(&format!("SELECT {E_COLS} FROM engagements WHERE provider_org_id = $1 ORDER BY id DESC"))
        .bind(provider_org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(e_row)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewItem {
    pub criterion: String,
    /// Expert: `agree`, `query`, `disagree`. Assessor: `conforms`, `minor`, `major`.
    pub position: String,
    pub comment: String,
    pub na_agreed: Flag,
    pub evidence_sha256: Option<String>,
    pub reviewed_by: i64,
    pub updated_at: i64,
    /// When the provider resolved the finding (queries, disagreements, nonconformities).
    pub resolved_at: Option<i64>,
    /// The supplier's corrective action for a nonconformity, and its due date (YYYY-MM-DD).
    pub corrective_action: String,
    pub corrective_due: String,
}

/// A 0/1 column read as a boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flag(pub bool);

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <i64 as sqlx::Type<sqlx::Any>>::type_info()
    }
    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> std::result::Result<Flag, sqlx::error::BoxDynError> {
        Ok(Flag(<i64 as sqlx::Decode<sqlx::Any>>::decode(value)? != 0))
    }
}

impl std::ops::Deref for Flag {
    type Target = bool;
    fn deref(&self) -> &bool {
        &self.0
    }
}

/// Sets the reviewer's position on a criterion. A new position reopens the finding (its
/// resolution and corrective action belong to the position they answered).
pub async fn put_review_item(conn: &mut Conn, engagement_id: i64, r: &ReviewItem) -> Result<()> {
    sqlx::query("DELETE FROM review_items WHERE engagement_id = $1 AND criterion = $2")
        .bind(engagement_id)
        .bind(&r.criterion)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO review_items (engagement_id, criterion, position, comment, na_agreed, evidence_sha256, reviewed_by, updated_at, resolved_at, corrective_action, corrective_due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(engagement_id)
        .bind(&r.criterion)
        .bind(&r.position)
        .bind(&r.comment)
        .bind(b(*r.na_agreed))
        .bind(&r.evidence_sha256)
        .bind(r.reviewed_by)
        .bind(r.updated_at)
        .bind(r.resolved_at)
        .bind(&r.corrective_action)
        .bind(&r.corrective_due)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn review_items(conn: &mut Conn, engagement_id: i64) -> Result<Vec<ReviewItem>> {
    Ok(sqlx::query_as::<_, ReviewItem>("SELECT criterion, position, comment, na_agreed, evidence_sha256, reviewed_by, updated_at, resolved_at, corrective_action, corrective_due FROM review_items WHERE engagement_id = $1 ORDER BY criterion")
        .bind(engagement_id)
        .fetch_all(&mut *conn)
        .await?)
}

/// Records the supplier's corrective action for a finding.
pub async fn set_corrective_action(conn: &mut Conn, engagement_id: i64, criterion: &str, action: &str, due: &str) -> Result<()> {
    sqlx::query("UPDATE review_items SET corrective_action = $1, corrective_due = $2 WHERE engagement_id = $3 AND criterion = $4")
        .bind(action)
        .bind(due)
        .bind(engagement_id)
        .bind(criterion)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks a finding resolved.
pub async fn resolve_review_item(conn: &mut Conn, engagement_id: i64, criterion: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE review_items SET resolved_at = $1 WHERE engagement_id = $2 AND criterion = $3")
        .bind(at)
        .bind(engagement_id)
        .bind(criterion)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One message in a finding's thread.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FindingNote {
    pub id: i64,
    pub engagement_id: i64,
    pub criterion: String,
    /// `provider` or `supplier`.
    pub side: String,
    /// `finding`, `reply`, `corrective_action`, `resolved`.
    pub kind: String,
    pub body: String,
    pub due: String,
    pub author_id: i64,
    pub created_at: i64,
}

pub async fn add_finding_note(conn: &mut Conn, n: &FindingNote) -> Result<()> {
    sqlx::query("INSERT INTO finding_notes (engagement_id, criterion, side, kind, body, due, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(n.engagement_id)
        .bind(&n.criterion)
        .bind(&n.side)
        .bind(&n.kind)
        .bind(&n.body)
        .bind(&n.due)
        .bind(n.author_id)
        .bind(n.created_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Every note of an engagement's threads, oldest first.
pub async fn finding_notes(conn: &mut Conn, engagement_id: i64) -> Result<Vec<FindingNote>> {
    Ok(sqlx::query_as::<_, FindingNote>("SELECT id, engagement_id, criterion, side, kind, body, due, author_id, created_at FROM finding_notes WHERE engagement_id = $1 ORDER BY id")
        .bind(engagement_id)
        .fetch_all(&mut *conn)
        .await?)
}

/// The assessment body's ★4 technical verification.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TechnicalVerification {
    pub engagement_id: i64,
    pub method: String,
    pub performed_on: String,
    pub result: String,
    pub summary: String,
    pub recorded_by: i64,
    pub recorded_at: i64,
}

pub async fn put_technical_verification(conn: &mut Conn, t: &TechnicalVerification) -> Result<()> {
    sqlx::query("DELETE FROM technical_verifications WHERE engagement_id = $1").bind(t.engagement_id).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO technical_verifications (engagement_id, method, performed_on, result, summary, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(t.engagement_id)
        .bind(&t.method)
        .bind(&t.performed_on)
        .bind(&t.result)
        .bind(&t.summary)
        .bind(t.recorded_by)
        .bind(t.recorded_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn technical_verification(conn: &mut Conn, engagement_id: i64) -> Result<Option<TechnicalVerification>> {
    Ok(sqlx::query_as::<_, TechnicalVerification>("SELECT engagement_id, method, performed_on, result, summary, recorded_by, recorded_at FROM technical_verifications WHERE engagement_id = $1")
        .bind(engagement_id)
        .fetch_optional(&mut *conn)
        .await?)
}

// ---- pledge ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pledge {
    pub officer_name: String,
    pub officer_title: String,
    pub text_version: String,
    pub text_sha256: String,
    pub signed_by: i64,
    pub signed_at: i64,
}

pub async fn put_pledge(conn: &mut Conn, assessment_id: i64, p: &Pledge) -> Result<()> {
    sqlx::query("INSERT INTO pledges (assessment_id, officer_name, officer_title, text_version, text_sha256, signed_by, signed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(assessment_id)
        .bind(&p.officer_name)
        .bind(&p.officer_title)
        .bind(&p.text_version)
        .bind(&p.text_sha256)
        .bind(p.signed_by)
        .bind(p.signed_at)
        .execute(&mut *conn)
        .await
        .map_err(|e| map_unique(e, "pledge"))?;
    Ok(())
}

pub async fn pledge(conn: &mut Conn, assessment_id: i64) -> Result<Option<Pledge>> {
    let r = sqlx::query(
        "SELECT officer_name, officer_title, text_version, text_sha256, signed_by, signed_at FROM pledges WHERE assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_optional(&mut *conn)
    .await?;
    r.map(|r| {
        Ok(Pledge {
            officer_name: r.try_get(0)?,
            officer_title: r.try_get(1)?,
            text_version: r.try_get(2)?,
            text_sha256: r.try_get(3)?,
            signed_by: r.try_get(4)?,
            signed_at: r.try_get(5)?,
        })
    })
    .transpose()
}

// ---- shares ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub id: i64,
    pub assessment_id: i64,
    pub buyer_org_id: i64,
    /// `summary` or `evidence`.
    pub mode: String,
    pub created_by: i64,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

const S_COLS: &str = "id, assessment_id, buyer_org_id, mode, created_by, created_at, revoked_at";

fn s_row(r: &AnyRow) -> Result<Share> {
    Ok(Share {
        id: r.try_get("id")?,
        assessment_id: r.try_get("assessment_id")?,
        buyer_org_id: r.try_get("buyer_org_id")?,
        mode: r.try_get("mode")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

pub async fn insert_share(conn: &mut Conn, s: &Share) -> Result<Share> {
    let row = sqlx::query(&format!("INSERT INTO shares (assessment_id, buyer_org_id, mode, created_by, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {S_COLS}"))
        .bind(s.assessment_id)
        .bind(s.buyer_org_id)
        .bind(&s.mode)
        .bind(s.created_by)
        .bind(s.created_at)
        .bind(s.revoked_at)
        .fetch_one(&mut *conn)
        .await?;
    s_row(&row)
}

pub async fn revoke_share(conn: &mut Conn, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE shares SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL").bind(now).bind(id).execute(&mut *conn).await?;
    Ok(())
}

pub async fn share(conn: &mut Conn, id: i64) -> Result<Share> {
    let row = sqlx::query(&format!("SELECT {S_COLS} FROM shares WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    s_row(&row)
}

pub async fn shares_of_assessment(conn: &mut Conn, assessment_id: i64) -> Result<Vec<Share>> {
    sqlx::query(&format!("SELECT {S_COLS} FROM shares WHERE assessment_id = $1 ORDER BY id"))
        .bind(assessment_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(s_row)
        .collect()
}

/// Live shares with a buyer, newest first.
pub async fn shares_with_buyer(conn: &mut Conn, buyer_org_id: i64) -> Result<Vec<Share>> {
    sqlx::query(&format!("SELECT {S_COLS} FROM shares WHERE buyer_org_id = $1 AND revoked_at IS NULL ORDER BY id DESC"))
        .bind(buyer_org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(s_row)
        .collect()
}

pub async fn record_view(conn: &mut Conn, share_id: i64, viewer: i64, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO share_views (share_id, viewer_user_id, viewed_at) VALUES ($1, $2, $3)")
        .bind(share_id)
        .bind(viewer)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Views of a share: (viewer email, viewer name, when), newest first.
pub async fn views(conn: &mut Conn, share_id: i64) -> Result<Vec<(String, String, i64)>> {
    sqlx::query("SELECT u.email, u.display_name, v.viewed_at FROM share_views v JOIN users u ON u.id = v.viewer_user_id WHERE v.share_id = $1 ORDER BY v.id DESC")
        .bind(share_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

// ---- expert profiles ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertProfile {
    pub org_id: i64,
    pub qualification: String,
    pub registration_number: String,
    /// Prefectures served, comma-separated Japanese names.
    pub regions: String,
    /// Languages, comma-separated codes.
    pub languages: String,
    pub public_support: bool,
    pub bio_ja: String,
    pub bio_en: String,
}

pub async fn put_expert(conn: &mut Conn, p: &ExpertProfile, now: i64) -> Result<()> {
    sqlx::query("DELETE FROM expert_profiles WHERE org_id = $1").bind(p.org_id).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO expert_profiles (org_id, qualification, registration_number, regions, languages, public_support, bio_ja, bio_en, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(p.org_id)
        .bind(&p.qualification)
        .bind(&p.registration_number)
        .bind(&p.regions)
        .bind(&p.languages)
        .bind(b(p.public_support))
        .bind(&p.bio_ja)
        .bind(&p.bio_en)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn experts(conn: &mut Conn) -> Result<Vec<ExpertProfile>> {
    sqlx::query("SELECT org_id, qualification, registration_number, regions, languages, public_support, bio_ja, bio_en FROM expert_profiles ORDER BY org_id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(ExpertProfile {
                org_id: r.try_get(0)?,
                qualification: r.try_get(1)?,
                registration_number: r.try_get(2)?,
                regions: r.try_get(3)?,
                languages: r.try_get(4)?,
                public_support: r.try_get::<i64, _>(5)? != 0,
                bio_ja: r.try_get(6)?,
                bio_en: r.try_get(7)?,
            })
        })
        .collect()
}
