//! Hoshi over HTTP: server-rendered bilingual pages for people, a JSON API under `/api/v1`
//! described by OpenAPI at `/api/openapi.json`, health checks, and embedded static assets.
//!
//! Every route is declared once in [`routes::table`] with the access it needs; the router is
//! built from that table, and the authorization test walks the same table, so a new route joins
//! the test matrix by being declared. Handlers parse input, call one use case of `hoshi-app` with
//! the actor, and render; they hold no business rules and no SQL.

pub mod api;
pub mod client;
pub mod ctx;
pub mod i18n;
pub mod pages;
pub mod problem;
pub mod rejections;
pub mod routes;
mod time_fmt;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::Router;
use hoshi_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "hoshi_session";

/// How the web layer is set up.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (HTTPS only). Off only for plain-HTTP development on loopback.
    pub secure_cookies: bool,
    /// Largest request body accepted; larger gets 413.
    pub max_body_bytes: usize,
    /// How the client's address is found (behind a trusted proxy, from its header).
    pub client: client::ClientAddressing,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { secure_cookies: true, max_body_bytes: 1024 * 1024, client: client::ClientAddressing::default() }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    /// Anonymous renderings of the public registry's pages (see `pages::public_page`).
    pub pages: Arc<hoshi_app::read_cache::ReadCache<axum::body::Bytes>>,
    /// One rendering at a time per shard of page keys, so a page whose cached copy just expired
    /// is rendered once, not once per waiting visitor.
    pub page_locks: Arc<Vec<tokio::sync::Mutex<()>>>,
}

/// The whole HTTP application.
pub fn router(app: App, config: WebConfig) -> Router {
    let state = AppState {
        app,
        config: Arc::new(config),
        pages: Arc::new(hoshi_app::read_cache::ReadCache::new(Some(hoshi_app::read_cache::PUBLIC_READ_TTL))),
        page_locks: Arc::new((0..64).map(|_| tokio::sync::Mutex::new(())).collect()),
    };
    let mut r: Router<AppState> = Router::new();
    for (def, handler) in routes::table() {
        r = r.route(def.path, handler);
    }
    let limit = state.config.max_body_bytes;
    // The outer limit admits an evidence upload; everything else is held to `limit` by the
    // extractors' DefaultBodyLimit and the CSRF check's buffering (both answer 413).
    let outer = limit.max(hoshi_app::assessment::MAX_EVIDENCE_BYTES + 64 * 1024);
    // Order, innermost first: the context (language, actor, CSRF) sees every handler's answer;
    // the body limits; panics caught; then every bare error answer — the framework's own, the
    // limits', the caught panic's — made a readable page or problem before the headers go on.
    r.fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), ctx::context))
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(RequestBodyLimitLayer::new(outer))
        .layer(CatchPanicLayer::custom(|_| {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error: the problem was logged").into_response_boxed()
        }))
        .layer(axum::middleware::from_fn(rejections::readable))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

trait IntoResponseBoxed {
    fn into_response_boxed(self) -> axum::response::Response;
}

impl<T: axum::response::IntoResponse> IntoResponseBoxed for T {
    fn into_response_boxed(self) -> axum::response::Response {
        self.into_response()
    }
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish (up to 10 s).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = tx.send(());
    });
    let handle = tokio::spawn(async move { server.await });
    let _ = rx.await;
    match tokio::time::timeout(Duration::from_secs(10), handle).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Err(std::io::Error::other(e)),
        Err(_) => {
            tracing::warn!("requests still running after 10 s; stopping anyway");
            Ok(())
        }
    }
}
