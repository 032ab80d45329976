//! Price negotiations through the API on the demo world: a buyer's system lists its requests
//! with a token, declines one (a reason is required), the record's chain verifies, and only
//! the regulator reads the figures.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use common::*;
use hoshi_app::demo::DEMO_PASSWORD;
use hoshi_app::{App, FixedClock};
use serde_json::json;

#[tokio::test]
async fn a_buyer_system_answers_by_api_and_the_record_verifies() {
    let app = App::new(hoshi_store::testing::sqlite().await, Arc::new(FixedClock::new(1_795_651_200)));
    app.seed_demo().await.expect("demo");
    let router =
        hoshi_web::router(app.clone(), hoshi_web::WebConfig { secure_cookies: false, max_body_bytes: 64 * 1024, ..Default::default() });
    let buyer = app.sign_in("owner@hamamatsu-denso.example", DEMO_PASSWORD, "t").await.expect("buyer").actor;
    let (_, token) = app.create_token(&buyer, "procurement system", "read_write").await.expect("token");
    let (_, read_only) = app.create_token(&buyer, "dashboard", "read").await.expect("token");

    let r = send(&router, Method::GET, "/api/v1/negotiations", Auth::Bearer(&token), None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = r.json();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let id = list[0]["id"].as_i64().expect("id");
    assert_eq!(list[0]["state"], "requested");
    assert_eq!(list[0]["overdue"], true);
    let steps = format!("/api/v1/negotiations/{id}/steps");

    let r = send(&router, Method::POST, &steps, Auth::Bearer(&token), json_body(json!({"kind": "decline"})), &[("accept-language", "en")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("reason"), "{}", r.body);
    let body = json_body(json!({"kind": "decline", "reason": "今期の予算では対応できません"}));
    let r = send(&router, Method::POST, &steps, Auth::Bearer(&read_only), body.clone(), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a read-only token cannot answer");
    let r = send(&router, Method::POST, &steps, Auth::Bearer(&token), body, &[]).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    let r = send(&router, Method::GET, &format!("/api/v1/negotiations/{id}"), Auth::Bearer(&token), None, &[]).await;
    assert_eq!(r.json()["state"], "declined");
    assert_eq!(r.json()["steps"][1]["kind"], "decline");
    let r = send(&router, Method::GET, &format!("/api/v1/negotiations/{id}/record"), Auth::Bearer(&token), None, &[]).await;
    assert_eq!(r.json()["verified"], true);
    assert_eq!(r.json()["steps"].as_array().map(Vec::len), Some(2));
    let steps: Vec<hoshi_core::negotiation::StepRecord> = serde_json::from_value(r.json()["steps"].clone()).expect("steps");
    assert_eq!(hoshi_core::negotiation::verify_chain(&steps).ok().as_deref(), r.json()["last_hash"].as_str(), "anyone can recompute it");

    // The regulator's figures: the regulator only.
    let r = send(&router, Method::GET, "/api/v1/regulator/figures", Auth::Bearer(&token), None, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let jftc = app.sign_in("regulator@jftc-demo.example", DEMO_PASSWORD, "t").await.expect("jftc").actor;
    let (_, jftc_token) = app.create_token(&jftc, "stats", "read").await.expect("token");
    let r = send(&router, Method::GET, "/api/v1/regulator/figures", Auth::Bearer(&jftc_token), None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["requests"], 1);
    assert_eq!(r.json()["by_buyer"][0][3], 1, "one refusal by the buyer");
}
