//! Every declared route, called by the wrong people: anonymous callers, another organisation's
//! people and tokens, and members without the needed role. None of them may act or see another
//! organisation's data. New routes are picked up from `routes::table()`.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use hoshi_web::routes::{table, Access, RouteDef};
use serde_json::json;

const BOUNDARY: &str = "hoshi-test-boundary";

/// A request body that is valid for the route, so that the answer is about access, not input.
fn sample_body(def: &RouteDef, w: &World) -> Option<(&'static str, String)> {
    match (def.method.as_str(), def.path) {
        ("POST", "/assessments") => form(&[("target_level", "3")]),
        ("POST", "/experts/profile") => form(&[("qualification", "情報処理安全確保支援士")]),
        ("POST", "/assessments/{assessment_id}/answers") => form(&[("category", "protect"), ("c.4-1-1-1.status", "met")]),
        ("POST", "/assessments/{assessment_id}/settings") => form(&[("target_level", "4"), ("employees", "10")]),
        ("POST", "/assessments/{assessment_id}/evidence") => Some((
            "multipart/form-data; boundary=hoshi-test-boundary",
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"criterion\"\r\n\r\n4-4-5-1\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 x\r\n--{BOUNDARY}--\r\n"),
        )),
        ("POST", "/assessments/{assessment_id}/quotes") => form(&[("criterion", "4-4-5-1"), ("one_off", "1000")]),
        ("POST", "/assessments/{assessment_id}/engagements") => form(&[("provider", &w.b.cn), ("kind", "support")]),
        ("POST", "/assessments/{assessment_id}/pledge") => form(&[("officer_name", "名前"), ("officer_title", "役職")]),
        ("POST", "/assessments/{assessment_id}/shares") => form(&[("buyer", &w.c_cn)]),
        ("POST", "/engagements/{engagement_id}/reviews") => form(&[("r.4-1-1-1.position", "conforms")]),
        ("POST", "/engagements/{engagement_id}/confirm") | ("POST", "/engagements/{engagement_id}/return") => form(&[("comment", "x")]),
        ("PUT", "/api/v1/assessments/{assessment_id}/answers/{criterion_id}") => json_body(json!({"status": "met"})),
        ("POST", "/assessments/{assessment_id}/versions") | ("POST", "/shares/{share_id}/revoke") => None,
        ("POST", "/assessments/{assessment_id}/apply") => None,
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
        (m, p) if m != "GET" => panic!("add a valid sample body for {m} {p} to tests/authz.rs"),
        _ => None,
    }
}

/// The path with parameters filled from `side` (whose ids the caller may or may not own).
fn path_for(def: &RouteDef, side: &Side) -> String {
    path_in(def, side, 0, "")
}

/// The path with parameters filled from `side`, plus the world's application and serial.
fn path_in(def: &RouteDef, side: &Side, application_id: i64, serial: &str) -> String {
    def.path
        .replace("{application_id}", &application_id.to_string())
        .replace("{serial}", serial)
        .replace("{*path}", "0/000.p/1")
        .replace("{org_id}", &side.org_id.to_string())
        .replace("{token_id}", &side.token_id.to_string())
        .replace("{token}", "no-such-invitation")
        .replace("{criterion_id}", "4-1-3-2")
        .replace("{assessment_id}", &side.assessment_id.to_string())
        .replace("{engagement_id}", &side.engagement_id.to_string())
        .replace("{share_id}", &side.share_id.to_string())
        .replace("{sha256}", &side.evidence_sha)
        .replace("{corporate_number}", &side.cn)
        .replace("{supplier}", &side.supplier_cn)
        .replace("{draft_id}", &side.draft_id.to_string())
        .replace("{negotiation_id}", &side.negotiation_id.to_string())
        .replace("{lang}", "en")
        .replace("{claim_id}", "1")
        .replace("{name_change_id}", "1")
}

type Body = Option<(&'static str, String)>;
type Headers = Vec<(&'static str, String)>;

/// Adds the CSRF token a session's state-changing request needs (form field or header).
fn with_csrf(def: &RouteDef, s: &Session, body: Option<(&'static str, String)>) -> (Body, Headers) {
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

async fn call(w: &World, def: &RouteDef, path: &str, auth: Auth<'_>) -> Reply {
    let (body, headers) = match auth {
        Auth::Session(s) => with_csrf(def, s, sample_body(def, w)),
        _ => (sample_body(def, w), vec![]),
    };
    let extra: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    send(&w.router, def.method.clone(), path, auth, body, &extra).await
}

/// Whether the reply shows the other side's private data (organisation names and corporate
/// numbers are public, as in the national registry; addresses, assessments, files are not).
fn leaks(r: &Reply, other: &Side) -> bool {
    other.secret.iter().any(|s| r.body.contains(s.as_str()))
}

#[tokio::test]
async fn every_private_route_refuses_anonymous_callers() {
    let w = world().await;
    for (def, _) in table() {
        if def.access == Access::Public {
            continue;
        }
        let r = call(&w, &def, &path_for(&def, &w.a), Auth::None).await;
        assert!(
            matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
            "{} {} answered {} to an anonymous caller",
            def.method,
            def.path,
            r.status
        );
        assert!(!leaks(&r, &w.a), "{} {} leaked data anonymously", def.method, def.path);
    }
}

#[tokio::test]
async fn another_organisations_ids_are_not_found() {
    let w = world().await;
    for (def, _) in table() {
        if def.access == Access::Public
            || !["{org_id}", "{token_id}", "{draft_id}", "{negotiation_id}"].iter().any(|p| def.path.contains(p))
        {
            continue;
        }
        // A's administrator, session and token, asking for B's things.
        for auth in [Auth::Session(&w.a.admin), Auth::Bearer(&w.a.token_rw)] {
            let r = call(&w, &def, &path_for(&def, &w.b), auth).await;
            assert!(
                matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                "{} {} with another organisation's id answered {}: {}",
                def.method,
                def.path,
                r.status,
                r.body
            );
            assert!(!leaks(&r, &w.b), "{} {} leaked B's data: {}", def.method, def.path, r.body);
        }
    }
}

#[tokio::test]
async fn admin_routes_refuse_members_and_tokens() {
    let w = world().await;
    for (def, _) in table() {
        if def.access != Access::Admin {
            continue;
        }
        let path = path_for(&def, &w.a);
        let r = call(&w, &def, &path, Auth::Session(&w.a.member)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {} let a member in: {}", def.method, def.path, r.body);
        if def.is_api() {
            for token in [&w.a.token_rw, &w.a.token_ro] {
                let r = call(&w, &def, &path, Auth::Bearer(token)).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {} let an API token in", def.method, def.path);
            }
        }
    }
}

#[tokio::test]
async fn the_right_caller_gets_through() {
    let w = world().await;
    for (def, _) in table() {
        if def.access == Access::Public || def.path == "/logout" || def.path.contains("revoke") || def.method == Method::DELETE {
            continue;
        }
        let who = match def.access {
            Access::Operator => &w.operator,
            Access::Regulator => &w.regulator,
            _ => &w.a.admin,
        };
        let r = call(&w, &def, &path_in(&def, &w.a, w.application_id, &w.serial), Auth::Session(who)).await;
        // Authorised means anything but 401/403/404 and no server error: a use case may still
        // refuse the particular input (422, 409).
        assert!(
            !matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) && !r.status.is_server_error(),
            "{} {} refused its own administrator: {} {}",
            def.method,
            def.path,
            r.status,
            r.body
        );
        assert!(!leaks(&r, &w.b), "{} {} showed B's data to A", def.method, def.path);
    }
}

#[tokio::test]
async fn a_read_only_token_cannot_write_and_a_bad_token_is_401() {
    let w = world().await;
    let r = send(&w.router, Method::GET, "/api/v1/me", Auth::Bearer(&w.a.token_ro), None, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["token_scope"], "read");
    assert_eq!(r.json()["org"]["corporate_number"], w.a.cn);
    let r = send(&w.router, Method::GET, "/api/v1/me", Auth::Bearer("hoshi_not-a-real-token"), None, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers.get("content-type").map(|v| v.to_str().unwrap_or("")), Some("application/problem+json"));
}

#[tokio::test]
async fn operator_routes_refuse_everyone_else() {
    let w = world().await;
    for (def, _) in table() {
        if def.access != Access::Operator {
            continue;
        }
        let path = path_in(&def, &w.a, w.application_id, &w.serial);
        for s in [&w.a.admin, &w.a.member, &w.b.admin] {
            let r = call(&w, &def, &path, Auth::Session(s)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {} let a non-operator in: {}", def.method, def.path, r.body);
        }
    }
}

#[tokio::test]
async fn regulator_routes_refuse_everyone_else() {
    let w = world().await;
    for (def, _) in table() {
        if def.access != Access::Regulator {
            continue;
        }
        let path = path_in(&def, &w.a, w.application_id, &w.serial);
        for s in [&w.a.admin, &w.a.member, &w.b.admin, &w.operator] {
            let r = call(&w, &def, &path, Auth::Session(s)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {} let a non-regulator in: {}", def.method, def.path, r.body);
        }
    }
}
