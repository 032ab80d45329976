//! The HTTP application end to end, in process: sign-in, CSRF, languages, errors, API tokens,
//! invitations, registration and the OpenAPI description.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use hoshi_web::routes::table;
use serde_json::json;

async fn anon_csrf(w: &World) -> String {
    let r = send(&w.router, Method::GET, "/login", Auth::None, None, &[]).await;
    r.cookie("hoshi_csrf").expect("the sign-in page sets the CSRF cookie")
}

#[tokio::test]
async fn sign_in_shows_the_dashboard_and_sign_out_ends_the_session() {
    let w = world().await;
    let csrf = anon_csrf(&w).await;
    let cookie = format!("hoshi_csrf={csrf}");
    let r = send(
        &w.router,
        Method::POST,
        "/login",
        Auth::None,
        form(&[("_csrf", &csrf), ("email", "ADMIN@100000000001.example"), ("password", PASSWORD)]),
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let session = r.cookie("hoshi_session").expect("session cookie");
    let set = r.headers.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    let s = Session { cookie: session, csrf: String::new() };
    let dash = send(&w.router, Method::GET, "/dashboard", Auth::Session(&s), None, &[]).await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.body.contains("青空株式会社"), "{}", dash.body);
    let csrf = dash.body.split("name=\"_csrf\" value=\"").nth(1).and_then(|x| x.split('"').next()).expect("csrf in page").to_owned();
    let s = Session { csrf, ..s };
    let out = send(&w.router, Method::POST, "/logout", Auth::Session(&s), form(&[("_csrf", &s.csrf)]), &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = send(&w.router, Method::GET, "/dashboard", Auth::Session(&s), None, &[]).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "the session must end");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let w = world().await;
    let csrf = anon_csrf(&w).await;
    let cookie = format!("hoshi_csrf={csrf}");
    let mut bodies = Vec::new();
    for (email, pw) in [("admin@100000000001.example", "wrong-password!"), ("nobody@nowhere.example", PASSWORD)] {
        let r = send(
            &w.router,
            Method::POST,
            "/login",
            Auth::None,
            form(&[("_csrf", &csrf), ("email", email), ("password", pw)]),
            &[("cookie", &cookie), ("accept-language", "en")],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.cookie("hoshi_session").is_none());
        let msg = r.body.split("data-testid=\"login-error\">").nth(1).and_then(|x| x.split('<').next()).expect("message").to_owned();
        bodies.push(msg);
    }
    assert_eq!(bodies[0], bodies[1]);
    assert_eq!(bodies[0], "The email or password is not correct.");
}

#[tokio::test]
async fn without_a_valid_csrf_token_nothing_changes() {
    let w = world().await;
    // A signed-in form post without the token, and with another session's token.
    for token in ["", w.b.admin.csrf.as_str()] {
        let r = send(
            &w.router,
            Method::POST,
            "/org",
            Auth::Session(&w.a.admin),
            form(&[("_csrf", token), ("name_ja", "乗っ取り"), ("name_en", "Hijacked"), ("prefecture", "東京都")]),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    // A session-authenticated API call without the header.
    let r = send(
        &w.router,
        Method::POST,
        &format!("/api/v1/orgs/{}/tokens", w.a.org_id),
        Auth::Session(&w.a.admin),
        json_body(json!({"name": "x", "scope": "read"})),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An anonymous sign-in without the cookie it must match.
    let r = send(
        &w.router,
        Method::POST,
        "/login",
        Auth::None,
        form(&[("_csrf", "forged-forged-forged-forged-forged"), ("email", "admin@100000000001.example"), ("password", PASSWORD)]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let me = send(&w.router, Method::GET, &format!("/api/v1/orgs/{}", w.a.org_id), Auth::Bearer(&w.a.token_ro), None, &[]).await;
    assert_eq!(me.json()["name_en"], "青空 K.K.");
    let tokens = send(&w.router, Method::GET, &format!("/api/v1/orgs/{}/tokens", w.a.org_id), Auth::Session(&w.a.admin), None, &[]).await;
    assert_eq!(tokens.json().as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn unknown_routes_are_404_and_oversized_bodies_413() {
    let w = world().await;
    let r = send(&w.router, Method::GET, "/no/such/page", Auth::None, None, &[("accept-language", "en")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Page not found."));
    let r = send(&w.router, Method::GET, "/api/v1/nothing", Auth::None, None, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["status"], 404);
    let r = send(&w.router, Method::GET, &format!("/api/v1/orgs/{}", 999_999), Auth::Bearer(&w.a.token_ro), None, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let big = "x".repeat(200 * 1024);
    let r = send(
        &w.router,
        Method::POST,
        &format!("/api/v1/orgs/{}/tokens", w.a.org_id),
        Auth::Bearer(&w.a.token_rw),
        Some(("application/json", big)),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn language_follows_accept_language_then_the_switch() {
    let w = world().await;
    let r = send(&w.router, Method::GET, "/login", Auth::None, None, &[("accept-language", "en-US,en;q=0.9")]).await;
    assert!(r.body.contains("<html lang=\"en\">") && r.body.contains("Sign in with your email"));
    let r = send(&w.router, Method::GET, "/login", Auth::None, None, &[]).await;
    assert!(r.body.contains("<html lang=\"ja\">") && r.body.contains("メールアドレスとパスワード"));
    let r = send(&w.router, Method::GET, "/lang/en?next=/catalog", Auth::None, None, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers.get("location").and_then(|v| v.to_str().ok()), Some("/catalog"));
    assert_eq!(r.cookie("hoshi_lang").as_deref(), Some("en"));
    let r = send(&w.router, Method::GET, "/catalog", Auth::None, None, &[("cookie", "hoshi_lang=en"), ("accept-language", "ja")]).await;
    assert!(r.body.contains("The ★ standard") && r.body.contains("4-1-3-2"));
    let r = send(&w.router, Method::GET, "/lang/en?next=//evil.example", Auth::None, None, &[]).await;
    assert_eq!(r.headers.get("location").and_then(|v| v.to_str().ok()), Some("/"));
}

#[tokio::test]
async fn tokens_are_shown_once_work_and_can_be_revoked_once() {
    let w = world().await;
    let hdr = [("x-csrf-token", w.a.admin.csrf.as_str())];
    let r = send(
        &w.router,
        Method::POST,
        &format!("/api/v1/orgs/{}/tokens", w.a.org_id),
        Auth::Session(&w.a.admin),
        json_body(json!({"name": "nightly", "scope": "read"})),
        &hdr,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.json()["token"].as_str().expect("token").to_owned();
    let id = r.json()["info"]["id"].as_i64().expect("id");
    assert!(token.starts_with("hoshi_"));
    let list = send(&w.router, Method::GET, &format!("/api/v1/orgs/{}/tokens", w.a.org_id), Auth::Session(&w.a.admin), None, &[]).await;
    assert!(!list.body.contains(&token), "the token must never be shown again");
    let me = send(&w.router, Method::GET, "/api/v1/me", Auth::Bearer(&token), None, &[]).await;
    assert_eq!(me.status, StatusCode::OK);
    let list = send(&w.router, Method::GET, &format!("/api/v1/orgs/{}/tokens", w.a.org_id), Auth::Session(&w.a.admin), None, &[]).await;
    let used = list.json().as_array().and_then(|a| a.iter().find(|t| t["id"] == id).cloned()).expect("listed");
    assert!(used["last_used_at"].is_i64(), "last use is recorded: {used}");
    let del =
        send(&w.router, Method::DELETE, &format!("/api/v1/orgs/{}/tokens/{id}", w.a.org_id), Auth::Session(&w.a.admin), None, &hdr).await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    let again =
        send(&w.router, Method::DELETE, &format!("/api/v1/orgs/{}/tokens/{id}", w.a.org_id), Auth::Session(&w.a.admin), None, &hdr).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let me = send(&w.router, Method::GET, "/api/v1/me", Auth::Bearer(&token), None, &[]).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_invitation_brings_a_new_member_in_once() {
    let w = world().await;
    let r = send(
        &w.router,
        Method::POST,
        &format!("/api/v1/orgs/{}/invitations", w.a.org_id),
        Auth::Session(&w.a.admin),
        json_body(json!({"email": "new.person@aozora.example", "role": "member"})),
        &[("x-csrf-token", &w.a.admin.csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let path = r.json()["accept_path"].as_str().expect("path").to_owned();
    let page = send(&w.router, Method::GET, &path, Auth::None, None, &[]).await;
    assert!(page.body.contains("青空株式会社"));
    let csrf = page.cookie("hoshi_csrf").expect("cookie");
    let cookie = format!("hoshi_csrf={csrf}");
    let r = send(
        &w.router,
        Method::POST,
        &path,
        Auth::None,
        form(&[("_csrf", &csrf), ("display_name", "新人"), ("password", "brand-new-password")]),
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let s = Session { cookie: r.cookie("hoshi_session").expect("signed in"), csrf: String::new() };
    let me = send(&w.router, Method::GET, "/api/v1/me", Auth::Session(&s), None, &[]).await;
    assert_eq!(me.json()["org"]["corporate_number"], w.a.cn);
    assert_eq!(me.json()["member_role"], "member");
    let reuse = send(&w.router, Method::GET, &path, Auth::None, None, &[]).await;
    assert_eq!(reuse.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn registration_refuses_bad_and_duplicate_corporate_numbers_with_reasons() {
    let w = world().await;
    let csrf = anon_csrf(&w).await;
    let cookie = format!("hoshi_csrf={csrf}");
    let post = |cn: &'static str, email: &'static str| {
        form(&[
            ("_csrf", &csrf),
            ("corporate_number", cn),
            ("name_ja", "新規株式会社"),
            ("name_en", "Shinki K.K."),
            ("prefecture", "愛知県"),
            ("role_supplier", "on"),
            ("display_name", "代表"),
            ("email", email),
            ("password", "long-enough-pw"),
        ])
    };
    let r = send(
        &w.router,
        Method::POST,
        "/register",
        Auth::None,
        post("8000012050002", "x@shinki.example"),
        &[("cookie", &cookie), ("accept-language", "en")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("expected 7"), "{}", r.body);
    let taken = w.a.cn.clone();
    let taken: &'static str = Box::leak(taken.into_boxed_str());
    let r = send(
        &w.router,
        Method::POST,
        "/register",
        Auth::None,
        post(taken, "y@shinki.example"),
        &[("cookie", &cookie), ("accept-language", "en")],
    )
    .await;
    // Issue 13: a corporate number or an e-mail address already registered gets the very answer
    // a new registration gets, so the form cannot be used to learn who is registered.
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let taken_number = r.body.replace("y@shinki.example", "EMAIL");
    assert!(taken_number.contains("data-testid=\"login-notice\""), "{}", r.body);
    let r = send(
        &w.router,
        Method::POST,
        "/register",
        Auth::None,
        post("7000012050002", "admin@100000000001.example"),
        &[("cookie", &cookie), ("accept-language", "en")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let taken_email = r.body.replace("admin@100000000001.example", "EMAIL");
    let r = send(
        &w.router,
        Method::POST,
        "/register",
        Auth::None,
        post("6000012050003", "n@shinki.example"),
        &[("cookie", &cookie), ("accept-language", "en")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.cookie("hoshi_session").is_none(), "no session: the person signs in next, as after a refused one");
    let new_one = r.body.replace("n@shinki.example", "EMAIL");
    assert_eq!(taken_number, new_one, "a taken corporate number is answered like a new registration");
    assert_eq!(taken_email, new_one, "a taken e-mail address is answered like a new registration");
    let r = send(
        &w.router,
        Method::POST,
        "/register",
        Auth::None,
        post("７０００-０１２０-５０００２", "z@shinki.example"),
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("登録を受け付けました"), "{}", r.body);
    // The new account signs in with what it registered; the taken address's owner is untouched.
    let login = send(
        &w.router,
        Method::POST,
        "/login",
        Auth::None,
        form(&[("_csrf", &csrf), ("email", "z@shinki.example"), ("password", "long-enough-pw")]),
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    let orgs = w.app.admin_list_orgs().await.expect("orgs");
    assert!(orgs.iter().any(|o| o.corporate_number.to_string() == "7000012050002"));
}

#[tokio::test]
async fn openapi_describes_every_api_route_and_health_checks_answer() {
    let w = world().await;
    let doc = send(&w.router, Method::GET, "/api/openapi.json", Auth::None, None, &[]).await.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for (def, _) in table() {
        if !(def.is_api() || def.path == "/healthz" || def.path == "/readyz") {
            continue;
        }
        let op = &doc["paths"][def.path][def.method.as_str().to_lowercase()];
        assert!(op.is_object(), "{} {} is not described in /api/openapi.json", def.method, def.path);
        // What the shared machinery answers is documented too, and problems as what they are.
        let responses = op["responses"].as_object().expect("responses");
        for (status, r) in responses {
            if let Some(content) = r["content"].as_object() {
                let problem = content.values().any(|c| c["schema"]["$ref"] == "#/components/schemas/Problem");
                assert!(
                    !problem || content.contains_key("application/problem+json"),
                    "{} {} {status}: a problem as JSON",
                    def.method,
                    def.path
                );
            }
        }
        if def.path.contains('{') {
            assert!(responses.contains_key("400"), "{} {}: a malformed path parameter's 400 is not documented", def.method, def.path);
        }
        if def.access != hoshi_web::routes::Access::Public {
            for s in ["401", "403"] {
                assert!(responses.contains_key(s), "{} {}: {s} is not documented", def.method, def.path);
            }
        }
    }
    assert_eq!(send(&w.router, Method::GET, "/healthz", Auth::None, None, &[]).await.status, StatusCode::OK);
    assert_eq!(send(&w.router, Method::GET, "/readyz", Auth::None, None, &[]).await.json()["status"], "ready");
}

#[tokio::test]
async fn members_see_their_organisation_but_cannot_change_it() {
    let w = world().await;
    let r = send(&w.router, Method::GET, "/org", Auth::Session(&w.a.member), None, &[("accept-language", "en")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("An administrator changes the profile"));
    assert!(!r.body.contains("action=\"/org/invitations\""));
    let input = good_org_input();
    let ok = send(
        &w.router,
        Method::POST,
        "/org",
        Auth::Session(&w.a.admin),
        form(&[
            ("_csrf", &w.a.admin.csrf),
            ("name_ja", &input.name_ja),
            ("name_en", &input.name_en),
            ("prefecture", &input.prefecture),
            ("industry", &input.industry),
            ("employees", &input.employees),
            ("capital_yen", &input.capital_yen),
        ]),
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let org = send(&w.router, Method::GET, &format!("/api/v1/orgs/{}", w.a.org_id), Auth::Bearer(&w.a.token_ro), None, &[]).await.json();
    assert_eq!(org["prefecture_en"], "Osaka");
    assert_eq!(org["capital_yen"], 10_000_000);
    assert_eq!(org["is_sme"], true);
    let bad = send(
        &w.router,
        Method::POST,
        "/org",
        Auth::Session(&w.a.admin),
        form(&[("_csrf", &w.a.admin.csrf), ("name_ja", "x"), ("name_en", "x"), ("prefecture", "東京都"), ("capital_yen", "-5")]),
        &[("accept-language", "en")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("negative"), "{}", bad.body);
}

#[tokio::test]
async fn the_public_registry_api_answers_and_shows_a_revocation() {
    let w = world().await;
    let a = &w.a.cn;
    let r = send(&w.router, Method::GET, &format!("/api/v1/registry/companies/{a}"), Auth::None, None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["certificates"][0]["serial"], w.serial.as_str());
    assert_eq!(r.json()["certificates"][0]["state"], "active");
    let bad =
        send(&w.router, Method::GET, "/api/v1/registry/companies/1234567890123", Auth::None, None, &[("accept-language", "en")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["detail"].as_str().is_some_and(|d| d.contains("check digit")), "{}", bad.body);
    let unknown = send(&w.router, Method::GET, "/api/v1/registry/companies/7000012050002", Auth::None, None, &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let list =
        send(&w.router, Method::GET, "/api/v1/registry/companies?q=%E9%9D%92%E7%A9%BA&level=3&state=active", Auth::None, None, &[]).await;
    assert_eq!(list.json()["items"][0]["corporate_number"], a.as_str());

    let verify = |numbers: serde_json::Value| json_body(json!({"corporate_numbers": numbers, "required_level": 3}));
    let r = send(&w.router, Method::POST, "/api/v1/registry/verify", Auth::None, verify(json!([a, "12345", w.b.cn])), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let results = r.json()["results"].clone();
    assert_eq!(results[0]["meets_requirement"], true);
    assert_eq!(results[1]["valid_number"], false);
    assert_eq!(results[2]["meets_requirement"], false);
    let many: Vec<String> = (0..10_001).map(|_| a.clone()).collect();
    let r = send(&w.router, Method::POST, "/api/v1/registry/verify", Auth::None, verify(json!(many)), &[("accept-language", "en")]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.json()["detail"].as_str().is_some_and(|d| d.contains("10000")), "{}", r.body);

    let b = send(&w.router, Method::GET, &format!("/api/v1/certificates/{}/bundle", w.serial), Auth::None, None, &[]).await;
    assert_eq!(b.status, StatusCode::OK);
    for k in ["origin", "index", "entry", "inclusion_proof", "checkpoint"] {
        assert!(!b.json()["log"][k].is_null(), "bundle lacks log.{k}");
    }
    let jwks = send(&w.router, Method::GET, "/.well-known/jwks.json", Auth::None, None, &[]).await.json();
    assert_eq!(jwks["keys"][0]["kty"], "OKP");

    // The operator revokes; once the sequencer has run (every 500 ms in the server), the API
    // and the log both show it.
    let op = w.app.session_actor(&w.operator.cookie).await.expect("operator");
    w.app.change_certificate(&op, &w.serial, "revoke", "misrepresentation", "虚偽の申告").await.expect("revoke");
    let r = send(&w.router, Method::GET, &format!("/api/v1/registry/companies/{a}"), Auth::None, None, &[]).await;
    assert_eq!(r.json()["certificates"][0]["state"], "revoked");
    w.app.sequence().await.expect("sequence");
    let cp = send(&w.router, Method::GET, "/log/checkpoint", Auth::None, None, &[]).await;
    // Four provider approvals (A and B, each as expert and assessment body), the issue, the revocation.
    assert!(cp.body.lines().nth(1) == Some("6"), "{}", cp.body);
    let entries = send(&w.router, Method::GET, "/log/tile/entries/000.p/6", Auth::None, None, &[]).await;
    assert_eq!(entries.status, StatusCode::OK);
    assert!(entries.body.contains("\"event\":\"revoked\""));
    assert!(entries.body.contains("hoshi.registry.provider.v1"), "the provider approvals are log entries");
    assert_eq!(send(&w.router, Method::GET, "/log/tile/entries/000.p/7", Auth::None, None, &[]).await.status, StatusCode::NOT_FOUND);
    let page =
        send(&w.router, Method::GET, &format!("/registry/certificates/{}", w.serial), Auth::None, None, &[("accept-language", "en")]).await;
    assert!(page.body.contains("Revoked") && page.body.contains("虚偽の申告"), "{}", page.body);
}

#[tokio::test]
async fn tokens_answer_through_the_api_and_the_registry_exports_csv_and_a_qr_code() {
    let w = world().await;
    let path = format!("/api/v1/assessments/{}/answers/4-1-1-1", w.a.assessment_id);
    let ok = send(&w.router, Method::PUT, &path, Auth::Bearer(&w.a.token_rw), json_body(json!({"status": "met"})), &[]).await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    let ro = send(&w.router, Method::PUT, &path, Auth::Bearer(&w.a.token_ro), json_body(json!({"status": "met"})), &[]).await;
    assert_eq!(ro.status, StatusCode::FORBIDDEN, "a read-only token cannot answer");
    let na = send(&w.router, Method::PUT, &path, Auth::Bearer(&w.a.token_rw), json_body(json!({"status": "not_applicable"})), &[]).await;
    assert_eq!(na.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(na.json()["field"], "reason");
    let got = send(&w.router, Method::GET, &format!("/api/v1/assessments/{}", w.a.assessment_id), Auth::Bearer(&w.a.token_ro), None, &[])
        .await
        .json();
    assert!(got["answers"].as_array().is_some_and(|a| a.iter().any(|x| x["criterion"] == "4-1-1-1" && x["status"] == "met")));

    let csv = send(&w.router, Method::GET, "/registry.csv", Auth::None, None, &[("accept-language", "en")]).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("\u{feff}corporate_number,"), "{}", &csv.body[..40.min(csv.body.len())]);
    assert!(csv.body.contains(&w.serial) && csv.body.contains(&w.a.cn));
    let page = send(&w.router, Method::GET, &format!("/registry/certificates/{}", w.serial), Auth::None, None, &[]).await;
    assert!(page.body.contains("data-testid=\"qr\"><svg"), "the certificate page carries its QR code");
}

/// The log's read API is made for CDNs: full tiles are immutable, the checkpoint and partial
/// tiles are cacheable only briefly, and no public JSON or tile response sets a cookie (a shared
/// cache will not hold a response that does). Pages still get the anonymous CSRF cookie.
#[tokio::test]
async fn log_tiles_and_public_json_are_cacheable_without_cookies() {
    let w = world().await;
    {
        let mut conn = w.app.store().pool().acquire().await.expect("conn");
        for i in 0..300 {
            hoshi_store::registry::insert_pending(&mut conn, format!("{{\"n\":{i}}}").as_bytes(), None, 1).await.expect("pending");
        }
    }
    let size = w.app.sequence().await.expect("sequence");
    assert!(size > 256, "{size}");
    let partial = size - 256;
    for (path, cache) in [
        ("/log/tile/0/000".to_owned(), "public, max-age=31536000, immutable"),
        ("/log/tile/entries/000".to_owned(), "public, max-age=31536000, immutable"),
        (format!("/log/tile/0/001.p/{partial}"), "public, max-age=2"),
        (format!("/log/tile/entries/001.p/{partial}"), "public, max-age=2"),
        ("/log/checkpoint".to_owned(), "public, max-age=2"),
    ] {
        let r = send(&w.router, Method::GET, &path, Auth::None, None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some(cache), "{path}");
        assert!(r.headers.get("set-cookie").is_none(), "{path} sets a cookie");
    }
    let json = send(&w.router, Method::GET, &format!("/api/v1/registry/companies/{}", w.a.cn), Auth::None, None, &[]).await;
    assert_eq!(json.status, StatusCode::OK);
    assert!(json.headers.get("set-cookie").is_none(), "public JSON sets a cookie");
    let page = send(&w.router, Method::GET, "/registry", Auth::None, None, &[]).await;
    assert!(page.headers.get("set-cookie").is_some(), "a page still carries the anonymous CSRF cookie for its forms");
}

/// Anonymous renderings of registry pages are kept for a moment, but a change made through this
/// server shows on the very next view, and a signed-in visitor never gets the anonymous page.
#[tokio::test]
async fn cached_registry_pages_show_a_change_at_once_and_never_cross_sessions() {
    let w = world().await;
    let path = format!("/registry/certificates/{}", w.serial);
    let en = [("accept-language", "en")];
    let first = send(&w.router, Method::GET, &path, Auth::None, None, &en).await;
    assert!(first.body.contains("Active") && !first.body.contains("Revoked"), "{}", first.body);
    let again = send(&w.router, Method::GET, &path, Auth::None, None, &en).await;
    assert_eq!(again.body, first.body, "the same page again");
    let signed_in = send(&w.router, Method::GET, &path, Auth::Session(&w.b.admin), None, &en).await;
    assert!(signed_in.body.contains("data-testid=\"who\""), "a signed-in view is the visitor's own");
    let op = w.app.session_actor(&w.operator.cookie).await.expect("operator");
    w.app.change_certificate(&op, &w.serial, "revoke", "misrepresentation", "虚偽の申告").await.expect("revoke");
    let after = send(&w.router, Method::GET, &path, Auth::None, None, &en).await;
    assert!(after.body.contains("Revoked"), "the revocation shows on the next anonymous view");
    let list = send(&w.router, Method::GET, "/registry", Auth::None, None, &en).await;
    assert!(list.headers.get("set-cookie").is_some(), "each anonymous visitor still gets a CSRF cookie of its own");
}
