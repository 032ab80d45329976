//! Reading a buyer's supplier list (issue 6): the file format of the supplier import.
//!
//! This module owns what a supplier file may look like and what is wrong with one: the columns and
//! their English and Japanese headers, the accepted spellings of every value, the encodings (UTF-8
//! with or without BOM, Shift_JIS as Excel writes it in Japan), XLSX workbooks, and the row numbers
//! problems are reported at. It is a pure function from the uploaded bytes to a [`ParsedFile`]:
//! storing the suppliers and showing the preview belong to the callers.
//!
//! Row numbers are the ones a spreadsheet shows: the header is row 1, blank lines still count, and
//! a cell spanning several lines inside quotes is one row.
//!
//! ## Errors and warnings
//!
//! An **error** ([`ParsedFile::errors`]) is a cell that cannot be read (a wrong check digit, "maybe"
//! for a yes/no question, an unknown criticality…): its row is not imported. A **warning**
//! ([`ParsedFile::warnings`]) is a cell left blank where Hoshi has to assume something; the row
//! is imported with that assumption, once the person has accepted the warnings (the browser's
//! preview asks; the API and the command line list them in their report):
//!
//! - A blank in one of the three questions that decide ★4 (holds confidential data, outage
//!   unacceptable, network access) is **not "no"**: the answer is read as unanswered (`None` in
//!   [`RelationshipAnswers`]) and counts as yes until the buyer answers, so the rule asks ★4 and a
//!   blank never makes a supplier ★3 (see [`crate::required_level`]). A file without one of
//!   these columns has every answer of it unanswered; that is one warning on the header row.
//! - A blank annual purchase amount is imported as unknown (it then adds nothing to the risk
//!   score's purchase share); a blank criticality as medium (中). A missing column of either is
//!   one warning on the header row.
//!
//! Warnings are reported for every row, including rows that also have errors, so that one
//! preview shows everything to fix; [`ParsedFile::warnings_to_accept`] are the ones about what
//! would actually be imported.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io::Cursor;

use calamine::{Reader, Xlsx, XlsxError};
use hoshi_ids::{CorporateNumber, Yen};
use hoshi_standard::Lang;
use serde::Serialize;

use crate::required_level::{RelationshipAnswers, RelationshipFacts};

/// A column of the supplier file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    CorporateNumber,
    Name,
    AnnualPurchaseYen,
    Supplies,
    HoldsConfidentialData,
    OutageUnacceptable,
    NetworkAccess,
    Criticality,
    ContactEmail,
}

impl Field {
    /// Every field, in the order errors within a row are reported.
    pub const ALL: [Field; 9] = [
        Field::CorporateNumber,
        Field::Name,
        Field::AnnualPurchaseYen,
        Field::Supplies,
        Field::HoldsConfidentialData,
        Field::OutageUnacceptable,
        Field::NetworkAccess,
        Field::Criticality,
        Field::ContactEmail,
    ];

    /// The canonical English header, also the `column` of a [`RowError`].
    pub fn key(self) -> &'static str {
        match self {
            Field::CorporateNumber => "corporate_number",
            Field::Name => "name",
            Field::AnnualPurchaseYen => "annual_purchase_yen",
            Field::Supplies => "supplies",
            Field::HoldsConfidentialData => "holds_confidential_data",
            Field::OutageUnacceptable => "outage_unacceptable",
            Field::NetworkAccess => "network_access",
            Field::Criticality => "criticality",
            Field::ContactEmail => "contact_email",
        }
    }

    /// The Japanese header, as the template writes it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Field::CorporateNumber => "法人番号",
            Field::Name => "名称",
            Field::AnnualPurchaseYen => "年間購入額",
            Field::Supplies => "供給品目",
            Field::HoldsConfidentialData => "機密情報の保有",
            Field::OutageUnacceptable => "停止影響",
            Field::NetworkAccess => "ネットワーク接続",
            Field::Criticality => "重要度",
            Field::ContactEmail => "連絡先メール",
        }
    }

    /// The English label for screens.
    pub fn label_en(self) -> &'static str {
        match self {
            Field::CorporateNumber => "Corporate number",
            Field::Name => "Name",
            Field::AnnualPurchaseYen => "Annual purchase (yen)",
            Field::Supplies => "Supplies",
            Field::HoldsConfidentialData => "Holds confidential data",
            Field::OutageUnacceptable => "Outage unacceptable",
            Field::NetworkAccess => "Network access",
            Field::Criticality => "Criticality",
            Field::ContactEmail => "Contact email",
        }
    }

    /// Whether a file must have this column.
    pub fn is_required(self) -> bool {
        matches!(self, Field::CorporateNumber | Field::Name)
    }

    /// The header spellings people use, already in the form [`normalize_header`] produces.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::CorporateNumber => &["corporatenumber", "corporateno", "corporatenum", "法人番号"],
            Field::Name => &[
                "name",
                "companyname",
                "suppliername",
                "company",
                "supplier",
                "名称",
                "会社名",
                "企業名",
                "取引先名",
                "取引先",
                "法人名",
                "社名",
                "商号",
            ],
            Field::AnnualPurchaseYen => &[
                "annualpurchaseyen",
                "annualpurchase",
                "annualpurchaseamount",
                "annualpurchases",
                "annualspend",
                "年間購入額",
                "年間取引額",
                "年間発注額",
                "年間購入金額",
                "年間取引金額",
                "年間発注金額",
            ],
            Field::Supplies => &["supplies", "supply", "products", "items", "goods", "供給品目", "取引内容", "品目", "取扱品目", "供給品"],
            Field::HoldsConfidentialData => &[
                "holdsconfidentialdata",
                "confidentialdata",
                "holdsconfidentialinformation",
                "confidentialinformation",
                "機密情報の保有",
                "機密情報",
                "機密情報保有",
                "機密情報を保有",
            ],
            Field::OutageUnacceptable => {
                &["outageunacceptable", "outage", "停止影響", "供給停止が許容できない", "供給停止影響", "停止の影響"]
            }
            Field::NetworkAccess => {
                &["networkaccess", "network", "ネットワーク接続", "社内システムへの接続", "社内システム接続", "システム接続"]
            }
            Field::Criticality => &["criticality", "importance", "重要度"],
            Field::ContactEmail => &[
                "contactemail",
                "email",
                "emailaddress",
                "mail",
                "contactmail",
                "連絡先メール",
                "連絡先メールアドレス",
                "メールアドレス",
                "担当者メール",
                "担当者メールアドレス",
                "メール",
                "eメール",
                "eメールアドレス",
            ],
        }
    }

    /// The field a header names, if any. Case, surrounding and inner spaces (half- or full-width),
    /// `_`/`-`, full-width letters and a note in brackets such as `（必須）` or `(yen)` do not matter.
    pub fn from_header(header: &str) -> Option<Field> {
        let normal = normalize_header(header);
        if normal.is_empty() {
            return None;
        }
        Field::ALL.into_iter().find(|f| f.aliases().contains(&normal.as_str()))
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// How much the buyer depends on a supplier, as the buyer rates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Criticality {
    Low,
    #[default]
    Medium,
    High,
}

impl Criticality {
    pub fn key(self) -> &'static str {
        match self {
            Criticality::Low => "low",
            Criticality::Medium => "medium",
            Criticality::High => "high",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Criticality::Low => "Low",
            Criticality::Medium => "Medium",
            Criticality::High => "High",
        }
    }

    pub fn name_ja(self) -> &'static str {
        match self {
            Criticality::Low => "低",
            Criticality::Medium => "中",
            Criticality::High => "高",
        }
    }

    /// `low`/`medium`/`high` (any case, full-width letters too) or `低`/`中`/`高`. Blank is not
    /// handled here: the file format reads a blank cell as [`Criticality::Medium`], with a warning.
    pub fn parse(text: &str) -> Option<Criticality> {
        match normalize_value(text).as_str() {
            "low" | "低" => Some(Criticality::Low),
            "medium" | "中" => Some(Criticality::Medium),
            "high" | "高" => Some(Criticality::High),
            _ => None,
        }
    }
}

/// Which kind of file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Csv,
    Xlsx,
}

/// One supplier from a row without problems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupplierRow {
    /// The spreadsheet row number (the header is row 1).
    pub row: u32,
    pub corporate_number: CorporateNumber,
    pub name: String,
    pub annual_purchase: Option<Yen>,
    /// Free text; empty when the column is missing or blank.
    pub supplies: String,
    /// The three ★4 questions; `None` where the cell was blank or the column missing.
    pub answers: RelationshipAnswers,
    pub criticality: Criticality,
    pub contact_email: Option<String>,
}

impl SupplierRow {
    /// The facts the rule decides on: an unanswered question counts as yes.
    pub fn facts(&self) -> RelationshipFacts {
        self.answers.assumed()
    }
}

/// A problem with one cell, or with the header row (row 1) when a column is missing or doubled.
/// Warnings have the same shape ([`RowWarning`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The spreadsheet row number (the header is row 1).
    pub row: u32,
    /// The canonical English key of the column, e.g. `corporate_number`.
    pub column: String,
    pub message_en: String,
    pub message_ja: String,
}

/// A blank cell Hoshi had to assume something for, or a missing optional column (on the header
/// row): the row is imported with the assumption the message states.
pub type RowWarning = RowError;

/// A [`RowError`] in one language, serialised as `{"row", "column", "message"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowMessage<'a> {
    pub row: u32,
    pub column: &'a str,
    pub message: &'a str,
}

impl RowError {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.message_ja,
            Lang::En => &self.message_en,
        }
    }

    /// The error as the CLI prints it in one language.
    pub fn in_lang(&self, lang: Lang) -> RowMessage<'_> {
        RowMessage { row: self.row, column: &self.column, message: self.message(lang) }
    }
}

/// The result of reading a supplier file whose bytes could be read: the good rows and every
/// problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedFile {
    /// Data rows that are not blank, good or bad.
    pub rows_total: usize,
    /// The rows without any problem, in file order; empty when the header has a problem, since
    /// rows are not read against a header that is wrong.
    pub rows: Vec<SupplierRow>,
    /// Every problem, sorted by row and then by column in [`Field::ALL`] order.
    pub errors: Vec<RowError>,
    /// Every blank that is imported with an assumption (see the module's documentation), sorted
    /// like the errors; on good and bad rows alike.
    pub warnings: Vec<RowWarning>,
    /// The header cells as in the file (trimmed), one per file column.
    pub headers: Vec<String>,
    /// Which field each file column feeds (`None`: ignored).
    pub mapping: Vec<Option<Field>>,
    /// Non-empty headers that feed no field, for the preview to show.
    pub ignored_columns: Vec<String>,
    /// The file was Shift_JIS and has been converted; the caller shows a notice.
    pub converted_from_shift_jis: bool,
    pub format: FileFormat,
}

impl ParsedFile {
    pub fn rows_ok(&self) -> usize {
        self.rows.len()
    }

    /// The rows with at least one problem (row 1 when the header has one).
    pub fn bad_rows(&self) -> BTreeSet<u32> {
        self.errors.iter().map(|e| e.row).collect()
    }

    /// The warnings about what an import would write: those of the header row and of the rows
    /// without errors (a row with an error is not imported, so its warnings need no consent).
    pub fn warnings_to_accept(&self) -> Vec<&RowWarning> {
        let bad = self.bad_rows();
        self.warnings.iter().filter(|w| !bad.contains(&w.row)).collect()
    }
}

/// Why a file could not be read at all. Problems with rows or columns are [`RowError`]s instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error(
        "the file is neither UTF-8 nor Shift_JIS text: in Excel, choose File → Save As → CSV UTF-8 (comma delimited) (*.csv), \
         or upload the .xlsx workbook itself"
    )]
    Undecodable,
    #[error(
        "the Excel file could not be read ({detail}): open it in Excel and save it again as Excel Workbook (*.xlsx) \
         or as CSV UTF-8 (comma delimited) (*.csv)"
    )]
    BrokenXlsx { detail: String },
    #[error(
        "this is an old-format (.xls) or password-protected Excel file: open it in Excel, remove any password \
         (File → Info → Protect Workbook), and save it as Excel Workbook (*.xlsx) or CSV UTF-8 (comma delimited) (*.csv)"
    )]
    LegacyOrEncryptedExcel,
    #[error("the file has no header row: the first row must name the columns, e.g. corporate_number,name (or 法人番号,名称)")]
    Empty,
    #[error("the CSV file could not be read: {detail}")]
    Csv { detail: String },
    #[error(
        "the column mapping has {mapping} entries but the file has {columns} columns: reload the preview and choose the columns again"
    )]
    MappingMismatch { columns: usize, mapping: usize },
    #[error(
        "the Excel file is too large to read ({0}): save only the supplier list, one sheet, as its own workbook, \
         or as CSV UTF-8 (comma delimited) (*.csv)"
    )]
    TooLarge(crate::archive::Limit),
}

impl FileError {
    /// The same message in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            FileError::Undecodable => "ファイルの文字コードを読み取れません（UTF-8でもShift_JISでもありません）。\
                 Excelで「ファイル → 名前を付けて保存 → CSV UTF-8（コンマ区切り）」を選んで保存したファイルか、.xlsxファイルをそのままアップロードしてください。"
                .into(),
            FileError::BrokenXlsx { detail } => format!(
                "Excelファイルを読み取れません（{detail}）。Excelで開き、「Excel ブック（*.xlsx）」または「CSV UTF-8（コンマ区切り）」として保存し直してください。"
            ),
            FileError::LegacyOrEncryptedExcel => "古い形式（.xls）か、パスワードが設定されたExcelファイルです。Excelで開いてパスワードを解除し\
                 （ファイル → 情報 → ブックの保護）、「Excel ブック（*.xlsx）」または「CSV UTF-8（コンマ区切り）」として保存してください。"
                .into(),
            FileError::Empty => "ファイルに見出し行がありません。1行目に列名（例: 法人番号,名称）を書いてください。".into(),
            FileError::Csv { detail } => format!("CSVファイルを読み取れません（{detail}）。"),
            FileError::TooLarge(limit) => format!(
                "Excelファイルが大きすぎて読み取れません（{}）。取引先の一覧だけを1枚のシートにして別のブックとして保存するか、\
                 「CSV UTF-8（コンマ区切り）」で保存してください。",
                limit.message_ja()
            ),
            FileError::MappingMismatch { columns, mapping } => format!(
                "列の対応付けは{mapping}列分ですが、ファイルは{columns}列です。プレビューを読み込み直して、列を選び直してください。"
            ),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Ja => self.message_ja(),
            Lang::En => self.to_string(),
        }
    }
}

/// Reads a supplier file (CSV or XLSX, detected from the bytes), matching columns by their headers.
pub fn parse(bytes: &[u8]) -> Result<ParsedFile, FileError> {
    read(bytes, None)
}

/// The same with the user's column mapping from the browser preview: `mapping[i]` says which field
/// file column `i` feeds (`None` = ignore), and must have one entry per header of the file. A field
/// mapped twice or a required field not mapped is reported like a bad header (row 1).
pub fn parse_with_mapping(bytes: &[u8], mapping: &[Option<Field>]) -> Result<ParsedFile, FileError> {
    read(bytes, Some(mapping))
}

/// The file as rows of text cells, whatever its format.
struct Table {
    header_row: u32,
    /// The file column of the first cell (non-zero when a worksheet's first columns are empty).
    first_column: u32,
    headers: Vec<String>,
    /// Non-blank data rows with their spreadsheet row numbers.
    rows: Vec<(u32, Vec<String>)>,
    format: FileFormat,
    converted_from_shift_jis: bool,
}

fn read(bytes: &[u8], mapping: Option<&[Option<Field>]>) -> Result<ParsedFile, FileError> {
    let table = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // An OLE container: an .xls workbook, or an .xlsx encrypted with a password.
        return Err(FileError::LegacyOrEncryptedExcel);
    } else {
        let (text, converted) = decode(bytes)?;
        read_csv(&text, converted)?
    };
    validate(table, mapping)
}

/// UTF-8 (BOM dropped), else Shift_JIS as Windows writes it, else refused. Also read by
/// [`crate::workbook`].
pub(crate) fn decode(bytes: &[u8]) -> Result<(String, bool), FileError> {
    let (body, had_bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    // NUL never occurs in a text CSV but does in UTF-16 ("Unicode text") and binary files, which
    // would otherwise pass as Shift_JIS.
    if body.contains(&0) {
        return Err(FileError::Undecodable);
    }
    if let Ok(text) = std::str::from_utf8(body) {
        return Ok((text.to_owned(), false));
    }
    if had_bom {
        return Err(FileError::Undecodable);
    }
    match encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(body) {
        Some(text) => Ok((text.into_owned(), true)),
        None => Err(FileError::Undecodable),
    }
}

/// Line breaks in `bytes[range]` as a spreadsheet counts them: `\r\n`, `\n` or a lone `\r`.
fn line_breaks(bytes: &[u8], from: usize, to: usize) -> u64 {
    let end = to.min(bytes.len());
    let from = from.min(end);
    let breaks = bytes[from..end]
        .iter()
        .enumerate()
        .filter(|&(k, &b)| b == b'\n' || (b == b'\r' && bytes.get(from + k + 1) != Some(&b'\n')))
        .count();
    u64::try_from(breaks).unwrap_or(u64::MAX)
}

fn read_csv(text: &str, converted_from_shift_jis: bool) -> Result<Table, FileError> {
    table_from(csv_records(text)?, 0, FileFormat::Csv, converted_from_shift_jis)
}

/// The non-blank records of a CSV text with their spreadsheet row numbers (also read by
/// [`crate::workbook`]).
pub(crate) fn csv_records(text: &str) -> Result<Vec<(u32, Vec<String>)>, FileError> {
    let bytes = text.as_bytes();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = csv::StringRecord::new();
    let mut records = Vec::new();
    // csv's own line numbers count the line breaks inside quoted cells and, after a CRLF, point at
    // the line before the record; so the row is counted here from byte offsets instead: the breaks
    // between the starts of two records, less those inside the earlier record's quoted cells.
    let mut previous_start = 0usize;
    let mut previous_inner_breaks = 0u64;
    let mut row = 1u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(FileError::Csv { detail: e.to_string() }),
        }
        let mut start = record.position().and_then(|p| usize::try_from(p.byte()).ok()).unwrap_or(previous_start);
        // The reader stops before blank lines and sometimes before the `\n` of a CRLF.
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        row = (row + line_breaks(bytes, previous_start, start)).saturating_sub(previous_inner_breaks);
        previous_start = start;
        previous_inner_breaks = record.iter().map(|cell| line_breaks(cell.as_bytes(), 0, cell.len())).sum();
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        records.push((u32::try_from(row).unwrap_or(u32::MAX), record.iter().map(str::to_owned).collect()));
    }
    Ok(records)
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, FileError> {
    read_xlsx_capped(bytes, crate::archive::MAX_CELLS)
}

fn read_xlsx_capped(bytes: &[u8], max_cells: usize) -> Result<Table, FileError> {
    crate::archive::check(bytes).map_err(|e| match e {
        crate::archive::ArchiveError::Broken(detail) => FileError::BrokenXlsx { detail },
        crate::archive::ArchiveError::Over(limit) => FileError::TooLarge(limit),
    })?;
    let broken = |e: XlsxError| match e {
        XlsxError::Password => FileError::LegacyOrEncryptedExcel,
        e => FileError::BrokenXlsx { detail: e.to_string() },
    };
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(broken)?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(FileError::BrokenXlsx { detail: "the workbook has no worksheet".into() });
    };
    // Cells one at a time (not the whole sheet as a grid), counted as they come.
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    {
        let mut reader = book.worksheet_cells_reader(&sheet).map_err(broken)?;
        while let Some(cell) = reader.next_cell().map_err(broken)? {
            // calamine's Display prints a whole float without ".0" (a corporate number typed as a
            // number reads back as its digits), booleans as true/false and an empty cell as "".
            let text = calamine::Data::from(cell.get_value().clone()).to_string();
            if text.is_empty() {
                continue;
            }
            if cells.len() == max_cells {
                return Err(FileError::TooLarge(crate::archive::Limit::Cells));
            }
            let (row, column) = cell.get_position();
            cells.push((row, column, text));
        }
    }
    let Some(first_column) = cells.iter().map(|&(_, c, _)| c).min() else {
        return Err(FileError::Empty);
    };
    cells.sort_by_key(|&(r, c, _)| (r, c));
    let mut records: Vec<(u32, Vec<String>)> = Vec::new();
    for (row, column, text) in cells {
        let spreadsheet_row = row.saturating_add(1);
        if records.last().is_none_or(|(r, _)| *r != spreadsheet_row) {
            records.push((spreadsheet_row, Vec::new()));
        }
        let Some((_, record)) = records.last_mut() else { continue };
        let at = (column - first_column) as usize;
        if record.len() <= at {
            record.resize(at + 1, String::new());
        }
        record[at] = text;
    }
    records.retain(|(_, cells)| !cells.iter().all(|cell| cell.trim().is_empty()));
    table_from(records, first_column, FileFormat::Xlsx, false)
}

fn table_from(
    records: Vec<(u32, Vec<String>)>,
    first_column: u32,
    format: FileFormat,
    converted_from_shift_jis: bool,
) -> Result<Table, FileError> {
    let mut records = records.into_iter();
    let Some((header_row, headers)) = records.next() else {
        return Err(FileError::Empty);
    };
    Ok(Table {
        header_row,
        first_column,
        headers: headers.iter().map(|h| h.trim().to_owned()).collect(),
        rows: records.collect(),
        format,
        converted_from_shift_jis,
    })
}

/// A message in both languages.
struct Message {
    en: String,
    ja: String,
}

fn validate(table: Table, given: Option<&[Option<Field>]>) -> Result<ParsedFile, FileError> {
    let mapping: Vec<Option<Field>> = match given {
        Some(m) if m.len() != table.headers.len() => {
            return Err(FileError::MappingMismatch { columns: table.headers.len(), mapping: m.len() })
        }
        Some(m) => m.to_vec(),
        None => table.headers.iter().map(|h| Field::from_header(h)).collect(),
    };
    let ignored_columns =
        table.headers.iter().zip(&mapping).filter(|(h, m)| m.is_none() && !h.is_empty()).map(|(h, _)| h.clone()).collect();
    let mut errors: Vec<(u32, Field, Message)> = Vec::new();

    let mut column_of: [Option<usize>; Field::ALL.len()] = [None; Field::ALL.len()];
    for (i, field) in mapping.iter().enumerate() {
        let Some(field) = *field else { continue };
        match column_of[field.index()] {
            None => column_of[field.index()] = Some(i),
            Some(first) => {
                let (a, b) = (column_letter(table.first_column, first), column_letter(table.first_column, i));
                let (ha, hb) = (&table.headers[first], &table.headers[i]);
                errors.push((
                    table.header_row,
                    field,
                    Message {
                        en: format!(
                            "columns {a} ({ha:?}) and {b} ({hb:?}) are both read as {key}: keep one, or choose another field for one of them",
                            key = field.key()
                        ),
                        ja: format!(
                            "{a}列「{ha}」と{b}列「{hb}」がどちらも「{label}」として読み込まれます。どちらか一方にするか、別の項目を選んでください。",
                            label = field.label_ja()
                        ),
                    },
                ));
            }
        }
    }
    for field in Field::ALL {
        if field.is_required() && column_of[field.index()].is_none() {
            let (key, label) = (field.key(), field.label_ja());
            errors.push((
                table.header_row,
                field,
                Message {
                    en: format!(
                        "no column is read as {key} ({label}): add a column headed \"{key}\" or \"{label}\", or choose one in the column mapping"
                    ),
                    ja: format!(
                        "「{label}」（{key}）として読み込む列がありません。見出しが「{label}」または「{key}」の列を追加するか、列の対応付けで選んでください。"
                    ),
                },
            ));
        }
    }

    let mut warnings: Vec<(u32, Field, Message)> = Field::ALL
        .into_iter()
        .filter(|f| column_of[f.index()].is_none())
        .filter_map(|f| missing_column_warning(f).map(|m| (table.header_row, f, m)))
        .collect();

    let rows_total = table.rows.len();
    let mut rows = Vec::new();
    // Reading rows against a broken header would only repeat the header's problem on every row.
    if errors.is_empty() {
        rows.reserve(rows_total);
        let mut first_seen: HashMap<CorporateNumber, u32> = HashMap::with_capacity(rows_total);
        for (row, cells) in &table.rows {
            // `None`: no column feeds the field; `Some("")`: a blank cell (or a short row).
            let cell = |field: Field| column_of[field.index()].map(|i| cells.get(i).map_or("", |c| c.trim()));
            let before = errors.len();
            let good = read_row(*row, cell, &mut errors, &mut warnings);
            if let Some(number) = good
                .as_ref()
                .map(|r| r.corporate_number)
                .or_else(|| CorporateNumber::parse(cell(Field::CorporateNumber).unwrap_or("")).ok())
            {
                if let Some(&earlier) = first_seen.get(&number) {
                    errors.push((*row, Field::CorporateNumber, duplicate(number, earlier)));
                } else {
                    first_seen.insert(number, *row);
                }
            }
            if errors.len() == before {
                if let Some(good) = good {
                    rows.push(good);
                }
            }
        }
    }

    // Stable: errors of one cell keep the order they were found in.
    errors.sort_by_key(|(row, field, _)| (*row, field.index()));
    warnings.sort_by_key(|(row, field, _)| (*row, field.index()));
    let cells = |list: Vec<(u32, Field, Message)>| {
        list.into_iter()
            .map(|(row, field, m)| RowError { row, column: field.key().to_owned(), message_en: m.en, message_ja: m.ja })
            .collect::<Vec<_>>()
    };
    Ok(ParsedFile {
        rows_total,
        rows,
        errors: cells(errors),
        warnings: cells(warnings),
        headers: table.headers,
        mapping,
        ignored_columns,
        converted_from_shift_jis: table.converted_from_shift_jis,
        format: table.format,
    })
}

/// Reads one data row; pushes one error per bad cell and returns the supplier only if none, and
/// one warning per blank cell that is imported with an assumption. `column(field)` is `None` when
/// no column feeds the field (that is one warning on the header row, not one per row).
fn read_row<'a>(
    row: u32,
    column: impl Fn(Field) -> Option<&'a str>,
    errors: &mut Vec<(u32, Field, Message)>,
    warnings: &mut Vec<(u32, Field, Message)>,
) -> Option<SupplierRow> {
    let before = errors.len();
    let cell = |field: Field| column(field).unwrap_or("");
    let mut warn = |field: Field| {
        if column(field) == Some("") {
            if let Some(message) = blank_warning(field) {
                warnings.push((row, field, message));
            }
        }
    };
    for field in Field::ALL {
        warn(field);
    }
    let mut fail = |field: Field, message: Message| errors.push((row, field, message));

    let corporate_number = match CorporateNumber::parse(cell(Field::CorporateNumber)) {
        Ok(n) => Some(n),
        Err(e) => {
            fail(Field::CorporateNumber, Message { en: e.to_string(), ja: e.message_ja() });
            None
        }
    };
    let name = cell(Field::Name);
    if name.is_empty() {
        fail(
            Field::Name,
            Message {
                en: "the name is empty: enter the supplier's company name".into(),
                ja: "名称が空です。取引先の会社名を入力してください。".into(),
            },
        );
    }
    let annual_purchase = match cell(Field::AnnualPurchaseYen) {
        "" => None,
        // In a Shift_JIS file ¥ is the byte 0x5C, which decodes as a backslash.
        text => match Yen::parse(&text.strip_prefix('\\').map_or_else(|| text.to_owned(), |rest| format!("¥{rest}"))) {
            Ok(y) => Some(y),
            Err(e) => {
                fail(Field::AnnualPurchaseYen, Message { en: e.to_string(), ja: e.message_ja() });
                None
            }
        },
    };
    // A blank answer (or no column) is unanswered, never "no".
    let mut flag = |field: Field| match cell(field) {
        "" => None,
        text => match parse_bool(text) {
            Some(b) => Some(b),
            None => {
                fail(field, bad_bool(field, text));
                None
            }
        },
    };
    let answers = RelationshipAnswers {
        holds_confidential_data: flag(Field::HoldsConfidentialData),
        outage_unacceptable: flag(Field::OutageUnacceptable),
        network_access: flag(Field::NetworkAccess),
    };
    let criticality = match cell(Field::Criticality) {
        "" => Criticality::Medium,
        text => Criticality::parse(text).unwrap_or_else(|| {
            fail(
                Field::Criticality,
                Message {
                    en: format!(
                        "the criticality {text:?} is not one of low, medium or high (or 低, 中, 高); a blank cell is imported as medium"
                    ),
                    ja: format!(
                        "重要度「{text}」が読み取れません。低・中・高（low・medium・high）のいずれかで入力してください（空欄は「中」）。"
                    ),
                },
            );
            Criticality::Medium
        }),
    };
    let contact_email = match cell(Field::ContactEmail) {
        "" => None,
        text => match check_email(text) {
            Ok(()) => Some(text.to_owned()),
            Err((en, ja)) => {
                fail(
                    Field::ContactEmail,
                    Message {
                        en: format!("the contact email {text:?} is not an email address: {en} (e.g. tanaka@example.co.jp)"),
                        ja: format!("連絡先メール「{text}」はメールアドレスの形式ではありません（{ja}）。例: tanaka@example.co.jp"),
                    },
                );
                None
            }
        },
    };
    if errors.len() != before {
        return None;
    }
    Some(SupplierRow {
        row,
        corporate_number: corporate_number?,
        name: name.to_owned(),
        annual_purchase,
        supplies: cell(Field::Supplies).to_owned(),
        answers,
        criticality,
        contact_email,
    })
}

fn duplicate(number: CorporateNumber, earlier: u32) -> Message {
    Message {
        en: format!("the corporate number {number} already appears in row {earlier}: list each supplier once"),
        ja: format!("法人番号「{number}」は{earlier}行目にもあります。取引先は1社につき1行で記載してください。"),
    }
}

/// Yes/no as people write it in either language. `None`: not a yes/no answer (blank is not
/// handled here: it is unanswered, not "no").
fn parse_bool(text: &str) -> Option<bool> {
    match normalize_value(text).as_str() {
        "no" | "n" | "false" | "0" | "いいえ" | "×" | "✕" | "✗" | "無" | "なし" | "無し" => Some(false),
        // 〇 (U+3007) and ◯ (U+25EF) are typed for ○ (U+25CB) as often as ○ itself.
        "yes" | "y" | "true" | "1" | "はい" | "○" | "〇" | "◯" | "有" | "あり" | "有り" => Some(true),
        _ => None,
    }
}

fn bad_bool(field: Field, text: &str) -> Message {
    Message {
        en: format!(
            "{text:?} is not a yes/no answer for {key}: write yes/no, y/n, true/false, 1/0, はい/いいえ, ○/×, 有/無 or あり/なし",
            key = field.key()
        ),
        ja: format!(
            "{label}の値「{text}」が読み取れません。はい/いいえ、○/×、有/無、あり/なし、yes/no、y/n、true/false、1/0 のいずれかで入力してください。",
            label = field.label_ja()
        ),
    }
}

/// The warning for a blank cell of `field`, if a blank there is imported with an assumption.
fn blank_warning(field: Field) -> Option<Message> {
    let (key, label) = (field.key(), field.label_ja());
    Some(match field {
        Field::HoldsConfidentialData | Field::OutageUnacceptable | Field::NetworkAccess => Message {
            en: format!(
                "{key} is blank, and a blank is not \"no\": it is imported as not answered and counts as yes, so ★4 is required \
                 until you answer (write yes or no)"
            ),
            ja: format!(
                "{label}が空欄です。空欄は「いいえ」ではありません。未回答として取り込み、回答されるまで「はい」として扱います（★4を求めます）。はい・いいえを入力してください。"
            ),
        },
        Field::AnnualPurchaseYen => Message {
            en: "the annual purchase amount is blank: it is imported as unknown and adds nothing to the risk score's share of purchases"
                .into(),
            ja: "年間購入額が空欄です。不明として取り込み、リスクスコアの購入額の割合には数えません。".into(),
        },
        Field::Criticality => Message {
            en: "the criticality is blank: it is imported as medium (中)".into(),
            ja: "重要度が空欄です。「中」として取り込みます。".into(),
        },
        Field::CorporateNumber | Field::Name | Field::Supplies | Field::ContactEmail => return None,
    })
}

/// The warning, on the header row, for a field no column feeds, if its absence is imported with
/// an assumption for every row.
fn missing_column_warning(field: Field) -> Option<Message> {
    let (key, label) = (field.key(), field.label_ja());
    let (en, ja) = match field {
        Field::HoldsConfidentialData | Field::OutageUnacceptable | Field::NetworkAccess => (
            "every row's answer is imported as not answered and counts as yes, so ★4 is required of every supplier until you answer",
            "全ての行で未回答として取り込み、回答されるまで「はい」として扱います（全ての取引先に★4を求めます）",
        ),
        Field::AnnualPurchaseYen => ("every amount is imported as unknown", "全ての年間購入額を不明として取り込みます"),
        Field::Criticality => ("every supplier is imported as medium (中)", "全ての取引先の重要度を「中」として取り込みます"),
        Field::CorporateNumber | Field::Name | Field::Supplies | Field::ContactEmail => return None,
    };
    Some(Message {
        en: format!(
            "no column is read as {key} ({label}): {en}; add a column headed \"{key}\" or \"{label}\", or choose one in the column mapping"
        ),
        ja: format!(
            "「{label}」（{key}）として読み込む列がありません。{ja}。見出しが「{label}」または「{key}」の列を追加するか、列の対応付けで選んでください。"
        ),
    })
}

/// A plausibility check, not RFC 5322: enough to catch a name or phone number in the wrong column.
fn check_email(text: &str) -> Result<(), (&'static str, &'static str)> {
    if text.chars().any(char::is_whitespace) {
        return Err(("it contains a space", "空白が含まれています"));
    }
    let mut parts = text.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(match text.matches('@').count() {
            0 if text.contains('＠') => {
                ("it has a full-width ＠: use the half-width @", "全角の「＠」が使われています。半角の「@」にしてください")
            }
            0 => ("it has no @", "「@」がありません"),
            _ => ("it has more than one @", "「@」が複数あります"),
        });
    };
    if local.is_empty() {
        return Err(("nothing comes before the @", "「@」の前が空です"));
    }
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err((
            "the part after the @ is not a domain such as example.co.jp",
            "「@」の後ろがドメイン（例: example.co.jp）になっていません",
        ));
    }
    Ok(())
}

/// Full-width ASCII (as typed with a Japanese IME) to half-width, and the ideographic space to a space.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// A cell value compared case-insensitively and regardless of full-width letters.
fn normalize_value(text: &str) -> String {
    text.trim().chars().map(half_width).flat_map(char::to_lowercase).collect()
}

/// A header reduced to what identifies it: half-width, lower case, without spaces, `_ - . * ※ :`
/// and without notes in brackets (`法人番号（必須）`, `Annual purchase (yen)`, `【任意】メール`).
fn normalize_header(header: &str) -> String {
    let plain: String = header
        .chars()
        .map(half_width)
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.' | '*' | '※' | ':' | '\u{FEFF}'))
        .collect();
    without_brackets(plain)
}

/// The text without what stands in brackets (`(…)`, `[…]`, `【…】`), or the whole text when
/// nothing else is left. Shared by the readers of headers (`supplier_file`, `workbook`).
pub(crate) fn without_brackets(plain: String) -> String {
    let mut depth = 0usize;
    let mut outside = String::with_capacity(plain.len());
    for c in plain.chars() {
        match c {
            '(' | '[' | '【' => depth += 1,
            ')' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth == 0 => outside.push(c),
            _ => {}
        }
    }
    if outside.is_empty() {
        plain
    } else {
        outside
    }
}

/// The spreadsheet letter of a column (A, B, …, Z, AA, …) for messages.
fn column_letter(first_column: u32, index: usize) -> String {
    let mut n = u64::from(first_column) + index as u64 + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid corporate number for a small integer.
    fn number(i: u64) -> CorporateNumber {
        let mut base = [0u8; 12];
        let mut n = 100_000_000_000 + i;
        for d in base.iter_mut().rev() {
            *d = (n % 10) as u8;
            n /= 10;
        }
        CorporateNumber::from_base(&base).expect("digits")
    }

    fn error_cells(parsed: &ParsedFile) -> Vec<(u32, &str)> {
        parsed.errors.iter().map(|e| (e.row, e.column.as_str())).collect()
    }

    fn warning_cells(parsed: &ParsedFile) -> Vec<(u32, &str)> {
        parsed.warnings.iter().map(|w| (w.row, w.column.as_str())).collect()
    }

    const HEADER: &str =
        "corporate_number,name,annual_purchase_yen,supplies,holds_confidential_data,outage_unacceptable,network_access,criticality,contact_email";

    #[test]
    fn english_file_reads_every_field() {
        let csv = format!("{HEADER}\n{},Acme,\"1,000,000\",bolts,yes,no,1,high,buyer@acme.example.jp\n", number(1));
        let parsed = parse(csv.as_bytes()).expect("readable");
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.format, FileFormat::Csv);
        assert!(!parsed.converted_from_shift_jis);
        assert_eq!(parsed.mapping, Field::ALL.map(Some).to_vec());
        assert_eq!(
            parsed.rows,
            vec![SupplierRow {
                row: 2,
                corporate_number: number(1),
                name: "Acme".into(),
                annual_purchase: Some(Yen::new(1_000_000)),
                supplies: "bolts".into(),
                answers: RelationshipFacts { holds_confidential_data: true, outage_unacceptable: false, network_access: true }.into(),
                criticality: Criticality::High,
                contact_email: Some("buyer@acme.example.jp".into()),
            }]
        );
        assert_eq!(parsed.warnings, vec![], "every cell filled in");
    }

    const JA_HEADER: &str = "法人番号（必須）, 会社名 ,年間取引額,品目,機密情報,停止影響,社内システムへの接続,重要度,メールアドレス,備考";

    fn japanese_csv() -> String {
        format!(
            "{JA_HEADER}\n\
             ７０００－０１２０－５０００２,国税商事,１，２３４円,部品,はい,○,有,高,a@b.co.jp,メモ\n\
             {},東京製作所,,,いいえ,×,なし,低,,\n\
             {},大阪工業,¥500,保守,あり,〇,無,中,,\n",
            number(2),
            number(3)
        )
    }

    #[test]
    fn japanese_headers_and_values_are_understood() {
        let parsed = parse(japanese_csv().as_bytes()).expect("readable");
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.ignored_columns, vec!["備考".to_owned()]);
        assert_eq!(parsed.headers[1], "会社名");
        assert_eq!(parsed.rows.len(), 3);
        let first = &parsed.rows[0];
        assert_eq!(first.corporate_number.to_string(), "7000012050002");
        assert_eq!(first.annual_purchase, Some(Yen::new(1234)));
        assert_eq!(first.facts(), RelationshipFacts { holds_confidential_data: true, outage_unacceptable: true, network_access: true });
        assert_eq!(first.criticality, Criticality::High);
        let second = &parsed.rows[1];
        assert_eq!(
            (second.annual_purchase, second.answers, second.criticality),
            (None, RelationshipFacts::default().into(), Criticality::Low)
        );
        assert_eq!(second.contact_email, None);
        assert_eq!(parsed.rows[2].criticality, Criticality::Medium);
        assert!(parsed.rows[2].facts().outage_unacceptable);
        // Row 3's blank amount is the one warning; a blank supplies or email needs none.
        assert_eq!(warning_cells(&parsed), vec![(3, "annual_purchase_yen")]);
    }

    #[test]
    fn header_variants_match() {
        for (header, field) in [
            (" Corporate Number ", Field::CorporateNumber),
            ("CORPORATE_NUMBER", Field::CorporateNumber),
            ("\u{3000}法人番号\u{3000}", Field::CorporateNumber),
            ("【必須】法人番号", Field::CorporateNumber),
            ("ｃｏｒｐｏｒａｔｅ　ｎｕｍｂｅｒ", Field::CorporateNumber),
            ("企業名", Field::Name),
            ("取引先名", Field::Name),
            ("Annual purchase (yen)", Field::AnnualPurchaseYen),
            ("年間発注額（円）", Field::AnnualPurchaseYen),
            ("取引内容", Field::Supplies),
            ("機密情報の保有", Field::HoldsConfidentialData),
            ("供給停止が許容できない", Field::OutageUnacceptable),
            ("ネットワーク接続", Field::NetworkAccess),
            ("E-mail", Field::ContactEmail),
            ("担当者メール", Field::ContactEmail),
            ("連絡先メール", Field::ContactEmail),
        ] {
            assert_eq!(Field::from_header(header), Some(field), "{header}");
        }
        for field in Field::ALL {
            assert_eq!(Field::from_header(field.key()), Some(field));
            assert_eq!(Field::from_header(field.label_ja()), Some(field));
            assert_eq!(Field::from_header(field.label_en()), Some(field), "{}", field.label_en());
        }
        assert_eq!(Field::from_header("備考"), None);
        assert_eq!(Field::from_header(""), None);
    }

    #[test]
    fn bom_and_crlf_are_accepted_and_blank_lines_keep_row_numbers() {
        let csv = format!(
            "\u{FEFF}corporate_number,name,criticality\r\n{},A,\r\n\r\n{},B,urgent\r\n,,\r\n{},C,high\r\n",
            number(1),
            number(2),
            number(3)
        );
        let parsed = parse(csv.as_bytes()).expect("readable");
        assert_eq!(parsed.headers[0], "corporate_number");
        assert_eq!(error_cells(&parsed), vec![(4, "criticality")]);
        assert_eq!(parsed.rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![2, 6]);
        assert_eq!(parsed.rows_total, 3);
        assert_eq!(parsed.rows_ok(), 2);
    }

    #[test]
    fn blank_lines_keep_spreadsheet_row_numbers_with_lf() {
        let csv = format!("name,corporate_number\n\nA,{}\n\n\n , \nB,123\n", number(1));
        let parsed = parse(csv.as_bytes()).expect("readable");
        assert_eq!(parsed.rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![3]);
        assert_eq!(error_cells(&parsed), vec![(7, "corporate_number")]);
        assert_eq!(parsed.rows_total, 2);
        assert!(parsed.errors[0].message_en.contains("3 digits"), "{}", parsed.errors[0].message_en);
    }

    #[test]
    fn quoted_multi_line_cell_does_not_shift_later_rows() {
        for newline in ["\n", "\r\n"] {
            let csv = format!(
                "corporate_number,name,supplies,contact_email{newline}\
                 {},A,\"bolts{newline}nuts{newline}{newline}washers\",{newline}\
                 {},B,,not-an-email{newline}\
                 {newline}\
                 {},\"C{newline}Co\",,x@y{newline}",
                number(1),
                number(2),
                number(3)
            );
            let parsed = parse(csv.as_bytes()).expect("readable");
            assert_eq!(error_cells(&parsed), vec![(3, "contact_email"), (5, "contact_email")], "{newline:?}");
            assert_eq!(parsed.rows[0].supplies, format!("bolts{newline}nuts{newline}{newline}washers"));
            assert_eq!(parsed.rows[0].row, 2);
        }
    }

    #[test]
    fn amounts_are_read_as_people_write_them() {
        let csv = format!(
            "corporate_number,name,annual_purchase_yen\n{},A,\"1,000,000\"\n{},B,\"¥1,000,000\"\n{},C,\"1,000,000円\"\n{},D,１０００\n{},E,1.5\n",
            number(1),
            number(2),
            number(3),
            number(4),
            number(5)
        );
        let parsed = parse(csv.as_bytes()).expect("readable");
        let amounts: Vec<_> = parsed.rows.iter().map(|r| r.annual_purchase).collect();
        assert_eq!(amounts, vec![Some(Yen::new(1_000_000)); 3].into_iter().chain([Some(Yen::new(1000))]).collect::<Vec<_>>());
        assert_eq!(error_cells(&parsed), vec![(6, "annual_purchase_yen")]);
        assert!(parsed.errors[0].message_ja.contains("小数"));
    }

    #[test]
    fn shift_jis_is_converted_and_flagged() {
        let text = japanese_csv();
        let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&sjis).is_err(), "the test needs bytes that are not UTF-8");
        let parsed = parse(&sjis).expect("Shift_JIS is read");
        assert!(parsed.converted_from_shift_jis);
        let utf8 = parse(text.as_bytes()).expect("readable");
        assert!(!utf8.converted_from_shift_jis);
        assert_eq!(parsed.rows, utf8.rows);
        assert_eq!(parsed.headers, utf8.headers);
    }

    #[test]
    fn undecodable_bytes_are_refused_with_the_save_as_advice() {
        let mut bytes = b"corporate_number,name\n7000012050002,".to_vec();
        bytes.extend([0xFF, 0xFD, 0x80, 0xA0]);
        let err = parse(&bytes).expect_err("neither UTF-8 nor Shift_JIS");
        assert_eq!(err, FileError::Undecodable);
        assert!(err.to_string().contains("File → Save As → CSV UTF-8 (comma delimited) (*.csv)"), "{err}");
        assert!(err.message_ja().contains("ファイル → 名前を付けて保存 → CSV UTF-8（コンマ区切り）"));
        // UTF-16 ("Unicode text") and an .xls workbook are refused too.
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("name\tx".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(parse(&utf16), Err(FileError::Undecodable));
        assert_eq!(parse(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]), Err(FileError::LegacyOrEncryptedExcel));
        assert_eq!(parse(b""), Err(FileError::Empty));
        assert_eq!(parse(b"\n\n,,\n"), Err(FileError::Empty));
    }

    #[test]
    fn missing_required_column_is_a_header_error() {
        let csv = format!("corporate_number,supplies\n{},bolts\n{},nuts\n", number(1), number(2));
        let parsed = parse(csv.as_bytes()).expect("readable");
        assert_eq!(error_cells(&parsed), vec![(1, "name")]);
        assert!(parsed.errors[0].message_en.contains("\"名称\""), "{}", parsed.errors[0].message_en);
        assert_eq!(parsed.rows, vec![]);
        assert_eq!(parsed.rows_total, 2);
        assert_eq!(parsed.bad_rows(), BTreeSet::from([1]));

        let parsed = parse("会社名,取引先名,法人番号\nA,B,7000012050002\n".as_bytes()).expect("readable");
        assert_eq!(error_cells(&parsed), vec![(1, "name")]);
        assert!(parsed.errors[0].message_en.contains("columns A (\"会社名\") and B (\"取引先名\")"), "{}", parsed.errors[0].message_en);
    }

    #[test]
    fn user_mapping_renames_columns() {
        let csv = format!("番号,会社,メモ\n{},Acme,x\n{},Beta\n", number(1), number(2));
        let auto = parse(csv.as_bytes()).expect("readable");
        assert_eq!(error_cells(&auto), vec![(1, "corporate_number"), (1, "name")]);
        assert_eq!(auto.ignored_columns, vec!["番号", "会社", "メモ"]);

        let mapping = [Some(Field::CorporateNumber), Some(Field::Name), None];
        let parsed = parse_with_mapping(csv.as_bytes(), &mapping).expect("readable");
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(parsed.rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), vec!["Acme", "Beta"]);
        assert_eq!(parsed.ignored_columns, vec!["メモ"]);
        assert_eq!(parsed.mapping, mapping);

        let twice =
            parse_with_mapping(csv.as_bytes(), &[Some(Field::CorporateNumber), Some(Field::Name), Some(Field::Name)]).expect("readable");
        assert_eq!(error_cells(&twice), vec![(1, "name")]);
        assert_eq!(parse_with_mapping(csv.as_bytes(), &mapping[..2]), Err(FileError::MappingMismatch { columns: 3, mapping: 2 }));
    }

    #[test]
    fn short_and_long_rows_are_fine_when_required_cells_are_there() {
        let csv = format!(
            "corporate_number,name,criticality,contact_email\n{},A\n{},B,low,b@c.jp,extra,cells\n{}\n",
            number(1),
            number(2),
            number(3)
        );
        let parsed = parse(csv.as_bytes()).expect("readable");
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(error_cells(&parsed), vec![(4, "name")]);
    }

    #[test]
    fn messages_are_bilingual_and_serialise_in_one_language() {
        let csv = format!("corporate_number,name,network_access\n8000012050002,A,maybe\n{},,\n", number(1));
        let parsed = parse(csv.as_bytes()).expect("readable");
        assert_eq!(error_cells(&parsed), vec![(2, "corporate_number"), (2, "network_access"), (3, "name")]);
        assert!(parsed.errors[0].message_en.contains("expected 7"));
        assert!(parsed.errors[0].message_ja.contains("正しくは7"));
        assert!(parsed.errors[1].message_en.contains("はい/いいえ"));
        assert_eq!(
            parsed.errors[2].in_lang(Lang::Ja),
            RowMessage { row: 3, column: "name", message: "名称が空です。取引先の会社名を入力してください。" }
        );
        assert_eq!(parsed.errors[2].message(Lang::En), "the name is empty: enter the supplier's company name");
    }

    /// The three ★4 questions, by their English and Japanese headers.
    const QUESTIONS: [(Field, &str, &str); 3] = [
        (Field::HoldsConfidentialData, "holds_confidential_data", "機密情報の保有"),
        (Field::OutageUnacceptable, "outage_unacceptable", "停止影響"),
        (Field::NetworkAccess, "network_access", "ネットワーク接続"),
    ];

    fn answer(row: &SupplierRow, field: Field) -> Option<bool> {
        match field {
            Field::HoldsConfidentialData => row.answers.holds_confidential_data,
            Field::OutageUnacceptable => row.answers.outage_unacceptable,
            Field::NetworkAccess => row.answers.network_access,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_blank_star_four_question_is_unanswered_not_no() {
        for japanese in [false, true] {
            for (i, (field, en, ja)) in QUESTIONS.into_iter().enumerate() {
                // The other two answered "no": only the column under test decides.
                let headers: Vec<&str> = QUESTIONS.iter().map(|q| if japanese { q.2 } else { q.1 }).collect();
                let (number, name, no, yes) =
                    if japanese { ("法人番号", "名称", "いいえ", "はい") } else { ("corporate_number", "name", "no", "yes") };
                let cells =
                    |value: &str| (0..3).map(|k| if k == i { value.to_owned() } else { no.to_owned() }).collect::<Vec<_>>().join(",");
                let csv = format!(
                    "{number},{name},{},annual_purchase_yen,criticality\n{},Blank,{},100,low\n{},No,{},100,low\n{},Yes,{},100,low\n{},Spaces,{},100,low\n",
                    headers.join(","),
                    self::number(1),
                    cells(""),
                    self::number(2),
                    cells(no),
                    self::number(3),
                    cells(yes),
                    self::number(4),
                    cells(" \u{3000} "),
                );
                let parsed = parse(csv.as_bytes()).expect("readable");
                let label = if japanese { ja } else { en };
                assert_eq!(parsed.errors, vec![], "{label}");
                assert_eq!(parsed.rows.len(), 4, "a blank is not an error: the row is imported");
                let answers: Vec<Option<bool>> = parsed.rows.iter().map(|r| answer(r, field)).collect();
                assert_eq!(answers, vec![None, Some(false), Some(true), None], "{label}: blank, no, yes, blank (spaces)");
                let levels: Vec<u8> = parsed.rows.iter().map(|r| crate::required_level::required_level(r.facts()).get()).collect();
                assert_eq!(levels, vec![4, 3, 4, 4], "{label}: a blank is never ★3");
                assert_eq!(warning_cells(&parsed), vec![(2, field.key()), (5, field.key())], "{label}");
                let w = &parsed.warnings[0];
                assert!(w.message_en.contains("not \"no\"") && w.message_en.contains("★4"), "{}", w.message_en);
                assert!(w.message_ja.contains(field.label_ja()) && w.message_ja.contains("未回答"), "{}", w.message_ja);
                assert_eq!(parsed.warnings_to_accept().len(), 2);
            }
        }
    }

    #[test]
    fn a_missing_star_four_column_is_one_warning_on_the_header() {
        let csv = format!("法人番号,名称,年間購入額,重要度,停止影響\n{},A,100,高,いいえ\n{},B,200,低,\n", number(1), number(2));
        let parsed = parse(csv.as_bytes()).expect("readable");
        assert_eq!(parsed.errors, vec![]);
        assert_eq!(warning_cells(&parsed), vec![(1, "holds_confidential_data"), (1, "network_access"), (3, "outage_unacceptable")]);
        assert!(
            parsed.warnings[0].message_en.contains("no column is read as holds_confidential_data"),
            "{}",
            parsed.warnings[0].message_en
        );
        assert!(parsed.warnings[0].message_ja.contains("全ての取引先に★4"), "{}", parsed.warnings[0].message_ja);
        let a = &parsed.rows[0].answers;
        assert_eq!((a.holds_confidential_data, a.outage_unacceptable, a.network_access), (None, Some(false), None));
        assert!(parsed.rows.iter().all(|r| crate::required_level::required_level(r.facts()) == hoshi_ids::Level::FOUR));

        // Mapping a column by hand removes its warning.
        let mapped = parse_with_mapping(
            csv.as_bytes(),
            &[Some(Field::CorporateNumber), Some(Field::Name), Some(Field::AnnualPurchaseYen), None, Some(Field::OutageUnacceptable)],
        )
        .expect("readable");
        assert_eq!(
            warning_cells(&mapped),
            vec![(1, "holds_confidential_data"), (1, "network_access"), (1, "criticality"), (3, "outage_unacceptable")]
        );
    }

    #[test]
    fn a_blank_amount_or_criticality_is_a_warning_and_imported_as_today() {
        for (header, blank) in [
            (
                "corporate_number,name,annual_purchase_yen,criticality,holds_confidential_data,outage_unacceptable,network_access",
                ",,,no,no,no",
            ),
            ("法人番号,名称,年間購入額,重要度,機密情報の保有,停止影響,ネットワーク接続", ",,,いいえ,いいえ,いいえ"),
        ] {
            let csv = format!("{header}\n{},A{blank}\n{},B,\"1,000\",high,no,no,no\n", number(1), number(2));
            let parsed = parse(csv.as_bytes()).expect("readable");
            assert_eq!(parsed.errors, vec![], "{header}");
            assert_eq!(warning_cells(&parsed), vec![(2, "annual_purchase_yen"), (2, "criticality")], "{header}");
            let (a, b) = (&parsed.rows[0], &parsed.rows[1]);
            assert_eq!((a.annual_purchase, a.criticality), (None, Criticality::Medium), "unknown amount, medium as before");
            assert_eq!((b.annual_purchase, b.criticality), (Some(Yen::new(1000)), Criticality::High));
            assert_eq!(crate::required_level::required_level(a.facts()), hoshi_ids::Level::THREE, "three answered noes: ★3");
            assert!(parsed.warnings[1].message_en.contains("medium"), "{}", parsed.warnings[1].message_en);
            assert!(parsed.warnings[0].message_ja.contains("年間購入額が空欄"), "{}", parsed.warnings[0].message_ja);
        }
        // Missing columns: one warning each on the header row.
        let parsed = parse(
            format!("corporate_number,name,holds_confidential_data,outage_unacceptable,network_access\n{},A,no,no,no\n", number(1))
                .as_bytes(),
        )
        .expect("readable");
        assert_eq!(warning_cells(&parsed), vec![(1, "annual_purchase_yen"), (1, "criticality")]);
    }

    #[test]
    fn warnings_on_rows_with_errors_need_no_consent() {
        let csv = format!(
            "corporate_number,name,annual_purchase_yen,criticality,holds_confidential_data,outage_unacceptable,network_access\n\
             1234567890123,Bad,100,low,,no,no\n{},Good,100,low,no,no,no\n{},Blank,100,low,no,,no\n",
            number(1),
            number(2)
        );
        let parsed = parse(csv.as_bytes()).expect("readable");
        assert_eq!(error_cells(&parsed), vec![(2, "corporate_number")]);
        assert_eq!(warning_cells(&parsed), vec![(2, "holds_confidential_data"), (4, "outage_unacceptable")], "every warning is shown");
        let to_accept: Vec<u32> = parsed.warnings_to_accept().iter().map(|w| w.row).collect();
        assert_eq!(to_accept, vec![4], "row 2 is not imported");
        assert_eq!(parsed.warnings[0].in_lang(Lang::En).column, "holds_confidential_data");
    }

    #[test]
    fn email_checks() {
        for ok in ["a@b.jp", "tanaka.taro+x@mail.example.co.jp"] {
            assert_eq!(check_email(ok), Ok(()), "{ok}");
        }
        for bad in ["a b@c.jp", "ab.jp", "a@b@c.jp", "@b.jp", "a@localhost", "a@.jp", "a@b.", "a@b..jp", "a＠b.jp"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    /// What a generated row gets wrong, and which column says so.
    #[derive(Clone, Copy, Debug)]
    enum Fault {
        CheckDigit,
        Boolean,
        Criticality,
        Amount,
        Email,
        EmptyName,
        Duplicate,
    }

    #[test]
    fn three_thousand_rows_report_exactly_the_injected_faults() {
        let faults =
            [Fault::CheckDigit, Fault::Boolean, Fault::Criticality, Fault::Amount, Fault::Email, Fault::EmptyName, Fault::Duplicate];
        let mut csv = String::from(HEADER);
        csv.push('\n');
        let mut injected = std::collections::BTreeMap::new();
        for i in 0..3000u64 {
            let row = u32::try_from(i).expect("small") + 2;
            let fault = if i > 0 && i % 73 == 0 { Some(faults[(i / 73) as usize % faults.len()]) } else { None };
            let mut number = number(i).to_string();
            let (mut name, mut amount, mut flag, mut crit, mut email) = (
                format!("Supplier {i}"),
                format!("\"{}\"", Yen::new((i + 1) * 1000).grouped()),
                ["yes", "no", "はい", "×"][i as usize % 4],
                "low",
                format!("s{i}@example.jp"),
            );
            match fault {
                Some(Fault::CheckDigit) => {
                    let first = number.as_bytes()[0] - b'0';
                    number.replace_range(0..1, &(first % 9 + 1).to_string());
                }
                Some(Fault::Boolean) => flag = "maybe",
                Some(Fault::Criticality) => crit = "urgent",
                Some(Fault::Amount) => amount = "12.5".into(),
                Some(Fault::Email) => email = format!("s{i}.example.jp"),
                Some(Fault::EmptyName) => name = String::new(),
                Some(Fault::Duplicate) => number = self::number(5).to_string(),
                None => {}
            }
            if let Some(fault) = fault {
                let column = match fault {
                    Fault::CheckDigit | Fault::Duplicate => "corporate_number",
                    Fault::Boolean => "network_access",
                    Fault::Criticality => "criticality",
                    Fault::Amount => "annual_purchase_yen",
                    Fault::Email => "contact_email",
                    Fault::EmptyName => "name",
                };
                injected.insert(row, column);
            }
            csv.push_str(&format!("{number},{name},{amount},parts,no,{},{flag},{crit},{email}\n", if i % 2 == 0 { "y" } else { "n" }));
        }
        assert!((35..=45).contains(&injected.len()), "{}", injected.len());

        let started = std::time::Instant::now();
        let parsed = parse(csv.as_bytes()).expect("readable");
        eprintln!("3,000 rows parsed in {:?}", started.elapsed());

        assert_eq!(parsed.rows_total, 3000);
        assert_eq!(parsed.rows_ok(), 3000 - injected.len());
        let found: Vec<(u32, &str)> = error_cells(&parsed);
        assert_eq!(found, injected.iter().map(|(r, c)| (*r, *c)).collect::<Vec<_>>());
        let duplicate = parsed.errors.iter().find(|e| e.message_en.contains("already appears")).expect("a duplicate");
        assert!(duplicate.message_en.contains("row 7"), "{}", duplicate.message_en);
        assert!(parsed.errors.iter().any(|e| e.column == "corporate_number" && e.message_en.contains("check digit")));
        assert!(parsed.rows.windows(2).all(|w| w[0].row < w[1].row));
        assert!(parsed.rows.iter().all(|r| !injected.contains_key(&r.row)));
    }

    #[test]
    fn ten_thousand_rows_are_fast() {
        let mut csv = String::from(HEADER);
        csv.push('\n');
        for i in 0..10_000u64 {
            csv.push_str(&format!("{},Supplier {i},\"1,000,000\",parts,yes,no,はい,high,s{i}@example.jp\n", number(i)));
        }
        let started = std::time::Instant::now();
        let parsed = parse(csv.as_bytes()).expect("readable");
        let took = started.elapsed();
        eprintln!("10,000 rows parsed in {took:?}");
        assert_eq!(parsed.rows_ok(), 10_000);
        // Generous for an unoptimised build on a busy machine; release is far faster.
        assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A zip archive with uncompressed entries: enough for calamine, without a zip dependency.
    fn zip_stored(files: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in files {
            let (name, data) = (name.as_bytes(), data.as_bytes());
            let offset = u32::try_from(out.len()).expect("small");
            let (crc, size, name_len) = (crc32(data), u32::try_from(data.len()).expect("small"), u16::try_from(name.len()).expect("small"));
            // Version 2.0, no flags, stored, time 0, date 1980-01-01.
            let common = |v: &mut Vec<u8>| {
                for x in [20u16, 0, 0, 0, 0x21] {
                    v.extend(x.to_le_bytes());
                }
                for x in [crc, size, size] {
                    v.extend(x.to_le_bytes());
                }
                v.extend(name_len.to_le_bytes());
                v.extend(0u16.to_le_bytes());
            };
            out.extend(0x0403_4b50u32.to_le_bytes());
            common(&mut out);
            out.extend(name);
            out.extend(data);
            central.extend(0x0201_4b50u32.to_le_bytes());
            central.extend(20u16.to_le_bytes());
            common(&mut central);
            for x in [0u16, 0, 0] {
                central.extend(x.to_le_bytes());
            }
            central.extend(0u32.to_le_bytes());
            central.extend(offset.to_le_bytes());
            central.extend(name);
        }
        let (cd_offset, cd_size) = (u32::try_from(out.len()).expect("small"), u32::try_from(central.len()).expect("small"));
        let count = u16::try_from(files.len()).expect("small");
        out.extend(central);
        out.extend(0x0605_4b50u32.to_le_bytes());
        for x in [0u16, 0, count, count] {
            out.extend(x.to_le_bytes());
        }
        out.extend(cd_size.to_le_bytes());
        out.extend(cd_offset.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out
    }

    fn xlsx(sheet_data: &str) -> Vec<u8> {
        const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
        let content_types = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
            <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
            <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
            <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
            <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
            <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
            </Types>";
        let rels = format!("<Relationships xmlns=\"{PKG}\"><Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>");
        let workbook = format!(
            "<workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\"><sheets><sheet name=\"取引先\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
        );
        let workbook_rels = format!(
            "<Relationships xmlns=\"{PKG}\"><Relationship Id=\"rId1\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>"
        );
        let sheet = format!("<worksheet xmlns=\"{MAIN}\"><sheetData>{sheet_data}</sheetData></worksheet>");
        zip_stored(&[
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", &rels),
            ("xl/workbook.xml", &workbook),
            ("xl/_rels/workbook.xml.rels", &workbook_rels),
            ("xl/worksheets/sheet1.xml", &sheet),
        ])
    }

    fn inline(cell: &str, text: &str) -> String {
        format!("<c r=\"{cell}\" t=\"inlineStr\"><is><t>{text}</t></is></c>")
    }

    #[test]
    fn xlsx_reads_like_the_same_csv() {
        let header: String = ["法人番号", "名称", "年間購入額", "機密情報の保有", "重要度", "備考"]
            .iter()
            .zip('A'..)
            .map(|(h, c)| inline(&format!("{c}1"), h))
            .collect();
        let second = number(2).to_string();
        let sheet = format!(
            "<row r=\"1\">{header}</row>\
             <row r=\"2\"><c r=\"A2\"><v>7000012050002</v></c>{}<c r=\"C2\"><v>1500000</v></c><c r=\"D2\" t=\"b\"><v>1</v></c>{}</row>\
             <row r=\"4\">{}{}{}{}{}</row>\
             <row r=\"5\">{}{}{}</row>",
            inline("B2", "国税商事"),
            inline("E2", "高"),
            inline("A4", &second),
            inline("B4", "東京製作所"),
            inline("C4", "¥2,000"),
            inline("D4", "いいえ"),
            inline("F4", "メモ"),
            inline("A5", &second),
            inline("B5", "重複"),
            inline("E5", "最高"),
        );
        let parsed = parse(&xlsx(&sheet)).expect("a valid workbook");
        assert_eq!(parsed.format, FileFormat::Xlsx);
        assert_eq!(parsed.headers, vec!["法人番号", "名称", "年間購入額", "機密情報の保有", "重要度", "備考"]);
        assert_eq!(parsed.ignored_columns, vec!["備考"]);

        let csv = format!(
            "法人番号,名称,年間購入額,機密情報の保有,重要度,備考\n7000012050002,国税商事,1500000,true,高,\n\n{second},東京製作所,\"¥2,000\",いいえ,,メモ\n{second},重複,,,最高,\n"
        );
        let from_csv = parse(csv.as_bytes()).expect("readable");
        assert_eq!(parsed.rows, from_csv.rows);
        assert_eq!(parsed.errors, from_csv.errors);
        assert_eq!(parsed.rows_total, 3);
        assert_eq!(parsed.rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![2, 4]);
        assert_eq!(parsed.rows[0].corporate_number.to_string(), "7000012050002");
        assert!(parsed.rows[0].facts().holds_confidential_data);
        assert_eq!(error_cells(&parsed), vec![(5, "corporate_number"), (5, "criticality")]);
        assert_eq!(parsed.warnings, from_csv.warnings);
        assert_eq!(
            warning_cells(&parsed),
            vec![
                (1, "outage_unacceptable"),
                (1, "network_access"),
                (4, "criticality"),
                (5, "annual_purchase_yen"),
                (5, "holds_confidential_data")
            ]
        );
    }

    #[test]
    fn an_xlsx_past_the_limits_is_refused_while_reading() {
        use std::io::Write;
        // A sheet of 201 MiB of XML in a 2 MB upload: refused before calamine buffers any of it.
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_level(Some(1));
        out.start_file("xl/worksheets/sheet1.xml", options).expect("entry");
        let chunk = "<row><c><v>1</v></c></row>".repeat(40_000);
        for _ in 0..(201 * 1024 * 1024 / chunk.len() + 1) {
            out.write_all(chunk.as_bytes()).expect("write");
        }
        let bomb = out.finish().expect("zip").into_inner();
        let err = parse(&bomb).expect_err("a bomb");
        assert_eq!(err, FileError::TooLarge(crate::archive::Limit::UnpackedBytes));
        assert!(err.to_string().contains("200 MiB"), "{err}");
        assert!(err.message_ja().contains("200 MiB"), "{}", err.message_ja());
        // The cells are counted as they are read.
        let sheet: String = (1..=4).map(|r| format!("<row r=\"{r}\">{}</row>", inline(&format!("A{r}"), "x"))).collect();
        assert!(read_xlsx_capped(&xlsx(&sheet), 4).is_ok());
        assert_eq!(read_xlsx_capped(&xlsx(&sheet), 3).err(), Some(FileError::TooLarge(crate::archive::Limit::Cells)));
    }

    #[test]
    fn broken_xlsx_is_a_file_error() {
        let good = xlsx(&format!("<row r=\"1\">{}</row>", inline("A1", "法人番号")));
        for bytes in [&good[..good.len() / 2], b"PK\x03\x04 not really a zip"] {
            let err = parse(bytes).expect_err("broken");
            assert!(matches!(err, FileError::BrokenXlsx { .. }), "{err:?}");
            assert!(err.to_string().contains("Excel Workbook (*.xlsx)"), "{err}");
        }
        assert_eq!(parse(&xlsx("")), Err(FileError::Empty));
    }
}
