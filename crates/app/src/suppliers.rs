//! The buyer's side: importing the supplier list, the level each supplier must reach, the
//! portfolio against the registry with an explained risk score, the tiers suppliers share, and
//! the supply network with "what if this company is compromised".
//!
//! An import reports errors (rows that are not imported) and warnings (blanks imported with an
//! assumption: an unanswered ★4 question counts as yes, a blank amount is unknown, a blank
//! criticality medium; see `hoshi_core::supplier_file`). A previewed upload (the browser) is
//! imported only once the person has accepted the warnings ([`App::import_draft`]); a file sent
//! whole (the API's feed, the command line) is imported with them and they are listed in the
//! report, which a dry run shows before anything is written.
//!
//! Every organisation keeps one supplier list (a tier-1 supplier is a buyer of its own
//! suppliers); a supplier may show its list to one of its buyers, which is how a buyer sees past
//! tier 1. Lists are tenant data: only the organisation, and the buyers it shared with, read them.

use std::collections::{HashMap, HashSet, VecDeque};

use hoshi_core::graph::{self, Network};
use hoshi_core::org::OrgRole;
use hoshi_core::required_level::{required_level_of, RelationshipAnswers};
use hoshi_core::risk::{self, Band, RegistryFacts, RiskInput, RiskScore, SharedReadiness, Status};
use hoshi_core::supplier_file::{self, Criticality, Field, ParsedFile};
use hoshi_core::time::jst_date_string;
use hoshi_core::{CorporateNumber, Level};
use hoshi_store::assessments as adb;
use hoshi_store::orgs::{self, Org};
use hoshi_store::registry::{self as rdb, CertStatus};
use hoshi_store::suppliers::{self as db, ImportRecord, RequirementChange, SupplierLink};
use hoshi_store::Conn;
use serde::Serialize;

use crate::assessment::{Access, Status as AssessmentStatus};
use crate::registry::{state_at, ACTIVE, EXPIRED, REVOKED, SUSPENDED};
use crate::{Actor, App, AppError};

/// Largest upload the import accepts.
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;
/// How many tiers the network follows.
pub const MAX_TIERS: u32 = 8;
/// Largest network a buyer's view assembles.
pub const MAX_NETWORK: usize = 60_000;
/// Upload drafts older than this are dropped.
const DRAFT_SECS: i64 = 24 * 3600;

/// What to do with a file that has bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Import nothing unless every row is good.
    AllOrNothing,
    /// Import the good rows and report the bad ones.
    GoodRows,
}

impl ImportMode {
    pub fn parse(s: &str) -> Result<ImportMode, AppError> {
        match s {
            "" | "all" | "all_or_nothing" => Ok(ImportMode::AllOrNothing),
            "good" | "good_rows" => Ok(ImportMode::GoodRows),
            _ => Err(AppError::invalid(
                "mode",
                "取り込み方法は all（全行が正しいときだけ）か good（正しい行だけ）です。",
                "mode must be \"all\" (only if every row is good) or \"good\" (import the good rows).",
            )),
        }
    }
}

/// One problem of the file, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    pub row: u32,
    pub column: String,
    pub message_ja: String,
    pub message_en: String,
}

/// One blank of the file imported with an assumption, in both languages (the message says which).
pub type ImportWarning = ImportError;

impl From<&supplier_file::RowError> for ImportError {
    fn from(e: &supplier_file::RowError) -> Self {
        ImportError { row: e.row, column: e.column.clone(), message_ja: e.message_ja.clone(), message_en: e.message_en.clone() }
    }
}

/// At most this many errors and as many warnings are reported (with their totals): a file of
/// 300,000 bad rows must not become a report of tens of megabytes.
pub const REPORT_LIMIT: usize = 500;

/// What an import read and wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub rows_total: usize,
    pub rows_ok: usize,
    /// The first [`REPORT_LIMIT`] errors, sorted by row; `errors_total` says how many in all.
    pub errors: Vec<ImportError>,
    pub errors_total: usize,
    /// Rows with at least one error, in all.
    pub rows_bad: usize,
    /// The first [`REPORT_LIMIT`] warnings, on good and bad rows alike, sorted by row;
    /// `warnings_total` says how many in all.
    pub warnings: Vec<ImportWarning>,
    pub warnings_total: usize,
    /// How many of the warnings are about what the import writes (the header's and those of rows
    /// without errors): the ones a person accepts.
    pub warnings_to_accept: usize,
    /// Suppliers added and updated (what would be, in a dry run).
    pub created: usize,
    pub updated: usize,
    /// Whether anything was written.
    pub imported: bool,
    pub dry_run: bool,
    pub converted_from_shift_jis: bool,
}

impl ImportReport {
    /// The rows with at least one error.
    pub fn bad_rows(&self) -> Vec<u32> {
        let mut rows: Vec<u32> = self.errors.iter().map(|e| e.row).collect();
        rows.dedup();
        rows
    }
}

fn file_error(e: &supplier_file::FileError) -> AppError {
    AppError::invalid("file", e.message_ja(), e.to_string())
}

fn to_level(n: u8) -> Level {
    Level::new(i64::from(n)).unwrap_or(Level::THREE)
}

fn answers_of(l: &SupplierLink) -> RelationshipAnswers {
    RelationshipAnswers {
        holds_confidential_data: l.holds_confidential_data,
        outage_unacceptable: l.outage_unacceptable,
        network_access: l.network_access,
    }
}

/// The reason recorded for a level the rule set, saying when unanswered questions made it ★4.
fn rule_reason(answers: RelationshipAnswers, changed_by_import: bool) -> String {
    let base = if changed_by_import {
        "規則による（取込で条件が変更）/ by the rule (conditions changed by import)"
    } else {
        "規則による / by the rule"
    };
    if answers.is_complete() {
        base.to_owned()
    } else {
        format!("{base}; 未回答の質問は「はい」として扱う / unanswered: {} (counted as yes)", answers.unanswered().join(", "))
    }
}

/// One supplier as the buyer's portfolio shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PortfolioRow {
    pub corporate_number: String,
    pub name: String,
    pub supplies: String,
    pub annual_purchase_yen: Option<u64>,
    pub criticality: String,
    /// The three questions as the rule weighs them: an unanswered one is `true` (counted as yes)
    /// and named in `unanswered`.
    pub holds_confidential_data: bool,
    pub outage_unacceptable: bool,
    pub network_access: bool,
    /// The keys of the questions the buyer has not answered (`holds_confidential_data`,
    /// `outage_unacceptable`, `network_access`).
    pub unanswered: Vec<&'static str>,
    pub contact_email: String,
    pub rule_level: u8,
    pub required_level: u8,
    pub override_reason: String,
    pub effective_from: String,
    /// Whether the effective date has come.
    pub in_force: bool,
    /// Whether the supplier has an organisation in Hoshi.
    pub registered: bool,
    pub certified_level: Option<u8>,
    pub certificate_serial: Option<String>,
    pub certificate_state: Option<String>,
    pub valid_until: Option<String>,
    /// Days until the valid certificate ends.
    pub days_left: Option<i64>,
    /// A self-assessment the supplier shared with this buyer: (share id, achieved level, readiness %).
    pub shared_assessment_id: Option<i64>,
    pub shared_achieved: Option<u8>,
    pub shared_readiness_pct: Option<u32>,
    pub status: Status,
    pub status_ja: String,
    pub status_en: String,
    pub risk: RiskScore,
}

impl PortfolioRow {
    /// The re-evaluation reason: why the status and the main risk drivers.
    pub fn reevaluate_reason(&self, ja: bool) -> String {
        if ja {
            format!("{}。{}", self.status_ja, self.risk.summary(true))
        } else {
            format!("{}. {}", self.status_en, self.risk.summary(false))
        }
    }
}

/// The whole portfolio with its totals.
#[derive(Debug, Clone, Serialize)]
pub struct Portfolio {
    pub rows: Vec<PortfolioRow>,
    pub total_purchase_yen: u64,
}

/// Filters and order for the portfolio list.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PortfolioQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub required: String,
    #[serde(default)]
    pub criticality: String,
    #[serde(default)]
    pub band: String,
    #[serde(default)]
    pub q: String,
    /// `risk` (default), `name`, `number`, `expiry`, `purchases`, `status`.
    #[serde(default)]
    pub sort: String,
}

impl Portfolio {
    pub fn filtered(&self, q: &PortfolioQuery) -> Vec<&PortfolioRow> {
        let needle = q.q.trim().to_lowercase();
        let mut rows: Vec<&PortfolioRow> = self
            .rows
            .iter()
            .filter(|r| q.status.is_empty() || r.status.key() == q.status)
            .filter(|r| q.required.is_empty() || r.required_level.to_string() == q.required)
            .filter(|r| q.criticality.is_empty() || r.criticality == q.criticality)
            .filter(|r| q.band.is_empty() || r.risk.band.key() == q.band)
            .filter(|r| {
                needle.is_empty()
                    || r.name.to_lowercase().contains(&needle)
                    || r.corporate_number.contains(&needle)
                    || r.supplies.to_lowercase().contains(&needle)
            })
            .collect();
        match q.sort.as_str() {
            "name" => rows.sort_by(|a, b| a.name.cmp(&b.name)),
            "number" => rows.sort_by(|a, b| a.corporate_number.cmp(&b.corporate_number)),
            "expiry" => rows.sort_by_key(|r| (r.days_left.is_none(), r.days_left)),
            "purchases" => rows.sort_by_key(|r| std::cmp::Reverse(r.annual_purchase_yen)),
            "status" => rows.sort_by_key(|r| (std::cmp::Reverse(r.status), std::cmp::Reverse(r.risk.score))),
            _ => rows.sort_by(|a, b| b.risk.score.cmp(&a.risk.score).then(a.corporate_number.cmp(&b.corporate_number))),
        }
        rows
    }

    /// High-risk suppliers whose contracts should be re-evaluated, riskiest first.
    pub fn reevaluate(&self) -> Vec<&PortfolioRow> {
        let mut rows: Vec<&PortfolioRow> = self.rows.iter().filter(|r| r.risk.band == Band::High).collect();
        rows.sort_by(|a, b| b.risk.score.cmp(&a.risk.score).then(a.corporate_number.cmp(&b.corporate_number)));
        rows
    }

    /// Suppliers per status.
    pub fn by_status(&self) -> Vec<(Status, usize)> {
        Status::ALL.iter().map(|s| (*s, self.rows.iter().filter(|r| r.status == *s).count())).collect()
    }

    /// Suppliers per certified level (index 0 = none, 1..=5 = ★n).
    pub fn by_certified_level(&self) -> [usize; 6] {
        let mut out = [0; 6];
        for r in &self.rows {
            out[usize::from(r.certified_level.unwrap_or(0).min(5))] += 1;
        }
        out
    }

    /// Per criticality (low, medium, high): (compliant or expiring, all).
    pub fn compliance_by_criticality(&self) -> [(usize, usize); 3] {
        let mut out = [(0, 0); 3];
        for r in &self.rows {
            let i = match r.criticality.as_str() {
                "low" => 0,
                "high" => 2,
                _ => 1,
            };
            out[i].1 += 1;
            if matches!(r.status, Status::Compliant | Status::Expiring) {
                out[i].0 += 1;
            }
        }
        out
    }

    /// Valid certificates ending in each of the next `quarters` calendar quarters (index 0 =
    /// this quarter): ((year, quarter 1–4), count).
    pub fn expiry_timeline(&self, today: (i64, u32, u32), quarters: usize) -> Vec<((i64, u32), usize)> {
        let (y, m, _) = today;
        let start = y * 4 + i64::from((m - 1) / 3);
        let mut out: Vec<((i64, u32), usize)> =
            (0..quarters).map(|k| (((start + k as i64).div_euclid(4), ((start + k as i64).rem_euclid(4) + 1) as u32), 0)).collect();
        for r in &self.rows {
            let (Some(v), Some(_)) = (&r.valid_until, r.days_left) else { continue };
            let mut parts = v.split('-');
            let (Some(Ok(vy)), Some(Ok(vm))) = (parts.next().map(str::parse::<i64>), parts.next().map(str::parse::<u32>)) else {
                continue;
            };
            let k = vy * 4 + i64::from((vm.max(1) - 1) / 3) - start;
            if let Some(slot) = usize::try_from(k).ok().and_then(|k| out.get_mut(k)) {
                slot.1 += 1;
            }
        }
        out
    }

    /// The risk matrix: counts by (likelihood band, impact band), low..high each.
    pub fn risk_matrix(&self) -> [[usize; 3]; 3] {
        let mut m = [[0; 3]; 3];
        for r in &self.rows {
            m[r.risk.likelihood_band as usize][r.risk.impact_band as usize] += 1;
        }
        m
    }
}

/// One buyer's requirement of the actor's organisation.
#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    pub buyer_corporate_number: String,
    pub buyer_name_ja: String,
    pub buyer_name_en: String,
    pub required_level: u8,
    pub rule_level: u8,
    pub override_reason: String,
    pub effective_from: String,
    /// As the rule weighs them: an unanswered question is `true` and named in `unanswered`.
    pub holds_confidential_data: bool,
    pub outage_unacceptable: bool,
    pub network_access: bool,
    pub unanswered: Vec<&'static str>,
    /// Whether this organisation shows its own supplier list to that buyer.
    pub tiers_shared: bool,
}

/// A company in the supply network.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub corporate_number: String,
    pub name: String,
    /// 0 = the buyer, 1 = its direct suppliers, …
    pub tier: u32,
    pub registered: bool,
    pub certified_level: Option<u8>,
    /// Own chance of compromise, from the registry (and for direct suppliers a shared assessment).
    pub own_risk: f64,
    /// Exposure: the chance it is compromised itself or through its suppliers (noisy-OR).
    pub exposure: f64,
    pub band: Band,
}

/// A supplier → customer link of the network.
#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub supplier: usize,
    pub customer: usize,
    pub weight: f64,
    pub outage_unacceptable: bool,
}

/// The buyer's supply network as far as it was shared.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkView {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub iterations: usize,
    /// The upstream companies that add most to the buyer's exposure: (node, exposure it adds).
    pub top_contributors: Vec<(usize, f64)>,
    /// What `top_contributors` measure: the drop in the buyer's exposure, or (when the exposure
    /// is saturated, above 99.9%) the drop in its accumulated hazard `−ln(1 − exposure)`.
    pub contributions_measure: graph::Measure,
    /// The buyer's whole exposure or hazard in that measure (for shares).
    pub contributions_total: f64,
    /// Companies whose lists the buyer can see.
    pub shared_lists: usize,
}

impl NetworkView {
    pub fn index_of(&self, corporate_number: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.corporate_number == corporate_number)
    }
    pub fn tiers(&self) -> u32 {
        self.nodes.iter().map(|n| n.tier).max().unwrap_or(0)
    }
}

/// What a compromise of one company would do downstream.
#[derive(Debug, Clone, Serialize)]
pub struct WhatIf {
    pub compromised: usize,
    pub trials: usize,
    /// Downstream companies: (node, probability with the compromise, probability without), most affected first.
    pub affected: Vec<(usize, f64, f64)>,
    /// The buyer's production stops: a direct supplier on the way whose outage the buyer cannot absorb.
    pub production_stop: bool,
}

fn exposure_band(x: f64) -> Band {
    if x >= 0.5 {
        Band::High
    } else if x >= 0.2 {
        Band::Medium
    } else {
        Band::Low
    }
}

/// What the registry says about one company, from its certificates.
/// Up to this many companies in a network, every one's contribution is computed exactly.
pub const EXACT_CONTRIBUTIONS_UP_TO: usize = 400;
/// Above it, how many of the estimate's largest are re-computed exactly.
pub const REFINE: usize = 30;

fn registry_facts(certs: &[CertStatus], now: i64) -> (RegistryFacts, Option<&CertStatus>) {
    let valid = certs.iter().filter(|c| state_at(&c.state, c.valid_until, now) == ACTIVE).max_by_key(|c| (c.level, c.valid_until));
    let latest = certs.iter().filter(|c| c.superseded_by.is_none()).max_by_key(|c| (c.issued_at, c.serial.clone()));
    let state = latest.map(|c| state_at(&c.state, c.valid_until, now).to_owned()).unwrap_or_default();
    let facts = RegistryFacts {
        valid: valid.map(|c| (to_level(c.stars()), c.valid_until)),
        latest_expired: valid.is_none() && state == EXPIRED,
        invalidated: valid.is_none() && (state == SUSPENDED || state == REVOKED),
        shared_assessment: false,
    };
    (facts, valid.or(latest))
}

fn status_words(status: Status, required: u8, shown: Option<&CertStatus>, shared: bool) -> (String, String) {
    match (status, shown) {
        (Status::Compliant | Status::Expiring, Some(c)) => {
            let until = jst_date_string(c.valid_until);
            (format!("★{}認証（{until}まで有効）", c.level), format!("certified ★{} (valid until {until})", c.level))
        }
        (Status::Gap, Some(c)) if c.state == ACTIVE => {
            (format!("★{}認証ですが★{required}が必要です", c.level), format!("certified ★{} but ★{required} is required", c.level))
        }
        (Status::Gap, Some(c)) => {
            let (ja, en) = match c.state.as_str() {
                SUSPENDED => ("一時停止", "suspended"),
                REVOKED => ("取消", "revoked"),
                _ => ("無効", "not valid"),
            };
            (format!("認証{}は{ja}されています", c.serial), format!("certificate {} is {en}", c.serial))
        }
        (Status::Gap, None) if shared => ("未認証（自己評価の共有あり）".into(), "not certified (self-assessment shared)".into()),
        (Status::Expired, Some(c)) => {
            let until = jst_date_string(c.valid_until);
            (format!("認証{}は{until}に期限切れ", c.serial), format!("certificate {} expired on {until}", c.serial))
        }
        _ => ("登録簿に認証がなく、共有もありません".into(), "no certificate in the registry and nothing shared".into()),
    }
}

impl App {
    fn require_list_keeper(actor: &Actor) -> Result<(), AppError> {
        if actor.has_role(OrgRole::Buyer) || actor.has_role(OrgRole::Supplier) {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "取引先リストは発注者またはサプライヤーの組織が管理します。",
                "Supplier lists are kept by buyer and supplier organisations.",
            ))
        }
    }

    // ---- import ----

    /// Imports a supplier file into the actor's list. Warnings do not stop it (a file sent whole
    /// has no preview to accept them in): they are in the report, and a dry run shows them first.
    pub async fn import_suppliers(
        &self,
        actor: &Actor,
        filename: &str,
        bytes: &[u8],
        mode: ImportMode,
        dry_run: bool,
    ) -> Result<ImportReport, AppError> {
        App::require_list_keeper(actor)?;
        if !dry_run {
            actor.require_write()?;
        }
        let parsed = parse_upload(bytes, None)?;
        self.import_parsed(&actor.org, Some(actor.user_id), filename, parsed, mode, dry_run, true).await
    }

    /// The same for the machine's administrator (the command line): no actor, a named buyer.
    pub async fn admin_import_suppliers(
        &self,
        buyer: &CorporateNumber,
        filename: &str,
        bytes: &[u8],
        mode: ImportMode,
        dry_run: bool,
    ) -> Result<ImportReport, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let org = orgs::by_corporate_number(&mut conn, buyer).await?.ok_or_else(|| {
            AppError::not_found(
                format!("法人番号{buyer}の組織はHoshiにありません。先に登録してください。"),
                format!("There is no organisation with corporate number {buyer} in Hoshi: register it first."),
            )
        })?;
        drop(conn);
        let parsed = parse_upload(bytes, None)?;
        self.import_parsed(&org, None, filename, parsed, mode, dry_run, true).await
    }

    /// `accept_warnings`: the person accepted the warnings; without it, a file whose import would
    /// write something with a warning is refused (a dry run and a refused all-or-nothing import
    /// write nothing, so they need no consent).
    #[allow(clippy::too_many_arguments)]
    async fn import_parsed(
        &self,
        buyer: &Org,
        user_id: Option<i64>,
        filename: &str,
        parsed: ParsedFile,
        mode: ImportMode,
        dry_run: bool,
        accept_warnings: bool,
    ) -> Result<ImportReport, AppError> {
        let now = self.now();
        let today = jst_date_string(now);
        let to_accept = parsed.warnings_to_accept().len();
        let mut report = ImportReport {
            rows_total: parsed.rows_total,
            rows_ok: parsed.rows.len(),
            errors: parsed.errors.iter().take(REPORT_LIMIT).map(ImportError::from).collect(),
            errors_total: parsed.errors.len(),
            rows_bad: parsed.bad_rows().len(),
            warnings: parsed.warnings.iter().take(REPORT_LIMIT).map(ImportWarning::from).collect(),
            warnings_total: parsed.warnings.len(),
            warnings_to_accept: to_accept,
            created: 0,
            updated: 0,
            imported: false,
            dry_run,
            converted_from_shift_jis: parsed.converted_from_shift_jis,
        };
        let refuse = mode == ImportMode::AllOrNothing && !report.errors.is_empty();
        if !refuse && !dry_run && !parsed.rows.is_empty() && to_accept > 0 && !accept_warnings {
            return Err(AppError::invalid(
                "accept_warnings",
                format!(
                    "警告が{to_accept}件あります（空欄を仮定して取り込む項目）。内容を確認し、「警告を承諾します」にチェックしてから取り込んでください。何も取り込んでいません。"
                ),
                format!(
                    "There are {to_accept} warnings (blank cells imported with an assumption): read them and tick \"I accept the warnings\" to import. Nothing was imported."
                ),
            ));
        }
        let mut tx = self.store.begin().await?;
        let existing: HashMap<String, SupplierLink> =
            db::links_of_buyer(&mut tx, buyer.id).await?.into_iter().map(|l| (l.corporate_number.clone(), l)).collect();
        let (mut creates, mut new_reasons, mut updates, mut history) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for row in &parsed.rows {
            let cn = row.corporate_number.to_string();
            let rule = required_level_of(row.answers).get();
            let mut link = SupplierLink {
                id: 0,
                buyer_org_id: buyer.id,
                corporate_number: cn.clone(),
                name: row.name.clone(),
                annual_purchase_yen: row.annual_purchase.map(|y| y.get()),
                supplies: row.supplies.clone(),
                holds_confidential_data: row.answers.holds_confidential_data,
                outage_unacceptable: row.answers.outage_unacceptable,
                network_access: row.answers.network_access,
                criticality: row.criticality.key().to_owned(),
                contact_email: row.contact_email.clone().unwrap_or_default(),
                rule_level: rule,
                required_level: rule,
                override_reason: String::new(),
                effective_from: today.clone(),
                created_at: now,
                updated_at: now,
            };
            match existing.get(&cn) {
                Some(old) => {
                    report.updated += 1;
                    if refuse || dry_run {
                        continue;
                    }
                    link.id = old.id;
                    link.created_at = old.created_at;
                    // An override with a reason stands until the buyer changes it; otherwise the rule decides.
                    if !old.override_reason.is_empty() {
                        link.required_level = old.required_level;
                        link.override_reason = old.override_reason.clone();
                    }
                    link.effective_from =
                        if link.required_level == old.required_level { old.effective_from.clone() } else { today.clone() };
                    if link.required_level != old.required_level {
                        let change = RequirementChange {
                            required_level: link.required_level,
                            reason: rule_reason(row.answers, true),
                            effective_from: link.effective_from.clone(),
                            changed_by: None,
                            changed_at: now,
                        };
                        history.push((link.id, change));
                    }
                    // A row that changes nothing is not written again.
                    if link != (SupplierLink { updated_at: link.updated_at, ..old.clone() }) {
                        updates.push(link);
                    }
                }
                None => {
                    report.created += 1;
                    if refuse || dry_run {
                        continue;
                    }
                    new_reasons.push(rule_reason(row.answers, false));
                    creates.push(link);
                }
            }
        }
        if !refuse && !dry_run {
            // Multi-row statements: a 100,000-row list is a few hundred statements, not 200,000.
            db::update_links(&mut tx, &updates).await?;
            let ids: HashMap<String, i64> = db::insert_links(&mut tx, &creates).await?.into_iter().collect();
            for (link, reason) in creates.iter().zip(new_reasons) {
                let id = *ids.get(&link.corporate_number).ok_or_else(|| {
                    AppError::Store(hoshi_store::StoreError::Corrupt(format!("no id came back for supplier {}", link.corporate_number)))
                })?;
                let change = RequirementChange {
                    required_level: link.rule_level,
                    reason,
                    effective_from: today.clone(),
                    changed_by: None,
                    changed_at: now,
                };
                history.push((id, change));
            }
            db::insert_changes(&mut tx, &history, user_id).await?;
        }
        if refuse || dry_run || parsed.rows.is_empty() {
            tx.rollback().await?;
            return Ok(report);
        }
        let record = ImportRecord {
            filename: filename.to_owned(),
            rows_total: report.rows_total as u64,
            rows_ok: report.rows_ok as u64,
            created: report.created as u64,
            updated: report.updated as u64,
            errors: report.errors_total as u64,
            warnings: to_accept as u64,
            imported_at: now,
        };
        db::insert_import(&mut tx, buyer.id, &record, user_id).await?;
        tx.commit().await?;
        report.imported = true;
        tracing::info!(buyer = %buyer.corporate_number, created = report.created, updated = report.updated, "imported suppliers");
        Ok(report)
    }

    /// Keeps an uploaded file for the browser's preview and returns its draft id.
    pub async fn upload_draft(&self, actor: &Actor, filename: &str, bytes: &[u8]) -> Result<i64, AppError> {
        App::require_list_keeper(actor)?;
        actor.require_write()?;
        if bytes.is_empty() {
            return Err(AppError::invalid("file", "ファイルを選んでください。", "Choose a file."));
        }
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(AppError::invalid("file", "ファイルが大きすぎます（20MBまで）。", "The file is too large (20 MB at most)."));
        }
        // Refuse an unreadable file now rather than on the preview.
        parse_upload(bytes, None)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        db::delete_drafts_before(&mut tx, now - DRAFT_SECS).await?;
        let id = db::insert_draft(&mut tx, actor.org.id, actor.user_id, filename, bytes, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The preview of a draft: its file name and what it parses to under this mapping (or the
    /// one read from its header).
    pub async fn draft_preview(&self, actor: &Actor, id: i64, mapping: Option<&[Option<Field>]>) -> Result<(String, ParsedFile), AppError> {
        App::require_list_keeper(actor)?;
        let mut conn = self.store.pool().acquire().await?;
        let (filename, bytes) = db::draft(&mut conn, actor.org.id, id).await.map_err(|_| {
            AppError::not_found(
                "取込中のファイルが見つかりません。もう一度アップロードしてください。",
                "No such upload: upload the file again.",
            )
        })?;
        Ok((filename, parse_upload(&bytes, mapping)?))
    }

    /// Imports a previewed draft with the chosen mapping; the draft is dropped once imported. The
    /// person saw the warnings on the preview: unless `accept_warnings`, an import that would
    /// write rows with warnings is refused (`AppError::Invalid` on `accept_warnings`).
    pub async fn import_draft(
        &self,
        actor: &Actor,
        id: i64,
        mapping: Option<&[Option<Field>]>,
        mode: ImportMode,
        accept_warnings: bool,
    ) -> Result<ImportReport, AppError> {
        actor.require_write()?;
        let (filename, parsed) = self.draft_preview(actor, id, mapping).await?;
        let report = self.import_parsed(&actor.org, Some(actor.user_id), &filename, parsed, mode, false, accept_warnings).await?;
        if report.imported {
            let mut conn = self.store.pool().acquire().await?;
            db::delete_draft(&mut conn, id).await?;
        }
        Ok(report)
    }

    /// The latest imports into the actor's list.
    pub async fn recent_imports(&self, actor: &Actor) -> Result<Vec<ImportRecord>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(db::imports(&mut conn, actor.org.id, 10).await?)
    }

    // ---- required levels ----

    /// Sets the level required of one supplier. A level other than the rule's needs a reason;
    /// the effective date defaults to today (JST).
    pub async fn set_requirement(
        &self,
        actor: &Actor,
        supplier: &str,
        level: &str,
        reason: &str,
        effective_from: &str,
    ) -> Result<(), AppError> {
        App::require_list_keeper(actor)?;
        actor.require_write()?;
        let cn = CorporateNumber::parse(supplier).map_err(|e| AppError::invalid("supplier", e.message_ja(), e.to_string()))?;
        let level = Level::parse(level).map_err(|e| AppError::invalid("level", "★1〜★5を選んでください。", e.to_string()))?;
        let now = self.now();
        let effective = if effective_from.trim().is_empty() { jst_date_string(now) } else { parse_date(effective_from.trim())? };
        let mut tx = self.store.begin().await?;
        let mut link = db::link(&mut tx, actor.org.id, &cn.to_string()).await.map_err(|_| not_a_supplier())?;
        let reason = reason.trim();
        if level.get() != link.rule_level && reason.is_empty() {
            return Err(AppError::invalid(
                "reason",
                format!("規則では★{}です。★{}を求めるには理由を書いてください。", link.rule_level, level.get()),
                format!("The rule asks for ★{}: write the reason for requiring ★{}.", link.rule_level, level.get()),
            ));
        }
        link.required_level = level.get();
        link.override_reason = if level.get() == link.rule_level { String::new() } else { reason.to_owned() };
        link.effective_from = effective.clone();
        link.updated_at = now;
        db::update_link(&mut tx, &link).await?;
        let change = RequirementChange {
            required_level: level.get(),
            reason: if reason.is_empty() { "規則による / by the rule".into() } else { reason.to_owned() },
            effective_from: effective,
            changed_by: None,
            changed_at: now,
        };
        db::insert_change(&mut tx, link.id, &change, Some(actor.user_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The history of the level required of one supplier, newest first.
    pub async fn requirement_history(&self, actor: &Actor, supplier: &str) -> Result<Vec<RequirementChange>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let link = db::link(&mut conn, actor.org.id, supplier).await.map_err(|_| not_a_supplier())?;
        Ok(db::changes(&mut conn, link.id).await?)
    }

    /// What every buyer requires of the actor's organisation, in one place.
    pub async fn my_requirements(&self, actor: &Actor) -> Result<Vec<Requirement>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let shared: HashSet<i64> = db::tier_shares_of(&mut conn, actor.org.id).await?.into_iter().collect();
        let mut out = Vec::new();
        for l in db::links_to_supplier(&mut conn, &actor.org.corporate_number.to_string()).await? {
            let buyer = orgs::get(&mut conn, l.buyer_org_id).await?;
            let assumed = answers_of(&l).assumed();
            out.push(Requirement {
                buyer_corporate_number: buyer.corporate_number.to_string(),
                buyer_name_ja: buyer.name_ja.clone(),
                buyer_name_en: buyer.name_en.clone(),
                required_level: l.required_level,
                rule_level: l.rule_level,
                override_reason: l.override_reason.clone(),
                effective_from: l.effective_from.clone(),
                holds_confidential_data: assumed.holds_confidential_data,
                outage_unacceptable: assumed.outage_unacceptable,
                network_access: assumed.network_access,
                unanswered: answers_of(&l).unanswered(),
                tiers_shared: shared.contains(&buyer.id),
            });
        }
        out.sort_by(|a, b| b.required_level.cmp(&a.required_level).then(a.buyer_corporate_number.cmp(&b.buyer_corporate_number)));
        Ok(out)
    }

    /// The organisations that list the actor's organisation as their supplier: its real buyers.
    pub async fn my_buyers(&self, actor: &Actor) -> Result<Vec<Org>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let mut out = Vec::new();
        for l in db::links_to_supplier(&mut conn, &actor.org.corporate_number.to_string()).await? {
            out.push(orgs::get(&mut conn, l.buyer_org_id).await?);
        }
        Ok(out)
    }

    // ---- tiers ----

    /// Shows (or stops showing) the actor's supplier list to one of its buyers.
    pub async fn share_tiers(&self, actor: &Actor, buyer: &str, share: bool) -> Result<(), AppError> {
        actor.require_write()?;
        let cn = CorporateNumber::parse(buyer).map_err(|e| AppError::invalid("buyer", e.message_ja(), e.to_string()))?;
        let mut tx = self.store.begin().await?;
        let buyer_org = orgs::by_corporate_number(&mut tx, &cn).await?;
        let me = actor.org.corporate_number.to_string();
        // A buyer that lists this organisation, or one further down the chain whose network
        // (as shared with it) reaches this organisation.
        let downstream = match &buyer_org {
            Some(b) if db::link(&mut tx, b.id, &me).await.is_ok() => true,
            Some(b) if share => self.network_of(b).await?.index_of(&me).is_some(),
            Some(_) => !share,
            None => false,
        };
        let Some(b) = buyer_org.filter(|_| downstream) else {
            return Err(AppError::invalid(
                "buyer",
                "取引先リストを共有できるのは、自社を取引先（二次以降を含む）とする発注者だけです。",
                "You can share your supplier list only with a buyer whose supply chain includes you.",
            ));
        };
        if share {
            db::share_tier(&mut tx, actor.org.id, b.id, actor.user_id, self.now()).await?;
        } else {
            db::unshare_tier(&mut tx, actor.org.id, b.id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ---- portfolio ----

    /// The actor's suppliers against the registry and what they shared, each with its risk.
    pub async fn portfolio(&self, actor: &Actor) -> Result<Portfolio, AppError> {
        App::require_list_keeper(actor)?;
        let now = self.now();
        let mut conn = self.store.pool().acquire().await?;
        let links = db::links_of_buyer(&mut conn, actor.org.id).await?;
        let numbers: Vec<String> = links.iter().map(|l| l.corporate_number.clone()).collect();
        let mut certs: HashMap<String, Vec<CertStatus>> = HashMap::new();
        for c in rdb::certificate_states(&mut conn, &numbers).await? {
            certs.entry(c.corporate_number.clone()).or_default().push(c);
        }
        let registered: HashSet<String> = registered_numbers(&mut conn, &numbers).await?;
        let shared = self.shared_readiness(&mut conn, actor.org.id, &links).await?;
        let total: u64 = links.iter().filter_map(|l| l.annual_purchase_yen).sum();
        let today = jst_date_string(now);
        let rows = links
            .iter()
            .map(|l| {
                let list = certs.get(&l.corporate_number).map(Vec::as_slice).unwrap_or(&[]);
                let (mut facts, shown) = registry_facts(list, now);
                let sh = shared.get(&l.corporate_number).copied();
                facts.shared_assessment = sh.is_some();
                let required = to_level(l.required_level);
                let status = risk::status(required, &facts, now);
                let (status_ja, status_en) = status_words(status, l.required_level, shown, sh.is_some());
                let share_bp = match (l.annual_purchase_yen, total) {
                    (Some(a), t) if t > 0 => Some(((u128::from(a) * 10_000) / u128::from(t)) as u32),
                    _ => None,
                };
                let certified = facts.valid.map(|(lv, _)| lv);
                let assumed = answers_of(l).assumed();
                let risk = risk::score(&RiskInput {
                    certified,
                    shared: sh.map(|(_, _, readiness)| readiness),
                    answers: answers_of(l),
                    criticality: Criticality::parse(&l.criticality).unwrap_or(Criticality::Medium),
                    purchase_share_bp: share_bp,
                });
                PortfolioRow {
                    corporate_number: l.corporate_number.clone(),
                    name: l.name.clone(),
                    supplies: l.supplies.clone(),
                    annual_purchase_yen: l.annual_purchase_yen,
                    criticality: l.criticality.clone(),
                    holds_confidential_data: assumed.holds_confidential_data,
                    outage_unacceptable: assumed.outage_unacceptable,
                    network_access: assumed.network_access,
                    unanswered: answers_of(l).unanswered(),
                    contact_email: l.contact_email.clone(),
                    rule_level: l.rule_level,
                    required_level: l.required_level,
                    override_reason: l.override_reason.clone(),
                    effective_from: l.effective_from.clone(),
                    in_force: l.effective_from <= today,
                    registered: registered.contains(&l.corporate_number),
                    certified_level: certified.map(Level::get),
                    certificate_serial: shown.map(|c| c.serial.clone()),
                    certificate_state: shown.map(|c| state_at(&c.state, c.valid_until, now).to_owned()),
                    valid_until: shown.map(|c| jst_date_string(c.valid_until)),
                    days_left: facts.valid.map(|(_, until)| (until - now).div_euclid(86_400)),
                    shared_assessment_id: sh.map(|(id, _, _)| id),
                    shared_achieved: sh.and_then(|(_, achieved, _)| achieved),
                    shared_readiness_pct: sh.map(|(_, _, r)| r.readiness_bp / 100),
                    status,
                    status_ja,
                    status_en,
                    risk,
                }
            })
            .collect();
        Ok(Portfolio { rows, total_purchase_yen: total })
    }

    /// One supplier of the actor's list.
    pub async fn portfolio_row(&self, actor: &Actor, supplier: &str) -> Result<PortfolioRow, AppError> {
        self.portfolio(actor).await?.rows.into_iter().find(|r| r.corporate_number == supplier).ok_or_else(not_a_supplier)
    }

    /// The latest self-assessment each listed supplier shared with this buyer: (assessment id,
    /// achieved level, readiness for the level required of it).
    async fn shared_readiness(
        &self,
        conn: &mut Conn,
        buyer_org_id: i64,
        links: &[SupplierLink],
    ) -> Result<HashMap<String, (i64, Option<u8>, SharedReadiness)>, AppError> {
        let required: HashMap<&str, u8> = links.iter().map(|l| (l.corporate_number.as_str(), l.required_level)).collect();
        let mut out = HashMap::new();
        // Newest share first: the first seen per supplier wins.
        for s in adb::shares_with_buyer(conn, buyer_org_id).await? {
            let a = adb::get(conn, s.assessment_id).await?;
            let org = orgs::get(conn, a.org_id).await?;
            let cn = org.corporate_number.to_string();
            let Some(&req) = required.get(cn.as_str()) else { continue };
            if out.contains_key(&cn) {
                continue;
            }
            let view =
                self.load_view(conn, a, Access::Buyer { share_id: s.id, level: crate::assessment::ShareLevel::parse(&s.mode) }).await?;
            let achieved = if view.status == AssessmentStatus::Assessed { App::assessed_level(&view) } else { view.evaluation.achieved };
            let (done, total) = view
                .evaluation
                .by_level
                .iter()
                .filter(|(lv, _)| **lv <= req)
                .fold((0u64, 0u64), |(d, t), (_, r)| (d + u64::from(r.met + r.not_applicable), t + u64::from(r.total)));
            let bp = (done * 10_000).checked_div(total).unwrap_or(0) as u32;
            out.insert(cn, (view.assessment.id, achieved.map(Level::get), SharedReadiness { toward: to_level(req), readiness_bp: bp }));
        }
        Ok(out)
    }

    // ---- the network ----

    /// The actor's supply network: its suppliers, and theirs as far as lists were shared with it.
    pub async fn network(&self, actor: &Actor) -> Result<NetworkView, AppError> {
        App::require_list_keeper(actor)?;
        self.network_of(&actor.org).await
    }

    async fn network_of(&self, root: &Org) -> Result<NetworkView, AppError> {
        let now = self.now();
        let mut conn = self.store.pool().acquire().await?;
        let shared_with_me: HashSet<i64> = db::tier_shares_with(&mut conn, root.id).await?.into_iter().collect();
        let mut nodes = vec![Node {
            corporate_number: root.corporate_number.to_string(),
            name: root.name_ja.clone(),
            tier: 0,
            registered: true,
            certified_level: None,
            own_risk: 0.0,
            exposure: 0.0,
            band: Band::Low,
        }];
        let mut index: HashMap<String, usize> = HashMap::from([(nodes[0].corporate_number.clone(), 0)]);
        let mut edges: Vec<Edge> = Vec::new();
        let mut seen_edges: HashSet<(usize, usize)> = HashSet::new();
        // Breadth first: (node, organisation id whose list we read).
        let mut queue = VecDeque::from([(0usize, root.id)]);
        let mut lists = 0;
        while let Some((customer, org_id)) = queue.pop_front() {
            let tier = nodes[customer].tier;
            if tier >= MAX_TIERS {
                continue;
            }
            if customer != 0 {
                lists += 1;
            }
            let links = db::links_of_buyer(&mut conn, org_id).await?;
            // Which of the companies new to the walk are in Hoshi: one query per list, not per company.
            let fresh: Vec<String> =
                links.iter().filter(|l| !index.contains_key(&l.corporate_number)).map(|l| l.corporate_number.clone()).collect();
            let registered: HashMap<String, i64> = orgs::ids_of(&mut conn, &fresh).await?.into_iter().collect();
            for l in links {
                let supplier = match index.get(&l.corporate_number) {
                    Some(&i) => i,
                    None => {
                        if nodes.len() >= MAX_NETWORK {
                            continue;
                        }
                        let i = nodes.len();
                        nodes.push(Node {
                            corporate_number: l.corporate_number.clone(),
                            name: l.name.clone(),
                            tier: tier + 1,
                            registered: false,
                            certified_level: None,
                            own_risk: risk::LIKELIHOOD_UNKNOWN,
                            exposure: 0.0,
                            band: Band::Low,
                        });
                        index.insert(l.corporate_number.clone(), i);
                        // Its own list, if it shared it with this buyer.
                        if let Some(&id) = registered.get(&l.corporate_number) {
                            nodes[i].registered = true;
                            if shared_with_me.contains(&id) {
                                queue.push_back((i, id));
                            }
                        }
                        i
                    }
                };
                if supplier != customer && seen_edges.insert((supplier, customer)) {
                    // Unanswered questions count as yes here too.
                    let assumed = answers_of(&l).assumed();
                    edges.push(Edge {
                        supplier,
                        customer,
                        weight: risk::link_weight(assumed),
                        outage_unacceptable: assumed.outage_unacceptable,
                    });
                }
            }
        }
        // Own risk from the registry; a direct supplier's shared self-assessment counts too.
        let numbers: Vec<String> = nodes.iter().skip(1).map(|n| n.corporate_number.clone()).collect();
        let mut certs: HashMap<String, Vec<CertStatus>> = HashMap::new();
        for c in rdb::certificate_states(&mut conn, &numbers).await? {
            certs.entry(c.corporate_number.clone()).or_default().push(c);
        }
        let direct = db::links_of_buyer(&mut conn, root.id).await?;
        let shared = self.shared_readiness(&mut conn, root.id, &direct).await?;
        for n in nodes.iter_mut().skip(1) {
            let (facts, _) = registry_facts(certs.get(&n.corporate_number).map(Vec::as_slice).unwrap_or(&[]), now);
            n.certified_level = facts.valid.map(|(l, _)| l.get());
            n.own_risk = match (facts.valid, shared.get(&n.corporate_number)) {
                (Some((l, _)), _) => risk::likelihood_of_level(Some(l)),
                (None, Some((_, _, r))) => {
                    let target = risk::likelihood_of_level(Some(r.toward));
                    risk::LIKELIHOOD_UNKNOWN
                        - risk::SELF_ASSESSMENT_CREDIT * f64::from(r.readiness_bp) / 10_000.0 * (risk::LIKELIHOOD_UNKNOWN - target)
                }
                (None, None) => risk::LIKELIHOOD_UNKNOWN,
            };
        }
        drop(conn);
        // The computation runs off the request path (a bounded blocking pool).
        self.analytics(move || {
            let net = network_of(&nodes, &edges)?;
            let own: Vec<f64> = nodes.iter().map(|n| n.own_risk).collect();
            let exposure = graph::propagate(&net, &own, 1e-9, 10_000).map_err(graph_error)?;
            for (n, r) in nodes.iter_mut().zip(&exposure.risk) {
                n.exposure = *r;
                n.band = exposure_band(*r);
            }
            // Every company upstream is a candidate: exactly computed in a small network; in a
            // larger one estimated all at once and the estimate's largest re-computed exactly.
            let top = graph::top_contributions(&net, &own, 0, 10, EXACT_CONTRIBUTIONS_UP_TO, REFINE).map_err(graph_error)?;
            Ok(NetworkView {
                nodes,
                edges,
                iterations: exposure.iterations,
                top_contributors: top.top,
                contributions_measure: top.measure,
                contributions_total: top.total,
                shared_lists: lists,
            })
        })
        .await?
    }

    /// What a compromise of `supplier` does downstream, by Monte Carlo reachability.
    pub async fn what_if(&self, actor: &Actor, supplier: &str) -> Result<(NetworkView, WhatIf), AppError> {
        let view = self.network(actor).await?;
        let x = view.index_of(supplier).filter(|&i| i != 0).ok_or_else(|| {
            AppError::not_found("そのサプライヤーはネットワークにありません。", "That supplier is not in your supply network.")
        })?;
        let net = network_of(&view.nodes, &view.edges)?;
        let own: Vec<f64> = view.nodes.iter().map(|n| n.own_risk).collect();
        // About fifty million company-visits at most, and never fewer than 2,000 worlds.
        let trials = (50_000_000 / view.nodes.len().max(1)).clamp(2_000, 20_000);
        let (with, without) = self
            .analytics(move || -> Result<_, AppError> {
                let with = graph::monte_carlo(&net, &own, &[x], trials, 2026).map_err(graph_error)?;
                let without = graph::monte_carlo(&net, &own, &[], trials, 2026).map_err(graph_error)?;
                Ok((with, without))
            })
            .await??;
        // Downstream: reachable from x along supplier → customer links.
        let mut down = vec![false; view.nodes.len()];
        let mut stack = vec![x];
        while let Some(i) = stack.pop() {
            for e in view.edges.iter().filter(|e| e.supplier == i) {
                if !down[e.customer] {
                    down[e.customer] = true;
                    stack.push(e.customer);
                }
            }
        }
        let mut affected: Vec<(usize, f64, f64)> =
            (0..view.nodes.len()).filter(|&i| down[i] && i != x).map(|i| (i, with[i], without[i])).collect();
        affected.sort_by(|a, b| (b.1 - b.2).total_cmp(&(a.1 - a.2)).then(a.0.cmp(&b.0)));
        // Production stops where the compromise reaches a direct supplier whose outage the buyer cannot absorb.
        let production_stop = view.edges.iter().any(|e| e.customer == 0 && e.outage_unacceptable && (e.supplier == x || down[e.supplier]));
        Ok((view, WhatIf { compromised: x, trials, affected, production_stop }))
    }
}

fn network_of(nodes: &[Node], edges: &[Edge]) -> Result<Network, AppError> {
    let links: Vec<(usize, usize, f64)> = edges.iter().map(|e| (e.supplier, e.customer, e.weight)).collect();
    Network::new(nodes.len(), &links).map_err(graph_error)
}

fn graph_error(e: graph::GraphError) -> AppError {
    AppError::Store(hoshi_store::StoreError::Corrupt(e.to_string()))
}

fn not_a_supplier() -> AppError {
    AppError::not_found("取引先リストにありません。", "Not in your supplier list.")
}

/// Which of these corporate numbers belong to organisations in Hoshi.
async fn registered_numbers(conn: &mut Conn, numbers: &[String]) -> Result<HashSet<String>, AppError> {
    Ok(orgs::registered_among(conn, numbers).await?.into_iter().collect())
}

fn parse_upload(bytes: &[u8], mapping: Option<&[Option<Field>]>) -> Result<ParsedFile, AppError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(AppError::invalid("file", "ファイルが大きすぎます（20MBまで）。", "The file is too large (20 MB at most)."));
    }
    match mapping {
        Some(m) => supplier_file::parse_with_mapping(bytes, m),
        None => supplier_file::parse(bytes),
    }
    .map_err(|e| file_error(&e))
}

/// `YYYY-MM-DD`, a real calendar date.
fn parse_date(s: &str) -> Result<String, AppError> {
    hoshi_core::time::parse_date(s)
        .ok_or_else(|| AppError::invalid("effective_from", "日付は 2027-04-01 の形で書いてください。", "Write the date as 2027-04-01."))
}
