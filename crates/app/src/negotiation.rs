//! Fair cost sharing and the price negotiation: the supplier's plan (its estimate's increments
//! shared among the buyers it asks and itself, by a rule, with the price uplift each buyer
//! would see), the negotiation with each buyer as a hash-chained record both sides see, the
//! escalation file for the Fair Trade Commission, and the regulator's cases and figures.
//!
//! Who may see what: the supplier and the buyer of a negotiation see all of it; the regulator
//! sees escalated cases (and the evidence the supplier attached) and aggregate figures of all.

use std::collections::HashMap;

use hoshi_core::negotiation::{self as core_n, Ground, Kind, Side, State, StepRecord};
use hoshi_core::org::OrgRole;
use hoshi_core::sharing::{self, Allocation, Increment, Participant, Rule, Spread, Uplift, UpliftInput};
use hoshi_core::time::{jst_date, jst_date_plus_days, jst_date_string};
use hoshi_core::{CorporateNumber, Level, Yen};
use hoshi_store::assessments as adb;
use hoshi_store::negotiations::{self as db, Negotiation, Step};
use hoshi_store::orgs::{self, Org};
use hoshi_store::suppliers as sdb;
use hoshi_store::Conn;
use serde::Serialize;
use serde_json::{json, Value};

use crate::assessment::Access;
use crate::{Actor, App, AppError};

/// Days the buyer has to answer unless the supplier gives another date.
pub const RESPONSE_DAYS: i64 = 30;
/// How long a negotiation record is kept at least (two years).
pub const RETAIN_SECS: i64 = 2 * 366 * 86_400;
/// The participant id of the supplier itself in an allocation.
pub const SELF_ID: &str = "self";

/// One buyer the supplier asks, as a form or JSON gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct BuyerInput {
    /// The buyer's corporate number.
    pub buyer: String,
    /// Annual sales to this buyer (yen): the buyer's weight.
    pub weight_yen: u64,
    /// The level this buyer needs; default: what it requires of the supplier in Hoshi, else ★3.
    #[serde(default)]
    pub level: Option<u8>,
    /// Units sold to the buyer per year, for the per-unit price change.
    #[serde(default)]
    pub annual_units: Option<u64>,
}

/// What the supplier chooses for its plan.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PlanInput {
    pub assessment_id: i64,
    #[serde(default)]
    pub rule: String,
    pub buyers: Vec<BuyerInput>,
    /// The supplier's annual revenue (yen); its own weight is what the buyers asked do not cover.
    #[serde(default)]
    pub revenue_yen: Option<u64>,
    /// Overrides the supplier's own weight.
    #[serde(default)]
    pub own_weight_yen: Option<u64>,
    /// Months over which one-off costs are spread (default: the certificate's validity).
    #[serde(default)]
    pub months: Option<u32>,
    /// Capital recovery at this annual rate in basis points (default: straight line).
    #[serde(default)]
    pub rate_bp: Option<u32>,
}

/// One participant's part of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlanShare {
    pub id: String,
    pub corporate_number: Option<String>,
    pub name_ja: String,
    pub name_en: String,
    pub level: u8,
    pub weight_yen: u64,
    pub one_off_yen: Yen,
    pub annual_yen: Yen,
    pub one_off_by_increment: Vec<Yen>,
    pub annual_by_increment: Vec<Yen>,
    /// The price change this buyer would see (none for the supplier itself).
    pub uplift: Option<Uplift>,
    /// Pays more than its stand-alone cost (possible only under the proportional rule).
    pub exceeds_stand_alone: bool,
}

/// The supplier's cost-sharing plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub rule: Rule,
    /// The increments shared: (level reached, one-off, annual), from the estimate.
    pub increments: Vec<(u8, Yen, Yen)>,
    pub total_one_off: Yen,
    pub total_annual: Yen,
    pub months: u32,
    pub spread: Spread,
    pub shares: Vec<PlanShare>,
}

/// A negotiation as its parties see it.
#[derive(Debug, Clone, Serialize)]
pub struct NegotiationView {
    pub id: i64,
    pub supplier: PartyView,
    pub buyer: PartyView,
    pub state: State,
    pub rule: String,
    pub requested_annual_yen: u64,
    pub offered_annual_yen: u64,
    pub agreed_annual_yen: Option<u64>,
    pub agreed_effective_from: Option<String>,
    pub response_due: String,
    pub overdue: bool,
    pub opened_at: i64,
    pub escalated_at: Option<i64>,
    pub retain_until: i64,
    pub steps: Vec<StepView>,
    pub evidence: Vec<(String, String)>,
    /// The request's content: cost basis, allocation, uplift.
    pub request: Value,
    /// Grounds on which the supplier may escalate now.
    pub grounds: Vec<Ground>,
    /// The grounds the case was sent to the regulator on (empty until escalated).
    pub sent_grounds: Vec<Ground>,
    /// The chain's last hash, or why the chain is broken.
    pub chain: Result<String, String>,
    /// Which side the viewer is on (`None`: the regulator).
    pub viewer: Option<Side>,
}

impl NegotiationView {
    /// The grounds an escalation file states: those it was sent on, or those that hold now.
    pub fn file_grounds(&self) -> &[Ground] {
        if self.sent_grounds.is_empty() {
            &self.grounds
        } else {
            &self.sent_grounds
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PartyView {
    pub org_id: i64,
    pub corporate_number: String,
    pub name_ja: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub seq: u64,
    pub kind: String,
    pub side: Side,
    pub actor: String,
    pub at: i64,
    pub body: Value,
    pub hash: String,
}

/// What the regulator sees in aggregate.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub requests: usize,
    pub answered: usize,
    pub agreed: usize,
    /// Agreed requests per 1,000 requests.
    pub acceptance_per_mille: u64,
    pub median_response_secs: Option<i64>,
    pub escalated: usize,
    /// Per buyer: (corporate number, name, requests, declines, missed response dates).
    pub by_buyer: Vec<(String, String, usize, usize, usize)>,
}

/// A step a party takes, as a form or JSON gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct StepInput {
    pub kind: String,
    #[serde(default)]
    pub annual_yen: Option<u64>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub text: String,
    /// For a meeting: when (free text, e.g. 2026-12-10 14:00) and where.
    #[serde(default)]
    pub when: String,
    #[serde(default)]
    pub place: String,
    /// For an acceptance: from when the new price applies (`YYYY-MM-DD`).
    #[serde(default)]
    pub effective_from: String,
}

fn party(o: &Org) -> PartyView {
    PartyView { org_id: o.id, corporate_number: o.corporate_number.to_string(), name_ja: o.name_ja.clone(), name_en: o.name_en.clone() }
}

fn sharing_error(e: sharing::SharingError) -> AppError {
    AppError::invalid("plan", e.message_ja(), e.to_string())
}

/// The response date when the supplier gives none: [`RESPONSE_DAYS`] after `now`, in JST.
pub fn default_response_due(now: i64) -> String {
    jst_date_plus_days(now, RESPONSE_DAYS)
}

fn valid_date(s: &str, field: &str) -> Result<String, AppError> {
    hoshi_core::time::parse_date(s)
        .ok_or_else(|| AppError::invalid(field, "日付は 2027-04-01 の形で書いてください。", "Write the date as 2027-04-01."))
}

fn not_found() -> AppError {
    AppError::not_found("価格協議が見つかりません。", "No such price negotiation.")
}

impl App {
    // ---- the plan ----

    /// The supplier's cost-sharing plan from its assessment's estimate.
    pub async fn sharing_plan(&self, actor: &Actor, input: &PlanInput) -> Result<Plan, AppError> {
        let view = self.assessment(actor, input.assessment_id).await?;
        if view.access != Access::Owner {
            return Err(AppError::not_found("自己評価が見つかりません。", "No such assessment."));
        }
        let rule = if input.rule.trim().is_empty() {
            Rule::default()
        } else {
            Rule::parse(input.rule.trim()).map_err(|e| AppError::invalid("rule", "分担の方法が正しくありません。", e.to_string()))?
        };
        if input.buyers.is_empty() {
            return Err(AppError::invalid(
                "buyers",
                "費用の分担を求める発注者を1社以上選んでください。",
                "Choose at least one buyer to ask.",
            ));
        }
        let mut conn = self.store.pool().acquire().await?;
        let me = actor.org.corporate_number.to_string();
        let mut participants = Vec::new();
        let mut names: Vec<(Option<String>, String, String)> = Vec::new();
        let mut covered: u64 = 0;
        for b in &input.buyers {
            let cn = CorporateNumber::parse(&b.buyer).map_err(|e| AppError::invalid("buyers", e.message_ja(), e.to_string()))?;
            let org = orgs::by_corporate_number(&mut conn, &cn).await?.ok_or_else(|| {
                AppError::invalid(
                    "buyers",
                    format!("法人番号{cn}の発注者はHoshiに登録されていません。"),
                    format!("The buyer {cn} is not registered in Hoshi."),
                )
            })?;
            if org.id == actor.org.id {
                return Err(AppError::invalid(
                    "buyers",
                    "自社を発注者には選べません。",
                    "Your own organisation cannot be one of the buyers.",
                ));
            }
            let required = sdb::link(&mut conn, org.id, &me).await.ok().map(|l| l.required_level);
            let level = Level::new(i64::from(b.level.or(required).unwrap_or(3)))
                .map_err(|e| AppError::invalid("buyers", "レベルは★1〜★5です。", e.to_string()))?;
            covered = covered.saturating_add(b.weight_yen);
            participants.push(Participant { id: cn.to_string(), level, weight: b.weight_yen });
            names.push((Some(cn.to_string()), org.name_ja.clone(), org.name_en.clone()));
        }
        let target = view.target();
        let own = input.own_weight_yen.unwrap_or_else(|| input.revenue_yen.map_or(0, |r| r.saturating_sub(covered)));
        if own > 0 || rule != Rule::WeightedAirport {
            participants.push(Participant { id: SELF_ID.into(), level: target, weight: own });
            names.push((None, actor.org.name_ja.clone(), actor.org.name_en.clone()));
        }
        let top = participants.iter().map(|p| p.level).max().unwrap_or(target);
        let increments: Vec<(u8, Yen, Yen)> =
            view.estimate.increments.iter().filter(|i| i.to <= top).map(|i| (i.to.get(), i.one_off, i.annual)).collect();
        if increments.is_empty() {
            return Err(AppError::invalid(
                "assessment",
                "この自己評価には費用の見積もりがありません（未達の評価基準がありません）。",
                "This assessment has no cost estimate to share (no gaps).",
            ));
        }
        let to_inc = |f: fn(&(u8, Yen, Yen)) -> Yen| -> Result<Vec<Increment>, AppError> {
            increments
                .iter()
                .map(|i| {
                    Ok(Increment {
                        level: Level::new(i64::from(i.0)).map_err(|e| AppError::invalid("plan", e.to_string(), e.to_string()))?,
                        cost_yen: f(i),
                    })
                })
                .collect()
        };
        let one_off: Allocation = sharing::allocate(rule, &to_inc(|i| i.1)?, &participants).map_err(sharing_error)?;
        let annual: Allocation = sharing::allocate(rule, &to_inc(|i| i.2)?, &participants).map_err(sharing_error)?;
        let edition = crate::assessment::current_edition()?;
        let months = input.months.unwrap_or_else(|| edition.level(target).validity_months.unwrap_or(36)).max(1);
        let spread = match input.rate_bp {
            Some(r) if r > 0 => Spread::CapitalRecovery { rate_bp: r },
            _ => Spread::StraightLine,
        };
        let mut shares = Vec::new();
        for (k, p) in participants.iter().enumerate() {
            let (o, a) = (&one_off.shares[k], &annual.shares[k]);
            let units = input.buyers.get(k).and_then(|b| b.annual_units);
            let uplift = if p.id == SELF_ID {
                None
            } else {
                Some(
                    sharing::uplift(&UpliftInput {
                        one_off_share: o.share_yen,
                        annual_share: a.share_yen,
                        months,
                        spread,
                        annual_purchases: (p.weight > 0).then(|| Yen::new(p.weight)),
                        annual_units: units.filter(|u| *u > 0),
                    })
                    .map_err(sharing_error)?,
                )
            };
            shares.push(PlanShare {
                id: p.id.clone(),
                corporate_number: names[k].0.clone(),
                name_ja: names[k].1.clone(),
                name_en: names[k].2.clone(),
                level: p.level.get(),
                weight_yen: p.weight,
                one_off_yen: o.share_yen,
                annual_yen: a.share_yen,
                one_off_by_increment: o.by_increment.clone(),
                annual_by_increment: a.by_increment.clone(),
                uplift,
                exceeds_stand_alone: o.exceeds_stand_alone || a.exceeds_stand_alone,
            });
        }
        Ok(Plan { rule, increments, total_one_off: one_off.total_yen, total_annual: annual.total_yen, months, spread, shares })
    }

    // ---- opening and stepping ----

    /// Opens a price consultation with each buyer of the plan; returns the new negotiation ids.
    /// Other buyers appear in each request without their names (what one buyer pays is not
    /// another's business); the evidence files listed are attached for the buyer and, on
    /// escalation, the regulator.
    pub async fn open_negotiations(
        &self,
        actor: &Actor,
        input: &PlanInput,
        message: &str,
        response_due: &str,
        evidence: &[String],
    ) -> Result<Vec<i64>, AppError> {
        actor.require_write()?;
        let plan = self.sharing_plan(actor, input).await?;
        let now = self.now();
        let due = if response_due.trim().is_empty() { default_response_due(now) } else { valid_date(response_due, "response_due")? };
        if due <= jst_date_string(now) {
            return Err(AppError::invalid(
                "response_due",
                "回答期限は明日以降の日付にしてください。",
                "The response date must be after today.",
            ));
        }
        let view = self.assessment(actor, input.assessment_id).await?;
        let files: Vec<(String, String)> = evidence
            .iter()
            .map(|sha| {
                view.evidence.iter().find(|e| &e.sha256 == sha).map(|e| (e.sha256.clone(), e.filename.clone())).ok_or_else(|| {
                    AppError::invalid(
                        "evidence",
                        "添付できるのはこの自己評価の証跡だけです。",
                        "Only this assessment's evidence files can be attached.",
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let mut ids = Vec::new();
        let mut tx = self.store.begin().await?;
        for share in plan.shares.iter().filter(|s| s.id != SELF_ID) {
            let Some(cn) = share.corporate_number.as_deref().and_then(|c| CorporateNumber::parse(c).ok()) else { continue };
            let buyer = orgs::by_corporate_number(&mut tx, &cn).await?.ok_or_else(not_found)?;
            let uplift = share.uplift;
            let annual = uplift.as_ref().map_or(0, |u| u.annual_yen.get());
            let others: Vec<Value> = plan
                .shares
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let who = if s.id == share.id {
                        json!({"you": true, "name_ja": s.name_ja, "name_en": s.name_en})
                    } else if s.id == SELF_ID {
                        json!({"supplier": true, "name_ja": s.name_ja, "name_en": s.name_en})
                    } else {
                        json!({"name_ja": format!("他の発注者{}", k + 1), "name_en": format!("another buyer {}", k + 1)})
                    };
                    json!({"who": who, "level": s.level, "one_off_yen": s.one_off_yen, "annual_yen": s.annual_yen,
                           "one_off_by_increment": s.one_off_by_increment, "annual_by_increment": s.annual_by_increment})
                })
                .collect();
            let body = json!({
                "assessment_id": input.assessment_id,
                "cost_basis": {
                    "increments": plan.increments.iter().map(|(l, o, a)| json!({"level": l, "one_off_yen": o, "annual_yen": a})).collect::<Vec<_>>(),
                    "total_one_off_yen": plan.total_one_off,
                    "total_annual_yen": plan.total_annual,
                },
                "rule": plan.rule.key(),
                "allocation": others,
                "your_share": {"level": share.level, "one_off_yen": share.one_off_yen, "annual_yen": share.annual_yen, "weight_yen": share.weight_yen},
                "spread": {"months": plan.months, "method": plan.spread},
                "uplift": uplift,
                "message": message.trim(),
                "response_due": due,
                "evidence": files.iter().map(|(sha, name)| json!({"sha256": sha, "filename": name})).collect::<Vec<_>>(),
            });
            let n = Negotiation {
                id: 0,
                supplier_org_id: actor.org.id,
                buyer_org_id: buyer.id,
                assessment_id: Some(input.assessment_id),
                state: State::Requested.key().into(),
                rule: plan.rule.key().into(),
                requested_annual_yen: annual,
                offered_annual_yen: annual,
                agreed_annual_yen: None,
                agreed_effective_from: None,
                response_due: due.clone(),
                opened_at: now,
                updated_at: now,
                first_response_at: None,
                escalated_at: None,
                retain_until: now + RETAIN_SECS,
            };
            let id = db::insert(&mut tx, &n).await?;
            for (sha, name) in &files {
                db::attach(&mut tx, id, sha, name).await?;
            }
            append(&mut tx, id, Kind::Request, actor, &body, now).await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// A party takes a step: the buyer answers, the supplier accepts a counter-offer or
    /// revises, either records a meeting or its minutes, the supplier records a price change
    /// made without consultation.
    pub async fn negotiation_step(&self, actor: &Actor, id: i64, input: &StepInput) -> Result<(), AppError> {
        actor.require_write()?;
        let kind = Kind::parse(input.kind.trim())
            .filter(|k| !matches!(k, Kind::Request | Kind::Escalate))
            .ok_or_else(|| AppError::invalid("kind", "操作が正しくありません。", "Unknown step."))?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut n = db::get(&mut tx, id).await.map_err(|_| not_found())?;
        let side = side_of(actor, &n).ok_or_else(not_found)?;
        let state = State::parse(&n.state).unwrap_or(State::Requested);
        let next = core_n::next(state, side, kind, n.escalated_at.is_some())
            .map_err(|e| AppError::invalid("kind", e.message_ja(), e.to_string()))?;
        let reason = input.reason.trim();
        let text = input.text.trim();
        let body = match kind {
            Kind::Accept => {
                let effective = if input.effective_from.trim().is_empty() {
                    let (y, m, _) = jst_date(now);
                    let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                    format!("{y:04}-{m:02}-01")
                } else {
                    valid_date(&input.effective_from, "effective_from")?
                };
                n.agreed_annual_yen = Some(n.offered_annual_yen);
                n.agreed_effective_from = Some(effective.clone());
                json!({"annual_yen": n.offered_annual_yen, "effective_from": effective, "text": text})
            }
            Kind::Counter | Kind::Revise => {
                let amount = input
                    .annual_yen
                    .ok_or_else(|| AppError::invalid("annual_yen", "年間の金額を入力してください。", "Enter the annual amount."))?;
                if kind == Kind::Counter && reason.is_empty() {
                    return Err(AppError::invalid("reason", "対案の理由を書いてください。", "Write the reason for the counter-offer."));
                }
                n.offered_annual_yen = amount;
                json!({"annual_yen": amount, "reason": reason, "text": text})
            }
            Kind::Decline => {
                if reason.chars().count() < 5 {
                    return Err(AppError::invalid(
                        "reason",
                        "拒否するには理由を具体的に書いてください（独占禁止法・下請法の趣旨により、理由を示さない拒否は問題となりえます）。",
                        "Write a concrete reason to decline (declining without a reason can breach the Antimonopoly and Subcontract Acts).",
                    ));
                }
                json!({"reason": reason})
            }
            Kind::Meeting => {
                if input.when.trim().is_empty() {
                    return Err(AppError::invalid(
                        "when",
                        "協議の日時の候補を書いてください。",
                        "Propose a date and time for the meeting.",
                    ));
                }
                json!({"when": input.when.trim(), "place": input.place.trim(), "text": text})
            }
            Kind::Minutes => {
                if text.is_empty() {
                    return Err(AppError::invalid("text", "議事録の内容を書いてください。", "Write the minutes."));
                }
                json!({"held_on": input.when.trim(), "text": text})
            }
            Kind::UnilateralChange => {
                if text.is_empty() {
                    return Err(AppError::invalid(
                        "text",
                        "いつ、どのように価格が変更されたかを書いてください。",
                        "Describe when and how the price was changed.",
                    ));
                }
                json!({"text": text, "annual_yen": input.annual_yen})
            }
            Kind::Request | Kind::Escalate => return Err(AppError::invalid("kind", "操作が正しくありません。", "Unknown step.")),
        };
        if side == Side::Buyer && kind.is_buyer_response() && n.first_response_at.is_none() {
            n.first_response_at = Some(now);
        }
        n.state = next.key().into();
        n.updated_at = now;
        db::update(&mut tx, &n).await?;
        append(&mut tx, id, kind, actor, &body, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The supplier sends the case to the regulator's inbox, with the grounds that hold now.
    pub async fn escalate(&self, actor: &Actor, id: i64, note: &str) -> Result<Vec<Ground>, AppError> {
        actor.require_write()?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut n = db::get(&mut tx, id).await.map_err(|_| not_found())?;
        if side_of(actor, &n) != Some(Side::Supplier) {
            return Err(not_found());
        }
        if n.escalated_at.is_some() {
            return Err(AppError::Conflict(crate::Msg::new(
                core_n::StepError::AlreadyEscalated.message_ja(),
                core_n::StepError::AlreadyEscalated.to_string(),
            )));
        }
        let kinds: Vec<Kind> = db::steps(&mut tx, id).await?.iter().filter_map(|s| Kind::parse(&s.kind)).collect();
        let state = State::parse(&n.state).unwrap_or(State::Requested);
        let grounds = core_n::escalation_grounds(state, &kinds, &n.response_due, &jst_date_string(now));
        if grounds.is_empty() {
            return Err(AppError::invalid(
                "grounds",
                "申し出の理由がまだありません（回答期限の経過、拒否、協議なしの価格変更のいずれか）。",
                "There are no grounds yet: the response date must have passed without an answer, the buyer must have declined, or a price change without consultation must be recorded.",
            ));
        }
        n.escalated_at = Some(now);
        n.updated_at = now;
        db::update(&mut tx, &n).await?;
        let body = json!({"grounds": grounds.iter().map(|g| g.key()).collect::<Vec<_>>(), "note": note.trim()});
        append(&mut tx, id, Kind::Escalate, actor, &body, now).await?;
        tx.commit().await?;
        tracing::info!(negotiation = id, "escalated to the regulator");
        Ok(grounds)
    }

    // ---- reading ----

    /// One negotiation for a party, or for the regulator once escalated.
    pub async fn negotiation(&self, actor: &Actor, id: i64) -> Result<NegotiationView, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let n = db::get(&mut conn, id).await.map_err(|_| not_found())?;
        let viewer = side_of(actor, &n);
        if viewer.is_none() && !(actor.has_role(OrgRole::Regulator) && n.escalated_at.is_some()) {
            return Err(not_found());
        }
        self.load_negotiation(&mut conn, n, viewer).await
    }

    async fn load_negotiation(&self, conn: &mut Conn, n: Negotiation, viewer: Option<Side>) -> Result<NegotiationView, AppError> {
        let supplier = orgs::get(conn, n.supplier_org_id).await?;
        let buyer = orgs::get(conn, n.buyer_org_id).await?;
        let steps = db::steps(conn, n.id).await?;
        let records: Vec<StepRecord> = steps.iter().map(record).collect();
        let chain = core_n::verify_chain(&records).map_err(|e| e.to_string());
        let kinds: Vec<Kind> = steps.iter().filter_map(|s| Kind::parse(&s.kind)).collect();
        let state = State::parse(&n.state).unwrap_or(State::Requested);
        let today = jst_date_string(self.now());
        let grounds =
            if n.escalated_at.is_some() { Vec::new() } else { core_n::escalation_grounds(state, &kinds, &n.response_due, &today) };
        let request = steps.first().and_then(|s| serde_json::from_str(&s.body).ok()).unwrap_or(Value::Null);
        let sent_grounds: Vec<Ground> = steps
            .iter()
            .filter(|s| s.kind == Kind::Escalate.key())
            .filter_map(|s| serde_json::from_str::<Value>(&s.body).ok())
            .flat_map(|b| b["grounds"].as_array().cloned().unwrap_or_default())
            .filter_map(|g| g.as_str().and_then(Ground::parse))
            .collect();
        let supplier_cn = supplier.corporate_number.to_string();
        Ok(NegotiationView {
            id: n.id,
            state,
            rule: n.rule.clone(),
            requested_annual_yen: n.requested_annual_yen,
            offered_annual_yen: n.offered_annual_yen,
            agreed_annual_yen: n.agreed_annual_yen,
            agreed_effective_from: n.agreed_effective_from.clone(),
            overdue: core_n::missed_deadline(state, n.first_response_at.is_some(), &n.response_due, &today),
            response_due: n.response_due.clone(),
            opened_at: n.opened_at,
            escalated_at: n.escalated_at,
            retain_until: n.retain_until,
            steps: steps
                .iter()
                .map(|s| StepView {
                    seq: s.seq,
                    kind: s.kind.clone(),
                    side: if s.org_corporate_number == supplier_cn { Side::Supplier } else { Side::Buyer },
                    actor: s.actor.clone(),
                    at: s.at,
                    body: serde_json::from_str(&s.body).unwrap_or(Value::Null),
                    hash: s.hash.clone(),
                })
                .collect(),
            evidence: db::evidence(conn, n.id).await?,
            request,
            grounds,
            sent_grounds,
            chain,
            viewer,
            supplier: party(&supplier),
            buyer: party(&buyer),
        })
    }

    /// The actor's negotiations (as supplier and as buyer), open ones by due date first.
    pub async fn my_negotiations(&self, actor: &Actor) -> Result<Vec<NegotiationView>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let mut out = Vec::new();
        for n in db::of_org(&mut conn, actor.org.id).await? {
            let side = side_of(actor, &n);
            out.push(self.load_negotiation(&mut conn, n, side).await?);
        }
        out.sort_by(|a, b| {
            let open = |v: &NegotiationView| !matches!(v.state, State::Agreed | State::Declined);
            open(b).cmp(&open(a)).then(a.response_due.cmp(&b.response_due)).then(b.id.cmp(&a.id))
        });
        Ok(out)
    }

    /// The record as a file anyone can check: every step with its hash, and the algorithm.
    pub async fn negotiation_record(&self, actor: &Actor, id: i64) -> Result<Value, AppError> {
        let v = self.negotiation(actor, id).await?;
        let mut conn = self.store.pool().acquire().await?;
        let steps = db::steps(&mut conn, id).await?;
        drop(conn);
        let detail = json!({"what": "negotiation record", "negotiation": id, "steps": steps.len()});
        self.record_audit(
            &crate::audit::Who::of(actor),
            hoshi_core::audit::Action::PersonalDataExported,
            &format!("negotiation:{id}"),
            detail,
        )
        .await?;
        Ok(json!({
            "negotiation": id,
            "supplier": v.supplier,
            "buyer": v.buyer,
            "algorithm": "hoshi-negotiation-step-v1: SHA-256 over \"hoshi-negotiation-step-v1\\n\" then, for seq, kind, org, actor, at, body, prev_hash: <byte length>:<bytes>\\n",
            "steps": steps.iter().map(record).collect::<Vec<_>>(),
            "last_hash": v.chain.as_ref().ok(),
            "verified": v.chain.is_ok(),
        }))
    }

    /// The escalation file for the Fair Trade Commission (the supplier, the buyer, and the
    /// regulator once sent).
    pub async fn escalation_file(&self, actor: &Actor, id: i64) -> Result<NegotiationView, AppError> {
        let v = self.negotiation(actor, id).await?;
        if v.escalated_at.is_none() && v.grounds.is_empty() {
            return Err(AppError::invalid("grounds", "まだ申し出の理由がありません。", "There are no grounds for an escalation yet."));
        }
        Ok(v)
    }

    /// The evidence the supplier attached to a negotiation: for its parties, and for the
    /// regulator once escalated.
    pub async fn negotiation_evidence(&self, actor: &Actor, id: i64, sha256: &str) -> Result<(String, Vec<u8>, String), AppError> {
        let v = self.negotiation(actor, id).await?;
        let Some((_, name)) = v.evidence.iter().find(|(s, _)| s == sha256) else { return Err(not_found()) };
        let mut conn = self.store.pool().acquire().await?;
        let (content_type, bytes) = adb::file(&mut conn, sha256).await?;
        Ok((content_type, bytes, name.clone()))
    }

    // ---- the regulator ----

    fn require_regulator(actor: &Actor) -> Result<(), AppError> {
        if actor.has_role(OrgRole::Regulator) {
            Ok(())
        } else {
            Err(AppError::forbidden("この画面は公正取引委員会（規制当局）だけが使えます。", "Only the regulator can see this."))
        }
    }

    /// The regulator's inbox: escalated cases, newest first.
    pub async fn regulator_cases(&self, actor: &Actor) -> Result<Vec<NegotiationView>, AppError> {
        App::require_regulator(actor)?;
        let mut conn = self.store.pool().acquire().await?;
        let mut out = Vec::new();
        for n in db::escalated(&mut conn).await? {
            out.push(self.load_negotiation(&mut conn, n, None).await?);
        }
        Ok(out)
    }

    /// Aggregate figures over every negotiation.
    pub async fn regulator_figures(&self, actor: &Actor) -> Result<Figures, AppError> {
        App::require_regulator(actor)?;
        let mut conn = self.store.pool().acquire().await?;
        let all = db::all(&mut conn).await?;
        let today = jst_date_string(self.now());
        let mut times: Vec<i64> = all.iter().filter_map(|n| n.first_response_at.map(|r| r - n.opened_at)).collect();
        let agreed = all.iter().filter(|n| n.state == State::Agreed.key()).count();
        let mut by: HashMap<i64, (usize, usize, usize)> = HashMap::new();
        for n in &all {
            let e = by.entry(n.buyer_org_id).or_default();
            e.0 += 1;
            if n.state == State::Declined.key() {
                e.1 += 1;
            }
            let state = State::parse(&n.state).unwrap_or(State::Requested);
            if core_n::missed_deadline(state, n.first_response_at.is_some(), &n.response_due, &today) {
                e.2 += 1;
            }
        }
        let mut by_buyer = Vec::new();
        for (org_id, (requests, declines, missed)) in by {
            let o = orgs::get(&mut conn, org_id).await?;
            by_buyer.push((o.corporate_number.to_string(), o.name_ja.clone(), requests, declines, missed));
        }
        by_buyer.sort_by(|a, b| (b.3 + b.4).cmp(&(a.3 + a.4)).then(a.0.cmp(&b.0)));
        Ok(Figures {
            requests: all.len(),
            answered: all.iter().filter(|n| n.first_response_at.is_some()).count(),
            agreed,
            acceptance_per_mille: (agreed as u64 * 1000).checked_div(all.len() as u64).unwrap_or(0),
            median_response_secs: core_n::median(&mut times),
            escalated: all.iter().filter(|n| n.escalated_at.is_some()).count(),
            by_buyer,
        })
    }

    /// Buyers the supplier can ask: those that list it, then every other registered buyer.
    pub async fn buyer_choices(&self, actor: &Actor) -> Result<Vec<(Org, Option<u8>, Option<u64>)>, AppError> {
        let mut conn = self.store.pool().acquire().await?;
        let me = actor.org.corporate_number.to_string();
        let links: HashMap<i64, (u8, Option<u64>)> = sdb::links_to_supplier(&mut conn, &me)
            .await?
            .into_iter()
            .map(|l| (l.buyer_org_id, (l.required_level, l.annual_purchase_yen)))
            .collect();
        let mut out: Vec<(Org, Option<u8>, Option<u64>)> = orgs::list(&mut conn)
            .await?
            .into_iter()
            .filter(|o| o.id != actor.org.id && o.roles.contains(&OrgRole::Buyer))
            .map(|o| {
                let l = links.get(&o.id).copied();
                (o, l.map(|x| x.0), l.and_then(|x| x.1))
            })
            .collect();
        out.sort_by_key(|(o, level, _)| (level.is_none(), o.corporate_number.to_string()));
        Ok(out)
    }
}

fn side_of(actor: &Actor, n: &Negotiation) -> Option<Side> {
    if actor.org.id == n.supplier_org_id {
        Some(Side::Supplier)
    } else if actor.org.id == n.buyer_org_id {
        Some(Side::Buyer)
    } else {
        None
    }
}

fn record(s: &Step) -> StepRecord {
    StepRecord {
        seq: s.seq,
        kind: s.kind.clone(),
        org: s.org_corporate_number.clone(),
        actor: s.actor.clone(),
        at: s.at,
        body: s.body.clone(),
        prev_hash: s.prev_hash.clone(),
        hash: s.hash.clone(),
    }
}

/// Appends a step to the chain in the caller's transaction.
async fn append(tx: &mut Conn, id: i64, kind: Kind, actor: &Actor, body: &Value, now: i64) -> Result<(), AppError> {
    let steps = db::steps(tx, id).await?;
    let prev = steps.last().map(|s| s.hash.clone()).unwrap_or_default();
    let seq = steps.len() as u64 + 1;
    let org = actor.org.corporate_number.to_string();
    let actor_name = format!("{} <{}>", actor.display_name, actor.email);
    let body = body.to_string();
    let hash = core_n::step_hash(seq, kind.key(), &org, &actor_name, now, &body, &prev);
    let step = Step {
        seq,
        kind: kind.key().into(),
        org_corporate_number: org,
        user_id: Some(actor.user_id),
        actor: actor_name,
        at: now,
        body,
        prev_hash: prev,
        hash,
    };
    db::insert_step(tx, id, &step).await?;
    Ok(())
}
