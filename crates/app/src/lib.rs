//! Hoshi's use cases. Each public function takes the acting user ([`Actor`]), decides whether
//! they may act, and runs one transaction across `store` and `core`. This is the only crate
//! where those meet, and the only place that decides who may do what: `web` and `cli` call in
//! here and hold no rules and no SQL.
//!
//! Tenant data is always looked up through the actor's own organisation; a request for another
//! organisation's data is answered as if it did not exist ([`AppError::NotFound`]).

pub mod accounts;
mod actor;
pub mod assessment;
pub mod audit;
pub mod bulk;
pub mod clock;
pub mod demo;
mod error;
pub mod exports;
pub mod keys;
pub mod library;
pub mod limiter;
pub mod negotiation;
pub mod plan;
pub mod read_cache;
pub mod registry;
mod secrets;
pub mod suppliers;
pub mod support;
pub mod trust;
pub mod workbook;

pub use actor::{Actor, Via};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{AppError, Msg};
/// The stored records use cases hand out, so callers need not depend on the store.
pub use hoshi_store::{invitations::Invitation, orgs::Org, registry::Search, tokens::ApiToken, users::User, SequencerLease, Store};

use std::sync::Arc;

/// Requests per minute one client address may make to the open calculator endpoints.
pub const PUBLIC_RATE_PER_MINUTE: u32 = 60;
/// Requests per minute one anonymous client may make to the public registry's API and export.
pub const REGISTRY_RATE_PER_MINUTE: u32 = 600;
/// Registrations per hour from one client address.
pub const REGISTRATIONS_PER_HOUR: u32 = 20;
/// Claims per hour from one client address.
pub const CLAIMS_PER_HOUR: u32 = 10;

/// The open endpoints whose requests are counted per client, each with its own budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// The cost-sharing calculator (`POST /api/v1/sharing/allocate`).
    Calculator,
    /// The public registry's API, proofs, bundles and CSV export, for anonymous clients.
    Registry,
    /// `POST /register`.
    Registration,
    /// `POST /claim`.
    Claim,
}

/// One limiter per [`Bucket`]; a limit of 0 turns that bucket's limit off.
#[derive(Clone)]
pub(crate) struct RateLimits {
    calculator: Option<Arc<limiter::RateLimiter>>,
    registry: Option<Arc<limiter::RateLimiter>>,
    registration: Option<Arc<limiter::RateLimiter>>,
    claim: Option<Arc<limiter::RateLimiter>>,
}

impl Default for RateLimits {
    fn default() -> Self {
        let l = |max, window| Some(Arc::new(limiter::RateLimiter::new(max, window)));
        RateLimits {
            calculator: l(PUBLIC_RATE_PER_MINUTE, 60),
            registry: l(REGISTRY_RATE_PER_MINUTE, 60),
            registration: l(REGISTRATIONS_PER_HOUR, 3600),
            claim: l(CLAIMS_PER_HOUR, 3600),
        }
    }
}

impl RateLimits {
    fn get(&self, bucket: Bucket) -> Option<&Arc<limiter::RateLimiter>> {
        match bucket {
            Bucket::Calculator => self.calculator.as_ref(),
            Bucket::Registry => self.registry.as_ref(),
            Bucket::Registration => self.registration.as_ref(),
            Bucket::Claim => self.claim.as_ref(),
        }
    }

    fn slot(&mut self, bucket: Bucket) -> &mut Option<Arc<limiter::RateLimiter>> {
        match bucket {
            Bucket::Calculator => &mut self.calculator,
            Bucket::Registry => &mut self.registry,
            Bucket::Registration => &mut self.registration,
            Bucket::Claim => &mut self.claim,
        }
    }
}

/// The application: storage, a clock, the keys and the open endpoints' rate limiters (the
/// sign-in limiter counts in the database). Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub(crate) store: Store,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rates: RateLimits,
    pub(crate) keys: Arc<keys::KeyRing>,
    /// Bounds the CPU-heavy analytics running at once (see [`App::analytics`]).
    pub(crate) analytics: Arc<tokio::sync::Semaphore>,
    /// Whether this process holds the sequencer lease (shown by `/readyz`).
    pub(crate) sequencing: Arc<std::sync::atomic::AtomicBool>,
    /// The public registry's hot reads (see [`read_cache`]).
    pub(crate) public: Arc<read_cache::PublicReads>,
}

/// How many CPU-heavy computations (network exposure, contributions, what-if) run at once: one
/// core is always left to the web server's async workers.
pub fn analytics_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

impl App {
    /// An application with keys that live only in memory (tests, commands that never sign).
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> App {
        App::with_keys(store, clock, keys::KeyRing::ephemeral(keys::DEFAULT_ORIGIN))
    }

    /// An application that signs with these keys (the server loads them from the data folder).
    pub fn with_keys(store: Store, clock: Arc<dyn Clock>, keys: keys::KeyRing) -> App {
        App {
            store,
            clock,
            rates: RateLimits::default(),
            keys: Arc::new(keys),
            analytics: Arc::new(tokio::sync::Semaphore::new(analytics_slots())),
            sequencing: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            public: Arc::default(),
        }
    }

    /// Runs CPU-heavy work on the blocking pool, never on the async workers that answer
    /// requests, and at most [`analytics_slots`] at once; others wait their turn.
    pub async fn analytics<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let _slot = self
            .analytics
            .acquire()
            .await
            .map_err(|_| AppError::Store(hoshi_store::StoreError::Corrupt("the analytics pool is closed".into())))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AppError::Store(hoshi_store::StoreError::Corrupt(format!("an analytics task failed: {e}"))))
    }

    /// The same application seen from another moment (the demo seeds past events with it).
    pub(crate) fn at_time(&self, now: i64) -> App {
        App { clock: Arc::new(FixedClock::new(now)), ..self.clone() }
    }

    /// The same application with another limit for one bucket of open endpoints: at most `max`
    /// requests per `window_secs` seconds per client; `max` 0 turns the limit off.
    pub fn with_rate_limit(mut self, bucket: Bucket, max: u32, window_secs: i64) -> App {
        *self.rates.slot(bucket) = (max > 0).then(|| Arc::new(limiter::RateLimiter::new(max, window_secs)));
        self
    }

    /// Counts one request from `client` (its address, as the web layer resolved it) to an open
    /// endpoint, or refuses it with the seconds to wait. In memory per process.
    pub fn rate_check(&self, bucket: Bucket, client: &str) -> Result<(), AppError> {
        match self.rates.get(bucket) {
            Some(l) => l.hit(client, self.now()).map_err(|r| AppError::RateLimited {
                retry_after: r.retry_after,
                max: r.max,
                window_secs: r.window_secs,
            }),
            None => Ok(()),
        }
    }

    pub fn keys(&self) -> &keys::KeyRing {
        &self.keys
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Whether the database answers and is migrated (for `/readyz`).
    pub async fn ready(&self) -> bool {
        self.store.ready().await.unwrap_or(false)
    }
}
