//! Each organisation's supplier list, the level each relationship requires and its history,
//! imports, upload drafts, and the lists suppliers shared with their buyers (tiers).

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{placeholders, Conn, Result, StoreError};

/// One supplier of one buyer, as stored. The corporate number is already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierLink {
    pub id: i64,
    pub buyer_org_id: i64,
    pub corporate_number: String,
    pub name: String,
    pub annual_purchase_yen: Option<u64>,
    pub supplies: String,
    /// The three questions of the rule; `None`: not answered (stored as the answer column 1 and
    /// its `_unknown` column 1).
    pub holds_confidential_data: Option<bool>,
    pub outage_unacceptable: Option<bool>,
    pub network_access: Option<bool>,
    /// `low`, `medium` or `high`.
    pub criticality: String,
    pub contact_email: String,
    /// What the published rule asks for.
    pub rule_level: u8,
    /// What the buyer requires: the rule's level unless overridden with a reason.
    pub required_level: u8,
    pub override_reason: String,
    /// JST date `YYYY-MM-DD` from which the requirement applies.
    pub effective_from: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str =
    "id, buyer_org_id, corporate_number, name, annual_purchase_yen, supplies, holds_confidential_data, outage_unacceptable, \
                    network_access, holds_confidential_data_unknown, outage_unacceptable_unknown, network_access_unknown, criticality, \
                    contact_email, rule_level, required_level, override_reason, effective_from, created_at, updated_at";

fn level(v: i64) -> u8 {
    v.clamp(1, 5) as u8
}

/// An answer from its two columns: unknown wins over the stored value.
fn answer(r: &AnyRow, column: &str) -> Result<Option<bool>> {
    if r.try_get::<i64, _>(format!("{column}_unknown").as_str())? != 0 {
        return Ok(None);
    }
    Ok(Some(r.try_get::<i64, _>(column)? != 0))
}

/// The two columns of an answer: (value, unknown). Unknown stores the value 1 (counted as yes).
fn answer_columns(a: Option<bool>) -> (i64, i64) {
    match a {
        Some(v) => (i64::from(v), 0),
        None => (1, 1),
    }
}

fn link_row(r: &AnyRow) -> Result<SupplierLink> {
    Ok(SupplierLink {
        id: r.try_get("id")?,
        buyer_org_id: r.try_get("buyer_org_id")?,
        corporate_number: r.try_get("corporate_number")?,
        name: r.try_get("name")?,
        annual_purchase_yen: r.try_get::<Option<i64>, _>("annual_purchase_yen")?.map(|v| v.max(0) as u64),
        supplies: r.try_get("supplies")?,
        holds_confidential_data: answer(r, "holds_confidential_data")?,
        outage_unacceptable: answer(r, "outage_unacceptable")?,
        network_access: answer(r, "network_access")?,
        criticality: r.try_get("criticality")?,
        contact_email: r.try_get("contact_email")?,
        rule_level: level(r.try_get("rule_level")?),
        required_level: level(r.try_get("required_level")?),
        override_reason: r.try_get("override_reason")?,
        effective_from: r.try_get("effective_from")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn amount(v: Option<u64>) -> Option<i64> {
    v.map(|x| i64::try_from(x).unwrap_or(i64::MAX))
}

/// Inserts a new supplier link and returns its id. The buyer's list may not hold the same
/// corporate number twice (the caller updates instead).
pub async fn insert_link(conn: &mut Conn, l: &SupplierLink) -> Result<i64> {
    match insert_links(conn, std::slice::from_ref(l)).await {
        Ok(ids) => ids.first().map(|(_, id)| *id).ok_or(StoreError::NotFound),
        Err(StoreError::Duplicate(_)) => Err(StoreError::Duplicate(format!("supplier {}", l.corporate_number))),
        Err(e) => Err(e),
    }
}

/// Inserts new links in multi-row statements (500 rows each) and returns each one's id by
/// corporate number. None of them may already be on the buyer's list.
pub async fn insert_links(conn: &mut Conn, links: &[SupplierLink]) -> Result<Vec<(String, i64)>> {
    let mut ids = Vec::with_capacity(links.len());
    for chunk in links.chunks(500) {
        let sql = format!(
            "INSERT INTO supplier_links (buyer_org_id, corporate_number, name, annual_purchase_yen, supplies, holds_confidential_data, \
             outage_unacceptable, network_access, criticality, contact_email, rule_level, required_level, override_reason, effective_from, \
             created_at, updated_at, holds_confidential_data_unknown, outage_unacceptable_unknown, network_access_unknown) VALUES {} \
             RETURNING corporate_number, id",
            placeholders(conn, 1, chunk.len(), 19)
        );
        let mut q = sqlx::query(&sql);
        for l in chunk {
            let (confidential, confidential_unknown) = answer_columns(l.holds_confidential_data);
            let (outage, outage_unknown) = answer_columns(l.outage_unacceptable);
            let (network, network_unknown) = answer_columns(l.network_access);
            q = q
                .bind(l.buyer_org_id)
                .bind(&l.corporate_number)
                .bind(&l.name)
                .bind(amount(l.annual_purchase_yen))
                .bind(&l.supplies)
                .bind(confidential)
                .bind(outage)
                .bind(network)
                .bind(&l.criticality)
                .bind(&l.contact_email)
                .bind(i64::from(l.rule_level))
                .bind(i64::from(l.required_level))
                .bind(&l.override_reason)
                .bind(&l.effective_from)
                .bind(l.created_at)
                .bind(l.updated_at)
                .bind(confidential_unknown)
                .bind(outage_unknown)
                .bind(network_unknown);
        }
        let rows = q.fetch_all(&mut *conn).await.map_err(|e| crate::map_unique(e, "a supplier already on the list"))?;
        for r in rows {
            ids.push((r.try_get(0)?, r.try_get(1)?));
        }
    }
    Ok(ids)
}

/// Writes many links at once (every field but the id, buyer, corporate number and creation
/// time): one `UPDATE … FROM (VALUES …)` per 500.
pub async fn update_links(conn: &mut Conn, links: &[SupplierLink]) -> Result<()> {
    const TYPES: [&str; 17] = [
        "BIGINT", "TEXT", "BIGINT", "TEXT", "BIGINT", "BIGINT", "BIGINT", "TEXT", "TEXT", "BIGINT", "BIGINT", "TEXT", "TEXT", "BIGINT",
        "BIGINT", "BIGINT", "BIGINT",
    ];
    for chunk in links.chunks(500) {
        let mut values = String::new();
        for r in 0..chunk.len() {
            values.push_str(if r == 0 { "(" } else { ", (" });
            for (c, t) in TYPES.iter().enumerate() {
                if c > 0 {
                    values.push_str(", ");
                }
                values.push_str(&format!("CAST({} AS {t})", crate::param(conn, r * TYPES.len() + c + 1)));
            }
            values.push(')');
        }
        let sql = format!(
            "UPDATE supplier_links SET name = v.column2, annual_purchase_yen = v.column3, supplies = v.column4, \
             holds_confidential_data = v.column5, outage_unacceptable = v.column6, network_access = v.column7, criticality = v.column8, \
             contact_email = v.column9, rule_level = v.column10, required_level = v.column11, override_reason = v.column12, \
             effective_from = v.column13, updated_at = v.column14, holds_confidential_data_unknown = v.column15, \
             outage_unacceptable_unknown = v.column16, network_access_unknown = v.column17 \
             FROM (VALUES {values}) AS v WHERE supplier_links.id = v.column1"
        );
        let mut q = sqlx::query(&sql);
        for l in chunk {
            let (confidential, confidential_unknown) = answer_columns(l.holds_confidential_data);
            let (outage, outage_unknown) = answer_columns(l.outage_unacceptable);
            let (network, network_unknown) = answer_columns(l.network_access);
            q = q
                .bind(l.id)
                .bind(&l.name)
                .bind(amount(l.annual_purchase_yen))
                .bind(&l.supplies)
                .bind(confidential)
                .bind(outage)
                .bind(network)
                .bind(&l.criticality)
                .bind(&l.contact_email)
                .bind(i64::from(l.rule_level))
                .bind(i64::from(l.required_level))
                .bind(&l.override_reason)
                .bind(&l.effective_from)
                .bind(l.updated_at)
                .bind(confidential_unknown)
                .bind(outage_unknown)
                .bind(network_unknown);
        }
        let done = q.execute(&mut *conn).await?;
        if done.rows_affected() != chunk.len() as u64 {
            return Err(StoreError::NotFound);
        }
    }
    Ok(())
}

/// Writes every field but the id, buyer, corporate number and creation time.
pub async fn update_link(conn: &mut Conn, l: &SupplierLink) -> Result<()> {
    update_links(conn, std::slice::from_ref(l)).await
}

/// A buyer's whole supplier list, by corporate number.
pub async fn links_of_buyer(conn: &mut Conn, buyer_org_id: i64) -> Result<Vec<SupplierLink>> {
    sqlx::query(&format!("SELECT {COLS} FROM supplier_links WHERE buyer_org_id = $1 ORDER BY corporate_number"))
        .bind(buyer_org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(link_row)
        .collect()
}

pub async fn link(conn: &mut Conn, buyer_org_id: i64, corporate_number: &str) -> Result<SupplierLink> {
    let r = sqlx::query(&format!("SELECT {COLS} FROM supplier_links WHERE buyer_org_id = $1 AND corporate_number = $2"))
        .bind(buyer_org_id)
        .bind(corporate_number)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    link_row(&r)
}

/// Every buyer's link to this supplier: what each buyer requires of it.
pub async fn links_to_supplier(conn: &mut Conn, corporate_number: &str) -> Result<Vec<SupplierLink>> {
    sqlx::query(&format!("SELECT {COLS} FROM supplier_links WHERE corporate_number = $1 ORDER BY buyer_org_id"))
        .bind(corporate_number)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(link_row)
        .collect()
}

/// One recorded change of a required level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementChange {
    pub required_level: u8,
    pub reason: String,
    pub effective_from: String,
    /// The person's display name, if a person made it (an import by the command line has none).
    pub changed_by: Option<String>,
    pub changed_at: i64,
}

pub async fn insert_change(conn: &mut Conn, link_id: i64, c: &RequirementChange, user_id: Option<i64>) -> Result<()> {
    sqlx::query(
        "INSERT INTO requirement_changes (link_id, required_level, reason, effective_from, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(link_id)
    .bind(i64::from(c.required_level))
    .bind(&c.reason)
    .bind(&c.effective_from)
    .bind(user_id)
    .bind(c.changed_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Many history rows at once: one statement per 1,000.
pub async fn insert_changes(conn: &mut Conn, changes: &[(i64, RequirementChange)], user_id: Option<i64>) -> Result<()> {
    for chunk in changes.chunks(1000) {
        let sql = format!(
            "INSERT INTO requirement_changes (link_id, required_level, reason, effective_from, changed_by, changed_at) VALUES {}",
            placeholders(conn, 1, chunk.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for (link_id, c) in chunk {
            q = q.bind(*link_id).bind(i64::from(c.required_level)).bind(&c.reason).bind(&c.effective_from).bind(user_id).bind(c.changed_at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The history of a link's required level, newest first.
pub async fn changes(conn: &mut Conn, link_id: i64) -> Result<Vec<RequirementChange>> {
    let rows = sqlx::query(
        "SELECT c.required_level, c.reason, c.effective_from, u.display_name, c.changed_at FROM requirement_changes c \
         LEFT JOIN users u ON u.id = c.changed_by WHERE c.link_id = $1 ORDER BY c.id DESC",
    )
    .bind(link_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RequirementChange {
                required_level: level(r.try_get(0)?),
                reason: r.try_get(1)?,
                effective_from: r.try_get(2)?,
                changed_by: r.try_get(3)?,
                changed_at: r.try_get(4)?,
            })
        })
        .collect()
}

/// The record of one import that wrote something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub filename: String,
    pub rows_total: u64,
    pub rows_ok: u64,
    pub created: u64,
    pub updated: u64,
    pub errors: u64,
    /// Warnings the person accepted (blanks imported with an assumption).
    pub warnings: u64,
    pub imported_at: i64,
}

pub async fn insert_import(conn: &mut Conn, buyer_org_id: i64, r: &ImportRecord, user_id: Option<i64>) -> Result<()> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO supplier_imports (buyer_org_id, filename, rows_total, rows_ok, created, updated, errors, imported_by, imported_at, \
         warnings) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(buyer_org_id)
    .bind(&r.filename)
    .bind(n(r.rows_total))
    .bind(n(r.rows_ok))
    .bind(n(r.created))
    .bind(n(r.updated))
    .bind(n(r.errors))
    .bind(user_id)
    .bind(r.imported_at)
    .bind(n(r.warnings))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The latest imports of a buyer, newest first.
pub async fn imports(conn: &mut Conn, buyer_org_id: i64, limit: i64) -> Result<Vec<ImportRecord>> {
    let rows = sqlx::query(
        "SELECT filename, rows_total, rows_ok, created, updated, errors, imported_at, warnings FROM supplier_imports \
         WHERE buyer_org_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(buyer_org_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let u = |v: i64| v.max(0) as u64;
    rows.iter()
        .map(|r| {
            Ok(ImportRecord {
                filename: r.try_get(0)?,
                rows_total: u(r.try_get(1)?),
                rows_ok: u(r.try_get(2)?),
                created: u(r.try_get(3)?),
                updated: u(r.try_get(4)?),
                errors: u(r.try_get(5)?),
                imported_at: r.try_get(6)?,
                warnings: u(r.try_get(7)?),
            })
        })
        .collect()
}

// ---- upload drafts ----

/// Keeps an uploaded file for the preview; returns its id.
pub async fn insert_draft(conn: &mut Conn, buyer_org_id: i64, user_id: i64, filename: &str, data: &[u8], now: i64) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO import_drafts (buyer_org_id, created_by, filename, data, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(buyer_org_id)
    .bind(user_id)
    .bind(filename)
    .bind(data.to_vec())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get(0)?)
}

/// A draft of this buyer: (file name, bytes).
pub async fn draft(conn: &mut Conn, buyer_org_id: i64, id: i64) -> Result<(String, Vec<u8>)> {
    let r = sqlx::query("SELECT filename, data FROM import_drafts WHERE id = $1 AND buyer_org_id = $2")
        .bind(id)
        .bind(buyer_org_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

pub async fn delete_draft(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM import_drafts WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

/// Drops drafts older than `before` (an abandoned preview).
pub async fn delete_drafts_before(conn: &mut Conn, before: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM import_drafts WHERE created_at < $1").bind(before).execute(&mut *conn).await?.rows_affected())
}

// ---- tiers ----

/// The supplier `org_id` shows its supplier list to `buyer_org_id`. Sharing twice is harmless.
pub async fn share_tier(conn: &mut Conn, org_id: i64, buyer_org_id: i64, user_id: i64, now: i64) -> Result<()> {
    let exists = sqlx::query("SELECT 1 FROM tier_shares WHERE org_id = $1 AND buyer_org_id = $2")
        .bind(org_id)
        .bind(buyer_org_id)
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_none() {
        sqlx::query("INSERT INTO tier_shares (org_id, buyer_org_id, created_by, created_at) VALUES ($1, $2, $3, $4)")
            .bind(org_id)
            .bind(buyer_org_id)
            .bind(user_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn unshare_tier(conn: &mut Conn, org_id: i64, buyer_org_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM tier_shares WHERE org_id = $1 AND buyer_org_id = $2")
        .bind(org_id)
        .bind(buyer_org_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The buyers this organisation shows its supplier list to.
pub async fn tier_shares_of(conn: &mut Conn, org_id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query("SELECT buyer_org_id FROM tier_shares WHERE org_id = $1 ORDER BY buyer_org_id")
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// The organisations that show their supplier lists to this buyer.
pub async fn tier_shares_with(conn: &mut Conn, buyer_org_id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query("SELECT org_id FROM tier_shares WHERE buyer_org_id = $1 ORDER BY org_id")
        .bind(buyer_org_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}
