//! `hoshi risk propagate` reads firms and links and ranks exposure; bad rows are named.

use std::process::Command;

fn cn(i: u64) -> String {
    let mut b = [0u8; 12];
    for (d, c) in b.iter_mut().zip(format!("{:012}", 300_000_000_000 + i).bytes()) {
        *d = c - b'0';
    }
    hoshi_core::CorporateNumber::from_base(&b).expect("digits").to_string()
}

#[test]
fn propagates_a_kojima_style_chain_and_names_bad_rows() {
    let dir = std::env::temp_dir().join(format!("hoshi-risk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    // 0 automaker ← 1 tier-1 ← 2 tier-2 (compromised often); 3 unrelated.
    std::fs::write(
        dir.join("firms.csv"),
        format!(
            "corporate_number,name,own_risk\n{},automaker,0.01\n{},tier1,0.05\n{},tier2,0.5\n{},other,0.02\n",
            cn(0),
            cn(1),
            cn(2),
            cn(3)
        ),
    )
    .expect("firms");
    std::fs::write(dir.join("links.csv"), format!("supplier,customer,weight\n{},{},0.9\n{},{},0.8\n", cn(1), cn(0), cn(2), cn(1)))
        .expect("links");
    let out =
        Command::new(env!("CARGO_BIN_EXE_hoshi")).args(["risk", "propagate", dir.to_str().expect("utf8"), "--json"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["iterations"].as_u64().is_some_and(|i| i >= 2) && v["seconds"].is_number());
    let top = v["top"].as_array().expect("top");
    assert_eq!(top.len(), 4);
    assert_eq!(top[0]["corporate_number"], cn(2).as_str());
    // Exact on a chain: r1 = 1-(0.95)(1-0.8·0.5) = 0.43; r0 = 1-(0.99)(1-0.9·0.43) = 0.393139…
    let r0 = top.iter().find(|t| t["corporate_number"] == cn(0).as_str()).and_then(|t| t["risk"].as_f64()).expect("r0");
    assert!((r0 - (1.0 - 0.99 * (1.0 - 0.9 * 0.43))).abs() < 1e-9, "{r0}");

    std::fs::write(dir.join("links.csv"), format!("supplier,customer,weight\n{},{},1.5\n", cn(1), cn(0))).expect("links");
    let bad = Command::new(env!("CARGO_BIN_EXE_hoshi")).args(["risk", "propagate", dir.to_str().expect("utf8")]).output().expect("run");
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("row 2, column weight: 1.5 is outside 0–1"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn world(name: &str, firms: &str, links: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hoshi-risk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("firms.csv"), firms).expect("firms");
    std::fs::write(dir.join("links.csv"), links).expect("links");
    dir
}

fn propagate(dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hoshi")).args(["risk", "propagate", dir.to_str().expect("utf8"), "--json"]).output().expect("run")
}

#[test]
fn ties_are_ranked_by_corporate_number_and_counted() {
    // Twelve firms at exactly 1.0 (own risk 1) and one below: the top ten are the ten smallest
    // numbers among the twelve, whatever the file order; twelve tie with the tenth, two left out.
    let mut firms = String::from("corporate_number,own_risk\n");
    for i in (0..12).rev() {
        firms.push_str(&format!("{},1\n", cn(i)));
    }
    firms.push_str(&format!("{},0.5\n", cn(99)));
    let dir = world("ties", &firms, "supplier,customer,weight\n");
    let out = propagate(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let top: Vec<&str> = v["top"].as_array().expect("top").iter().map(|t| t["corporate_number"].as_str().expect("cn")).collect();
    let mut want: Vec<String> = (0..12).map(cn).collect();
    want.sort();
    assert_eq!(top, want[..10].iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(v["ties_at_cutoff"], 12);
    assert_eq!(v["tied_beyond_top"], 2);
    assert_eq!(v["at_one"], 12);
    assert_eq!(v["tenth_risk"], 1.0);
    assert_eq!(v["rank_rule"], "risk descending, then corporate number ascending");
    let phases = &v["phases"];
    let sum: f64 = ["read", "parse", "build", "propagate", "rank"].iter().map(|p| phases[p].as_f64().expect("phase")).sum();
    assert!(sum <= v["seconds"].as_f64().expect("seconds") + 1e-6, "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn quoted_fields_blank_lines_and_crlf_read_as_the_csv_crate_reads_them() {
    // A quoted name with a comma and a line break, a hyphenated number, CRLF and a blank line:
    // the same answer as the plain file.
    let plain = world(
        "plain",
        &format!("corporate_number,name,own_risk\n{},a,0.1\n{},b,0.2\n", cn(1), cn(2)),
        &format!("supplier,customer,weight\n{},{},0.5\n", cn(2), cn(1)),
    );
    let c1 = cn(1);
    let quoted = world(
        "quoted",
        &format!(
            "corporate_number,name,own_risk\r\n\"{}-{}\",\"Tanaka, \"\"Seiki\"\"\r\nLtd\",0.1\r\n\r\n{},b,\"0.2\"\r\n",
            &c1[..4],
            &c1[4..],
            cn(2)
        ),
        &format!("\u{feff}supplier,customer,weight\r\n\"{}\",{},0.5\r\n", cn(2), cn(1)),
    );
    let a: serde_json::Value = serde_json::from_slice(&propagate(&plain).stdout).expect("plain");
    let out = propagate(&quoted);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let b: serde_json::Value = serde_json::from_slice(&out.stdout).expect("quoted");
    assert_eq!(a["top"], b["top"]);
    assert_eq!(b["firms"], 2);
    let _ = std::fs::remove_dir_all(&plain);
    let _ = std::fs::remove_dir_all(&quoted);
}

#[test]
fn bad_input_names_file_row_and_column() {
    let good = format!("corporate_number,own_risk\n{},0.1\n{},0.2\n", cn(1), cn(2));
    let mut wrong_check = cn(3);
    let d = (wrong_check.as_bytes()[0] - b'0' + 1) % 10;
    wrong_check.replace_range(0..1, &d.to_string());
    let cases: Vec<(String, String, String)> = vec![
        (
            good.clone(),
            format!("supplier,customer,weight\n{},{},0.5\n{},{},x\n", cn(1), cn(2), cn(2), cn(1)),
            "links.csv row 3, column weight: \"x\" is not a number".into(),
        ),
        (
            good.clone(),
            format!("supplier,customer,weight\n{},{},0.5\n", cn(1), cn(7)),
            format!("links.csv row 2, column customer: {} is not in firms.csv", cn(7)),
        ),
        (
            good.clone(),
            format!("supplier,customer,weight\n{},{},0.5\n", wrong_check, cn(1)),
            "links.csv row 2, column supplier: the corporate number".into(),
        ),
        (
            good.clone(),
            format!("supplier,customer,weight\n{},{}\n", cn(1), cn(2)),
            "links.csv row 2, column weight: the row has 2 columns".into(),
        ),
        (good.clone(), "supplier,customer\n".into(), "has no column \"weight\"".into()),
        (
            format!("corporate_number,own_risk\n{},0.1\n\n{},0.2\n", cn(1), cn(1)),
            "supplier,customer,weight\n".into(),
            format!("firms.csv row 4: corporate number {} appears twice", cn(1)),
        ),
        (
            format!("corporate_number,own_risk\n{},1.2\n", cn(1)),
            "supplier,customer,weight\n".into(),
            "firms.csv row 2, column own_risk: 1.2 is outside 0–1".into(),
        ),
        (
            "corporate_number,own_risk\n123,0.1\n".to_string(),
            "supplier,customer,weight\n".into(),
            "firms.csv row 2, column corporate_number: the corporate number 123 has 3 digits".into(),
        ),
        (
            format!("corporate_number,name,own_risk\n{},\"quoted, name\",oops\n", cn(1)),
            "supplier,customer,weight\n".into(),
            "firms.csv row 2, column own_risk: \"oops\" is not a number".into(),
        ),
    ];
    for (i, (firms, links, want)) in cases.iter().enumerate() {
        let dir = world(&format!("bad{i}"), firms, links);
        let out = propagate(&dir);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case {i}: {err}");
        assert!(err.contains(want.as_str()), "case {i}: want {want:?} in {err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn gen_is_deterministic_valid_and_propagates() {
    let base = std::env::temp_dir().join(format!("hoshi-gen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let gen = |out: &str, seed: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_hoshi"))
            .args(["gen", "--firms", "2000", "--seed", seed, "--out", base.join(out).to_str().expect("utf8")])
            .output()
            .expect("gen");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    gen("a", "7");
    gen("b", "7");
    gen("c", "8");
    for f in ["firms.csv", "links.csv"] {
        let a = std::fs::read(base.join("a").join(f)).expect("a");
        assert_eq!(a, std::fs::read(base.join("b").join(f)).expect("b"), "{f} differs for the same seed");
        assert_ne!(a, std::fs::read(base.join("c").join(f)).expect("c"), "{f} is the same for another seed");
    }
    let firms = std::fs::read_to_string(base.join("a/firms.csv")).expect("firms");
    let mut lines = firms.lines();
    assert_eq!(lines.next(), Some("corporate_number,name,prefecture,industry,employees,level,own_risk"));
    let mut numbers = std::collections::HashSet::new();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 7, "{l}");
        assert!(hoshi_core::CorporateNumber::parse(f[0]).is_ok(), "{l}");
        assert!(numbers.insert(f[0].to_owned()), "{} twice", f[0]);
        let pref: u8 = f[2].parse().expect("JIS code");
        assert!((1..=47).contains(&pref));
        assert!(hoshi_core::org::Industry::parse(f[3]).is_ok());
        let level = if f[5].is_empty() { None } else { Some(hoshi_core::Level::parse(f[5]).expect("level")) };
        assert_eq!(f[6].parse::<f64>().expect("own_risk"), hoshi_core::risk::likelihood_of_level(level));
    }
    assert_eq!(numbers.len(), 2000);
    let links = std::fs::read_to_string(base.join("a/links.csv")).expect("links").lines().count() - 1;
    assert!((8_000..12_000).contains(&links), "about five links a firm: {links}");
    let out = propagate(&base.join("a"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&base);
}
