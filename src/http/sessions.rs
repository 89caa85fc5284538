//! Caps on open MCP sessions, counted over both HTTP transports: at most `max_sessions` in
//! all and `max_sessions_per_ip` per client IP. Legacy SSE sessions register themselves for as
//! long as their stream is open; streamable HTTP sessions are registered when an `initialize`
//! answer carries a new `Mcp-Session-Id`, and forgotten once rmcp's session manager no longer
//! holds them (DELETE, idle timeout, shutdown).
//!
//! Many clients never end their streamable HTTP sessions (the TypeScript SDKs, the Inspector
//! CLI and mcp-remote send no DELETE; the Inspector CLI opens one per call). So at a cap, the
//! streamable session unused for longest (no request in flight, no event stream open, and
//! nothing sent for at least [`MIN_IDLE_TO_EVICT`]) is closed to make room, from the same
//! address when the per-address cap is reached; only when every session is in use is the
//! newcomer refused. Only an `initialize` request opens a session (a stateless request opens
//! none, so it never closes anyone's). A client whose session was closed gets `404` and opens a
//! new one, as the protocol says. Legacy SSE sessions are never closed for a newcomer: their
//! open stream is the session.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::SessionManager;
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

/// The shortest time a streamable session must have been unused before it is closed to make
/// room for a newcomer.
pub const MIN_IDLE_TO_EVICT: Duration = Duration::from_secs(10);

/// One open session as the registry sees it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    transport: Transport,
    ip: IpAddr,
    last_used: Instant,
    /// Requests (and event streams) of the session whose answer is not finished.
    in_flight: usize,
}

/// Marks a request as one that may open a session (`initialize`), for the session caps; set by
/// the JSON-RPC reader, which has parsed the body.
#[derive(Debug, Clone, Copy)]
pub struct OpensSession;

/// The open sessions of both transports, by id.
pub struct SessionRegistry {
    open: Mutex<HashMap<String, Entry>>,
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
        self.lock()
            .retain(|id, entry| entry.transport == Transport::Sse || alive.iter().any(|a| a == id));
    }

    /// Whether `ip` may open one more session; at a cap, the streamable session unused for
    /// longest (of `ip` when its own cap is reached) is closed to make room, if there is one.
    pub async fn admit(&self, ip: IpAddr) -> Result<(), Refusal> {
        self.prune().await;
        let (full, victim) = {
            let mut open = self.lock();
            let full = if open.values().filter(|e| e.ip == ip).count() >= self.max_per_ip {
                Some(Refusal::TooManyFromClient)
            } else if open.len() >= self.max_sessions {
                Some(Refusal::Full)
            } else {
                None
            };
            let Some(full) = full else {
                return Ok(());
            };
            // Chosen and removed under one lock: no request can start on it in between, and no
            // other newcomer can take the same room.
            let victim = least_recently_used(&open, full, ip, Instant::now());
            if let Some(victim) = &victim {
                open.remove(victim);
            }
            (full, victim)
        };
        let Some(victim) = victim else {
            return Err(full);
        };
        if let Err(e) = self.streamable.close_session(&victim.as_str().into()).await {
            tracing::debug!("closing an idle session: {e}");
        }
        tracing::info!(
            transport = "streamable-http",
            "closed the session unused for longest to make room"
        );
        Ok(())
    }

    /// Record an open session.
    pub fn register(&self, id: String, transport: Transport, ip: IpAddr) {
        let last_used = Instant::now();
        self.lock().insert(
            id,
            Entry {
                transport,
                ip,
                last_used,
                in_flight: 0,
            },
        );
    }

    /// A request of session `id` starts; it counts as in flight until the guard is dropped.
    fn begin(self: &Arc<Self>, id: &str) -> SessionUse {
        if let Some(entry) = self.lock().get_mut(id) {
            entry.last_used = Instant::now();
            entry.in_flight += 1;
        }
        SessionUse {
            registry: self.clone(),
            id: id.to_string(),
        }
    }

    /// Forget a closed session.
    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Open sessions per transport: (streamable HTTP, SSE).
    pub async fn counts(&self) -> (usize, usize) {
        self.prune().await;
        let open = self.lock();
        let sse = open
            .values()
            .filter(|e| e.transport == Transport::Sse)
            .count();
        (open.len() - sse, sse)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A request of a session in flight; when it ends, the session was last used now.
struct SessionUse {
    registry: Arc<SessionRegistry>,
    id: String,
}

impl Drop for SessionUse {
    fn drop(&mut self) {
        if let Some(entry) = self.registry.lock().get_mut(&self.id) {
            entry.in_flight = entry.in_flight.saturating_sub(1);
            entry.last_used = Instant::now();
        }
    }
}

/// The streamable session to close for a newcomer from `ip` at cap `full`: nothing in flight,
/// unused for longest, and for at least [`MIN_IDLE_TO_EVICT`].
fn least_recently_used(
    open: &HashMap<String, Entry>,
    full: Refusal,
    ip: IpAddr,
    now: Instant,
) -> Option<String> {
    open.iter()
        .filter(|(_, e)| e.transport == Transport::Streamable && e.in_flight == 0)
        .filter(|(_, e)| full == Refusal::Full || e.ip == ip)
        .filter(|(_, e)| now.saturating_duration_since(e.last_used) >= MIN_IDLE_TO_EVICT)
        .min_by_key(|(_, e)| e.last_used)
        .map(|(id, _)| id.clone())
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
    let in_use = request
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(|id| registry.begin(id));
    let opens_session = request.method() == Method::POST
        && in_use.is_none()
        && request.extensions().get::<OpensSession>().is_some();
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
    match in_use {
        Some(in_use) => super::hold_until_sent(response, in_use),
        None => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(transport: Transport, last: u8, idle_secs: u64, now: Instant) -> Entry {
        Entry {
            transport,
            ip: IpAddr::from([10, 0, 0, last]),
            last_used: now - Duration::from_secs(idle_secs),
            in_flight: 0,
        }
    }

    #[test]
    fn the_session_unused_for_longest_makes_room_and_never_a_busy_or_sse_one() {
        let now = Instant::now() + Duration::from_secs(3600);
        let ip = IpAddr::from([10, 0, 0, 1]);
        let open: HashMap<String, Entry> = [
            (
                "recent".to_string(),
                entry(Transport::Streamable, 1, 2, now),
            ),
            (
                "older".to_string(),
                entry(Transport::Streamable, 1, 60, now),
            ),
            ("oldest-sse".to_string(), entry(Transport::Sse, 1, 600, now)),
            (
                "other-ip".to_string(),
                entry(Transport::Streamable, 2, 300, now),
            ),
        ]
        .into();
        // This address's cap: its own idle session goes, not another address's.
        assert_eq!(
            least_recently_used(&open, Refusal::TooManyFromClient, ip, now).as_deref(),
            Some("older")
        );
        // The server's cap: anyone's.
        assert_eq!(
            least_recently_used(&open, Refusal::Full, ip, now).as_deref(),
            Some("other-ip")
        );
        // Sessions used in the last seconds are kept, and so is one with a call in flight or
        // a stream open, however long ago it started.
        let mut streaming = entry(Transport::Streamable, 1, 600, now);
        streaming.in_flight = 1;
        let busy: HashMap<String, Entry> = [
            (
                "recent".to_string(),
                entry(Transport::Streamable, 1, 2, now),
            ),
            ("streaming".to_string(), streaming),
        ]
        .into();
        assert_eq!(
            least_recently_used(&busy, Refusal::TooManyFromClient, ip, now),
            None
        );
    }
}
