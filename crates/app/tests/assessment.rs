//! The supplier's assessment from start to expert confirmation, ★4 assessment, sharing and
//! evidence, on both databases.

mod common;

use common::{cn, worlds, W};
use hoshi_app::assessment::{ShareLevel, Status, CONFIRMATION, SUPPORT, THIRD_PARTY};
use hoshi_app::{App, AppError};
use hoshi_core::Level;

async fn answer_all(w: &W, id: i64, up_to: Level) {
    let view = w.app.assessment(&w.supplier, id).await.expect("view");
    for c in view.edition.criteria_up_to(up_to) {
        w.app.answer(&w.supplier, id, &c.id, "met", "", "").await.expect("answer");
    }
}

#[tokio::test]
async fn from_empty_to_expert_confirmed_star_three() {
    for w in worlds().await {
        let a = w.app.start_assessment(&w.supplier, "3", "company", "本社").await.expect("start");
        let v = w.app.assessment(&w.supplier, a.id).await.expect("view");
        assert_eq!(v.evaluation.achieved, None);
        assert_eq!(v.evaluation.gaps.len(), 112, "★1 5 + ★2 26 + ★3 81");
        assert!(v.estimate.increments[0].one_off.get() > 0, "the gaps cost something");
        // Asking too early is refused with the number of gaps.
        let early = w.app.engage(&w.supplier, a.id, &cn("expert@suzuki-sec.example"), CONFIRMATION, "").await;
        assert!(matches!(&early, Err(AppError::Invalid { message, .. }) if message.en.contains("112 gaps")), "{early:?}");
        answer_all(&w, a.id, Level::THREE).await;
        let na = w.app.answer(&w.supplier, a.id, "4-1-2-4", "not_applicable", "", "").await;
        assert!(matches!(na, Err(AppError::Invalid { ref field, .. }) if field == "reason"));
        w.app.answer(&w.supplier, a.id, "4-1-2-4", "not_applicable", "自社で開発を行っていない", "").await.expect("n/a with reason");
        let v = w.app.assessment(&w.supplier, a.id).await.expect("view");
        assert_eq!(v.evaluation.achieved, Some(Level::THREE));
        assert_eq!(v.estimate.increments[0].one_off.get(), 0);
        let e =
            w.app.engage(&w.supplier, a.id, &cn("expert@suzuki-sec.example"), CONFIRMATION, "よろしくお願いします").await.expect("engage");
        // While with the expert, answers are locked.
        assert!(matches!(w.app.answer(&w.supplier, a.id, "4-1-1-1", "not_met", "", "").await, Err(AppError::Conflict(_))));
        // The expert sees it; another supplier does not.
        assert!(w.app.assessment(&w.expert, a.id).await.is_ok());
        assert!(matches!(w.app.assessment(&w.other, a.id).await, Err(AppError::NotFound(_))));
        for c in v.edition.criteria_up_to(Level::THREE) {
            w.app.review(&w.expert, e.id, &c.id, "agree", "", false).await.expect("review");
        }
        let no_na = w.app.confirm(&w.expert, e.id, "").await;
        assert!(matches!(&no_na, Err(AppError::Invalid { message, .. }) if message.en.contains("4-1-2-4")), "{no_na:?}");
        w.app.review(&w.expert, e.id, "4-1-2-4", "agree", "開発なしを確認", true).await.expect("agree to n/a");
        let no_pledge = w.app.confirm(&w.expert, e.id, "").await;
        assert!(matches!(&no_pledge, Err(AppError::Invalid { message, .. }) if message.en.contains("pledge")), "{no_pledge:?}");
        w.app.sign_pledge(&w.supplier, a.id, "渡辺 大輔", "代表取締役").await.expect("pledge");
        assert!(matches!(w.app.sign_pledge(&w.supplier, a.id, "x", "y").await, Err(AppError::Conflict(_))));
        w.app.confirm(&w.expert, e.id, "確認しました").await.expect("confirm");
        let v = w.app.assessment(&w.supplier, a.id).await.expect("view");
        assert_eq!(v.status, Status::Confirmed);
        assert!(v.locked());
        let locked = w.app.answer(&w.supplier, a.id, "4-1-1-1", "not_met", "", "").await;
        assert!(matches!(&locked, Err(AppError::Conflict(m)) if m.en.contains("new version")), "{locked:?}");
        let next = w.app.new_version(&w.supplier, a.id).await.expect("new version");
        assert_eq!(next.version, a.version + 1);
        w.app.answer(&w.supplier, next.id, "4-1-1-1", "not_met", "", "退職者のID削除が遅れている").await.expect("editable");
        let nv = w.app.assessment(&w.supplier, next.id).await.expect("view");
        assert_eq!(nv.evaluation.achieved, Some(Level::TWO));
        assert_eq!(w.app.answer_history(&w.supplier, next.id, "4-1-1-1").await.expect("history").len(), 1);
        assert_eq!(w.app.answer_history(&w.supplier, a.id, "4-1-1-1").await.expect("history").len(), 1);
    }
}

#[tokio::test]
async fn a_queried_criterion_returns_the_assessment_for_changes() {
    for w in worlds().await {
        let a = w.app.start_assessment(&w.supplier, "3", "company", "").await.expect("start");
        answer_all(&w, a.id, Level::THREE).await;
        let e = w.app.engage(&w.supplier, a.id, &cn("expert@suzuki-sec.example"), CONFIRMATION, "").await.expect("engage");
        w.app.review(&w.expert, e.id, "4-3-4-2", "query", "オフサイトの保管先を教えてください", false).await.expect("query");
        assert!(w.app.review(&w.expert, e.id, "4-3-4-2", "conforms", "", false).await.is_err(), "assessor positions are not the expert's");
        assert!(w.app.return_assessment(&w.expert, e.id, "").await.is_err(), "a reason is required");
        w.app.return_assessment(&w.expert, e.id, "4-3-4-2 を確認してください").await.expect("return");
        assert_eq!(w.app.assessment(&w.supplier, a.id).await.expect("view").status, Status::Returned);
        w.app.answer(&w.supplier, a.id, "4-3-4-2", "met", "", "クラウドに日次で保管").await.expect("editable again");
    }
}

#[tokio::test]
async fn a_major_nonconformity_blocks_star_four() {
    for w in worlds().await {
        let a = w.app.start_assessment(&w.supplier, "4", "company", "").await.expect("start");
        answer_all(&w, a.id, Level::FOUR).await;
        assert!(
            w.app.engage(&w.supplier, a.id, &cn("expert@suzuki-sec.example"), THIRD_PARTY, "").await.is_err(),
            "an expert is not an assessment body"
        );
        let e = w.app.engage(&w.supplier, a.id, &cn("assessor@chubu-cyber.example"), THIRD_PARTY, "").await.expect("engage");
        let v = w.app.assessment(&w.body, a.id).await.expect("the body sees it");
        for c in v.edition.criteria_up_to(Level::FOUR) {
            let pos = if c.id == "3-2-1-2" {
                "major"
            } else if c.id == "4-4-3-1" {
                "minor"
            } else {
                "conforms"
            };
            w.app.review(&w.body, e.id, &c.id, pos, "", false).await.expect("finding");
        }
        let early = w.app.confirm(&w.body, e.id, "").await;
        assert!(matches!(&early, Err(AppError::Invalid { message, .. }) if message.en.contains("corrective action")), "{early:?}");
        for c in ["3-2-1-2", "4-4-3-1"] {
            w.app.reply_to_finding(&w.supplier, a.id, e.id, c, "手順書を改訂する", "2099-03-31").await.expect("corrective action");
        }
        let no_tv = w.app.confirm(&w.body, e.id, "").await;
        assert!(matches!(&no_tv, Err(AppError::Invalid { field, .. }) if field == "technical_verification"), "{no_tv:?}");
        w.app.record_technical_verification(&w.body, e.id, "外部からの脆弱性診断", "2026-10-01", "findings", "").await.expect("tv");
        w.app.confirm(&w.body, e.id, "脆弱性診断未実施").await.expect("complete");
        let v = w.app.assessment(&w.supplier, a.id).await.expect("view");
        assert_eq!(v.status, Status::Assessed);
        assert_eq!(v.evaluation.achieved, Some(Level::FOUR), "the self-assessment alone reaches ★4");
        assert_eq!(App::assessed_level(&v), Some(Level::THREE), "the major nonconformity blocks ★4");
    }
}

#[tokio::test]
async fn sharing_is_by_consent_recorded_and_revocable() {
    for w in worlds().await {
        let a = w.app.start_assessment(&w.supplier, "3", "company", "").await.expect("start");
        let sha = w.app.add_evidence(&w.supplier, a.id, "4-4-5-1", "av.pdf", b"%PDF-1.4 test").await.expect("evidence");
        assert!(matches!(w.app.assessment(&w.buyer, a.id).await, Err(AppError::NotFound(_))), "not shared yet");
        w.app.answer(&w.supplier, a.id, "4-1-1-1", "met", "", "社長のメモ").await.expect("answer");
        let s = w.app.share(&w.supplier, a.id, &cn("buyer@tokai-motor.example"), ShareLevel::Result).await.expect("share");
        let seen = w.app.assessment(&w.buyer, a.id).await.expect("buyer sees the result");
        assert!(seen.evidence.is_empty(), "a result-only share has no evidence");
        assert!(seen.answers.is_empty(), "a result-only share has no answers");
        assert!(seen.evaluation.by_category.values().any(|r| r.met > 0), "but the readiness is computed from them");
        assert!(seen.evaluation.gaps.is_empty() && seen.estimate.lines.is_empty(), "and no list of gaps tells them");
        assert!(w.app.answer_history(&w.buyer, a.id, "4-1-1-1").await.is_err(), "nor their history");
        assert!(w.app.evidence_file(&w.buyer, a.id, &sha).await.is_err());
        let mine = w.app.assessment(&w.supplier, a.id).await.expect("owner");
        assert_eq!(mine.shares[0].2.len(), 1, "the buyer's view is recorded for the supplier");
        assert!(mine.shares[0].2[0].0.contains("tokai-motor"));
        w.app.revoke_share(&w.supplier, s.id).await.expect("revoke");
        assert!(w.app.revoke_share(&w.supplier, s.id).await.is_err());
        assert!(matches!(w.app.assessment(&w.buyer, a.id).await, Err(AppError::NotFound(_))));
        w.app.share(&w.supplier, a.id, &cn("buyer@tokai-motor.example"), ShareLevel::Evidence).await.expect("share with evidence");
        let seen = w.app.assessment(&w.buyer, a.id).await.expect("answers");
        assert_eq!(seen.answers["4-1-1-1"].status, "met");
        assert!(seen.answers["4-1-1-1"].note.is_empty(), "never the supplier's working notes");
        let hist = w.app.answer_history(&w.buyer, a.id, "4-1-1-1").await.expect("history");
        assert!(hist.iter().all(|(h, who)| who.is_empty() && h.note.is_empty()), "no employee's name reaches the buyer");
        assert!(!w.app.answer_history(&w.supplier, a.id, "4-1-1-1").await.expect("own").iter().all(|(_, who)| who.is_empty()));
        let (ct, bytes, name) = w.app.evidence_file(&w.buyer, a.id, &sha).await.expect("evidence shared");
        assert_eq!((ct.as_str(), bytes.as_slice(), name.as_str()), ("application/pdf", b"%PDF-1.4 test".as_slice(), "av.pdf"));
        assert!(w.app.share(&w.supplier, a.id, &cn("expert@suzuki-sec.example"), ShareLevel::Answers).await.is_err(), "only buyers");
        // Support from an expert lets the expert see it, without locking.
        w.app.engage(&w.supplier, a.id, &cn("expert@suzuki-sec.example"), SUPPORT, "助けてください").await.expect("support");
        assert!(w.app.assessment(&w.expert, a.id).await.is_ok());
        w.app.answer(&w.supplier, a.id, "4-1-1-1", "met", "", "").await.expect("still editable");
    }
}

#[tokio::test]
async fn evidence_over_the_limit_or_of_a_refused_type_stores_nothing() {
    for w in worlds().await {
        let a = w.app.start_assessment(&w.supplier, "3", "company", "").await.expect("start");
        let big = vec![b'a'; hoshi_app::assessment::MAX_EVIDENCE_BYTES + 1];
        let e = w.app.add_evidence(&w.supplier, a.id, "4-4-5-1", "big.txt", &big).await;
        assert!(matches!(&e, Err(AppError::Invalid { message, .. }) if message.en.contains("20 MB")), "{e:?}");
        let exe = w.app.add_evidence(&w.supplier, a.id, "4-4-5-1", "report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00").await;
        assert!(matches!(&exe, Err(AppError::Invalid { message, .. }) if message.en.contains("program or a script")), "{exe:?}");
        let png_as_pdf = w.app.add_evidence(&w.supplier, a.id, "4-4-5-1", "report.pdf", b"\x89PNG\r\n\x1a\n...").await;
        assert!(matches!(&png_as_pdf, Err(AppError::Invalid { message, .. }) if message.en.contains("a PNG image")), "{png_as_pdf:?}");
        assert!(w.app.assessment(&w.supplier, a.id).await.expect("view").evidence.is_empty());
        let neg = w.app.set_quote(&w.supplier, a.id, "4-4-5-1", "-5000", "", "").await;
        assert!(matches!(neg, Err(AppError::Invalid { .. })));
        let frac = w.app.set_quote(&w.supplier, a.id, "4-4-5-1", "1000.5", "", "").await;
        assert!(matches!(frac, Err(AppError::Invalid { .. })));
        w.app.set_quote(&w.supplier, a.id, "4-4-5-1", "¥120,000", "48,000", "見積書").await.expect("quote");
        let v = w.app.assessment(&w.supplier, a.id).await.expect("view");
        let line = v.estimate.lines.iter().find(|l| l.criterion == "4-4-5-1").expect("line");
        assert!(line.quoted && line.one_off.get() == 120_000 && line.annual.get() == 48_000);
        let sum: u64 = v.estimate.lines.iter().filter(|l| l.increment == Level::THREE).map(|l| l.one_off.get()).sum();
        assert_eq!(sum + v.estimate.increments[0].overhead_one_off.get(), v.estimate.increments[0].one_off.get());
    }
}
