//! The buyer's side on both databases: importing a supplier list (bad rows reported exactly,
//! all-or-nothing or the good rows, re-import updates), required levels with reasons and dates,
//! the portfolio against the registry, the supplier's view, tiers and the what-if; blanks in the
//! ★4 questions are warnings, never a silent ★3.

use std::sync::Arc;

use hoshi_app::demo::{DEMO_PASSWORD, TOKAI_SUPPLIERS, WORLD};
use hoshi_app::suppliers::ImportMode;
use hoshi_app::{Actor, App, AppError, FixedClock};
use hoshi_core::risk::{Band, Status};
use hoshi_core::{CorporateNumber, Level};
use hoshi_store::testing;

const NOW: i64 = 1_795_651_200; // 2026-11-26

async fn login(app: &App, email: &str) -> Actor {
    app.sign_in(email, DEMO_PASSWORD, "t").await.expect("login").actor
}

fn number(i: u64) -> String {
    let mut base = [0u8; 12];
    for (b, c) in base.iter_mut().zip(format!("{:012}", 500_000_000_000u64 + i).bytes()) {
        *b = c - b'0';
    }
    CorporateNumber::from_base(&base).expect("base").to_string()
}

/// A 3,000-row file with bad rows at known places; returns the file and the bad row numbers.
fn big_file() -> (String, Vec<u32>) {
    let mut out = String::from("corporate_number,name,annual_purchase_yen,supplies,holds_confidential_data,outage_unacceptable,network_access,criticality,contact_email\r\n");
    let mut bad = Vec::new();
    for i in 0..3000u64 {
        let row = i as u32 + 2;
        let mut cn = number(i);
        let mut name = format!("取引先{i}株式会社");
        // "1,000,000"-style amounts for the first rows, plain digits after.
        let mut amount = if i < 999 { format!("\"{},000,000\"", i + 1) } else { ((i + 1) * 1_000_000).to_string() };
        let mut flag = if i % 7 == 0 { "yes" } else { "no" }.to_owned();
        let mut crit = ["low", "medium", "high"][(i % 3) as usize].to_owned();
        let mut email = String::new();
        match i % 97 {
            11 => {
                // wrong check digit
                let last = cn.pop().expect("digit");
                cn.push(if last == '0' { '1' } else { '0' });
            }
            23 => flag = "maybe".into(),
            37 => crit = "urgent".into(),
            41 => amount = "12abc".into(),
            53 => email = "not-an-email".into(),
            67 => name.clear(),
            79 if i > 100 => cn = number(i - 50), // repeats an earlier row's number
            _ => {}
        }
        if matches!(i % 97, 11 | 23 | 37 | 41 | 53 | 67) || (i % 97 == 79 && i > 100) {
            bad.push(row);
        }
        out.push_str(&format!("{cn},{name},{amount},部品,{flag},no,no,{crit},{email}\r\n"));
    }
    (out, bad)
}

#[tokio::test]
async fn import_reports_exactly_the_bad_rows_and_never_half_imports() {
    for store in testing::all().await {
        let app = App::new(store, Arc::new(FixedClock::new(NOW)));
        app.seed_demo_orgs_only().await.expect("seed");
        let buyer = login(&app, "buyer@tokai-motor.example").await;
        let (file, bad) = big_file();

        let dry = app.import_suppliers(&buyer, "big.csv", file.as_bytes(), ImportMode::GoodRows, true).await.expect("dry run");
        assert_eq!(dry.rows_total, 3000);
        assert_eq!(dry.bad_rows(), bad, "exactly the bad rows");
        assert_eq!(dry.rows_ok, 3000 - bad.len());
        assert!(!dry.imported);
        assert!(app.portfolio(&buyer).await.expect("portfolio").rows.is_empty(), "a dry run writes nothing");

        let refused = app.import_suppliers(&buyer, "big.csv", file.as_bytes(), ImportMode::AllOrNothing, false).await.expect("refused");
        assert!(!refused.imported && refused.bad_rows() == bad);
        assert!(app.portfolio(&buyer).await.expect("portfolio").rows.is_empty(), "all-or-nothing: nothing imported");

        let good = app.import_suppliers(&buyer, "big.csv", file.as_bytes(), ImportMode::GoodRows, false).await.expect("good rows");
        assert!(good.imported);
        assert_eq!(good.created, 3000 - bad.len());
        let p = app.portfolio(&buyer).await.expect("portfolio");
        assert_eq!(p.rows.len(), 3000 - bad.len());
        assert!(p.rows.iter().all(|r| r.status == Status::Unknown), "none of them is in the registry");

        // Re-import a small file: updates by corporate number, the rule follows the facts.
        let first = number(1);
        let again = format!("法人番号,名称,年間購入額,機密情報の保有,重要度\n{first},改名株式会社,\"5,000,000\",はい,高\n");
        let r = app.import_suppliers(&buyer, "again.csv", again.as_bytes(), ImportMode::AllOrNothing, false).await.expect("re-import");
        assert_eq!((r.created, r.updated), (0, 1));
        let row = app.portfolio_row(&buyer, &first).await.expect("row");
        assert_eq!(row.name, "改名株式会社");
        assert_eq!(row.required_level, 4, "holds confidential data: ★4 by the rule");
        assert_eq!(row.annual_purchase_yen, Some(5_000_000));
        let history = app.requirement_history(&buyer, &first).await.expect("history");
        assert_eq!(history.iter().map(|c| c.required_level).collect::<Vec<_>>(), vec![4, 3]);

        // A token that may only read cannot import; a dry run is fine.
        let (_, read_only) = app.create_token(&buyer, "dashboard", "read").await.expect("token");
        let reader = app.token_actor(&read_only).await.expect("token actor");
        assert!(matches!(
            app.import_suppliers(&reader, "again.csv", again.as_bytes(), ImportMode::AllOrNothing, false).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(app.import_suppliers(&reader, "again.csv", again.as_bytes(), ImportMode::AllOrNothing, true).await.is_ok());
        assert_eq!(app.portfolio(&buyer).await.expect("portfolio").rows.len(), 3000 - bad.len());
    }
}

#[tokio::test]
async fn required_levels_need_reasons_and_suppliers_see_every_buyer() {
    for store in testing::all().await {
        let app = App::new(store, Arc::new(FixedClock::new(NOW)));
        app.seed_demo_orgs_only().await.expect("seed");
        app.seed_demo_suppliers().await.expect("suppliers");
        let buyer = login(&app, "buyer@tokai-motor.example").await;
        let okazaki = login(&app, "owner@okazaki-jushi.example").await;
        let seto = WORLD.iter().find(|d| d.email == "owner@seto-ceramic.example").expect("seto").corporate_number().to_string();

        let refused = app.set_requirement(&buyer, &seto, "4", "  ", "").await;
        assert!(matches!(refused, Err(AppError::Invalid { ref field, .. }) if field == "reason"), "{refused:?}");
        assert!(matches!(app.set_requirement(&buyer, &seto, "4", "理由", "2027-02-30").await, Err(AppError::Invalid { .. })));
        app.set_requirement(&buyer, &seto, "4", "新型車の量産部品を担当するため", "2027-01-01").await.expect("override");
        let row = app.portfolio_row(&buyer, &seto).await.expect("row");
        assert_eq!((row.rule_level, row.required_level, row.in_force), (3, 4, false));
        assert_eq!(row.effective_from, "2027-01-01");
        let h = app.requirement_history(&buyer, &seto).await.expect("history");
        assert_eq!(h[0].reason, "新型車の量産部品を担当するため");
        assert!(h[0].changed_by.is_some());
        // Back to the rule: no reason needed, the override is cleared.
        app.set_requirement(&buyer, &seto, "3", "", "").await.expect("back");
        assert!(app.portfolio_row(&buyer, &seto).await.expect("row").override_reason.is_empty());

        // Okazaki is listed by Mikawa (★4: outage and network) and Hamamatsu (★4: outage).
        let reqs = app.my_requirements(&okazaki).await.expect("requirements");
        assert_eq!(reqs.len(), 2, "{reqs:?}");
        assert!(reqs.iter().all(|r| r.required_level == 4));
        assert!(reqs.iter().any(|r| r.buyer_name_en.starts_with("Mikawa") && r.network_access));

        // Another organisation's supplier list is not visible.
        assert!(app.portfolio_row(&okazaki, &seto).await.is_err());
        assert!(matches!(app.set_requirement(&okazaki, &seto, "5", "x", "").await, Err(AppError::NotFound(_))));
    }
}

#[tokio::test]
async fn the_portfolio_agrees_with_the_registry_and_the_network_shows_the_kojima_case() {
    let store = testing::sqlite().await;
    let clock = Arc::new(FixedClock::new(NOW));
    let app = App::new(store, clock.clone());
    app.seed_demo().await.expect("demo");
    let buyer = login(&app, "buyer@tokai-motor.example").await;
    let p = app.portfolio(&buyer).await.expect("portfolio");
    assert_eq!(p.rows.len(), TOKAI_SUPPLIERS.len());
    for r in &p.rows {
        let v = app
            .verify_numbers(std::slice::from_ref(&r.corporate_number), Level::new(i64::from(r.required_level)).expect("level"))
            .await
            .expect("verify");
        let meets = v[0].meets_requirement;
        assert_eq!(matches!(r.status, Status::Compliant | Status::Expiring), meets, "{}: {:?} vs registry {:?}", r.name, r.status, v[0]);
        assert_eq!(r.certified_level, v[0].certified_level, "{}", r.name);
        if v[0].state.is_none() && r.shared_assessment_id.is_none() {
            assert_eq!(r.status, Status::Unknown, "{}", r.name);
        }
    }
    let by_name = |prefix: &str| p.rows.iter().find(|r| r.name.starts_with(prefix)).expect(prefix);
    assert_eq!(by_name("三河精機").status, Status::Compliant);
    assert_eq!(by_name("浜松電装").status, Status::Gap, "certified ★3, ★4 required");
    assert_eq!(by_name("矢作樹脂").status, Status::Unknown);
    assert_eq!(by_name("豊橋金属").status, Status::Gap, "suspended");
    assert_eq!(by_name("名古屋ダイカスト").status, Status::Gap, "revoked");
    let yahagi = by_name("矢作樹脂");
    assert_eq!(yahagi.risk.band, Band::High);
    assert!(p.reevaluate().iter().any(|r| r.name.starts_with("矢作樹脂")));
    assert!(yahagi.reevaluate_reason(false).contains("no certificate"), "{}", yahagi.reevaluate_reason(false));
    assert!(yahagi.risk.drivers.iter().any(|d| d.key == "outage"));

    // Tiers: Mikawa and Hamamatsu shared their lists, Okazaki (behind both) shared its own.
    let net = app.network(&buyer).await.expect("network");
    assert_eq!(net.tiers(), 3);
    let okazaki = net.index_of(&WORLD[3].corporate_number().to_string()).expect("okazaki in the network");
    assert_eq!(net.nodes[okazaki].tier, 2);
    assert_eq!(net.edges.iter().filter(|e| e.supplier == okazaki).count(), 2, "paths rejoin at Okazaki");
    assert!(!net.top_contributors.is_empty());
    assert!(net.nodes[0].exposure > 0.5, "an automaker with many uncertified suppliers is exposed: {}", net.nodes[0].exposure);

    // What if the Kojima-style resin supplier is compromised: the plants stop.
    let (view, w) = app.what_if(&buyer, &yahagi.corporate_number).await.expect("what if");
    assert!(w.production_stop);
    let tokai = w.affected.iter().find(|a| a.0 == 0).expect("the automaker is affected");
    assert!(tokai.1 > 0.8 && tokai.1 > tokai.2, "{tokai:?}");
    // A tier-3 company's compromise reaches the automaker only through tiers 2 and 1.
    let tier3 = view.nodes.iter().position(|n| n.tier == 3).expect("tier 3");
    let (_, w3) = app.what_if(&buyer, &view.nodes[tier3].corporate_number).await.expect("what if tier 3");
    assert!(w3.affected.iter().any(|a| a.0 == okazaki));

    // Certificates running out: expiring within 90 days, then expired.
    let seto = WORLD.iter().find(|d| d.email == "owner@seto-ceramic.example").expect("seto").corporate_number().to_string();
    let until = app.portfolio_row(&buyer, &seto).await.expect("row").days_left.expect("valid");
    clock.advance((until - 30) * 86_400);
    assert_eq!(app.portfolio_row(&buyer, &seto).await.expect("row").status, Status::Expiring);
    clock.advance(60 * 86_400);
    let expired = app.portfolio_row(&buyer, &seto).await.expect("row");
    assert_eq!(expired.status, Status::Expired, "{}", expired.status_en);

    // Only a buyer whose chain includes the supplier can be shown its list.
    let kariya = login(&app, "owner@kariya-press.example").await;
    let regulator_cn = WORLD.iter().find(|d| d.email == "regulator@jftc-demo.example").expect("jftc").corporate_number().to_string();
    assert!(matches!(app.share_tiers(&kariya, &regulator_cn, true).await, Err(AppError::Invalid { .. })));
    app.share_tiers(&kariya, &WORLD[0].corporate_number().to_string(), true).await.expect("Tokai's chain includes Kariya (via Mikawa)");
    // Okazaki stops sharing: the automaker no longer sees tier 3.
    let okazaki_actor = login(&app, "owner@okazaki-jushi.example").await;
    app.share_tiers(&okazaki_actor, &WORLD[0].corporate_number().to_string(), false).await.expect("unshare");
    assert_eq!(app.network(&buyer).await.expect("network").tiers(), 2);
}

#[tokio::test]
async fn a_blank_star_four_answer_is_never_star_three_and_warnings_must_be_accepted() {
    for store in testing::all().await {
        let app = App::new(store, Arc::new(FixedClock::new(NOW)));
        app.seed_demo_orgs_only().await.expect("seed");
        let buyer = login(&app, "buyer@tokai-motor.example").await;
        let n = |i: u64| number(900 + i);
        // Row 2 answers all three "no"; rows 3–5 leave one question blank each; row 6 has a blank
        // amount and criticality; row 7 is bad and blank.
        let file = format!(
            "法人番号,名称,年間購入額,重要度,機密情報の保有,停止影響,ネットワーク接続\n\
             {},全部いいえ,100,低,いいえ,いいえ,いいえ\n\
             {},機密空欄,100,低,,いいえ,いいえ\n\
             {},停止空欄,100,低,いいえ,,いいえ\n\
             {},接続空欄,100,低,いいえ,いいえ,\n\
             {},金額空欄,,,いいえ,いいえ,いいえ\n\
             1234567890123,誤り,100,低,,いいえ,いいえ\n",
            n(0),
            n(1),
            n(2),
            n(3),
            n(4)
        );
        let cells = |r: &hoshi_app::suppliers::ImportReport| r.warnings.iter().map(|w| (w.row, w.column.clone())).collect::<Vec<_>>();
        let expected = vec![
            (3, "holds_confidential_data".to_owned()),
            (4, "outage_unacceptable".to_owned()),
            (5, "network_access".to_owned()),
            (6, "annual_purchase_yen".to_owned()),
            (6, "criticality".to_owned()),
            (7, "holds_confidential_data".to_owned()),
        ];

        // The browser's preview: importing without accepting the warnings is refused and writes nothing.
        let draft = app.upload_draft(&buyer, "blanks.csv", file.as_bytes()).await.expect("draft");
        let refused = app.import_draft(&buyer, draft, None, ImportMode::GoodRows, false).await;
        assert!(matches!(refused, Err(AppError::Invalid { ref field, .. }) if field == "accept_warnings"), "{refused:?}");
        assert!(app.portfolio(&buyer).await.expect("portfolio").rows.is_empty(), "nothing imported");
        // All-or-nothing with a bad row writes nothing either way: the errors are the answer, not the warnings.
        let bad = app.import_draft(&buyer, draft, None, ImportMode::AllOrNothing, false).await.expect("report");
        assert!(!bad.imported && bad.bad_rows() == vec![7]);
        assert_eq!(cells(&bad), expected);
        assert_eq!(bad.warnings_to_accept, 5, "row 7 is not imported: its warning needs no consent");

        let done = app.import_draft(&buyer, draft, None, ImportMode::GoodRows, true).await.expect("accepted");
        assert!(done.imported);
        assert_eq!(done.created, 5);
        assert_eq!(cells(&done), expected);
        let row = |cn: String| {
            let app = &app;
            let buyer = &buyer;
            async move { app.portfolio_row(buyer, &cn).await.expect("row") }
        };
        let all_no = row(n(0)).await;
        assert_eq!((all_no.rule_level, all_no.required_level), (3, 3), "three answered noes: ★3");
        assert!(all_no.unanswered.is_empty() && !all_no.outage_unacceptable);
        for (i, key) in [(1, "holds_confidential_data"), (2, "outage_unacceptable"), (3, "network_access")] {
            let r = row(n(i)).await;
            assert_eq!((r.rule_level, r.required_level), (4, 4), "{key} blank: not ★3 but ★4 until answered");
            assert_eq!(r.unanswered, vec![key], "the answer is unknown, not no");
            let driver = r.risk.drivers.iter().find(|d| d.en.contains("not answered")).expect("the risk says so");
            assert!(driver.ja.contains("未回答"), "{driver:?}");
        }
        let blank_amount = row(n(4)).await;
        assert_eq!((blank_amount.annual_purchase_yen, blank_amount.criticality.as_str()), (None, "medium"));
        assert_eq!(blank_amount.required_level, 3);
        let history = app.requirement_history(&buyer, &n(2)).await.expect("history");
        assert!(history[0].reason.contains("outage_unacceptable (counted as yes)"), "{:?}", history[0].reason);
        assert_eq!(app.recent_imports(&buyer).await.expect("imports")[0].warnings, 5, "the accepted warnings are on record");

        // Answering the question later (a re-import) brings the rule back to ★3, recorded.
        let answered = format!(
            "法人番号,名称,年間購入額,重要度,機密情報の保有,停止影響,ネットワーク接続\n{},停止空欄,100,低,いいえ,いいえ,いいえ\n",
            n(2)
        );
        let r =
            app.import_suppliers(&buyer, "answered.csv", answered.as_bytes(), ImportMode::AllOrNothing, false).await.expect("re-import");
        assert!(r.imported && r.warnings.is_empty());
        let now_answered = row(n(2)).await;
        assert_eq!((now_answered.required_level, now_answered.unanswered.len()), (3, 0));
        let history = app.requirement_history(&buyer, &n(2)).await.expect("history");
        assert_eq!(history.iter().map(|c| c.required_level).collect::<Vec<_>>(), vec![3, 4]);

        // A file sent whole (API, command line) is imported with its warnings listed, and still not ★3.
        let feed = format!("corporate_number,name\n{},列なし\n", n(5));
        let r = app.import_suppliers(&buyer, "feed.csv", feed.as_bytes(), ImportMode::AllOrNothing, false).await.expect("feed");
        assert!(r.imported);
        let columns: Vec<&str> = r.warnings.iter().map(|w| w.column.as_str()).collect();
        assert_eq!(
            columns,
            vec!["annual_purchase_yen", "holds_confidential_data", "outage_unacceptable", "network_access", "criticality"],
            "one warning per missing column, on the header row"
        );
        assert!(r.warnings.iter().all(|w| w.row == 1));
        let no_columns = row(n(5)).await;
        assert_eq!(no_columns.required_level, 4);
        assert_eq!(no_columns.unanswered.len(), 3);
    }
}

/// Issue 13: a file of thousands of bad rows gives a bounded report — the first
/// `REPORT_LIMIT` errors and warnings with their totals and the count of bad rows — not one the
/// size of the file.
#[tokio::test]
async fn a_file_of_bad_rows_gives_a_bounded_report() {
    use hoshi_app::suppliers::{ImportMode, REPORT_LIMIT};
    let store = hoshi_store::testing::sqlite().await;
    let app = hoshi_app::App::new(store, std::sync::Arc::new(hoshi_app::FixedClock::new(1_790_000_000)));
    app.seed_demo_orgs_only().await.expect("seed");
    let buyer = app.sign_in("buyer@tokai-motor.example", hoshi_app::demo::DEMO_PASSWORD, "t").await.expect("login").actor;
    let mut csv = String::from("corporate_number,name,holds_confidential_data\n");
    for i in 0..3_000 {
        csv.push_str(&format!("123456789012{},bad {i},\n", i % 10)); // wrong check digits, blank answers
    }
    let r = app.import_suppliers(&buyer, "bad.csv", csv.as_bytes(), ImportMode::AllOrNothing, true).await.expect("dry run");
    assert_eq!((r.errors.len(), r.warnings.len()), (REPORT_LIMIT, REPORT_LIMIT));
    assert!(r.errors_total >= 2_700 && r.warnings_total >= 3_000, "{} errors, {} warnings", r.errors_total, r.warnings_total);
    assert_eq!(r.rows_bad, r.errors_total, "one bad cell a row");
    assert!(r.errors.windows(2).all(|w| w[0].row <= w[1].row), "the first ones, in row order");
}
