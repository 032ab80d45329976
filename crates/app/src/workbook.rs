//! The official self-assessment workbook (issue 14): importing answers from a workbook laid out
//! like IPA's (read by [`hoshi_core::workbook`]), and writing an assessment and its gap report as
//! XLSX ([`assessment_xlsx`], [`gaps_xlsx`], also reachable as `exports::…`).
//!
//! An import is previewed first ([`App::preview_workbook`]: what maps, what does not, what would
//! change) and then applied ([`App::import_workbook`]), which parses the bytes again (never
//! trusting a preview's numbers) and writes every changed answer in one transaction, or nothing
//! when there is any error. Answers that would not change are not rewritten, so their history
//! stays as it was; a blank answer in the workbook never clears a stored one.

use std::collections::HashMap;
use std::sync::Arc;

use hoshi_core::org::{MemberRole, OrgRole};
use hoshi_core::workbook::{self as wb, Answer, RowError, SheetLayout, Stored};
use hoshi_core::{CorporateNumber, Level};
use hoshi_standard::{Edition, Lang};
use hoshi_store::assessments::{self as db, AnswerRow, Assessment};
use hoshi_store::{orgs, users, Conn};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook as XlsxBook, Worksheet, XlsxError};
use serde::Serialize;
use serde_json::{json, Value};

use crate::assessment::{current_edition, AssessmentView, Status, MAX_EVIDENCE_BYTES};
use crate::exports::gap_rows;
use crate::{Actor, App, AppError};

/// The content type Hoshi stores an uploaded XLSX workbook under.
pub const XLSX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An answer as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerSnapshot {
    /// `met`, `not_met` or `not_applicable`.
    pub status: String,
    pub reason: String,
    pub note: String,
}

/// One answer an import would write (or wrote).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkbookChange {
    pub sheet: String,
    pub row: u32,
    pub criterion: String,
    /// `None`: not answered before.
    pub old: Option<AnswerSnapshot>,
    pub new: AnswerSnapshot,
}

/// What a workbook maps to in one assessment.
#[derive(Debug, Clone, Serialize)]
pub struct WorkbookReport {
    /// The assessment compared with (0: none yet; a dry run for a supplier without an open draft).
    pub assessment_id: i64,
    /// Data rows read (see [`hoshi_core::workbook`] for how they are counted).
    pub rows_total: usize,
    /// Rows with a known criterion, a readable answer and no error.
    pub mapped: usize,
    /// Mapped rows whose answer differs from the stored one.
    pub changed: usize,
    /// Every problem, by sheet and row; any error stops the import.
    pub errors: Vec<RowError>,
    /// The answers that change, in workbook order.
    pub changes: Vec<WorkbookChange>,
    pub sheets: Vec<SheetLayout>,
    pub skipped_sheets: Vec<String>,
    /// The answers were written.
    pub imported: bool,
    /// A new draft assessment was started for the import (command line only).
    pub created_draft: bool,
}

impl WorkbookReport {
    /// The command line's report: exactly `{"rows_total", "mapped", "changed", "errors": [{"sheet", "row", "message"}]}`.
    pub fn summary_json(&self, lang: Lang) -> Value {
        json!({
            "rows_total": self.rows_total,
            "mapped": self.mapped,
            "changed": self.changed,
            "errors": self.errors.iter().map(|e| json!({"sheet": e.sheet, "row": e.row, "message": e.message(lang)})).collect::<Vec<_>>(),
        })
    }
}

fn file_error(e: &wb::WorkbookError) -> AppError {
    AppError::invalid("file", e.message_ja(), e.to_string())
}

fn no_file() -> AppError {
    AppError::invalid("file", "ワークブックのファイルを選んでください。", "Choose the workbook file.")
}

fn too_large(bytes: usize) -> AppError {
    AppError::invalid(
        "file",
        format!("ファイルが大きすぎます（{} MB）。ワークブックは20 MBまでです。", bytes / (1024 * 1024)),
        format!("The file is too large ({} MB): workbooks are limited to 20 MB.", bytes / (1024 * 1024)),
    )
}

/// Parses off the async workers, in the bounded analytics pool (`App::analytics`): a large
/// workbook takes a while to inflate and read, and many at once must not take every thread.
async fn parse(app: &App, bytes: Vec<u8>, edition: Arc<Edition>) -> Result<wb::Workbook, AppError> {
    if bytes.is_empty() {
        return Err(no_file());
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(too_large(bytes.len()));
    }
    app.analytics(move || wb::parse(&bytes, &edition)).await?.map_err(|e| file_error(&e))
}

/// Compares a parsed workbook with the stored answers: the report and the rows to write.
fn plan(edition: &Edition, target: Level, parsed: wb::Workbook, current: &HashMap<String, AnswerRow>) -> WorkbookReport {
    let mut errors = parsed.errors;
    let mut changes = Vec::new();
    let mut mapped = 0;
    for row in &parsed.rows {
        let Some(c) = edition.criterion(&row.criterion) else { continue };
        if c.level > target {
            errors.push(RowError {
                sheet: row.sheet.clone(),
                row: row.row,
                message_ja: format!(
                    "評価基準{}は{}の基準で、この自己評価の目標の{}より上です。目標を上げるか、この行を消してください。",
                    c.id, c.level, target
                ),
                message_en: format!(
                    "criterion {} is a {} criterion, above this assessment's target {}: raise the target or remove the row",
                    c.id, c.level, target
                ),
            });
            continue;
        }
        let stored = current.get(&row.criterion);
        let old = stored.and_then(|s| Answer::from_key(&s.status).map(|a| Stored { answer: a, reason: &s.reason, note: &s.note }));
        let Some(new) = row.resolve(old) else { continue };
        mapped += 1;
        let unchanged = stored.is_some_and(|s| s.status == new.answer.key() && s.reason == new.reason && s.note == new.note);
        if !unchanged {
            changes.push(WorkbookChange {
                sheet: row.sheet.clone(),
                row: row.row,
                criterion: row.criterion.clone(),
                old: stored.map(|s| AnswerSnapshot { status: s.status.clone(), reason: s.reason.clone(), note: s.note.clone() }),
                new: AnswerSnapshot { status: new.answer.key().to_owned(), reason: new.reason, note: new.note },
            });
        }
    }
    let order: HashMap<&str, usize> = parsed
        .sheets
        .iter()
        .map(|s| s.sheet.as_str())
        .chain(parsed.skipped_sheets.iter().map(String::as_str))
        .enumerate()
        .map(|(i, s)| (s, i))
        .collect();
    errors.sort_by_key(|e| (order.get(e.sheet.as_str()).copied().unwrap_or(usize::MAX), e.row));
    WorkbookReport {
        assessment_id: 0,
        rows_total: parsed.rows_total,
        mapped,
        changed: changes.len(),
        errors,
        changes,
        sheets: parsed.sheets,
        skipped_sheets: parsed.skipped_sheets,
        imported: false,
        created_draft: false,
    }
}

fn edition_of(a: &Assessment) -> Result<Arc<Edition>, AppError> {
    hoshi_standard::shared_edition(Some(&a.edition))
        .map_err(|e| AppError::not_found(format!("版{}がありません。", a.edition), e.to_string()))
}

fn target_of(a: &Assessment) -> Level {
    Level::new(i64::from(a.target_level)).unwrap_or(Level::THREE)
}

async fn answers_of(conn: &mut Conn, id: i64) -> Result<HashMap<String, AnswerRow>, AppError> {
    Ok(db::answers(conn, id).await?.into_iter().map(|r| (r.criterion.clone(), r)).collect())
}

impl App {
    /// The assessment, if the actor may import a workbook into it now (its owner's people, while
    /// it is a draft or returned): for the upload form.
    pub async fn workbook_importable(&self, actor: &Actor, assessment_id: i64) -> Result<Assessment, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        self.owned_editable(&mut conn, actor, assessment_id).await
    }

    /// What importing the workbook into the assessment would do, writing nothing. The owner's
    /// people only, and only while the assessment is editable (draft or returned).
    pub async fn preview_workbook(&self, actor: &Actor, assessment_id: i64, bytes: &[u8]) -> Result<WorkbookReport, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let a = self.owned_editable(&mut conn, actor, assessment_id).await?;
        drop(conn);
        let edition = edition_of(&a)?;
        let parsed = parse(self, bytes.to_vec(), edition.clone()).await?;
        let mut conn = self.store.pool().acquire().await?;
        let current = answers_of(&mut conn, a.id).await?;
        let mut report = plan(&edition, target_of(&a), parsed, &current);
        report.assessment_id = a.id;
        Ok(report)
    }

    /// Imports the workbook's answers into the assessment: every changed answer in one
    /// transaction (each with its history), or nothing when the workbook has any error (the
    /// report lists them and `imported` is false).
    pub async fn import_workbook(&self, actor: &Actor, assessment_id: i64, bytes: &[u8]) -> Result<WorkbookReport, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let a = self.owned_editable(&mut conn, actor, assessment_id).await?;
        drop(conn);
        let parsed = parse(self, bytes.to_vec(), edition_of(&a)?).await?;
        let mut tx = self.store.begin().await?;
        // Checked again inside the transaction: the assessment may have been sent for review meanwhile.
        let a = self.owned_editable(&mut tx, actor, assessment_id).await?;
        let report = self.apply_workbook(&mut tx, &a, parsed, actor.user_id).await?;
        if report.imported {
            tx.commit().await?;
            tracing::info!(assessment = a.id, changed = report.changed, "imported a self-assessment workbook");
        } else {
            tx.rollback().await?;
        }
        Ok(report)
    }

    /// Stores an uploaded workbook (content-addressed, like evidence) so that the browser's
    /// preview and the confirmation that follows read the very same bytes; returns its SHA-256
    /// and the preview.
    pub async fn stage_workbook(&self, actor: &Actor, assessment_id: i64, bytes: &[u8]) -> Result<(String, WorkbookReport), AppError> {
        let report = self.preview_workbook(actor, assessment_id, bytes).await?;
        let sha = crate::secrets::sha256_hex(bytes);
        let content_type = if bytes.starts_with(b"PK\x03\x04") { XLSX_CONTENT_TYPE } else { "text/csv" };
        let mut tx = self.store.begin().await?;
        db::put_file(&mut tx, &sha, content_type, bytes, self.now()).await?;
        tx.commit().await?;
        Ok((sha, report))
    }

    /// Imports a workbook staged by [`App::stage_workbook`], read again by its SHA-256.
    pub async fn import_staged_workbook(&self, actor: &Actor, assessment_id: i64, sha256: &str) -> Result<WorkbookReport, AppError> {
        // A form problem, not a missing resource: the person uploads the file again.
        let gone = || {
            AppError::invalid(
                "sha256",
                "取り込むワークブックが見つかりません。もう一度アップロードしてください。",
                "The workbook to import was not found: upload it again.",
            )
        };
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(gone());
        }
        let mut conn = self.store.pool().acquire().await?;
        // Permission before reading anything.
        self.owned_editable(&mut conn, actor, assessment_id).await?;
        let (_, bytes) = db::file(&mut conn, sha256).await.map_err(|_| gone())?;
        drop(conn);
        self.import_workbook(actor, assessment_id, &bytes).await
    }

    /// Writes the planned changes inside `tx` when there is no error.
    async fn apply_workbook(&self, tx: &mut Conn, a: &Assessment, parsed: wb::Workbook, by: i64) -> Result<WorkbookReport, AppError> {
        let edition = edition_of(a)?;
        let current = answers_of(tx, a.id).await?;
        let mut report = plan(&edition, target_of(a), parsed, &current);
        report.assessment_id = a.id;
        if !report.errors.is_empty() {
            return Ok(report);
        }
        let now = self.now();
        for c in &report.changes {
            db::put_answer(
                tx,
                a.id,
                &AnswerRow {
                    criterion: c.criterion.clone(),
                    status: c.new.status.clone(),
                    reason: c.new.reason.clone(),
                    note: c.new.note.clone(),
                    by,
                    at: now,
                    carried_over: false,
                },
            )
            .await?;
        }
        if !report.changes.is_empty() {
            let mut a = a.clone();
            a.updated_at = now;
            db::update(tx, &a).await?;
        }
        report.imported = true;
        Ok(report)
    }

    /// The supplier's open assessment for the command line (no actor: the machine's
    /// administrator): its newest draft or returned one, or else a new draft at target ★3 against
    /// the newest edition, started in the name of the organisation's first administrator.
    /// Returns the assessment and whether it was created.
    pub async fn admin_open_draft(&self, supplier: &CorporateNumber) -> Result<(Assessment, bool), AppError> {
        let mut tx = self.store.begin().await?;
        let (a, created) = self.open_draft_in(&mut tx, supplier, true).await?;
        tx.commit().await?;
        a.map(|a| (a, created)).ok_or_else(|| AppError::not_found("自己評価がありません。", "No assessment."))
    }

    /// `create`: start a draft when none is open (otherwise `None`).
    async fn open_draft_in(
        &self,
        conn: &mut Conn,
        supplier: &CorporateNumber,
        create: bool,
    ) -> Result<(Option<Assessment>, bool), AppError> {
        let org = orgs::by_corporate_number(conn, supplier).await?.ok_or_else(|| {
            AppError::not_found(
                format!("法人番号{supplier}の組織はHoshiにありません。先に登録してください。"),
                format!("There is no organisation with corporate number {supplier} in Hoshi: register it first."),
            )
        })?;
        if !org.roles.contains(&OrgRole::Supplier) {
            return Err(AppError::forbidden(
                format!("法人番号{supplier}の組織はサプライヤーの役割を持たないため、自己評価を行えません。"),
                format!("The organisation {supplier} does not have the supplier role, so it has no self-assessment."),
            ));
        }
        let list = db::list_for_org(conn, org.id).await?;
        if let Some(a) = list.into_iter().find(|a| Status::parse(&a.status).editable() && a.locked_at.is_none()) {
            return Ok((Some(a), false));
        }
        if !create {
            return Ok((None, false));
        }
        let admin = first_admin(conn, org.id, supplier).await?;
        let ed = current_edition()?;
        let now = self.now();
        let version = db::max_version(conn, org.id).await? + 1;
        let a = db::insert(conn, &crate::assessment::new_draft(&org, &ed.id, Level::THREE, version, "company", "", admin, now)).await?;
        Ok((Some(a), true))
    }

    /// `hoshi assess import-workbook`: previews (`dry_run`) or imports a workbook into the
    /// supplier's open assessment, started as a ★3 draft when none is open (a dry run starts
    /// nothing, and compares with no answers at target ★3). The answers are recorded in the name
    /// of the organisation's first administrator.
    pub async fn admin_import_workbook(&self, supplier: &CorporateNumber, bytes: &[u8], dry_run: bool) -> Result<WorkbookReport, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let (open, _) = self.open_draft_in(&mut conn, supplier, false).await?;
        drop(conn);
        let edition = match &open {
            Some(a) => edition_of(a)?,
            None => current_edition()?,
        };
        let parsed = parse(self, bytes.to_vec(), edition.clone()).await?;
        let mut tx = self.store.begin().await?;
        if dry_run {
            let report = match open {
                Some(a) => {
                    let current = answers_of(&mut tx, a.id).await?;
                    let mut r = plan(&edition, target_of(&a), parsed, &current);
                    r.assessment_id = a.id;
                    r
                }
                None => plan(&edition, Level::THREE, parsed, &HashMap::new()),
            };
            tx.rollback().await?;
            return Ok(report);
        }
        let (a, created) = self.open_draft_in(&mut tx, supplier, true).await?;
        let a = a.ok_or_else(|| AppError::not_found("自己評価がありません。", "No assessment."))?;
        let admin = first_admin(&mut tx, a.org_id, supplier).await?;
        let mut report = self.apply_workbook(&mut tx, &a, parsed, admin).await?;
        if report.imported {
            report.created_draft = created;
            tx.commit().await?;
        } else {
            // Nothing is kept, not even a draft started for the import.
            tx.rollback().await?;
        }
        Ok(report)
    }
}

/// The organisation's administrator with the lowest user id (its first).
async fn first_admin(conn: &mut Conn, org_id: i64, supplier: &CorporateNumber) -> Result<i64, AppError> {
    users::members_of(conn, org_id).await?.into_iter().filter(|(_, role)| *role == MemberRole::Admin).map(|(u, _)| u.id).min().ok_or_else(
        || {
            AppError::invalid(
                "supplier",
                format!("法人番号{supplier}の組織に管理者がいないため、自己評価を始められません。"),
                format!("The organisation {supplier} has no administrator to start the assessment in the name of."),
            )
        },
    )
}

// ---------------------------------------------------------------- writing XLSX

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Store(hoshi_store::StoreError::Corrupt(format!("writing the workbook: {e}")))
}

/// The cell formats of one workbook.
struct Formats {
    header: Format,
    text: Format,
    wrap: Format,
    /// The same with Excel's quote prefix, for text a spreadsheet would read as a formula if typed
    /// (`=`, `+`, `-`, `@`): the cell is a string cell in any case; the prefix keeps it text when
    /// someone edits it in Excel.
    text_quoted: Format,
    wrap_quoted: Format,
    yen: Format,
    number: Format,
}

impl Formats {
    fn new() -> Formats {
        let top = Format::new().set_align(FormatAlign::Top);
        Formats {
            header: Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Top),
            text: top.clone(),
            wrap: top.clone().set_text_wrap(),
            text_quoted: top.clone().set_quote_prefix(),
            wrap_quoted: top.clone().set_text_wrap().set_quote_prefix(),
            yen: top.clone().set_num_format("#,##0"),
            number: top.set_num_format("0"),
        }
    }
}

/// Writes a text cell, always as a string (never a formula); empty text writes nothing.
fn text(ws: &mut Worksheet, f: &Formats, row: u32, col: u16, value: &str, wrap: bool) -> Result<(), AppError> {
    if value.is_empty() {
        return Ok(());
    }
    let risky = matches!(value.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'));
    let format = match (risky, wrap) {
        (false, false) => &f.text,
        (false, true) => &f.wrap,
        (true, false) => &f.text_quoted,
        (true, true) => &f.wrap_quoted,
    };
    ws.write_string_with_format(row, col, value, format).map_err(xlsx_error)?;
    Ok(())
}

fn number(ws: &mut Worksheet, format: &Format, row: u32, col: u16, value: u64) -> Result<(), AppError> {
    // Whole yen and hours: exact as f64 far beyond any estimate (2^53).
    ws.write_number_with_format(row, col, value as f64, format).map_err(xlsx_error)?;
    Ok(())
}

fn header_row(ws: &mut Worksheet, f: &Formats, headers: &[(&str, f64)]) -> Result<(), AppError> {
    for (i, (h, width)) in headers.iter().enumerate() {
        let col = i as u16;
        ws.write_string_with_format(0, col, *h, &f.header).map_err(xlsx_error)?;
        ws.set_column_width(col, *width).map_err(xlsx_error)?;
    }
    ws.set_freeze_panes(1, 1).map_err(xlsx_error)?;
    Ok(())
}

/// A new workbook whose properties come from the assessment, not the clock (the writer would
/// stamp the time of writing), so the same assessment always downloads as the same bytes.
fn new_book(v: &AssessmentView, title: &str) -> Result<XlsxBook, AppError> {
    let mut book = XlsxBook::new();
    let at = ExcelDateTime::from_timestamp(v.assessment.updated_at).map_err(xlsx_error)?;
    let company = if v.org.name_ja.is_empty() { &v.org.name_en } else { &v.org.name_ja };
    book.set_properties(&DocProperties::new().set_title(title).set_company(company).set_author("Hoshi").set_creation_datetime(&at));
    Ok(book)
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[ ] : * ? / \`, not starting
/// or ending with `'`.
fn sheet_name(name: &str) -> String {
    let clean: String = name.chars().map(|c| if "[]:*?/\\".contains(c) { '・' } else { c }).collect();
    let clean = clean.trim_matches('\'').trim();
    clean.chars().take(31).collect()
}

/// The assessment as a workbook laid out like the official one: one sheet per category in
/// catalog order, one row per criterion up to the target, with the criterion number, level,
/// requirement, the catalog's text, the answer (○ / ✖ / 該当なし in either language, blank when
/// unanswered), the reason, the note and the evidence files' names. Headers are in `lang`.
/// Importing it ([`App::import_workbook`]) gives the same answers back.
pub fn assessment_xlsx(v: &AssessmentView, lang: Lang) -> Result<Vec<u8>, AppError> {
    let ja = lang == Lang::Ja;
    let f = Formats::new();
    let mut book = new_book(v, if ja { "自己評価" } else { "Self-assessment" })?;
    let headers: [(&str, f64); 8] = if ja {
        [
            ("評価基準番号", 14.0),
            ("レベル", 8.0),
            ("要求事項", 30.0),
            ("評価基準", 60.0),
            ("回答", 10.0),
            ("理由（該当なしの場合）", 30.0),
            ("メモ", 40.0),
            ("証跡ファイル", 30.0),
        ]
    } else {
        [
            ("Criterion number", 14.0),
            ("Level", 8.0),
            ("Requirement", 30.0),
            ("Criterion text", 60.0),
            ("Answer", 10.0),
            ("Reason (if not applicable)", 30.0),
            ("Note", 40.0),
            ("Evidence files", 30.0),
        ]
    };
    let target = v.target();
    for category in &v.edition.categories {
        let criteria: Vec<_> = v.edition.criteria_up_to(target).filter(|c| c.category == category.key).collect();
        if criteria.is_empty() {
            continue;
        }
        let ws = book.add_worksheet();
        ws.set_name(sheet_name(&format!("{} {}", category.number, category.name.get(lang)))).map_err(xlsx_error)?;
        header_row(ws, &f, &headers)?;
        for (i, c) in criteria.iter().enumerate() {
            let row = i as u32 + 1;
            let answer = v.answers.get(&c.id);
            text(ws, &f, row, 0, &c.id, false)?;
            text(ws, &f, row, 1, &c.level.to_string(), false)?;
            let requirement = v.edition.requirement(&c.requirement).map(|r| format!("{} {}", r.id, r.title.get(lang))).unwrap_or_default();
            text(ws, &f, row, 2, &requirement, true)?;
            text(ws, &f, row, 3, c.text.get(lang), true)?;
            if let Some(a) = answer {
                if let Some(status) = Answer::from_key(&a.status) {
                    text(ws, &f, row, 4, status.symbol(), false)?;
                }
                if a.status == Answer::NotApplicable.key() {
                    text(ws, &f, row, 5, &a.reason, true)?;
                }
                text(ws, &f, row, 6, &a.note, true)?;
            }
            let files: Vec<&str> = v.evidence.iter().filter(|e| e.criterion == c.id).map(|e| e.filename.as_str()).collect();
            text(ws, &f, row, 7, &files.join("\n"), true)?;
        }
    }
    if book.worksheets().is_empty() {
        // A workbook needs a sheet; an edition always has criteria, so this is only a guard.
        book.add_worksheet();
    }
    book.save_to_buffer().map_err(xlsx_error)
}

/// The gap report as a workbook: one row per gap (as the CSV), then the overhead and total rows of
/// each increment up to the target, amounts as numbers in whole yen that add up to the totals.
pub fn gaps_xlsx(v: &AssessmentView, lang: Lang) -> Result<Vec<u8>, AppError> {
    let ja = lang == Lang::Ja;
    let f = Formats::new();
    let mut book = new_book(v, if ja { "ギャップ報告書" } else { "Gap report" })?;
    let ws = book.add_worksheet();
    ws.set_name(if ja { "ギャップ" } else { "Gaps" }).map_err(xlsx_error)?;
    let headers: [(&str, f64); 11] = if ja {
        [
            ("評価基準番号", 14.0),
            ("レベル", 8.0),
            ("分類", 16.0),
            ("要求事項", 30.0),
            ("評価基準", 60.0),
            ("回答", 14.0),
            ("ガイダンス", 50.0),
            ("初期費用（円）", 14.0),
            ("年間費用（円）", 14.0),
            ("工数（時間）", 10.0),
            ("見積書", 8.0),
        ]
    } else {
        [
            ("Criterion number", 14.0),
            ("Level", 8.0),
            ("Category", 16.0),
            ("Requirement", 30.0),
            ("Criterion text", 60.0),
            ("Answer", 14.0),
            ("Guidance", 50.0),
            ("One-off (yen)", 14.0),
            ("Annual (yen)", 14.0),
            ("Staff hours", 10.0),
            ("Quoted", 8.0),
        ]
    };
    header_row(ws, &f, &headers)?;
    let mut row = 1u32;
    for r in gap_rows(v, lang) {
        for (col, value, wrap) in [
            (0, &r.criterion, false),
            (1, &r.level, false),
            (2, &r.category, false),
            (3, &r.requirement, true),
            (4, &r.text, true),
            (5, &r.answer, false),
            (6, &r.guidance, true),
        ] {
            text(ws, &f, row, col, value, wrap)?;
        }
        number(ws, &f.yen, row, 7, r.one_off)?;
        number(ws, &f.yen, row, 8, r.annual)?;
        number(ws, &f.number, row, 9, r.hours)?;
        if r.quoted {
            text(ws, &f, row, 10, if ja { "あり" } else { "yes" }, false)?;
        }
        row += 1;
    }
    for inc in v.estimate.increments.iter().filter(|i| i.to <= v.target()) {
        let label = match (inc.from, ja) {
            (None, true) => "★3の取得まで".to_owned(),
            (None, false) => "Reaching ★3".to_owned(),
            (Some(from), _) => format!("{from} → {}", inc.to),
        };
        let (overhead, total) = if ja { ("管理費", "合計") } else { ("overhead", "total") };
        text(ws, &f, row, 0, &format!("{label} {overhead}"), false)?;
        text(ws, &f, row, 4, &format!("{}%", v.estimate.settings.overhead_percent), false)?;
        number(ws, &f.yen, row, 7, inc.overhead_one_off.get())?;
        number(ws, &f.yen, row, 8, inc.overhead_annual.get())?;
        row += 1;
        text(ws, &f, row, 0, &format!("{label} {total}"), false)?;
        number(ws, &f.yen, row, 7, inc.one_off.get())?;
        number(ws, &f.yen, row, 8, inc.annual.get())?;
        row += 1;
    }
    book.save_to_buffer().map_err(xlsx_error)
}

/// The remediation plan as a workbook: one row per task ([`crate::exports::plan_rows`]), the
/// amounts and hours as numbers, every other cell a string.
pub fn plan_xlsx(v: &AssessmentView, p: &crate::plan::PlanView, lang: Lang) -> Result<Vec<u8>, AppError> {
    let ja = lang == Lang::Ja;
    let f = Formats::new();
    let mut book = new_book(v, if ja { "改善計画" } else { "Remediation plan" })?;
    let ws = book.add_worksheet();
    ws.set_name(if ja { "改善計画" } else { "Plan" }).map_err(xlsx_error)?;
    let (header, rows) = crate::exports::plan_rows(v, p, lang);
    let widths = [6.0, 16.0, 50.0, 20.0, 8.0, 16.0, 12.0, 12.0, 30.0, 14.0, 14.0, 10.0, 24.0, 10.0];
    let headers: Vec<(&str, f64)> = header.iter().zip(widths).map(|(h, w)| (*h, w)).collect();
    header_row(ws, &f, &headers)?;
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (col, cell) in r.iter().enumerate() {
            match col {
                9..=11 => number(ws, if col == 11 { &f.number } else { &f.yen }, row, col as u16, cell.parse().unwrap_or(0))?,
                _ => text(ws, &f, row, col as u16, cell, col == 2 || col == 8)?,
            }
        }
    }
    book.save_to_buffer().map_err(xlsx_error)
}
