//! The price negotiation (価格交渉) between a supplier and one buyer: which step may follow which,
//! when the supplier may take the case to the Fair Trade Commission, and the hash chain that
//! makes any later edit of a recorded step detectable.
//!
//! Every step is hashed with the previous step's hash, so the last hash commits to the whole
//! record. The hashed bytes are defined here so that anyone can recompute them in any language:
//!
//! ```text
//! "hoshi-negotiation-step-v1\n"
//! then, for each of: seq, kind, organisation's corporate number, actor's name, time (Unix seconds),
//!                    body (the step's JSON text exactly as recorded), previous hash (hex; "" for the first)
//!   the field's length in bytes in decimal, ":", the field's bytes, "\n"
//! ```
//! and the hash is the SHA-256 of those bytes, in lowercase hex.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where a negotiation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// The supplier asked (or revised); the buyer's answer is awaited.
    Requested,
    /// The buyer made a counter-offer; the supplier's answer is awaited.
    Countered,
    /// A meeting was proposed; either side may record minutes, revise or accept.
    Discussing,
    /// Both sides agreed on a price change.
    Agreed,
    /// The buyer declined (with a written reason).
    Declined,
}

impl State {
    pub fn key(self) -> &'static str {
        match self {
            State::Requested => "requested",
            State::Countered => "countered",
            State::Discussing => "discussing",
            State::Agreed => "agreed",
            State::Declined => "declined",
        }
    }
    pub fn parse(s: &str) -> Option<State> {
        [State::Requested, State::Countered, State::Discussing, State::Agreed, State::Declined].into_iter().find(|x| x.key() == s)
    }
    pub fn name_ja(self) -> &'static str {
        match self {
            State::Requested => "回答待ち",
            State::Countered => "対案あり",
            State::Discussing => "協議中",
            State::Agreed => "合意",
            State::Declined => "拒否",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            State::Requested => "awaiting the buyer",
            State::Countered => "counter-offer",
            State::Discussing => "in discussion",
            State::Agreed => "agreed",
            State::Declined => "declined",
        }
    }
}

/// Which side acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Supplier,
    Buyer,
}

/// The kinds of step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The supplier opens the consultation: cost basis, allocation, proposed uplift, response date.
    Request,
    /// The buyer accepts the current offer, or the supplier accepts a counter-offer.
    Accept,
    /// The buyer offers another amount, with its reason.
    Counter,
    /// The buyer declines, with a written reason.
    Decline,
    /// Either side proposes a meeting.
    Meeting,
    /// Either side records the minutes of a meeting.
    Minutes,
    /// The supplier revises its proposal.
    Revise,
    /// The supplier records that the buyer changed the price without consulting.
    UnilateralChange,
    /// The supplier sends the case to the regulator.
    Escalate,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Request,
        Kind::Accept,
        Kind::Counter,
        Kind::Decline,
        Kind::Meeting,
        Kind::Minutes,
        Kind::Revise,
        Kind::UnilateralChange,
        Kind::Escalate,
    ];
    pub fn key(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Accept => "accept",
            Kind::Counter => "counter",
            Kind::Decline => "decline",
            Kind::Meeting => "meeting",
            Kind::Minutes => "minutes",
            Kind::Revise => "revise",
            Kind::UnilateralChange => "unilateral_change",
            Kind::Escalate => "escalate",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == s)
    }
    pub fn name_ja(self) -> &'static str {
        match self {
            Kind::Request => "価格協議の申し入れ",
            Kind::Accept => "受諾",
            Kind::Counter => "対案",
            Kind::Decline => "拒否",
            Kind::Meeting => "協議の場の提案",
            Kind::Minutes => "協議の議事録",
            Kind::Revise => "提案の修正",
            Kind::UnilateralChange => "協議なしの価格変更の記録",
            Kind::Escalate => "公正取引委員会への申出",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            Kind::Request => "price consultation requested",
            Kind::Accept => "accepted",
            Kind::Counter => "counter-offer",
            Kind::Decline => "declined",
            Kind::Meeting => "meeting proposed",
            Kind::Minutes => "meeting minutes",
            Kind::Revise => "proposal revised",
            Kind::UnilateralChange => "price changed without consultation (recorded)",
            Kind::Escalate => "sent to the Fair Trade Commission",
        }
    }
    /// The buyer's answers: the first of them ends the wait for a response.
    pub fn is_buyer_response(self) -> bool {
        matches!(self, Kind::Accept | Kind::Counter | Kind::Decline | Kind::Meeting)
    }
}

/// Why a step cannot be taken now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("the {side:?} side cannot {kind} while the negotiation is {state}", kind = .kind.name_en(), state = .state.name_en())]
    NotNow { side: Side, kind: Kind, state: State },
    #[error("the negotiation is already with the Fair Trade Commission")]
    AlreadyEscalated,
}

impl StepError {
    pub fn message_ja(&self) -> String {
        match self {
            StepError::NotNow { side, kind, state } => format!(
                "{}は、交渉が「{}」の間は「{}」を行えません。",
                if *side == Side::Buyer { "発注者" } else { "サプライヤー" },
                state.name_ja(),
                kind.name_ja()
            ),
            StepError::AlreadyEscalated => "この交渉はすでに公正取引委員会に申し出られています。".into(),
        }
    }
}

/// The state after `kind` by `side` from `state`, or why not. `Escalate` and `UnilateralChange`
/// leave the state as it is (they are checked by [`escalation_grounds`] and the caller).
pub fn next(state: State, side: Side, kind: Kind, escalated: bool) -> Result<State, StepError> {
    use Kind::{Accept, Counter, Decline, Escalate, Minutes, Request, Revise, UnilateralChange};
    use State::*;
    let not_now = Err(StepError::NotNow { side, kind, state });
    if escalated && kind == Escalate {
        return Err(StepError::AlreadyEscalated);
    }
    match (side, kind, state) {
        (_, Request, _) => not_now,
        (Side::Buyer, Accept | Counter | Decline, Requested | Discussing) => Ok(match kind {
            Accept => Agreed,
            Counter => Countered,
            _ => Declined,
        }),
        (Side::Supplier, Accept, Countered | Discussing) => Ok(Agreed),
        (_, Kind::Meeting, Requested | Countered | Discussing) => Ok(Discussing),
        (_, Minutes, Discussing) => Ok(Discussing),
        (Side::Supplier, Revise, Countered | Discussing | Declined) => Ok(Requested),
        (Side::Supplier, UnilateralChange, s) => Ok(s),
        (Side::Supplier, Escalate, s) => Ok(s),
        _ => not_now,
    }
}

/// Why the supplier may take the case to the regulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    /// The response date passed without any answer from the buyer.
    MissedDeadline,
    /// The buyer declined.
    Declined,
    /// The buyer changed the price without consulting.
    UnilateralChange,
}

impl Ground {
    pub fn key(self) -> &'static str {
        match self {
            Ground::MissedDeadline => "missed_deadline",
            Ground::Declined => "declined",
            Ground::UnilateralChange => "unilateral_change",
        }
    }
    pub fn parse(s: &str) -> Option<Ground> {
        [Ground::MissedDeadline, Ground::Declined, Ground::UnilateralChange].into_iter().find(|g| g.key() == s)
    }
    pub fn name_ja(self) -> &'static str {
        match self {
            Ground::MissedDeadline => "回答期限までに発注者から回答がない",
            Ground::Declined => "発注者が協議に応じず拒否した",
            Ground::UnilateralChange => "協議なしに価格が変更された",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            Ground::MissedDeadline => "the buyer did not answer by the response date",
            Ground::Declined => "the buyer declined to agree",
            Ground::UnilateralChange => "the price was changed without consultation",
        }
    }
}

/// The buyer let the response date pass without any answer. `due` and `today` are JST dates
/// `YYYY-MM-DD` (they compare as text).
pub fn missed_deadline(state: State, answered: bool, due: &str, today: &str) -> bool {
    state == State::Requested && !answered && today > due
}

/// The grounds for escalation now. `due` and `today` are JST dates `YYYY-MM-DD` (they compare as text).
pub fn escalation_grounds(state: State, kinds: &[Kind], due: &str, today: &str) -> Vec<Ground> {
    let mut out = Vec::new();
    if missed_deadline(state, kinds.iter().any(|k| k.is_buyer_response()), due, today) {
        out.push(Ground::MissedDeadline);
    }
    if state == State::Declined {
        out.push(Ground::Declined);
    }
    if kinds.contains(&Kind::UnilateralChange) {
        out.push(Ground::UnilateralChange);
    }
    out
}

/// The fields of one recorded step that its hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub seq: u64,
    pub kind: String,
    pub org: String,
    pub actor: String,
    pub at: i64,
    /// The step's JSON exactly as recorded.
    pub body: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of a step from its fields (see the module documentation for the bytes).
pub fn step_hash(seq: u64, kind: &str, org: &str, actor: &str, at: i64, body: &str, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"hoshi-negotiation-step-v1\n");
    for field in [seq.to_string().as_str(), kind, org, actor, at.to_string().as_str(), body, prev_hash] {
        h.update(format!("{}:", field.len()).as_bytes());
        h.update(field.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("step {seq}: expected sequence number {expected}")]
    Sequence { seq: u64, expected: u64 },
    #[error("step {seq}: its previous hash does not match step {}'s hash", .seq - 1)]
    Link { seq: u64 },
    #[error("step {seq}: its content does not match its hash (it was changed after it was recorded)")]
    Content { seq: u64 },
}

/// Checks a record: sequence numbers 1, 2, …, each step linked to the one before, each hash
/// recomputed from the content. Returns the last hash.
pub fn verify_chain(steps: &[StepRecord]) -> Result<String, ChainError> {
    let mut prev = String::new();
    for (i, s) in steps.iter().enumerate() {
        let expected = i as u64 + 1;
        if s.seq != expected {
            return Err(ChainError::Sequence { seq: s.seq, expected });
        }
        if s.prev_hash != prev {
            return Err(ChainError::Link { seq: s.seq });
        }
        if step_hash(s.seq, &s.kind, &s.org, &s.actor, s.at, &s.body, &s.prev_hash) != s.hash {
            return Err(ChainError::Content { seq: s.seq });
        }
        prev = s.hash.clone();
    }
    Ok(prev)
}

/// The median of some durations (seconds), or `None` for none; the lower middle for an even count.
pub fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[(values.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> Vec<StepRecord> {
        let mut out: Vec<StepRecord> = Vec::new();
        for seq in 1..=n {
            let prev = out.last().map(|s| s.hash.clone()).unwrap_or_default();
            let body = format!("{{\"n\":{seq}}}");
            let hash = step_hash(seq, "minutes", "1234567890123", "山田", 1_800_000_000 + seq as i64, &body, &prev);
            out.push(StepRecord {
                seq,
                kind: "minutes".into(),
                org: "1234567890123".into(),
                actor: "山田".into(),
                at: 1_800_000_000 + seq as i64,
                body,
                prev_hash: prev,
                hash,
            });
        }
        out
    }

    #[test]
    fn the_hash_is_the_documented_bytes() {
        let mut h = Sha256::new();
        h.update("hoshi-negotiation-step-v1\n1:1\n7:request\n3:123\n1:x\n2:10\n2:{}\n0:\n".as_bytes());
        let want: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(step_hash(1, "request", "123", "x", 10, "{}", ""), want);
    }

    #[test]
    fn any_edit_breaks_the_chain() {
        let good = chain(5);
        assert_eq!(verify_chain(&good).expect("good"), good[4].hash);
        let mut body = good.clone();
        body[2].body = "{\"n\":30}".into();
        assert_eq!(verify_chain(&body), Err(ChainError::Content { seq: 3 }));
        let mut rehashed = body.clone();
        rehashed[2].hash = step_hash(3, "minutes", "1234567890123", "山田", rehashed[2].at, &rehashed[2].body, &rehashed[2].prev_hash);
        assert_eq!(verify_chain(&rehashed), Err(ChainError::Link { seq: 4 }), "re-hashing one step breaks the next link");
        let mut dropped = good.clone();
        dropped.remove(1);
        assert!(matches!(verify_chain(&dropped), Err(ChainError::Sequence { seq: 3, expected: 2 })));
        let mut when = good;
        when[0].at += 1;
        assert_eq!(verify_chain(&when), Err(ChainError::Content { seq: 1 }));
    }

    #[test]
    fn steps_follow_the_negotiation() {
        use Kind::{Accept, Counter, Decline, Escalate, Minutes, Revise};
        use State::*;
        assert_eq!(next(Requested, Side::Buyer, Counter, false), Ok(Countered));
        assert_eq!(next(Countered, Side::Supplier, Accept, false), Ok(Agreed));
        assert_eq!(next(Requested, Side::Buyer, Accept, false), Ok(Agreed));
        assert_eq!(next(Requested, Side::Buyer, Decline, false), Ok(Declined));
        assert_eq!(next(Declined, Side::Supplier, Revise, false), Ok(Requested));
        assert!(next(Requested, Side::Supplier, Accept, false).is_err(), "the supplier cannot accept its own request");
        assert!(next(Countered, Side::Buyer, Counter, false).is_err(), "the buyer waits for the supplier's answer");
        assert!(next(Agreed, Side::Buyer, Decline, false).is_err());
        assert_eq!(next(Countered, Side::Buyer, Kind::Meeting, false), Ok(Discussing));
        assert_eq!(next(Discussing, Side::Supplier, Minutes, false), Ok(Discussing));
        assert!(next(Requested, Side::Buyer, Minutes, false).is_err(), "minutes need a meeting");
        assert_eq!(next(Declined, Side::Supplier, Escalate, true), Err(StepError::AlreadyEscalated));
        assert!(StepError::NotNow { side: Side::Buyer, kind: Accept, state: Agreed }.message_ja().contains("発注者"));
    }

    #[test]
    fn escalation_needs_a_ground() {
        use Kind::*;
        assert_eq!(escalation_grounds(State::Requested, &[Request], "2026-12-26", "2026-12-26"), vec![]);
        assert_eq!(escalation_grounds(State::Requested, &[Request], "2026-12-26", "2026-12-27"), vec![Ground::MissedDeadline]);
        assert_eq!(escalation_grounds(State::Requested, &[Request, Counter, Revise], "2026-12-26", "2027-01-10"), vec![]);
        assert_eq!(escalation_grounds(State::Declined, &[Request, Decline], "2026-12-26", "2026-12-01"), vec![Ground::Declined]);
        assert_eq!(escalation_grounds(State::Agreed, &[Request, Accept, UnilateralChange], "x", "y"), vec![Ground::UnilateralChange]);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
        assert_eq!(median(&mut []), None);
    }
}
