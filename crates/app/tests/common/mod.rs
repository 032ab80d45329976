//! The demo organisations signed in, on every database the tests have (SQLite, and PostgreSQL
//! when `HOSHI_TEST_POSTGRES_URL` is set), for the app's integration tests.
#![allow(dead_code)]

use std::sync::Arc;

use hoshi_app::demo::{DEMO_PASSWORD, WORLD};
use hoshi_app::{Actor, App, FixedClock};
use hoshi_core::CorporateNumber;
use hoshi_store::testing;

/// The demo world: a small supplier (刈谷プレス), the expert, the assessment body, the buyer,
/// another supplier (豊橋金属) and the registry operator, each signed in.
pub struct W {
    pub app: App,
    pub supplier: Actor,
    pub expert: Actor,
    pub body: Actor,
    pub buyer: Actor,
    pub other: Actor,
    pub operator: Actor,
}

pub const SUPPLIER: &str = "owner@kariya-press.example";

/// A demo organisation's corporate number, by its login.
pub fn corporate_number(email: &str) -> CorporateNumber {
    WORLD.iter().find(|d| d.email == email).map(|d| d.corporate_number()).expect("demo org")
}

pub fn cn(email: &str) -> String {
    corporate_number(email).to_string()
}

/// One world per database, at a fixed moment (2026-09-21 JST).
pub async fn worlds() -> Vec<W> {
    let mut out = Vec::new();
    for store in testing::all().await {
        let app = App::new(store, Arc::new(FixedClock::new(1_790_000_000)));
        app.seed_demo_orgs_only().await.expect("seed");
        let login = |e: &'static str| {
            let app = app.clone();
            async move { app.sign_in(e, DEMO_PASSWORD, "t").await.expect("login").actor }
        };
        out.push(W {
            supplier: login(SUPPLIER).await,
            expert: login("expert@suzuki-sec.example").await,
            body: login("assessor@chubu-cyber.example").await,
            buyer: login("buyer@tokai-motor.example").await,
            other: login("owner@toyohashi-kinzoku.example").await,
            operator: login("registry@ipa-demo.example").await,
            app,
        });
    }
    out
}
