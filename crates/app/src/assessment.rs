//! Self-assessment: answering the catalog, evidence, the gap list and its cost, an expert's
//! confirmation (★3) or an assessment body's assessment (★4), the compliance pledge, versions,
//! and sharing with buyers by consent.
//!
//! Who may see an assessment: the supplier's own people; an expert or assessment body that the
//! supplier engaged for it; a buyer it was shared with (each view is recorded). Everyone else is
//! told it does not exist.

use std::collections::HashMap;
use std::sync::Arc;

use hoshi_core::accreditation::Kind as AccKind;
use hoshi_core::assessment::{evaluate, Answer, Evaluation};
use hoshi_core::cost::{estimate, CompanySize, CostSettings, Estimate, Quote};
use hoshi_core::org::OrgRole;
use hoshi_core::{CorporateNumber, Level, Yen};
use hoshi_standard::Edition;
use hoshi_store::assessments::{
    self as db, AnswerRow, Assessment, Engagement, EvidenceRow, ExpertProfile, FindingNote, Flag, Pledge, QuoteRow, ReviewItem, Share,
    TechnicalVerification,
};
use hoshi_store::orgs::{self, Org};
use hoshi_store::{users, Conn};

pub use crate::secrets::sha256_hex;
use crate::{Actor, App, AppError, Msg};

/// Largest evidence file accepted.
pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;

/// The text of the compliance pledge (遵守誓約) a named officer signs for ★3.
pub const PLEDGE_VERSION: &str = "2026.03-pledge-1";
pub const PLEDGE_TEXT_JA: &str = "当社は、本自己評価の回答が事実に基づくことを確認し、★3の要求事項を遵守し、状況が変わった場合は速やかに自己評価を見直すことを誓約します。";
pub const PLEDGE_TEXT_EN: &str = "We confirm that the answers in this self-assessment are true, pledge to comply with the ★3 requirements, and will review the self-assessment promptly when our situation changes.";

/// Where an assessment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Being answered.
    Draft,
    /// Sent to an expert for ★3 confirmation.
    InReview,
    /// Sent back by the expert with queries; editable again.
    Returned,
    /// Confirmed by the expert; locked.
    Confirmed,
    /// With an assessment body for ★4.
    Assessing,
    /// Assessed by the assessment body; locked.
    Assessed,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in_review",
            Status::Returned => "returned",
            Status::Confirmed => "confirmed",
            Status::Assessing => "assessing",
            Status::Assessed => "assessed",
        }
    }
    pub fn parse(s: &str) -> Status {
        match s {
            "in_review" => Status::InReview,
            "returned" => Status::Returned,
            "confirmed" => Status::Confirmed,
            "assessing" => Status::Assessing,
            "assessed" => Status::Assessed,
            _ => Status::Draft,
        }
    }
    pub fn name(self, ja: bool) -> &'static str {
        match (self, ja) {
            (Status::Draft, true) => "回答中",
            (Status::InReview, true) => "専門家が確認中",
            (Status::Returned, true) => "差し戻し（要修正）",
            (Status::Confirmed, true) => "専門家の確認済み",
            (Status::Assessing, true) => "評価機関が評価中",
            (Status::Assessed, true) => "評価機関の評価済み",
            (Status::Draft, false) => "In progress",
            (Status::InReview, false) => "With the expert",
            (Status::Returned, false) => "Returned with queries",
            (Status::Confirmed, false) => "Confirmed by the expert",
            (Status::Assessing, false) => "With the assessment body",
            (Status::Assessed, false) => "Assessed by the assessment body",
        }
    }
    /// Answers may change only in these states.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }
}

/// The kinds of engagement.
pub const CONFIRMATION: &str = "confirmation";
pub const SUPPORT: &str = "support";
pub const THIRD_PARTY: &str = "third_party";

/// Positions a reviewer takes on a criterion.
pub const EXPERT_POSITIONS: [&str; 3] = ["agree", "query", "disagree"];
pub const ASSESSOR_POSITIONS: [&str; 3] = ["conforms", "minor", "major"];
/// Positions that open a finding the supplier sees as a thread.
pub const FINDING_POSITIONS: [&str; 4] = ["query", "disagree", "minor", "major"];

/// How the actor comes to see an assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Owner,
    /// Through an engagement (expert or assessment body).
    Provider(Engagement),
    /// Through a share, at the level the supplier chose.
    Buyer {
        share_id: i64,
        level: ShareLevel,
    },
    /// The registry operator reading an application's dossier.
    Operator,
}

/// What a share shows the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareLevel {
    /// The level, readiness by category and validity; no answers.
    Result,
    /// Every answer (without the supplier's working notes or evidence files).
    Answers,
    /// Answers with their evidence files.
    Evidence,
}

impl ShareLevel {
    pub const ALL: [ShareLevel; 3] = [ShareLevel::Result, ShareLevel::Answers, ShareLevel::Evidence];
    pub fn key(self) -> &'static str {
        match self {
            ShareLevel::Result => "result",
            ShareLevel::Answers => "answers",
            ShareLevel::Evidence => "evidence",
        }
    }
    /// Stored keys; anything unknown is read as the narrowest level.
    pub fn parse(s: &str) -> ShareLevel {
        ShareLevel::ALL.into_iter().find(|l| l.key() == s).unwrap_or(ShareLevel::Result)
    }
    pub fn name(self, ja: bool) -> &'static str {
        match (self, ja) {
            (ShareLevel::Result, true) => "結果のみ（レベル・分類別の達成度・有効期間）",
            (ShareLevel::Answers, true) => "回答まで",
            (ShareLevel::Evidence, true) => "回答と証跡",
            (ShareLevel::Result, false) => "Result only (level, readiness by category, validity)",
            (ShareLevel::Answers, false) => "Answers",
            (ShareLevel::Evidence, false) => "Answers with evidence",
        }
    }
}

impl Access {
    /// A buyer whose share shows no answers.
    pub fn result_only(&self) -> bool {
        matches!(self, Access::Buyer { level: ShareLevel::Result, .. })
    }
    pub fn is_buyer(&self) -> bool {
        matches!(self, Access::Buyer { .. })
    }
}

/// A shared assessment as the buyer lists it: the share, the assessment, the supplier, and the
/// level it achieves.
pub type SharedItem = (Share, Assessment, Org, Option<Level>);

/// One recorded view of a share: viewer email, viewer name, when.
pub type View = (String, String, i64);

/// Everything a page or export needs about one assessment.
#[derive(Debug, Clone)]
pub struct AssessmentView {
    pub assessment: Assessment,
    pub status: Status,
    pub org: Org,
    pub edition: Arc<Edition>,
    pub answers: HashMap<String, AnswerRow>,
    pub evaluation: Evaluation,
    pub estimate: Estimate,
    pub evidence: Vec<EvidenceRow>,
    pub quotes: Vec<QuoteRow>,
    pub engagements: Vec<(Engagement, Org, Vec<ReviewItem>)>,
    pub pledge: Option<Pledge>,
    /// Every finding thread's notes (owner, provider, operator; never a buyer).
    pub findings: Vec<FindingNote>,
    /// Shares (owner only) with the buyer and its recorded views.
    pub shares: Vec<(Share, Org, Vec<View>)>,
    pub access: Access,
    /// For a version started from another (a renewal, the annual self-assessment, a
    /// correction): what changed since that one, for the owner and its provider.
    pub changes: Vec<Change>,
    /// The version this one was started from, when there is one: (id, version number).
    pub previous: Option<(i64, i64)>,
}

/// How one criterion's answer or evidence differs from the version this one started from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub criterion: String,
    /// The answer before (`met`, `not_met`, `not_applicable`), if there was one.
    pub before: Option<String>,
    pub after: Option<String>,
    /// The evidence file names before and after, when they differ.
    pub evidence_before: Vec<String>,
    pub evidence_after: Vec<String>,
    /// Carried over and not re-checked yet.
    pub carried_over: bool,
}

impl Change {
    pub fn answer_changed(&self) -> bool {
        self.before != self.after
    }
}

/// Why an assessment was started.
pub const PURPOSES: [&str; 4] = ["initial", "new_version", "renewal", "annual"];

/// The purpose's name.
pub fn purpose_name(purpose: &str, ja: bool) -> &'static str {
    match (purpose, ja) {
        ("new_version", true) => "修正版",
        ("renewal", true) => "更新（★3の毎年の更新）",
        ("annual", true) => "年次自己評価（★4）",
        (_, true) => "初回",
        ("new_version", false) => "Revision",
        ("renewal", false) => "Renewal (★3, yearly)",
        ("annual", false) => "Annual self-assessment (★4)",
        (_, false) => "Initial",
    }
}

impl AssessmentView {
    pub fn target(&self) -> Level {
        Level::new(i64::from(self.assessment.target_level)).unwrap_or(Level::THREE)
    }
    pub fn locked(&self) -> bool {
        self.assessment.locked_at.is_some()
    }
    /// The answers in the shape the core evaluates.
    pub fn core_answers(&self) -> HashMap<String, Answer> {
        core_answers(&self.answers)
    }
}

fn core_answers(rows: &HashMap<String, AnswerRow>) -> HashMap<String, Answer> {
    rows.values()
        .filter_map(|a| {
            let v = match a.status.as_str() {
                "met" => Answer::Met,
                "not_met" => Answer::NotMet,
                "not_applicable" => Answer::NotApplicable { reason: a.reason.clone() },
                _ => return None,
            };
            Some((a.criterion.clone(), v))
        })
        .collect()
}

/// What changed from assessment `from` to `to`: every criterion whose answer or evidence
/// differs, and every answer still carried over unchecked, in criterion order.
async fn changes_between(conn: &mut Conn, from: i64, to: i64) -> Result<Vec<Change>, AppError> {
    use std::collections::BTreeMap;
    let before: HashMap<String, AnswerRow> = db::answers(conn, from).await?.into_iter().map(|r| (r.criterion.clone(), r)).collect();
    let after: HashMap<String, AnswerRow> = db::answers(conn, to).await?.into_iter().map(|r| (r.criterion.clone(), r)).collect();
    let files = |rows: Vec<EvidenceRow>| {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in rows {
            m.entry(e.criterion).or_default().push(format!("{} ({})", e.filename, &e.sha256[..e.sha256.len().min(12)]));
        }
        m
    };
    let ev_before = files(db::evidence(conn, from).await?);
    let ev_after = files(db::evidence(conn, to).await?);
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).chain(ev_before.keys()).chain(ev_after.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for k in keys {
        let (b, a) = (before.get(k), after.get(k));
        let answer = |r: Option<&AnswerRow>| r.map(|r| r.status.clone());
        let (eb, ea) = (ev_before.get(k).cloned().unwrap_or_default(), ev_after.get(k).cloned().unwrap_or_default());
        let carried = a.is_some_and(|r| r.carried_over);
        let changed = answer(b) != answer(a) || b.map(|r| &r.reason) != a.map(|r| &r.reason) || eb != ea;
        if changed || carried {
            let same = eb == ea;
            out.push(Change {
                criterion: k.clone(),
                before: answer(b),
                after: answer(a),
                evidence_before: if same { Vec::new() } else { eb },
                evidence_after: if same { Vec::new() } else { ea },
                carried_over: carried,
            });
        }
    }
    Ok(out)
}

/// What an expert publishes in the directory.
#[derive(Debug, Clone, Default)]
pub struct ExpertProfileInput {
    pub qualification: String,
    pub registration_number: String,
    pub regions: String,
    pub languages: String,
    pub public_support: bool,
    pub bio_ja: String,
    pub bio_en: String,
}

/// Editable settings of an assessment.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SettingsInput {
    #[serde(default)]
    pub target_level: String,
    #[serde(default)]
    pub scope_kind: String,
    #[serde(default)]
    pub scope_text: String,
    #[serde(default)]
    pub it_onprem: Option<String>,
    #[serde(default)]
    pub it_cloud: Option<String>,
    #[serde(default)]
    pub employees: String,
    #[serde(default)]
    pub pcs: String,
    #[serde(default)]
    pub servers: String,
    #[serde(default)]
    pub sites: String,
    #[serde(default)]
    pub cloud_services: String,
    #[serde(default)]
    pub hourly_rate_yen: String,
    #[serde(default)]
    pub overhead_percent: String,
}

pub const SCOPE_KINDS: [&str; 3] = ["company", "group", "department"];

pub(crate) fn edition(id: &str) -> Result<Arc<Edition>, AppError> {
    hoshi_standard::shared_edition(Some(id)).map_err(|e| AppError::not_found(format!("版{id}がありません。"), e.to_string()))
}

/// A new draft assessment of an organisation at a target, with the default company size (from
/// the organisation's employees) and cost settings.
#[allow(clippy::too_many_arguments)]
pub(crate) fn new_draft(
    org: &Org,
    edition: &str,
    target: Level,
    version: i64,
    scope_kind: &str,
    scope_text: &str,
    by: i64,
    now: i64,
) -> Assessment {
    Assessment {
        id: 0,
        org_id: org.id,
        edition: edition.to_owned(),
        target_level: target.get(),
        version,
        previous_id: None,
        scope_kind: scope_kind.to_owned(),
        scope_text: scope_text.to_owned(),
        it_onprem: true,
        it_cloud: true,
        employees: org.employees.unwrap_or(0),
        pcs: org.employees.unwrap_or(0),
        servers: 1,
        sites: 1,
        cloud_services: 2,
        hourly_rate_yen: hoshi_core::cost::DEFAULT_HOURLY_RATE.get(),
        overhead_percent: hoshi_core::cost::DEFAULT_OVERHEAD_PERCENT,
        status: Status::Draft.key().to_owned(),
        locked_at: None,
        created_by: by,
        created_at: now,
        updated_at: now,
        purpose: "initial".into(),
    }
}

/// The newest catalog edition.
pub fn current_edition() -> Result<Arc<Edition>, AppError> {
    hoshi_standard::shared_edition(None).map_err(|e| AppError::not_found("★基準がありません。", e.to_string()))
}

fn count(field: &str, v: &str, default: u64) -> Result<u64, AppError> {
    let t = v.trim().replace([',', '，'], "");
    if t.is_empty() {
        return Ok(default);
    }
    t.parse::<u64>().map_err(|_| AppError::invalid(field, "0以上の整数で入力してください。", "Enter a whole number, zero or more."))
}

fn level(field: &str, v: &str) -> Result<Level, AppError> {
    let l = Level::parse(v).map_err(|e| AppError::invalid(field, "目標レベルは★3・★4・★5から選んでください。", e.to_string()))?;
    if l < Level::THREE {
        return Err(AppError::invalid(field, "目標レベルは★3・★4・★5から選んでください。", "Choose ★3, ★4 or ★5 as the target."));
    }
    Ok(l)
}

fn not_found() -> AppError {
    AppError::not_found("自己評価が見つかりません。", "No such assessment.")
}

fn no_open_finding(criterion: &str) -> AppError {
    AppError::invalid(
        "criterion",
        format!("評価基準{criterion}に未解決の指摘はありません。"),
        format!("There is no open finding on criterion {criterion}."),
    )
}

/// The provider's open finding (query, disagreement or nonconformity) on a criterion.
async fn open_finding(conn: &mut Conn, engagement_id: i64, criterion: &str) -> Result<ReviewItem, AppError> {
    db::review_items(conn, engagement_id)
        .await?
        .into_iter()
        .find(|r| r.criterion == criterion && FINDING_POSITIONS.contains(&r.position.as_str()) && r.resolved_at.is_none())
        .ok_or_else(|| no_open_finding(criterion))
}

fn locked_error(status: Status) -> AppError {
    AppError::Conflict(Msg::new(
        format!("この自己評価は「{}」のため変更できません。変更するには新しい版を作成してください。", status.name(true)),
        format!("This assessment cannot change: it is \"{}\". Start a new version to change it.", status.name(false)),
    ))
}

/// A file Hoshi keeps (evidence, a verification document): at most 20 MB, not empty, of a type
/// judged from its content. Its content type and its name without folders or control characters
/// (`fallback` when nothing is left).
pub(crate) fn accepted_file(filename: &str, bytes: &[u8], fallback: &str) -> Result<(&'static str, String), AppError> {
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(AppError::invalid(
            "file",
            format!("ファイルが大きすぎます（{} MB）。ファイルは1件20 MBまでです。", bytes.len() / (1024 * 1024)),
            format!("The file is too large ({} MB): files are limited to 20 MB each.", bytes.len() / (1024 * 1024)),
        ));
    }
    let content_type = hoshi_core::upload::check(bytes, filename)
        .map_err(|refusal| AppError::invalid("file", refusal.message_ja(), refusal.to_string()))?;
    let name: String = filename.rsplit(['/', '\\']).next().unwrap_or("").chars().filter(|c| !c.is_control()).take(200).collect();
    Ok((content_type, if name.is_empty() { fallback.to_owned() } else { name }))
}

impl App {
    pub(crate) async fn load_view(&self, conn: &mut Conn, a: Assessment, access: Access) -> Result<AssessmentView, AppError> {
        let ed = edition(&a.edition)?;
        let org = orgs::get(conn, a.org_id).await?;
        let buyer = access.is_buyer();
        let mut answers: HashMap<String, AnswerRow> = db::answers(conn, a.id)
            .await?
            .into_iter()
            .map(|mut r| {
                // A buyer sees answers, never the supplier's working notes or who answered.
                if buyer {
                    r.note.clear();
                    r.by = 0;
                }
                (r.criterion.clone(), r)
            })
            .collect();
        let target = Level::new(i64::from(a.target_level)).unwrap_or(Level::THREE);
        let evaluation = evaluate(&ed, &core_answers(&answers), target);
        if access.result_only() {
            // Result only: the level and readiness are computed, the answers themselves withheld.
            answers.clear();
        }
        let quotes = db::quotes(conn, a.id).await?;
        let quote_map: HashMap<String, Quote> = quotes
            .iter()
            .map(|q| {
                (q.criterion.clone(), Quote { one_off: Yen::new(q.one_off_yen), annual: Yen::new(q.annual_yen), note: q.note.clone() })
            })
            .collect();
        let size = CompanySize { employees: a.employees, pcs: a.pcs, servers: a.servers, sites: a.sites, cloud_services: a.cloud_services };
        let settings = CostSettings { hourly_rate: Yen::new(a.hourly_rate_yen), overhead_percent: a.overhead_percent };
        let estimate = estimate(&ed, &evaluation.gaps, size, settings, &quote_map)
            .map_err(|e| AppError::invalid("size", "会社の規模の数値が大きすぎて費用を計算できません。", e.to_string()))?;
        let (mut evaluation, mut estimate, mut quotes) = (evaluation, estimate, quotes);
        if access.result_only() {
            // Which criteria are gaps, and what each costs, would tell the answers.
            evaluation.gaps.clear();
            estimate.lines.clear();
            quotes.clear();
        }
        let mut engagements = Vec::new();
        let mut findings = Vec::new();
        for e in db::engagements_of_assessment(conn, a.id).await? {
            let provider = orgs::get(conn, e.provider_org_id).await?;
            let mut items = db::review_items(conn, e.id).await?;
            if access.result_only() {
                items.clear();
            }
            if !buyer {
                findings.extend(db::finding_notes(conn, e.id).await?);
            }
            engagements.push((e, provider, items));
        }
        let owner = access == Access::Owner;
        let mut shares = Vec::new();
        if owner {
            for s in db::shares_of_assessment(conn, a.id).await? {
                let buyer = orgs::get(conn, s.buyer_org_id).await?;
                let views = db::views(conn, s.id).await?;
                shares.push((s, buyer, views));
            }
        }
        let evidence = match &access {
            Access::Buyer { level: ShareLevel::Result | ShareLevel::Answers, .. } => Vec::new(),
            _ => db::evidence(conn, a.id).await?,
        };
        let pledge = db::pledge(conn, a.id).await?.map(|mut p| {
            if buyer {
                // The buyer learns that management pledged and when, not who among the staff.
                p.officer_name.clear();
                p.signed_by = 0;
            }
            p
        });
        let (changes, previous) = match a.previous_id {
            Some(prev) if matches!(access, Access::Owner | Access::Provider(_) | Access::Operator) => {
                let p = db::get(conn, prev).await?;
                (changes_between(conn, prev, a.id).await?, Some((p.id, p.version)))
            }
            _ => (Vec::new(), None),
        };
        Ok(AssessmentView {
            changes,
            previous,
            status: Status::parse(&a.status),
            pledge,
            findings,
            org,
            edition: ed,
            answers,
            evaluation,
            estimate,
            evidence,
            quotes,
            engagements,
            shares,
            access,
            assessment: a,
        })
    }

    /// How the actor may see this assessment, or `NotFound`.
    pub(crate) async fn access(&self, conn: &mut Conn, actor: &Actor, a: &Assessment) -> Result<Access, AppError> {
        if a.org_id == actor.org.id {
            return Ok(Access::Owner);
        }
        for e in db::engagements_of_assessment(conn, a.id).await? {
            if e.provider_org_id == actor.org.id && e.status != "withdrawn" {
                return Ok(Access::Provider(e));
            }
        }
        for s in db::shares_of_assessment(conn, a.id).await? {
            if s.buyer_org_id == actor.org.id && s.revoked_at.is_none() {
                return Ok(Access::Buyer { share_id: s.id, level: ShareLevel::parse(&s.mode) });
            }
        }
        Err(not_found())
    }

    /// One assessment as the actor may see it. A buyer's view is recorded for the supplier.
    pub async fn assessment(&self, actor: &Actor, id: i64) -> Result<AssessmentView, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let a = db::get(&mut conn, id).await.map_err(|_| not_found())?;
        let access = self.access(&mut conn, actor, &a).await?;
        if let Access::Buyer { share_id, .. } = access {
            db::record_view(&mut conn, share_id, actor.user_id, self.now()).await?;
        }
        self.load_view(&mut conn, a, access).await
    }

    pub(crate) async fn owned(&self, conn: &mut Conn, actor: &Actor, id: i64) -> Result<Assessment, AppError> {
        let a = db::get(conn, id).await.map_err(|_| not_found())?;
        if a.org_id != actor.org.id {
            return Err(not_found());
        }
        actor.require_write()?;
        Ok(a)
    }

    pub(crate) async fn owned_editable(&self, conn: &mut Conn, actor: &Actor, id: i64) -> Result<Assessment, AppError> {
        let a = self.owned(conn, actor, id).await?;
        let status = Status::parse(&a.status);
        if !status.editable() || a.locked_at.is_some() {
            return Err(locked_error(status));
        }
        Ok(a)
    }

    /// The organisation's assessments, newest first.
    pub async fn my_assessments(&self, actor: &Actor) -> Result<Vec<Assessment>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(db::list_for_org(&mut conn, actor.org.id).await?)
    }

    /// The newest assessment of a supplier, as the actor may see it (for exports).
    pub async fn latest_assessment_of(&self, actor: &Actor, supplier: &CorporateNumber) -> Result<AssessmentView, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let org = orgs::by_corporate_number(&mut conn, supplier).await?.ok_or_else(not_found)?;
        let list = db::list_for_org(&mut conn, org.id).await?;
        drop(conn);
        for a in list {
            if let Ok(v) = self.assessment(actor, a.id).await {
                return Ok(v);
            }
        }
        Err(not_found())
    }

    /// Starts a new assessment against the newest edition. Suppliers only.
    pub async fn start_assessment(&self, actor: &Actor, target: &str, scope_kind: &str, scope_text: &str) -> Result<Assessment, AppError> {
        if !actor.has_role(OrgRole::Supplier) {
            return Err(AppError::forbidden(
                "自己評価はサプライヤーの役割を持つ組織が行います。",
                "Self-assessment is for organisations with the supplier role.",
            ));
        }
        actor.require_write()?;
        let target = level("target_level", target)?;
        let scope_kind = if scope_kind.trim().is_empty() { "company" } else { scope_kind.trim() };
        if !SCOPE_KINDS.contains(&scope_kind) {
            return Err(AppError::invalid(
                "scope_kind",
                "範囲は会社全体・グループ・部門から選んでください。",
                "Choose the scope: company, group or department.",
            ));
        }
        let ed = current_edition()?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let version = db::max_version(&mut tx, actor.org.id).await? + 1;
        let a = db::insert(
            &mut tx,
            &new_draft(
                &actor.org,
                &ed.id,
                target,
                version,
                scope_kind,
                &scope_text.trim().chars().take(500).collect::<String>(),
                actor.user_id,
                now,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Changes the target, scope, company size and cost settings.
    pub async fn update_settings(&self, actor: &Actor, id: i64, s: &SettingsInput) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let mut a = self.owned_editable(&mut tx, actor, id).await?;
        if !s.target_level.trim().is_empty() {
            a.target_level = level("target_level", &s.target_level)?.get();
        }
        if !s.scope_kind.trim().is_empty() {
            if !SCOPE_KINDS.contains(&s.scope_kind.trim()) {
                return Err(AppError::invalid(
                    "scope_kind",
                    "範囲は会社全体・グループ・部門から選んでください。",
                    "Choose the scope: company, group or department.",
                ));
            }
            a.scope_kind = s.scope_kind.trim().to_owned();
        }
        a.scope_text = s.scope_text.trim().chars().take(500).collect();
        a.it_onprem = s.it_onprem.is_some();
        a.it_cloud = s.it_cloud.is_some();
        a.employees = count("employees", &s.employees, a.employees)?;
        a.pcs = count("pcs", &s.pcs, a.pcs)?;
        a.servers = count("servers", &s.servers, a.servers)?;
        a.sites = count("sites", &s.sites, a.sites)?;
        a.cloud_services = count("cloud_services", &s.cloud_services, a.cloud_services)?;
        if !s.hourly_rate_yen.trim().is_empty() {
            a.hourly_rate_yen =
                Yen::parse(&s.hourly_rate_yen).map_err(|e| AppError::invalid("hourly_rate_yen", e.message_ja(), e.to_string()))?.get();
        }
        let overhead = count("overhead_percent", &s.overhead_percent, u64::from(a.overhead_percent))?;
        if overhead > 100 {
            return Err(AppError::invalid(
                "overhead_percent",
                "管理費の割合は0〜100%で入力してください。",
                "Enter a management overhead from 0 to 100 percent.",
            ));
        }
        a.overhead_percent = overhead as u32;
        a.updated_at = self.now();
        db::update(&mut tx, &a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Answers one criterion: `met`, `not_met` or `not_applicable` (which needs a reason).
    pub async fn answer(&self, actor: &Actor, id: i64, criterion: &str, status: &str, reason: &str, note: &str) -> Result<(), AppError> {
        let status = match status.trim() {
            s @ ("met" | "not_met" | "not_applicable") => s,
            _ => {
                return Err(AppError::invalid(
                    "status",
                    "「満たしている」「満たしていない」「該当しない」のいずれかを選んでください。",
                    "Choose met, not met or not applicable.",
                ))
            }
        };
        let reason = reason.trim();
        if status == "not_applicable" && reason.is_empty() {
            return Err(AppError::invalid(
                "reason",
                format!("評価基準{criterion}を「該当しない」とするには理由が必要です（専門家・評価機関が確認します）。"),
                format!("Criterion {criterion} needs a reason to be marked not applicable (the expert or assessor confirms it)."),
            ));
        }
        if reason.chars().count() > 2000 || note.chars().count() > 4000 {
            return Err(AppError::invalid(
                "note",
                "理由は2000文字、メモは4000文字までです。",
                "Reasons are limited to 2,000 characters and notes to 4,000.",
            ));
        }
        let mut tx = self.store.begin().await?;
        let a = self.owned_editable(&mut tx, actor, id).await?;
        let ed = edition(&a.edition)?;
        let c = ed.criterion(criterion.trim()).ok_or_else(|| {
            AppError::invalid(
                "criterion",
                format!("評価基準{criterion}はこの版にありません。"),
                format!("There is no criterion {criterion} in edition {}.", ed.id),
            )
        })?;
        if c.level.get() > a.target_level {
            return Err(AppError::invalid(
                "criterion",
                format!("評価基準{}は目標の★{}より上のレベルです。", c.id, a.target_level),
                format!("Criterion {} is above the target ★{}.", c.id, a.target_level),
            ));
        }
        let now = self.now();
        db::put_answer(
            &mut tx,
            a.id,
            &AnswerRow {
                criterion: c.id.clone(),
                status: status.to_owned(),
                reason: if status == "not_applicable" { reason.to_owned() } else { String::new() },
                note: note.trim().to_owned(),
                by: actor.user_id,
                at: now,
                carried_over: false,
            },
        )
        .await?;
        let mut a = a;
        a.updated_at = now;
        db::update(&mut tx, &a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every change of one criterion's answer, oldest first, with who made it.
    pub async fn answer_history(&self, actor: &Actor, id: i64, criterion: &str) -> Result<Vec<(AnswerRow, String)>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let a = db::get(&mut conn, id).await.map_err(|_| not_found())?;
        let access = self.access(&mut conn, actor, &a).await?;
        if access.result_only() {
            return Err(AppError::not_found("回答は共有されていません。", "The answers were not shared with you."));
        }
        let mut out = Vec::new();
        for mut h in db::history(&mut conn, id, criterion).await? {
            // The supplier's employees are named only to the supplier and its provider.
            let who = if access.is_buyer() {
                h.note.clear();
                String::new()
            } else {
                users::get(&mut conn, h.by).await.map(|u| u.display_name).unwrap_or_default()
            };
            out.push((h, who));
        }
        Ok(out)
    }

    /// Attaches an evidence file to a criterion: the file becomes a new item of the
    /// organisation's evidence library (effective today; reviewed a year on when the criterion
    /// asks for a yearly check) and this criterion's evidence. The type is judged from the
    /// content, not the name. Returns the file's SHA-256.
    pub async fn add_evidence(&self, actor: &Actor, id: i64, criterion: &str, filename: &str, bytes: &[u8]) -> Result<String, AppError> {
        accepted_file(filename, bytes, "evidence")?;
        let mut tx = self.store.begin().await?;
        let a = self.owned_editable(&mut tx, actor, id).await?;
        let ed = edition(&a.edition)?;
        let Some(c) = ed.criterion(criterion) else {
            return Err(AppError::invalid(
                "criterion",
                format!("評価基準{criterion}はこの版にありません。"),
                format!("There is no criterion {criterion}."),
            ));
        };
        let (item, v) = self.create_item(&mut tx, actor, "", filename, bytes, "", "", c.yearly_check()).await?;
        db::link_evidence(&mut tx, a.id, &c.id, item.id, &v.sha256, &v.filename, actor.user_id, self.now()).await?;
        tx.commit().await?;
        Ok(v.sha256)
    }

    /// An evidence file's type and content, if the actor may see it.
    pub async fn evidence_file(&self, actor: &Actor, id: i64, sha256: &str) -> Result<(String, Vec<u8>, String), AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let a = db::get(&mut conn, id).await.map_err(|_| not_found())?;
        let access = self.access(&mut conn, actor, &a).await?;
        if matches!(access, Access::Buyer { level: ShareLevel::Result | ShareLevel::Answers, .. }) {
            return Err(AppError::not_found("証跡は共有されていません。", "The evidence was not shared with you."));
        }
        let link = db::evidence(&mut conn, a.id)
            .await?
            .into_iter()
            .find(|e| e.sha256 == sha256)
            .ok_or_else(|| AppError::not_found("証跡が見つかりません。", "No such evidence."))?;
        let (ct, bytes) = db::file(&mut conn, sha256).await?;
        Ok((ct, bytes, link.filename))
    }

    /// Replaces the catalog's estimate for a criterion with a real quote (or removes it when both amounts are empty).
    pub async fn set_quote(
        &self,
        actor: &Actor,
        id: i64,
        criterion: &str,
        one_off: &str,
        annual: &str,
        note: &str,
    ) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let a = self.owned_editable(&mut tx, actor, id).await?;
        if edition(&a.edition)?.criterion(criterion).is_none() {
            return Err(AppError::invalid(
                "criterion",
                format!("評価基準{criterion}はこの版にありません。"),
                format!("There is no criterion {criterion}."),
            ));
        }
        if one_off.trim().is_empty() && annual.trim().is_empty() {
            db::delete_quote(&mut tx, a.id, criterion).await?;
        } else {
            let parse = |f: &str, v: &str| -> Result<u64, AppError> {
                if v.trim().is_empty() {
                    return Ok(0);
                }
                Yen::parse(v).map(Yen::get).map_err(|e| AppError::invalid(f, e.message_ja(), e.to_string()))
            };
            let q = QuoteRow {
                criterion: criterion.to_owned(),
                one_off_yen: parse("one_off", one_off)?,
                annual_yen: parse("annual", annual)?,
                note: note.trim().chars().take(500).collect(),
            };
            db::put_quote(&mut tx, a.id, &q, self.now()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The named officer signs the compliance pledge. Administrators only; once per version.
    pub async fn sign_pledge(&self, actor: &Actor, id: i64, officer_name: &str, officer_title: &str) -> Result<(), AppError> {
        actor.require_admin()?;
        let name = officer_name.trim();
        let title = officer_title.trim();
        if name.is_empty() || title.is_empty() {
            return Err(AppError::invalid(
                "officer_name",
                "誓約する役員の氏名と役職を入力してください。",
                "Enter the name and title of the officer who signs.",
            ));
        }
        let mut tx = self.store.begin().await?;
        let a = self.owned(&mut tx, actor, id).await?;
        if db::pledge(&mut tx, a.id).await?.is_some() {
            return Err(AppError::Conflict(Msg::new("誓約はすでに署名されています。", "The pledge is already signed.")));
        }
        let text = format!("{PLEDGE_VERSION}\n{PLEDGE_TEXT_JA}\n{PLEDGE_TEXT_EN}");
        db::put_pledge(
            &mut tx,
            a.id,
            &Pledge {
                officer_name: name.to_owned(),
                officer_title: title.to_owned(),
                text_version: PLEDGE_VERSION.to_owned(),
                text_sha256: sha256_hex(text.as_bytes()),
                signed_by: actor.user_id,
                signed_at: self.now(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn provider(&self, conn: &mut Conn, corporate_number: &str, role: OrgRole) -> Result<Org, AppError> {
        let cn = CorporateNumber::parse(corporate_number).map_err(|e| AppError::invalid("provider", e.message_ja(), e.to_string()))?;
        let org = orgs::by_corporate_number(conn, &cn).await?.filter(|o| o.roles.contains(&role));
        org.ok_or_else(|| {
            AppError::invalid(
                "provider",
                format!("法人番号{cn}の{}は登録されていません。", role.name_ja()),
                format!("There is no registered {} with corporate number {cn}.", role.name_en().to_lowercase()),
            )
        })
    }

    /// The provider of an engagement must be approved (and verified) today to act on it.
    async fn require_approved_provider(&self, conn: &mut Conn, org: &Org, kind: &str) -> Result<(), AppError> {
        let k = if kind == THIRD_PARTY { AccKind::AssessmentBody } else { AccKind::Expert };
        if crate::trust::provider_approved_at(conn, org.id, k, self.now()).await? {
            Ok(())
        } else {
            Err(crate::trust::not_approved_error(org, k))
        }
    }

    /// Asks an expert (by corporate number) to confirm the ★3 self-assessment, or for support
    /// (`kind` = `support`), or an assessment body for a ★4 assessment (`third_party`).
    pub async fn engage(&self, actor: &Actor, id: i64, provider: &str, kind: &str, message: &str) -> Result<Engagement, AppError> {
        let mut tx = self.store.begin().await?;
        let mut a = self.owned(&mut tx, actor, id).await?;
        let status = Status::parse(&a.status);
        let role = if kind == THIRD_PARTY { OrgRole::AssessmentBody } else { OrgRole::Expert };
        let p = self.provider(&mut tx, provider, role).await?;
        self.require_approved_provider(&mut tx, &p, kind).await?;
        let existing = db::engagements_of_assessment(&mut tx, a.id).await?;
        if existing.iter().any(|e| e.provider_org_id == p.id && e.kind == kind && !matches!(e.status.as_str(), "withdrawn" | "returned")) {
            return Err(AppError::Conflict(Msg::new("この相手にはすでに依頼しています。", "You have already asked them.")));
        }
        let new_status = match kind {
            SUPPORT => None,
            CONFIRMATION => {
                if !status.editable() {
                    return Err(locked_error(status));
                }
                if a.target_level != 3 {
                    return Err(AppError::invalid(
                        "kind",
                        "専門家の確認は★3の自己評価が対象です。★4は評価機関に依頼してください。",
                        "Expert confirmation is for ★3 self-assessments; ask an assessment body for ★4.",
                    ));
                }
                let view = self.load_view(&mut tx, a.clone(), Access::Owner).await?;
                if view.evaluation.achieved < Some(Level::THREE) {
                    return Err(AppError::invalid(
                        "kind",
                        format!("★3に届いていません（未達・未回答 {}件）。すべての評価基準を満たすか、理由を付けて「該当しない」にしてから依頼してください。", view.evaluation.gaps.len()),
                        format!("The answers do not reach ★3 yet ({} gaps or unanswered). Meet every criterion, or mark it not applicable with a reason, before asking.", view.evaluation.gaps.len()),
                    ));
                }
                Some(Status::InReview)
            }
            THIRD_PARTY => {
                if !status.editable() {
                    return Err(locked_error(status));
                }
                if a.target_level < 4 {
                    return Err(AppError::invalid(
                        "kind",
                        "評価機関による評価は★4以上が対象です。目標レベルを★4にしてください。",
                        "Assessment bodies assess ★4 and above: set the target to ★4.",
                    ));
                }
                Some(Status::Assessing)
            }
            _ => return Err(AppError::invalid("kind", "依頼の種類が正しくありません。", "Unknown kind of request.")),
        };
        let now = self.now();
        let e = db::insert_engagement(
            &mut tx,
            &Engagement {
                id: 0,
                assessment_id: a.id,
                provider_org_id: p.id,
                kind: kind.to_owned(),
                status: "requested".into(),
                assessor_user_id: None,
                message: message.trim().chars().take(2000).collect(),
                decision_comment: String::new(),
                created_at: now,
                decided_at: None,
            },
        )
        .await?;
        if let Some(s) = new_status {
            a.status = s.key().to_owned();
            a.updated_at = now;
            db::update(&mut tx, &a).await?;
        }
        tx.commit().await?;
        Ok(e)
    }

    /// The engagements addressed to the actor's organisation, with the assessment and supplier.
    pub async fn my_engagements(&self, actor: &Actor) -> Result<Vec<(Engagement, Assessment, Org)>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let mut out = Vec::new();
        for e in db::engagements_of_provider(&mut conn, actor.org.id).await? {
            let a = db::get(&mut conn, e.assessment_id).await?;
            let o = orgs::get(&mut conn, a.org_id).await?;
            out.push((e, a, o));
        }
        Ok(out)
    }

    async fn my_engagement(&self, conn: &mut Conn, actor: &Actor, engagement_id: i64) -> Result<(Engagement, Assessment), AppError> {
        let e = db::engagement(conn, engagement_id).await.map_err(|_| AppError::not_found("依頼が見つかりません。", "No such request."))?;
        if e.provider_org_id != actor.org.id {
            return Err(AppError::not_found("依頼が見つかりません。", "No such request."));
        }
        actor.require_write()?;
        self.require_approved_provider(conn, &actor.org, &e.kind).await?;
        let a = db::get(conn, e.assessment_id).await?;
        Ok((e, a))
    }

    /// The reviewer's position on one criterion: the expert's agree/query/disagree (with explicit
    /// agreement to a not-applicable exclusion), or the assessor's conforms/minor/major.
    pub async fn review(
        &self,
        actor: &Actor,
        engagement_id: i64,
        criterion: &str,
        position: &str,
        comment: &str,
        na_agreed: bool,
    ) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let (e, a) = self.my_engagement(&mut tx, actor, engagement_id).await?;
        let allowed: &[&str] = if e.kind == THIRD_PARTY { &ASSESSOR_POSITIONS } else { &EXPERT_POSITIONS };
        if e.kind == SUPPORT {
            return Err(AppError::forbidden("支援の依頼では確認の記録はできません。", "A support request has no review to record."));
        }
        if !allowed.contains(&position) {
            return Err(AppError::invalid(
                "position",
                format!("判定は {} のいずれかです。", allowed.join(" / ")),
                format!("The position must be one of {}.", allowed.join(", ")),
            ));
        }
        if !matches!(e.status.as_str(), "requested" | "in_review") {
            return Err(AppError::Conflict(Msg::new("この依頼はすでに完了しています。", "This request is already closed.")));
        }
        if edition(&a.edition)?.criterion(criterion).is_none() {
            return Err(AppError::invalid(
                "criterion",
                format!("評価基準{criterion}はこの版にありません。"),
                format!("There is no criterion {criterion}."),
            ));
        }
        let comment: String = comment.trim().chars().take(2000).collect();
        let before = db::review_items(&mut tx, e.id).await?.into_iter().find(|r| r.criterion == criterion);
        let same = before.as_ref().is_some_and(|b| b.position == position);
        if same && before.as_ref().is_some_and(|b| b.comment == comment && *b.na_agreed == na_agreed) {
            // Saving the review form again changes nothing, and keeps the finding's thread as it is.
            tx.commit().await?;
            return Ok(());
        }
        let now = self.now();
        let kept = before.filter(|_| same);
        db::put_review_item(
            &mut tx,
            e.id,
            &ReviewItem {
                criterion: criterion.to_owned(),
                position: position.to_owned(),
                comment: comment.clone(),
                na_agreed: Flag(na_agreed),
                evidence_sha256: None,
                reviewed_by: actor.user_id,
                updated_at: now,
                // A new position is a new finding: the old resolution and corrective action answered the old one.
                resolved_at: kept.as_ref().and_then(|k| k.resolved_at),
                corrective_action: kept.as_ref().map(|k| k.corrective_action.clone()).unwrap_or_default(),
                corrective_due: kept.map(|k| k.corrective_due).unwrap_or_default(),
            },
        )
        .await?;
        if FINDING_POSITIONS.contains(&position) {
            let body = if comment.is_empty() { position.to_owned() } else { comment };
            db::add_finding_note(
                &mut tx,
                &FindingNote {
                    id: 0,
                    engagement_id: e.id,
                    criterion: criterion.to_owned(),
                    side: "provider".into(),
                    kind: format!("finding:{position}"),
                    body,
                    due: String::new(),
                    author_id: actor.user_id,
                    created_at: now,
                },
            )
            .await?;
        }
        if e.status == "requested" {
            let mut e = e;
            e.status = "in_review".into();
            e.assessor_user_id = Some(actor.user_id);
            db::update_engagement(&mut tx, &e).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The expert confirms (locks the assessment) or the assessor completes the ★4 assessment.
    /// Every in-scope criterion must be reviewed; every exclusion explicitly agreed; for ★3 the
    /// pledge signed; queries and disagreements (or major nonconformities) block confirmation.
    pub async fn confirm(&self, actor: &Actor, engagement_id: i64, comment: &str) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let (mut e, mut a) = self.my_engagement(&mut tx, actor, engagement_id).await?;
        if !matches!(e.status.as_str(), "requested" | "in_review") || e.kind == SUPPORT {
            return Err(AppError::Conflict(Msg::new("この依頼は確認できる状態ではありません。", "This request cannot be confirmed now.")));
        }
        let view = self.load_view(&mut tx, a.clone(), Access::Provider(e.clone())).await?;
        let items: HashMap<String, ReviewItem> =
            db::review_items(&mut tx, e.id).await?.into_iter().map(|r| (r.criterion.clone(), r)).collect();
        let target = view.target();
        let mut missing = Vec::new();
        let mut blocking = Vec::new();
        let mut exclusions = Vec::new();
        let mut uncorrected = Vec::new();
        for c in view.edition.criteria_up_to(target) {
            match items.get(&c.id) {
                None => missing.push(c.id.clone()),
                Some(r) => {
                    if matches!(r.position.as_str(), "query" | "disagree") && r.resolved_at.is_none() {
                        blocking.push(c.id.clone());
                    }
                    if matches!(r.position.as_str(), "minor" | "major")
                        && r.resolved_at.is_none()
                        && (r.corrective_action.is_empty() || r.corrective_due.is_empty())
                    {
                        uncorrected.push(c.id.clone());
                    }
                    if view.answers.get(&c.id).is_some_and(|x| x.status == "not_applicable") && !*r.na_agreed {
                        exclusions.push(c.id.clone());
                    }
                }
            }
        }
        let list = |v: &[String]| v.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
        if !missing.is_empty() {
            return Err(AppError::invalid(
                "review",
                format!("未確認の評価基準が{}件あります（{}…）。", missing.len(), list(&missing)),
                format!("{} criteria are not reviewed yet ({}…).", missing.len(), list(&missing)),
            ));
        }
        if !exclusions.is_empty() {
            return Err(AppError::invalid(
                "review",
                format!("「該当しない」への同意が必要な評価基準があります（{}）。", list(&exclusions)),
                format!("Not-applicable exclusions need your explicit agreement ({}).", list(&exclusions)),
            ));
        }
        let now = self.now();
        if e.kind == CONFIRMATION {
            if !blocking.is_empty() {
                return Err(AppError::invalid(
                    "review",
                    format!("照会・不同意の評価基準があります（{}）。差し戻してください。", list(&blocking)),
                    format!("Some criteria have queries or disagreements ({}): return the assessment instead.", list(&blocking)),
                ));
            }
            if view.evaluation.achieved < Some(Level::THREE) {
                return Err(AppError::invalid(
                    "review",
                    "回答が★3に届いていません。差し戻してください。",
                    "The answers do not reach ★3: return the assessment instead.",
                ));
            }
            if view.pledge.is_none() {
                return Err(AppError::invalid(
                    "review",
                    "経営者による遵守誓約がまだ署名されていません。サプライヤーに署名を依頼してください。",
                    "Management has not signed the compliance pledge yet: ask the supplier to sign it.",
                ));
            }
            a.status = Status::Confirmed.key().to_owned();
            e.status = "confirmed".into();
        } else {
            // An assessment body's result stands with open nonconformities (a major one blocks
            // the level, any open one blocks issuing), but each needs a corrective action first.
            if !uncorrected.is_empty() {
                return Err(AppError::invalid(
                    "review",
                    format!("不適合の評価基準に、サプライヤーの是正処置と期限がまだありません（{}）。", list(&uncorrected)),
                    format!("Nonconformities need the supplier's corrective action with a due date first ({}).", list(&uncorrected)),
                ));
            }
            if db::technical_verification(&mut tx, e.id).await?.is_none() {
                return Err(AppError::invalid(
                    "technical_verification",
                    "★4の技術検証の記録（方法・実施日・結果）を入力してから評価を完了してください。",
                    "Record the ★4 technical verification (method, date, result) before completing the assessment.",
                ));
            }
            a.status = Status::Assessed.key().to_owned();
            e.status = "completed".into();
        }
        a.locked_at = Some(now);
        a.updated_at = now;
        e.decided_at = Some(now);
        e.decision_comment = comment.trim().chars().take(2000).collect();
        db::update(&mut tx, &a).await?;
        db::update_engagement(&mut tx, &e).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The expert or assessor sends the assessment back with a comment; it becomes editable.
    pub async fn return_assessment(&self, actor: &Actor, engagement_id: i64, comment: &str) -> Result<(), AppError> {
        if comment.trim().is_empty() {
            return Err(AppError::invalid("comment", "差し戻しの理由を書いてください。", "Write why you return it."));
        }
        let mut tx = self.store.begin().await?;
        let (mut e, mut a) = self.my_engagement(&mut tx, actor, engagement_id).await?;
        if !matches!(e.status.as_str(), "requested" | "in_review") || e.kind == SUPPORT {
            return Err(AppError::Conflict(Msg::new("この依頼は差し戻せる状態ではありません。", "This request cannot be returned now.")));
        }
        let now = self.now();
        e.status = "returned".into();
        e.decided_at = Some(now);
        e.decision_comment = comment.trim().chars().take(2000).collect();
        a.status = Status::Returned.key().to_owned();
        a.updated_at = now;
        db::update_engagement(&mut tx, &e).await?;
        db::update(&mut tx, &a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The supplier answers a provider's finding on one criterion; for a nonconformity, with a
    /// corrective action and its due date (`due`, YYYY-MM-DD, today or later).
    pub async fn reply_to_finding(
        &self,
        actor: &Actor,
        assessment_id: i64,
        engagement_id: i64,
        criterion: &str,
        text: &str,
        due: &str,
    ) -> Result<(), AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AppError::invalid("reply", "回答または是正処置を書いてください。", "Write your answer or corrective action."));
        }
        let mut tx = self.store.begin().await?;
        let a = self.owned(&mut tx, actor, assessment_id).await?;

        let Some(e) = db::engagements_of_assessment(&mut tx, a.id).await?.into_iter().find(|e| e.id == engagement_id) else {
            return Err(no_open_finding(criterion));
        };
        let item = open_finding(&mut tx, e.id, criterion).await?;
        let nonconformity = matches!(item.position.as_str(), "minor" | "major");
        let due = if nonconformity {
            let d = hoshi_core::time::parse_date(due).ok_or_else(|| {
                AppError::invalid(
                    "due",
                    "不適合には是正処置の期限（YYYY-MM-DD）が必要です。",
                    "A nonconformity needs the corrective action's due date (YYYY-MM-DD).",
                )
            })?;
            if d < hoshi_core::time::jst_date_string(self.now()) {
                return Err(AppError::invalid("due", "是正処置の期限は今日以降にしてください。", "The due date must be today or later."));
            }
            d
        } else {
            String::new()
        };
        let body: String = text.chars().take(4000).collect();
        if nonconformity {
            db::set_corrective_action(&mut tx, e.id, criterion, &body, &due).await?;
        }
        db::add_finding_note(
            &mut tx,
            &FindingNote {
                id: 0,
                engagement_id: e.id,
                criterion: criterion.to_owned(),
                side: "supplier".into(),
                kind: if nonconformity { "corrective_action" } else { "reply" }.into(),
                body,
                due,
                author_id: actor.user_id,
                created_at: self.now(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The provider resolves a finding. A nonconformity can be resolved only after the
    /// supplier's corrective action; an assessment body may resolve it after completing.
    pub async fn resolve_finding(&self, actor: &Actor, engagement_id: i64, criterion: &str, comment: &str) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let (e, _) = self.my_engagement(&mut tx, actor, engagement_id).await?;
        let open = matches!(e.status.as_str(), "requested" | "in_review") || (e.kind == THIRD_PARTY && e.status == "completed");
        if !open {
            return Err(AppError::Conflict(Msg::new("この依頼はすでに完了しています。", "This request is already closed.")));
        }
        let item = open_finding(&mut tx, e.id, criterion).await?;
        if matches!(item.position.as_str(), "minor" | "major") && item.corrective_action.is_empty() {
            return Err(AppError::invalid(
                "criterion",
                "サプライヤーの是正処置がまだありません。是正処置の後に解決してください。",
                "The supplier has not given a corrective action yet: resolve it after the corrective action.",
            ));
        }
        let now = self.now();
        db::resolve_review_item(&mut tx, e.id, criterion, now).await?;
        db::add_finding_note(
            &mut tx,
            &FindingNote {
                id: 0,
                engagement_id: e.id,
                criterion: criterion.to_owned(),
                side: "provider".into(),
                kind: "resolved".into(),
                body: comment.trim().chars().take(2000).collect(),
                due: String::new(),
                author_id: actor.user_id,
                created_at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The assessment body records the ★4 technical verification it performed.
    pub async fn record_technical_verification(
        &self,
        actor: &Actor,
        engagement_id: i64,
        method: &str,
        performed_on: &str,
        result: &str,
        summary: &str,
    ) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let (e, _) = self.my_engagement(&mut tx, actor, engagement_id).await?;
        if e.kind != THIRD_PARTY || !matches!(e.status.as_str(), "requested" | "in_review") {
            return Err(AppError::Conflict(Msg::new(
                "技術検証は評価中の★4の依頼に記録します。",
                "Technical verification is recorded on an open ★4 assessment.",
            )));
        }
        if !crate::trust::may_verify_technically(&mut tx, actor.org.id).await? {
            return Err(AppError::forbidden(
                "この評価機関は技術検証を行う指定を受けていません。",
                "This assessment body is not designated to perform technical verification.",
            ));
        }
        let date = hoshi_core::time::parse_date(performed_on)
            .ok_or_else(|| AppError::invalid("performed_on", "実施日はYYYY-MM-DDで入力してください。", "Enter the date as YYYY-MM-DD."))?;
        let result = match result.trim() {
            r @ ("passed" | "findings") => r,
            _ => {
                return Err(AppError::invalid("result", "結果は「問題なし」か「指摘あり」を選んでください。", "Choose passed or findings."))
            }
        };
        if method.trim().is_empty() {
            return Err(AppError::invalid(
                "method",
                "検証の方法を書いてください（例: 外部からの脆弱性診断）。",
                "Write the method (e.g. external vulnerability scan).",
            ));
        }
        db::put_technical_verification(
            &mut tx,
            &TechnicalVerification {
                engagement_id: e.id,
                method: method.trim().chars().take(500).collect(),
                performed_on: date,
                result: result.to_owned(),
                summary: summary.trim().chars().take(4000).collect(),
                recorded_by: actor.user_id,
                recorded_at: self.now(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The ★4 technical verification of an engagement, if recorded.
    pub async fn technical_verification(&self, actor: &Actor, engagement_id: i64) -> Result<Option<TechnicalVerification>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let e = db::engagement(&mut conn, engagement_id)
            .await
            .map_err(|_| AppError::not_found("依頼が見つかりません。", "No such request."))?;
        if e.provider_org_id != actor.org.id {
            let a = db::get(&mut conn, e.assessment_id).await?;
            if a.org_id != actor.org.id && !actor.has_role(OrgRole::RegistryOperator) {
                return Err(AppError::not_found("依頼が見つかりません。", "No such request."));
            }
        }
        Ok(db::technical_verification(&mut conn, e.id).await?)
    }

    /// On a resubmission, the provider's earlier agreement stays on every answer unchanged since
    /// it was given: copies the agreeing positions of the previous engagement of this provider
    /// on this assessment for criteria whose answer has not changed since. Returns how many.
    pub async fn agree_unchanged(&self, actor: &Actor, engagement_id: i64) -> Result<usize, AppError> {
        let mut tx = self.store.begin().await?;
        let (e, a) = self.my_engagement(&mut tx, actor, engagement_id).await?;
        if !matches!(e.status.as_str(), "requested" | "in_review") || e.kind == SUPPORT {
            return Err(AppError::Conflict(Msg::new("この依頼はすでに完了しています。", "This request is already closed.")));
        }
        let previous = db::engagements_of_assessment(&mut tx, a.id)
            .await?
            .into_iter()
            .filter(|p| p.id != e.id && p.provider_org_id == e.provider_org_id && p.kind == e.kind && p.id < e.id)
            .max_by_key(|p| p.id);
        let Some(previous) = previous else { return Ok(0) };
        let answers: HashMap<String, AnswerRow> = db::answers(&mut tx, a.id).await?.into_iter().map(|r| (r.criterion.clone(), r)).collect();
        let current: HashMap<String, ReviewItem> =
            db::review_items(&mut tx, e.id).await?.into_iter().map(|r| (r.criterion.clone(), r)).collect();
        let now = self.now();
        let mut n = 0;
        for r in db::review_items(&mut tx, previous.id).await? {
            let agreeing = matches!(r.position.as_str(), "agree" | "conforms");
            let unchanged = answers.get(&r.criterion).is_some_and(|x| x.at <= r.updated_at);
            if agreeing && unchanged && !current.contains_key(&r.criterion) {
                db::put_review_item(&mut tx, e.id, &ReviewItem { reviewed_by: actor.user_id, updated_at: now, ..r }).await?;
                n += 1;
            }
        }
        if n > 0 && e.status == "requested" {
            let mut e = e;
            e.status = "in_review".into();
            e.assessor_user_id = Some(actor.user_id);
            db::update_engagement(&mut tx, &e).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The level an assessment body's findings support: the achieved level with every major
    /// nonconformity counted as not met.
    pub fn assessed_level(view: &AssessmentView) -> Option<Level> {
        let mut answers = view.core_answers();
        for (e, _, items) in &view.engagements {
            if e.kind == THIRD_PARTY && e.status == "completed" {
                for r in items.iter().filter(|r| r.position == "major" && r.resolved_at.is_none()) {
                    answers.insert(r.criterion.clone(), Answer::NotMet);
                }
            }
        }
        evaluate(&view.edition, &answers, view.target()).achieved
    }

    /// Starts a new, editable version from a locked one, carrying answers, evidence and quotes.
    pub async fn new_version(&self, actor: &Actor, id: i64) -> Result<Assessment, AppError> {
        self.start_from(actor, id, "new_version").await
    }

    /// Starts a renewal (★3, yearly) or the annual ★4 self-assessment from a confirmed or
    /// assessed assessment: answers, evidence and quotes are carried over and every answer is
    /// marked "carried over, re-check" until it is answered again.
    pub async fn start_renewal(&self, actor: &Actor, id: i64) -> Result<Assessment, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let a = self.owned(&mut conn, actor, id).await?;
        drop(conn);
        let purpose = match Status::parse(&a.status) {
            Status::Confirmed => "renewal",
            Status::Assessed => "annual",
            s => {
                return Err(AppError::Conflict(Msg::new(
                    format!("更新は専門家の確認済み・評価機関の評価済みの自己評価から始めます（この版は「{}」）。", s.name(true)),
                    format!("A renewal starts from a confirmed or assessed self-assessment (this one is \"{}\").", s.name(false)),
                )))
            }
        };
        self.start_from(actor, id, purpose).await
    }

    async fn start_from(&self, actor: &Actor, id: i64, purpose: &str) -> Result<Assessment, AppError> {
        let mut tx = self.store.begin().await?;
        let old = self.owned(&mut tx, actor, id).await?;
        let now = self.now();
        let version = db::max_version(&mut tx, actor.org.id).await? + 1;
        let new = db::insert(
            &mut tx,
            &Assessment {
                id: 0,
                version,
                previous_id: Some(old.id),
                status: Status::Draft.key().to_owned(),
                locked_at: None,
                created_by: actor.user_id,
                created_at: now,
                updated_at: now,
                purpose: purpose.to_owned(),
                ..old.clone()
            },
        )
        .await?;
        db::copy_into(&mut tx, old.id, new.id, purpose != "new_version").await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Shares an assessment with a buyer (by corporate number) at a level: result only,
    /// answers, or answers with evidence.
    pub async fn share(&self, actor: &Actor, id: i64, buyer: &str, level: ShareLevel) -> Result<Share, AppError> {
        let mut tx = self.store.begin().await?;
        let a = self.owned(&mut tx, actor, id).await?;
        let b = self.provider(&mut tx, buyer, OrgRole::Buyer).await.map_err(|_| {
            AppError::invalid(
                "buyer",
                "その法人番号のバイヤーは登録されていません。",
                "There is no registered buyer with that corporate number.",
            )
        })?;
        if b.id == actor.org.id {
            return Err(AppError::invalid("buyer", "自社とは共有できません。", "You cannot share with yourself."));
        }
        if db::shares_of_assessment(&mut tx, a.id).await?.iter().any(|s| s.buyer_org_id == b.id && s.revoked_at.is_none()) {
            return Err(AppError::Conflict(Msg::new("このバイヤーとはすでに共有しています。", "Already shared with this buyer.")));
        }
        let s = db::insert_share(
            &mut tx,
            &Share {
                id: 0,
                assessment_id: a.id,
                buyer_org_id: b.id,
                mode: level.key().into(),
                created_by: actor.user_id,
                created_at: self.now(),
                revoked_at: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Stops sharing; the buyer loses access at once.
    pub async fn revoke_share(&self, actor: &Actor, share_id: i64) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let s = db::share(&mut tx, share_id).await.map_err(|_| AppError::not_found("共有が見つかりません。", "No such share."))?;
        self.owned(&mut tx, actor, s.assessment_id).await.map_err(|_| AppError::not_found("共有が見つかりません。", "No such share."))?;
        if s.revoked_at.is_some() {
            return Err(AppError::Conflict(Msg::new("この共有はすでに取り消されています。", "This share is already revoked.")));
        }
        db::revoke_share(&mut tx, s.id, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What suppliers shared with the actor's organisation: (share, assessment, supplier,
    /// achieved level). Listing does not count as a view; opening one does.
    pub async fn shared_with_me(&self, actor: &Actor) -> Result<Vec<SharedItem>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let mut out = Vec::new();
        for s in db::shares_with_buyer(&mut conn, actor.org.id).await? {
            let a = db::get(&mut conn, s.assessment_id).await?;
            let access = Access::Buyer { share_id: s.id, level: ShareLevel::parse(&s.mode) };
            let view = self.load_view(&mut conn, a.clone(), access).await?;
            let achieved = if view.status == Status::Assessed { App::assessed_level(&view) } else { view.evaluation.achieved };
            out.push((s, a, view.org, achieved));
        }
        Ok(out)
    }

    /// The latest assessment of a supplier, for the operator's command line (no actor: the
    /// machine's administrator).
    pub async fn admin_latest_assessment(&self, supplier: &CorporateNumber) -> Result<AssessmentView, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let org = orgs::by_corporate_number(&mut conn, supplier).await?.ok_or_else(|| {
            AppError::not_found(
                format!("法人番号{supplier}の組織はありません。"),
                format!("There is no organisation with corporate number {supplier}."),
            )
        })?;
        let a = db::list_for_org(&mut conn, org.id).await?.into_iter().next().ok_or_else(|| {
            AppError::not_found(format!("法人番号{supplier}の自己評価はありません。"), format!("{supplier} has no assessment yet."))
        })?;
        self.load_view(&mut conn, a, Access::Owner).await
    }

    /// The directory of experts approved today, with their organisations: the profile an expert
    /// published, or one made from its accreditation when it published none.
    pub async fn expert_directory(&self) -> Result<Vec<(ExpertProfile, Org)>, AppError> {
        self.approved_providers(AccKind::Expert).await
    }

    /// Assessment bodies approved today (to engage for ★4).
    pub async fn approved_bodies(&self) -> Result<Vec<Org>, AppError> {
        Ok(self.approved_providers(AccKind::AssessmentBody).await?.into_iter().map(|(_, o)| o).collect())
    }

    async fn approved_providers(&self, kind: AccKind) -> Result<Vec<(ExpertProfile, Org)>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let profiles = db::experts(&mut conn).await?;
        let now = self.now();
        let mut out = Vec::new();
        for a in hoshi_store::trust::accreditations(&mut conn, Some("approved")).await? {
            if a.kind != kind.key() || !crate::trust::provider_approved_at(&mut conn, a.org_id, kind, now).await? {
                continue;
            }
            let o = orgs::get(&mut conn, a.org_id).await?;
            let p = profiles.iter().find(|p| p.org_id == a.org_id).cloned().unwrap_or(ExpertProfile {
                org_id: a.org_id,
                qualification: a.qualification.clone(),
                registration_number: a.number.clone(),
                regions: o.prefecture.name_ja().to_owned(),
                languages: "ja".into(),
                public_support: false,
                bio_ja: String::new(),
                bio_en: String::new(),
            });
            // The directory shows the accredited number, whatever the profile says.
            out.push((ExpertProfile { qualification: a.qualification, registration_number: a.number, ..p }, o));
        }
        Ok(out)
    }

    /// An expert organisation's administrator publishes its profile in the directory.
    pub async fn update_expert_profile(&self, actor: &Actor, p: &ExpertProfileInput) -> Result<(), AppError> {
        actor.require_admin()?;
        if !actor.has_role(OrgRole::Expert) {
            return Err(AppError::forbidden("専門家の組織だけが名簿に載れます。", "Only expert organisations appear in the directory."));
        }
        let clip = |v: &str, n: usize| v.trim().chars().take(n).collect::<String>();
        if p.qualification.trim().is_empty() {
            return Err(AppError::invalid(
                "qualification",
                "資格を入力してください（例: 情報処理安全確保支援士）。",
                "Enter the qualification (e.g. Registered Information Security Specialist).",
            ));
        }
        let profile = ExpertProfile {
            org_id: actor.org.id,
            qualification: clip(&p.qualification, 200),
            registration_number: clip(&p.registration_number, 50),
            regions: clip(&p.regions, 500),
            languages: clip(&p.languages, 50),
            public_support: p.public_support,
            bio_ja: clip(&p.bio_ja, 2000),
            bio_en: clip(&p.bio_en, 2000),
        };
        let mut tx = self.store.begin().await?;
        db::put_expert(&mut tx, &profile, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }
}
