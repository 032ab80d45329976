//! The open cost-sharing calculator over HTTP: the worked example under every airport
//! rule, without signing in and without a CSRF token; bad input named; the rate limit.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::Router;
use common::*;
use hoshi_app::{App, FixedClock};
use serde_json::{json, Value};

const PATH: &str = "/api/v1/sharing/allocate";

async fn router_with(limit: u32) -> (Router, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(1_790_000_000));
    let app = App::new(hoshi_store::testing::sqlite().await, clock.clone()).with_rate_limit(hoshi_app::Bucket::Calculator, limit, 60);
    (hoshi_web::router(app, hoshi_web::WebConfig { secure_cookies: false, max_body_bytes: 64 * 1024, ..Default::default() }), clock)
}

/// Increments ★3 ¥3M, ★4 ¥2M, ★5 ¥4M; A, B, C at ★3, ★4, ★5 with weights 8, 1, 1.
fn example(rule: Option<&str>) -> Value {
    let mut v = json!({
        "increments": [{"level": 3, "cost_yen": 3_000_000}, {"level": 4, "cost_yen": 2_000_000}, {"level": 5, "cost_yen": 4_000_000}],
        "participants": [{"id": "A", "level": 3, "weight": 8}, {"id": "B", "level": 4, "weight": 1}, {"id": "C", "level": 5, "weight": 1}]
    });
    if let Some(r) = rule {
        v["rule"] = json!(r);
    }
    v
}

async fn post(router: &Router, body: &Value, extra: &[(&str, &str)]) -> Reply {
    send(router, Method::POST, PATH, Auth::None, json_body(body.clone()), extra).await
}

fn shares(r: &Reply) -> Vec<(String, u64)> {
    r.json()["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .map(|s| (s["id"].as_str().expect("id").to_owned(), s["share_yen"].as_u64().expect("share")))
        .collect()
}

fn abc(a: u64, b: u64, c: u64) -> Vec<(String, u64)> {
    vec![("A".into(), a), ("B".into(), b), ("C".into(), c)]
}

#[tokio::test]
async fn the_worked_example_anonymously_and_without_csrf() {
    let (router, _) = router_with(60).await;
    for (rule, expected) in [
        (Some("shapley"), abc(1_000_000, 2_000_000, 6_000_000)),
        (Some("nucleolus"), abc(1_500_000, 1_750_000, 5_750_000)),
        (Some("weighted_airport"), abc(2_400_000, 1_300_000, 5_300_000)),
        (None, abc(2_400_000, 1_300_000, 5_300_000)),
    ] {
        let r = post(&router, &example(rule), &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{rule:?}: {}", r.body);
        assert_eq!(shares(&r), expected, "{rule:?}");
        let v = r.json();
        assert_eq!(v["total_yen"], 9_000_000);
        assert_eq!(v["rule"], rule.unwrap_or("weighted_airport"));
        assert_eq!(
            v["increments"],
            json!([{"level": 3, "cost_yen": 3_000_000}, {"level": 4, "cost_yen": 2_000_000}, {"level": 5, "cost_yen": 4_000_000}])
        );
        for s in v["shares"].as_array().expect("shares") {
            let parts: u64 = s["by_increment"].as_array().expect("by_increment").iter().filter_map(Value::as_u64).sum();
            assert_eq!(Some(parts), s["share_yen"].as_u64());
            assert_eq!(s["exceeds_stand_alone"], false);
        }
    }
    // by_increment follows the increments sorted by level, whatever the request's order.
    let mut v = example(Some("shapley"));
    v["increments"] =
        json!([{"level": "★5", "cost_yen": 4_000_000}, {"level": 3, "cost_yen": 3_000_000}, {"level": 4, "cost_yen": 2_000_000}]);
    let r = post(&router, &v, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["increments"][0]["level"], 3);
    assert_eq!(r.json()["shares"][2]["by_increment"], json!([1_000_000, 1_000_000, 4_000_000]));
    assert_eq!(r.json()["shares"][2]["stand_alone_yen"], 9_000_000);
    // Proportional flags the ★3 buyer paying above its stand-alone ¥3M.
    let r = post(&router, &example(Some("proportional")), &[]).await;
    assert_eq!(shares(&r), abc(7_200_000, 900_000, 900_000));
    assert_eq!(r.json()["shares"][0]["exceeds_stand_alone"], true);
}

#[tokio::test]
async fn bad_input_is_a_422_that_says_what_to_fix() {
    let (router, _) = router_with(1000).await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (example(Some("equal")), "rule", "use one of weighted_airport, shapley, nucleolus, proportional"),
        (json!({"increments": [], "participants": []}), "participants", "no participants"),
        (
            {
                let mut v = example(None);
                v["increments"][0]["cost_yen"] = json!(1.5);
                v
            },
            "increments[0].cost_yen",
            "not a whole number",
        ),
        (
            {
                let mut v = example(None);
                v["increments"][1]["cost_yen"] = json!(-2000000);
                v
            },
            "increments[1].cost_yen",
            "negative",
        ),
        (
            {
                let mut v = example(None);
                v["increments"][1]["cost_yen"] = json!("2,000,000");
                v
            },
            "increments[1].cost_yen",
            "without quotes",
        ),
        (
            {
                let mut v = example(None);
                v["participants"][2]["weight"] = json!(0.5);
                v
            },
            "participants[2].weight",
            "not a whole number",
        ),
        (
            {
                let mut v = example(None);
                v["participants"][1]["level"] = json!(6);
                v
            },
            "participants[1].level",
            "from 1 to 5",
        ),
        (
            {
                let mut v = example(None);
                v["participants"][1].as_object_mut().expect("o").remove("weight");
                v
            },
            "participants[1].weight",
            "use the shapley rule",
        ),
        (
            {
                let mut v = example(None);
                v["participants"][1]["id"] = json!("A");
                v
            },
            "participants",
            "listed more than once",
        ),
        (
            {
                let mut v = example(None);
                v["participants"][2]["level"] = json!(4);
                v
            },
            "increments",
            "nobody needs ★5",
        ),
        (json!([1, 2]), "body", "JSON object"),
    ];
    for (body, field, says) in cases {
        let r = post(&router, &body, &[("accept-language", "en")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert_eq!(r.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
        let p = r.json();
        assert_eq!(p["field"], field, "{body}: {}", r.body);
        assert!(p["detail"].as_str().is_some_and(|d| d.contains(says)), "{body}: {}", r.body);
    }
    // Not JSON at all; and the same problem in Japanese.
    let r = send(&router, Method::POST, PATH, Auth::None, Some(("application/json", "{".into())), &[("accept-language", "en")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["detail"].as_str().is_some_and(|d| d.contains("not valid JSON")), "{}", r.body);
    let mut v = example(None);
    v["increments"][0]["cost_yen"] = json!(1.5);
    let r = post(&router, &v, &[("accept-language", "ja")]).await;
    assert!(r.json()["detail"].as_str().is_some_and(|d| d.contains("整数ではありません")), "{}", r.body);
    // Too many participants: the limit is stated.
    let many: Vec<Value> = (0..1001).map(|i| json!({"id": format!("p{i}"), "level": 3, "weight": 1})).collect();
    let r =
        post(&router, &json!({"increments": [{"level": 3, "cost_yen": 1000}], "participants": many}), &[("accept-language", "en")]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.json()["detail"].as_str().is_some_and(|d| d.contains("at most 1000")), "{}", r.body);
    let incs: Vec<Value> = (0..11).map(|_| json!({"level": 3, "cost_yen": 1})).collect();
    let r = post(&router, &json!({"increments": incs, "participants": [{"id": "A", "level": 3}]}), &[("accept-language", "en")]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.json()["detail"].as_str().is_some_and(|d| d.contains("at most 10")), "{}", r.body);
    // A thousand participants are fine.
    let many: Vec<Value> = (0..1000).map(|i| json!({"id": format!("p{i}"), "level": 3 + i % 3, "weight": i})).collect();
    let r = post(&router, &json!({"increments": example(None)["increments"], "participants": many}), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", &r.body[..r.body.len().min(500)]);
    assert_eq!(r.json()["shares"].as_array().map(Vec::len), Some(1000));
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let (router, clock) = router_with(3).await;
    assert_eq!(post(&router, &example(Some("shapley")), &[]).await.status, StatusCode::OK);
    // Bad requests count too.
    assert_eq!(post(&router, &json!({}), &[]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(post(&router, &example(Some("shapley")), &[]).await.status, StatusCode::OK);
    clock.advance(20);
    // The fourth of the minute is refused until the window ends.
    let r = post(&router, &example(Some("shapley")), &[("accept-language", "en")]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("40"));
    assert_eq!(r.headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    assert_eq!(r.json()["retry_after"], 40);
    assert!(r.json()["detail"].as_str().is_some_and(|d| d.contains("at most 3 requests per 60 seconds")), "{}", r.body);
    // Other routes are not limited by it; the next window lets the client in again.
    assert_eq!(send(&router, Method::GET, "/api/v1/catalog", Auth::None, None, &[]).await.status, StatusCode::OK);
    clock.advance(40);
    assert_eq!(post(&router, &example(Some("shapley")), &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn it_is_in_the_openapi_description() {
    let (router, _) = router_with(60).await;
    let r = send(&router, Method::GET, "/api/openapi.json", Auth::None, None, &[]).await;
    let v = r.json();
    assert!(v["paths"][PATH]["post"].is_object(), "{}", &r.body[..r.body.len().min(300)]);
    assert!(v["components"]["schemas"]["AllocateResponse"].is_object());
}
