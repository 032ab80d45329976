//! OSCAL plan-of-action-and-milestones (POA&M) from a remediation plan: one `poam-item` per
//! task, each pointing at the assessment-results findings of the criteria it closes.
//!
//! The findings and their observations are those [`crate::oscal_ar::assessment_results`] makes
//! for the same assessment, with the same name-based UUIDs, so a tool holding both documents can
//! follow a poam-item's `related-findings` into the assessment results. They are repeated in the
//! POA&M (OSCAL requires the referenced findings to be in the document). Each task also has a
//! `risk` whose `status` follows the task (todo → `open`, doing → `remediating`, done →
//! `closed`, won't do → `deviation-requested`, with the reason in `remarks`), whose `deadline`
//! is the due date, and whose remediation is the task with one milestone on the due date.
//! Hoshi's props (namespace [`NS`]): `task-status`, `owner`, `due-date`, `one-off-yen`,
//! `annual-yen`, `staff-hours`, `criterion` (one per criterion), `evidence-sha256`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::oscal::{stable_uuid, NS, OSCAL_VERSION};
use crate::oscal_ar::{assessment_results, one_line, prop, tr, ResultsInput};
use crate::{Edition, Lang};

/// One task of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoamTask {
    /// The plan's own number for the task (stable within the plan).
    pub number: i64,
    pub title: String,
    pub description: String,
    pub criteria: Vec<String>,
    /// `todo`, `doing`, `done` or `wont_do`.
    pub status: String,
    pub reason: String,
    pub owner: String,
    /// YYYY-MM-DD.
    pub due: Option<String>,
    pub one_off_yen: u64,
    pub annual_yen: u64,
    pub staff_hours: u64,
    pub evidence_sha256: Vec<String>,
}

/// The plan with the assessment it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoamInput {
    pub results: ResultsInput,
    /// YYYY-MM-DD the target level is planned for.
    pub target_date: String,
    pub tasks: Vec<PoamTask>,
}

fn date_time(date: &str) -> String {
    format!("{date}T23:59:59+09:00")
}

/// The POA&M document (`{"plan-of-action-and-milestones": …}`), deterministic like the results.
pub fn poam(edition: &Edition, input: &PoamInput, lang: Lang) -> Value {
    let key = &input.results.assessment_key;
    let ar = assessment_results(edition, &input.results, lang);
    let ar = &ar["assessment-results"];
    let result = &ar["results"][0];
    let finding_of = |criterion: &str| {
        let uuid = stable_uuid(&format!("assessment-results:{key}:finding:{criterion}")).to_string();
        result["findings"].as_array().and_then(|fs| fs.iter().find(|f| f["uuid"] == uuid.as_str())).cloned()
    };
    let mut findings: Vec<Value> = Vec::new();
    let mut observations: Vec<Value> = Vec::new();
    let mut risks: Vec<Value> = Vec::new();
    let mut items: Vec<Value> = Vec::new();
    for t in &input.tasks {
        let mut related = Vec::new();
        for c in &t.criteria {
            let Some(f) = finding_of(c) else { continue };
            related.push(json!({"finding-uuid": f["uuid"]}));
            if !findings.iter().any(|x| x["uuid"] == f["uuid"]) {
                for o in f["related-observations"].as_array().into_iter().flatten() {
                    if let Some(obs) =
                        result["observations"].as_array().and_then(|os| os.iter().find(|x| x["uuid"] == o["observation-uuid"]))
                    {
                        if !observations.iter().any(|x| x["uuid"] == obs["uuid"]) {
                            observations.push(obs.clone());
                        }
                    }
                }
                findings.push(f);
            }
        }
        let task_uuid = |what: &str| stable_uuid(&format!("poam:{key}:task:{}:{what}", t.number)).to_string();
        let mut props = vec![
            prop("task-status", &t.status),
            prop("owner", &t.owner),
            prop("due-date", t.due.as_deref().unwrap_or("")),
            prop("one-off-yen", &t.one_off_yen.to_string()),
            prop("annual-yen", &t.annual_yen.to_string()),
            prop("staff-hours", &t.staff_hours.to_string()),
        ];
        props.extend(t.criteria.iter().map(|c| prop("criterion", c)));
        props.extend(t.evidence_sha256.iter().map(|s| prop("evidence-sha256", s)));
        props.retain(|p| !p.is_null());
        let title = one_line(&t.title).unwrap_or_else(|| format!("#{}", t.number));
        let description = if t.description.trim().is_empty() { title.clone() } else { t.description.trim().to_owned() };
        let status = match t.status.as_str() {
            "doing" => "remediating",
            "done" => "closed",
            "wont_do" => "deviation-requested",
            _ => "open",
        };
        let mut remediation = json!({
            "uuid": task_uuid("response"),
            "lifecycle": if t.status == "done" { "completed" } else { "planned" },
            "title": title,
            "description": description,
        });
        if let Some(due) = &t.due {
            remediation["tasks"] = json!([{
                "uuid": task_uuid("milestone"),
                "type": "milestone",
                "title": tr(lang, "Done by the due date", "期日までに完了"),
                "timing": {"on-date": {"date": date_time(due)}},
            }]);
        }
        let mut risk = json!({
            "uuid": task_uuid("risk"),
            "title": title,
            "description": description,
            "statement": match lang {
                Lang::En => format!("Until this task is done, criteria {} stay unmet and block the target level.", t.criteria.join(", ")),
                Lang::Ja => format!("このタスクが完了するまで、評価基準 {} は未充足のままで、目標レベルの達成を妨げる。", t.criteria.join("、")),
            },
            "status": status,
            "remediations": [remediation],
        });
        if let Some(due) = &t.due {
            risk["deadline"] = json!(date_time(due));
        }
        if !t.reason.trim().is_empty() {
            risk["remarks"] = json!(t.reason.trim());
        }
        if !related.is_empty() {
            risk["related-observations"] = json!(findings
                .iter()
                .filter(|f| related.iter().any(|r| r["finding-uuid"] == f["uuid"]))
                .flat_map(|f| f["related-observations"].as_array().cloned().unwrap_or_default())
                .collect::<Vec<_>>());
        }
        let mut item = json!({
            "uuid": task_uuid("item"),
            "title": title,
            "description": description,
            "props": props,
            "related-risks": [{"risk-uuid": task_uuid("risk")}],
        });
        if !related.is_empty() {
            item["related-findings"] = Value::Array(related);
        }
        risks.push(risk);
        items.push(item);
    }
    let org_name = one_line(&input.results.organisation_name).unwrap_or_default();
    let mut metadata = ar["metadata"].clone();
    metadata["title"] = json!(match lang {
        Lang::En => format!("★{} remediation plan (POA&M): {org_name}, target {}", input.results.target_level, input.target_date),
        Lang::Ja => format!("★{} 改善計画（POA&M）：{org_name}、目標 {}", input.results.target_level, input.target_date),
    });
    metadata["oscal-version"] = json!(OSCAL_VERSION);
    let mut props = metadata["props"].as_array().cloned().unwrap_or_default();
    props.push(prop("target-date", &input.target_date));
    props.retain(|p| !p.is_null());
    metadata["props"] = Value::Array(props);
    let mut doc = json!({
        "uuid": stable_uuid(&format!("poam:{key}:{}", lang.code())).to_string(),
        "metadata": metadata,
        "system-id": {
            "identifier-type": format!("{NS}/assessment"),
            "id": if key.trim().is_empty() { "assessment".to_owned() } else { key.clone() },
        },
        "poam-items": items,
    });
    if !observations.is_empty() {
        doc["observations"] = Value::Array(observations);
    }
    if !risks.is_empty() {
        doc["risks"] = Value::Array(risks);
    }
    if !findings.is_empty() {
        doc["findings"] = Value::Array(findings);
    }
    json!({"plan-of-action-and-milestones": doc})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oscal_ar::{CriterionOutcome, CriterionResult};

    fn input(tasks: Vec<PoamTask>) -> PoamInput {
        PoamInput {
            results: ResultsInput {
                assessment_key: "org-1:v2".into(),
                corporate_number: "1180301018771".into(),
                organisation_name: "刈谷プレス工業".into(),
                target_level: 3,
                achieved_level: None,
                assessment_kind: "self-assessment".into(),
                scope: "本社".into(),
                started: "2026-12-01T00:00:00Z".into(),
                ended: "2026-12-01T00:00:00Z".into(),
                last_modified: "2026-12-01T00:00:00Z".into(),
                confirmed_by: None,
                outcomes: vec![CriterionOutcome {
                    criterion: "1-1-1-1".into(),
                    result: CriterionResult::NotMet,
                    reason: None,
                    note: None,
                    evidence_sha256: vec![],
                    review: None,
                    review_comment: None,
                    finding_state: None,
                    corrective_action: None,
                    thread: vec![],
                }],
            },
            target_date: "2027-03-31".into(),
            tasks,
        }
    }

    fn task(number: i64, criteria: &[&str], status: &str) -> PoamTask {
        PoamTask {
            number,
            title: format!("Task {number}"),
            description: String::new(),
            criteria: criteria.iter().map(|c| (*c).to_owned()).collect(),
            status: status.into(),
            reason: if status == "wont_do" { "risk accepted".into() } else { String::new() },
            owner: "山田".into(),
            due: Some("2027-02-01".into()),
            one_off_yen: 120_000,
            annual_yen: 0,
            staff_hours: 8,
            evidence_sha256: vec![],
        }
    }

    #[test]
    fn one_item_per_task_each_linked_to_the_results_findings() {
        let ed = crate::embedded_edition(None).expect("edition");
        let c1 = ed.criteria_up_to(hoshi_ids::Level::THREE).find(|c| c.level.get() == 3).expect("★3").id.clone();
        let c2 = ed.criteria_up_to(hoshi_ids::Level::THREE).filter(|c| c.level.get() == 3).nth(1).expect("★3").id.clone();
        let inp = input(vec![task(1, &[&c1], "todo"), task(2, &[&c1, &c2], "wont_do"), task(3, &[&c2], "done")]);
        let doc = poam(&ed, &inp, Lang::En);
        let p = &doc["plan-of-action-and-milestones"];
        let items = p["poam-items"].as_array().expect("items");
        assert_eq!(items.len(), 3);
        let ar = assessment_results(&ed, &inp.results, Lang::En);
        let ar_findings: Vec<&Value> = ar["assessment-results"]["results"][0]["findings"].as_array().expect("f").iter().collect();
        for item in items {
            for rf in item["related-findings"].as_array().expect("related") {
                assert!(ar_findings.iter().any(|f| f["uuid"] == rf["finding-uuid"]), "links into the assessment results");
                assert!(p["findings"].as_array().expect("f").iter().any(|f| f["uuid"] == rf["finding-uuid"]), "and is in the POA&M");
            }
        }
        assert_eq!(p["findings"].as_array().expect("f").len(), 2, "a finding appears once");
        let statuses: Vec<&str> = p["risks"].as_array().expect("risks").iter().map(|r| r["status"].as_str().expect("s")).collect();
        assert_eq!(statuses, ["open", "deviation-requested", "closed"]);
        assert_eq!(p["risks"][0]["deadline"], "2027-02-01T23:59:59+09:00");
        assert_eq!(poam(&ed, &inp, Lang::En), doc, "deterministic");
        assert_ne!(poam(&ed, &inp, Lang::Ja)["plan-of-action-and-milestones"]["uuid"], p["uuid"]);
    }
}
