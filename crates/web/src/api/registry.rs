//! The public registry and log API: search, one company, bulk verification, certificate bundles,
//! proofs, the issuer JWKS and the C2SP tlog-tiles read API.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoshi_app::registry::{CompanyStatus, VerifyResult, MAX_VERIFY};
use hoshi_app::AppError;
use hoshi_app::Search;
use hoshi_core::{CorporateNumber, Level};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ctx::Ctx;
use crate::problem::{ApiError, Problem};
use crate::AppState;

/// Companies per page.
pub const PAGE_SIZE: i64 = 50;
/// The last page a search may ask for (50 million companies), so that its offset is a number.
pub const MAX_PAGE: i64 = 1_000_000;

#[derive(Deserialize, IntoParams, Default)]
pub struct SearchQuery {
    /// Part of a name (Japanese or English) or a corporate number.
    pub q: Option<String>,
    /// ★ level 1–5.
    pub level: Option<String>,
    /// Prefecture (東京都, Tokyo or JIS code).
    pub prefecture: Option<String>,
    /// Industry key (manufacturing, wholesale, retail, services, other).
    pub industry: Option<String>,
    /// active, suspended, revoked, expired, superseded.
    pub state: Option<String>,
    /// 1-based page.
    pub page: Option<i64>,
}

impl SearchQuery {
    pub fn to_search(&self) -> Result<Search, AppError> {
        let level = match self.level.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(l) => {
                Some(Level::parse(l).map_err(|e| AppError::invalid("level", "レベルは1〜5で指定してください。", e.to_string()))?.get())
            }
            None => None,
        };
        let prefecture = match self.prefecture.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => Some(
                hoshi_core::org::Prefecture::parse(p)
                    .map_err(|e| AppError::invalid("prefecture", "都道府県が正しくありません。", e.to_string()))?
                    .name_ja()
                    .to_owned(),
            ),
            None => None,
        };
        let industry = match self.industry.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(i) => Some(
                hoshi_core::org::Industry::parse(i)
                    .map_err(|e| AppError::invalid("industry", "業種が正しくありません。", e.to_string()))?
                    .key()
                    .to_owned(),
            ),
            None => None,
        };
        let state = match self.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s @ ("active" | "suspended" | "revoked" | "expired" | "superseded")) => Some(s.to_owned()),
            Some(_) => {
                return Err(AppError::invalid(
                    "state",
                    "状態は active / suspended / revoked / expired / superseded のいずれかです。",
                    "The state must be active, suspended, revoked, expired or superseded.",
                ))
            }
            None => None,
        };
        let page = self.page.unwrap_or(1).max(1);
        // Found by schemathesis: page=9223372036854775806 overflowed the offset (a 500).
        if page > MAX_PAGE {
            return Err(AppError::invalid(
                "page",
                format!("ページは1〜{MAX_PAGE}で指定してください。"),
                format!("The page must be 1 to {MAX_PAGE}."),
            ));
        }
        Ok(Search {
            q: self.q.clone().unwrap_or_default(),
            level,
            prefecture,
            industry,
            state,
            limit: PAGE_SIZE,
            offset: (page - 1) * PAGE_SIZE,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct SearchPage {
    /// Each company with `corporate_number`, names, `current_level` and `certificates`.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<CompanyStatus>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

#[utoipa::path(get, path = "/api/v1/registry/companies", tag = "registry", params(SearchQuery),
    responses((status = 200, body = SearchPage), (status = 422, body = Problem)))]
pub async fn companies(State(s): State<AppState>, ctx: Ctx, Query(q): Query<SearchQuery>) -> Response {
    let search = match q.to_search() {
        Ok(s) => s,
        Err(e) => return ApiError(e, ctx.lang).into_response(),
    };
    match s.app.registry_search(&search).await {
        Ok((items, total)) => Json(SearchPage { items, total, page: q.page.unwrap_or(1).max(1), page_size: PAGE_SIZE }).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/registry/companies/{corporate_number}", tag = "registry",
    params(("corporate_number" = String, Path, description = "13 digits")),
    responses((status = 200, description = "Current status and `certificates` (serial, level, state, valid_until)"), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn company(State(s): State<AppState>, ctx: Ctx, Path(cn): Path<String>) -> Response {
    let cn = match CorporateNumber::parse(&cn) {
        Ok(c) => c,
        Err(e) => {
            let mut p = crate::problem::Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-corporate-number",
                ctx.t().pick("法人番号が正しくありません", "Invalid corporate number"),
                &if ctx.ja() { e.message_ja() } else { e.to_string() },
            );
            p.field = Some("corporate_number".into());
            return p.into_response();
        }
    };
    match s.app.registry_company(&cn).await {
        Ok(c) => Json(c).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// Up to 10,000 corporate numbers.
    pub corporate_numbers: Vec<String>,
    /// The ★ level required (1–5).
    pub required_level: i64,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyResponse {
    /// One per number, in order.
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<VerifyResult>,
}

#[utoipa::path(post, path = "/api/v1/registry/verify", tag = "registry", request_body = VerifyRequest,
    responses((status = 200, body = VerifyResponse), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn verify(State(s): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    let req: VerifyRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return ApiError(
                AppError::invalid(
                    "body",
                    format!("JSONが正しくありません: {e}"),
                    format!("The body is not valid JSON of the expected shape: {e}"),
                ),
                ctx.lang,
            )
            .into_response();
        }
    };
    if req.corporate_numbers.len() > MAX_VERIFY {
        let detail = format!(
            "{} {} ({} {}).",
            ctx.t().pick("一度に確認できる法人番号は最大", "At most"),
            MAX_VERIFY,
            ctx.t().pick("件です。送られた件数", "numbers per request; this one has"),
            req.corporate_numbers.len()
        );
        return Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-many-numbers",
            ctx.t().pick("件数が多すぎます", "Too many numbers"),
            &detail,
        )
        .into_response();
    }
    let level = match Level::new(req.required_level) {
        Ok(l) => l,
        Err(e) => {
            return ApiError(AppError::invalid("required_level", "required_level は1〜5です。", e.to_string()), ctx.lang).into_response()
        }
    };
    match s.app.verify_numbers(&req.corporate_numbers, level).await {
        Ok(results) => Json(VerifyResponse { results }).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/certificates/{serial}/bundle", tag = "registry",
    params(("serial" = String, Path)),
    responses((status = 200, description = "{certificate, log: {origin, index, entry, inclusion_proof, checkpoint}}"), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn bundle(State(s): State<AppState>, ctx: Ctx, Path(serial): Path<String>) -> Response {
    match s.app.bundle(&serial).await {
        Ok(b) => Json(b).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ProofQuery {
    pub index: u64,
    /// Tree size (default: the latest checkpoint's).
    pub size: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/log/proof", tag = "log", params(ProofQuery),
    responses((status = 200, description = "{index, size, inclusion_proof: [base64], checkpoint}"), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn proof(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ProofQuery>) -> Response {
    match s.app.inclusion_proof(q.index, q.size).await {
        Ok((proof, cp)) => {
            Json(serde_json::json!({"index": q.index, "size": q.size.unwrap_or(cp.size), "inclusion_proof": proof, "checkpoint": cp.note}))
                .into_response()
        }
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ConsistencyQuery {
    pub old: u64,
    pub new: u64,
}

#[utoipa::path(get, path = "/api/v1/log/consistency", tag = "log", params(ConsistencyQuery),
    responses((status = 200, description = "{old, new, consistency_proof: [base64]}"), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn consistency(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ConsistencyQuery>) -> Response {
    match s.app.consistency_proof(q.old, q.new).await {
        Ok(p) => Json(serde_json::json!({"old": q.old, "new": q.new, "consistency_proof": p})).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "registry", responses((status = 200, description = "The issuer keys (current and retired) as a JWKS")))]
pub async fn jwks(State(s): State<AppState>, ctx: Ctx) -> Response {
    match s.app.jwks().await {
        Ok(k) => ([(CACHE_CONTROL, "public, max-age=300")], Json(k)).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

/// `Cache-Control` for the log's moving parts (the checkpoint, partial tiles).
const BRIEF: &str = "public, max-age=2";

#[utoipa::path(get, path = "/log/checkpoint", tag = "log", responses((status = 200, description = "The latest C2SP checkpoint (signed note)"), (status = 404, description = "The log is empty")))]
pub async fn checkpoint(State(s): State<AppState>) -> Response {
    match s.app.checkpoint().await {
        // A CDN may hold it briefly: the sequencer signs a new one at most twice a second.
        Ok(Some(cp)) => ([(CONTENT_TYPE, "text/plain; charset=utf-8"), (CACHE_CONTROL, BRIEF)], cp.note).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "the log is empty: no checkpoint yet\n").into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[utoipa::path(get, path = "/log/key", tag = "log", responses((status = 200, description = "The log's note verifier key: <name>+<hex key id>+<base64 key>")))]
pub async fn key(State(s): State<AppState>) -> Response {
    ([(CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{}\n", s.app.keys().log.verifier_key())).into_response()
}

#[utoipa::path(get, path = "/log/tile/{path}", tag = "log", params(("path" = String, Path, description = "<L>/<N>[.p/<W>] or entries/<N>[.p/<W>]")),
    responses((status = 200, description = "A C2SP tlog-tiles hash tile or entry bundle"), (status = 404, description = "No such tile")))]
pub async fn tile(State(s): State<AppState>, Path(rest): Path<String>) -> Response {
    match s.app.tile(&format!("tile/{rest}")).await {
        Ok(Some(bytes)) => {
            // Full tiles never change, so any cache may keep them for good; a partial one is
            // replaced by a wider one as the log grows, so it is held only briefly.
            let cache = if rest.contains(".p/") { BRIEF } else { "public, max-age=31536000, immutable" };
            ([(CONTENT_TYPE, "application/octet-stream"), (CACHE_CONTROL, cache)], bytes).into_response()
        }
        Ok(None) => (StatusCode::NOT_FOUND, "no such tile\n").into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
