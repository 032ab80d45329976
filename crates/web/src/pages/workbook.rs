//! The official self-assessment workbook in the browser: the upload form, the preview (what maps,
//! what does not, what would change, every problem with its sheet and row) and the import the
//! preview's button confirms, plus the assessment and the gap report as XLSX downloads.
//!
//! The uploaded file is kept content-addressed (as evidence is) and the preview's form carries only
//! its SHA-256; the import reads those bytes again and parses them afresh, so nothing the browser
//! sends back is trusted but the hash.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use hoshi_app::assessment::{AssessmentView, MAX_EVIDENCE_BYTES};
use hoshi_app::workbook::{AnswerSnapshot, WorkbookReport, XLSX_CONTENT_TYPE};
use hoshi_app::AppError;
use hoshi_standard::Lang;
use serde::Deserialize;

use super::assessment::{answer_label, LangQuery};
use super::{error_page, render, Layout};
use crate::ctx::Ctx;
use crate::i18n::T;
use crate::AppState;

pub struct ErrorRow {
    pub sheet: String,
    pub row: u32,
    pub message: String,
}

pub struct ChangeRow {
    pub criterion: String,
    pub sheet: String,
    pub row: u32,
    pub old: String,
    pub new: String,
    /// The reason and note recorded, as one line.
    pub detail: String,
}

/// A preview (or the outcome of an import) as the page shows it.
pub struct ReportView {
    pub rows_total: usize,
    pub mapped: usize,
    pub changed: usize,
    pub errors: Vec<ErrorRow>,
    pub changes: Vec<ChangeRow>,
    /// "sheet: criterion column B, answer column D, …", one per sheet read.
    pub sheets: Vec<String>,
    pub skipped: String,
    /// The staged file's hash, for the confirmation form.
    pub sha256: String,
    /// No problem and something to change: the confirmation button is shown.
    pub can_import: bool,
}

#[derive(Template)]
#[template(path = "workbook.html")]
pub struct WorkbookPage {
    pub l: Layout,
    pub id: i64,
    pub max_mb: usize,
    pub report: Option<ReportView>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

fn answer(s: Option<&AnswerSnapshot>, t: T) -> String {
    answer_label(s.map(|a| a.status.as_str()), t).to_owned()
}

fn view(r: &WorkbookReport, sha256: &str, t: T) -> ReportView {
    let lang = t.lang;
    let changes = r
        .changes
        .iter()
        .map(|c| {
            let mut detail = Vec::new();
            if !c.new.reason.is_empty() {
                detail.push(format!("{}: {}", t.pick("理由", "Reason"), c.new.reason));
            }
            if !c.new.note.is_empty() {
                detail.push(format!("{}: {}", t.pick("メモ", "Note"), c.new.note));
            }
            ChangeRow {
                criterion: c.criterion.clone(),
                sheet: c.sheet.clone(),
                row: c.row,
                old: answer(c.old.as_ref(), t),
                new: answer(Some(&c.new), t),
                detail: detail.join(" / "),
            }
        })
        .collect();
    let sheets = r
        .sheets
        .iter()
        .map(|s| {
            let mut parts = vec![
                format!("{} {}", t.pick("評価基準番号", "criterion number"), s.criterion_column),
                format!("{} {}", t.pick("回答", "answer"), s.answer_column),
            ];
            if let Some(c) = &s.reason_column {
                parts.push(format!("{} {c}", t.pick("理由", "reason")));
            }
            if !s.note_columns.is_empty() {
                parts.push(format!("{} {}", t.pick("メモ", "notes"), s.note_columns.join("・")));
            }
            let header = match s.header_row {
                Some(h) => format!("{} {h}", t.pick("見出し行", "header row")),
                None => t.pick("見出しなし（内容から判定）", "no header (found by content)").to_owned(),
            };
            format!("「{}」: {} ({header})", s.sheet, parts.join(", "))
        })
        .collect();
    ReportView {
        rows_total: r.rows_total,
        mapped: r.mapped,
        changed: r.changed,
        errors: r.errors.iter().map(|e| ErrorRow { sheet: e.sheet.clone(), row: e.row, message: e.message(lang).to_owned() }).collect(),
        changes,
        sheets,
        skipped: r.skipped_sheets.iter().map(|s| format!("「{s}」")).collect::<Vec<_>>().join(" "),
        sha256: sha256.to_owned(),
        can_import: r.errors.is_empty() && r.changed > 0 && !r.imported,
    }
}

fn page(ctx: &Ctx, id: i64, status: StatusCode, report: Option<ReportView>, notice: Option<String>, error: Option<String>) -> Response {
    let l = Layout::new(ctx, ctx.t().pick("ワークブックから取り込む", "Import from workbook"));
    render(status, &WorkbookPage { l, id, max_mb: MAX_EVIDENCE_BYTES / (1024 * 1024), report, notice, error })
}

/// A use case's refusal: a problem with the file is shown on the form; anything else (not found,
/// locked, signed out) is the error page.
fn refusal(ctx: &Ctx, id: i64, e: &AppError) -> Response {
    match e {
        AppError::Invalid { .. } => page(ctx, id, crate::problem::status_of(e), None, None, Some(e.message(ctx.ja()))),
        _ => error_page(ctx, e),
    }
}

/// `GET /assessments/{assessment_id}/workbook`: the upload form.
pub async fn form(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.workbook_importable(&actor, id).await {
        Ok(_) => page(&ctx, id, StatusCode::OK, None, None, None),
        Err(e) => error_page(&ctx, &e),
    }
}

/// `POST /assessments/{assessment_id}/workbook/preview`: a multipart upload (`_csrf`, `file`).
pub async fn preview(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mut mp: Multipart) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    let t = ctx.t();
    let unreadable = || {
        page(
            &ctx,
            id,
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            None,
            Some(
                t.pick(
                    "送信内容を読み取れませんでした。ワークブックは20 MBまでです。",
                    "The upload could not be read: workbooks are limited to 20 MB.",
                )
                .to_owned(),
            ),
        )
    };
    let mut file = None;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                match field.bytes().await {
                    Ok(b) if name == "file" => file = Some(b),
                    Ok(_) => {}
                    Err(_) => return unreadable(),
                }
            }
            Ok(None) => break,
            Err(_) => return unreadable(),
        }
    }
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return page(
            &ctx,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            None,
            Some(t.pick("ファイルを選んでください。", "Choose a file.").to_owned()),
        );
    };
    match s.app.stage_workbook(&actor, id, &bytes).await {
        Ok((sha, report)) => {
            let status = if report.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            page(&ctx, id, status, Some(view(&report, &sha, t)), None, None)
        }
        Err(e) => refusal(&ctx, id, &e),
    }
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    pub sha256: String,
}

/// `POST /assessments/{assessment_id}/workbook/import`: applies the staged workbook, parsed again.
pub async fn import(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<ImportForm>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    let t = ctx.t();
    match s.app.import_staged_workbook(&actor, id, f.sha256.trim()).await {
        Ok(report) if report.imported => {
            let notice = if t.ja() {
                format!("{}件の回答を取り込みました。", report.changed)
            } else {
                format!("Imported {} answers.", report.changed)
            };
            page(&ctx, id, StatusCode::OK, Some(view(&report, "", t)), Some(notice), None)
        }
        // The assessment changed since the preview: show what stops the import now.
        Ok(report) => page(&ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(view(&report, f.sha256.trim(), t)), None, None),
        Err(e) => refusal(&ctx, id, &e),
    }
}

fn xlsx(name: String, bytes: Vec<u8>) -> Response {
    ([(CONTENT_TYPE, XLSX_CONTENT_TYPE.to_owned()), (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], bytes)
        .into_response()
}

async fn download(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    q: &LangQuery,
    write: fn(&AssessmentView, Lang) -> Result<Vec<u8>, AppError>,
    name: &str,
) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(ctx, &e),
    };
    let lang = q.lang.as_deref().and_then(Lang::parse).unwrap_or(ctx.lang);
    match s.app.assessment(&actor, id).await {
        Ok(v) => match write(&v, lang) {
            Ok(bytes) => xlsx(format!("hoshi-{name}-{id}-{}.xlsx", lang.code()), bytes),
            Err(e) => error_page(ctx, &e),
        },
        Err(e) => error_page(ctx, &e),
    }
}

/// `GET /assessments/{assessment_id}/workbook.xlsx`: the assessment as the workbook.
pub async fn workbook_xlsx(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<LangQuery>) -> Response {
    download(&s, &ctx, id, &q, hoshi_app::exports::assessment_xlsx, "assessment").await
}

/// `GET /assessments/{assessment_id}/gaps.xlsx`: the gap report as a workbook.
pub async fn gaps_xlsx(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<LangQuery>) -> Response {
    download(&s, &ctx, id, &q, hoshi_app::exports::gaps_xlsx, "gaps").await
}
