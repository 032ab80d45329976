//! Two `hoshi serve` processes on one PostgreSQL database serve the same registry, and exactly
//! one of them sequences the log; when it is killed, the other takes over.

use std::io::Read;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::io::Write;

fn http_get(addr: &str, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(url: &str, data: &str) -> Server {
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_hoshi"))
        .args(["serve", "--addr", &addr, "--database-url", url, "--data", data])
        .env("HOSHI_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hoshi serve");
    let server = Server { child, addr };
    wait_for(|| http_get(&server.addr, "/readyz").is_some_and(|r| r.contains("\"ready\"")), "the server to be ready");
    server
}

fn wait_for(mut ok: impl FnMut() -> bool, what: &str) {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

fn sequencing(s: &Server) -> bool {
    http_get(&s.addr, "/readyz").is_some_and(|r| r.contains("\"sequencer\":true"))
}

fn checkpoint_size(s: &Server) -> Option<u64> {
    let r = http_get(&s.addr, "/log/checkpoint")?;
    let body = r.split("\r\n\r\n").nth(1)?;
    body.lines().nth(1)?.parse().ok()
}

/// Adds `n` events to the log's queue, as a use case would.
fn enqueue(url: &str, n: usize, tag: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let store = hoshi_store::Store::connect(url).await.expect("connect");
        let mut conn = store.pool().acquire().await.expect("conn");
        for i in 0..n {
            let data = format!("{{\"type\":\"hoshi.test.v1\",\"tag\":\"{tag}\",\"n\":{i}}}");
            hoshi_store::registry::insert_pending(&mut conn, data.as_bytes(), None, 1).await.expect("pending");
        }
    });
}

#[test]
fn two_servers_share_one_postgres_and_exactly_one_sequences() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let Some(url) = rt.block_on(hoshi_store::testing::postgres_url()) else {
        eprintln!("skipped: HOSHI_TEST_POSTGRES_URL is not set");
        return;
    };
    drop(rt);
    let dir = std::env::temp_dir().join(format!("hoshi-seq-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.to_str().expect("utf8").to_owned();
    // The first server migrates the database and makes the keys both use.
    let a = start(&url, &data);
    let b = start(&url, &data);
    wait_for(|| sequencing(&a) || sequencing(&b), "one server to take the sequencer lease");
    // Give the other every chance to take it too: it must not.
    std::thread::sleep(Duration::from_millis(1500));
    let (leader, follower) = if sequencing(&a) { (a, b) } else { (b, a) };
    assert!(!sequencing(&follower), "both servers claim to sequence the log");

    enqueue(&url, 5, "first");
    wait_for(|| checkpoint_size(&follower) == Some(5), "the leader to sequence 5 events, seen through the other server");
    assert_eq!(checkpoint_size(&leader), Some(5), "both serve the same log");

    drop(leader); // killed (SIGKILL): its database connection, and so the lease, goes with it
    wait_for(|| sequencing(&follower), "the other server to take over");
    enqueue(&url, 3, "second");
    wait_for(|| checkpoint_size(&follower) == Some(8), "the new sequencer to add the next events");
    let audit = Command::new(env!("CARGO_BIN_EXE_hoshi"))
        .args(["registry", "audit", "--database-url", &url, "--data", &data])
        .output()
        .expect("audit");
    assert!(audit.status.success(), "{}{}", String::from_utf8_lossy(&audit.stdout), String::from_utf8_lossy(&audit.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
