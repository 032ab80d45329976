//! Issue 13: the limits count per client, and a client cannot choose who it is. Behind a trusted
//! proxy the proxy's header names the client; from anywhere else the header is ignored. Every
//! refusal is a 429 with `Retry-After`, a problem for the API and a page for a person.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use hoshi_app::{App, Bucket, FixedClock};
use hoshi_web::client::ClientAddressing;
use hoshi_web::WebConfig;
use http_body_util::BodyExt;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(router: &Router, method: Method, uri: &str, peer: &str, headers: &[(&str, &str)], body: Option<String>) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = match body {
        Some(b) => req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(b)),
        None => req.body(Body::empty()),
    }
    .expect("request");
    req.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().expect("peer")));
    let res = router.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

async fn app() -> App {
    App::new(hoshi_store::testing::sqlite().await, Arc::new(FixedClock::new(1_780_000_000)))
}

fn config(client: ClientAddressing) -> WebConfig {
    WebConfig { secure_cookies: false, client, ..WebConfig::default() }
}

fn behind_proxy() -> ClientAddressing {
    ClientAddressing::new(Some("X-Forwarded-For"), &["127.0.0.1".into()]).expect("addressing")
}

const LOOKUP: &str = "/api/v1/registry/companies?q=x";

#[tokio::test]
async fn the_registry_api_limit_counts_per_client_behind_a_trusted_proxy() {
    let router = hoshi_web::router(app().await.with_rate_limit(Bucket::Registry, 3, 60), config(behind_proxy()));
    let office = [("x-forwarded-for", "203.0.113.9")];
    for _ in 0..3 {
        assert_eq!(send(&router, Method::GET, LOOKUP, "127.0.0.1:5000", &office, None).await.status, StatusCode::OK);
    }
    let refused = send(&router, Method::GET, LOOKUP, "127.0.0.1:5000", &office, None).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    assert!(refused.headers.get(header::RETRY_AFTER).is_some_and(|v| v.to_str().is_ok_and(|s| s.parse::<u64>().is_ok_and(|n| n >= 1))));
    assert!(refused.body.contains("rate-limited"), "{}", refused.body);
    // Another client behind the same proxy has its own budget.
    let other = [("x-forwarded-for", "198.51.100.20")];
    assert_eq!(send(&router, Method::GET, LOOKUP, "127.0.0.1:5000", &other, None).await.status, StatusCode::OK);
    // A fake address on the left of the proxy's list changes nothing.
    let spoofed = [("x-forwarded-for", "192.0.2.1, 203.0.113.9")];
    assert_eq!(send(&router, Method::GET, LOOKUP, "127.0.0.1:5000", &spoofed, None).await.status, StatusCode::TOO_MANY_REQUESTS);
    // Signed-in callers are not counted; pages, the checkpoint and tiles are not either.
    assert_eq!(send(&router, Method::GET, "/registry", "127.0.0.1:5000", &office, None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn without_a_trusted_proxy_the_header_cannot_buy_a_new_budget() {
    let router = hoshi_web::router(app().await.with_rate_limit(Bucket::Registry, 2, 60), config(ClientAddressing::default()));
    for i in 0..2 {
        let forged = format!("10.0.0.{i}");
        let r = send(&router, Method::GET, LOOKUP, "198.51.100.7:4000", &[("x-forwarded-for", &forged)], None).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = send(&router, Method::GET, LOOKUP, "198.51.100.7:4000", &[("x-forwarded-for", "10.9.9.9")], None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the socket's address is the client");
    // The CSV export is counted too, and its refusal is a page.
    let csv = send(&router, Method::GET, "/registry.csv", "198.51.100.7:4000", &[("accept-language", "en")], None).await;
    assert_eq!(csv.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(csv.body.contains("<html") && csv.body.contains("try again in"), "{}", csv.body);
    assert!(csv.headers.get(header::RETRY_AFTER).is_some());
    // A client from an IPv6 /64 is one client, whichever of its addresses it uses.
    let router = hoshi_web::router(app().await.with_rate_limit(Bucket::Registry, 1, 60), config(ClientAddressing::default()));
    assert_eq!(send(&router, Method::GET, LOOKUP, "[2001:db8:1:2::1]:1", &[], None).await.status, StatusCode::OK);
    assert_eq!(send(&router, Method::GET, LOOKUP, "[2001:db8:1:2::ffff]:1", &[], None).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(send(&router, Method::GET, LOOKUP, "[2001:db8:1:3::1]:1", &[], None).await.status, StatusCode::OK);
}

/// A CSRF cookie and token for anonymous forms.
async fn anonymous_csrf(router: &Router, peer: &str) -> String {
    let page = send(router, Method::GET, "/login", peer, &[], None).await;
    let set = page.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("csrf cookie").to_owned();
    set.strip_prefix("hoshi_csrf=").and_then(|r| r.split(';').next()).expect("value").to_owned()
}

fn registration(csrf: &str, cn: &str, email: &str) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("_csrf", csrf),
        ("corporate_number", cn),
        ("name_ja", "新規株式会社"),
        ("name_en", "Shinki K.K."),
        ("prefecture", "愛知県"),
        ("role_supplier", "on"),
        ("display_name", "代表"),
        ("email", email),
        ("password", "long-enough-pw"),
    ] {
        s.append_pair(k, v);
    }
    s.finish()
}

#[tokio::test]
async fn registration_is_limited_per_client_with_a_page_that_says_when_to_retry() {
    let router = hoshi_web::router(app().await.with_rate_limit(Bucket::Registration, 2, 3600), config(behind_proxy()));
    let peer = "127.0.0.1:6000";
    let csrf = anonymous_csrf(&router, peer).await;
    let cookie = format!("hoshi_csrf={csrf}");
    let from = |ip: &'static str| [("cookie", cookie.clone()), ("x-forwarded-for", ip.to_owned()), ("accept-language", "en".to_owned())];
    let h = from("203.0.113.50");
    let hs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for (cn, email) in [("6000012050003", "a@shinki.example"), ("7000012050002", "b@shinki.example")] {
        let r = send(&router, Method::POST, "/register", peer, &hs, Some(registration(&csrf, cn, email))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let r = send(&router, Method::POST, "/register", peer, &hs, Some(registration(&csrf, "6000012050003", "c@shinki.example"))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("per hour") && r.body.contains("try again in"), "{}", r.body);
    assert_eq!(r.headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("3600"));
    let h = from("198.51.100.50");
    let hs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = send(&router, Method::POST, "/register", peer, &hs, Some(registration(&csrf, "6000012050003", "d@shinki.example"))).await;
    assert_eq!(r.status, StatusCode::OK, "another client is not held back");
}

/// A hundred failures over many accounts from one address (password spraying, never slowed) are
/// refused with the seconds to wait.
#[tokio::test]
async fn a_refused_sign_in_says_when_to_retry() {
    let router = hoshi_web::router(app().await, config(ClientAddressing::default()));
    let peer = "198.51.100.9:7000";
    let csrf = anonymous_csrf(&router, peer).await;
    let cookie = format!("hoshi_csrf={csrf}");
    let body = |i: usize| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("_csrf", &csrf).append_pair("email", &format!("nobody{i}@example.jp")).append_pair("password", "wrong-password");
        s.finish()
    };
    let mut last = None;
    for i in 0..=hoshi_app::limiter::ADDRESS.refuse_after.expect("a limit") as usize {
        last = Some(send(&router, Method::POST, "/login", peer, &[("cookie", &cookie)], Some(body(i))).await);
    }
    let r = last.expect("answered");
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let retry: u64 = r.headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|s| s.parse().ok()).expect("Retry-After");
    assert!((1..=900).contains(&retry), "{retry}");
}
