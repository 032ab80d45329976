//! The signed-in organisation: who am I, its profile, members, invitations and API tokens.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoshi_app::accounts::OrgInput;
use hoshi_app::{Actor, Via};
use hoshi_app::{ApiToken, Org};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ctx::Ctx;
use crate::problem::{ApiError, Problem};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct OrgJson {
    pub id: i64,
    pub corporate_number: String,
    pub name_ja: String,
    pub name_en: String,
    pub prefecture: String,
    pub prefecture_en: String,
    pub address: String,
    pub industry: String,
    pub employees: Option<u64>,
    pub capital_yen: Option<u64>,
    pub roles: Vec<String>,
    /// SME under the SME Basic Act; null when employees and capital are unknown.
    pub is_sme: Option<bool>,
}

impl From<&Org> for OrgJson {
    fn from(o: &Org) -> Self {
        OrgJson {
            id: o.id,
            corporate_number: o.corporate_number.to_string(),
            name_ja: o.name_ja.clone(),
            name_en: o.name_en.clone(),
            prefecture: o.prefecture.name_ja().to_owned(),
            prefecture_en: o.prefecture.name_en().to_owned(),
            address: o.address.clone(),
            industry: o.industry.key().to_owned(),
            employees: o.employees,
            capital_yen: o.capital_yen,
            roles: o.roles.iter().map(|r| r.key().to_owned()).collect(),
            is_sme: hoshi_core::org::is_sme(o.industry, o.employees, o.capital_yen),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MeJson {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub member_role: String,
    /// `session` or `token`.
    pub authenticated_by: String,
    /// For a token: `read` or `read_write`.
    pub token_scope: Option<String>,
    pub org: OrgJson,
}

#[derive(Serialize, ToSchema)]
pub struct MemberJson {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenJson {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scope: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl From<&ApiToken> for TokenJson {
    fn from(t: &ApiToken) -> Self {
        TokenJson {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            scope: t.scope.key().to_owned(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedTokenJson {
    /// The token itself. Shown only now; Hoshi keeps only its hash.
    pub token: String,
    pub info: TokenJson,
}

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    pub name: String,
    /// `read` or `read_write`.
    pub scope: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewInvitation {
    pub email: String,
    /// `admin` or `member`.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationJson {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub expires_at: i64,
    /// The path to send to the invited person; valid once.
    pub accept_path: String,
}

/// The profile fields that can change (the corporate number cannot).
#[derive(Deserialize, ToSchema)]
pub struct OrgUpdate {
    pub name_ja: String,
    pub name_en: String,
    pub prefecture: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub industry: String,
    pub employees: Option<u64>,
    pub capital_yen: Option<u64>,
}

fn actor(ctx: &Ctx) -> Result<&Actor, ApiError> {
    ctx.actor().map_err(|e| ApiError(e, ctx.lang))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "organisation", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = MeJson), (status = 401, body = Problem)))]
pub async fn me(ctx: Ctx) -> Result<Json<MeJson>, ApiError> {
    let a = actor(&ctx)?;
    let (by, scope) = match &a.via {
        Via::Session { .. } => ("session", None),
        Via::Token { scope, .. } => ("token", Some(scope.key().to_owned())),
    };
    Ok(Json(MeJson {
        user_id: a.user_id,
        email: a.email.clone(),
        display_name: a.display_name.clone(),
        member_role: a.member_role.key().to_owned(),
        authenticated_by: by.to_owned(),
        token_scope: scope,
        org: OrgJson::from(&a.org),
    }))
}

#[utoipa::path(get, path = "/api/v1/orgs/{org_id}", tag = "organisation", security(("bearer" = []), ("session" = [])),
    params(("org_id" = i64, Path)),
    responses((status = 200, body = OrgJson), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_org(State(s): State<AppState>, ctx: Ctx, Path(org_id): Path<i64>) -> Result<Json<OrgJson>, ApiError> {
    let a = actor(&ctx)?;
    let view = s.app.org_view(a, org_id).await.map_err(|e| ApiError(e, ctx.lang))?;
    Ok(Json(OrgJson::from(&view.org)))
}

#[utoipa::path(put, path = "/api/v1/orgs/{org_id}", tag = "organisation", security(("session" = [])),
    params(("org_id" = i64, Path)), request_body = OrgUpdate,
    responses((status = 200, body = OrgJson), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_org(
    State(s): State<AppState>,
    ctx: Ctx,
    Path(org_id): Path<i64>,
    Json(u): Json<OrgUpdate>,
) -> Result<Json<OrgJson>, ApiError> {
    let a = actor(&ctx)?;
    let input = OrgInput {
        corporate_number: String::new(),
        name_ja: u.name_ja,
        name_en: u.name_en,
        prefecture: u.prefecture,
        address: u.address,
        industry: u.industry,
        employees: u.employees.map(|v| v.to_string()).unwrap_or_default(),
        capital_yen: u.capital_yen.map(|v| v.to_string()).unwrap_or_default(),
    };
    let org = s.app.update_org(a, org_id, &input).await.map_err(|e| ApiError(e, ctx.lang))?;
    Ok(Json(OrgJson::from(&org)))
}

#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/members", tag = "organisation", security(("bearer" = []), ("session" = [])),
    params(("org_id" = i64, Path)),
    responses((status = 200, body = [MemberJson]), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn members(State(s): State<AppState>, ctx: Ctx, Path(org_id): Path<i64>) -> Result<Json<Vec<MemberJson>>, ApiError> {
    let a = actor(&ctx)?;
    let view = s.app.org_view(a, org_id).await.map_err(|e| ApiError(e, ctx.lang))?;
    Ok(Json(
        view.members
            .iter()
            .map(|(u, r)| MemberJson {
                user_id: u.id,
                email: u.email.clone(),
                display_name: u.display_name.clone(),
                role: r.key().to_owned(),
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/invitations", tag = "organisation", security(("session" = [])),
    params(("org_id" = i64, Path)), request_body = NewInvitation,
    responses((status = 201, body = InvitationJson), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn invite(State(s): State<AppState>, ctx: Ctx, Path(org_id): Path<i64>, Json(n): Json<NewInvitation>) -> Response {
    let run = async {
        let a = actor(&ctx)?;
        a.require_own_org(org_id).map_err(|e| ApiError(e, ctx.lang))?;
        let (inv, token) = s.app.invite(a, &n.email, &n.role).await.map_err(|e| ApiError(e, ctx.lang))?;
        Ok::<_, ApiError>(InvitationJson {
            id: inv.id,
            email: inv.email,
            role: inv.role.key().to_owned(),
            expires_at: inv.expires_at,
            accept_path: format!("/invitations/{token}"),
        })
    };
    match run.await {
        Ok(j) => (StatusCode::CREATED, Json(j)).into_response(),
        Err(e) => e.into_response(),
    }
}

#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/tokens", tag = "organisation", security(("session" = [])),
    params(("org_id" = i64, Path)),
    responses((status = 200, body = [TokenJson]), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn tokens(State(s): State<AppState>, ctx: Ctx, Path(org_id): Path<i64>) -> Result<Json<Vec<TokenJson>>, ApiError> {
    let a = actor(&ctx)?;
    let list = s.app.list_tokens(a, org_id).await.map_err(|e| ApiError(e, ctx.lang))?;
    Ok(Json(list.iter().map(TokenJson::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/tokens", tag = "organisation", security(("session" = [])),
    params(("org_id" = i64, Path)), request_body = NewToken,
    responses((status = 201, body = CreatedTokenJson), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create_token(State(s): State<AppState>, ctx: Ctx, Path(org_id): Path<i64>, Json(n): Json<NewToken>) -> Response {
    let run = async {
        let a = actor(&ctx)?;
        a.require_own_org(org_id).map_err(|e| ApiError(e, ctx.lang))?;
        let (t, plain) = s.app.create_token(a, &n.name, &n.scope).await.map_err(|e| ApiError(e, ctx.lang))?;
        Ok::<_, ApiError>(CreatedTokenJson { token: plain, info: TokenJson::from(&t) })
    };
    match run.await {
        Ok(j) => (StatusCode::CREATED, Json(j)).into_response(),
        Err(e) => e.into_response(),
    }
}

#[utoipa::path(delete, path = "/api/v1/orgs/{org_id}/tokens/{token_id}", tag = "organisation", security(("session" = [])),
    params(("org_id" = i64, Path), ("token_id" = i64, Path)),
    responses((status = 204, description = "Revoked"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn revoke_token(State(s): State<AppState>, ctx: Ctx, Path((org_id, token_id)): Path<(i64, i64)>) -> Response {
    let run = async {
        let a = actor(&ctx)?;
        a.require_own_org(org_id).map_err(|e| ApiError(e, ctx.lang))?;
        s.app.revoke_token(a, token_id).await.map_err(|e| ApiError(e, ctx.lang))
    };
    match run.await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}
