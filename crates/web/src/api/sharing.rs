//! The open cost-sharing calculator: `POST /api/v1/sharing/allocate` shares the cost increments
//! of reaching the ★ levels among the participants by one of `hoshi_core::sharing`'s rules.
//! Stateless, open without sign-in, and rate-limited per client address (the limiter lives in
//! `hoshi-app`). `hoshi share allocate FILE` reads the same JSON and prints the same answer
//! through [`parse_request`] and [`respond`].
//!
//! No CSRF token is asked of an anonymous caller: `ctx::context` checks API writes only when a
//! session authenticates them, and this route reads no session and changes nothing. A signed-in
//! browser calling it sends `X-CSRF-Token` like any other API write.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hoshi_app::AppError;
use hoshi_core::sharing::{allocate as allocate_cost, Allocation, Increment, Participant, Rule, SharingError};
use hoshi_core::{Level, Yen};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::ctx::Ctx;
use crate::problem::{ApiError, Problem};
use crate::AppState;

/// Most cost increments in one request.
pub const MAX_INCREMENTS: usize = 10;
/// Most participants in one request.
pub const MAX_PARTICIPANTS: usize = 1000;

/// What to share, and how.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "rule": "shapley",
    "increments": [{"level": 3, "cost_yen": 3000000}, {"level": 4, "cost_yen": 2000000}, {"level": 5, "cost_yen": 4000000}],
    "participants": [{"id": "A", "level": 3, "weight": 8}, {"id": "B", "level": 4, "weight": 1}, {"id": "C", "level": 5, "weight": 1}]
}))]
pub struct AllocateRequest {
    /// `weighted_airport` (default), `shapley`, `nucleolus` or `proportional` (for comparison).
    pub rule: Option<String>,
    /// At most 10; each the cost of going from the level below to its level (the lowest: of
    /// reaching it), one per level.
    pub increments: Vec<IncrementJson>,
    /// At most 1,000, each with a unique `id`.
    pub participants: Vec<ParticipantJson>,
}

/// One cost increment.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, PartialEq, Eq)]
pub struct IncrementJson {
    /// ★ level 1–5 (in a request also `"★3"`).
    pub level: u8,
    /// Whole yen, zero or more: the cost of the step from the level below to this one.
    pub cost_yen: u64,
}

/// One party sharing the cost: a buyer, or the supplier itself.
#[derive(Deserialize, ToSchema)]
pub struct ParticipantJson {
    pub id: String,
    /// The ★ level this participant needs (1–5).
    pub level: u8,
    /// Annual purchases from the supplier in whole yen: needed by `weighted_airport` and
    /// `proportional` (0 is allowed), ignored by `shapley` and `nucleolus`.
    pub weight: Option<u64>,
}

/// The allocation.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, PartialEq, Eq)]
pub struct AllocateResponse {
    /// The rule used.
    pub rule: String,
    /// The sum of all increments; the shares add up to exactly this.
    pub total_yen: u64,
    /// The increments sorted by level: element `k` of every `by_increment` is a part of
    /// `increments[k]`.
    pub increments: Vec<IncrementJson>,
    /// One per participant, in the request's order.
    pub shares: Vec<ShareJson>,
}

/// One participant's share.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, PartialEq, Eq)]
pub struct ShareJson {
    pub id: String,
    /// Exactly the sum of `by_increment`.
    pub share_yen: u64,
    /// This participant's part of each increment, aligned with the response's `increments`;
    /// each increment's parts add up exactly to its cost.
    pub by_increment: Vec<u64>,
    /// What reaching its own level would cost it alone.
    pub stand_alone_yen: u64,
    /// The share is above the stand-alone cost (possible only under `proportional`).
    pub exceeds_stand_alone: bool,
}

/// A request that cannot be used, with what to fix in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The request field that is wrong (`increments[1].cost_yen`), or `body`.
    pub field: String,
    pub en: String,
    pub ja: String,
    /// Too many increments or participants (413 rather than 422).
    pub too_large: bool,
}

impl InputError {
    fn new(field: impl Into<String>, en: impl Into<String>, ja: impl Into<String>) -> InputError {
        InputError { field: field.into(), en: en.into(), ja: ja.into(), too_large: false }
    }

    pub fn message(&self, ja: bool) -> &str {
        if ja {
            &self.ja
        } else {
            &self.en
        }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// A request read and checked: the rule and the inputs of `hoshi_core::sharing::allocate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub rule: Rule,
    pub increments: Vec<Increment>,
    pub participants: Vec<Participant>,
}

/// Reads a request body. `rule_override` (the CLI's `--rule`) replaces the body's `rule`.
pub fn parse_request(body: &[u8], rule_override: Option<&str>) -> Result<Parsed, InputError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        InputError::new(
            "body",
            format!(
                "the body is not valid JSON ({e}): send an object like {{\"rule\": \"shapley\", \"increments\": [{{\"level\": 3, \"cost_yen\": 3000000}}], \"participants\": [{{\"id\": \"A\", \"level\": 3}}]}}"
            ),
            format!(
                "JSONとして読めません（{e}）。{{\"rule\": \"shapley\", \"increments\": [{{\"level\": 3, \"cost_yen\": 3000000}}], \"participants\": [{{\"id\": \"A\", \"level\": 3}}]}} の形で送ってください。"
            ),
        )
    })?;
    let Value::Object(obj) = value else {
        return Err(InputError::new(
            "body",
            "the body must be a JSON object with \"increments\" and \"participants\" (and optionally \"rule\")",
            "本文は \"increments\" と \"participants\"（任意で \"rule\"）を持つJSONオブジェクトにしてください。",
        ));
    };
    let rule = match rule_override {
        Some(r) => parse_rule(&Value::String(r.to_owned()))?,
        None => match obj.get("rule") {
            None | Some(Value::Null) => Rule::default(),
            Some(v) => parse_rule(v)?,
        },
    };
    let incs = array(&obj, "increments", MAX_INCREMENTS, "費用の段階", "cost increments")?;
    let parts = array(&obj, "participants", MAX_PARTICIPANTS, "参加者", "participants")?;
    let mut increments = Vec::with_capacity(incs.len());
    for (i, v) in incs.iter().enumerate() {
        let path = format!("increments[{i}]");
        let o = object(v, &path)?;
        let level = level(o.get("level"), &format!("{path}.level"))?;
        let cost = yen(o.get("cost_yen"), &format!("{path}.cost_yen"), "the cost of this step", "この段階の費用")?;
        increments.push(Increment { level, cost_yen: cost });
    }
    let mut participants = Vec::with_capacity(parts.len());
    for (i, v) in parts.iter().enumerate() {
        let path = format!("participants[{i}]");
        let o = object(v, &path)?;
        let id = match o.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(InputError::new(
                    format!("{path}.id"),
                    format!("{path}.id is missing: give every participant a name or id as a string, e.g. \"id\": \"A\""),
                    format!("{path}.id がありません。すべての参加者に文字列の名前またはIDを付けてください（例: \"id\": \"A\"）。"),
                ))
            }
        };
        let level = level(o.get("level"), &format!("{path}.level"))?;
        let weight = match o.get("weight") {
            None | Some(Value::Null) if rule_uses_weights(rule) => {
                return Err(InputError::new(
                    format!("{path}.weight"),
                    format!(
                        "{path}.weight is missing: the {} rule shares by annual purchases, so enter each participant's annual purchases from the supplier in whole yen (0 is allowed), or use the shapley rule, which shares equally",
                        rule.key()
                    ),
                    format!(
                        "{path}.weight がありません。{}は年間取引額で按分するため、各参加者のサプライヤーからの年間取引額を円単位の整数で入力するか（0も可）、均等に分担する shapley を使ってください。",
                        rule.name_ja()
                    ),
                ))
            }
            None | Some(Value::Null) => 0,
            Some(v) => yen(Some(v), &format!("{path}.weight"), "the weight (annual purchases)", "重み（年間取引額）")?.get(),
        };
        participants.push(Participant { id, level, weight });
    }
    Ok(Parsed { rule, increments, participants })
}

fn rule_uses_weights(rule: Rule) -> bool {
    matches!(rule, Rule::WeightedAirport | Rule::Proportional)
}

fn parse_rule(v: &Value) -> Result<Rule, InputError> {
    let allowed = Rule::ALL.iter().map(|r| r.key()).collect::<Vec<_>>().join(", ");
    let text = match v {
        Value::String(s) => s.as_str(),
        _ => "",
    };
    Rule::parse(text).map_err(|_| {
        InputError::new(
            "rule",
            format!("rule {v} is not known: use one of {allowed} (or leave it out for weighted_airport)"),
            format!("rule {v} は使えません。{allowed} のいずれかを指定してください（省略すると weighted_airport）。"),
        )
    })
}

fn array<'a>(obj: &'a Map<String, Value>, key: &str, max: usize, what_ja: &str, what_en: &str) -> Result<&'a Vec<Value>, InputError> {
    match obj.get(key) {
        Some(Value::Array(a)) if a.len() > max => Err(InputError {
            field: key.to_owned(),
            en: format!("too many {what_en}: at most {max} per request, this one has {}", a.len()),
            ja: format!("{what_ja}が多すぎます。1回に送れるのは最大{max}件です（送られた件数: {}）。", a.len()),
            too_large: true,
        }),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(InputError::new(key, format!("{key} must be a JSON array"), format!("{key} はJSONの配列にしてください。"))),
        None => Err(InputError::new(
            key,
            format!("{key} is missing: add the {what_en} as an array"),
            format!("{key} がありません。{what_ja}を配列で入力してください。"),
        )),
    }
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, InputError> {
    v.as_object().ok_or_else(|| {
        InputError::new(path, format!("{path} must be a JSON object"), format!("{path} はJSONのオブジェクトにしてください。"))
    })
}

fn level(v: Option<&Value>, path: &str) -> Result<Level, InputError> {
    let parsed = match v {
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => Level::new(i).map_err(|_| ()),
            None => Err(()),
        },
        Some(Value::String(s)) => Level::parse(s).map_err(|_| ()),
        _ => Err(()),
    };
    parsed.map_err(|()| {
        let got = v.map_or_else(|| "missing".to_owned(), |v| format!("{v}"));
        InputError::new(
            path,
            format!("{path} is {got}: use a whole number from 1 to 5 (the ★ level)"),
            format!("{path} が {got} です。1〜5の整数（★の数）で入力してください。"),
        )
    })
}

/// A whole, non-negative number of yen, written as a JSON number.
fn yen(v: Option<&Value>, path: &str, what_en: &str, what_ja: &str) -> Result<Yen, InputError> {
    let bad = |en: String, ja: String| Err(InputError::new(path, en, ja));
    match v {
        Some(Value::Number(n)) => {
            if let Some(u) = n.as_u64() {
                return Ok(Yen::new(u));
            }
            let negative = n.as_i64().is_some_and(|i| i < 0) || n.as_f64().is_some_and(|f| f < 0.0);
            if negative {
                bad(
                    format!("{path} is {n}, a negative amount: {what_en} is zero or more whole yen"),
                    format!("{path} が {n} で負の値です。{what_ja}は0円以上の整数で入力してください。"),
                )
            } else if n.as_f64().is_some_and(|f| f.fract() == 0.0 && f >= 18_446_744_073_709_551_616.0) {
                bad(
                    format!("{path} is {n}, too large: check {what_en} for extra digits"),
                    format!("{path} が {n} で大きすぎます。{what_ja}の桁を確認してください。"),
                )
            } else {
                bad(
                    format!("{path} is {n}, not a whole number: write {what_en} in whole yen without a decimal point, e.g. 3000000"),
                    format!("{path} が {n} で整数ではありません。{what_ja}は小数点を付けず円単位の整数で入力してください（例: 3000000）。"),
                )
            }
        }
        Some(Value::String(s)) => bad(
            format!("{path} is the text {s:?}: write {what_en} as a JSON number of whole yen without quotes or commas, e.g. 3000000"),
            format!("{path} が文字列 {s:?} です。{what_ja}は引用符やカンマを付けず、円単位の数値で入力してください（例: 3000000）。"),
        ),
        None | Some(Value::Null) => bad(
            format!("{path} is missing: enter {what_en} in whole yen, e.g. 3000000"),
            format!("{path} がありません。{what_ja}を円単位の整数で入力してください（例: 3000000）。"),
        ),
        Some(other) => bad(
            format!("{path} is {other}: write {what_en} as a whole number of yen, e.g. 3000000"),
            format!("{path} が {other} です。{what_ja}は円単位の整数で入力してください（例: 3000000）。"),
        ),
    }
}

/// The request field a sharing error is about.
pub fn error_field(e: &SharingError) -> &'static str {
    match e {
        SharingError::NoIncrements | SharingError::DuplicateIncrement { .. } | SharingError::NobodyNeeds { .. } => "increments",
        SharingError::NoParticipants
        | SharingError::BlankId { .. }
        | SharingError::DuplicateParticipant { .. }
        | SharingError::AllWeightsZero
        | SharingError::ZeroWeight { .. }
        | SharingError::WeightsTooLarge => "participants",
        _ => "body",
    }
}

/// Computes the allocation of a parsed request, as the API answers it.
pub fn respond(p: &Parsed) -> Result<AllocateResponse, SharingError> {
    let a = allocate_cost(p.rule, &p.increments, &p.participants)?;
    let mut incs = p.increments.clone();
    incs.sort_by_key(|i| i.level);
    Ok(to_response(&a, &incs))
}

fn to_response(a: &Allocation, sorted: &[Increment]) -> AllocateResponse {
    AllocateResponse {
        rule: a.rule.key().to_owned(),
        total_yen: a.total_yen.get(),
        increments: sorted.iter().map(|i| IncrementJson { level: i.level.get(), cost_yen: i.cost_yen.get() }).collect(),
        shares: a
            .shares
            .iter()
            .map(|s| ShareJson {
                id: s.id.clone(),
                share_yen: s.share_yen.get(),
                by_increment: s.by_increment.iter().map(|y| y.get()).collect(),
                stand_alone_yen: s.stand_alone_yen.get(),
                exceeds_stand_alone: s.exceeds_stand_alone,
            })
            .collect(),
    }
}

/// The rate limiter's key for a client address: IPv6 clients by their /64 (what one host or
/// household usually gets), everyone else by the address as given (or `unknown`).
#[utoipa::path(post, path = "/api/v1/sharing/allocate", tag = "sharing", request_body = AllocateRequest,
    description = "Shares the cost increments of reaching the ★ levels among the participants (buyers, or the supplier itself). \
Open without sign-in; limited per client address (429 with Retry-After). The same as `hoshi share allocate FILE`.",
    responses((status = 200, body = AllocateResponse), (status = 413, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn allocate(State(s): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    if let Err(AppError::RateLimited { retry_after, max, window_secs }) = s.app.rate_check(hoshi_app::Bucket::Calculator, &ctx.client) {
        let detail = if ctx.ja() {
            format!(
                "この計算機は1つのアドレスから{}秒あたり{}回まで使えます。{}秒後にもう一度お試しください。大量に計算するときは `hoshi share allocate FILE` を手元で実行してください。",
                window_secs, max, retry_after
            )
        } else {
            format!(
                "This calculator answers at most {} requests per {} seconds from one address; try again in {} seconds, or run `hoshi share allocate FILE` locally for many calculations.",
                max, window_secs, retry_after
            )
        };
        let mut p = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            ctx.t().pick("リクエストが多すぎます", "Too many requests"),
            &detail,
        );
        p.retry_after = Some(retry_after);
        return p.into_response();
    }
    let parsed = match parse_request(&body, None) {
        Ok(p) => p,
        Err(e) if e.too_large => {
            let mut p = Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-many-items",
                ctx.t().pick("件数が多すぎます", "Too many items"),
                e.message(ctx.ja()),
            );
            p.field = Some(e.field);
            return p.into_response();
        }
        Err(e) => return ApiError(AppError::invalid(&e.field, e.ja, e.en), ctx.lang).into_response(),
    };
    match respond(&parsed) {
        Ok(r) => Json(r).into_response(),
        Err(e @ SharingError::Internal(_)) => {
            tracing::error!(error = %e, "cost sharing failed");
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", ctx.t().pick("内部エラー", "Internal error"), &e.to_string())
                .into_response()
        }
        Err(e) => ApiError(AppError::invalid(error_field(&e), e.message_ja(), e.to_string()), ctx.lang).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_must_be_whole_non_negative_numbers() {
        let body = |cost: &str| {
            format!(r#"{{"rule":"shapley","increments":[{{"level":3,"cost_yen":{cost}}}],"participants":[{{"id":"A","level":3}}]}}"#)
        };
        assert!(parse_request(body("3000000").as_bytes(), None).is_ok());
        for (cost, says) in [("1.5", "not a whole number"), ("3000000.0", "not a whole number"), ("-1", "negative"), ("\"3,000\"", "text")]
        {
            let e = parse_request(body(cost).as_bytes(), None).expect_err(cost);
            assert_eq!(e.field, "increments[0].cost_yen");
            assert!(e.en.contains(says), "{cost}: {}", e.en);
        }
    }
}
