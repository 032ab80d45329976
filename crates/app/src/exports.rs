//! Documents made from an assessment: the gap report (rows for the printable page, CSV), the
//! OSCAL assessment-results document and Hoshi's JSON. Both the web and the command line use them.

use hoshi_core::time::rfc3339;
use hoshi_core::Level;
use hoshi_standard::oscal_ar::{self, CriterionOutcome, CriterionResult, ResultsInput};
use hoshi_standard::Lang;
use serde_json::{json, Value};

use crate::assessment::{Access, AssessmentView, Status, THIRD_PARTY};
pub use crate::workbook::{assessment_xlsx, gaps_xlsx};
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
    let input = ResultsInput {
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
    };
    oscal_ar::assessment_results(&v.edition, &input, lang)
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
