//! The router in process (`tower::ServiceExt::oneshot`, no sockets): the guard, the session
//! caps, the rate limits and `/health`, each against a real database file.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

use super::*;
use crate::engine::{Clock, Engine};

fn engine(dir: &tempfile::TempDir) -> Engine {
    let clock = Clock::parse_fixed("now", "2026-11-30T10:00:00Z").unwrap();
    Engine::open_with_clock(&dir.path().join("invoicer.db"), clock).unwrap()
}

fn integrity() -> Integrity {
    Integrity {
        ok: true,
        problems: Vec::new(),
        chain_links: 0,
        chain_head: String::new(),
    }
}

fn app(dir: &tempfile::TempDir, config: HttpConfig) -> Router {
    router(InvoiceServer::new(engine(dir), false), config, integrity()).0
}

fn request(method: &str, path: &str, from: [u8; 4]) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "localhost")
        .extension(ConnectInfo(SocketAddr::from((from, 40000))))
}

async fn status(app: &Router, request: Request<Body>) -> (StatusCode, axum::http::HeaderMap) {
    let response = app.clone().oneshot(request).await.unwrap();
    (response.status(), response.headers().clone())
}

fn with_token(token: &str) -> HttpConfig {
    HttpConfig {
        token: Some(Token::new(token, "token").unwrap()),
        ..HttpConfig::default()
    }
}

#[tokio::test]
async fn the_guard_wants_the_token_and_an_allowed_host_everywhere_but_health() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, with_token("0123456789abcdef0123"));
    let get = |path: &str| request("GET", path, [127, 0, 0, 1]);
    let (code, headers) = status(&app, get("/invoices/1.pdf").body(Body::empty()).unwrap()).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert_eq!(
        headers[header::WWW_AUTHENTICATE],
        r#"Bearer realm="invoicer""#
    );
    let wrong = get("/invoices/1.pdf")
        .header(header::AUTHORIZATION, "Bearer 0123456789abcdef0124")
        .body(Body::empty())
        .unwrap();
    let (code, headers) = status(&app, wrong).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    let challenge = headers[header::WWW_AUTHENTICATE].to_str().unwrap();
    assert!(
        challenge.starts_with(r#"Bearer realm="invoicer", error="invalid_token""#),
        "{challenge}"
    );
    let right = get("/invoices/1.pdf")
        .header(header::AUTHORIZATION, "Bearer 0123456789abcdef0123")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        status(&app, right).await.0,
        StatusCode::NOT_FOUND,
        "past the guard"
    );
    let foreign = Request::builder()
        .uri("/invoices/1.pdf")
        .header(header::HOST, "evil.example")
        .header(header::AUTHORIZATION, "Bearer 0123456789abcdef0123")
        .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 1))))
        .body(Body::empty())
        .unwrap();
    assert_eq!(status(&app, foreign).await.0, StatusCode::FORBIDDEN);
    let health = get("/health").body(Body::empty()).unwrap();
    assert_eq!(status(&app, health).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_client_over_its_rate_is_told_when_to_retry_and_health_is_exempt() {
    let dir = tempfile::tempdir().unwrap();
    let config = HttpConfig {
        rate_limit: RateLimit {
            per_second: 1,
            burst: 3,
        },
        ..HttpConfig::default()
    };
    let app = app(&dir, config);
    let download = |from| {
        request("GET", "/invoices/1.pdf", from)
            .body(Body::empty())
            .unwrap()
    };
    for _ in 0..3 {
        assert_eq!(
            status(&app, download([10, 0, 0, 1])).await.0,
            StatusCode::NOT_FOUND
        );
    }
    let (code, headers) = status(&app, download([10, 0, 0, 1])).await;
    assert_eq!(code, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[header::RETRY_AFTER], "1");
    assert_eq!(
        status(&app, download([10, 0, 0, 2])).await.0,
        StatusCode::NOT_FOUND,
        "another client is not affected"
    );
    for _ in 0..10 {
        let health = request("GET", "/health", [10, 0, 0, 1])
            .body(Body::empty())
            .unwrap();
        assert_eq!(status(&app, health).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn one_token_is_rate_limited_from_every_address() {
    let dir = tempfile::tempdir().unwrap();
    let config = HttpConfig {
        rate_limit: RateLimit {
            per_second: 1,
            burst: 2,
        },
        ..with_token("0123456789abcdef0123")
    };
    let app = app(&dir, config);
    let download = |from| {
        request("GET", "/invoices/1.pdf", from)
            .header(header::AUTHORIZATION, "Bearer 0123456789abcdef0123")
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        status(&app, download([10, 0, 0, 1])).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(&app, download([10, 0, 0, 2])).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status(&app, download([10, 0, 0, 3])).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn sse_sessions_are_capped_per_client() {
    let dir = tempfile::tempdir().unwrap();
    let config = HttpConfig {
        max_sessions_per_ip: 2,
        ..HttpConfig::default()
    };
    let app = app(&dir, config);
    let open = |from| request("GET", "/sse", from).body(Body::empty()).unwrap();
    let first = app.clone().oneshot(open([10, 0, 0, 1])).await.unwrap();
    let second = app.clone().oneshot(open([10, 0, 0, 1])).await.unwrap();
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(
        status(&app, open([10, 0, 0, 1])).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(status(&app, open([10, 0, 0, 2])).await.0, StatusCode::OK);
    drop((first, second));
}

#[tokio::test]
async fn health_says_degraded_with_the_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let broken = Integrity {
        ok: false,
        problems: vec!["triggers missing: payments_no_update".into()],
        chain_links: 3,
        chain_head: "ab".repeat(32),
    };
    let app = router(
        InvoiceServer::new(engine(&dir), false),
        HttpConfig::default(),
        broken,
    )
    .0;
    let response = app
        .oneshot(
            request("GET", "/health", [127, 0, 0, 1])
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["problems"][0], "triggers missing: payments_no_update");
}

#[tokio::test]
async fn browsers_on_allowed_origins_get_cors_and_others_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, with_token("0123456789abcdef0123"));
    let preflight = |origin: &str| {
        request("OPTIONS", "/mcp", [127, 0, 0, 1])
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "authorization, content-type, mcp-session-id, mcp-protocol-version",
            )
            .body(Body::empty())
            .unwrap()
    };
    // The Inspector's origin: answered without a token, for its own origin only.
    let (code, headers) = status(&app, preflight("http://localhost:6274")).await;
    assert!(code.is_success(), "{code}");
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://localhost:6274"
    );
    let allowed = headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "authorization",
        "content-type",
        "mcp-session-id",
        "mcp-protocol-version",
        "last-event-id",
    ] {
        assert!(allowed.contains(name), "{name} in {allowed}");
    }
    // A foreign origin gets no CORS headers, and its requests are refused.
    let (_, headers) = status(&app, preflight("https://evil.example")).await;
    assert!(headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let foreign = request("POST", "/mcp", [127, 0, 0, 1])
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(status(&app, foreign).await.0, StatusCode::FORBIDDEN);
    // An allowed page may read a 401 and the session header of real answers.
    let unauthorized = request("POST", "/mcp", [127, 0, 0, 1])
        .header(header::ORIGIN, "http://localhost:6274")
        .body(Body::empty())
        .unwrap();
    let (code, headers) = status(&app, unauthorized).await;
    assert_eq!(code, StatusCode::UNAUTHORIZED);
    assert_eq!(
        headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "http://localhost:6274"
    );
    let exposed = headers[header::ACCESS_CONTROL_EXPOSE_HEADERS]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("mcp-session-id"), "{exposed}");
}

#[tokio::test]
async fn well_known_documents_are_not_found_even_with_a_token_set() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, with_token("0123456789abcdef0123"));
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        let get = request("GET", path, [127, 0, 0, 1])
            .body(Body::empty())
            .unwrap();
        assert_eq!(status(&app, get).await.0, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn a_post_without_accept_gets_json_and_one_that_refuses_json_is_told_what_to_send() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, HttpConfig::default());
    // As other servers' docs show it: plain JSON-RPC, no session, no protocol version, no
    // Accept, and curl's form content type.
    let post = |body: &'static str| {
        request("POST", "/mcp", [127, 0, 0, 1])
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let mut answers = Vec::new();
    for body in [
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_invoice_template","arguments":{"language":"de"}}}"#,
    ] {
        let response = app.clone().oneshot(post(body)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{body}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        answers.push(serde_json::from_slice::<serde_json::Value>(&bytes).unwrap());
    }
    assert_eq!(
        answers[0]["result"]["tools"].as_array().map(Vec::len),
        Some(20),
        "{}",
        answers[0]
    );
    assert_eq!(
        answers[1]["result"]["structuredContent"]["language"], "de",
        "{}",
        answers[1]
    );
    let initialize = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}"#;

    let html_only = request("POST", "/mcp", [127, 0, 0, 1])
        .header(header::ACCEPT, "text/html")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(initialize))
        .unwrap();
    let response = app.clone().oneshot(html_only).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    assert!(
        String::from_utf8_lossy(&body).contains("Accept: application/json, text/event-stream"),
        "{}",
        String::from_utf8_lossy(&body)
    );
}

/// Open a session speaking `protocol` and the first event of its GET stream, if one comes
/// within half a second.
async fn first_event_of_a_session(app: &Router, protocol: &str) -> Option<String> {
    use http_body_util::BodyExt;
    let initialize = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"{protocol}","capabilities":{{}},"clientInfo":{{"name":"old","version":"1"}}}}}}"#
    );
    let mut init = request("POST", "/mcp", [127, 0, 0, 1])
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream");
    if protocol >= "2025-06-18" {
        init = init.header("mcp-protocol-version", protocol);
    }
    let response = app
        .clone()
        .oneshot(init.body(Body::from(initialize)).unwrap())
        .await
        .unwrap();
    let session = response.headers()["mcp-session-id"].clone();
    let mut get = request("GET", "/mcp", [127, 0, 0, 1])
        .header(header::ACCEPT, "text/event-stream")
        .header("mcp-session-id", session);
    if protocol >= "2025-06-18" {
        get = get.header("mcp-protocol-version", protocol);
    }
    let stream = app
        .clone()
        .oneshot(get.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let mut body = stream.into_body();
    let frame = tokio::time::timeout(std::time::Duration::from_millis(500), body.frame()).await;
    match frame {
        Ok(Some(Ok(frame))) => frame
            .into_data()
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).to_string()),
        _ => None,
    }
}

#[tokio::test]
async fn only_clients_of_2025_11_25_or_later_get_the_sse_priming_event() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, HttpConfig::default());
    let modern = first_event_of_a_session(&app, "2025-11-25").await;
    assert!(
        modern.as_deref().is_some_and(|e| e.contains("retry:")),
        "{modern:?}"
    );
    for older in ["2025-06-18", "2025-03-26"] {
        let first = first_event_of_a_session(&app, older).await;
        assert!(
            first.as_deref().is_none_or(|e| !e.contains("retry:")),
            "{older}: {first:?}"
        );
    }
}

#[tokio::test]
async fn a_page_cannot_send_a_call_as_a_form_or_text_post_without_the_preflight() {
    let dir = tempfile::tempdir().unwrap();
    // No token, on loopback: the Origin and the content type are all that stop a page.
    let app = app(&dir, HttpConfig::default());
    let call = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_invoice_template","arguments":{}}}"#;
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let mcp = request("POST", "/mcp", [127, 0, 0, 1])
            .header(header::ORIGIN, "http://localhost:3000")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(call))
            .unwrap();
        let (code, _) = status(&app, mcp).await;
        assert_eq!(code, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
        let rest = request("POST", "/tools/get_invoice_template", [127, 0, 0, 1])
            .header(header::ORIGIN, "http://localhost:3000")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from("{}"))
            .unwrap();
        let (code, _) = status(&app, rest).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{content_type}");
    }
    // The same from a script (no Origin) is served.
    let script = request("POST", "/tools/get_invoice_template", [127, 0, 0, 1])
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(status(&app, script).await.0, StatusCode::OK);
}
