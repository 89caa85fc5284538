//! Bounded resources against the real server, as an attacker would try them: idle and
//! slowloris sockets, keep-alive connections left open, request floods, an SSE client that
//! never reads, and documents too large to render.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::mcp::TestServer;
use crate::util::{TestDb, http_get, run_binary};

fn address(server: &TestServer) -> String {
    server.url.trim_start_matches("http://").to_string()
}

/// Whether the server closed `stream` within `limit` (a read returns end of file or an error).
fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut buffer = [0u8; 512];
    let started = Instant::now();
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue, // a 408 or 503 before the close
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return started.elapsed() < limit;
            }
            Err(_) => return true,
        }
    }
}

/// Resident memory of a process, in KB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn idle_sockets_cannot_crowd_out_health_and_are_closed_after_the_header_timeout() {
    let db = TestDb::new();
    let server = TestServer::start(
        &db.path,
        &[
            "--max-connections-per-ip",
            "50",
            "--header-timeout-secs",
            "2",
        ],
        &[],
    );
    let addr = address(&server);
    let mut idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&addr).expect("connect"))
        .collect();
    // Every newcomer above the cap made room by closing the oldest silent socket; /health gets
    // through the same way, at once.
    let started = Instant::now();
    let (status, body) = http_get(&format!("{}/health", server.url), &[]);
    assert_eq!(status, 200, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let body: Value = serde_json::from_str(&body).unwrap();
    assert!(body["connections"].as_u64().unwrap() <= 50, "{body}");
    // The oldest are gone already; the rest go when the 2 s header timeout passes.
    assert!(
        closed_within(&mut idle[0], Duration::from_millis(500)),
        "evicted"
    );
    let newest = idle.last_mut().unwrap();
    assert!(closed_within(newest, Duration::from_secs(4)), "timed out");
    let (status, _) = http_get(&format!("{}/health", server.url), &[]);
    assert_eq!(status, 200);
}

#[test]
fn keep_alive_connections_that_were_answered_cannot_crowd_out_health() {
    let db = TestDb::new();
    let server = TestServer::start(&db.path, &["--max-connections-per-ip", "8"], &[]);
    let addr = address(&server);
    // Eight connections each answered once and kept open, as an attacker would keep them
    // (a request every few seconds keeps them inside the keep-alive timeout).
    let mut kept: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut stream = TcpStream::connect(&addr).expect("connect");
            stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .unwrap();
            let mut buffer = [0u8; 4096];
            let read = stream.read(&mut buffer).unwrap();
            assert!(String::from_utf8_lossy(&buffer[..read]).starts_with("HTTP/1.1 200"));
            stream
        })
        .collect();
    // A newcomer gets in: the oldest connection waiting between requests makes room.
    let (status, body) = http_get(&format!("{}/health", server.url), &[]);
    assert_eq!(status, 200, "{body}");
    assert!(
        closed_within(&mut kept[0], Duration::from_millis(500)),
        "the oldest idle keep-alive connection was closed"
    );
}

#[test]
fn slowloris_headers_and_idle_keep_alive_connections_are_closed() {
    let db = TestDb::new();
    let server = TestServer::start(&db.path, &["--header-timeout-secs", "2"], &[]);
    let addr = address(&server);
    // A request head trickling in, a byte every 300 ms, never finished.
    let mut slow = TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    let started = Instant::now();
    let mut closed = false;
    while started.elapsed() < Duration::from_secs(5) {
        if slow.write_all(b"X").is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
        slow.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1024];
        match slow.read(&mut byte) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(_) => {}
            Err(_) => {}
        }
        slow.set_nonblocking(false).unwrap();
    }
    assert!(closed, "a slowloris connection is closed");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );

    // A keep-alive connection answered once, then left idle.
    let mut kept = TcpStream::connect(&addr).unwrap();
    kept.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut buffer = [0u8; 4096];
    let read = kept.read(&mut buffer).unwrap();
    assert!(String::from_utf8_lossy(&buffer[..read]).starts_with("HTTP/1.1 200"));
    assert!(
        closed_within(&mut kept, Duration::from_secs(4)),
        "idle keep-alive closed"
    );
}

#[test]
fn a_flood_of_requests_is_answered_429_with_retry_after() {
    let db = TestDb::new();
    let server = TestServer::start(
        &db.path,
        &["--rate-limit", "2", "--rate-limit-burst", "5"],
        &[],
    );
    let codes: Vec<u16> = (0..8)
        .map(|_| http_get(&format!("{}/invoices/1.pdf", server.url), &[]).0)
        .collect();
    assert_eq!(&codes[..5], &[404; 5], "{codes:?}");
    assert!(codes[5..].contains(&429), "{codes:?}");
    let mut stream = TcpStream::connect(address(&server)).unwrap();
    stream
        .write_all(b"GET /invoices/1.pdf HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 429"), "{response}");
    assert!(
        response.to_lowercase().contains("retry-after: 1"),
        "{response}"
    );
    for _ in 0..20 {
        assert_eq!(
            http_get(&format!("{}/health", server.url), &[]).0,
            200,
            "health is exempt"
        );
    }
}

#[test]
fn an_sse_client_that_never_reads_is_disconnected_not_buffered_for() {
    let db = TestDb::new();
    let server = TestServer::start(
        &db.path,
        &["--rate-limit", "0"],
        &[("INVOICER_LOG", "info")],
    );
    let addr = address(&server);
    let mut sse = TcpStream::connect(&addr).unwrap();
    sse.write_all(b"GET /sse HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
        .unwrap();
    let mut head = vec![0u8; 2048];
    let read = sse.read(&mut head).unwrap();
    let head = String::from_utf8_lossy(&head[..read]).to_string();
    let endpoint = head
        .split("data: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("no endpoint event: {head}"))
        .to_string();
    let post = |body: &Value| {
        let mut stream = TcpStream::connect(&addr).unwrap();
        let body = body.to_string();
        write!(
            stream,
            "POST {endpoint} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response
            .split_whitespace()
            .nth(1)
            .unwrap_or("0")
            .parse::<u16>()
            .unwrap_or(0)
    };
    assert_eq!(
        post(
            &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2024-11-05", "capabilities": {},
            "clientInfo": {"name": "never-reads", "version": "1"}}})
        ),
        202
    );
    post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let before = rss_kb(server.pid());
    // tools/list answers are large (the tool schemas): they fill the socket, then the queue.
    let mut accepted = 0;
    let mut refused = 0;
    for id in 1..3000 {
        let code = post(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"}));
        if code != 202 {
            refused = code;
            break;
        }
        accepted += 1;
    }
    // The answers are made as fast as they are asked for; the session closes once the last
    // ones find the queue full.
    let started = Instant::now();
    while refused == 0 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
        let code = post(&json!({"jsonrpc": "2.0", "id": 9999, "method": "ping"}));
        if code != 202 {
            refused = code;
        }
    }
    assert!(
        [404, 410].contains(&refused),
        "the session was closed once the client fell behind: {accepted} accepted, then {refused}\n{}",
        server.log()
    );
    let grown_mb = rss_kb(server.pid()).saturating_sub(before) / 1024;
    assert!(grown_mb < 32, "memory grew by {grown_mb} MB");
    assert!(server.log().contains("stopped reading"), "{}", server.log());
    assert_eq!(http_get(&format!("{}/health", server.url), &[]).0, 200);
}

#[test]
fn documents_too_large_to_print_are_refused_naming_the_limit() {
    let db = TestDb::new();
    db.engine();
    // About 2 MB of text: 1,000 lines of 2,000 characters.
    let line = json!({"description": "Beratung ".repeat(222), "quantity": "1",
                      "unit_price": "1", "vat_rate": "19"});
    let mut draft = crate::util::draft_json("1.00");
    draft["lines"] = json!(vec![line; 1000]);
    let started = Instant::now();
    let out = run_binary(
        &db.path,
        &["invoice", "create", "--file", "-"],
        &draft.to_string(),
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("lines") && stderr.contains("at most 200000"),
        "{stderr}"
    );
    let out = run_binary(
        &db.path,
        &["render", "--file", "-", "-o", "-"],
        &draft.to_string(),
    );
    assert_eq!(out.status.code(), Some(3), "previews too");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    // A template that makes more pages than a PDF may have.
    let dir = db.dir.path().join("pages");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("invoice.typ"),
        "#for i in range(150) [Page #i #pagebreak()]",
    )
    .unwrap();
    let out = run_binary(
        &db.path,
        &[
            "--template-dir",
            dir.to_str().unwrap(),
            "render",
            "--file",
            "-",
            "-o",
            "-",
        ],
        &crate::util::draft_json("1.00").to_string(),
    );
    assert_eq!(out.status.code(), Some(9));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("151 pages") && stderr.contains("at most 100"),
        "{stderr}"
    );
}
