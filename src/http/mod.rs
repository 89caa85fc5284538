//! The HTTP front end: one axum router on one port carrying MCP over streamable HTTP
//! (`/mcp`, rmcp's service) and legacy HTTP+SSE (`/sse` + `/message`, `sse.rs`), plus
//! `GET /health` and the PDF download route (`routes.rs`), and the same tools as plain HTTP
//! operations with their OpenAPI document (`rest.rs`).
//!
//! - `jsonrpc.rs`: reading a posted JSON-RPC message (parse errors, `Accept`, plain JSON-RPC
//!   answered as a stateless request).
//! - CORS (in this file): preflights of allowed origins answered before the token check.
//! - `listener.rs`: the accept loop; caps on open connections (global and per IP) before a
//!   byte is read, the header-read and keep-alive timeout.
//! - `ratelimit.rs`: request rate limits per IP and per token, `429` with `Retry-After`.
//! - `guard.rs`: Host/Origin allow-list (DNS rebinding) and the bearer token, on every route
//!   but `/health`.
//! - `sessions.rs`: caps on open sessions, global and per client IP, for both transports.
//! - [`serve`]: binds, serves until SIGTERM/SIGINT, then stops accepting, lets in-flight tool
//!   calls finish and closes the sessions.
//!
//! The transports only carry MCP messages; every session gets a clone of one
//! [`InvoiceServer`] over one engine.

mod authserver;
mod guard;
mod jsonrpc;
mod listener;
pub mod oauth;
mod ratelimit;
mod rest;
mod routes;
mod sessions;
mod sse;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::engine::Integrity;
use crate::error::{Error, Result};
use crate::mcp::InvoiceServer;
pub use guard::Token;
pub use listener::ConnectionLimits;
pub use ratelimit::RateLimit;
use sessions::SessionRegistry;

/// How the HTTP server runs; `cli/serve.rs` fills it from flags and environment.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Address to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Path of the streamable HTTP endpoint.
    pub mcp_path: String,
    /// Path of the legacy SSE stream; messages go to `message` beside it.
    pub sse_path: String,
    /// Bearer token required on every route but `/health`.
    pub token: Option<Token>,
    /// Host names (with or without port) accepted in the `Host` header; loopback names by
    /// default.
    pub allowed_hosts: Vec<String>,
    /// Origins (`scheme://host[:port]`) accepted in the `Origin` header; requests without one
    /// pass.
    pub allowed_origins: Vec<String>,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Most open MCP sessions (both transports).
    pub max_sessions: usize,
    /// Most open MCP sessions of one client IP.
    pub max_sessions_per_ip: usize,
    /// An SSE session that has not initialized by then is closed.
    pub init_timeout: Duration,
    /// A streamable HTTP session idle this long is closed.
    pub session_idle_timeout: Duration,
    /// How long shutdown waits for in-flight tool calls.
    pub shutdown_grace: Duration,
    /// Caps on open connections and the header-read timeout.
    pub connections: ConnectionLimits,
    /// How long a request body may pause between two chunks.
    pub body_read_timeout: Duration,
    /// Requests per client (IP, and token where there is one).
    pub rate_limit: RateLimit,
    /// Bytes of answers a legacy SSE session may have waiting for a client that does not read
    /// its stream; a client that falls further behind is disconnected.
    pub sse_outbound_bytes: usize,
    /// OAuth beside the static token: with an external identity provider, or (with
    /// `oauth_builtin`) with this server as the authorization server.
    pub oauth: Option<oauth::OAuthConfig>,
    /// Whether this server is the authorization server (`authserver.rs`).
    pub oauth_builtin: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            host: "127.0.0.1".into(),
            port: 8080,
            mcp_path: "/mcp".into(),
            sse_path: "/sse".into(),
            token: None,
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            allowed_origins: Vec::new(),
            max_body_bytes: 4 * 1024 * 1024,
            max_sessions: 1000,
            max_sessions_per_ip: 100,
            init_timeout: Duration::from_secs(30),
            session_idle_timeout: Duration::from_secs(30 * 60),
            shutdown_grace: Duration::from_secs(30),
            connections: ConnectionLimits {
                max_connections: 1024,
                max_per_ip: 256,
                header_read_timeout: Duration::from_secs(10),
            },
            body_read_timeout: Duration::from_secs(30),
            rate_limit: RateLimit {
                per_second: 50,
                burst: 200,
            },
            sse_outbound_bytes: 4 * 1024 * 1024,
            oauth: None,
            oauth_builtin: false,
        }
    }
}

impl HttpConfig {
    /// The path clients POST legacy SSE messages to: `message` beside the SSE path.
    pub fn message_path(&self) -> String {
        match self.sse_path.rsplit_once('/') {
            Some((parent, _)) => format!("{parent}/message"),
            None => "/message".into(),
        }
    }

    fn check(&self) -> Result<()> {
        for (field, path) in [("mcp_path", &self.mcp_path), ("sse_path", &self.sse_path)] {
            if !path.starts_with('/') || path.len() < 2 || path.ends_with('/') {
                return Err(Error::validation(
                    field,
                    format!("'{path}' must start with / and name a path, e.g. /mcp"),
                ));
            }
        }
        let paths = [&self.mcp_path, &self.sse_path, &self.message_path()];
        for reserved in [
            "/health",
            "/invoices",
            "/tools",
            "/openapi.json",
            "/.well-known",
            "/oauth",
            "/app",
        ] {
            if paths
                .iter()
                .any(|p| p.as_str() == reserved || p.starts_with(&format!("{reserved}/")))
            {
                return Err(Error::validation(
                    "mcp_path",
                    format!("{reserved} is taken by invoicer's own route"),
                ));
            }
        }
        if self.mcp_path == self.sse_path || self.mcp_path == self.message_path() {
            return Err(Error::validation(
                "sse_path",
                "the SSE paths and the streamable HTTP path must differ",
            ));
        }
        Ok(())
    }
}

/// How long shutdown waits, once the last tool call has returned, before closing sessions:
/// time for its answer to be written to the client.
const ANSWER_DRAIN: Duration = Duration::from_millis(250);

/// What every handler shares.
#[derive(Clone)]
struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    server: InvoiceServer,
    config: HttpConfig,
    /// What the integrity check at start found (triggers, chain head, quick check).
    integrity: Integrity,
    sessions: Arc<SessionRegistry>,
    sse: sse::SseSessions,
    /// Cancelled once in-flight calls have finished at shutdown: ends every session.
    sessions_closed: CancellationToken,
    /// The buckets of the rate limits, `None` when they are off.
    rate_limiter: Option<ratelimit::RateLimiter>,
    /// The open TCP connections.
    connections: Arc<listener::Connections>,
    /// Checks the access tokens of an external identity provider, when one is configured.
    oauth: Option<Arc<oauth::Verifier>>,
    /// This server as the authorization server, when it is one.
    auth_server: Option<oauth::OAuthConfig>,
    /// Failed owner sign-ins on the consent page and the web app.
    sign_ins: authserver::SignInLock,
    /// Confirmation forms of the web app already submitted.
    web_forms: web::UsedForms,
}

/// The router over `server`, and the state it shares (with the token that closes its sessions).
fn router(server: InvoiceServer, config: HttpConfig, integrity: Integrity) -> (Router, AppState) {
    let sessions_closed = CancellationToken::new();
    let mut session_manager = LocalSessionManager::default();
    session_manager.session_config.keep_alive = Some(config.session_idle_timeout);
    let session_manager = Arc::new(session_manager);
    // Host and Origin are checked by `guard` for every route, with one allow-list.
    let streamable_config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .disable_allowed_origins()
        .with_sse_keep_alive(Some(Duration::from_secs(15)))
        .with_json_response(true)
        .with_max_request_body_bytes(config.max_body_bytes)
        .with_cancellation_token(sessions_closed.child_token());
    // Two faces of one service over the same sessions: the SSE priming event (an empty
    // `data:` with `retry:`) goes only to clients of protocol 2025-11-25 or later, which expect
    // it; older SDKs log it as an unparsable message.
    let face = |config: StreamableHttpServerConfig| {
        let factory_server = server.clone();
        StreamableHttpService::new(
            move || Ok(factory_server.clone()),
            session_manager.clone(),
            config,
        )
    };
    let primed = face(streamable_config.clone());
    let unprimed = face(streamable_config.with_sse_retry(None));
    let streamable = axum::routing::any(move |request: axum::extract::Request| {
        let service = if expects_sse_priming(request.headers()) {
            primed.clone()
        } else {
            unprimed.clone()
        };
        async move {
            match tower::ServiceExt::oneshot(service, request).await {
                Ok(response) => response.map(axum::body::Body::new),
                Err(never) => match never {},
            }
        }
    });
    let (verifier, auth_server) = match (config.oauth.clone(), config.oauth_builtin) {
        (Some(oauth), true) => (None, Some(oauth)),
        (Some(oauth), false) => (
            Some(Arc::new(oauth::Verifier::new(
                oauth,
                server.engine().clock(),
            ))),
            None,
        ),
        (None, _) => (None, None),
    };
    let state = AppState {
        shared: Arc::new(Shared {
            server,
            integrity,
            sessions: Arc::new(SessionRegistry::new(
                session_manager,
                config.max_sessions,
                config.max_sessions_per_ip,
            )),
            config: config.clone(),
            sse: sse::SseSessions::default(),
            sessions_closed: sessions_closed.clone(),
            rate_limiter: ratelimit::RateLimiter::new(config.rate_limit),
            connections: Arc::new(listener::Connections::default()),
            oauth: verifier,
            auth_server,
            sign_ins: authserver::SignInLock::default(),
            web_forms: web::UsedForms::default(),
        }),
    };
    let mcp = Router::new()
        .route(&config.mcp_path, streamable)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            sessions::limit_streamable_sessions,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            jsonrpc::check_post,
        ));
    let guarded = Router::new()
        .route(&config.sse_path, axum::routing::get(sse::open))
        .route(&config.message_path(), axum::routing::post(sse::message))
        .route("/invoices/{file}", axum::routing::get(routes::invoice_file))
        .route("/tools", axum::routing::get(rest::list))
        .route("/tools/{name}", axum::routing::post(rest::call))
        .route("/openapi.json", axum::routing::get(rest::openapi))
        .merge(mcp)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::check,
        ))
        .layer(cors(&config))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ratelimit::limit,
        ));
    let router = Router::new()
        .route("/health", axum::routing::get(routes::health))
        // Without OAuth, clients that probe for it must learn so (404), not be told to
        // authenticate (401), or they start a registration that cannot succeed. With OAuth,
        // the protected-resource metadata names the identity provider.
        .route(
            "/.well-known/{*rest}",
            axum::routing::any(routes::well_known).layer(cors(&config)),
        )
        .merge(
            authorization_server(&config).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                ratelimit::limit,
            )),
        )
        .merge(guarded)
        .merge(
            web::routes(&state)
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    guard::check_browser,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    ratelimit::limit,
                )),
        )
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            config.body_read_timeout,
        ))
        .with_state(state.clone());
    (router, state)
}

/// Run `f` (engine work: database, renders) on the blocking pool; a panic in it is an
/// internal error.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(Error::internal(e.to_string())))
}

impl Shared {
    /// The OAuth settings in force: the external provider's, or this server's as the
    /// authorization server; `None` without OAuth.
    fn oauth_config(&self) -> Option<&oauth::OAuthConfig> {
        self.oauth
            .as_ref()
            .map(|verifier| verifier.config())
            .or(self.auth_server.as_ref())
    }
}

/// The routes of the built-in authorization server (none without `--oauth-builtin`). They
/// take no token (they are how a client gets one); the rate limits apply, and CORS for
/// browser-based clients on allowed origins.
fn authorization_server(config: &HttpConfig) -> Router<AppState> {
    if !config.oauth_builtin {
        return Router::new();
    }
    Router::new()
        .route("/oauth/register", axum::routing::post(authserver::register))
        .route(
            "/oauth/authorize",
            axum::routing::get(authserver::authorize_page).post(authserver::authorize_answer),
        )
        .route("/oauth/token", axum::routing::post(authserver::token))
        .route("/oauth/revoke", axum::routing::post(authserver::revoke))
        .layer(cors(config))
}

/// `response` with `guard` kept alive until its body (an event stream too) has been sent or
/// dropped: how the connection and session registries know that a request is still in flight.
fn hold_until_sent<G: Send + 'static>(
    response: axum::response::Response,
    guard: G,
) -> axum::response::Response {
    use http_body_util::BodyExt;
    response.map(|body| {
        axum::body::Body::new(body.map_frame(move |frame| {
            let _ = &guard;
            frame
        }))
    })
}

/// Whether a streamable HTTP request comes from a client of protocol 2025-11-25 or later (the
/// `MCP-Protocol-Version` header every request after `initialize` carries).
fn expects_sse_priming(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("mcp-protocol-version")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|version| version.trim() >= "2025-11-25")
}

/// CORS for browser clients (the MCP Inspector, web apps) on allowed origins: preflights are
/// answered (inside the rate limit) before the Host and token checks, and answers carry
/// `Access-Control-Allow-Origin` with the page's origin (never `*`), so the page may read them
/// and the `Mcp-Session-Id` header.
/// Other origins get no CORS headers, and `guard` refuses their requests with `403`.
fn cors(config: &HttpConfig) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderName, Method, header};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let hosts = config.allowed_hosts.clone();
    let origins = config.allowed_origins.clone();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin, _| {
            origin
                .to_str()
                .is_ok_and(|origin| guard::origin_allowed(origin, &hosts, &origins))
        }))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("mcp-session-id"),
            HeaderName::from_static("mcp-protocol-version"),
            HeaderName::from_static("mcp-method"),
            HeaderName::from_static("mcp-name"),
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([
            HeaderName::from_static("mcp-session-id"),
            header::WWW_AUTHENTICATE,
        ])
        .max_age(Duration::from_secs(600))
}

/// A bound server, ready to run.
pub struct BoundServer {
    listener: tokio::net::TcpListener,
    server: InvoiceServer,
    config: HttpConfig,
}

impl BoundServer {
    /// Where it listens.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.listener
            .local_addr()
            .map_err(|e| Error::internal(format!("no local address: {e}")))
    }

    /// Serve until `shutdown` is cancelled (or SIGTERM/SIGINT arrives, see [`serve`]); then
    /// stop accepting, wait up to the grace period for in-flight tool calls, close the sessions
    /// and return once every connection is done.
    pub async fn run(self, shutdown: CancellationToken) -> Result<()> {
        let grace = self.config.shutdown_grace;
        let limits = self.config.connections;
        let integrity = startup_integrity(&self.server).await;
        let (router, state) = router(self.server.clone(), self.config, integrity);
        let shared = state.shared.clone();
        let server = self.server;
        let closer = tokio::spawn({
            let shutdown = shutdown.clone();
            let sessions_closed = shared.sessions_closed.clone();
            async move {
                shutdown.cancelled().await;
                if tokio::time::timeout(grace, server.calls_finished())
                    .await
                    .is_err()
                {
                    tracing::warn!("shutdown: tool calls still running after the grace period");
                }
                // A finished call's answer is still on its way out through rmcp's session.
                tokio::time::sleep(ANSWER_DRAIN).await;
                sessions_closed.cancel();
            }
        });
        let sweeper = tokio::spawn({
            let shared = shared.clone();
            async move {
                let mut every_minute = tokio::time::interval(Duration::from_secs(60));
                loop {
                    every_minute.tick().await;
                    if let Some(limiter) = &shared.rate_limiter {
                        limiter.forget_quiet_clients();
                    }
                }
            }
        });
        let served = listener::serve(
            self.listener,
            router,
            limits,
            shared.connections.clone(),
            shutdown.clone(),
        );
        // Connections end once their sessions are closed; one that does not (a download to a
        // client that stopped reading) is given up on a little after the grace period.
        tokio::select! {
            () = served => {}
            () = async {
                shutdown.cancelled().await;
                tokio::time::sleep(grace + Duration::from_secs(5)).await;
            } => tracing::warn!("shutdown: connections still open after the grace period"),
        }
        closer.abort();
        sweeper.abort();
        tracing::info!("stopped");
        Ok(())
    }
}

/// The integrity check at start: the triggers, the newest link of the hash chain and SQLite's
/// quick check. A failure is logged and reported as `degraded` by `/health`; the server still
/// serves, so the owner can read and export what is there.
async fn startup_integrity(server: &InvoiceServer) -> Integrity {
    let engine = server.engine().clone();
    let checked = blocking(move || engine.integrity()).await;
    let integrity = checked.unwrap_or_else(|e| Integrity {
        ok: false,
        problems: vec![format!("the integrity check could not run: {e}")],
        chain_links: 0,
        chain_head: String::new(),
    });
    if integrity.ok {
        tracing::info!(
            chain_links = integrity.chain_links,
            chain_head = %integrity.chain_head,
            "integrity check passed"
        );
    } else {
        for problem in &integrity.problems {
            tracing::error!("integrity check failed: {problem}");
        }
    }
    integrity
}

/// Bind the listener for `config` (port 0 picks a free port).
pub async fn bind(server: InvoiceServer, config: HttpConfig) -> Result<BoundServer> {
    config.check()?;
    let address = format!("{}:{}", config.host, config.port);
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .map_err(|e| Error::validation("port", format!("cannot listen on {address}: {e}")))?;
    Ok(BoundServer {
        listener,
        server,
        config,
    })
}

/// Cancel `token` on SIGTERM or Ctrl-C.
pub fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = ctrl_c => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = ctrl_c.await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        tracing::info!("shutting down: no new connections, letting tool calls finish");
        token.cancel();
    });
}

#[cfg(test)]
mod tests;
