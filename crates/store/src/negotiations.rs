//! Price negotiations: the case row, its append-only hash-chained steps, and the evidence the
//! supplier attached. There is no delete and no update of a step: a step, once written, stays.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Conn, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiation {
    pub id: i64,
    pub supplier_org_id: i64,
    pub buyer_org_id: i64,
    pub assessment_id: Option<i64>,
    /// A `hoshi_core::negotiation::State` key.
    pub state: String,
    pub rule: String,
    /// What the supplier first asked for, per year.
    pub requested_annual_yen: u64,
    /// The amount on the table now (the latest request, revision or counter-offer), per year.
    pub offered_annual_yen: u64,
    pub agreed_annual_yen: Option<u64>,
    pub agreed_effective_from: Option<String>,
    /// JST date by which the buyer should answer.
    pub response_due: String,
    pub opened_at: i64,
    pub updated_at: i64,
    pub first_response_at: Option<i64>,
    pub escalated_at: Option<i64>,
    pub retain_until: i64,
}

const COLS: &str = "id, supplier_org_id, buyer_org_id, assessment_id, state, rule, requested_annual_yen, offered_annual_yen, \
                    agreed_annual_yen, agreed_effective_from, response_due, opened_at, updated_at, first_response_at, escalated_at, retain_until";

fn yen(v: i64) -> u64 {
    v.max(0) as u64
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn row(r: &AnyRow) -> Result<Negotiation> {
    Ok(Negotiation {
        id: r.try_get("id")?,
        supplier_org_id: r.try_get("supplier_org_id")?,
        buyer_org_id: r.try_get("buyer_org_id")?,
        assessment_id: r.try_get("assessment_id")?,
        state: r.try_get("state")?,
        rule: r.try_get("rule")?,
        requested_annual_yen: yen(r.try_get("requested_annual_yen")?),
        offered_annual_yen: yen(r.try_get("offered_annual_yen")?),
        agreed_annual_yen: r.try_get::<Option<i64>, _>("agreed_annual_yen")?.map(yen),
        agreed_effective_from: r.try_get("agreed_effective_from")?,
        response_due: r.try_get("response_due")?,
        opened_at: r.try_get("opened_at")?,
        updated_at: r.try_get("updated_at")?,
        first_response_at: r.try_get("first_response_at")?,
        escalated_at: r.try_get("escalated_at")?,
        retain_until: r.try_get("retain_until")?,
    })
}

pub async fn insert(conn: &mut Conn, n: &Negotiation) -> Result<i64> {
    let r = sqlx::query(
        "INSERT INTO negotiations (supplier_org_id, buyer_org_id, assessment_id, state, rule, requested_annual_yen, offered_annual_yen, \
         agreed_annual_yen, agreed_effective_from, response_due, opened_at, updated_at, first_response_at, escalated_at, retain_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(n.supplier_org_id)
    .bind(n.buyer_org_id)
    .bind(n.assessment_id)
    .bind(&n.state)
    .bind(&n.rule)
    .bind(i(n.requested_annual_yen))
    .bind(i(n.offered_annual_yen))
    .bind(n.agreed_annual_yen.map(i))
    .bind(&n.agreed_effective_from)
    .bind(&n.response_due)
    .bind(n.opened_at)
    .bind(n.updated_at)
    .bind(n.first_response_at)
    .bind(n.escalated_at)
    .bind(n.retain_until)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get(0)?)
}

/// Writes the case's changing fields (state, amounts, dates); the parties never change.
pub async fn update(conn: &mut Conn, n: &Negotiation) -> Result<()> {
    let done = sqlx::query(
        "UPDATE negotiations SET state = $1, offered_annual_yen = $2, agreed_annual_yen = $3, agreed_effective_from = $4, \
         updated_at = $5, first_response_at = $6, escalated_at = $7 WHERE id = $8",
    )
    .bind(&n.state)
    .bind(i(n.offered_annual_yen))
    .bind(n.agreed_annual_yen.map(i))
    .bind(&n.agreed_effective_from)
    .bind(n.updated_at)
    .bind(n.first_response_at)
    .bind(n.escalated_at)
    .bind(n.id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Negotiation> {
    let r = sqlx::query(&format!("SELECT {COLS} FROM negotiations WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    row(&r)
}

/// The negotiations an organisation takes part in (as supplier or buyer), newest first.
pub async fn of_org(conn: &mut Conn, org_id: i64) -> Result<Vec<Negotiation>> {
    sqlx::query(&format!("SELECT {COLS} FROM negotiations WHERE supplier_org_id = $1 OR buyer_org_id = $1 ORDER BY id DESC"))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(row)
        .collect()
}

/// Every negotiation (for the regulator's aggregate figures).
pub async fn all(conn: &mut Conn) -> Result<Vec<Negotiation>> {
    sqlx::query(&format!("SELECT {COLS} FROM negotiations ORDER BY id")).fetch_all(&mut *conn).await?.iter().map(row).collect()
}

/// The escalated negotiations, newest escalation first.
pub async fn escalated(conn: &mut Conn) -> Result<Vec<Negotiation>> {
    sqlx::query(&format!("SELECT {COLS} FROM negotiations WHERE escalated_at IS NOT NULL ORDER BY escalated_at DESC, id DESC"))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(row)
        .collect()
}

/// One stored step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub seq: u64,
    pub kind: String,
    pub org_corporate_number: String,
    pub user_id: Option<i64>,
    pub actor: String,
    pub at: i64,
    pub body: String,
    pub prev_hash: String,
    pub hash: String,
}

pub async fn insert_step(conn: &mut Conn, negotiation_id: i64, s: &Step) -> Result<()> {
    sqlx::query(
        "INSERT INTO negotiation_steps (negotiation_id, seq, kind, org_corporate_number, user_id, actor, at, body, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(negotiation_id)
    .bind(i(s.seq))
    .bind(&s.kind)
    .bind(&s.org_corporate_number)
    .bind(s.user_id)
    .bind(&s.actor)
    .bind(s.at)
    .bind(&s.body)
    .bind(&s.prev_hash)
    .bind(&s.hash)
    .execute(&mut *conn)
    .await
    .map_err(|e| crate::map_unique(e, "negotiation step (written by someone else at the same moment: reload and try again)"))?;
    Ok(())
}

/// The steps of a negotiation in order.
pub async fn steps(conn: &mut Conn, negotiation_id: i64) -> Result<Vec<Step>> {
    let rows = sqlx::query(
        "SELECT seq, kind, org_corporate_number, user_id, actor, at, body, prev_hash, hash FROM negotiation_steps \
         WHERE negotiation_id = $1 ORDER BY seq",
    )
    .bind(negotiation_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Step {
                seq: yen(r.try_get(0)?),
                kind: r.try_get(1)?,
                org_corporate_number: r.try_get(2)?,
                user_id: r.try_get(3)?,
                actor: r.try_get(4)?,
                at: r.try_get(5)?,
                body: r.try_get(6)?,
                prev_hash: r.try_get(7)?,
                hash: r.try_get(8)?,
            })
        })
        .collect()
}

pub async fn attach(conn: &mut Conn, negotiation_id: i64, sha256: &str, filename: &str) -> Result<()> {
    sqlx::query("INSERT INTO negotiation_evidence (negotiation_id, sha256, filename) VALUES ($1, $2, $3)")
        .bind(negotiation_id)
        .bind(sha256)
        .bind(filename)
        .execute(&mut *conn)
        .await
        .map_err(|e| crate::map_unique(e, "evidence already attached"))?;
    Ok(())
}

/// The attached evidence: (sha256, file name).
pub async fn evidence(conn: &mut Conn, negotiation_id: i64) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT sha256, filename FROM negotiation_evidence WHERE negotiation_id = $1 ORDER BY filename")
        .bind(negotiation_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}
