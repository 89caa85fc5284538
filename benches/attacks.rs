//! Peak resident memory of the real server (`invoicer serve`, a fresh process per attack,
//! `VmHWM` from `/proc`) under the attacks the HTTP front end is bounded against: idle
//! sockets, slowloris headers, a request flood, an SSE client that never reads, and the
//! longest documents rendered four at once. Printed after the criterion benches of
//! `benches/mcp.rs`; under `cargo test` every attack runs small, as a smoke test.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// `invoicer serve` on a free port.
struct Server {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(args: &[&str], prepare: impl FnOnce(&std::path::Path)) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("attack.db");
        prepare(&db);
        let mut child = Command::new(env!("CARGO_BIN_EXE_invoicer"))
            .arg("--db")
            .arg(&db)
            .args(["serve", "--port", "0"])
            .args(args)
            .env("INVOICER_NOW", crate::common::NOW)
            .env("INVOICER_LOG", "error,invoicer=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start invoicer serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let address = loop {
            let line = lines.next().expect("the server's log").expect("a log line");
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.split_whitespace().next().unwrap_or("").to_string();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            address,
            _dir: dir,
        }
    }

    /// Peak resident memory so far, in MB.
    fn peak_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        kb / 1024.0
    }

    /// One request on a connection of its own: the status code.
    fn request(&self, method: &str, path: &str, body: &str) -> u16 {
        request(&self.address, method, path, body)
    }
}

/// One request to `address` on a connection of its own: the status code (0 when none came).
fn request(address: &str, method: &str, path: &str, body: &str) -> u16 {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return 0;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let _ = write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn report(attack: &str, server: &Server, detail: &str, limit_mb: f64) {
    let peak = server.peak_mb();
    println!("attack {attack}: peak resident memory {peak:.1} MB; {detail}");
    assert!(
        peak < limit_mb,
        "{attack}: {peak:.1} MB, more than {limit_mb} MB"
    );
}

/// Run every attack; `full` for the figures, else small.
pub fn run(full: bool) {
    let scale = |full_count: usize, smoke: usize| if full { full_count } else { smoke };

    let idle = Server::start(&[], |_| {});
    std::thread::sleep(Duration::from_millis(500));
    report("none (idle server)", &idle, "the baseline", 100.0);
    drop(idle);

    let server = Server::start(&[], |_| {});
    let sockets: Vec<TcpStream> = (0..scale(300, 50))
        .filter_map(|_| TcpStream::connect(&server.address).ok())
        .collect();
    let started = Instant::now();
    let healthy = (0..20)
        .filter(|_| server.request("GET", "/health", "") == 200)
        .count();
    let health = started.elapsed() / 20;
    report(
        "idle sockets",
        &server,
        &format!(
            "{} sockets that send nothing; /health answered {healthy} of 20 times, {health:.1?} each",
            sockets.len()
        ),
        150.0,
    );
    assert_eq!(
        healthy, 20,
        "/health must answer while idle sockets are held"
    );
    drop(sockets);
    drop(server);

    let server = Server::start(&["--header-timeout-secs", "2"], |_| {});
    let mut slow: Vec<TcpStream> = (0..scale(200, 20))
        .filter_map(|_| TcpStream::connect(&server.address).ok())
        .collect();
    for stream in &mut slow {
        let _ = stream.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n");
    }
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(if full { 4 } else { 1 }) {
        for stream in &mut slow {
            let _ = stream.write_all(b"X");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    let closed = slow
        .iter_mut()
        .map(|s| {
            let _ = s.set_read_timeout(Some(Duration::from_millis(50)));
            match s.read(&mut [0u8; 64]) {
                Ok(0) => true,
                Ok(_) => false,
                Err(e) => !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
            }
        })
        .filter(|closed| *closed)
        .count();
    report(
        "slowloris",
        &server,
        &format!(
            "{} connections sending one header byte every 250 ms; {closed} closed by the 2 s header timeout",
            slow.len()
        ),
        150.0,
    );
    if full {
        assert_eq!(closed, slow.len(), "every slowloris connection is closed");
    }
    drop(slow);
    drop(server);

    let server = Server::start(&[], |_| {});
    let requests = scale(3000, 300);
    let started = Instant::now();
    let limited = (0..requests)
        .filter(|_| server.request("GET", "/invoices/1.pdf", "") == 429)
        .count();
    report(
        "request flood",
        &server,
        &format!(
            "{requests} requests from one address in {:.1?}: {limited} answered 429",
            started.elapsed()
        ),
        150.0,
    );
    if full {
        assert!(
            limited > 0,
            "a flood of {requests} requests meets the rate limit"
        );
    }
    drop(server);

    let server = Server::start(&["--rate-limit", "0"], |_| {});
    let posted = scale(3000, 300);
    let answered = sse_that_never_reads(&server, posted);
    report(
        "SSE client that never reads",
        &server,
        &format!(
            "{answered} of {posted} tools/list requests accepted{}",
            if answered < posted {
                ", then the session was closed"
            } else {
                ""
            }
        ),
        150.0,
    );
    if full {
        assert!(
            answered < posted,
            "a client that never reads is disconnected"
        );
    }
    drop(server);

    let (lines, width) = if full { (1000, 200) } else { (50, 50) };
    let server = Server::start(&[], |db| long_drafts(db, 4, lines, width));
    let started = Instant::now();
    let renders: Vec<_> = (1..=4)
        .map(|id| {
            let address = server.address.clone();
            std::thread::spawn(move || request(&address, "GET", &format!("/invoices/{id}.pdf"), ""))
        })
        .collect();
    let codes: Vec<u16> = renders.into_iter().map(|r| r.join().unwrap_or(0)).collect();
    report(
        "four longest documents at once",
        &server,
        &format!(
            "{lines} lines of {width} characters each, rendered in {:.1?}: {codes:?}; renders share a 512 MB budget",
            started.elapsed()
        ),
        900.0,
    );
    assert_eq!(codes, [200; 4], "every long document renders");
}

/// Open an SSE session, initialize it, never read its stream, and post `count` tools/list
/// requests; how many were accepted before the session was closed.
fn sse_that_never_reads(server: &Server, count: usize) -> usize {
    let Ok(mut sse) = TcpStream::connect(&server.address) else {
        return 0;
    };
    let _ = sse.write_all(b"GET /sse HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let mut head = vec![0u8; 2048];
    let read = sse.read(&mut head).unwrap_or(0);
    let head = String::from_utf8_lossy(&head[..read]).to_string();
    let Some(endpoint) = head
        .split("data: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .map(str::to_string)
    else {
        return 0;
    };
    let post = |message: &Value| server.request("POST", &endpoint, &message.to_string());
    post(
        &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2024-11-05", "capabilities": {},
        "clientInfo": {"name": "never-reads", "version": "1"}}}),
    );
    post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let mut accepted = 0;
    for id in 1..=count {
        if post(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"})) != 202 {
            break;
        }
        accepted += 1;
    }
    accepted
}

/// `count` drafts of `lines` lines with descriptions `width` characters long.
fn long_drafts(db: &std::path::Path, count: usize, lines: usize, width: usize) {
    let engine = invoicer::Engine::open_with_clock(db, crate::common::clock()).expect("open");
    engine
        .set_seller_profile(
            serde_json::from_value(json!({
                "party": {"name": "Bench GmbH", "address_lines": ["Weg 1"], "postcode": "10115",
                          "city": "Berlin", "country_code": "DE", "vat_id": "DE811234567"}
            }))
            .expect("seller"),
        )
        .expect("seller");
    let description: String = "Beratung und Umsetzung der Schnittstelle "
        .repeat(width / 40 + 1)
        .chars()
        .take(width)
        .collect();
    let line = json!({"description": description, "quantity": "1", "unit_price": "10",
                      "vat_rate": "19"});
    for _ in 0..count {
        let draft = serde_json::from_value(json!({
            "buyer": {"name": "Kunde GmbH", "address_lines": ["Hauptstr. 1"],
                      "postcode": "80331", "city": "München", "country_code": "DE"},
            "issue_date": "2026-11-21",
            "lines": vec![line.clone(); lines]
        }))
        .expect("draft");
        engine.create_invoice_draft(draft).expect("create");
    }
}
