//! The trust pages over HTTP: a result-only share shows no answers (page and API), the public
//! directory lists approved providers (page, CSV in the page's language, JSON), the registry CSV
//! reads in the page's language, the buyer sees whether a supplier is verified, and the operator's
//! dossier names the confirming expert with its number and what was checked.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use hoshi_app::assessment::ShareLevel;

#[tokio::test]
async fn a_result_only_share_shows_no_answers_on_the_page_or_in_the_api() {
    let w = world().await;
    let a = w.app.session_actor(&w.a.admin.cookie).await.expect("a");
    let asmt = w.app.start_assessment(&a, "3", "company", "").await.expect("assessment");
    w.app.answer(&a, asmt.id, "4-1-1-1", "not_met", "", "marker-note-7731").await.expect("answer");
    w.app.share(&a, asmt.id, &w.b.cn, ShareLevel::Result).await.expect("share");
    let page = send(&w.router, Method::GET, &format!("/assessments/{}", asmt.id), Auth::Session(&w.b.admin), None, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("4-1-1-1") && !page.body.contains("marker-note-7731"), "the page names no criterion");
    let api = send(&w.router, Method::GET, &format!("/api/v1/assessments/{}", asmt.id), Auth::Bearer(&w.b.token_ro), None, &[]).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let j = api.json();
    assert!(j["answers"].as_array().is_none_or(|x| x.is_empty()) && j["answers"].as_object().is_none_or(|x| x.is_empty()), "{j}");
    assert!(!api.body.contains("4-1-1-1"), "the API names no criterion: {}", api.body);
    let criterion =
        send(&w.router, Method::GET, &format!("/assessments/{}/criteria/4-1-1-1", asmt.id), Auth::Session(&w.b.admin), None, &[]).await;
    assert!(!criterion.body.contains("marker-note-7731") && !criterion.body.contains("満たしていない"), "nor its criterion page");
}

#[tokio::test]
async fn the_directory_lists_approved_providers_in_the_pages_language() {
    let w = world().await;
    let page = send(&w.router, Method::GET, "/providers", Auth::None, None, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&w.a.name_ja) && page.body.contains(&format!("REG-{}", w.b.cn)), "approved providers are listed");
    let ja = send(&w.router, Method::GET, "/providers.csv?kind=expert", Auth::None, None, &[]).await;
    assert!(ja.body.starts_with("\u{feff}種別,法人番号"), "{}", &ja.body[..40.min(ja.body.len())]);
    assert!(ja.body.contains("セキュリティ専門家") && !ja.body.contains("評価機関,"), "filtered by kind");
    let en = send(&w.router, Method::GET, "/providers.csv", Auth::None, None, &[("accept-language", "en")]).await;
    assert!(en.body.starts_with("\u{feff}kind,corporate_number") && en.body.contains("Assessment body"), "{}", en.body);
    let api = send(&w.router, Method::GET, "/api/v1/providers?kind=assessment_body", Auth::None, None, &[]).await;
    assert_eq!(api.json()["providers"].as_array().map(Vec::len), Some(2), "{}", api.body);
    // Suspended: gone from the directory at once.
    let op = w.app.session_actor(&w.operator.cookie).await.expect("operator");
    let acn = hoshi_core::CorporateNumber::parse(&w.a.cn).expect("cn");
    let kind = hoshi_core::accreditation::Kind::parse("assessment_body");
    w.app.decide_accreditation(Some(&op), &acn, kind, "suspend", "調査中", "").await.expect("suspend");
    let api = send(&w.router, Method::GET, "/api/v1/providers?kind=assessment_body", Auth::None, None, &[]).await;
    assert_eq!(api.json()["providers"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn the_registry_csv_reads_in_the_pages_language() {
    let w = world().await;
    let ja = send(&w.router, Method::GET, "/registry.csv", Auth::None, None, &[]).await;
    assert!(ja.body.starts_with("\u{feff}法人番号,") && ja.body.contains(",有効,") && ja.body.contains("全社"), "{}", ja.body);
    let en = send(&w.router, Method::GET, "/registry.csv", Auth::None, None, &[("accept-language", "en")]).await;
    assert!(en.body.contains(",Active,") && en.body.contains("Whole company") && en.body.contains("Tokyo"), "{}", en.body);
}

#[tokio::test]
async fn the_buyer_sees_whether_a_supplier_is_verified() {
    let w = world().await;
    let page =
        send(&w.router, Method::GET, &format!("/suppliers/{}", w.c_cn), Auth::Session(&w.a.admin), None, &[("accept-language", "en")])
            .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Verified by the registry operator"), "the world's organisations are verified");
}

#[tokio::test]
async fn the_dossier_names_the_expert_its_number_and_the_check() {
    let w = world().await;
    let page =
        send(&w.router, Method::GET, &format!("/registry/applications/{}", w.application_id), Auth::Session(&w.operator), None, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [w.b.name_ja.as_str(), &format!("REG-{}", w.b.cn), "test documents", "checked", "代表取締役"] {
        assert!(page.body.contains(want), "the dossier shows {want}");
    }
    let cert = send(&w.router, Method::GET, &format!("/registry/certificates/{}", w.serial), Auth::None, None, &[]).await;
    assert!(
        cert.body.contains("data-testid=\"attested-by\"") && cert.body.contains(&format!("REG-{}", w.b.cn)),
        "the certificate names its expert"
    );
    assert!(cert.body.contains("data-testid=\"scope\">全社"), "and the scope in words");
}

#[tokio::test]
async fn the_supplier_sees_a_finding_on_its_questionnaire_and_answers_it() {
    let w = world().await;
    let a = w.app.session_actor(&w.a.admin.cookie).await.expect("a");
    let b = w.app.session_actor(&w.b.admin.cookie).await.expect("b");
    let asmt = w.app.start_assessment(&a, "4", "company", "").await.expect("assessment");
    let e = w.app.engage(&a, asmt.id, &w.b.cn, hoshi_app::assessment::THIRD_PARTY, "").await.expect("engage");
    w.app.review(&b, e.id, "4-4-3-1", "minor", "marker-finding-5521 ログの保存期間", false).await.expect("finding");
    let page =
        send(&w.router, Method::GET, &format!("/assessments/{}/answer?category=protect", asmt.id), Auth::Session(&w.a.admin), None, &[])
            .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("data-testid=\"finding-4-4-3-1\"") && page.body.contains("marker-finding-5521"),
        "the finding is on the questionnaire"
    );
    let criterion =
        send(&w.router, Method::GET, &format!("/assessments/{}/criteria/4-4-3-1", asmt.id), Auth::Session(&w.a.admin), None, &[]).await;
    assert!(
        criterion.body.contains("marker-finding-5521") && criterion.body.contains("data-testid=\"reply\""),
        "and on the criterion page, with a reply form"
    );
    let body = form(&[
        ("engagement", &e.id.to_string()),
        ("criterion", "4-4-3-1"),
        ("text", "保存期間を1年に"),
        ("due", "2099-12-31"),
        ("_csrf", &w.a.admin.csrf),
    ]);
    let r = send(&w.router, Method::POST, &format!("/assessments/{}/findings", asmt.id), Auth::Session(&w.a.admin), body, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let review = send(&w.router, Method::GET, &format!("/engagements/{}", e.id), Auth::Session(&w.b.admin), None, &[]).await;
    assert!(
        review.body.contains("保存期間を1年に") && review.body.contains("2099-12-31") && review.body.contains("data-testid=\"resolve\""),
        "the assessor reads the corrective action"
    );
}
