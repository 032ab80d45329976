//! The ★ standard, public: what an edition contains, and one criterion.

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoshi_app::AppError;
use hoshi_core::Level;
use hoshi_standard::shared_edition;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ctx::Ctx;
use crate::problem::ApiError;

#[derive(Deserialize, IntoParams)]
pub struct EditionQuery {
    /// Edition id, e.g. 2026.03 (default: the newest).
    pub edition: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LevelSummary {
    pub level: u8,
    pub name_ja: String,
    pub name_en: String,
    pub validity_months: Option<u32>,
    pub requirements: u32,
    pub criteria: u32,
    /// Criteria counted as the scheme publishes them (★4 = ★3's plus ★4's own).
    pub criteria_in_all: u32,
}

#[derive(Serialize, ToSchema)]
pub struct CatalogSummary {
    pub edition: String,
    pub published: String,
    pub levels: Vec<LevelSummary>,
    pub categories: Vec<String>,
    pub criteria: usize,
}

fn edition(q: &EditionQuery, ctx: &Ctx) -> Result<std::sync::Arc<hoshi_standard::Edition>, ApiError> {
    shared_edition(q.edition.as_deref())
        .map_err(|e| ApiError(AppError::not_found(format!("版「{}」はありません。", e.asked), e.to_string()), ctx.lang))
}

#[utoipa::path(get, path = "/api/v1/catalog", tag = "catalog", params(EditionQuery),
    responses((status = 200, body = CatalogSummary), (status = 404, body = crate::problem::Problem)))]
pub async fn summary(ctx: Ctx, Query(q): Query<EditionQuery>) -> Response {
    let e = match edition(&q, &ctx) {
        Ok(e) => e,
        Err(err) => return err.into_response(),
    };
    let levels = Level::ALL
        .iter()
        .map(|l| {
            let info = e.level(*l);
            let c = e.counts(*l);
            LevelSummary {
                level: l.get(),
                name_ja: info.name.ja.clone(),
                name_en: info.name.en.clone(),
                validity_months: info.validity_months,
                requirements: c.requirements,
                criteria: c.total_criteria(),
                criteria_in_all: e.published_total(*l),
            }
        })
        .collect();
    Json(CatalogSummary {
        edition: e.id.clone(),
        published: e.published.clone(),
        levels,
        categories: e.categories.iter().map(|c| c.key.clone()).collect(),
        criteria: e.criteria.len(),
    })
    .into_response()
}

#[utoipa::path(get, path = "/api/v1/catalog/criteria/{criterion_id}", tag = "catalog",
    params(("criterion_id" = String, Path, description = "e.g. 4-1-3-2"), EditionQuery),
    responses((status = 200, description = "The criterion with every field, both languages"), (status = 404, body = crate::problem::Problem)))]
pub async fn criterion(ctx: Ctx, Path(id): Path<String>, Query(q): Query<EditionQuery>) -> Response {
    let e = match edition(&q, &ctx) {
        Ok(e) => e,
        Err(err) => return err.into_response(),
    };
    match e.criterion(&id) {
        Some(c) => Json(c.clone()).into_response(),
        None => ApiError(
            AppError::not_found(
                format!("評価基準「{id}」は版{}にありません（例: 4-1-3-2）。", e.id),
                format!("There is no criterion {id:?} in edition {} (ids look like 4-1-3-2).", e.id),
            ),
            ctx.lang,
        )
        .into_response(),
    }
}
