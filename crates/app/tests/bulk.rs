//! `App::load_world`: a synthetic network loaded in one transaction, on SQLite and PostgreSQL
//! (COPY), with roles from the links, the rule's level on every supplier-list entry, and ids
//! that leave the ordinary inserts working afterwards.

use std::sync::Arc;

use hoshi_app::bulk::{WorldFirm, WorldLink};
use hoshi_app::{App, AppError, FixedClock, Store};
use hoshi_core::org::{Industry, OrgRole, Prefecture};
use hoshi_core::required_level::RelationshipFacts;
use hoshi_core::{CorporateNumber, Level};
use hoshi_store::{orgs, suppliers, testing};

fn cn(i: u64) -> CorporateNumber {
    let mut b = [0u8; 12];
    for (d, c) in b.iter_mut().zip(format!("{:012}", 500_000_000_000 + i).bytes()) {
        *d = c - b'0';
    }
    CorporateNumber::from_base(&b).expect("digits")
}

fn world() -> (Vec<WorldFirm>, Vec<WorldLink>) {
    let firms = (0..5)
        .map(|i| WorldFirm {
            corporate_number: cn(i),
            name: format!("株式会社テスト{i}"),
            prefecture: 12,
            industry: Industry::Manufacturing,
            employees: 10 + i,
        })
        .collect();
    let no = RelationshipFacts { holds_confidential_data: false, outage_unacceptable: false, network_access: false };
    let data = RelationshipFacts { holds_confidential_data: true, ..no };
    // 0 buys from 1 and 2; 1 buys from 3; 3 buys from 1 (a cycle); 4 is alone.
    let links = vec![
        WorldLink { supplier: 1, customer: 0, facts: data },
        WorldLink { supplier: 2, customer: 0, facts: no },
        WorldLink { supplier: 3, customer: 1, facts: no },
        WorldLink { supplier: 1, customer: 3, facts: no },
    ];
    (firms, links)
}

/// A fresh PostgreSQL database and its URL (the loader needs the URL for COPY).
async fn postgres() -> Option<(Store, String)> {
    let url = testing::postgres_url().await?;
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    Some((store, url))
}

#[tokio::test]
async fn a_world_loads_in_bulk_on_both_databases() {
    let mut stores = vec![(testing::sqlite().await, None)];
    if let Some((s, url)) = postgres().await {
        stores.push((s, Some(url)));
    }
    for (store, url) in stores {
        let app = App::new(store.clone(), Arc::new(FixedClock::new(1_790_000_000)));
        let (firms, links) = world();
        let report = app.load_world(&firms, &links, url.as_deref()).await.expect("load");
        assert_eq!((report.organizations, report.supplier_links), (5, 4));
        let mut conn = store.pool().acquire().await.expect("conn");
        let all = orgs::list(&mut conn).await.expect("list");
        assert_eq!(all.len(), 5);
        let org = |i: u64| all.iter().find(|o| o.corporate_number == cn(i)).expect("org");
        assert_eq!(org(0).roles, vec![OrgRole::Buyer]);
        assert!(org(1).roles.contains(&OrgRole::Supplier) && org(1).roles.contains(&OrgRole::Buyer));
        assert!(org(4).roles.is_empty());
        assert_eq!(org(0).prefecture, Prefecture::parse("13").expect("Tokyo"));
        let list = suppliers::links_of_buyer(&mut conn, org(0).id).await.expect("links");
        assert_eq!(list.len(), 2);
        let l1 = list.iter().find(|l| l.corporate_number == cn(1).to_string()).expect("supplier 1");
        assert_eq!(l1.required_level, Level::FOUR.get(), "confidential data: ★4 by the rule");
        assert_eq!(l1.name, "株式会社テスト1");
        let l2 = list.iter().find(|l| l.corporate_number == cn(2).to_string()).expect("supplier 2");
        assert_eq!(l2.required_level, Level::THREE.get());
        assert_eq!(suppliers::changes(&mut conn, l1.id).await.expect("changes").len(), 1);
        // The ordinary insert still works (PostgreSQL's identity sequence moved past the load).
        let new = orgs::NewOrg {
            corporate_number: cn(100),
            name_ja: "後から".into(),
            name_en: "Later".into(),
            prefecture: Prefecture::parse("13").expect("Tokyo"),
            address: String::new(),
            industry: Industry::Services,
            employees: None,
            capital_yen: None,
            roles: vec![OrgRole::Supplier],
        };
        let later = orgs::insert(&mut conn, &new, 1_790_000_000).await.expect("insert after the load");
        assert!(all.iter().all(|o| o.id < later.id));
        drop(conn);
        // A second load of the same world changes nothing and says why.
        match app.load_world(&firms, &links, url.as_deref()).await {
            Err(AppError::Conflict(m)) => assert!(m.en.contains("already registered"), "{}", m.en),
            other => panic!("expected a conflict, got {other:?}"),
        }
        let mut conn = store.pool().acquire().await.expect("conn");
        assert_eq!(orgs::list(&mut conn).await.expect("list").len(), 6);
        drop(conn);

        // Certificates for the certified firms, signed and in the log, as the registry shows them.
        let issued =
            app.load_certificates(&[(cn(1), Level::THREE), (cn(3), Level::FOUR), (cn(999), Level::THREE)]).await.expect("certificates");
        assert_eq!(issued, 2, "a firm not in the world gets none");
        let company = app.registry_company(&cn(3)).await.expect("company");
        assert_eq!(company.current_level, Some(4));
        let serial = company.certificates[0].serial.clone();
        let bundle = app.bundle(&serial).await.expect("sequenced: a bundle with its log entry");
        let jwks = app.jwks().await.expect("jwks");
        let proven = hoshi_ledger::bundle::verify(&bundle, &jwks, app.keys().log.verifier_key()).expect("verifies offline");
        assert_eq!(proven.payload["credentialSubject"]["corporateNumber"], cn(3).to_string());
        assert_eq!(app.checkpoint().await.expect("checkpoint").map(|c| c.size), Some(2));
    }
}
