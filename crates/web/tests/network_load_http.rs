//! Two heavy network views at once (a buyer with thousands of direct suppliers: the walk through
//! the lists, the exposure and every supplier's contribution) leave the server answering on a
//! single async worker: `/healthz` and a registry lookup reply within a second while both run.
//! (At this size the walk's queries take most of a view's time; that the computation itself never
//! runs on an async worker is tested directly in `crates/app/tests/analytics.rs`.)

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use common::*;
use hoshi_app::demo::{DEMO_PASSWORD, WORLD};
use hoshi_app::{App, FixedClock};

const SUPPLIERS: u64 = 3_000;

// One async worker: whatever a view holds it with, nothing else could be answered meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn two_heavy_network_views_leave_the_server_answering() {
    let app = App::new(hoshi_store::testing::sqlite().await, Arc::new(FixedClock::new(1_795_651_200)));
    app.seed_demo_orgs_only().await.expect("seed");
    let buyer_email = "buyer@tokai-motor.example";
    let signed = app.sign_in(buyer_email, DEMO_PASSWORD, "t").await.expect("sign in");
    let mut csv = String::from("corporate_number,name,confidential_data,outage_unacceptable,network_access\n");
    for i in 0..SUPPLIERS {
        let mut base = [0u8; 12];
        for (b, c) in base.iter_mut().zip(format!("{:012}", 160_000_000_000 + i).bytes()) {
            *b = c - b'0';
        }
        let cn = hoshi_core::CorporateNumber::from_base(&base).expect("digits");
        csv.push_str(&format!("{cn},仕入先{i},{},no,no\n", if i % 3 == 0 { "yes" } else { "no" }));
    }
    let r = app
        .import_suppliers(&signed.actor, "big.csv", csv.as_bytes(), hoshi_app::suppliers::ImportMode::AllOrNothing, false)
        .await
        .expect("import");
    assert!(r.imported, "{r:?}");
    let router =
        hoshi_web::router(app.clone(), hoshi_web::WebConfig { secure_cookies: false, max_body_bytes: 64 * 1024, ..Default::default() });
    let session = Session { cookie: signed.session_token.clone(), csrf: signed.actor.csrf_token().expect("csrf").to_owned() };

    // One view alone, to know how heavy it is.
    let t = Instant::now();
    let alone = send(&router, Method::GET, "/api/v1/network", Auth::Session(&session), None, &[]).await;
    assert_eq!(alone.status, StatusCode::OK, "{}", &alone.body[..alone.body.len().min(300)]);
    let one = t.elapsed();
    // 3,000 unknown direct suppliers saturate the buyer's exposure: the ten that carry most of the
    // accumulated risk are still named, measured in hazard (exactly re-computed).
    let v = alone.json();
    assert_eq!(v["contributions_measure"], "hazard", "{}", &alone.body[..alone.body.len().min(300)]);
    let top = v["top_contributors"].as_array().expect("top");
    assert_eq!(top.len(), 10);
    assert!(
        top[0][1].as_f64().expect("drop") > 0.0 && v["contributions_total"].as_f64().expect("total") > top[0][1].as_f64().expect("drop")
    );

    let views: Vec<_> = (0..2)
        .map(|_| {
            let (router, session) = (router.clone(), session.clone());
            tokio::spawn(async move { send(&router, Method::GET, "/api/v1/network", Auth::Session(&session), None, &[]).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let registered = WORLD.iter().find(|d| d.email == buyer_email).map(|d| d.corporate_number().to_string()).expect("demo");
    // The probes run as a task on the runtime's worker too (the test's own body does not).
    let probe = {
        let router = router.clone();
        let done: Vec<_> = views.iter().map(|v| v.abort_handle()).collect();
        tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            while !done.iter().all(|v| v.is_finished()) {
                for path in ["/healthz".to_owned(), format!("/api/v1/registry/companies/{registered}")] {
                    let t = Instant::now();
                    let r = send(&router, Method::GET, &path, Auth::None, None, &[]).await;
                    assert!(r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND, "{path}: {}", r.status);
                    slowest = slowest.max(t.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            slowest
        })
    };
    let slowest = probe.await.expect("probes");
    for v in views {
        assert_eq!(v.await.expect("view").status, StatusCode::OK);
    }
    println!("one network view of {SUPPLIERS} suppliers: {one:?}; slowest answer while two ran: {slowest:?}");
    assert!(slowest < Duration::from_secs(1), "the server stalled for {slowest:?} while two network views ran ({one:?} each)");
}
