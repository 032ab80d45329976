//! The trust behind every certificate: organisations verified by the registry operator,
//! claims on a corporate number someone else registered, and the accreditation of security
//! experts and assessment bodies, with the public directory of approved providers.
//!
//! Rules decided here:
//! - An organisation is unverified until the operator records a document check (what was
//!   checked, by whom, when). Unverified organisations may self-assess and try everything, but
//!   cannot apply for certification, be approved as a provider, or appear verified to buyers.
//! - A provider may be engaged, review, confirm or assess only while approved on the day
//!   (`hoshi_core::accreditation::approved_at`) and while its organisation is verified.
//! - Every approval, suspension, reinstatement, withdrawal and expiry of a provider is an
//!   event in the transparency log, written in the same transaction as the decision.
//!
//! Verification is by documents today. A government identity provider (gBizID through OpenID
//! Connect) would record a verification with `method = "gbizid"` and the `sub` it vouched for
//! in `checked`: the rules above read only whether the latest decision is `verified`.

use hoshi_core::accreditation::{self as acc, Kind, State};
use hoshi_core::audit::Action;
use hoshi_core::org::OrgRole;
use hoshi_core::time::{jst_date_string, parse_date, rfc3339, valid_until};
use hoshi_core::CorporateNumber;
use hoshi_store::orgs::{self, Org};
use hoshi_store::trust::{self as db, Accreditation, Claim, Decision, OrgDocument, Verification};
use hoshi_store::{assessments as adb, invitations, Conn};
use serde::Serialize;
use serde_json::json;

use crate::assessment::accepted_file;
use crate::audit::{self, Who};
use crate::secrets::{random_token, sha256_hex};
use crate::{Actor, App, AppError, Msg};

pub(crate) fn require_operator(actor: &Actor) -> Result<(), AppError> {
    if actor.has_role(OrgRole::RegistryOperator) {
        actor.require_write()
    } else {
        Err(AppError::forbidden("この操作は登録機関だけが行えます。", "Only the registry operator can do this."))
    }
}

/// How many organisations of each kind (with and without a document) the verification queue shows.
pub const QUEUE_PAGE: i64 = 100;

/// Who decided, as the record shows it.
fn decider(actor: Option<&Actor>) -> (Option<i64>, String) {
    match actor {
        Some(a) => (Some(a.user_id), format!("{} <{}>", a.display_name, a.email)),
        None => (None, "hoshi (command line)".to_owned()),
    }
}

/// What an organisation's verification looks like now.
#[derive(Debug, Clone)]
pub struct VerificationStatus {
    /// The latest decision, when it verified the organisation.
    pub verified: Option<Verification>,
    pub history: Vec<Verification>,
    pub documents: Vec<OrgDocument>,
    pub claims: Vec<Claim>,
}

/// An accreditation with its decisions and its state as of now.
#[derive(Debug, Clone)]
pub struct ProviderRecord {
    pub accreditation: Accreditation,
    pub org: Org,
    pub state: State,
    pub kind: Kind,
    pub decisions: Vec<Decision>,
    pub verified: bool,
}

/// One entry of the public directory of approved providers.
#[derive(Debug, Clone, Serialize)]
pub struct DirectoryEntry {
    pub kind: String,
    pub corporate_number: String,
    pub name_ja: String,
    pub name_en: String,
    pub prefecture: String,
    pub regions: String,
    pub qualification: String,
    pub number: String,
    pub technical_verification: bool,
    pub valid_from: String,
    pub valid_until: String,
}

/// What a provider applies with.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AccreditationInput {
    /// `expert` or `assessment_body` (from the organisation's role when empty).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub qualification: String,
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub training_completed_on: String,
    #[serde(default)]
    pub technical_verification: Option<String>,
    /// For experts: the registration's own end date (YYYY-MM-DD).
    #[serde(default)]
    pub valid_until: String,
}

/// The end of a JST calendar day given as YYYY-MM-DD.
fn end_of_day(date: &str) -> Option<i64> {
    let d = parse_date(date)?;
    let (y, m, day) = (d[0..4].parse().ok()?, d[5..7].parse().ok()?, d[8..10].parse().ok()?);
    Some(hoshi_core::time::days_from_civil(y, m, day) * 86_400 + 86_400 - 9 * 3600 - 1)
}

pub(crate) async fn latest_verification(conn: &mut Conn, org_id: i64) -> Result<Option<Verification>, AppError> {
    Ok(db::verifications(conn, org_id).await?.into_iter().last().filter(|v| v.action == "verified"))
}

fn unverified_error(org: &Org) -> AppError {
    AppError::forbidden(
        format!("{}はまだ登録機関による本人確認（登記事項証明書などの確認）が済んでいません。組織のページから書類を提出してください。", org.name_ja),
        format!("{} has not been verified by the registry operator yet (a check of its certificate of registered matters or similar): submit a document from the organisation page.", org.name_en),
    )
}

fn provider_event(kind: &str, a: &Accreditation, org: &Org, reason: &str, at: i64) -> Vec<u8> {
    json!({
        "type": "hoshi.registry.provider.v1",
        "event": kind,
        "corporate_number": org.corporate_number.to_string(),
        "name": org.name_ja,
        "kind": a.kind,
        "number": a.number,
        "technical_verification": a.technical_verification != 0,
        "valid_from": a.valid_from.map(jst_date_string),
        "valid_until": a.valid_until.map(jst_date_string),
        "reason": reason,
        "at": rfc3339(at),
    })
    .to_string()
    .into_bytes()
}

fn history(decisions: &[Decision]) -> Vec<acc::Decision> {
    decisions
        .iter()
        .filter_map(|d| {
            Some(acc::Decision { state: State::parse(&d.status)?, at: d.decided_at, valid_from: d.valid_from, valid_until: d.valid_until })
        })
        .collect()
}

/// Was the organisation approved as this kind of provider at `t`, and is it verified?
pub(crate) async fn provider_approved_at(conn: &mut Conn, org_id: i64, kind: Kind, t: i64) -> Result<bool, AppError> {
    if latest_verification(conn, org_id).await?.is_none() {
        return Ok(false);
    }
    for a in db::accreditations_of_org(conn, org_id).await? {
        if a.kind == kind.key() {
            return Ok(acc::approved_at(&history(&db::decisions(conn, a.id).await?), t));
        }
    }
    Ok(false)
}

/// Whether an assessment body's designation includes technical verification.
pub(crate) async fn may_verify_technically(conn: &mut Conn, org_id: i64) -> Result<bool, AppError> {
    Ok(db::accreditations_of_org(conn, org_id).await?.iter().any(|a| a.kind == Kind::AssessmentBody.key() && a.technical_verification != 0))
}

/// The error when a provider is not approved.
pub(crate) fn not_approved_error(org: &Org, kind: Kind) -> AppError {
    AppError::forbidden(
        format!(
            "{}は登録機関が承認した{}ではありません（未承認・停止・取消・期限切れ）。承認された相手を名簿から選んでください。",
            org.name_ja,
            kind.name(true)
        ),
        format!(
            "{} is not an approved {} (not yet approved, suspended, withdrawn or expired): choose an approved provider from the directory.",
            org.name_en,
            kind.name(false).to_lowercase()
        ),
    )
}

impl App {
    // ---- organisation verification ----

    /// The actor's own organisation's verification, documents and claims.
    pub async fn my_verification(&self, actor: &Actor) -> Result<VerificationStatus, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        self.my_verification_of(&mut conn, actor.org.id).await
    }

    pub(crate) async fn my_verification_of(&self, conn: &mut Conn, org_id: i64) -> Result<VerificationStatus, AppError> {
        let history = db::verifications(conn, org_id).await?;
        Ok(VerificationStatus {
            verified: history.last().filter(|v| v.action == "verified").cloned(),
            history,
            documents: db::documents(conn, org_id).await?,
            claims: db::claims(conn, None, Some(org_id)).await?,
        })
    }

    /// Whether an organisation is verified (for pages that show it to buyers and the public).
    pub async fn is_verified(&self, org_id: i64) -> Result<bool, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(latest_verification(&mut conn, org_id).await?.is_some())
    }

    /// Whether the organisation registered under a corporate number is verified (`None` when no
    /// organisation holds it): what a buyer sees of a supplier, what the public sees of a company.
    pub async fn verified_number(&self, corporate_number: &str) -> Result<Option<bool>, AppError> {
        let Ok(cn) = CorporateNumber::parse(corporate_number) else { return Ok(None) };
        let mut conn = self.store.pool().acquire().await?;
        match orgs::by_corporate_number(&mut conn, &cn).await? {
            Some(o) => Ok(Some(latest_verification(&mut conn, o.id).await?.is_some())),
            None => Ok(None),
        }
    }

    /// An administrator uploads a document for the operator's check (登記事項証明書 or similar).
    pub async fn upload_verification_document(&self, actor: &Actor, filename: &str, bytes: &[u8]) -> Result<String, AppError> {
        actor.require_admin()?;
        let (sha, name) = self.store_file(filename, bytes).await?;
        let mut tx = self.store.begin().await?;
        db::add_document(&mut tx, actor.org.id, &sha, &name, actor.user_id, self.now()).await?;
        tx.commit().await?;
        Ok(sha)
    }

    /// Stores a document under the evidence files' rules; its SHA-256 and cleaned name.
    async fn store_file(&self, filename: &str, bytes: &[u8]) -> Result<(String, String), AppError> {
        let (ct, name) = accepted_file(filename, bytes, "document")?;
        let sha = sha256_hex(bytes);
        let mut tx = self.store.begin().await?;
        adb::put_file(&mut tx, &sha, ct, bytes, self.now()).await?;
        tx.commit().await?;
        Ok((sha, name))
    }

    /// A verification document or claim document, for the operator or the organisation itself.
    pub async fn verification_document(&self, actor: &Actor, org_id: i64, sha256: &str) -> Result<(String, Vec<u8>, String), AppError> {
        let operator = actor.has_role(OrgRole::RegistryOperator);
        if !operator {
            actor.require_own_org(org_id)?;
        }
        let mut conn = self.store.pool().acquire().await?;
        let mut name = db::documents(&mut conn, org_id).await?.into_iter().find(|d| d.sha256 == sha256).map(|d| d.filename);
        if name.is_none() && operator {
            name = db::claims(&mut conn, None, Some(org_id))
                .await?
                .into_iter()
                .find(|c| c.document_sha256.as_deref() == Some(sha256))
                .map(|c| c.document_name);
        }
        let name = name.ok_or_else(|| AppError::not_found("書類が見つかりません。", "No such document."))?;
        let (ct, bytes) = adb::file(&mut conn, sha256).await?;
        drop(conn);
        if operator {
            // The operator reading another organisation's registration papers (names, addresses).
            let detail = json!({"what": "verification document", "organisation": org_id, "sha256": sha256, "filename": name});
            self.record_audit(&Who::of(actor), Action::PersonalDataExported, &format!("org:{org_id}"), detail).await?;
        }
        Ok((ct, bytes, name))
    }

    /// Organisations waiting for verification (no verified decision), with their documents.
    pub async fn verification_queue(&self, actor: &Actor) -> Result<Vec<(Org, Vec<OrgDocument>)>, AppError> {
        require_operator(actor)?;
        let mut conn = self.store.pool().acquire().await?;
        // Those who sent a document first, then the newest registrations; a page of each.
        let mut ids = db::unverified_org_ids(&mut conn, true, QUEUE_PAGE).await?;
        ids.extend(db::unverified_org_ids(&mut conn, false, QUEUE_PAGE).await?);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let o = orgs::get(&mut conn, id).await?;
            let docs = db::documents(&mut conn, id).await?;
            out.push((o, docs));
        }
        Ok(out)
    }

    /// The operator verifies (or withdraws the verification of) an organisation, recording what
    /// was checked. `actor` = `None` is the machine's administrator (`hoshi orgs verify`).
    pub async fn verify_org(
        &self,
        actor: Option<&Actor>,
        cn: &CorporateNumber,
        verified: bool,
        checked: &str,
        document: Option<&str>,
    ) -> Result<Verification, AppError> {
        if let Some(a) = actor {
            require_operator(a)?;
        }
        let checked = checked.trim();
        if checked.is_empty() {
            return Err(AppError::invalid(
                "checked",
                "確認した内容を書いてください（例: 登記事項証明書 2026-11-20発行、商号・本店所在地が一致）。",
                "Write what was checked (e.g. certificate of registered matters issued 2026-11-20; name and head office match).",
            ));
        }
        let mut tx = self.store.begin().await?;
        let org = orgs::by_corporate_number(&mut tx, cn).await?.ok_or_else(|| {
            AppError::not_found(
                format!("法人番号{cn}の組織はありません。"),
                format!("There is no organisation with corporate number {cn}."),
            )
        })?;
        let document = document.map(str::trim).filter(|d| !d.is_empty());
        if let Some(d) = document {
            if !db::documents(&mut tx, org.id).await?.iter().any(|x| x.sha256 == d) {
                return Err(AppError::invalid(
                    "document",
                    "その書類はこの組織から提出されていません。",
                    "That document was not submitted by this organisation.",
                ));
            }
        }
        let (by_user, by) = decider(actor);
        let v = Verification {
            id: 0,
            org_id: org.id,
            action: if verified { "verified" } else { "unverified" }.into(),
            method: "document".into(),
            checked: checked.chars().take(1000).collect(),
            document_sha256: document.map(str::to_owned),
            decided_by_user: by_user,
            decided_by: by,
            decided_at: self.now(),
        };
        db::add_verification(&mut tx, &v).await?;
        let action = if verified { Action::OrgVerified } else { Action::OrgVerificationWithdrawn };
        let detail = json!({"method": v.method, "checked": v.checked, "document_sha256": v.document_sha256});
        audit::record(&mut tx, &Who::from(actor), action, &cn.to_string(), detail, v.decided_at).await?;
        tx.commit().await?;
        Ok(v)
    }

    // ---- claims ----

    /// Anyone may claim that a registered corporate number is theirs; the operator resolves it.
    pub async fn file_claim(
        &self,
        corporate_number: &str,
        name: &str,
        email_input: &str,
        statement: &str,
        document: Option<(&str, &[u8])>,
    ) -> Result<Claim, AppError> {
        let cn =
            CorporateNumber::parse(corporate_number).map_err(|e| AppError::invalid("corporate_number", e.message_ja(), e.to_string()))?;
        let email = crate::accounts::email(email_input)?;
        let name = name.trim();
        if name.is_empty() || statement.trim().is_empty() {
            return Err(AppError::invalid(
                "statement",
                "お名前と、その法人番号が貴社のものである理由を書いてください。",
                "Write your name and why the corporate number is your company's.",
            ));
        }
        let doc = match document {
            Some((f, b)) if !b.is_empty() => Some(self.store_file(f, b).await?),
            _ => None,
        };
        let mut tx = self.store.begin().await?;
        let org = orgs::by_corporate_number(&mut tx, &cn).await?.ok_or_else(|| {
            AppError::invalid(
                "corporate_number",
                format!("法人番号{cn}はまだ登録されていません。そのまま登録できます。"),
                format!("Corporate number {cn} is not registered yet: you can register it yourself."),
            )
        })?;
        let c = db::insert_claim(
            &mut tx,
            &Claim {
                id: 0,
                org_id: org.id,
                claimant_name: name.chars().take(200).collect(),
                claimant_email: email,
                statement: statement.trim().chars().take(4000).collect(),
                document_sha256: doc.as_ref().map(|d| d.0.clone()),
                document_name: doc.map(|d| d.1).unwrap_or_default(),
                status: "open".into(),
                resolution: String::new(),
                created_at: self.now(),
                resolved_by: String::new(),
                resolved_at: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Open claims with the organisation they concern.
    pub async fn open_claims(&self, actor: &Actor) -> Result<Vec<(Claim, Org)>, AppError> {
        require_operator(actor)?;
        let mut conn = self.store.pool().acquire().await?;
        let mut out = Vec::new();
        for c in db::claims(&mut conn, Some("open"), None).await? {
            let o = orgs::get(&mut conn, c.org_id).await?;
            out.push((c, o));
        }
        Ok(out)
    }

    /// The operator upholds or rejects a claim. Upheld: everyone who acted for the organisation
    /// loses access, its verification is withdrawn, and the claimant is invited as its
    /// administrator (the invitation's token is returned once, for the operator to deliver).
    pub async fn resolve_claim(&self, actor: &Actor, claim_id: i64, uphold: bool, resolution: &str) -> Result<Option<String>, AppError> {
        require_operator(actor)?;
        let resolution = resolution.trim();
        if resolution.is_empty() {
            return Err(AppError::invalid(
                "resolution",
                "判断の理由を書いてください（記録に残ります）。",
                "Write the reason for the decision (it is recorded).",
            ));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let c = db::claim(&mut tx, claim_id).await.map_err(|_| AppError::not_found("申立てが見つかりません。", "No such claim."))?;
        if c.status != "open" {
            return Err(AppError::Conflict(Msg::new("この申立てはすでに判断済みです。", "This claim was already resolved.")));
        }
        let (_, by) = decider(Some(actor));
        db::resolve_claim(&mut tx, c.id, if uphold { "upheld" } else { "rejected" }, resolution, &by, now).await?;
        let mut token = None;
        if uphold {
            db::remove_members(&mut tx, c.org_id, now).await?;
            db::add_verification(
                &mut tx,
                &Verification {
                    id: 0,
                    org_id: c.org_id,
                    action: "unverified".into(),
                    method: "claim".into(),
                    checked: format!("claim #{} upheld: {resolution}", c.id),
                    document_sha256: c.document_sha256.clone(),
                    decided_by_user: Some(actor.user_id),
                    decided_by: by,
                    decided_at: now,
                },
            )
            .await?;
            let t = random_token();
            invitations::insert(
                &mut tx,
                c.org_id,
                &c.claimant_email,
                hoshi_core::org::MemberRole::Admin,
                &sha256_hex(&t),
                actor.user_id,
                now,
                now + crate::accounts::INVITATION_SECS,
            )
            .await?;
            token = Some(t);
        }
        let org = orgs::get(&mut tx, c.org_id).await?;
        let detail = json!({"claim": c.id, "upheld": uphold, "resolution": resolution, "claimant": c.claimant_email});
        audit::record(&mut tx, &Who::of(actor), Action::ClaimResolved, &org.corporate_number.to_string(), detail, now).await?;
        tx.commit().await?;
        Ok(token)
    }

    // ---- accreditation ----

    /// An expert's or assessment body's administrator applies (or applies again) for accreditation.
    pub async fn apply_accreditation(&self, actor: &Actor, input: &AccreditationInput) -> Result<Accreditation, AppError> {
        actor.require_admin()?;
        let kind = match Kind::parse(input.kind.trim()) {
            Some(k) => k,
            None if actor.has_role(OrgRole::AssessmentBody) => Kind::AssessmentBody,
            None => Kind::Expert,
        };
        let role = if kind == Kind::AssessmentBody { OrgRole::AssessmentBody } else { OrgRole::Expert };
        if !actor.has_role(role) {
            return Err(AppError::forbidden(
                "専門家または評価機関の役割を持つ組織だけが承認を申請できます。",
                "Only organisations with the expert or assessment-body role can apply for accreditation.",
            ));
        }
        let clip = |v: &str, n: usize| v.trim().chars().take(n).collect::<String>();
        let qualification = clip(&input.qualification, 200);
        let number = clip(&input.number, 50);
        if qualification.is_empty() {
            return Err(AppError::invalid(
                "qualification",
                if kind == Kind::Expert {
                    "資格を入力してください（例: 情報処理安全確保支援士）。"
                } else {
                    "指定の根拠を入力してください（例: SCS評価制度 評価機関指定）。"
                },
                if kind == Kind::Expert {
                    "Enter the qualification (e.g. Registered Information Security Specialist)."
                } else {
                    "Enter the basis of designation."
                },
            ));
        }
        if number.is_empty() {
            return Err(AppError::invalid(
                "number",
                format!("{}を入力してください。", kind.number_name(true)),
                format!("Enter the {}.", kind.number_name(false).to_lowercase()),
            ));
        }
        let training = if input.training_completed_on.trim().is_empty() {
            String::new()
        } else {
            parse_date(&input.training_completed_on).ok_or_else(|| {
                AppError::invalid(
                    "training_completed_on",
                    "研修の修了日はYYYY-MM-DDで入力してください。",
                    "Enter the training completion date as YYYY-MM-DD.",
                )
            })?
        };
        if kind == Kind::Expert && training.is_empty() {
            return Err(AppError::invalid(
                "training_completed_on",
                "指定研修の修了日を入力してください（修了していない専門家は承認されません）。",
                "Enter the date you completed the designated training (experts without it are not approved).",
            ));
        }
        let until = if input.valid_until.trim().is_empty() {
            None
        } else {
            Some(end_of_day(&input.valid_until).ok_or_else(|| {
                AppError::invalid("valid_until", "有効期限はYYYY-MM-DDで入力してください。", "Enter the end of validity as YYYY-MM-DD.")
            })?)
        };
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if let Some(existing) = db::accreditations_of_org(&mut tx, actor.org.id).await?.into_iter().find(|a| a.kind == kind.key()) {
            if acc::effective(State::parse(&existing.status).unwrap_or(State::Applied), existing.valid_until, now) == State::Approved {
                return Err(AppError::Conflict(Msg::new(
                    "承認済みです。内容を変えるには、登録機関に停止または取消を依頼してから申請し直してください。",
                    "Already approved: to change it, ask the operator to suspend or withdraw it, then apply again.",
                )));
            }
        }
        let a = db::put_accreditation(
            &mut tx,
            &Accreditation {
                id: 0,
                org_id: actor.org.id,
                kind: kind.key().into(),
                qualification,
                number,
                training_completed_on: training,
                technical_verification: i64::from(kind == Kind::AssessmentBody && input.technical_verification.is_some()),
                valid_from: None,
                valid_until: until,
                status: State::Applied.key().into(),
                applied_by: actor.user_id,
                applied_at: now,
                updated_at: now,
            },
        )
        .await?;
        let (by_user, by) = decider(Some(actor));
        db::add_decision(
            &mut tx,
            &Decision {
                id: 0,
                accreditation_id: a.id,
                status: State::Applied.key().into(),
                reason: String::new(),
                valid_from: None,
                valid_until: until,
                decided_by_user: by_user,
                decided_by: by,
                decided_at: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(a)
    }

    /// The actor's own accreditations.
    pub async fn my_accreditations(&self, actor: &Actor) -> Result<Vec<ProviderRecord>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let mut out = Vec::new();
        for a in db::accreditations_of_org(&mut conn, actor.org.id).await? {
            out.push(self.record(&mut conn, a).await?);
        }
        Ok(out)
    }

    async fn record(&self, conn: &mut Conn, a: Accreditation) -> Result<ProviderRecord, AppError> {
        let org = orgs::get(conn, a.org_id).await?;
        let decisions = db::decisions(conn, a.id).await?;
        let state = acc::effective(State::parse(&a.status).unwrap_or(State::Applied), a.valid_until, self.now());
        Ok(ProviderRecord {
            kind: Kind::parse(&a.kind).unwrap_or(Kind::Expert),
            verified: latest_verification(conn, a.org_id).await?.is_some(),
            accreditation: a,
            org,
            state,
            decisions,
        })
    }

    /// Every accreditation with its history (the operator's console, `hoshi providers list`).
    pub async fn providers(&self, actor: Option<&Actor>) -> Result<Vec<ProviderRecord>, AppError> {
        if let Some(a) = actor {
            require_operator(a)?;
        }
        let mut conn = self.store.pool().acquire().await?;
        let mut out = Vec::new();
        for a in db::accreditations(&mut conn, None).await? {
            out.push(self.record(&mut conn, a).await?);
        }
        Ok(out)
    }

    /// One organisation's accreditation of a kind, with its history (for the dossier).
    pub(crate) async fn provider_record(&self, conn: &mut Conn, org_id: i64, kind: Kind) -> Result<Option<ProviderRecord>, AppError> {
        match db::accreditations_of_org(conn, org_id).await?.into_iter().find(|a| a.kind == kind.key()) {
            Some(a) => Ok(Some(self.record(conn, a).await?)),
            None => Ok(None),
        }
    }

    /// The operator approves, suspends, reinstates or withdraws an accreditation (`action` =
    /// approve / suspend / reinstate / withdraw), with a reason; approval sets the validity
    /// (an assessment body's designation: three years from `valid_from`). Written to the log.
    /// `actor` = `None` is the machine's administrator (`hoshi providers …`).
    pub async fn decide_accreditation(
        &self,
        actor: Option<&Actor>,
        corporate_number: &CorporateNumber,
        kind: Option<Kind>,
        action: &str,
        reason: &str,
        valid_from: &str,
    ) -> Result<ProviderRecord, AppError> {
        if let Some(a) = actor {
            require_operator(a)?;
        }
        let now = self.now();
        let next = match action {
            "approve" | "reinstate" => State::Approved,
            "suspend" => State::Suspended,
            "withdraw" => State::Withdrawn,
            _ => {
                return Err(AppError::invalid(
                    "action",
                    "操作は承認・停止・再開・取消のいずれかです。",
                    "The action must be approve, suspend, reinstate or withdraw.",
                ))
            }
        };
        let reason = reason.trim();
        if next != State::Approved && reason.is_empty() {
            return Err(AppError::invalid(
                "reason",
                "理由を書いてください（公開の記録に残ります）。",
                "Write the reason (it is kept in the public record).",
            ));
        }
        let mut tx = self.store.begin().await?;
        let org = orgs::by_corporate_number(&mut tx, corporate_number).await?.ok_or_else(|| {
            AppError::not_found(
                format!("法人番号{corporate_number}の組織はありません。"),
                format!("There is no organisation with corporate number {corporate_number}."),
            )
        })?;
        let all: Vec<Accreditation> =
            db::accreditations_of_org(&mut tx, org.id).await?.into_iter().filter(|a| kind.is_none_or(|k| a.kind == k.key())).collect();
        if all.len() > 1 {
            return Err(AppError::invalid(
                "kind",
                "この組織は専門家と評価機関の両方で申請しています。種別を指定してください。",
                "This organisation applied both as an expert and as an assessment body: say which (expert or assessment_body).",
            ));
        }
        let mut a = all.into_iter().next().ok_or_else(|| {
            AppError::not_found("この組織は承認を申請していません。", "This organisation has not applied for accreditation.")
        })?;
        let current = acc::effective(State::parse(&a.status).unwrap_or(State::Applied), a.valid_until, now);
        if !current.may_become(next) {
            return Err(AppError::Conflict(Msg::new(
                format!("「{}」の承認はこの操作ができません。", current.name(true)),
                format!("An accreditation that is {} cannot be changed this way.", current.name(false).to_lowercase()),
            )));
        }
        if next == State::Approved {
            if latest_verification(&mut tx, org.id).await?.is_none() {
                return Err(unverified_error(&org));
            }
            let k = Kind::parse(&a.kind).unwrap_or(Kind::Expert);
            if k == Kind::Expert && a.training_completed_on.is_empty() {
                return Err(AppError::invalid(
                    "training_completed_on",
                    "指定研修を修了していない専門家は承認できません。",
                    "An expert who has not completed the designated training cannot be approved.",
                ));
            }
            if action == "approve" || a.valid_from.is_none() {
                let from = if valid_from.trim().is_empty() {
                    now
                } else {
                    end_of_day(valid_from).map(|e| e + 1 - 86_400).ok_or_else(|| {
                        AppError::invalid("valid_from", "開始日はYYYY-MM-DDで入力してください。", "Enter the start date as YYYY-MM-DD.")
                    })?
                };
                a.valid_from = Some(from);
                if k == Kind::AssessmentBody || a.valid_until.is_none_or(|u| u <= from) {
                    a.valid_until = Some(valid_until(from, if k == Kind::AssessmentBody { acc::DESIGNATION_MONTHS } else { 12 }));
                }
            }
            if a.valid_until.is_some_and(|u| u < now) {
                return Err(AppError::invalid("valid_from", "有効期間がすでに過ぎています。", "The period of validity has already ended."));
            }
        }
        let event = match (current, next) {
            (State::Suspended, State::Approved) => "reinstated",
            (_, State::Approved) => "approved",
            (_, State::Suspended) => "suspended",
            _ => "withdrawn",
        };
        db::set_accreditation_state(&mut tx, a.id, next.key(), a.valid_from, a.valid_until, now).await?;
        a.status = next.key().into();
        let (by_user, by) = decider(actor);
        db::add_decision(
            &mut tx,
            &Decision {
                id: 0,
                accreditation_id: a.id,
                status: next.key().into(),
                reason: reason.chars().take(1000).collect(),
                valid_from: a.valid_from,
                valid_until: a.valid_until,
                decided_by_user: by_user,
                decided_by: by,
                decided_at: now,
            },
        )
        .await?;
        hoshi_store::registry::insert_pending(&mut tx, &provider_event(event, &a, &org, reason, now), None, now).await?;
        let detail = json!({"kind": a.kind, "state": next.key(), "event": event, "reason": reason});
        audit::record(&mut tx, &Who::from(actor), Action::AccreditationDecided, &org.corporate_number.to_string(), detail, now).await?;
        let record = self.record(&mut tx, a).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Records the expiry of every approval past its validity (the scheduled job), each in the log.
    pub(crate) async fn expire_accreditations(&self, conn: &mut Conn) -> Result<usize, AppError> {
        let now = self.now();
        let mut n = 0;
        for mut a in db::accreditations(conn, Some(State::Approved.key())).await? {
            if a.valid_until.is_some_and(|u| u < now) {
                db::set_accreditation_state(conn, a.id, State::Expired.key(), a.valid_from, a.valid_until, now).await?;
                a.status = State::Expired.key().into();
                db::add_decision(
                    conn,
                    &Decision {
                        id: 0,
                        accreditation_id: a.id,
                        status: State::Expired.key().into(),
                        reason: "validity ended".into(),
                        valid_from: a.valid_from,
                        valid_until: a.valid_until,
                        decided_by_user: None,
                        decided_by: "hoshi (expiry job)".into(),
                        decided_at: now,
                    },
                )
                .await?;
                let org = orgs::get(conn, a.org_id).await?;
                hoshi_store::registry::insert_pending(conn, &provider_event("expired", &a, &org, "", now), None, now).await?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// The public directory: providers approved today whose organisation is verified, filtered
    /// by words in the name, a region (prefecture or served region) and kind.
    pub async fn provider_directory(&self, q: &str, region: &str, kind: Option<Kind>) -> Result<Vec<DirectoryEntry>, AppError> {
        let now = self.now();
        let mut conn = self.store.pool().acquire().await?;
        let profiles = adb::experts(&mut conn).await?;
        let (q, region) = (q.trim().to_lowercase(), region.trim());
        let mut out = Vec::new();
        for a in db::accreditations(&mut conn, Some(State::Approved.key())).await? {
            let k = Kind::parse(&a.kind).unwrap_or(Kind::Expert);
            if kind.is_some_and(|x| x != k) || !provider_approved_at(&mut conn, a.org_id, k, now).await? {
                continue;
            }
            let o = orgs::get(&mut conn, a.org_id).await?;
            let regions = profiles.iter().find(|p| p.org_id == o.id).map(|p| p.regions.clone()).unwrap_or_default();
            if !q.is_empty()
                && !o.name_ja.to_lowercase().contains(&q)
                && !o.name_en.to_lowercase().contains(&q)
                && !a.number.to_lowercase().contains(&q)
            {
                continue;
            }
            if !region.is_empty()
                && !o.prefecture.name_ja().contains(region)
                && !regions.contains(region)
                && !o.prefecture.name_en().eq_ignore_ascii_case(region)
            {
                continue;
            }
            out.push(DirectoryEntry {
                kind: a.kind.clone(),
                corporate_number: o.corporate_number.to_string(),
                name_ja: o.name_ja.clone(),
                name_en: o.name_en.clone(),
                prefecture: o.prefecture.name_ja().to_owned(),
                regions,
                qualification: a.qualification.clone(),
                number: a.number.clone(),
                technical_verification: a.technical_verification != 0,
                valid_from: a.valid_from.map(jst_date_string).unwrap_or_default(),
                valid_until: a.valid_until.map(jst_date_string).unwrap_or_default(),
            });
        }
        out.sort_by(|a, b| a.kind.cmp(&b.kind).then(a.name_ja.cmp(&b.name_ja)));
        Ok(out)
    }

    /// Requires the organisation to be verified (to apply for certification).
    pub(crate) async fn require_verified(&self, conn: &mut Conn, org: &Org) -> Result<Verification, AppError> {
        latest_verification(conn, org.id).await?.ok_or_else(|| unverified_error(org))
    }
}

// ---- name changes of verified or certified organisations ----

impl App {
    /// Whether an organisation's name may change only with the operator's approval: it was
    /// verified (the operator checked that name), or it holds a certificate that carries it.
    pub(crate) async fn name_is_guarded(&self, conn: &mut Conn, org_id: i64) -> Result<bool, AppError> {
        if latest_verification(conn, org_id).await?.is_some() {
            return Ok(true);
        }
        let certs = hoshi_store::registry::certificates_of_org(conn, org_id).await?;
        Ok(certs.iter().any(|c| matches!(c.state.as_str(), crate::registry::ACTIVE | crate::registry::SUSPENDED)))
    }

    /// The organisation's name change waiting for the operator, if any.
    pub async fn pending_name_change(&self, actor: &Actor) -> Result<Option<orgs::NameChange>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(orgs::pending_name_change(&mut conn, actor.org.id).await?)
    }

    /// Name changes waiting for the operator, oldest first, with the organisation.
    pub async fn name_change_queue(&self, actor: &Actor) -> Result<Vec<(orgs::NameChange, Org)>, AppError> {
        require_operator(actor)?;
        let mut conn = self.store.pool().acquire().await?;
        let mut out = Vec::new();
        for c in orgs::pending_name_changes(&mut conn, 100).await? {
            let org = orgs::get(&mut conn, c.org_id).await?;
            out.push((c, org));
        }
        Ok(out)
    }

    /// The operator approves (the registry shows the new name from now on) or rejects a name
    /// change, with a reason; recorded in the audit trail.
    pub async fn decide_name_change(&self, actor: &Actor, id: i64, approve: bool, reason: &str) -> Result<orgs::NameChange, AppError> {
        require_operator(actor)?;
        let reason = reason.trim();
        if !approve && reason.is_empty() {
            return Err(AppError::invalid("reason", "却下の理由を書いてください。", "Write why the change is rejected."));
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let c = orgs::name_change(&mut tx, id)
            .await
            .map_err(|_| AppError::not_found("名称変更の申請が見つかりません。", "No such name change."))?;
        if c.status != "pending" {
            return Err(AppError::Conflict(Msg::new("この申請はすでに判断済みです。", "This name change was already decided.")));
        }
        let (_, by) = decider(Some(actor));
        orgs::decide_name_change(&mut tx, &c, approve, &by, now, reason).await?;
        let org = orgs::get(&mut tx, c.org_id).await?;
        let detail = json!({"request": c.id, "approved": approve, "from": [c.old_name_ja, c.old_name_en], "to": [c.name_ja, c.name_en], "reason": reason});
        audit::record(&mut tx, &Who::of(actor), Action::NameChangeDecided, &org.corporate_number.to_string(), detail, now).await?;
        tx.commit().await?;
        Ok(orgs::NameChange { status: if approve { "approved" } else { "rejected" }.into(), ..c })
    }
}
