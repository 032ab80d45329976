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
