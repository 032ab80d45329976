//! Price negotiations through the API, for a buyer's procurement system or a supplier's tools:
//! the list, one negotiation with its timeline, a step (answer, counter-offer, minutes…), the
//! record with its hash chain, and the regulator's figures.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoshi_app::negotiation::StepInput;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::ctx::Ctx;
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

#[utoipa::path(get, path = "/api/v1/negotiations", tag = "negotiation", security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "The caller's negotiations as supplier and as buyer, open ones by response date first"), (status = 401, body = Problem)))]
pub async fn list(State(s): State<AppState>, ctx: Ctx) -> Response {
    let a = actor!(ctx);
    match s.app.my_negotiations(&a).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/negotiations/{negotiation_id}", tag = "negotiation", security(("bearer" = []), ("session" = [])),
    params(("negotiation_id" = i64, Path)),
    responses((status = 200, description = "One negotiation: parties, state, amounts, the request (cost basis, allocation, uplift), the timeline, escalation grounds, the chain check"),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let a = actor!(ctx);
    match s.app.negotiation(&a, id).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

/// A step: `kind` is accept, counter, decline, meeting, minutes, revise or unilateral_change.
#[derive(Deserialize, ToSchema)]
pub struct StepBody {
    pub kind: String,
    /// Per year, whole yen (counter, revise, unilateral_change).
    #[serde(default)]
    pub annual_yen: Option<u64>,
    /// Required for counter and decline.
    #[serde(default)]
    pub reason: String,
    /// Comment, minutes, or what changed.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub when: String,
    #[serde(default)]
    pub place: String,
    /// `YYYY-MM-DD` from which an accepted price applies (default: the first of next month).
    #[serde(default)]
    pub effective_from: String,
}

#[utoipa::path(post, path = "/api/v1/negotiations/{negotiation_id}/steps", tag = "negotiation", security(("bearer" = []), ("session" = [])),
    params(("negotiation_id" = i64, Path)), request_body = StepBody,
    responses((status = 204, description = "Recorded and chained"), (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "Not allowed now, or a reason or amount is missing")))]
pub async fn step(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Json(b): Json<StepBody>) -> Response {
    let a = actor!(ctx);
    let input = StepInput {
        kind: b.kind,
        annual_yen: b.annual_yen,
        reason: b.reason,
        text: b.text,
        when: b.when,
        place: b.place,
        effective_from: b.effective_from,
    };
    match s.app.negotiation_step(&a, id, &input).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/negotiations/{negotiation_id}/record", tag = "negotiation", security(("bearer" = []), ("session" = [])),
    params(("negotiation_id" = i64, Path)),
    responses((status = 200, description = "Every step with its SHA-256 chain, for `hoshi share verify-record` or any other checker"),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn record(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let a = actor!(ctx);
    match s.app.negotiation_record(&a, id).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/regulator/figures", tag = "negotiation", security(("bearer" = []), ("session" = [])),
    responses((status = 200, description = "Requests, answers, acceptance rate (per mille), median response time (seconds), escalations, and per buyer: requests, refusals, missed response dates"),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn figures(State(s): State<AppState>, ctx: Ctx) -> Response {
    let a = actor!(ctx);
    match s.app.regulator_figures(&a).await {
        Ok(f) => Json(f).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}
