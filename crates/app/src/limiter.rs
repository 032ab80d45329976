//! Slows down password guessing without letting anyone lock others out ([`SignInLimiter`]):
//! failures count per account and address together (refused after a few, from that address
//! only), per account (slowed, never refused) and per address (refused only after many — an
//! office behind one NAT is one address).
//! Holds each client address of an open, unauthenticated endpoint (the cost-sharing calculator)
//! to a number of requests per window ([`RateLimiter`]).
//!
//! Sign-in failures are counted in the database (`hoshi_store::limits`, keys hashed), so a
//! restart does not reset them and every server on one database shares them; [`verdict`] is the
//! rule over those counts, and [`SignInLimiter`] the same in memory. The rate limits of the open
//! endpoints are in memory per server process: with several replicas an attacker gets at most
//! one budget per replica, which still bounds the load.

use std::collections::HashMap;
use std::sync::Mutex;

/// Failures within this many seconds count together.
pub const WINDOW: i64 = 15 * 60;
/// The longest wait before an attempt is answered.
const MAX_DELAY: u64 = 5;

/// How failures under one key are answered: from `delay_after` failures on, each attempt waits
/// a little longer; from `refuse_after` on, attempts are refused until the window passes.
/// `None`: never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub delay_after: Option<u32>,
    pub refuse_after: Option<u32>,
}

/// One account from one address: a person's own typos, or a guesser at one account. Refused
/// after ten, for that address only — so nobody can lock an account from elsewhere.
pub const ACCOUNT_FROM_ADDRESS: Rule = Rule { delay_after: Some(3), refuse_after: Some(10) };
/// One account from anywhere: only slowed (at most a few seconds), never refused, so guessing
/// spread over many addresses stays slow while the owner can still sign in.
pub const ACCOUNT: Rule = Rule { delay_after: Some(3), refuse_after: None };
/// One address, whatever the accounts: a whole office behind one NAT or proxy shares it, so it
/// is refused only after a hundred failures (password spraying), and never slowed.
pub const ADDRESS: Rule = Rule { delay_after: None, refuse_after: Some(100) };

/// The answer for an attempt under these keys, each with its rule, given each key's failures and
/// first failure (`lookup`): refused if any key is over its refusal limit (retry when the longest
/// of those windows ends), else delayed by the longest delay any key asks for.
pub fn verdict(lookup: impl Fn(&str) -> Option<(u32, i64)>, keys: &[(&str, Rule)], now: i64) -> Verdict {
    let mut refuse: Option<u64> = None;
    let mut delay = 0;
    for (k, rule) in keys {
        let Some((n, first)) = lookup(k) else { continue };
        if now - first >= WINDOW {
            continue;
        }
        if rule.refuse_after.is_some_and(|r| n >= r) {
            let retry = (first + WINDOW - now).max(1) as u64;
            refuse = Some(refuse.map_or(retry, |r: u64| r.max(retry)));
        } else if let Some(d) = rule.delay_after.filter(|d| n >= *d) {
            delay = delay.max(u64::from(n - d + 1).min(MAX_DELAY));
        }
    }
    match refuse {
        Some(retry_after) => Verdict::Refuse { retry_after },
        None => Verdict::Proceed { delay_secs: delay },
    }
}

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
    /// The answer for an attempt under these keys, each with its rule: refused if any key is
    /// over its refusal limit (retry when the longest of those windows ends), else delayed by
    /// the longest delay any key asks for.
    pub fn check(&self, keys: &[(&str, Rule)], now: i64) -> Verdict {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        verdict(|k| map.get(k).copied(), keys, now)
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
        let k = [("pair:a@b.jp|1.2.3.4", ACCOUNT_FROM_ADDRESS)];
        let names = ["pair:a@b.jp|1.2.3.4"];
        for _ in 0..2 {
            l.failed(&names, 0);
        }
        assert_eq!(l.check(&k, 1), Verdict::Proceed { delay_secs: 0 });
        l.failed(&names, 1);
        assert_eq!(l.check(&k, 2), Verdict::Proceed { delay_secs: 1 });
        for _ in 0..7 {
            l.failed(&names, 2);
        }
        assert!(matches!(l.check(&k, 3), Verdict::Refuse { retry_after } if retry_after == (WINDOW - 3) as u64));
        assert_eq!(l.check(&k, WINDOW + 1), Verdict::Proceed { delay_secs: 0 });
        assert_eq!(l.check(&[("pair:other@b.jp|1.2.3.4", ACCOUNT_FROM_ADDRESS)], 3), Verdict::Proceed { delay_secs: 0 });
    }

    /// Issue 13: ten typos behind an office's one address lock neither the account for its
    /// owner elsewhere nor the office's other people; spraying from one address is refused.
    #[test]
    fn one_address_and_one_account_cannot_lock_out_others() {
        let l = SignInLimiter::default();
        let keys = |email: &str, ip: &str| -> Vec<(String, Rule)> {
            vec![
                (format!("pair:{email}|{ip}"), ACCOUNT_FROM_ADDRESS),
                (format!("email:{email}"), ACCOUNT),
                (format!("client:{ip}"), ADDRESS),
            ]
        };
        let check = |email: &str, ip: &str| {
            let k = keys(email, ip);
            let refs: Vec<(&str, Rule)> = k.iter().map(|(s, r)| (s.as_str(), *r)).collect();
            l.check(&refs, 10)
        };
        let fail = |email: &str, ip: &str| {
            let k = keys(email, ip);
            let names: Vec<&str> = k.iter().map(|(s, _)| s.as_str()).collect();
            l.failed(&names, 5);
        };
        for _ in 0..10 {
            fail("a@office.jp", "10.0.0.1");
        }
        assert!(matches!(check("a@office.jp", "10.0.0.1"), Verdict::Refuse { .. }), "the guesser's address is refused for that account");
        assert!(
            matches!(check("a@office.jp", "192.0.2.7"), Verdict::Proceed { delay_secs } if delay_secs <= MAX_DELAY),
            "the owner elsewhere is only slowed"
        );
        assert_eq!(check("b@office.jp", "10.0.0.1"), Verdict::Proceed { delay_secs: 0 }, "a colleague behind the same NAT is untouched");
        for i in 0..90 {
            fail(&format!("u{i}@x.jp"), "10.0.0.1");
        }
        assert!(matches!(check("c@office.jp", "10.0.0.1"), Verdict::Refuse { .. }), "a hundred failures from one address: spraying");
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
