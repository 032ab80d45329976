//! RFC 9457 problem details for the JSON API: `application/problem+json` with a message a
//! person can act on, in the request's language.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use hoshi_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::Lang;

/// An RFC 9457 problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What happened and what to do about it.
    pub detail: String,
    /// The request field that is wrong, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds to wait before retrying (rate limits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, kind: &str, title: &str, detail: &str) -> Problem {
        Problem {
            kind: format!("urn:hoshi:problem:{kind}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.to_owned(),
            field: None,
            retry_after: None,
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, serde_json::to_string(&self).unwrap_or_default()).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer realm=\"hoshi\""));
        }
        if let Some(s) = self.retry_after {
            if let Ok(v) = header::HeaderValue::from_str(&s.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

/// The status code for a use-case error.
pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::TooManyAttempts(_) | AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub fn from_app_error(e: &AppError, lang: Lang) -> Problem {
    let ja = lang == Lang::Ja;
    let status = status_of(e);
    if let AppError::Store(inner) = e {
        tracing::error!(error = %inner, "storage error");
    }
    let (kind, title) = match e {
        AppError::Unauthenticated => ("unauthenticated", if ja { "認証が必要です" } else { "Authentication required" }),
        AppError::Forbidden(_) => ("forbidden", if ja { "権限がありません" } else { "Not allowed" }),
        AppError::NotFound(_) => ("not-found", if ja { "見つかりません" } else { "Not found" }),
        AppError::Invalid { .. } => ("invalid", if ja { "入力に誤りがあります" } else { "Invalid input" }),
        AppError::Conflict(_) => ("conflict", if ja { "すでに存在します" } else { "Already exists" }),
        AppError::TooManyAttempts(_) => ("rate-limited", if ja { "試行回数が多すぎます" } else { "Too many attempts" }),
        AppError::RateLimited { .. } => ("rate-limited", if ja { "リクエストが多すぎます" } else { "Too many requests" }),
        AppError::Store(_) => ("internal", if ja { "内部エラー" } else { "Internal error" }),
    };
    let detail = match e {
        AppError::Unauthenticated => if ja {
            "セッションでサインインするか、Authorization: Bearer ヘッダーで有効なAPIトークンを送ってください。"
        } else {
            "Sign in with a session, or send a valid API token in the Authorization: Bearer header."
        }
        .to_owned(),
        other => other.message(ja),
    };
    let mut p = Problem::new(status, kind, title, &detail);
    if let AppError::Invalid { field, .. } = e {
        p.field = Some(field.clone());
    }
    p.retry_after = retry_after(e);
    p
}

/// Seconds a refused client should wait (for `Retry-After`).
pub fn retry_after(e: &AppError) -> Option<u64> {
    match e {
        AppError::TooManyAttempts(s) | AppError::RateLimited { retry_after: s, .. } => Some(*s),
        _ => None,
    }
}

/// An API error in the request's language.
pub struct ApiError(pub AppError, pub Lang);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        from_app_error(&self.0, self.1).into_response()
    }
}
