//! The store's queries behave the same on SQLite and PostgreSQL.

use hoshi_core::org::{Industry, MemberRole, OrgRole, Prefecture, TokenScope};
use hoshi_core::CorporateNumber;
use hoshi_store::{orgs, sessions, testing, tokens, users, Backend, StoreError};

fn new_org(cn: &str) -> orgs::NewOrg {
    orgs::NewOrg {
        corporate_number: CorporateNumber::parse(cn).expect("valid"),
        name_ja: "テスト株式会社".into(),
        name_en: "Test K.K.".into(),
        prefecture: Prefecture::parse("愛知県").expect("pref"),
        address: "名古屋市".into(),
        industry: Industry::Manufacturing,
        employees: Some(120),
        capital_yen: Some(50_000_000),
        roles: vec![OrgRole::Supplier, OrgRole::Buyer],
    }
}

#[tokio::test]
async fn migrations_apply_once_and_readiness_reflects_them() {
    for store in testing::all().await {
        assert!(store.ready().await.expect("ready"));
        assert!(store.migrate().await.expect("again").is_empty(), "{:?}", store.backend());
    }
}

#[tokio::test]
async fn organisations_round_trip_and_duplicates_are_refused() {
    for store in testing::all().await {
        let mut tx = store.begin().await.expect("tx");
        let org = orgs::insert(&mut tx, &new_org("7000012050002"), 100).await.expect("insert");
        assert_eq!(org.roles, [OrgRole::Supplier, OrgRole::Buyer]);
        assert_eq!(org.prefecture.name_en(), "Aichi");
        let dup = orgs::insert(&mut tx, &new_org("7000012050002"), 100).await;
        assert!(matches!(dup, Err(StoreError::Duplicate(ref w)) if w.contains("7000012050002")), "{dup:?}");
        tx.rollback().await.expect("rollback");

        let mut tx = store.begin().await.expect("tx");
        let org = orgs::insert(&mut tx, &new_org("7000012050002"), 100).await.expect("insert");
        tx.commit().await.expect("commit");
        let mut conn = store.pool().acquire().await.expect("conn");
        let back = orgs::get(&mut conn, org.id).await.expect("get");
        assert_eq!(back, org);
        let found = orgs::by_corporate_number(&mut conn, &org.corporate_number).await.expect("by cn");
        assert_eq!(found.map(|o| o.id), Some(org.id));
        assert!(matches!(orgs::get(&mut conn, 999_999).await, Err(StoreError::NotFound)));
    }
}

#[tokio::test]
async fn users_memberships_sessions_and_tokens() {
    for store in testing::all().await {
        let mut tx = store.begin().await.expect("tx");
        let org = orgs::insert(&mut tx, &new_org("7000012050002"), 1).await.expect("org");
        let u = users::insert(&mut tx, "Owner@Example.JP", "Owner", "hash", 1).await.expect("user");
        assert_eq!(u.email, "owner@example.jp");
        users::add_membership(&mut tx, u.id, org.id, MemberRole::Admin, 1).await.expect("member");
        assert_eq!(users::memberships(&mut tx, u.id).await.expect("m")[0].role, MemberRole::Admin);
        let s = sessions::Session { user_id: u.id, org_id: org.id, csrf_token: "c".into(), created_at: 1, expires_at: 100 };
        sessions::insert(&mut tx, "h1", &s).await.expect("session");
        assert_eq!(sessions::get_live(&mut tx, "h1", 50).await.expect("live"), Some(s));
        assert_eq!(sessions::get_live(&mut tx, "h1", 100).await.expect("expired"), None);
        let t = tokens::insert(&mut tx, org.id, "nightly", "th", "hoshi_ab", TokenScope::Read, u.id, 5).await.expect("token");
        assert_eq!(tokens::use_live(&mut tx, "th", 7).await.expect("use").map(|t| t.last_used_at), Some(Some(7)));
        assert!(tokens::revoke(&mut tx, org.id, t.id, 8).await.expect("revoke"));
        assert!(!tokens::revoke(&mut tx, org.id, t.id, 9).await.expect("again"));
        assert!(matches!(tokens::revoke(&mut tx, org.id + 1, t.id, 9).await, Err(StoreError::NotFound)));
        assert_eq!(tokens::use_live(&mut tx, "th", 10).await.expect("revoked"), None);
        tx.commit().await.expect("commit");
        // On PostgreSQL a failed statement ends the transaction, so duplicates get their own.
        let mut tx = store.begin().await.expect("tx");
        assert!(matches!(users::insert(&mut tx, "owner@example.jp", "Again", "hash", 1).await, Err(StoreError::Duplicate(_))));
        tx.rollback().await.expect("rollback");
    }
}

#[tokio::test]
async fn foreign_keys_are_enforced_on_both() {
    for store in testing::all().await {
        let mut tx = store.begin().await.expect("tx");
        let err = users::add_membership(&mut tx, 12345, 67890, MemberRole::Member, 1).await;
        assert!(err.is_err(), "{:?} accepted a membership for missing rows", store.backend());
        let _ = tx.rollback().await;
    }
}

#[tokio::test]
async fn postgres_is_really_tested_when_required() {
    if std::env::var("HOSHI_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        let pg = testing::postgres().await.expect("postgres configured");
        assert_eq!(pg.backend(), Backend::Postgres);
    }
}

#[tokio::test]
async fn an_unanswered_supplier_question_round_trips_as_unknown() {
    use hoshi_store::suppliers::{self, SupplierLink};
    for store in testing::all().await {
        let mut tx = store.begin().await.expect("tx");
        let buyer = orgs::insert(&mut tx, &new_org("7000012050002"), 1).await.expect("org");
        let mut link = SupplierLink {
            id: 0,
            buyer_org_id: buyer.id,
            corporate_number: "8000012050001".into(),
            name: "取引先".into(),
            annual_purchase_yen: None,
            supplies: String::new(),
            holds_confidential_data: Some(false),
            outage_unacceptable: None,
            network_access: Some(true),
            criticality: "medium".into(),
            contact_email: String::new(),
            rule_level: 4,
            required_level: 4,
            override_reason: String::new(),
            effective_from: "2026-11-26".into(),
            created_at: 1,
            updated_at: 1,
        };
        link.id = suppliers::insert_link(&mut tx, &link).await.expect("insert");
        assert_eq!(suppliers::link(&mut tx, buyer.id, &link.corporate_number).await.expect("link"), link);
        // The answer column of an unknown answer holds 1, so it never reads as "no".
        let raw: i64 = sqlx::query_scalar("SELECT outage_unacceptable FROM supplier_links WHERE id = $1")
            .bind(link.id)
            .fetch_one(&mut *tx)
            .await
            .expect("raw");
        assert_eq!(raw, 1);
        link.outage_unacceptable = Some(false);
        link.holds_confidential_data = None;
        suppliers::update_link(&mut tx, &link).await.expect("update");
        assert_eq!(suppliers::links_of_buyer(&mut tx, buyer.id).await.expect("links"), vec![link]);
        tx.rollback().await.expect("rollback");
    }
}

/// An acknowledged change, and a signed checkpoint already served, must survive power loss: every
/// connection a transaction (the sequencer's included) can commit on syncs at commit.
#[tokio::test]
async fn every_connection_commits_with_full_synchronous_writes() {
    use hoshi_store::sqlx::{self, Row};
    for store in testing::all().await {
        let sql = match store.backend() {
            Backend::Sqlite => "PRAGMA synchronous",
            Backend::Postgres => "SHOW synchronous_commit",
        };
        // 2 = FULL on SQLite (the WAL is synced at every commit); `on` on PostgreSQL.
        let full = |r: sqlx::any::AnyRow| r.try_get::<i64, _>(0).map(|v| v == 2).or_else(|_| r.try_get::<String, _>(0).map(|v| v == "on"));
        let mut held = Vec::new();
        for _ in 0..4 {
            let mut c = store.pool().acquire().await.expect("connection");
            let r = sqlx::query(sql).fetch_one(&mut *c).await.expect("query");
            assert!(full(r).expect("value"), "{:?}: a pooled connection commits without a full sync", store.backend());
            held.push(c);
        }
        drop(held);
        let mut tx = store.begin().await.expect("begin");
        let r = sqlx::query(sql).fetch_one(&mut *tx).await.expect("query");
        assert!(full(r).expect("value"), "{:?}: a transaction commits without a full sync", store.backend());
    }
}

/// The operator's queue comes a page at a time, oldest first, with the whole count.
#[tokio::test]
async fn the_application_queue_is_paged() {
    use hoshi_store::{assessments, registry};
    for store in testing::all().await {
        let mut tx = store.begin().await.expect("begin");
        let org = orgs::insert(&mut tx, &new_org("5010001008846"), 1).await.expect("org");
        let u = users::insert(&mut tx, "queue@example.jp", "Q", "hash", 1).await.expect("user");
        let a = assessments::insert(
            &mut tx,
            &assessments::Assessment {
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
                employees: 1,
                pcs: 1,
                servers: 1,
                sites: 1,
                cloud_services: 1,
                hourly_rate_yen: 1,
                overhead_percent: 0,
                status: "confirmed".into(),
                locked_at: Some(1),
                created_by: u.id,
                created_at: 1,
                updated_at: 1,
                purpose: "initial".into(),
            },
        )
        .await
        .expect("assessment");
        let mut ids = Vec::new();
        for i in 0..60 {
            let app = registry::Application {
                id: 0,
                org_id: org.id,
                assessment_id: a.id,
                level: 3,
                status: if i % 10 == 9 { "refused" } else { "submitted" }.into(),
                reason: String::new(),
                submitted_by: u.id,
                submitted_at: i,
                decided_by: None,
                decided_at: None,
                serial: None,
                checked_by: None,
                checked_at: None,
                check_note: String::new(),
                previous_serial: None,
            };
            ids.push(registry::insert_application(&mut tx, &app).await.expect("application").id);
        }
        let (first, total) = registry::applications_with_status(&mut tx, "submitted", 50, 0).await.expect("page 1");
        assert_eq!((first.len(), total), (50, 54), "{:?}", store.backend());
        let (rest, _) = registry::applications_with_status(&mut tx, "submitted", 50, 50).await.expect("page 2");
        assert_eq!(rest.len(), 4);
        let all: Vec<i64> = first.iter().chain(&rest).map(|a| a.id).collect();
        assert!(all.windows(2).all(|w| w[0] < w[1]), "oldest first, no repeats across pages");
    }
}

/// The embedded database (password hashes, evidence, the log) is readable by its owner only,
/// its write-ahead files included, and a folder created earlier with looser modes is tightened.
#[cfg(unix)]
#[tokio::test]
async fn the_database_files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("hoshi-perm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("hoshi.db"), b"").expect("an existing, world-readable file");
    std::fs::set_permissions(dir.join("hoshi.db"), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let store = hoshi_store::Store::open_dir(&dir).await.expect("open");
    store.migrate().await.expect("migrate");
    let mut tx = store.begin().await.expect("tx");
    users::insert(&mut tx, "perm@example.jp", "p", "x", 1).await.expect("a write, so the WAL exists");
    tx.commit().await.expect("commit");
    for f in ["hoshi.db", "hoshi.db-wal", "hoshi.db-shm"] {
        let mode = std::fs::metadata(dir.join(f)).expect(f).permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f} is {mode:o}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
