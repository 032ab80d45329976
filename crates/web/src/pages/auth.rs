//! Signing in and out, registering an organisation, accepting an invitation.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use hoshi_app::accounts::{OrgInput, Registration, SignedIn, SESSION_SECS};
use hoshi_app::AppError;
use hoshi_core::org::{Industry, MemberRole, PREFECTURES};
use serde::Deserialize;

use super::{error_page, render, safe_next, see_other, Layout, Next};
use crate::ctx::{set_cookie, Ctx};
use crate::{AppState, SESSION_COOKIE};

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub l: Layout,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub email: String,
    pub next: String,
}

pub fn login_page(ctx: &Ctx, status: StatusCode, error: Option<String>, email: &str, next: &str) -> Response {
    let l = Layout::new(ctx, ctx.t().t("login.title"));
    render(status, &LoginPage { l, error, notice: None, email: email.to_owned(), next: next.to_owned() })
}

pub async fn login_form(ctx: Ctx, Query(q): Query<Next>) -> Response {
    if ctx.actor.is_some() {
        return see_other("/dashboard");
    }
    login_page(&ctx, StatusCode::OK, None, "", &safe_next(q.next.as_deref()))
}

#[derive(Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

/// A new session's cookie. Whatever session the browser had before (another account's, or one
/// planted by someone else) ends here: every sign-in and every change of who one is gets a new
/// session id, and the old one stops working.
async fn signed_in_response(s: &AppState, ctx: &Ctx, signed: &SignedIn, to: &str) -> Response {
    if let Some(old) = ctx.session_token.as_deref().filter(|old| *old != signed.session_token) {
        if let Err(e) = s.app.sign_out(old).await {
            tracing::warn!(error = %e, "could not end the previous session");
        }
    }
    let mut res = see_other(to);
    res.headers_mut().append(SET_COOKIE, set_cookie(s, SESSION_COOKIE, &signed.session_token, Some(SESSION_SECS)));
    res
}

pub async fn login(State(s): State<AppState>, ctx: Ctx, Form(f): Form<LoginForm>) -> Response {
    match s.app.sign_in(&f.email, &f.password, &ctx.client).await {
        Ok(signed) => {
            let next = safe_next(Some(&f.next));
            signed_in_response(&s, &ctx, &signed, if next == "/" { "/dashboard" } else { &next }).await
        }
        Err(e @ AppError::TooManyAttempts(retry)) => {
            let mut res = login_page(&ctx, StatusCode::TOO_MANY_REQUESTS, Some(e.message(ctx.ja())), &f.email, &f.next);
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(retry));
            res
        }
        Err(e @ AppError::Invalid { .. }) => login_page(&ctx, StatusCode::UNAUTHORIZED, Some(e.message(ctx.ja())), &f.email, &f.next),
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn logout(State(s): State<AppState>, ctx: Ctx) -> Response {
    if let Err(e) = ctx.actor() {
        return error_page(&ctx, &e);
    }
    if let Some(token) = &ctx.session_token {
        if let Err(e) = s.app.sign_out(token).await {
            return error_page(&ctx, &e);
        }
    }
    let mut res = see_other("/login");
    res.headers_mut().append(SET_COOKIE, set_cookie(&s, SESSION_COOKIE, "", Some(0)));
    res
}

/// Choices for the organisation form's selects.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn prefecture_choices(ctx: &Ctx, selected: &str) -> Vec<Choice> {
    PREFECTURES
        .iter()
        .map(|(ja, en)| Choice { value: (*ja).to_owned(), label: ctx.t().pick(ja, en).to_owned(), selected: selected == *ja })
        .collect()
}

pub fn industry_choices(ctx: &Ctx, selected: &str) -> Vec<Choice> {
    Industry::ALL
        .iter()
        .map(|i| Choice {
            value: i.key().to_owned(),
            label: ctx.t().pick(i.name_ja(), i.name_en()).to_owned(),
            selected: selected == i.key(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub l: Layout,
    pub error: Option<(String, String)>,
    pub f: RegisterForm,
    pub prefectures: Vec<Choice>,
    pub industries: Vec<Choice>,
}

#[derive(Deserialize, Default, Clone)]
pub struct RegisterForm {
    #[serde(default)]
    pub corporate_number: String,
    #[serde(default)]
    pub name_ja: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub prefecture: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub employees: String,
    #[serde(default)]
    pub capital_yen: String,
    #[serde(default)]
    pub role_supplier: Option<String>,
    #[serde(default)]
    pub role_buyer: Option<String>,
    #[serde(default)]
    pub role_expert: Option<String>,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
}

fn register_page(ctx: &Ctx, status: StatusCode, f: RegisterForm, error: Option<(String, String)>) -> Response {
    let l = Layout::new(ctx, ctx.t().t("register.title"));
    let prefectures = prefecture_choices(ctx, &f.prefecture);
    let industries = industry_choices(ctx, &f.industry);
    render(status, &RegisterPage { l, error, f, prefectures, industries })
}

pub async fn register_form(ctx: Ctx) -> Response {
    if ctx.actor.is_some() {
        return see_other("/dashboard");
    }
    register_page(&ctx, StatusCode::OK, RegisterForm { role_supplier: Some("on".into()), ..Default::default() }, None)
}

#[derive(Deserialize)]
pub struct RegisterPost {
    #[serde(flatten)]
    pub f: RegisterForm,
    #[serde(default)]
    pub password: String,
}

pub async fn register(State(s): State<AppState>, ctx: Ctx, Form(p): Form<RegisterPost>) -> Response {
    let f = p.f;
    let mut roles = Vec::new();
    for (on, key) in [(&f.role_supplier, "supplier"), (&f.role_buyer, "buyer"), (&f.role_expert, "expert")] {
        if on.is_some() {
            roles.push(key.to_owned());
        }
    }
    let r = Registration {
        org: OrgInput {
            corporate_number: f.corporate_number.clone(),
            name_ja: f.name_ja.clone(),
            name_en: f.name_en.clone(),
            prefecture: f.prefecture.clone(),
            address: f.address.clone(),
            industry: f.industry.clone(),
            employees: f.employees.clone(),
            capital_yen: f.capital_yen.clone(),
        },
        roles,
        display_name: f.display_name.clone(),
        email: f.email.clone(),
        password: p.password,
    };
    if let Err(e) = s.app.rate_check(hoshi_app::Bucket::Registration, &ctx.client) {
        return error_page(&ctx, &e);
    }
    // A new account and an address or corporate number already registered get the same page,
    // so registration cannot be used to learn who is registered.
    match s.app.register_quietly(&r).await {
        Ok(()) => {
            let l = Layout::new(&ctx, ctx.t().t("login.title"));
            let notice = Some(ctx.t().t("register.received").to_owned());
            render(StatusCode::OK, &LoginPage { l, error: None, notice, email: r.email.trim().to_owned(), next: "/dashboard".into() })
        }
        Err(AppError::Invalid { field, message }) => {
            register_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, f, Some((field, message.get(ctx.ja()).to_owned())))
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "invitation.html")]
pub struct InvitationPage {
    pub l: Layout,
    pub token: String,
    pub org_name: String,
    pub email: String,
    pub role: String,
    pub error: Option<String>,
}

async fn invitation_page(s: &AppState, ctx: &Ctx, token: &str, status: StatusCode, error: Option<String>) -> Response {
    match s.app.invitation(token).await {
        Ok((inv, org)) => {
            let t = ctx.t();
            let role = match inv.role {
                MemberRole::Admin => t.t("role.admin"),
                MemberRole::Member => t.t("role.member"),
            };
            let l = Layout::new(ctx, t.t("invitation.title"));
            render(
                status,
                &InvitationPage {
                    l,
                    token: token.to_owned(),
                    org_name: t.pick(&org.name_ja, &org.name_en).to_owned(),
                    email: inv.email,
                    role: role.to_owned(),
                    error,
                },
            )
        }
        Err(e) => error_page(ctx, &e),
    }
}

pub async fn invitation_form(State(s): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> Response {
    invitation_page(&s, &ctx, &token, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
}

pub async fn accept_invitation(State(s): State<AppState>, ctx: Ctx, Path(token): Path<String>, Form(f): Form<AcceptForm>) -> Response {
    match s.app.accept_invitation(&token, &f.display_name, &f.password).await {
        Ok(signed) => signed_in_response(&s, &ctx, &signed, "/dashboard").await,
        Err(e @ AppError::Invalid { .. }) => {
            let msg = e.message(ctx.ja());
            invitation_page(&s, &ctx, &token, StatusCode::UNPROCESSABLE_ENTITY, Some(msg)).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}
