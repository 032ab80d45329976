//! The account use cases on both databases: registration, sign-in, invitations, tokens, and
//! the checks that keep organisations apart.

use std::sync::Arc;

use hoshi_app::accounts::{OrgInput, Registration};
use hoshi_app::{App, AppError, FixedClock};
use hoshi_store::testing;

fn registration(cn: &str, email: &str, roles: &[&str]) -> Registration {
    Registration {
        org: OrgInput {
            corporate_number: cn.into(),
            name_ja: "試験株式会社".into(),
            name_en: "Shiken K.K.".into(),
            prefecture: "東京".into(),
            address: String::new(),
            industry: "retail".into(),
            employees: "40".into(),
            capital_yen: "¥30,000,000".into(),
        },
        roles: roles.iter().map(|s| s.to_string()).collect(),
        display_name: "代表".into(),
        email: email.into(),
        password: "long-enough-password".into(),
    }
}

async fn apps() -> Vec<(App, Arc<FixedClock>)> {
    let mut out = Vec::new();
    for store in testing::all().await {
        let clock = Arc::new(FixedClock::new(1_790_000_000));
        out.push((App::new(store, clock.clone()), clock));
    }
    out
}

#[tokio::test]
async fn registration_creates_an_admin_and_refuses_duplicates_and_reserved_roles() {
    for (app, _) in apps().await {
        let signed = app.register(&registration("7000012050002", "Boss@Shiken.example", &["supplier", "buyer"])).await.expect("register");
        assert!(signed.actor.is_admin());
        assert_eq!(signed.actor.email, "boss@shiken.example");
        assert_eq!(signed.actor.org.capital_yen, Some(30_000_000));
        assert_eq!(signed.actor.org.prefecture.name_ja(), "東京都");
        let dup = app.register(&registration("7-0000-1205-0002", "other@shiken.example", &["supplier"])).await;
        assert!(matches!(&dup, Err(AppError::Conflict(m)) if m.en.contains("already registered")), "{dup:?}");
        let dup_email = app.register(&registration("1000000000008", "boss@shiken.example", &["supplier"])).await;
        assert!(matches!(dup_email, Err(AppError::Conflict(_)) | Err(AppError::Invalid { .. })), "{dup_email:?}");
        let reserved = app.register(&registration("2000000000007", "reg@x.example", &["registry_operator"])).await;
        assert!(matches!(reserved, Err(AppError::Invalid { ref field, .. }) if field == "roles"), "{reserved:?}");
        let none = app.register(&registration("3000000000006", "none@x.example", &[])).await;
        assert!(matches!(none, Err(AppError::Invalid { ref field, .. }) if field == "roles"));
        let short = Registration { password: "short".into(), ..registration("4000000000005", "pw@x.example", &["supplier"]) };
        assert!(matches!(app.register(&short).await, Err(AppError::Invalid { ref field, .. }) if field == "password"));
        // Nothing half-written: the refused registrations left no organisation behind.
        assert_eq!(app.admin_list_orgs().await.expect("orgs").len(), 1);
    }
}

#[tokio::test]
async fn sessions_expire_and_tokens_are_scoped_to_their_organisation() {
    for (app, clock) in apps().await {
        let a = app.register(&registration("7000012050002", "a@a.example", &["buyer"])).await.expect("a");
        let b = app.register(&registration("1000000000008", "b@b.example", &["supplier"])).await.expect("b");
        assert_eq!(app.session_actor(&a.session_token).await.expect("live").org.id, a.actor.org.id);
        let (_, tok) = app.create_token(&a.actor, "nightly", "read").await.expect("token");
        let via_token = app.token_actor(&tok).await.expect("token works");
        assert!(via_token.require_write().is_err(), "a read-only token cannot write");
        assert!(via_token.require_admin().is_err(), "tokens never act as administrators");
        assert!(matches!(app.org_view(&a.actor, b.actor.org.id).await, Err(AppError::NotFound(_))));
        assert!(matches!(app.list_tokens(&b.actor, a.actor.org.id).await, Err(AppError::NotFound(_))));
        clock.advance(hoshi_app::accounts::SESSION_SECS + 1);
        assert!(matches!(app.session_actor(&a.session_token).await, Err(AppError::Unauthenticated)));
        assert!(app.token_actor(&tok).await.is_ok(), "tokens do not expire with sessions");
    }
}

#[tokio::test]
async fn sign_in_gives_the_same_answer_for_any_failure_and_password_reset_ends_sessions() {
    for (app, _) in apps().await {
        let a = app.register(&registration("7000012050002", "a@a.example", &["buyer"])).await.expect("a");
        let wrong_pw = app.sign_in("a@a.example", "not-the-password", "c1").await.expect_err("refused");
        let no_user = app.sign_in("nobody@a.example", "long-enough-password", "c2").await.expect_err("refused");
        assert_eq!(wrong_pw.message(false), no_user.message(false));
        assert_eq!(wrong_pw.message(true), no_user.message(true));
        let s = app.sign_in(" A@A.EXAMPLE ", "long-enough-password", "c1").await.expect("case and spaces do not matter");
        app.admin_reset_password("a@a.example", "a-new-long-password").await.expect("reset");
        assert!(app.session_actor(&s.session_token).await.is_err());
        assert!(app.session_actor(&a.session_token).await.is_err());
        assert!(app.sign_in("a@a.example", "a-new-long-password", "c1").await.is_ok());
    }
}

#[tokio::test]
async fn invitations_are_for_admins_and_accepted_once() {
    for (app, clock) in apps().await {
        let a = app.register(&registration("7000012050002", "a@a.example", &["buyer"])).await.expect("a");
        let (_, token) = app.invite(&a.actor, "colleague@a.example", "member").await.expect("invite");
        let joined = app.accept_invitation(&token, "同僚", "colleague-password").await.expect("accept");
        assert!(!joined.actor.is_admin());
        assert!(app.invite(&joined.actor, "x@a.example", "member").await.is_err(), "members cannot invite");
        assert!(matches!(app.accept_invitation(&token, "again", "colleague-password").await, Err(AppError::NotFound(_))));
        assert!(matches!(app.invite(&a.actor, "colleague@a.example", "member").await, Err(AppError::Conflict(_))));
        let (_, late) = app.invite(&a.actor, "late@a.example", "admin").await.expect("invite");
        clock.advance(hoshi_app::accounts::INVITATION_SECS + 1);
        assert!(matches!(app.accept_invitation(&late, "遅刻", "late-person-password").await, Err(AppError::NotFound(_))));
    }
}

#[tokio::test]
async fn the_demo_world_seeds_once_with_every_role() {
    for (app, _) in apps().await {
        assert_eq!(app.seed_demo().await.expect("seed"), hoshi_app::demo::WORLD.len());
        assert_eq!(app.seed_demo().await.expect("again"), 0);
        let orgs = app.admin_list_orgs().await.expect("orgs");
        for role in hoshi_core::org::OrgRole::ALL {
            assert!(orgs.iter().any(|o| o.roles.contains(role)), "no demo organisation plays {role}");
        }
        for d in hoshi_app::demo::WORLD {
            app.sign_in(d.email, hoshi_app::demo::DEMO_PASSWORD, "demo").await.expect("every demo login works");
        }
    }
}

/// Issue 13: a name is kept in NFC, and one with an invisible or direction-changing character
/// (what lets `ACME\u{202E}moc.evil` read as another company) is refused with the field named.
#[tokio::test]
async fn names_are_normalised_and_hidden_characters_refused() {
    for (app, _) in apps().await {
        let mut spoof = registration("7000012050002", "spoof@x.example", &["supplier"]);
        spoof.org.name_en = "ACME\u{202E}moc.evil".into();
        let r = app.register(&spoof).await;
        assert!(matches!(&r, Err(AppError::Invalid { field, .. }) if field == "name_en"), "{r:?}");
        let mut zw = registration("7000012050002", "zw@x.example", &["supplier"]);
        zw.display_name = "代\u{200B}表".into();
        assert!(matches!(app.register(&zw).await, Err(AppError::Invalid { ref field, .. }) if field == "display_name"));
        let mut nfd = registration("7000012050002", "nfd@x.example", &["supplier"]);
        nfd.org.name_ja = "カ\u{3099}ス株式会社".into();
        let signed = app.register(&nfd).await.expect("register");
        assert_eq!(signed.actor.org.name_ja, "ガス株式会社", "kept in NFC");
    }
}

/// Issue 13: sign-in limits reset on restart. Now they are counted in the database: a new
/// process on the same database (a restart, or another replica) still refuses the sprayer, and
/// the database holds no address or e-mail behind the counts.
#[tokio::test]
async fn sign_in_limits_survive_a_restart_and_store_no_addresses() {
    for store in hoshi_store::testing::all().await {
        let clock = std::sync::Arc::new(hoshi_app::FixedClock::new(1_780_000_000));
        let first = hoshi_app::App::new(store.clone(), clock.clone());
        let limit = hoshi_app::limiter::ADDRESS.refuse_after.expect("a limit");
        for i in 0..limit {
            let r = first.sign_in(&format!("nobody{i}@spray.example"), "wrong-password", "203.0.113.1").await;
            assert!(matches!(r, Err(hoshi_app::AppError::Invalid { .. })), "{r:?}");
        }
        let restarted = hoshi_app::App::new(store.clone(), clock.clone());
        let r = restarted.sign_in("someone@spray.example", "wrong-password", "203.0.113.1").await;
        assert!(matches!(r, Err(hoshi_app::AppError::TooManyAttempts(s)) if s > 0), "{r:?}");
        let elsewhere = restarted.sign_in("someone@spray.example", "wrong-password", "198.51.100.2").await;
        assert!(matches!(elsewhere, Err(hoshi_app::AppError::Invalid { .. })), "another address is not held back: {elsewhere:?}");
        let keys: Vec<String> =
            hoshi_store::sqlx::query_scalar("SELECT key FROM sign_in_failures").fetch_all(store.pool()).await.expect("keys");
        assert!(!keys.is_empty() && keys.iter().all(|k| k.len() == 64 && !k.contains('@') && !k.contains("203.0")), "{keys:?}");
        // The window passes: let in again.
        clock.advance(hoshi_app::limiter::WINDOW + 1);
        let later = restarted.sign_in("someone@spray.example", "wrong-password", "203.0.113.1").await;
        assert!(matches!(later, Err(hoshi_app::AppError::Invalid { .. })), "{later:?}");
    }
}
