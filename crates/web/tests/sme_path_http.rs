//! The SME's path over HTTP: the plan page and its task form, the POA&M, CSV and XLSX downloads,
//! the evidence library with a new version, the support request page and the figures, in both
//! languages; another organisation finds none of it.

mod common;

use axum::http::{Method, StatusCode};
use common::*;

const BOUNDARY: &str = "hoshi-sme-boundary";

fn upload(s: &Session, filename: &str, content: &str) -> Option<(&'static str, String)> {
    Some((
        "multipart/form-data; boundary=hoshi-sme-boundary",
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n{content}\r\n\
             --{BOUNDARY}--\r\n",
            s.csrf
        ),
    ))
}

#[tokio::test]
async fn plan_library_and_support_pages_work_and_stay_private() {
    let w = world().await;
    let (s, id) = (&w.a.admin, w.a.assessment_id);
    const EN: &[(&str, &str)] = &[("accept-language", "en")];
    let get = |path: String, who: &Session, extra: &'static [(&'static str, &'static str)]| {
        let router = w.router.clone();
        let cookie = who.clone();
        async move { send(&router, Method::GET, &path, Auth::Session(&cookie), None, extra).await }
    };

    // The plan: tasks with their status, the timeline, the exports.
    let page = get(format!("/assessments/{id}/plan"), s, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("改善計画") && page.body.contains("data-testid=\"task-1\""), "{}", page.body);
    let task = w.a.task_id.to_string();
    let r = send(
        &w.router,
        Method::POST,
        &format!("/assessments/{id}/plan/tasks/{task}"),
        Auth::Session(s),
        form(&[("_csrf", &s.csrf), ("owner", "情報システム 田中"), ("due_date", "2027-02-30"), ("status", "doing")]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a date that does not exist is refused on the page");
    assert!(r.body.contains("期日はYYYY-MM-DD"), "{}", r.body);
    let r = send(
        &w.router,
        Method::POST,
        &format!("/assessments/{id}/plan/tasks/{task}"),
        Auth::Session(s),
        form(&[("_csrf", &s.csrf), ("owner", "情報システム 田中"), ("due_date", "2027-02-15"), ("status", "doing")]),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("data-status=\"doing\"") && r.body.contains("情報システム 田中"));
    let closed = send(
        &w.router,
        Method::POST,
        &format!("/assessments/{id}/plan/tasks/{task}/close"),
        Auth::Session(s),
        upload(s, "fix.pdf", "%PDF-1.4 fix"),
        &[],
    )
    .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    assert!(closed.body.contains("data-testid=\"task-1\" data-status=\"done\""));
    let poam = get(format!("/assessments/{id}/plan/poam.json"), s, &[]).await;
    assert_eq!(poam.status, StatusCode::OK);
    let doc = poam.json();
    assert!(doc["plan-of-action-and-milestones"]["poam-items"].as_array().is_some_and(|i| !i.is_empty()));
    let csv = get(format!("/assessments/{id}/plan.csv?lang=en"), s, &[]).await;
    assert!(csv.body.contains("number,criteria,task") && csv.body.contains("fix.pdf"), "{}", csv.body);
    let xlsx = get(format!("/assessments/{id}/plan.xlsx"), s, &[]).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.headers.get("content-type").is_some_and(|v| v.to_str().unwrap_or("").contains("spreadsheetml")));
    let english = get(format!("/assessments/{id}/plan"), s, EN).await;
    assert!(english.body.contains("Remediation plan") && english.body.contains("Done"));

    // The library: the closing file is there; a new version replaces it in the draft.
    let lib = get("/evidence".into(), s, &[]).await;
    assert!(lib.body.contains("fix.pdf"), "{}", lib.body);
    let item = w.a.item_id;
    let v2 =
        send(&w.router, Method::POST, &format!("/evidence/{item}/versions"), Auth::Session(s), upload(s, "v2.pdf", "%PDF-1.4 v2"), &[])
            .await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.body);
    assert!(v2.body.contains("第2版"), "{}", v2.body);
    let file = get(format!("/evidence/{item}/versions/1"), s, &[]).await;
    assert_eq!(file.status, StatusCode::OK, "the first version stays downloadable");

    // Support: the request and the figures, matched to A itself as the expert in the world.
    let req = get(format!("/support/requests/{}", w.a.request_id), s, &[]).await;
    assert_eq!(req.status, StatusCode::OK);
    assert!(req.body.contains("支援中"), "{}", req.body);
    let session = send(
        &w.router,
        Method::POST,
        &format!("/support/requests/{}/sessions", w.a.request_id),
        Auth::Session(s),
        form(&[("_csrf", &s.csrf), ("held_on", "2026-09-01"), ("hours", "3")]),
        &[],
    )
    .await;
    assert!(session.body.contains("data-testid=\"support-hours\">3<"), "{}", session.body);
    let figures = get("/support/figures".into(), s, EN).await;
    assert!(figures.body.contains("data-testid=\"total-hours\">3<") && figures.body.contains("Tokyo"), "{}", figures.body);
    assert!(figures.body.contains("data-testid=\"programme-hours\">3 / 100<"), "hours used of A's programme budget: {}", figures.body);

    // B sees none of A's.
    let b = &w.b.admin;
    for path in [format!("/assessments/{id}/plan"), format!("/evidence/{item}"), format!("/support/requests/{}", w.a.request_id)] {
        let r = get(path.clone(), b, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.status);
    }
}
