//! Caps on open MCP sessions, counted over both HTTP transports: at most `max_sessions` in
//! all and `max_sessions_per_ip` per client IP. Legacy SSE sessions register themselves for as
//! long as their stream is open; streamable HTTP sessions are registered when an `initialize`
//! answer carries a new `Mcp-Session-Id`, and forgotten once rmcp's session manager no longer
//! holds them (DELETE, idle timeout, shutdown).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use serde_json::json;

use super::AppState;

/// Which transport a session uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Streamable HTTP (`/mcp`).
    Streamable,
    /// Legacy HTTP+SSE (`/sse`).
    Sse,
}

/// Why a new session was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The server holds `max_sessions` already.
    Full,
    /// This client IP holds `max_sessions_per_ip` already.
    TooManyFromClient,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Refusal::Full => (
                StatusCode::SERVICE_UNAVAILABLE,
                "too many open MCP sessions; try again later",
            ),
            Refusal::TooManyFromClient => (
                StatusCode::TOO_MANY_REQUESTS,
                "too many open MCP sessions from this address; close some first",
            ),
        };
        tracing::warn!(status = status.as_u16(), "refused: {message}");
        (status, axum::Json(json!({ "error": message }))).into_response()
    }
}

/// The open sessions of both transports, by id.
pub struct SessionRegistry {
    open: Mutex<HashMap<String, (Transport, IpAddr)>>,
    streamable: Arc<LocalSessionManager>,
    max_sessions: usize,
    max_per_ip: usize,
}

impl SessionRegistry {
    /// An empty registry; `streamable` is rmcp's session manager, the truth for `/mcp`.
    pub fn new(
        streamable: Arc<LocalSessionManager>,
        max_sessions: usize,
        max_per_ip: usize,
    ) -> Self {
        SessionRegistry {
            open: Mutex::new(HashMap::new()),
            streamable,
            max_sessions,
            max_per_ip,
        }
    }

    /// Forget streamable sessions rmcp has closed.
    async fn prune(&self) {
        let alive: Vec<String> = {
            let sessions = self.streamable.sessions.read().await;
            sessions.keys().map(|id| id.to_string()).collect()
        };
        self.lock().retain(|id, (transport, _)| {
            *transport == Transport::Sse || alive.iter().any(|a| a == id)
        });
    }

    /// Whether `ip` may open one more session.
    pub async fn admit(&self, ip: IpAddr) -> Result<(), Refusal> {
        self.prune().await;
        let open = self.lock();
        if open.len() >= self.max_sessions {
            return Err(Refusal::Full);
        }
        if open.values().filter(|(_, owner)| *owner == ip).count() >= self.max_per_ip {
            return Err(Refusal::TooManyFromClient);
        }
        Ok(())
    }

    /// Record an open session.
    pub fn register(&self, id: String, transport: Transport, ip: IpAddr) {
        self.lock().insert(id, (transport, ip));
    }

    /// Forget a closed session.
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Open sessions per transport: (streamable HTTP, SSE).
    pub async fn counts(&self) -> (usize, usize) {
        self.prune().await;
        let open = self.lock();
        let sse = open.values().filter(|(t, _)| *t == Transport::Sse).count();
        (open.len() - sse, sse)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Transport, IpAddr)>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Middleware on `/mcp`: a POST without a session id may open a session, so it must pass the
/// caps; a new `Mcp-Session-Id` in the answer is registered. A DELETE that ended a session is
/// answered `204 No Content` (rmcp says `202`, which clients read as a failed termination).
pub(super) async fn limit_streamable_sessions(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let registry = &state.shared.sessions;
    let opens_session =
        request.method() == Method::POST && !request.headers().contains_key("mcp-session-id");
    if opens_session && let Err(refusal) = registry.admit(peer.ip()).await {
        return refusal.into_response();
    }
    let closes_session = request.method() == Method::DELETE;
    let mut response = next.run(request).await;
    if closes_session && response.status() == StatusCode::ACCEPTED {
        *response.status_mut() = StatusCode::NO_CONTENT;
        registry.prune().await;
        tracing::info!(transport = "streamable-http", "session closed");
    }
    if opens_session
        && let Some(id) = response
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
    {
        tracing::info!(transport = "streamable-http", "session opened");
        registry.register(id.to_string(), Transport::Streamable, peer.ip());
    }
    response
}
