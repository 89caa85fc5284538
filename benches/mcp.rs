//! MCP tool-call benchmarks: one `get_invoice` round trip per transport, against the real
//! server on loopback, and the throughput of many clients at once over streamable HTTP.
//!
//! - `mcp_round_trip/streamable_http`: POST `tools/call` in an initialized session, read the
//!   answer (an SSE body) to its end;
//! - `mcp_round_trip/sse`: POST to `/message`, read the answer from the session's event stream;
//! - `mcp_round_trip/stdio`: a line to `invoicer serve --stdio`, a line back;
//! - `mcp_throughput/streamable_http_16_clients`: 16 sessions calling at once.
//!
//! The clients are minimal JSON-RPC clients over hyper and pipes, so the figures are the
//! server's cost plus loopback, not a client SDK's. After them, `attacks.rs` measures the
//! server's peak memory under attack.

mod attacks;

mod common;
use common::{NOW, clock};

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use invoicer::Engine;
use invoicer::http::{self, HttpConfig};
use invoicer::mcp::InvoiceServer;
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use tokio_util::sync::CancellationToken;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

const CLIENTS: usize = 16;

/// A database with one finalized invoice; the server on a free port.
struct Fixture {
    runtime: Runtime,
    address: SocketAddr,
    db: std::path::PathBuf,
    _dir: tempfile::TempDir,
    shutdown: CancellationToken,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("mcp-bench.db");
    let engine = Engine::open_with_clock(&db, clock())
        .expect("open")
        .with_pdf_archive(false);
    engine
        .set_seller_profile(
            serde_json::from_value(json!({
                "party": {"name": "Bench GmbH", "address_lines": ["Weg 1"], "postcode": "10115",
                          "city": "Berlin", "country_code": "DE", "vat_id": "DE811234567"}
            }))
            .expect("seller"),
        )
        .expect("set seller");
    let draft = serde_json::from_value(json!({
        "buyer": {"name": "Kunde GmbH", "address_lines": ["Hauptstr. 1"], "postcode": "80331",
                  "city": "München", "country_code": "DE"},
        "issue_date": "2026-11-21",
        "lines": [{"description": "Beratung", "quantity": "8", "unit_code": "HUR",
                   "unit_price": "120.00", "vat_rate": "19"}]
    }))
    .expect("draft");
    let id = engine.create_invoice_draft(draft).expect("create").id;
    engine.finalize_invoice(id).expect("finalize");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let shutdown = CancellationToken::new();
    // The figures are the server's cost per call: one client on loopback makes all of them,
    // so the per-client rate limit (50/s by default) is off here.
    let config = HttpConfig {
        port: 0,
        max_sessions_per_ip: 1000,
        rate_limit: http::RateLimit {
            per_second: 0,
            burst: 0,
        },
        ..HttpConfig::default()
    };
    let address = runtime.block_on(async {
        let bound = http::bind(InvoiceServer::new(engine, false), config)
            .await
            .expect("bind");
        let address = bound.local_addr().expect("address");
        tokio::spawn(bound.run(shutdown.clone()));
        address
    });
    Fixture {
        runtime,
        address,
        db,
        _dir: dir,
        shutdown,
    }
}

fn request(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

fn initialize(id: u64) -> Value {
    request(
        id,
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {},
               "clientInfo": {"name": "bench", "version": "1"}}),
    )
}

fn get_invoice(id: u64) -> Value {
    request(
        id,
        "tools/call",
        json!({"name": "get_invoice", "arguments": {"id": "2026-0001"}}),
    )
}

/// The JSON-RPC answers in an SSE body (`data: {...}` lines).
fn sse_messages(body: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(body)
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str(data.trim()).ok())
        .collect()
}

/// Check that `answer` is the successful `get_invoice` result.
fn check_answer(answer: &Value) {
    assert_eq!(
        answer["result"]["structuredContent"]["number"], "2026-0001",
        "unexpected answer: {answer}"
    );
}

/// A streamable HTTP session.
struct StreamableSession {
    client: HttpClient,
    url: String,
    session: String,
    next_id: u64,
}

impl StreamableSession {
    async fn open(client: HttpClient, address: SocketAddr) -> StreamableSession {
        let url = format!("http://{address}/mcp");
        let response = post(&client, &url, None, &initialize(1)).await;
        let session = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .expect("session id")
            .to_string();
        let _ = response.into_body().collect().await;
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let response = post(&client, &url, Some(&session), &initialized).await;
        let _ = response.into_body().collect().await;
        StreamableSession {
            client,
            url,
            session,
            next_id: 2,
        }
    }

    async fn get_invoice(&mut self) -> Value {
        self.next_id += 1;
        let response = post(
            &self.client,
            &self.url,
            Some(&self.session),
            &get_invoice(self.next_id),
        )
        .await;
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        sse_messages(&body).pop().expect("an answer")
    }
}

async fn post(
    client: &HttpClient,
    url: &str,
    session: Option<&str>,
    message: &Value,
) -> hyper::Response<Incoming> {
    let mut builder = hyper::Request::post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    if let Some(session) = session {
        builder = builder
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", "2025-11-25");
    }
    let request = builder
        .body(Full::new(Bytes::from(message.to_string())))
        .expect("request");
    client.request(request).await.expect("response")
}

/// A legacy SSE session: the event stream and the message URL.
struct SseSession {
    client: HttpClient,
    events: Incoming,
    buffer: Vec<u8>,
    message_url: String,
    next_id: u64,
}

impl SseSession {
    async fn open(client: HttpClient, address: SocketAddr) -> SseSession {
        let request = hyper::Request::get(format!("http://{address}/sse"))
            .header("accept", "text/event-stream")
            .body(Full::new(Bytes::new()))
            .expect("request");
        let events = client.request(request).await.expect("sse").into_body();
        let mut session = SseSession {
            client,
            events,
            buffer: Vec::new(),
            message_url: String::new(),
            next_id: 1,
        };
        let endpoint = session.next_event().await;
        let path = endpoint
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .expect("endpoint data")
            .to_string();
        session.message_url = format!("http://{address}{path}");
        session.send(&initialize(1)).await;
        session.next_event().await;
        session
            .send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        session
    }

    /// The next event (blank-line terminated), skipping keep-alive comments.
    async fn next_event(&mut self) -> String {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let event: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let text = String::from_utf8_lossy(&event).to_string();
                if text.lines().any(|l| l.starts_with("data:")) {
                    return text;
                }
                continue;
            }
            let frame = self
                .events
                .frame()
                .await
                .expect("stream open")
                .expect("frame");
            if let Ok(data) = frame.into_data() {
                self.buffer.extend_from_slice(&data);
            }
        }
    }

    async fn send(&mut self, message: &Value) {
        let request = hyper::Request::post(&self.message_url)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(message.to_string())))
            .expect("request");
        let response = self.client.request(request).await.expect("post");
        assert_eq!(response.status(), 202);
        let _ = response.into_body().collect().await;
    }

    async fn get_invoice(&mut self) -> Value {
        self.next_id += 1;
        self.send(&get_invoice(self.next_id)).await;
        let event = self.next_event().await;
        sse_messages(event.as_bytes()).pop().expect("an answer")
    }
}

/// `invoicer serve --stdio` as a child process.
struct StdioSession {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: u64,
}

impl StdioSession {
    fn open(db: &std::path::Path) -> StdioSession {
        let mut child = Command::new(env!("CARGO_BIN_EXE_invoicer"))
            .arg("--db")
            .arg(db)
            .args(["serve", "--stdio"])
            .env("INVOICER_LOG", "warn")
            .env("INVOICER_NOW", NOW)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start invoicer serve --stdio");
        let input = child.stdin.take().expect("stdin");
        let output = BufReader::new(child.stdout.take().expect("stdout"));
        let mut session = StdioSession {
            child,
            input,
            output,
            next_id: 1,
        };
        session.round_trip(&initialize(1));
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        writeln!(session.input, "{initialized}").expect("write");
        session
    }

    fn round_trip(&mut self, message: &Value) -> Value {
        writeln!(self.input, "{message}").expect("write");
        self.input.flush().expect("flush");
        let mut line = String::new();
        self.output.read_line(&mut line).expect("read");
        serde_json::from_str(&line).expect("a JSON-RPC line")
    }

    fn get_invoice(&mut self) -> Value {
        self.next_id += 1;
        self.round_trip(&get_invoice(self.next_id))
    }
}

impl Drop for StdioSession {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_client() -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(64)
        .build(connector)
}

fn round_trips(c: &mut Criterion) {
    let fx = fixture();
    let mut group = c.benchmark_group("mcp_round_trip");
    group.measurement_time(Duration::from_secs(5));

    let mut streamable = fx
        .runtime
        .block_on(StreamableSession::open(http_client(), fx.address));
    check_answer(&fx.runtime.block_on(streamable.get_invoice()));
    group.bench_function("streamable_http", |b| {
        b.iter(|| fx.runtime.block_on(streamable.get_invoice()))
    });

    let mut sse = fx
        .runtime
        .block_on(SseSession::open(http_client(), fx.address));
    check_answer(&fx.runtime.block_on(sse.get_invoice()));
    group.bench_function("sse", |b| b.iter(|| fx.runtime.block_on(sse.get_invoice())));

    let mut stdio = StdioSession::open(&fx.db);
    check_answer(&stdio.get_invoice());
    group.bench_function("stdio", |b| b.iter(|| stdio.get_invoice()));
    group.finish();

    let mut group = c.benchmark_group("mcp_throughput");
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(CLIENTS as u64));
    let sessions: Vec<StreamableSession> = fx.runtime.block_on(async {
        let mut sessions = Vec::new();
        for _ in 0..CLIENTS {
            sessions.push(StreamableSession::open(http_client(), fx.address).await);
        }
        sessions
    });
    let sessions = std::sync::Arc::new(tokio::sync::Mutex::new(sessions));
    group.bench_function(format!("streamable_http_{CLIENTS}_clients"), |b| {
        b.iter_custom(|rounds| {
            let sessions = sessions.clone();
            fx.runtime.block_on(async move {
                let mut sessions = sessions.lock().await;
                let started = Instant::now();
                let tasks: Vec<_> = sessions
                    .drain(..)
                    .map(|mut session| {
                        tokio::spawn(async move {
                            for _ in 0..rounds {
                                check_answer(&session.get_invoice().await);
                            }
                            session
                        })
                    })
                    .collect();
                for task in tasks {
                    sessions.push(task.await.expect("client task"));
                }
                started.elapsed()
            })
        })
    });
    group.finish();
    fx.shutdown.cancel();
}

criterion_group!(benches, round_trips);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    attacks::run(std::env::args().any(|a| a == "--bench"));
}
