//! Organisations, people, sign-in, sessions, invitations and API tokens.

use hoshi_core::audit::Action;
use hoshi_core::org::{is_sme, Industry, MemberRole, OrgRole, Prefecture, TokenScope};
use hoshi_core::CorporateNumber;
use hoshi_store::invitations::{self, Invitation};
use hoshi_store::orgs::{self, NewOrg, Org};
use hoshi_store::tokens::{self, ApiToken};
use hoshi_store::users::{self, User};
use hoshi_store::{sessions, Conn};
use serde_json::json;

use crate::audit::{self, Who};
use crate::limiter::Verdict;
use crate::secrets::{dummy_hash, hash_password, random_token, sha256_hex, verify_password};
use crate::{Actor, App, AppError, Msg, Via};
use std::collections::HashMap;

/// How long a sign-in lasts.
pub const SESSION_SECS: i64 = 12 * 3600;
/// How long an invitation can be accepted.
pub const INVITATION_SECS: i64 = 14 * 24 * 3600;
/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask for 10).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// API tokens start with this, so leaked ones are easy to find in code and logs.
pub const TOKEN_PREFIX: &str = "hoshi_";

/// A new session: the cookie value (shown to the browser once, stored only hashed) and the actor.
pub struct SignedIn {
    pub session_token: String,
    pub actor: Actor,
}

impl std::fmt::Debug for SignedIn {
    /// Never prints the session token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn").field("user", &self.actor.email).field("org", &self.actor.org.corporate_number).finish_non_exhaustive()
    }
}

/// The profile fields of an organisation as a form or JSON gives them, not yet parsed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OrgInput {
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
}

/// A company registering itself with its first administrator.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Registration {
    #[serde(flatten)]
    pub org: OrgInput,
    /// `supplier`, `buyer` or `expert`; the other roles are granted by the operator.
    #[serde(default)]
    pub roles: Vec<String>,
    pub display_name: String,
    pub email: String,
    pub password: String,
}

/// An organisation with what its pages need.
#[derive(Debug, Clone)]
pub struct OrgView {
    pub org: Org,
    pub is_sme: Option<bool>,
    pub members: Vec<(User, MemberRole)>,
    pub invitations: Vec<Invitation>,
    pub tokens: Vec<ApiToken>,
}

fn text(field: &str, value: &str, max: usize, required: bool) -> Result<String, AppError> {
    let v = hoshi_core::text::display_text(value).map_err(|h| AppError::invalid(field, h.message_ja(), h.message_en()))?;
    if required && v.is_empty() {
        return Err(AppError::invalid(field, "入力してください。", "This field is required."));
    }
    if v.chars().count() > max {
        return Err(AppError::invalid(field, format!("{max}文字以内で入力してください。"), format!("Use at most {max} characters.")));
    }
    Ok(v)
}

fn count(field: &str, value: &str) -> Result<Option<u64>, AppError> {
    let v = value.trim().replace([',', '，'], "");
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<u64>()
        .map(Some)
        .map_err(|_| AppError::invalid(field, "0以上の整数で入力してください。", "Enter a whole number, zero or more."))
}

fn yen(field: &str, value: &str) -> Result<Option<u64>, AppError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    hoshi_core::Yen::parse(value).map(|y| Some(y.get())).map_err(|e| AppError::invalid(field, e.message_ja(), e.to_string()))
}

pub(crate) fn email(value: &str) -> Result<String, AppError> {
    let v = value.trim().to_lowercase();
    let ok = v.len() <= 254
        && v.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !v.chars().any(char::is_whitespace);
    if ok {
        Ok(v)
    } else {
        Err(AppError::invalid(
            "email",
            "メールアドレスの形式が正しくありません（例: taro@example.co.jp）。",
            "This is not an email address (e.g. taro@example.co.jp).",
        ))
    }
}

fn password(value: &str) -> Result<&str, AppError> {
    if value.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(
            "password",
            format!("パスワードは{MIN_PASSWORD_CHARS}文字以上にしてください。"),
            format!("Use a password of at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    if value.len() > 1024 {
        return Err(AppError::invalid("password", "パスワードが長すぎます。", "The password is too long."));
    }
    Ok(value)
}

impl OrgInput {
    /// Parses every field; the first problem is reported with its field.
    pub fn parse(&self, roles: Vec<OrgRole>) -> Result<NewOrg, AppError> {
        let corporate_number = CorporateNumber::parse(&self.corporate_number)
            .map_err(|e| AppError::invalid("corporate_number", e.message_ja(), e.to_string()))?;
        Ok(NewOrg {
            corporate_number,
            name_ja: text("name_ja", &self.name_ja, 200, true)?,
            name_en: text("name_en", &self.name_en, 200, true)?,
            prefecture: Prefecture::parse(&self.prefecture)
                .map_err(|_| AppError::invalid("prefecture", "都道府県を選んでください。", "Choose a prefecture."))?,
            address: text("address", &self.address, 300, false)?,
            industry: if self.industry.trim().is_empty() {
                Industry::Other
            } else {
                Industry::parse(&self.industry).map_err(|e| AppError::invalid("industry", "業種を選んでください。", e.to_string()))?
            },
            employees: count("employees", &self.employees)?,
            capital_yen: yen("capital_yen", &self.capital_yen)?,
            roles,
        })
    }
}

async fn hash_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Store(hoshi_store::StoreError::Corrupt(format!("hashing task: {e}"))))?
        .map_err(|e| AppError::Store(hoshi_store::StoreError::Corrupt(format!("hashing: {e}"))))
}

async fn verify_blocking(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
}

async fn actor_for(conn: &mut Conn, user_id: i64, org_id: i64, via: Via) -> Result<Actor, AppError> {
    let user = users::get(conn, user_id).await?;
    let membership = users::memberships(conn, user_id).await?.into_iter().find(|m| m.org_id == org_id).ok_or(AppError::Unauthenticated)?;
    let org = orgs::get(conn, org_id).await?;
    Ok(Actor { user_id, email: user.email, display_name: user.display_name, org, member_role: membership.role, via })
}

impl App {
    // ---- anonymous ----

    /// A company registers itself with its first administrator, who is signed in.
    pub async fn register(&self, r: &Registration) -> Result<SignedIn, AppError> {
        let (user_id, org_id) = self.register_inner(r).await?;
        let mut tx = self.store.begin().await?;
        let signed = self.start_session(&mut tx, user_id, org_id, self.now()).await?;
        tx.commit().await?;
        Ok(signed)
    }

    /// Registration as the public form does it: the same answer (`Ok`) whether the account was
    /// created or its e-mail address or corporate number was already registered, with the same
    /// password hashing either way, and no session (the person signs in next). Only mistakes in
    /// the input itself are reported.
    pub async fn register_quietly(&self, r: &Registration) -> Result<(), AppError> {
        match self.register_inner(r).await {
            Ok(_) => Ok(()),
            Err(AppError::Conflict(_)) => {
                tracing::info!("registration for an e-mail address or corporate number already registered: answered as usual");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The new user's and organisation's ids.
    async fn register_inner(&self, r: &Registration) -> Result<(i64, i64), AppError> {
        let mut roles = Vec::new();
        for key in &r.roles {
            let role = OrgRole::parse(key).map_err(|e| AppError::invalid("roles", "役割を選んでください。", e.to_string()))?;
            if !matches!(role, OrgRole::Supplier | OrgRole::Buyer | OrgRole::Expert) {
                return Err(AppError::invalid(
                    "roles",
                    "評価機関・登録機関・規制当局の役割は、制度運営者が付与します。",
                    "Assessment body, registry operator and regulator roles are granted by the scheme operator.",
                ));
            }
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        if roles.is_empty() {
            return Err(AppError::invalid(
                "roles",
                "サプライヤー・バイヤー・専門家のうち、少なくとも一つを選んでください。",
                "Choose at least one role: supplier, buyer or expert.",
            ));
        }
        let new = r.org.parse(roles)?;
        let display_name = text("display_name", &r.display_name, 100, true)?;
        let email = email(&r.email)?;
        let hash = hash_blocking(password(&r.password)?.to_owned()).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if orgs::by_corporate_number(&mut tx, &new.corporate_number).await?.is_some() {
            return Err(AppError::Conflict(Msg::new(
                format!("法人番号{}の組織はすでに登録されています。組織の管理者に招待を依頼してください。", new.corporate_number),
                format!(
                    "An organisation with corporate number {} is already registered: ask its administrator to invite you.",
                    new.corporate_number
                ),
            )));
        }
        if users::by_email(&mut tx, &email).await?.is_some() {
            return Err(AppError::Conflict(Msg::new(
                format!("メールアドレス{email}はすでに登録されています。サインインしてください。"),
                format!("The email {email} is already registered: sign in instead."),
            )));
        }
        let org = orgs::insert(&mut tx, &new, now).await?;
        let user = users::insert(&mut tx, &email, &display_name, &hash, now).await?;
        users::add_membership(&mut tx, user.id, org.id, MemberRole::Admin, now).await?;
        tx.commit().await?;
        tracing::info!(org = %org.corporate_number, user = user.id, "organisation registered");
        Ok((user.id, org.id))
    }

    async fn start_session(&self, conn: &mut Conn, user_id: i64, org_id: i64, now: i64) -> Result<SignedIn, AppError> {
        let session_token = random_token();
        let csrf_token = random_token();
        sessions::insert(
            conn,
            &sha256_hex(&session_token),
            &sessions::Session { user_id, org_id, csrf_token: csrf_token.clone(), created_at: now, expires_at: now + SESSION_SECS },
        )
        .await?;
        let actor = actor_for(conn, user_id, org_id, Via::Session { csrf_token }).await?;
        Ok(SignedIn { session_token, actor })
    }

    /// Signs in with email and password. Every failure gets the same answer, whatever was
    /// wrong; repeated failures for an email or from an address are slowed, then refused.
    pub async fn sign_in(&self, email_input: &str, password_input: &str, client: &str) -> Result<SignedIn, AppError> {
        // Typos lock an account only from the address that made them; an address (an office
        // behind one NAT) only after many failures over any accounts; see `limiter`.
        let email = email_input.trim().to_lowercase();
        let (pair_key, email_key, client_key) = (format!("pair:{email}|{client}"), format!("email:{email}"), format!("client:{client}"));
        // Stored hashed: the database never holds the address or e-mail behind a count.
        let hashed = [sha256_hex(&pair_key), sha256_hex(&email_key), sha256_hex(&client_key)];
        let rules = [
            (hashed[0].as_str(), crate::limiter::ACCOUNT_FROM_ADDRESS),
            (hashed[1].as_str(), crate::limiter::ACCOUNT),
            (hashed[2].as_str(), crate::limiter::ADDRESS),
        ];
        let counts: HashMap<String, (u32, i64)> = {
            let mut conn = self.store.pool().acquire().await?;
            hoshi_store::limits::failures(&mut conn, &hashed)
                .await?
                .into_iter()
                .map(|(k, n, first)| (k, (u32::try_from(n).unwrap_or(u32::MAX), first)))
                .collect()
        };
        match crate::limiter::verdict(|k| counts.get(k).copied(), &rules, self.now()) {
            Verdict::Refuse { retry_after } => return Err(AppError::TooManyAttempts(retry_after)),
            Verdict::Proceed { delay_secs } if delay_secs > 0 => {
                tokio::time::sleep(std::time::Duration::from_secs(delay_secs)).await;
            }
            Verdict::Proceed { .. } => {}
        }
        let wrong =
            || AppError::invalid("email", "メールアドレスまたはパスワードが正しくありません。", "The email or password is not correct.");
        let mut conn = self.store.pool().acquire().await?;
        let user = users::by_email(&mut conn, email_input).await?;
        let hash = user.as_ref().map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
        let ok = verify_blocking(password_input.to_owned(), hash).await && user.is_some();
        let membership = match &user {
            Some(u) if ok => users::memberships(&mut conn, u.id).await?.into_iter().next(),
            _ => None,
        };
        let (Some(user), Some(m)) = (user, membership) else {
            let mut tx = self.store.begin().await?;
            hoshi_store::limits::add_failure(&mut tx, &hashed, self.now(), crate::limiter::WINDOW).await?;
            tx.commit().await?;
            tracing::info!("sign-in failed");
            return Err(wrong());
        };
        let now = self.now();
        let mut tx = self.store.begin().await?;
        hoshi_store::limits::clear(&mut tx, &hashed[..2]).await?;
        let _ = sessions::delete_expired(&mut tx, now).await?;
        let signed = self.start_session(&mut tx, user.id, m.org_id, now).await?;
        tx.commit().await?;
        Ok(signed)
    }

    /// A person acting through the system itself (demo seeding, operator commands): their first
    /// organisation, as a session without a CSRF token.
    pub(crate) async fn system_actor(&self, email: &str) -> Result<Actor, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let user = users::by_email(&mut conn, email)
            .await?
            .ok_or_else(|| AppError::not_found("利用者がいません。", format!("No user {email}.")))?;
        let m = users::memberships(&mut conn, user.id).await?.into_iter().next().ok_or(AppError::Unauthenticated)?;
        actor_for(&mut conn, user.id, m.org_id, Via::Session { csrf_token: String::new() }).await
    }

    /// The actor behind a session cookie, if the session is live.
    pub async fn session_actor(&self, session_token: &str) -> Result<Actor, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let s = sessions::get_live(&mut conn, &sha256_hex(session_token), self.now()).await?.ok_or(AppError::Unauthenticated)?;
        actor_for(&mut conn, s.user_id, s.org_id, Via::Session { csrf_token: s.csrf_token }).await
    }

    /// The actor behind an API token (`Authorization: Bearer hoshi_…`); records its use.
    pub async fn token_actor(&self, token: &str) -> Result<Actor, AppError> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Err(AppError::Unauthenticated);
        }
        let mut tx = self.store.begin().await?;
        let t = tokens::use_live(&mut tx, &sha256_hex(token), self.now()).await?.ok_or(AppError::Unauthenticated)?;
        let actor = actor_for(&mut tx, t.created_by, t.org_id, Via::Token { token_id: t.id, scope: t.scope }).await;
        tx.commit().await?;
        actor
    }

    /// Ends a session. Unknown sessions are ignored.
    pub async fn sign_out(&self, session_token: &str) -> Result<(), AppError> {
        let mut conn = self.store.pool().acquire().await?;
        sessions::delete(&mut conn, &sha256_hex(session_token)).await?;
        Ok(())
    }

    /// What an invitation link offers, before it is accepted.
    pub async fn invitation(&self, token: &str) -> Result<(Invitation, Org), AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let inv = invitations::open_by_hash(&mut conn, &sha256_hex(token), self.now()).await?.ok_or_else(|| {
            AppError::not_found(
                "この招待は見つからないか、期限切れか、すでに使われています。管理者に新しい招待を依頼してください。",
                "This invitation does not exist, has expired or was already used: ask the administrator for a new one.",
            )
        })?;
        let org = orgs::get(&mut conn, inv.org_id).await?;
        Ok((inv, org))
    }

    /// Accepts an invitation: creates the person's account (or, for an existing account,
    /// checks its password) and signs them in to the inviting organisation.
    pub async fn accept_invitation(&self, token: &str, display_name: &str, password_input: &str) -> Result<SignedIn, AppError> {
        let (inv, org) = self.invitation(token).await?;
        let now = self.now();
        let mut conn = self.store.pool().acquire().await?;
        let existing = users::by_email(&mut conn, &inv.email).await?;
        drop(conn);
        let user_id_or_hash = match existing {
            Some(u) => {
                if !verify_blocking(password_input.to_owned(), u.password_hash.clone()).await {
                    return Err(AppError::invalid(
                        "password",
                        "このメールアドレスはすでに登録されています。そのアカウントのパスワードを入力してください。",
                        "This email already has an account: enter that account's password.",
                    ));
                }
                Ok(u.id)
            }
            None => Err(hash_blocking(password(password_input)?.to_owned()).await?),
        };
        let mut tx = self.store.begin().await?;
        let user_id = match user_id_or_hash {
            Ok(id) => id,
            Err(hash) => {
                let name = text("display_name", display_name, 100, true)?;
                users::insert(&mut tx, &inv.email, &name, &hash, now).await?.id
            }
        };
        users::add_membership(&mut tx, user_id, org.id, inv.role, now).await?;
        invitations::mark_accepted(&mut tx, inv.id, now).await?;
        let who = Who { user: Some(user_id), label: inv.email.clone(), org: org.corporate_number.to_string() };
        let detail = json!({"invitation": inv.id, "role": inv.role.key()});
        audit::record(&mut tx, &who, Action::MemberJoined, &inv.email, detail, now).await?;
        let signed = self.start_session(&mut tx, user_id, org.id, now).await?;
        tx.commit().await?;
        Ok(signed)
    }

    // ---- signed in ----

    /// The actor's organisation with members, invitations and tokens (the last two for admins).
    pub async fn org_view(&self, actor: &Actor, org_id: i64) -> Result<OrgView, AppError> {
        actor.require_own_org(org_id)?;
        let mut conn = self.store.pool().acquire().await?;
        let org = orgs::get(&mut conn, org_id).await?;
        let admin = actor.is_admin();
        Ok(OrgView {
            is_sme: is_sme(org.industry, org.employees, org.capital_yen),
            members: users::members_of(&mut conn, org_id).await?,
            invitations: if admin { invitations::list_for_org(&mut conn, org_id).await? } else { Vec::new() },
            tokens: if admin { tokens::list_for_org(&mut conn, org_id).await? } else { Vec::new() },
            org,
        })
    }

    /// The organisation's API tokens (administrators only).
    pub async fn list_tokens(&self, actor: &Actor, org_id: i64) -> Result<Vec<ApiToken>, AppError> {
        actor.require_own_org(org_id)?;
        actor.require_admin()?;
        let mut conn = self.store.pool().acquire().await?;
        Ok(tokens::list_for_org(&mut conn, org_id).await?)
    }

    /// Changes the organisation's profile (not its corporate number or roles). Admins only.
    pub async fn update_org(&self, actor: &Actor, org_id: i64, input: &OrgInput) -> Result<Org, AppError> {
        actor.require_own_org(org_id)?;
        actor.require_admin()?;
        let mut with_number = input.clone();
        with_number.corporate_number = actor.org.corporate_number.to_string();
        let parsed = with_number.parse(actor.org.roles.clone())?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut org = orgs::get(&mut tx, org_id).await?;
        let renamed = org.name_ja != parsed.name_ja || org.name_en != parsed.name_en;
        // The name the operator checked and a certificate carries changes only when the
        // operator approves it; the rest of the profile changes at once.
        if renamed && self.name_is_guarded(&mut tx, org.id).await? {
            let change = orgs::request_name_change(
                &mut tx,
                &orgs::NameChange {
                    id: 0,
                    org_id: org.id,
                    name_ja: parsed.name_ja.clone(),
                    name_en: parsed.name_en.clone(),
                    old_name_ja: org.name_ja.clone(),
                    old_name_en: org.name_en.clone(),
                    requested_by: Some(actor.user_id),
                    requested_at: now,
                    status: "pending".into(),
                    decided_by: String::new(),
                    decided_at: None,
                    reason: String::new(),
                },
            )
            .await?;
            let detail = json!({"request": change.id, "from": [org.name_ja, org.name_en], "to": [change.name_ja, change.name_en]});
            audit::record(&mut tx, &Who::of(actor), Action::NameChangeRequested, &org.corporate_number.to_string(), detail, now).await?;
        } else {
            org.name_ja = parsed.name_ja;
            org.name_en = parsed.name_en;
        }
        org.prefecture = parsed.prefecture;
        org.address = parsed.address;
        org.industry = parsed.industry;
        org.employees = parsed.employees;
        org.capital_yen = parsed.capital_yen;
        orgs::update_profile(&mut tx, &org).await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Invites a person by email. Returns the invitation and its one-time token (for the link).
    pub async fn invite(&self, actor: &Actor, email_input: &str, role: &str) -> Result<(Invitation, String), AppError> {
        actor.require_admin()?;
        let email = email(email_input)?;
        let role = MemberRole::parse(role).map_err(|e| AppError::invalid("role", "役割を選んでください。", e.to_string()))?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if users::members_of(&mut tx, actor.org.id).await?.iter().any(|(u, _)| u.email == email) {
            return Err(AppError::Conflict(Msg::new(
                format!("{email}はすでにこの組織のメンバーです。"),
                format!("{email} is already a member of this organisation."),
            )));
        }
        let token = random_token();
        let inv = invitations::insert(&mut tx, actor.org.id, &email, role, &sha256_hex(&token), actor.user_id, now, now + INVITATION_SECS)
            .await?;
        audit::record(&mut tx, &Who::of(actor), Action::MemberInvited, &email, json!({"role": role.key()}), now).await?;
        tx.commit().await?;
        Ok((inv, token))
    }

    /// Creates an API token. The plain token is returned once and never stored.
    pub async fn create_token(&self, actor: &Actor, name: &str, scope: &str) -> Result<(ApiToken, String), AppError> {
        actor.require_admin()?;
        let name = text("name", name, 100, true)?;
        let scope = TokenScope::parse(scope).map_err(|e| AppError::invalid("scope", "権限を選んでください。", e.to_string()))?;
        let plain = format!("{TOKEN_PREFIX}{}", random_token());
        let prefix: String = plain.chars().take(TOKEN_PREFIX.len() + 6).collect();
        let mut tx = self.store.begin().await?;
        let t = tokens::insert(&mut tx, actor.org.id, &name, &sha256_hex(&plain), &prefix, scope, actor.user_id, self.now()).await?;
        let detail = json!({"token": t.id, "name": name, "scope": scope.key(), "prefix": prefix});
        audit::record(&mut tx, &Who::of(actor), Action::TokenCreated, &actor.org.corporate_number.to_string(), detail, self.now()).await?;
        tx.commit().await?;
        Ok((t, plain))
    }

    /// Revokes one of the organisation's tokens. Revoking twice is refused with a reason.
    pub async fn revoke_token(&self, actor: &Actor, token_id: i64) -> Result<(), AppError> {
        actor.require_admin()?;
        let mut tx = self.store.begin().await?;
        let revoked = tokens::revoke(&mut tx, actor.org.id, token_id, self.now()).await.map_err(|e| match e {
            hoshi_store::StoreError::NotFound => AppError::not_found("APIトークンが見つかりません。", "No such API token."),
            other => other.into(),
        })?;
        if !revoked {
            return Err(AppError::Conflict(Msg::new("このAPIトークンはすでに無効化されています。", "This API token is already revoked.")));
        }
        let target = actor.org.corporate_number.to_string();
        audit::record(&mut tx, &Who::of(actor), Action::TokenRevoked, &target, json!({"token": token_id}), self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- operator commands (CLI; the caller is the machine's administrator) ----

    /// Creates an organisation (any roles). For the command line and the demo.
    pub async fn admin_create_org(&self, new: &NewOrg) -> Result<Org, AppError> {
        let mut tx = self.store.begin().await?;
        let org = orgs::insert(&mut tx, new, self.now()).await?;
        let detail = json!({"name_ja": org.name_ja, "roles": org.roles.iter().map(|r| r.key()).collect::<Vec<_>>()});
        audit::record(&mut tx, &Who::console(), Action::OrgCreated, &org.corporate_number.to_string(), detail, self.now()).await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Every organisation. For the command line.
    pub async fn admin_list_orgs(&self) -> Result<Vec<Org>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(orgs::list(&mut conn).await?)
    }

    /// Adds a person to an organisation (by corporate number), creating the account.
    pub async fn admin_add_user(
        &self,
        email_input: &str,
        display_name: &str,
        password_input: &str,
        org: &CorporateNumber,
        role: MemberRole,
    ) -> Result<User, AppError> {
        let email = email(email_input)?;
        let name = text("display_name", display_name, 100, true)?;
        let hash = hash_blocking(password(password_input)?.to_owned()).await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let o = orgs::by_corporate_number(&mut tx, org).await?.ok_or_else(|| {
            AppError::not_found(
                format!("法人番号{org}の組織はありません。"),
                format!("There is no organisation with corporate number {org}."),
            )
        })?;
        let user = users::insert(&mut tx, &email, &name, &hash, now).await?;
        users::add_membership(&mut tx, user.id, o.id, role, now).await?;
        let detail = json!({"organisation": o.corporate_number.to_string(), "role": role.key()});
        audit::record(&mut tx, &Who::console(), Action::UserAdded, &email, detail, now).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Every person with their organisations. For the command line.
    pub async fn admin_list_users(&self) -> Result<Vec<(User, Vec<(String, MemberRole)>)>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(users::list(&mut conn).await?)
    }

    /// Creates an API token for a person's organisation (operator command for machine clients).
    pub async fn admin_create_token(&self, email: &str, name: &str, scope: &str) -> Result<(ApiToken, String), AppError> {
        let actor = self.system_actor(email).await?;
        if actor.member_role != MemberRole::Admin {
            return Err(AppError::forbidden(
                "トークンは組織の管理者に発行します。",
                "Tokens are issued to an administrator of the organisation.",
            ));
        }
        self.create_token(&actor, name, scope).await
    }

    /// Sets a new password and ends the person's sessions.
    pub async fn admin_reset_password(&self, email_input: &str, password_input: &str) -> Result<(), AppError> {
        let hash = hash_blocking(password(password_input)?.to_owned()).await?;
        let mut tx = self.store.begin().await?;
        let user = users::by_email(&mut tx, email_input).await?.ok_or_else(|| {
            AppError::not_found("そのメールアドレスの利用者はいません。", format!("There is no user with email {}.", email_input.trim()))
        })?;
        users::set_password_hash(&mut tx, user.id, &hash).await?;
        sessions::delete_for_user(&mut tx, user.id).await?;
        audit::record(&mut tx, &Who::console(), Action::PasswordReset, &user.email, json!({"sessions_ended": true}), self.now()).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A fresh random CSRF token (for anonymous forms' double-submit cookie).
pub fn new_csrf_token() -> String {
    random_token()
}

impl App {
    /// How many organisations are registered (the registry operator's and regulator's view).
    pub async fn registered_org_count(&self, actor: &Actor) -> Result<usize, AppError> {
        if !(actor.has_role(OrgRole::RegistryOperator) || actor.has_role(OrgRole::Regulator)) {
            return Err(AppError::forbidden(
                "この情報は登録機関と規制当局だけが見られます。",
                "Only the registry operator and the regulator can see this.",
            ));
        }
        let mut conn = self.store.pool().acquire().await?;
        Ok(orgs::list(&mut conn).await?.len())
    }
}
