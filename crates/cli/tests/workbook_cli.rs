//! `hoshi assess export --format xlsx` and `hoshi assess import-workbook`: a confirmed assessment
//! exported and imported comes back as a new draft with the same answers; a workbook with an
//! unknown and a repeated number reports exactly those rows (JSON report, exit 1) and writes
//! nothing; an unreadable file exits 2.

use std::process::{Command, Output};

fn hoshi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hoshi")).args(args).env("HOSHI_LOG", "warn").output().expect("run hoshi")
}

fn cn(email: &str) -> String {
    hoshi_app::demo::WORLD.iter().find(|d| d.email == email).map(|d| d.corporate_number().to_string()).expect("demo org")
}

/// (criterion, status, reason, note).
type Answer = (String, String, String, String);

/// The exported JSON's answers, and the assessment's id and status.
fn latest(supplier: &str, data: &str) -> (Vec<Answer>, i64, String) {
    let out = hoshi(&["assess", "export", "--supplier", supplier, "--format", "json", "--data", data]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut answers: Vec<_> = v["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().expect("text").to_owned();
            (s("criterion"), s("status"), s("reason"), s("note"))
        })
        .collect();
    answers.sort();
    (answers, v["id"].as_i64().expect("id"), v["status"].as_str().expect("status").to_owned())
}

#[test]
fn exports_and_imports_the_workbook_and_reports_problems_by_sheet_and_row() {
    let dir = std::env::temp_dir().join(format!("hoshi-workbook-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let data = dir.join("data");
    let data = data.to_str().expect("utf8");
    let seeded = hoshi(&["demo", "--seed-only", "--data", data]);
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));

    // Mikawa's ★3 is confirmed (locked): the import starts a new draft with the same answers.
    let mikawa = cn("owner@mikawa-seiki.example");
    let (before, confirmed_id, status) = latest(&mikawa, data);
    assert_eq!(status, "confirmed");
    assert!(before.len() >= 112, "{}", before.len());
    let file = dir.join("mikawa.xlsx");
    let file = file.to_str().expect("utf8");
    let out = hoshi(&["assess", "export", "--supplier", &mikawa, "--format", "xlsx", "-o", file, "--data", data]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read(file).expect("written").starts_with(b"PK\x03\x04"), "an XLSX (a ZIP)");

    let dry = hoshi(&["assess", "import-workbook", file, "--supplier", &mikawa, "--dry-run", "--report", "json", "--data", data]);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    let v: serde_json::Value = serde_json::from_slice(&dry.stdout).expect("json");
    assert_eq!(v["errors"], serde_json::json!([]));
    assert_eq!(v["mapped"].as_u64(), Some(before.len() as u64));
    assert_eq!(latest(&mikawa, data).1, confirmed_id, "a dry run starts no draft");

    let done = hoshi(&["assess", "import-workbook", file, "--supplier", &mikawa, "--report", "json", "--data", data]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let v: serde_json::Value = serde_json::from_slice(&done.stdout).expect("json");
    let mut keys: Vec<&str> = v.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, vec!["changed", "errors", "mapped", "rows_total"], "exactly the documented report");
    assert_eq!(v["changed"].as_u64(), Some(before.len() as u64), "every answer is new in the new draft");
    let (after, draft_id, status) = latest(&mikawa, data);
    assert_ne!(draft_id, confirmed_id);
    assert_eq!(status, "draft");
    assert_eq!(after, before, "export → import gives the same answers");

    // Again: into the same draft, nothing changes.
    let again = hoshi(&["assess", "import-workbook", file, "--supplier", &mikawa, "--report", "json", "--data", data]);
    assert!(again.status.success());
    let v: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!(v["changed"], 0);
    assert_eq!(latest(&mikawa, data).1, draft_id);

    // Okazaki's open draft: an unknown and a repeated number, reported by sheet and row; nothing written.
    let okazaki = cn("owner@okazaki-jushi.example");
    let (okazaki_before, okazaki_id, _) = latest(&okazaki, data);
    let csv = dir.join("bad.csv");
    let edition = hoshi_standard::shared_edition(None).expect("edition");
    let mut star3 = edition.criteria.iter().filter(|c| c.level == hoshi_core::Level::THREE).map(|c| c.id.as_str());
    let (one, two) = (star3.next().expect("★3"), star3.next().expect("★3"));
    std::fs::write(&csv, format!("評価基準番号,回答,備考\n{one},○,\n9-9-9-9,✖,\n{one},△,重複\n{two},,\n")).expect("write");
    let csv = csv.to_str().expect("utf8");
    let bad = hoshi(&["assess", "import-workbook", csv, "--supplier", &okazaki, "--report", "json", "--lang", "en", "--data", data]);
    assert_eq!(bad.status.code(), Some(1), "{}", String::from_utf8_lossy(&bad.stderr));
    let v: serde_json::Value = serde_json::from_slice(&bad.stdout).expect("json");
    assert_eq!((v["rows_total"].as_u64(), v["mapped"].as_u64(), v["changed"].as_u64()), (Some(4), Some(1), Some(1)));
    let errors = v["errors"].as_array().expect("errors");
    let at: Vec<(&str, u64)> = errors.iter().map(|e| (e["sheet"].as_str().expect("sheet"), e["row"].as_u64().expect("row"))).collect();
    assert_eq!(at, vec![("CSV", 3), ("CSV", 4)]);
    assert!(errors[0]["message"].as_str().expect("message").contains("9-9-9-9"));
    assert!(errors[1]["message"].as_str().expect("message").contains("row 2"));
    assert_eq!(latest(&okazaki, data), (okazaki_before, okazaki_id, "draft".to_owned()), "nothing written");
    // The text report names sheet and row too, in Japanese by default.
    let text = hoshi(&["assess", "import-workbook", csv, "--supplier", &okazaki, "--data", data]);
    assert_eq!(text.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("シート「CSV」3行目") && stdout.contains("何も取り込んでいません"), "{stdout}");

    // A file that is no workbook at all: exit 2 with the reason.
    let junk = dir.join("junk.txt");
    std::fs::write(&junk, "nothing here\n").expect("write");
    let junk = junk.to_str().expect("utf8");
    let out = hoshi(&["assess", "import-workbook", junk, "--supplier", &okazaki, "--lang", "en", "--data", data]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("criterion numbers"), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
