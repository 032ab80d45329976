//! Certification and the public registry: applications and decisions, certificates signed as
//! JWS and their lifecycle (issued, renewed → superseded, suspended, reinstated, revoked,
//! expired), the transparency log (every public change is an event written in the same
//! transaction as the change; the sequencer adds events to the tree and signs a checkpoint),
//! bundles for offline verification, and the public search and bulk verification.

use hoshi_core::audit::Action;
use std::cell::RefCell;
use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use hoshi_core::time::{jst_date_string, rfc3339, valid_until};
use hoshi_core::{CorporateNumber, Level};
use hoshi_ledger::bundle::{Bundle, LogPart};
use hoshi_ledger::jws::{Jwk, Jwks};
use hoshi_ledger::log::{self as tlog, Hash, HashReader};
use hoshi_store::assessments as adb;
use hoshi_store::orgs::{self, Org};
use hoshi_store::registry::{self as db, Application, CertStatus, Certificate, CheckpointRow, KeyRow, Search};
use hoshi_store::Conn;
use serde::Serialize;
use serde_json::json;

use crate::assessment::{AssessmentView, Status, CONFIRMATION, THIRD_PARTY};
use crate::audit::{self, Who};
use crate::trust::{ProviderRecord, VerificationStatus};
use crate::{Actor, App, AppError, Msg};
use hoshi_core::accreditation::Kind as AccKind;
use hoshi_store::assessments::{Engagement, ReviewItem, TechnicalVerification};

/// Applications on one page of the operator's console.
pub const CONSOLE_PAGE: i64 = 50;

/// Largest bulk verification request.
pub const MAX_VERIFY: usize = 10_000;

/// Events the sequencer adds to the tree in one transaction.
pub const SEQUENCE_BATCH: i64 = 20_000;

/// Certificate states.
pub const ACTIVE: &str = "active";
pub const SUSPENDED: &str = "suspended";
pub const REVOKED: &str = "revoked";
pub const EXPIRED: &str = "expired";
pub const SUPERSEDED: &str = "superseded";

use crate::trust::require_operator;

/// Why a certificate is suspended or revoked, as the public record names it.
pub const REASON_CATEGORIES: [(&str, &str, &str); 6] = [
    ("annual_self_assessment", "年次の自己評価が未提出", "Annual self-assessment not submitted"),
    ("nonconformity", "要求事項への不適合", "Nonconformity with the requirements"),
    ("incident", "重大なセキュリティ事故", "Serious security incident"),
    ("misrepresentation", "申告内容と実態の相違", "Declarations found untrue"),
    ("holder_request", "認証取得者の申出", "At the holder's request"),
    ("other", "その他", "Other"),
];

/// The words of a reason category (the key itself when unknown).
pub fn reason_category_name(key: &str, ja: bool) -> String {
    REASON_CATEGORIES.iter().find(|c| c.0 == key).map(|c| if ja { c.1 } else { c.2 }).unwrap_or(key).to_owned()
}

/// The scope of an assessment in words: 全社 / the named group or department.
pub fn scope_words(kind: &str, text: &str) -> (String, String) {
    let text = text.trim();
    let (ja, en) = match kind {
        "group" => ("グループ", "Group"),
        "department" => ("部門", "Department"),
        _ => ("全社", "Whole company"),
    };
    match (kind, text.is_empty()) {
        (_, true) => (ja.to_owned(), en.to_owned()),
        ("group" | "department", false) => (format!("{ja}: {text}"), format!("{en}: {text}")),
        _ => (format!("{ja}（{text}）"), format!("{en} ({text})")),
    }
}

fn cert_not_found() -> AppError {
    AppError::not_found("認証書が見つかりません。", "No such certificate.")
}

/// Reads stored hashes through a cache filled from the database; tree functions are run
/// again after fetching whatever they asked for and was missing.
struct Prefetch {
    cache: RefCell<HashMap<u64, Hash>>,
    missing: RefCell<Vec<u64>>,
}

impl HashReader for Prefetch {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles_error::Error> {
        let cache = self.cache.borrow();
        let missing: Vec<u64> = indexes.iter().filter(|i| !cache.contains_key(i)).copied().collect();
        if !missing.is_empty() {
            self.missing.borrow_mut().extend(missing);
            return Err(tlog_tiles_error::Error::IndexesNotInTree);
        }
        Ok(indexes.iter().map(|i| cache[i]).collect())
    }
}

/// Hashes already in memory: the sequencer's batch and the tree's right edge.
struct Known<'a>(&'a HashMap<u64, Hash>);

impl HashReader for Known<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles_error::Error> {
        indexes.iter().map(|i| self.0.get(i).copied().ok_or(tlog_tiles_error::Error::IndexesNotInTree)).collect()
    }
}

mod tlog_tiles_error {
    pub use hoshi_ledger::log::TlogError as Error;
}

/// Runs `f` over the stored hashes, fetching from the database what it needs.
async fn with_hashes<T>(conn: &mut Conn, extra: &[(u64, Hash)], f: impl Fn(&Prefetch) -> Result<T, tlog::LogError>) -> Result<T, AppError> {
    let p = Prefetch { cache: RefCell::new(extra.iter().copied().collect()), missing: RefCell::new(Vec::new()) };
    for _ in 0..8 {
        match f(&p) {
            Ok(v) => return Ok(v),
            Err(e) => {
                let want: Vec<u64> = std::mem::take(&mut *p.missing.borrow_mut());
                if want.is_empty() {
                    return Err(AppError::Store(hoshi_store::StoreError::Corrupt(e.to_string())));
                }
                let rows = db::read_hashes(conn, &want).await?;
                if rows.len() < want.len() {
                    return Err(AppError::Store(hoshi_store::StoreError::Corrupt("the log is missing stored hashes".into())));
                }
                p.cache.borrow_mut().extend(rows.into_iter().map(|(i, h)| (i, Hash(h))));
            }
        }
    }
    Err(AppError::Store(hoshi_store::StoreError::Corrupt("the log's hashes could not be read".into())))
}

/// A registry event, the exact bytes of a log entry.
pub(crate) fn event(kind: &str, c: &Certificate, cn: &CorporateNumber, reason: &str, at: i64) -> Vec<u8> {
    json!({
        "type": EVENT_TYPE,
        "event": kind,
        "reason_category": c.reason_category,
        "serial": c.serial,
        "corporate_number": cn.to_string(),
        "level": c.level,
        "state": c.state,
        "valid_until": jst_date_string(c.valid_until),
        "reason": reason,
        "at": rfc3339(at),
        "jws_sha256": hoshi_ledger::jws::jws_sha256(&c.jws),
    })
    .to_string()
    .into_bytes()
}

/// The `type` of a certificate event in the log.
pub const EVENT_TYPE: &str = "hoshi.registry.event.v1";

/// The database against the checkpoint recorded as published beside the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadCheck {
    /// No checkpoint recorded yet (a new registry, or keys without the file).
    NoneRecorded,
    /// The database holds the published log, at this size or longer.
    Consistent { published: u64 },
    /// The database's log is shorter than what was published: restored from an old backup.
    Behind { database: u64, published: u64 },
    /// The database has a different tree at the published size.
    Forked { size: u64 },
    /// The recorded file does not verify with this server's log key.
    Unreadable(String),
}

impl HeadCheck {
    /// Whether serving on this database is safe.
    pub fn is_safe(&self) -> bool {
        matches!(self, HeadCheck::NoneRecorded | HeadCheck::Consistent { .. })
    }

    pub fn message(&self, ja: bool) -> String {
        let file = crate::keys::PUBLISHED_HEAD;
        match (self, ja) {
            (HeadCheck::NoneRecorded, true) => "公開済みチェックポイントの記録はまだありません。".into(),
            (HeadCheck::NoneRecorded, false) => "no published checkpoint recorded yet".into(),
            (HeadCheck::Consistent { published }, true) => format!("データベースは公開済みのログ（サイズ{published}）を含んでいます。"),
            (HeadCheck::Consistent { published }, false) => format!("the database holds the published log (size {published})"),
            (HeadCheck::Behind { database, published }, true) => format!(
                "データベースのログ（サイズ{database}）は、このサーバーが公開したログ（サイズ{published}、keys/{file}）より短くなっています。\
                 古いバックアップから戻したデータベースです。新しいバックアップから戻してください。"
            ),
            (HeadCheck::Behind { database, published }, false) => format!(
                "the database's log (size {database}) is behind the log this server published (size {published}, keys/{file}): \
                 it was restored from an old backup; restore a newer one"
            ),
            (HeadCheck::Forked { size }, true) => format!(
                "データベースのログは、このサーバーが公開したログとサイズ{size}で異なります（keys/{file}）。別の登録簿のデータベースか、改ざんされています。"
            ),
            (HeadCheck::Forked { size }, false) => format!(
                "the database's log differs at size {size} from the log this server published (keys/{file}): \
                 it is another registry's database, or it was changed"
            ),
            (HeadCheck::Unreadable(e), true) => format!("keys/{file} がこのサーバーのログ鍵で検証できません: {e}"),
            (HeadCheck::Unreadable(e), false) => format!("keys/{file} does not verify with this server's log key: {e}"),
        }
    }
}

/// A certificate event as the log records it.
#[derive(Debug, Clone, serde::Deserialize)]
struct LoggedEvent {
    #[serde(rename = "type")]
    kind: String,
    event: String,
    #[serde(default)]
    serial: String,
    #[serde(default)]
    level: u8,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reason_category: String,
    #[serde(default)]
    at: String,
}

/// One step in a company's public history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEvent {
    pub serial: String,
    /// issued, renewed, superseded, suspended, reinstated, revoked, expired.
    pub event: String,
    pub level: u8,
    pub reason: String,
    pub reason_category: String,
    /// RFC 3339.
    pub at: String,
    /// The entry's index in the transparency log (none until sequenced).
    pub log_index: Option<u64>,
}

/// One company as the public registry shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CompanyStatus {
    pub corporate_number: String,
    pub name_ja: String,
    pub name_en: String,
    pub prefecture: String,
    pub industry: String,
    /// The level of the current active certificate, if any.
    pub current_level: Option<u8>,
    pub certificates: Vec<CertificateSummary>,
    /// Every public change to its certificates, oldest first (filled for one company).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEvent>,
    /// Whether the registry operator verified the organisation.
    pub verified: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertificateSummary {
    pub serial: String,
    pub level: u8,
    pub state: String,
    pub issued: String,
    pub valid_until: String,
    pub reason: String,
    pub superseded_by: Option<String>,
    pub scope: String,
    pub scope_en: String,
    pub reason_category: String,
    pub edition: String,
}

fn summary(c: &Certificate, now: i64) -> CertificateSummary {
    CertificateSummary {
        serial: c.serial.clone(),
        level: c.level,
        state: effective_state(c, now).to_owned(),
        issued: jst_date_string(c.issued_at),
        valid_until: jst_date_string(c.valid_until),
        reason: c.reason.clone(),
        superseded_by: c.superseded_by.clone(),
        scope: c.scope.clone(),
        scope_en: c.scope_en.clone(),
        reason_category: c.reason_category.clone(),
        edition: c.edition.clone(),
    }
}

/// The state as of `now`: an active certificate past its validity counts as expired even
/// before the expiry job records it.
pub fn effective_state(c: &Certificate, now: i64) -> &str {
    state_at(&c.state, c.valid_until, now)
}

/// A stored state as of `now`: an active certificate past its end date is expired.
pub(crate) fn state_at(state: &str, valid_until: i64, now: i64) -> &str {
    if state == ACTIVE && valid_until < now {
        EXPIRED
    } else {
        state
    }
}

fn status_of(org: &Org, certs: &[Certificate], now: i64) -> CompanyStatus {
    let mut certificates: Vec<CertificateSummary> = certs.iter().map(|c| summary(c, now)).collect();
    certificates.sort_by(|a, b| b.issued.cmp(&a.issued).then(b.serial.cmp(&a.serial)));
    CompanyStatus {
        corporate_number: org.corporate_number.to_string(),
        name_ja: org.name_ja.clone(),
        name_en: org.name_en.clone(),
        prefecture: org.prefecture.name_ja().to_owned(),
        industry: org.industry.key().to_owned(),
        current_level: certs.iter().filter(|c| effective_state(c, now) == ACTIVE).map(|c| c.level).max(),
        certificates,
        history: Vec::new(),
        verified: false,
    }
}

/// What the operator reads before deciding: the application, the organisation and its
/// verification, the assessment (answers, exclusions and their agreement, findings, evidence),
/// the attesting provider with its accreditation, the technical verification, and what still
/// blocks issuing.
#[derive(Debug, Clone)]
pub struct Dossier {
    pub application: Application,
    pub org: Org,
    pub verification: VerificationStatus,
    pub view: AssessmentView,
    pub provider: Option<ProviderRecord>,
    /// Whether the provider was approved when it confirmed or assessed.
    pub attested_while_approved: bool,
    pub technical: Option<TechnicalVerification>,
    pub blockers: Vec<Msg>,
    /// Display names of the people named in the dossier (answers, findings, pledge, check).
    pub names: HashMap<i64, String>,
}

/// One answer of a bulk verification.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyResult {
    pub corporate_number: String,
    /// `null` when the number itself is invalid.
    pub valid_number: bool,
    pub certified_level: Option<u8>,
    pub state: Option<String>,
    pub valid_until: Option<String>,
    pub serial: Option<String>,
    pub meets_requirement: bool,
    /// Why it does not meet the requirement, in words.
    pub reason: Option<String>,
}

impl App {
    // ---- applications and decisions ----

    /// The supplier applies for certification of a confirmed (★3) or assessed (★4) assessment.
    pub async fn apply(&self, actor: &Actor, assessment_id: i64) -> Result<Application, AppError> {
        let view = self.assessment(actor, assessment_id).await?;
        if view.access != crate::assessment::Access::Owner {
            return Err(AppError::not_found("自己評価が見つかりません。", "No such assessment."));
        }
        actor.require_write()?;
        let level = match view.status {
            Status::Confirmed if view.pledge.is_some() => view.evaluation.achieved.filter(|l| *l >= Level::THREE).map(|_| Level::THREE),
            Status::Assessed => App::assessed_level(&view).filter(|l| *l >= Level::FOUR).map(|l| l.min(view.target())),
            _ => None,
        }
        .ok_or_else(|| {
            AppError::invalid(
                "assessment",
                "申請できるのは、専門家の確認と経営者の誓約が済んだ★3の自己評価、または評価機関が★4以上と判定した評価です。",
                "You can apply with a ★3 self-assessment confirmed by an expert with the management pledge signed, or an assessment an assessment body found at ★4 or above.",
            )
        })?;
        let mut tx = self.store.begin().await?;
        self.require_verified(&mut tx, &actor.org).await?;
        if let Some(m) = self.attestation_problem(&mut tx, &view).await? {
            return Err(AppError::invalid("assessment", m.ja, m.en));
        }
        if db::applications_of_org(&mut tx, actor.org.id).await?.iter().any(|a| a.assessment_id == assessment_id && a.status != "refused") {
            return Err(AppError::Conflict(Msg::new(
                "この評価ではすでに申請しています。",
                "You have already applied with this assessment.",
            )));
        }
        // A renewal (or any later version) names the certificate it renews: the organisation's
        // newest at this level.
        let previous_serial = if view.assessment.previous_id.is_some() || matches!(view.assessment.purpose.as_str(), "renewal" | "annual") {
            db::certificates_of_org(&mut tx, actor.org.id)
                .await?
                .into_iter()
                .filter(|c| c.level == level.get())
                .max_by_key(|c| c.issued_at)
                .map(|c| c.serial)
        } else {
            None
        };
        let app = db::insert_application(
            &mut tx,
            &Application {
                id: 0,
                org_id: actor.org.id,
                assessment_id,
                level: level.get(),
                status: "submitted".into(),
                reason: String::new(),
                submitted_by: actor.user_id,
                submitted_at: self.now(),
                decided_by: None,
                decided_at: None,
                serial: None,
                checked_by: None,
                checked_at: None,
                check_note: String::new(),
                previous_serial,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(app)
    }

    /// The engagement whose confirmation (★3) or assessment (★4) an assessment rests on.
    pub fn attesting(view: &AssessmentView) -> Option<&(Engagement, Org, Vec<ReviewItem>)> {
        view.engagements
            .iter()
            .rev()
            .find(|(e, _, _)| (e.kind == CONFIRMATION && e.status == "confirmed") || (e.kind == THIRD_PARTY && e.status == "completed"))
    }

    /// Why an assessment's confirmation or assessment cannot support a certificate: its
    /// provider was not approved when it confirmed or assessed, or is not approved now
    /// (suspended, withdrawn or expired before the application was decided).
    async fn attestation_problem(&self, conn: &mut Conn, view: &AssessmentView) -> Result<Option<Msg>, AppError> {
        let Some((e, provider, _)) = App::attesting(view) else {
            return Ok(Some(Msg::new(
                "専門家の確認または評価機関の評価がありません。",
                "There is no expert confirmation or assessment-body assessment.",
            )));
        };
        let kind = if e.kind == THIRD_PARTY { AccKind::AssessmentBody } else { AccKind::Expert };
        let at = e.decided_at.unwrap_or(e.created_at);
        if !crate::trust::provider_approved_at(conn, provider.id, kind, at).await? {
            return Ok(Some(Msg::new(
                format!(
                    "{}は、確認・評価を行った時点で登録機関が承認した{}ではありませんでした。承認された相手に改めて依頼してください。",
                    provider.name_ja,
                    kind.name(true)
                ),
                format!(
                    "{} was not an approved {} when it confirmed or assessed this: ask an approved provider again.",
                    provider.name_en,
                    kind.name(false).to_lowercase()
                ),
            )));
        }
        if !crate::trust::provider_approved_at(conn, provider.id, kind, self.now()).await? {
            return Ok(Some(Msg::new(
                format!("{}の承認は停止・取消または期限切れになっています。この確認・評価では認証できません。", provider.name_ja),
                format!(
                    "{}'s accreditation has been suspended, withdrawn or has expired: this confirmation or assessment cannot be certified.",
                    provider.name_en
                ),
            )));
        }
        Ok(None)
    }

    /// Every reason the operator may not issue this application now, in words.
    async fn issue_blockers(&self, conn: &mut Conn, app: &Application, org: &Org, view: &AssessmentView) -> Result<Vec<Msg>, AppError> {
        let mut out = Vec::new();
        if crate::trust::latest_verification(conn, org.id).await?.is_none() {
            out.push(Msg::new("申請者の組織が本人確認されていません。", "The applicant organisation is not verified."));
        }
        if let Some(m) = self.attestation_problem(conn, view).await? {
            out.push(m);
        }
        let open: Vec<String> = App::attesting(view)
            .map(|(_, _, items)| {
                items
                    .iter()
                    .filter(|r| matches!(r.position.as_str(), "minor" | "major") && r.resolved_at.is_none())
                    .map(|r| r.criterion.clone())
                    .collect()
            })
            .unwrap_or_default();
        if !open.is_empty() {
            out.push(Msg::new(
                format!("未解決の不適合があります（{}）。是正処置の後、評価機関が解決するまで発行できません。", open.join(", ")),
                format!(
                    "Nonconformities are still open ({}): they must be corrected and resolved by the assessment body first.",
                    open.join(", ")
                ),
            ));
        }
        if app.checked_at.is_none() {
            out.push(Msg::new("書類一式の確認がまだ記録されていません。", "The check of the dossier has not been recorded yet."));
        }
        Ok(out)
    }

    /// Everything the operator reads before deciding an application, read-only.
    pub async fn dossier(&self, actor: &Actor, application_id: i64) -> Result<Dossier, AppError> {
        require_operator(actor)?;
        let mut conn = self.store.pool().acquire().await?;
        let application = db::application(&mut conn, application_id)
            .await
            .map_err(|_| AppError::not_found("申請が見つかりません。", "No such application."))?;
        let org = orgs::get(&mut conn, application.org_id).await?;
        let a = adb::get(&mut conn, application.assessment_id).await?;
        let view = self.load_view(&mut conn, a, crate::assessment::Access::Operator).await?;
        let verification = self.my_verification_of(&mut conn, org.id).await?;
        let mut provider = None;
        let mut technical = None;
        let mut attested_while_approved = false;
        if let Some((e, p, _)) = App::attesting(&view) {
            let kind = if e.kind == THIRD_PARTY { AccKind::AssessmentBody } else { AccKind::Expert };
            provider = self.provider_record(&mut conn, p.id, kind).await?;
            attested_while_approved =
                crate::trust::provider_approved_at(&mut conn, p.id, kind, e.decided_at.unwrap_or(e.created_at)).await?;
            technical = adb::technical_verification(&mut conn, e.id).await?;
        }
        let blockers = self.issue_blockers(&mut conn, &application, &org, &view).await?;
        let mut names = HashMap::new();
        for id in view
            .answers
            .values()
            .map(|a| a.by)
            .chain(view.findings.iter().map(|n| n.author_id))
            .chain(view.pledge.iter().map(|p| p.signed_by))
            .chain(application.checked_by)
        {
            if let std::collections::hash_map::Entry::Vacant(v) = names.entry(id) {
                v.insert(hoshi_store::users::get(&mut conn, id).await.map(|u| u.display_name).unwrap_or_default());
            }
        }
        Ok(Dossier { application, org, verification, view, provider, attested_while_approved, technical, blockers, names })
    }

    /// The operator records that the dossier was checked (required before issuing).
    pub async fn record_check(&self, actor: &Actor, application_id: i64, note: &str) -> Result<(), AppError> {
        require_operator(actor)?;
        let mut tx = self.store.begin().await?;
        let app = db::application(&mut tx, application_id)
            .await
            .map_err(|_| AppError::not_found("申請が見つかりません。", "No such application."))?;
        if app.status != "submitted" {
            return Err(AppError::Conflict(Msg::new("この申請はすでに判断済みです。", "This application was already decided.")));
        }
        let note = note.trim();
        if note.is_empty() {
            return Err(AppError::invalid("note", "確認した内容を書いてください。", "Write what you checked."));
        }
        let note: String = note.chars().take(2000).collect();
        db::set_application_check(&mut tx, app.id, actor.user_id, self.now(), &note).await?;
        let org = orgs::get(&mut tx, app.org_id).await?;
        let detail = json!({"application": app.id, "note": note});
        audit::record(&mut tx, &Who::of(actor), Action::CheckRecorded, &org.corporate_number.to_string(), detail, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation's applications, newest first.
    pub async fn my_applications(&self, actor: &Actor) -> Result<Vec<Application>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(db::applications_of_org(&mut conn, actor.org.id).await?)
    }

    /// Applications waiting for the registry operator, oldest first, a page at a time (the page
    /// costs the same however long the queue), with the applicant; and how many wait in all.
    pub async fn pending_applications(&self, actor: &Actor, offset: i64) -> Result<(Vec<(Application, Org)>, i64), AppError> {
        require_operator(actor)?;
        let mut conn = self.store.pool().acquire().await?;
        let (page, total) = db::applications_with_status(&mut conn, "submitted", CONSOLE_PAGE, offset).await?;
        let ids: Vec<i64> = page.iter().map(|a| a.org_id).collect();
        let found = orgs::by_ids(&mut conn, &ids).await?;
        let out = page.into_iter().filter_map(|a| found.iter().find(|o| o.id == a.org_id).cloned().map(|o| (a, o))).collect();
        Ok((out, total))
    }

    pub(crate) async fn ensure_key_registered(&self, conn: &mut Conn) -> Result<(), AppError> {
        let now = self.now();
        let issuers = db::keys(conn, "issuer").await?;
        if !issuers.iter().any(|k| k.kid == self.keys.issuer.kid) {
            for old in issuers.iter().filter(|k| k.retired_at.is_none()) {
                db::retire_key(conn, &old.kid, now).await?;
            }
            let jwk = serde_json::to_string(&self.keys.issuer.public()).unwrap_or_default();
            db::insert_key(
                conn,
                &KeyRow { kid: self.keys.issuer.kid.clone(), kind: "issuer".into(), public_key: jwk, created_at: now, retired_at: None },
            )
            .await?;
        }
        let logs = db::keys(conn, "log").await?;
        let vkey = self.keys.log.verifier_key().to_owned();
        if !logs.iter().any(|k| k.public_key == vkey) {
            db::insert_key(
                conn,
                &KeyRow { kid: format!("log:{vkey}"), kind: "log".into(), public_key: vkey, created_at: now, retired_at: None },
            )
            .await?;
        }
        Ok(())
    }

    /// The registry operator registers and issues, or refuses with a reason the supplier sees.
    /// Issuing needs the dossier's check recorded: before (`record_check`), or with this call,
    /// `reason` then being the note of what was checked.
    pub async fn decide(&self, actor: &Actor, application_id: i64, issue: bool, reason: &str) -> Result<Application, AppError> {
        require_operator(actor)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut app = db::application(&mut tx, application_id)
            .await
            .map_err(|_| AppError::not_found("申請が見つかりません。", "No such application."))?;
        if app.status != "submitted" {
            return Err(AppError::Conflict(Msg::new("この申請はすでに判断済みです。", "This application was already decided.")));
        }
        app.decided_by = Some(actor.user_id);
        app.decided_at = Some(now);
        if !issue {
            if reason.trim().is_empty() {
                return Err(AppError::invalid(
                    "reason",
                    "申請を拒否する理由を書いてください（申請者に表示されます）。",
                    "Write why the application is refused (the applicant sees it).",
                ));
            }
            app.status = "refused".into();
            app.reason = reason.trim().chars().take(2000).collect();
            db::update_application(&mut tx, &app).await?;
            let org = orgs::get(&mut tx, app.org_id).await?;
            let detail = json!({"application": app.id, "reason": app.reason});
            audit::record(&mut tx, &Who::of(actor), Action::ApplicationRefused, &org.corporate_number.to_string(), detail, now).await?;
            tx.commit().await?;
            return Ok(app);
        }
        if app.checked_at.is_none() && !reason.trim().is_empty() {
            // Issuing with a note records the check of the dossier first, in the same transaction.
            let note: String = reason.trim().chars().take(2000).collect();
            db::set_application_check(&mut tx, app.id, actor.user_id, now, &note).await?;
            (app.checked_by, app.checked_at, app.check_note) = (Some(actor.user_id), Some(now), note);
        }
        let org = orgs::get(&mut tx, app.org_id).await?;
        let asmt = adb::get(&mut tx, app.assessment_id).await?;
        let view = self.load_view(&mut tx, asmt.clone(), crate::assessment::Access::Operator).await?;
        let blockers = self.issue_blockers(&mut tx, &app, &org, &view).await?;
        if !blockers.is_empty() {
            let ja: Vec<&str> = blockers.iter().map(|m| m.ja.as_str()).collect();
            let en: Vec<&str> = blockers.iter().map(|m| m.en.as_str()).collect();
            return Err(AppError::invalid(
                "issue",
                format!("まだ発行できません: {}", ja.join(" ")),
                format!("It cannot be issued yet: {}", en.join(" ")),
            ));
        }
        let attestation = match App::attesting(&view) {
            Some((e, p, _)) => {
                let kind = if e.kind == THIRD_PARTY { AccKind::AssessmentBody } else { AccKind::Expert };
                let record = self.provider_record(&mut tx, p.id, kind).await?;
                json!({
                    "type": if kind == AccKind::AssessmentBody { "ThirdPartyAssessment" } else { "ExpertConfirmation" },
                    "role": kind.key(),
                    "name": {"ja": p.name_ja, "en": p.name_en},
                    "corporateNumber": p.corporate_number.to_string(),
                    "number": record.as_ref().map(|r| r.accreditation.number.clone()).unwrap_or_default(),
                    "qualification": record.as_ref().map(|r| r.accreditation.qualification.clone()).unwrap_or_default(),
                    "date": e.decided_at.map(rfc3339),
                })
            }
            None => serde_json::Value::Null,
        };
        self.ensure_key_registered(&mut tx).await?;
        let level = Level::new(i64::from(app.level)).map_err(|e| AppError::invalid("level", e.to_string(), e.to_string()))?;
        let cert = self.new_certificate(&org, app.id, level, &asmt.scope_kind, &asmt.scope_text, attestation, now)?;
        let serial = cert.serial.clone();
        // A renewal supersedes the company's active certificates.
        let previous: Vec<Certificate> =
            db::certificates_of_org(&mut tx, org.id).await?.into_iter().filter(|c| c.state == ACTIVE).collect();
        db::insert_certificate(&mut tx, &cert).await?;
        let kind = if previous.is_empty() { "issued" } else { "renewed" };
        db::insert_pending(&mut tx, &event(kind, &cert, &org.corporate_number, "", now), Some(&serial), now).await?;
        for mut old in previous {
            db::set_state(&mut tx, &old.serial, SUPERSEDED, "", Some(&serial), now).await?;
            old.state = SUPERSEDED.into();
            db::insert_pending(
                &mut tx,
                &event("superseded", &old, &org.corporate_number, &format!("renewed by {serial}"), now),
                Some(&old.serial),
                now,
            )
            .await?;
        }
        let detail =
            json!({"application": app.id, "corporate_number": org.corporate_number.to_string(), "level": app.level, "event": kind});
        audit::record(&mut tx, &Who::of(actor), Action::CertificateIssued, &serial, detail, now).await?;
        app.status = "issued".into();
        app.serial = Some(serial);
        db::update_application(&mut tx, &app).await?;
        tx.commit().await?;
        Ok(app)
    }

    /// A signed certificate for `org` at `level` from application `application_id`, valid
    /// from `now` for the edition's validity: the W3C credential as a JWS by the issuer key. Not
    /// stored: the caller writes it and its log event in its own transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new_certificate(
        &self,
        org: &Org,
        application_id: i64,
        level: Level,
        scope_kind: &str,
        scope_text: &str,
        attestation: serde_json::Value,
        now: i64,
    ) -> Result<Certificate, AppError> {
        let edition = crate::assessment::current_edition()?;
        let months = edition.level(level).validity_months.unwrap_or(12);
        let serial = format!("HS{}-{:07}", jst_date_string(now).get(..4).unwrap_or("0000"), application_id);
        let until = valid_until(now, months);
        let (scope, scope_en) = scope_words(scope_kind, scope_text);
        let annual_due: Vec<String> = if edition.level(level).annual_self_assessment {
            hoshi_core::time::annual_due_dates(now, months).into_iter().map(jst_date_string).collect()
        } else {
            Vec::new()
        };
        let payload = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "SupplyChainSecurityLevelCredential"],
            "id": format!("urn:hoshi:certificate:{serial}"),
            "issuer": {"id": format!("urn:hoshi:registry:{}", self.keys.log.origin()), "name": "Hoshi registry (SCS評価制度 登録簿)"},
            "validFrom": rfc3339(now),
            "validUntil": rfc3339(until),
            "credentialSubject": {
                "id": format!("urn:houjin-bangou:{}", org.corporate_number),
                "corporateNumber": org.corporate_number.to_string(),
                "legalName": {"ja": org.name_ja, "en": org.name_en},
                "level": level.get(),
                "levelName": edition.level(level).name.en,
                "scope": scope,
                "scopeDescription": {"kind": scope_kind, "ja": scope, "en": scope_en},
                "attestedBy": attestation,
                "edition": edition.id,
                "annualSelfAssessmentDue": annual_due,
            },
        });
        let jws = self.keys.issuer.sign(&payload);
        Ok(Certificate {
            serial,
            org_id: org.id,
            application_id,
            level: level.get(),
            scope,
            edition: edition.id.clone(),
            issued_at: now,
            valid_until: until,
            state: ACTIVE.into(),
            reason: String::new(),
            superseded_by: None,
            jws,
            kid: self.keys.issuer.kid.clone(),
            log_index: None,
            updated_at: now,
            scope_en,
            attestation: attestation.to_string(),
            reason_category: String::new(),
        })
    }

    /// Suspends, reinstates or revokes a certificate (`action` = suspend / reinstate / revoke).
    pub async fn change_certificate(
        &self,
        actor: &Actor,
        serial: &str,
        action: &str,
        category: &str,
        reason: &str,
    ) -> Result<Certificate, AppError> {
        require_operator(actor)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut c = db::certificate(&mut tx, serial).await.map_err(|_| cert_not_found())?;
        let (from, to, event_kind): (&[&str], &str, &str) = match action {
            "suspend" => (&[ACTIVE], SUSPENDED, "suspended"),
            "reinstate" => (&[SUSPENDED], ACTIVE, "reinstated"),
            "revoke" => (&[ACTIVE, SUSPENDED], REVOKED, "revoked"),
            _ => {
                return Err(AppError::invalid(
                    "action",
                    "操作は停止・再開・取消のいずれかです。",
                    "The action must be suspend, reinstate or revoke.",
                ))
            }
        };
        if !from.contains(&c.state.as_str()) {
            return Err(AppError::Conflict(Msg::new(
                format!("認証書{serial}は「{}」のため、この操作はできません。", c.state),
                format!("Certificate {serial} is {}: it cannot be {event_kind}.", c.state),
            )));
        }
        if matches!(action, "suspend" | "revoke") && reason.trim().is_empty() {
            return Err(AppError::invalid(
                "reason",
                "理由を書いてください（登録簿に公開されます）。",
                "Write the reason (it is published in the registry).",
            ));
        }
        let category = match (action, category.trim()) {
            ("reinstate", _) => "",
            (_, "") => "other",
            (_, k) if REASON_CATEGORIES.iter().any(|c| c.0 == k) => k,
            _ => {
                return Err(AppError::invalid(
                    "category",
                    "理由の分類を一覧から選んでください。",
                    format!("Choose the reason category from the list ({}).", REASON_CATEGORIES.map(|c| c.0).join(", ")),
                ))
            }
        };
        let reason = reason.trim().chars().take(500).collect::<String>();
        db::set_state(&mut tx, serial, to, &reason, c.superseded_by.as_deref(), now).await?;
        db::set_reason_category(&mut tx, serial, category).await?;
        c.state = to.into();
        c.reason = reason.clone();
        c.reason_category = category.into();
        let org = orgs::get(&mut tx, c.org_id).await?;
        db::insert_pending(&mut tx, &event(event_kind, &c, &org.corporate_number, &reason, now), Some(serial), now).await?;
        let action = match to {
            SUSPENDED => Action::CertificateSuspended,
            ACTIVE => Action::CertificateReinstated,
            _ => Action::CertificateRevoked,
        };
        let detail = json!({"corporate_number": org.corporate_number.to_string(), "category": category, "reason": reason});
        audit::record(&mut tx, &Who::of(actor), action, serial, detail, now).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Records the expiry of every certificate past its validity (the scheduled job).
    pub async fn expire_due(&self) -> Result<usize, AppError> {
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let due = db::due_to_expire(&mut tx, now).await?;
        for mut c in due.iter().cloned() {
            db::set_state(&mut tx, &c.serial, EXPIRED, "", c.superseded_by.as_deref(), now).await?;
            c.state = EXPIRED.into();
            let org = orgs::get(&mut tx, c.org_id).await?;
            db::insert_pending(&mut tx, &event("expired", &c, &org.corporate_number, "", now), Some(&c.serial), now).await?;
        }
        let providers = self.expire_accreditations(&mut tx).await?;
        tx.commit().await?;
        Ok(due.len() + providers)
    }

    /// The organisation's own certificates.
    pub async fn my_certificates(&self, actor: &Actor) -> Result<Vec<Certificate>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(db::certificates_of_org(&mut conn, actor.org.id).await?)
    }

    // ---- the log ----

    /// Adds pending events to the tree and signs a checkpoint. Exactly one sequencer runs at a
    /// time (a database lock). Returns the tree size.
    ///
    /// Each batch of up to [`SEQUENCE_BATCH`] events is one transaction: the new stored hashes
    /// are computed in memory from the tree's right edge (read once), and the entries, hashes,
    /// log indexes and removals are written with multi-row statements, so a batch costs a few
    /// dozen statements however many events it holds. The checkpoint is signed over the tree
    /// this transaction writes and stored in it: it is served (read from the database) only
    /// once the tree it signs is committed.
    pub async fn sequence(&self) -> Result<u64, AppError> {
        {
            // Nothing to do (the common case, twice a second): do not take the write lock.
            let mut conn = self.store.pool().acquire().await?;
            let size = db::log_size(&mut conn).await?;
            let idle =
                db::pending(&mut conn, 1).await?.is_empty() && db::latest_checkpoint(&mut conn).await?.is_some_and(|c| c.size == size);
            if idle {
                return Ok(size);
            }
        }
        self.sequence_in_batches(SEQUENCE_BATCH).await
    }

    /// [`sequence`](Self::sequence) with batches of at most `batch` events, each its own
    /// transaction and checkpoint (tests use small batches to cross every boundary).
    pub async fn sequence_in_batches(&self, batch: i64) -> Result<u64, AppError> {
        loop {
            let (size, more) = self.sequence_batch(batch.max(1)).await?;
            if !more {
                return Ok(size);
            }
        }
    }

    /// One batch: returns the new size and whether events remain.
    async fn sequence_batch(&self, batch: i64) -> Result<(u64, bool), AppError> {
        let now = self.now();
        let corrupt = |e: String| AppError::Store(hoshi_store::StoreError::Corrupt(e));
        let mut tx = self.store.begin().await?;
        db::lock_log(&mut tx, self.keys.log.origin(), now).await?;
        let start = db::log_size(&mut tx).await?;
        let pending = db::pending(&mut tx, batch).await?;
        // The right edge of the tree as it stands: every hash a new entry or the new root can
        // need that this batch does not compute itself.
        let edge = tlog::sub_tree_index(0, start, Vec::new());
        let mut known: HashMap<u64, Hash> = HashMap::with_capacity(edge.len() + 2 * pending.len());
        let rows = db::read_hashes(&mut tx, &edge).await?;
        if rows.len() < edge.len() {
            return Err(corrupt("the log is missing stored hashes at its right edge".into()));
        }
        known.extend(rows.into_iter().map(|(i, h)| (i, Hash(h))));
        let first_hash = tlog::stored_hash_index(0, start);
        let mut new_hashes: Vec<[u8; 32]> = Vec::with_capacity(2 * pending.len());
        let mut log_indexes: Vec<(&str, u64)> = Vec::new();
        for (k, (_, data, serial)) in pending.iter().enumerate() {
            let n = start + k as u64;
            let hashes = tlog::stored_hashes(n, data, &Known(&known)).map_err(|e| corrupt(e.to_string()))?;
            let at = tlog::stored_hash_index(0, n);
            known.extend(hashes.iter().enumerate().map(|(i, h)| (at + i as u64, *h)));
            new_hashes.extend(hashes.iter().map(|h| h.0));
            if let Some(s) = serial {
                let issued = serde_json::from_slice::<LoggedEvent>(data)
                    .is_ok_and(|e| e.kind == EVENT_TYPE && matches!(e.event.as_str(), "issued" | "renewed"));
                if issued {
                    log_indexes.push((s.as_str(), n));
                }
            }
        }
        let entries: Vec<(&[u8], Option<&str>)> = pending.iter().map(|(_, d, s)| (d.as_slice(), s.as_deref())).collect();
        db::insert_entries(&mut tx, start, &entries, now).await?;
        db::insert_hashes(&mut tx, first_hash, &new_hashes).await?;
        db::set_log_indexes(&mut tx, &log_indexes).await?;
        db::delete_pending(&mut tx, &pending.iter().map(|(id, _, _)| *id).collect::<Vec<_>>()).await?;
        let size = start + pending.len() as u64;
        let latest = db::latest_checkpoint(&mut tx).await?;
        let mut signed = None;
        if latest.as_ref().is_none_or(|c| c.size != size) {
            let root = tlog::tree_hash(size, &Known(&known)).map_err(|e| corrupt(e.to_string()))?;
            let note = self.keys.log.sign_checkpoint(size, &root).map_err(|e| corrupt(e.to_string()))?;
            self.ensure_key_registered(&mut tx).await?;
            db::insert_checkpoint(&mut tx, &CheckpointRow { size, root: root.0, note: note.clone(), created_at: now }).await?;
            signed = Some(note);
        }
        tx.commit().await?;
        // Served from the database from now on: recorded outside it too (see `keys`). A crash
        // before this line leaves the file one checkpoint behind the database, which is allowed.
        if let Some(note) = signed {
            let keys = self.keys.clone();
            let written = tokio::task::spawn_blocking(move || keys.record_published_head(&note)).await;
            if let Err(e) = written.map_err(std::io::Error::other).and_then(|r| r) {
                tracing::error!(error = %e, "cannot record the published checkpoint beside the keys");
            }
        }
        Ok((size, pending.len() as i64 == batch))
    }

    /// The background log work, called twice a second by every server: keep or take the
    /// sequencer lease (one server at a time on PostgreSQL; the others wait and take over when
    /// it goes), and while holding it, sequence. Returns whether this server sequences.
    pub async fn sequencer_tick(&self, lease: &mut hoshi_store::SequencerLease) -> Result<bool, AppError> {
        use std::sync::atomic::Ordering;
        let before = lease.is_held();
        let held = self.store.hold_sequencer_lease(lease).await;
        let now = lease.is_held();
        match (before, now) {
            (false, true) => tracing::info!("this server now sequences the log"),
            (true, false) => tracing::warn!("this server lost the sequencer lease"),
            _ => {}
        }
        self.sequencing.store(now, Ordering::Relaxed);
        if held? {
            self.sequence().await?;
        }
        Ok(now)
    }

    /// Whether this process holds the sequencer lease.
    pub fn is_sequencing(&self) -> bool {
        self.sequencing.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The latest signed checkpoint (the note text).
    pub async fn checkpoint(&self) -> Result<Option<CheckpointRow>, AppError> {
        let generation = self.store.generation();
        if let Some(hit) = self.public.checkpoint.get("", generation) {
            return Ok(hit);
        }
        let mut conn = self.store.read_pool().acquire().await?;
        let cp = db::latest_checkpoint(&mut conn).await?;
        self.public.checkpoint.put(String::new(), generation, cp.clone());
        Ok(cp)
    }

    /// The check `serve` runs before it listens, in a time that does not grow with the log's
    /// history: the latest signed checkpoint verifies with the log key, and the stored tree of its
    /// size has exactly its root. (`audit_log` checks every checkpoint; `hoshi registry audit`
    /// runs it.) Returns the size checked, `None` for an empty log.
    pub async fn check_latest_checkpoint(&self) -> Result<Option<u64>, AppError> {
        let mut conn = self.store.read_pool().acquire().await?;
        let Some(cp) = db::latest_checkpoint(&mut conn).await? else { return Ok(None) };
        let vkey = self.keys.log.verifier_key().to_owned();
        let opened = tlog::open_checkpoint(&cp.note, &vkey).map_err(|e| {
            AppError::Conflict(Msg::new(
                format!("最新のチェックポイント（サイズ{}）の署名が検証できません: {e}", cp.size),
                format!("The latest checkpoint (size {}) does not verify: {e}", cp.size),
            ))
        })?;
        let size = cp.size;
        let root = with_hashes(&mut conn, &[], |r| tlog::tree_hash(size, r).map_err(|e| tlog::LogError::Storage(e.to_string()))).await?;
        if root.0 != cp.root || opened.hash().0 != cp.root || opened.size() != size {
            return Err(AppError::Conflict(Msg::new(
                format!("保存されたログの木が、最新の署名済みチェックポイント（サイズ{size}）と一致しません。ログが改ざんされたか壊れています。"),
                format!("The stored log tree does not match the latest signed checkpoint of size {size}: the log was changed or is corrupt."),
            )));
        }
        Ok(Some(size))
    }

    /// Whether the database holds the log this server last published (the checkpoint recorded
    /// beside the keys): it must be as long at least, with the same tree at that size. A
    /// database restored from an old backup is behind; another registry's database with the same
    /// keys forks. Either way, signing on it would contradict what the world has seen.
    pub async fn check_published_head(&self) -> Result<HeadCheck, AppError> {
        let text = self.keys.published_head().map_err(|e| AppError::Store(hoshi_store::StoreError::Corrupt(e.to_string())))?;
        let Some(text) = text else { return Ok(HeadCheck::NoneRecorded) };
        let published = match tlog::open_checkpoint(&text, self.keys.log.verifier_key()) {
            Ok(cp) => cp,
            Err(e) => return Ok(HeadCheck::Unreadable(e.to_string())),
        };
        let mut conn = self.store.read_pool().acquire().await?;
        let size = db::log_size(&mut conn).await?;
        let stored = db::latest_checkpoint(&mut conn).await?.map_or(0, |c| c.size);
        if size < published.size() || stored < published.size() {
            return Ok(HeadCheck::Behind { database: stored.min(size), published: published.size() });
        }
        let at = published.size();
        let root = with_hashes(&mut conn, &[], |r| tlog::tree_hash(at, r).map_err(|e| tlog::LogError::Storage(e.to_string()))).await?;
        if &root != published.hash() {
            return Ok(HeadCheck::Forked { size: at });
        }
        Ok(HeadCheck::Consistent { published: at })
    }

    /// Checks the stored tree against every stored checkpoint: the root recomputed from the
    /// stored hashes (and, for the newest, from the entries themselves) must equal each signed
    /// root, and each signature must verify with the log key. Returns the checked sizes.
    pub async fn audit_log(&self, full: bool) -> Result<Vec<u64>, AppError> {
        let mut conn = self.store.read_pool().acquire().await?;
        let vkey = self.keys.log.verifier_key().to_owned();
        let mut checked = Vec::new();
        for cp in db::checkpoints(&mut conn).await? {
            let opened = tlog::open_checkpoint(&cp.note, &vkey).map_err(|e| {
                AppError::Conflict(Msg::new(
                    format!("チェックポイント（サイズ{}）の署名が検証できません: {e}", cp.size),
                    format!("The checkpoint of size {} does not verify: {e}", cp.size),
                ))
            })?;
            let size = cp.size;
            let root =
                with_hashes(&mut conn, &[], |r| tlog::tree_hash(size, r).map_err(|e| tlog::LogError::Storage(e.to_string()))).await?;
            if root.0 != cp.root || opened.hash().0 != cp.root || opened.size() != cp.size {
                return Err(AppError::Conflict(Msg::new(
                    format!(
                        "保存されたログの木が、署名済みチェックポイント（サイズ{size}）と一致しません。ログが改ざんされたか壊れています。"
                    ),
                    format!("The stored log tree does not match the signed checkpoint of size {size}: the log was changed or is corrupt."),
                )));
            }
            checked.push(size);
        }
        if full {
            let size = db::log_size(&mut conn).await?;
            let entries = db::entries(&mut conn, 0, size).await?;
            let mut mem = tlog::MemoryLog::default();
            for e in &entries {
                mem.append(e).map_err(|e| AppError::Store(hoshi_store::StoreError::Corrupt(e.to_string())))?;
            }
            for cp in db::checkpoints(&mut conn).await? {
                let r = tlog::tree_hash(cp.size, &mem).map_err(|e| AppError::Store(hoshi_store::StoreError::Corrupt(e.to_string())))?;
                if r.0 != cp.root {
                    return Err(AppError::Conflict(Msg::new(
                        format!("ログのエントリから計算した木が、チェックポイント（サイズ{}）と一致しません。", cp.size),
                        format!("The tree recomputed from the entries does not match the checkpoint of size {}.", cp.size),
                    )));
                }
            }
        }
        Ok(checked)
    }

    /// The issuer keys as a JWKS (current and retired).
    pub async fn jwks(&self) -> Result<Jwks, AppError> {
        let mut conn = self.store.read_pool().acquire().await?;
        let mut keys: Vec<Jwk> =
            db::keys(&mut conn, "issuer").await?.iter().filter_map(|k| serde_json::from_str(&k.public_key).ok()).collect();
        if !keys.iter().any(|k| k.kid == self.keys.issuer.kid) {
            keys.push(self.keys.issuer.public());
        }
        Ok(Jwks { keys })
    }

    /// A file of the tlog-tiles read API at the latest checkpoint: `tile/<L>/<N>[.p/<W>]` or
    /// `tile/entries/<N>[.p/<W>]`. `None` when no such tile exists yet.
    pub async fn tile(&self, path: &str) -> Result<Option<Vec<u8>>, AppError> {
        let Some((level, index, width)) = tlog::parse_tile_path(path) else { return Ok(None) };
        // A full tile never changes once the tree covers it: kept in memory for good.
        if let Some(hit) = self.public.full_tiles.get(path, 0) {
            return Ok(Some(hit));
        }
        let Some(cp) = self.checkpoint().await? else { return Ok(None) };
        let shift = u32::from(level.unwrap_or(0)) * u32::from(tlog::TILE_HEIGHT);
        let count = cp.size.checked_shr(shift).unwrap_or(0);
        let start = index.saturating_mul(tlog::TILE_WIDTH);
        // A tile exists in full once the tree covers it; a partial one only at the right edge.
        let available = count.saturating_sub(start).min(tlog::TILE_WIDTH);
        if available == 0 || width > available || (width < tlog::TILE_WIDTH && width != available) {
            return Ok(None);
        }
        let mut conn = self.store.read_pool().acquire().await?;
        let bytes = match level {
            Some(l) => with_hashes(&mut conn, &[], |r| tlog::tile_data(l, index, width, r)).await?,
            None => {
                let entries = db::entries(&mut conn, start, start + width).await?;
                tlog::entry_bundle(entries.iter().map(Vec::as_slice))
            }
        };
        if width == tlog::TILE_WIDTH {
            self.public.full_tiles.put(path.to_owned(), 0, bytes.clone());
        }
        Ok(Some(bytes))
    }

    /// Every tile file at the latest checkpoint, for a static host.
    pub async fn all_tiles(&self) -> Result<Vec<(String, Vec<u8>)>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let Some(cp) = db::latest_checkpoint(&mut conn).await? else { return Ok(Vec::new()) };
        let entries = db::entries(&mut conn, 0, cp.size).await?;
        let size = cp.size;
        // Every stored hash of the tree, read first: building the tiles one by one through
        // `with_hashes` would take a round per tile, more than it allows past a few tiles.
        let all: Vec<u64> = (0..tlog::stored_hash_index(0, size)).collect();
        let known: Vec<(u64, Hash)> = db::read_hashes(&mut conn, &all).await?.into_iter().map(|(i, h)| (i, Hash(h))).collect();
        with_hashes(&mut conn, &known, |r| tlog::static_tiles(size, r, |i| entries.get(i as usize).cloned())).await
    }

    /// An inclusion proof of entry `index` in the tree of the latest checkpoint (or `size`).
    pub async fn inclusion_proof(&self, index: u64, size: Option<u64>) -> Result<(Vec<String>, CheckpointRow), AppError> {
        let mut conn = self.store.read_pool().acquire().await?;
        let cp =
            db::latest_checkpoint(&mut conn).await?.ok_or_else(|| AppError::not_found("ログはまだ空です。", "The log is still empty."))?;
        let size = size.unwrap_or(cp.size);
        if index >= size || size > cp.size {
            return Err(AppError::invalid(
                "index",
                "番号が木の範囲外です。",
                format!("Index {index} is outside a tree of size {size} (the log has {}).", cp.size),
            ));
        }
        let proof = with_hashes(&mut conn, &[], |r| tlog::prove_inclusion(size, index, r)).await?;
        Ok((proof.iter().map(tlog::hash_to_base64).collect(), cp))
    }

    /// A consistency proof between two tree sizes.
    pub async fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<String>, AppError> {
        let mut conn = self.store.read_pool().acquire().await?;
        let cp =
            db::latest_checkpoint(&mut conn).await?.ok_or_else(|| AppError::not_found("ログはまだ空です。", "The log is still empty."))?;
        if old == 0 || old > new || new > cp.size {
            return Err(AppError::invalid(
                "old",
                "サイズの指定が正しくありません。",
                format!("Sizes must satisfy 1 ≤ old ≤ new ≤ {}.", cp.size),
            ));
        }
        let proof = with_hashes(&mut conn, &[], |r| tlog::prove_consistency(new, old, r)).await?;
        Ok(proof.iter().map(tlog::hash_to_base64).collect())
    }

    /// The certificate with its log index, leaf, inclusion proof and checkpoint.
    pub async fn bundle(&self, serial: &str) -> Result<Bundle, AppError> {
        let mut conn = self.store.read_pool().acquire().await?;
        let c = db::certificate(&mut conn, serial).await.map_err(|_| cert_not_found())?;
        let index = c.log_index.ok_or_else(|| {
            AppError::Conflict(Msg::new(
                "この認証書はまだログに記録されていません。数秒後にもう一度お試しください。",
                "This certificate is not in the log yet: try again in a few seconds.",
            ))
        })? as u64;
        drop(conn);
        let (proof, cp) = self.inclusion_proof(index, None).await?;
        let mut conn = self.store.read_pool().acquire().await?;
        let entry = db::entries(&mut conn, index, index + 1).await?.into_iter().next().ok_or_else(cert_not_found)?;
        Ok(Bundle {
            certificate: c.jws,
            log: LogPart {
                origin: self.keys.log.origin().to_owned(),
                index,
                entry: B64.encode(entry),
                inclusion_proof: proof,
                checkpoint: cp.note,
            },
        })
    }

    // ---- public registry ----

    /// Searches the registry; returns the page of companies and how many match.
    pub async fn registry_search(&self, s: &Search) -> Result<(Vec<CompanyStatus>, i64), AppError> {
        let (key, generation) = (format!("{s:?}"), self.store.generation());
        if let Some(hit) = self.public.searches.get(&key, generation) {
            return Ok(hit);
        }
        let found = self.registry_search_uncached(s).await?;
        self.public.searches.put(key, generation, found.clone());
        Ok(found)
    }

    async fn registry_search_uncached(&self, s: &Search) -> Result<(Vec<CompanyStatus>, i64), AppError> {
        let now = self.now();
        let mut conn = self.store.read_pool().acquire().await?;
        let (ids, total) = db::search_certified(&mut conn, s).await?;
        // The page in three queries (organisations, their roles, their certificates), not three per row.
        let found = orgs::by_ids(&mut conn, &ids).await?;
        let mut certs: HashMap<i64, Vec<Certificate>> = HashMap::new();
        for c in db::certificates_of_orgs(&mut conn, &ids).await? {
            certs.entry(c.org_id).or_default().push(c);
        }
        let out = ids
            .iter()
            .filter_map(|id| found.iter().find(|o| o.id == *id))
            .map(|org| status_of(org, certs.get(&org.id).map(Vec::as_slice).unwrap_or(&[]), now))
            .collect();
        Ok((out, total))
    }

    /// One company's current status and certificate history.
    pub async fn registry_company(&self, cn: &CorporateNumber) -> Result<CompanyStatus, AppError> {
        let (key, generation) = (cn.to_string(), self.store.generation());
        if let Some(hit) = self.public.companies.get(&key, generation) {
            return Ok(hit);
        }
        let status = self.registry_company_uncached(cn).await?;
        self.public.companies.put(key, generation, status.clone());
        Ok(status)
    }

    async fn registry_company_uncached(&self, cn: &CorporateNumber) -> Result<CompanyStatus, AppError> {
        let mut conn = self.store.read_pool().acquire().await?;
        let org = orgs::by_corporate_number(&mut conn, cn).await?.ok_or_else(|| {
            AppError::not_found(
                format!("法人番号{cn}の企業は登録簿にありません。"),
                format!("There is no company with corporate number {cn} in the registry."),
            )
        })?;
        let certs = db::certificates_of_org(&mut conn, org.id).await?;
        if certs.is_empty() {
            return Err(AppError::not_found(
                format!("法人番号{cn}の企業は認証を受けていません。"),
                format!("The company with corporate number {cn} holds no certificate."),
            ));
        }
        let mut status = status_of(&org, &certs, self.now());
        let serials: Vec<String> = certs.iter().map(|c| c.serial.clone()).collect();
        status.history = db::events_of_serials(&mut conn, &serials)
            .await?
            .into_iter()
            .filter_map(|(i, data)| {
                let e: LoggedEvent = serde_json::from_slice(&data).ok().filter(|e: &LoggedEvent| e.kind == EVENT_TYPE)?;
                Some(HistoryEvent {
                    serial: e.serial,
                    event: e.event,
                    level: e.level,
                    reason: e.reason,
                    reason_category: e.reason_category,
                    at: e.at,
                    log_index: i,
                })
            })
            .collect();
        status.verified = crate::trust::latest_verification(&mut conn, org.id).await?.is_some();
        Ok(status)
    }

    /// One certificate, public.
    pub async fn registry_certificate(&self, serial: &str) -> Result<(Certificate, Org), AppError> {
        let generation = self.store.generation();
        if let Some(hit) = self.public.certificates.get(serial, generation) {
            return Ok(hit);
        }
        let mut conn = self.store.read_pool().acquire().await?;
        let c = db::certificate(&mut conn, serial).await.map_err(|_| cert_not_found())?;
        let org = orgs::get(&mut conn, c.org_id).await?;
        self.public.certificates.put(serial.to_owned(), generation, (c.clone(), org.clone()));
        Ok((c, org))
    }

    /// Checks many corporate numbers against a required level, one answer per number in order;
    /// an invalid number is reported in its own answer.
    pub async fn verify_numbers(&self, numbers: &[String], required: Level) -> Result<Vec<VerifyResult>, AppError> {
        if numbers.len() > MAX_VERIFY {
            return Err(AppError::invalid(
                "corporate_numbers",
                format!("一度に確認できるのは{MAX_VERIFY}件までです。"),
                format!("At most {MAX_VERIFY} numbers per request."),
            ));
        }
        let now = self.now();
        let parsed: Vec<Result<CorporateNumber, String>> =
            numbers.iter().map(|n| CorporateNumber::parse(n).map_err(|e| e.to_string())).collect();
        let valid: Vec<String> = parsed.iter().filter_map(|p| p.as_ref().ok().map(ToString::to_string)).collect();
        let mut conn = self.store.read_pool().acquire().await?;
        let mut by_cn: HashMap<String, Vec<CertStatus>> = HashMap::new();
        for c in db::certificate_states(&mut conn, &valid).await? {
            by_cn.entry(c.corporate_number.clone()).or_default().push(c);
        }
        let state = |c: &CertStatus| state_at(&c.state, c.valid_until, now).to_owned();
        Ok(numbers
            .iter()
            .zip(parsed)
            .map(|(raw, p)| match p {
                Err(e) => VerifyResult {
                    corporate_number: raw.clone(),
                    valid_number: false,
                    certified_level: None,
                    state: None,
                    valid_until: None,
                    serial: None,
                    meets_requirement: false,
                    reason: Some(e),
                },
                Ok(cn) => {
                    let key = cn.to_string();
                    let certs = by_cn.get(&key).map(Vec::as_slice).unwrap_or(&[]);
                    let best = certs.iter().filter(|c| state(c) == ACTIVE).max_by_key(|c| (c.level, c.valid_until));
                    let shown = best.or_else(|| certs.iter().max_by_key(|c| c.issued_at));
                    let meets = best.is_some_and(|c| c.stars() >= required.get());
                    let reason = if meets {
                        None
                    } else if let Some(c) = best {
                        Some(format!("certified at ★{} but ★{} is required", c.level, required.get()))
                    } else if let Some(c) = shown {
                        Some(format!("certificate {} is {}", c.serial, state(c)))
                    } else {
                        Some("no certificate in the registry".to_owned())
                    };
                    VerifyResult {
                        corporate_number: key,
                        valid_number: true,
                        certified_level: best.map(CertStatus::stars),
                        state: shown.map(state),
                        valid_until: shown.map(|c| jst_date_string(c.valid_until)),
                        serial: shown.map(|c| c.serial.clone()),
                        meets_requirement: meets,
                        reason,
                    }
                }
            })
            .collect())
    }
}
