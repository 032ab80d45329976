//! Every error the server answers is readable: browsers get a bilingual page in the request's
//! language (with `lang`, a `<title>` and a heading), the API gets RFC 9457 problem details, the
//! status is kept, and neither shows the framework's own text or repeats what came in the URL.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

/// Text that axum, tower-http or serde write into their rejections; none of it may reach a person.
const FRAMEWORK: &[&str] = &[
    "length limit exceeded",
    "Failed to",
    "Cannot parse",
    "Invalid URL",
    "Expected request with",
    "Form requests must",
    "deserialize",
    "i64",
    "u64",
    "at index",
    "invalid digit",
    "expected value",
    "missing field",
];

/// Put into URLs; an answer must never repeat it.
const MARKER: &str = "zzmarker";

fn content_type(r: &Reply) -> String {
    r.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// Checks what the answer says (a page's `<main>`, a problem's JSON); a page's layout holds
/// random tokens that may happen to spell "u64".
#[track_caller]
fn no_framework_text(said: &str) {
    for f in FRAMEWORK {
        assert!(!said.contains(f), "framework text {f:?} in the answer: {said}");
    }
}

/// The page's `<main>`: what the page says, without the layout's links (the language switch
/// legitimately carries the current address).
fn main_of(r: &Reply) -> String {
    r.body.split("<main").nth(1).and_then(|m| m.split("</main>").next()).unwrap_or("").to_owned()
}

/// A bilingual error page: status kept, `lang`, a title and a heading in `lang`, the message in
/// the other language too, no framework text, nothing from the URL in what it says.
#[track_caller]
fn assert_page(r: &Reply, status: StatusCode, lang: &str, heading: &str, message: &str, other: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(content_type(r).starts_with("text/html"), "content type {}: {}", content_type(r), r.body);
    assert!(r.body.contains(&format!("<html lang=\"{lang}\"")), "{}", r.body);
    let title = r.body.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap_or("");
    assert!(title.contains(heading), "title {title:?} should name {heading:?}");
    no_framework_text(title);
    assert!(r.body.contains(&format!("<h1>{heading}</h1>")), "heading {heading:?} missing: {}", r.body);
    let main = main_of(r);
    assert!(main.contains(message), "message {message:?} missing: {main}");
    let other_lang = if lang == "ja" { "en" } else { "ja" };
    assert!(main.contains(&format!("lang=\"{other_lang}\"")), "no {other_lang} part: {main}");
    assert!(main.contains(other), "other language {other:?} missing: {main}");
    assert!(!main.contains(MARKER), "the page repeats the URL: {main}");
    no_framework_text(&main);
}

/// An RFC 9457 problem with a detail a person can act on.
#[track_caller]
fn assert_problem(r: &Reply, status: StatusCode, kind: &str, detail: &str) -> serde_json::Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(content_type(r), "application/problem+json", "{}", r.body);
    let p = r.json();
    assert_eq!(p["status"], status.as_u16(), "{p}");
    assert_eq!(p["type"], format!("urn:hoshi:problem:{kind}"), "{p}");
    assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
    let d = p["detail"].as_str().unwrap_or("");
    assert!(d.contains(detail), "detail {d:?} should say {detail:?}");
    assert!(!r.body.contains(MARKER), "the problem repeats the URL: {}", r.body);
    no_framework_text(&r.body);
    p
}

/// An anonymous browser's CSRF cookie, as the sign-in page sets it.
async fn anon_csrf(w: &World) -> String {
    let r = send(&w.router, Method::GET, "/login", Auth::None, None, &[]).await;
    r.cookie("hoshi_csrf").expect("the sign-in page sets the CSRF cookie")
}

#[tokio::test]
async fn unknown_addresses_are_404_pages_and_problems() {
    let w = world().await;
    let r = send(&w.router, Method::GET, &format!("/no/such/{MARKER}"), Auth::None, None, &[]).await;
    assert_page(&r, StatusCode::NOT_FOUND, "ja", "ページが見つかりません", "ページが見つかりません。", "Page not found.");
    let r = send(&w.router, Method::GET, &format!("/no/such/{MARKER}"), Auth::None, None, &[("accept-language", "en")]).await;
    assert_page(&r, StatusCode::NOT_FOUND, "en", "Page not found", "Page not found.", "ページが見つかりません。");
    // A language the switch does not know is the same 404 page, not a line of plain text.
    let r = send(&w.router, Method::GET, &format!("/lang/{MARKER}"), Auth::None, None, &[("cookie", "hoshi_lang=en")]).await;
    assert_page(&r, StatusCode::NOT_FOUND, "en", "Page not found", "Page not found.", "ページが見つかりません。");
    let r = send(&w.router, Method::GET, &format!("/api/v1/{MARKER}"), Auth::None, None, &[("accept-language", "en")]).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not-found", "/api/openapi.json");
}

#[tokio::test]
async fn a_method_the_address_does_not_take_is_405_with_allow() {
    let w = world().await;
    let csrf = anon_csrf(&w).await;
    let cookie = format!("hoshi_csrf={csrf}; hoshi_lang=en");
    let r = send(&w.router, Method::POST, "/catalog", Auth::None, form(&[("_csrf", &csrf)]), &[("cookie", &cookie)]).await;
    assert_page(&r, StatusCode::METHOD_NOT_ALLOWED, "en", "Not possible here", "GET", "ここでは");
    assert!(r.headers.get("allow").and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("GET")), "{:?}", r.headers);
    let r = send(&w.router, Method::DELETE, "/api/v1/catalog", Auth::None, None, &[("accept-language", "en")]).await;
    assert_problem(&r, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed", "GET");
    assert!(r.headers.get("allow").and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("GET")), "{:?}", r.headers);
}

#[tokio::test]
async fn too_large_bodies_are_413_pages_and_problems() {
    let w = world().await;
    // Over a route's own limit (the verifier takes 4 MiB).
    let big = "x".repeat(4 * 1024 * 1024 + 1);
    let r =
        send(&w.router, Method::POST, "/api/v1/registry/verify", Auth::None, Some(("application/json", big)), &[("accept-language", "en")])
            .await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "too-large", "too large");
    // Over the whole server's limit, refused by its declared length before anything reads it.
    let huge = [("content-length", "1000000000"), ("accept-language", "en")];
    let r = send(&w.router, Method::POST, "/api/v1/registry/verify", Auth::None, Some(("application/json", "{}".into())), &huge).await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "too-large", "too large");
    let r = send(&w.router, Method::POST, "/login", Auth::None, form(&[("email", "a")]), &[("content-length", "1000000000")]).await;
    assert_page(&r, StatusCode::PAYLOAD_TOO_LARGE, "ja", "データが大きすぎます", "大きすぎます", "too large");
    // A browser form over the global limit (64 KiB in the test world), through the CSRF check.
    let pad = "x".repeat(100 * 1024);
    let body = form(&[("_csrf", &w.a.admin.csrf), ("name_ja", &pad)]);
    let r = send(&w.router, Method::POST, "/org", Auth::Session(&w.a.admin), body, &[("accept-language", "en")]).await;
    assert_page(&r, StatusCode::PAYLOAD_TOO_LARGE, "en", "Too large", "too large", "大きすぎます");
    // The same form with an API token skips the CSRF check and meets the extractor's limit.
    let body = form(&[("name_ja", &pad)]);
    let r = send(&w.router, Method::POST, "/org", Auth::Bearer(&w.a.token_rw), body, &[("accept-language", "en")]).await;
    assert_page(&r, StatusCode::PAYLOAD_TOO_LARGE, "en", "Too large", "too large", "大きすぎます");
}

#[tokio::test]
async fn a_malformed_path_parameter_is_named_never_repeated() {
    let w = world().await;
    let path = format!("/assessments/{MARKER}%3Cb%3E");
    let r = send(&w.router, Method::GET, &path, Auth::Session(&w.a.admin), None, &[]).await;
    assert_page(&r, StatusCode::BAD_REQUEST, "ja", "アドレスが正しくありません", "assessment_id", "assessment_id");
    assert!(main_of(&r).contains("整数") && main_of(&r).contains("whole number"), "{}", r.body);
    assert!(r.body.contains("data-testid=\"who\""), "the page keeps the signed-in layout: {}", r.body);
    let r = send(
        &w.router,
        Method::GET,
        &format!("/api/v1/assessments/{MARKER}"),
        Auth::Bearer(&w.a.token_ro),
        None,
        &[("accept-language", "en")],
    )
    .await;
    let p = assert_problem(&r, StatusCode::BAD_REQUEST, "invalid-path", "The path parameter assessment_id must be a whole number");
    assert_eq!(p["field"], "assessment_id");
    // The second of two parameters.
    let path = format!("/api/v1/orgs/{}/tokens/{MARKER}", w.a.org_id);
    let r = send(&w.router, Method::DELETE, &path, Auth::Bearer(&w.a.token_rw), None, &[]).await;
    let p = assert_problem(&r, StatusCode::BAD_REQUEST, "invalid-path", "token_id");
    assert_eq!(p["field"], "token_id");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("整数")), "in Japanese by default: {p}");
}

#[tokio::test]
async fn a_form_without_a_required_field_names_the_field() {
    let w = world().await;
    let csrf = anon_csrf(&w).await;
    let cookie = format!("hoshi_csrf={csrf}");
    let r = send(&w.router, Method::POST, "/login", Auth::None, form(&[("_csrf", &csrf), ("password", PASSWORD)]), &[("cookie", &cookie)])
        .await;
    assert_page(&r, StatusCode::UNPROCESSABLE_ENTITY, "ja", "入力内容を確認してください", "email", "email");
    assert!(main_of(&r).contains("Reload"), "the English part says what to do: {}", r.body);
    // A form sent as something else.
    let r = send(
        &w.router,
        Method::POST,
        "/login",
        Auth::None,
        Some(("text/plain", format!("_csrf={csrf}"))),
        &[("cookie", &cookie), ("accept-language", "en")],
    )
    .await;
    assert_page(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "en", "Wrong kind of content", "not sent as a form", "フォーム");
}

#[tokio::test]
async fn bad_json_and_bad_queries_get_problems_a_person_can_act_on() {
    let w = world().await;
    let tokens = format!("/api/v1/orgs/{}/tokens", w.a.org_id);
    let en = [("accept-language", "en")];
    let r =
        send(&w.router, Method::POST, &tokens, Auth::Bearer(&w.a.token_rw), Some(("application/json", "{\"name\": ".into())), &en).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "invalid-json", "line 1");
    let r = send(&w.router, Method::POST, &tokens, Auth::Bearer(&w.a.token_rw), json_body(json!({"name": "x"})), &en).await;
    let p = assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid-json", "scope");
    assert_eq!(p["field"], "scope");
    let r = send(&w.router, Method::POST, &tokens, Auth::Bearer(&w.a.token_rw), json_body(json!({"name": 7, "scope": "read"})), &en).await;
    let p = assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid-json", "name");
    assert_eq!(p["field"], "name");
    let r = send(&w.router, Method::POST, &tokens, Auth::Bearer(&w.a.token_rw), Some(("text/plain", "{}".into())), &en).await;
    assert_problem(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "application/json");
    let r = send(&w.router, Method::GET, &format!("/api/v1/log/proof?index={MARKER}"), Auth::None, None, &en).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "invalid-query", "query");
    let r = send(&w.router, Method::GET, "/api/v1/log/proof", Auth::None, None, &en).await;
    let p = assert_problem(&r, StatusCode::BAD_REQUEST, "invalid-query", "index");
    assert_eq!(p["field"], "index");
}

#[tokio::test]
async fn handlers_own_errors_are_left_as_they_are() {
    let w = world().await;
    // A use case's own refusal keeps its own message.
    let r = send(&w.router, Method::GET, &format!("/api/v1/orgs/{}", w.b.org_id), Auth::Bearer(&w.a.token_ro), None, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["type"], "urn:hoshi:problem:not-found");
    // The log speaks plain text to its clients.
    let r = send(&w.router, Method::GET, "/log/tile/0/999", Auth::None, None, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(content_type(&r).starts_with("text/plain"), "{}", content_type(&r));
}

/// Found by schemathesis (scripts/attack/fuzz): a page number near i64::MAX overflowed the
/// search's offset, a 500 (a panic in a debug build). The API refuses it as invalid; the pages
/// answer as for any other page past the end.
#[tokio::test]
async fn a_page_number_past_any_registry_is_refused_not_a_server_error() {
    let w = world().await;
    let en = [("accept-language", "en")];
    let huge = "9223372036854775806";
    let r = send(&w.router, Method::GET, &format!("/api/v1/registry/companies?page={huge}"), Auth::None, None, &en).await;
    let p = assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid", "page");
    assert_eq!(p["field"], "page");
    let r = send(&w.router, Method::GET, "/api/v1/registry/companies?page=1000000", Auth::None, None, &en).await;
    assert_eq!(r.status, StatusCode::OK, "the last page allowed: {}", r.body);
    for path in [format!("/registry?page={huge}"), format!("/registry.csv?page={huge}")] {
        let r = send(&w.router, Method::GET, &path, Auth::None, None, &en).await;
        assert!(!r.status.is_server_error(), "{path}: {} {}", r.status, r.body);
    }
    let r = send(&w.router, Method::GET, &format!("/registry/console?page={huge}"), Auth::Session(&w.operator), None, &en).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
