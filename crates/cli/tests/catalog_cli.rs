//! The `hoshi catalog` commands as a person runs them.

use std::process::{Command, Output};

fn hoshi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hoshi")).args(args).env("LANG", "C").output().expect("run hoshi")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn list_shows_levels_categories_and_published_counts() {
    let o = hoshi(&["catalog", "list", "--lang", "en"]);
    assert!(o.status.success());
    let s = stdout(&o);
    for l in ["★1", "★2", "★3", "★4", "★5"] {
        assert!(s.contains(&format!("\n{l} | ")), "{l} missing:\n{s}");
    }
    let star3 = s.lines().find(|l| l.starts_with("★3 |")).expect("★3 row");
    assert!(star3.ends_with("| 26 | 81 | 81"), "{star3}");
    let star4 = s.lines().find(|l| l.starts_with("★4 |")).expect("★4 row");
    assert!(star4.ends_with("| 17 | 75 | 156"), "{star4}");
    assert!(s.contains("categories: 7"));
    let ja = stdout(&hoshi(&["catalog", "list", "--lang", "ja"]));
    assert!(ja.contains("攻撃等の防御"), "{ja}");
}

#[test]
fn show_prints_every_field_in_the_chosen_language() {
    let en = stdout(&hoshi(&["catalog", "show", "4-1-3-2", "--lang", "en"]));
    for field in
        ["Criterion 4-1-3-2", "Level: ★3", "Requirement: 4-1-3", "Guidance", "Evidence examples", "NIST CSF 2.0: PR.AA", "Cost drivers"]
    {
        assert!(en.contains(field), "{field} missing:\n{en}");
    }
    let ja = stdout(&hoshi(&["catalog", "show", "4-1-3-2", "--lang", "ja"]));
    assert!(ja.contains("評価基準 4-1-3-2") && ja.contains("多要素認証"), "{ja}");
    let req = stdout(&hoshi(&["catalog", "show", "4-1-3", "--lang", "en"]));
    assert!(req.contains("4-1-3-5 [★4]"), "{req}");
}

#[test]
fn show_of_an_unknown_id_fails_with_a_hint() {
    let o = hoshi(&["catalog", "show", "9-9-9-9"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("ids look like 4-1-3-2"));
    let o = hoshi(&["catalog", "list", "--edition", "1999.01"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("the editions are: 2026.03"));
}

#[test]
fn export_writes_each_format() {
    let dir = std::env::temp_dir().join(format!("hoshi-cli-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let oscal = dir.join("catalog.json");
    let o = hoshi(&["catalog", "export", "--format", "oscal", "--lang", "en", "-o", oscal.to_str().expect("utf8")]);
    assert!(o.status.success(), "{o:?}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&oscal).expect("written")).expect("json");
    assert_eq!(doc["catalog"]["metadata"]["version"], "2026.03");
    let csv = stdout(&hoshi(&["catalog", "export", "--format", "csv", "--lang", "ja"]));
    assert!(csv.starts_with("版,評価基準番号,"), "{}", &csv[..40]);
    assert_eq!(csv.lines().count(), 212);
    let json: serde_json::Value = serde_json::from_str(&stdout(&hoshi(&["catalog", "export", "--format", "json"]))).expect("json");
    assert_eq!(json["criteria"].as_array().map(Vec::len), Some(211));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_reports_problems_with_file_and_line_and_fails() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalog/2026.03");
    let ok = hoshi(&["catalog", "check", root.to_str().expect("utf8")]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(stdout(&ok).contains("is valid"));

    let dir = std::env::temp_dir().join(format!("hoshi-cli-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    for entry in std::fs::read_dir(&root).expect("edition") {
        let p = entry.expect("entry").path();
        std::fs::copy(&p, dir.join(p.file_name().expect("name"))).expect("copy");
    }
    let recover = dir.join("7-recover.toml");
    let text = std::fs::read_to_string(&recover).expect("read");
    std::fs::write(&recover, text.replacen("requirement = \"7-1-1\"", "requirement = \"7-1-9\"", 1)).expect("write");
    let bad = hoshi(&["catalog", "check", dir.join("edition.toml").to_str().expect("utf8")]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("7-recover.toml:") && err.contains("unknown requirement \"7-1-9\""), "{err}");
    assert!(err.contains("problem(s)"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
