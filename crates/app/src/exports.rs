//! Documents made from an assessment: the gap report (rows for the printable page, CSV), the
//! OSCAL assessment-results document and Hoshi's JSON. Both the web and the command line use them.

use hoshi_core::time::rfc3339;
use hoshi_core::Level;
use hoshi_standard::oscal_ar::{self, CriterionOutcome, CriterionResult, ResultsInput};
use hoshi_standard::oscal_poam::{self, PoamInput, PoamTask};
use hoshi_standard::Lang;
use serde_json::{json, Value};

use crate::assessment::{Access, AssessmentView, Status, THIRD_PARTY};
use crate::plan::PlanView;
pub use crate::workbook::{assessment_xlsx, gaps_xlsx, plan_xlsx};
use crate::App;

/// One gap, ready to print.
#[derive(Debug, Clone)]
pub struct GapRow {
    pub criterion: String,
    pub level: String,
    pub category: String,
    pub requirement: String,
    pub text: String,
    pub guidance: String,
    pub answer: String,
    pub one_off: u64,
    pub annual: u64,
    pub hours: u64,
    pub quoted: bool,
}

fn answer_word(status: Option<&str>, lang: Lang) -> &'static str {
    let ja = lang == Lang::Ja;
    match (status, ja) {
        (Some("not_met"), true) => "満たしていない",
        (Some("not_met"), false) => "Not met",
        (_, true) => "未回答",
        (_, false) => "Not answered",
    }
}

/// The gaps to the target, in catalog order, with their cost.
pub fn gap_rows(v: &AssessmentView, lang: Lang) -> Vec<GapRow> {
    v.evaluation
        .gaps
        .iter()
        .filter_map(|g| {
            let c = v.edition.criterion(&g.criterion)?;
            let line = v.estimate.lines.iter().find(|l| l.criterion == g.criterion);
            Some(GapRow {
                criterion: c.id.clone(),
                level: c.level.to_string(),
                category: v.edition.category(&c.category).map(|x| x.name.get(lang).to_owned()).unwrap_or_default(),
                requirement: v.edition.requirement(&c.requirement).map(|r| format!("{} {}", r.id, r.title.get(lang))).unwrap_or_default(),
                text: c.text.get(lang).to_owned(),
                guidance: c.guidance.get(lang).to_owned(),
                answer: answer_word(v.answers.get(&c.id).map(|a| a.status.as_str()), lang).to_owned(),
                one_off: line.map_or(0, |l| l.one_off.get()),
                annual: line.map_or(0, |l| l.annual.get()),
                hours: line.map_or(0, |l| l.hours),
                quoted: line.is_some_and(|l| l.quoted),
            })
        })
        .collect()
}

/// The gap report as CSV (UTF-8 with a byte-order mark so Excel opens it), one row per gap,
/// then the overhead and total rows of each increment: the amounts add up to the totals.
pub fn gaps_csv(v: &AssessmentView, lang: Lang) -> Vec<u8> {
    let ja = lang == Lang::Ja;
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = if ja {
        [
            "評価基準番号",
            "レベル",
            "分類",
            "要求事項",
            "評価基準",
            "回答",
            "ガイダンス",
            "初期費用（円）",
            "年間費用（円）",
            "工数（時間）",
            "見積書",
        ]
    } else {
        [
            "criterion",
            "level",
            "category",
            "requirement",
            "text",
            "answer",
            "guidance",
            "one_off_yen",
            "annual_yen",
            "staff_hours",
            "quoted",
        ]
    };
    let _ = w.write_record(header);
    for r in gap_rows(v, lang) {
        let _ = w.write_record([
            r.criterion,
            r.level,
            r.category,
            r.requirement,
            r.text,
            r.answer,
            r.guidance,
            r.one_off.to_string(),
            r.annual.to_string(),
            r.hours.to_string(),
            if r.quoted { "yes".into() } else { String::new() },
        ]);
    }
    for inc in v.estimate.increments.iter().filter(|i| i.to <= v.target()) {
        let label = match (inc.from, ja) {
            (None, true) => "★3の取得まで".to_owned(),
            (None, false) => "Reaching ★3".to_owned(),
            (Some(f), _) => format!("{f} → {}", inc.to),
        };
        let (oh, tot) = if ja { ("管理費", "合計") } else { ("overhead", "total") };
        let _ = w.write_record([
            format!("{label} {oh}"),
            String::new(),
            String::new(),
            String::new(),
            format!("{}%", v.estimate.settings.overhead_percent),
            String::new(),
            String::new(),
            inc.overhead_one_off.get().to_string(),
            inc.overhead_annual.get().to_string(),
            String::new(),
            String::new(),
        ]);
        let _ = w.write_record([
            format!("{label} {tot}"),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            inc.one_off.get().to_string(),
            inc.annual.get().to_string(),
            String::new(),
            String::new(),
        ]);
    }
    out.extend(w.into_inner().unwrap_or_default());
    out
}

/// The assessment as OSCAL assessment-results.
pub fn oscal(v: &AssessmentView, lang: Lang) -> Value {
    oscal_ar::assessment_results(&v.edition, &results_input(v, lang), lang)
}

/// What the OSCAL documents of an assessment are made from.
fn results_input(v: &AssessmentView, lang: Lang) -> ResultsInput {
    let a = &v.assessment;
    let review_of = |cid: &str| {
        v.engagements
            .iter()
            .filter(|(e, _, _)| e.kind != crate::assessment::SUPPORT)
            .rev()
            .find_map(|(_, _, items)| items.iter().find(|r| r.criterion == cid).cloned())
    };
    let outcomes = v
        .edition
        .criteria_up_to(v.target())
        .map(|c| {
            let ans = v.answers.get(&c.id);
            let review = review_of(&c.id);
            CriterionOutcome {
                criterion: c.id.clone(),
                result: match ans.map(|x| x.status.as_str()) {
                    Some("met") => CriterionResult::Met,
                    Some("not_met") => CriterionResult::NotMet,
                    Some("not_applicable") => CriterionResult::NotApplicable,
                    _ => CriterionResult::Unanswered,
                },
                reason: ans.filter(|x| x.status == "not_applicable").map(|x| x.reason.clone()),
                note: ans.map(|x| x.note.clone()).filter(|n| !n.is_empty()),
                evidence_sha256: v.evidence.iter().filter(|e| e.criterion == c.id).map(|e| e.sha256.clone()).collect(),
                review: review.as_ref().map(|r| r.position.clone()),
                finding_state: review
                    .as_ref()
                    .filter(|r| crate::assessment::FINDING_POSITIONS.contains(&r.position.as_str()))
                    .map(|r| if r.resolved_at.is_some() { "resolved" } else { "open" }.to_owned()),
                corrective_action: review
                    .as_ref()
                    .filter(|r| !r.corrective_action.is_empty())
                    .map(|r| format!("{} (due {})", r.corrective_action, r.corrective_due)),
                thread: v
                    .findings
                    .iter()
                    .filter(|n| n.criterion == c.id)
                    .map(|n| {
                        format!(
                            "{} {} {}: {}{}",
                            rfc3339(n.created_at),
                            n.side,
                            n.kind,
                            n.body,
                            if n.due.is_empty() { String::new() } else { format!(" (due {})", n.due) }
                        )
                    })
                    .collect(),
                review_comment: review.map(|r| r.comment).filter(|c| !c.is_empty()),
            }
        })
        .collect();
    let confirmer = v.engagements.iter().find(|(e, _, _)| matches!(e.status.as_str(), "confirmed" | "completed")).map(|(_, o, _)| {
        if lang == Lang::Ja {
            o.name_ja.clone()
        } else {
            o.name_en.clone()
        }
    });
    let kind = match v.status {
        Status::Confirmed => "self-assessment confirmed by a security expert",
        Status::Assessed => "third-party assessment by an assessment body",
        _ => "self-assessment",
    };
    let achieved = if v.status == Status::Assessed { App::assessed_level(v) } else { v.evaluation.achieved };
    ResultsInput {
        assessment_key: format!("{}-v{}-{}", v.org.corporate_number, a.version, a.id),
        corporate_number: v.org.corporate_number.to_string(),
        organisation_name: if lang == Lang::Ja { v.org.name_ja.clone() } else { v.org.name_en.clone() },
        target_level: a.target_level,
        achieved_level: achieved.map(Level::get),
        assessment_kind: kind.to_owned(),
        scope: format!("{} {}", a.scope_kind, a.scope_text).trim().to_owned(),
        started: rfc3339(a.created_at),
        ended: rfc3339(a.locked_at.unwrap_or(a.updated_at)),
        last_modified: rfc3339(a.updated_at),
        confirmed_by: confirmer,
        outcomes,
    }
}

/// The remediation plan as OSCAL plan-of-action-and-milestones: one poam-item per task, linked
/// to the findings of [`oscal`] for the same assessment (same UUIDs).
pub fn poam(v: &AssessmentView, p: &PlanView, lang: Lang) -> Value {
    let tasks = p
        .tasks
        .iter()
        .map(|t| PoamTask {
            number: t.task.position,
            title: format!("#{} {}", t.task.position, if lang == Lang::Ja { &t.title_ja } else { &t.title_en }),
            description: t
                .criteria
                .iter()
                .filter_map(|c| v.edition.criterion(c))
                .map(|c| format!("{} {}", c.id, c.text.get(lang)))
                .collect::<Vec<_>>()
                .join("\n"),
            criteria: t.criteria.clone(),
            status: t.task.status.clone(),
            reason: t.task.reason.clone(),
            owner: t.task.owner.clone(),
            due: t.task.due_date.clone(),
            one_off_yen: t.one_off.get(),
            annual_yen: t.annual.get(),
            staff_hours: t.hours,
            evidence_sha256: t.evidence.iter().map(|(_, _, sha)| sha.clone()).filter(|s| !s.is_empty()).collect(),
        })
        .collect();
    oscal_poam::poam(&v.edition, &PoamInput { results: results_input(v, lang), target_date: p.plan.target_date.clone(), tasks }, lang)
}

/// The plan's rows for CSV and XLSX: a header and one row per task, with the amounts in whole yen.
pub fn plan_rows(v: &AssessmentView, p: &PlanView, lang: Lang) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let ja = lang == Lang::Ja;
    let header = if ja {
        vec![
            "番号",
            "評価基準",
            "タスク",
            "分類",
            "レベル",
            "担当者",
            "期日",
            "状態",
            "理由",
            "初期費用（円）",
            "年間費用（円）",
            "工数（時間）",
            "証跡",
            "期限超過",
        ]
    } else {
        vec![
            "number",
            "criteria",
            "task",
            "categories",
            "level",
            "owner",
            "due_date",
            "status",
            "reason",
            "one_off_yen",
            "annual_yen",
            "staff_hours",
            "evidence",
            "overdue",
        ]
    };
    let rows = p
        .tasks
        .iter()
        .map(|t| {
            vec![
                t.task.position.to_string(),
                t.criteria.join(" "),
                if ja { t.title_ja.clone() } else { t.title_en.clone() },
                t.categories
                    .iter()
                    .filter_map(|c| v.edition.category(c))
                    .map(|c| c.name.get(lang).to_owned())
                    .collect::<Vec<_>>()
                    .join(" / "),
                t.level.to_string(),
                t.task.owner.clone(),
                t.task.due_date.clone().unwrap_or_default(),
                t.status.name(ja).to_owned(),
                t.task.reason.clone(),
                t.one_off.get().to_string(),
                t.annual.get().to_string(),
                t.hours.to_string(),
                t.evidence.as_ref().map(|(_, title, _)| title.clone()).unwrap_or_default(),
                if t.overdue { if ja { "超過" } else { "overdue" }.to_owned() } else { String::new() },
            ]
        })
        .collect();
    (header, rows)
}

/// The plan as CSV (UTF-8 with a byte-order mark for Excel; cells that a spreadsheet would
/// read as a formula are made text).
pub fn plan_csv(v: &AssessmentView, p: &PlanView, lang: Lang) -> Vec<u8> {
    let (header, rows) = plan_rows(v, p, lang);
    let mut out = "\u{feff}".as_bytes().to_vec();
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(&header);
    for r in rows {
        let _ = w.write_record(r.iter().map(|c| hoshi_core::text::spreadsheet_safe(c)));
    }
    out.extend(w.into_inner().unwrap_or_default());
    out
}

/// Hoshi's own JSON for an assessment (what the API returns). Evidence is listed only where the
/// viewer may see it.
pub fn json(v: &AssessmentView) -> Value {
    let a = &v.assessment;
    let achieved = v.evaluation.achieved.map(Level::get);
    let assessed = (v.status == Status::Assessed).then(|| App::assessed_level(v).map(Level::get));
    json!({
        "id": a.id,
        "supplier": {"corporate_number": v.org.corporate_number.to_string(), "name_ja": v.org.name_ja, "name_en": v.org.name_en},
        "edition": a.edition,
        "version": a.version,
        "target_level": a.target_level,
        "status": v.status.key(),
        "locked": v.locked(),
        "scope": {"kind": a.scope_kind, "description": a.scope_text, "on_premises": a.it_onprem, "cloud": a.it_cloud},
        "achieved_level": achieved,
        "assessed_level": assessed,
        "readiness_by_level": v.evaluation.by_level,
        "readiness_by_category": v.evaluation.by_category,
        "gaps": v.evaluation.gaps,
        "answers": v.edition.criteria_up_to(v.target()).filter_map(|c| v.answers.get(&c.id)).map(|x| json!({
            "criterion": x.criterion, "status": x.status, "reason": x.reason, "note": x.note, "updated_at": x.at,
        })).collect::<Vec<_>>(),
        "estimate": v.estimate,
        "evidence": v.evidence.iter().map(|e| json!({"criterion": e.criterion, "sha256": e.sha256, "filename": e.filename, "content_type": e.content_type, "size": e.size})).collect::<Vec<_>>(),
        "engagements": v.engagements.iter().map(|(e, o, items)| json!({
            "provider": o.corporate_number.to_string(), "kind": e.kind, "status": e.status, "comment": e.decision_comment,
            "reviews": items.iter().map(|r| json!({"criterion": r.criterion, "position": r.position, "comment": r.comment, "not_applicable_agreed": *r.na_agreed, "resolved": r.resolved_at.is_some(), "corrective_action": r.corrective_action, "corrective_due": r.corrective_due})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "pledge": v.pledge.as_ref().map(|p| json!({"officer_name": p.officer_name, "officer_title": p.officer_title, "text_version": p.text_version, "text_sha256": p.text_sha256, "signed_at": p.signed_at})),
        "shared_as": match &v.access { Access::Buyer { level, .. } => Some(level.key()), _ => None },
        "third_party": v.engagements.iter().any(|(e, _, _)| e.kind == THIRD_PARTY),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_is_utc() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_795_651_200), "2026-11-26T00:00:00Z");
    }
}
