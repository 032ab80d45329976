//! The public registry (no sign-in): search, a company's status and history, a certificate's
//! page with a print view and its verification links, CSV of the list; the supplier's
//! application; and the registry operator's console.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use hoshi_app::registry::{effective_state, CompanyStatus};
use hoshi_app::AppError;
use hoshi_core::time::jst_date_string;
use hoshi_core::CorporateNumber;
use serde::Deserialize;

use super::{error_page, render, see_other, Layout};
use crate::api::registry::{SearchQuery, MAX_PAGE, PAGE_SIZE};
use crate::ctx::Ctx;
use crate::i18n::T;
use crate::time_fmt::jst;
use crate::AppState;

pub fn state_name(s: &str, t: T) -> &'static str {
    match s {
        "active" => t.pick("有効", "Active"),
        "suspended" => t.pick("停止中", "Suspended"),
        "revoked" => t.pick("取消", "Revoked"),
        "expired" => t.pick("期限切れ", "Expired"),
        _ => t.pick("更新済み（新しい認証書あり）", "Superseded by a renewal"),
    }
}

pub struct CompanyRow {
    pub corporate_number: String,
    pub name: String,
    pub prefecture: String,
    pub level: String,
    pub state: &'static str,
    pub valid_until: String,
}

fn row(c: &CompanyStatus, t: T) -> CompanyRow {
    let latest = c.certificates.first();
    CompanyRow {
        corporate_number: c.corporate_number.clone(),
        name: t.pick(&c.name_ja, &c.name_en).to_owned(),
        prefecture: c.prefecture.clone(),
        level: c.current_level.map_or_else(|| "—".to_owned(), |l| format!("★{l}")),
        state: latest.map_or("", |x| state_name(&x.state, t)),
        valid_until: latest.map(|x| x.valid_until.clone()).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "registry.html")]
pub struct RegistryPage {
    pub l: Layout,
    pub q: String,
    pub level: String,
    pub prefecture: String,
    pub state: String,
    pub industries: Vec<(&'static str, &'static str, bool)>,
    pub rows: Vec<CompanyRow>,
    pub total: i64,
    pub page: i64,
    pub next_page: Option<String>,
    pub csv_link: String,
    pub error: Option<String>,
}

fn query_string(q: &SearchQuery, page: Option<i64>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("q", &q.q), ("level", &q.level), ("prefecture", &q.prefecture), ("industry", &q.industry), ("state", &q.state)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    if let Some(p) = page {
        s.append_pair("page", &p.to_string());
    }
    s.finish()
}

pub async fn search(State(s): State<AppState>, ctx: Ctx, Query(q): Query<SearchQuery>) -> Response {
    super::public_page(&s, &ctx, "", search_page(s.clone(), ctx.clone(), q)).await
}

async fn search_page(s: AppState, ctx: Ctx, q: SearchQuery) -> Response {
    let t = ctx.t();
    let page = q.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let (rows, total, error) = match q.to_search() {
        Ok(search) => match s.app.registry_search(&search).await {
            Ok((items, total)) => (items.iter().map(|c| row(c, t)).collect(), total, None),
            Err(e) => return error_page(&ctx, &e),
        },
        Err(e) => (Vec::new(), 0, Some(e.message(ctx.ja()))),
    };
    let page_view = RegistryPage {
        l: Layout::new(&ctx, t.pick("認証企業の登録簿", "Registry of certified companies")),
        q: q.q.clone().unwrap_or_default(),
        level: q.level.clone().unwrap_or_default(),
        prefecture: q.prefecture.clone().unwrap_or_default(),
        state: q.state.clone().unwrap_or_default(),
        industries: hoshi_core::org::Industry::ALL
            .iter()
            .map(|i| (i.key(), t.pick(i.name_ja(), i.name_en()), q.industry.as_deref() == Some(i.key())))
            .collect(),
        rows,
        total,
        page,
        next_page: (page * PAGE_SIZE < total).then(|| format!("/registry?{}", query_string(&q, Some(page + 1)))),
        csv_link: format!("/registry.csv?{}", query_string(&q, None)),
        error,
    };
    render(StatusCode::OK, &page_view)
}

/// The whole filtered list as CSV (UTF-8 with BOM), every page.
pub async fn csv(State(s): State<AppState>, ctx: Ctx, Query(q): Query<SearchQuery>) -> Response {
    let mut search = match q.to_search() {
        Ok(s) => s,
        Err(e) => return crate::problem::from_app_error(&e, ctx.lang).into_response(),
    };
    search.limit = 1000;
    search.offset = 0;
    let mut w = csv::Writer::from_writer(Vec::new());
    // Every label, state and category reads in the page's language.
    let t = ctx.t();
    let header = if ctx.ja() {
        ["法人番号", "名称", "英語名称", "都道府県", "認証番号", "レベル", "状態", "範囲", "発行日", "有効期限", "理由の分類", "理由"]
    } else {
        [
            "corporate_number",
            "name_ja",
            "name_en",
            "prefecture",
            "serial",
            "level",
            "state",
            "scope",
            "issued",
            "valid_until",
            "reason_category",
            "reason",
        ]
    };
    let _ = w.write_record(header);
    loop {
        let (items, total) = match s.app.registry_search(&search).await {
            Ok(x) => x,
            Err(e) => return crate::problem::from_app_error(&e, ctx.lang).into_response(),
        };
        for c in &items {
            for cert in &c.certificates {
                let prefecture = hoshi_core::org::Prefecture::parse(&c.prefecture)
                    .map_or(c.prefecture.clone(), |p| t.pick(p.name_ja(), p.name_en()).to_owned());
                let category = if cert.reason_category.is_empty() {
                    String::new()
                } else {
                    hoshi_app::registry::reason_category_name(&cert.reason_category, ctx.ja())
                };
                let scope = if ctx.ja() || cert.scope_en.is_empty() { &cert.scope } else { &cert.scope_en };
                // Names and reasons come from the public: no cell may run as a formula.
                let _ = w.write_record(
                    [
                        c.corporate_number.as_str(),
                        &c.name_ja,
                        &c.name_en,
                        &prefecture,
                        &cert.serial,
                        &cert.level.to_string(),
                        state_name(&cert.state, t),
                        scope,
                        &cert.issued,
                        &cert.valid_until,
                        &category,
                        &cert.reason,
                    ]
                    .map(hoshi_core::text::spreadsheet_safe),
                );
            }
        }
        search.offset += search.limit;
        if items.is_empty() || search.offset >= total {
            break;
        }
    }
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(w.into_inner().unwrap_or_default());
    ([(CONTENT_TYPE, "text/csv; charset=utf-8"), (CONTENT_DISPOSITION, "attachment; filename=\"hoshi-registry.csv\"")], body)
        .into_response()
}

pub struct CertRow {
    pub serial: String,
    pub level: String,
    pub state: &'static str,
    pub issued: String,
    pub valid_until: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "company.html")]
pub struct CompanyPage {
    pub l: Layout,
    pub name: String,
    pub other_name: String,
    pub corporate_number: String,
    pub prefecture: String,
    pub level: String,
    pub certs: Vec<CertRow>,
    pub verified: bool,
    /// When, what happened, serial, reason (category and words), log index.
    pub history: Vec<(String, &'static str, String, String, String)>,
}

/// An event in a company's public record, in words.
fn event_name(e: &str, t: T) -> &'static str {
    match e {
        "issued" => t.pick("発行", "Issued"),
        "renewed" => t.pick("更新（新しい認証書）", "Renewed"),
        "superseded" => t.pick("更新により置き換え", "Superseded"),
        "suspended" => t.pick("停止", "Suspended"),
        "reinstated" => t.pick("再開", "Reinstated"),
        "revoked" => t.pick("取消", "Revoked"),
        "expired" => t.pick("期限切れ", "Expired"),
        _ => t.pick("その他", "Other"),
    }
}

pub async fn company(State(s): State<AppState>, ctx: Ctx, Path(cn): Path<String>) -> Response {
    super::public_page(&s, &ctx, "", company_page(s.clone(), ctx.clone(), cn)).await
}

async fn company_page(s: AppState, ctx: Ctx, cn: String) -> Response {
    let t = ctx.t();
    let cn = match CorporateNumber::parse(&cn) {
        Ok(c) => c,
        Err(e) => return error_page(&ctx, &AppError::not_found(e.message_ja(), e.to_string())),
    };
    match s.app.registry_company(&cn).await {
        Ok(c) => {
            let page = CompanyPage {
                l: Layout::new(&ctx, t.pick(&c.name_ja, &c.name_en)),
                name: t.pick(&c.name_ja, &c.name_en).to_owned(),
                other_name: t.pick(&c.name_en, &c.name_ja).to_owned(),
                corporate_number: c.corporate_number.clone(),
                prefecture: c.prefecture.clone(),
                level: c
                    .current_level
                    .map_or_else(|| t.pick("現在有効な認証はありません", "No certificate in force").to_owned(), |l| format!("★{l}")),
                certs: c
                    .certificates
                    .iter()
                    .map(|x| CertRow {
                        serial: x.serial.clone(),
                        level: format!("★{}", x.level),
                        state: state_name(&x.state, t),
                        issued: x.issued.clone(),
                        valid_until: x.valid_until.clone(),
                        reason: x.reason.clone(),
                    })
                    .collect(),
                verified: c.verified,
                history: c
                    .history
                    .iter()
                    .map(|h| {
                        let cat = if h.reason_category.is_empty() {
                            String::new()
                        } else {
                            hoshi_app::registry::reason_category_name(&h.reason_category, ctx.ja())
                        };
                        let reason = [cat, h.reason.clone()].into_iter().filter(|x| !x.is_empty()).collect::<Vec<_>>().join(" — ");
                        (
                            h.at.get(..10).unwrap_or(&h.at).to_owned(),
                            event_name(&h.event, t),
                            h.serial.clone(),
                            reason,
                            h.log_index.map_or_else(|| t.pick("記録待ち", "pending").to_owned(), |i| i.to_string()),
                        )
                    })
                    .collect(),
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "certificate.html")]
pub struct CertificatePage {
    pub l: Layout,
    pub serial: String,
    pub name_ja: String,
    pub name_en: String,
    pub corporate_number: String,
    pub level: String,
    pub state: &'static str,
    pub active: bool,
    pub issued: String,
    pub valid_until: String,
    pub scope: String,
    pub edition: String,
    pub reason: String,
    pub reason_category: String,
    /// The confirming expert or assessment body with its registration or designation number.
    pub attested_label: &'static str,
    pub attested_by: String,
    pub superseded_by: Option<String>,
    pub kid: String,
    pub log_index: Option<i64>,
    /// An inline SVG QR code of the certificate's verification URL.
    pub qr_svg: String,
    pub verify_url: String,
    /// ★4: the annual self-assessments due within the validity.
    pub annual_due: Vec<String>,
}

/// The attesting provider in words: who it was (confirmed by an expert, assessed by a body), and
/// its name with its registration or designation number. Empty for a certificate without one.
fn attestation_words(json: &str, t: T, ja: bool) -> (&'static str, String) {
    use hoshi_core::accreditation::Kind;
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else { return ("", String::new()) };
    let kind = Kind::parse(v["role"].as_str().unwrap_or("")).unwrap_or(Kind::Expert);
    let label = match kind {
        Kind::AssessmentBody => t.pick("評価した評価機関", "Assessed by"),
        Kind::Expert => t.pick("確認した専門家", "Confirmed by"),
    };
    let name = v["name"][if ja { "ja" } else { "en" }].as_str().unwrap_or("");
    (label, format!("{name}（{} {}）", kind.number_name(ja), v["number"].as_str().unwrap_or("")))
}

/// The QR code of `url` as inline SVG (dark modules only; no scripts, no styles).
fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(160, 160).quiet_zone(true).build();
            // Inline in HTML, the XML declaration has no place.
            svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_owned())
        }
        Err(_) => String::new(),
    }
}

pub async fn certificate(State(s): State<AppState>, ctx: Ctx, headers: axum::http::HeaderMap, Path(serial): Path<String>) -> Response {
    // The page's QR code carries the host it was asked for: part of the key.
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost").to_owned();
    super::public_page(&s, &ctx, &host.clone(), certificate_page(s.clone(), ctx.clone(), host, serial)).await
}

async fn certificate_page(s: AppState, ctx: Ctx, host: String, serial: String) -> Response {
    let t = ctx.t();
    let scheme = if s.config.secure_cookies { "https" } else { "http" };
    let verify_url = format!("{scheme}://{host}/registry/certificates/{serial}");
    match s.app.registry_certificate(&serial).await {
        Ok((c, o)) => {
            let state = effective_state(&c, s.app.now()).to_owned();
            let attested = attestation_words(&c.attestation, t, ctx.ja());
            let page = CertificatePage {
                l: Layout::new(&ctx, &format!("{} {}", t.pick("認証書", "Certificate"), c.serial)),
                serial: c.serial.clone(),
                name_ja: o.name_ja.clone(),
                name_en: o.name_en.clone(),
                corporate_number: o.corporate_number.to_string(),
                level: format!("★{}", c.level),
                state: state_name(&state, t),
                active: state == "active",
                issued: jst_date_string(c.issued_at),
                valid_until: jst_date_string(c.valid_until),
                scope: if ctx.ja() || c.scope_en.is_empty() { c.scope.clone() } else { c.scope_en.clone() },
                edition: c.edition.clone(),
                reason: c.reason.clone(),
                reason_category: if c.reason_category.is_empty() {
                    String::new()
                } else {
                    hoshi_app::registry::reason_category_name(&c.reason_category, ctx.ja())
                },
                attested_label: attested.0,
                attested_by: attested.1,
                superseded_by: c.superseded_by.clone(),
                kid: c.kid.clone(),
                log_index: c.log_index,
                annual_due: hoshi_standard::shared_edition(Some(&c.edition))
                    .ok()
                    .and_then(|e| hoshi_core::Level::new(i64::from(c.level)).ok().map(|l| e.level(l).clone()))
                    .filter(|info| info.annual_self_assessment)
                    .map(|info| {
                        hoshi_core::time::annual_due_dates(c.issued_at, info.validity_months.unwrap_or(36))
                            .into_iter()
                            .map(jst_date_string)
                            .collect()
                    })
                    .unwrap_or_default(),
                qr_svg: qr_svg(&verify_url),
                verify_url,
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => error_page(&ctx, &e),
    }
}

// ---- the supplier's application ----

pub async fn apply(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.apply(&actor, id).await {
        Ok(_) => see_other(&format!("/assessments/{id}")),
        Err(e) => error_page(&ctx, &e),
    }
}

// ---- the registry operator's console ----

pub struct PendingRow {
    pub id: i64,
    pub org: String,
    pub corporate_number: String,
    pub level: String,
    pub assessment_id: i64,
    pub submitted: String,
}

#[derive(Template)]
#[template(path = "console.html")]
pub struct ConsolePage {
    pub l: Layout,
    pub pending: Vec<PendingRow>,
    pub log_size: u64,
    pub checkpoint: String,
    pub checkpoint_at: String,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub categories: &'static [(&'static str, &'static str, &'static str)],
    /// How many applications wait in all, which ones this page shows, and its neighbours.
    pub waiting: i64,
    pub shown: String,
    pub prev: Option<i64>,
    pub next: Option<i64>,
}

/// `?page=N` (from 1) of the console's queue.
#[derive(Deserialize, Default)]
pub struct ConsoleQuery {
    #[serde(default)]
    pub page: Option<i64>,
}

async fn console_page(s: &AppState, ctx: &Ctx, code: StatusCode, notice: Option<String>, error: Option<String>) -> Response {
    console_page_at(s, ctx, 1, code, notice, error).await
}

async fn console_page_at(
    s: &AppState,
    ctx: &Ctx,
    page_no: i64,
    code: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(ctx, &e),
    };
    let t = ctx.t();
    let size = hoshi_app::registry::CONSOLE_PAGE;
    let page_no = page_no.clamp(1, MAX_PAGE);
    let offset = (page_no - 1) * size;
    let (pending, waiting) = match s.app.pending_applications(&actor, offset).await {
        Ok(p) => p,
        Err(e) => return error_page(ctx, &e),
    };
    let shown = if pending.is_empty() { String::new() } else { format!("{}–{}", offset + 1, offset + pending.len() as i64) };
    let cp = s.app.checkpoint().await.ok().flatten();
    let page = ConsolePage {
        l: Layout::new(ctx, t.pick("登録機関の管理画面", "Registry console")),
        pending: pending
            .into_iter()
            .map(|(a, o)| PendingRow {
                id: a.id,
                org: t.pick(&o.name_ja, &o.name_en).to_owned(),
                corporate_number: o.corporate_number.to_string(),
                level: format!("★{}", a.level),
                assessment_id: a.assessment_id,
                submitted: jst(a.submitted_at),
            })
            .collect(),
        log_size: cp.as_ref().map_or(0, |c| c.size),
        checkpoint: cp.as_ref().map(|c| c.note.clone()).unwrap_or_default(),
        checkpoint_at: cp.as_ref().map(|c| jst(c.created_at)).unwrap_or_default(),
        categories: &hoshi_app::registry::REASON_CATEGORIES,
        waiting,
        shown,
        prev: (page_no > 1).then_some(page_no - 1),
        next: (offset + size < waiting).then_some(page_no + 1),
        notice,
        error,
    };
    render(code, &page)
}

pub async fn console(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ConsoleQuery>) -> Response {
    console_page_at(&s, &ctx, q.page.unwrap_or(1), StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn decide(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<DecideForm>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.decide(&actor, id, f.decision == "issue", &f.reason).await {
        Ok(a) => {
            let n = match &a.serial {
                Some(serial) => format!("{} {serial}", ctx.t().pick("認証書を発行しました:", "Certificate issued:")),
                None => ctx.t().pick("申請を拒否しました。", "The application was refused.").to_owned(),
            };
            console_page(&s, &ctx, StatusCode::OK, Some(n), None).await
        }
        // Refused: back to the dossier, which shows what still blocks it.
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            super::trust::dossier_page(&s, &ctx, id, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    pub serial: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn change(State(s): State<AppState>, ctx: Ctx, Form(f): Form<ChangeForm>) -> Response {
    let serial = f.serial.trim().to_owned();
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.change_certificate(&actor, &serial, &f.action, &f.category, &f.reason).await {
        Ok(c) => {
            console_page(
                &s,
                &ctx,
                StatusCode::OK,
                Some(format!("{} {} → {}", ctx.t().pick("認証書", "Certificate"), c.serial, state_name(&c.state, ctx.t()))),
                None,
            )
            .await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            console_page(&s, &ctx, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_attester_is_named_by_its_role_and_number() {
        let body = r#"{"role":"assessment_body","name":{"ja":"中部サイバー評価","en":"Chubu Cyber"},"number":"SCS-AB-0001"}"#;
        let (label, words) = attestation_words(body, T { lang: Lang::En }, false);
        assert_eq!((label, words.as_str()), ("Assessed by", "Chubu Cyber（Designation number SCS-AB-0001）"));
        let expert = r#"{"role":"expert","name":{"ja":"鈴木事務所","en":"Suzuki"},"number":"012345"}"#;
        let (label, words) = attestation_words(expert, T { lang: Lang::Ja }, true);
        assert_eq!((label, words.as_str()), ("確認した専門家", "鈴木事務所（登録番号 012345）"));
        assert_eq!(attestation_words("", T { lang: Lang::Ja }, true), ("", String::new()), "a certificate from before attestations");
    }
}
