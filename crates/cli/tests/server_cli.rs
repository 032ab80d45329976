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
    assert_eq!(orgs.as_array().map(Vec::len), Some(12));
    let cn = orgs[0]["corporate_number"].as_str().expect("cn").to_owned();
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
    assert!(text.contains("new@cli.example") && text.contains("13 user(s)"), "{text}");
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
