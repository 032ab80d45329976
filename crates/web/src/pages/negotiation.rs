//! Cost sharing and the price negotiation in the browser: the supplier's plan with its chart of
//! who pays which increment, the requests it sends, the timeline both sides see with the steps
//! each may take, the escalation file (printable, Japanese or English, and JSON), the record's
//! hash chain as JSON, and the regulator's inbox with its figures.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use hoshi_app::negotiation::{BuyerInput, Figures, NegotiationView, Plan, PlanInput, StepInput, SELF_ID};
use hoshi_app::AppError;
use hoshi_core::negotiation::{Ground, Kind, Side, State as NState};
use hoshi_core::sharing::Rule;
use hoshi_core::Yen;
use serde::Deserialize;
use serde_json::{json, Value};

use super::charts;
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

pub fn yen(v: u64, t: T) -> String {
    if t.ja() {
        Yen::new(v).format_ja()
    } else {
        Yen::new(v).to_string()
    }
}

fn state_name(s: NState, t: T) -> &'static str {
    t.pick(s.name_ja(), s.name_en())
}

fn kind_name(k: &str, t: T) -> String {
    Kind::parse(k).map_or_else(|| k.to_owned(), |k| t.pick(k.name_ja(), k.name_en()).to_owned())
}

fn ground_name(g: Ground, t: T) -> &'static str {
    t.pick(g.name_ja(), g.name_en())
}

fn rule_name(key: &str, t: T) -> String {
    Rule::parse(key).map_or_else(|_| key.to_owned(), |r| t.pick(r.name_ja(), r.name_en()).to_owned())
}

fn increment_label(level: u8, t: T) -> String {
    if level <= 3 {
        t.pick("★3の達成", "reaching ★3").to_owned()
    } else {
        format!("★{}→★{level}", level - 1)
    }
}

/// The chart of who pays which increment: one stacked bar per increment.
fn allocation_chart(t: T, increments: &[u8], parts: &[(String, Vec<u64>)]) -> String {
    const CLASSES: [&str; 6] = ["p0", "p1", "p2", "p3", "p4", "p5"];
    let rows: Vec<(String, Vec<charts::Part>)> = increments
        .iter()
        .enumerate()
        .map(|(k, level)| {
            let parts: Vec<charts::Part> = parts
                .iter()
                .enumerate()
                .map(|(i, (name, by))| {
                    (
                        format!("{name} {}", yen(by.get(k).copied().unwrap_or(0), t)),
                        by.get(k).copied().unwrap_or(0) as usize,
                        CLASSES[i % 6],
                    )
                })
                .collect();
            let total: u64 = parts.iter().map(|p| p.1 as u64).sum();
            (format!("{} {}", increment_label(*level, t), yen(total, t)), parts)
        })
        .collect();
    let mut out = charts::stacked(t.pick("増分ごとの負担", "Who pays each increment"), &rows);
    out.push_str(r#"<p class="legend">"#);
    for (i, (name, _)) in parts.iter().enumerate() {
        out.push_str(&format!(r#"<span class="key {}"></span>{}"#, CLASSES[i % 6], charts::esc(name)));
    }
    out.push_str("</p>");
    out
}

// ---- list ----

#[derive(Template)]
#[template(path = "negotiations.html")]
pub struct ListPage {
    pub l: Layout,
    pub supplier: bool,
    pub buyer: bool,
    /// As supplier: (id, buyer, state, requested, agreed, due, overdue, escalated).
    pub outgoing: Vec<Line>,
    /// As buyer: open requests by due date.
    pub incoming: Vec<Line>,
    /// Per buyer: (buyer, requested per year, agreed per year).
    pub carried: Vec<(String, String, String)>,
    pub carried_total: String,
    pub assessments: Vec<(i64, String)>,
}

pub struct Line {
    pub id: i64,
    pub other: String,
    pub state_key: &'static str,
    pub state: &'static str,
    pub requested: String,
    pub agreed: String,
    pub due: String,
    pub overdue: bool,
    pub escalated: bool,
    pub can_escalate: bool,
}

fn line(v: &NegotiationView, t: T) -> Line {
    let other = if v.viewer == Some(Side::Buyer) { &v.supplier } else { &v.buyer };
    Line {
        id: v.id,
        other: t.pick(&other.name_ja, &other.name_en).to_owned(),
        state_key: v.state.key(),
        state: state_name(v.state, t),
        requested: yen(v.offered_annual_yen, t),
        agreed: v.agreed_annual_yen.map_or_else(|| "—".to_owned(), |a| yen(a, t)),
        due: v.response_due.clone(),
        overdue: v.overdue,
        escalated: v.escalated_at.is_some(),
        can_escalate: !v.grounds.is_empty(),
    }
}

pub async fn list(State(s): State<AppState>, ctx: Ctx) -> Response {
    let actor = actor_or_page!(ctx);
    let t = ctx.t();
    let all = match s.app.my_negotiations(&actor).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, &e),
    };
    let outgoing: Vec<&NegotiationView> = all.iter().filter(|v| v.viewer == Some(Side::Supplier)).collect();
    let mut carried: std::collections::BTreeMap<String, (u64, u64)> = std::collections::BTreeMap::new();
    for v in &outgoing {
        let e = carried.entry(t.pick(&v.buyer.name_ja, &v.buyer.name_en).to_owned()).or_default();
        e.0 += v.requested_annual_yen;
        e.1 += v.agreed_annual_yen.unwrap_or(0);
    }
    let total: u64 = carried.values().map(|c| c.1).sum();
    let assessments = s
        .app
        .my_assessments(&actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.id, format!("{} ★{} v{}", t.pick("自己評価", "Assessment"), a.target_level, a.version)))
        .collect();
    let page = ListPage {
        l: Layout::new(&ctx, t.pick("費用分担と価格協議", "Cost sharing and price negotiation")),
        supplier: actor.has_role(hoshi_core::org::OrgRole::Supplier),
        buyer: actor.has_role(hoshi_core::org::OrgRole::Buyer),
        outgoing: outgoing.iter().map(|v| line(v, t)).collect(),
        incoming: all.iter().filter(|v| v.viewer == Some(Side::Buyer)).map(|v| line(v, t)).collect(),
        carried: carried.into_iter().map(|(k, (r, a))| (k, yen(r, t), yen(a, t))).collect(),
        carried_total: yen(total, t),
        assessments,
    };
    render(StatusCode::OK, &page)
}

// ---- the plan ----

/// A buyer row of the plan form: (index, corporate number, name, checked, weight, units, level,
/// what it requires).
pub type BuyerRow = (usize, String, String, bool, String, String, String, String);

/// A step of the timeline: (seq, kind, side, actor, when, content lines, hash).
pub type TimelineRow = (u64, String, &'static str, String, String, Vec<(String, String)>, String);

#[derive(Template)]
#[template(path = "negotiation_new.html")]
pub struct PlanPage {
    pub l: Layout,
    pub assessment_id: i64,
    pub rule: String,
    pub rules: Vec<(&'static str, String, &'static str)>,
    pub buyers: Vec<BuyerRow>,
    pub revenue: String,
    pub own_weight: String,
    pub months: String,
    pub rate_bp: String,
    pub error: Option<String>,
    pub plan: Option<PlanView>,
    pub evidence: Vec<(String, String)>,
    pub due: String,
    /// The form's fields, to repeat in the send form.
    pub hidden: Vec<(String, String)>,
}

pub struct PlanView {
    pub rule: String,
    pub total_one_off: String,
    pub total_annual: String,
    pub months: u32,
    pub rows: Vec<(String, String, String, String, String, String, String)>,
    pub chart_one_off: String,
    pub chart_annual: String,
    pub increments: Vec<(String, String, String)>,
}

fn plan_view(p: &Plan, t: T) -> PlanView {
    let levels: Vec<u8> = p.increments.iter().map(|i| i.0).collect();
    let name = |s: &hoshi_app::negotiation::PlanShare| {
        if s.id == SELF_ID {
            format!("{}（{}）", t.pick(&s.name_ja, &s.name_en), t.pick("自社", "you"))
        } else {
            t.pick(&s.name_ja, &s.name_en).to_owned()
        }
    };
    PlanView {
        rule: t.pick(p.rule.name_ja(), p.rule.name_en()).to_owned(),
        total_one_off: yen(p.total_one_off.get(), t),
        total_annual: yen(p.total_annual.get(), t),
        months: p.months,
        rows: p
            .shares
            .iter()
            .map(|s| {
                (
                    name(s),
                    format!("★{}", s.level),
                    yen(s.weight_yen, t),
                    yen(s.one_off_yen.get(), t),
                    yen(s.annual_yen.get(), t),
                    s.uplift.map_or_else(|| "—".to_owned(), |u| yen(u.annual_yen.get(), t)),
                    s.uplift
                        .map(|u| {
                            let mut parts = Vec::new();
                            if s.exceeds_stand_alone {
                                parts.push(
                                    t.pick("⚠ 単独で対策する場合の費用を超えています", "⚠ more than its stand-alone cost").to_owned(),
                                );
                            }
                            if let Some(bp) = u.percent_of_purchases_bp {
                                parts.push(format!("{}.{:02}%", bp / 100, bp % 100));
                            }
                            if let Some(sen) = u.per_unit_sen {
                                parts.push(format!(
                                    "{}{}.{:02}{}",
                                    t.pick("1個あたり", "per unit "),
                                    sen / 100,
                                    sen % 100,
                                    t.pick("円", " yen")
                                ));
                            }
                            parts.join(" · ")
                        })
                        .unwrap_or_default(),
                )
            })
            .collect(),
        chart_one_off: allocation_chart(
            t,
            &levels,
            &p.shares.iter().map(|s| (name(s), s.one_off_by_increment.iter().map(|y| y.get()).collect())).collect::<Vec<_>>(),
        ),
        chart_annual: allocation_chart(
            t,
            &levels,
            &p.shares.iter().map(|s| (name(s), s.annual_by_increment.iter().map(|y| y.get()).collect())).collect::<Vec<_>>(),
        ),
        increments: p.increments.iter().map(|(l, o, a)| (increment_label(*l, t), yen(o.get(), t), yen(a.get(), t))).collect(),
    }
}

/// Reads the plan form (query string or body): `assessment`, `rule`, `revenue`, `months`,
/// `rate_bp`, and per buyer `b{i}_on`, `b{i}_buyer`, `b{i}_weight`, `b{i}_units`, `b{i}_level`.
fn plan_input(pairs: &[(String, String)]) -> Result<PlanInput, AppError> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let amount = |field: &str, v: &str| -> Result<Option<u64>, AppError> {
        if v.is_empty() {
            return Ok(None);
        }
        Yen::parse(v).map(|y| Some(y.get())).map_err(|e| AppError::invalid(field, e.message_ja(), e.to_string()))
    };
    let mut buyers = Vec::new();
    for i in 0..50 {
        if get(&format!("b{i}_on")).is_empty() {
            continue;
        }
        let buyer = get(&format!("b{i}_buyer"));
        if buyer.is_empty() {
            continue;
        }
        let weight = amount("weight", &get(&format!("b{i}_weight")))?.unwrap_or(0);
        let units = amount("units", &get(&format!("b{i}_units")))?;
        let level = get(&format!("b{i}_level")).parse::<u8>().ok();
        buyers.push(BuyerInput { buyer, weight_yen: weight, level, annual_units: units });
    }
    Ok(PlanInput {
        assessment_id: get("assessment").parse().unwrap_or(0),
        rule: get("rule"),
        buyers,
        revenue_yen: amount("revenue", &get("revenue"))?,
        own_weight_yen: amount("own_weight", &get("own_weight"))?,
        months: get("months").parse().ok(),
        rate_bp: get("rate_bp").parse().ok(),
    })
}

async fn plan_page(s: &AppState, ctx: &Ctx, pairs: &[(String, String)], status: StatusCode, error: Option<String>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(ctx, &e),
    };
    let t = ctx.t();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let assessment_id: i64 = match get("assessment").parse() {
        Ok(id) => id,
        Err(_) => match s.app.my_assessments(&actor).await.ok().and_then(|l| l.into_iter().next()) {
            Some(a) => a.id,
            None => {
                return error_page(
                    ctx,
                    &AppError::invalid(
                        "assessment",
                        "先に自己評価を始めてください。費用の分担は自己評価の見積もりから計算します。",
                        "Start a self-assessment first: the sharing is computed from its cost estimate.",
                    ),
                )
            }
        },
    };
    let view = match s.app.assessment(&actor, assessment_id).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, &e),
    };
    let choices = s.app.buyer_choices(&actor).await.unwrap_or_default();
    let submitted = pairs.iter().any(|(k, _)| k.starts_with('b') && k.ends_with("_buyer"));
    let mut buyers = Vec::new();
    for (i, (o, level, purchases)) in choices.iter().enumerate().take(40) {
        let cn = o.corporate_number.to_string();
        let checked = if submitted { !get(&format!("b{i}_on")).is_empty() } else { level.is_some() };
        let weight = if submitted { get(&format!("b{i}_weight")) } else { purchases.map(|p| p.to_string()).unwrap_or_default() };
        buyers.push((
            i,
            cn,
            t.pick(&o.name_ja, &o.name_en).to_owned(),
            checked,
            weight,
            get(&format!("b{i}_units")),
            get(&format!("b{i}_level")),
            level.map_or_else(|| t.pick("要求なし", "no requirement").to_owned(), |l| format!("{}★{l}", t.pick("要求 ", "requires "))),
        ));
    }
    let mut plan = None;
    let mut error = error;
    if submitted && error.is_none() {
        match plan_input(pairs) {
            Ok(mut input) => {
                input.assessment_id = assessment_id;
                match s.app.sharing_plan(&actor, &input).await {
                    Ok(p) => plan = Some(plan_view(&p, t)),
                    Err(e) => error = Some(e.message(ctx.ja())),
                }
            }
            Err(e) => error = Some(e.message(ctx.ja())),
        }
    }
    let rule = get("rule");
    let page = PlanPage {
        l: Layout::new(ctx, t.pick("費用分担の計算と価格協議の申し入れ", "Share the cost and ask for a price change")),
        assessment_id,
        rules: Rule::ALL
            .iter()
            .map(|r| {
                let desc = match r {
                    Rule::WeightedAirport => t.pick(
                        "既定。各増分を、そのレベルを必要とする参加者が取引額に比例して負担",
                        "Default: each increment is shared by those who need it, by purchases",
                    ),
                    Rule::Shapley => t.pick(
                        "各増分を必要とする参加者で均等に負担（シャプレー値）",
                        "Each increment split equally among those who need it (Shapley value)",
                    ),
                    Rule::Nucleolus => t.pick("最も不満の大きい参加者の負担を最小に（仁）", "Minimises the largest complaint (nucleolus)"),
                    Rule::Proportional => t.pick("比較用: 全体を取引額に比例して配分", "For comparison: the whole cost by purchases"),
                };
                (r.key(), t.pick(r.name_ja(), r.name_en()).to_owned(), desc)
            })
            .collect(),
        rule: if rule.is_empty() { Rule::default().key().to_owned() } else { rule },
        buyers,
        revenue: get("revenue"),
        own_weight: get("own_weight"),
        months: get("months"),
        rate_bp: get("rate_bp"),
        error,
        plan,
        evidence: view.evidence.iter().map(|e| (e.sha256.clone(), e.filename.clone())).collect(),
        due: hoshi_app::negotiation::default_response_due(s.app.now()),
        hidden: pairs.iter().filter(|(k, _)| k != "_csrf" && k != "message" && k != "due" && k != "evidence").cloned().collect(),
    };
    render(status, &page)
}

pub async fn new_form(State(s): State<AppState>, ctx: Ctx, Query(q): Query<Vec<(String, String)>>) -> Response {
    plan_page(&s, &ctx, &q, StatusCode::OK, None).await
}

/// Sends the requests of the plan to each chosen buyer.
pub async fn open(State(s): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    let actor = actor_or_page!(ctx);
    let pairs = form_urlencoded_pairs(&body);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let evidence: Vec<String> = pairs.iter().filter(|(k, _)| k == "evidence").map(|(_, v)| v.clone()).collect();
    let input = match plan_input(&pairs) {
        Ok(i) => i,
        Err(e) => return plan_page(&s, &ctx, &pairs, StatusCode::UNPROCESSABLE_ENTITY, Some(e.message(ctx.ja()))).await,
    };
    match s.app.open_negotiations(&actor, &input, &get("message"), &get("due"), &evidence).await {
        Ok(ids) if ids.len() == 1 => see_other(&format!("/negotiations/{}", ids[0])),
        Ok(_) => see_other("/negotiations"),
        Err(e @ AppError::Invalid { .. }) => plan_page(&s, &ctx, &pairs, StatusCode::UNPROCESSABLE_ENTITY, Some(e.message(ctx.ja()))).await,
        Err(e) => error_page(&ctx, &e),
    }
}

// ---- one negotiation ----

#[derive(Template)]
#[template(path = "negotiation.html")]
pub struct NegotiationPage {
    pub l: Layout,
    pub v: NegotiationView,
    pub supplier_name: String,
    pub buyer_name: String,
    pub state: &'static str,
    pub viewer: &'static str,
    pub timeline: Vec<TimelineRow>,
    pub offered: String,
    pub requested: String,
    pub agreed: String,
    pub actions: Vec<&'static str>,
    pub grounds: Vec<&'static str>,
    pub chain_ok: bool,
    pub chain: String,
    pub chain_short: String,
    pub retain: String,
    pub chart: String,
    pub uplift: Vec<(String, String)>,
    pub cost_basis: Vec<(String, String, String)>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// The lines to show for a step's content.
fn step_lines(kind: &str, body: &Value, t: T) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let s = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    if let Some(a) = body.get("annual_yen").and_then(Value::as_u64) {
        out.push((t.pick("年額", "Per year").to_owned(), yen(a, t)));
    }
    for (key, ja, en) in [
        ("reason", "理由", "Reason"),
        ("text", "内容", "Text"),
        ("when", "日時", "When"),
        ("place", "場所", "Where"),
        ("held_on", "開催日", "Held on"),
        ("effective_from", "適用開始日", "Effective from"),
        ("message", "メッセージ", "Message"),
        ("note", "補足", "Note"),
        ("response_due", "回答期限", "Response date"),
    ] {
        if !s(key).is_empty() {
            out.push((t.pick(ja, en).to_owned(), s(key)));
        }
    }
    if kind == "request" {
        if let Some(u) = body.get("uplift").and_then(|u| u.get("annual_yen")).and_then(Value::as_u64) {
            out.push((t.pick("提案する価格改定（年額）", "Proposed price change per year").to_owned(), yen(u, t)));
        }
    }
    if let Some(gs) = body.get("grounds").and_then(Value::as_array) {
        let names: Vec<String> =
            gs.iter().filter_map(Value::as_str).filter_map(|g| Ground::parse(g).map(|x| ground_name(x, t).to_owned())).collect();
        out.push((t.pick("申出の理由", "Grounds").to_owned(), names.join(" / ")));
    }
    out
}

/// The request's allocation chart (other buyers unnamed) and its cost basis lines.
/// A request shown: the allocation chart, the uplift lines, the cost basis lines.
type RequestParts = (String, Vec<(String, String)>, Vec<(String, String, String)>);

fn request_parts(v: &NegotiationView, t: T) -> RequestParts {
    let r = &v.request;
    let incs: Vec<(u8, u64, u64)> = r["cost_basis"]["increments"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    (i["level"].as_u64().unwrap_or(3) as u8, i["one_off_yen"].as_u64().unwrap_or(0), i["annual_yen"].as_u64().unwrap_or(0))
                })
                .collect()
        })
        .unwrap_or_default();
    let levels: Vec<u8> = incs.iter().map(|i| i.0).collect();
    let parts: Vec<(String, Vec<u64>)> = r["allocation"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    let who = &p["who"];
                    let name = who[if t.ja() { "name_ja" } else { "name_en" }].as_str().unwrap_or("").to_owned();
                    let name = if who["you"] == true && v.viewer == Some(Side::Buyer) {
                        format!("{name}（{}）", t.pick("貴社", "you"))
                    } else {
                        name
                    };
                    (
                        name,
                        p["one_off_by_increment"]
                            .as_array()
                            .map(|b| b.iter().map(|x| x.as_u64().unwrap_or(0)).collect())
                            .unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let chart = if levels.is_empty() { String::new() } else { allocation_chart(t, &levels, &parts) };
    let u = &r["uplift"];
    let mut uplift = Vec::new();
    if let Some(a) = u["annual_yen"].as_u64() {
        uplift.push((t.pick("価格改定（年額）", "Price change per year").to_owned(), yen(a, t)));
    }
    if let Some(bp) = u["percent_of_purchases_bp"].as_u64() {
        uplift.push((t.pick("年間取引額に対する割合", "Share of annual purchases").to_owned(), format!("{}.{:02}%", bp / 100, bp % 100)));
    }
    if let Some(sen) = u["per_unit_sen"].as_u64() {
        uplift.push((t.pick("1個あたり", "Per unit").to_owned(), format!("{}.{:02}{}", sen / 100, sen % 100, t.pick("円", " yen"))));
    }
    if let Some(m) = r["spread"]["months"].as_u64() {
        uplift.push((t.pick("初期費用の按分期間", "One-off costs spread over").to_owned(), format!("{m}{}", t.pick("か月", " months"))));
    }
    let ys = &r["your_share"];
    if let (Some(o), Some(a)) = (ys["one_off_yen"].as_u64(), ys["annual_yen"].as_u64()) {
        uplift.push((t.pick("発注者の負担（初期）", "The buyer's share, one-off").to_owned(), yen(o, t)));
        uplift.push((t.pick("発注者の負担（年間）", "The buyer's share, annual").to_owned(), yen(a, t)));
    }
    let basis = incs.iter().map(|(l, o, a)| (increment_label(*l, t), yen(*o, t), yen(*a, t))).collect();
    (chart, uplift, basis)
}

async fn negotiation_page(s: &AppState, ctx: &Ctx, id: i64, status: StatusCode, error: Option<String>, notice: Option<String>) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(ctx, &e),
    };
    let v = match s.app.negotiation(&actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, &e),
    };
    let t = ctx.t();
    let timeline = v
        .steps
        .iter()
        .map(|st| {
            let side = if st.side == Side::Supplier { t.pick("サプライヤー", "supplier") } else { t.pick("発注者", "buyer") };
            (
                st.seq,
                kind_name(&st.kind, t),
                side,
                st.actor.clone(),
                jst(st.at),
                step_lines(&st.kind, &st.body, t),
                st.hash[..16].to_owned(),
            )
        })
        .collect();
    let escalated = v.escalated_at.is_some();
    let actions: Vec<&'static str> = match v.viewer {
        Some(side) => Kind::ALL
            .into_iter()
            .filter(|k| !matches!(k, Kind::Request | Kind::Escalate))
            .filter(|k| hoshi_core::negotiation::next(v.state, side, *k, escalated).is_ok())
            .map(Kind::key)
            .collect(),
        None => Vec::new(),
    };
    let (chart, uplift, cost_basis) = request_parts(&v, t);
    let page = NegotiationPage {
        l: Layout::new(ctx, t.pick("価格協議", "Price negotiation")),
        supplier_name: t.pick(&v.supplier.name_ja, &v.supplier.name_en).to_owned(),
        buyer_name: t.pick(&v.buyer.name_ja, &v.buyer.name_en).to_owned(),
        state: state_name(v.state, t),
        viewer: match v.viewer {
            Some(Side::Supplier) => "supplier",
            Some(Side::Buyer) => "buyer",
            None => "regulator",
        },
        timeline,
        offered: yen(v.offered_annual_yen, t),
        requested: yen(v.requested_annual_yen, t),
        agreed: v.agreed_annual_yen.map_or_else(|| "—".into(), |a| yen(a, t)),
        actions,
        grounds: if v.viewer == Some(Side::Supplier) { v.grounds.iter().map(|g| ground_name(*g, t)).collect() } else { Vec::new() },
        chain_ok: v.chain.is_ok(),
        chain: match &v.chain {
            Ok(h) => h.clone(),
            Err(e) => e.clone(),
        },
        chain_short: v.chain.as_ref().map(|h| h.chars().take(16).collect()).unwrap_or_default(),
        retain: hoshi_core::time::jst_date_string(v.retain_until),
        chart,
        uplift,
        cost_basis,
        error,
        notice,
        v,
    };
    render(status, &page)
}

pub async fn show(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    negotiation_page(&s, &ctx, id, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub annual_yen: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub when: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub effective_from: String,
}

pub async fn step(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<StepForm>) -> Response {
    let actor = actor_or_page!(ctx);
    let amount = if f.annual_yen.trim().is_empty() {
        None
    } else {
        match Yen::parse(&f.annual_yen) {
            Ok(y) => Some(y.get()),
            Err(e) => {
                return negotiation_page(
                    &s,
                    &ctx,
                    id,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(if ctx.ja() { e.message_ja() } else { e.to_string() }),
                    None,
                )
                .await
            }
        }
    };
    let input = StepInput {
        kind: f.kind,
        annual_yen: amount,
        reason: f.reason,
        text: f.text,
        when: f.when,
        place: f.place,
        effective_from: f.effective_from,
    };
    match s.app.negotiation_step(&actor, id, &input).await {
        Ok(()) => see_other(&format!("/negotiations/{id}")),
        Err(e @ AppError::Invalid { .. }) => {
            negotiation_page(&s, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(e.message(ctx.ja())), None).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub struct EscalateForm {
    #[serde(default)]
    pub note: String,
}

pub async fn escalate(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<EscalateForm>) -> Response {
    let actor = actor_or_page!(ctx);
    match s.app.escalate(&actor, id, &f.note).await {
        Ok(_) => see_other(&format!("/negotiations/{id}/escalation")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            negotiation_page(&s, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(e.message(ctx.ja())), None).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

// ---- the escalation file ----

#[derive(Template)]
#[template(path = "escalation.html")]
pub struct EscalationPage {
    pub l: Layout,
    pub v: NegotiationView,
    pub supplier_name: String,
    pub buyer_name: String,
    pub sent: Option<String>,
    pub grounds: Vec<&'static str>,
    pub timeline: Vec<TimelineRow>,
    pub chart: String,
    pub uplift: Vec<(String, String)>,
    pub cost_basis: Vec<(String, String, String)>,
    pub rule: String,
    pub chain: String,
    pub can_send: bool,
}

pub async fn escalation(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let actor = actor_or_page!(ctx);
    let v = match s.app.escalation_file(&actor, id).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, &e),
    };
    let t = ctx.t();
    let (chart, uplift, cost_basis) = request_parts(&v, t);
    let page = EscalationPage {
        l: Layout::new(&ctx, t.pick("公正取引委員会への申出書", "Consultation file for the Japan Fair Trade Commission")),
        supplier_name: t.pick(&v.supplier.name_ja, &v.supplier.name_en).to_owned(),
        buyer_name: t.pick(&v.buyer.name_ja, &v.buyer.name_en).to_owned(),
        sent: v.escalated_at.map(jst),
        grounds: v.file_grounds().iter().map(|g| ground_name(*g, t)).collect(),
        timeline: v
            .steps
            .iter()
            .map(|st| {
                let side = if st.side == Side::Supplier { t.pick("サプライヤー", "supplier") } else { t.pick("発注者", "buyer") };
                (st.seq, kind_name(&st.kind, t), side, st.actor.clone(), jst(st.at), step_lines(&st.kind, &st.body, t), st.hash.clone())
            })
            .collect(),
        chart,
        uplift,
        cost_basis,
        rule: rule_name(&v.rule, t),
        chain: match &v.chain {
            Ok(h) => h.clone(),
            Err(e) => e.clone(),
        },
        can_send: v.viewer == Some(Side::Supplier) && v.escalated_at.is_none(),
        v,
    };
    render(StatusCode::OK, &page)
}

/// The escalation file as JSON: the parties, the grounds, the timeline, the cost basis and the
/// fair-share computation, and the chain's last hash.
pub async fn escalation_json(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let actor = actor_or_page!(ctx);
    match s.app.escalation_file(&actor, id).await {
        Ok(v) => {
            let detail = json!({"what": "escalation file", "negotiation": id});
            let who = hoshi_app::audit::Who::of(&actor);
            if let Err(e) =
                s.app.record_audit(&who, hoshi_core::audit::Action::PersonalDataExported, &format!("negotiation:{id}"), detail).await
            {
                return error_page(&ctx, &e);
            }
            let grounds: Vec<Value> =
                v.file_grounds().iter().map(|g| json!({"key": g.key(), "ja": g.name_ja(), "en": g.name_en()})).collect();
            let body = json!({
                "type": "hoshi-jftc-consultation-v1",
                "negotiation": v.id,
                "supplier": v.supplier,
                "buyer": v.buyer,
                "state": v.state,
                "grounds": grounds,
                "escalated_at": v.escalated_at.map(hoshi_core::time::rfc3339),
                "response_due": v.response_due,
                "requested_annual_yen": v.requested_annual_yen,
                "offered_annual_yen": v.offered_annual_yen,
                "agreed_annual_yen": v.agreed_annual_yen,
                "cost_basis": v.request["cost_basis"],
                "allocation": {"rule": v.rule, "shares": v.request["allocation"], "buyer_share": v.request["your_share"]},
                "uplift": v.request["uplift"],
                "timeline": v.steps.iter().map(|st| json!({
                    "seq": st.seq, "kind": st.kind, "side": st.side, "actor": st.actor,
                    "at": hoshi_core::time::rfc3339(st.at), "content": st.body, "hash": st.hash,
                })).collect::<Vec<_>>(),
                "evidence": v.evidence.iter().map(|(sha, name)| json!({"sha256": sha, "filename": name})).collect::<Vec<_>>(),
                "chain": {"verified": v.chain.is_ok(), "last_hash": v.chain.as_ref().ok()},
            });
            (StatusCode::OK, [(CONTENT_DISPOSITION, format!("attachment; filename=\"hoshi-consultation-{id}.json\""))], Json(body))
                .into_response()
        }
        Err(e) => error_page(&ctx, &e),
    }
}

/// The record with every step and hash, for anyone to verify.
pub async fn record(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let actor = actor_or_page!(ctx);
    match s.app.negotiation_record(&actor, id).await {
        Ok(v) => (StatusCode::OK, [(CONTENT_DISPOSITION, format!("attachment; filename=\"hoshi-negotiation-{id}.json\""))], Json(v))
            .into_response(),
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn evidence(State(s): State<AppState>, ctx: Ctx, Path((id, sha)): Path<(i64, String)>) -> Response {
    let actor = actor_or_page!(ctx);
    match s.app.negotiation_evidence(&actor, id, &sha).await {
        Ok((content_type, bytes, name)) => {
            let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
            (StatusCode::OK, [(CONTENT_TYPE, content_type), (CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\""))], bytes)
                .into_response()
        }
        Err(e) => error_page(&ctx, &e),
    }
}

// ---- the regulator ----

#[derive(Template)]
#[template(path = "regulator.html")]
pub struct RegulatorPage {
    pub l: Layout,
    pub cases: Vec<(i64, String, String, String, String)>,
    pub f: Figures,
    pub acceptance: String,
    pub median: String,
}

pub async fn regulator(State(s): State<AppState>, ctx: Ctx) -> Response {
    let actor = actor_or_page!(ctx);
    let t = ctx.t();
    let (cases, f) = match (s.app.regulator_cases(&actor).await, s.app.regulator_figures(&actor).await) {
        (Ok(c), Ok(f)) => (c, f),
        (Err(e), _) | (_, Err(e)) => return error_page(&ctx, &e),
    };
    let page = RegulatorPage {
        l: Layout::new(&ctx, t.pick("価格協議の申出（公正取引委員会）", "Price negotiation cases (JFTC)")),
        cases: cases
            .iter()
            .map(|v| {
                (
                    v.id,
                    t.pick(&v.supplier.name_ja, &v.supplier.name_en).to_owned(),
                    t.pick(&v.buyer.name_ja, &v.buyer.name_en).to_owned(),
                    v.escalated_at.map(jst).unwrap_or_default(),
                    v.file_grounds().iter().map(|g| ground_name(*g, t)).collect::<Vec<_>>().join(" / "),
                )
            })
            .collect(),
        acceptance: format!("{}.{}%", f.acceptance_per_mille / 10, f.acceptance_per_mille % 10),
        median: f.median_response_secs.map_or_else(|| "—".into(), |s| format!("{:.1}{}", s as f64 / 86_400.0, t.pick("日", " days"))),
        f,
    };
    render(StatusCode::OK, &page)
}
