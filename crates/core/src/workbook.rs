//! Reading a self-assessment workbook laid out like IPA's official one (issue 14): the XLSX of
//! 27 March 2026 with one row per criterion number such as `1-2-1-1`, the answer as ○ / △ / ✖ in
//! an answer column and free-text columns beside it. Hoshi's own export
//! (`hoshi_app::exports::assessment_xlsx`) has the same shape, so export → import gives the same
//! answers. CSV (UTF-8 with or without BOM, or Excel's Shift_JIS) is read the same way, as one
//! sheet named `CSV`.
//!
//! This is a pure function from the file's bytes and the catalog edition to a [`Workbook`]:
//! comparing with the stored answers, the preview and saving belong to the callers.
//!
//! ## How a sheet is read
//!
//! Every sheet is scanned. Columns are found by their headers, not by fixed letters:
//!
//! - **Criterion number**: a header such as 評価基準番号, 要求事項番号, 番号, No., criterion or id
//!   (normalised: full-width, case, spaces and notes in brackets do not matter) in one of the first
//!   50 rows; among several, the one with the most cells that look like a criterion number
//!   (`1-2-1-1`, or the project's own `L1-3-1-1`). Failing a header, the column where most cells
//!   look like one. A sheet with no such cell at all is not an assessment sheet and is skipped
//!   (an explanation or cover sheet); a file where no sheet has one is refused.
//! - **Answer**: a header such as 回答, 実施状況, 評価, 自己評価, answer or status, the one with
//!   the most readable answers among several; failing a header, the column where most cells are
//!   answers. A sheet with criterion numbers but no answer column is an error on its header row.
//! - **Reason**: a header containing 理由, or reason / justification.
//! - **Notes**: headers such as 備考, メモ, コメント, 説明, note, comment, remarks, and any other
//!   column with a header to the right of the answer column (the official workbook's free-text
//!   columns) that is not one of the catalog's (レベル, 分類, 要求事項, 評価基準, ガイダンス,
//!   証跡ファイル …). The non-empty note cells of a row are joined with line breaks, each after its
//!   header when there are several.
//!
//! Row numbers are the ones the spreadsheet shows (the first row is 1). A row whose number cell
//! is empty is ignored, and so is a row whose number cell holds something other than a criterion
//! number with no answer beside it (a heading, a requirement's own row such as `1-2-1`).
//!
//! ## Answers
//!
//! [`parse_answer`]: ○ 〇 ◯ ◎ / 実施 / yes / met are met; ✖ × ✕ ✗ x / 未実施 / no / not met are
//! not met; △ ▲ / 一部実施 / partly are **not met** (a level needs every criterion met) and keep
//! their meaning in the note, which starts with [`PARTIAL_PREFIX`]; 該当なし / 対象外 / N/A /
//! not applicable are not applicable. Full-width and half-width forms, case and surrounding
//! spaces do not matter (NFKC), and `△（一部実施）` or `○ 実施` read like the symbol alone.
//!
//! ## Counting
//!
//! `rows_total` counts every data row: each row with a criterion number (known or not), and
//! each row with an answer beside something that is not a criterion number. A row whose answer
//! cell is **blank** is "no answer given": it is counted in `rows_total`, is not an error, is not
//! mapped, and leaves the stored answer as it is (importing never clears an answer). A row is
//! **mapped** when it has a known criterion and a readable answer, and no error.
//!
//! ## Errors
//!
//! Each names the sheet and the row, in Japanese and English: a criterion number the edition does
//! not have; a number repeated (on the later row, naming the first); an answer that cannot be
//! read; something in the number column that is not a criterion number but has an answer; a
//! reason over 2,000 or a note over 4,000 characters; a sheet with criterion numbers but no answer
//! column. The callers refuse to import a workbook with any error.
//!
//! ## Not applicable needs a reason
//!
//! The reason is the reason column's text; failing that, the note columns' text (which then is
//! the reason, not also the note); failing that, the reason already stored if the criterion was
//! already not applicable; failing that, the fixed [`NA_REASON`] ("ワークブックで該当なし / Not
//! applicable in the workbook"), which the expert or assessment body sees and can query. So a
//! workbook is never refused only for a missing reason, and the preview shows the reason it will
//! record.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Reader, Xlsx, XlsxError};
use hoshi_standard::{Edition, Lang};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::supplier_file::{self, FileError};

/// The longest reason an answer keeps (as the questionnaire).
pub const MAX_REASON_CHARS: usize = 2000;
/// The longest note an answer keeps (as the questionnaire).
pub const MAX_NOTE_CHARS: usize = 4000;
/// The start of the note of an answer given as △ (partly implemented): recorded as not met.
pub const PARTIAL_PREFIX: &str = "△ 一部実施 / partly";
/// The reason recorded for 該当なし when the workbook gives none (and none was stored).
pub const NA_REASON: &str = "ワークブックで該当なし / Not applicable in the workbook";
/// The name given to a CSV file's one sheet.
pub const CSV_SHEET: &str = "CSV";

/// How far down a header row is looked for.
const HEADER_SEARCH_ROWS: usize = 50;

/// An answer as Hoshi records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Met,
    NotMet,
    NotApplicable,
}

impl Answer {
    /// The stored status: `met`, `not_met`, `not_applicable`.
    pub fn key(self) -> &'static str {
        match self {
            Answer::Met => "met",
            Answer::NotMet => "not_met",
            Answer::NotApplicable => "not_applicable",
        }
    }

    pub fn from_key(key: &str) -> Option<Answer> {
        match key {
            "met" => Some(Answer::Met),
            "not_met" => Some(Answer::NotMet),
            "not_applicable" => Some(Answer::NotApplicable),
            _ => None,
        }
    }

    /// What an exported workbook writes in the answer column, in either language (the official
    /// workbook's symbols, which [`parse_answer`] reads back).
    pub fn symbol(self) -> &'static str {
        match self {
            Answer::Met => "○",
            Answer::NotMet => "✖",
            Answer::NotApplicable => "該当なし",
        }
    }
}

/// A readable answer cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadAnswer {
    pub answer: Answer,
    /// Given as △ / 一部実施 / partly: recorded as not met, with [`PARTIAL_PREFIX`] in the note.
    pub partial: bool,
}

/// An answer cell that is not one of the accepted spellings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnAnswer;

const MET: ReadAnswer = ReadAnswer { answer: Answer::Met, partial: false };
const NOT_MET: ReadAnswer = ReadAnswer { answer: Answer::NotMet, partial: false };
const PARTLY: ReadAnswer = ReadAnswer { answer: Answer::NotMet, partial: true };
const NA: ReadAnswer = ReadAnswer { answer: Answer::NotApplicable, partial: false };

/// One spelling, already normalised by [`answer_key`].
fn answer_word(key: &str) -> Option<ReadAnswer> {
    Some(match key {
        // ○ (U+25CB), 〇 (U+3007, the kanji zero) and ◯ (U+25EF) are typed for one another.
        "○" | "〇" | "◯" | "◎" | "実施" | "実施済" | "実施済み" | "実施している" | "済" | "済み" | "対応済" | "対応済み" | "はい"
        | "適合" | "満たしている" | "yes" | "y" | "met" | "done" | "implemented" => MET,
        "✖"
        | "×"
        | "✕"
        | "✗"
        | "✘"
        | "☓"
        | "x"
        | "未実施"
        | "実施していない"
        | "未対応"
        | "いいえ"
        | "不適合"
        | "満たしていない"
        | "no"
        | "n"
        | "notmet"
        | "notimplemented" => NOT_MET,
        "△"
        | "▲"
        | "一部実施"
        | "一部"
        | "一部実施済"
        | "一部実施済み"
        | "一部対応"
        | "一部満たしている"
        | "partly"
        | "partial"
        | "partially"
        | "partlymet"
        | "partiallymet"
        | "partlyimplemented"
        | "partiallyimplemented" => PARTLY,
        "該当なし" | "該当しない" | "非該当" | "対象外" | "適用外" | "適用除外" | "n/a" | "na" | "n.a." | "n.a" | "notapplicable" => {
            NA
        }
        _ => return None,
    })
}

/// NFKC (full-width letters and digits become half-width, half-width katakana full-width), lower
/// case, without spaces, `_` and `-`.
fn answer_key(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-')).collect()
}

/// Reads an answer cell. `Ok(None)`: blank (no answer given).
pub fn parse_answer(text: &str) -> Result<Option<ReadAnswer>, NotAnAnswer> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    if let Some(a) = answer_word(&answer_key(text)) {
        return Ok(Some(a));
    }
    // "△（一部実施）", "○ 実施", "✖: 未実施": every part must read, and the same.
    let normal: String = text.nfkc().collect();
    let mut found: Option<ReadAnswer> = None;
    for part in normal.split(|c: char| c.is_whitespace() || "()[]【】「」:・,、/".contains(c)) {
        let key = answer_key(part);
        if key.is_empty() {
            continue;
        }
        let a = answer_word(&key).ok_or(NotAnAnswer)?;
        if found.is_some_and(|f| f != a) {
            return Err(NotAnAnswer);
        }
        found = Some(a);
    }
    found.map(Some).ok_or(NotAnAnswer)
}

/// A criterion number as compared: NFKC, upper case, any dash as `-`, no spaces, no final `.`.
fn id_key(text: &str) -> String {
    let s: String = text
        .nfkc()
        .map(|c| if matches!(c, '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | 'ー' | '_') { '-' } else { c })
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    s.trim_end_matches('.').to_owned()
}

/// Whether a normalised cell looks like a criterion number: four numbers joined by `-`, the first
/// possibly after `L` (the project's own ★1/★2 and ★5 numbers).
fn looks_like_number(key: &str) -> bool {
    let parts: Vec<&str> = key.split('-').collect();
    let digits = |p: &str| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit());
    parts.len() == 4 && digits(parts[0].strip_prefix('L').unwrap_or(parts[0])) && parts[1..].iter().all(|p| digits(p))
}

/// Which kind of cell a worksheet cell is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Header {
    Number,
    Answer,
    Reason,
    Note,
    /// A catalog column (level, category, requirement, criterion text, guidance) or Hoshi's list
    /// of evidence files: read by nobody.
    Catalog,
    Unknown,
}

/// A header reduced to what identifies it: NFKC, lower case, without spaces, `_ - . * ※ :` and
/// without notes in brackets (`回答（○△✖）`, `Reason (if not applicable)`).
fn header_key(header: &str) -> String {
    let plain: String = header
        .nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.' | '*' | '※' | ':' | '\u{FEFF}'))
        .collect();
    crate::supplier_file::without_brackets(plain)
}

fn classify(header: &str) -> Header {
    let key = header_key(header);
    if key.is_empty() {
        return Header::Unknown;
    }
    const NUMBER: &[&str] = &[
        "評価基準番号",
        "評価基準no",
        "評価基準id",
        "基準番号",
        "要求事項番号",
        "番号",
        "no",
        "項番",
        "項目番号",
        "管理番号",
        "id",
        "criterion",
        "criterionno",
        "criterionnumber",
        "criterionid",
        "number",
    ];
    const ANSWER: &[&str] = &[
        "回答",
        "回答欄",
        "実施状況",
        "評価",
        "自己評価",
        "評価結果",
        "自己評価結果",
        "対応状況",
        "実施有無",
        "判定",
        "結果",
        "状況",
        "answer",
        "status",
        "result",
        "selfassessment",
        "assessment",
        "response",
    ];
    const REASON: &[&str] = &["reason", "reasons", "justification", "rationale", "exclusionreason", "reasonfornotapplicable"];
    const NOTE: &[&str] = &[
        "備考",
        "メモ",
        "コメント",
        "補足",
        "説明",
        "実施内容",
        "取組内容",
        "対応内容",
        "具体的な取組",
        "実施状況の説明",
        "状況説明",
        "note",
        "notes",
        "comment",
        "comments",
        "remark",
        "remarks",
        "memo",
        "explanation",
        "details",
        "detail",
    ];
    const CATALOG: &[&str] = &[
        "レベル",
        "level",
        "★",
        "分類",
        "カテゴリ",
        "カテゴリー",
        "category",
        "分野",
        "要求事項",
        "要求事項名",
        "requirement",
        "評価基準",
        "評価基準の内容",
        "評価項目",
        "内容",
        "criteriontext",
        "text",
        "ガイダンス",
        "解説",
        "guidance",
        "証跡ファイル",
        "evidencefiles",
        "evidencefile",
    ];
    let is = |list: &[&str]| list.contains(&key.as_str());
    if is(NUMBER) {
        Header::Number
    } else if is(ANSWER) {
        Header::Answer
    } else if is(REASON) || key.contains("理由") {
        Header::Reason
    } else if is(NOTE) {
        Header::Note
    } else if is(CATALOG) {
        Header::Catalog
    } else if key.contains("回答") {
        Header::Answer
    } else if ["備考", "メモ", "コメント"].iter().any(|w| key.contains(w)) {
        Header::Note
    } else if key.ends_with("番号") {
        Header::Number
    } else {
        Header::Unknown
    }
}

/// Which kind of file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
}

/// One data row with a known criterion and no error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub sheet: String,
    /// The spreadsheet row number (the first row is 1).
    pub row: u32,
    /// The catalog's id of the criterion.
    pub criterion: String,
    /// `None`: the answer cell is blank (no answer given).
    pub answer: Option<Answer>,
    /// Given as △ / 一部実施 / partly.
    pub partial: bool,
    /// The answer cell as written.
    pub answer_text: String,
    /// The reason column's text; `None` when the sheet has no reason column or the cell is blank.
    pub reason: Option<String>,
    /// The note columns' text; `None` when the sheet has no note column (the stored note is kept).
    pub note: Option<String>,
}

/// An answer as stored, for [`Row::resolve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored<'a> {
    pub answer: Answer,
    pub reason: &'a str,
    pub note: &'a str,
}

/// The answer a row records: status, reason (empty unless not applicable) and note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub answer: Answer,
    pub reason: String,
    pub note: String,
}

impl Row {
    /// What this row records over the stored answer `current` (see the module's documentation):
    /// `None` for a blank answer, which changes nothing.
    pub fn resolve(&self, current: Option<Stored<'_>>) -> Option<Resolved> {
        let answer = self.answer?;
        let reason_text = self.reason.as_deref().map(str::trim).unwrap_or("");
        let note_text = self.note.as_deref().map(str::trim);
        let current_note = current.map_or("", |c| c.note);
        Some(match answer {
            Answer::NotApplicable => {
                let (reason, note) = if !reason_text.is_empty() {
                    (reason_text.to_owned(), note_text.unwrap_or(current_note).to_owned())
                } else if let Some(n) = note_text.filter(|n| !n.is_empty()) {
                    (n.to_owned(), String::new())
                } else {
                    let kept = current.filter(|c| c.answer == Answer::NotApplicable && !c.reason.trim().is_empty());
                    (kept.map_or(NA_REASON, |c| c.reason).to_owned(), note_text.unwrap_or(current_note).to_owned())
                };
                Resolved { answer, reason, note }
            }
            Answer::Met | Answer::NotMet => {
                // Text in a reason column beside a met or not-met answer is kept as its note.
                let base = match (note_text, reason_text) {
                    (Some(n), "") => n.to_owned(),
                    (Some(""), r) => r.to_owned(),
                    (Some(n), r) => format!("{n}\n{r}"),
                    (None, "") => current_note.to_owned(),
                    (None, r) => r.to_owned(),
                };
                let note = if self.partial && !base.starts_with(PARTIAL_PREFIX) {
                    if base.is_empty() {
                        PARTIAL_PREFIX.to_owned()
                    } else {
                        format!("{PARTIAL_PREFIX}: {base}")
                    }
                } else {
                    base
                };
                Resolved { answer, reason: String::new(), note }
            }
        })
    }
}

/// A problem with one row (or with a sheet's header row), in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub sheet: String,
    /// The spreadsheet row number (the first row is 1).
    pub row: u32,
    pub message_ja: String,
    pub message_en: String,
}

impl RowError {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.message_ja,
            Lang::En => &self.message_en,
        }
    }
}

/// Where a sheet's columns were found (0-based column indexes), for the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetLayout {
    pub sheet: String,
    /// `None`: no header row; the columns were found by their contents.
    pub header_row: Option<u32>,
    pub criterion_column: String,
    pub answer_column: String,
    pub reason_column: Option<String>,
    pub note_columns: Vec<String>,
}

/// What a workbook holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Workbook {
    /// Every data row, blank answers and rows with errors included (see the module's documentation).
    pub rows_total: usize,
    /// The rows with a known criterion and no error, blank answers included, in file order.
    pub rows: Vec<Row>,
    /// Every problem, by sheet (in workbook order) and row.
    pub errors: Vec<RowError>,
    /// The sheets read, with their columns; sheets without criterion numbers are not listed.
    pub sheets: Vec<SheetLayout>,
    /// Sheets skipped because no cell in them is a criterion number.
    pub skipped_sheets: Vec<String>,
    pub format: Format,
    pub converted_from_shift_jis: bool,
}

impl Workbook {
    /// Rows with a known criterion, a readable answer and no error.
    pub fn mapped(&self) -> usize {
        self.rows.iter().filter(|r| r.answer.is_some()).count()
    }
}

/// Why a file could not be read at all. Problems with rows are [`RowError`]s instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkbookError {
    #[error("the file is neither an Excel workbook (.xlsx) nor UTF-8 or Shift_JIS text: upload the self-assessment workbook itself")]
    Undecodable,
    #[error("the Excel file could not be read ({detail}): open it in Excel and save it again as Excel Workbook (*.xlsx)")]
    BrokenXlsx { detail: String },
    #[error(
        "this is an old-format (.xls) or password-protected Excel file: open it in Excel, remove any password \
         (File → Info → Protect Workbook), and save it as Excel Workbook (*.xlsx)"
    )]
    LegacyOrEncryptedExcel,
    #[error("the Excel file is too large to read ({0}): save the self-assessment sheets on their own as a new workbook")]
    TooLarge(crate::archive::Limit),
    #[error("the CSV file could not be read: {detail}")]
    Csv { detail: String },
    #[error(
        "no sheet has a column of criterion numbers such as 1-2-1-1: is this the self-assessment workbook? \
         Its sheets need a column headed 評価基準番号 (or No.) holding the criterion numbers"
    )]
    NoCriteria,
}

impl WorkbookError {
    pub fn message_ja(&self) -> String {
        match self {
            WorkbookError::Undecodable => {
                "ファイルがExcelブック（.xlsx）でも、UTF-8またはShift_JISのテキストでもありません。自己評価のワークブックをそのままアップロードしてください。".into()
            }
            WorkbookError::BrokenXlsx { detail } => {
                format!("Excelファイルを読み取れません（{detail}）。Excelで開き、「Excel ブック（*.xlsx）」として保存し直してください。")
            }
            WorkbookError::LegacyOrEncryptedExcel => "古い形式（.xls）か、パスワードが設定されたExcelファイルです。Excelで開いてパスワードを解除し\
                 （ファイル → 情報 → ブックの保護）、「Excel ブック（*.xlsx）」として保存してください。"
                .into(),
            WorkbookError::TooLarge(limit) => format!(
                "Excelファイルが大きすぎて読み取れません（{}）。自己評価のシートだけを新しいブックとして保存してください。",
                limit.message_ja()
            ),
            WorkbookError::Csv { detail } => format!("CSVファイルを読み取れません（{detail}）。"),
            WorkbookError::NoCriteria => "評価基準番号（例: 1-2-1-1）の列があるシートがありません。自己評価のワークブックですか。\
                 シートには評価基準番号（またはNo.）という見出しの列に評価基準番号が必要です。"
                .into(),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Ja => self.message_ja(),
            Lang::En => self.to_string(),
        }
    }
}

/// One sheet as rows of text cells: (spreadsheet row, cells from column A).
struct Sheet {
    name: String,
    records: Vec<(u32, Vec<String>)>,
}

/// Reads a workbook (XLSX, or CSV) against the edition its answers are for.
pub fn parse(bytes: &[u8], edition: &Edition) -> Result<Workbook, WorkbookError> {
    parse_capped(bytes, edition, crate::archive::MAX_CELLS)
}

fn parse_capped(bytes: &[u8], edition: &Edition, max_cells: usize) -> Result<Workbook, WorkbookError> {
    let (sheets, format, converted) = if bytes.starts_with(b"PK\x03\x04") {
        (read_xlsx(bytes, max_cells)?, Format::Xlsx, false)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(WorkbookError::LegacyOrEncryptedExcel);
    } else {
        let (text, converted) = supplier_file::decode(bytes).map_err(|_| WorkbookError::Undecodable)?;
        let records = supplier_file::csv_records(&text).map_err(|e| match e {
            FileError::Csv { detail } => WorkbookError::Csv { detail },
            other => WorkbookError::Csv { detail: other.to_string() },
        })?;
        (vec![Sheet { name: CSV_SHEET.to_owned(), records }], Format::Csv, converted)
    };
    let ids: HashMap<String, &str> = edition.criteria.iter().map(|c| (id_key(&c.id), c.id.as_str())).collect();
    let mut out = Workbook {
        rows_total: 0,
        rows: Vec::new(),
        errors: Vec::new(),
        sheets: Vec::new(),
        skipped_sheets: Vec::new(),
        format,
        converted_from_shift_jis: converted,
    };
    // criterion → (sheet, row) of its first row.
    let mut seen: HashMap<&str, (String, u32)> = HashMap::new();
    for sheet in &sheets {
        read_sheet(sheet, edition, &ids, &mut seen, &mut out);
    }
    if out.sheets.is_empty() && out.errors.is_empty() {
        return Err(WorkbookError::NoCriteria);
    }
    let order: HashMap<&str, usize> = sheets.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    out.errors.sort_by_key(|e| (order.get(e.sheet.as_str()).copied().unwrap_or(usize::MAX), e.row));
    Ok(out)
}

fn read_xlsx(bytes: &[u8], max_cells: usize) -> Result<Vec<Sheet>, WorkbookError> {
    crate::archive::check(bytes).map_err(|e| match e {
        crate::archive::ArchiveError::Broken(detail) => WorkbookError::BrokenXlsx { detail },
        crate::archive::ArchiveError::Over(limit) => WorkbookError::TooLarge(limit),
    })?;
    let broken = |e: XlsxError| match e {
        XlsxError::Password => WorkbookError::LegacyOrEncryptedExcel,
        e => WorkbookError::BrokenXlsx { detail: e.to_string() },
    };
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(broken)?;
    let names = book.sheet_names();
    if names.is_empty() {
        return Err(WorkbookError::BrokenXlsx { detail: "the workbook has no worksheet".into() });
    }
    let mut cells_read = 0usize;
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        // Cells one at a time (not the whole sheet as a grid), counted over every sheet.
        let mut cells: Vec<(u32, u32, String)> = Vec::new();
        {
            let mut reader = book.worksheet_cells_reader(&name).map_err(broken)?;
            while let Some(cell) = reader.next_cell().map_err(broken)? {
                let text = calamine::Data::from(cell.get_value().clone()).to_string();
                if text.trim().is_empty() {
                    continue;
                }
                if cells_read == max_cells {
                    return Err(WorkbookError::TooLarge(crate::archive::Limit::Cells));
                }
                cells_read += 1;
                let (row, column) = cell.get_position();
                cells.push((row, column, text));
            }
        }
        cells.sort_by_key(|&(r, c, _)| (r, c));
        let mut records: Vec<(u32, Vec<String>)> = Vec::new();
        for (row, column, text) in cells {
            let spreadsheet_row = row.saturating_add(1);
            if records.last().is_none_or(|(r, _)| *r != spreadsheet_row) {
                records.push((spreadsheet_row, Vec::new()));
            }
            let Some((_, record)) = records.last_mut() else { continue };
            let at = column as usize;
            if record.len() <= at {
                record.resize(at + 1, String::new());
            }
            record[at] = text;
        }
        sheets.push(Sheet { name, records });
    }
    Ok(sheets)
}

fn cell(record: &[String], column: usize) -> &str {
    record.get(column).map_or("", |c| c.trim())
}

/// The spreadsheet letter of a 0-based column (A, B, …, Z, AA, …).
fn column_letter(index: usize) -> String {
    let mut n = index as u64 + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

struct Layout {
    /// Index into the sheet's records of the header row.
    header: Option<usize>,
    number: usize,
    answer: usize,
    reason: Option<usize>,
    notes: Vec<(usize, String)>,
}

/// Finds the columns of a sheet. `Ok(None)`: no criterion numbers (skip the sheet);
/// `Err`: criterion numbers but no answer column.
fn layout(sheet: &Sheet) -> Result<Option<Layout>, RowError> {
    let records = &sheet.records;
    let shaped = |from: usize, column: usize| records[from..].iter().filter(|(_, r)| looks_like_number(&id_key(cell(r, column)))).count();
    let answers = |from: usize, column: usize| {
        records[from..].iter().filter(|(_, r)| !cell(r, column).is_empty() && matches!(parse_answer(cell(r, column)), Ok(Some(_)))).count()
    };
    let width = records.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
    // A header row: the first of the first rows with a criterion-number header over criterion numbers.
    let mut found: Option<(usize, usize)> = None;
    for (i, (_, record)) in records.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let best = (0..record.len())
            .filter(|&c| classify(&record[c]) == Header::Number)
            .map(|c| (shaped(i + 1, c), c))
            .filter(|&(n, _)| n > 0)
            // The most criterion numbers; the leftmost among equals.
            .max_by_key(|&(n, c)| (n, std::cmp::Reverse(c)));
        if let Some((_, column)) = best {
            found = Some((i, column));
            break;
        }
    }
    let (header, number) = match found {
        Some((h, c)) => (Some(h), c),
        None => {
            let Some((n, column)) = (0..width).map(|c| (shaped(0, c), c)).max_by_key(|&(n, c)| (n, std::cmp::Reverse(c))) else {
                return Ok(None);
            };
            if n == 0 {
                return Ok(None);
            }
            // The row above the first criterion number, if it names any column this module knows.
            let first = records.iter().position(|(_, r)| looks_like_number(&id_key(cell(r, column)))).unwrap_or(0);
            let header = first.checked_sub(1).filter(|&h| records[h].1.iter().any(|c| classify(c) != Header::Unknown));
            (header, column)
        }
    };
    let data_from = header.map_or(0, |h| h + 1);
    let headers: &[String] = header.map_or(&[], |h| &records[h].1);
    let by_header = (0..headers.len())
        .filter(|&c| c != number && classify(&headers[c]) == Header::Answer)
        .map(|c| (answers(data_from, c), c))
        .max_by_key(|&(n, c)| (n, std::cmp::Reverse(c)))
        .map(|(_, c)| c);
    let answer = by_header.or_else(|| {
        (0..width)
            .filter(|&c| c != number && header.is_none_or(|_| classify(headers.get(c).map_or("", String::as_str)) != Header::Catalog))
            .map(|c| (answers(data_from, c), c))
            .filter(|&(n, _)| n > 0)
            .max_by_key(|&(n, c)| (n, std::cmp::Reverse(c)))
            .map(|(_, c)| c)
    });
    let Some(answer) = answer else {
        let row = header.map_or_else(|| records.first().map_or(1, |(r, _)| *r), |h| records[h].0);
        return Err(RowError {
            sheet: sheet.name.clone(),
            row,
            message_ja: format!(
                "シート「{}」には評価基準番号の列（{}列）がありますが、回答の列が見つかりません。見出しを「回答」とした列に ○・△・✖ を入力してください。",
                sheet.name,
                column_letter(number)
            ),
            message_en: format!(
                "sheet {:?} has criterion numbers (column {}) but no answer column: head a column 回答 (answer) and write ○, △ or ✖ in it",
                sheet.name,
                column_letter(number)
            ),
        });
    };
    let reason = (0..headers.len()).find(|&c| c != number && c != answer && classify(&headers[c]) == Header::Reason);
    let notes = (0..headers.len())
        .filter(|&c| c != number && c != answer && Some(c) != reason)
        .filter(|&c| match classify(&headers[c]) {
            Header::Note => true,
            Header::Unknown => c > answer && !headers[c].trim().is_empty(),
            _ => false,
        })
        .map(|c| (c, headers[c].trim().to_owned()))
        .collect();
    Ok(Some(Layout { header, number, answer, reason, notes }))
}

fn read_sheet<'e>(
    sheet: &Sheet,
    edition: &Edition,
    ids: &HashMap<String, &'e str>,
    seen: &mut HashMap<&'e str, (String, u32)>,
    out: &mut Workbook,
) {
    let layout = match layout(sheet) {
        Ok(Some(l)) => l,
        Ok(None) => {
            out.skipped_sheets.push(sheet.name.clone());
            return;
        }
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    out.sheets.push(SheetLayout {
        sheet: sheet.name.clone(),
        header_row: layout.header.map(|h| sheet.records[h].0),
        criterion_column: column_letter(layout.number),
        answer_column: column_letter(layout.answer),
        reason_column: layout.reason.map(column_letter),
        note_columns: layout.notes.iter().map(|(c, _)| column_letter(*c)).collect(),
    });
    let name = &sheet.name;
    let start = layout.header.map_or(0, |h| h + 1);
    for (row, record) in &sheet.records[start..] {
        let row = *row;
        let number = cell(record, layout.number);
        if number.is_empty() {
            continue;
        }
        let answer_text = cell(record, layout.answer);
        let key = id_key(number);
        let mut fail = |ja: String, en: String| out.errors.push(RowError { sheet: name.clone(), row, message_ja: ja, message_en: en });
        let known = ids.get(&key).copied();
        if known.is_none() && !looks_like_number(&key) {
            if answer_text.is_empty() {
                // A heading, or a requirement's own row.
                continue;
            }
            out.rows_total += 1;
            fail(
                format!("「{number}」は評価基準番号（例: 1-2-1-1）ではありません。この行の回答「{answer_text}」は取り込めません。"),
                format!(
                    "{number:?} is not a criterion number (such as 1-2-1-1), so the answer {answer_text:?} in this row cannot be imported"
                ),
            );
            continue;
        }
        out.rows_total += 1;
        let Some(id) = known else {
            fail(
                format!("評価基準番号「{number}」はこの版（{}）にありません。番号を確かめてください。", edition.id),
                format!("there is no criterion {number} in edition {}: check the number", edition.id),
            );
            continue;
        };
        if let Some((first_sheet, first_row)) = seen.get(id) {
            let (ja, en) = if first_sheet == name {
                (format!("{first_row}行目"), format!("row {first_row}"))
            } else {
                (format!("シート「{first_sheet}」の{first_row}行目"), format!("row {first_row} of sheet {first_sheet:?}"))
            };
            fail(
                format!("評価基準{id}は{ja}にもあります。1つの評価基準は1行だけにしてください。"),
                format!("criterion {id} already appears in {en}: answer each criterion in one row only"),
            );
            continue;
        }
        seen.insert(id, (name.clone(), row));
        let read = match parse_answer(answer_text) {
            Ok(a) => a,
            Err(NotAnAnswer) => {
                fail(
                    format!(
                        "評価基準{id}の回答「{answer_text}」を読み取れません。○・△・✖（×）、実施・一部実施・未実施・該当なし、yes・partly・no・N/A のいずれかにしてください（空欄は未回答）。"
                    ),
                    format!(
                        "the answer {answer_text:?} for criterion {id} cannot be read: write ○, △ or ✖ (×), 実施, 一部実施, 未実施 or 該当なし, \
                         or yes, partly, no or N/A (blank: not answered)"
                    ),
                );
                continue;
            }
        };
        let reason = layout.reason.map(|c| cell(record, c)).filter(|r| !r.is_empty()).map(str::to_owned);
        let note = (!layout.notes.is_empty()).then(|| {
            let filled: Vec<(&str, &str)> =
                layout.notes.iter().map(|(c, h)| (h.as_str(), cell(record, *c))).filter(|(_, t)| !t.is_empty()).collect();
            match filled.as_slice() {
                [(_, only)] => (*only).to_owned(),
                many => many.iter().map(|(h, t)| format!("{h}: {t}")).collect::<Vec<_>>().join("\n"),
            }
        });
        if reason.as_ref().is_some_and(|r| r.chars().count() > MAX_REASON_CHARS) {
            fail(
                format!("評価基準{id}の理由が長すぎます（{MAX_REASON_CHARS}文字まで）。"),
                format!("the reason for criterion {id} is too long ({MAX_REASON_CHARS} characters at most)"),
            );
            continue;
        }
        if note.as_ref().is_some_and(|n| n.chars().count() + PARTIAL_PREFIX.chars().count() + 2 > MAX_NOTE_CHARS) {
            fail(
                format!("評価基準{id}のメモが長すぎます（{MAX_NOTE_CHARS}文字まで）。"),
                format!("the note for criterion {id} is too long ({MAX_NOTE_CHARS} characters at most)"),
            );
            continue;
        }
        out.rows.push(Row {
            sheet: name.clone(),
            row,
            criterion: id.to_owned(),
            answer: read.map(|r| r.answer),
            partial: read.is_some_and(|r| r.partial),
            answer_text: answer_text.to_owned(),
            reason,
            note,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn edition() -> std::sync::Arc<Edition> {
        hoshi_standard::shared_edition(None).expect("the embedded edition")
    }

    #[test]
    fn answer_spellings() {
        let table: &[(&str, Option<ReadAnswer>)] = &[
            ("○", Some(MET)),
            ("〇", Some(MET)),
            ("◯", Some(MET)),
            ("実施", Some(MET)),
            ("yes", Some(MET)),
            ("Yes", Some(MET)),
            ("ＹＥＳ", Some(MET)),
            (" ○ ", Some(MET)),
            ("○ 実施", Some(MET)),
            ("○（実施）", Some(MET)),
            ("met", Some(MET)),
            ("✖", Some(NOT_MET)),
            ("×", Some(NOT_MET)),
            ("x", Some(NOT_MET)),
            ("X", Some(NOT_MET)),
            ("Ｘ", Some(NOT_MET)),
            ("未実施", Some(NOT_MET)),
            ("no", Some(NOT_MET)),
            ("NO", Some(NOT_MET)),
            ("not met", Some(NOT_MET)),
            ("not_met", Some(NOT_MET)),
            ("△", Some(PARTLY)),
            ("▲", Some(PARTLY)),
            ("一部実施", Some(PARTLY)),
            ("△（一部実施）", Some(PARTLY)),
            ("partly", Some(PARTLY)),
            ("Partly", Some(PARTLY)),
            ("該当なし", Some(NA)),
            ("N/A", Some(NA)),
            ("n/a", Some(NA)),
            ("Ｎ／Ａ", Some(NA)),
            ("NA", Some(NA)),
            ("not applicable", Some(NA)),
            ("not_applicable", Some(NA)),
            ("対象外", Some(NA)),
            ("", None),
            ("   ", None),
            ("\u{3000}", None),
        ];
        for (text, want) in table {
            assert_eq!(parse_answer(text), Ok(*want), "{text:?}");
        }
        for bad in ["maybe", "○×", "○ no", "？", "-", "1", "済みではない", "N/A yes"] {
            assert_eq!(parse_answer(bad), Err(NotAnAnswer), "{bad:?}");
        }
        // What the exporter writes reads back.
        for a in [Answer::Met, Answer::NotMet, Answer::NotApplicable] {
            assert_eq!(parse_answer(a.symbol()), Ok(Some(ReadAnswer { answer: a, partial: false })));
            assert_eq!(Answer::from_key(a.key()), Some(a));
        }
    }

    /// ASCII letters as a Japanese IME types them (full-width).
    fn full_width(s: &str) -> String {
        s.chars().map(|c| if c.is_ascii_graphic() { char::from_u32(c as u32 + 0xFEE0).unwrap_or(c) } else { c }).collect()
    }

    const SPELLINGS: &[&str] = &[
        "○",
        "〇",
        "◯",
        "✖",
        "×",
        "x",
        "△",
        "▲",
        "実施",
        "一部実施",
        "未実施",
        "該当なし",
        "yes",
        "partly",
        "no",
        "n/a",
        "not applicable",
    ];

    proptest! {
        #[test]
        fn case_width_and_spaces_do_not_matter(i in 0..SPELLINGS.len(), upper: bool, wide: bool, left in "[ \u{3000}\t]{0,3}", right in "[ \u{3000}]{0,3}") {
            let base = SPELLINGS[i];
            let mut s = if upper { base.to_uppercase() } else { base.to_owned() };
            if wide { s = full_width(&s); }
            let want = parse_answer(base).expect("listed spellings read");
            prop_assert!(want.is_some());
            prop_assert_eq!(parse_answer(&format!("{left}{s}{right}")), Ok(want));
        }

        #[test]
        fn any_text_reads_or_is_refused_without_panicking(s in "\\PC{0,12}") {
            let _ = parse_answer(&s);
            let _ = id_key(&s);
        }
    }

    #[test]
    fn criterion_numbers_are_normalised() {
        assert_eq!(id_key(" １－２－１－１ "), "1-2-1-1");
        assert_eq!(id_key("l1-3-1-1"), "L1-3-1-1");
        assert_eq!(id_key("1‐2‐1‐1."), "1-2-1-1");
        assert!(looks_like_number("1-2-1-1") && looks_like_number("L1-3-1-1") && looks_like_number("9-9-9-9"));
        assert!(!looks_like_number("1-2-1") && !looks_like_number("a-b-c-d") && !looks_like_number("1-2-1-1-1"));
    }

    #[test]
    fn headers_are_classified() {
        for (h, want) in [
            ("評価基準番号", Header::Number),
            ("No.", Header::Number),
            ("ＮＯ．", Header::Number),
            ("Criterion number", Header::Number),
            ("回答（○△✖）", Header::Answer),
            ("自己評価", Header::Answer),
            ("実施状況", Header::Answer),
            ("Answer", Header::Answer),
            ("理由（該当なしの場合）", Header::Reason),
            ("Reason (if not applicable)", Header::Reason),
            ("備考", Header::Note),
            ("Note", Header::Note),
            ("評価基準", Header::Catalog),
            ("Criterion text", Header::Catalog),
            ("証跡ファイル", Header::Catalog),
            ("担当者", Header::Unknown),
        ] {
            assert_eq!(classify(h), want, "{h}");
        }
    }

    fn csv(lines: &[&str]) -> Vec<u8> {
        lines.join("\n").into_bytes()
    }

    #[test]
    fn a_csv_with_headers_reads_rows_notes_and_errors() {
        let ed = edition();
        let wb = parse(
            &csv(&[
                "自己評価シート,,,,",
                "No.,評価基準,回答,備考,担当",
                "1-1-1,（要求事項の行）,,,",
                "1-1-1-1,…,○,規程あり,総務",
                "1-2-1-1,…,△,一部の部署のみ,",
                "1-2-1-2,…,,,",
                "1-2-1-3,…,該当なし,,",
                "9-9-9-9,…,○,,",
                "1-1-1-1,…,✖,,",
                "1-2-2-1,…,maybe,,",
                "小計,,○,,",
            ]),
            &ed,
        )
        .expect("readable");
        assert_eq!(wb.format, Format::Csv);
        assert_eq!(wb.sheets.len(), 1);
        assert_eq!(wb.sheets[0].header_row, Some(2));
        assert_eq!((wb.sheets[0].criterion_column.as_str(), wb.sheets[0].answer_column.as_str()), ("A", "C"));
        assert_eq!(wb.sheets[0].note_columns, vec!["D", "E"]);
        let errors: Vec<(u32, &str)> = wb.errors.iter().map(|e| (e.row, e.message_en.as_str())).collect();
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert_eq!(errors[0].0, 8);
        assert!(errors[0].1.contains("no criterion 9-9-9-9"), "{}", errors[0].1);
        assert_eq!(errors[1].0, 9);
        assert!(errors[1].1.contains("already appears in row 4"), "{}", errors[1].1);
        assert_eq!(errors[2].0, 10);
        assert!(errors[2].1.contains("\"maybe\""));
        assert_eq!(errors[3].0, 11);
        assert!(errors[3].1.contains("not a criterion number"));
        assert!(wb.errors.iter().all(|e| e.sheet == CSV_SHEET && !e.message_ja.is_empty()));
        // Rows 4 to 11 less the requirement's row: 8 data rows, of which 3 are mapped and 1 blank.
        assert_eq!(wb.rows_total, 8);
        assert_eq!(wb.mapped(), 3);
        assert_eq!(wb.rows.len(), 4);
        let first = &wb.rows[0];
        assert_eq!((first.row, first.criterion.as_str(), first.answer), (4, "1-1-1-1", Some(Answer::Met)));
        assert_eq!(first.note.as_deref(), Some("備考: 規程あり\n担当: 総務"));
        let partial = wb.rows[1].resolve(None).expect("answered");
        assert_eq!(partial, Resolved { answer: Answer::NotMet, reason: String::new(), note: format!("{PARTIAL_PREFIX}: 一部の部署のみ") });
        assert_eq!(wb.rows[2].answer, None);
        assert_eq!(wb.rows[2].resolve(None), None);
        let na = wb.rows[3].resolve(None).expect("answered");
        assert_eq!((na.answer, na.reason.as_str()), (Answer::NotApplicable, NA_REASON));
    }

    #[test]
    fn columns_are_found_by_content_without_headers() {
        let ed = edition();
        let wb = parse(&csv(&["メモ欄,1-1-1-1,○", "xx,1-2-1-1,×", ",1-2-1-2,"]), &ed).expect("readable");
        assert_eq!(wb.errors, vec![]);
        assert_eq!(wb.sheets[0].header_row, None);
        assert_eq!((wb.sheets[0].criterion_column.as_str(), wb.sheets[0].answer_column.as_str()), ("B", "C"));
        assert_eq!(
            wb.rows.iter().map(|r| (r.row, r.answer)).collect::<Vec<_>>(),
            vec![(1, Some(Answer::Met)), (2, Some(Answer::NotMet)), (3, None)]
        );
        assert!(wb.rows.iter().all(|r| r.note.is_none() && r.reason.is_none()));
    }

    #[test]
    fn resolving_keeps_what_the_workbook_does_not_say() {
        let row = |answer, partial, reason: Option<&str>, note: Option<&str>| Row {
            sheet: "s".into(),
            row: 2,
            criterion: "1-1-1-1".into(),
            answer: Some(answer),
            partial,
            answer_text: String::new(),
            reason: reason.map(str::to_owned),
            note: note.map(str::to_owned),
        };
        let stored = Stored { answer: Answer::NotApplicable, reason: "クラウドなし", note: "古いメモ" };
        // No note column: the stored note stays; no reason given: the stored reason stays.
        let r = row(Answer::NotApplicable, false, None, None).resolve(Some(stored)).expect("answer");
        assert_eq!((r.reason.as_str(), r.note.as_str()), ("クラウドなし", "古いメモ"));
        // The note column's text is the reason when no reason column says one.
        let r = row(Answer::NotApplicable, false, None, Some("対象システムなし")).resolve(Some(stored)).expect("answer");
        assert_eq!((r.reason.as_str(), r.note.as_str()), ("対象システムなし", ""));
        let r = row(Answer::Met, false, None, Some("")).resolve(Some(stored)).expect("answer");
        assert_eq!((r.answer, r.reason.as_str(), r.note.as_str()), (Answer::Met, "", ""));
        // △ twice does not prefix twice.
        let once = row(Answer::NotMet, true, None, Some("半分")).resolve(None).expect("answer");
        let again = row(Answer::NotMet, true, None, Some(&once.note)).resolve(None).expect("answer");
        assert_eq!(once, again);
        assert_eq!(row(Answer::NotMet, true, None, None).resolve(None).expect("answer").note, PARTIAL_PREFIX);
    }

    #[test]
    fn unreadable_files_are_file_errors() {
        let ed = edition();
        assert_eq!(parse(&csv(&["a,b", "c,d"]), &ed), Err(WorkbookError::NoCriteria));
        assert_eq!(parse(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", &ed), Err(WorkbookError::LegacyOrEncryptedExcel));
        assert!(matches!(parse(b"PK\x03\x04 not a zip", &ed), Err(WorkbookError::BrokenXlsx { .. })));
        assert_eq!(parse(b"\xff\xfe\x00\x01", &ed), Err(WorkbookError::Undecodable));
        for e in [WorkbookError::NoCriteria, WorkbookError::Undecodable] {
            assert!(!e.message_ja().is_empty() && !e.to_string().is_empty());
        }
        // Criterion numbers without any answer column: an error on the header row.
        let wb = parse(&csv(&["評価基準番号,評価基準", "1-1-1-1,…"]), &ed).expect("readable");
        assert_eq!(wb.errors.len(), 1);
        assert_eq!((wb.errors[0].row, wb.errors[0].sheet.as_str()), (1, CSV_SHEET));
        assert!(wb.errors[0].message_en.contains("no answer column"));
    }
}
