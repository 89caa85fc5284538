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
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    let wrong = get("/invoices/1.pdf")
        .header(header::AUTHORIZATION, "Bearer 0123456789abcdef0124")
        .body(Body::empty())
        .unwrap();
    assert_eq!(status(&app, wrong).await.0, StatusCode::UNAUTHORIZED);
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
