//! Loading a whole supply network at once (`hoshi gen --data/--database-url`): organisations
//! with their roles, and every buyer's supplier list — its direct suppliers, with the three
//! answers of the rule and the level the rule requires (recorded as the first requirement
//! change, as an import records it). One transaction: all of it or nothing.
//!
//! Rules stay here (roles from the links, the required level from `hoshi_core`); the SQL is in
//! `hoshi_store::bulk` (multi-row INSERT on SQLite, COPY on PostgreSQL). This is an operator's
//! set-up tool, like `demo --seed-only`: it takes no actor and is only reachable from the CLI.

use hoshi_core::org::{Industry, OrgRole, PREFECTURES};
use hoshi_core::required_level::{required_level, RelationshipFacts};
use hoshi_core::time::jst_date_string;
use hoshi_core::CorporateNumber;
use hoshi_store::bulk::{Loader, Table, Value};

use crate::{App, AppError, Msg};

/// A company of the world to load.
#[derive(Debug, Clone)]
pub struct WorldFirm {
    pub corporate_number: CorporateNumber,
    pub name: String,
    /// Index into `PREFECTURES` (JIS code − 1).
    pub prefecture: u8,
    pub industry: Industry,
    pub employees: u64,
}

/// `supplier` (an index into the firms) sells to `customer`.
#[derive(Debug, Clone, Copy)]
pub struct WorldLink {
    pub supplier: u32,
    pub customer: u32,
    pub facts: RelationshipFacts,
}

/// What a load wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    pub organizations: usize,
    pub roles: usize,
    pub supplier_links: usize,
    pub certificates: usize,
}

/// Rows are written this many at a time, so memory stays flat at national size.
const BATCH: usize = 50_000;

impl App {
    /// Loads `firms` and `links` in one transaction. `url` is the database URL (needed on
    /// PostgreSQL, where the load uses COPY on a connection of its own). Refuses a world whose
    /// companies are already registered, naming one, so a second run changes nothing.
    pub async fn load_world(&self, firms: &[WorldFirm], links: &[WorldLink], url: Option<&str>) -> Result<LoadReport, AppError> {
        let n = firms.len();
        if let Some(bad) = links.iter().find(|l| l.supplier as usize >= n || l.customer as usize >= n || l.supplier == l.customer) {
            return Err(AppError::invalid(
                "links",
                format!("取引 {}→{} が会社の一覧に合いません。", bad.supplier, bad.customer),
                format!("The link {}→{} does not fit the list of companies.", bad.supplier, bad.customer),
            ));
        }
        let now = self.now();
        let today = jst_date_string(now);
        let mut loader = Loader::begin(&self.store, url).await?;
        let sample: Vec<String> = firms.iter().take(1000).map(|f| f.corporate_number.to_string()).collect();
        if let Some(taken) = loader.existing_orgs(&sample).await?.first() {
            return Err(AppError::Conflict(Msg::new(
                format!("法人番号 {taken} はすでに登録されています。この世界は読み込み済みです（別の --seed か空のデータベースを使ってください）。"),
                format!("Corporate number {taken} is already registered: this world is loaded already (use another --seed or an empty database)."),
            )));
        }
        let first_org = loader.next_id(Table::Organizations).await?;
        let org_id = |i: u32| first_org + i64::from(i);
        let mut report = LoadReport::default();
        for (b, chunk) in firms.chunks(BATCH).enumerate() {
            let rows: Vec<Vec<Value>> = chunk
                .iter()
                .enumerate()
                .map(|(k, f)| {
                    vec![
                        Value::Int(org_id((b * BATCH + k) as u32)),
                        f.corporate_number.to_string().into(),
                        f.name.as_str().into(),
                        f.name.as_str().into(),
                        PREFECTURES[usize::from(f.prefecture).min(46)].0.into(),
                        f.industry.key().into(),
                        Value::Int(i64::try_from(f.employees).unwrap_or(i64::MAX)),
                        Value::Int(now),
                    ]
                })
                .collect();
            loader.write(Table::Organizations, &rows).await?;
            report.organizations += rows.len();
        }
        // Roles: a supplier sells to someone, a buyer buys from someone.
        let mut sells = vec![false; n];
        let mut buys = vec![false; n];
        for l in links {
            sells[l.supplier as usize] = true;
            buys[l.customer as usize] = true;
        }
        let roles: Vec<(u32, OrgRole)> = (0..n as u32)
            .flat_map(|i| {
                let s = sells[i as usize].then_some((i, OrgRole::Supplier));
                let b = buys[i as usize].then_some((i, OrgRole::Buyer));
                s.into_iter().chain(b)
            })
            .collect();
        for chunk in roles.chunks(BATCH) {
            let rows: Vec<Vec<Value>> = chunk.iter().map(|&(i, r)| vec![Value::Int(org_id(i)), r.key().into()]).collect();
            loader.write(Table::OrganizationRoles, &rows).await?;
            report.roles += rows.len();
        }
        // Each buyer's list: its direct suppliers, with the rule's level.
        let first_link = loader.next_id(Table::SupplierLinks).await?;
        let first_change = loader.next_id(Table::RequirementChanges).await?;
        let reason = "生成された取引先: 3つの質問への回答による規則のレベル / generated supplier: the rule's level from the three answers";
        let flag = |b: bool| Value::Int(i64::from(b));
        for (b, chunk) in links.chunks(BATCH).enumerate() {
            let mut link_rows = Vec::with_capacity(chunk.len());
            let mut change_rows = Vec::with_capacity(chunk.len());
            for (k, l) in chunk.iter().enumerate() {
                let id = first_link + (b * BATCH + k) as i64;
                let level = i64::from(required_level(l.facts).get());
                let s = &firms[l.supplier as usize];
                link_rows.push(vec![
                    Value::Int(id),
                    Value::Int(org_id(l.customer)),
                    s.corporate_number.to_string().into(),
                    s.name.as_str().into(),
                    s.industry.name_ja().into(),
                    flag(l.facts.holds_confidential_data),
                    flag(l.facts.outage_unacceptable),
                    flag(l.facts.network_access),
                    "medium".into(),
                    Value::Int(level),
                    Value::Int(level),
                    today.as_str().into(),
                    Value::Int(now),
                    Value::Int(now),
                ]);
                change_rows.push(vec![
                    Value::Int(first_change + (b * BATCH + k) as i64),
                    Value::Int(id),
                    Value::Int(level),
                    reason.into(),
                    today.as_str().into(),
                    Value::Int(now),
                ]);
            }
            loader.write(Table::SupplierLinks, &link_rows).await?;
            loader.write(Table::RequirementChanges, &change_rows).await?;
            report.supplier_links += link_rows.len();
        }
        loader.commit().await?;
        Ok(report)
    }

    /// Issues a certificate at each given level to these registered companies, as the registry
    /// does after a confirmed assessment (a confirmed assessment, an issued application, the
    /// signed certificate and its `issued` log event), in one transaction, then sequences the
    /// log. The assessments are recorded as made by a loader account (`gen@hoshi.invalid`),
    /// which cannot sign in. Returns how many were issued.
    pub async fn load_certificates(&self, certified: &[(CorporateNumber, hoshi_core::Level)]) -> Result<usize, AppError> {
        use hoshi_store::assessments::{self as adb, Assessment};
        use hoshi_store::registry::{self as rdb, Application};
        use hoshi_store::{orgs, users};
        if certified.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        let edition = crate::assessment::current_edition()?;
        let mut tx = self.store.begin().await?;
        self.ensure_key_registered(&mut tx).await?;
        // An unusable password hash: the account exists only to own the loaded records.
        let loader = users::insert(&mut tx, "gen@hoshi.invalid", "hoshi gen", "!", now).await?;
        let numbers: Vec<String> = certified.iter().map(|(cn, _)| cn.to_string()).collect();
        // Every organisation in two queries per 500, not one query per certificate.
        let ids: Vec<i64> = orgs::ids_of(&mut tx, &numbers).await?.into_iter().map(|(_, id)| id).collect();
        let found: std::collections::HashMap<String, hoshi_store::orgs::Org> =
            orgs::by_ids(&mut tx, &ids).await?.into_iter().map(|o| (o.corporate_number.to_string(), o)).collect();
        let mut issued = 0;
        for ((cn, level), number) in certified.iter().zip(&numbers) {
            let Some(org) = found.get(number) else { continue };
            let org_id = org.id;
            let a = adb::insert(
                &mut tx,
                &Assessment {
                    id: 0,
                    org_id,
                    edition: edition.id.clone(),
                    target_level: level.get(),
                    version: 1,
                    previous_id: None,
                    scope_kind: "company".into(),
                    scope_text: String::new(),
                    it_onprem: true,
                    it_cloud: true,
                    employees: 0,
                    pcs: 0,
                    servers: 0,
                    sites: 1,
                    cloud_services: 0,
                    hourly_rate_yen: 0,
                    overhead_percent: 0,
                    status: "confirmed".into(),
                    locked_at: Some(now),
                    created_by: loader.id,
                    created_at: now,
                    updated_at: now,
                    purpose: "initial".into(),
                },
            )
            .await?;
            let mut application = rdb::insert_application(
                &mut tx,
                &Application {
                    id: 0,
                    org_id,
                    assessment_id: a.id,
                    level: level.get(),
                    status: "issued".into(),
                    reason: String::new(),
                    submitted_by: loader.id,
                    submitted_at: now,
                    decided_by: Some(loader.id),
                    decided_at: Some(now),
                    serial: None,
                    checked_by: None,
                    checked_at: None,
                    check_note: String::new(),
                    previous_serial: None,
                },
            )
            .await?;
            let cert = self.new_certificate(org, application.id, *level, "company", "", serde_json::Value::Null, now)?;
            rdb::insert_certificate(&mut tx, &cert).await?;
            application.serial = Some(cert.serial.clone());
            rdb::update_application(&mut tx, &application).await?;
            rdb::insert_pending(&mut tx, &crate::registry::event("issued", &cert, cn, "", now), Some(&cert.serial), now).await?;
            issued += 1;
        }
        tx.commit().await?;
        self.sequence().await?;
        Ok(issued)
    }
}
