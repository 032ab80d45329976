//! Killing the server with SIGKILL in the middle of registry changes loses no acknowledged
//! change, and the log stays consistent with every checkpoint published before the kill.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn hoshi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hoshi"))
}

fn request(addr: &str, method: &str, path: &str, token: &str, body: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let ct = if body.is_empty() {
        String::new()
    } else {
        format!("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n", body.len())
    };
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n{ct}Connection: close\r\n\r\n{body}").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let code = out.split_whitespace().nth(1)?.parse().ok()?;
    Some((code, out))
}

/// Kills the server when the test ends, even on a failed assertion.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(data: &str) -> (Child, String) {
    let mut child = hoshi()
        .args(["demo", "--addr", "127.0.0.1:0", "--data", data])
        .env("HOSHI_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("line").expect("utf8");
    let addr = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("url")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

#[test]
fn sigkill_loses_no_acknowledged_change_and_the_log_stays_consistent() {
    let dir = std::env::temp_dir().join(format!("hoshi-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.to_str().expect("utf8").to_owned();
    assert!(hoshi()
        .args(["demo", "--seed-only", "--extra-applicants", "40", "--data", &data])
        .env("HOSHI_LOG", "warn")
        .status()
        .expect("seed")
        .success());
    let token = String::from_utf8(
        hoshi()
            .args([
                "users",
                "token",
                "--email",
                "registry@ipa-demo.example",
                "--name",
                "crash-test",
                "--scope",
                "read_write",
                "--data",
                &data,
            ])
            .output()
            .expect("token")
            .stdout,
    )
    .expect("utf8")
    .trim()
    .to_owned();
    assert!(token.starts_with("hoshi_"), "{token}");

    let (server, addr) = start(&data);
    let mut server = Server(server);
    // Issue certificates one after another, as the operator does from the console.
    let mut acknowledged: Vec<String> = Vec::new();
    let mut checkpoints = Vec::new();
    let began = Instant::now();
    let next_application = |addr: &str| -> Option<String> {
        let (_, page) = request(addr, "GET", "/registry/console", &token, "")?;
        let at = page.find("/registry/applications/")?;
        let id: String = page[at + "/registry/applications/".len()..].chars().take_while(char::is_ascii_digit).collect();
        (!id.is_empty()).then_some(id)
    };
    while began.elapsed() < Duration::from_millis(3000) {
        let Some(id) = next_application(&addr) else { break };
        if let Some((200, text)) =
            request(&addr, "POST", &format!("/registry/applications/{id}/decide"), &token, "decision=issue&reason=checked")
        {
            if let Some(at) = text.find("HS2026-") {
                acknowledged.push(text[at..at + 14].to_owned());
            }
        }
        if let Some((200, cp)) = request(&addr, "GET", "/log/checkpoint", &token, "") {
            checkpoints.push(cp.split("\r\n\r\n").nth(1).unwrap_or("").to_owned());
        }
    }
    // Mid-flight: one more issue without waiting for it, then SIGKILL.
    let a2 = addr.clone();
    let inflight_id = next_application(&addr);
    let t2 = token.clone();
    let inflight = std::thread::spawn(move || {
        inflight_id
            .and_then(|id| request(&a2, "POST", &format!("/registry/applications/{id}/decide"), &t2, "decision=issue&reason=checked"))
    });
    std::thread::sleep(Duration::from_millis(5));
    server.0.kill().expect("SIGKILL");
    let _ = server.0.wait();
    let _ = inflight.join();
    println!("{} certificates acknowledged before SIGKILL; {} checkpoints seen", acknowledged.len(), checkpoints.len());
    assert!(acknowledged.len() >= 4, "the workload ran ({} certificates acknowledged)", acknowledged.len());
    assert!(!checkpoints.is_empty(), "checkpoints were published before the kill");

    // After the crash: sequence what was committed, then audit every stored checkpoint.
    let expire = hoshi().args(["registry", "expire", "--data", &data]).env("HOSHI_LOG", "warn").output().expect("expire");
    assert!(expire.status.success(), "{}", String::from_utf8_lossy(&expire.stderr));
    let audit = hoshi().args(["registry", "audit", "--data", &data]).env("HOSHI_LOG", "warn").output().expect("audit");
    assert!(audit.status.success(), "the log is inconsistent after SIGKILL: {}", String::from_utf8_lossy(&audit.stderr));

    // Every acknowledged change is in the log; every checkpoint seen before the kill is a prefix.
    let tiles = dir.join("export");
    assert!(hoshi()
        .args(["registry", "export-tiles", tiles.to_str().expect("utf8"), "--data", &data])
        .env("HOSHI_LOG", "warn")
        .status()
        .expect("export")
        .success());
    let mut events: Vec<serde_json::Value> = Vec::new();
    for file in walk(&tiles.join("tile/entries")) {
        let bytes = std::fs::read(file).expect("read");
        for e in hoshi_ledger::log::parse_entry_bundle(&bytes).expect("entry bundle") {
            events.push(serde_json::from_slice(&e).expect("entry is JSON"));
        }
    }
    for serial in &acknowledged {
        assert!(
            events.iter().any(|e| e["event"] == "issued" && e["serial"] == serial.as_str()),
            "acknowledged certificate {serial} is not in the log after the crash"
        );
        let cert = hoshi().args(["registry", "bundle", serial, "--data", &data]).env("HOSHI_LOG", "warn").output().expect("bundle");
        assert!(cert.status.success(), "acknowledged certificate {serial} was lost: {}", String::from_utf8_lossy(&cert.stderr));
    }
    let key = std::fs::read_to_string(tiles.join("key")).expect("key");
    let final_cp = std::fs::read_to_string(tiles.join("checkpoint")).expect("checkpoint");
    let final_size: u64 = final_cp.lines().nth(1).and_then(|l| l.parse().ok()).expect("size");
    for cp in &checkpoints {
        let opened = hoshi_ledger::log::open_checkpoint(cp, &key).expect("a published checkpoint verifies");
        assert!(opened.size() <= final_size, "the log shrank after the crash");
    }
    // The server starts again on the crashed data (its start-up check passes).
    let (again, addr) = start(&data);
    let _again = Server(again);
    assert!(request(&addr, "GET", "/readyz", "", "").is_some_and(|(c, _)| c == 200));
    let _ = std::fs::remove_dir_all(&dir);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_revocation_reaches_the_registry_api_and_a_signed_checkpoint_within_two_seconds() {
    let dir = std::env::temp_dir().join(format!("hoshi-revoke-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.to_str().expect("utf8").to_owned();
    assert!(hoshi().args(["demo", "--seed-only", "--data", &data]).env("HOSHI_LOG", "warn").status().expect("seed").success());
    let out = hoshi()
        .args(["users", "token", "--email", "registry@ipa-demo.example", "--name", "t", "--scope", "read_write", "--data", &data])
        .output()
        .expect("token");
    let token = String::from_utf8(out.stdout).expect("utf8").trim().to_owned();
    let (server, addr) = start(&data);
    let _server = Server(server);
    let size = |addr: &str| -> Option<u64> {
        let (code, text) = request(addr, "GET", "/log/checkpoint", "", "")?;
        if code != 200 {
            return None;
        }
        text.split("\r\n\r\n").nth(1)?.lines().nth(1)?.parse().ok()
    };
    let before = (0..20).find_map(|_| {
        size(&addr).or_else(|| {
            std::thread::sleep(Duration::from_millis(100));
            None
        })
    });
    let before = before.expect("a checkpoint is published");
    // Seto Ceramics' active certificate.
    let (code, _) =
        request(&addr, "POST", "/registry/changes", &token, "serial=HS2026-0000002&action=revoke&reason=timing").expect("revoke");
    assert_eq!(code, 200);
    let revoked_at = Instant::now();
    let api = request(&addr, "GET", "/api/v1/registry/companies/3180001000012", "", "").expect("api");
    assert!(api.1.contains("\"revoked\""), "the API shows the revocation at once: {}", api.1);
    loop {
        if size(&addr).is_some_and(|s| s > before) {
            break;
        }
        assert!(revoked_at.elapsed() < Duration::from_secs(2), "the revocation was not in a signed checkpoint within 2 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
