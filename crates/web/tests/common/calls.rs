//! Calling any declared route the way a client would: a valid body for each state-changing
//! route (so that the answer is about access, not input) and the CSRF token a session needs.
//! Used by the tests that walk `routes::table()` (authz, tenant isolation).

use axum::http::Method;
use hoshi_web::routes::RouteDef;
use serde_json::json;

use super::*;

const BOUNDARY: &str = "hoshi-test-boundary";

/// A request body that is valid for the route, so that the answer is about access, not input.
pub fn sample_body(def: &RouteDef, w: &World) -> Option<(&'static str, String)> {
    match (def.method.as_str(), def.path) {
        ("POST", "/assessments") => form(&[("target_level", "3")]),
        ("POST", "/experts/profile") => form(&[("qualification", "情報処理安全確保支援士")]),
        ("POST", "/assessments/{assessment_id}/answers") => form(&[("category", "protect"), ("c.4-1-1-1.status", "met")]),
        ("POST", "/assessments/{assessment_id}/settings") => form(&[("target_level", "4"), ("employees", "10")]),
        ("POST", "/assessments/{assessment_id}/evidence") => Some((
            "multipart/form-data; boundary=hoshi-test-boundary",
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"criterion\"\r\n\r\n4-4-5-1\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 x\r\n--{BOUNDARY}--\r\n"),
        )),
        ("POST", "/assessments/{assessment_id}/workbook/preview") => Some((
            "multipart/form-data; boundary=hoshi-test-boundary",
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"w.csv\"\r\nContent-Type: text/csv\r\n\r\n評価基準番号,回答\r\n4-4-5-1,○\r\n--{BOUNDARY}--\r\n"),
        )),
        ("POST", "/assessments/{assessment_id}/workbook/import") => form(&[("sha256", &"0".repeat(64))]),
        ("POST", "/assessments/{assessment_id}/quotes") => form(&[("criterion", "4-4-5-1"), ("one_off", "1000")]),
        ("POST", "/assessments/{assessment_id}/engagements") => form(&[("provider", &w.b.cn), ("kind", "support")]),
        ("POST", "/assessments/{assessment_id}/pledge") => form(&[("officer_name", "名前"), ("officer_title", "役職")]),
        ("POST", "/assessments/{assessment_id}/shares") => form(&[("buyer", &w.c_cn)]),
        ("POST", "/engagements/{engagement_id}/reviews") => form(&[("r.4-1-1-1.position", "conforms")]),
        ("POST", "/engagements/{engagement_id}/confirm") | ("POST", "/engagements/{engagement_id}/return") => form(&[("comment", "x")]),
        ("PUT", "/api/v1/assessments/{assessment_id}/answers/{criterion_id}") => json_body(json!({"status": "met"})),
        ("POST", "/assessments/{assessment_id}/versions") | ("POST", "/shares/{share_id}/revoke") => None,
        ("POST", "/assessments/{assessment_id}/apply") => None,
        ("POST", "/assessments/{assessment_id}/renewal") | ("POST", "/evidence/{item_id}/delete") | ("POST", "/support/requests/{request_id}/withdraw") => None,
        ("POST", "/registry/support-programmes/{programme_id}/revoke") => None,
        ("POST", "/assessments/{assessment_id}/plan") => form(&[("target_date", "2027-03-31"), ("grouping", "criterion")]),
        ("POST", "/assessments/{assessment_id}/plan/tasks/{task_id}") => form(&[("owner", "担当"), ("due_date", "2027-01-31"), ("status", "doing")]),
        ("POST", "/assessments/{assessment_id}/plan/tasks/{task_id}/close") | ("POST", "/evidence") | ("POST", "/evidence/{item_id}/versions") => Some((
            "multipart/form-data; boundary=hoshi-test-boundary",
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"done.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 done\r\n--{BOUNDARY}--\r\n"),
        )),
        ("POST", "/assessments/{assessment_id}/evidence/link") => form(&[("criterion", "4-4-5-1"), ("item_id", &w.a.item_id.to_string())]),
        ("POST", "/support/requests") => form(&[("needs", "x")]),
        ("POST", "/support/requests/{request_id}/match") => form(&[("expert", &w.a.cn)]),
        ("POST", "/support/requests/{request_id}/sessions") => form(&[("held_on", "2026-09-01"), ("hours", "2")]),
        ("POST", "/support/requests/{request_id}/outcome") => form(&[("outcome_level", "3"), ("outcome_date", "2026-09-10")]),
        ("POST", "/registry/support-programmes") => form(&[("corporate_number", &w.c_cn), ("name", "x"), ("regions", "東京都"), ("fiscal_year", "2026"), ("budget_hours", "10")]),
        ("POST", "/suppliers/import") => Some((
            "multipart/form-data; boundary=hoshi-test-boundary",
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.csv\"\r\nContent-Type: text/csv\r\n\r\ncorporate_number,name\r\n{},曇天\r\n--{BOUNDARY}--\r\n", w.c_cn),
        )),
        ("POST", "/suppliers/import/{draft_id}") => form(&[("action", "preview")]),
        ("POST", "/suppliers/{supplier}/requirement") => form(&[("level", "4"), ("reason", "重要部品")]),
        ("POST", "/requirements/tiers") => form(&[("buyer", &w.c_cn), ("share", "yes")]),
        ("POST", "/api/v1/suppliers/import") => Some(("text/csv", format!("corporate_number,name\n{},曇天\n", w.c_cn))),
        ("PUT", "/api/v1/suppliers/{supplier}/requirement") => json_body(json!({"level": 4, "reason": "重要部品"})),
        ("POST", "/negotiations") => form(&[("assessment", "1"), ("b0_on", "1"), ("b0_buyer", &w.c_cn), ("b0_weight", "1000")]),
        ("POST", "/negotiations/{negotiation_id}/steps") => form(&[("kind", "minutes"), ("text", "x")]),
        ("POST", "/api/v1/negotiations/{negotiation_id}/steps") => json_body(json!({"kind": "minutes", "text": "x"})),
        ("POST", "/negotiations/{negotiation_id}/escalate") => form(&[("note", "x")]),
        ("POST", "/claim") => form(&[("corporate_number", &w.c_cn), ("name", "n"), ("email", "x@example.com"), ("statement", "ours")]),
        ("POST", "/org/verification") => Some((
            "multipart/form-data; boundary=hoshi-test-boundary",
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 doc\r\n--{BOUNDARY}--\r\n"),
        )),
        ("POST", "/org/accreditation") => form(&[("kind", "expert"), ("qualification", "q"), ("number", "1"), ("training_completed_on", "2026-01-01")]),
        ("POST", "/engagements/{engagement_id}/findings") => form(&[("criterion", "4-1-1-1"), ("comment", "x")]),
        ("POST", "/engagements/{engagement_id}/technical") => form(&[("method", "scan"), ("performed_on", "2026-10-01"), ("result", "passed")]),
        ("POST", "/engagements/{engagement_id}/agree-unchanged") => None,
        ("POST", "/assessments/{assessment_id}/findings") => form(&[("engagement", "1"), ("criterion", "4-1-1-1"), ("text", "x")]),
        ("POST", "/registry/applications/{application_id}/check") => form(&[("note", "checked")]),
        ("POST", "/registry/verifications") => form(&[("corporate_number", &w.c_cn), ("checked", "x")]),
        ("POST", "/registry/claims/{claim_id}/resolve") => form(&[("decision", "reject"), ("resolution", "x")]),
        ("POST", "/registry/name-changes/{name_change_id}/decide") => form(&[("decision", "reject"), ("reason", "x")]),
        ("POST", "/registry/providers") => form(&[("corporate_number", &w.a.cn), ("kind", "expert"), ("action", "suspend"), ("reason", "r")]),
        ("POST", "/registry/applications/{application_id}/decide") => form(&[("decision", "refuse"), ("reason", "x")]),
        ("POST", "/registry/changes") => form(&[("serial", &w.serial), ("action", "suspend"), ("reason", "r")]),
        ("POST", "/api/v1/registry/verify") => json_body(json!({"corporate_numbers": [], "required_level": 3})),
        ("POST", "/api/v1/sharing/allocate") => {
            json_body(json!({"rule": "shapley", "increments": [{"level": 3, "cost_yen": 1000}], "participants": [{"id": "A", "level": 3}]}))
        }
        ("PUT", "/api/v1/orgs/{org_id}") => {
            json_body(json!({"name_ja": "名前", "name_en": "Name", "prefecture": "東京都"}))
        }
        ("POST", "/api/v1/orgs/{org_id}/invitations") => {
            json_body(json!({"email": "new@person.example", "role": "member"}))
        }
        ("POST", "/api/v1/orgs/{org_id}/tokens") => {
            json_body(json!({"name": "n", "scope": "read"}))
        }
        ("POST", "/org") => form(&[
            ("name_ja", "名前"),
            ("name_en", "Name"),
            ("prefecture", "東京都"),
        ]),
        ("POST", "/org/invitations") => {
            form(&[("email", "new@person.example"), ("role", "member")])
        }
        ("POST", "/org/tokens") => form(&[("name", "n"), ("scope", "read")]),
        ("POST", "/logout") | ("POST", "/org/tokens/{token_id}/revoke") | ("DELETE", _) => None,
        (m, p) if m != "GET" => panic!("add a valid sample body for {m} {p} to tests/common/calls.rs"),
        _ => None,
    }
}

pub type Body = Option<(&'static str, String)>;
pub type Headers = Vec<(&'static str, String)>;

/// Adds the CSRF token a session's state-changing request needs (form field or header).
pub fn with_csrf(def: &RouteDef, s: &Session, body: Option<(&'static str, String)>) -> (Body, Headers) {
    if def.method == Method::GET {
        return (body, vec![]);
    }
    if def.is_api() {
        return (body, vec![("x-csrf-token", s.csrf.clone())]);
    }
    // An upload carries its token as its first field, never in the URL.
    if let Some((ct, b)) = body.as_ref().filter(|(ct, _)| ct.starts_with("multipart/")) {
        let with = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n{b}", s.csrf);
        return (Some((ct, with)), vec![]);
    }
    let mut b = body.map(|(_, b)| b).unwrap_or_default();
    if !b.is_empty() {
        b.push('&');
    }
    b.push_str(&format!("_csrf={}", s.csrf));
    (Some(("application/x-www-form-urlencoded", b)), vec![])
}

pub async fn call(w: &World, def: &RouteDef, path: &str, auth: Auth<'_>) -> Reply {
    let (body, headers) = match auth {
        Auth::Session(s) => with_csrf(def, s, sample_body(def, w)),
        _ => (sample_body(def, w), vec![]),
    };
    let extra: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    send(&w.router, def.method.clone(), path, auth, body, &extra).await
}
