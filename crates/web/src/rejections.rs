//! Errors a person can read, whoever answered them.
//!
//! Handlers answer their own errors as pages ([`crate::pages::error_page`]) or problems
//! ([`crate::problem`]). What they never see is answered by the framework in plain text: axum's
//! extractor rejections ("Invalid URL: Cannot parse `abc` to a `i64`", "Failed to deserialize
//! form body: missing field `email`"), the router's empty 405, tower-http's "length limit
//! exceeded" 413, a caught panic. [`readable`] wraps every route and turns such an answer — an
//! error status whose body is plain text or empty — into the bilingual error page, or into an
//! RFC 9457 problem for `/api/` paths and clients that ask for JSON. The status is kept, and so
//! are the headers (`Allow` on 405, cookies, the security headers).
//!
//! The framework's text is read only to tell kinds apart and to pick out the name of one of our
//! own declared parameters or fields; it is never shown, and neither is anything from the URL.
//! If axum changes its wording the answer becomes less specific, never less readable.
//!
//! The log's endpoints (`/log/…`) keep their plain text: it is the C2SP protocol's format.

use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request};
use axum::http::header::{ACCEPT, ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::ctx::{self, Ctx};
use crate::pages::{error_response, Both};
use crate::problem::Problem;

/// How much of a bare error body is read to classify it (axum's are a line).
const MAX_TEXT: usize = 16 * 1024;

/// What went wrong, said for people.
#[derive(Debug)]
pub struct Readable {
    /// The problem type's last part (`urn:hoshi:problem:<kind>`).
    pub kind: &'static str,
    pub title: Both,
    pub detail: Both,
    /// One of our declared parameter or field names, when one is at fault.
    pub field: Option<String>,
}

/// Rewrites bare error answers into pages or problems (see the module's documentation).
pub async fn readable(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/log/") {
        return next.run(req).await;
    }
    let as_problem = path.starts_with("/api/") || wants_json(req.headers());
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
    let params = route.as_deref().map(param_names).unwrap_or_default();
    let lang = ctx::lang_of(req.headers());
    let here = req.uri().path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());

    let res = next.run(req).await;
    if !is_bare_error(&res) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let text = match to_bytes(body, MAX_TEXT).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => String::new(),
    };
    let allow = match parts.headers.get(ALLOW).and_then(|v| v.to_str().ok()) {
        Some(a) => Some(a.to_owned()),
        None => route.as_deref().map(|r| crate::routes::methods_of(r).iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")),
    };
    let readable = classify(parts.status, &text, &params, allow.as_deref(), as_problem);
    tracing::debug!(status = %parts.status, kind = readable.kind, "answered a bare error readably");
    // The layout of the signed-in page when the context got as far as resolving it; else the
    // anonymous one (the body limit refuses before the context runs).
    let ctx = parts.extensions.remove::<Ctx>().unwrap_or_else(|| Ctx {
        lang,
        actor: None,
        session_token: None,
        csrf: String::new(),
        client: String::new(),
        path: here,
    });
    let new = if as_problem {
        let mut p = Problem::new(parts.status, readable.kind, readable.title.get(ctx.lang), readable.detail.get(ctx.lang));
        p.field = readable.field;
        p.into_response()
    } else {
        error_response(&ctx, parts.status, &readable.title, &readable.detail)
    };
    let (new_parts, new_body) = new.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    for (name, value) in &new_parts.headers {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, Body::new(new_body))
}

/// An error status with a plain-text or empty body: not a page or a problem of our own.
fn is_bare_error(res: &Response) -> bool {
    let s = res.status();
    if !(s.is_client_error() || s.is_server_error()) {
        return false;
    }
    match res.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(ct) => ct.starts_with("text/plain"),
    }
}

/// A client that asks for JSON and not for HTML (a browser always names `text/html`).
fn wants_json(headers: &HeaderMap) -> bool {
    let accept = headers.get(ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    accept.contains("json") && !accept.contains("text/html")
}

/// The parameter names of a route's path, in order: `/a/{x}/b/{*y}` → `[x, y]`.
fn param_names(route: &str) -> Vec<String> {
    route
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|s| s.trim_start_matches('*').to_owned())
        .collect()
}

/// A name we can show: letters, digits, `_`, and `.`/`[n]` for a path into a JSON body.
fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
}

/// The text between the first pair of backticks after `after`.
fn quoted_after<'a>(text: &'a str, after: &str) -> Option<&'a str> {
    let rest = &text[text.find(after)? + after.len()..];
    let rest = rest.strip_prefix('`').unwrap_or(rest);
    rest.split('`').next()
}

/// serde's "missing field `x`": always one of the target type's own fields.
fn missing_field(text: &str) -> Option<String> {
    quoted_after(text, "missing field ").filter(|f| is_identifier(f)).map(str::to_owned)
}

/// serde_json's "… at line L column C" at the end of its message.
fn line_column(text: &str) -> Option<(u64, u64)> {
    let (_, tail) = text.rsplit_once(" at line ")?;
    let (line, column) = tail.split_once(" column ")?;
    Some((line.trim().parse().ok()?, column.trim().parse().ok()?))
}

fn is_integer_type(ty: &str) -> bool {
    matches!(ty, "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize")
}

/// Which of the route's parameters axum's path rejection names, and the type it expected.
///
/// The texts (axum 0.8's `ErrorKind`): "Cannot parse `KEY` with value `V` to a `T`",
/// "Cannot parse value at index I with value `V` to a `T`", "Cannot parse `V` to a `T`" (the
/// route's only parameter), "Cannot parse `KEY` with value `V`: MESSAGE". `V` comes from the URL
/// and is never used; a name is kept only if the route declares it.
fn path_param(text: &str, params: &[String]) -> (Option<String>, Option<String>) {
    let Some(rest) = text.split_once("Cannot parse ").map(|(_, r)| r) else {
        return (None, None);
    };
    // The type ends the text, after anything taken from the URL.
    let ty = text.strip_suffix('`').and_then(|t| t.rsplit_once("to a `")).map(|(_, ty)| ty.to_owned());
    let name = if let Some(i) = rest.strip_prefix("value at index ") {
        let index: Option<usize> = i.split(' ').next().and_then(|n| n.parse().ok());
        index.and_then(|i| params.get(i)).cloned()
    } else if rest.contains("` with value `") {
        let key = rest.strip_prefix('`').and_then(|r| r.split('`').next()).unwrap_or("");
        params.iter().find(|p| *p == key).cloned()
    } else if params.len() == 1 {
        params.first().cloned()
    } else {
        None
    };
    (name, ty)
}

/// What to do next: a browser's reader follows links and forms, an API client reads the
/// description.
fn advice(api: bool, ja: &str, en: &str) -> Both {
    if api {
        Both::new("/api/openapi.json を参照してください。", "See /api/openapi.json.")
    } else {
        Both::new(ja, en)
    }
}

/// Classifies a bare error answer by its status and the framework's text; `api` when the answer
/// is for a program (a problem), not a page.
pub fn classify(status: StatusCode, text: &str, params: &[String], allow: Option<&str>, api: bool) -> Readable {
    let check_link = advice(api, "リンクを確かめてください。", "Check the link you followed.");
    let reload = advice(api, "ページを読み込み直して、もう一度送ってください。", "Reload the page and send it again.");
    let (kind, title, what, then, field): (&'static str, Both, Both, Option<Both>, Option<String>) = match status {
        StatusCode::NOT_FOUND => (
            "not-found",
            Both::key("error.not_found_title"),
            Both::new("このアドレスには何もありません。", "There is nothing at this address."),
            Some(check_link),
            None,
        ),
        StatusCode::METHOD_NOT_ALLOWED => {
            let methods = allow.map(|a| a.split(',').map(str::trim).filter(|m| !m.is_empty()).collect::<Vec<_>>().join(", "));
            let what = match methods.filter(|m| !m.is_empty()) {
                Some(m) => Both::new(
                    format!("このアドレスはこの種類の要求を受け付けません（受け付けるのは {m}）。"),
                    format!("This address does not take this kind of request (it takes {m})."),
                ),
                None => Both::new("このアドレスはこの種類の要求を受け付けません。", "This address does not take this kind of request."),
            };
            let then = advice(api, "リンクやボタンから開き直してください。", "Open it again from a link or button.");
            ("method-not-allowed", Both::new("ここではその操作はできません", "Not possible here"), what, Some(then), None)
        }
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too-large",
            Both::key("error.too_large_title"),
            Both::new("送信されたデータが大きすぎます。", "What was sent is too large for this address."),
            Some(Both::new("ファイルを小さくするか、分けて送ってください。", "Send a smaller file, or send it in parts.")),
            None,
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            let (what, then) = if text.contains("application/json") {
                (
                    Both::new("本文が JSON として送られていません。", "The body was not sent as JSON."),
                    Both::new("Content-Type: application/json を付けて送ってください。", "Send it with Content-Type: application/json."),
                )
            } else if text.contains("x-www-form-urlencoded") {
                (Both::new("フォームとして送られていません。", "This was not sent as a form."), reload)
            } else {
                (Both::new("この形式の本文は受け付けません。", "This address does not take a body of this type."), advice(api, "", ""))
            };
            ("unsupported-media-type", Both::new("送信の形式が違います", "Wrong kind of content"), what, Some(then), None)
        }
        s if s.is_server_error() => (
            "internal",
            Both::new("内部エラー", "Internal error"),
            Both::new("サーバー側で問題が起き、記録されました。", "Something went wrong on our side; it was logged."),
            Some(Both::new("しばらくしてからもう一度お試しください。", "Please try again later.")),
            None,
        ),
        _ if text.starts_with("Invalid URL") => {
            let (name, ty) = path_param(text, params);
            let whole = ty.as_deref().is_some_and(is_integer_type);
            let what = match (&name, whole) {
                (Some(n), true) => Both::new(
                    format!("アドレスのパス・パラメーター {n} は整数でなければなりません。"),
                    format!("The path parameter {n} must be a whole number."),
                ),
                (Some(n), false) => Both::new(
                    format!("アドレスのパス・パラメーター {n} の値が正しくありません。"),
                    format!("The path parameter {n} is not valid."),
                ),
                (None, _) => Both::new("アドレスの一部が正しくありません。", "Part of the address is not valid."),
            };
            ("invalid-path", Both::new("アドレスが正しくありません", "The address is not valid"), what, Some(check_link), name)
        }
        _ if text.starts_with("Failed to deserialize query string") => {
            let field = missing_field(text);
            let what = match &field {
                Some(f) => Both::new(
                    format!("クエリ・パラメーター {f} がありません。"),
                    format!("The query parameter {f} is required but was not given."),
                ),
                None => Both::new(
                    "クエリ・パラメーターの値の形式が正しくありません（例: 数字の欄に文字）。",
                    "A query parameter has a value of the wrong kind (for example letters where a number belongs).",
                ),
            };
            ("invalid-query", Both::new("アドレスが正しくありません", "The address is not valid"), what, Some(check_link), field)
        }
        _ if text.starts_with("Failed to deserialize form") => {
            let field = missing_field(text);
            let what = match &field {
                Some(f) => Both::new(format!("フォームに項目「{f}」がありません。"), format!("The form was sent without the field “{f}”.")),
                None => Both::new(
                    "フォームの値の形式が正しくありません（例: 数字の欄に文字）。",
                    "A value in the form is of the wrong kind (for example letters where a number belongs).",
                ),
            };
            ("invalid-form", Both::key("error.form"), what, Some(reload), field)
        }
        _ if text.starts_with("Failed to parse the request body as JSON") => {
            let what = match line_column(text) {
                Some((l, c)) => Both::new(
                    format!("本文が JSON として正しくありません（{l} 行目 {c} 文字目）。"),
                    format!("The body is not valid JSON (line {l}, column {c})."),
                ),
                None => Both::new("本文が JSON として正しくありません。", "The body is not valid JSON."),
            };
            ("invalid-json", Both::new("JSON が正しくありません", "Invalid JSON"), what, None, None)
        }
        _ if text.starts_with("Failed to deserialize the JSON body") => {
            let inner = text.split_once(": ").map_or("", |(_, r)| r);
            // serde_path_to_error puts the path to the wrong value first: "name: invalid type …".
            let at = inner.split_once(": ").map(|(p, _)| p).filter(|p| is_identifier(p)).map(str::to_owned);
            let (what, field) = match (missing_field(inner), at) {
                (Some(f), at) => {
                    let f = at.map_or_else(|| f.clone(), |p| format!("{p}.{f}"));
                    (Both::new(format!("JSON の本文に項目 {f} がありません。"), format!("The JSON body lacks the field {f}.")), Some(f))
                }
                (None, Some(p)) => (
                    Both::new(
                        format!("JSON の項目 {p} の型か値が正しくありません。"),
                        format!("The field {p} in the JSON body has the wrong type or value."),
                    ),
                    Some(p),
                ),
                (None, None) => (Both::new("JSON の本文の形が期待と違います。", "The JSON body does not have the expected shape."), None),
            };
            let then = Both::new("/api/openapi.json を参照してください。", "See /api/openapi.json.");
            ("invalid-json", Both::new("JSON の内容が正しくありません", "The JSON does not fit"), what, Some(then), field)
        }
        _ => (
            "bad-request",
            Both::key("error.title"),
            Both::new("この要求は処理できません。", "This request cannot be handled."),
            Some(advice(api, "ページを読み込み直して、もう一度お試しください。", "Reload the page and try again.")),
            None,
        ),
    };
    let detail = match then {
        Some(t) if !t.en.is_empty() => Both::new(format!("{}{}", what.ja, t.ja), format!("{} {}", what.en, t.en)),
        _ => what,
    };
    Readable { kind, title, detail, field }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn path_parameters_are_named_from_the_route_never_from_the_url() {
        let one = names(&["assessment_id"]);
        let two = names(&["org_id", "token_id"]);
        let (n, ty) = path_param("Invalid URL: Cannot parse `abc` to a `i64`", &one);
        assert_eq!((n.as_deref(), ty.as_deref()), (Some("assessment_id"), Some("i64")));
        let (n, _) = path_param("Invalid URL: Cannot parse value at index 1 with value `x` to a `i64`", &two);
        assert_eq!(n.as_deref(), Some("token_id"));
        let (n, _) = path_param("Invalid URL: Cannot parse `org_id` with value `x` to a `i64`", &two);
        assert_eq!(n.as_deref(), Some("org_id"));
        // A key the route does not declare is not repeated.
        let (n, _) = path_param("Invalid URL: Cannot parse `evil` with value `x` to a `i64`", &two);
        assert_eq!(n, None);
        // A value that imitates the text does not move the type.
        let (_, ty) = path_param("Invalid URL: Cannot parse `to a `String` x` to a `u32`", &one);
        assert_eq!(ty.as_deref(), Some("u32"));
    }

    #[test]
    fn route_parameters_are_read_from_the_template() {
        assert_eq!(param_names("/api/v1/orgs/{org_id}/tokens/{token_id}"), names(&["org_id", "token_id"]));
        assert_eq!(param_names("/log/tile/{*path}"), names(&["path"]));
        assert!(param_names("/catalog").is_empty());
    }

    #[test]
    fn only_plain_identifiers_are_shown() {
        assert_eq!(missing_field("Failed to deserialize form body: missing field `email`").as_deref(), Some("email"));
        assert_eq!(missing_field("missing field `<b>`"), None);
        assert_eq!(line_column("expected value at line 3 column 14"), Some((3, 14)));
    }

    #[test]
    fn no_reading_repeats_the_framework() {
        let texts = [
            (StatusCode::BAD_REQUEST, "Invalid URL: Cannot parse `abc` to a `i64`"),
            (StatusCode::UNPROCESSABLE_ENTITY, "Failed to deserialize form body: invalid digit found in string"),
            (StatusCode::BAD_REQUEST, "Failed to deserialize query string: missing field `index`"),
            (StatusCode::PAYLOAD_TOO_LARGE, "Failed to buffer the request body: length limit exceeded"),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Expected request with `Content-Type: application/json`"),
            (StatusCode::BAD_REQUEST, "something else entirely"),
        ];
        for (status, text) in texts {
            for api in [false, true] {
                let r = classify(status, text, &names(&["assessment_id"]), None, api);
                for s in [&r.detail.ja, &r.detail.en, &r.title.ja, &r.title.en] {
                    assert!(!s.contains("Failed") && !s.contains("Cannot") && !s.contains("i64") && !s.contains("limit exceeded"), "{s}");
                    assert!(!s.is_empty());
                }
            }
        }
    }
}
