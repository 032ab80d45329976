//! Issue 13's findings, each tried as an attacker would: an open redirect through `next`, and
//! formula injection through the CSV exports (the public registry's and a buyer's).

mod common;

use axum::http::{Method, StatusCode};
use common::*;

fn location(r: &Reply) -> String {
    r.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("(none)").to_owned()
}

#[tokio::test]
async fn next_never_leads_to_another_site() {
    let w = world().await;
    // Browsers drop a tab or line break from a URL and read a backslash as a slash.
    for evil in [
        "/%09/evil.example",
        "/%5C%5Cevil.example",
        "/%5Cevil.example",
        "//evil.example",
        "/%0D%0ASet-Cookie:%20x=1",
        "https://evil.example",
    ] {
        let r = send(&w.router, Method::GET, &format!("/lang/en?next={evil}"), Auth::None, None, &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{evil}");
        assert_eq!(location(&r), "/", "{evil}");
        // Sign-in carries `next` in its form: it must already be the safe one.
        let page = send(&w.router, Method::GET, &format!("/login?next={evil}"), Auth::None, None, &[]).await;
        assert!(page.body.contains(r#"name="next" value="/">"#), "{evil} reaches the sign-in form");
    }
    let r = send(&w.router, Method::GET, "/lang/en?next=/registry%3Fq%3D1", Auth::None, None, &[]).await;
    assert_eq!(location(&r), "/registry?q=1", "a local path is kept");
}

#[tokio::test]
async fn csv_exports_never_hand_a_spreadsheet_a_formula() {
    let w = world().await;
    let formula = r#"=HYPERLINK("http://evil.example","x")"#;
    {
        let mut tx = w.app.store().begin().await.expect("tx");
        hoshi_store::sqlx::query("UPDATE organizations SET name_ja = $1, name_en = $2 WHERE id = $3")
            .bind(formula)
            .bind("@SUM(1+1)")
            .bind(w.a.org_id)
            .execute(&mut *tx)
            .await
            .expect("rename");
        tx.commit().await.expect("commit");
    }
    let csv = send(&w.router, Method::GET, "/registry.csv", Auth::None, None, &[]).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("'=HYPERLINK") && csv.body.contains("'@SUM"), "{}", csv.body);
    for line in csv.body.lines() {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a cell a spreadsheet would run: {line}");
        }
    }

    // A buyer's export: the names came from an uploaded list.
    let list = format!("corporate_number,name,supplies\n{},=1+1,-2+3\n", w.c_cn);
    let r = send(
        &w.router,
        Method::POST,
        "/api/v1/suppliers/import",
        Auth::Session(&w.a.admin),
        Some(("text/csv", list)),
        &[("x-csrf-token", &w.a.admin.csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let csv = send(&w.router, Method::GET, "/suppliers.csv", Auth::Session(&w.a.admin), None, &[]).await;
    let row = csv.body.lines().find(|l| l.starts_with(&w.c_cn)).expect("the imported supplier");
    assert!(row.contains(",'=1+1,'-2+3,"), "{row}");
}

#[tokio::test]
async fn the_operator_reads_and_verifies_the_audit_trail_in_both_languages() {
    let w = world().await;
    let page = send(&w.router, Method::GET, "/registry/audit?action=certificate.issued", Auth::Session(&w.operator), None, &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("監査記録") && page.body.contains(&w.serial), "the world's issue is listed: {}", page.body);
    assert!(page.body.contains(r#"data-action="certificate.issued""#));
    assert!(!page.body.contains(r#"data-action="org.created""#), "filtered by action");
    let checked =
        send(&w.router, Method::GET, "/registry/audit?verify=1", Auth::Session(&w.operator), None, &[("accept-language", "en")]).await;
    assert!(checked.body.contains("The chain verifies"), "{}", checked.body);
    let bad = send(&w.router, Method::GET, "/registry/audit?from=2026-13-01", Auth::Session(&w.operator), None, &[]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let denied = send(&w.router, Method::GET, "/registry/audit", Auth::Session(&w.a.admin), None, &[]).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

/// Issue 13: a sign-in always starts a new session, and the one the browser had before (another
/// account's, or one planted by someone else) stops working.
#[tokio::test]
async fn signing_in_ends_the_session_the_browser_had_and_starts_a_new_one() {
    let w = world().await;
    let before = send(&w.router, Method::GET, "/dashboard", Auth::Session(&w.a.member), None, &[]).await;
    assert_eq!(before.status, StatusCode::OK);
    let email = w.app.session_actor(&w.a.admin.cookie).await.expect("admin").email;
    let r = send(
        &w.router,
        Method::POST,
        "/login",
        Auth::Session(&w.a.member),
        form(&[("_csrf", &w.a.member.csrf), ("email", &email), ("password", PASSWORD)]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let fresh = r.cookie("hoshi_session").expect("a new session cookie");
    assert_ne!(fresh, w.a.member.cookie);
    assert_ne!(fresh, w.a.admin.cookie, "not the admin's other session either");
    let old = send(&w.router, Method::GET, "/dashboard", Auth::Session(&w.a.member), None, &[]).await;
    assert_ne!(old.status, StatusCode::OK, "the previous session ended");
    assert!(w.app.session_actor(&fresh).await.is_ok_and(|a| a.email == email));
}
