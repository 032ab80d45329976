//! The buyer's pages: the supplier portfolio (filters, CSV), its dashboard, the import with a
//! preview and column mapping, one supplier with its required level and risk, the supply network
//! with "what if", and the supplier's view of what its buyers require.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use hoshi_app::suppliers::{ImportMode, ImportReport, Portfolio, PortfolioQuery, PortfolioRow, Requirement};
use hoshi_app::{Actor, AppError};
use hoshi_core::risk::{Band, Status};
use hoshi_core::supplier_file::{Field, ParsedFile};
use serde::Deserialize;

use super::charts::{self, DrawNode};
use super::{error_page, render, see_other, Layout};
use crate::ctx::{form_urlencoded_pairs, Ctx};
use crate::i18n::T;
use crate::time_fmt::jst;
use crate::AppState;

macro_rules! actor_or_page {
    ($ctx:expr) => {
        match $ctx.actor() {
            Ok(a) => a.clone(),
            Err(e) => return error_page(&$ctx, &e),
        }
    };
}

pub fn status_name(s: Status, t: T) -> &'static str {
    t.pick(s.name_ja(), s.name_en())
}

pub fn band_name(b: Band, t: T) -> &'static str {
    t.pick(b.name_ja(), b.name_en())
}

fn criticality_name(key: &str, t: T) -> &'static str {
    match key {
        "low" => t.pick("低", "low"),
        "high" => t.pick("高", "high"),
        _ => t.pick("中", "medium"),
    }
}

fn yen_text(v: Option<u64>, t: T) -> String {
    v.map(|y| if t.ja() { hoshi_core::Yen::new(y).format_ja() } else { hoshi_core::Yen::new(y).to_string() }).unwrap_or_else(|| "—".into())
}

/// One row as the list shows it.
pub struct Row {
    pub corporate_number: String,
    pub name: String,
    pub supplies: String,
    pub required: String,
    pub overridden: bool,
    pub certified: String,
    pub valid_until: String,
    pub status_key: &'static str,
    pub status: &'static str,
    pub status_detail: String,
    pub band_key: &'static str,
    pub band: &'static str,
    pub score: u32,
    pub drivers: String,
    pub criticality: &'static str,
    pub purchases: String,
    /// How many of the three ★4 questions the buyer has not answered.
    pub unanswered: usize,
}

fn row(r: &PortfolioRow, t: T) -> Row {
    Row {
        corporate_number: r.corporate_number.clone(),
        name: r.name.clone(),
        supplies: r.supplies.clone(),
        required: format!("★{}", r.required_level),
        overridden: !r.override_reason.is_empty(),
        certified: r.certified_level.map_or_else(|| "—".into(), |l| format!("★{l}")),
        valid_until: r.valid_until.clone().unwrap_or_default(),
        status_key: r.status.key(),
        status: status_name(r.status, t),
        status_detail: t.pick(&r.status_ja, &r.status_en).to_owned(),
        band_key: r.risk.band.key(),
        band: band_name(r.risk.band, t),
        score: r.risk.score,
        drivers: r.risk.summary(t.ja()),
        criticality: criticality_name(&r.criticality, t),
        purchases: yen_text(r.annual_purchase_yen, t),
        unanswered: r.unanswered.len(),
    }
}

/// The three ★4 questions of one supplier for the page: (key, label, answer, unanswered).
fn questions(r: &PortfolioRow, t: T) -> Vec<(&'static str, &'static str, &'static str, bool)> {
    [
        ("holds_confidential_data", t.pick("重要な機密情報の保有", "Holds important confidential data"), r.holds_confidential_data),
        ("outage_unacceptable", t.pick("停止すると許容できない遅れ", "An outage would cause unacceptable delay"), r.outage_unacceptable),
        ("network_access", t.pick("社内システムへの接続", "Can reach internal systems"), r.network_access),
    ]
    .into_iter()
    .map(|(key, label, yes)| {
        let unknown = r.unanswered.contains(&key);
        let answer = if unknown {
            t.pick("未回答（回答があるまで「はい」として★4）", "not answered (counted as yes, ★4, until answered)")
        } else if yes {
            t.pick("はい", "yes")
        } else {
            t.pick("いいえ", "no")
        };
        (key, label, answer, unknown)
    })
    .collect()
}

#[derive(Template)]
#[template(path = "suppliers.html")]
pub struct SuppliersPage {
    pub l: Layout,
    pub q: PortfolioQuery,
    pub total: usize,
    pub rows: Vec<Row>,
    pub shown: usize,
    pub counts: Vec<(&'static str, &'static str, usize)>,
    pub reevaluate: Vec<(String, String, u32, String)>,
    pub csv_href: String,
    pub imported: Option<String>,
}

/// At most this many rows on one page of the list; the CSV has them all.
const LIST_LIMIT: usize = 500;

/// The portfolio's query: its filters and, after an import, the import's counts. Only numbers are
/// taken from the URL: the sentence shown is the server's own, so a link cannot put words on the
/// page as a notice.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    pub q: PortfolioQuery,
    /// Rows read.
    #[serde(default)]
    pub imported: String,
    #[serde(default)]
    pub added: String,
    #[serde(default)]
    pub updated: String,
    /// Rows with errors (left out).
    #[serde(default)]
    pub bad: String,
    /// Warnings accepted.
    #[serde(default)]
    pub warned: String,
}

/// The counts an import redirects with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportCounts {
    pub read: u64,
    pub added: u64,
    pub updated: u64,
    pub bad: u64,
    pub warned: u64,
}

impl ImportCounts {
    fn of(r: &ImportReport) -> ImportCounts {
        ImportCounts {
            read: r.rows_total as u64,
            added: r.created as u64,
            updated: r.updated as u64,
            bad: r.rows_bad as u64,
            warned: r.warnings_to_accept as u64,
        }
    }

    /// `/suppliers?imported=…`: the counts as plain numbers.
    fn location(self) -> String {
        format!("/suppliers?imported={}&added={}&updated={}&bad={}&warned={}", self.read, self.added, self.updated, self.bad, self.warned)
    }

    /// The counts from the query, only if every one given is a number (absent ones are 0).
    fn from_query(q: &ListQuery) -> Option<ImportCounts> {
        let n = |v: &str| if v.is_empty() { Some(0) } else { v.parse::<u64>().ok() };
        let read = q.imported.parse::<u64>().ok()?;
        Some(ImportCounts { read, added: n(&q.added)?, updated: n(&q.updated)?, bad: n(&q.bad)?, warned: n(&q.warned)? })
    }

    fn sentence(self, t: T) -> String {
        let ImportCounts { read, added, updated, bad, warned } = self;
        if t.ja() {
            let warned = if warned > 0 { format!("。警告{warned}件を承諾して取り込みました") } else { String::new() };
            format!("{read}行を読み、{added}件追加、{updated}件更新（エラー{bad}行）{warned}")
        } else {
            let warned = if warned > 0 { format!("; {warned} warnings accepted") } else { String::new() };
            format!("Read {read} rows: {added} added, {updated} updated ({bad} rows with errors){warned}")
        }
    }
}

pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(lq): Query<ListQuery>) -> Response {
    let actor = actor_or_page!(ctx);
    let p = match s.app.portfolio(&actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&ctx, &e),
    };
    let t = ctx.t();
    let filtered = p.filtered(&lq.q);
    let shown = filtered.len();
    let rows = filtered.iter().take(LIST_LIMIT).map(|r| row(r, t)).collect();
    let counts = p.by_status().into_iter().map(|(st, n)| (st.key(), status_name(st, t), n)).collect();
    let reevaluate = p
        .reevaluate()
        .iter()
        .take(20)
        .map(|r| (r.corporate_number.clone(), r.name.clone(), r.risk.score, r.reevaluate_reason(t.ja())))
        .collect();
    let query = serde_urlencoded_query(&lq.q);
    let page = SuppliersPage {
        l: Layout::new(&ctx, t.pick("取引先ポートフォリオ", "Supplier portfolio")),
        total: p.rows.len(),
        shown,
        rows,
        counts,
        reevaluate,
        csv_href: format!("/suppliers.csv?{query}"),
        imported: ImportCounts::from_query(&lq).map(|c| c.sentence(t)),
        q: lq.q,
    };
    render(StatusCode::OK, &page)
}

fn serde_urlencoded_query(q: &PortfolioQuery) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("status", &q.status),
        ("required", &q.required),
        ("criticality", &q.criticality),
        ("band", &q.band),
        ("q", &q.q),
        ("sort", &q.sort),
    ] {
        if !v.is_empty() {
            out.append_pair(k, v);
        }
    }
    out.finish()
}

/// The portfolio as CSV (UTF-8 with BOM so Excel opens it correctly), with the list's filters.
pub async fn csv(State(s): State<AppState>, ctx: Ctx, Query(q): Query<PortfolioQuery>) -> Response {
    let actor = actor_or_page!(ctx);
    let p = match s.app.portfolio(&actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&ctx, &e),
    };
    let t = ctx.t();
    match portfolio_csv(&p, &q, t) {
        Ok(bytes) => (
            StatusCode::OK,
            [(CONTENT_TYPE, "text/csv; charset=utf-8"), (CONTENT_DISPOSITION, "attachment; filename=\"hoshi-suppliers.csv\"")],
            bytes,
        )
            .into_response(),
        Err(e) => error_page(&ctx, &AppError::invalid("csv", e.to_string(), e.to_string())),
    }
}

pub fn portfolio_csv(p: &Portfolio, q: &PortfolioQuery, t: T) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record([
        "corporate_number",
        "name",
        "supplies",
        "annual_purchase_yen",
        "criticality",
        "holds_confidential_data",
        "outage_unacceptable",
        "network_access",
        "rule_level",
        "required_level",
        "override_reason",
        "effective_from",
        "certified_level",
        "certificate_serial",
        "certificate_state",
        "valid_until",
        "status",
        "risk_score",
        "risk_band",
        "risk_drivers",
    ])?;
    // An unanswered question is left blank, as in the file it came from (a re-import keeps it unanswered).
    let b = |v: bool, key: &str, r: &PortfolioRow| {
        if r.unanswered.contains(&key) {
            ""
        } else if v {
            "yes"
        } else {
            "no"
        }
    };
    for r in p.filtered(q) {
        // Names, items and reasons come from uploaded files: no cell may run as a formula.
        w.write_record(
            [
                r.corporate_number.as_str(),
                &r.name,
                &r.supplies,
                &r.annual_purchase_yen.map(|v| v.to_string()).unwrap_or_default(),
                &r.criticality,
                b(r.holds_confidential_data, "holds_confidential_data", r),
                b(r.outage_unacceptable, "outage_unacceptable", r),
                b(r.network_access, "network_access", r),
                &r.rule_level.to_string(),
                &r.required_level.to_string(),
                &r.override_reason,
                &r.effective_from,
                &r.certified_level.map(|v| v.to_string()).unwrap_or_default(),
                r.certificate_serial.as_deref().unwrap_or(""),
                r.certificate_state.as_deref().unwrap_or(""),
                r.valid_until.as_deref().unwrap_or(""),
                r.status.key(),
                &r.risk.score.to_string(),
                r.risk.band.key(),
                &r.risk.summary(t.ja()),
            ]
            .map(hoshi_core::text::spreadsheet_safe),
        )?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

// ---- dashboard ----

/// A row of the risk matrix: its likelihood label and (count, css class) per impact band.
pub type MatrixRow = (String, Vec<(usize, &'static str)>);

#[derive(Template)]
#[template(path = "supplier_dashboard.html")]
pub struct DashboardPage {
    pub l: Layout,
    pub total: usize,
    pub levels_svg: String,
    pub criticality_svg: String,
    pub expiry_svg: String,
    /// Rows high → low likelihood; columns low → high impact: (count, css class).
    pub matrix: Vec<MatrixRow>,
    pub impact_labels: Vec<&'static str>,
    pub statuses: Vec<(&'static str, &'static str, usize)>,
}

pub async fn dashboard(State(s): State<AppState>, ctx: Ctx) -> Response {
    let actor = actor_or_page!(ctx);
    let p = match s.app.portfolio(&actor).await {
        Ok(p) => p,
        Err(e) => return error_page(&ctx, &e),
    };
    let t = ctx.t();
    let levels = p.by_certified_level();
    let level_items: Vec<(String, usize, &str)> = (0..6)
        .rev()
        .map(|k| {
            (
                if k == 0 { t.pick("認証なし", "not certified").to_owned() } else { format!("★{k}") },
                levels[k],
                if k >= 3 { "done" } else { "" },
            )
        })
        .collect();
    let crit = p.compliance_by_criticality();
    let crit_rows: Vec<(String, Vec<charts::Part>)> = [("high", 2), ("medium", 1), ("low", 0)]
        .into_iter()
        .map(|(key, i)| {
            let (ok, all) = crit[i];
            (
                format!("{} {} ({all})", t.pick("重要度", "criticality"), criticality_name(key, t)),
                vec![(t.pick("適合", "compliant").to_owned(), ok, "done"), (t.pick("未適合", "not compliant").to_owned(), all - ok, "bad")],
            )
        })
        .collect();
    let timeline = p.expiry_timeline(hoshi_core::time::jst_date(s.app.now()), 12);
    let expiry_items: Vec<(String, usize)> = timeline.iter().map(|((y, q), n)| (format!("{}Q{q}", y % 100), *n)).collect();
    let m = p.risk_matrix();
    let impact_labels = vec![band_name(Band::Low, t), band_name(Band::Medium, t), band_name(Band::High, t)];
    let matrix = [Band::High, Band::Medium, Band::Low]
        .into_iter()
        .map(|lb| {
            let cells = (0..3)
                .map(|ib| {
                    let heat = lb as usize + ib;
                    let class = match heat {
                        0 | 1 => "low",
                        2 => "medium",
                        _ => "high",
                    };
                    (m[lb as usize][ib], class)
                })
                .collect();
            (band_name(lb, t).to_owned(), cells)
        })
        .collect();
    let page = DashboardPage {
        l: Layout::new(&ctx, t.pick("取引先ダッシュボード", "Supplier dashboard")),
        total: p.rows.len(),
        levels_svg: charts::bars(t.pick("認証レベルの分布", "Certified levels"), &level_items),
        criticality_svg: charts::stacked(t.pick("重要度別の適合状況", "Compliance by criticality"), &crit_rows),
        expiry_svg: charts::columns(
            t.pick("今後3年間の有効期限（四半期ごと）", "Certificates ending in the next three years, by quarter"),
            &expiry_items,
        ),
        matrix,
        impact_labels,
        statuses: p.by_status().into_iter().map(|(st, n)| (st.key(), status_name(st, t), n)).collect(),
    };
    render(StatusCode::OK, &page)
}

// ---- import ----

#[derive(Template)]
#[template(path = "supplier_import.html")]
pub struct ImportPage {
    pub l: Layout,
    pub error: Option<String>,
    pub draft: Option<i64>,
    pub filename: String,
    pub notice: Option<String>,
    /// Per file column: (index, header, chosen field key).
    pub columns: Vec<(usize, String, String)>,
    pub fields: Vec<(&'static str, &'static str)>,
    /// First rows of the file that parse: (row, number, name, required level).
    pub sample: Vec<(u32, String, String, String)>,
    pub rows_total: usize,
    pub rows_ok: usize,
    pub errors: Vec<(u32, String, String)>,
    /// Every warning: (row, column, what is assumed).
    pub warnings: Vec<(u32, String, String)>,
    /// The warnings about what the import writes: while there are any, the person must accept them.
    pub warnings_to_accept: usize,
    pub report: Option<String>,
    pub recent: Vec<(String, String, String)>,
    pub max_mb: usize,
}

impl ImportPage {
    fn empty(ctx: &Ctx) -> ImportPage {
        let t = ctx.t();
        ImportPage {
            l: Layout::new(ctx, t.pick("取引先の取り込み", "Import suppliers")),
            error: None,
            draft: None,
            filename: String::new(),
            notice: None,
            columns: Vec::new(),
            fields: Field::ALL.iter().map(|f| (f.key(), t.pick(f.label_ja(), f.label_en()))).collect(),
            sample: Vec::new(),
            rows_total: 0,
            rows_ok: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            warnings_to_accept: 0,
            report: None,
            recent: Vec::new(),
            max_mb: hoshi_app::suppliers::MAX_IMPORT_BYTES / (1024 * 1024),
        }
    }
}

async fn import_page(s: &AppState, ctx: &Ctx, actor: &Actor, status: StatusCode, error: Option<String>) -> Response {
    let t = ctx.t();
    let mut page = ImportPage::empty(ctx);
    page.error = error;
    page.recent = s
        .app
        .recent_imports(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            (
                jst(r.imported_at),
                r.filename,
                if t.ja() {
                    let warned = if r.warnings > 0 { format!("、承諾した警告{}件", r.warnings) } else { String::new() };
                    format!("{}行中{}行正常、追加{}・更新{}、エラー{}件{warned}", r.rows_total, r.rows_ok, r.created, r.updated, r.errors)
                } else {
                    let warned = if r.warnings > 0 { format!(", {} warnings accepted", r.warnings) } else { String::new() };
                    format!(
                        "{} rows, {} good: {} added, {} updated, {} errors{warned}",
                        r.rows_total, r.rows_ok, r.created, r.updated, r.errors
                    )
                },
            )
        })
        .collect();
    render(status, &page)
}

pub async fn import_form(State(s): State<AppState>, ctx: Ctx) -> Response {
    let actor = actor_or_page!(ctx);
    import_page(&s, &ctx, &actor, StatusCode::OK, None).await
}

/// The upload (multipart; CSRF in the query string): keeps the file and shows its preview.
pub async fn upload(State(s): State<AppState>, ctx: Ctx, mut mp: Multipart) -> Response {
    let actor = actor_or_page!(ctx);
    let t = ctx.t();
    let mut file: Option<(String, Bytes)> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                let filename = field.file_name().map(str::to_owned);
                match field.bytes().await {
                    Ok(b) if name == "file" => file = Some((filename.unwrap_or_else(|| "suppliers.csv".into()), b)),
                    Ok(_) => {}
                    Err(_) => {
                        let msg = t.pick("ファイルを読み取れませんでした（20 MBまで）。", "The file could not be read (20 MB at most).");
                        return import_page(&s, &ctx, &actor, StatusCode::PAYLOAD_TOO_LARGE, Some(msg.into())).await;
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                let msg = t.pick("送信を読み取れませんでした。もう一度お試しください。", "The upload could not be read: please try again.");
                return import_page(&s, &ctx, &actor, StatusCode::BAD_REQUEST, Some(msg.into())).await;
            }
        }
    }
    let Some((filename, bytes)) = file else {
        return import_page(
            &s,
            &ctx,
            &actor,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(t.pick("ファイルを選んでください。", "Choose a file.").into()),
        )
        .await;
    };
    match s.app.upload_draft(&actor, &filename, &bytes).await {
        Ok(id) => see_other(&format!("/suppliers/import/{id}")),
        Err(e) => import_page(&s, &ctx, &actor, crate::problem::status_of(&e), Some(e.message(ctx.ja()))).await,
    }
}

fn preview(ctx: &Ctx, id: i64, filename: String, p: &ParsedFile, error: Option<String>, report: Option<String>) -> ImportPage {
    let t = ctx.t();
    let mut page = ImportPage::empty(ctx);
    page.draft = Some(id);
    page.filename = filename;
    page.error = error;
    page.report = report;
    page.notice = p.converted_from_shift_jis.then(|| {
        t.pick(
            "このファイルはShift_JISでした。UTF-8に変換して読み込んでいます。文字化けがないか確認してください。",
            "This file was Shift_JIS; it has been converted to UTF-8. Check that names look right.",
        )
        .to_owned()
    });
    page.columns = p
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| (i, h.clone(), p.mapping.get(i).copied().flatten().map(|f| f.key().to_owned()).unwrap_or_default()))
        .collect();
    page.sample = p
        .rows
        .iter()
        .take(10)
        .map(|r| {
            let level = hoshi_core::required_level::required_level_of(r.answers).get();
            let note = if r.answers.is_complete() { "" } else { t.pick("（未回答あり）", " (unanswered)") };
            (r.row, r.corporate_number.to_string(), r.name.clone(), format!("★{level}{note}"))
        })
        .collect();
    page.rows_total = p.rows_total;
    page.rows_ok = p.rows.len();
    let cells = |list: &[hoshi_core::supplier_file::RowError]| -> Vec<(u32, String, String)> {
        list.iter().take(200).map(|e| (e.row, e.column.clone(), t.pick(&e.message_ja, &e.message_en).to_owned())).collect()
    };
    page.errors = cells(&p.errors);
    page.warnings = cells(&p.warnings);
    page.warnings_to_accept = p.warnings_to_accept().len();
    page
}

pub async fn preview_page(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let actor = actor_or_page!(ctx);
    match s.app.draft_preview(&actor, id, None).await {
        Ok((filename, p)) => render(StatusCode::OK, &preview(&ctx, id, filename, &p, None, None)),
        Err(e) => error_page(&ctx, &e),
    }
}

/// Re-reads the preview with the chosen mapping, or imports with it.
pub async fn confirm(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    let actor = actor_or_page!(ctx);
    let t = ctx.t();
    let pairs = form_urlencoded_pairs(&body);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let mut mapping: Vec<Option<Field>> = Vec::new();
    for (k, v) in &pairs {
        if let Some(i) = k.strip_prefix("col_").and_then(|i| i.parse::<usize>().ok()) {
            if i >= 1000 {
                continue;
            }
            if mapping.len() <= i {
                mapping.resize(i + 1, None);
            }
            mapping[i] = Field::ALL.into_iter().find(|f| f.key() == v);
        }
    }
    let mapping_ref = (!mapping.is_empty()).then_some(mapping.as_slice());
    if get("action") != "import" {
        return match s.app.draft_preview(&actor, id, mapping_ref).await {
            Ok((filename, p)) => render(StatusCode::OK, &preview(&ctx, id, filename, &p, None, None)),
            Err(e) => error_page(&ctx, &e),
        };
    }
    let mode = match ImportMode::parse(get("mode")) {
        Ok(m) => m,
        Err(e) => return error_page(&ctx, &e),
    };
    let accept_warnings = get("accept_warnings") == "yes";
    match s.app.import_draft(&actor, id, mapping_ref, mode, accept_warnings).await {
        Ok(r) if r.imported => see_other(&ImportCounts::of(&r).location()),
        Ok(r) => match s.app.draft_preview(&actor, id, mapping_ref).await {
            Ok((filename, p)) => {
                let msg = if r.errors.is_empty() {
                    t.pick("取り込める行がありません。", "There are no rows to import.").to_owned()
                } else {
                    t.pick(
                        "エラーのある行があるため、何も取り込んでいません。直してからもう一度アップロードするか、「正しい行だけ取り込む」を選んでください。",
                        "Nothing was imported because some rows have errors. Fix them and upload again, or choose \"import the good rows\".",
                    )
                    .to_owned()
                };
                render(StatusCode::UNPROCESSABLE_ENTITY, &preview(&ctx, id, filename, &p, Some(msg), None))
            }
            Err(e) => error_page(&ctx, &e),
        },
        // Warnings not accepted (or another input to fix): the preview again, with the reason.
        Err(e @ AppError::Invalid { .. }) => match s.app.draft_preview(&actor, id, mapping_ref).await {
            Ok((filename, p)) => {
                render(StatusCode::UNPROCESSABLE_ENTITY, &preview(&ctx, id, filename, &p, Some(e.message(ctx.ja())), None))
            }
            Err(e) => error_page(&ctx, &e),
        },
        Err(e) => error_page(&ctx, &e),
    }
}

// ---- one supplier ----

#[derive(Template)]
#[template(path = "supplier.html")]
pub struct SupplierPage {
    pub l: Layout,
    pub r: Row,
    pub p: PortfolioRow,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub history: Vec<(String, String, String, String, String)>,
    pub drivers: Vec<(u32, String)>,
    pub likelihood: String,
    pub today: String,
    /// The three ★4 questions: (key, label, answer, unanswered).
    pub questions: Vec<(&'static str, &'static str, &'static str, bool)>,
    /// The supplier in Hoshi: verified by the operator, registered but unverified, or not registered.
    pub verification: &'static str,
}

async fn supplier_page(s: &AppState, ctx: &Ctx, cn: &str, status: StatusCode, error: Option<String>, notice: Option<String>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(ctx, &e),
    };
    let p = match s.app.portfolio_row(&actor, cn).await {
        Ok(p) => p,
        Err(e) => return error_page(ctx, &e),
    };
    let t = ctx.t();
    let history = s
        .app
        .requirement_history(&actor, cn)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            (jst(c.changed_at), format!("★{}", c.required_level), c.effective_from, c.reason, c.changed_by.unwrap_or_else(|| "—".into()))
        })
        .collect();
    let page = SupplierPage {
        l: Layout::new(ctx, &p.name),
        r: row(&p, t),
        drivers: p.risk.drivers.iter().map(|d| (d.points, t.pick(&d.ja, &d.en).to_owned())).collect(),
        likelihood: t.pick(&p.risk.likelihood_ja, &p.risk.likelihood_en).to_owned(),
        today: hoshi_core::time::jst_date_string(s.app.now()),
        questions: questions(&p, t),
        verification: match s.app.verified_number(&p.corporate_number).await {
            Ok(Some(true)) => t.pick("登録機関が本人確認済み", "Verified by the registry operator"),
            Ok(Some(false)) => t.pick("Hoshiに登録済み・本人確認前（確認済みではありません）", "Registered in Hoshi, not yet verified"),
            _ => t.pick("Hoshiに未登録", "Not registered in Hoshi"),
        },
        p,
        error,
        notice,
        history,
    };
    render(status, &page)
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(cn): Path<String>) -> Response {
    supplier_page(&s, &ctx, &cn, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct RequirementForm {
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub effective_from: String,
}

pub async fn set_requirement(State(s): State<AppState>, ctx: Ctx, Path(cn): Path<String>, Form(f): Form<RequirementForm>) -> Response {
    let actor = actor_or_page!(ctx);
    match s.app.set_requirement(&actor, &cn, &f.level, &f.reason, &f.effective_from).await {
        Ok(()) => {
            let msg = ctx.t().pick("求めるレベルを記録しました。", "The required level is recorded.").to_owned();
            supplier_page(&s, &ctx, &cn, StatusCode::OK, None, Some(msg)).await
        }
        Err(e @ AppError::Invalid { .. }) => {
            supplier_page(&s, &ctx, &cn, StatusCode::UNPROCESSABLE_ENTITY, Some(e.message(ctx.ja())), None).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

// ---- the network ----

#[derive(Template)]
#[template(path = "network.html")]
pub struct NetworkPage {
    pub l: Layout,
    pub svg: String,
    pub nodes: usize,
    pub edges: usize,
    pub tiers: u32,
    pub shared_lists: usize,
    pub buyer_exposure: String,
    pub top: Vec<(String, String, u32, String, String)>,
    /// The buyer's exposure is saturated: contributions are shares of its accumulated hazard.
    pub by_hazard: bool,
    pub choices: Vec<(String, String, bool)>,
    pub whatif: Option<WhatIfView>,
}

pub struct WhatIfView {
    pub name: String,
    pub trials: usize,
    pub production_stop: bool,
    pub affected: Vec<(String, String, u32, String, String)>,
}

#[derive(Deserialize, Default)]
pub struct NetworkQuery {
    #[serde(default)]
    pub whatif: String,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

pub async fn network(State(s): State<AppState>, ctx: Ctx, Query(q): Query<NetworkQuery>) -> Response {
    let actor = actor_or_page!(ctx);
    let t = ctx.t();
    let (view, whatif) = if q.whatif.is_empty() {
        match s.app.network(&actor).await {
            Ok(v) => (v, None),
            Err(e) => return error_page(&ctx, &e),
        }
    } else {
        match s.app.what_if(&actor, &q.whatif).await {
            Ok((v, w)) => (v, Some(w)),
            Err(e) => return error_page(&ctx, &e),
        }
    };
    let hit: Vec<bool> = {
        let mut h = vec![false; view.nodes.len()];
        if let Some(w) = &whatif {
            h[w.compromised] = true;
            for a in &w.affected {
                h[a.0] = true;
            }
        }
        h
    };
    // Large networks: draw the buyer and the 300 most exposed companies.
    let mut drawn: Vec<usize> = (0..view.nodes.len()).collect();
    if drawn.len() > 301 {
        drawn.sort_by(|&a, &b| (a != 0).cmp(&(b != 0)).then(view.nodes[b].exposure.total_cmp(&view.nodes[a].exposure)));
        drawn.truncate(301);
        drawn.sort_unstable();
    }
    let pos: std::collections::HashMap<usize, usize> = drawn.iter().enumerate().map(|(k, &i)| (i, k)).collect();
    let draw_nodes: Vec<DrawNode> = drawn
        .iter()
        .map(|&i| {
            let n = &view.nodes[i];
            let level = n.certified_level.map_or_else(|| t.pick("認証なし", "not certified").to_owned(), |l| format!("★{l}"));
            DrawNode {
                label: if i == 0 {
                    n.name.clone()
                } else {
                    format!("{} {}", n.certified_level.map_or("—".to_owned(), |l| format!("★{l}")), n.name)
                },
                tier: n.tier,
                class: if whatif.as_ref().is_some_and(|w| w.compromised == i) {
                    "source".into()
                } else if hit[i] {
                    "hit".into()
                } else {
                    n.band.key().into()
                },
                title: format!("{} ({}) · {} · {} {}", n.name, n.corporate_number, level, t.pick("曝露", "exposure"), pct(n.exposure)),
                href: (i != 0).then(|| format!("/network?whatif={}", n.corporate_number)),
            }
        })
        .collect();
    let draw_edges: Vec<(usize, usize, bool)> = view
        .edges
        .iter()
        .filter_map(|e| Some((*pos.get(&e.supplier)?, *pos.get(&e.customer)?, hit[e.supplier] && hit[e.customer])))
        .collect();
    let svg = charts::network(t.pick("サプライチェーンのネットワーク", "Supply network"), &draw_nodes, &draw_edges);
    let top = view
        .top_contributors
        .iter()
        .map(|&(i, d)| {
            let n = &view.nodes[i];
            let shown = match view.contributions_measure {
                hoshi_core::graph::Measure::Exposure => pct(d),
                hoshi_core::graph::Measure::Hazard => pct(d / view.contributions_total.max(f64::MIN_POSITIVE)),
            };
            (n.corporate_number.clone(), n.name.clone(), n.tier, n.certified_level.map_or("—".into(), |l| format!("★{l}")), shown)
        })
        .collect();
    let by_hazard = view.contributions_measure == hoshi_core::graph::Measure::Hazard;
    let mut choices: Vec<(String, String, bool)> = view
        .nodes
        .iter()
        .skip(1)
        .map(|n| {
            (
                n.corporate_number.clone(),
                if t.ja() { format!("{} (第{}次)", n.name, n.tier) } else { format!("{} (tier {})", n.name, n.tier) },
                n.corporate_number == q.whatif,
            )
        })
        .collect();
    choices.sort_by(|a, b| a.1.cmp(&b.1));
    choices.truncate(2_000);
    let whatif = whatif.map(|w| WhatIfView {
        name: view.nodes[w.compromised].name.clone(),
        trials: w.trials,
        production_stop: w.production_stop,
        affected: w
            .affected
            .iter()
            .map(|&(i, with, without)| {
                let n = &view.nodes[i];
                (n.corporate_number.clone(), n.name.clone(), n.tier, pct(with), pct(without))
            })
            .collect(),
    });
    let page = NetworkPage {
        l: Layout::new(&ctx, t.pick("サプライチェーンのリスク", "Risk across tiers")),
        svg,
        nodes: view.nodes.len(),
        edges: view.edges.len(),
        tiers: view.tiers(),
        shared_lists: view.shared_lists,
        buyer_exposure: pct(view.nodes[0].exposure),
        top,
        by_hazard,
        choices,
        whatif,
    };
    render(StatusCode::OK, &page)
}

// ---- the supplier's side ----

#[derive(Template)]
#[template(path = "requirements.html")]
pub struct RequirementsPage {
    pub l: Layout,
    pub rows: Vec<Requirement>,
    pub suppliers: usize,
    pub notice: Option<String>,
    pub error: Option<String>,
}

async fn requirements_page(s: &AppState, ctx: &Ctx, status: StatusCode, notice: Option<String>, error: Option<String>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(ctx, &e),
    };
    let rows = match s.app.my_requirements(&actor).await {
        Ok(r) => r,
        Err(e) => return error_page(ctx, &e),
    };
    let suppliers = s.app.portfolio(&actor).await.map(|p| p.rows.len()).unwrap_or(0);
    let page = RequirementsPage {
        l: Layout::new(ctx, ctx.t().pick("取引先からの要求", "What your buyers require")),
        rows,
        suppliers,
        notice,
        error,
    };
    render(status, &page)
}

pub async fn requirements(State(s): State<AppState>, ctx: Ctx) -> Response {
    requirements_page(&s, &ctx, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct TierForm {
    #[serde(default)]
    pub buyer: String,
    #[serde(default)]
    pub share: String,
}

pub async fn share_tiers(State(s): State<AppState>, ctx: Ctx, Form(f): Form<TierForm>) -> Response {
    let actor = actor_or_page!(ctx);
    let share = f.share != "no";
    match s.app.share_tiers(&actor, &f.buyer, share).await {
        Ok(()) => {
            let t = ctx.t();
            let msg = if share {
                t.pick("取引先リストを共有しました。", "Your supplier list is now shared with that buyer.")
            } else {
                t.pick("取引先リストの共有をやめました。", "Your supplier list is no longer shared with that buyer.")
            };
            requirements_page(&s, &ctx, StatusCode::OK, Some(msg.to_owned()), None).await
        }
        Err(e @ AppError::Invalid { .. }) => {
            requirements_page(&s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}
