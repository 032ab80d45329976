//! What a use case can answer instead of a result, with a message a person can act on in
//! both languages.

use hoshi_store::StoreError;

/// A message in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub ja: String,
    pub en: String,
}

impl Msg {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Msg {
        Msg { ja: ja.into(), en: en.into() }
    }
    pub fn get(&self, ja: bool) -> &str {
        if ja {
            &self.ja
        } else {
            &self.en
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid session or token: sign in first.
    #[error("sign in first")]
    Unauthenticated,
    /// Signed in, but this role may not do this.
    #[error("{}", .0.en)]
    Forbidden(Msg),
    /// Nothing here — or nothing this actor may know exists.
    #[error("{}", .0.en)]
    NotFound(Msg),
    /// The input is wrong; `field` names the form field or JSON property.
    #[error("{field}: {}", message.en)]
    Invalid { field: String, message: Msg },
    /// The thing already exists (a corporate number, an email).
    #[error("{}", .0.en)]
    Conflict(Msg),
    /// Too many failed sign-ins; try again after this many seconds.
    #[error("too many failed sign-ins: try again in {0} seconds")]
    TooManyAttempts(u64),
    /// Too many requests from one client to an open endpoint: at most `max` per `window_secs`.
    #[error("too many requests: at most {max} per {window_secs} seconds from one address; try again in {retry_after} seconds")]
    RateLimited { retry_after: u64, max: u32, window_secs: i64 },
    #[error("storage: {0}")]
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound(Msg::new("見つかりません。", "Not found.")),
            StoreError::Duplicate(what) => {
                AppError::Conflict(Msg::new(format!("すでに登録されています（{what}）。"), format!("Already registered: {what}.")))
            }
            other => AppError::Store(other),
        }
    }
}

impl From<hoshi_store::SqlxError> for AppError {
    fn from(e: hoshi_store::SqlxError) -> Self {
        AppError::Store(StoreError::Db(e))
    }
}

impl AppError {
    pub fn invalid(field: &str, ja: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::Invalid { field: field.to_owned(), message: Msg::new(ja, en) }
    }
    pub fn forbidden(ja: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::Forbidden(Msg::new(ja, en))
    }
    pub fn not_found(ja: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError::NotFound(Msg::new(ja, en))
    }

    /// The message for a person, in Japanese (`ja`) or English.
    pub fn message(&self, ja: bool) -> String {
        match self {
            AppError::Unauthenticated => if ja { "サインインしてください。" } else { "Please sign in." }.to_owned(),
            AppError::Forbidden(m) | AppError::NotFound(m) | AppError::Conflict(m) => m.get(ja).to_owned(),
            AppError::Invalid { message, .. } => message.get(ja).to_owned(),
            AppError::TooManyAttempts(s) => {
                if ja {
                    format!("サインインの失敗が続いたため、一時的に受け付けを止めています。{s}秒後にもう一度お試しください。")
                } else {
                    format!("Too many failed sign-ins. Try again in {s} seconds.")
                }
            }
            AppError::RateLimited { retry_after, max, window_secs } => {
                let per = if *window_secs >= 3600 && window_secs % 3600 == 0 {
                    (window_secs / 3600, "時間", "hour")
                } else if *window_secs >= 60 && window_secs % 60 == 0 {
                    (window_secs / 60, "分", "minute")
                } else {
                    (*window_secs, "秒", "second")
                };
                let unit_en = if per.0 == 1 { per.2.to_owned() } else { format!("{} {}s", per.0, per.2) };
                if ja {
                    format!("1つのアドレスからは{}{}あたり{max}回までです。{retry_after}秒後にもう一度お試しください。", per.0, per.1)
                } else {
                    format!("At most {max} requests per {unit_en} from one address: try again in {retry_after} seconds.")
                }
            }
            AppError::Store(_) => if ja {
                "サーバーの内部で問題が起きました。時間をおいてもう一度お試しください。"
            } else {
                "Something went wrong inside the server. Please try again later."
            }
            .to_owned(),
        }
    }
}
