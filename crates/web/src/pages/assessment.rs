//! The supplier's assessment pages: list and start, overview with readiness chart and cost,
//! the questionnaire by category, one criterion (history, evidence, quote), the gap report
//! (printable page and CSV), OSCAL export, and the forms that engage experts, sign the pledge,
//! start a new version and share with buyers.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use hoshi_app::assessment::{
    Access, AssessmentView, SettingsInput, ShareLevel, Status, MAX_EVIDENCE_BYTES, PLEDGE_TEXT_EN, PLEDGE_TEXT_JA, SCOPE_KINDS,
};
use hoshi_app::{App, AppError};
use hoshi_core::org::OrgRole;
use hoshi_core::{Level, Yen};
use hoshi_standard::Lang;
use serde::Deserialize;

use super::{error_page, render, see_other, Layout};
use crate::ctx::Ctx;
use crate::i18n::T;
use crate::time_fmt::jst;
use crate::AppState;
use hoshi_app::exports;

fn yen(v: Yen, t: T) -> String {
    if t.ja() {
        v.format_ja()
    } else {
        v.to_string()
    }
}

fn status_name(s: Status, t: T) -> &'static str {
    s.name(t.ja())
}

pub fn answer_label(status: Option<&str>, t: T) -> &'static str {
    match status {
        Some("met") => t.pick("満たしている", "Met"),
        Some("not_met") => t.pick("満たしていない", "Not met"),
        Some("not_applicable") => t.pick("該当しない", "Not applicable"),
        _ => t.pick("未回答", "Not answered"),
    }
}

// ---------------------------------------------------------------- list and start

pub struct AssessmentRow {
    pub id: i64,
    pub version: i64,
    pub target: String,
    pub status: &'static str,
    pub updated: String,
    pub edition: String,
}

#[derive(Template)]
#[template(path = "assessments.html")]
pub struct ListPage {
    pub l: Layout,
    pub rows: Vec<AssessmentRow>,
    pub supplier: bool,
    pub error: Option<String>,
}

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> Response {
    list_page(&s, &ctx, StatusCode::OK, None).await
}

async fn list_page(s: &AppState, ctx: &Ctx, status: StatusCode, error: Option<String>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(ctx, &e),
    };
    let t = ctx.t();
    let rows = match s.app.my_assessments(&actor).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, &e),
    };
    let rows = rows
        .into_iter()
        .map(|a| AssessmentRow {
            id: a.id,
            version: a.version,
            target: format!("★{}", a.target_level),
            status: status_name(Status::parse(&a.status), t),
            updated: jst(a.updated_at),
            edition: a.edition,
        })
        .collect();
    let page =
        ListPage {
            l: Layout::new(ctx, t.pick("自己評価", "Self-assessment")), rows, supplier: actor.has_role(OrgRole::Supplier), error
        };
    render(status, &page)
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    pub target_level: String,
    #[serde(default)]
    pub scope_kind: String,
    #[serde(default)]
    pub scope_text: String,
}

pub async fn start(State(s): State<AppState>, ctx: Ctx, Form(f): Form<StartForm>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.start_assessment(&actor, &f.target_level, &f.scope_kind, &f.scope_text).await {
        Ok(a) => see_other(&format!("/assessments/{}/answer", a.id)),
        Err(e @ AppError::Invalid { .. }) => list_page(&s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(e.message(ctx.ja()))).await,
        Err(e) => error_page(&ctx, &e),
    }
}

// ---------------------------------------------------------------- overview

pub struct Bar {
    pub label: String,
    pub percent: u32,
    pub detail: String,
    pub y: u32,
    pub width: u32,
    pub text_y: u32,
}

/// The cost totals of each increment up to the target, in words and yen.
fn increment_rows(v: &AssessmentView, t: T) -> Vec<IncrementRow> {
    v.estimate
        .increments
        .iter()
        .filter(|i| i.to <= v.target())
        .map(|i| IncrementRow {
            label: match i.from {
                None => t.pick("★3の取得まで", "Reaching ★3").to_owned(),
                Some(f) => format!("{f} → {}", i.to),
            },
            lines: i.lines,
            one_off: yen(i.one_off, t),
            annual: yen(i.annual, t),
            overhead: format!("{} / {}", yen(i.overhead_one_off, t), yen(i.overhead_annual, t)),
        })
        .collect()
}

pub struct IncrementRow {
    pub label: String,
    pub lines: u32,
    pub one_off: String,
    pub annual: String,
    pub overhead: String,
}

pub struct EngagementRow {
    pub provider: String,
    pub kind: &'static str,
    pub status: String,
    pub comment: String,
    pub when: String,
}

pub struct ShareRow {
    pub id: i64,
    pub buyer: String,
    pub mode: &'static str,
    pub since: String,
    pub revoked: Option<String>,
    pub views: Vec<String>,
}

#[derive(Template)]
#[template(path = "assessment.html")]
pub struct OverviewPage {
    pub l: Layout,
    pub findings: Vec<super::trust::FindingThread>,
    pub reply_allowed: bool,
    pub id: i64,
    pub owner: bool,
    pub buyer_view: bool,
    pub editable: bool,
    pub locked: bool,
    pub org_name: String,
    pub version: i64,
    pub edition: String,
    pub target: String,
    pub target_level: u8,
    pub status: &'static str,
    pub achieved: String,
    pub assessed: Option<String>,
    pub scope: String,
    pub gaps: usize,
    pub level_bars: Vec<Bar>,
    pub category_bars: Vec<Bar>,
    pub chart_height: u32,
    pub level_chart_height: u32,
    pub increments: Vec<IncrementRow>,
    pub total_one_off: String,
    pub total_annual: String,
    pub rate: String,
    pub rate_source: &'static str,
    pub overhead: u32,
    pub settings: SettingsInput,
    pub scope_kinds: Vec<(&'static str, &'static str, bool)>,
    pub engagements: Vec<EngagementRow>,
    pub pledge: Option<String>,
    pub pledge_text: &'static str,
    pub shares: Vec<ShareRow>,
    pub experts: Vec<(String, String)>,
    pub bodies: Vec<(String, String)>,
    pub buyers: Vec<(String, String)>,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub evidence_shared: bool,
    /// The owner may apply for certification now.
    pub can_apply: bool,
    /// The owner's applications and certificates for this assessment, in words.
    pub certification: Vec<String>,
    /// Why it was started (initial, revision, renewal, annual).
    pub purpose: &'static str,
    /// A renewal or annual self-assessment may start from this one.
    pub renewable: bool,
    /// What changed since the version it started from: (criterion, before, after, evidence, carried over).
    pub changes: Vec<(String, &'static str, &'static str, String, bool)>,
    pub previous: Option<(i64, i64)>,
    /// Answers carried over and not yet re-checked.
    pub carried: usize,
}

/// The changes since the previous version, as rows: (criterion, before, after, evidence, carried over).
pub fn change_rows(v: &AssessmentView, t: T) -> Vec<(String, &'static str, &'static str, String, bool)> {
    v.changes
        .iter()
        .map(|c| {
            let evidence = if c.evidence_before.is_empty() && c.evidence_after.is_empty() {
                String::new()
            } else {
                format!("{} → {}", c.evidence_before.join(", "), c.evidence_after.join(", "))
            };
            (c.criterion.clone(), answer_label(c.before.as_deref(), t), answer_label(c.after.as_deref(), t), evidence, c.carried_over)
        })
        .collect()
}

fn bars(items: Vec<(String, hoshi_core::assessment::Readiness)>, t: T) -> Vec<Bar> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, (label, r))| {
            let y = i as u32 * 30;
            Bar {
                detail: format!("{}/{} {}", r.met, r.applicable(), t.pick("件達成", "met")),
                percent: r.percent(),
                width: r.percent() * 4,
                y,
                text_y: y + 15,
                label,
            }
        })
        .collect()
}

pub(crate) fn scope_label(kind: &str, t: T) -> &'static str {
    match kind {
        "group" => t.pick("グループ全体", "Whole group"),
        "department" => t.pick("部門", "Department"),
        _ => t.pick("会社全体", "Whole company"),
    }
}

fn kind_label(kind: &str, t: T) -> &'static str {
    match kind {
        "confirmation" => t.pick("★3の確認", "★3 confirmation"),
        "support" => t.pick("支援の依頼", "Request for help"),
        _ => t.pick("★4の第三者評価", "★4 third-party assessment"),
    }
}

fn engagement_status(s: &str, t: T) -> String {
    match s {
        "requested" => t.pick("依頼中", "Requested"),
        "in_review" => t.pick("確認中", "In review"),
        "confirmed" => t.pick("確認済み", "Confirmed"),
        "returned" => t.pick("差し戻し", "Returned"),
        "completed" => t.pick("評価完了", "Completed"),
        other => other,
    }
    .to_owned()
}

async fn overview_page(s: &AppState, ctx: &Ctx, id: i64, status: StatusCode, notice: Option<String>, error: Option<String>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(ctx, &e),
    };
    let v = match s.app.assessment(&actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, &e),
    };
    let t = ctx.t();
    let lang = ctx.lang;
    let a = &v.assessment;
    let owner = v.access == Access::Owner;
    let level_bars = bars(
        Level::ALL.iter().filter(|l| l.get() <= a.target_level).map(|l| (l.to_string(), v.evaluation.by_level[&l.get()])).collect(),
        t,
    );
    let category_bars = bars(
        v.edition
            .categories
            .iter()
            .filter_map(|c| v.evaluation.by_category.get(&c.key).map(|r| (c.name.get(lang).to_owned(), *r)))
            .filter(|(_, r)| r.total > 0)
            .collect(),
        t,
    );
    let increments = increment_rows(&v, t);
    let dir = s.app.expert_directory().await.unwrap_or_default();
    let name = |o: &hoshi_app::Org| t.pick(&o.name_ja, &o.name_en).to_owned();
    let page = OverviewPage {
        findings: super::trust::finding_threads(&v, ctx),
        reply_allowed: owner,
        id: a.id,
        owner,
        buyer_view: matches!(v.access, Access::Buyer { .. }),
        editable: owner && v.status.editable(),
        locked: v.locked(),
        org_name: name(&v.org),
        version: a.version,
        edition: a.edition.clone(),
        target: format!("★{}", a.target_level),
        target_level: a.target_level,
        status: status_name(v.status, t),
        achieved: v.evaluation.achieved.map_or_else(|| t.pick("なし", "None").to_owned(), |l| l.to_string()),
        assessed: if v.status == Status::Assessed {
            Some(App::assessed_level(&v).map_or_else(|| t.pick("なし", "None").to_owned(), |l| l.to_string()))
        } else {
            None
        },
        scope: format!("{} {}", scope_label(&a.scope_kind, t), a.scope_text),
        gaps: v.evaluation.gaps.len(),
        chart_height: category_bars.len() as u32 * 30 + 10,
        level_chart_height: level_bars.len() as u32 * 30 + 10,
        level_bars,
        category_bars,
        increments,
        total_one_off: v.estimate.total_one_off().map(|y| yen(y, t)).unwrap_or_default(),
        total_annual: v.estimate.total_annual().map(|y| yen(y, t)).unwrap_or_default(),
        rate: yen(Yen::new(a.hourly_rate_yen), t),
        rate_source: t.pick(hoshi_core::cost::DEFAULT_HOURLY_RATE_SOURCE_JA, hoshi_core::cost::DEFAULT_HOURLY_RATE_SOURCE_EN),
        overhead: a.overhead_percent,
        settings: SettingsInput {
            target_level: a.target_level.to_string(),
            scope_kind: a.scope_kind.clone(),
            scope_text: a.scope_text.clone(),
            it_onprem: a.it_onprem.then(|| "on".into()),
            it_cloud: a.it_cloud.then(|| "on".into()),
            employees: a.employees.to_string(),
            pcs: a.pcs.to_string(),
            servers: a.servers.to_string(),
            sites: a.sites.to_string(),
            cloud_services: a.cloud_services.to_string(),
            hourly_rate_yen: a.hourly_rate_yen.to_string(),
            overhead_percent: a.overhead_percent.to_string(),
        },
        scope_kinds: SCOPE_KINDS.iter().map(|k| (*k, scope_label(k, t), *k == a.scope_kind)).collect(),
        engagements: v
            .engagements
            .iter()
            .map(|(e, o, _)| EngagementRow {
                provider: name(o),
                kind: kind_label(&e.kind, t),
                status: engagement_status(&e.status, t),
                comment: e.decision_comment.clone(),
                when: jst(e.decided_at.unwrap_or(e.created_at)),
            })
            .collect(),
        pledge: v.pledge.as_ref().map(|p| format!("{} {}（{}）", p.officer_title, p.officer_name, jst(p.signed_at))),
        pledge_text: t.pick(PLEDGE_TEXT_JA, PLEDGE_TEXT_EN),
        shares: v
            .shares
            .iter()
            .map(|(sh, o, views)| ShareRow {
                id: sh.id,
                buyer: name(o),
                mode: ShareLevel::parse(&sh.mode).name(ctx.ja()),
                since: jst(sh.created_at),
                revoked: sh.revoked_at.map(jst),
                views: views.iter().map(|(email, who, at)| format!("{who} <{email}> {}", jst(*at))).collect(),
            })
            .collect(),
        experts: dir.iter().map(|(_, o)| (o.corporate_number.to_string(), name(o))).collect(),
        bodies: s.app.approved_bodies().await.unwrap_or_default().iter().map(|o| (o.corporate_number.to_string(), name(o))).collect(),
        // The supplier's real buyers (those that list it), with what each requires; any other by number.
        buyers: s
            .app
            .buyer_choices(&actor)
            .await
            .unwrap_or_default()
            .iter()
            .filter(|(_, level, _)| level.is_some())
            .map(|(o, level, _)| {
                let label = match level {
                    Some(l) => format!("{}{}", name(o), t.pick(&format!("（★{l}を要求）"), &format!(" (requires ★{l})"))),
                    None => name(o),
                };
                (o.corporate_number.to_string(), label)
            })
            .take(200)
            .collect(),
        notice,
        error,
        evidence_shared: matches!(v.access, Access::Buyer { level: ShareLevel::Evidence, .. }),
        purpose: hoshi_app::assessment::purpose_name(&v.assessment.purpose, t.ja()),
        renewable: owner && matches!(v.status, Status::Confirmed | Status::Assessed),
        changes: change_rows(&v, t),
        previous: v.previous,
        carried: v.answers.values().filter(|a| a.carried_over).count(),
        can_apply: false,
        certification: Vec::new(),
        l: Layout::new(ctx, t.pick("自己評価の結果", "Assessment results")),
    };
    let mut page = page;
    if owner {
        let apps: Vec<_> =
            s.app.my_applications(&actor).await.unwrap_or_default().into_iter().filter(|x| x.assessment_id == a.id).collect();
        let open = apps.iter().any(|x| x.status != "refused");
        page.can_apply = !open && matches!(v.status, Status::Confirmed | Status::Assessed);
        for x in apps {
            page.certification.push(match (x.status.as_str(), &x.serial) {
                ("issued", Some(serial)) => {
                    format!("{} ★{} — {} {serial}", t.pick("認証書を発行済み", "Certificate issued"), x.level, t.pick("認証番号", "serial"))
                }
                ("refused", _) => format!("{} — {}", t.pick("申請は拒否されました", "The application was refused"), x.reason),
                _ => format!("★{} {}", x.level, t.pick("の申請を審査中です", "application under review")),
            });
        }
    }
    render(status, &page)
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    overview_page(&s, &ctx, id, StatusCode::OK, None, None).await
}

/// Runs a use case from a form on the overview; shows the overview again with its outcome.
async fn act(s: &AppState, ctx: &Ctx, id: i64, result: Result<String, AppError>) -> Response {
    match result {
        Ok(notice) => overview_page(s, ctx, id, StatusCode::OK, Some(notice), None).await,
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            overview_page(s, ctx, id, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(ctx, &e),
    }
}

pub async fn settings(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<SettingsInput>) -> Response {
    let r = match ctx.actor() {
        Ok(a) => s.app.update_settings(a, id, &f).await.map(|_| ctx.t().pick("設定を保存しました。", "Settings saved.").to_owned()),
        Err(e) => Err(e),
    };
    act(&s, &ctx, id, r).await
}

#[derive(Deserialize)]
pub struct EngageForm {
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub message: String,
}

pub async fn engage(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<EngageForm>) -> Response {
    let r = match ctx.actor() {
        Ok(a) => s
            .app
            .engage(a, id, &f.provider, &f.kind, &f.message)
            .await
            .map(|_| ctx.t().pick("依頼を送りました。", "Request sent.").to_owned()),
        Err(e) => Err(e),
    };
    act(&s, &ctx, id, r).await
}

#[derive(Deserialize)]
pub struct PledgeForm {
    #[serde(default)]
    pub officer_name: String,
    #[serde(default)]
    pub officer_title: String,
}

pub async fn pledge(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<PledgeForm>) -> Response {
    let r = match ctx.actor() {
        Ok(a) => s
            .app
            .sign_pledge(a, id, &f.officer_name, &f.officer_title)
            .await
            .map(|_| ctx.t().pick("遵守誓約を記録しました。", "The pledge is recorded.").to_owned()),
        Err(e) => Err(e),
    };
    act(&s, &ctx, id, r).await
}

pub async fn new_version(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    match ctx.actor() {
        Ok(a) => match s.app.new_version(a, id).await {
            Ok(n) => see_other(&format!("/assessments/{}", n.id)),
            Err(e) => act(&s, &ctx, id, Err(e)).await,
        },
        Err(e) => error_page(&ctx, &e),
    }
}

/// Starts the renewal (★3) or annual self-assessment (★4) from a confirmed or assessed one.
pub async fn renewal(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    match ctx.actor() {
        Ok(a) => match s.app.start_renewal(a, id).await {
            Ok(n) => see_other(&format!("/assessments/{}", n.id)),
            Err(e) => act(&s, &ctx, id, Err(e)).await,
        },
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    pub buyer: String,
    /// A buyer not in the list, by corporate number.
    #[serde(default)]
    pub buyer_other: String,
    /// result / answers / evidence.
    #[serde(default)]
    pub level: String,
}

pub async fn share(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<ShareForm>) -> Response {
    let r = match ctx.actor() {
        Ok(a) => s
            .app
            .share(a, id, if f.buyer.trim().is_empty() { &f.buyer_other } else { &f.buyer }, ShareLevel::parse(&f.level))
            .await
            .map(|_| ctx.t().pick("共有しました。", "Shared.").to_owned()),
        Err(e) => Err(e),
    };
    act(&s, &ctx, id, r).await
}

pub async fn revoke_share(State(s): State<AppState>, ctx: Ctx, Path(share_id): Path<i64>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.revoke_share(&actor, share_id).await {
        Ok(()) => see_other("/assessments"),
        Err(e) => error_page(&ctx, &e),
    }
}

// ---------------------------------------------------------------- questionnaire

pub struct QItem {
    pub id: String,
    pub star: String,
    pub text: String,
    pub guidance: String,
    pub evidence_examples: Vec<String>,
    pub status: String,
    pub reason: String,
    pub note: String,
    pub files: usize,
}

pub struct QRequirement {
    pub id: String,
    pub title: String,
    pub items: Vec<QItem>,
}

pub struct CategoryTab {
    pub key: String,
    pub name: String,
    pub done: u32,
    pub total: u32,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "questionnaire.html")]
pub struct QuestionnairePage {
    pub l: Layout,
    pub findings: Vec<super::trust::FindingThread>,
    pub reply_allowed: bool,
    pub id: i64,
    pub target: String,
    pub tabs: Vec<CategoryTab>,
    pub category: String,
    pub category_name: String,
    pub next: Option<String>,
    pub requirements: Vec<QRequirement>,
    pub answered: u32,
    pub total: u32,
    pub percent: u32,
    pub editable: bool,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

#[derive(Deserialize)]
pub struct CategoryQuery {
    pub category: Option<String>,
    pub saved: Option<String>,
}

/// What the person sent for one criterion: (status, reason, note).
type Submitted = HashMap<String, (String, String, String)>;

fn questionnaire(
    ctx: &Ctx,
    v: &AssessmentView,
    category: Option<&str>,
    notice: Option<String>,
    errors: Vec<String>,
    submitted: &Submitted,
) -> QuestionnairePage {
    let t = ctx.t();
    let lang = ctx.lang;
    let target = v.target();
    let in_scope: Vec<_> = v.edition.criteria_up_to(target).collect();
    let tabs: Vec<CategoryTab> = v
        .edition
        .categories
        .iter()
        .filter_map(|c| {
            let mine: Vec<_> = in_scope.iter().filter(|k| k.category == c.key).collect();
            (!mine.is_empty()).then(|| CategoryTab {
                key: c.key.clone(),
                name: format!("{} {}", c.number, c.name.get(lang)),
                done: mine.iter().filter(|k| v.answers.contains_key(&k.id)).count() as u32,
                total: mine.len() as u32,
                current: false,
            })
        })
        .collect();
    let current = category
        .filter(|k| tabs.iter().any(|x| x.key == *k))
        .map(str::to_owned)
        .or_else(|| tabs.iter().find(|x| x.done < x.total).or(tabs.first()).map(|x| x.key.clone()))
        .unwrap_or_default();
    let tabs: Vec<CategoryTab> = tabs
        .into_iter()
        .map(|mut x| {
            x.current = x.key == current;
            x
        })
        .collect();
    let pos = tabs.iter().position(|x| x.current).unwrap_or(0);
    let next = tabs.get(pos + 1).map(|x| x.key.clone());
    let files: HashMap<&str, usize> = v.evidence.iter().fold(HashMap::new(), |mut m, e| {
        *m.entry(e.criterion.as_str()).or_default() += 1;
        m
    });
    let requirements = v
        .edition
        .requirements
        .iter()
        .filter(|r| r.category == current)
        .filter_map(|r| {
            let items: Vec<QItem> = in_scope
                .iter()
                .filter(|k| k.requirement == r.id)
                .map(|k| {
                    let a = v.answers.get(&k.id);
                    // After a refused save, show what was sent, not what is stored, so nothing typed is lost.
                    let sent = submitted.get(&k.id);
                    QItem {
                        id: k.id.clone(),
                        star: k.level.to_string(),
                        text: k.text.get(lang).to_owned(),
                        guidance: k.guidance.get(lang).to_owned(),
                        evidence_examples: k.evidence.iter().map(|e| e.get(lang).to_owned()).collect(),
                        status: sent.map(|x| x.0.clone()).or_else(|| a.map(|a| a.status.clone())).unwrap_or_default(),
                        reason: sent.map(|x| x.1.clone()).or_else(|| a.map(|a| a.reason.clone())).unwrap_or_default(),
                        note: sent.map(|x| x.2.clone()).or_else(|| a.map(|a| a.note.clone())).unwrap_or_default(),
                        files: files.get(k.id.as_str()).copied().unwrap_or(0),
                    }
                })
                .collect();
            (!items.is_empty()).then(|| QRequirement { id: r.id.clone(), title: r.title.get(lang).to_owned(), items })
        })
        .collect();
    let answered = in_scope.iter().filter(|k| v.answers.contains_key(&k.id)).count() as u32;
    let total = in_scope.len() as u32;
    QuestionnairePage {
        findings: super::trust::finding_threads(v, ctx).into_iter().filter(|f| f.open).collect(),
        reply_allowed: v.access == Access::Owner,
        l: Layout::new(ctx, t.pick("自己評価の回答", "Answer the self-assessment")),
        id: v.assessment.id,
        target: target.to_string(),
        category_name: tabs.get(pos).map(|x| x.name.clone()).unwrap_or_default(),
        category: current,
        next,
        tabs,
        requirements,
        answered,
        total,
        percent: (answered * 100).checked_div(total).unwrap_or(100),
        editable: v.access == Access::Owner && v.status.editable(),
        notice,
        errors,
    }
}

pub async fn answer_form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<CategoryQuery>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.assessment(&actor, id).await {
        Ok(v) => {
            let notice = q.saved.map(|_| ctx.t().pick("保存しました。", "Saved.").to_owned());
            render(StatusCode::OK, &questionnaire(&ctx, &v, q.category.as_deref(), notice, Vec::new(), &Submitted::new()))
        }
        Err(e) => error_page(&ctx, &e),
    }
}

/// Saves every answered criterion of one category page (`c.<id>.status`, `.reason`, `.note`).
pub async fn save_answers(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    let pairs = crate::ctx::form_urlencoded_pairs(&body);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let current = match s.app.assessment(&actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, &e),
    };
    let mut errors = Vec::new();
    let mut refused = Submitted::new();
    let mut ids: Vec<String> =
        pairs.iter().filter_map(|(k, _)| k.strip_prefix("c.").and_then(|r| r.strip_suffix(".status")).map(str::to_owned)).collect();
    ids.dedup();
    for cid in ids {
        let status = get(&format!("c.{cid}.status"));
        let reason = get(&format!("c.{cid}.reason"));
        let note = get(&format!("c.{cid}.note"));
        let before = current.answers.get(&cid);
        if before.is_some_and(|b| b.status == status && b.reason == reason.trim() && b.note == note.trim()) {
            continue;
        }
        if let Err(e) = s.app.answer(&actor, id, &cid, &status, &reason, &note).await {
            match e {
                AppError::Invalid { .. } | AppError::Conflict(_) => {
                    errors.push(format!("{cid}: {}", e.message(ctx.ja())));
                    refused.insert(cid.clone(), (status.clone(), reason.clone(), note.clone()));
                }
                other => return error_page(&ctx, &other),
            }
        }
    }
    let category = get("category");
    let go = get("go");
    if errors.is_empty() {
        let next = if go == "next" { get("next") } else { String::new() };
        if go == "results" {
            return see_other(&format!("/assessments/{id}"));
        }
        let target = if next.is_empty() { category } else { next };
        return see_other(&format!("/assessments/{id}/answer?category={target}&saved=1"));
    }
    match s.app.assessment(&actor, id).await {
        Ok(v) => render(StatusCode::UNPROCESSABLE_ENTITY, &questionnaire(&ctx, &v, Some(&category), None, errors, &refused)),
        Err(e) => error_page(&ctx, &e),
    }
}

// ---------------------------------------------------------------- one criterion

pub struct HistoryRow {
    pub when: String,
    pub who: String,
    pub answer: &'static str,
    pub reason: String,
    pub note: String,
}

pub struct FileRow {
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: String,
    pub when: String,
    /// The review-by date of the version, and whether it has passed.
    pub review_by: String,
    pub stale: bool,
    /// The library item, for the link to its versions (owner only).
    pub item_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "criterion.html")]
pub struct CriterionPage {
    pub l: Layout,
    pub findings: Vec<super::trust::FindingThread>,
    pub reply_allowed: bool,
    pub id: i64,
    pub cid: String,
    pub star: String,
    pub text: String,
    pub guidance: String,
    pub answer: &'static str,
    pub history: Vec<HistoryRow>,
    pub files: Vec<FileRow>,
    pub editable: bool,
    pub owner: bool,
    pub can_download: bool,
    pub quote_one_off: String,
    pub quote_annual: String,
    pub quote_note: String,
    pub estimate: String,
    pub max_mb: usize,
    pub category: String,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// The owner's library documents not yet used for this criterion: (item id, title).
    pub library: Vec<(i64, String)>,
    /// Answered in a version this one renews, not re-checked yet.
    pub carried_over: bool,
}

async fn criterion_page(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    cid: &str,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(ctx, &e),
    };
    let v = match s.app.assessment(&actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, &e),
    };
    let Some(c) = v.edition.criterion(cid) else {
        return error_page(ctx, &AppError::not_found("評価基準が見つかりません。", "No such criterion."));
    };
    let t = ctx.t();
    let history = match s.app.answer_history(&actor, id, cid).await {
        Ok(h) => h,
        Err(e) => return error_page(ctx, &e),
    };
    let quote = v.quotes.iter().find(|q| q.criterion == cid);
    let line = v.estimate.lines.iter().find(|l| l.criterion == cid);
    let today = hoshi_core::time::jst_date_string(s.app.now());
    let used: Vec<i64> = v.evidence.iter().filter(|e| e.criterion == cid).filter_map(|e| e.item_id).collect();
    let library = if v.access == Access::Owner && v.status.editable() {
        s.app
            .evidence_library(&actor)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|e| !used.contains(&e.item.id))
            .map(|e| (e.item.id, e.item.title))
            .collect()
    } else {
        Vec::new()
    };
    let page = CriterionPage {
        library,
        carried_over: v.answers.get(cid).is_some_and(|a| a.carried_over),
        findings: super::trust::finding_threads(&v, ctx).into_iter().filter(|f| f.criterion == cid).collect(),
        reply_allowed: v.access == Access::Owner,
        id,
        cid: c.id.clone(),
        star: c.level.to_string(),
        text: c.text.get(ctx.lang).to_owned(),
        guidance: c.guidance.get(ctx.lang).to_owned(),
        answer: answer_label(v.answers.get(cid).map(|a| a.status.as_str()), t),
        history: history
            .into_iter()
            .rev()
            .map(|(h, who)| HistoryRow { when: jst(h.at), who, answer: answer_label(Some(&h.status), t), reason: h.reason, note: h.note })
            .collect(),
        files: v
            .evidence
            .iter()
            .filter(|e| e.criterion == cid)
            .map(|e| FileRow {
                sha256: e.sha256.clone(),
                filename: e.filename.clone(),
                content_type: e.content_type.clone(),
                size: format!("{} KB", e.size.div_ceil(1024)),
                when: jst(e.uploaded_at),
                review_by: e.review_by.clone().unwrap_or_default(),
                stale: hoshi_app::library::stale(e.review_by.as_deref(), &today),
                item_id: e.item_id.filter(|_| v.access == Access::Owner),
            })
            .collect(),
        editable: v.access == Access::Owner && v.status.editable(),
        owner: v.access == Access::Owner,
        can_download: !matches!(v.access, Access::Buyer { level: ShareLevel::Result | ShareLevel::Answers, .. }),
        quote_one_off: quote.map(|q| q.one_off_yen.to_string()).unwrap_or_default(),
        quote_annual: quote.map(|q| q.annual_yen.to_string()).unwrap_or_default(),
        quote_note: quote.map(|q| q.note.clone()).unwrap_or_default(),
        estimate: line.map_or_else(
            || t.pick("この評価基準は未達ではないため、費用は見積もっていません。", "No cost: this criterion is not a gap.").to_owned(),
            |l| {
                format!(
                    "{} {} / {} {}{}",
                    t.pick("初期", "One-off"),
                    yen(l.one_off, t),
                    t.pick("年間", "annual"),
                    yen(l.annual, t),
                    if l.quoted { t.pick("（見積書による）", " (from a quote)") } else { "" }
                )
            },
        ),
        max_mb: MAX_EVIDENCE_BYTES / (1024 * 1024),
        category: c.category.clone(),
        notice,
        error,
        l: Layout::new(ctx, &format!("{} {}", t.pick("評価基準", "Criterion"), c.id)),
    };
    render(status, &page)
}

pub async fn criterion(State(s): State<AppState>, ctx: Ctx, Path((id, cid)): Path<(i64, String)>) -> Response {
    criterion_page(&s, &ctx, id, &cid, StatusCode::OK, None, None).await
}

/// A multipart upload: `criterion` then `file`. The CSRF token comes in the query string.
pub async fn upload(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mut mp: Multipart) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    let mut criterion = String::new();
    // Attached from the questionnaire: the category to go back to.
    let mut back = String::new();
    let mut file: Option<(String, Bytes)> = None;
    let t = ctx.t();
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                let filename = field.file_name().map(str::to_owned);
                match field.bytes().await {
                    Ok(b) if name == "criterion" => criterion = String::from_utf8_lossy(&b).trim().to_owned(),
                    Ok(b) if name == "back" => back = String::from_utf8_lossy(&b).trim().to_owned(),
                    Ok(b) if name == "file" => file = Some((filename.unwrap_or_else(|| "evidence".into()), b)),
                    Ok(_) => {}
                    Err(_) => {
                        let msg = t.pick(
                            "ファイルを読み取れませんでした。証跡ファイルは1件20 MBまでです。",
                            "The file could not be read: evidence files are limited to 20 MB each.",
                        );
                        return criterion_page(&s, &ctx, id, &criterion, StatusCode::PAYLOAD_TOO_LARGE, None, Some(msg.to_owned())).await;
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                let msg = t.pick(
                    "送信内容を読み取れませんでした。証跡ファイルは1件20 MBまでです。",
                    "The upload could not be read: evidence files are limited to 20 MB each.",
                );
                return criterion_page(&s, &ctx, id, &criterion, StatusCode::PAYLOAD_TOO_LARGE, None, Some(msg.to_owned())).await;
            }
        }
    }
    let Some((filename, bytes)) = file else {
        return criterion_page(
            &s,
            &ctx,
            id,
            &criterion,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(t.pick("ファイルを選んでください。", "Choose a file.").to_owned()),
        )
        .await;
    };
    match s.app.add_evidence(&actor, id, &criterion, &filename, &bytes).await {
        Ok(_) if !back.is_empty() && back.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
            see_other(&format!("/assessments/{id}/answer?category={back}#q-{criterion}"))
        }
        Ok(_) => {
            criterion_page(
                &s,
                &ctx,
                id,
                &criterion,
                StatusCode::OK,
                Some(t.pick("証跡を追加しました。", "Evidence added.").to_owned()),
                None,
            )
            .await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            criterion_page(&s, &ctx, id, &criterion, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn download(State(s): State<AppState>, ctx: Ctx, Path((id, sha)): Path<(i64, String)>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.evidence_file(&actor, id, &sha).await {
        Ok((ct, bytes, name)) => {
            let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
            let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
            (
                [
                    (CONTENT_TYPE, ct),
                    (CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", encoded.replace('+', "%20"))),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub struct QuoteForm {
    #[serde(default)]
    pub criterion: String,
    #[serde(default)]
    pub one_off: String,
    #[serde(default)]
    pub annual: String,
    #[serde(default)]
    pub note: String,
}

pub async fn quote(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<QuoteForm>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.set_quote(&actor, id, &f.criterion, &f.one_off, &f.annual, &f.note).await {
        Ok(()) => {
            criterion_page(
                &s,
                &ctx,
                id,
                &f.criterion,
                StatusCode::OK,
                Some(ctx.t().pick("見積を保存しました。", "Quote saved.").to_owned()),
                None,
            )
            .await
        }
        Err(e @ AppError::Invalid { .. }) => {
            criterion_page(&s, &ctx, id, &f.criterion, StatusCode::UNPROCESSABLE_ENTITY, None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

// ---------------------------------------------------------------- gap report and exports

#[derive(Template)]
#[template(path = "gaps.html")]
pub struct GapsPage {
    pub l: Layout,
    pub id: i64,
    pub org_name: String,
    pub target: String,
    pub achieved: String,
    pub generated: String,
    pub rows: Vec<exports::GapRow>,
    pub increments: Vec<IncrementRow>,
    pub total_one_off: String,
    pub total_annual: String,
}

pub async fn gaps(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    let v = match s.app.assessment(&actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, &e),
    };
    let t = ctx.t();
    let page = GapsPage {
        id,
        org_name: t.pick(&v.org.name_ja, &v.org.name_en).to_owned(),
        target: v.target().to_string(),
        achieved: v.evaluation.achieved.map_or_else(|| t.pick("なし", "None").to_owned(), |l| l.to_string()),
        generated: jst(s.app.now()),
        rows: exports::gap_rows(&v, ctx.lang),
        increments: increment_rows(&v, t),
        total_one_off: v.estimate.total_one_off().map(|y| yen(y, t)).unwrap_or_default(),
        total_annual: v.estimate.total_annual().map(|y| yen(y, t)).unwrap_or_default(),
        l: Layout::new(&ctx, t.pick("ギャップ報告書", "Gap report")),
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

fn export_lang(ctx: &Ctx, q: &LangQuery) -> Lang {
    q.lang.as_deref().and_then(Lang::parse).unwrap_or(ctx.lang)
}

pub async fn gaps_csv(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<LangQuery>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.assessment(&actor, id).await {
        Ok(v) => {
            let lang = export_lang(&ctx, &q);
            (
                [
                    (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (CONTENT_DISPOSITION, format!("attachment; filename=\"hoshi-gaps-{id}-{}.csv\"", lang.code())),
                ],
                exports::gaps_csv(&v, lang),
            )
                .into_response()
        }
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn oscal(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<LangQuery>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.assessment(&actor, id).await {
        Ok(v) => {
            let doc = exports::oscal(&v, export_lang(&ctx, &q));
            (
                [
                    (CONTENT_TYPE, "application/json".to_owned()),
                    (CONTENT_DISPOSITION, format!("attachment; filename=\"hoshi-assessment-{id}.oscal.json\"")),
                ],
                serde_json::to_string_pretty(&doc).unwrap_or_default(),
            )
                .into_response()
        }
        Err(e) => error_page(&ctx, &e),
    }
}

// ---------------------------------------------------------------- buyers and experts

pub struct SharedRow {
    pub id: i64,
    pub supplier: String,
    pub corporate_number: String,
    pub target: String,
    pub achieved: String,
    pub status: &'static str,
    pub mode: &'static str,
    pub since: String,
}

#[derive(Template)]
#[template(path = "shared.html")]
pub struct SharedPage {
    pub l: Layout,
    pub rows: Vec<SharedRow>,
}

pub async fn shared(State(s): State<AppState>, ctx: Ctx) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    let t = ctx.t();
    let list = match s.app.shared_with_me(&actor).await {
        Ok(l) => l,
        Err(e) => return error_page(&ctx, &e),
    };
    let mut rows = Vec::new();
    for (sh, a, o, achieved) in list {
        rows.push(SharedRow {
            id: a.id,
            supplier: t.pick(&o.name_ja, &o.name_en).to_owned(),
            corporate_number: o.corporate_number.to_string(),
            target: format!("★{}", a.target_level),
            achieved: achieved.map_or_else(|| t.pick("なし", "None").to_owned(), |l| l.to_string()),
            status: status_name(Status::parse(&a.status), t),
            mode: ShareLevel::parse(&sh.mode).name(ctx.ja()),
            since: jst(sh.created_at),
        });
    }
    render(StatusCode::OK, &SharedPage { l: Layout::new(&ctx, t.pick("共有された自己評価", "Assessments shared with you")), rows })
}

pub struct ExpertRow {
    pub name: String,
    pub corporate_number: String,
    pub qualification: String,
    pub registration_number: String,
    pub regions: String,
    pub languages: String,
    pub public_support: bool,
    pub bio: String,
}

#[derive(Template)]
#[template(path = "experts.html")]
pub struct ExpertsPage {
    pub l: Layout,
    pub rows: Vec<ExpertRow>,
    pub my_assessments: Vec<(i64, String)>,
    /// The actor's own profile form, when the actor administers an expert organisation.
    pub own: Option<ExpertForm>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct ExpertForm {
    #[serde(default)]
    pub qualification: String,
    #[serde(default)]
    pub registration_number: String,
    #[serde(default)]
    pub regions: String,
    #[serde(default)]
    pub languages: String,
    #[serde(default)]
    pub public_support: Option<String>,
    #[serde(default)]
    pub bio_ja: String,
    #[serde(default)]
    pub bio_en: String,
}

pub async fn experts(State(s): State<AppState>, ctx: Ctx) -> Response {
    experts_page(&s, &ctx, StatusCode::OK, None, None).await
}

pub async fn expert_profile(State(s): State<AppState>, ctx: Ctx, Form(f): Form<ExpertForm>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    let p = hoshi_app::assessment::ExpertProfileInput {
        qualification: f.qualification,
        registration_number: f.registration_number,
        regions: f.regions,
        languages: f.languages,
        public_support: f.public_support.is_some(),
        bio_ja: f.bio_ja,
        bio_en: f.bio_en,
    };
    match s.app.update_expert_profile(&actor, &p).await {
        Ok(()) => {
            experts_page(
                &s,
                &ctx,
                StatusCode::OK,
                Some(ctx.t().pick("名簿の情報を保存しました。", "Your directory entry is saved.").to_owned()),
                None,
            )
            .await
        }
        Err(e @ AppError::Invalid { .. }) => {
            experts_page(&s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

async fn experts_page(s: &AppState, ctx: &Ctx, code: StatusCode, notice: Option<String>, error: Option<String>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(ctx, &e),
    };
    let t = ctx.t();
    let dir = match s.app.expert_directory().await {
        Ok(d) => d,
        Err(e) => return error_page(ctx, &e),
    };
    let own = (actor.is_admin() && actor.has_role(OrgRole::Expert)).then(|| {
        dir.iter()
            .find(|(_, o)| o.id == actor.org.id)
            .map(|(p, _)| ExpertForm {
                qualification: p.qualification.clone(),
                registration_number: p.registration_number.clone(),
                regions: p.regions.clone(),
                languages: p.languages.clone(),
                public_support: p.public_support.then(|| "on".to_owned()),
                bio_ja: p.bio_ja.clone(),
                bio_en: p.bio_en.clone(),
            })
            .unwrap_or_default()
    });
    let mine = if actor.has_role(OrgRole::Supplier) { s.app.my_assessments(&actor).await.unwrap_or_default() } else { Vec::new() };
    let rows = dir
        .into_iter()
        .map(|(p, o)| ExpertRow {
            name: t.pick(&o.name_ja, &o.name_en).to_owned(),
            corporate_number: o.corporate_number.to_string(),
            qualification: p.qualification,
            registration_number: p.registration_number,
            regions: p.regions,
            languages: p.languages,
            public_support: p.public_support,
            bio: t.pick(&p.bio_ja, &p.bio_en).to_owned(),
        })
        .collect();
    let my_assessments =
        mine.into_iter().filter(|a| a.locked_at.is_none()).map(|a| (a.id, format!("v{} ★{}", a.version, a.target_level))).collect();
    render(code, &ExpertsPage { l: Layout::new(ctx, t.pick("専門家を探す", "Find an expert")), rows, my_assessments, own, notice, error })
}
