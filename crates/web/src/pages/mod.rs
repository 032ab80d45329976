//! Server-rendered pages for people, by resource. Every page has the same layout: navigation
//! for the actor's roles, the language switch, and sign-out; every text comes from
//! [`crate::i18n`]. The core flows are plain HTML forms and work without JavaScript.

pub mod assessment;
pub mod assets;
pub mod auth;
pub mod catalog;
pub mod charts;
pub mod dashboard;
pub mod negotiation;
pub mod org;
pub mod plan;
pub mod registry;
pub mod review;
pub mod suppliers;
pub mod support;
pub mod trust;
pub mod workbook;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use hoshi_app::AppError;
use serde::Deserialize;

use crate::ctx::{set_cookie, Ctx, LANG_COOKIE};
use crate::i18n::{Lang, T};
use crate::problem::status_of;
use crate::AppState;

/// One entry of the navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What the shared layout (`base.html`) shows.
pub struct Layout {
    pub t: T,
    pub title: String,
    pub csrf: String,
    /// Path and query, for the language switch to come back to.
    pub here: String,
    pub signed_in: bool,
    pub user_name: String,
    pub org_name: String,
    pub nav: Vec<NavItem>,
}

impl Layout {
    pub fn new(ctx: &Ctx, title: &str) -> Layout {
        let t = ctx.t();
        let path = ctx.path.split('?').next().unwrap_or("/");
        let mut nav = Vec::new();
        if let Some(a) = &ctx.actor {
            nav.push(("/dashboard", "nav.dashboard"));
            if a.has_role(hoshi_core::org::OrgRole::Supplier) {
                nav.push(("/assessments", "nav.assessments"));
            }
            if a.has_role(hoshi_core::org::OrgRole::Buyer) {
                nav.push(("/suppliers", "nav.suppliers"));
                nav.push(("/shared", "nav.shared"));
            }
            if a.has_role(hoshi_core::org::OrgRole::Supplier) {
                nav.push(("/requirements", "nav.requirements"));
                nav.push(("/evidence", "nav.evidence"));
            }
            if a.has_role(hoshi_core::org::OrgRole::Supplier) || a.has_role(hoshi_core::org::OrgRole::Expert) {
                nav.push(("/support", "nav.support"));
            }
            if a.has_role(hoshi_core::org::OrgRole::Supplier) || a.has_role(hoshi_core::org::OrgRole::Buyer) {
                nav.push(("/negotiations", "nav.negotiations"));
            }
            if a.has_role(hoshi_core::org::OrgRole::Regulator) {
                nav.push(("/regulator", "nav.regulator"));
            }
            if a.has_role(hoshi_core::org::OrgRole::Expert) || a.has_role(hoshi_core::org::OrgRole::AssessmentBody) {
                nav.push(("/engagements", "nav.engagements"));
            }
            nav.push(("/org", "nav.org"));
            if a.is_admin() {
                nav.push(("/org/tokens", "nav.tokens"));
            }
        }
        if ctx.actor.as_ref().is_some_and(|a| a.has_role(hoshi_core::org::OrgRole::RegistryOperator)) {
            nav.push(("/registry/console", "nav.console"));
        }
        nav.push(("/registry", "nav.registry"));
        nav.push(("/catalog", "nav.catalog"));
        Layout {
            t,
            title: title.to_owned(),
            csrf: ctx.csrf.clone(),
            here: ctx.path.clone(),
            signed_in: ctx.actor.is_some(),
            user_name: ctx.actor.as_ref().map(|a| a.display_name.clone()).unwrap_or_default(),
            org_name: ctx.actor.as_ref().map(|a| t.pick(&a.org.name_ja, &a.org.name_en).to_owned()).unwrap_or_default(),
            nav: nav.into_iter().map(|(href, key)| NavItem { href, label: t.t(key), current: path == href }).collect(),
        }
    }

    /// The link that switches to the other language and comes back here.
    pub fn switch_href(&self) -> String {
        let other = self.t.lang.other().code();
        let next: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/lang/{other}?next={next}")
    }

    pub fn switch_label(&self) -> &'static str {
        match self.t.lang {
            Lang::Ja => "English",
            Lang::En => "日本語",
        }
    }
}

/// Renders a template, or a plain 500 if the template itself fails.
pub fn render<P: Template>(status: StatusCode, page: &P) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error: the problem was logged").into_response()
        }
    }
}

/// A public registry page as an anonymous visitor sees it, rendered at most once a second: the
/// rendering is kept under its path, query, language and `extra` (what else the page shows,
/// such as the host in a verification URL) and dropped with the app's public reads — at once
/// when this server begins a write, else after the TTL. Signed-in visitors always get a fresh
/// rendering (their header shows who they are). Only complete HTML answers are kept.
pub async fn public_page<F>(s: &AppState, ctx: &Ctx, extra: &str, build: F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    if ctx.actor.is_some() {
        return build.await;
    }
    let key = format!("{}|{}|{extra}", ctx.lang.code(), ctx.path);
    let hit = |body| (StatusCode::OK, [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    if let Some(body) = s.pages.get(&key, s.app.store().generation()) {
        return hit(body);
    }
    // A miss renders under its shard's lock; whoever waited finds the fresh copy.
    let shard = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        (h.finish() % s.page_locks.len() as u64) as usize
    };
    let _one = s.page_locks[shard].lock().await;
    let generation = s.app.store().generation();
    if let Some(body) = s.pages.get(&key, generation) {
        return hit(body);
    }
    let res = build.await;
    let html = res.headers().get(axum::http::header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if res.status() != StatusCode::OK || !html {
        return res;
    }
    let (parts, body) = res.into_parts();
    match axum::body::to_bytes(body, 16 * 1024 * 1024).await {
        Ok(bytes) => {
            s.pages.put(key, generation, bytes.clone());
            Response::from_parts(parts, axum::body::Body::from(bytes))
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal error: the page could not be read").into_response(),
    }
}

/// A redirect after a successful form (303, so the browser follows with GET).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub l: Layout,
    pub heading: String,
    pub message: String,
    /// The other language's code, heading and message: a reader of either can act on the page.
    pub other_lang: &'static str,
    pub other_heading: String,
    pub other_message: String,
}

/// The same words in both languages.
#[derive(Debug, Clone)]
pub struct Both {
    pub ja: String,
    pub en: String,
}

impl Both {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Both {
        Both { ja: ja.into(), en: en.into() }
    }
    /// A screen text from [`crate::i18n::MESSAGES`], in both languages.
    pub fn key(key: &str) -> Both {
        Both::new(T { lang: Lang::Ja }.t(key), T { lang: Lang::En }.t(key))
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// The error page: heading and message in the request's language first, then in the other.
pub fn error_response(ctx: &Ctx, status: StatusCode, heading: &Both, message: &Both) -> Response {
    let (lang, other) = (ctx.lang, ctx.lang.other());
    let l = Layout::new(ctx, heading.get(lang));
    render(
        status,
        &ErrorPage {
            l,
            heading: heading.get(lang).to_owned(),
            message: message.get(lang).to_owned(),
            other_lang: other.code(),
            other_heading: heading.get(other).to_owned(),
            other_message: message.get(other).to_owned(),
        },
    )
}

/// The page for a use-case error: sign-in for `Unauthenticated` (with status 401), else a
/// message with the matching status.
pub fn error_page(ctx: &Ctx, e: &AppError) -> Response {
    if matches!(e, AppError::Unauthenticated) {
        return auth::login_page(ctx, StatusCode::UNAUTHORIZED, Some(ctx.t().t("login.needed").to_owned()), "", &ctx.path);
    }
    let mut res = error_response(ctx, status_of(e), &Both::key("error.title"), &Both::new(e.message(true), e.message(false)));
    if let Some(s) = crate::problem::retry_after(e) {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(s));
    }
    res
}

pub async fn not_found(ctx: Ctx) -> Response {
    if ctx.path.starts_with("/api/") {
        return crate::problem::from_app_error(
            &AppError::not_found(
                "そのAPIはありません。/api/openapi.json を参照してください。",
                "No such API route: see /api/openapi.json.",
            ),
            ctx.lang,
        )
        .into_response();
    }
    error_response(&ctx, StatusCode::NOT_FOUND, &Both::key("error.not_found_title"), &Both::key("error.not_found"))
}

pub fn csrf_failed(ctx: &Ctx) -> Response {
    error_response(ctx, StatusCode::FORBIDDEN, &Both::key("error.title"), &Both::key("error.csrf"))
}

pub fn too_large(ctx: &Ctx, limit: usize) -> Response {
    let kb = limit / 1024;
    let message = Both::new(
        format!("送信されたデータが大きすぎます（上限 {kb} KB）。"),
        format!("What was sent is too large (the limit is {kb} KB)."),
    );
    error_response(ctx, StatusCode::PAYLOAD_TOO_LARGE, &Both::key("error.too_large_title"), &message)
}

/// `/`: the dashboard when signed in, else the sign-in page.
pub async fn home(ctx: Ctx) -> Response {
    see_other(if ctx.actor.is_some() { "/dashboard" } else { "/login" })
}

#[derive(Deserialize)]
pub struct Next {
    pub next: Option<String>,
}

/// A local path to return to, never another site: it starts with one `/` and holds no
/// backslash and no control character. Browsers drop tabs and line breaks from a URL and read
/// `\` as `/`, so `/\t/evil.example` or `/\\evil.example` would lead to `//evil.example`, and a
/// CR or LF cannot go into a `Location` header at all.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.chars().any(|c| c == '\\' || c.is_control()) => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// `/lang/{ja|en}?next=…`: remembers the language in a cookie and goes back.
pub async fn switch_language(State(s): State<AppState>, ctx: Ctx, Path(lang): Path<String>, Query(q): Query<Next>) -> Response {
    let Some(lang) = Lang::parse(&lang) else {
        return not_found(ctx).await;
    };
    let mut res = see_other(&safe_next(q.next.as_deref()));
    res.headers_mut().append(SET_COOKIE, set_cookie(&s, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)));
    res
}
