//! Accreditation of security experts and assessment bodies: the states an accreditation moves
//! through (applied → approved → suspended / withdrawn / expired), and whether a provider was
//! approved at a given moment — the test every engagement, review, confirmation, assessment and
//! certificate application applies.
//!
//! A provider is approved at `t` when the last decision taken at or before `t` approved it and
//! `t` lies within that approval's validity (valid from – valid until, inclusive). Decisions
//! after `t` do not change the answer for `t`: a confirmation made while approved stays made
//! while approved, however the accreditation changes later.

/// Where an accreditation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Applied,
    Approved,
    Suspended,
    Withdrawn,
    Expired,
}

impl State {
    pub const ALL: [State; 5] = [State::Applied, State::Approved, State::Suspended, State::Withdrawn, State::Expired];

    pub fn key(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Approved => "approved",
            State::Suspended => "suspended",
            State::Withdrawn => "withdrawn",
            State::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|k| k.key() == s)
    }

    pub fn name(self, ja: bool) -> &'static str {
        match (self, ja) {
            (State::Applied, true) => "申請中",
            (State::Approved, true) => "承認済み",
            (State::Suspended, true) => "停止中",
            (State::Withdrawn, true) => "取消",
            (State::Expired, true) => "期限切れ",
            (State::Applied, false) => "Applied",
            (State::Approved, false) => "Approved",
            (State::Suspended, false) => "Suspended",
            (State::Withdrawn, false) => "Withdrawn",
            (State::Expired, false) => "Expired",
        }
    }

    /// The operator's decisions that may follow this state (expiry is the calendar's).
    pub fn may_become(self, next: State) -> bool {
        use State::*;
        matches!(
            (self, next),
            (Applied, Approved)
                | (Applied, Withdrawn)
                | (Approved, Suspended)
                | (Approved, Withdrawn)
                | (Approved, Expired)
                | (Suspended, Approved)
                | (Suspended, Withdrawn)
                | (Expired, Approved)
                | (Withdrawn, Approved)
        )
    }
}

/// Which kind of provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A security expert (e.g. 情報処理安全確保支援士) who confirms ★3 self-assessments.
    Expert,
    /// A designated assessment body that performs ★4 third-party assessments.
    AssessmentBody,
}

impl Kind {
    pub fn key(self) -> &'static str {
        match self {
            Kind::Expert => "expert",
            Kind::AssessmentBody => "assessment_body",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Expert, Kind::AssessmentBody].into_iter().find(|k| k.key() == s)
    }
    pub fn name(self, ja: bool) -> &'static str {
        match (self, ja) {
            (Kind::Expert, true) => "セキュリティ専門家",
            (Kind::AssessmentBody, true) => "評価機関",
            (Kind::Expert, false) => "Security expert",
            (Kind::AssessmentBody, false) => "Assessment body",
        }
    }
    /// What its number is called.
    pub fn number_name(self, ja: bool) -> &'static str {
        match (self, ja) {
            (Kind::Expert, true) => "登録番号",
            (Kind::AssessmentBody, true) => "指定番号",
            (Kind::Expert, false) => "Registration number",
            (Kind::AssessmentBody, false) => "Designation number",
        }
    }
}

/// An assessment body's designation lasts three years.
pub const DESIGNATION_MONTHS: u32 = 36;

/// One decision in an accreditation's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub state: State,
    pub at: i64,
    pub valid_from: Option<i64>,
    pub valid_until: Option<i64>,
}

/// Was the provider approved at `t`? `decisions` in the order they were taken.
pub fn approved_at(decisions: &[Decision], t: i64) -> bool {
    let Some(last) = decisions.iter().rev().find(|d| d.at <= t) else { return false };
    last.state == State::Approved && last.valid_from.is_none_or(|f| f <= t) && last.valid_until.is_some_and(|u| t <= u)
}

/// The state as of `now`: an approval past its validity counts as expired before the job records it.
pub fn effective(state: State, valid_until: Option<i64>, now: i64) -> State {
    if state == State::Approved && valid_until.is_some_and(|u| u < now) {
        State::Expired
    } else {
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(state: State, at: i64, from: i64, until: i64) -> Decision {
        Decision { state, at, valid_from: Some(from), valid_until: Some(until) }
    }

    #[test]
    fn approval_holds_within_its_validity_and_until_a_later_decision() {
        let h = [d(State::Approved, 100, 100, 1_000), d(State::Suspended, 500, 100, 1_000), d(State::Approved, 600, 100, 1_000)];
        assert!(!approved_at(&h, 99), "before any decision");
        assert!(approved_at(&h, 100));
        assert!(approved_at(&h, 499));
        assert!(!approved_at(&h, 500), "suspended");
        assert!(!approved_at(&h, 599));
        assert!(approved_at(&h, 600), "reinstated");
        assert!(approved_at(&h, 1_000), "the last day counts");
        assert!(!approved_at(&h, 1_001), "expired");
        assert!(!approved_at(&[d(State::Applied, 0, 0, 10)], 5), "an application is not an approval");
        assert!(!approved_at(&[d(State::Approved, 0, 50, 100)], 10), "not yet valid");
        assert_eq!(effective(State::Approved, Some(10), 11), State::Expired);
        assert_eq!(effective(State::Approved, Some(10), 10), State::Approved);
    }

    #[test]
    fn transitions() {
        assert!(State::Applied.may_become(State::Approved));
        assert!(!State::Applied.may_become(State::Suspended));
        assert!(State::Suspended.may_become(State::Approved));
        assert!(!State::Withdrawn.may_become(State::Suspended));
        for s in State::ALL {
            assert_eq!(State::parse(s.key()), Some(s));
        }
    }

    proptest! {
        /// Later decisions never change whether the provider was approved at an earlier moment.
        #[test]
        fn the_past_stays(states in proptest::collection::vec(0usize..5, 1..8), t in 0i64..2_000, later in 0usize..5) {
            let mut h: Vec<Decision> = states.iter().enumerate().map(|(i, s)| d(State::ALL[*s], i as i64 * 200, 0, 1_500)).collect();
            let before = approved_at(&h, t);
            let last_at = h.last().map(|x| x.at).unwrap_or(0);
            h.push(d(State::ALL[later], last_at.max(t) + 1, 0, 1_500));
            prop_assert_eq!(approved_at(&h, t), before);
        }
    }
}
