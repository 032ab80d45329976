//! Certification and the registry: signing keys' public halves, applications, certificates,
//! and the transparency log's tables (pending events, entries, stored hashes, checkpoints).

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{placeholders, Conn, Result, StoreError};

// ---- signing keys ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub kid: String,
    /// `issuer` (JWS) or `log` (checkpoint notes).
    pub kind: String,
    /// A JWK (issuer) or a note verifier key line (log).
    pub public_key: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

pub async fn insert_key(conn: &mut Conn, k: &KeyRow) -> Result<()> {
    sqlx::query("INSERT INTO signing_keys (kid, kind, public_key, created_at, retired_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&k.kid)
        .bind(&k.kind)
        .bind(&k.public_key)
        .bind(k.created_at)
        .bind(k.retired_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn keys(conn: &mut Conn, kind: &str) -> Result<Vec<KeyRow>> {
    sqlx::query("SELECT kid, kind, public_key, created_at, retired_at FROM signing_keys WHERE kind = $1 ORDER BY created_at, kid")
        .bind(kind)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(KeyRow {
                kid: r.try_get(0)?,
                kind: r.try_get(1)?,
                public_key: r.try_get(2)?,
                created_at: r.try_get(3)?,
                retired_at: r.try_get(4)?,
            })
        })
        .collect()
}

pub async fn retire_key(conn: &mut Conn, kid: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE kid = $2 AND retired_at IS NULL")
        .bind(now)
        .bind(kid)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---- applications ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: i64,
    pub org_id: i64,
    pub assessment_id: i64,
    pub level: u8,
    /// `submitted`, `issued` or `refused`.
    pub status: String,
    pub reason: String,
    pub submitted_by: i64,
    pub submitted_at: i64,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    pub serial: Option<String>,
    /// The operator's recorded check of the dossier.
    pub checked_by: Option<i64>,
    pub checked_at: Option<i64>,
    pub check_note: String,
    /// For a renewal: the certificate it renews.
    pub previous_serial: Option<String>,
}

const APP_COLS: &str =
    "id, org_id, assessment_id, level, status, reason, submitted_by, submitted_at, decided_by, decided_at, serial, checked_by, checked_at, check_note, previous_serial";

fn app_row(r: &AnyRow) -> Result<Application> {
    Ok(Application {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        assessment_id: r.try_get("assessment_id")?,
        level: r.try_get::<i64, _>("level")?.clamp(1, 5) as u8,
        status: r.try_get("status")?,
        reason: r.try_get("reason")?,
        submitted_by: r.try_get("submitted_by")?,
        submitted_at: r.try_get("submitted_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        serial: r.try_get("serial")?,
        checked_by: r.try_get("checked_by")?,
        checked_at: r.try_get("checked_at")?,
        check_note: r.try_get("check_note")?,
        previous_serial: r.try_get("previous_serial")?,
    })
}

/// Records the operator's check of an application's dossier.
pub async fn set_application_check(conn: &mut Conn, id: i64, by: i64, at: i64, note: &str) -> Result<()> {
    sqlx::query("UPDATE applications SET checked_by = $1, checked_at = $2, check_note = $3 WHERE id = $4")
        .bind(by)
        .bind(at)
        .bind(note)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn insert_application(conn: &mut Conn, a: &Application) -> Result<Application> {
    let row = sqlx::query(&format!(
        "INSERT INTO applications (org_id, assessment_id, level, status, reason, submitted_by, submitted_at, previous_serial) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {APP_COLS}"
    ))
    .bind(a.org_id)
    .bind(a.assessment_id)
    .bind(i64::from(a.level))
    .bind(&a.status)
    .bind(&a.reason)
    .bind(a.submitted_by)
    .bind(a.submitted_at)
    .bind(&a.previous_serial)
    .fetch_one(&mut *conn)
    .await?;
    app_row(&row)
}

pub async fn update_application(conn: &mut Conn, a: &Application) -> Result<()> {
    sqlx::query("UPDATE applications SET status = $1, reason = $2, decided_by = $3, decided_at = $4, serial = $5 WHERE id = $6")
        .bind(&a.status)
        .bind(&a.reason)
        .bind(a.decided_by)
        .bind(a.decided_at)
        .bind(&a.serial)
        .bind(a.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn application(conn: &mut Conn, id: i64) -> Result<Application> {
    let r = sqlx::query(&format!("SELECT {APP_COLS} FROM applications WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    app_row(&r)
}

pub async fn applications_of_org(conn: &mut Conn, org_id: i64) -> Result<Vec<Application>> {
    sqlx::query(&format!("SELECT {APP_COLS} FROM applications WHERE org_id = $1 ORDER BY id DESC"))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(app_row)
        .collect()
}

/// A page of the applications in a state, oldest first, and how many there are in all.
pub async fn applications_with_status(conn: &mut Conn, status: &str, limit: i64, offset: i64) -> Result<(Vec<Application>, i64)> {
    let total: i64 =
        sqlx::query("SELECT COUNT(*) FROM applications WHERE status = $1").bind(status).fetch_one(&mut *conn).await?.try_get(0)?;
    let page = sqlx::query(&format!("SELECT {APP_COLS} FROM applications WHERE status = $1 ORDER BY id LIMIT $2 OFFSET $3"))
        .bind(status)
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(app_row)
        .collect::<Result<Vec<_>>>()?;
    Ok((page, total))
}

// ---- certificates ----

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub serial: String,
    pub org_id: i64,
    pub application_id: i64,
    pub level: u8,
    pub scope: String,
    pub edition: String,
    pub issued_at: i64,
    pub valid_until: i64,
    /// `active`, `suspended`, `revoked`, `expired` or `superseded`.
    pub state: String,
    pub reason: String,
    pub superseded_by: Option<String>,
    pub jws: String,
    pub kid: String,
    pub log_index: Option<i64>,
    pub updated_at: i64,
    /// The scope in English words (`scope` holds the Japanese).
    pub scope_en: String,
    /// The attesting expert or assessment body, as JSON (kind, names, corporate number,
    /// registration or designation number).
    pub attestation: String,
    /// Why it was suspended or revoked, as a category key (the words are in `reason`).
    pub reason_category: String,
}

const CERT_COLS: &str = "serial, org_id, application_id, level, scope, edition, issued_at, valid_until, state, reason, superseded_by, jws, kid, log_index, updated_at, scope_en, attestation, reason_category";

fn cert_row(r: &AnyRow) -> Result<Certificate> {
    Ok(Certificate {
        serial: r.try_get("serial")?,
        org_id: r.try_get("org_id")?,
        application_id: r.try_get("application_id")?,
        level: r.try_get::<i64, _>("level")?.clamp(1, 5) as u8,
        scope: r.try_get("scope")?,
        edition: r.try_get("edition")?,
        issued_at: r.try_get("issued_at")?,
        valid_until: r.try_get("valid_until")?,
        state: r.try_get("state")?,
        reason: r.try_get("reason")?,
        superseded_by: r.try_get("superseded_by")?,
        jws: r.try_get("jws")?,
        kid: r.try_get("kid")?,
        log_index: r.try_get("log_index")?,
        updated_at: r.try_get("updated_at")?,
        scope_en: r.try_get("scope_en")?,
        attestation: r.try_get("attestation")?,
        reason_category: r.try_get("reason_category")?,
    })
}

pub async fn insert_certificate(conn: &mut Conn, c: &Certificate) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO certificates ({CERT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    ))
    .bind(&c.serial)
    .bind(c.org_id)
    .bind(c.application_id)
    .bind(i64::from(c.level))
    .bind(&c.scope)
    .bind(&c.edition)
    .bind(c.issued_at)
    .bind(c.valid_until)
    .bind(&c.state)
    .bind(&c.reason)
    .bind(&c.superseded_by)
    .bind(&c.jws)
    .bind(&c.kid)
    .bind(c.log_index)
    .bind(c.updated_at)
    .bind(&c.scope_en)
    .bind(&c.attestation)
    .bind(&c.reason_category)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn set_state(conn: &mut Conn, serial: &str, state: &str, reason: &str, superseded_by: Option<&str>, now: i64) -> Result<()> {
    let done = sqlx::query("UPDATE certificates SET state = $1, reason = $2, superseded_by = $3, updated_at = $4 WHERE serial = $5")
        .bind(state)
        .bind(reason)
        .bind(superseded_by)
        .bind(now)
        .bind(serial)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Sets a suspension's or revocation's reason category.
pub async fn set_reason_category(conn: &mut Conn, serial: &str, category: &str) -> Result<()> {
    sqlx::query("UPDATE certificates SET reason_category = $1 WHERE serial = $2").bind(category).bind(serial).execute(&mut *conn).await?;
    Ok(())
}

pub async fn certificate(conn: &mut Conn, serial: &str) -> Result<Certificate> {
    let r = sqlx::query(&format!("SELECT {CERT_COLS} FROM certificates WHERE serial = $1"))
        .bind(serial)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    cert_row(&r)
}

pub async fn certificates_of_org(conn: &mut Conn, org_id: i64) -> Result<Vec<Certificate>> {
    sqlx::query(&format!("SELECT {CERT_COLS} FROM certificates WHERE org_id = $1 ORDER BY issued_at DESC, serial DESC"))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(cert_row)
        .collect()
}

/// Every certificate of these organisations, newest first (one query per 500 organisations).
pub async fn certificates_of_orgs(conn: &mut Conn, org_ids: &[i64]) -> Result<Vec<Certificate>> {
    let mut out = Vec::new();
    for chunk in org_ids.chunks(500) {
        let placeholders = crate::placeholders(conn, 1, chunk.len(), 1);
        let sql = format!("SELECT {CERT_COLS} FROM certificates WHERE org_id IN ({}) ORDER BY issued_at DESC, serial DESC", placeholders);
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(cert_row(&r)?);
        }
    }
    Ok(out)
}

/// Active certificates whose validity ended at or before `now`.
pub async fn due_to_expire(conn: &mut Conn, now: i64) -> Result<Vec<Certificate>> {
    sqlx::query(&format!(
        "SELECT {CERT_COLS} FROM certificates WHERE state IN ('active', 'suspended') AND valid_until <= $1 ORDER BY serial"
    ))
    .bind(now)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(cert_row)
    .collect()
}

/// The certificates of the organisations with these corporate numbers, with the number.
/// What bulk verification and a buyer's portfolio read of a certificate: its state, not its
/// token or attestation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CertStatus {
    pub corporate_number: String,
    pub serial: String,
    /// ★1–5 as stored.
    pub level: i64,
    pub state: String,
    pub issued_at: i64,
    pub valid_until: i64,
    pub superseded_by: Option<String>,
}

impl CertStatus {
    /// The level as ★1–5.
    pub fn stars(&self) -> u8 {
        self.level.clamp(1, 5) as u8
    }
}

/// Every certificate of the companies with these corporate numbers, as [`CertStatus`]: one
/// query per 2,000 numbers, reading only the columns an answer shows.
pub async fn certificate_states(conn: &mut Conn, numbers: &[String]) -> Result<Vec<CertStatus>> {
    let mut out = Vec::new();
    for chunk in numbers.chunks(2000) {
        let sql = format!(
            "SELECT o.corporate_number, c.serial, c.level, c.state, c.issued_at, c.valid_until, c.superseded_by FROM certificates c \
             JOIN organizations o ON o.id = c.org_id WHERE o.corporate_number IN ({})",
            placeholders(conn, 1, chunk.len(), 1)
        );
        let mut q = sqlx::query_as::<_, CertStatus>(&sql);
        for n in chunk {
            q = q.bind(n);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// A registry search row: organisation facts and its certificates.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Part of a name (Japanese or English) or a corporate number.
    pub q: String,
    pub level: Option<u8>,
    pub prefecture: Option<String>,
    pub industry: Option<String>,
    pub state: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// Organisations that hold (or held) a certificate matching the search, by corporate number,
/// and how many match in all.
pub async fn search_certified(conn: &mut Conn, s: &Search) -> Result<(Vec<i64>, i64)> {
    // Organisation filters on `o`, certificate filters inside EXISTS: the list then walks the
    // organisations in corporate-number order (its unique index) and stops at the page's end,
    // instead of grouping every certificate in the country first.
    let mut org_clauses = vec!["1 = 1".to_owned()];
    let mut cert_clauses = vec!["c.org_id = o.id".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    let next = |v: String, binds: &mut Vec<String>| {
        binds.push(v);
        format!("${}", binds.len())
    };
    if !s.q.trim().is_empty() {
        let like = format!("%{}%", s.q.trim().to_lowercase().replace(['%', '_'], ""));
        let p = next(like, &mut binds);
        org_clauses.push(format!("(LOWER(o.name_ja) LIKE {p} OR LOWER(o.name_en) LIKE {p} OR o.corporate_number LIKE {p})"));
    }
    if let Some(pr) = &s.prefecture {
        let p = next(pr.clone(), &mut binds);
        org_clauses.push(format!("o.prefecture = {p}"));
    }
    if let Some(ind) = &s.industry {
        let p = next(ind.clone(), &mut binds);
        org_clauses.push(format!("o.industry = {p}"));
    }
    if let Some(l) = s.level {
        let p = next(l.to_string(), &mut binds);
        cert_clauses.push(format!("c.level = CAST({p} AS BIGINT)"));
    }
    if let Some(st) = &s.state {
        let p = next(st.clone(), &mut binds);
        cert_clauses.push(format!("c.state = {p}"));
    }
    let filter = format!("{} AND EXISTS (SELECT 1 FROM certificates c WHERE {})", org_clauses.join(" AND "), cert_clauses.join(" AND "));
    // Without an organisation filter the count is over certificates alone (a few hundred
    // thousand rows nationally), not a semi-join over every organisation (3.4 million).
    let count_sql = if org_clauses.len() == 1 {
        let certs: Vec<&str> = cert_clauses.iter().skip(1).map(String::as_str).chain(["1 = 1"]).collect();
        format!("SELECT COUNT(DISTINCT c.org_id) FROM certificates c WHERE {}", certs.join(" AND "))
    } else {
        format!("SELECT COUNT(*) FROM organizations o WHERE {filter}")
    };
    let mut q = sqlx::query(&count_sql);
    for b in &binds {
        q = q.bind(b);
    }
    let total: i64 = q.fetch_one(&mut *conn).await?.try_get(0)?;
    let list_sql = format!(
        "SELECT o.id FROM organizations o WHERE {filter} ORDER BY o.corporate_number LIMIT {} OFFSET {}",
        s.limit.clamp(1, 1000),
        s.offset.max(0)
    );
    let mut q = sqlx::query(&list_sql);
    for b in &binds {
        q = q.bind(b);
    }
    let ids = q.fetch_all(&mut *conn).await?.iter().map(|r| r.try_get::<i64, _>(0)).collect::<Result<Vec<_>, _>>()?;
    Ok((ids, total))
}

// ---- the log ----

/// Takes the sequencer lock for this transaction: exactly one sequencer at a time.
pub async fn lock_log(conn: &mut Conn, holder: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE log_lock SET holder = $1, at = $2 WHERE id = 1").bind(holder).bind(now).execute(&mut *conn).await?;
    Ok(())
}

pub async fn insert_pending(conn: &mut Conn, data: &[u8], serial: Option<&str>, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO log_pending (data, serial, created_at) VALUES ($1, $2, $3)")
        .bind(data.to_vec())
        .bind(serial)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Pending events, oldest first: (id, data, serial).
pub async fn pending(conn: &mut Conn, limit: i64) -> Result<Vec<(i64, Vec<u8>, Option<String>)>> {
    sqlx::query(&format!("SELECT id, data, serial FROM log_pending ORDER BY id LIMIT {}", limit.clamp(1, 100_000)))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// Removes these pending events (they were sequenced), by id: never by range, since on
/// PostgreSQL a lower id can commit after a higher one is already visible.
pub async fn delete_pending(conn: &mut Conn, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(1000) {
        let sql = format!("DELETE FROM log_pending WHERE id IN ({})", placeholders(conn, 1, chunk.len(), 1));
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The number of entries: one past the largest index (entries are numbered 0, 1, 2, … without
/// gaps), read from the primary key's end instead of counting every row — the sequencer asks
/// twice a second.
pub async fn log_size(conn: &mut Conn) -> Result<u64> {
    let r = sqlx::query("SELECT MAX(idx) FROM log_entries").fetch_one(&mut *conn).await?;
    Ok(r.try_get::<Option<i64>, _>(0)?.map_or(0, |m| m.max(-1) as u64 + 1))
}

/// Appends entries at consecutive indexes from `first`: one multi-row statement per 500.
pub async fn insert_entries(conn: &mut Conn, first: u64, entries: &[(&[u8], Option<&str>)], now: i64) -> Result<()> {
    for (c, chunk) in entries.chunks(500).enumerate() {
        let sql = format!("INSERT INTO log_entries (idx, data, serial, created_at) VALUES {}", placeholders(conn, 1, chunk.len(), 4));
        let mut q = sqlx::query(&sql);
        for (i, (data, serial)) in chunk.iter().enumerate() {
            q = q.bind((first + (c * 500 + i) as u64) as i64).bind(data.to_vec()).bind(*serial).bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Stores hashes at consecutive stored-hash indexes from `first`: one statement per 1,000.
pub async fn insert_hashes(conn: &mut Conn, first: u64, hashes: &[[u8; 32]]) -> Result<()> {
    for (c, chunk) in hashes.chunks(1000).enumerate() {
        let sql = format!("INSERT INTO log_hashes (idx, hash) VALUES {}", placeholders(conn, 1, chunk.len(), 2));
        let mut q = sqlx::query(&sql);
        for (i, h) in chunk.iter().enumerate() {
            q = q.bind((first + (c * 1000 + i) as u64) as i64).bind(h.to_vec());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Records where each certificate's issuing entry landed: one statement per 300.
pub async fn set_log_indexes(conn: &mut Conn, at: &[(&str, u64)]) -> Result<()> {
    for chunk in at.chunks(300) {
        let n = chunk.len();
        let cases: Vec<String> = (0..n)
            .map(|i| format!("WHEN {} THEN CAST({} AS BIGINT)", crate::param(conn, 2 * i + 1), crate::param(conn, 2 * i + 2)))
            .collect();
        let sql = format!(
            "UPDATE certificates SET log_index = CASE serial {} END WHERE log_index IS NULL AND serial IN ({})",
            cases.join(" "),
            placeholders(conn, 2 * n + 1, n, 1)
        );
        let mut q = sqlx::query(&sql);
        for (serial, idx) in chunk {
            q = q.bind(*serial).bind(*idx as i64);
        }
        for (serial, _) in chunk {
            q = q.bind(*serial);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Hashes at these stored-hash indexes (those present).
pub async fn read_hashes(conn: &mut Conn, indexes: &[u64]) -> Result<Vec<(u64, [u8; 32])>> {
    let mut out = Vec::with_capacity(indexes.len());
    for chunk in indexes.chunks(500) {
        let placeholders = crate::placeholders(conn, 1, chunk.len(), 1);
        let sql = format!("SELECT idx, hash FROM log_hashes WHERE idx IN ({})", placeholders);
        let mut q = sqlx::query(&sql);
        for i in chunk {
            q = q.bind(*i as i64);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let bytes: Vec<u8> = r.try_get(1)?;
            let h: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Corrupt("a log hash is not 32 bytes".into()))?;
            out.push((r.try_get::<i64, _>(0)?.max(0) as u64, h));
        }
    }
    Ok(out)
}

/// Entries `from..to` (exclusive), in order.
pub async fn entries(conn: &mut Conn, from: u64, to: u64) -> Result<Vec<Vec<u8>>> {
    sqlx::query("SELECT data FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
        .bind(from as i64)
        .bind(to as i64)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
}

/// The index of the latest entry about a certificate.
pub async fn last_entry_of(conn: &mut Conn, serial: &str) -> Result<Option<u64>> {
    let r = sqlx::query("SELECT MAX(idx) FROM log_entries WHERE serial = $1").bind(serial).fetch_one(&mut *conn).await?;
    Ok(r.try_get::<Option<i64>, _>(0)?.map(|v| v.max(0) as u64))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    pub size: u64,
    pub root: [u8; 32],
    pub note: String,
    pub created_at: i64,
}

fn cp_row(r: &AnyRow) -> Result<CheckpointRow> {
    let root: Vec<u8> = r.try_get(1)?;
    Ok(CheckpointRow {
        size: r.try_get::<i64, _>(0)?.max(0) as u64,
        root: root.try_into().map_err(|_| StoreError::Corrupt("a checkpoint root is not 32 bytes".into()))?,
        note: r.try_get(2)?,
        created_at: r.try_get(3)?,
    })
}

pub async fn insert_checkpoint(conn: &mut Conn, c: &CheckpointRow) -> Result<()> {
    sqlx::query("INSERT INTO log_checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, $4)")
        .bind(c.size as i64)
        .bind(c.root.to_vec())
        .bind(&c.note)
        .bind(c.created_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn latest_checkpoint(conn: &mut Conn) -> Result<Option<CheckpointRow>> {
    let r = sqlx::query("SELECT size, root, note, created_at FROM log_checkpoints ORDER BY size DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    r.as_ref().map(cp_row).transpose()
}

pub async fn checkpoints(conn: &mut Conn) -> Result<Vec<CheckpointRow>> {
    sqlx::query("SELECT size, root, note, created_at FROM log_checkpoints ORDER BY size")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(cp_row)
        .collect()
}

/// Every log event (sequenced, with its index, then still pending) about these certificates,
/// in the order they happened.
pub async fn events_of_serials(conn: &mut Conn, serials: &[String]) -> Result<Vec<(Option<u64>, Vec<u8>)>> {
    let mut out = Vec::new();
    for chunk in serials.chunks(500) {
        let placeholders = crate::placeholders(conn, 1, chunk.len(), 1);
        for (table, idx) in [("log_entries", "idx"), ("log_pending", "id")] {
            let sql = format!("SELECT {idx}, data FROM {table} WHERE serial IN ({}) ORDER BY {idx}", placeholders);
            let mut q = sqlx::query(&sql);
            for s in chunk {
                q = q.bind(s);
            }
            for r in q.fetch_all(&mut *conn).await? {
                let i: i64 = r.try_get(0)?;
                out.push(((table == "log_entries").then_some(i as u64), r.try_get::<Vec<u8>, _>(1)?));
            }
        }
    }
    Ok(out)
}
