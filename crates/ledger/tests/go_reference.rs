//! Go's reference implementation (golang.org/x/mod/sumdb/note and tlog, from Debian's
//! golang-go and golang-golang-x-mod-dev) must accept what Hoshi's log produces: the checkpoint
//! signature, the tiles (Go recomputes the root from them), the entry bundles, and the
//! inclusion and consistency proofs. The test command installs Go and sets HOSHI_REQUIRE_GO=1.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hoshi_ledger::log::{hash_to_base64, prove_consistency, prove_inclusion, static_tiles, tree_hash, LogSigner, MemoryLog};
use serde_json::json;

fn go_available() -> bool {
    Command::new("go").arg("version").output().is_ok_and(|o| o.status.success())
}

fn write_export(dir: &Path, size: usize) -> MemoryLog {
    let mut l = MemoryLog::default();
    for i in 0..size {
        l.append(format!("{{\"event\":\"issued\",\"serial\":\"HS-{i:06}\"}}").as_bytes()).expect("append");
    }
    let signer = LogSigner::generate("registry.hoshi.test/log").expect("key");
    std::fs::write(dir.join("key"), signer.verifier_key()).expect("key");
    std::fs::write(dir.join("checkpoint"), signer.sign_checkpoint(l.size(), &l.root().expect("root")).expect("sign")).expect("cp");
    for (path, bytes) in static_tiles(l.size(), &l, |i| l.entries.get(i as usize).cloned()).expect("tiles") {
        let p = dir.join(&path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("tile");
    }
    let n = l.size();
    let inclusion: Vec<_> = [0, 1, 255, 256, 257, n / 2, n - 1]
        .iter()
        .filter(|i| **i < n)
        .map(|&i| json!({"index": i, "entry": B64.encode(&l.entries[i as usize]), "proof": prove_inclusion(n, i, &l).expect("proof").iter().map(hash_to_base64).collect::<Vec<_>>()}))
        .collect();
    let consistency: Vec<_> = [1, 7, 256, n / 2, n]
        .iter()
        .filter(|o| **o >= 1 && **o <= n)
        .map(|&o| json!({"old": o, "old_root": hash_to_base64(&tree_hash(o, &l).expect("root")), "proof": prove_consistency(n, o, &l).expect("proof").iter().map(hash_to_base64).collect::<Vec<_>>()}))
        .collect();
    std::fs::write(dir.join("proofs.json"), json!({"inclusion": inclusion, "consistency": consistency}).to_string()).expect("proofs");
    l
}

#[test]
fn go_reference_code_accepts_checkpoint_tiles_and_proofs() {
    if !go_available() {
        assert!(std::env::var("HOSHI_REQUIRE_GO").is_err(), "HOSHI_REQUIRE_GO is set but `go` is not installed");
        eprintln!("skipped: Go is not installed (the test command installs it)");
        return;
    }
    let program: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/tlogcheck/main.go");
    for size in [1usize, 300, 70_000] {
        let dir = std::env::temp_dir().join(format!("hoshi-go-tlog-{}-{size}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("tmp");
        write_export(&dir, size);
        let out = Command::new("go")
            .arg("run")
            .arg(&program)
            .arg(&dir)
            .env("GO111MODULE", "off")
            .env("GOPATH", "/usr/share/gocode")
            .env("GOFLAGS", "-mod=mod")
            .output()
            .expect("go run");
        let text = String::from_utf8_lossy(&out.stdout);
        println!("size {size}:\n{text}{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            out.status.success(),
            "Go's tlog/note refused the export of size {size}:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains(" 0 failed"), "{text}");

        // The check can fail: a changed tile byte must make Go refuse the tree.
        let full = dir.join("tile/0/000");
        let tile = if full.exists() { full } else { dir.join(format!("tile/0/000.p/{}", size.min(255))) };
        let mut bytes = std::fs::read(&tile).expect("tile");
        bytes[0] ^= 1;
        std::fs::write(&tile, bytes).expect("write");
        let bad = Command::new("go")
            .arg("run")
            .arg(&program)
            .arg(&dir)
            .env("GO111MODULE", "off")
            .env("GOPATH", "/usr/share/gocode")
            .env("GOFLAGS", "-mod=mod")
            .output()
            .expect("go run");
        assert!(!bad.status.success(), "a changed tile was accepted for size {size}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
