//! Benchmark: bulk verification of 3,000 corporate numbers (`POST /api/v1/registry/verify`'s
//! use case) on embedded SQLite, against a peer measured in the same run: the same answers
//! found one company at a time (`registry_company` per number), as a naive client would.
//!
//! Run with `scripts/bench` (release build). Prints medians and the ratio; numbers go to
//! BENCHMARKS.md.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hoshi_app::{App, FixedClock};
use hoshi_core::org::{Industry, OrgRole, Prefecture};
use hoshi_core::{CorporateNumber, Level};
use hoshi_store::assessments::{self as adb, Assessment};
use hoshi_store::registry::{self as db, Application, Certificate};
use hoshi_store::{orgs, testing, users};

const N: usize = 3_000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let store = testing::sqlite().await;
    let now = 1_795_651_200;
    let mut tx = store.begin().await.expect("tx");
    let user = users::insert(&mut tx, "bench@bench.example", "bench", "x", now).await.expect("user");
    let mut numbers = Vec::with_capacity(N);
    for i in 0..N {
        let mut base = [0u8; 12];
        let digits = format!("{:012}", 500_000_000_000u64 + i as u64);
        for (b, c) in base.iter_mut().zip(digits.bytes()) {
            *b = c - b'0';
        }
        let cn = CorporateNumber::from_base(&base).expect("digits");
        let org = orgs::insert(
            &mut tx,
            &orgs::NewOrg {
                corporate_number: cn,
                name_ja: format!("会社{i}"),
                name_en: format!("Company {i}"),
                prefecture: Prefecture::parse("愛知県").expect("p"),
                address: String::new(),
                industry: Industry::Manufacturing,
                employees: Some(50),
                capital_yen: None,
                roles: vec![OrgRole::Supplier],
            },
            now,
        )
        .await
        .expect("org");
        numbers.push(cn.to_string());
        if i % 4 == 3 {
            continue; // a quarter hold no certificate
        }
        let a = adb::insert(
            &mut tx,
            &Assessment {
                id: 0,
                org_id: org.id,
                edition: "2026.03".into(),
                target_level: 3,
                version: 1,
                previous_id: None,
                scope_kind: "company".into(),
                scope_text: String::new(),
                it_onprem: true,
                it_cloud: true,
                employees: 50,
                pcs: 50,
                servers: 1,
                sites: 1,
                cloud_services: 1,
                hourly_rate_yen: 3500,
                overhead_percent: 10,
                status: "confirmed".into(),
                locked_at: Some(now),
                created_by: user.id,
                created_at: now,
                updated_at: now,
                purpose: "initial".into(),
            },
        )
        .await
        .expect("assessment");
        let app = db::insert_application(
            &mut tx,
            &Application {
                id: 0,
                org_id: org.id,
                assessment_id: a.id,
                level: 3,
                status: "issued".into(),
                reason: String::new(),
                submitted_by: user.id,
                submitted_at: now,
                decided_by: None,
                decided_at: None,
                serial: None,
                checked_by: None,
                checked_at: None,
                check_note: String::new(),
                previous_serial: None,
            },
        )
        .await
        .expect("application");
        db::insert_certificate(
            &mut tx,
            &Certificate {
                serial: format!("HSB-{i:07}"),
                org_id: org.id,
                application_id: app.id,
                level: if i % 3 == 0 { 4 } else { 3 },
                scope: "全社".into(),
                scope_en: "Whole company".into(),
                attestation: String::new(),
                reason_category: String::new(),
                edition: "2026.03".into(),
                issued_at: now,
                valid_until: now + 300 * 86_400,
                state: if i % 10 == 0 { "revoked".into() } else { "active".into() },
                reason: String::new(),
                superseded_by: None,
                jws: "x.y.z".into(),
                kid: "k".into(),
                log_index: None,
                updated_at: now,
            },
        )
        .await
        .expect("certificate");
    }
    tx.commit().await.expect("commit");
    let app = App::new(store, Arc::new(FixedClock::new(now + 86_400)));

    // Warm up, then measure.
    let batch = app.verify_numbers(&numbers, Level::THREE).await.expect("verify");
    let ok = batch.iter().filter(|r| r.meets_requirement).count();
    let mut bulk = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        let r = app.verify_numbers(&numbers, Level::THREE).await.expect("verify");
        bulk.push(t.elapsed());
        assert_eq!(r.len(), N);
    }
    let mut naive = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let mut meets = 0;
        for n in &numbers {
            if let Ok(c) = app.registry_company(&CorporateNumber::parse(n).expect("cn")).await {
                meets += usize::from(c.current_level.is_some_and(|l| l >= 3));
            }
        }
        naive.push(t.elapsed());
        assert_eq!(meets, ok, "the peer finds the same answers");
    }
    let (b, p) = (median(bulk), median(naive));
    println!("bulk verification of {N} numbers ({ok} meet ★3): median {:.2} ms over 15 runs", b.as_secs_f64() * 1000.0);
    println!("peer (one lookup per number):          median {:.2} ms over 3 runs", p.as_secs_f64() * 1000.0);
    println!(
        "ratio peer / bulk: {:.1}x; target under 20 ms: {}",
        p.as_secs_f64() / b.as_secs_f64(),
        if b < Duration::from_millis(20) { "met" } else { "NOT met" }
    );
}
