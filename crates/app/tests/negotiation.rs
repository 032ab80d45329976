//! Cost sharing and the price negotiation on both databases: the supplier's plan from its
//! estimate, requests to two buyers, a counter-offer accepted, a missed response date escalated
//! to the regulator, the regulator's figures, and a tampered step caught by the chain.

use std::sync::Arc;

use hoshi_app::demo::{DEMO_PASSWORD, WORLD};
use hoshi_app::negotiation::{BuyerInput, PlanInput, StepInput, SELF_ID};
use hoshi_app::{Actor, App, AppError, FixedClock};
use hoshi_core::negotiation::{Ground, State};
use hoshi_core::Level;
use hoshi_store::testing;

const NOW: i64 = 1_795_651_200; // 2026-11-26

async fn login(app: &App, email: &str) -> Actor {
    app.sign_in(email, DEMO_PASSWORD, "t").await.expect("login").actor
}

fn cn(email: &str) -> String {
    WORLD.iter().find(|d| d.email == email).expect("demo org").corporate_number().to_string()
}

fn step(kind: &str) -> StepInput {
    StepInput { kind: kind.into(), ..Default::default() }
}

#[tokio::test]
async fn a_request_is_countered_accepted_escalated_and_audited() {
    for store in testing::all().await {
        let clock = Arc::new(FixedClock::new(NOW));
        let app = App::new(store.clone(), clock.clone());
        app.seed_demo_orgs_only().await.expect("seed");
        app.seed_demo_suppliers().await.expect("lists");
        let okazaki = login(&app, "owner@okazaki-jushi.example").await;
        let mikawa = login(&app, "owner@mikawa-seiki.example").await;
        let hamamatsu = login(&app, "owner@hamamatsu-denso.example").await;
        let tokai = login(&app, "buyer@tokai-motor.example").await;
        let jftc = login(&app, "regulator@jftc-demo.example").await;

        // An SME on its way to ★4 with gaps at both levels.
        let a = app.start_assessment(&okazaki, "4", "company", "").await.expect("start");
        let v = app.assessment(&okazaki, a.id).await.expect("view");
        for (i, c) in v.edition.criteria_up_to(Level::FOUR).enumerate() {
            app.answer(&okazaki, a.id, &c.id, if i % 4 == 0 { "not_met" } else { "met" }, "", "").await.expect("answer");
        }
        let sha = app.add_evidence(&okazaki, a.id, "4-4-5-1", "quote.pdf", b"%PDF-1.4 quote").await.expect("evidence");
        let input = PlanInput {
            assessment_id: a.id,
            rule: "weighted_airport".into(),
            buyers: vec![
                BuyerInput { buyer: cn("owner@mikawa-seiki.example"), weight_yen: 300_000_000, level: None, annual_units: Some(120_000) },
                BuyerInput { buyer: cn("owner@hamamatsu-denso.example"), weight_yen: 120_000_000, level: None, annual_units: None },
            ],
            revenue_yen: Some(600_000_000),
            ..Default::default()
        };
        let plan = app.sharing_plan(&okazaki, &input).await.expect("plan");
        assert_eq!(plan.shares.len(), 3, "two buyers and the supplier itself");
        assert_eq!(plan.shares[2].id, SELF_ID);
        assert_eq!(plan.shares[2].weight_yen, 180_000_000, "revenue not covered by the buyers asked");
        assert_eq!(plan.shares[0].level, 4, "Mikawa requires ★4 of Okazaki in Hoshi");
        let sum_one_off: u64 = plan.shares.iter().map(|s| s.one_off_yen.get()).sum();
        assert_eq!(sum_one_off, plan.total_one_off.get(), "shares add up to the yen");
        let sum_annual: u64 = plan.shares.iter().map(|s| s.annual_yen.get()).sum();
        assert_eq!(sum_annual, plan.total_annual.get());
        assert!(plan.total_one_off.get() > 0);
        assert!(plan.shares.iter().all(|s| !s.exceeds_stand_alone), "the airport rule never charges above stand-alone");
        // Proportional, for comparison: a big ★3 buyer ends up paying for ★4 work and is flagged.
        let proportional = PlanInput {
            rule: "proportional".into(),
            buyers: vec![BuyerInput {
                buyer: cn("buyer@tokai-motor.example"),
                weight_yen: 5_000_000_000,
                level: Some(3),
                annual_units: None,
            }],
            revenue_yen: Some(5_100_000_000),
            ..input.clone()
        };
        let p = app.sharing_plan(&okazaki, &proportional).await.expect("proportional plan");
        assert!(p.shares[0].exceeds_stand_alone, "{:?}", p.shares[0]);
        let mikawa_uplift = plan.shares[0].uplift.expect("uplift");
        assert!(mikawa_uplift.per_unit_yen.is_some() && mikawa_uplift.percent_of_purchases_bp.is_some());

        // Evidence must be the assessment's own.
        assert!(matches!(
            app.open_negotiations(&okazaki, &input, "", "", &["0".repeat(64)]).await,
            Err(AppError::Invalid { ref field, .. }) if field == "evidence"
        ));
        let ids = app
            .open_negotiations(&okazaki, &input, "セキュリティ投資分の価格への反映をお願いします。", "", std::slice::from_ref(&sha))
            .await
            .expect("open");
        assert_eq!(ids.len(), 2);
        let (m_id, h_id) = (ids[0], ids[1]);
        let n = app.negotiation(&mikawa, m_id).await.expect("buyer sees it");
        assert_eq!(n.response_due, "2026-12-26", "30 days by default");
        assert_eq!(n.request["uplift"]["annual_yen"], mikawa_uplift.annual_yen.get());
        assert!(n.request["allocation"].to_string().contains("another buyer"), "other buyers are not named");
        assert!(!n.request["allocation"].to_string().contains("浜松"), "{}", n.request["allocation"]);

        // Strangers see nothing; the regulator sees nothing before an escalation.
        assert!(matches!(app.negotiation(&tokai, m_id).await, Err(AppError::NotFound(_))));
        assert!(matches!(app.negotiation(&jftc, m_id).await, Err(AppError::NotFound(_))));
        assert!(app.negotiation_evidence(&mikawa, m_id, &sha).await.is_ok(), "the buyer may read attached evidence");

        // Mikawa counters; a decline needs a reason; Okazaki accepts the counter.
        assert!(matches!(
            app.negotiation_step(&mikawa, m_id, &StepInput { kind: "counter".into(), annual_yen: Some(100_000), ..Default::default() }).await,
            Err(AppError::Invalid { ref field, .. }) if field == "reason"
        ));
        let counter =
            StepInput { kind: "counter".into(), annual_yen: Some(100_000), reason: "初年度は半額で".into(), ..Default::default() };
        app.negotiation_step(&mikawa, m_id, &counter).await.expect("counter");
        assert!(app.negotiation_step(&mikawa, m_id, &step("accept")).await.is_err(), "the buyer cannot accept its own counter");
        clock.advance(86_400);
        app.negotiation_step(
            &okazaki,
            m_id,
            &StepInput { kind: "accept".into(), effective_from: "2027-04-01".into(), ..Default::default() },
        )
        .await
        .expect("accept");
        let n = app.negotiation(&okazaki, m_id).await.expect("view");
        assert_eq!(n.state, State::Agreed);
        assert_eq!((n.agreed_annual_yen, n.agreed_effective_from.as_deref()), (Some(100_000), Some("2027-04-01")));
        assert_eq!(n.steps.len(), 3);
        assert!(n.chain.is_ok());
        assert!(n.grounds.is_empty());

        // Hamamatsu never answers: after the response date the supplier may escalate.
        assert!(matches!(app.escalate(&okazaki, h_id, "").await, Err(AppError::Invalid { .. })), "not before the date");
        clock.advance(31 * 86_400);
        let n = app.negotiation(&okazaki, h_id).await.expect("view");
        assert!(n.overdue);
        assert_eq!(n.grounds, vec![Ground::MissedDeadline]);
        assert!(app.escalate(&hamamatsu, h_id, "").await.is_err(), "only the supplier escalates");
        assert_eq!(app.escalate(&okazaki, h_id, "30日を過ぎても回答がありません。").await.expect("escalate"), vec![Ground::MissedDeadline]);
        assert!(matches!(app.escalate(&okazaki, h_id, "").await, Err(AppError::Conflict(_))));

        let cases = app.regulator_cases(&jftc).await.expect("inbox");
        assert_eq!(cases.iter().map(|c| c.id).collect::<Vec<_>>(), vec![h_id]);
        assert!(app.regulator_cases(&tokai).await.is_err());
        let file = app.escalation_file(&jftc, h_id).await.expect("file");
        assert_eq!(file.buyer.corporate_number, cn("owner@hamamatsu-denso.example"));
        assert!(app.negotiation_evidence(&jftc, h_id, &sha).await.is_ok(), "attached evidence reaches the regulator");
        assert!(app.negotiation_evidence(&jftc, m_id, &sha).await.is_err(), "…but not from a case that was not escalated");
        let f = app.regulator_figures(&jftc).await.expect("figures");
        assert_eq!((f.requests, f.answered, f.agreed, f.escalated), (2, 1, 1, 1));
        assert_eq!(f.acceptance_per_mille, 500);
        assert_eq!(f.median_response_secs, Some(0));
        let hamamatsu_row = f.by_buyer.iter().find(|b| b.0 == cn("owner@hamamatsu-denso.example")).expect("row");
        assert_eq!((hamamatsu_row.2, hamamatsu_row.3, hamamatsu_row.4), (1, 0, 1), "one request, one missed date");

        // Editing a stored step afterwards is detected.
        let record = app.negotiation_record(&okazaki, m_id).await.expect("record");
        assert_eq!(record["verified"], true);
        let sql = "UPDATE negotiation_steps SET body = REPLACE(body, '100000', '900000') WHERE negotiation_id = $1 AND seq = 2";
        let refused = hoshi_store::sqlx::query(sql).bind(m_id).execute(store.pool()).await;
        assert!(refused.is_err_and(|e| e.to_string().contains("append-only")), "the database refuses to edit a recorded step");
        // An insider who can change the schema drops the guard and edits anyway: the chain shows it.
        hoshi_store::testing::drop_append_only_guards(&store).await;
        hoshi_store::sqlx::query(sql).bind(m_id).execute(store.pool()).await.expect("tamper");
        let n = app.negotiation(&okazaki, m_id).await.expect("view");
        assert!(n.chain.as_ref().is_err_and(|e| e.contains("step 2")), "{:?}", n.chain);
        assert_eq!(app.negotiation_record(&okazaki, m_id).await.expect("record")["verified"], false);
    }
}

#[tokio::test]
async fn the_demo_has_an_overdue_request_ready_for_escalation() {
    let app = App::new(testing::sqlite().await, Arc::new(FixedClock::new(NOW)));
    app.seed_demo().await.expect("demo");
    let okazaki = login(&app, "owner@okazaki-jushi.example").await;
    let list = app.my_negotiations(&okazaki).await.expect("list");
    assert_eq!(list.len(), 1);
    let n = &list[0];
    assert_eq!(n.buyer.corporate_number, cn("owner@hamamatsu-denso.example"));
    assert!(n.overdue && n.grounds == vec![Ground::MissedDeadline], "{:?}", n.grounds);
    assert!(n.chain.is_ok());
    let hamamatsu = login(&app, "owner@hamamatsu-denso.example").await;
    assert_eq!(app.my_negotiations(&hamamatsu).await.expect("buyer's list").len(), 1, "the buyer sees the same request");
}
