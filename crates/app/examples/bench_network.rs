//! Benchmark: a buyer's network view (exposure of every supplier, the ten largest contributions,
//! what `/network` and `GET /api/v1/network` wait for) over a list of N direct suppliers, on
//! embedded SQLite. The bound in the same run: one propagation over the same network alone.
//! Also two views at once, as two buyers opening the page together.
//!
//! Arguments: `[SUPPLIERS]` (default 100,000). Prints one JSON line.

use std::sync::Arc;
use std::time::Instant;

use hoshi_app::demo::DEMO_PASSWORD;
use hoshi_app::suppliers::ImportMode;
use hoshi_app::{App, FixedClock};
use hoshi_core::CorporateNumber;
use hoshi_store::testing;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let app = App::new(testing::sqlite().await, Arc::new(FixedClock::new(1_795_651_200)));
    app.seed_demo_orgs_only().await.expect("seed");
    let mut csv = String::from("corporate_number,name,annual_purchase_yen,supplies,holds_confidential_data,outage_unacceptable,network_access,criticality,contact_email\n");
    for i in 0..n {
        let digits = format!("{:012}", 710_000_000_000u64 + i as u64);
        let mut base = [0u8; 12];
        for (b, c) in base.iter_mut().zip(digits.bytes()) {
            *b = c - b'0';
        }
        let cn = CorporateNumber::from_base(&base).expect("digits");
        csv.push_str(&format!("{cn},取引先{i},{},部品,{},no,no,medium,\n", (i % 900 + 1) * 1000, if i % 5 == 0 { "yes" } else { "no" }));
    }
    let buyer = app.sign_in("buyer@tokai-motor.example", DEMO_PASSWORD, "bench").await.expect("login").actor;
    let t = Instant::now();
    let r = app.import_suppliers(&buyer, "bench.csv", csv.as_bytes(), ImportMode::AllOrNothing, false).await.expect("import");
    assert!(r.imported, "{r:?}");
    let import_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let view = app.network(&buyer).await.expect("network");
    let one = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (a, b) = tokio::join!(app.network(&buyer), app.network(&buyer));
    a.expect("a");
    b.expect("b");
    let two = t.elapsed().as_secs_f64();
    // The bound: one propagation over the same network, nothing else.
    let links: Vec<(usize, usize, f64)> = view.edges.iter().map(|e| (e.supplier, e.customer, e.weight)).collect();
    let own: Vec<f64> = view.nodes.iter().map(|x| x.own_risk).collect();
    let net = hoshi_core::graph::Network::new(view.nodes.len(), &links).expect("net");
    let t = Instant::now();
    hoshi_core::graph::propagate(&net, &own, 1e-9, 10_000).expect("propagate");
    let bound = t.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "suppliers": n, "nodes": view.nodes.len(), "edges": view.edges.len(), "import_seconds": import_s,
            "network_seconds": one, "two_at_once_seconds": two, "propagate_only_seconds": bound,
            "top": view.top_contributors.len(),
        })
    );
}
