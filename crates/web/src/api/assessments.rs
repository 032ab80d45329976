//! Assessments through the API: the organisation's list, one assessment as Hoshi's JSON or
//! OSCAL assessment-results, and answering a criterion (for tools that fill it in bulk).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoshi_app::exports;
use hoshi_standard::Lang;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ctx::Ctx;
use crate::problem::{ApiError, Problem};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct AssessmentSummary {
    pub id: i64,
    pub version: i64,
    pub edition: String,
    pub target_level: u8,
    /// draft, in_review, returned, confirmed, assessing, assessed.
    pub status: String,
    pub locked: bool,
    pub updated_at: i64,
}

#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessment", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [AssessmentSummary]), (status = 401, body = Problem)))]
pub async fn list(State(s): State<AppState>, ctx: Ctx) -> Result<Json<Vec<AssessmentSummary>>, ApiError> {
    let a = ctx.actor().map_err(|e| ApiError(e, ctx.lang))?;
    let list = s.app.my_assessments(a).await.map_err(|e| ApiError(e, ctx.lang))?;
    Ok(Json(
        list.into_iter()
            .map(|x| AssessmentSummary {
                id: x.id,
                version: x.version,
                edition: x.edition,
                target_level: x.target_level,
                status: x.status,
                locked: x.locked_at.is_some(),
                updated_at: x.updated_at,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/assessments/{assessment_id}", tag = "assessment", security(("bearer" = []), ("session" = [])),
    params(("assessment_id" = i64, Path)),
    responses((status = 200, description = "The assessment: answers, achieved level, readiness, gaps and cost estimate"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let a = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return ApiError(e, ctx.lang).into_response(),
    };
    match s.app.assessment(&a, id).await {
        Ok(v) => Json(exports::json(&v)).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct LangParam {
    /// ja or en (default: the request's language).
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/assessments/{assessment_id}/oscal", tag = "assessment", security(("bearer" = []), ("session" = [])),
    params(("assessment_id" = i64, Path), LangParam),
    responses((status = 200, description = "OSCAL 1.1 assessment-results"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn oscal(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<LangParam>) -> Response {
    let a = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return ApiError(e, ctx.lang).into_response(),
    };
    let lang = q.lang.as_deref().and_then(Lang::parse).unwrap_or(ctx.lang);
    match s.app.assessment(&a, id).await {
        Ok(v) => Json(exports::oscal(&v, lang)).into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerBody {
    /// met, not_met or not_applicable.
    pub status: String,
    /// Required for not_applicable.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(put, path = "/api/v1/assessments/{assessment_id}/answers/{criterion_id}", tag = "assessment", security(("bearer" = []), ("session" = [])),
    params(("assessment_id" = i64, Path), ("criterion_id" = String, Path, description = "e.g. 4-1-3-2")), request_body = AnswerBody,
    responses((status = 204, description = "Saved"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_answer(State(s): State<AppState>, ctx: Ctx, Path((id, cid)): Path<(i64, String)>, Json(b): Json<AnswerBody>) -> Response {
    let a = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return ApiError(e, ctx.lang).into_response(),
    };
    match s.app.answer(&a, id, &cid, &b.status, &b.reason, &b.note).await {
        Ok(()) => axum::http::StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError(e, ctx.lang).into_response(),
    }
}
