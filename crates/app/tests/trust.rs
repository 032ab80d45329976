//! The trust behind a certificate, on both databases: organisations verified by the operator,
//! experts and assessment bodies approved before they may act, applications refused when the
//! attesting provider was not (or is no longer) approved, the operator's check and the ★4
//! nonconformity rule before issuing, findings that reach the supplier, claims on a number.

use std::sync::Arc;

use hoshi_app::assessment::{CONFIRMATION, THIRD_PARTY};
use hoshi_app::demo::{DEMO_PASSWORD, WORLD};
use hoshi_app::trust::AccreditationInput;
use hoshi_app::{Actor, App, AppError, FixedClock};
use hoshi_core::org::{Industry, MemberRole, OrgRole, Prefecture};
use hoshi_core::{CorporateNumber, Level};
use hoshi_store::orgs::NewOrg;
use hoshi_store::testing;

fn cn(email: &str) -> CorporateNumber {
    WORLD.iter().find(|d| d.email == email).map(|d| d.corporate_number()).expect("demo org")
}

async fn login(app: &App, email: &str) -> Actor {
    app.sign_in(email, DEMO_PASSWORD, "t").await.expect("login").actor
}

async fn new_org(app: &App, base: u64, roles: Vec<OrgRole>, email: &str) -> (CorporateNumber, Actor) {
    let mut digits = [0u8; 12];
    for (d, c) in digits.iter_mut().zip(format!("{base:012}").bytes()) {
        *d = c - b'0';
    }
    let number = CorporateNumber::from_base(&digits).expect("digits");
    app.admin_create_org(&NewOrg {
        corporate_number: number,
        name_ja: format!("新規{base}"),
        name_en: format!("New {base}"),
        prefecture: Prefecture::parse("愛知県").expect("pref"),
        address: String::new(),
        industry: Industry::Other,
        employees: Some(5),
        capital_yen: None,
        roles,
    })
    .await
    .expect("org");
    app.admin_add_user(email, "担当 太郎", DEMO_PASSWORD, &number, MemberRole::Admin).await.expect("user");
    (number, login(app, email).await)
}

async fn answered(app: &App, supplier: &Actor, target: Level) -> i64 {
    let a = app.start_assessment(supplier, &target.get().to_string(), "department", "生産技術部").await.expect("start");
    let v = app.assessment(supplier, a.id).await.expect("view");
    for c in v.edition.criteria_up_to(target) {
        app.answer(supplier, a.id, &c.id, "met", "", "").await.expect("answer");
    }
    a.id
}

async fn confirm_with(app: &App, supplier: &Actor, expert: &Actor, expert_cn: &CorporateNumber) -> i64 {
    let id = answered(app, supplier, Level::THREE).await;
    let e = app.engage(supplier, id, &expert_cn.to_string(), CONFIRMATION, "").await.expect("engage");
    let v = app.assessment(supplier, id).await.expect("view");
    for c in v.edition.criteria_up_to(Level::THREE) {
        app.review(expert, e.id, &c.id, "agree", "", false).await.expect("review");
    }
    app.sign_pledge(supplier, id, "代表", "代表取締役").await.expect("pledge");
    app.confirm(expert, e.id, "").await.expect("confirm");
    id
}

#[tokio::test]
async fn a_self_declared_expert_cannot_confirm_until_verified_and_approved() {
    for store in testing::all().await {
        let app = App::new(store, Arc::new(FixedClock::new(1_795_651_200)));
        app.seed_demo_orgs_only().await.expect("seed");
        let operator = login(&app, "registry@ipa-demo.example").await;
        let supplier = login(&app, "owner@kariya-press.example").await;
        let (ecn, expert) = new_org(&app, 170_000_000_001, vec![OrgRole::Expert], "new@expert.example").await;
        app.update_expert_profile(
            &expert,
            &hoshi_app::assessment::ExpertProfileInput { qualification: "情報処理安全確保支援士".into(), ..Default::default() },
        )
        .await
        .expect("profile");
        let offered = |app: App| async move { app.expert_directory().await.expect("dir").iter().any(|(_, o)| o.corporate_number == ecn) };
        assert!(!offered(app.clone()).await, "a self-declared expert is not offered to suppliers");
        let id = answered(&app, &supplier, Level::THREE).await;
        let e = app.engage(&supplier, id, &ecn.to_string(), CONFIRMATION, "").await;
        assert!(matches!(e, Err(AppError::Forbidden(_))), "{e:?}");

        // Applying needs a number and the training; approving needs the organisation verified.
        let missing = app.apply_accreditation(&expert, &AccreditationInput { qualification: "支援士".into(), ..Default::default() }).await;
        assert!(matches!(missing, Err(AppError::Invalid { ref field, .. }) if field == "number"), "{missing:?}");
        let input = AccreditationInput {
            qualification: "情報処理安全確保支援士".into(),
            number: "123456".into(),
            training_completed_on: "2026-05-01".into(),
            ..Default::default()
        };
        app.apply_accreditation(&expert, &input).await.expect("apply");
        assert!(!offered(app.clone()).await, "applied is not approved");
        let early = app.decide_accreditation(Some(&operator), &ecn, None, "approve", "", "").await;
        assert!(matches!(early, Err(AppError::Forbidden(_))), "an unverified organisation cannot be approved: {early:?}");
        assert!(app.decide_accreditation(Some(&supplier), &ecn, None, "approve", "", "").await.is_err(), "only the operator decides");
        app.verify_org(Some(&operator), &ecn, true, "登記事項証明書 2026-11-20発行", None).await.expect("verify");
        app.decide_accreditation(Some(&operator), &ecn, None, "approve", "", "").await.expect("approve");
        assert!(offered(app.clone()).await, "approved and verified: offered");
        assert_eq!(
            app.provider_directory("123456", "", None).await.expect("directory").len(),
            1,
            "the public directory finds it by number"
        );

        let id = confirm_with(&app, &supplier, &expert, &ecn).await;
        let application = app.apply(&supplier, id).await.expect("apply");
        let unchecked = app.decide(&operator, application.id, true, "").await;
        assert!(
            matches!(&unchecked, Err(AppError::Invalid { message, .. }) if message.en.contains("check of the dossier")),
            "{unchecked:?}"
        );
        let d = app.dossier(&operator, application.id).await.expect("dossier");
        assert!(d.attested_while_approved && d.verification.verified.is_some());
        assert_eq!(d.provider.as_ref().map(|p| p.accreditation.number.as_str()), Some("123456"));
        app.record_check(&operator, application.id, "回答・除外・誓約・確認者の承認を確認").await.expect("check");
        let serial = app.decide(&operator, application.id, true, "").await.expect("issue").serial.expect("serial");
        let (c, _) = app.registry_certificate(&serial).await.expect("cert");
        assert_eq!(c.scope, "部門: 生産技術部");
        assert!(c.attestation.contains("123456") && c.attestation.contains("ExpertConfirmation"), "{}", c.attestation);
        let payload = hoshi_ledger::jws::verify(&c.jws, &app.jwks().await.expect("jwks")).expect("verifies").payload;
        assert_eq!(payload["credentialSubject"]["attestedBy"]["number"], "123456");
        assert_eq!(payload["credentialSubject"]["scopeDescription"]["en"], "Department: 生産技術部");
    }
}

#[tokio::test]
async fn an_unverified_supplier_cannot_apply() {
    for store in testing::all().await {
        let app = App::new(store, Arc::new(FixedClock::new(1_795_651_200)));
        app.seed_demo_orgs_only().await.expect("seed");
        let expert = login(&app, "expert@suzuki-sec.example").await;
        let (_, supplier) = new_org(&app, 170_000_000_002, vec![OrgRole::Supplier], "new@supplier.example").await;
        let id = confirm_with(&app, &supplier, &expert, &cn("expert@suzuki-sec.example")).await;
        let r = app.apply(&supplier, id).await;
        assert!(matches!(&r, Err(AppError::Forbidden(m)) if m.en.contains("not been verified")), "{r:?}");
    }
}

#[tokio::test]
async fn confirmations_by_withdrawn_or_expired_providers_are_refused_and_logged() {
    for store in testing::all().await {
        let clock = Arc::new(FixedClock::new(1_795_651_200));
        let app = App::new(store, clock.clone());
        app.seed_demo_orgs_only().await.expect("seed");
        let operator = login(&app, "registry@ipa-demo.example").await;
        let expert = login(&app, "expert@suzuki-sec.example").await;
        let supplier = login(&app, "owner@kariya-press.example").await;
        let ecn = cn("expert@suzuki-sec.example");
        let id = confirm_with(&app, &supplier, &expert, &ecn).await;
        clock.advance(86_400);
        app.decide_accreditation(Some(&operator), &ecn, None, "withdraw", "", "").await.expect_err("a withdrawal needs a reason");
        app.decide_accreditation(Some(&operator), &ecn, None, "withdraw", "登録番号の失効", "").await.expect("withdraw");
        let r = app.apply(&supplier, id).await;
        assert!(matches!(&r, Err(AppError::Invalid { message, .. }) if message.en.contains("withdrawn")), "{r:?}");
        assert!(app.engage(&supplier, answered(&app, &supplier, Level::THREE).await, &ecn.to_string(), CONFIRMATION, "").await.is_err());
        // The approval and the withdrawal are entries in the log.
        app.sequence().await.expect("sequence");
        let tiles = app.all_tiles().await.expect("tiles");
        let entries: String =
            tiles.iter().filter(|(p, _)| p.starts_with("tile/entries")).map(|(_, b)| String::from_utf8_lossy(b).into_owned()).collect();
        assert!(
            entries.contains("\"event\":\"approved\"") && entries.contains("\"event\":\"withdrawn\"") && entries.contains("登録番号の失効")
        );

        // Approved again, it confirms; a year on its approval has expired and the application is refused.
        app.decide_accreditation(Some(&operator), &ecn, None, "approve", "", "").await.expect("approve again");
        let other = login(&app, "owner@toyohashi-kinzoku.example").await;
        let id = confirm_with(&app, &other, &expert, &ecn).await;
        clock.advance(370 * 86_400);
        let r = app.apply(&other, id).await;
        assert!(matches!(&r, Err(AppError::Invalid { message, .. }) if message.en.contains("expired")), "{r:?}");
        assert!(app.expire_due().await.expect("expire") >= 1, "the expiry is recorded");
        let p = app.providers(Some(&operator)).await.expect("providers");
        assert!(p.iter().any(|p| p.org.corporate_number == ecn && p.state == hoshi_core::accreditation::State::Expired));
    }
}

#[tokio::test]
async fn an_open_nonconformity_blocks_issuing_until_corrected_and_resolved() {
    for store in testing::all().await {
        let app = App::new(store, Arc::new(FixedClock::new(1_795_651_200)));
        app.seed_demo_orgs_only().await.expect("seed");
        let operator = login(&app, "registry@ipa-demo.example").await;
        let body = login(&app, "assessor@chubu-cyber.example").await;
        let supplier = login(&app, "owner@hamamatsu-denso.example").await;
        let id = answered(&app, &supplier, Level::FOUR).await;
        let e = app.engage(&supplier, id, &cn("assessor@chubu-cyber.example").to_string(), THIRD_PARTY, "").await.expect("engage");
        let v = app.assessment(&body, id).await.expect("view");
        for c in v.edition.criteria_up_to(Level::FOUR) {
            let pos = if c.id == "4-4-3-1" { "minor" } else { "conforms" };
            app.review(&body, e.id, &c.id, pos, if pos == "minor" { "ログの保存期間が不足" } else { "" }, false).await.expect("review");
        }
        // The supplier sees the finding as a thread on its assessment.
        let mine = app.assessment(&supplier, id).await.expect("own");
        assert!(mine.findings.iter().any(|n| n.criterion == "4-4-3-1" && n.body.contains("ログの保存期間")), "{:?}", mine.findings);
        assert!(app.reply_to_finding(&supplier, id, e.id, "4-4-3-1", "保存期間を1年にする", "").await.is_err(), "a due date is needed");
        app.reply_to_finding(&supplier, id, e.id, "4-4-3-1", "保存期間を1年にする", "2099-01-31").await.expect("corrective action");
        app.record_technical_verification(&body, e.id, "外部脆弱性診断", "2026-11-01", "passed", "").await.expect("tv");
        app.confirm(&body, e.id, "").await.expect("complete");
        let application = app.apply(&supplier, id).await.expect("apply");
        let r = app.decide(&operator, application.id, true, "確認済み").await;
        assert!(matches!(&r, Err(AppError::Invalid { message, .. }) if message.en.contains("Nonconformities are still open")), "{r:?}");
        assert!(app.resolve_finding(&supplier, e.id, "4-4-3-1", "").await.is_err(), "only the assessor resolves");
        app.resolve_finding(&body, e.id, "4-4-3-1", "是正を確認").await.expect("resolve");
        // The refused attempt recorded nothing (its transaction rolled back): the check comes with this one.
        let serial = app.decide(&operator, application.id, true, "確認済み").await.expect("issue").serial.expect("serial");
        let (c, _) = app.registry_certificate(&serial).await.expect("cert");
        assert_eq!(c.level, 4);
        assert!(c.attestation.contains("ThirdPartyAssessment") && c.attestation.contains("SCS-AB-0001"), "{}", c.attestation);
    }
}

#[tokio::test]
async fn a_taken_number_can_be_claimed_and_the_record_shows_it() {
    for store in testing::all().await {
        let app = App::new(store, Arc::new(FixedClock::new(1_795_651_200)));
        app.seed_demo_orgs_only().await.expect("seed");
        let operator = login(&app, "registry@ipa-demo.example").await;
        let (number, squatter) = new_org(&app, 170_000_000_003, vec![OrgRole::Supplier], "squat@example.com").await;
        app.verify_org(Some(&operator), &number, true, "（誤って）確認", None).await.expect("verify");
        let c = app.file_claim(&number.to_string(), "本物 花子", "real@company.example", "当社の法人番号です", None).await.expect("claim");
        assert!(app.resolve_claim(&squatter, c.id, true, "x").await.is_err(), "only the operator resolves");
        let token = app.resolve_claim(&operator, c.id, true, "登記事項証明書で本物と確認").await.expect("resolve").expect("invitation");
        assert!(app.sign_in("squat@example.com", DEMO_PASSWORD, "t").await.is_err(), "the squatter lost access");
        let (inv, org) = app.invitation(&token).await.expect("invitation");
        assert_eq!((inv.email.as_str(), org.corporate_number), ("real@company.example", number));
        assert!(!app.is_verified(org.id).await.expect("verified?"), "verification withdrawn until checked again");
        let claims = app.verification_queue(&operator).await.expect("queue");
        assert!(claims.iter().any(|(o, _)| o.corporate_number == number));
    }
}

#[tokio::test]
async fn the_queue_puts_documents_first_and_a_double_provider_needs_its_kind() {
    for store in testing::all().await {
        let app = App::new(store, Arc::new(FixedClock::new(1_795_651_200)));
        app.seed_demo_orgs_only().await.expect("seed");
        let operator = login(&app, "registry@ipa-demo.example").await;
        let (plain, _) = new_org(&app, 170_000_000_004, vec![OrgRole::Supplier], "plain@example.com").await;
        let (both, who) = new_org(&app, 170_000_000_005, vec![OrgRole::Expert, OrgRole::AssessmentBody], "both@example.com").await;
        app.upload_verification_document(&who, "touki.pdf", b"%PDF-1.4 touki").await.expect("document");
        let queue = app.verification_queue(&operator).await.expect("queue");
        assert_eq!(queue.first().map(|(o, d)| (o.corporate_number, d.len())), Some((both, 1)), "the one with a document first");
        assert!(queue.iter().any(|(o, d)| o.corporate_number == plain && d.is_empty()), "then the others");
        assert!(!queue.iter().any(|(o, _)| o.corporate_number == cn("owner@kariya-press.example")), "verified ones are not queued");
        app.verify_org(Some(&operator), &both, true, "登記事項証明書", queue[0].1.first().map(|d| d.sha256.as_str()))
            .await
            .expect("verify");
        for kind in ["expert", "assessment_body"] {
            let input = AccreditationInput {
                kind: kind.into(),
                qualification: "q".into(),
                number: "9".into(),
                training_completed_on: "2026-01-01".into(),
                ..Default::default()
            };
            app.apply_accreditation(&who, &input).await.expect("apply");
        }
        let r = app.decide_accreditation(Some(&operator), &both, None, "approve", "", "").await;
        assert!(matches!(&r, Err(AppError::Invalid { field, .. }) if field == "kind"), "{r:?}");
        let body = app
            .decide_accreditation(Some(&operator), &both, Some(hoshi_core::accreditation::Kind::AssessmentBody), "approve", "", "")
            .await
            .expect("approve");
        let days = (body.accreditation.valid_until.unwrap_or(0) - body.accreditation.valid_from.unwrap_or(0)) / 86_400;
        assert!((1094..=1096).contains(&days), "a body's designation runs three years ({days} days)");
    }
}
