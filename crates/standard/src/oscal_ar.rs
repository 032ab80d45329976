//! An assessment as OSCAL 1.1 assessment-results JSON: one observation and one finding per
//! criterion, `satisfied` / `not-satisfied`, with not-applicable as a prop carrying the reason.
//!
//! The input is a plain description of the results ([`ResultsInput`]); this module knows the
//! format, not where the answers come from.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::model::{Criterion, Edition, Lang};
use crate::oscal::{stable_uuid, token, NS, OSCAL_VERSION};

/// How one criterion was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionResult {
    Met,
    NotMet,
    NotApplicable,
    Unanswered,
}

/// One criterion's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionOutcome {
    pub criterion: String,
    pub result: CriterionResult,
    /// Why it does not apply (required for `NotApplicable`).
    pub reason: Option<String>,
    /// The company's note.
    pub note: Option<String>,
    /// SHA-256 (hex) of evidence files attached to it.
    pub evidence_sha256: Vec<String>,
    /// The reviewer's position, when reviewed (e.g. "agree", "conforms", "major").
    pub review: Option<String>,
    pub review_comment: Option<String>,
    /// For a query, disagreement or nonconformity: `open` or `resolved`.
    #[serde(default)]
    pub finding_state: Option<String>,
    /// The supplier's corrective action for a nonconformity, with its due date.
    #[serde(default)]
    pub corrective_action: Option<String>,
    /// The finding's thread, oldest first (query, answers, corrective action, resolution).
    #[serde(default)]
    pub thread: Vec<String>,
}

/// Everything the export needs to know about one assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsInput {
    /// A stable identifier of the assessment version (used for name-based UUIDs).
    pub assessment_key: String,
    pub corporate_number: String,
    pub organisation_name: String,
    /// The ★ level aimed at (1–5).
    pub target_level: u8,
    /// The ★ level achieved by the answers, if any.
    pub achieved_level: Option<u8>,
    /// e.g. "self-assessment", "self-assessment confirmed by expert", "third-party assessment".
    pub assessment_kind: String,
    pub scope: String,
    /// RFC 3339 timestamps.
    pub started: String,
    pub ended: String,
    pub last_modified: String,
    /// The person or body who confirmed it, if confirmed.
    pub confirmed_by: Option<String>,
    pub outcomes: Vec<CriterionOutcome>,
}

/// The scheme of Japan's corporate number (法人番号) as an OSCAL external-id scheme.
const CORPORATE_NUMBER_SCHEME: &str = "https://www.houjin-bangou.nta.go.jp/";

/// The assessment-results document (`{"assessment-results": …}`).
///
/// Shape: metadata (title in `lang`, the organisation and the confirmer as parties), an
/// `import-ap` pointing at `urn:hoshi:assessment-plan:<key>` (Hoshi keeps no separate OSCAL
/// assessment plan; the scope is stated by `reviewed-controls`), and one `result` with
/// `reviewed-controls` listing every requirement (control) in scope, one observation per
/// criterion (the answer, its note and its evidence hashes) and one finding per criterion
/// targeting the criterion's catalog part (`objective-id`, e.g. `scs-4-1-3-2`).
///
/// Scope: the criteria of the target level and every level below (`level ≤ target_level`),
/// in catalog order. Outcomes for other criteria are ignored; an in-scope criterion with no
/// outcome counts as [`CriterionResult::Unanswered`]; when a criterion has several outcomes
/// the first is used. A target outside 1–5 is clamped to that range (the scheme has no other
/// levels).
///
/// States:
/// - `Met` → `satisfied`.
/// - `NotMet` → `not-satisfied`.
/// - `Unanswered` → `not-satisfied`, with the prop `unanswered` = `true`: an unanswered
///   criterion blocks the level just as an unmet one does.
/// - `NotApplicable` → `satisfied`, with the props `not-applicable` = `true` and
///   `not-applicable-reason`. The scheme lets a company justify a criterion as not applicable
///   and such an accepted exclusion does not block the level, so for "is this objective an
///   obstacle to the level" it counts like a met one; OSCAL's objective status has only
///   `satisfied` / `not-satisfied`, and the props keep the distinction for anyone who needs it.
///
/// Observation methods: `EXAMINE` when evidence files are attached (they were examined),
/// `INTERVIEW` for an answer without evidence (it rests on the company's declaration) and
/// `UNKNOWN` for an unanswered criterion (nothing was observed). `collected` is the end of the
/// assessment, as the input has no per-criterion times.
///
/// Every finding also carries `level` and `answer` (`met`, `not-met`, `not-applicable`,
/// `unanswered`), and, when reviewed, `review` and `review-comment`. Hoshi's props use the
/// [`NS`] namespace. Prop values are single-line (OSCAL forbids line breaks there), so free
/// text is also given in full in `remarks`.
///
/// The output is deterministic: UUIDs are name-based on the assessment key (and criterion id)
/// and every timestamp comes from the input.
pub fn assessment_results(edition: &Edition, input: &ResultsInput, lang: Lang) -> Value {
    let target = input.target_level.clamp(1, 5);
    let key = &input.assessment_key;
    let in_scope: Vec<&Criterion> = edition.criteria.iter().filter(|c| c.level.get() <= target).collect();
    let mut outcomes: HashMap<&str, &CriterionOutcome> = HashMap::new();
    for o in &input.outcomes {
        outcomes.entry(o.criterion.as_str()).or_insert(o);
    }

    // Parties.
    let org_uuid = stable_uuid(&format!(
        "assessment-results:organisation:{}",
        if input.corporate_number.trim().is_empty() { key.as_str() } else { input.corporate_number.trim() }
    ))
    .to_string();
    let mut org = json!({"uuid": org_uuid, "type": "organization"});
    if let Some(name) = one_line(&input.organisation_name) {
        org["name"] = json!(name);
    }
    if let Some(number) = one_line(&input.corporate_number) {
        org["external-ids"] = json!([{"scheme": CORPORATE_NUMBER_SCHEME, "id": number}]);
    }
    let mut parties = vec![org];
    let mut roles = vec![json!({
        "id": "assessed-organization",
        "title": tr(lang, "Assessed organisation", "評価対象の組織"),
    })];
    let mut responsible = vec![json!({
        "role-id": "assessed-organization",
        "party-uuids": [org_uuid],
    })];
    if let Some(confirmer) = input.confirmed_by.as_deref().and_then(one_line) {
        let uuid = stable_uuid(&format!("assessment-results:{key}:confirmer:{confirmer}")).to_string();
        parties.push(json!({"uuid": uuid, "type": "person", "name": confirmer}));
        roles.push(json!({
            "id": "confirmer",
            "title": tr(lang, "Confirmer of the assessment", "評価の確認者"),
        }));
        responsible.push(json!({"role-id": "confirmer", "party-uuids": [uuid]}));
    }

    let org_name = one_line(&input.organisation_name).unwrap_or_default();
    let title = match lang {
        Lang::En => format!("★{target} assessment results: {org_name}"),
        Lang::Ja => format!("★{target} 評価結果：{org_name}"),
    };
    let title = one_line(&title).unwrap_or_default();

    let mut meta_props = vec![prop("catalog-edition", &edition.id), prop("language", lang.code())];
    meta_props.retain(|p| !p.is_null());

    // Controls in scope: requirements with at least one criterion in scope, in catalog order.
    let controls: Vec<Value> = edition
        .requirements
        .iter()
        .filter(|r| in_scope.iter().any(|c| c.requirement == r.id))
        .map(|r| json!({"control-id": token(&r.id)}))
        .collect();

    let mut observations = Vec::with_capacity(in_scope.len());
    let mut findings = Vec::with_capacity(in_scope.len());
    for c in &in_scope {
        let outcome = outcomes.get(c.id.as_str()).copied();
        let (obs, finding) = criterion_entries(edition, c, outcome, input, &org_uuid, lang);
        observations.push(obs);
        findings.push(finding);
    }

    let achieved = match input.achieved_level {
        Some(l) => l.to_string(),
        None => "none".to_owned(),
    };
    let mut result_props = vec![
        prop("target-level", &target.to_string()),
        prop("achieved-level", &achieved),
        prop("assessment-kind", &input.assessment_kind),
        prop("scope", &input.scope),
        prop("catalog-edition", &edition.id),
    ];
    result_props.retain(|p| !p.is_null());

    let mut description = match lang {
        Lang::En => format!(
            "{} of {} against ★{target} of {} ({} criteria in scope).",
            capitalised(&one_line(&input.assessment_kind).unwrap_or_else(|| "assessment".into())),
            if org_name.is_empty() { "the organisation" } else { &org_name },
            edition.title.get(lang),
            in_scope.len(),
        ),
        Lang::Ja => format!(
            "{}の{}（{} ★{target}、対象の評価基準 {} 件）。",
            if org_name.is_empty() { "組織" } else { &org_name },
            one_line(&input.assessment_kind).unwrap_or_else(|| "評価".into()),
            edition.title.get(lang),
            in_scope.len(),
        ),
    };
    if let Some(scope) = one_line(&input.scope) {
        description.push_str(&match lang {
            Lang::En => format!("\n\nScope: {scope}"),
            Lang::Ja => format!("\n\n範囲：{scope}"),
        });
    }

    let mut result = json!({
        "uuid": stable_uuid(&format!("assessment-results:{key}:result")).to_string(),
        "title": tr(lang, "Results of the ★ level assessment", "★レベル評価の結果"),
        "description": description,
        "start": input.started,
        "end": input.ended,
        "props": result_props,
        "reviewed-controls": {
            "description": match lang {
                Lang::En => format!("The requirements with criteria up to ★{target}."),
                Lang::Ja => format!("★{target}までの評価基準を含む要求事項。"),
            },
            "control-selections": [{"include-controls": controls}],
        },
    });
    // OSCAL forbids empty arrays; a clamped target always has criteria, but stay valid anyway.
    if !observations.is_empty() {
        result["observations"] = Value::Array(observations);
        result["findings"] = Value::Array(findings);
    }

    let mut metadata = json!({
        "title": title,
        "last-modified": input.last_modified,
        "version": one_line(key).unwrap_or_else(|| "1".into()),
        "oscal-version": OSCAL_VERSION,
        "roles": roles,
        "parties": parties,
        "responsible-parties": responsible,
    });
    if !meta_props.is_empty() {
        metadata["props"] = Value::Array(meta_props);
    }

    json!({
        "assessment-results": {
            "uuid": stable_uuid(&format!("assessment-results:{key}:{}", lang.code())).to_string(),
            "metadata": metadata,
            "import-ap": {
                "href": format!("urn:hoshi:assessment-plan:{}", urn_escape(key)),
                "remarks": tr(
                    lang,
                    "Hoshi keeps no separate assessment plan; the controls assessed are listed in each result's reviewed-controls.",
                    "Hoshi は評価計画を別文書として持たない。評価した管理策は各結果の reviewed-controls に記載する。",
                ),
            },
            "results": [result],
        }
    })
}

/// The observation and the finding of one criterion.
fn criterion_entries(
    edition: &Edition,
    c: &Criterion,
    outcome: Option<&CriterionOutcome>,
    input: &ResultsInput,
    org_uuid: &str,
    lang: Lang,
) -> (Value, Value) {
    let key = &input.assessment_key;
    let result = outcome.map(|o| o.result.clone()).unwrap_or(CriterionResult::Unanswered);
    let id = token(&c.id);
    let title = match edition.requirement(&c.requirement) {
        Some(r) => format!("{} {}", c.id, r.title.get(lang)),
        None => c.id.clone(),
    };
    let title = one_line(&title).unwrap_or_else(|| c.id.clone());
    let text = c.text.get(lang);

    // Observation: what the company answered and what it showed.
    let obs_uuid = stable_uuid(&format!("assessment-results:{key}:observation:{}", c.id)).to_string();
    let evidence: Vec<String> =
        outcome.map(|o| o.evidence_sha256.iter().filter_map(|h| one_line(h)).map(|h| h.to_ascii_lowercase()).collect()).unwrap_or_default();
    let methods = if evidence.is_empty() {
        match result {
            CriterionResult::Unanswered => "UNKNOWN",
            _ => "INTERVIEW",
        }
    } else {
        "EXAMINE"
    };
    let answer_sentence = answer_text(&result, lang);
    let mut obs = json!({
        "uuid": obs_uuid,
        "title": title,
        "description": format!("{text}\n\n{answer_sentence}"),
        "methods": [methods],
        "subjects": [{"subject-uuid": org_uuid, "type": "party"}],
        "collected": input.ended,
    });
    let mut obs_props = vec![prop("criterion", &c.id), prop("answer", answer_key(&result))];
    let note = outcome.and_then(|o| o.note.as_deref());
    if let Some(n) = note {
        obs_props.push(prop("note", n));
    }
    obs_props.retain(|p| !p.is_null());
    obs["props"] = Value::Array(obs_props);
    if !evidence.is_empty() {
        let entries: Vec<Value> = evidence
            .iter()
            .enumerate()
            .map(|(i, h)| {
                json!({
                    "description": match lang {
                        Lang::En => format!("Evidence file {} for {} (SHA-256 {h}).", i + 1, c.id),
                        Lang::Ja => format!("{} の証跡ファイル {}（SHA-256 {h}）。", c.id, i + 1),
                    },
                    "props": [prop("sha256", h)],
                })
            })
            .collect();
        obs["relevant-evidence"] = Value::Array(entries);
    }
    if let Some(n) = note.and_then(multiline) {
        obs["remarks"] = json!(n);
    }

    // Finding: the determination against the criterion's catalog part.
    let satisfied = matches!(result, CriterionResult::Met | CriterionResult::NotApplicable);
    let mut status = json!({
        "state": if satisfied { "satisfied" } else { "not-satisfied" },
    });
    let mut finding_props = vec![prop("level", &c.level.get().to_string()), prop("answer", answer_key(&result))];
    let reason = outcome.and_then(|o| o.reason.as_deref());
    match result {
        CriterionResult::NotApplicable => {
            finding_props.push(prop("not-applicable", "true"));
            let reason_line = reason.and_then(one_line).unwrap_or_else(|| tr(lang, "(no reason given)", "（理由の記載なし）").to_owned());
            finding_props.push(prop("not-applicable-reason", &reason_line));
            status["remarks"] = json!(reason.and_then(multiline).unwrap_or(reason_line));
        }
        CriterionResult::Unanswered => finding_props.push(prop("unanswered", "true")),
        CriterionResult::Met | CriterionResult::NotMet => {}
    }
    let review = outcome.and_then(|o| o.review.as_deref());
    let review_comment = outcome.and_then(|o| o.review_comment.as_deref());
    if let Some(r) = review {
        finding_props.push(prop("review", r));
    }
    if let Some(r) = review_comment {
        finding_props.push(prop("review-comment", r));
    }
    if let Some(st) = outcome.and_then(|o| o.finding_state.as_deref()) {
        finding_props.push(prop("finding-state", st));
    }
    if let Some(ca) = outcome.and_then(|o| o.corrective_action.as_deref()) {
        finding_props.push(prop("corrective-action", ca));
    }
    finding_props.retain(|p| !p.is_null());
    let mut finding = json!({
        "uuid": stable_uuid(&format!("assessment-results:{key}:finding:{}", c.id)).to_string(),
        "title": title,
        "description": format!("{text}\n\n{}", finding_text(&result, reason, lang)),
        "props": finding_props,
        "target": {
            "type": "objective-id",
            "target-id": id,
            "status": status,
        },
        "related-observations": [{"observation-uuid": obs_uuid}],
    });
    let thread = outcome.map(|o| o.thread.as_slice()).unwrap_or_default();
    let remarks: Vec<String> = review_comment.and_then(multiline).into_iter().chain(thread.iter().cloned()).collect();
    if !remarks.is_empty() {
        finding["remarks"] = json!(remarks.join("\n\n"));
    }
    (obs, finding)
}

fn answer_key(r: &CriterionResult) -> &'static str {
    match r {
        CriterionResult::Met => "met",
        CriterionResult::NotMet => "not-met",
        CriterionResult::NotApplicable => "not-applicable",
        CriterionResult::Unanswered => "unanswered",
    }
}

fn answer_text(r: &CriterionResult, lang: Lang) -> &'static str {
    match r {
        CriterionResult::Met => tr(lang, "Answer: met.", "回答：満たしている。"),
        CriterionResult::NotMet => tr(lang, "Answer: not met.", "回答：満たしていない。"),
        CriterionResult::NotApplicable => tr(lang, "Answer: not applicable.", "回答：該当しない。"),
        CriterionResult::Unanswered => tr(lang, "Not answered.", "未回答。"),
    }
}

fn finding_text(r: &CriterionResult, reason: Option<&str>, lang: Lang) -> String {
    match r {
        CriterionResult::Met => tr(lang, "Satisfied: the criterion is met.", "充足：評価基準を満たしている。").into(),
        CriterionResult::NotMet => tr(lang, "Not satisfied: the criterion is not met.", "未充足：評価基準を満たしていない。").into(),
        CriterionResult::Unanswered => tr(
            lang,
            "Not satisfied: the criterion was not answered, which counts as not met.",
            "未充足：未回答のため、満たしていないものとして扱う。",
        )
        .into(),
        CriterionResult::NotApplicable => {
            let reason = reason.and_then(multiline).unwrap_or_default();
            match lang {
                Lang::En => {
                    format!("Not applicable, which does not block the level. Reason: {reason}")
                }
                Lang::Ja => format!("該当しない（レベルの達成を妨げない）。理由：{reason}"),
            }
        }
    }
}

pub(crate) fn tr(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

/// A Hoshi prop, or `null` when the value is blank (OSCAL requires a non-blank, single-line
/// value; line breaks and runs of white space become one space).
pub(crate) fn prop(name: &str, value: &str) -> Value {
    match one_line(value) {
        Some(v) => json!({"name": name, "ns": NS, "value": v}),
        None => Value::Null,
    }
}

/// The text on one line with white space collapsed, or `None` when blank.
pub(crate) fn one_line(s: &str) -> Option<String> {
    let v = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!v.is_empty()).then_some(v)
}

/// The text with its first letter upper-cased.
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The text trimmed, or `None` when blank.
fn multiline(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Percent-encodes everything but unreserved characters, for use inside a URN.
fn urn_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn edition() -> Edition {
        crate::embedded_edition(Some("2026.03")).expect("edition 2026.03 is embedded")
    }

    fn outcome(criterion: &str, result: CriterionResult) -> CriterionOutcome {
        CriterionOutcome {
            criterion: criterion.to_owned(),
            result,
            reason: None,
            note: None,
            evidence_sha256: Vec::new(),
            review: None,
            review_comment: None,
            finding_state: None,
            corrective_action: None,
            thread: Vec::new(),
        }
    }

    #[test]
    fn a_finding_carries_its_state_corrective_action_and_thread() {
        let mut o = outcome("4-4-3-1", CriterionResult::Met);
        o.review = Some("minor".into());
        o.finding_state = Some("open".into());
        o.corrective_action = Some("保存期間を1年にする (2027-01-31)".into());
        o.thread = vec!["finding: ログの保存期間が不足".into(), "corrective action: 保存期間を1年にする".into()];
        let doc = assessment_results(&edition(), &input(4, vec![o]), Lang::Ja);
        let f = finding(&doc, "4-4-3-1").clone();
        let props = f["props"].as_array().expect("props");
        let has = |n: &str, v: &str| props.iter().any(|p| p["name"] == n && p["value"] == v);
        assert!(has("finding-state", "open") && has("review", "minor"), "{props:?}");
        assert!(props.iter().any(|p| p["name"] == "corrective-action"));
        assert!(f["remarks"].as_str().is_some_and(|r| r.contains("ログの保存期間が不足") && r.contains("保存期間を1年にする")));
    }

    fn input(target_level: u8, outcomes: Vec<CriterionOutcome>) -> ResultsInput {
        ResultsInput {
            assessment_key: "assessment-42/v3".into(),
            corporate_number: "1234567890123".into(),
            organisation_name: "Example Manufacturing K.K.".into(),
            target_level,
            achieved_level: Some(2),
            assessment_kind: "self-assessment confirmed by expert".into(),
            scope: "Head office and the Osaka plant".into(),
            started: "2026-04-01T09:00:00+09:00".into(),
            ended: "2026-04-20T17:00:00+09:00".into(),
            last_modified: "2026-04-21T10:00:00+09:00".into(),
            confirmed_by: Some("Hanako Yamada".into()),
            outcomes,
        }
    }

    fn catalog_item_ids(e: &Edition, lang: Lang) -> HashSet<String> {
        let doc = crate::oscal::catalog(e, lang);
        let mut ids = HashSet::new();
        for g in doc["catalog"]["groups"].as_array().into_iter().flatten() {
            for c in g["controls"].as_array().into_iter().flatten() {
                for p in c["parts"].as_array().into_iter().flatten() {
                    for i in p["parts"].as_array().into_iter().flatten() {
                        assert_eq!(i["name"], "item");
                        ids.insert(i["id"].as_str().expect("item id").to_owned());
                    }
                }
            }
        }
        ids
    }

    fn result(doc: &Value) -> &Value {
        let results = doc["assessment-results"]["results"].as_array().expect("results");
        assert_eq!(results.len(), 1);
        &results[0]
    }

    fn findings(doc: &Value) -> &Vec<Value> {
        result(doc)["findings"].as_array().expect("findings")
    }

    fn finding<'a>(doc: &'a Value, criterion: &str) -> &'a Value {
        let id = token(criterion);
        findings(doc).iter().find(|f| f["target"]["target-id"] == id.as_str()).expect("finding for the criterion")
    }

    fn prop_value<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
        v["props"].as_array()?.iter().find(|p| p["name"] == name).and_then(|p| p["value"].as_str())
    }

    fn all_props(v: &Value, out: &mut Vec<Value>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Array(ps)) = m.get("props") {
                    out.extend(ps.iter().cloned());
                }
                m.values().for_each(|x| all_props(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| all_props(x, out)),
            _ => {}
        }
    }

    #[test]
    fn every_criterion_in_scope_has_one_finding_targeting_its_catalog_item() {
        let e = edition();
        for lang in [Lang::En, Lang::Ja] {
            let items = catalog_item_ids(&e, lang);
            for target in 1..=5u8 {
                let level = crate::Level::new(i64::from(target)).expect("level");
                let expected: Vec<String> = e.criteria_up_to(level).map(|c| token(&c.id)).collect();
                assert!(!expected.is_empty());
                let doc = assessment_results(&e, &input(target, Vec::new()), lang);
                let r = result(&doc);
                let targets: Vec<&str> = findings(&doc)
                    .iter()
                    .map(|f| {
                        assert_eq!(f["target"]["type"], "objective-id");
                        f["target"]["target-id"].as_str().expect("target-id")
                    })
                    .collect();
                assert_eq!(targets, expected, "★{target}: in scope, in catalog order");
                for t in &targets {
                    assert!(items.contains(*t), "{t} is not a catalog item");
                }
                // One observation per criterion, each finding linked to its own.
                let obs: HashSet<&str> =
                    r["observations"].as_array().expect("observations").iter().map(|o| o["uuid"].as_str().expect("uuid")).collect();
                assert_eq!(obs.len(), expected.len());
                let linked: HashSet<&str> = findings(&doc)
                    .iter()
                    .map(|f| {
                        let rel = f["related-observations"].as_array().expect("related");
                        assert_eq!(rel.len(), 1);
                        rel[0]["observation-uuid"].as_str().expect("uuid")
                    })
                    .collect();
                assert_eq!(linked, obs);
                // Reviewed controls: exactly the requirements with criteria in scope.
                let controls: Vec<&str> = r["reviewed-controls"]["control-selections"][0]["include-controls"]
                    .as_array()
                    .expect("include-controls")
                    .iter()
                    .map(|c| c["control-id"].as_str().expect("control-id"))
                    .collect();
                let want: Vec<String> = e
                    .requirements
                    .iter()
                    .filter(|req| e.criteria_up_to(level).any(|c| c.requirement == req.id))
                    .map(|req| token(&req.id))
                    .collect();
                assert_eq!(controls, want);
                assert_eq!(prop_value(r, "target-level"), Some(&*target.to_string()));
            }
        }
    }

    #[test]
    fn states_map_from_the_answers() {
        let e = edition();
        let in_scope: Vec<&Criterion> = e.criteria_up_to(crate::Level::THREE).collect();
        let above = e.criteria.iter().find(|c| c.level > crate::Level::THREE).expect("a ★4 criterion");
        let (met, not_met, na, unanswered, missing) = (&in_scope[0].id, &in_scope[1].id, &in_scope[2].id, &in_scope[3].id, &in_scope[4].id);
        let mut na_outcome = outcome(na, CriterionResult::NotApplicable);
        na_outcome.reason = Some("  We have no\nservers on site.  ".into());
        let mut met_outcome = outcome(met, CriterionResult::Met);
        met_outcome.evidence_sha256 = vec!["AB".repeat(32), "cd".repeat(32)];
        met_outcome.note = Some("Policy approved\n2026-03-01".into());
        met_outcome.review = Some("agree".into());
        met_outcome.review_comment = Some("Checked the signed copy.".into());
        let outcomes = vec![
            met_outcome,
            outcome(not_met, CriterionResult::NotMet),
            na_outcome,
            outcome(unanswered, CriterionResult::Unanswered),
            outcome(above.id.as_str(), CriterionResult::Met),
            outcome("no-such-criterion", CriterionResult::Met),
        ];
        let doc = assessment_results(&e, &input(3, outcomes), Lang::En);
        assert_eq!(findings(&doc).len(), in_scope.len());
        let state = |c: &str| finding(&doc, c)["target"]["status"]["state"].clone();
        assert_eq!(state(met), "satisfied");
        assert_eq!(state(not_met), "not-satisfied");
        assert_eq!(state(na), "satisfied");
        assert_eq!(state(unanswered), "not-satisfied");
        assert_eq!(state(missing), "not-satisfied");
        for f in findings(&doc) {
            let s = &f["target"]["status"]["state"];
            assert!(s == "satisfied" || s == "not-satisfied");
        }

        let f = finding(&doc, na);
        assert_eq!(prop_value(f, "not-applicable"), Some("true"));
        assert_eq!(prop_value(f, "not-applicable-reason"), Some("We have no servers on site."));
        assert_eq!(f["target"]["status"]["remarks"], "We have no\nservers on site.");
        for c in [met, not_met, unanswered, missing] {
            assert_eq!(prop_value(finding(&doc, c), "not-applicable"), None);
        }
        assert_eq!(prop_value(finding(&doc, unanswered), "unanswered"), Some("true"));
        assert_eq!(prop_value(finding(&doc, missing), "unanswered"), Some("true"));
        assert_eq!(prop_value(finding(&doc, missing), "answer"), Some("unanswered"));
        assert_eq!(prop_value(finding(&doc, not_met), "unanswered"), None);

        let f = finding(&doc, met);
        assert_eq!(prop_value(f, "review"), Some("agree"));
        assert_eq!(prop_value(f, "review-comment"), Some("Checked the signed copy."));
        assert_eq!(prop_value(f, "level"), Some(&*in_scope[0].level.get().to_string()));
        // Its observation: evidence by hash, the note, examined.
        let obs_uuid = &f["related-observations"][0]["observation-uuid"];
        let obs =
            result(&doc)["observations"].as_array().expect("observations").iter().find(|o| &o["uuid"] == obs_uuid).expect("observation");
        assert_eq!(obs["methods"], json!(["EXAMINE"]));
        let ev = obs["relevant-evidence"].as_array().expect("evidence");
        assert_eq!(ev.len(), 2);
        assert_eq!(prop_value(&ev[0], "sha256"), Some(&*"ab".repeat(32)));
        assert!(ev.iter().all(|x| x["description"].as_str().is_some_and(|d| !d.is_empty())));
        assert_eq!(prop_value(obs, "note"), Some("Policy approved 2026-03-01"));
        assert_eq!(obs["remarks"], "Policy approved\n2026-03-01");

        // The criterion above the target is not there, whatever its outcome.
        let above_id = token(&above.id);
        assert!(findings(&doc).iter().all(|f| f["target"]["target-id"] != above_id.as_str()));

        // Every prop is namespaced, non-blank and on one line.
        let mut props = Vec::new();
        all_props(&doc, &mut props);
        for p in &props {
            let v = p["value"].as_str().expect("value");
            assert!(!v.is_empty() && v.trim() == v && !v.contains('\n'), "{p}");
            assert_eq!(p["ns"], NS, "{p}");
        }
    }

    #[test]
    fn export_is_deterministic_and_follows_the_language() {
        let e = edition();
        let c = &e.criteria[0];
        let mut o = outcome(&c.id, CriterionResult::NotApplicable);
        o.reason = Some("理由".into());
        let inp = input(4, vec![o]);
        let en = assessment_results(&e, &inp, Lang::En);
        assert_eq!(en, assessment_results(&e, &inp, Lang::En));
        let ja = assessment_results(&e, &inp, Lang::Ja);
        assert_ne!(en["assessment-results"]["uuid"], ja["assessment-results"]["uuid"]);
        // Findings are the same subjects in either language.
        assert_eq!(findings(&en)[0]["uuid"], findings(&ja)[0]["uuid"]);
        let desc = |d: &Value| findings(d)[0]["description"].as_str().expect("description").to_owned();
        assert!(desc(&en).starts_with(c.text.get(Lang::En)));
        assert!(desc(&ja).starts_with(c.text.get(Lang::Ja)));
        assert!(en["assessment-results"]["metadata"]["title"].as_str().is_some_and(|t| t.contains("assessment results")));
        assert!(ja["assessment-results"]["metadata"]["title"].as_str().is_some_and(|t| t.contains("評価結果")));
        // Another assessment gets other UUIDs.
        let mut other = inp.clone();
        other.assessment_key = "assessment-43/v1".into();
        let other = assessment_results(&e, &other, Lang::En);
        assert_ne!(findings(&en)[0]["uuid"], findings(&other)[0]["uuid"]);
        assert_eq!(en["assessment-results"]["import-ap"]["href"], "urn:hoshi:assessment-plan:assessment-42%2Fv3");
    }

    #[test]
    fn parties_are_the_organisation_and_the_confirmer() {
        let e = edition();
        let doc = assessment_results(&e, &input(1, Vec::new()), Lang::En);
        let parties = doc["assessment-results"]["metadata"]["parties"].as_array().expect("parties");
        assert_eq!(parties.len(), 2);
        assert_eq!(parties[0]["name"], "Example Manufacturing K.K.");
        assert_eq!(parties[0]["external-ids"][0]["id"], "1234567890123");
        assert_eq!(parties[1]["name"], "Hanako Yamada");
        let mut unconfirmed = input(1, Vec::new());
        unconfirmed.confirmed_by = None;
        let doc = assessment_results(&e, &unconfirmed, Lang::En);
        assert_eq!(doc["assessment-results"]["metadata"]["parties"].as_array().map(Vec::len), Some(1));
    }
}
