//! The organisation page: profile, members, invitations, and (for administrators) API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use hoshi_app::accounts::OrgInput;
use hoshi_app::{Actor, AppError};
use serde::Deserialize;

use super::auth::{industry_choices, prefecture_choices, Choice};
use super::{error_page, render, see_other, Layout};
use crate::ctx::Ctx;
use crate::time_fmt::jst;
use crate::AppState;

pub struct MemberRow {
    pub name: String,
    pub email: String,
    pub role: &'static str,
}

pub struct InvitationRow {
    pub email: String,
    pub role: &'static str,
    pub accepted: bool,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "org.html")]
pub struct OrgPage {
    pub l: Layout,
    pub admin: bool,
    pub corporate_number: String,
    pub roles: Vec<&'static str>,
    pub f: OrgInput,
    pub sme: &'static str,
    pub prefectures: Vec<Choice>,
    pub industries: Vec<Choice>,
    pub members: Vec<MemberRow>,
    pub invitations: Vec<InvitationRow>,
    pub error: Option<(String, String)>,
    pub notice: Option<String>,
    pub invite_link: Option<String>,
    pub org_id: i64,
    /// What the operator checked, by whom and when, when verified.
    pub verified: Option<String>,
    pub documents: Vec<(String, String, String)>,
    /// The organisation may apply for accreditation (expert or assessment body).
    pub provider_kind: Option<&'static str>,
    /// Its accreditations: kind, number, state, validity.
    pub accreditations: Vec<String>,
    /// A new name waiting for the registry operator (Japanese / English) and since when.
    pub pending_name: Option<(String, String, String)>,
}

fn actor(ctx: &Ctx) -> Result<Actor, AppError> {
    ctx.actor().cloned()
}

async fn org_page(
    s: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    form: Option<OrgInput>,
    error: Option<(String, String)>,
    notice: Option<String>,
    invite_link: Option<String>,
) -> Response {
    let a = match actor(ctx) {
        Ok(a) => a,
        Err(e) => return error_page(ctx, &e),
    };
    let view = match s.app.org_view(&a, a.org.id).await {
        Ok(v) => v,
        Err(e) => return error_page(ctx, &e),
    };
    let t = ctx.t();
    let o = &view.org;
    let f = form.unwrap_or_else(|| OrgInput {
        corporate_number: o.corporate_number.to_string(),
        name_ja: o.name_ja.clone(),
        name_en: o.name_en.clone(),
        prefecture: o.prefecture.name_ja().to_owned(),
        address: o.address.clone(),
        industry: o.industry.key().to_owned(),
        employees: o.employees.map(|v| v.to_string()).unwrap_or_default(),
        capital_yen: o.capital_yen.map(|v| v.to_string()).unwrap_or_default(),
    });
    let role_label = |r: hoshi_core::org::MemberRole| t.pick(r.name_ja(), r.name_en());
    let verification = s.app.my_verification(&a).await.ok();
    let accreditations = s.app.my_accreditations(&a).await.unwrap_or_default();
    let pending_name = match s.app.pending_name_change(&a).await {
        Ok(p) => p.map(|c| (c.name_ja, c.name_en, jst(c.requested_at))),
        Err(e) => return error_page(ctx, &e),
    };
    let ja = ctx.ja();
    let page = OrgPage {
        pending_name,
        org_id: o.id,
        verified: verification.as_ref().and_then(|v| v.verified.as_ref()).map(|v| format!("{} ({})", v.checked, jst(v.decided_at))),
        documents: verification
            .map(|v| v.documents.into_iter().map(|d| (d.sha256, d.filename, jst(d.uploaded_at))).collect())
            .unwrap_or_default(),
        provider_kind: if a.has_role(hoshi_core::org::OrgRole::AssessmentBody) {
            Some("assessment_body")
        } else if a.has_role(hoshi_core::org::OrgRole::Expert) {
            Some("expert")
        } else {
            None
        },
        accreditations: accreditations
            .iter()
            .map(|p| {
                let valid = p
                    .accreditation
                    .valid_until
                    .map(|u| format!(" · {} {}", t.pick("有効期限", "valid until"), hoshi_core::time::jst_date_string(u)))
                    .unwrap_or_default();
                format!("{} · {} {} · {}{valid}", p.kind.name(ja), p.kind.number_name(ja), p.accreditation.number, p.state.name(ja))
            })
            .collect(),
        admin: a.is_admin(),
        corporate_number: o.corporate_number.to_string(),
        roles: o.roles.iter().map(|r| t.pick(r.name_ja(), r.name_en())).collect(),
        sme: match view.is_sme {
            Some(true) => t.t("org.sme_yes"),
            Some(false) => t.t("org.sme_no"),
            None => t.t("org.sme_unknown"),
        },
        prefectures: prefecture_choices(ctx, &f.prefecture),
        industries: industry_choices(ctx, &f.industry),
        f,
        members: view
            .members
            .iter()
            .map(|(u, r)| MemberRow { name: u.display_name.clone(), email: u.email.clone(), role: role_label(*r) })
            .collect(),
        invitations: view
            .invitations
            .iter()
            .map(|i| InvitationRow {
                email: i.email.clone(),
                role: role_label(i.role),
                accepted: i.accepted_at.is_some(),
                expires: jst(i.expires_at),
            })
            .collect(),
        error,
        notice,
        invite_link,
        l: Layout::new(ctx, t.t("org.title")),
    };
    render(status, &page)
}

pub async fn show(State(s): State<AppState>, ctx: Ctx) -> Response {
    org_page(&s, &ctx, StatusCode::OK, None, None, None, None).await
}

pub async fn update(State(s): State<AppState>, ctx: Ctx, Form(f): Form<OrgInput>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.update_org(&a, a.org.id, &f).await {
        Ok(_) => org_page(&s, &ctx, StatusCode::OK, None, None, Some(ctx.t().t("org.saved").to_owned()), None).await,
        Err(AppError::Invalid { field, message }) => {
            let msg = message.get(ctx.ja()).to_owned();
            org_page(&s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(f), Some((field, msg)), None, None).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
}

pub async fn invite(State(s): State<AppState>, ctx: Ctx, Form(f): Form<InviteForm>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.invite(&a, &f.email, &f.role).await {
        Ok((_, token)) => {
            let notice = ctx.t().t("org.invite_made").to_owned();
            org_page(&s, &ctx, StatusCode::OK, None, None, Some(notice), Some(format!("/invitations/{token}"))).await
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let field = if let AppError::Invalid { field, .. } = &e { field.clone() } else { "email".into() };
            org_page(&s, &ctx, crate::problem::status_of(&e), None, Some((field, e.message(ctx.ja()))), None, None).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scope: &'static str,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub l: Layout,
    pub tokens: Vec<TokenRow>,
    pub new_token: Option<String>,
    pub notice: Option<String>,
    pub error: Option<String>,
}

async fn tokens_page(
    s: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    new_token: Option<String>,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let a = match actor(ctx) {
        Ok(a) => a,
        Err(e) => return error_page(ctx, &e),
    };
    let list = match s.app.list_tokens(&a, a.org.id).await {
        Ok(l) => l,
        Err(e) => return error_page(ctx, &e),
    };
    let t = ctx.t();
    let tokens = list
        .iter()
        .map(|k| TokenRow {
            id: k.id,
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            scope: t.pick(k.scope.name_ja(), k.scope.name_en()),
            created: jst(k.created_at),
            last_used: k.last_used_at.map(jst),
            revoked: k.revoked_at.is_some(),
        })
        .collect();
    render(status, &TokensPage { l: Layout::new(ctx, t.t("tokens.title")), tokens, new_token, notice, error })
}

pub async fn tokens(State(s): State<AppState>, ctx: Ctx) -> Response {
    tokens_page(&s, &ctx, StatusCode::OK, None, None, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub scope: String,
}

pub async fn create_token(State(s): State<AppState>, ctx: Ctx, Form(f): Form<TokenForm>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.create_token(&a, &f.name, &f.scope).await {
        Ok((_, plain)) => tokens_page(&s, &ctx, StatusCode::CREATED, Some(plain), Some(ctx.t().t("tokens.created").to_owned()), None).await,
        Err(e @ AppError::Invalid { .. }) => {
            tokens_page(&s, &ctx, StatusCode::UNPROCESSABLE_ENTITY, None, None, Some(e.message(ctx.ja()))).await
        }
        Err(e) => error_page(&ctx, &e),
    }
}

pub async fn revoke_token(State(s): State<AppState>, ctx: Ctx, Path(token_id): Path<i64>) -> Response {
    let a = match actor(&ctx) {
        Ok(a) => a,
        Err(e) => return error_page(&ctx, &e),
    };
    match s.app.revoke_token(&a, token_id).await {
        Ok(()) => see_other("/org/tokens"),
        Err(e @ AppError::Conflict(_)) => tokens_page(&s, &ctx, StatusCode::CONFLICT, None, None, Some(e.message(ctx.ja()))).await,
        Err(e) => error_page(&ctx, &e),
    }
}
