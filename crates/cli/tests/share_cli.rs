//! `hoshi share allocate` gives the API's answer on a file or standard input; bad files exit 2
//! with what to fix.

use std::io::Write;
use std::process::{Command, Stdio};

const EXAMPLE: &str = r#"{
  "increments": [{"level": 3, "cost_yen": 3000000}, {"level": 4, "cost_yen": 2000000}, {"level": 5, "cost_yen": 4000000}],
  "participants": [{"id": "A", "level": 3, "weight": 8}, {"id": "B", "level": 4, "weight": 1}, {"id": "C", "level": 5, "weight": 1}]
}"#;

fn hoshi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hoshi")).args(args).output().expect("run hoshi")
}

fn shares(out: &std::process::Output) -> Vec<u64> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["total_yen"], 9_000_000);
    v["shares"].as_array().expect("shares").iter().map(|s| s["share_yen"].as_u64().expect("share_yen")).collect()
}

#[test]
fn the_worked_example_and_bad_files() {
    let dir = std::env::temp_dir().join(format!("hoshi-share-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("example.json");
    std::fs::write(&file, EXAMPLE).expect("write");
    let f = file.to_str().expect("utf8");

    assert_eq!(shares(&hoshi(&["share", "allocate", f, "--rule", "shapley"])), [1_000_000, 2_000_000, 6_000_000]);
    assert_eq!(shares(&hoshi(&["share", "allocate", f, "--rule", "nucleolus"])), [1_500_000, 1_750_000, 5_750_000]);
    assert_eq!(shares(&hoshi(&["share", "allocate", f])), [2_400_000, 1_300_000, 5_300_000]);

    // Standard input, and the table.
    let mut child = Command::new(env!("CARGO_BIN_EXE_hoshi"))
        .args(["share", "allocate", "-", "--rule", "shapley", "--table"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(EXAMPLE.as_bytes()).expect("stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("★3→★4") && table.contains("¥6,000,000") && table.contains("¥9,000,000"), "{table}");

    // Bad input: exit 2 and the field to fix.
    std::fs::write(&file, EXAMPLE.replace("3000000", "3000000.5")).expect("write");
    let out = hoshi(&["share", "allocate", f]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("increments[0].cost_yen") && err.contains("not a whole number"), "{err}");
    std::fs::write(&file, EXAMPLE).expect("write");
    let out = hoshi(&["share", "allocate", f, "--rule", "fair"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rule"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&file, "not json").expect("write");
    let out = hoshi(&["share", "allocate", f]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = hoshi(&["share", "allocate", dir.join("missing.json").to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verify_record_accepts_an_intact_chain_and_names_the_changed_step() {
    use hoshi_core::negotiation::{step_hash, StepRecord};
    let mut steps: Vec<StepRecord> = Vec::new();
    for (seq, kind, body) in
        [(1u64, "request", r#"{"annual_yen":500000}"#), (2, "counter", r#"{"annual_yen":300000,"reason":"r"}"#), (3, "accept", "{}")]
    {
        let prev = steps.last().map(|s| s.hash.clone()).unwrap_or_default();
        let hash = step_hash(seq, kind, "1234567890123", "someone", 1_800_000_000 + seq as i64, body, &prev);
        steps.push(StepRecord {
            seq,
            kind: kind.into(),
            org: "1234567890123".into(),
            actor: "someone".into(),
            at: 1_800_000_000 + seq as i64,
            body: body.into(),
            prev_hash: prev,
            hash,
        });
    }
    let dir = std::env::temp_dir().join(format!("hoshi-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let good = dir.join("good.json");
    std::fs::write(&good, serde_json::json!({"steps": steps, "last_hash": steps[2].hash}).to_string()).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hoshi"))
        .args(["share", "verify-record", good.to_str().expect("utf8")])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    steps[1].body = r#"{"annual_yen":900000,"reason":"r"}"#.into();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, serde_json::json!({"steps": steps}).to_string()).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hoshi"))
        .args(["share", "verify-record", bad.to_str().expect("utf8")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("step 2"), "{}", String::from_utf8_lossy(&out.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}
