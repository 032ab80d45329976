//! The workbook over HTTP: the assessment page links to it; an upload with problems shows them by
//! sheet and row and offers no import; a good upload previews the changes and the confirmation
//! imports them (the staged file read again by its hash); the XLSX downloads; another
//! organisation finds nothing.

mod common;

use axum::http::{Method, StatusCode};
use common::*;

const BOUNDARY: &str = "hoshi-workbook-boundary";

/// A multipart upload of `file` with the session's CSRF token as its first field.
fn upload(s: &Session, filename: &str, file: &str) -> Option<(&'static str, String)> {
    Some((
        "multipart/form-data; boundary=hoshi-workbook-boundary",
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n\
             --{BOUNDARY}--\r\n",
            s.csrf
        ),
    ))
}

fn answer_of(r: &Reply, criterion: &str) -> (String, String, String) {
    let v = r.json();
    let a = v["answers"].as_array().expect("answers").iter().find(|a| a["criterion"] == criterion).cloned().unwrap_or_default();
    let s = |k: &str| a[k].as_str().unwrap_or("").to_owned();
    (s("status"), s("reason"), s("note"))
}

#[tokio::test]
async fn preview_then_import_then_download() {
    let w = world().await;
    let (s, id) = (&w.a.admin, w.a.assessment_id);
    let en = [("accept-language", "en")];

    let page = send(&w.router, Method::GET, &format!("/assessments/{id}"), Auth::Session(s), None, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("/assessments/{id}/workbook\"")) && page.body.contains("ワークブックから取り込む"),
        "the import link"
    );
    assert!(page.body.contains(&format!("/assessments/{id}/workbook.xlsx")));
    let gaps = send(&w.router, Method::GET, &format!("/assessments/{id}/gaps"), Auth::Session(s), None, &[]).await;
    assert!(gaps.body.contains(&format!("/assessments/{id}/gaps.xlsx")));

    let upload_form = send(&w.router, Method::GET, &format!("/assessments/{id}/workbook"), Auth::Session(s), None, &en).await;
    assert_eq!(upload_form.status, StatusCode::OK);
    assert!(upload_form.body.contains("Import from workbook") && upload_form.body.contains("data-testid=\"workbook-upload\""));

    // Problems: named by sheet and row; nothing to confirm.
    let bad = "評価基準番号,回答,備考\n4-1-1-1,○,\n9-9-9-9,✖,\n4-1-1-1,maybe,\n";
    let r =
        send(&w.router, Method::POST, &format!("/assessments/{id}/workbook/preview"), Auth::Session(s), upload(s, "w.csv", bad), &en).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("data-testid=\"workbook-errors\""));
    assert!(r.body.contains("<tr data-row=\"3\"><td>CSV</td><td>3</td>") && r.body.contains("9-9-9-9"), "{}", r.body);
    assert!(r.body.contains("<tr data-row=\"4\"><td>CSV</td><td>4</td>"));
    assert!(!r.body.contains("workbook-confirm"), "no import with problems");

    // A good workbook: the preview lists the changes, the confirmation imports them.
    let good = "評価基準番号,回答,備考\n4-1-1-1,○,=1+2\n4-1-1-2,△,半分の部署\n4-1-1-3,,\n";
    let r = send(&w.router, Method::POST, &format!("/assessments/{id}/workbook/preview"), Auth::Session(s), upload(s, "w.csv", good), &en)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("3 rows read, 2 mapped to criteria, 2 answers change."), "{}", r.body);
    assert!(r.body.contains("data-testid=\"workbook-changes\"") && r.body.contains("=1+2"));
    let sha = r.body.split("name=\"sha256\" value=\"").nth(1).and_then(|x| x.split('"').next()).expect("the staged hash").to_owned();
    assert_eq!(sha.len(), 64);
    let api = format!("/api/v1/assessments/{id}");
    let before = send(&w.router, Method::GET, &api, Auth::Bearer(&w.a.token_ro), None, &[]).await;
    assert_eq!(answer_of(&before, "4-1-1-1").0, "", "the preview wrote nothing");

    // Another organisation cannot import into A's assessment, even with the hash.
    let b = &w.b.admin;
    let r = send(
        &w.router,
        Method::POST,
        &format!("/assessments/{id}/workbook/import"),
        Auth::Session(b),
        form(&[("_csrf", &b.csrf), ("sha256", &sha)]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = send(
        &w.router,
        Method::POST,
        &format!("/assessments/{id}/workbook/import"),
        Auth::Session(s),
        form(&[("_csrf", &s.csrf), ("sha256", &sha)]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("2件の回答を取り込みました。"), "{}", r.body);
    let after = send(&w.router, Method::GET, &api, Auth::Bearer(&w.a.token_ro), None, &[]).await;
    assert_eq!(answer_of(&after, "4-1-1-1"), ("met".into(), String::new(), "=1+2".into()));
    assert_eq!(
        answer_of(&after, "4-1-1-2"),
        ("not_met".into(), String::new(), format!("{}: 半分の部署", hoshi_core::workbook::PARTIAL_PREFIX))
    );
    assert_eq!(answer_of(&after, "4-1-1-3").0, "", "a blank answer is not imported");

    // A made-up hash: the form says to upload again.
    let r = send(
        &w.router,
        Method::POST,
        &format!("/assessments/{id}/workbook/import"),
        Auth::Session(s),
        form(&[("_csrf", &s.csrf), ("sha256", &"f".repeat(64))]),
        &en,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("upload it again"), "{}", r.body);

    // Downloads.
    for path in ["workbook.xlsx", "gaps.xlsx", "workbook.xlsx?lang=en"] {
        let r = send(&w.router, Method::GET, &format!("/assessments/{id}/{path}"), Auth::Session(s), None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        assert!(r.headers["content-disposition"].to_str().expect("ascii").ends_with(".xlsx\""));
        assert!(r.body.starts_with("PK"), "{path} is a ZIP");
        let other = send(&w.router, Method::GET, &format!("/assessments/{id}/{path}"), Auth::Session(b), None, &[]).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{path} for another organisation");
    }
}
