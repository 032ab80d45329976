//! Bulk loading: many rows per statement on SQLite, `COPY … FROM STDIN` on PostgreSQL, all in
//! one transaction ([`Loader::commit`] or nothing).
//!
//! sqlx's `Any` driver has no COPY, so on PostgreSQL the loader opens a connection of its own
//! from the same URL. Ids are assigned by the caller from [`Loader::next_id`] (both databases
//! accept explicit ids in identity columns); [`Loader::commit`] moves PostgreSQL's identity
//! sequences past them first.

use std::fmt::Write;

use sqlx::{Connection, Executor, Row};

use crate::{Backend, Result, Store, StoreError, Tx};

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Text(String),
    Null,
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Value {
        v.map_or(Value::Null, Value::Int)
    }
}

/// The tables a bulk load may fill, with the columns it writes (in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Organizations,
    OrganizationRoles,
    SupplierLinks,
    RequirementChanges,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Organizations => "organizations",
            Table::OrganizationRoles => "organization_roles",
            Table::SupplierLinks => "supplier_links",
            Table::RequirementChanges => "requirement_changes",
        }
    }
    /// The columns a row gives, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Organizations => &["id", "corporate_number", "name_ja", "name_en", "prefecture", "industry", "employees", "created_at"],
            Table::OrganizationRoles => &["org_id", "role"],
            Table::SupplierLinks => &[
                "id",
                "buyer_org_id",
                "corporate_number",
                "name",
                "supplies",
                "holds_confidential_data",
                "outage_unacceptable",
                "network_access",
                "criticality",
                "rule_level",
                "required_level",
                "effective_from",
                "created_at",
                "updated_at",
            ],
            Table::RequirementChanges => &["id", "link_id", "required_level", "reason", "effective_from", "changed_at"],
        }
    }
    fn has_id(self) -> bool {
        self != Table::OrganizationRoles
    }
}

enum Inner {
    Sqlite(Tx),
    Postgres(sqlx::PgConnection),
}

/// A bulk load in progress: one open transaction.
pub struct Loader {
    inner: Inner,
    /// The largest id written per table with ids, for PostgreSQL's sequences.
    max_ids: Vec<(Table, i64)>,
}

/// SQLite allows 32,766 bound values per statement.
const SQLITE_VALUES: usize = 32_000;
/// COPY data is sent in pieces of about this many bytes.
const COPY_CHUNK: usize = 4 << 20;

impl Loader {
    /// Starts the load on `store`; on PostgreSQL `url` must be the store's URL (for COPY).
    pub async fn begin(store: &Store, url: Option<&str>) -> Result<Loader> {
        let inner = match store.backend() {
            Backend::Sqlite => Inner::Sqlite(store.begin().await?),
            Backend::Postgres => {
                let url = url.ok_or_else(|| StoreError::UnsupportedUrl("a PostgreSQL bulk load needs the database URL".into()))?;
                let mut conn = sqlx::PgConnection::connect(url).await?;
                conn.execute("BEGIN").await?;
                Inner::Postgres(conn)
            }
        };
        Ok(Loader { inner, max_ids: Vec::new() })
    }

    /// The first free id of `table` (1 + the largest one stored).
    pub async fn next_id(&mut self, table: Table) -> Result<i64> {
        let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {}", table.name());
        let n: i64 = match &mut self.inner {
            Inner::Sqlite(tx) => sqlx::query(&sql).fetch_one(&mut **tx).await?.try_get(0)?,
            Inner::Postgres(c) => sqlx::query(&sql).fetch_one(&mut *c).await?.try_get(0)?,
        };
        Ok(n)
    }

    /// Which of `numbers` already have an organisation.
    pub async fn existing_orgs(&mut self, numbers: &[String]) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for chunk in numbers.chunks(1000) {
            let sql = format!(
                "SELECT corporate_number FROM organizations WHERE corporate_number IN ({})",
                (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(",")
            );
            let rows = match &mut self.inner {
                Inner::Sqlite(tx) => chunk
                    .iter()
                    .fold(sqlx::query(&sql), |q, n| q.bind(n))
                    .fetch_all(&mut **tx)
                    .await?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<Vec<_>>(),
                Inner::Postgres(c) => chunk
                    .iter()
                    .fold(sqlx::query(&sql), |q, n| q.bind(n))
                    .fetch_all(&mut *c)
                    .await?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<Vec<_>>(),
            };
            for r in rows {
                found.push(r?);
            }
        }
        Ok(found)
    }

    /// Writes `rows` (each with `table.columns()` values, in order) into `table`.
    pub async fn write(&mut self, table: Table, rows: &[Vec<Value>]) -> Result<()> {
        let columns = table.columns();
        if let Some(bad) = rows.iter().find(|r| r.len() != columns.len()) {
            return Err(StoreError::Corrupt(format!("a row for {} has {} values, not {}", table.name(), bad.len(), columns.len())));
        }
        if table.has_id() {
            if let Some(max) = rows.iter().filter_map(|r| if let Value::Int(i) = r[0] { Some(i) } else { None }).max() {
                match self.max_ids.iter_mut().find(|(t, _)| *t == table) {
                    Some((_, m)) => *m = (*m).max(max),
                    None => self.max_ids.push((table, max)),
                }
            }
        }
        match &mut self.inner {
            Inner::Sqlite(tx) => {
                let per = (SQLITE_VALUES / columns.len()).max(1);
                for chunk in rows.chunks(per) {
                    let mut sql = format!("INSERT INTO {} ({}) VALUES ", table.name(), columns.join(", "));
                    // Plain `?`s: SQLite looks up each `$n` among the names seen so far, which is
                    // quadratic in a statement with thousands of them.
                    let group = format!("({})", vec!["?"; columns.len()].join(", "));
                    for i in 0..chunk.len() {
                        if i > 0 {
                            sql.push_str(", ");
                        }
                        sql.push_str(&group);
                    }
                    let mut q = sqlx::query(&sql);
                    for row in chunk {
                        for v in row {
                            q = match v {
                                Value::Int(i) => q.bind(*i),
                                Value::Text(t) => q.bind(t.as_str()),
                                Value::Null => q.bind(None::<i64>),
                            };
                        }
                    }
                    q.execute(&mut **tx).await.map_err(|e| crate::map_unique(e, table.name()))?;
                }
            }
            Inner::Postgres(c) => {
                let mut copy = c.copy_in_raw(&format!("COPY {} ({}) FROM STDIN", table.name(), columns.join(", "))).await?;
                let mut buf = String::with_capacity(COPY_CHUNK + 4096);
                for row in rows {
                    for (i, v) in row.iter().enumerate() {
                        if i > 0 {
                            buf.push('\t');
                        }
                        match v {
                            Value::Int(x) => {
                                let _ = write!(buf, "{x}");
                            }
                            Value::Null => buf.push_str("\\N"),
                            Value::Text(t) => {
                                for ch in t.chars() {
                                    match ch {
                                        '\\' => buf.push_str("\\\\"),
                                        '\t' => buf.push_str("\\t"),
                                        '\n' => buf.push_str("\\n"),
                                        '\r' => buf.push_str("\\r"),
                                        _ => buf.push(ch),
                                    }
                                }
                            }
                        }
                    }
                    buf.push('\n');
                    if buf.len() >= COPY_CHUNK {
                        copy.send(buf.as_bytes()).await?;
                        buf.clear();
                    }
                }
                if !buf.is_empty() {
                    copy.send(buf.as_bytes()).await?;
                }
                copy.finish().await.map_err(|e| crate::map_unique(e, table.name()))?;
            }
        }
        Ok(())
    }

    /// Commits everything written; on PostgreSQL first moves the identity sequences past the
    /// ids the load used.
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            Inner::Sqlite(tx) => tx.commit().await?,
            Inner::Postgres(mut c) => {
                for (table, max) in &self.max_ids {
                    sqlx::query(&format!("SELECT setval(pg_get_serial_sequence('{}', 'id'), $1)", table.name()))
                        .bind(*max)
                        .execute(&mut c)
                        .await?;
                }
                c.execute("COMMIT").await?;
                c.close().await?;
            }
        }
        Ok(())
    }
}
