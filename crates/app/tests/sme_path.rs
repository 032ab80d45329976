//! Issue 14 on both databases: the remediation plan from gaps to closing with evidence, the
//! evidence library's versions and deletion rule, renewals carrying answers over, and expert
//! support from request to figures.

mod common;

use common::{cn, worlds};
use hoshi_app::plan::Closing;
use hoshi_app::support::RequestInput;
use hoshi_app::AppError;
use hoshi_core::Level;

#[tokio::test]
async fn a_plan_is_made_from_the_gaps_and_closing_a_task_answers_its_criteria() {
    for w in worlds().await {
        let a = w.app.start_assessment(&w.supplier, "3", "company", "").await.expect("start");
        let before = w.app.assessment(&w.supplier, a.id).await.expect("view");
        let added = w.app.create_plan(&w.supplier, a.id, "2027-03-31", "criterion").await.expect("plan");
        assert_eq!(added, before.evaluation.gaps.len(), "one task per gap");
        assert_eq!(w.app.create_plan(&w.supplier, a.id, "2027-03-31", "criterion").await.expect("again"), 0, "no task twice");
        let plan = w.app.plan(&w.supplier, a.id).await.expect("plan").expect("some");
        assert_eq!(plan.progress.total as usize, added);
        assert_eq!(plan.tasks.last().and_then(|t| t.task.due_date.as_deref()), Some("2027-03-31"));
        let total: u64 = plan.tasks.iter().map(|t| t.one_off.get()).sum();
        let lines: u64 = before.estimate.lines.iter().map(|l| l.one_off.get()).sum();
        assert_eq!(total, lines, "the tasks carry the estimate's lines");
        // Not for others.
        assert!(matches!(w.app.plan(&w.other, a.id).await, Err(AppError::NotFound(_))));
        assert!(w.app.plan(&w.buyer, a.id).await.is_err());
        let t = &plan.tasks[0];
        // Won't do needs a reason; done needs evidence.
        assert!(matches!(w.app.update_task(&w.supplier, a.id, t.task.id, "", "", "wont_do", "").await, Err(AppError::Invalid { .. })));
        assert!(matches!(w.app.update_task(&w.supplier, a.id, t.task.id, "", "", "done", "").await, Err(AppError::Invalid { .. })));
        assert!(w.app.update_task(&w.other, a.id, t.task.id, "x", "", "doing", "").await.is_err(), "another company's task");
        w.app.update_task(&w.supplier, a.id, t.task.id, "総務 山田", "2026-09-01", "doing", "").await.expect("update");
        let plan = w.app.plan(&w.supplier, a.id).await.expect("plan").expect("some");
        assert!(plan.tasks[0].overdue, "due before today (2026-09-21)");
        assert_eq!(w.app.overdue_tasks(&w.supplier).await.expect("overdue").len(), 1);
        w.app.close_task(&w.supplier, a.id + 1000, t.task.id, Closing::Library(0), "").await.expect_err("another assessment's path");
        w.app
            .close_task(&w.supplier, a.id, t.task.id, Closing::Upload { filename: "policy.pdf", bytes: b"%PDF-1.4 policy" }, "規程を制定")
            .await
            .expect("close");
        let after = w.app.assessment(&w.supplier, a.id).await.expect("view");
        for c in &t.criteria {
            assert_eq!(after.answers[c].status, "met");
            assert!(after.evidence.iter().any(|e| &e.criterion == c && e.filename == "policy.pdf"));
            let history = w.app.answer_history(&w.supplier, a.id, c).await.expect("history");
            assert!(history.last().is_some_and(|(h, _)| h.note.contains("#1")), "the answer's history names the task");
        }
        assert_eq!(after.evaluation.gaps.len(), before.evaluation.gaps.len() - t.criteria.len());
        let plan = w.app.plan(&w.supplier, a.id).await.expect("plan").expect("some");
        assert_eq!(plan.progress.done, 1);
        assert!(w.app.task_history(&w.supplier, a.id, t.task.id).await.expect("history").len() >= 3);
        // The POA&M: one item per task, linked to the assessment-results findings.
        let (v, p) = w.app.admin_latest_plan(&w.supplier.org.corporate_number).await.expect("admin plan");
        let doc = hoshi_app::exports::poam(&v, &p, hoshi_standard::Lang::En);
        assert_eq!(doc["plan-of-action-and-milestones"]["poam-items"].as_array().map(Vec::len), Some(added));
    }
}

#[tokio::test]
async fn evidence_lives_in_a_library_with_versions_and_a_confirmed_assessment_keeps_its_file() {
    for w in worlds().await {
        let a = w.app.start_assessment(&w.supplier, "3", "company", "").await.expect("start");
        let view = w.app.assessment(&w.supplier, a.id).await.expect("view");
        let yearly = view.edition.criteria_up_to(Level::THREE).find(|c| c.yearly_check()).expect("a yearly criterion").id.clone();
        let plain = view.edition.criteria_up_to(Level::THREE).find(|c| !c.yearly_check()).expect("criterion").id.clone();
        w.app.add_evidence(&w.supplier, a.id, &yearly, "review.pdf", b"%PDF-1.4 v1").await.expect("evidence");
        let lib = w.app.evidence_library(&w.supplier).await.expect("library");
        assert_eq!(lib.len(), 1);
        assert_eq!(lib[0].latest.review_by.as_deref(), Some("2027-09-21"), "a yearly criterion is reviewed a year on");
        let item = lib[0].item.id;
        // One file, several criteria.
        w.app.link_library_evidence(&w.supplier, a.id, &plain, item).await.expect("link");
        assert!(w.app.link_library_evidence(&w.other, a.id, &plain, item).await.is_err());
        assert!(w.app.evidence_item(&w.other, item).await.is_err(), "another company's library");
        // A new version moves the draft's answers.
        let (v2, moved) = w.app.replace_evidence(&w.supplier, item, "review-2.pdf", b"%PDF-1.4 v2", "2026-09-01", "").await.expect("v2");
        assert_eq!((v2.version, moved), (2, 2));
        let ev = w.app.assessment(&w.supplier, a.id).await.expect("view").evidence;
        assert!(ev.iter().all(|e| e.filename == "review-2.pdf"));
        let (_, versions, _) = w.app.evidence_item(&w.supplier, item).await.expect("item");
        assert_eq!(versions.len(), 2, "history kept");
        // Stale evidence is flagged.
        w.app.replace_evidence(&w.supplier, item, "old.pdf", b"%PDF-1.4 old", "2025-01-01", "2025-06-01").await.expect("v3");
        assert!(w.app.evidence_library(&w.supplier).await.expect("lib")[0].stale("2026-09-21"));
        // An unused item can be deleted; its file goes.
        let spare = w.app.add_to_library(&w.supplier, "spare", "spare.txt", b"spare notes", "", "").await.expect("spare");
        w.app.delete_evidence(&w.supplier, spare.id).await.expect("delete");
        assert!(w.app.evidence_item(&w.supplier, spare.id).await.is_err());
    }
}

#[tokio::test]
async fn a_renewal_carries_answers_over_marked_for_recheck_and_shows_what_changed() {
    for w in worlds().await {
        let a = w.app.start_assessment(&w.supplier, "3", "company", "").await.expect("start");
        let view = w.app.assessment(&w.supplier, a.id).await.expect("view");
        let ids: Vec<String> = view.edition.criteria_up_to(Level::THREE).map(|c| c.id.clone()).collect();
        for c in &ids {
            w.app.answer(&w.supplier, a.id, c, "met", "", "").await.expect("answer");
        }
        w.app.add_evidence(&w.supplier, a.id, &ids[0], "e.pdf", b"%PDF-1.4 e").await.expect("evidence");
        assert!(matches!(w.app.start_renewal(&w.supplier, a.id).await, Err(AppError::Conflict(_))), "only from a confirmed one");
        let e = w
            .app
            .engage(&w.supplier, a.id, &cn("expert@suzuki-sec.example"), hoshi_app::assessment::CONFIRMATION, "")
            .await
            .expect("engage");
        for c in &ids {
            w.app.review(&w.expert, e.id, c, "agree", "", false).await.expect("review");
        }
        w.app.sign_pledge(&w.supplier, a.id, "代表", "代表取締役").await.expect("pledge");
        w.app.confirm(&w.expert, e.id, "").await.expect("confirm");
        let r = w.app.start_renewal(&w.supplier, a.id).await.expect("renewal");
        assert_eq!(r.purpose, "renewal");
        let rv = w.app.assessment(&w.supplier, r.id).await.expect("view");
        assert_eq!(rv.answers.len(), ids.len());
        assert!(rv.answers.values().all(|x| x.carried_over), "every answer is carried over, to re-check");
        assert_eq!(rv.evidence.len(), 1, "evidence carried over");
        assert_eq!(rv.changes.len(), ids.len(), "each carried answer is listed until re-checked");
        w.app.answer(&w.supplier, r.id, &ids[1], "not_met", "", "").await.expect("change");
        w.app.answer(&w.supplier, r.id, &ids[2], "met", "", "").await.expect("re-check");
        let rv = w.app.assessment(&w.supplier, r.id).await.expect("view");
        let c1 = rv.changes.iter().find(|c| c.criterion == ids[1]).expect("changed");
        assert!(c1.answer_changed() && !c1.carried_over);
        assert!(!rv.changes.iter().any(|c| c.criterion == ids[2]), "re-checked unchanged answer drops out");
        // The provider sees the same differences.
        let e2 =
            w.app.engage(&w.supplier, r.id, &cn("expert@suzuki-sec.example"), hoshi_app::assessment::SUPPORT, "").await.expect("engage");
        let pv = w.app.assessment(&w.expert, r.id).await.expect("provider view");
        assert_eq!(pv.changes, rv.changes);
        assert!(pv.previous.is_some());
        let _ = e2;
        // The locked original keeps its file even when the library gets a new version.
        let item = w.app.evidence_library(&w.supplier).await.expect("lib")[0].item.id;
        w.app.replace_evidence(&w.supplier, item, "e2.pdf", b"%PDF-1.4 e2", "", "").await.expect("v2");
        assert_eq!(w.app.assessment(&w.supplier, a.id).await.expect("old").evidence[0].filename, "e.pdf");
        assert!(
            matches!(w.app.delete_evidence(&w.supplier, item).await, Err(AppError::Conflict(_))),
            "a confirmed assessment refers to it"
        );
    }
}

#[tokio::test]
async fn a_support_request_is_matched_hours_are_recorded_and_the_figures_count_it() {
    for w in worlds().await {
        let ask = RequestInput { needs: "ギャップの優先順位づけ".into(), employees: "25".into(), ..Default::default() };
        // No programme yet: the request waits without one, and only the operator can match it.
        let admin_cn = cn("expert@suzuki-sec.example");
        let p = w
            .app
            .grant_programme(
                &w.operator,
                &cn("buyer@tokai-motor.example"),
                "東海地域支援事業",
                "愛知県、岐阜県、三重県、静岡県",
                "2026",
                "500",
            )
            .await
            .expect("grant");
        assert!(w.app.grant_programme(&w.supplier, &admin_cn, "x", "", "2026", "1").await.is_err(), "only the operator grants");
        let r = w.app.request_support(&w.supplier, &ask).await.expect("request");
        assert_eq!(r.programme_id, Some(p.id), "the programme covering Aichi");
        assert!(matches!(w.app.request_support(&w.supplier, &ask).await, Err(AppError::Conflict(_))), "one open request");
        // Visibility: the SME, the programme's administrator; not another SME nor an unmatched expert.
        assert!(w.app.support_request(&w.other, r.id).await.is_err());
        assert!(w.app.support_request(&w.expert, r.id).await.is_err());
        assert_eq!(w.app.support_requests(&w.buyer).await.expect("admin list").len(), 1);
        assert!(w.app.support_candidates(&w.supplier, r.id).await.is_err(), "the SME does not match");
        let candidates = w.app.support_candidates(&w.buyer, r.id).await.expect("candidates");
        assert!(candidates.iter().any(|c| c.org.corporate_number.to_string() == admin_cn), "the approved expert serving Aichi");
        assert!(w.app.match_support(&w.buyer, r.id, "1234567890123").await.is_err());
        w.app.match_support(&w.buyer, r.id, &admin_cn).await.expect("match");
        assert!(w.app.support_request(&w.expert, r.id).await.is_ok(), "the matched expert sees it");
        assert!(w.app.record_session(&w.supplier, r.id, "2026-09-01", "3", "").await.is_err(), "only the expert records");
        assert!(
            matches!(w.app.record_session(&w.expert, r.id, "2026-09-01", "2.5", "").await, Err(AppError::Invalid { .. })),
            "whole hours"
        );
        w.app.record_session(&w.expert, r.id, "2026-09-01", "3", "初回").await.expect("session");
        w.app.record_session(&w.expert, r.id, "2026-09-15", "4", "規程").await.expect("session");
        w.app.record_outcome(&w.expert, r.id, "3", "2026-09-20", "").await.expect("outcome");
        let figures = w.app.support_figures(&w.buyer).await.expect("figures");
        let f = figures.get(&(2026, "23".to_owned())).expect("Aichi, FY2026");
        assert_eq!((f.requests, f.matched, f.hours), (1, 1, 7));
        assert_eq!(f.levels_reached.get(&3), Some(&1));
        assert!(w.app.support_figures(&w.other).await.is_err(), "figures are for administrators and the operator");
        assert_eq!(w.app.support_figures(&w.operator).await.expect("operator").len(), 1);
        let programmes = w.app.support_programmes().await.expect("programmes");
        assert_eq!(
            programmes.iter().find(|(x, _, _)| x.id == p.id).map(|(_, _, used)| *used),
            Some(7),
            "hours used of the programme's budget"
        );
        // A buyer without the supplier role cannot ask.
        assert!(matches!(w.app.request_support(&w.buyer, &ask).await, Err(AppError::Forbidden(_))));
    }
}

#[tokio::test]
async fn the_application_of_a_renewal_names_the_certificate_it_renews() {
    for w in worlds().await {
        let expert = cn("expert@suzuki-sec.example");
        let confirm = |id: i64| {
            let w = &w;
            let expert = expert.clone();
            async move {
                let view = w.app.assessment(&w.supplier, id).await.expect("view");
                let ids: Vec<String> = view.edition.criteria_up_to(Level::THREE).map(|c| c.id.clone()).collect();
                for c in &ids {
                    w.app.answer(&w.supplier, id, c, "met", "", "").await.expect("answer");
                }
                let e = w.app.engage(&w.supplier, id, &expert, hoshi_app::assessment::CONFIRMATION, "").await.expect("engage");
                for c in &ids {
                    w.app.review(&w.expert, e.id, c, "agree", "", false).await.expect("review");
                }
                w.app.sign_pledge(&w.supplier, id, "代表", "代表取締役").await.expect("pledge");
                w.app.confirm(&w.expert, e.id, "").await.expect("confirm");
            }
        };
        let a = w.app.start_assessment(&w.supplier, "3", "company", "").await.expect("start");
        confirm(a.id).await;
        let first = w.app.apply(&w.supplier, a.id).await.expect("apply");
        assert_eq!(first.previous_serial, None, "a first application renews nothing");
        let serial = w.app.decide(&w.operator, first.id, true, "checked").await.expect("issue").serial.expect("serial");
        let r = w.app.start_renewal(&w.supplier, a.id).await.expect("renewal");
        confirm(r.id).await;
        let second = w.app.apply(&w.supplier, r.id).await.expect("apply the renewal");
        assert_eq!(second.previous_serial.as_deref(), Some(serial.as_str()));
    }
}
