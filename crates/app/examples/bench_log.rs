//! Benchmark: durable log appends on embedded SQLite (`synchronous=FULL`) or PostgreSQL.
//!
//! 1. Acknowledged changes: `CHANGES` log events, each committed in its own transaction (what
//!    one operator decision costs: durable before the reply), from 8 tasks at once.
//! 2. Sequencing: `ENTRIES` pending events added to the Merkle tree by `App::sequence` (hashes,
//!    entries, checkpoint signed), timed end to end.
//!
//! Prints one JSON line; `bench/log.sh` runs it beside a Python sqlite3 peer doing the same
//! writes and prints the ratios. Arguments: `[ENTRIES] [CHANGES] [--postgres URL]`.

use std::sync::Arc;
use std::time::Instant;

use hoshi_app::{App, FixedClock};
use hoshi_store::registry as db;
use hoshi_store::{testing, Store};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let entries: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let changes: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let pg = args.iter().position(|a| a == "--postgres").and_then(|i| args.get(i + 1));
    let (store, backend) = match pg {
        Some(url) => {
            std::env::set_var("HOSHI_TEST_POSTGRES_URL", url);
            (testing::postgres().await.expect("postgres"), "postgresql")
        }
        None => (testing::sqlite().await, "sqlite"),
    };
    let app = App::new(store.clone(), Arc::new(FixedClock::new(1_795_651_200)));
    app.sequence().await.expect("empty log");
    let event = |i: usize| {
        format!(
            r#"{{"type":"hoshi.bench.v1","event":"changed","serial":"HSB-{i:07}","corporate_number":"1234567890123","level":3,"state":"active","at":"2026-12-02T00:00:00Z"}}"#
        )
    };

    // 1. One durable transaction per change, 8 writers.
    let t = Instant::now();
    let per_task = changes / 8;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store: Store = store.clone();
        let events: Vec<String> = (0..per_task).map(|i| event(w * per_task + i)).collect();
        tasks.push(tokio::spawn(async move {
            for e in events {
                let mut tx = store.begin().await.expect("tx");
                db::insert_pending(&mut tx, e.as_bytes(), None, 1).await.expect("pending");
                tx.commit().await.expect("commit");
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer");
    }
    let acked = t.elapsed().as_secs_f64();
    let acked_n = per_task * 8;
    let t = Instant::now();
    let size1 = app.sequence().await.expect("sequence");
    let seq_small = t.elapsed().as_secs_f64();

    // 2. Sequencing a large backlog (written in bulk first, not timed).
    {
        let mut tx = store.begin().await.expect("tx");
        for i in 0..entries {
            db::insert_pending(&mut tx, event(1_000_000 + i).as_bytes(), None, 1).await.expect("pending");
        }
        tx.commit().await.expect("commit");
    }
    let t = Instant::now();
    let size2 = app.sequence().await.expect("sequence");
    let seq = t.elapsed().as_secs_f64();
    assert_eq!(size2, size1 + entries as u64);
    let audit = Instant::now();
    app.audit_log(false).await.expect("audit");
    println!(
        "{}",
        serde_json::json!({
            "backend": backend,
            "acknowledged": {"changes": acked_n, "seconds": acked, "per_second": acked_n as f64 / acked},
            "sequenced_after_changes": {"entries": size1, "seconds": seq_small},
            "sequence": {"entries": entries, "seconds": seq, "per_second": entries as f64 / seq},
            "audit_seconds": audit.elapsed().as_secs_f64(),
        })
    );
}
