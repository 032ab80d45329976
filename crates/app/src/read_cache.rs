//! The public registry's hot reads held in memory for at most [`PUBLIC_READ_TTL`].
//!
//! A company's status, a certificate, a search page and the latest checkpoint are asked for far
//! more often than they change (a buyer's nightly checks, QR scans, monitors polling the log).
//! Each cached answer carries the store's write generation: any write transaction this process
//! begins makes every cached answer stale at once, so a revocation made here shows on the very
//! next read. Writes by other servers on the same database show within the TTL — the same
//! bound a CDN in front of the registry gives. Full log tiles never change and are kept without
//! a TTL. Each cache holds at most [`CAPACITY`] answers and starts afresh when full. The web
//! layer keeps anonymous renderings of the public registry's pages in a [`ReadCache`] too.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a public read may be served from memory when nothing was written here meanwhile.
pub const PUBLIC_READ_TTL: Duration = Duration::from_secs(1);

/// Answers per cache.
pub const CAPACITY: usize = 20_000;

pub struct ReadCache<V> {
    entries: Mutex<HashMap<String, (Instant, u64, V)>>,
    ttl: Option<Duration>,
}

impl<V: Clone> ReadCache<V> {
    /// A cache whose answers expire after `ttl` or at the next write; `None`: immutable answers.
    pub fn new(ttl: Option<Duration>) -> ReadCache<V> {
        ReadCache { entries: Mutex::new(HashMap::new()), ttl }
    }

    /// The answer for `key` read at write generation `generation`, if still good.
    pub fn get(&self, key: &str, generation: u64) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let (at, g, v) = entries.get(key)?;
        match self.ttl {
            None => Some(v.clone()),
            Some(ttl) => (*g == generation && at.elapsed() < ttl).then(|| v.clone()),
        }
    }

    /// Keeps `value`, read when the write generation was `generation`.
    pub fn put(&self, key: String, generation: u64, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), generation, value));
        }
    }
}

/// The caches behind the public registry's reads.
pub(crate) struct PublicReads {
    pub(crate) companies: ReadCache<crate::registry::CompanyStatus>,
    pub(crate) certificates: ReadCache<(hoshi_store::registry::Certificate, hoshi_store::orgs::Org)>,
    pub(crate) searches: ReadCache<(Vec<crate::registry::CompanyStatus>, i64)>,
    pub(crate) checkpoint: ReadCache<Option<hoshi_store::registry::CheckpointRow>>,
    pub(crate) full_tiles: ReadCache<Vec<u8>>,
}

impl Default for PublicReads {
    fn default() -> PublicReads {
        let ttl = Some(PUBLIC_READ_TTL);
        PublicReads {
            companies: ReadCache::new(ttl),
            certificates: ReadCache::new(ttl),
            searches: ReadCache::new(ttl),
            checkpoint: ReadCache::new(ttl),
            full_tiles: ReadCache::new(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_stale_after_a_write_or_the_ttl_and_immutable_ones_stay() {
        let c: ReadCache<u32> = ReadCache::new(Some(Duration::from_millis(50)));
        c.put("a".into(), 7, 1);
        assert_eq!(c.get("a", 7), Some(1));
        assert_eq!(c.get("a", 8), None, "a write since makes it stale");
        assert_eq!(c.get("b", 7), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(c.get("a", 7), None, "older than the TTL");
        let forever: ReadCache<u32> = ReadCache::new(None);
        forever.put("t".into(), 1, 9);
        assert_eq!(forever.get("t", 99), Some(9));
    }
}
