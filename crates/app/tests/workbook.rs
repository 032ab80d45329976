//! The official self-assessment workbook: importing one laid out like IPA's (preview, errors by
//! sheet and row, all-or-nothing), the XLSX exports (text never a formula) and the round trip, on
//! both databases.

mod common;

use std::collections::BTreeMap;
use std::io::Read;

use common::{corporate_number as cn, worlds, SUPPLIER};
use hoshi_app::exports;
use hoshi_app::{Actor, App, AppError};
use hoshi_core::workbook::PARTIAL_PREFIX;
use hoshi_core::Level;
use hoshi_standard::Lang;
use rust_xlsxwriter::Workbook;

fn star3() -> Vec<String> {
    let ed = hoshi_standard::shared_edition(None).expect("edition");
    ed.criteria.iter().filter(|c| c.level == Level::THREE).map(|c| c.id.clone()).collect()
}

const SHEET: &str = "★3自己評価チェックシート";

/// A workbook like the official one: an instructions sheet, then the ★3 sheet with a title, a
/// header on row 3 and one row per criterion from row 4. `rows` are (number, answer, note).
fn official(rows: &[(String, String, String)]) -> Vec<u8> {
    let mut book = Workbook::new();
    let help = book.add_worksheet();
    help.set_name("記入方法").expect("name");
    help.write_string(0, 0, "回答欄に ○・△・✖ を記入してください。").expect("write");
    let ws = book.add_worksheet();
    ws.set_name(SHEET).expect("name");
    ws.write_string(0, 0, "サプライチェーン強化に向けたセキュリティ対策評価制度 自己評価").expect("write");
    for (c, h) in ["No.", "分類", "評価基準", "回答（○/△/✖）", "実施状況の説明"].iter().enumerate() {
        ws.write_string(2, c as u16, *h).expect("write");
    }
    for (i, (number, answer, note)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_string(r, 0, number).expect("write");
        ws.write_string(r, 1, "分類").expect("write");
        ws.write_string(r, 2, "（評価基準の文）").expect("write");
        if !answer.is_empty() {
            ws.write_string(r, 3, answer).expect("write");
        }
        if !note.is_empty() {
            ws.write_string(r, 4, note).expect("write");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

/// The 81 ★3 rows with ○ / △ / ✖ in turn, blanks at 10, 20 and 30.
fn answered_rows() -> Vec<(String, String, String)> {
    star3()
        .into_iter()
        .enumerate()
        .map(|(i, id)| {
            let answer = match i {
                10 | 20 | 30 => "",
                _ => ["○", "△", "✖"][i % 3],
            };
            let note = if i % 3 == 1 { format!("{id} は一部の部署のみ") } else { String::new() };
            (id, answer.to_owned(), note)
        })
        .collect()
}

type Answers = BTreeMap<String, (String, String, String)>;

async fn answers(app: &App, actor: &Actor, id: i64) -> Answers {
    let v = app.assessment(actor, id).await.expect("view");
    v.answers.values().map(|a| (a.criterion.clone(), (a.status.clone(), a.reason.clone(), a.note.clone()))).collect()
}

#[tokio::test]
async fn an_official_workbook_with_81_rows_names_exactly_its_problems_by_sheet_and_row() {
    for w in worlds().await {
        let a = w.app.start_assessment(&w.supplier, "3", "company", "").await.expect("start");
        let ids = star3();
        assert_eq!(ids.len(), 81);
        let mut rows = answered_rows();
        // Row 44 (index 40): a number the catalog does not have; row 54 (index 50) repeats row 9's.
        rows[40].0 = "9-9-9-9".into();
        rows[50].0 = ids[5].clone();
        let bytes = official(&rows);

        let preview = w.app.preview_workbook(&w.supplier, a.id, &bytes).await.expect("preview");
        let errors: Vec<(&str, u32)> = preview.errors.iter().map(|e| (e.sheet.as_str(), e.row)).collect();
        assert_eq!(errors, vec![(SHEET, 44), (SHEET, 54)], "{:#?}", preview.errors);
        assert!(preview.errors[0].message_en.contains("9-9-9-9") && preview.errors[0].message_ja.contains("9-9-9-9"));
        assert!(preview.errors[1].message_en.contains("already appears in row 9"), "{}", preview.errors[1].message_en);
        assert!(preview.errors[1].message_ja.contains("9行目"), "{}", preview.errors[1].message_ja);
        assert_eq!(preview.rows_total, 81);
        assert_eq!(preview.mapped, 81 - 3 - 2);
        assert_eq!(preview.changed, 76);
        assert_eq!(preview.skipped_sheets, vec!["記入方法".to_owned()]);
        assert_eq!(preview.sheets[0].header_row, Some(3));

        // With errors nothing is imported.
        let refused = w.app.import_workbook(&w.supplier, a.id, &bytes).await.expect("report");
        assert!(!refused.imported);
        assert_eq!(refused.errors.len(), 2);
        assert!(answers(&w.app, &w.supplier, a.id).await.is_empty(), "nothing saved");

        // The corrected workbook imports.
        let good = official(&answered_rows());
        let done = w.app.import_workbook(&w.supplier, a.id, &good).await.expect("import");
        assert!(done.imported, "{:?}", done.errors);
        assert_eq!((done.rows_total, done.mapped, done.changed), (81, 78, 78));
        let stored = answers(&w.app, &w.supplier, a.id).await;
        assert_eq!(stored.len(), 78);
        assert_eq!(stored[&ids[0]].0, "met");
        // △ counts as not met and keeps its meaning and text in the note.
        assert_eq!(stored[&ids[1]], ("not_met".into(), String::new(), format!("{PARTIAL_PREFIX}: {} は一部の部署のみ", ids[1])));
        assert_eq!(stored[&ids[2]].0, "not_met");
        assert!(!stored.contains_key(&ids[10]), "a blank answer is not an answer");
        let v = w.app.assessment(&w.supplier, a.id).await.expect("view");
        assert_eq!(v.evaluation.achieved, None, "△ and ✖ are gaps");

        // The same workbook again changes nothing and rewrites nothing.
        let again = w.app.import_workbook(&w.supplier, a.id, &good).await.expect("import");
        assert!(again.imported);
        assert_eq!((again.mapped, again.changed), (78, 0));
        let history = w.app.answer_history(&w.supplier, a.id, &ids[0]).await.expect("history");
        assert_eq!(history.len(), 1, "unchanged answers are not rewritten");

        // Changing one answer changes one, with its history.
        let mut one = answered_rows();
        one[0].1 = "✖".into();
        let changed = w.app.import_workbook(&w.supplier, a.id, &official(&one)).await.expect("import");
        assert_eq!(changed.changed, 1);
        assert_eq!(changed.changes[0].criterion, ids[0]);
        assert_eq!(changed.changes[0].old.as_ref().map(|o| o.status.as_str()), Some("met"));
        assert_eq!(changed.changes[0].new.status, "not_met");
        assert_eq!((changed.changes[0].sheet.as_str(), changed.changes[0].row), (SHEET, 4));
        assert_eq!(w.app.answer_history(&w.supplier, a.id, &ids[0]).await.expect("history").len(), 2);
    }
}

/// Every part of an XLSX by name.
fn parts(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("part");
        let mut s = String::new();
        f.read_to_string(&mut s).expect("text part");
        out.insert(f.name().to_owned(), s);
    }
    out
}

fn assert_no_formula(bytes: &[u8]) {
    let parts = parts(bytes);
    let sheets: Vec<_> = parts.iter().filter(|(n, _)| n.starts_with("xl/worksheets/sheet")).collect();
    assert!(!sheets.is_empty());
    for (name, xml) in sheets {
        assert!(!xml.contains("<f>") && !xml.contains("<f "), "{name} has a formula");
    }
}

#[tokio::test]
async fn export_then_import_gives_the_same_answers_and_text_stays_text() {
    for w in worlds().await {
        let a = w.app.start_assessment(&w.supplier, "3", "company", "").await.expect("start");
        let v = w.app.assessment(&w.supplier, a.id).await.expect("view");
        let all: Vec<String> = v.edition.criteria_up_to(Level::THREE).map(|c| c.id.clone()).collect();
        assert_eq!(all.len(), 112);
        for (i, id) in all.iter().enumerate() {
            let (status, reason, note) = match i % 7 {
                0 => ("met", "", ""),
                1 => ("not_met", "", "=SUM(A1:A2)"),
                2 => ("not_applicable", "-当社はクラウドを使わない", "@メモ"),
                3 => ("met", "", "+81 90 1234 5678\n二行目"),
                4 => ("not_met", "", ""),
                5 => continue, // unanswered
                _ => ("not_applicable", "対象外", ""),
            };
            w.app.answer(&w.supplier, a.id, id, status, reason, note).await.expect("answer");
        }
        w.app.add_evidence(&w.supplier, a.id, &all[0], "規程.txt", "情報セキュリティ規程".as_bytes()).await.expect("evidence");
        let before = answers(&w.app, &w.supplier, a.id).await;
        let v = w.app.assessment(&w.supplier, a.id).await.expect("view");

        for lang in [Lang::Ja, Lang::En] {
            let xlsx = exports::assessment_xlsx(&v, lang).expect("xlsx");
            assert_eq!(xlsx, exports::assessment_xlsx(&v, lang).expect("xlsx"), "the same assessment, the same bytes");
            assert_no_formula(&xlsx);
            let p = parts(&xlsx);
            let strings = &p["xl/sharedStrings.xml"];
            assert!(strings.contains("=SUM(A1:A2)") && strings.contains("@メモ") && strings.contains("規程.txt"));
            // One sheet per category, in catalog order.
            let book = &p["xl/workbook.xml"];
            let names: Vec<String> = v
                .edition
                .categories
                .iter()
                .filter(|c| v.edition.criteria_up_to(Level::THREE).any(|x| x.category == c.key))
                .map(|c| format!("{} {}", c.number, c.name.get(lang)))
                .collect();
            let mut at = 0;
            for n in &names {
                let found = book[at..].find(&format!("name=\"{n}\"")).unwrap_or_else(|| panic!("sheet {n} in order: {book}"));
                at += found;
            }
            // The cell with the formula-like note is a shared-string cell.
            let sheets: String = p.iter().filter(|(n, _)| n.starts_with("xl/worksheets/sheet")).map(|(_, x)| x.as_str()).collect();
            assert!(sheets.contains("t=\"s\""));

            // Into a fresh assessment: the same answers.
            let b = w.app.start_assessment(&w.supplier, "3", "company", "").await.expect("start");
            let report = w.app.import_workbook(&w.supplier, b.id, &xlsx).await.expect("import");
            assert!(report.imported, "{lang:?}: {:#?}", report.errors);
            assert_eq!(report.rows_total, 112);
            assert_eq!(report.mapped, before.len());
            assert_eq!(answers(&w.app, &w.supplier, b.id).await, before, "{lang:?}");
            // And into the assessment it came from: nothing changes.
            let same = w.app.preview_workbook(&w.supplier, a.id, &xlsx).await.expect("preview");
            assert_eq!((same.changed, same.errors.len()), (0, 0), "{lang:?}");
        }

        let gaps = exports::gaps_xlsx(&v, Lang::Ja).expect("gaps");
        assert_no_formula(&gaps);
        let p = parts(&gaps);
        let sheet = &p["xl/worksheets/sheet1.xml"];
        let total = v.estimate.increments[0].one_off.get();
        assert!(total > 0);
        assert!(sheet.contains(&format!("<v>{total}</v>")), "the total one-off cost as a number");
        assert!(p["xl/sharedStrings.xml"].contains("★3の取得まで 合計"));
    }
}

#[tokio::test]
async fn only_the_owner_imports_and_only_while_the_assessment_is_editable() {
    for w in worlds().await {
        let a = w.app.start_assessment(&w.supplier, "3", "company", "").await.expect("start");
        let bytes = official(&answered_rows());
        for stranger in [&w.other, &w.buyer] {
            assert!(matches!(w.app.preview_workbook(stranger, a.id, &bytes).await, Err(AppError::NotFound(_))));
            assert!(matches!(w.app.import_workbook(stranger, a.id, &bytes).await, Err(AppError::NotFound(_))));
        }
        assert!(matches!(w.app.preview_workbook(&w.supplier, a.id, b"").await, Err(AppError::Invalid { .. })));
        let not_a_workbook = w.app.preview_workbook(&w.supplier, a.id, b"a,b\nc,d\n").await;
        assert!(
            matches!(&not_a_workbook, Err(AppError::Invalid { message, .. }) if message.en.contains("criterion numbers")),
            "{not_a_workbook:?}"
        );

        // A ★4 criterion in a ★3 assessment is an error on its row.
        let ed = hoshi_standard::shared_edition(None).expect("edition");
        let four = ed.criteria.iter().find(|c| c.level == Level::FOUR).expect("★4").id.clone();
        let mut rows = answered_rows();
        rows.push((four.clone(), "○".into(), String::new()));
        let report = w.app.preview_workbook(&w.supplier, a.id, &official(&rows)).await.expect("preview");
        assert_eq!(report.errors.iter().map(|e| (e.sheet.as_str(), e.row)).collect::<Vec<_>>(), vec![(SHEET, 85)]);
        assert!(report.errors[0].message_en.contains(&four) && report.errors[0].message_en.contains("above"));

        // Staged for the browser: the same bytes by their hash; a made-up hash finds nothing.
        let (sha, staged) = w.app.stage_workbook(&w.supplier, a.id, &bytes).await.expect("stage");
        assert_eq!(staged.changed, 78);
        assert!(matches!(w.app.import_staged_workbook(&w.other, a.id, &sha).await, Err(AppError::NotFound(_))));
        assert!(matches!(w.app.import_staged_workbook(&w.supplier, a.id, &"0".repeat(64)).await, Err(AppError::Invalid { .. })));
        assert!(matches!(w.app.import_staged_workbook(&w.supplier, a.id, "../x").await, Err(AppError::Invalid { .. })));
        assert!(w.app.workbook_importable(&w.supplier, a.id).await.is_ok());
        assert!(matches!(w.app.workbook_importable(&w.other, a.id).await, Err(AppError::NotFound(_))));
        let done = w.app.import_staged_workbook(&w.supplier, a.id, &sha).await.expect("import");
        assert!(done.imported && done.changed == 78);

        // Sent to an expert: locked.
        let v = w.app.assessment(&w.supplier, a.id).await.expect("view");
        for c in v.edition.criteria_up_to(Level::THREE) {
            w.app.answer(&w.supplier, a.id, &c.id, "met", "", "").await.expect("answer");
        }
        let expert = cn("expert@suzuki-sec.example").to_string();
        w.app.engage(&w.supplier, a.id, &expert, hoshi_app::assessment::CONFIRMATION, "").await.expect("engage");
        assert!(matches!(w.app.import_workbook(&w.supplier, a.id, &bytes).await, Err(AppError::Conflict(_))));
        assert!(matches!(w.app.preview_workbook(&w.supplier, a.id, &bytes).await, Err(AppError::Conflict(_))));
    }
}

#[tokio::test]
async fn the_command_line_imports_into_the_open_draft_or_starts_one() {
    for w in worlds().await {
        let supplier = cn(SUPPLIER);
        let bytes = official(&answered_rows());
        // A dry run starts nothing.
        let dry = w.app.admin_import_workbook(&supplier, &bytes, true).await.expect("dry run");
        assert_eq!((dry.assessment_id, dry.mapped, dry.changed, dry.imported), (0, 78, 78, false));
        assert!(w.app.my_assessments(&w.supplier).await.expect("list").is_empty());
        // A refused import starts nothing either.
        let mut bad = answered_rows();
        bad[0].0 = "9-9-9-9".into();
        let refused = w.app.admin_import_workbook(&supplier, &official(&bad), false).await.expect("report");
        assert!(!refused.imported);
        assert_eq!(refused.summary_json(Lang::En)["errors"][0]["row"], 4);
        assert!(w.app.my_assessments(&w.supplier).await.expect("list").is_empty());

        let first = w.app.admin_import_workbook(&supplier, &bytes, false).await.expect("import");
        assert!(first.imported && first.created_draft);
        let list = w.app.my_assessments(&w.supplier).await.expect("list");
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].id, list[0].target_level, list[0].status.as_str()), (first.assessment_id, 3, "draft"));
        let second = w.app.admin_import_workbook(&supplier, &bytes, false).await.expect("import");
        assert_eq!((second.assessment_id, second.created_draft, second.changed), (first.assessment_id, false, 0));
        let (open, created) = w.app.admin_open_draft(&supplier).await.expect("open");
        assert_eq!((open.id, created), (first.assessment_id, false));
        let json = second.summary_json(Lang::Ja);
        assert_eq!(json, serde_json::json!({"rows_total": 81, "mapped": 78, "changed": 0, "errors": []}));

        // An organisation without the supplier role has no self-assessment.
        let buyer = cn("buyer@tokai-motor.example");
        let not_supplier = w.app.admin_import_workbook(&buyer, &bytes, false).await;
        if !w.buyer.org.roles.contains(&hoshi_core::org::OrgRole::Supplier) {
            assert!(matches!(not_supplier, Err(AppError::Forbidden(_))), "{not_supplier:?}");
        }
    }
}
