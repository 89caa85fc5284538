//! The MCP server end to end: the real binary (`invoicer serve`, HTTP on port 0 or `--stdio`)
//! driven by the official Python SDK (`tests/mcp/client.py`, PyPI `mcp` in a venv this module
//! installs) over stdio, legacy SSE and streamable HTTP (with and without sessions).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::{TestDb, binary, json_out, python, python_json, run_binary, seller_json};

/// Run one case of `tests/mcp/client.py`; its JSON output.
fn client(case: &str, args: &[&str]) -> Value {
    let mut all = vec![case];
    all.extend_from_slice(args);
    python_json("tests/mcp/client.py", &all)
}

/// `invoicer serve` on a free port; killed when dropped.
pub struct TestServer {
    child: Child,
    pub url: String,
    log: Arc<Mutex<String>>,
}

impl TestServer {
    pub fn start(db: &Path, args: &[&str], env: &[(&str, &str)]) -> TestServer {
        let mut command = crate::util::command();
        command
            .arg("--db")
            .arg(db)
            .args(["serve", "--port", "0"])
            .args(args)
            .env_remove("INVOICER_TOKEN")
            .env_remove("INVOICER_READ_ONLY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        TestServer::spawn(command)
    }

    /// Start a prepared `serve --port 0` command (stderr is taken over here).
    pub fn spawn(mut command: Command) -> TestServer {
        command.stderr(Stdio::piped());
        let mut child = command.spawn().expect("start invoicer serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&format!("{line}\n"));
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let address = rest.split_whitespace().next().unwrap_or("");
                    let _ = tx.send(format!("http://{address}"));
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("server did not start: {}", log.lock().unwrap()));
        TestServer { child, url, log }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Wait for the process to exit by itself.
    fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not exit: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The scenario on one transport, on a fresh database.
fn scenario_on(transport: &str) -> Value {
    let db = TestDb::new();
    if transport == "stdio" {
        let mut out = client(
            "scenario",
            &[
                "--transport",
                "stdio",
                "--bin",
                binary(),
                "--db",
                path_str(&db.path),
            ],
        );
        out.as_object_mut().expect("object").remove("pdf_sha256");
        return out;
    }
    // Streamable HTTP logs JSON lines, the others text.
    let json_logs = transport == "http";
    let env: &[(&str, &str)] = if json_logs {
        &[("INVOICER_LOG_FORMAT", "json")]
    } else {
        &[]
    };
    let server = TestServer::start(&db.path, &[], env);
    let mut out = client(
        "scenario",
        &["--transport", transport, "--url", &server.url],
    );
    let log = server.log();
    if json_logs {
        let lines: Vec<Value> = log
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
            .collect();
        let finalize = lines
            .iter()
            .find(|l| l["fields"]["tool"] == "finalize_invoice")
            .unwrap_or_else(|| panic!("no log line for finalize_invoice: {log}"));
        assert_eq!(finalize["level"], "INFO");
        assert_eq!(finalize["fields"]["outcome"], "ok");
        assert!(finalize["fields"]["elapsed_ms"].is_number());
        let refused = lines
            .iter()
            .find(|l| l["fields"]["tool"] == "void_invoice")
            .expect("a log line for the refused void");
        assert_eq!(refused["fields"]["outcome"], "INVALID_STATUS");
        // The session was opened by initialize and ended by the client's DELETE.
        let session_events: Vec<&str> = lines
            .iter()
            .filter(|l| l["fields"]["transport"] == "streamable-http")
            .filter_map(|l| l["fields"]["message"].as_str())
            .collect();
        assert_eq!(
            session_events,
            ["session opened", "session closed"],
            "{log}"
        );
    } else {
        assert!(
            log.contains("tool call tool=\"finalize_invoice\""),
            "one log line per tool call: {log}"
        );
    }
    assert!(
        !server.log().contains("Muster") && !server.log().contains("11952"),
        "logs carry no invoice contents"
    );
    out.as_object_mut().expect("object").remove("pdf_sha256");
    out
}

#[test]
fn the_same_scenario_gives_the_same_results_on_every_transport() {
    let stdio = scenario_on("stdio");
    // What a model sees: every verb, field-level errors, PDFs and resources.
    assert_eq!(stdio["tools"].as_array().map(Vec::len), Some(20));
    assert_eq!(stdio["no_profile"], "NOT_FOUND");
    assert_eq!(stdio["draft"]["number"], Value::Null);
    assert_eq!(stdio["draft_totals"]["total_gross"], "11952.43");
    assert_eq!(stdio["next_number"], "2026-0001");
    assert_eq!(stdio["finalized"]["number"], "2026-0001");
    assert_eq!(stdio["finalized"]["status"], "open");
    assert_eq!(stdio["finalized"]["due_date"], "2026-12-21");
    assert_eq!(
        stdio["after_part_payment"],
        json!({"status": "open", "amount_paid": "5000.00", "amount_due": "6952.43"})
    );
    assert_eq!(stdio["after_payment"]["status"], "paid");
    assert_eq!(stdio["after_payment"]["amount_due"], "0.00");
    assert_eq!(
        stdio["pdf"],
        json!({"file_name": "2026-0001.pdf", "pages": 1, "uri": "invoice://1/pdf", "embedded": true})
    );
    assert_eq!(stdio["listed_paid"], json!(["2026-0001"]));
    assert_eq!(
        stdio["get_by_number"]["amount_credited"], "0.00",
        "every amount in minor units"
    );
    assert_eq!(
        stdio["history"],
        json!([
            ["create", "mcp"],
            ["update", "mcp"],
            ["finalize", "mcp"],
            ["pay", "mcp"],
            ["pay", "mcp"]
        ])
    );
    assert_eq!(
        stdio["imported"],
        json!({"kind": "invoice", "status": "draft", "total_gross": "11952.43", "syntax": "cii",
               "unsupported": [], "differences": []}),
        "the exported Factur-X PDF imports back without loss"
    );
    assert_eq!(stdio["credit_note"]["kind"], "credit_note");
    assert_eq!(
        stdio["void_paid"],
        json!({"code": "INVALID_STATUS", "field": null})
    );
    assert_eq!(
        stdio["bad_quantity"],
        json!({"code": "VALIDATION_ERROR", "field": "lines[0].quantity"})
    );
    assert_eq!(stdio["unknown_field"]["code"], "VALIDATION_ERROR");
    assert_eq!(stdio["unknown_id"], "NOT_FOUND");
    assert_eq!(stdio["overpay"], "INVALID_STATUS");
    assert_eq!(
        stdio["unknown_tool"], -32602,
        "unknown tool: invalid params"
    );
    assert_eq!(
        stdio["resource_templates"],
        json!([
            "invoice://{id}",
            "invoice://{id}/einvoice/{format}",
            "invoice://{id}/pdf"
        ])
    );
    assert_eq!(stdio["resource_json_number"], "2026-0001");
    assert_eq!(stdio["resource_pdf_mime"], "application/pdf");
    assert_eq!(
        stdio["einvoice"],
        json!({"format": "facturx", "file_name": "2026-0001.facturx.pdf",
               "mime_type": "application/pdf", "embedded": true})
    );
    assert_eq!(
        stdio["xrechnung_refused"],
        json!({"code": "VALIDATION_ERROR", "field": "buyer_reference"})
    );
    assert_eq!(stdio["einvoice_resource"], json!(["application/xml", true]));

    for transport in ["sse", "http", "http-modern"] {
        let other = scenario_on(transport);
        assert_eq!(other, stdio, "{transport} differs from stdio");
    }
}

#[test]
fn token_host_and_origin_guard_every_route_but_health() {
    let db = TestDb::new();
    let token = "test-token-0123456789abcdef";
    let server = TestServer::start(&db.path, &[], &[("INVOICER_TOKEN", token)]);
    let out = client("auth", &["--url", &server.url, "--token", token]);
    assert_eq!(out["health_without_token"], 200);
    assert_eq!(out["mcp_without_token"], 401);
    assert_eq!(out["mcp_wrong_token"], 401);
    assert_eq!(out["sse_without_token"], 401);
    assert_eq!(out["pdf_without_token"], 401);
    assert_eq!(out["bad_host"], 403);
    assert_eq!(out["bad_origin"], 403);
    assert_eq!(
        out["good_origin"], 404,
        "passes the guard; no invoice 1 yet"
    );
    assert_eq!(out["http_client_without_token"], "refused");
    assert_eq!(out["sse_client_without_token"], "refused");
    assert_eq!(out["http_tools_with_token"], 20);
    assert_eq!(out["sse_tools_with_token"], 20);
    assert!(!server.log().contains(token), "the token is never logged");
}

#[test]
fn a_token_file_and_a_short_token_are_checked_at_start() {
    let db = TestDb::new();
    let short = run_binary(
        &db.path,
        &["serve", "--port", "0", "--token-file", "missing"],
        "",
    );
    assert_eq!(short.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&short.stderr).contains("token_file"));
    let file = db.dir.path().join("token");
    std::fs::write(&file, "too-short\n").unwrap();
    let short = run_binary(
        &db.path,
        &["serve", "--port", "0", "--token-file", path_str(&file)],
        "",
    );
    assert_eq!(short.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 16 characters"));
}

#[test]
fn a_public_address_without_a_token_is_refused_unless_allowed() {
    let db = TestDb::new();
    let out = run_binary(&db.path, &["serve", "--host", "0.0.0.0", "--port", "0"], "");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0 without a token")
            && stderr.contains("INVOICER_TOKEN")
            && stderr.contains("--allow-unauthenticated"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "a refused start writes no file: {left:?}");
    let server = TestServer::start(
        &db.path,
        &["--host", "0.0.0.0", "--allow-unauthenticated"],
        &[],
    );
    assert!(
        server
            .log()
            .contains("without a token (--allow-unauthenticated)"),
        "warning missing: {}",
        server.log()
    );
}

/// A database with the seller profile, one finalized invoice and one draft of `lines` lines;
/// their ids.
fn prepared(db: &TestDb, lines: usize) -> (i64, i64) {
    json_out(&run_binary(
        &db.path,
        &["seller", "set", "--file", "-"],
        &seller_json().to_string(),
    ));
    let mut draft = crate::util::draft_json("100.00");
    let created = json_out(&run_binary(
        &db.path,
        &["invoice", "create", "--file", "-"],
        &draft.to_string(),
    ));
    let id = created["id"].as_i64().expect("id");
    json_out(&run_binary(
        &db.path,
        &["invoice", "finalize", &id.to_string()],
        "",
    ));
    let line = draft["lines"][0].clone();
    draft["lines"] = Value::Array(vec![line; lines]);
    let big = json_out(&run_binary(
        &db.path,
        &["invoice", "create", "--file", "-"],
        &draft.to_string(),
    ));
    (id, big["id"].as_i64().expect("id"))
}

#[test]
fn read_only_lists_and_runs_only_reads_and_renders() {
    let db = TestDb::new();
    let (id, _) = prepared(&db, 1);
    let server = TestServer::start(&db.path, &[], &[("INVOICER_READ_ONLY", "1")]);
    let out = client(
        "read-only",
        &["--url", &server.url, "--id", &id.to_string()],
    );
    assert_eq!(
        out["tools"],
        json!([
            "export_einvoice",
            "get_invoice",
            "get_invoice_history",
            "get_invoice_template",
            "get_seller_profile",
            "list_customers",
            "list_invoices",
            "preview_next_number",
            "render_invoice_pdf"
        ])
    );
    assert_eq!(out["create"], "READ_ONLY");
    assert_eq!(out["pay"], "READ_ONLY");
    assert_eq!(out["get"], "open");
    assert_eq!(out["render_pages"], 1);
    let conn = db.raw();
    let documents: i64 = conn
        .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
        .unwrap();
    assert_eq!(documents, 2, "nothing was written");
}

#[test]
fn fifty_clients_on_mixed_transports_get_gapless_numbers() {
    let db = TestDb::new();
    json_out(&run_binary(
        &db.path,
        &["seller", "set", "--file", "-"],
        &seller_json().to_string(),
    ));
    let server = TestServer::start(&db.path, &[], &[]);
    let out = client(
        "concurrency",
        &[
            "--url",
            &server.url,
            "--bin",
            binary(),
            "--db",
            path_str(&db.path),
            "--clients",
            "50",
        ],
    );
    let expected: Vec<String> = (1..=50).map(|n| format!("2026-{n:04}")).collect();
    assert_eq!(out["numbers"], json!(expected));
    for transport in ["http", "sse", "stdio", "http-modern"] {
        assert!(
            out["per_transport"][transport].as_u64() >= Some(12),
            "{out}"
        );
    }
    assert_eq!(
        crate::util::finalized_counters(&db),
        (1..=50).collect::<Vec<u64>>()
    );
}

#[test]
fn sessions_are_capped_per_client_and_closed_when_they_never_initialize() {
    let db = TestDb::new();
    let server = TestServer::start(
        &db.path,
        &[
            "--max-sessions-per-ip",
            "2",
            "--init-timeout-secs",
            "1",
            "--max-body-bytes",
            "1048576",
        ],
        &[],
    );
    let out = client("limits", &["--url", &server.url]);
    assert_eq!(out["third_session"], 429);
    assert_eq!(out["open_sse_sessions"], 2);
    let closed_after = out["closed_uninitialized_after_s"].as_f64().unwrap();
    assert!(closed_after <= 3.0, "closed after {closed_after} s");
    assert_eq!(out["open_after_close"], 0);
    assert!(
        out["huge_body"] == 413 || out["huge_body"] == "reset",
        "an oversized body is refused, not read: {}",
        out["huge_body"]
    );
    assert_eq!(out["health_after_huge_body"], 200);
    assert!(server.log().contains("did not initialize within 1s"));
}

#[test]
fn malformed_json_rpc_is_a_protocol_error() {
    let db = TestDb::new();
    let server = TestServer::start(&db.path, &[], &[]);
    let out = client("malformed", &["--url", &server.url]);
    assert_eq!(out["http_not_json"], 400);
    assert_eq!(out["sse_not_json"], json!([400, -32700]));
    assert_eq!(out["sse_not_jsonrpc"], json!([400, -32600]));
    assert_eq!(out["sse_unknown_session"], 404);
}

#[test]
fn sigterm_lets_the_in_flight_call_finish_then_exits() {
    let db = TestDb::new();
    let (_, big) = prepared(&db, 1000);
    let mut server = TestServer::start(&db.path, &[], &[]);
    let pid = server.child.id().to_string();
    let out = client(
        "shutdown",
        &[
            "--url",
            &server.url,
            "--pid",
            &pid,
            "--id",
            &big.to_string(),
        ],
    );
    assert!(out["in_flight_pages"].as_u64() > Some(10), "{out}");
    assert_eq!(
        out["embedded"], false,
        "a 1000-line PDF is linked, not embedded"
    );
    assert_eq!(out["completed"], 4);
    let status = server.wait_exit(Duration::from_secs(30));
    assert!(status.success(), "exit {status}: {}", server.log());
    let log = server.log();
    assert!(log.contains("shutting down"), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn health_reports_version_database_and_sessions() {
    let db = TestDb::new();
    let server = TestServer::start(&db.path, &[], &[]);
    let output = Command::new(python())
        .args([
            "-c",
            "import sys, httpx2; r = httpx2.get(sys.argv[1]); print(r.status_code); print(r.text)",
        ])
        .arg(format!("{}/health", server.url))
        .output()
        .expect("python");
    let text = String::from_utf8_lossy(&output.stdout);
    let (status, body) = text.split_once('\n').expect("two lines");
    assert_eq!(status, "200");
    let body: Value = serde_json::from_str(body.trim()).expect("JSON");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["database"]["ok"], true);
    assert_eq!(body["database"]["schema_version"], 9);
    assert_eq!(body["sessions"], json!({"streamable_http": 0, "sse": 0}));
    assert_eq!(body["tool_calls_in_flight"], 0);
}

/// The TypeScript SDK 1.x scenario on one transport, on a fresh database.
fn ts_scenario_on(transport: &str) -> Value {
    let db = TestDb::new();
    if transport == "stdio" {
        return crate::util::node_json(
            "ts_client.mjs",
            &[
                "scenario",
                "--transport",
                "stdio",
                "--bin",
                binary(),
                "--db",
                path_str(&db.path),
            ],
        );
    }
    let server = TestServer::start(&db.path, &[], &[]);
    crate::util::node_json(
        "ts_client.mjs",
        &["scenario", "--transport", transport, "--url", &server.url],
    )
}

#[test]
fn typescript_sdk_1_sees_results_that_match_their_schemas_and_errors_it_can_read() {
    for transport in ["stdio", "sse", "http"] {
        let out = ts_scenario_on(transport);
        assert_eq!(out["tools"], 20, "{transport}");
        assert_eq!(
            out["draft"],
            json!({"status": "draft", "total_gross": "11900.00"}),
            "{transport}"
        );
        assert_eq!(
            out["finalized"],
            json!({"number": "2026-0001", "status": "open", "pdf": "archived"}),
            "{transport}"
        );
        assert_eq!(
            out["paid"],
            json!({"status": "paid", "amount_due": "0.00"}),
            "{transport}"
        );
        assert_eq!(out["got"], json!({"number": "2026-0001", "lines": 1}));
        assert_eq!(out["listed"], json!(["2026-0001"]));
        assert_eq!(out["pdf_pages"], 1);
        assert_eq!(
            out["progress"],
            json!([[0, 1]]),
            "{transport}: the progress notification of the render"
        );
        assert_eq!(
            out["bad_quantity"]["code"], "VALIDATION_ERROR",
            "{transport}"
        );
        assert_eq!(out["bad_quantity"]["field"], "lines[0].quantity");
        assert_eq!(out["not_found"]["code"], "NOT_FOUND");
        assert_eq!(out["void_paid"]["code"], "INVALID_STATUS");
        assert_eq!(
            out["others"],
            json!({
                "customers": 1, "updated": "draft", "deleted": true,
                "uncollectible": "uncollectible", "voided": "void",
                "credit_note": ["CN-2026-0001", "credit_note", "2026-0001"],
                "exported": "application/xml"
            }),
            "{transport}"
        );
        assert_eq!(out["bad_limit"]["field"], "limit");
        assert_eq!(out["warnings"], json!([]), "{transport}: the SDK warned");
    }
}

/// Budget of the tool list: what every model pays for in every conversation.
const TOOLS_LIST_BUDGET_BYTES: u64 = 40 * 1024;
/// Budget of name + description + input schema of all tools, in o200k tokens.
const MODEL_FACING_BUDGET_TOKENS: u64 = 4_500;

#[test]
fn the_tool_surface_stays_within_its_budget() {
    let db = TestDb::new();
    let out = crate::util::node_json(
        "ts_client.mjs",
        &["surface", "--bin", binary(), "--db", path_str(&db.path)],
    );
    let bytes = out["list_bytes"].as_u64().expect("bytes");
    let tokens = out["model_facing_tokens"].as_u64().expect("tokens");
    println!(
        "tool surface: {} tools, tools/list {bytes} bytes (budget {TOOLS_LIST_BUDGET_BYTES}), model-facing {tokens} o200k tokens (budget {MODEL_FACING_BUDGET_TOKENS})",
        out["tools"]
    );
    println!("per tool: {}", out["per_tool"]);
    assert!(
        bytes <= TOOLS_LIST_BUDGET_BYTES,
        "tools/list is {bytes} bytes, over the budget of {TOOLS_LIST_BUDGET_BYTES}"
    );
    assert!(
        tokens <= MODEL_FACING_BUDGET_TOKENS,
        "the model-facing surface is {tokens} tokens, over the budget of {MODEL_FACING_BUDGET_TOKENS}"
    );
}

/// One JSON-RPC exchange over `serve --stdio` with a client that speaks `protocol`: the result
/// of `get_invoice_template`, of a failing `get_invoice`, and the answer to `prompts/list`.
fn stdio_calls_with_protocol(protocol: &str) -> (Value, Value, Value) {
    use std::io::Write;
    let db = TestDb::new();
    let mut child = crate::util::command()
        .arg("--db")
        .arg(&db.path)
        .args(["serve", "--stdio"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start serve --stdio");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut exchange = |message: Value, answered: bool| -> Value {
        writeln!(stdin, "{message}").expect("send");
        if !answered {
            return Value::Null;
        }
        let mut line = String::new();
        stdout.read_line(&mut line).expect("answer");
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"))
    };
    exchange(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": protocol, "capabilities": {},
            "clientInfo": {"name": "old", "version": "1"}}}),
        true,
    );
    exchange(
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        false,
    );
    let template = exchange(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "get_invoice_template", "arguments": {}}}),
        true,
    );
    let missing = exchange(
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "get_invoice", "arguments": {"id": 42}}}),
        true,
    );
    let prompts = exchange(
        json!({"jsonrpc": "2.0", "id": 4, "method": "prompts/list"}),
        true,
    );
    let _ = child.kill();
    let _ = child.wait();
    (
        template["result"].clone(),
        missing["result"].clone(),
        prompts,
    )
}

#[test]
fn results_come_once_as_structured_content_or_as_json_text_for_older_clients() {
    let (modern, error, prompts) = stdio_calls_with_protocol("2025-06-18");
    assert_eq!(prompts["error"]["code"], -32601, "{prompts}");
    assert!(
        prompts["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("prompts/list") && m.contains("tools/list")),
        "{prompts}"
    );
    let content = modern["content"].as_array().expect("content");
    assert_eq!(content.len(), 1, "one summary line: {modern}");
    assert!(modern["structuredContent"]["lines"].is_array(), "{modern}");
    assert_eq!(error["isError"], true);
    assert!(error.get("structuredContent").is_none(), "{error}");
    let body: Value = serde_json::from_str(error["content"][0]["text"].as_str().expect("text"))
        .expect("the error body is JSON");
    assert_eq!(body["code"], "NOT_FOUND");

    let (old, error, _) = stdio_calls_with_protocol("2025-03-26");
    assert!(old.get("structuredContent").is_none(), "{old}");
    let text = old["content"][1]["text"]
        .as_str()
        .expect("the result as JSON text");
    let parsed: Value = serde_json::from_str(text).expect("JSON");
    assert!(parsed["lines"].is_array());
    assert!(error.get("structuredContent").is_none());
}

#[test]
fn the_rest_face_is_valid_openapi_and_a_client_calls_tools_through_it() {
    let db = TestDb::new();
    let token = "rest-test-token-0123456789";
    let server = TestServer::start(&db.path, &[], &[("INVOICER_TOKEN", token)]);
    let out = python_json(
        "tests/mcp/openapi_client.py",
        &["--url", &server.url, "--token", token],
    );
    assert_eq!(out["openapi"], "3.1.0");
    assert_eq!(out["operations"], 21, "one per tool and the list");
    assert_eq!(out["security"], json!([{"bearer": []}]));
    assert_eq!(out["set_seller_profile"], json!([200, "REST GmbH"]));
    assert_eq!(out["create_invoice_draft"], json!([200, "draft", "238.00"]));
    assert_eq!(out["error"], json!([400, "VALIDATION_ERROR", "buyer"]));
    assert_eq!(out["not_found"], json!([404, "NOT_FOUND"]));
    // The same auth as MCP: nothing without the token.
    let (status, _) = crate::util::http_get(&format!("{}/tools", server.url), &[]);
    assert_eq!(status, 401);
    let (status, body) = crate::util::http_get(
        &format!("{}/tools", server.url),
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(status, 200);
    let listed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(listed["tools"].as_array().map(Vec::len), Some(20));
    // The audit trail says where the draft came from.
    let conn = db.raw();
    let source: String = conn
        .query_row(
            "SELECT source FROM events WHERE verb = 'create' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(source, "http");
}

/// Scenarios of the official conformance suite that apply to an invoice server; the others are
/// listed with the reason in `tests/mcp/conformance-baseline.yml`.
const CONFORMANCE_PASSING: &[&str] = &[
    "dns-rebinding-protection",
    "ping",
    "resources-list",
    "server-initialize",
    "server-sse-multiple-streams",
    "tools-list",
];

#[test]
fn the_official_conformance_suite_passes_every_scenario_that_applies() {
    let db = TestDb::new();
    let server = TestServer::start(&db.path, &[], &[]);
    let packages = crate::util::node_packages();
    let suite = packages.join("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/conformance-baseline.yml");
    let results = tempfile::tempdir().expect("results dir");
    let output = Command::new(crate::util::node_22())
        .arg(&suite)
        .args(["server", "--url", &format!("{}/mcp", server.url)])
        .arg("--expected-failures")
        .arg(&baseline)
        .current_dir(results.path())
        .output()
        .expect("run the conformance suite");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: Vec<(bool, &str)> = stdout
        .lines()
        .filter_map(|line| {
            let (passed, rest) = match line.chars().next()? {
                '✓' => (true, &line[3..]),
                '✗' => (false, &line[3..]),
                _ => return None,
            };
            Some((passed, rest.split(':').next()?.trim()))
        })
        .collect();
    let mut passing: Vec<&str> = summary.iter().filter(|s| s.0).map(|s| s.1).collect();
    passing.sort_unstable();
    println!(
        "conformance: {} scenarios, passing {passing:?}",
        summary.len()
    );
    assert!(summary.len() >= 30, "the suite ran: {stdout}");
    assert_eq!(passing, CONFORMANCE_PASSING, "{stdout}");
    assert!(
        output.status.success(),
        "a failure outside the baseline:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
