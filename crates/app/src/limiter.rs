//! Slows down password guessing: after a few failures for one email or one address, each
//! further attempt is delayed, and after many it is refused for a while ([`SignInLimiter`]).
//! Holds each client address of an open, unauthenticated endpoint (the cost-sharing calculator)
//! to a number of requests per window ([`RateLimiter`]).
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

/// How many distinct keys [`RateLimiter`] tracks at most. Beyond that (a flood from very many
/// addresses) new keys share one budget, so memory stays bounded.
const MAX_RATE_KEYS: usize = 100_000;
/// The key the overflow shares.
const OVERFLOW_KEY: &str = "(overflow)";

/// A fixed-window limit: at most `max` requests per key in each window of `window_secs`
/// seconds, the window starting at a key's first request. Refused requests are not counted
/// further, so a client that keeps calling is let in again when its window ends.
pub struct RateLimiter {
    max: u32,
    window_secs: i64,
    hits: Mutex<HashMap<String, (u32, i64)>>,
}

/// A request over the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    /// Seconds until the key's window ends (at least 1).
    pub retry_after: u64,
    /// The limit: requests per window.
    pub max: u32,
    pub window_secs: i64,
}

impl RateLimiter {
    /// At most `max` requests per `window_secs` seconds (at least 1) per key.
    pub fn new(max: u32, window_secs: i64) -> Self {
        RateLimiter { max, window_secs: window_secs.max(1), hits: Mutex::new(HashMap::new()) }
    }

    /// Requests per window, and the window in seconds.
    pub fn limit(&self) -> (u32, i64) {
        (self.max, self.window_secs)
    }

    /// Counts one request for `key` at `now` (Unix seconds), or refuses it.
    pub fn hit(&self, key: &str, now: i64) -> Result<(), RateLimited> {
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window_secs;
        if !map.contains_key(key) && map.len() >= MAX_RATE_KEYS {
            map.retain(|_, (_, start)| now - *start < window);
        }
        let key = if map.contains_key(key) || map.len() < MAX_RATE_KEYS { key } else { OVERFLOW_KEY };
        let e = map.entry(key.to_owned()).or_insert((0, now));
        if now - e.1 >= window || now < e.1 {
            *e = (0, now);
        }
        if e.0 >= self.max {
            return Err(RateLimited { retry_after: (e.1 + window - now).max(1) as u64, max: self.max, window_secs: window });
        }
        e.0 += 1;
        Ok(())
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

    #[test]
    fn rate_limit_per_key_and_window() {
        let l = RateLimiter::new(2, 60);
        assert_eq!(l.hit("a", 100), Ok(()));
        assert_eq!(l.hit("a", 110), Ok(()));
        assert_eq!(l.hit("a", 120), Err(RateLimited { retry_after: 40, max: 2, window_secs: 60 }));
        assert_eq!(l.hit("b", 120), Ok(()));
        assert_eq!(l.hit("a", 159), Err(RateLimited { retry_after: 1, max: 2, window_secs: 60 }));
        assert_eq!(l.hit("a", 160), Ok(()));
        assert_eq!(l.limit(), (2, 60));
    }
}
