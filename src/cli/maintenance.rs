//! Operator commands: `backup PATH` (a consistent copy while the server runs), `check`
//! (is the record whole and untouched; exits 7 naming the first problem; `--repair` makes
//! missing archives) and `health` (asks a running server's `/health`, for container health checks).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use super::print_json;
use crate::engine::Engine;
use crate::error::{Error, Result};

pub(super) fn backup(engine: &Engine, path: &Path) -> Result<()> {
    print_json(&engine.backup(path)?)
}

pub(super) fn check(engine: &Engine, repair: bool, anchor: Option<&str>) -> Result<()> {
    let report = if repair {
        engine.check_and_repair(anchor)?
    } else {
        engine.check(anchor)?
    };
    print_json(&report)?;
    match report.first_problem {
        None => Ok(()),
        Some(problem) => Err(Error::storage(format!("the check failed: {problem}"))),
    }
}

/// The file a running `serve` writes beside its database, naming the address it listens on, so
/// `invoicer health` (a container's health check) finds the server whatever `--port` it got.
pub(super) fn run_file(db: &Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-serve.json");
    std::path::PathBuf::from(name)
}

/// The run file of a server while it runs; removed when dropped (at a clean stop).
pub(super) struct RunFile(Option<std::path::PathBuf>);

impl RunFile {
    /// Write `path` for a server listening on `address`. A directory that cannot be written (a
    /// read-only mount) means no run file: `health` then falls back to `MCP_PORT`.
    pub(super) fn write(path: std::path::PathBuf, address: std::net::SocketAddr) -> RunFile {
        let host = if address.ip().is_unspecified() {
            match address {
                std::net::SocketAddr::V4(_) => "127.0.0.1".to_string(),
                std::net::SocketAddr::V6(_) => "[::1]".to_string(),
            }
        } else {
            match address {
                std::net::SocketAddr::V4(a) => a.ip().to_string(),
                std::net::SocketAddr::V6(a) => format!("[{}]", a.ip()),
            }
        };
        let content = serde_json::json!({
            "url": format!("http://{host}:{}/health", address.port()),
            "pid": std::process::id(),
        });
        match std::fs::write(&path, content.to_string()) {
            Ok(()) => RunFile(Some(path)),
            Err(e) => {
                tracing::debug!("no run file at {}: {e}", path.display());
                RunFile(None)
            }
        }
    }
}

impl Drop for RunFile {
    fn drop(&mut self) {
        if let Some(path) = &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Where `health` asks by default: the address in the run file of a server that is still
/// running, else port `MCP_PORT` (8080) on 127.0.0.1.
pub(super) fn default_health_url(db: &Path) -> String {
    let from_run_file = std::fs::read_to_string(run_file(db))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .filter(|run| {
            run["pid"]
                .as_u64()
                .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists())
        })
        .and_then(|run| run["url"].as_str().map(str::to_string));
    from_run_file.unwrap_or_else(|| {
        let port = std::env::var("MCP_PORT").unwrap_or_else(|_| "8080".into());
        format!("http://127.0.0.1:{port}/health")
    })
}

/// `GET {url}` must answer 200. Plain HTTP on a local port: what a container health check
/// needs, without an HTTP client library.
pub(super) fn health(url: &str) -> Result<()> {
    let unhealthy = |why: String| Error::storage(format!("{url}: {why}"));
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| Error::validation("url", "must start with http://"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/health"),
    };
    let address = authority
        .to_socket_addrs()
        .map_err(|e| unhealthy(e.to_string()))?
        .next()
        .ok_or_else(|| unhealthy("no address".into()))?;
    let timeout = Duration::from_secs(5);
    let mut stream =
        TcpStream::connect_timeout(&address, timeout).map_err(|e| unhealthy(e.to_string()))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| unhealthy(e.to_string()))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| unhealthy(e.to_string()))?;
    let mut response = Vec::new();
    stream
        .take(64 * 1024)
        .read_to_end(&mut response)
        .map_err(|e| unhealthy(e.to_string()))?;
    let response = String::from_utf8_lossy(&response);
    let status = response.lines().next().unwrap_or("");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").trim();
    if status.split_whitespace().nth(1) == Some("200") {
        println!("{body}");
        Ok(())
    } else {
        Err(unhealthy(format!("answered '{status}' {body}")))
    }
}
