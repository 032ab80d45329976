//! Expert support for SMEs (from FY2027 the scheme funds an expert's help for small companies):
//! an SME asks for support toward a level; a programme administrator — an organisation the
//! registry operator granted a programme for regions and a fiscal year — matches it to an
//! approved expert serving the region; the expert records sessions and hours and the outcome;
//! figures per region and fiscal year count requests, matches, hours, levels reached and the
//! median days from request to certificate.
//!
//! Who sees a request: the SME that made it; the administrator of its programme; the expert
//! matched to it; the registry operator. Everyone else is told it does not exist.

use std::collections::BTreeMap;

use hoshi_core::accreditation::Kind;
use hoshi_core::org::{is_sme, Industry, OrgRole, Prefecture};
use hoshi_core::time::{jst_date, jst_date_string, parse_date};
use hoshi_core::{FiscalYear, Level};
use hoshi_store::orgs::{self, Org};
use hoshi_store::support::{self as db, Programme, Request, RequestColumn, Session};
use hoshi_store::{assessments as adb, registry as rdb, Conn};

use crate::audit::{self, Who};
use crate::trust::{provider_approved_at, require_operator};
use crate::{Actor, App, AppError, Msg};

/// Largest number of hours one session may record.
pub const MAX_SESSION_HOURS: i64 = 24;

/// What an SME asks for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RequestInput {
    /// Prefecture (name or JIS code); the organisation's when blank.
    #[serde(default)]
    pub prefecture: String,
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub employees: String,
    #[serde(default)]
    pub target_level: String,
    #[serde(default)]
    pub needs: String,
}

/// A request with the names a page shows.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub request: Request,
    pub org: Org,
    pub expert: Option<Org>,
    pub programme: Option<Programme>,
    pub sessions: Vec<Session>,
    pub hours: i64,
    /// The actor's parts in it.
    pub roles: Vec<SupportRole>,
}

/// The actor's part in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportRole {
    Requester,
    Administrator,
    Expert,
    Operator,
}

/// An expert the administrator may match a request to.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub org: Org,
    pub regions: String,
    /// Takes publicly funded support (the expert's profile says so).
    pub public_support: bool,
    /// Requests matched to it and not yet closed.
    pub open: i64,
}

/// The figures of one region and fiscal year.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub requests: u32,
    pub matched: u32,
    pub hours: i64,
    /// Outcomes recorded per level reached.
    pub levels_reached: BTreeMap<u8, u32>,
    /// Requests followed by a certificate.
    pub certified: u32,
    /// Twice the median of the days from request to certificate (so a half day stays exact in
    /// whole numbers); `None` when no request has led to a certificate yet.
    pub median_days_x2: Option<i64>,
}

impl Figures {
    /// The median days as text: `12` or `12.5`.
    pub fn median_days(&self) -> Option<String> {
        self.median_days_x2.map(|m| if m % 2 == 0 { (m / 2).to_string() } else { format!("{}.5", m / 2) })
    }
}

/// Twice the median of whole numbers (exact for an even count too).
pub fn median_x2(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 { values[n / 2] * 2 } else { values[n / 2 - 1] + values[n / 2] })
}

fn no_request() -> AppError {
    AppError::not_found("支援の依頼が見つかりません。", "No such support request.")
}

fn fiscal_year_of(ts: i64) -> i64 {
    let (y, m, _) = jst_date(ts);
    FiscalYear::containing(y, m as u8).map(|f| i64::from(f.start_year())).unwrap_or(y)
}

fn prefecture_code(p: Prefecture) -> String {
    format!("{:02}", p.code())
}

/// Whether a programme covers a prefecture code.
fn covers(p: &Programme, prefecture: &str) -> bool {
    p.regions.trim().is_empty() || p.regions.split(',').any(|r| r.trim() == prefecture)
}

/// Parses a list of prefectures (names or codes, separated by commas or 、) into codes.
pub fn parse_regions(s: &str) -> Result<String, AppError> {
    let mut codes = Vec::new();
    for part in s.split([',', '、', '，']).map(str::trim).filter(|p| !p.is_empty()) {
        let p = Prefecture::parse(part).map_err(|_| {
            AppError::invalid("regions", format!("「{part}」は都道府県名ではありません。"), format!("\"{part}\" is not a prefecture."))
        })?;
        codes.push(prefecture_code(p));
    }
    codes.sort();
    codes.dedup();
    Ok(codes.join(","))
}

/// A prefecture code's name.
pub fn prefecture_name(code: &str, ja: bool) -> String {
    match Prefecture::parse(code) {
        Ok(p) => (if ja { p.name_ja() } else { p.name_en() }).to_owned(),
        Err(_) => code.to_owned(),
    }
}

impl App {
    /// The programmes the actor's organisation administers (active ones).
    async fn my_programmes(&self, conn: &mut Conn, actor: &Actor) -> Result<Vec<Programme>, AppError> {
        Ok(db::programmes(conn).await?.into_iter().filter(|p| p.org_id == actor.org.id && p.revoked_at.is_none()).collect())
    }

    /// The actor's parts in a request (an organisation may both ask and administer), or `NotFound`.
    async fn roles_in(&self, conn: &mut Conn, actor: &Actor, r: &Request) -> Result<Vec<SupportRole>, AppError> {
        let mut roles = Vec::new();
        if r.org_id == actor.org.id {
            roles.push(SupportRole::Requester);
        }
        if let Some(pid) = r.programme_id {
            if self.my_programmes(conn, actor).await?.iter().any(|p| p.id == pid) {
                roles.push(SupportRole::Administrator);
            }
        }
        if r.expert_org_id == Some(actor.org.id) {
            roles.push(SupportRole::Expert);
        }
        if actor.has_role(OrgRole::RegistryOperator) {
            roles.push(SupportRole::Operator);
        }
        if roles.is_empty() {
            return Err(no_request());
        }
        Ok(roles)
    }

    /// Grants an organisation a support programme (registry operator only): its name, the
    /// prefectures it covers (blank for nationwide), the fiscal year and the budget in hours.
    pub async fn grant_programme(
        &self,
        actor: &Actor,
        corporate_number: &str,
        name: &str,
        regions: &str,
        fiscal_year: &str,
        budget_hours: &str,
    ) -> Result<Programme, AppError> {
        require_operator(actor)?;
        let cn = hoshi_core::CorporateNumber::parse(corporate_number)
            .map_err(|e| AppError::invalid("corporate_number", e.message_ja(), e.to_string()))?;
        let fy = FiscalYear::parse(fiscal_year)
            .map_err(|e| AppError::invalid("fiscal_year", "年度は2027や2027年度のように入力してください。", e.to_string()))?;
        let budget = budget_hours.trim().parse::<i64>().ok().filter(|h| (0..=1_000_000).contains(h)).ok_or_else(|| {
            AppError::invalid(
                "budget_hours",
                "予算時間は0〜1,000,000の整数で入力してください。",
                "Enter the budget in whole hours, 0 to 1,000,000.",
            )
        })?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::invalid(
                "name",
                "事業名を200文字以内で入力してください。",
                "Enter the programme's name (up to 200 characters).",
            ));
        }
        let regions = parse_regions(regions)?;
        let mut tx = self.store.begin().await?;
        let org = orgs::by_corporate_number(&mut tx, &cn).await?.ok_or_else(|| {
            AppError::invalid(
                "corporate_number",
                "その法人番号の組織は登録されていません。",
                "No organisation with that corporate number is registered.",
            )
        })?;
        let p = db::insert_programme(
            &mut tx,
            &Programme {
                id: 0,
                org_id: org.id,
                name: name.to_owned(),
                regions,
                fiscal_year: i64::from(fy.start_year()),
                budget_hours: budget,
                granted_by: format!("{} <{}>", actor.display_name, actor.email),
                granted_at: self.now(),
                revoked_at: None,
            },
        )
        .await?;
        audit::record(
            &mut tx,
            &Who::of(actor),
            hoshi_core::audit::Action::SupportProgrammeGranted,
            &org.corporate_number.to_string(),
            serde_json::json!({"programme": p.id, "name": p.name, "regions": p.regions, "fiscal_year": p.fiscal_year, "budget_hours": p.budget_hours}),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Ends a programme (registry operator only); its requests stay.
    pub async fn revoke_programme(&self, actor: &Actor, programme_id: i64) -> Result<(), AppError> {
        require_operator(actor)?;
        let mut tx = self.store.begin().await?;
        let p = db::programme(&mut tx, programme_id)
            .await
            .map_err(|_| AppError::not_found("その支援事業はありません。", "No such programme."))?;
        db::revoke_programme(&mut tx, p.id, self.now()).await?;
        audit::record(
            &mut tx,
            &Who::of(actor),
            hoshi_core::audit::Action::SupportProgrammeRevoked,
            &format!("programme:{}", p.id),
            serde_json::json!({"name": p.name}),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every programme with its organisation and the hours recorded under it so far (for the
    /// operator and the support pages; more than the budget is shown as over budget).
    pub async fn support_programmes(&self) -> Result<Vec<(Programme, Org, i64)>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let used: std::collections::HashMap<i64, i64> = db::hours_by_programme(&mut conn).await?.into_iter().collect();
        let mut out = Vec::new();
        for p in db::programmes(&mut conn).await? {
            let o = orgs::get(&mut conn, p.org_id).await?;
            let hours = used.get(&p.id).copied().unwrap_or(0);
            out.push((p, o, hours));
        }
        Ok(out)
    }

    /// An SME asks for support toward a level. The organisation must be an SME under the SME
    /// Basic Act (by its industry, the employees given here and its capital). The request goes
    /// to the programme of the fiscal year covering its prefecture, when there is one.
    pub async fn request_support(&self, actor: &Actor, input: &RequestInput) -> Result<Request, AppError> {
        if !actor.has_role(OrgRole::Supplier) {
            return Err(AppError::forbidden(
                "専門家の支援はサプライヤーの中小企業が依頼できます。",
                "Expert support is for suppliers that are SMEs.",
            ));
        }
        actor.require_write()?;
        let org = &actor.org;
        let prefecture = if input.prefecture.trim().is_empty() {
            org.prefecture
        } else {
            Prefecture::parse(&input.prefecture)
                .map_err(|_| AppError::invalid("prefecture", "都道府県を選んでください。", "Choose a prefecture."))?
        };
        let industry = if input.industry.trim().is_empty() {
            org.industry
        } else {
            Industry::parse(&input.industry).map_err(|e| AppError::invalid("industry", "業種を選んでください。", e.to_string()))?
        };
        let employees = match input.employees.trim().replace([',', '，'], "") {
            t if t.is_empty() => org.employees,
            t => Some(t.parse::<u64>().map_err(|_| {
                AppError::invalid(
                    "employees",
                    "従業員数は0以上の整数で入力してください。",
                    "Enter the number of employees as a whole number.",
                )
            })?),
        };
        let Some(employees) = employees else {
            return Err(AppError::invalid(
                "employees",
                "中小企業かどうかを判断するため、従業員数を入力してください。",
                "Enter the number of employees, so we can tell whether you are an SME.",
            ));
        };
        if is_sme(industry, Some(employees), org.capital_yen) != Some(true) {
            return Err(AppError::invalid(
                "employees",
                "中小企業基本法の中小企業（業種ごとの資本金または従業員数の基準）にあたらないため、公的な専門家支援は依頼できません。",
                "Publicly funded expert support is for SMEs under the SME Basic Act (capital or employees within the industry's limit); this organisation is not one.",
            ));
        }
        let target = Level::parse(if input.target_level.trim().is_empty() { "3" } else { input.target_level.trim() })
            .ok()
            .filter(|l| (Level::THREE..=Level::FOUR).contains(l))
            .ok_or_else(|| AppError::invalid("target_level", "目標は★3か★4から選んでください。", "Choose ★3 or ★4 as the target."))?;
        let needs = input.needs.trim();
        if needs.is_empty() || needs.chars().count() > 4000 {
            return Err(AppError::invalid(
                "needs",
                "どのような支援が必要かを4000文字以内で書いてください。",
                "Say what help you need (up to 4,000 characters).",
            ));
        }
        let now = self.now();
        let fy = fiscal_year_of(now);
        let code = prefecture_code(prefecture);
        let mut tx = self.store.begin().await?;
        let open = db::requests_by(&mut tx, RequestColumn::Org, org.id)
            .await?
            .into_iter()
            .any(|r| matches!(r.status.as_str(), "requested" | "matched"));
        if open {
            return Err(AppError::Conflict(Msg::new(
                "未完了の支援の依頼があります。新しく依頼する前に、いまの依頼を完了するか取り下げてください。",
                "You have a support request still open. Close or withdraw it before asking again.",
            )));
        }
        let programme =
            db::programmes(&mut tx).await?.into_iter().find(|p| p.revoked_at.is_none() && p.fiscal_year == fy && covers(p, &code));
        let r = db::insert_request(
            &mut tx,
            &Request {
                id: 0,
                org_id: org.id,
                programme_id: programme.map(|p| p.id),
                prefecture: code,
                industry: industry.key().to_owned(),
                employees: i64::try_from(employees).unwrap_or(i64::MAX),
                target_level: i64::from(target.get()),
                needs: needs.to_owned(),
                fiscal_year: fy,
                status: "requested".into(),
                expert_org_id: None,
                matched_by: None,
                matched_at: None,
                outcome_level: None,
                outcome_date: None,
                outcome_note: String::new(),
                created_by: actor.user_id,
                created_at: now,
                closed_at: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(r)
    }

    /// The requests the actor may see: its own, those of its programmes, those matched to it,
    /// and for the operator every one.
    pub async fn support_requests(&self, actor: &Actor) -> Result<Vec<RequestView>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let mut rows: Vec<Request> = if actor.has_role(OrgRole::RegistryOperator) {
            db::all_requests(&mut conn).await?
        } else {
            let mut v = db::requests_by(&mut conn, RequestColumn::Org, actor.org.id).await?;
            v.extend(db::requests_by(&mut conn, RequestColumn::Expert, actor.org.id).await?);
            for p in self.my_programmes(&mut conn, actor).await? {
                v.extend(db::requests_by(&mut conn, RequestColumn::Programme, p.id).await?);
            }
            v
        };
        rows.sort_by_key(|r| std::cmp::Reverse(r.id));
        rows.dedup_by_key(|r| r.id);
        let mut out = Vec::new();
        for r in rows {
            out.push(self.request_view(&mut conn, actor, r).await?);
        }
        Ok(out)
    }

    async fn request_view(&self, conn: &mut Conn, actor: &Actor, r: Request) -> Result<RequestView, AppError> {
        let roles = self.roles_in(conn, actor, &r).await?;
        let org = orgs::get(conn, r.org_id).await?;
        let expert = match r.expert_org_id {
            Some(id) => Some(orgs::get(conn, id).await?),
            None => None,
        };
        let programme = match r.programme_id {
            Some(id) => Some(db::programme(conn, id).await?),
            None => None,
        };
        let sessions = db::sessions(conn, r.id).await?;
        let hours = sessions.iter().map(|s| s.hours).sum();
        Ok(RequestView { request: r, org, expert, programme, sessions, hours, roles })
    }

    /// One request as the actor may see it.
    pub async fn support_request(&self, actor: &Actor, id: i64) -> Result<RequestView, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let r = db::request(&mut conn, id).await.map_err(|_| no_request())?;
        self.request_view(&mut conn, actor, r).await
    }

    /// The experts approved today who serve the request's prefecture (their own prefecture or
    /// a region in their profile), those taking publicly funded support first, then the least
    /// loaded. For the programme's administrator and the operator.
    pub async fn support_candidates(&self, actor: &Actor, id: i64) -> Result<Vec<Candidate>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let r = db::request(&mut conn, id).await.map_err(|_| no_request())?;
        let roles = self.roles_in(&mut conn, actor, &r).await?;
        if !roles.iter().any(|x| matches!(x, SupportRole::Administrator | SupportRole::Operator)) {
            return Err(AppError::forbidden("照合は支援事業の事務局が行います。", "Matching is done by the programme's administrator."));
        }
        let now = self.now();
        let load: std::collections::HashMap<i64, i64> = db::open_load(&mut conn).await?.into_iter().collect();
        let profiles = adb::experts(&mut conn).await?;
        let mut out = Vec::new();
        for o in orgs::with_role(&mut conn, OrgRole::Expert).await? {
            if !provider_approved_at(&mut conn, o.id, Kind::Expert, now).await? {
                continue;
            }
            let profile = profiles.iter().find(|p| p.org_id == o.id);
            let regions = profile.map(|p| p.regions.clone()).unwrap_or_default();
            let served = prefecture_code(o.prefecture) == r.prefecture
                || parse_regions(&regions).map(|codes| codes.split(',').any(|c| c == r.prefecture)).unwrap_or(false)
                || Prefecture::parse(&r.prefecture).is_ok_and(|p| regions.contains(p.name_ja()));
            if !served {
                continue;
            }
            out.push(Candidate {
                public_support: profile.is_some_and(|p| p.public_support),
                open: load.get(&o.id).copied().unwrap_or(0),
                regions,
                org: o,
            });
        }
        out.sort_by(|a, b| b.public_support.cmp(&a.public_support).then(a.open.cmp(&b.open)).then(a.org.id.cmp(&b.org.id)));
        Ok(out)
    }

    /// Matches a request to an expert (by corporate number) among the candidates.
    pub async fn match_support(&self, actor: &Actor, id: i64, expert: &str) -> Result<(), AppError> {
        actor.require_write()?;
        let candidates = self.support_candidates(actor, id).await?;
        let chosen = candidates.iter().find(|c| c.org.corporate_number.to_string() == expert.trim()).ok_or_else(|| {
            AppError::invalid(
                "expert",
                "その専門家は、この地域で承認された専門家の候補にありません。",
                "That expert is not among the approved experts serving this region.",
            )
        })?;
        let mut tx = self.store.begin().await?;
        let mut r = db::request(&mut tx, id).await.map_err(|_| no_request())?;
        if !matches!(r.status.as_str(), "requested" | "matched") {
            return Err(AppError::Conflict(Msg::new("この依頼はすでに完了しています。", "This request is already closed.")));
        }
        r.status = "matched".into();
        r.expert_org_id = Some(chosen.org.id);
        r.matched_by = Some(actor.user_id);
        r.matched_at = Some(self.now());
        db::update_request(&mut tx, &r).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The matched expert records a session: its date and whole hours (1–24).
    pub async fn record_session(&self, actor: &Actor, id: i64, held_on: &str, hours: &str, note: &str) -> Result<Session, AppError> {
        actor.require_write()?;
        let date = parse_date(held_on).ok_or_else(|| {
            AppError::invalid(
                "held_on",
                "実施日はYYYY-MM-DDの形の実在する日付で入力してください。",
                "Enter the date as a real date, YYYY-MM-DD.",
            )
        })?;
        let hours = hours.trim().parse::<i64>().ok().filter(|h| (1..=MAX_SESSION_HOURS).contains(h)).ok_or_else(|| {
            AppError::invalid("hours", "時間は1〜24の整数で入力してください。", "Enter the hours as a whole number from 1 to 24.")
        })?;
        if note.chars().count() > 4000 {
            return Err(AppError::invalid("note", "メモは4000文字までです。", "Notes are limited to 4,000 characters."));
        }
        if date > jst_date_string(self.now()) {
            return Err(AppError::invalid(
                "held_on",
                "これから行う支援は記録できません。実施した日を入力してください。",
                "Record sessions once held: the date is in the future.",
            ));
        }
        let mut tx = self.store.begin().await?;
        let r = db::request(&mut tx, id).await.map_err(|_| no_request())?;
        if !self.roles_in(&mut tx, actor, &r).await?.contains(&SupportRole::Expert) {
            return Err(AppError::forbidden(
                "支援の記録は、担当の専門家が行います。",
                "Sessions are recorded by the expert matched to the request.",
            ));
        }
        if r.status != "matched" {
            return Err(AppError::Conflict(Msg::new("この依頼は支援中ではありません。", "This request is not in progress.")));
        }
        let s = db::add_session(
            &mut tx,
            &Session {
                id: 0,
                request_id: r.id,
                held_on: date,
                hours,
                note: note.trim().to_owned(),
                recorded_by: actor.user_id,
                recorded_at: self.now(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Records the outcome and closes the request (the matched expert or the administrator):
    /// the level reached (blank when none) and the date.
    pub async fn record_outcome(&self, actor: &Actor, id: i64, level: &str, date: &str, note: &str) -> Result<(), AppError> {
        actor.require_write()?;
        let level = match level.trim() {
            "" | "none" => None,
            l => Some(Level::parse(l).map_err(|e| AppError::invalid("outcome_level", "達成したレベルを選んでください。", e.to_string()))?),
        };
        let date = parse_date(date).ok_or_else(|| {
            AppError::invalid(
                "outcome_date",
                "日付はYYYY-MM-DDの形の実在する日付で入力してください。",
                "Enter the date as a real date, YYYY-MM-DD.",
            )
        })?;
        let mut tx = self.store.begin().await?;
        let mut r = db::request(&mut tx, id).await.map_err(|_| no_request())?;
        if !self
            .roles_in(&mut tx, actor, &r)
            .await?
            .iter()
            .any(|x| matches!(x, SupportRole::Expert | SupportRole::Administrator | SupportRole::Operator))
        {
            return Err(AppError::forbidden(
                "結果は担当の専門家か事務局が記録します。",
                "The outcome is recorded by the matched expert or the administrator.",
            ));
        }
        if r.status != "matched" {
            return Err(AppError::Conflict(Msg::new(
                "結果は専門家と照合済みの依頼に記録します。",
                "Record the outcome of a request matched to an expert.",
            )));
        }
        r.status = "closed".into();
        r.outcome_level = level.map(|l| i64::from(l.get()));
        r.outcome_date = Some(date);
        r.outcome_note = note.trim().chars().take(4000).collect();
        r.closed_at = Some(self.now());
        db::update_request(&mut tx, &r).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The SME withdraws a request not yet closed.
    pub async fn withdraw_support(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.require_write()?;
        let mut tx = self.store.begin().await?;
        let mut r = db::request(&mut tx, id).await.map_err(|_| no_request())?;
        if !self.roles_in(&mut tx, actor, &r).await?.contains(&SupportRole::Requester) {
            return Err(no_request());
        }
        if !matches!(r.status.as_str(), "requested" | "matched") {
            return Err(AppError::Conflict(Msg::new("この依頼はすでに完了しています。", "This request is already closed.")));
        }
        r.status = "withdrawn".into();
        r.closed_at = Some(self.now());
        db::update_request(&mut tx, &r).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Figures per (prefecture code, fiscal year) over the requests the actor may see as
    /// administrator or operator.
    pub async fn support_figures(&self, actor: &Actor) -> Result<BTreeMap<(i64, String), Figures>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let operator = actor.has_role(OrgRole::RegistryOperator) || actor.has_role(OrgRole::Regulator);
        let mine: Vec<i64> = self.my_programmes(&mut conn, actor).await?.iter().map(|p| p.id).collect();
        if !operator && mine.is_empty() {
            return Err(AppError::forbidden(
                "集計は支援事業の事務局と登録機関が見られます。",
                "The figures are for programme administrators and the registry operator.",
            ));
        }
        let hours: std::collections::HashMap<i64, i64> = db::hours_by_request(&mut conn).await?.into_iter().collect();
        let mut days: BTreeMap<(i64, String), Vec<i64>> = BTreeMap::new();
        let mut out: BTreeMap<(i64, String), Figures> = BTreeMap::new();
        for r in db::all_requests(&mut conn).await? {
            if !operator && !r.programme_id.is_some_and(|p| mine.contains(&p)) {
                continue;
            }
            let key = (r.fiscal_year, r.prefecture.clone());
            let f = out.entry(key.clone()).or_default();
            f.requests += 1;
            f.matched += u32::from(r.expert_org_id.is_some());
            f.hours += hours.get(&r.id).copied().unwrap_or(0);
            if let Some(l) = r.outcome_level {
                *f.levels_reached.entry(l.clamp(1, 5) as u8).or_default() += 1;
            }
            let first = rdb::certificates_of_org(&mut conn, r.org_id)
                .await?
                .into_iter()
                .filter(|c| c.issued_at >= r.created_at && i64::from(c.level) >= r.target_level.min(3))
                .map(|c| c.issued_at)
                .min();
            if let Some(at) = first {
                f.certified += 1;
                days.entry(key).or_default().push((at - r.created_at).div_euclid(86_400));
            }
        }
        for (k, mut d) in days {
            if let Some(f) = out.get_mut(&k) {
                f.median_days_x2 = median_x2(&mut d);
            }
        }
        Ok(out)
    }

    /// Whether the actor's organisation administers a programme (for the menu).
    pub async fn administers_programme(&self, actor: &Actor) -> bool {
        match self.store.pool().acquire().await {
            Ok(mut conn) => self.my_programmes(&mut conn, actor).await.map(|p| !p.is_empty()).unwrap_or(false),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_exact_in_whole_numbers() {
        assert_eq!(median_x2(&mut []), None);
        assert_eq!(median_x2(&mut [5]), Some(10));
        assert_eq!(median_x2(&mut [9, 1, 4]), Some(8));
        assert_eq!(median_x2(&mut [1, 2, 3, 10]), Some(5));
        let f = Figures { median_days_x2: Some(25), ..Figures::default() };
        assert_eq!(f.median_days().as_deref(), Some("12.5"));
        let f = Figures { median_days_x2: Some(24), ..Figures::default() };
        assert_eq!(f.median_days().as_deref(), Some("12"));
    }

    #[test]
    fn regions_are_prefecture_codes() {
        assert_eq!(parse_regions("愛知県、岐阜, 13").expect("ok"), "13,21,23");
        assert_eq!(parse_regions("").expect("ok"), "");
        assert!(parse_regions("Atlantis").is_err());
    }
}
