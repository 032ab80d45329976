//! The dashboard: one page per actor, with a section for each role the organisation plays and
//! first steps whose empty states say what to do.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hoshi_core::org::OrgRole;

use super::{error_page, render, Layout};
use crate::ctx::Ctx;
use crate::AppState;

pub struct Step {
    pub label: &'static str,
    pub href: &'static str,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub l: Layout,
    pub name: String,
    pub org_name: String,
    pub corporate_number: String,
    pub roles: Vec<&'static str>,
    pub steps: Vec<Step>,
    pub supplier: bool,
    pub buyer: bool,
    pub expert: bool,
    pub assessment_body: bool,
    pub registry: bool,
    pub regulator: bool,
    pub org_count: usize,
    pub star3_criteria: u32,
    /// The supplier's latest assessment: (id, summary line).
    pub latest: Option<(i64, String)>,
    /// The organisation's certificates: (serial, summary, reminder when expiry is near).
    pub certificates: Vec<(String, String, Option<String>)>,
    /// Plan tasks past their due date: (assessment id, task number, due date).
    pub overdue: Vec<(i64, i64, String)>,
}

/// The reminder for a certificate expiring in `days` days: at 90, 30 and 7 days before.
pub fn reminder(days: i64, t: crate::i18n::T) -> Option<String> {
    let stage = hoshi_core::plan::reminder_stage(days.max(0))?;
    Some(if t.ja() {
        format!("有効期限まであと{days}日です（{stage}日前のお知らせ）。更新の準備として、確認済みの版から「更新・年次の自己評価」を始めてください。")
    } else {
        format!("{days} days until expiry (the {stage}-day reminder). Start the renewal from your confirmed version to renew.")
    })
}

/// The reminder for a ★4 annual self-assessment due in `days` days.
pub fn annual_reminder(days: i64, due: &str, t: crate::i18n::T) -> Option<String> {
    let stage = hoshi_core::plan::reminder_stage(days)?;
    Some(if t.ja() {
        format!("★4の年次自己評価の期限（{due}）まであと{days}日です（{stage}日前のお知らせ）。評価済みの版から「更新・年次の自己評価」を始めてください。")
    } else {
        format!("{days} days until the ★4 annual self-assessment is due ({due}; the {stage}-day reminder). Start it from your assessed version.")
    })
}

pub async fn show(State(s): State<AppState>, ctx: Ctx) -> Response {
    let actor = match ctx.actor() {
        Ok(a) => a.clone(),
        Err(e) => return error_page(&ctx, &e),
    };
    let view = match s.app.org_view(&actor, actor.org.id).await {
        Ok(v) => v,
        Err(e) => return error_page(&ctx, &e),
    };
    let t = ctx.t();
    let org = &view.org;
    let profile_done = org.industry != hoshi_core::org::Industry::Other || org.employees.is_some() || org.capital_yen.is_some();
    let mut steps = vec![
        Step { label: t.t("dashboard.step_profile"), href: "/org", done: profile_done },
        Step { label: t.t("dashboard.step_invite"), href: "/org", done: view.members.len() > 1 || !view.invitations.is_empty() },
    ];
    if actor.has_role(OrgRole::Buyer) && actor.is_admin() {
        steps.push(Step { label: t.t("dashboard.step_token"), href: "/org/tokens", done: !view.tokens.is_empty() });
    }
    steps.push(Step { label: t.t("dashboard.step_catalog"), href: "/catalog", done: false });
    let registry = actor.has_role(OrgRole::RegistryOperator);
    let org_count = if registry { s.app.registered_org_count(&actor).await.unwrap_or(0) } else { 0 };
    let latest = if actor.has_role(OrgRole::Supplier) {
        match s.app.my_assessments(&actor).await.ok().and_then(|l| l.into_iter().next()) {
            Some(a) => match s.app.assessment(&actor, a.id).await {
                Ok(v) => Some((
                    a.id,
                    format!(
                        "v{} · {} ★{} · {} · {} {} · {} {}",
                        a.version,
                        t.pick("目標", "target"),
                        a.target_level,
                        v.status.name(t.ja()),
                        t.pick("達成", "achieved"),
                        v.evaluation.achieved.map_or_else(|| t.pick("なし", "none").to_owned(), |l| l.to_string()),
                        t.pick("未達・未回答", "gaps"),
                        v.evaluation.gaps.len()
                    ),
                )),
                Err(_) => None,
            },
            None => None,
        }
    } else {
        None
    };
    let now = s.app.now();
    let certificates = s
        .app
        .my_certificates(&actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| matches!(hoshi_app::registry::effective_state(c, now), "active" | "suspended"))
        .map(|c| {
            let days = (c.valid_until - now).div_euclid(86_400);
            let line = format!(
                "★{} · {} · {} {}",
                c.level,
                crate::pages::registry::state_name(hoshi_app::registry::effective_state(&c, now), t),
                t.pick("有効期限", "valid until"),
                hoshi_core::time::jst_date_string(c.valid_until)
            );
            // The level's validity and whether it asks for an annual self-assessment, from the edition.
            let info = hoshi_standard::shared_edition(Some(&c.edition))
                .ok()
                .and_then(|e| hoshi_core::Level::new(i64::from(c.level)).ok().map(|l| e.level(l).clone()));
            let months = info.as_ref().and_then(|i| i.validity_months).unwrap_or(12);
            let annual = hoshi_core::plan::certificate_dues(
                info.as_ref().is_some_and(|i| i.annual_self_assessment),
                c.issued_at,
                c.valid_until,
                months,
                now,
            )
            .into_iter()
            .find(|d| d.kind == hoshi_core::plan::DueKind::AnnualSelfAssessment && d.stage.is_some());
            let r = if c.state != "active" {
                None
            } else if let Some(d) = annual {
                annual_reminder(d.days_left, &hoshi_core::time::jst_date_string(d.at), t)
            } else {
                reminder(days, t)
            };
            (c.serial, line, r)
        })
        .collect();
    let overdue = if actor.has_role(OrgRole::Supplier) {
        s.app
            .overdue_tasks(&actor)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(a, t)| (a, t.position, t.due_date.unwrap_or_default()))
            .collect()
    } else {
        Vec::new()
    };
    let star3_criteria = hoshi_standard::shared_edition(None).map_or(0, |e| e.published_total(hoshi_core::Level::THREE));
    let page = DashboardPage {
        name: actor.display_name.clone(),
        org_name: t.pick(&org.name_ja, &org.name_en).to_owned(),
        corporate_number: org.corporate_number.to_string(),
        roles: org.roles.iter().map(|r| t.pick(r.name_ja(), r.name_en())).collect(),
        steps,
        supplier: actor.has_role(OrgRole::Supplier),
        buyer: actor.has_role(OrgRole::Buyer),
        expert: actor.has_role(OrgRole::Expert),
        assessment_body: actor.has_role(OrgRole::AssessmentBody),
        registry,
        regulator: actor.has_role(OrgRole::Regulator),
        org_count,
        star3_criteria,
        latest,
        certificates,
        overdue,
        l: Layout::new(&ctx, t.t("dashboard.title")),
    };
    render(StatusCode::OK, &page)
}

#[cfg(test)]
mod tests {
    use super::reminder;
    use crate::i18n::{Lang, T};

    #[test]
    fn reminders_come_at_90_30_and_7_days() {
        let t = T { lang: Lang::En };
        assert_eq!(reminder(91, t), None);
        assert!(reminder(90, t).is_some_and(|r| r.contains("90-day")));
        assert!(reminder(31, t).is_some_and(|r| r.contains("90-day")));
        assert!(reminder(30, t).is_some_and(|r| r.contains("30-day")));
        assert!(reminder(7, t).is_some_and(|r| r.contains("7-day")));
        assert!(reminder(0, t).is_some_and(|r| r.contains("7-day")));
    }
}
