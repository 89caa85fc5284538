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
