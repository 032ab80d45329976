//! Slows down password guessing: after a few failures for one email or one address, each
//! further attempt is delayed, and after many it is refused for a while.
//!
//! Kept in memory per server process: with several replicas an attacker gets at most one
//! budget per replica, which still bounds guessing.

use std::collections::HashMap;
use std::sync::Mutex;

/// Failures within this many seconds count together.
const WINDOW: i64 = 15 * 60;
/// From this many failures on, each attempt waits a little longer.
const DELAY_AFTER: u32 = 3;
/// From this many failures on, attempts are refused until the window passes.
const REFUSE_AFTER: u32 = 10;

#[derive(Default)]
pub struct SignInLimiter {
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

/// What to do with a sign-in attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead after waiting this many seconds (0: at once).
    Proceed { delay_secs: u64 },
    /// Refuse; retry after this many seconds.
    Refuse { retry_after: u64 },
}

impl SignInLimiter {
    pub fn check(&self, keys: &[&str], now: i64) -> Verdict {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut worst = 0;
        let mut since = now;
        for k in keys {
            if let Some(&(n, first)) = map.get(*k) {
                if now - first < WINDOW && n > worst {
                    worst = n;
                    since = first;
                }
            }
        }
        if worst >= REFUSE_AFTER {
            Verdict::Refuse { retry_after: (since + WINDOW - now).max(1) as u64 }
        } else if worst >= DELAY_AFTER {
            Verdict::Proceed { delay_secs: u64::from(worst - DELAY_AFTER + 1).min(5) }
        } else {
            Verdict::Proceed { delay_secs: 0 }
        }
    }

    pub fn failed(&self, keys: &[&str], now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, (_, first)| now - *first < WINDOW);
        }
        for k in keys {
            let e = map.entry((*k).to_owned()).or_insert((0, now));
            if now - e.1 >= WINDOW {
                *e = (0, now);
            }
            e.0 += 1;
        }
    }

    pub fn succeeded(&self, keys: &[&str]) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for k in keys {
            map.remove(*k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_then_refuses_then_forgets() {
        let l = SignInLimiter::default();
        let k = ["email:a@b.jp"];
        for _ in 0..2 {
            l.failed(&k, 0);
        }
        assert_eq!(l.check(&k, 1), Verdict::Proceed { delay_secs: 0 });
        l.failed(&k, 1);
        assert_eq!(l.check(&k, 2), Verdict::Proceed { delay_secs: 1 });
        for _ in 0..7 {
            l.failed(&k, 2);
        }
        assert!(matches!(l.check(&k, 3), Verdict::Refuse { retry_after } if retry_after == (WINDOW - 3) as u64));
        assert_eq!(l.check(&k, WINDOW + 1), Verdict::Proceed { delay_secs: 0 });
        assert_eq!(l.check(&["email:other@b.jp"], 3), Verdict::Proceed { delay_secs: 0 });
    }
}
