//! Expert support for SMEs: the SME's request form and list, one request (matching, sessions,
//! outcome, withdrawal, each offered to whoever may do it), the figures per region and fiscal
//! year, and the operator's programmes.

// A page handler's early return is the error page itself.
#![allow(clippy::result_large_err)]

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use hoshi_app::support::{prefecture_name, RequestInput, RequestView, SupportRole};
use hoshi_app::{Actor, AppError};
use serde::Deserialize;

use super::{error_page, render, see_other, Layout};
use crate::ctx::Ctx;
use crate::i18n::T;
use crate::time_fmt::jst;
use crate::AppState;

fn actor(ctx: &Ctx) -> Result<Actor, Response> {
    ctx.actor().cloned().map_err(|e| error_page(ctx, &e))
}

fn status_name(s: &str, t: T) -> &'static str {
    match s {
        "requested" => t.pick("照合待ち", "Waiting for a match"),
        "matched" => t.pick("支援中", "In progress"),
        "closed" => t.pick("完了", "Closed"),
        _ => t.pick("取り下げ", "Withdrawn"),
    }
}

pub struct RequestRow {
    pub id: i64,
    pub org: String,
    pub region: String,
    pub target: i64,
    pub status: &'static str,
    pub expert: String,
    pub hours: i64,
    pub created: String,
}

fn row(v: &RequestView, t: T) -> RequestRow {
    RequestRow {
        id: v.request.id,
        org: t.pick(&v.org.name_ja, &v.org.name_en).to_owned(),
        region: prefecture_name(&v.request.prefecture, t.ja()),
        target: v.request.target_level,
        status: status_name(&v.request.status, t),
        expert: v.expert.as_ref().map(|o| t.pick(&o.name_ja, &o.name_en).to_owned()).unwrap_or_default(),
        hours: v.hours,
        created: jst(v.request.created_at),
    }
}

#[derive(Template)]
#[template(path = "support.html")]
pub struct SupportPage {
    pub l: Layout,
    pub rows: Vec<RequestRow>,
    pub can_request: bool,
    pub administers: bool,
    pub employees: String,
    pub notice: Option<String>,
    pub error: Option<String>,
}

async fn list_page(s: &AppState, ctx: &Ctx, status: StatusCode, notice: Option<String>, error: Option<String>) -> Response {
    let actor = match actor(ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = ctx.t();
    match s.app.support_requests(&actor).await {
        Ok(list) => render(
            status,
            &SupportPage {
                rows: list.iter().map(|v| row(v, t)).collect(),
                can_request: actor.has_role(hoshi_core::org::OrgRole::Supplier),
                administers: s.app.administers_programme(&actor).await || actor.has_role(hoshi_core::org::OrgRole::RegistryOperator),
                employees: actor.org.employees.map(|e| e.to_string()).unwrap_or_default(),
                notice,
                error,
                l: Layout::new(ctx, t.pick("専門家の支援", "Expert support")),
            },
        ),
        Err(e) => error_page(ctx, &e),
    }
}

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> Response {
    list_page(&s, &ctx, StatusCode::OK, None, None).await
}

pub async fn create(State(s): State<AppState>, ctx: Ctx, Form(f): Form<RequestInput>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match s.app.request_support(&actor, &f).await {
        Ok(r) => see_other(&format!("/support/requests/{}", r.id)),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            list_page(&s, &ctx, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "support_request.html")]
pub struct RequestPage {
    pub l: Layout,
    pub r: RequestRow,
    pub needs: String,
    pub industry: String,
    pub employees: i64,
    pub programme: String,
    pub outcome: String,
    pub sessions: Vec<(String, i64, String)>,
    pub candidates: Vec<(String, String, String, bool, i64)>,
    pub may_match: bool,
    pub may_record: bool,
    pub may_close: bool,
    pub may_withdraw: bool,
    pub today: String,
    pub notice: Option<String>,
    pub error: Option<String>,
}

async fn request_page(s: &AppState, ctx: &Ctx, id: i64, status: StatusCode, notice: Option<String>, error: Option<String>) -> Response {
    let actor = match actor(ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = ctx.t();
    let v = match s.app.support_request(&actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, &e),
    };
    let open = matches!(v.request.status.as_str(), "requested" | "matched");
    let admin = v.roles.iter().any(|r| matches!(r, SupportRole::Administrator | SupportRole::Operator));
    let candidates = if admin && open {
        s.app
            .support_candidates(&actor, id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                (c.org.corporate_number.to_string(), t.pick(&c.org.name_ja, &c.org.name_en).to_owned(), c.regions, c.public_support, c.open)
            })
            .collect()
    } else {
        Vec::new()
    };
    let matched = v.request.status == "matched";
    let page = RequestPage {
        needs: v.request.needs.clone(),
        industry: hoshi_core::org::Industry::parse(&v.request.industry)
            .map(|i| t.pick(i.name_ja(), i.name_en()).to_owned())
            .unwrap_or_default(),
        employees: v.request.employees,
        programme: v
            .programme
            .as_ref()
            .map(|p| format!("{} ({}{})", p.name, p.fiscal_year, t.pick("年度", " fiscal year")))
            .unwrap_or_else(|| t.pick("（該当する支援事業なし）", "(no programme covers it)").to_owned()),
        outcome: match (v.request.outcome_level, &v.request.outcome_date) {
            (Some(l), Some(d)) => format!("★{l} · {d}"),
            (None, Some(d)) => format!("{} · {d}", t.pick("レベル未達", "no level reached")),
            _ => String::new(),
        },
        sessions: v.sessions.iter().map(|x| (x.held_on.clone(), x.hours, x.note.clone())).collect(),
        candidates,
        may_match: admin && open,
        may_record: matched && v.roles.contains(&SupportRole::Expert),
        may_close: matched && v.roles.iter().any(|r| matches!(r, SupportRole::Expert | SupportRole::Administrator | SupportRole::Operator)),
        may_withdraw: open && v.roles.contains(&SupportRole::Requester),
        today: hoshi_core::time::jst_date_string(s.app.now()),
        r: row(&v, t),
        notice,
        error,
        l: Layout::new(ctx, t.pick("支援の依頼", "Support request")),
    };
    render(status, &page)
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    request_page(&s, &ctx, id, StatusCode::OK, None, None).await
}

async fn after(s: &AppState, ctx: &Ctx, id: i64, r: Result<&'static str, AppError>) -> Response {
    match r {
        Ok(n) => request_page(s, ctx, id, StatusCode::OK, Some(n.to_owned()), None).await,
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Forbidden(_))) => {
            request_page(s, ctx, id, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(ctx, &e),
    }
}

#[derive(Deserialize)]
pub struct MatchForm {
    #[serde(default)]
    pub expert: String,
}

pub async fn match_expert(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<MatchForm>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let r = s.app.match_support(&actor, id, &f.expert).await.map(|_| ctx.t().pick("専門家と照合しました。", "Matched to the expert."));
    after(&s, &ctx, id, r).await
}

#[derive(Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub note: String,
}

pub async fn session(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<SessionForm>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let r = s
        .app
        .record_session(&actor, id, &f.held_on, &f.hours, &f.note)
        .await
        .map(|_| ctx.t().pick("支援の記録を追加しました。", "Session recorded."));
    after(&s, &ctx, id, r).await
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    pub outcome_level: String,
    #[serde(default)]
    pub outcome_date: String,
    #[serde(default)]
    pub note: String,
}

pub async fn outcome(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<OutcomeForm>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let r = s
        .app
        .record_outcome(&actor, id, &f.outcome_level, &f.outcome_date, &f.note)
        .await
        .map(|_| ctx.t().pick("結果を記録し、依頼を完了しました。", "Outcome recorded; the request is closed."));
    after(&s, &ctx, id, r).await
}

pub async fn withdraw(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let r = s.app.withdraw_support(&actor, id).await.map(|_| ctx.t().pick("依頼を取り下げました。", "Request withdrawn."));
    after(&s, &ctx, id, r).await
}

/// (fiscal year, region, requests, matched, hours, levels reached, certified, median days)
pub type FigureRow = (i64, String, u32, u32, i64, String, u32, String);

#[derive(Template)]
#[template(path = "support_figures.html")]
pub struct FiguresPage {
    pub l: Layout,
    /// (fiscal year, region, requests, matched, hours, levels reached, certified, median days)
    pub rows: Vec<FigureRow>,
    pub totals: (u32, u32, i64, u32),
    pub operator: bool,
    /// (id, organisation, name and regions, hours used of the budget, fiscal year, budget hours, active)
    pub programmes: Vec<(i64, String, String, String, i64, i64, bool)>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

async fn figures_page(s: &AppState, ctx: &Ctx, status: StatusCode, notice: Option<String>, error: Option<String>) -> Response {
    let actor = match actor(ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = ctx.t();
    let figures = match s.app.support_figures(&actor).await {
        Ok(f) => f,
        Err(e) => return error_page(ctx, &e),
    };
    let rows: Vec<_> = figures
        .iter()
        .map(|((fy, region), f)| {
            (
                *fy,
                prefecture_name(region, t.ja()),
                f.requests,
                f.matched,
                f.hours,
                f.levels_reached.iter().map(|(l, n)| format!("★{l}: {n}")).collect::<Vec<_>>().join(", "),
                f.certified,
                f.median_days().unwrap_or_else(|| "—".into()),
            )
        })
        .collect();
    let totals = figures.values().fold((0, 0, 0, 0), |a, f| (a.0 + f.requests, a.1 + f.matched, a.2 + f.hours, a.3 + f.certified));
    let operator = actor.has_role(hoshi_core::org::OrgRole::RegistryOperator);
    let programmes = s
        .app
        .support_programmes()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|(p, _, _)| operator || p.org_id == actor.org.id)
        .map(|(p, o, used)| {
            let regions = if p.regions.is_empty() {
                t.pick("全国", "nationwide").to_owned()
            } else {
                p.regions.split(',').map(|c| prefecture_name(c, t.ja())).collect::<Vec<_>>().join(t.pick("、", ", "))
            };
            let usage = if used > p.budget_hours {
                format!("{used} / {} {}", p.budget_hours, t.pick("（予算超過）", "(over budget)"))
            } else {
                format!("{used} / {}", p.budget_hours)
            };
            (
                p.id,
                format!("{} ({})", t.pick(&o.name_ja, &o.name_en), o.corporate_number),
                format!("{} · {regions}", p.name),
                usage,
                p.fiscal_year,
                p.budget_hours,
                p.revoked_at.is_none(),
            )
        })
        .collect();
    render(
        status,
        &FiguresPage {
            rows,
            totals,
            operator,
            programmes,
            notice,
            error,
            l: Layout::new(ctx, t.pick("専門家支援の集計", "Expert support figures")),
        },
    )
}

pub async fn figures(State(s): State<AppState>, ctx: Ctx) -> Response {
    figures_page(&s, &ctx, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct ProgrammeForm {
    #[serde(default)]
    pub corporate_number: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub regions: String,
    #[serde(default)]
    pub fiscal_year: String,
    #[serde(default)]
    pub budget_hours: String,
}

pub async fn grant(State(s): State<AppState>, ctx: Ctx, Form(f): Form<ProgrammeForm>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match s.app.grant_programme(&actor, &f.corporate_number, &f.name, &f.regions, &f.fiscal_year, &f.budget_hours).await {
        Ok(_) => {
            figures_page(&s, &ctx, StatusCode::OK, Some(ctx.t().pick("支援事業を委託しました。", "Programme granted.").to_owned()), None)
                .await
        }
        Err(e @ AppError::Invalid { .. }) => figures_page(&s, &ctx, crate::problem::status_of(&e), None, Some(e.message(ctx.ja()))).await,
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn revoke(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let actor = match actor(&ctx) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match s.app.revoke_programme(&actor, id).await {
        Ok(()) => {
            figures_page(&s, &ctx, StatusCode::OK, Some(ctx.t().pick("支援事業を終了しました。", "Programme ended.").to_owned()), None)
                .await
        }
        Err(e) => error_page(&ctx, &e),
    }
}
