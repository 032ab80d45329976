//! Trust pages: the public directory of approved providers (and its CSV), an organisation's
//! verification documents, a provider's accreditation application, a claim on a corporate
//! number, the operator's trust console (verifications, claims, accreditations), the dossier of
//! an application with the operator's check, and the findings actions (the supplier's reply or
//! corrective action, the provider's resolution, the ★4 technical verification, "agree all
//! unchanged").

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use hoshi_app::registry::Dossier;
use hoshi_app::trust::{AccreditationInput, DirectoryEntry};
use hoshi_app::AppError;
use hoshi_core::accreditation::Kind;
use hoshi_core::time::jst_date_string;
use hoshi_core::CorporateNumber;
use serde::Deserialize;

use super::{error_page, render, see_other, Layout};
use crate::ctx::Ctx;
use crate::time_fmt::jst;
use crate::AppState;

fn corporate_number(v: &str) -> Result<CorporateNumber, AppError> {
    CorporateNumber::parse(v).map_err(|e| AppError::invalid("corporate_number", e.message_ja(), e.to_string()))
}

fn actor(ctx: &Ctx) -> Result<hoshi_app::Actor, Box<Response>> {
    ctx.actor().cloned().map_err(|e| Box::new(error_page(ctx, &e)))
}

// ---- the public directory ----

#[derive(Deserialize, Default)]
pub struct DirectoryQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub kind: String,
}

#[derive(Template)]
#[template(path = "providers.html")]
pub struct ProvidersPage {
    pub l: Layout,
    pub q: String,
    pub region: String,
    pub kind: String,
    pub rows: Vec<(DirectoryEntry, String, String)>,
    pub csv_href: String,
}

async fn directory(s: &AppState, q: &DirectoryQuery) -> Result<Vec<DirectoryEntry>, AppError> {
    s.app.provider_directory(&q.q, &q.region, Kind::parse(q.kind.trim())).await
}

pub async fn providers(State(s): State<AppState>, ctx: Ctx, Query(q): Query<DirectoryQuery>) -> Response {
    let t = ctx.t();
    match directory(&s, &q).await {
        Ok(list) => {
            let rows = list
                .into_iter()
                .map(|e| {
                    let kind = Kind::parse(&e.kind).unwrap_or(Kind::Expert);
                    (e, kind.name(ctx.ja()).to_owned(), kind.number_name(ctx.ja()).to_owned())
                })
                .collect();
            let enc = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
            let page = ProvidersPage {
                l: Layout::new(&ctx, t.pick("承認された専門家・評価機関", "Approved experts and assessment bodies")),
                csv_href: format!("/providers.csv?q={}&region={}&kind={}", enc(&q.q), enc(&q.region), enc(&q.kind)),
                q: q.q,
                region: q.region,
                kind: q.kind,
                rows,
            };
            render(StatusCode::OK, &page)
        }
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn providers_csv(State(s): State<AppState>, ctx: Ctx, Query(q): Query<DirectoryQuery>) -> Response {
    let ja = ctx.ja();
    let list = match directory(&s, &q).await {
        Ok(l) => l,
        Err(e) => return error_page(&ctx, &e),
    };
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let header: [&str; 9] = if ja {
        ["種別", "法人番号", "名称", "所在地", "対応地域", "資格・指定", "登録番号・指定番号", "技術検証", "有効期間"]
    } else {
        ["kind", "corporate_number", "name", "prefecture", "regions", "qualification", "number", "technical_verification", "valid"]
    };
    let _ = w.write_record(header);
    for e in &list {
        let kind = Kind::parse(&e.kind).unwrap_or(Kind::Expert).name(ja);
        let tv = match (e.technical_verification, ja) {
            (true, true) => "可",
            (false, true) => "不可",
            (true, false) => "yes",
            (false, false) => "no",
        };
        let _ = w.write_record(
            [
                kind,
                &e.corporate_number,
                if ja { &e.name_ja } else { &e.name_en },
                &e.prefecture,
                &e.regions,
                &e.qualification,
                &e.number,
                tv,
                &format!("{} – {}", e.valid_from, e.valid_until),
            ]
            .map(hoshi_core::text::spreadsheet_safe),
        );
    }
    let body = w.into_inner().unwrap_or_default();
    ([(CONTENT_TYPE, "text/csv; charset=utf-8"), (CONTENT_DISPOSITION, "attachment; filename=\"hoshi-providers.csv\"")], body)
        .into_response()
}

/// `GET /api/v1/providers`: the directory as JSON.
#[utoipa::path(get, path = "/api/v1/providers", tag = "registry",
    params(("q" = Option<String>, Query, description = "words in the name or number"), ("region" = Option<String>, Query, description = "prefecture or served region"), ("kind" = Option<String>, Query, description = "expert or assessment_body")),
    responses((status = 200, description = "Providers approved today")))]
pub async fn providers_api(State(s): State<AppState>, ctx: Ctx, Query(q): Query<DirectoryQuery>) -> Response {
    match directory(&s, &q).await {
        Ok(list) => Json(serde_json::json!({ "providers": list })).into_response(),
        Err(e) => crate::problem::from_app_error(&e, ctx.lang).into_response(),
    }
}

// ---- the organisation's documents and the provider's application ----

pub async fn upload_document(State(s): State<AppState>, ctx: Ctx, mut mp: Multipart) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let mut file: Option<(String, Bytes)> = None;
    while let Ok(Some(field)) = mp.next_field().await {
        let name = field.name().unwrap_or("").to_owned();
        let filename = field.file_name().map(str::to_owned);
        match field.bytes().await {
            Ok(b) if name == "file" => file = Some((filename.unwrap_or_else(|| "document".into()), b)),
            Ok(_) => {}
            Err(_) => {
                return error_page(
                    &ctx,
                    &AppError::invalid(
                        "file",
                        "ファイルを読み取れませんでした（20 MBまで）。",
                        "The file could not be read (20 MB at most).",
                    ),
                )
            }
        }
    }
    let Some((filename, bytes)) = file else {
        return error_page(&ctx, &AppError::invalid("file", "ファイルを選んでください。", "Choose a file."));
    };
    match s.app.upload_verification_document(&a, &filename, &bytes).await {
        Ok(_) => see_other("/org?document=1"),
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn document(State(s): State<AppState>, ctx: Ctx, Path((org_id, sha)): Path<(i64, String)>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match s.app.verification_document(&a, org_id, &sha).await {
        Ok((ct, bytes, name)) => {
            let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
            ([(CONTENT_TYPE, ct), (CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\""))], bytes).into_response()
        }
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn apply_accreditation(State(s): State<AppState>, ctx: Ctx, Form(f): Form<AccreditationInput>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match s.app.apply_accreditation(&a, &f).await {
        Ok(_) => see_other("/org?accreditation=1"),
        Err(e) => error_page(&ctx, &e),
    }
}

// ---- claims ----

#[derive(Template)]
#[template(path = "claim.html")]
pub struct ClaimPage {
    pub l: Layout,
    pub corporate_number: String,
    pub done: bool,
    pub error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ClaimForm {
    #[serde(default)]
    pub corporate_number: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub statement: String,
}

pub async fn claim_form(ctx: Ctx, Query(q): Query<ClaimForm>) -> Response {
    let t = ctx.t();
    let cn = CorporateNumber::parse(&q.corporate_number).map(|c| c.to_string()).unwrap_or_default();
    render(
        StatusCode::OK,
        &ClaimPage {
            l: Layout::new(&ctx, t.pick("法人番号の申立て", "Claim a corporate number")),
            corporate_number: cn,
            done: false,
            error: None,
        },
    )
}

pub async fn claim(State(s): State<AppState>, ctx: Ctx, Form(f): Form<ClaimForm>) -> Response {
    let t = ctx.t();
    if let Err(e) = s.app.rate_check(hoshi_app::Bucket::Claim, &ctx.client) {
        return error_page(&ctx, &e);
    }
    let r = s.app.file_claim(&f.corporate_number, &f.name, &f.email, &f.statement, None).await;
    let l = Layout::new(&ctx, t.pick("法人番号の申立て", "Claim a corporate number"));
    match r {
        Ok(_) => render(StatusCode::OK, &ClaimPage { l, corporate_number: String::new(), done: true, error: None }),
        Err(e @ AppError::Invalid { .. }) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ClaimPage { l, corporate_number: f.corporate_number, done: false, error: Some(e.message(ctx.ja())) },
        ),
        Err(e) => error_page(&ctx, &e),
    }
}

// ---- the operator's trust console ----

pub struct QueueRow {
    pub org_id: i64,
    pub name: String,
    pub corporate_number: String,
    pub roles: String,
    pub documents: Vec<(String, String)>,
}

pub struct ClaimRow {
    pub id: i64,
    pub org: String,
    pub corporate_number: String,
    pub claimant: String,
    pub statement: String,
    pub at: String,
}

pub struct ProviderRow {
    pub name: String,
    pub corporate_number: String,
    pub kind: &'static str,
    pub kind_key: &'static str,
    pub qualification: String,
    pub number: String,
    pub training: String,
    pub technical: bool,
    pub state: &'static str,
    pub state_key: &'static str,
    pub verified: bool,
    pub valid: String,
    pub history: Vec<String>,
}

#[derive(Template)]
#[template(path = "trust_console.html")]
pub struct TrustConsole {
    pub l: Layout,
    pub queue: Vec<QueueRow>,
    pub claims: Vec<ClaimRow>,
    pub providers: Vec<ProviderRow>,
    /// Name changes waiting: id, corporate number, current name, requested name, when.
    pub names: Vec<(i64, String, String, String, String)>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

async fn trust_console(s: &AppState, ctx: &Ctx, code: StatusCode, notice: Option<String>, error: Option<String>) -> Response {
    let a = match actor(ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let t = ctx.t();
    let ja = ctx.ja();
    let (queue, claims, providers) =
        match (s.app.verification_queue(&a).await, s.app.open_claims(&a).await, s.app.providers(Some(&a)).await) {
            (Ok(q), Ok(c), Ok(p)) => (q, c, p),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return error_page(ctx, &e),
        };
    let names = match s.app.name_change_queue(&a).await {
        Ok(n) => n
            .into_iter()
            .map(|(c, o)| {
                let now = format!("{} / {}", o.name_ja, o.name_en);
                (c.id, o.corporate_number.to_string(), now, format!("{} / {}", c.name_ja, c.name_en), jst(c.requested_at))
            })
            .collect(),
        Err(e) => return error_page(ctx, &e),
    };
    let page = TrustConsole {
        names,
        l: Layout::new(ctx, t.pick("本人確認と専門家・評価機関の承認", "Verification and accreditation")),
        queue: queue
            .into_iter()
            .map(|(o, docs)| QueueRow {
                org_id: o.id,
                name: t.pick(&o.name_ja, &o.name_en).to_owned(),
                corporate_number: o.corporate_number.to_string(),
                roles: o.roles.iter().map(|r| if ja { r.name_ja() } else { r.name_en() }).collect::<Vec<_>>().join(", "),
                documents: docs.into_iter().map(|d| (d.sha256, d.filename)).collect(),
            })
            .collect(),
        claims: claims
            .into_iter()
            .map(|(c, o)| ClaimRow {
                id: c.id,
                org: t.pick(&o.name_ja, &o.name_en).to_owned(),
                corporate_number: o.corporate_number.to_string(),
                claimant: format!("{} <{}>", c.claimant_name, c.claimant_email),
                statement: c.statement,
                at: jst(c.created_at),
            })
            .collect(),
        providers: providers
            .into_iter()
            .map(|p| ProviderRow {
                name: t.pick(&p.org.name_ja, &p.org.name_en).to_owned(),
                corporate_number: p.org.corporate_number.to_string(),
                kind: p.kind.name(ja),
                kind_key: p.kind.key(),
                qualification: p.accreditation.qualification.clone(),
                number: p.accreditation.number.clone(),
                training: p.accreditation.training_completed_on.clone(),
                technical: p.accreditation.technical_verification != 0,
                state: p.state.name(ja),
                state_key: p.state.key(),
                verified: p.verified,
                valid: match (p.accreditation.valid_from, p.accreditation.valid_until) {
                    (Some(f), Some(u)) => format!("{} – {}", jst_date_string(f), jst_date_string(u)),
                    (None, Some(u)) => format!("– {}", jst_date_string(u)),
                    _ => String::new(),
                },
                history: p
                    .decisions
                    .iter()
                    .map(|d| {
                        let st = hoshi_core::accreditation::State::parse(&d.status).map_or(d.status.clone(), |x| x.name(ja).to_owned());
                        format!("{} {st} — {} {}", jst(d.decided_at), d.decided_by, d.reason).trim().to_owned()
                    })
                    .collect(),
            })
            .collect(),
        notice,
        error,
    };
    render(code, &page)
}

pub async fn console(State(s): State<AppState>, ctx: Ctx) -> Response {
    trust_console(&s, &ctx, StatusCode::OK, None, None).await
}

async fn after(s: &AppState, ctx: &Ctx, r: Result<String, AppError>) -> Response {
    match r {
        Ok(n) => trust_console(s, ctx, StatusCode::OK, Some(n), None).await,
        // Only the operator reaches these forms (the route says so): its refusals show on the console.
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Forbidden(_) | AppError::NotFound(_))) => {
            trust_console(s, ctx, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(ctx, &e),
    }
}

#[derive(Deserialize, Default)]
pub struct VerifyForm {
    #[serde(default)]
    pub corporate_number: String,
    #[serde(default)]
    pub checked: String,
    #[serde(default)]
    pub document: String,
    /// `verify` or `unverify`.
    #[serde(default)]
    pub action: String,
}

pub async fn verify(State(s): State<AppState>, ctx: Ctx, Form(f): Form<VerifyForm>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let r = async {
        let cn = corporate_number(&f.corporate_number)?;
        let doc = Some(f.document.as_str()).filter(|d| !d.is_empty());
        s.app.verify_org(Some(&a), &cn, f.action != "unverify", &f.checked, doc).await?;
        Ok(format!("{} {cn}", ctx.t().pick("記録しました:", "Recorded:")))
    }
    .await;
    after(&s, &ctx, r).await
}

#[derive(Deserialize, Default)]
pub struct ResolveClaimForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub resolution: String,
}

pub async fn resolve_claim(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<ResolveClaimForm>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let t = ctx.t();
    let r = s.app.resolve_claim(&a, id, f.decision == "uphold", &f.resolution).await.map(|token| match token {
        Some(tk) => format!(
            "{} /invitations/{tk}",
            t.pick(
                "申立てを認めました。申立人に次の招待リンクを届けてください（一度だけ表示）:",
                "Claim upheld. Send the claimant this invitation link (shown once):"
            )
        ),
        None => t.pick("申立てを退けました。", "Claim rejected.").to_owned(),
    });
    after(&s, &ctx, r).await
}

#[derive(Deserialize, Default)]
pub struct NameChangeForm {
    /// `approve` or `reject`.
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn decide_name_change(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<NameChangeForm>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let t = ctx.t();
    let r = s.app.decide_name_change(&a, id, f.decision == "approve", &f.reason).await.map(|c| {
        if c.status == "approved" {
            format!("{} {} / {}", t.pick("名称の変更を承認しました:", "Name change approved:"), c.name_ja, c.name_en)
        } else {
            t.pick("名称の変更を却下しました。", "Name change rejected.").to_owned()
        }
    });
    after(&s, &ctx, r).await
}

#[derive(Deserialize, Default)]
pub struct ProviderForm {
    #[serde(default)]
    pub corporate_number: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub valid_from: String,
}

pub async fn decide_provider(State(s): State<AppState>, ctx: Ctx, Form(f): Form<ProviderForm>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let r = async {
        let cn = corporate_number(&f.corporate_number)?;
        let p = s.app.decide_accreditation(Some(&a), &cn, Kind::parse(&f.kind), &f.action, &f.reason, &f.valid_from).await?;
        Ok(format!("{} {} → {}", p.org.name_ja, p.kind.name(ctx.ja()), p.state.name(ctx.ja())))
    }
    .await;
    after(&s, &ctx, r).await
}

// ---- the dossier ----

pub struct AnswerLine {
    pub id: String,
    pub title: String,
    pub status: String,
    pub reason: String,
    pub position: String,
    pub comment: String,
    pub na_agreed: bool,
    pub finding_open: bool,
    pub corrective: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "dossier.html")]
pub struct DossierPage {
    pub l: Layout,
    pub d: DossierView,
    pub notice: Option<String>,
    pub error: Option<String>,
}

pub struct DossierView {
    pub id: i64,
    /// For a renewal: the certificate it renews.
    pub previous_serial: Option<String>,
    pub pending: bool,
    pub org: String,
    pub corporate_number: String,
    pub level: String,
    pub submitted: String,
    pub verified: Option<String>,
    pub scope: String,
    pub provider: Option<String>,
    pub provider_accreditation: Option<String>,
    pub attested_while_approved: bool,
    pub pledge: Option<String>,
    pub technical: Option<String>,
    pub lines: Vec<AnswerLine>,
    pub evidence: Vec<(String, String, String)>,
    pub findings: Vec<String>,
    pub check: Option<String>,
    pub blockers: Vec<String>,
}

fn dossier_view(d: &Dossier, ctx: &Ctx) -> DossierView {
    let ja = ctx.ja();
    let t = ctx.t();
    let lang = if ja { hoshi_standard::Lang::Ja } else { hoshi_standard::Lang::En };
    let attesting = hoshi_app::App::attesting(&d.view);
    let items: std::collections::HashMap<&str, _> =
        attesting.map(|(_, _, items)| items.iter().map(|r| (r.criterion.as_str(), r)).collect()).unwrap_or_default();
    let name = |id: i64| d.names.get(&id).cloned().unwrap_or_default();
    let lines = d
        .view
        .edition
        .criteria_up_to(d.view.target())
        .map(|c| {
            let a = d.view.answers.get(&c.id);
            let r = items.get(c.id.as_str());
            AnswerLine {
                id: c.id.clone(),
                title: c.text.get(lang).to_owned(),
                status: a.map(|a| a.status.clone()).unwrap_or_else(|| "—".into()),
                reason: a.map(|a| a.reason.clone()).unwrap_or_default(),
                position: r.map(|r| r.position.clone()).unwrap_or_default(),
                comment: r.map(|r| r.comment.clone()).unwrap_or_default(),
                na_agreed: r.is_some_and(|r| *r.na_agreed),
                finding_open: r
                    .is_some_and(|r| hoshi_app::assessment::FINDING_POSITIONS.contains(&r.position.as_str()) && r.resolved_at.is_none()),
                corrective: r
                    .filter(|r| !r.corrective_action.is_empty())
                    .map(|r| format!("{} ({})", r.corrective_action, r.corrective_due))
                    .unwrap_or_default(),
                by: a.map(|a| name(a.by)).unwrap_or_default(),
            }
        })
        .collect();
    let (scope, _) = hoshi_app::registry::scope_words(&d.view.assessment.scope_kind, &d.view.assessment.scope_text);
    DossierView {
        id: d.application.id,
        pending: d.application.status == "submitted",
        org: t.pick(&d.org.name_ja, &d.org.name_en).to_owned(),
        corporate_number: d.org.corporate_number.to_string(),
        level: format!("★{}", d.application.level),
        submitted: jst(d.application.submitted_at),
        previous_serial: d.application.previous_serial.clone(),
        verified: d.verification.verified.as_ref().map(|v| format!("{} — {} ({})", v.checked, v.decided_by, jst(v.decided_at))),
        scope,
        provider: attesting.map(|(e, p, _)| {
            format!("{} ({}) — {}", t.pick(&p.name_ja, &p.name_en), p.corporate_number, e.decided_at.map(jst).unwrap_or_default())
        }),
        provider_accreditation: d.provider.as_ref().map(|p| {
            format!(
                "{} · {} {} · {} · {}",
                p.kind.name(ja),
                p.kind.number_name(ja),
                p.accreditation.number,
                p.accreditation.qualification,
                p.state.name(ja)
            )
        }),
        attested_while_approved: d.attested_while_approved,
        pledge: d
            .view
            .pledge
            .as_ref()
            .map(|p| format!("{} {} — {} ({})", p.officer_title, p.officer_name, name(p.signed_by), jst(p.signed_at))),
        technical: d.technical.as_ref().map(|tv| format!("{} · {} · {} {}", tv.method, tv.performed_on, tv.result, tv.summary)),
        lines,
        evidence: d.view.evidence.iter().map(|e| (e.criterion.clone(), e.filename.clone(), e.sha256.clone())).collect(),
        findings: d
            .view
            .findings
            .iter()
            .map(|n| format!("{} {} [{}] {}: {} {}", jst(n.created_at), n.criterion, n.side, n.kind, n.body, n.due))
            .collect(),
        check: d
            .application
            .checked_at
            .map(|at| format!("{} — {} ({})", d.application.check_note, d.application.checked_by.map(name).unwrap_or_default(), jst(at))),
        blockers: d.blockers.iter().map(|m| m.get(ja).to_owned()).collect(),
    }
}

pub(crate) async fn dossier_page(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    code: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let a = match actor(ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match s.app.dossier(&a, id).await {
        Ok(d) => {
            let t = ctx.t();
            let page = DossierPage {
                l: Layout::new(ctx, &format!("{} #{id}", t.pick("申請の書類一式", "Application dossier"))),
                d: dossier_view(&d, ctx),
                notice,
                error,
            };
            render(code, &page)
        }
        Err(e) => error_page(ctx, &e),
    }
}

pub async fn dossier(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    dossier_page(&s, &ctx, id, StatusCode::OK, None, None).await
}

#[derive(Deserialize, Default)]
pub struct CheckForm {
    #[serde(default)]
    pub note: String,
}

pub async fn check(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<CheckForm>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match s.app.record_check(&a, id, &f.note).await {
        Ok(()) => {
            dossier_page(
                &s,
                &ctx,
                id,
                StatusCode::OK,
                Some(ctx.t().pick("確認を記録しました。", "The check is recorded.").to_owned()),
                None,
            )
            .await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            dossier_page(&s, &ctx, id, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

// ---- findings ----

#[derive(Deserialize, Default)]
pub struct ReplyForm {
    #[serde(default)]
    pub engagement: i64,
    #[serde(default)]
    pub criterion: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub due: String,
}

pub async fn reply(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<ReplyForm>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match s.app.reply_to_finding(&a, id, f.engagement, &f.criterion, &f.text, &f.due).await {
        Ok(()) => see_other(&format!("/assessments/{id}/criteria/{}", f.criterion)),
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Deserialize, Default)]
pub struct ResolveForm {
    #[serde(default)]
    pub criterion: String,
    #[serde(default)]
    pub comment: String,
}

pub async fn resolve(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<ResolveForm>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match s.app.resolve_finding(&a, id, &f.criterion, &f.comment).await {
        Ok(()) => see_other(&format!("/engagements/{id}")),
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Deserialize, Default)]
pub struct TechnicalForm {
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub performed_on: String,
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub summary: String,
}

pub async fn technical(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<TechnicalForm>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match s.app.record_technical_verification(&a, id, &f.method, &f.performed_on, &f.result, &f.summary).await {
        Ok(()) => see_other(&format!("/engagements/{id}")),
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn agree_unchanged(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match s.app.agree_unchanged(&a, id).await {
        Ok(n) => {
            let t = ctx.t();
            let notice = t
                .pick(
                    &format!("前回の同意を{n}件の変更のない回答に引き継ぎました。"),
                    &format!("Carried the earlier agreement over to {n} unchanged answers."),
                )
                .to_owned();
            super::review::review_page(&s, &ctx, id, StatusCode::OK, Some(notice), Vec::new()).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

/// One finding on one criterion, as a thread both sides read.
pub struct FindingThread {
    pub engagement_id: i64,
    pub criterion: String,
    pub provider: String,
    pub position: &'static str,
    pub open: bool,
    pub nonconformity: bool,
    pub corrective: String,
    pub notes: Vec<String>,
}

/// The findings of an assessment's engagements, open ones first.
pub fn finding_threads(v: &hoshi_app::assessment::AssessmentView, ctx: &Ctx) -> Vec<FindingThread> {
    let t = ctx.t();
    let mut out = Vec::new();
    for (e, p, items) in &v.engagements {
        for r in items.iter().filter(|r| hoshi_app::assessment::FINDING_POSITIONS.contains(&r.position.as_str())) {
            let position = match r.position.as_str() {
                "query" => t.pick("照会", "Query"),
                "disagree" => t.pick("不同意", "Disagreement"),
                "minor" => t.pick("軽微な不適合", "Minor nonconformity"),
                _ => t.pick("重大な不適合", "Major nonconformity"),
            };
            let notes = v
                .findings
                .iter()
                .filter(|n| n.engagement_id == e.id && n.criterion == r.criterion)
                .map(|n| {
                    let who = if n.side == "provider" { t.pick("確認者", "Reviewer") } else { t.pick("自社", "Supplier") };
                    let what = match n.kind.as_str() {
                        "reply" => t.pick("回答", "answer"),
                        "corrective_action" => t.pick("是正処置", "corrective action"),
                        "resolved" => t.pick("解決", "resolved"),
                        _ => t.pick("指摘", "finding"),
                    };
                    let due = if n.due.is_empty() { String::new() } else { format!(" ({} {})", t.pick("期限", "due"), n.due) };
                    format!("{} · {who} · {what}: {}{due}", jst(n.created_at), n.body)
                })
                .collect();
            out.push(FindingThread {
                engagement_id: e.id,
                criterion: r.criterion.clone(),
                provider: t.pick(&p.name_ja, &p.name_en).to_owned(),
                position,
                open: r.resolved_at.is_none(),
                nonconformity: matches!(r.position.as_str(), "minor" | "major"),
                corrective: if r.corrective_action.is_empty() {
                    String::new()
                } else {
                    format!("{} ({})", r.corrective_action, r.corrective_due)
                },
                notes,
            });
        }
    }
    out.sort_by_key(|f| (!f.open, f.criterion.clone()));
    out
}

// ---- the audit trail ----

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub offset: i64,
    #[serde(default)]
    pub verify: String,
}

pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub actor_org: String,
    pub action_key: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditTemplate {
    pub l: Layout,
    pub actions: Vec<crate::pages::auth::Choice>,
    pub q: String,
    pub from: String,
    pub until: String,
    pub total: i64,
    pub entries: Vec<AuditEntry>,
    pub next: Option<String>,
    pub chain: Option<(bool, String)>,
}

pub async fn audit(State(s): State<AppState>, ctx: Ctx, Query(q): Query<AuditQuery>) -> Response {
    use hoshi_core::audit::Action;
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let t = ctx.t();
    let day = |d: &str, end: bool| -> Result<Option<i64>, AppError> {
        if d.trim().is_empty() {
            return Ok(None);
        }
        let bad = || AppError::invalid("from", "日付は 2026-12-01 の形で入力してください。", "Write dates as 2026-12-01.");
        let date = hoshi_core::time::parse_date(d.trim()).ok_or_else(bad)?;
        let mut p = date.split('-').map(|x| x.parse::<i64>().unwrap_or(1));
        let (y, m, dd) = (p.next().unwrap_or(2000), p.next().unwrap_or(1), p.next().unwrap_or(1));
        // Midnight in Japan (UTC+9) of that day.
        let start = hoshi_core::time::days_from_civil(y, m as u32, dd as u32) * 86_400 - 9 * 3600;
        Ok(Some(if end { start + 86_399 } else { start }))
    };
    let (from, until) = match (day(&q.from, false), day(&q.until, true)) {
        (Ok(f), Ok(u)) => (f, u),
        (Err(e), _) | (_, Err(e)) => return error_page(&ctx, &e),
    };
    let action = Action::parse(q.action.trim()).map(|a| a.key().to_owned());
    let text = Some(q.q.trim().to_owned()).filter(|x| !x.is_empty());
    let filter = hoshi_app::audit::AuditFilter { action: action.clone(), text, from, until };
    let page = match s.app.audit_trail(&a, &filter, q.offset).await {
        Ok(p) => p,
        Err(e) => return error_page(&ctx, &e),
    };
    let chain = if q.verify.is_empty() {
        None
    } else {
        Some(match s.app.verify_audit_trail().await {
            Ok(n) => (
                true,
                format!(
                    "{} {n}",
                    t.pick(
                        "連鎖を検証しました。すべての記録がそろい、変更されていません。記録数:",
                        "The chain verifies: every entry is present and unchanged. Entries:"
                    )
                ),
            ),
            Err(e @ AppError::Conflict(_)) => (false, e.message(ctx.ja())),
            Err(e) => return error_page(&ctx, &e),
        })
    };
    let entries = page
        .entries
        .iter()
        .map(|e| AuditEntry {
            seq: e.seq,
            at: crate::time_fmt::jst(e.at),
            actor: e.actor.clone(),
            actor_org: e.actor_org.clone(),
            action_key: e.action.clone(),
            action: Action::parse(&e.action).map_or_else(|| e.action.clone(), |a| t.pick(a.name_ja(), a.name_en()).to_owned()),
            target: e.target.clone(),
            detail: e.detail.clone(),
        })
        .collect();
    let shown = q.offset.max(0) + hoshi_app::audit::AUDIT_PAGE;
    let next = (shown < page.total).then(|| {
        let mut u = form_urlencoded::Serializer::new(String::new());
        u.append_pair("action", action.as_deref().unwrap_or(""))
            .append_pair("q", q.q.trim())
            .append_pair("from", &q.from)
            .append_pair("until", &q.until);
        u.append_pair("offset", &shown.to_string());
        format!("/registry/audit?{}", u.finish())
    });
    let actions = Action::ALL
        .iter()
        .map(|x| crate::pages::auth::Choice {
            value: x.key().to_owned(),
            label: t.pick(x.name_ja(), x.name_en()).to_owned(),
            selected: action.as_deref() == Some(x.key()),
        })
        .collect();
    render(
        StatusCode::OK,
        &AuditTemplate {
            l: Layout::new(&ctx, t.pick("監査記録", "Audit trail")),
            actions,
            q: q.q.trim().to_owned(),
            from: q.from.clone(),
            until: q.until.clone(),
            total: page.total,
            entries,
            next,
            chain,
        },
    )
}
