//! The SME's daily path: the remediation plan of an assessment (tasks from the gaps with owner,
//! due date and status, a timeline to the target date, progress by category and level, closing
//! a task with evidence, POA&M / CSV exports) and the evidence library (documents in versions
//! with effective and review-by dates, reused across criteria and assessments).

// A page handler's early return is the error page itself.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use hoshi_app::library::{stale, LibraryEntry};
use hoshi_app::plan::{Closing, PlanView};
use hoshi_app::{exports, Actor, AppError};
use hoshi_core::plan::TaskStatus;
use hoshi_core::Yen;
use hoshi_standard::Lang;
use serde::Deserialize;

use super::{error_page, render, see_other, Layout};
use crate::ctx::Ctx;
use crate::i18n::T;
use crate::time_fmt::jst;
use crate::AppState;

fn actor(ctx: &Ctx) -> Result<Actor, Response> {
    ctx.actor().cloned().map_err(|e| error_page(ctx, &e))
}

fn yen(v: Yen, t: T) -> String {
    if t.ja() {
        v.format_ja()
    } else {
        v.to_string()
    }
}

/// The text fields and the one file of a multipart form (the file's name and bytes).
async fn read_form(mp: &mut Multipart) -> Result<(HashMap<String, String>, Option<(String, Bytes)>), ()> {
    let mut fields = HashMap::new();
    let mut file = None;
    while let Some(field) = mp.next_field().await.map_err(|_| ())? {
        let name = field.name().unwrap_or("").to_owned();
        let filename = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(|_| ())?;
        if name == "file" {
            if !bytes.is_empty() {
                file = Some((filename.unwrap_or_else(|| "evidence".into()), bytes));
            }
        } else {
            fields.insert(name, String::from_utf8_lossy(&bytes).trim().to_owned());
        }
    }
    Ok((fields, file))
}

fn unreadable(t: T) -> AppError {
    let _ = t;
    AppError::invalid(
        "file",
        "送信内容を読み取れませんでした。ファイルは1件20 MBまでです。",
        "The upload could not be read: files are limited to 20 MB each.",
    )
}

// ---------------------------------------------------------------- the plan

pub struct TaskRow {
    pub id: i64,
    pub number: i64,
    pub criteria: String,
    pub title: String,
    pub owner: String,
    pub due: String,
    pub status_key: &'static str,
    pub status: &'static str,
    pub reason: String,
    pub one_off: String,
    pub annual: String,
    pub hours: u64,
    pub evidence: String,
    pub overdue: bool,
    pub open: bool,
}

pub struct ProgressRow {
    pub label: String,
    pub done: u32,
    pub total: u32,
    pub percent: u32,
    pub overdue: u32,
}

#[derive(Template)]
#[template(path = "plan.html")]
pub struct PlanPage {
    pub l: Layout,
    pub id: i64,
    pub org_name: String,
    pub target: String,
    pub has_plan: bool,
    pub editable: bool,
    pub target_date: String,
    pub days_left: i64,
    pub today: String,
    pub overall: ProgressRow,
    pub by_category: Vec<ProgressRow>,
    pub by_level: Vec<ProgressRow>,
    pub tasks: Vec<TaskRow>,
    /// Tasks by due date, for the timeline.
    pub timeline: Vec<(String, i64, String, bool, &'static str)>,
    pub uncovered: usize,
    pub one_off: String,
    pub annual: String,
    pub readiness: u32,
    pub gaps: usize,
    pub library: Vec<(i64, String)>,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

fn progress_row(label: String, p: &hoshi_core::plan::Progress) -> ProgressRow {
    ProgressRow { label, done: p.done, total: p.total, percent: p.percent(), overdue: p.overdue }
}

/// The end of the fiscal year after `today` at least three months away: a target an SME can reach.
fn default_target(today: &str) -> String {
    let y: i64 = today.get(0..4).and_then(|y| y.parse().ok()).unwrap_or(2026);
    let m: u32 = today.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(4);
    let (end, months_left) = if m <= 3 { (y, 3 - m) } else { (y + 1, 15 - m) };
    format!("{:04}-03-31", if months_left < 3 { end + 1 } else { end })
}

async fn plan_page(s: &AppState, ctx: &Ctx, id: i64, status: StatusCode, notice: Option<String>, error: Option<String>) -> Response {
    let actor = match actor(ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = ctx.t();
    let view = match s.app.assessment(&actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, &e),
    };
    let plan = match s.app.plan(&actor, id).await {
        Ok(p) => p,
        Err(e) => return error_page(ctx, &e),
    };
    let library = s.app.evidence_library(&actor).await.unwrap_or_default().into_iter().map(|e| (e.item.id, e.item.title)).collect();
    let ed = &view.edition;
    // Readiness to the target: the criteria up to it met or excluded, as a whole percentage.
    let in_scope = view.edition.criteria_up_to(view.target()).count();
    let target_ready = ((in_scope - view.evaluation.gaps.len().min(in_scope)) * 100).checked_div(in_scope).unwrap_or(0) as u32;
    let today = hoshi_core::time::jst_date_string(s.app.now());
    let mut page = PlanPage {
        id,
        org_name: t.pick(&view.org.name_ja, &view.org.name_en).to_owned(),
        target: view.target().to_string(),
        has_plan: plan.is_some(),
        editable: view.access == hoshi_app::assessment::Access::Owner && view.status.editable() && !view.locked(),
        target_date: default_target(&today),
        days_left: 0,
        today,
        overall: ProgressRow { label: String::new(), done: 0, total: 0, percent: 0, overdue: 0 },
        by_category: Vec::new(),
        by_level: Vec::new(),
        tasks: Vec::new(),
        timeline: Vec::new(),
        uncovered: view.evaluation.gaps.len(),
        one_off: String::new(),
        annual: String::new(),
        readiness: target_ready,
        gaps: view.evaluation.gaps.len(),
        library,
        statuses: TaskStatus::ALL.iter().filter(|s| **s != TaskStatus::Done).map(|s| (s.key(), s.name(t.ja()))).collect(),
        notice,
        error,
        l: Layout::new(ctx, t.pick("改善計画", "Remediation plan")),
    };
    if let Some(p) = plan {
        fill(&mut page, &p, ed, t);
    }
    render(status, &page)
}

fn fill(page: &mut PlanPage, p: &PlanView, ed: &hoshi_standard::Edition, t: T) {
    page.editable = p.editable;
    page.target_date = p.plan.target_date.clone();
    page.days_left = p.days_left;
    page.today = p.today.clone();
    page.overall = progress_row(String::new(), &p.progress);
    page.by_category = p
        .by_category
        .iter()
        .map(|(k, v)| {
            progress_row(
                ed.category(k).map(|c| c.name.get(if t.ja() { Lang::Ja } else { Lang::En }).to_owned()).unwrap_or_else(|| k.clone()),
                v,
            )
        })
        .collect();
    page.by_level = p.by_level.iter().map(|(k, v)| progress_row(format!("★{k}"), v)).collect();
    page.uncovered = p.uncovered.len();
    page.one_off = yen(p.one_off, t);
    page.annual = yen(p.annual, t);
    page.tasks = p
        .tasks
        .iter()
        .map(|x| TaskRow {
            id: x.task.id,
            number: x.task.position,
            criteria: x.criteria.join(" "),
            title: t.pick(&x.title_ja, &x.title_en).to_owned(),
            owner: x.task.owner.clone(),
            due: x.task.due_date.clone().unwrap_or_default(),
            status_key: x.status.key(),
            status: x.status.name(t.ja()),
            reason: x.task.reason.clone(),
            one_off: yen(x.one_off, t),
            annual: yen(x.annual, t),
            hours: x.hours,
            evidence: x.evidence.as_ref().map(|(_, title, _)| title.clone()).unwrap_or_default(),
            overdue: x.overdue,
            open: x.status.open(),
        })
        .collect();
    let mut timeline: Vec<(String, i64, String, bool, &'static str)> = p
        .tasks
        .iter()
        .map(|x| {
            (
                x.task.due_date.clone().unwrap_or_default(),
                x.task.position,
                t.pick(&x.title_ja, &x.title_en).chars().take(60).collect(),
                x.overdue,
                x.status.key(),
            )
        })
        .collect();
    timeline.sort();
    page.timeline = timeline;
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    plan_page(&s, &ctx, id, StatusCode::OK, None, None).await
}

async fn after(s: &AppState, ctx: &Ctx, id: i64, r: Result<String, AppError>) -> Response {
    match r {
        Ok(notice) => plan_page(s, ctx, id, StatusCode::OK, Some(notice), None).await,
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            plan_page(s, ctx, id, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(ctx, &e),
    }
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    pub target_date: String,
    #[serde(default)]
    pub grouping: String,
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<CreateForm>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = ctx.t();
    let r = s.app.create_plan(&actor, id, &f.target_date, &f.grouping).await.map(|n| {
        if t.ja() {
            format!("改善計画に{n}件のタスクを追加しました。")
        } else {
            format!("{n} tasks added to the plan.")
        }
    });
    after(&s, &ctx, id, r).await
}

#[derive(Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub due_date: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn update_task(State(s): State<AppState>, ctx: Ctx, Path((id, task_id)): Path<(i64, i64)>, Form(f): Form<TaskForm>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let r = s
        .app
        .update_task(&actor, id, task_id, &f.owner, &f.due_date, &f.status, &f.reason)
        .await
        .map(|_| ctx.t().pick("タスクを更新しました。", "Task updated.").to_owned());
    after(&s, &ctx, id, r).await
}

pub async fn close_task(State(s): State<AppState>, ctx: Ctx, Path((id, task_id)): Path<(i64, i64)>, mut mp: Multipart) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = ctx.t();
    let Ok((fields, file)) = read_form(&mut mp).await else {
        return after(&s, &ctx, id, Err(unreadable(t))).await;
    };
    let note = fields.get("note").cloned().unwrap_or_default();
    let library = fields.get("item_id").and_then(|v| v.parse::<i64>().ok());
    let closing = match (&file, library) {
        (Some((name, bytes)), _) => Closing::Upload { filename: name, bytes },
        (None, Some(item)) => Closing::Library(item),
        (None, None) => {
            let e = AppError::invalid(
                "file",
                "完了にするには、対応を示す証跡のファイルを添えるか、証跡ライブラリから選んでください。",
                "To close the task, attach the evidence that shows it is done, or choose one from the evidence library.",
            );
            return after(&s, &ctx, id, Err(e)).await;
        }
    };
    let r = s.app.close_task(&actor, id, task_id, closing, &note).await.map(|_| {
        t.pick(
            "タスクを完了にし、評価基準を「満たしている」に更新しました（回答の履歴に残ります）。",
            "Task closed; its criteria are now answered \"met\" (kept in the answer history).",
        )
        .to_owned()
    });
    after(&s, &ctx, id, r).await
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    #[serde(default)]
    pub lang: String,
}

fn export_lang(ctx: &Ctx, q: &LangQuery) -> Lang {
    Lang::parse(&q.lang).unwrap_or(if ctx.ja() { Lang::Ja } else { Lang::En })
}

async fn plan_and_view(s: &AppState, ctx: &Ctx, id: i64) -> Result<(hoshi_app::assessment::AssessmentView, PlanView), Response> {
    let actor = actor(ctx)?;
    let view = s.app.assessment(&actor, id).await.map_err(|e| error_page(ctx, &e))?;
    match s.app.plan(&actor, id).await {
        Ok(Some(p)) => Ok((view, p)),
        Ok(None) => Err(error_page(ctx, &AppError::not_found("改善計画がまだありません。", "There is no remediation plan yet."))),
        Err(e) => Err(error_page(ctx, &e)),
    }
}

pub async fn poam(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<LangQuery>) -> Response {
    match plan_and_view(&s, &ctx, id).await {
        Ok((v, p)) => (
            [
                (CONTENT_TYPE, "application/json".to_owned()),
                (CONTENT_DISPOSITION, format!("attachment; filename=\"hoshi-plan-{id}.poam.json\"")),
            ],
            serde_json::to_string_pretty(&exports::poam(&v, &p, export_lang(&ctx, &q))).unwrap_or_default(),
        )
            .into_response(),
        Err(r) => r,
    }
}

pub async fn csv(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<LangQuery>) -> Response {
    match plan_and_view(&s, &ctx, id).await {
        Ok((v, p)) => {
            let lang = export_lang(&ctx, &q);
            (
                [
                    (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (CONTENT_DISPOSITION, format!("attachment; filename=\"hoshi-plan-{id}-{}.csv\"", lang.code())),
                ],
                exports::plan_csv(&v, &p, lang),
            )
                .into_response()
        }
        Err(r) => r,
    }
}

pub async fn xlsx(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<LangQuery>) -> Response {
    match plan_and_view(&s, &ctx, id).await {
        Ok((v, p)) => {
            let lang = export_lang(&ctx, &q);
            match exports::plan_xlsx(&v, &p, lang) {
                Ok(bytes) => (
                    [
                        (CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
                        (CONTENT_DISPOSITION, format!("attachment; filename=\"hoshi-plan-{id}-{}.xlsx\"", lang.code())),
                    ],
                    bytes,
                )
                    .into_response(),
                Err(e) => error_page(&ctx, &e),
            }
        }
        Err(r) => r,
    }
}

// ---------------------------------------------------------------- the evidence library

pub struct LibraryRow {
    pub id: i64,
    pub title: String,
    pub version: i64,
    pub filename: String,
    pub effective: String,
    pub review_by: String,
    pub stale: bool,
    pub uses: String,
    pub uploaded: String,
}

#[derive(Template)]
#[template(path = "library.html")]
pub struct LibraryPage {
    pub l: Layout,
    pub rows: Vec<LibraryRow>,
    pub stale: usize,
    pub notice: Option<String>,
    pub error: Option<String>,
}

fn library_row(e: &LibraryEntry, today: &str) -> LibraryRow {
    let mut uses: Vec<String> = e.uses.iter().map(|u| format!("v{} {}", u.assessment_version, u.criterion)).collect();
    uses.dedup();
    LibraryRow {
        id: e.item.id,
        title: e.item.title.clone(),
        version: e.latest.version,
        filename: e.latest.filename.clone(),
        effective: e.latest.effective_date.clone().unwrap_or_default(),
        review_by: e.latest.review_by.clone().unwrap_or_default(),
        stale: e.stale(today),
        uses: uses.join(", "),
        uploaded: jst(e.latest.uploaded_at),
    }
}

async fn library_page(s: &AppState, ctx: &Ctx, status: StatusCode, notice: Option<String>, error: Option<String>) -> Response {
    let actor = match actor(ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = ctx.t();
    let today = hoshi_core::time::jst_date_string(s.app.now());
    match s.app.evidence_library(&actor).await {
        Ok(list) => {
            let rows: Vec<LibraryRow> = list.iter().map(|e| library_row(e, &today)).collect();
            let stale = rows.iter().filter(|r| r.stale).count();
            render(status, &LibraryPage { rows, stale, notice, error, l: Layout::new(ctx, t.pick("証跡ライブラリ", "Evidence library")) })
        }
        Err(e) => error_page(ctx, &e),
    }
}

pub async fn library(State(s): State<AppState>, ctx: Ctx) -> Response {
    library_page(&s, &ctx, StatusCode::OK, None, None).await
}

async fn library_after(s: &AppState, ctx: &Ctx, r: Result<String, AppError>) -> Response {
    match r {
        Ok(n) => library_page(s, ctx, StatusCode::OK, Some(n), None).await,
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            library_page(s, ctx, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(ctx, &e),
    }
}

fn missing_file() -> AppError {
    AppError::invalid("file", "ファイルを選んでください。", "Choose a file.")
}

pub async fn add(State(s): State<AppState>, ctx: Ctx, mut mp: Multipart) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = ctx.t();
    let Ok((f, file)) = read_form(&mut mp).await else { return library_after(&s, &ctx, Err(unreadable(t))).await };
    let Some((name, bytes)) = file else { return library_after(&s, &ctx, Err(missing_file())).await };
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let r = s
        .app
        .add_to_library(&actor, &get("title"), &name, &bytes, &get("effective_date"), &get("review_by"))
        .await
        .map(|_| t.pick("証跡をライブラリに追加しました。", "Added to the evidence library.").to_owned());
    library_after(&s, &ctx, r).await
}

pub struct VersionRow {
    pub version: i64,
    pub filename: String,
    pub sha256: String,
    pub effective: String,
    pub review_by: String,
    pub stale: bool,
    pub uploaded: String,
}

#[derive(Template)]
#[template(path = "evidence_item.html")]
pub struct ItemPage {
    pub l: Layout,
    pub id: i64,
    pub title: String,
    pub versions: Vec<VersionRow>,
    /// (assessment id, version, status name, criterion, file sha256 prefix, current)
    pub uses: Vec<(i64, i64, String, String, String, bool)>,
    pub latest_sha: String,
    pub notice: Option<String>,
    pub error: Option<String>,
}

async fn item_page(s: &AppState, ctx: &Ctx, item_id: i64, status: StatusCode, notice: Option<String>, error: Option<String>) -> Response {
    let actor = match actor(ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = ctx.t();
    let today = hoshi_core::time::jst_date_string(s.app.now());
    match s.app.evidence_item(&actor, item_id).await {
        Ok((item, versions, uses)) => {
            let latest_sha = versions.last().map(|v| v.sha256.clone()).unwrap_or_default();
            render(
                status,
                &ItemPage {
                    id: item.id,
                    l: Layout::new(ctx, &item.title),
                    title: item.title,
                    versions: versions
                        .iter()
                        .rev()
                        .map(|v| VersionRow {
                            version: v.version,
                            filename: v.filename.clone(),
                            sha256: v.sha256.clone(),
                            effective: v.effective_date.clone().unwrap_or_default(),
                            review_by: v.review_by.clone().unwrap_or_default(),
                            stale: stale(v.review_by.as_deref(), &today),
                            uploaded: jst(v.uploaded_at),
                        })
                        .collect(),
                    uses: uses
                        .iter()
                        .map(|u| {
                            (
                                u.assessment_id,
                                u.assessment_version,
                                hoshi_app::assessment::Status::parse(&u.assessment_status).name(t.ja()).to_owned(),
                                u.criterion.clone(),
                                u.sha256.chars().take(12).collect(),
                                u.sha256 == latest_sha,
                            )
                        })
                        .collect(),
                    latest_sha,
                    notice,
                    error,
                },
            )
        }
        Err(e) => error_page(ctx, &e),
    }
}

pub async fn item(State(s): State<AppState>, ctx: Ctx, Path(item_id): Path<i64>) -> Response {
    item_page(&s, &ctx, item_id, StatusCode::OK, None, None).await
}

pub async fn new_version(State(s): State<AppState>, ctx: Ctx, Path(item_id): Path<i64>, mut mp: Multipart) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = ctx.t();
    let result = match read_form(&mut mp).await {
        Err(()) => Err(unreadable(t)),
        Ok((_, None)) => Err(missing_file()),
        Ok((f, Some((name, bytes)))) => {
            let get = |k: &str| f.get(k).cloned().unwrap_or_default();
            s.app.replace_evidence(&actor, item_id, &name, &bytes, &get("effective_date"), &get("review_by")).await.map(|(v, moved)| {
                if t.ja() {
                    format!("第{}版を登録しました。回答中の自己評価の{moved}件を新しい版に差し替えました（確認・評価済みの自己評価は元の版のままです）。", v.version)
                } else {
                    format!("Version {} saved; {moved} answers of assessments being answered now use it (confirmed or assessed ones keep theirs).", v.version)
                }
            })
        }
    };
    match result {
        Ok(n) => item_page(&s, &ctx, item_id, StatusCode::OK, Some(n), None).await,
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            item_page(&s, &ctx, item_id, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn delete(State(s): State<AppState>, ctx: Ctx, Path(item_id): Path<i64>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match s.app.delete_evidence(&actor, item_id).await {
        Ok(()) => library_after(&s, &ctx, Ok(ctx.t().pick("証跡を削除しました。", "Evidence deleted.").to_owned())).await,
        Err(e @ AppError::Conflict(_)) => item_page(&s, &ctx, item_id, StatusCode::CONFLICT, None, Some(e.message(ctx.ja()))).await,
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn download(State(s): State<AppState>, ctx: Ctx, Path((item_id, version)): Path<(i64, i64)>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match s.app.library_file(&actor, item_id, version).await {
        Ok((ct, bytes, name)) => {
            let safe: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect();
            let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
            (
                [
                    (CONTENT_TYPE, ct),
                    (
                        CONTENT_DISPOSITION,
                        format!(
                            "attachment; filename=\"{}\"; filename*=UTF-8''{encoded}",
                            if safe.is_empty() { "evidence".into() } else { safe }
                        ),
                    ),
                    (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    pub criterion: String,
    #[serde(default)]
    pub item_id: String,
}

/// Uses a library document for a criterion, then back to the criterion's page.
pub async fn link(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<LinkForm>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(item) = f.item_id.trim().parse::<i64>() else {
        return error_page(
            &ctx,
            &AppError::invalid("item_id", "証跡ライブラリから選んでください。", "Choose a document from the evidence library."),
        );
    };
    match s.app.link_library_evidence(&actor, id, &f.criterion, item).await {
        Ok(()) => {
            let c: String = form_urlencoded::byte_serialize(f.criterion.trim().as_bytes()).collect();
            see_other(&format!("/assessments/{id}/criteria/{c}"))
        }
        Err(e) => error_page(&ctx, &e),
    }
}
