//! The ★ standard, browsable by anyone: levels, then each category's requirements and criteria.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use hoshi_core::Level;
use hoshi_standard::{shared_edition, Edition};
use serde::Deserialize;

use super::{render, Layout};
use crate::ctx::Ctx;

pub struct LevelRow {
    pub star: String,
    pub name: String,
    pub assessed_by: String,
    pub validity: String,
    pub criteria: u32,
    pub in_all: u32,
    pub selected: bool,
    pub number: u8,
}

pub struct CriterionRow {
    pub id: String,
    pub star: String,
    pub text: String,
    pub guidance: String,
    pub evidence: Vec<String>,
}

pub struct RequirementBlock {
    pub id: String,
    pub title: String,
    pub criteria: Vec<CriterionRow>,
}

pub struct CategoryBlock {
    pub number: u8,
    pub name: String,
    pub requirements: Vec<RequirementBlock>,
}

#[derive(Template)]
#[template(path = "catalog.html")]
pub struct CatalogPage {
    pub l: Layout,
    pub edition: String,
    pub title: String,
    pub rule: String,
    pub levels: Vec<LevelRow>,
    pub categories: Vec<CategoryBlock>,
    pub all_selected: bool,
}

#[derive(Deserialize)]
pub struct Filter {
    pub level: Option<String>,
}

fn page(ctx: &Ctx, e: &Edition, only: Option<Level>) -> CatalogPage {
    let t = ctx.t();
    let lang = ctx.lang;
    let levels = e
        .levels
        .iter()
        .map(|l| LevelRow {
            star: l.level.to_string(),
            name: l.name.get(lang).to_owned(),
            assessed_by: l.assessment_text.get(lang).to_owned(),
            validity: l.validity_months.map_or_else(|| "—".to_owned(), |m| format!("{m}{}", t.t("catalog.months"))),
            criteria: e.counts(l.level).total_criteria(),
            in_all: e.published_total(l.level),
            selected: only == Some(l.level),
            number: l.level.get(),
        })
        .collect();
    let categories = e
        .categories
        .iter()
        .map(|c| CategoryBlock {
            number: c.number,
            name: c.name.get(lang).to_owned(),
            requirements: e
                .requirements
                .iter()
                .filter(|r| r.category == c.key)
                .map(|r| RequirementBlock {
                    id: r.id.clone(),
                    title: r.title.get(lang).to_owned(),
                    criteria: e
                        .criteria_of(&r.id)
                        .filter(|k| only.is_none_or(|l| k.level == l))
                        .map(|k| CriterionRow {
                            id: k.id.clone(),
                            star: k.level.to_string(),
                            text: k.text.get(lang).to_owned(),
                            guidance: k.guidance.get(lang).to_owned(),
                            evidence: k.evidence.iter().map(|x| x.get(lang).to_owned()).collect(),
                        })
                        .collect(),
                })
                .filter(|r| !r.criteria.is_empty())
                .collect(),
        })
        .filter(|c| !c.requirements.is_empty())
        .collect();
    CatalogPage {
        l: Layout::new(ctx, t.t("catalog.title")),
        edition: e.id.clone(),
        title: e.title.get(lang).to_owned(),
        rule: e.rule.get(lang).to_owned(),
        levels,
        categories,
        all_selected: only.is_none(),
    }
}

pub async fn index(ctx: Ctx, Query(f): Query<Filter>) -> Response {
    let only = f.level.as_deref().filter(|s| !s.is_empty()).and_then(|s| Level::parse(s).ok());
    match shared_edition(None) {
        Ok(e) => render(StatusCode::OK, &page(&ctx, &e, only)),
        Err(err) => super::error_page(&ctx, &hoshi_app::AppError::not_found("★基準がありません。", err.to_string())),
    }
}
