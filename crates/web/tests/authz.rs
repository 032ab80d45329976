//! Every declared route, called by the wrong people: anonymous callers, another organisation's
//! people and tokens, and members without the needed role. None of them may act or see another
//! organisation's data. New routes are picked up from `routes::table()`.

mod common;

use axum::http::{Method, StatusCode};
use common::calls::call;
use common::*;
use hoshi_web::routes::{table, Access, RouteDef};

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
        .replace("{task_id}", &side.task_id.to_string())
        .replace("{item_id}", &side.item_id.to_string())
        .replace("{version}", "1")
        .replace("{request_id}", &side.request_id.to_string())
        .replace("{programme_id}", &side.programme_id.to_string())
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
            || !["{org_id}", "{token_id}", "{draft_id}", "{negotiation_id}", "{task_id}", "{item_id}", "{request_id}"]
                .iter()
                .any(|p| def.path.contains(p))
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
