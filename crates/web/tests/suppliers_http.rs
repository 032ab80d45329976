//! The buyer's pages and API on the demo world, through the router: the portfolio and its CSV,
//! the dashboard's charts, an import with bad rows through the preview, one supplier's risk
//! explanation, the network and the what-if, and the supplier's view of its buyers; blanks in the
//! ★4 questions as warnings the person accepts, and the import notice built from numbers only.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use common::*;
use hoshi_app::demo::{DEMO_PASSWORD, WORLD};
use hoshi_app::{App, FixedClock};

async fn demo() -> (axum::Router, Session, Session) {
    let app = App::new(hoshi_store::testing::sqlite().await, Arc::new(FixedClock::new(1_795_651_200)));
    app.seed_demo().await.expect("demo");
    let router =
        hoshi_web::router(app.clone(), hoshi_web::WebConfig { secure_cookies: false, max_body_bytes: 64 * 1024, ..Default::default() });
    let session =
        |s: hoshi_app::accounts::SignedIn| Session { cookie: s.session_token, csrf: s.actor.csrf_token().expect("csrf").to_owned() };
    let buyer = session(app.sign_in("buyer@tokai-motor.example", DEMO_PASSWORD, "t").await.expect("buyer"));
    let okazaki = session(app.sign_in("owner@okazaki-jushi.example", DEMO_PASSWORD, "t").await.expect("okazaki"));
    (router, buyer, okazaki)
}

#[tokio::test]
async fn the_buyer_sees_its_portfolio_dashboard_network_and_what_if() {
    let (router, buyer, okazaki) = demo().await;
    async fn get(router: &axum::Router, path: &str, s: &Session) -> Reply {
        send(router, Method::GET, path, Auth::Session(s), None, &[("accept-language", "en")]).await
    }

    let r = get(&router, "/suppliers", &buyer).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("矢作樹脂工業株式会社") && r.body.contains("Contracts to re-evaluate"), "{}", r.body);
    assert!(
        r.body.contains(r#"data-status="unknown""#)
            && r.body.contains(r#"data-status="compliant""#)
            && r.body.contains(r#"data-status="gap""#)
    );

    let r = get(&router, "/suppliers?status=gap&sort=name", &buyer).await;
    assert!(!r.body.contains(r#"data-status="compliant""#) && r.body.contains(r#"data-status="gap""#));

    let r = get(&router, "/suppliers.csv?band=high", &buyer).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with('\u{feff}'), "a BOM so that Excel reads UTF-8");
    let mut rd = csv::Reader::from_reader(r.body.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().collect::<Result<_, _>>().expect("csv");
    assert!(!rows.is_empty() && rows.iter().all(|row| &row[18] == "high"), "only the high band");

    let r = get(&router, "/suppliers/dashboard", &buyer).await;
    assert_eq!(r.status, StatusCode::OK);
    for id in ["chart-levels", "chart-criticality", "chart-expiry", "risk-matrix"] {
        assert!(r.body.contains(id), "{id}");
    }
    assert!(r.body.matches("<svg").count() >= 3);

    let yahagi = "/suppliers/".to_owned() + &number_of("矢作樹脂工業株式会社");
    let r = send(&router, Method::GET, &yahagi, Auth::Session(&buyer), None, &[("accept-language", "en")]).await;
    assert!(
        r.body.contains("no certificate and no shared self-assessment") && r.body.contains("an outage would stop production"),
        "{}",
        r.body
    );

    let r = get(&router, "/network", &buyer).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(r#"data-tier="3""#), "three tiers drawn");
    let path = format!("/network?whatif={}", number_of("矢作樹脂工業株式会社"));
    let r = send(&router, Method::GET, &path, Auth::Session(&buyer), None, &[("accept-language", "en")]).await;
    assert!(r.body.contains(r#"data-testid="production-stop""#) && r.body.contains("Kojima"), "{}", r.body);

    let r = send(&router, Method::GET, "/api/v1/network", Auth::Session(&buyer), None, &[]).await;
    let nodes = r.json()["nodes"].as_array().map_or(0, Vec::len);
    assert!(nodes > hoshi_app::demo::TOKAI_SUPPLIERS.len() + 1, "the buyer, its tier 1 and the shared tiers behind: {nodes}");
    assert!(r.json()["nodes"][0]["exposure"].as_f64().expect("exposure") > 0.0);

    // The supplier sees what its two buyers require, and may share its list with each.
    let r = get(&router, "/requirements", &okazaki).await;
    assert!(r.body.contains("Mikawa Precision") && r.body.contains("Hamamatsu Denso"), "{}", r.body);
    let r = send(&router, Method::GET, "/api/v1/requirements", Auth::Session(&okazaki), None, &[]).await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(2));
    // Sharing an assessment offers its real buyers first, with what each requires.
    let r = get(&router, "/assessments", &okazaki).await;
    let id = r
        .body
        .split("/assessments/")
        .nth(1)
        .and_then(|x| x.split(|c: char| !c.is_ascii_digit()).next())
        .expect("an assessment link")
        .to_owned();
    let r = send(&router, Method::GET, &format!("/assessments/{id}"), Auth::Session(&okazaki), None, &[("accept-language", "en")]).await;
    let list = r.body.split(r#"<select id="buyer" name="buyer""#).nth(1).and_then(|l| l.split("</select>").next()).expect("the buyer list");
    assert!(list.contains("(requires ★4)"), "a buyer that requires ★4: {list}");
    // Only the supplier's own buyers are offered; any other is entered by number.
    assert!(!list.contains("Tokai Motor"), "no other organisation is listed: {list}");
    assert!(r.body.contains(r#"name="buyer_other""#));
    // …but not the automaker's portfolio.
    let r = send(&router, Method::GET, &yahagi, Auth::Session(&okazaki), None, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

fn number_of(name: &str) -> String {
    hoshi_app::demo::TOKAI_SUPPLIERS.iter().find(|s| s.name == name).expect(name).corporate_number().to_string()
}

#[tokio::test]
async fn an_import_with_bad_rows_is_previewed_mapped_and_imported_good_rows_only() {
    let (router, buyer, _) = demo().await;
    let good = WORLD[5].corporate_number().to_string();
    let file = format!("会社の番号,名称,重要度,ネットワーク接続\r\n{good},刈谷プレス,高,はい\r\n1234567890123,番号違い,中,いいえ\r\n{good},重複,低,いいえ\r\n");
    let boundary = "hoshi-import-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n",
        buyer.csrf
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    // The token in the URL is not enough (and is never put there): without the field, refused.
    let in_url = format!("/suppliers/import?_csrf={}", buyer.csrf);
    let bare = body.replacen(&format!("name=\"_csrf\"\r\n\r\n{}", buyer.csrf), "name=\"_csrf\"\r\n\r\nwrong", 1);
    let r = send(&router, Method::POST, &in_url, Auth::Session(&buyer), Some((&ct, bare)), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a CSRF token in the query string is not accepted");
    let uri = "/suppliers/import".to_owned();
    let r = send(&router, Method::POST, &uri, Auth::Session(&buyer), Some((&ct, body)), &[("accept-language", "en")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let preview = r.headers["location"].to_str().expect("location").to_owned();
    let r = send(&router, Method::GET, &preview, Auth::Session(&buyer), None, &[("accept-language", "en")]).await;
    // "会社の番号" is not a known header: the corporate number column must be mapped by hand.
    assert!(r.body.contains("corporate_number") && r.body.contains(r#"data-row="1""#), "{}", r.body);

    let post = |pairs: Vec<(&'static str, String)>| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            s.append_pair(k, v);
        }
        s.append_pair("_csrf", &buyer.csrf);
        send(
            &router,
            Method::POST,
            &preview,
            Auth::Session(&buyer),
            Some(("application/x-www-form-urlencoded", s.finish())),
            &[("accept-language", "en")],
        )
    };
    let mapping = || {
        vec![
            ("col_0", "corporate_number".to_owned()),
            ("col_1", "name".to_owned()),
            ("col_2", "criticality".to_owned()),
            ("col_3", "network_access".to_owned()),
        ]
    };
    let mut pairs = mapping();
    pairs.push(("action", "preview".into()));
    let r = post(pairs).await;
    assert!(r.body.contains(r#"data-row="3""#) && r.body.contains(r#"data-row="4""#) && !r.body.contains(r#"data-row="2""#), "{}", r.body);

    let mut pairs = mapping();
    pairs.extend([("action", "import".into()), ("mode", "all".into())]);
    let r = post(pairs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "all-or-nothing refuses");

    // The file has no columns for confidential data and outage: warnings to accept (the rule
    // would otherwise read them as "no").
    let mut pairs = mapping();
    pairs.extend([("action", "import".into()), ("mode", "good".into())]);
    let r = post(pairs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "warnings not accepted: {}", r.body);
    let mut pairs = mapping();
    pairs.extend([("action", "import".into()), ("mode", "good".into()), ("accept_warnings", "yes".into())]);
    let r = post(pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = send(&router, Method::GET, &format!("/api/v1/suppliers/{good}"), Auth::Session(&buyer), None, &[]).await;
    assert_eq!(r.json()["required_level"], 4, "network access: ★4 by the rule: {}", r.body);
    assert_eq!(r.json()["criticality"], "high");

    // The API import reports in the request's language with the spreadsheet's row numbers.
    let csv_body = "法人番号,名称\n1234567890123,誤り\n".to_owned();
    let r = send(
        &router,
        Method::POST,
        "/api/v1/suppliers/import?dry_run=true",
        Auth::Session(&buyer),
        Some(("text/csv", csv_body)),
        &[("x-csrf-token", &buyer.csrf), ("accept-language", "ja")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["row"], 2);
    assert_eq!(r.json()["errors"][0]["column"], "corporate_number");
    assert!(r.json()["errors"][0]["message"].as_str().expect("message").contains("チェックデジット"), "{}", r.body);
}

async fn upload(router: &axum::Router, s: &Session, file: &str) -> String {
    let boundary = "hoshi-import-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n",
        s.csrf
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    let uri = "/suppliers/import";
    let r = send(router, Method::POST, uri, Auth::Session(s), Some((&ct, body)), &[("accept-language", "en")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.headers["location"].to_str().expect("location").to_owned()
}

#[tokio::test]
async fn a_blank_star_four_answer_is_a_warning_the_person_must_accept() {
    let (router, buyer, _) = demo().await;
    // Two companies in no demo list.
    let fresh = |base: &str| {
        let digits: Vec<u8> = base.bytes().map(|b| b - b'0').collect();
        let base: [u8; 12] = digits.try_into().expect("12 digits");
        hoshi_core::CorporateNumber::from_base(&base).expect("number").to_string()
    };
    let (blank, no) = (fresh("190008000001"), fresh("190008000002"));
    let file = format!(
        "法人番号,名称,年間購入額,重要度,機密情報の保有,停止影響,ネットワーク接続\r\n{blank},空欄の取引先,1000,中,いいえ,,いいえ\r\n{no},全部いいえ,1000,中,いいえ,いいえ,いいえ\r\n"
    );
    let preview = upload(&router, &buyer, &file).await;
    let r = send(&router, Method::GET, &preview, Auth::Session(&buyer), None, &[("accept-language", "en")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let warnings =
        r.body.split(r#"data-testid="import-warnings""#).nth(1).expect("the warnings table").split("</table>").next().expect("table");
    assert!(warnings.contains(r#"data-warning-row="2" data-column="outage_unacceptable""#), "{warnings}");
    assert_eq!(warnings.matches("data-warning-row=").count(), 1, "only the blank: {warnings}");
    assert!(warnings.contains("is blank, and a blank is not"), "{warnings}");
    assert!(r.body.contains(r#"data-testid="accept-warnings""#) && r.body.contains("I accept the warnings"));
    assert!(r.body.contains("★4 (unanswered)"), "the sample shows ★4 for the blank row: {}", r.body);

    let confirm = |accept: bool| {
        let mut f = form_urlencoded::Serializer::new(String::new());
        f.append_pair("_csrf", &buyer.csrf).append_pair("action", "import").append_pair("mode", "all");
        if accept {
            f.append_pair("accept_warnings", "yes");
        }
        send(
            &router,
            Method::POST,
            &preview,
            Auth::Session(&buyer),
            Some(("application/x-www-form-urlencoded", f.finish())),
            &[("accept-language", "en")],
        )
    };
    let r = confirm(false).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = r.body.split(r#"data-testid="error">"#).nth(1).expect("the reason").split("</p>").next().expect("p");
    assert!(error.contains("1 warnings") && error.contains("I accept the warnings") && error.contains("Nothing was imported"), "{error}");
    let r = send(&router, Method::GET, &format!("/api/v1/suppliers/{blank}"), Auth::Session(&buyer), None, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "nothing imported without accepting");

    let r = confirm(true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.headers["location"].to_str().expect("location").to_owned();
    assert_eq!(location, "/suppliers?imported=2&added=2&updated=0&bad=0&warned=1");
    let r = send(&router, Method::GET, &location, Auth::Session(&buyer), None, &[("accept-language", "en")]).await;
    assert!(r.body.contains("Read 2 rows: 2 added, 0 updated (0 rows with errors); 1 warnings accepted"), "{}", r.body);

    // Not ★3 from the blank, and the page says the answer is unknown (not "no").
    let r = send(&router, Method::GET, &format!("/api/v1/suppliers/{blank}"), Auth::Session(&buyer), None, &[]).await;
    assert_eq!(r.json()["required_level"], 4, "{}", r.body);
    assert_eq!(r.json()["unanswered"], serde_json::json!(["outage_unacceptable"]));
    let r = send(&router, Method::GET, &format!("/api/v1/suppliers/{no}"), Auth::Session(&buyer), None, &[]).await;
    assert_eq!(r.json()["required_level"], 3, "three answered noes: ★3");
    let r = send(&router, Method::GET, &format!("/suppliers/{blank}"), Auth::Session(&buyer), None, &[("accept-language", "en")]).await;
    let answer = r.body.split(r#"data-testid="answer-outage_unacceptable""#).nth(1).expect("the outage answer");
    assert!(answer.starts_with(r#" class="unanswered">not answered"#), "{}", &answer[..answer.len().min(200)]);
    let r = send(&router, Method::GET, "/suppliers", Auth::Session(&buyer), None, &[("accept-language", "en")]).await;
    let list_row = r.body.split(&format!(r#"data-cn="{blank}""#)).nth(1).expect("the row").split("</tr>").next().expect("row");
    assert!(list_row.contains(r#"data-testid="unanswered""#), "{list_row}");
    let r = send(&router, Method::GET, "/suppliers.csv", Auth::Session(&buyer), None, &[]).await;
    let line = r.body.lines().find(|l| l.starts_with(&blank)).expect("the CSV row");
    let cells: Vec<&str> = line.split(',').collect();
    assert_eq!((cells[5], cells[6], cells[7]), ("no", "", "no"), "unanswered stays blank in the CSV: {line}");

    // The API lists the warnings (in the request's language) with the spreadsheet row.
    let r = send(
        &router,
        Method::POST,
        "/api/v1/suppliers/import?dry_run=true",
        Auth::Session(&buyer),
        Some(("text/csv", file.clone())),
        &[("x-csrf-token", &buyer.csrf), ("accept-language", "en")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let w = &r.json()["warnings"];
    assert_eq!(w.as_array().map(Vec::len), Some(1), "{}", r.body);
    assert_eq!((w[0]["row"].as_u64(), w[0]["column"].as_str()), (Some(2), Some("outage_unacceptable")));
    assert!(w[0]["message"].as_str().expect("message").contains("★4"));
    let keys: Vec<&String> = w[0].as_object().expect("object").keys().collect();
    assert_eq!(keys, ["column", "message", "row"]);
    let schema = send(&router, Method::GET, "/api/openapi.json", Auth::None, None, &[]).await;
    assert!(schema.json()["components"]["schemas"]["ImportReportBody"]["properties"]["warnings"].is_object(), "{}", schema.body);
}

#[tokio::test]
async fn the_import_notice_shows_no_text_from_the_url() {
    let (router, buyer, _) = demo().await;
    for path in ["/suppliers?imported=%3Cscript%3Ehello", "/suppliers?imported=hello", "/suppliers?imported=3&added=%3Cb%3Ehello"] {
        let r = send(&router, Method::GET, path, Auth::Session(&buyer), None, &[("accept-language", "en")]).await;
        assert_eq!(r.status, StatusCode::OK);
        // The language switch links back to this very URL (percent-encoded); that is no text shown.
        let shown: String = r
            .body
            .split("href=\"")
            .enumerate()
            .map(|(i, part)| if i == 0 { part } else { part.split_once('"').map_or("", |(_, rest)| rest) })
            .collect();
        assert!(shown.contains("Supplier portfolio"), "the page itself");
        assert!(!shown.contains("hello"), "{path}: {shown}");
        assert!(!r.body.contains(r#"data-testid="imported""#), "{path}: no notice at all");
    }
    // Numbers are rendered by the server's own sentence.
    let r =
        send(&router, Method::GET, "/suppliers?imported=12&added=10&updated=2", Auth::Session(&buyer), None, &[("accept-language", "ja")])
            .await;
    assert!(r.body.contains("12行を読み、10件追加、2件更新（エラー0行）"), "{}", r.body);
}
