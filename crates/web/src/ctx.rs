//! Per-request context: who is asking (session cookie or API token), in which language, and
//! the CSRF check that guards every state-changing request.
//!
//! [`context`] runs before every handler. It resolves the actor once, puts a [`Ctx`] into the
//! request, and refuses a state-changing request whose CSRF token is missing or wrong before any
//! handler sees it — so "a request without a valid CSRF token changes nothing" holds for every
//! route, present and future.
//!
//! - Browser forms carry `_csrf` as a form field (an upload's first field; never in the URL). Signed in, it must
//!   equal the session's token; anonymous (sign-in, registration), it must equal the `hoshi_csrf`
//!   cookie (double submit).
//! - JSON API calls authenticated by the session cookie carry the `X-CSRF-Token` header.
//! - Any request with `Authorization: Bearer` (API calls and form posts alike) carries no ambient
//!   credential a browser would add by itself, and needs no CSRF token.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{HeaderValue, ACCEPT_LANGUAGE, AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hoshi_app::{Actor, AppError};

use crate::i18n::{self, Lang, T};
use crate::{AppState, SESSION_COOKIE};

pub const LANG_COOKIE: &str = "hoshi_lang";
pub const ANON_CSRF_COOKIE: &str = "hoshi_csrf";

/// What every handler knows about the request.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub lang: Lang,
    pub actor: Option<Actor>,
    /// The session cookie's value, when signed in through one.
    pub session_token: Option<String>,
    /// The CSRF token forms on this page must carry.
    pub csrf: String,
    /// The client's address (IPv6 by /64; see [`crate::client`]), for the limits.
    pub client: String,
    /// The path and query, for the language switch and sign-in `next`.
    pub path: String,
}

impl Ctx {
    pub fn t(&self) -> T {
        T { lang: self.lang }
    }
    pub fn ja(&self) -> bool {
        self.lang == Lang::Ja
    }
    /// The actor, or `Unauthenticated`.
    pub fn actor(&self) -> Result<&Actor, AppError> {
        self.actor.as_ref().ok_or(AppError::Unauthenticated)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The value of one cookie.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value with Hoshi's flags: HttpOnly, SameSite=Lax, Path=/, and Secure unless
/// the server runs on plain HTTP for development.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if state.config.secure_cookies {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded_pairs(body).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Decodes `application/x-www-form-urlencoded` pairs.
pub fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The text of the first field called `name` in a multipart body, reading no further.
async fn multipart_field(bytes: axum::body::Bytes, boundary: String, name: &str) -> Option<String> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut form = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok().map(|t| t.chars().take(256).collect());
        }
    }
    None
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The registry reads a script may call in bulk: counted under [`hoshi_app::Bucket::Registry`].
/// Pages, the checkpoint and tiles are cached and not counted.
pub(crate) fn is_registry_read(path: &str) -> bool {
    ["/api/v1/registry/", "/api/v1/certificates/", "/api/v1/log/"].iter().any(|p| path.starts_with(p)) || path == "/registry.csv"
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The request's language: the `hoshi_lang` cookie, else `Accept-Language`, else Japanese.
pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(|v| Lang::parse(&v))
        .unwrap_or_else(|| i18n::from_accept_language(headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("")))
}

/// Resolves language and actor, enforces CSRF, and sets the cookies the page needs. An error
/// answer carries the [`Ctx`] in its extensions, so that [`crate::rejections`] can render a bare
/// one as a page with the same layout.
pub async fn context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let headers = &parts.headers;
    let lang = lang_of(headers);
    let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
    let client = state.config.client.client_key(peer, headers);
    let path = parts.uri.path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let is_api = parts.uri.path().starts_with("/api/");

    let bearer =
        headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ").map(|t| t.trim().to_owned()));
    let session_token = cookie(headers, SESSION_COOKIE);
    let mut actor = None;
    let mut bad_bearer = false;
    if let Some(token) = &bearer {
        match state.app.token_actor(token).await {
            Ok(a) => actor = Some(a),
            Err(_) => bad_bearer = true,
        }
    } else if let Some(token) = &session_token {
        actor = state.app.session_actor(token).await.ok();
    }
    let anon_cookie = cookie(headers, ANON_CSRF_COOKIE);
    let (csrf, new_anon) = match actor.as_ref().and_then(|a| a.csrf_token()) {
        Some(c) => (c.to_owned(), None),
        None => match &anon_cookie {
            Some(c) if c.len() >= 32 => (c.clone(), None),
            _ => {
                let fresh = hoshi_app::accounts::new_csrf_token();
                (fresh.clone(), Some(fresh))
            }
        },
    };
    let ctx = Ctx { lang, actor, session_token: if bearer.is_none() { session_token } else { None }, csrf: csrf.clone(), client, path };

    if bad_bearer {
        return crate::problem::from_app_error(&AppError::Unauthenticated, lang).into_response();
    }
    // The public registry's API and export, per anonymous client (signed-in callers are
    // accountable and their tokens revocable).
    if ctx.actor.is_none() && is_registry_read(parts.uri.path()) {
        if let Err(e) = state.app.rate_check(hoshi_app::Bucket::Registry, &ctx.client) {
            return if is_api { crate::problem::from_app_error(&e, lang).into_response() } else { crate::pages::error_page(&ctx, &e) };
        }
    }

    let mut body = body;
    // A Bearer token is not an ambient credential a browser adds by itself: no CSRF check needed.
    if !is_safe(&parts.method) && bearer.is_none() {
        if is_api {
            if ctx.actor.is_some() {
                let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
                if !constant_time_eq(sent, &csrf) {
                    return crate::problem::Problem::new(
                        StatusCode::FORBIDDEN,
                        "csrf",
                        ctx.t().pick("CSRFトークンがありません", "Missing CSRF token"),
                        ctx.t().pick(
                            "セッションで認証したAPI呼び出しには X-CSRF-Token ヘッダーが必要です。機械からの呼び出しには APIトークン（Authorization: Bearer）を使ってください。",
                            "API calls authenticated by the session cookie need the X-CSRF-Token header; machine clients should use an API token (Authorization: Bearer).",
                        ),
                    )
                    .into_response();
                }
            }
        } else if let Some(boundary) = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.starts_with("multipart/form-data"))
            .and_then(|v| multer::parse_boundary(v).ok())
        {
            // An upload's token is its form's first field (never the URL, where logs and
            // Referer headers would keep it). The body is already in memory for the handler.
            let limit = state.config.max_body_bytes.max(hoshi_app::assessment::MAX_EVIDENCE_BYTES + 64 * 1024);
            let bytes = match to_bytes(body, limit).await {
                Ok(b) => b,
                Err(_) => return crate::pages::too_large(&ctx, limit),
            };
            let sent = multipart_field(bytes.clone(), boundary, "_csrf").await.unwrap_or_default();
            if !constant_time_eq(&sent, &csrf) || new_anon.is_some() {
                return crate::pages::csrf_failed(&ctx);
            }
            body = Body::from(bytes);
        } else {
            let bytes = match to_bytes(body, state.config.max_body_bytes).await {
                Ok(b) => b,
                Err(_) => return crate::pages::too_large(&ctx, state.config.max_body_bytes),
            };
            let sent = form_field(&bytes, "_csrf").unwrap_or_default();
            if !constant_time_eq(&sent, &csrf) || new_anon.is_some() {
                return crate::pages::csrf_failed(&ctx);
            }
            body = Body::from(bytes);
        }
    }

    parts.extensions.insert(ctx.clone());
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if res.status().is_client_error() || res.status().is_server_error() {
        res.extensions_mut().insert(ctx);
    }
    // Only a page can carry a form that needs the token: JSON, tiles and files go out without a
    // cookie, so a CDN or shared cache may hold the public ones.
    let html =
        res.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if let Some(fresh) = new_anon.filter(|_| html) {
        res.headers_mut().append(SET_COOKIE, set_cookie(&state, ANON_CSRF_COOKIE, &fresh, None));
    }
    res
}
