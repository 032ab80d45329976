//! CPU-heavy analytics (network exposure, contributions, what-if) never run on the async workers
//! that answer requests, and only a bounded number run at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hoshi_app::{analytics_slots, App, FixedClock};
use hoshi_store::testing;

/// On a one-thread runtime, a ticker keeps running while the work runs: it is not on that thread.
#[tokio::test(flavor = "current_thread")]
async fn heavy_work_leaves_the_async_worker_free() {
    let app = App::new(testing::sqlite().await, Arc::new(FixedClock::new(1_790_000_000)));
    let ticks = Arc::new(AtomicUsize::new(0));
    let t = ticks.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            t.fetch_add(1, Ordering::SeqCst);
        }
    });
    // Busy for 300 ms, as a propagation over a large network would be.
    let out = app
        .analytics(|| {
            let until = std::time::Instant::now() + Duration::from_millis(300);
            let mut n = 0u64;
            while std::time::Instant::now() < until {
                n = n.wrapping_add(1);
            }
            n
        })
        .await
        .expect("ran");
    ticker.abort();
    assert!(out > 0);
    assert!(ticks.load(Ordering::SeqCst) >= 20, "the async worker kept answering ({} ticks)", ticks.load(Ordering::SeqCst));
}

#[tokio::test]
async fn only_a_bounded_number_run_at_once() {
    let app = App::new(testing::sqlite().await, Arc::new(FixedClock::new(1_790_000_000)));
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (app, running, most) = (app.clone(), running.clone(), most.clone());
        tasks.push(tokio::spawn(async move {
            app.analytics(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
                running.fetch_sub(1, Ordering::SeqCst);
            })
            .await
            .expect("ran");
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let most = most.load(Ordering::SeqCst);
    assert!(most >= 1 && most <= analytics_slots(), "{most} ran at once; the bound is {}", analytics_slots());
    assert!(analytics_slots() < std::thread::available_parallelism().map_or(2, |n| n.get()).max(2), "one core stays with the server");
}
