//! `/healthz` (the process is up) and `/readyz` (the database answers and is migrated).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::AppState;

#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "The process is up")))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "The database is reachable and migrated; `sequencer` tells whether this server sequences the log"),
    (status = 503, description = "The database is not reachable or not migrated"),
))]
pub async fn readyz(State(s): State<AppState>) -> (StatusCode, Json<Value>) {
    if s.app.ready().await {
        (StatusCode::OK, Json(json!({"status": "ready", "sequencer": s.app.is_sequencing()})))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "not ready", "detail": "the database is not reachable or not migrated"})))
    }
}
