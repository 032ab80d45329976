//! Every declared route, called by the wrong people: anonymous callers, another organisation's
//! people and tokens, and members without the needed role. None of them may act or see another
//! organisation's data. New routes are picked up from `routes::table()`.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use hoshi_web::routes::{table, Access, RouteDef};
use serde_json::json;

/// A request body that is valid for the route, so that the answer is about access, not input.
fn sample_body(def: &RouteDef) -> Option<(&'static str, String)> {
    match (def.method.as_str(), def.path) {
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
    def.path
        .replace("{org_id}", &side.org_id.to_string())
        .replace("{token_id}", &side.token_id.to_string())
        .replace("{token}", "no-such-invitation")
        .replace("{criterion_id}", "4-1-3-2")
        .replace("{lang}", "en")
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
    let mut b = body.map(|(_, b)| b).unwrap_or_default();
    if !b.is_empty() {
        b.push('&');
    }
    b.push_str(&format!("_csrf={}", s.csrf));
    (Some(("application/x-www-form-urlencoded", b)), vec![])
}

async fn call(w: &World, def: &RouteDef, path: &str, auth: Auth<'_>) -> Reply {
    let (body, headers) = match auth {
        Auth::Session(s) => with_csrf(def, s, sample_body(def)),
        _ => (sample_body(def), vec![]),
    };
    let extra: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    send(&w.router, def.method.clone(), path, auth, body, &extra).await
}

fn leaks(r: &Reply, other: &Side) -> bool {
    r.body.contains(&other.cn) || r.body.contains(&other.name_ja)
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
        assert!(
            !leaks(&r, &w.a),
            "{} {} leaked data anonymously",
            def.method,
            def.path
        );
    }
}

#[tokio::test]
async fn another_organisations_ids_are_not_found() {
    let w = world().await;
    for (def, _) in table() {
        if def.access == Access::Public
            || !(def.path.contains("{org_id}") || def.path.contains("{token_id}"))
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
            assert!(
                !leaks(&r, &w.b),
                "{} {} leaked B's data: {}",
                def.method,
                def.path,
                r.body
            );
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
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{} {} let a member in: {}",
            def.method,
            def.path,
            r.body
        );
        if def.is_api() {
            for token in [&w.a.token_rw, &w.a.token_ro] {
                let r = call(&w, &def, &path, Auth::Bearer(token)).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{} {} let an API token in",
                    def.method,
                    def.path
                );
            }
        }
    }
}

#[tokio::test]
async fn the_right_caller_gets_through() {
    let w = world().await;
    for (def, _) in table() {
        if def.access == Access::Public
            || def.path == "/logout"
            || def.path.contains("revoke")
            || def.method == Method::DELETE
        {
            continue;
        }
        let r = call(&w, &def, &path_for(&def, &w.a), Auth::Session(&w.a.admin)).await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "{} {} refused its own administrator: {} {}",
            def.method,
            def.path,
            r.status,
            r.body
        );
        assert!(
            !leaks(&r, &w.b),
            "{} {} showed B's data to A",
            def.method,
            def.path
        );
    }
}

#[tokio::test]
async fn a_read_only_token_cannot_write_and_a_bad_token_is_401() {
    let w = world().await;
    let r = send(
        &w.router,
        Method::GET,
        "/api/v1/me",
        Auth::Bearer(&w.a.token_ro),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["token_scope"], "read");
    assert_eq!(r.json()["org"]["corporate_number"], w.a.cn);
    let r = send(
        &w.router,
        Method::GET,
        "/api/v1/me",
        Auth::Bearer("hoshi_not-a-real-token"),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.headers
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("")),
        Some("application/problem+json")
    );
}
