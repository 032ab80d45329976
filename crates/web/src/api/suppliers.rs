//! The buyer's side through the API: the supplier list import (for a procurement system's nightly
//! feed), the portfolio with statuses and explained risk, one supplier's required level, what
//! the actor's buyers require of it, and the supply network with "what if".

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoshi_app::suppliers::{ImportMode, PortfolioQuery};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use crate::ctx::Ctx;
use crate::i18n::Lang;
use crate::problem::{ApiError, Problem};
use crate::AppState;

macro_rules! actor {
    ($ctx:expr) => {
        match $ctx.actor() {
            Ok(a) => a.clone(),
            Err(e) => return ApiError(e, $ctx.lang).into_response(),
        }
    };
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// `all` (default: import only if every row is good) or `good` (import the good rows).
    pub mode: Option<String>,
    /// `true` to check and report without writing.
    pub dry_run: Option<bool>,
}

/// One problem of an imported file, or one warning (a blank imported with an assumption).
#[derive(Serialize, ToSchema)]
pub struct ImportProblem {
    /// The spreadsheet row (the header is row 1).
    pub row: u32,
    /// The column's English key, e.g. `corporate_number`.
    pub column: String,
    pub message: String,
}

/// What an import read and wrote.
#[derive(Serialize, ToSchema)]
pub struct ImportReportBody {
    pub rows_total: usize,
    pub rows_ok: usize,
    /// Cells that cannot be read: their rows are not imported. At most the first 500, sorted by
    /// row; `errors_total` says how many in all.
    pub errors: Vec<ImportProblem>,
    pub errors_total: usize,
    /// Blank cells imported with an assumption, on good and bad rows alike: a blank in one of the
    /// three questions that decide ★4 (holds_confidential_data, outage_unacceptable,
    /// network_access) is not "no" but unanswered, and counts as yes (★4) until answered; a blank
    /// annual_purchase_yen is unknown, a blank criticality medium. A missing column is one
    /// warning on the header row (row 1). The import goes ahead with them; use `dry_run=true`
    /// to see them first. At most the first 500; `warnings_total` says how many in all.
    pub warnings: Vec<ImportProblem>,
    pub warnings_total: usize,
    pub created: usize,
    pub updated: usize,
    pub imported: bool,
    pub dry_run: bool,
    pub converted_from_shift_jis: bool,
}

#[utoipa::path(post, path = "/api/v1/suppliers/import", tag = "suppliers", security(("bearer" = []), ("session" = [])),
    params(ImportParams),
    request_body(content = String, description = "The CSV (UTF-8 or Shift_JIS) or XLSX file as the body", content_type = "text/csv"),
    responses((status = 200, body = ImportReportBody, description = "The report; `imported` says whether anything was written; `warnings` lists the blanks imported with an assumption"),
        (status = 401, body = Problem), (status = 422, body = Problem, description = "The file cannot be read at all")))]
pub async fn import(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ImportParams>, body: Bytes) -> Response {
    let a = actor!(ctx);
    let mode = match ImportMode::parse(q.mode.as_deref().unwrap_or("")) {
        Ok(m) => m,
        Err(e) => return ApiError(e, ctx.lang).into_response(),
    };
    match s.app.import_suppliers(&a, "api", &body, mode, q.dry_run.unwrap_or(false)).await {
        Ok(r) => {
            let ja = ctx.lang == Lang::Ja;
            let problems = |list: &[hoshi_app::suppliers::ImportError]| -> Vec<ImportProblem> {
                list.iter()
                    .map(|e| ImportProblem {
                        row: e.row,
                        column: e.column.clone(),
                        message: if ja { e.message_ja.clone() } else { e.message_en.clone() },
                    })
                    .collect()
            };
            Json(ImportReportBody {
                rows_total: r.rows_total,
                rows_ok: r.rows_ok,
                errors: problems(&r.errors),
                errors_total: r.errors_total,
                warnings: problems(&r.warnings),
                warnings_total: r.warnings_total,
                created: r.created,
                updated: r.updated,
                imported: r.imported,
                dry_run: r.dry_run,
                converted_from_shift_jis: r.converted_from_shift_jis,
            })
            .into_response()
        }
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// compliant, expiring, gap, expired, unknown.
    pub status: Option<String>,
    /// 1–5: the required level.
    pub required: Option<String>,
    /// low, medium, high.
    pub criticality: Option<String>,
    /// Risk band: low, medium, high.
    pub band: Option<String>,
    /// Part of a name, corporate number or what is supplied.
    pub q: Option<String>,
    /// risk (default), status, expiry, purchases, name, number.
    pub sort: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/suppliers", tag = "suppliers", security(("bearer" = []), ("session" = [])),
    params(ListParams),
    responses((status = 200, description = "The portfolio: each supplier's required and certified level, status against the registry and explained risk score"),
        (status = 401, body = Problem)))]
pub async fn list(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListParams>) -> Response {
    let a = actor!(ctx);
    let query = PortfolioQuery {
        status: q.status.unwrap_or_default(),
        required: q.required.unwrap_or_default(),
        criticality: q.criticality.unwrap_or_default(),
        band: q.band.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
        sort: q.sort.unwrap_or_default(),
    };
    match s.app.portfolio(&a).await {
        Ok(p) => {
            let rows: Vec<_> = p.filtered(&query);
            Json(json!({"total": p.rows.len(), "count": rows.len(), "total_purchase_yen": p.total_purchase_yen, "suppliers": rows}))
                .into_response()
        }
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/suppliers/{supplier}", tag = "suppliers", security(("bearer" = []), ("session" = [])),
    params(("supplier" = String, Path, description = "The supplier's corporate number")),
    responses((status = 200, description = "One supplier with its status, risk and the history of its required level"),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(State(s): State<AppState>, ctx: Ctx, Path(cn): Path<String>) -> Response {
    let a = actor!(ctx);
    let row = match s.app.portfolio_row(&a, &cn).await {
        Ok(r) => r,
        Err(e) => return ApiError(e, ctx.lang).into_response(),
    };
    let history: Vec<Value> = s
        .app
        .requirement_history(&a, &cn)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|c| {
            json!({"required_level": c.required_level, "reason": c.reason, "effective_from": c.effective_from,
                   "changed_by": c.changed_by, "changed_at": hoshi_core::time::rfc3339(c.changed_at)})
        })
        .collect();
    let mut v = serde_json::to_value(&row).unwrap_or(Value::Null);
    v["requirement_history"] = Value::Array(history);
    Json(v).into_response()
}

#[derive(Deserialize, ToSchema)]
pub struct RequirementBody {
    /// 1–5.
    pub level: u8,
    /// Required when the level differs from the published rule's.
    #[serde(default)]
    pub reason: String,
    /// `YYYY-MM-DD` (default: today in Japan).
    #[serde(default)]
    pub effective_from: String,
}

#[utoipa::path(put, path = "/api/v1/suppliers/{supplier}/requirement", tag = "suppliers", security(("bearer" = []), ("session" = [])),
    params(("supplier" = String, Path, description = "The supplier's corporate number")),
    request_body = RequirementBody,
    responses((status = 204, description = "Recorded"), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_requirement(State(s): State<AppState>, ctx: Ctx, Path(cn): Path<String>, Json(b): Json<RequirementBody>) -> Response {
    let a = actor!(ctx);
    match s.app.set_requirement(&a, &cn, &b.level.to_string(), &b.reason, &b.effective_from).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/requirements", tag = "suppliers", security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "What each buyer requires of the caller's organisation"), (status = 401, body = Problem)))]
pub async fn requirements(State(s): State<AppState>, ctx: Ctx) -> Response {
    let a = actor!(ctx);
    match s.app.my_requirements(&a).await {
        Ok(r) => Json(r).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/network", tag = "suppliers", security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "The supply network as far as it was shared: companies by tier with own risk and noisy-OR exposure, links with weights, the top upstream contributors"),
        (status = 401, body = Problem)))]
pub async fn network(State(s): State<AppState>, ctx: Ctx) -> Response {
    let a = actor!(ctx);
    match s.app.network(&a).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/network/what-if/{supplier}", tag = "suppliers", security(("bearer" = []), ("session" = [])),
    params(("supplier" = String, Path, description = "The corporate number of the company assumed compromised")),
    responses((status = 200, description = "The downstream companies affected, with Monte Carlo probabilities with and without the compromise"),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn what_if(State(s): State<AppState>, ctx: Ctx, Path(cn): Path<String>) -> Response {
    let a = actor!(ctx);
    match s.app.what_if(&a, &cn).await {
        Ok((view, w)) => {
            let affected: Vec<Value> = w
                .affected
                .iter()
                .map(|&(i, with, without)| {
                    let n = &view.nodes[i];
                    json!({"corporate_number": n.corporate_number, "name": n.name, "tier": n.tier, "probability": with, "baseline": without})
                })
                .collect();
            Json(json!({
                "compromised": view.nodes[w.compromised].corporate_number,
                "trials": w.trials,
                "production_stop": w.production_stop,
                "affected": affected,
            }))
            .into_response()
        }
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}
