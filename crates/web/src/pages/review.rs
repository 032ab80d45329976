//! The expert's and assessor's side: requests addressed to them, and the review page where they
//! record a position on every criterion, agree to exclusions, and confirm or return.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use hoshi_app::assessment::{AssessmentView, ASSESSOR_POSITIONS, EXPERT_POSITIONS, SUPPORT, THIRD_PARTY};
use hoshi_app::AppError;
use serde::Deserialize;

use super::assessment::answer_label;
use super::{error_page, render, see_other, Layout};
use crate::ctx::Ctx;
use crate::i18n::T;
use crate::time_fmt::jst;
use crate::AppState;

pub struct InboxRow {
    pub id: i64,
    pub assessment_id: i64,
    pub supplier: String,
    pub kind: &'static str,
    pub status: String,
    pub target: String,
    pub message: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "engagements.html")]
pub struct InboxPage {
    pub l: Layout,
    pub rows: Vec<InboxRow>,
}

fn kind(k: &str, t: T) -> &'static str {
    match k {
        "confirmation" => t.pick("★3の確認", "★3 confirmation"),
        "support" => t.pick("支援の依頼", "Request for help"),
        _ => t.pick("★4の第三者評価", "★4 third-party assessment"),
    }
}

fn status(s: &str, t: T) -> String {
    match s {
        "requested" => t.pick("新しい依頼", "New"),
        "in_review" => t.pick("確認中", "In review"),
        "confirmed" => t.pick("確認済み", "Confirmed"),
        "returned" => t.pick("差し戻し済み", "Returned"),
        "completed" => t.pick("評価完了", "Completed"),
        o => o,
    }
    .to_owned()
}

pub async fn inbox(State(s): State<AppState>, ctx: Ctx) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    let t = ctx.t();
    let list = match s.app.my_engagements(&actor).await {
        Ok(l) => l,
        Err(e) => return error_page(&ctx, &e),
    };
    let rows = list
        .into_iter()
        .map(|(e, a, o)| InboxRow {
            id: e.id,
            assessment_id: a.id,
            supplier: t.pick(&o.name_ja, &o.name_en).to_owned(),
            kind: kind(&e.kind, t),
            status: status(&e.status, t),
            target: format!("★{}", a.target_level),
            message: e.message,
            when: jst(e.created_at),
        })
        .collect();
    render(StatusCode::OK, &InboxPage { l: Layout::new(&ctx, t.pick("依頼の一覧", "Requests to you")), rows })
}

pub struct ReviewRow {
    pub id: String,
    pub star: String,
    pub text: String,
    pub answer: &'static str,
    pub not_applicable: bool,
    pub reason: String,
    pub note: String,
    /// (SHA-256, file name, past its review-by date).
    pub files: Vec<(String, String, bool)>,
    pub position: String,
    /// The position in words, for the closed page.
    pub position_label: &'static str,
    pub comment: String,
    pub na_agreed: bool,
    /// The answer changed since this provider's earlier review (or it was never reviewed).
    pub changed: bool,
    pub open_finding: bool,
}

/// Which rows the review page shows.
#[derive(Deserialize, Default)]
pub struct ReviewFilter {
    /// changed / na / no_evidence / open; empty for all.
    #[serde(default)]
    pub only: String,
}

#[derive(Template)]
#[template(path = "engagement.html")]
pub struct ReviewPage {
    pub l: Layout,
    pub id: i64,
    pub assessment_id: i64,
    pub supplier: String,
    pub kind: &'static str,
    pub status: String,
    pub open: bool,
    pub support: bool,
    pub positions: Vec<(&'static str, &'static str)>,
    pub rows: Vec<ReviewRow>,
    pub reviewed: usize,
    pub pledge: Option<String>,
    pub achieved: String,
    pub notice: Option<String>,
    pub errors: Vec<String>,
    /// This engagement's findings as threads.
    pub findings: Vec<super::trust::FindingThread>,
    /// Findings may still be resolved (open, or a completed ★4 assessment).
    pub resolvable: bool,
    pub third_party: bool,
    pub technical: Option<String>,
    /// The filter in force (empty for all rows).
    pub only: String,
    /// There is an earlier review to carry over.
    pub resubmission: bool,
    /// What changed since the version this one started from (a renewal, a revision).
    pub changes: Vec<(String, &'static str, &'static str, String, bool)>,
    pub stale: usize,
}

fn position_label(p: &str, t: T) -> &'static str {
    match p {
        "agree" => t.pick("同意", "Agree"),
        "query" => t.pick("照会", "Query"),
        "disagree" => t.pick("不同意", "Disagree"),
        "conforms" => t.pick("適合", "Conforms"),
        "minor" => t.pick("軽微な不適合", "Minor nonconformity"),
        _ => t.pick("重大な不適合", "Major nonconformity"),
    }
}

pub(crate) async fn review_page(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    code: StatusCode,
    notice: Option<String>,
    errors: Vec<String>,
) -> Response {
    filtered_review_page(s, ctx, id, code, notice, errors, "").await
}

async fn filtered_review_page(
    s: &AppState,
    ctx: &Ctx,
    id: i64,
    code: StatusCode,
    notice: Option<String>,
    errors: Vec<String>,
    only: &str,
) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(ctx, &e),
    };
    let today = hoshi_core::time::jst_date_string(s.app.now());
    let t = ctx.t();
    let list = match s.app.my_engagements(&actor).await {
        Ok(l) => l,
        Err(e) => return error_page(ctx, &e),
    };
    let Some((e, a, o)) = list.into_iter().find(|(e, _, _)| e.id == id) else {
        return error_page(ctx, &AppError::not_found("依頼が見つかりません。", "No such request."));
    };
    let v: AssessmentView = match s.app.assessment(&actor, a.id).await {
        Ok(v) => v,
        Err(err) => return error_page(ctx, &err),
    };
    let items = v.engagements.iter().find(|(x, _, _)| x.id == e.id).map(|(_, _, i)| i.clone()).unwrap_or_default();
    // This provider's earlier review of the same assessment (before a resubmission).
    let earlier = v
        .engagements
        .iter()
        .filter(|(x, _, _)| x.id < e.id && x.provider_org_id == e.provider_org_id && x.kind == e.kind)
        .max_by_key(|(x, _, _)| x.id)
        .map(|(_, _, i)| i.clone())
        .unwrap_or_default();
    let rows: Vec<ReviewRow> = v
        .edition
        .criteria_up_to(v.target())
        .map(|c| {
            let ans = v.answers.get(&c.id);
            let r = items.iter().find(|r| r.criterion == c.id);
            ReviewRow {
                id: c.id.clone(),
                star: c.level.to_string(),
                text: c.text.get(ctx.lang).to_owned(),
                answer: answer_label(ans.map(|x| x.status.as_str()), t),
                not_applicable: ans.is_some_and(|x| x.status == "not_applicable"),
                reason: ans.map(|x| x.reason.clone()).unwrap_or_default(),
                note: ans.map(|x| x.note.clone()).unwrap_or_default(),
                files: v
                    .evidence
                    .iter()
                    .filter(|f| f.criterion == c.id)
                    .map(|f| (f.sha256.clone(), f.filename.clone(), hoshi_app::library::stale(f.review_by.as_deref(), &today)))
                    .collect(),
                position: r.map(|r| r.position.clone()).unwrap_or_default(),
                position_label: r.map_or(t.pick("未確認", "Not reviewed"), |r| position_label(&r.position, t)),
                comment: r.map(|r| r.comment.clone()).unwrap_or_default(),
                na_agreed: r.is_some_and(|r| *r.na_agreed),
                changed: earlier.iter().find(|x| x.criterion == c.id).is_none_or(|x| ans.is_some_and(|a| a.at > x.updated_at)),
                open_finding: r
                    .is_some_and(|r| hoshi_app::assessment::FINDING_POSITIONS.contains(&r.position.as_str()) && r.resolved_at.is_none()),
            }
        })
        .filter(|row: &ReviewRow| match only {
            "changed" => row.changed,
            "na" => row.not_applicable,
            "no_evidence" => row.files.is_empty(),
            "open" => row.open_finding,
            _ => true,
        })
        .collect();
    let positions: &[&str] = if e.kind == THIRD_PARTY { &ASSESSOR_POSITIONS } else { &EXPERT_POSITIONS };
    let page = ReviewPage {
        changes: super::assessment::change_rows(&v, t),
        stale: v.evidence.iter().filter(|f| hoshi_app::library::stale(f.review_by.as_deref(), &today)).count(),
        id: e.id,
        assessment_id: a.id,
        supplier: t.pick(&o.name_ja, &o.name_en).to_owned(),
        kind: kind(&e.kind, t),
        status: status(&e.status, t),
        open: matches!(e.status.as_str(), "requested" | "in_review") && e.kind != SUPPORT,
        support: e.kind == SUPPORT,
        positions: positions.iter().map(|p| (*p, position_label(p, t))).collect(),
        reviewed: rows.iter().filter(|r| !r.position.is_empty()).count(),
        rows,
        pledge: v.pledge.as_ref().map(|p| format!("{} {}（{}）", p.officer_title, p.officer_name, jst(p.signed_at))),
        achieved: v.evaluation.achieved.map_or_else(|| t.pick("なし", "None").to_owned(), |l| l.to_string()),
        notice,
        errors,
        findings: super::trust::finding_threads(&v, ctx).into_iter().filter(|f| f.engagement_id == e.id).collect(),
        resolvable: matches!(e.status.as_str(), "requested" | "in_review") || (e.kind == THIRD_PARTY && e.status == "completed"),
        third_party: e.kind == THIRD_PARTY,
        only: only.to_owned(),
        resubmission: !earlier.is_empty(),
        technical: s
            .app
            .technical_verification(&actor, e.id)
            .await
            .ok()
            .flatten()
            .map(|tv| format!("{} · {} · {} {}", tv.method, tv.performed_on, tv.result, tv.summary)),
        l: Layout::new(ctx, t.pick("自己評価の確認", "Review the assessment")),
    };
    render(code, &page)
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(f): Query<ReviewFilter>) -> Response {
    filtered_review_page(&s, &ctx, id, StatusCode::OK, None, Vec::new(), f.only.trim()).await
}

/// Saves the positions on the page (`r.<id>.position`, `.comment`, `.na`); unchanged rows are skipped.
pub async fn save(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    let pairs = crate::ctx::form_urlencoded_pairs(&body);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut ids: Vec<String> =
        pairs.iter().filter_map(|(k, _)| k.strip_prefix("r.").and_then(|r| r.strip_suffix(".position")).map(str::to_owned)).collect();
    ids.dedup();
    let mut errors = Vec::new();
    let mut saved = 0;
    for cid in ids {
        let position = get(&format!("r.{cid}.position")).unwrap_or_default();
        if position.is_empty() {
            continue;
        }
        let comment = get(&format!("r.{cid}.comment")).unwrap_or_default();
        let na = get(&format!("r.{cid}.na")).is_some();
        match s.app.review(&actor, id, &cid, &position, &comment, na).await {
            Ok(()) => saved += 1,
            Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Forbidden(_))) => {
                errors.push(format!("{cid}: {}", e.message(ctx.ja())))
            }
            Err(e) => return error_page(&ctx, &e),
        }
    }
    if errors.is_empty() {
        let t = ctx.t();
        let n = format!("{saved}{}", t.pick("件の確認を保存しました。", " reviews saved."));
        review_page(&s, &ctx, id, StatusCode::OK, Some(n), errors).await
    } else {
        review_page(&s, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, None, errors).await
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub comment: String,
}

pub async fn confirm(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<DecisionForm>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.confirm(&actor, id, &f.comment).await {
        Ok(()) => see_other(&format!("/engagements/{id}")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            review_page(&s, &ctx, id, crate::problem::status_of(&e), None, vec![e.message(ctx.ja())]).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn return_it(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<DecisionForm>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.return_assessment(&actor, id, &f.comment).await {
        Ok(()) => see_other(&format!("/engagements/{id}")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            review_page(&s, &ctx, id, crate::problem::status_of(&e), None, vec![e.message(ctx.ja())]).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}
