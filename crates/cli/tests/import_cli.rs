//! `hoshi import suppliers`: a 3,000-row file with bad rows reports exactly those rows (JSON
//! report), refuses to half-import, imports the good rows when asked, converts Excel's
//! Shift_JIS, updates by corporate number on a second import, and lists blanks as warnings at
//! their spreadsheet rows.

use std::process::{Command, Output};

fn hoshi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hoshi")).args(args).env("HOSHI_LOG", "warn").output().expect("run hoshi")
}

fn cn(i: u64) -> String {
    let mut b = [0u8; 12];
    for (d, c) in b.iter_mut().zip(format!("{:012}", 600_000_000_000 + i).bytes()) {
        *d = c - b'0';
    }
    hoshi_core::CorporateNumber::from_base(&b).expect("digits").to_string()
}

#[test]
fn imports_a_supplier_file_and_reports_bad_rows_exactly() {
    let dir = std::env::temp_dir().join(format!("hoshi-import-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let data = dir.join("data");
    let data = data.to_str().expect("utf8");
    let seeded = hoshi(&["demo", "--seed-only", "--data", data]);
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let buyer = hoshi_app::demo::WORLD[0].corporate_number().to_string();

    // 3,000 rows; every 150th has a wrong check digit, every 211th an unknown criticality, every
    // 500th a blank answer on confidential data (a warning, not "no").
    let mut text = String::from("法人番号,名称,年間購入額,重要度,機密情報の保有\r\n");
    let mut bad = Vec::new();
    let mut blank = Vec::new();
    for i in 0..3000u64 {
        let mut number = cn(i);
        let mut crit = "中";
        let confidential = if i % 500 == 3 { "" } else { "いいえ" };
        if i % 500 == 3 {
            blank.push(i + 2);
        }
        if i % 150 == 7 {
            let last = number.pop().expect("digit");
            number.push(if last == '1' { '2' } else { '1' });
        }
        if i % 211 == 5 {
            crit = "最重要";
        }
        if i % 150 == 7 || i % 211 == 5 {
            bad.push(i + 2);
        }
        text.push_str(&format!("{number},取引先{i},\"1,200,000\",{crit},{confidential}\r\n"));
    }
    let file = dir.join("suppliers.csv");
    std::fs::write(&file, &text).expect("write");
    let file = file.to_str().expect("utf8");

    let out = hoshi(&["import", "suppliers", file, "--buyer", &buyer, "--dry-run", "--report", "json", "--data", data]);
    assert!(out.status.success(), "a dry run reports and succeeds: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(v["rows_total"], 3000);
    assert_eq!(v["rows_ok"].as_u64(), Some(3000 - bad.len() as u64));
    let mut rows: Vec<u64> = v["errors"].as_array().expect("errors").iter().map(|e| e["row"].as_u64().expect("row")).collect();
    rows.dedup();
    assert_eq!(rows, bad, "exactly the bad rows");
    let first = v["errors"].as_array().expect("errors").iter().find(|e| e["column"] == "corporate_number").expect("a check-digit error");
    assert_eq!(first["row"], 9);
    assert!(first["message"].as_str().expect("message").contains("check digit"), "{first}");
    // Warnings: the two ★4 questions without a column (on the header, row 1), then each blank at its row.
    let warnings = v["warnings"].as_array().expect("warnings");
    let cells: Vec<(u64, &str)> =
        warnings.iter().map(|w| (w["row"].as_u64().expect("row"), w["column"].as_str().expect("column"))).collect();
    let mut expected = vec![(1, "outage_unacceptable"), (1, "network_access")];
    expected.extend(blank.iter().map(|&row| (row, "holds_confidential_data")));
    assert_eq!(cells, expected);
    assert_eq!(cells[2], (5, "holds_confidential_data"), "data row 3 is spreadsheet row 5");
    for w in warnings {
        let mut keys: Vec<&str> = w.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["column", "message", "row"], "{w}");
    }
    assert!(warnings[2]["message"].as_str().expect("message").contains("not \"no\""), "{}", warnings[2]);

    // Without --good-rows nothing is imported and the exit status says so.
    let out = hoshi(&["import", "suppliers", file, "--buyer", &buyer, "--data", data]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing imported"));
    let out = hoshi(&["import", "suppliers", file, "--buyer", &buyer, "--dry-run", "--report", "json", "--data", data]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["updated"], 0, "still nothing there");

    let out = hoshi(&["import", "suppliers", file, "--buyer", &buyer, "--good-rows", "--report", "json", "--data", data]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["imported"], true);
    assert_eq!(v["created"].as_u64(), Some(3000 - bad.len() as u64));
    assert_eq!(v["warnings"].as_array().map(Vec::len), Some(2 + blank.len()), "the import lists its warnings too");

    // Excel's Shift_JIS export of two of the same rows with changed facts: converted, updated.
    let source = format!("法人番号,名称,機密情報の保有\r\n{},取引先〇,はい\r\n{},取引先一,はい\r\n", cn(0), cn(1));
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&source);
    let sjis_file = dir.join("sjis.csv");
    std::fs::write(&sjis_file, &sjis).expect("write");
    let out = hoshi(&["import", "suppliers", sjis_file.to_str().expect("utf8"), "--buyer", &buyer, "--lang", "ja", "--data", data]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Shift_JIS"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 added, 2 updated"), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("warning: row 1, outage_unacceptable: 「停止影響」"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A buyer that is not in Hoshi, and an unreadable file, are refused with exit 2.
    let out = hoshi(&["import", "suppliers", file, "--buyer", &cn(9999), "--data", data]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("register it first"), "{}", String::from_utf8_lossy(&out.stderr));
    let junk = dir.join("junk.csv");
    std::fs::write(&junk, [0xff, 0xfe, 0x00, 0x41, 0x00, 0x00]).expect("write");
    let out = hoshi(&["import", "suppliers", junk.to_str().expect("utf8"), "--buyer", &buyer, "--data", data]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CSV UTF-8"), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
