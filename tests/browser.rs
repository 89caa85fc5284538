//! Browsers as MCP clients: a page served from an allowed origin opens a session on the real
//! server with `fetch` (a CORS preflight for the token and the MCP headers, then the session
//! header read back), and a page from a foreign origin is refused, in headless Chromium
//! (Debian's `chromium`, which `tests/run` installs).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

use crate::mcp::TestServer;
use crate::util::TestDb;

/// The page: initialize, then tools/list in the session, with the token; what happened is
/// written into the document's title, which Chromium prints with the DOM.
const PAGE: &str = r#"<!doctype html><html><head><title>pending</title></head><body><script>
const mcp = new URLSearchParams(location.search).get('mcp');
const token = new URLSearchParams(location.search).get('token');
const headers = {
  'Authorization': `Bearer ${token}`,
  'Content-Type': 'application/json',
  'Accept': 'application/json, text/event-stream',
  'MCP-Protocol-Version': '2025-11-25',
};
async function run() {
  const init = await fetch(mcp, { method: 'POST', headers, body: JSON.stringify({
    jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25',
    capabilities: {}, clientInfo: { name: 'browser', version: '1' } } }) });
  const session = init.headers.get('Mcp-Session-Id');
  await init.text();
  await fetch(mcp, { method: 'POST', headers: { ...headers, 'Mcp-Session-Id': session },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  const listed = await fetch(mcp, { method: 'POST', headers: { ...headers, 'Mcp-Session-Id': session },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
  const text = await listed.text();
  // A JSON answer, or an event stream whose message is the data line holding an object.
  const data = text.split('\n').find((line) => line.startsWith('data: {'));
  const json = JSON.parse(text.startsWith('{') ? text : data.slice(6));
  return `tools=${json.result.tools.length} session=${session ? 'yes' : 'no'}`;
}
run().then((r) => { document.title = `ok ${r}`; }, (e) => { document.title = `failed ${e}`; });
</script></body></html>"#;

/// Serve `PAGE` on `host` (a loopback address) for as long as the test runs; its base URL.
fn serve_page(host: &str) -> String {
    let listener = TcpListener::bind((host, 0)).expect("bind the page server");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                PAGE.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    format!("http://{address}")
}

/// Load `url` in headless Chromium and return the title the page's script set.
fn title_after_load(url: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=10000",
            "--timeout=20000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&output.stdout).to_string();
    dom.split("<title>")
        .nth(1)
        .and_then(|rest| rest.split("</title>").next())
        .map(str::to_string)
        .unwrap_or_else(|| {
            panic!(
                "no title in the DOM: {dom}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

fn chromium() -> &'static str {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(name).arg("--version").output().is_ok() {
            return name;
        }
    }
    panic!("headless Chromium is needed (Debian: apt-get install chromium); tests/run installs it")
}

#[test]
fn a_page_on_an_allowed_origin_runs_a_session_and_a_foreign_one_is_refused() {
    let db = TestDb::new();
    let token = "browser-test-token-0123456789";
    let server = TestServer::start(&db.path, &[], &[("INVOICER_TOKEN", token)]);
    let mcp = format!("{}/mcp", server.url.replace("127.0.0.1", "localhost"));
    // localhost is an allowed host, so a page from any localhost port is an allowed origin.
    let allowed = serve_page("127.0.0.1").replace("127.0.0.1", "localhost");
    let title = title_after_load(&format!("{allowed}/?mcp={mcp}&token={token}"));
    assert_eq!(title, "ok tools=20 session=yes", "{}", server.log());

    // 127.0.0.2 is on no allow-list: the preflight gets no CORS headers, so the browser
    // blocks the request.
    let foreign = serve_page("127.0.0.2");
    let title = title_after_load(&format!("{foreign}/?mcp={mcp}&token={token}"));
    assert!(
        title.starts_with("failed TypeError"),
        "a foreign origin must be refused: {title}"
    );
}
