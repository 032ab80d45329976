//! Issue 13: `hoshi backup` and `hoshi restore`, and the published head kept beside the keys.
//! A database rolled back behind what the registry already published is refused — by the
//! server at start, by the audit, and by a restore — unless the operator says so, loudly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn hoshi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hoshi"));
    c.env("HOSHI_LOG", "warn");
    c
}

fn run(args: &[&str]) -> Output {
    hoshi().args(args).output().expect("run hoshi")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The first approved expert's state, as `providers list` shows it.
fn expert_state(data: &str, cn: &str) -> String {
    let out = run(&["providers", "list", "--json", "--data", data]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    list.as_array().expect("list").iter().find(|p| p["corporate_number"] == cn && p["kind"] == "expert").expect("expert")["state"]
        .as_str()
        .expect("state")
        .to_owned()
}

fn published_size(data: &str) -> u64 {
    let note = std::fs::read_to_string(Path::new(data).join("keys/published-head")).expect("published head");
    note.lines().nth(1).and_then(|l| l.parse().ok()).expect("size line")
}

fn replace_database(data: &str, with: &Path) {
    let dir = Path::new(data);
    for f in ["hoshi.db-wal", "hoshi.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    std::fs::copy(with, dir.join("hoshi.db")).expect("copy");
}

/// Starts `hoshi serve` and returns its first stdout line, or its output if it exits.
fn serve(data: &str, extra: &[&str]) -> Result<(std::process::Child, String), String> {
    let mut child = hoshi()
        .args(["serve", "--addr", "127.0.0.1:0", "--data", data])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    match lines.next() {
        Some(Ok(line)) if line.contains("http://") => {
            std::thread::spawn(move || for _ in lines {});
            Ok((child, line))
        }
        _ => {
            let status = child.wait().expect("wait");
            let mut err = String::new();
            child.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
            Err(format!("{status}: {err}"))
        }
    }
}

fn ready(banner: &str) -> bool {
    let addr =
        banner.split_whitespace().find(|w| w.starts_with("http://")).expect("url").trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    write!(s, "GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out.starts_with("HTTP/1.1 200")
}

#[test]
fn a_rolled_back_database_is_refused_until_the_operator_says_so() {
    let dir = std::env::temp_dir().join(format!("hoshi-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let data = dir.join("data").to_str().expect("utf8").to_owned();
    assert!(run(&["demo", "--seed-only", "--data", &data]).status.success());
    let first = published_size(&data);
    assert!(first > 0, "the seeded log's checkpoint is recorded beside the keys");

    // A backup while nothing runs, then a change that is logged and published.
    let old = dir.join("old.db");
    let out = run(&["backup", old.to_str().expect("utf8"), "--data", &data]);
    assert!(out.status.success(), "{}", text(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&old).expect("meta").permissions().mode() & 0o777, 0o600, "a backup holds password hashes");
    }
    assert!(!run(&["backup", old.to_str().expect("utf8"), "--data", &data]).status.success(), "a backup never overwrites");
    let out = run(&["providers", "list", "--json", "--data", &data]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let expert = list.as_array().expect("list").iter().find(|p| p["state"] == "approved" && p["kind"] == "expert").expect("expert");
    let cn = expert["corporate_number"].as_str().expect("cn").to_owned();
    assert!(run(&["providers", "suspend", &cn, "--reason", "調査中", "--data", &data]).status.success());
    assert!(run(&["registry", "expire", "--data", &data]).status.success(), "sequences the log now");
    let later = published_size(&data);
    assert!(later > first, "the suspension was published ({first} → {later})");

    // Restoring the old backup would roll the log back: refused, and nothing changes.
    let out = run(&["restore", old.to_str().expect("utf8"), "--data", &data]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("behind"), "{}", text(&out));
    assert_eq!(expert_state(&data, &cn), "suspended", "the live database is untouched");

    // The same rollback done by hand (a copied file): the server refuses to start, the audit fails.
    let newer = dir.join("newer.db");
    assert!(run(&["backup", newer.to_str().expect("utf8"), "--data", &data]).status.success());
    replace_database(&data, &old);
    let refused = serve(&data, &[]).expect_err("the server must not start on a rolled-back database");
    assert!(refused.contains("refusing to start") && refused.contains("behind"), "{refused}");
    let audit = run(&["registry", "audit", "--data", &data]);
    assert!(!audit.status.success() && text(&audit).contains("does not hold what was published"), "{}", text(&audit));
    // Told to, it starts, and says so loudly.
    let (mut server, banner) = serve(&data, &["--allow-log-rollback"]).expect("starts when told to");
    assert!(ready(&banner));
    let _ = server.kill();
    let _ = server.wait();

    // A restore of the newer backup is consistent with the published head: accepted and audited.
    let out = run(&["restore", newer.to_str().expect("utf8"), "--data", &data]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("passed the audit"), "{}", text(&out));
    assert_eq!(expert_state(&data, &cn), "suspended");
    assert!(std::fs::read_dir(&data)
        .expect("dir")
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("hoshi.db.before-restore-")));
    assert!(run(&["registry", "audit", "--data", &data]).status.success());

    // Forced, the old backup goes back; the published head follows, so the server starts.
    let out = run(&["restore", old.to_str().expect("utf8"), "--data", &data, "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("WARNING"), "{}", text(&out));
    assert_eq!(expert_state(&data, &cn), "approved", "the old state is back");
    assert_eq!(published_size(&data), first);
    let (mut server, banner) = serve(&data, &[]).expect("starts after a forced restore");
    assert!(ready(&banner));
    let _ = server.kill();
    let _ = server.wait();

    // Garbage is not a backup, and leaves the database alone.
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"not a database").expect("write");
    let out = run(&["restore", junk.to_str().expect("utf8"), "--data", &data]);
    assert!(!out.status.success(), "{}", text(&out));
    assert_eq!(expert_state(&data, &cn), "approved");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same on PostgreSQL: `pg_dump` out, `pg_restore` back in one transaction, and a dump whose
/// log is behind the published head refused before anything is restored.
#[test]
fn postgres_backups_restore_in_one_transaction_and_never_behind_the_published_log() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (Some(url), Some(other)) = (rt.block_on(hoshi_store::testing::postgres_url()), rt.block_on(hoshi_store::testing::postgres_url()))
    else {
        eprintln!("skipped: HOSHI_TEST_POSTGRES_URL is not set");
        return;
    };
    let dir = std::env::temp_dir().join(format!("hoshi-pg-backup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let keys = dir.join("keys-home").to_str().expect("utf8").to_owned();
    let world = dir.join("world").to_str().expect("utf8").to_owned();
    let out = run(&["gen", "--firms", "300", "--seed", "7", "--out", &world, "--database-url", &url, "--data", &keys]);
    assert!(out.status.success(), "{}", text(&out));
    let small = published_size(&keys);
    let dump = dir.join("registry.dump");
    let out = run(&["backup", dump.to_str().expect("utf8"), "--database-url", &url, "--data", &keys]);
    assert!(out.status.success(), "{}", text(&out));
    // Consistent with the published head: restored over the live database, and audited.
    let out = run(&["restore", dump.to_str().expect("utf8"), "--database-url", &url, "--data", &keys]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("passed the audit"), "{}", text(&out));

    // The same keys then publish a longer log elsewhere: the dump is now behind what they signed.
    let out = run(&["gen", "--firms", "600", "--seed", "8", "--out", &world, "--database-url", &other, "--data", &keys]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(published_size(&keys) > small);
    let out = run(&["restore", dump.to_str().expect("utf8"), "--database-url", &other, "--data", &keys]);
    assert!(!out.status.success() && text(&out).contains("behind"), "{}", text(&out));
    let out = run(&["registry", "audit", "--database-url", &other, "--data", &keys]);
    assert!(out.status.success(), "the refused restore changed nothing: {}", text(&out));
    let out = run(&["restore", dump.to_str().expect("utf8"), "--database-url", &other, "--data", &keys, "--force"]);
    assert!(out.status.success() && text(&out).contains("WARNING"), "{}", text(&out));
    assert_eq!(published_size(&keys), small);
    let _ = std::fs::remove_dir_all(&dir);
}
