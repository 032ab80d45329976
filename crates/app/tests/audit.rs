//! Issue 13: the audit trail of privileged actions, on both databases. Each action leaves one
//! entry in its own transaction; the operator searches them; the database refuses to edit or
//! remove them, and an insider who gets past that breaks the chain where they edited.

use std::sync::Arc;

use hoshi_app::audit::AuditFilter;
use hoshi_app::demo::DEMO_PASSWORD;
use hoshi_app::{App, AppError, FixedClock};
use hoshi_core::audit::Action;
use hoshi_store::testing;

async fn count(app: &App, op: &hoshi_app::Actor, action: Action) -> i64 {
    let f = AuditFilter { action: Some(action.key().into()), ..AuditFilter::default() };
    app.audit_trail(op, &f, 0).await.expect("trail").total
}

#[tokio::test]
async fn privileged_actions_are_recorded_searchable_and_unchangeable() {
    for store in testing::all().await {
        let app = App::new(store.clone(), Arc::new(FixedClock::new(1_780_000_000)));
        app.seed_demo().await.expect("seed");
        let op = app.sign_in("registry@ipa-demo.example", DEMO_PASSWORD, "t").await.expect("operator").actor;
        let supplier = app.sign_in("owner@mikawa-seiki.example", DEMO_PASSWORD, "t").await.expect("supplier").actor;

        // The demo world was built through the same use cases: its issues are in the trail.
        assert!(count(&app, &op, Action::CertificateIssued).await >= 1);
        assert!(count(&app, &op, Action::OrgCreated).await >= 12);

        let serial: String =
            hoshi_store::sqlx::query_scalar("SELECT serial FROM certificates WHERE state = 'active' ORDER BY serial LIMIT 1")
                .fetch_one(store.pool())
                .await
                .expect("an active certificate");
        let before = count(&app, &op, Action::CertificateSuspended).await;
        app.change_certificate(&op, &serial, "suspend", "other", "調査のため").await.expect("suspend");
        app.change_certificate(&op, &serial, "reinstate", "", "").await.expect("reinstate");
        assert_eq!(count(&app, &op, Action::CertificateSuspended).await, before + 1);
        let found =
            app.audit_trail(&op, &AuditFilter { text: Some(serial.clone()), ..AuditFilter::default() }, 0).await.expect("search by serial");
        let newest = &found.entries[0];
        assert_eq!(newest.action, Action::CertificateReinstated.key(), "newest first");
        assert_eq!(found.entries[1].action, Action::CertificateSuspended.key());
        assert!(found.entries[1].actor.contains("registry@ipa-demo.example") && found.entries[1].detail.contains("調査のため"));
        // A refused change leaves nothing behind.
        let total = app.audit_trail(&op, &AuditFilter::default(), 0).await.expect("all").total;
        assert!(app.change_certificate(&op, &serial, "reinstate", "", "").await.is_err());
        assert_eq!(app.audit_trail(&op, &AuditFilter::default(), 0).await.expect("all").total, total);
        // Words are words: a `%` or `_` matches itself, not everything.
        let pct = app.audit_trail(&op, &AuditFilter { text: Some("%".into()), ..AuditFilter::default() }, 0).await.expect("search");
        assert_eq!(pct.total, 0);
        // A time range.
        let later = AuditFilter { from: Some(1_780_000_001), ..AuditFilter::default() };
        assert_eq!(app.audit_trail(&op, &later, 0).await.expect("range").total, 0);

        // Only the operator reads it.
        assert!(matches!(app.audit_trail(&supplier, &AuditFilter::default(), 0).await, Err(AppError::Forbidden(_))));

        // The chain verifies; the database refuses edits and removals.
        assert_eq!(app.verify_audit_trail().await.expect("verifies"), total as u64);
        for sql in ["UPDATE audit_log SET target = 'x' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 1"] {
            let refused = hoshi_store::sqlx::query(sql).execute(store.pool()).await;
            assert!(refused.is_err_and(|e| e.to_string().contains("append-only")), "{sql} must be refused");
        }
        // Past the guard, an insider's edit and removal are found, and where.
        testing::drop_append_only_guards(&store).await;
        hoshi_store::sqlx::query("UPDATE audit_log SET detail = '{}' WHERE seq = 2").execute(store.pool()).await.expect("edit");
        let broken = app.verify_audit_trail().await;
        assert!(matches!(&broken, Err(AppError::Conflict(m)) if m.en.contains("entry 2 does not match")), "{broken:?}");
        hoshi_store::sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(store.pool()).await.expect("remove");
        let broken = app.verify_audit_trail().await;
        assert!(matches!(&broken, Err(AppError::Conflict(m)) if m.en.contains("entry 2 is missing")), "{broken:?}");
    }
}

fn input_from(org: &hoshi_store::orgs::Org, name_ja: &str) -> hoshi_app::accounts::OrgInput {
    hoshi_app::accounts::OrgInput {
        corporate_number: org.corporate_number.to_string(),
        name_ja: name_ja.into(),
        name_en: org.name_en.clone(),
        prefecture: org.prefecture.name_ja().into(),
        address: "新しい住所 1-2-3".into(),
        industry: org.industry.key().into(),
        employees: org.employees.map(|e| e.to_string()).unwrap_or_default(),
        capital_yen: org.capital_yen.map(|e| e.to_string()).unwrap_or_default(),
    }
}

/// Issue 13: a certified company renamed itself on the public registry while its certificate
/// kept the old name. Now the name waits for the operator; the rest of the profile does not.
#[tokio::test]
async fn a_certified_companys_new_name_waits_for_the_operator() {
    for store in testing::all().await {
        let app = App::new(store.clone(), Arc::new(FixedClock::new(1_780_000_000)));
        app.seed_demo().await.expect("seed");
        let op = app.sign_in("registry@ipa-demo.example", DEMO_PASSWORD, "t").await.expect("operator").actor;
        let cn: String = hoshi_store::sqlx::query_scalar(
            "SELECT o.corporate_number FROM certificates c JOIN organizations o ON o.id = c.org_id WHERE c.state = 'active' ORDER BY c.serial LIMIT 1",
        )
        .fetch_one(store.pool())
        .await
        .expect("a certified company");
        let email = hoshi_app::demo::WORLD.iter().find(|d| d.corporate_number().to_string() == cn).expect("demo login").email;
        let admin = app.sign_in(email, DEMO_PASSWORD, "t").await.expect("admin").actor;
        let number = hoshi_core::CorporateNumber::parse(&cn).expect("cn");
        let certified = app.registry_company(&number).await.expect("company").name_ja;

        let saved = app.update_org(&admin, admin.org.id, &input_from(&admin.org, "改名株式会社")).await.expect("saved");
        assert_eq!(saved.name_ja, certified, "the name stays");
        assert_eq!(saved.address, "新しい住所 1-2-3", "the rest of the profile changes at once");
        assert_eq!(app.registry_company(&number).await.expect("company").name_ja, certified, "the registry shows the certified name");
        let pending = app.pending_name_change(&admin).await.expect("pending").expect("a request");
        assert_eq!(pending.name_ja, "改名株式会社");
        // A second request replaces the first; the queue shows one.
        app.update_org(&admin, admin.org.id, &input_from(&admin.org, "再改名株式会社")).await.expect("again");
        let queue = app.name_change_queue(&op).await.expect("queue");
        assert_eq!(queue.iter().filter(|(c, _)| c.org_id == admin.org.id).count(), 1);
        let id = queue.iter().find(|(c, _)| c.org_id == admin.org.id).expect("queued").0.id;
        assert!(matches!(app.name_change_queue(&admin).await, Err(AppError::Forbidden(_))), "only the operator decides");
        assert!(matches!(app.decide_name_change(&op, id, false, " ").await, Err(AppError::Invalid { .. })), "a rejection needs a reason");
        app.decide_name_change(&op, id, true, "").await.expect("approve");
        assert_eq!(app.registry_company(&number).await.expect("company").name_ja, "再改名株式会社");
        assert!(app.pending_name_change(&admin).await.expect("none").is_none());
        assert!(matches!(app.decide_name_change(&op, id, true, "").await, Err(AppError::Conflict(_))), "decided once");
        for action in [Action::NameChangeRequested, Action::NameChangeDecided] {
            assert!(count(&app, &op, action).await >= 1, "{action:?} is in the audit trail");
        }

        // An organisation nobody has checked or certified renames itself at once.
        let reg = hoshi_app::accounts::Registration {
            org: hoshi_app::accounts::OrgInput { corporate_number: "6000012050003".into(), ..input_from(&admin.org, "新規株式会社") },
            roles: vec!["supplier".into()],
            display_name: "代表".into(),
            email: "new@rename.example".into(),
            password: "long-enough-pw".into(),
        };
        let fresh = app.register(&reg).await.expect("register").actor;
        let renamed = app.update_org(&fresh, fresh.org.id, &input_from(&fresh.org, "別名株式会社")).await.expect("rename");
        assert_eq!(renamed.name_ja, "別名株式会社");
    }
}
