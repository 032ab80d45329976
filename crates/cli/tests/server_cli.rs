//! `hoshi demo` serves and prints its logins; the admin commands work on its database while it
//! runs; SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn hoshi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hoshi"))
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

/// Kills the process if the test panics before it stopped it.
struct KillOnPanic(u32);

impl Drop for KillOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = Command::new("kill").args(["-9", &self.0.to_string()]).status();
        }
    }
}

#[test]
fn demo_serves_and_admin_commands_share_its_database() {
    let dir = std::env::temp_dir().join(format!("hoshi-demo-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.to_str().expect("utf8").to_owned();
    let mut server = hoshi()
        .args(["demo", "--addr", "127.0.0.1:0", "--data", &data])
        .env("HOSHI_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start demo");
    // A failed assertion must not leave the server running: it would hold the test log's pipe open.
    let _guard = KillOnPanic(server.id());
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf8");
    let url = first.split_whitespace().find(|w| w.starts_with("http://")).expect("the URL is printed").to_owned();
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let printed: Vec<String> = lines.by_ref().take(14).map_while(Result::ok).collect();
    assert!(printed.iter().any(|l| l.contains("buyer@tokai-motor.example")), "{printed:?}");
    assert!(printed.iter().any(|l| l.contains("hoshi-demo-2026")), "{printed:?}");

    assert!(http_get(&addr, "/readyz").contains("\"ready\""));
    assert!(http_get(&addr, "/login").starts_with("HTTP/1.1 200"));

    let out = hoshi().args(["orgs", "list", "--json", "--data", &data]).output().expect("orgs list");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let orgs: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(orgs.as_array().map(Vec::len), Some(13), "the 12 logins' organisations and the withdrawn expert");
    let cn = orgs[0]["corporate_number"].as_str().expect("cn").to_owned();

    // Accreditation and verification from the command line, on the running server's database.
    let out = hoshi().args(["providers", "list", "--json", "--data", &data]).output().expect("providers list");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let providers: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let states: Vec<(&str, &str)> =
        providers.as_array().expect("list").iter().map(|p| (p["kind"].as_str().unwrap_or(""), p["state"].as_str().unwrap_or(""))).collect();
    assert!(
        states.contains(&("expert", "approved"))
            && states.contains(&("assessment_body", "approved"))
            && states.contains(&("expert", "withdrawn")),
        "{states:?}"
    );
    let expert = providers.as_array().expect("list").iter().find(|p| p["state"] == "approved" && p["kind"] == "expert").expect("expert");
    let ecn = expert["corporate_number"].as_str().expect("cn").to_owned();
    let out = hoshi().args(["providers", "suspend", &ecn, "--data", &data]).output().expect("suspend");
    assert!(!out.status.success(), "a suspension needs --reason");
    let out = hoshi().args(["providers", "suspend", &ecn, "--reason", "調査中", "--data", &data]).output().expect("suspend");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("suspended"));
    let out = hoshi().args(["orgs", "verify", &cn, "--checked", "", "--data", &data]).output().expect("verify");
    assert!(!out.status.success(), "what was checked must be written");
    let out = hoshi().args(["orgs", "verify", &cn, "--checked", "登記事項証明書を再確認", "--data", &data]).output().expect("verify");
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("verified"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(orgs[0]["roles"].is_array() && orgs[0]["name_ja"].is_string());

    let add = hoshi()
        .args(["users", "add", "--email", "new@cli.example", "--name", "新人", "--org", &cn, "--role", "member", "--data", &data])
        .env("HOSHI_PASSWORD", "cli-password-123")
        .output()
        .expect("users add");
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let dup = hoshi()
        .args(["users", "add", "--email", "new@cli.example", "--name", "x", "--org", &cn, "--data", &data])
        .env("HOSHI_PASSWORD", "cli-password-123")
        .output()
        .expect("users add again");
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("new@cli.example"), "{}", String::from_utf8_lossy(&dup.stderr));
    let bad = hoshi()
        .args(["users", "add", "--email", "x@cli.example", "--name", "x", "--org", "1234567890123", "--data", &data])
        .env("HOSHI_PASSWORD", "cli-password-123")
        .output()
        .expect("bad org");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("check digit"), "{}", String::from_utf8_lossy(&bad.stderr));

    let list = hoshi().args(["users", "list", "--data", &data]).output().expect("users list");
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("new@cli.example") && text.contains("14 user(s)"), "{text}");
    let reset = hoshi()
        .args(["users", "reset-password", "--email", "new@cli.example", "--data", &data])
        .env("HOSHI_PASSWORD", "another-password-1")
        .output()
        .expect("reset");
    assert!(reset.status.success(), "{}", String::from_utf8_lossy(&reset.stderr));

    let killed = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let status = server.wait().expect("wait");
    assert!(status.success(), "SIGTERM must shut down cleanly, got {status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
