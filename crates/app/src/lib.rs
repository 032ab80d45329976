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
pub mod clock;
pub mod demo;
mod error;
pub mod exports;
pub mod limiter;
mod secrets;

pub use actor::{Actor, Via};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{AppError, Msg};
/// The stored records use cases hand out, so callers need not depend on the store.
pub use hoshi_store::{invitations::Invitation, orgs::Org, tokens::ApiToken, users::User, Store};

use std::sync::Arc;

/// The application: storage, a clock, and the sign-in limiter. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub(crate) store: Store,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) limiter: Arc<limiter::SignInLimiter>,
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> App {
        App { store, clock, limiter: Arc::new(limiter::SignInLimiter::default()) }
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
