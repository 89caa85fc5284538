//! Legacy HTTP+SSE transport (MCP protocol 2024-11-05), for clients and bridges that predate
//! streamable HTTP. `GET /sse` opens a session: the first event is `endpoint` with the URL to
//! POST messages to (`/message?sessionId=…`), then every server message follows as a `message`
//! event, with a keep-alive comment every 15 s. Each session is an rmcp service over a
//! (Sink, Stream) pair of channels. It ends when the client drops the stream, when it has not
//! initialized within the init timeout, when it falls too far behind reading its stream (the
//! outbound queue is bounded: a client that does not read is disconnected, never buffered
//! for), or at shutdown.
//!
//! Written here on axum's `Sse`: rmcp 3 has no server for this transport, only its client.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{StreamExt, stream};
use rmcp::model::{ClientJsonRpcMessage, GetExtensions, ServerJsonRpcMessage};
use rmcp::service::serve_server_with_ct;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::AppState;
use super::jsonrpc::read_message;
use super::sessions::Transport;
use crate::mcp::InvoiceServer;

/// Messages from a client buffered per session before its POSTs wait.
const INBOX_CAPACITY: usize = 64;
/// Most messages waiting for one client; the bytes they hold are bounded separately.
const OUTBOX_MESSAGES: usize = 1024;
/// Interval of the keep-alive comments.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The open SSE sessions: where to deliver what clients POST.
#[derive(Default)]
pub struct SseSessions {
    inboxes: Mutex<HashMap<String, mpsc::Sender<ClientJsonRpcMessage>>>,
}

impl SseSessions {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::Sender<ClientJsonRpcMessage>>> {
        self.inboxes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Ends a session when its event stream is dropped (the client went away, or shutdown).
struct SessionGuard {
    id: String,
    state: AppState,
    closed: CancellationToken,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.closed.cancel();
        self.state.shared.sse.lock().remove(&self.id);
        self.state.shared.sessions.remove(&self.id);
        tracing::info!(transport = "sse", "session closed");
    }
}

/// `GET /sse`: open a session and stream its messages.
pub(super) async fn open(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    let shared = &state.shared;
    if let Err(refusal) = shared.sessions.admit(peer.ip()).await {
        return refusal.into_response();
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (inbox, inbox_rx) = mpsc::channel::<ClientJsonRpcMessage>(INBOX_CAPACITY);
    // The queue is bounded by the bytes waiting in it; the channel only needs room for as
    // many messages as could fit.
    let (outbox_tx, outbox_rx) = mpsc::channel::<String>(OUTBOX_MESSAGES);
    let closed = shared.sessions_closed.child_token();
    let queued = Arc::new(AtomicUsize::new(0));
    let outbox = Outbox {
        queue: outbox_tx,
        queued: queued.clone(),
        max_bytes: shared.config.sse_outbound_bytes,
        closed: closed.clone(),
        peer: peer.ip(),
    };
    shared.sse.lock().insert(id.clone(), inbox);
    shared
        .sessions
        .register(id.clone(), Transport::Sse, peer.ip());
    tokio::spawn(run_session(
        shared.server.clone(),
        outbox,
        ReceiverStream::new(inbox_rx),
        closed.clone(),
        shared.config.init_timeout,
    ));
    tracing::info!(transport = "sse", "session opened");

    let endpoint = format!("{}?sessionId={id}", shared.config.message_path());
    let guard = SessionGuard {
        id,
        state: state.clone(),
        closed: closed.clone(),
    };
    let first = stream::once(async move { Event::default().event("endpoint").data(endpoint) });
    let messages = ReceiverStream::new(outbox_rx).map(move |message| {
        queued.fetch_sub(message.len(), Ordering::Relaxed);
        Event::default().event("message").data(message)
    });
    let events = first
        .chain(messages)
        .take_until(closed.cancelled_owned())
        .map(move |event| {
            let _keep_alive_with_stream = &guard;
            Ok::<_, Infallible>(event)
        });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
}

/// Serve one session until it ends; close it if it does not initialize in time.
async fn run_session(
    server: InvoiceServer,
    outbox: Outbox,
    inbox: ReceiverStream<ClientJsonRpcMessage>,
    closed: CancellationToken,
    init_timeout: Duration,
) {
    let handshake = serve_server_with_ct(server, (outbox, inbox), closed.clone());
    match tokio::time::timeout(init_timeout, handshake).await {
        Err(_) => tracing::warn!(
            transport = "sse",
            "closing a session that did not initialize within {}s",
            init_timeout.as_secs()
        ),
        Ok(Err(e)) => tracing::info!(transport = "sse", "session ended before initializing: {e}"),
        Ok(Ok(running)) => {
            let _ = running.waiting().await;
        }
    }
    closed.cancel();
}

/// The outbound side of one session: each message is serialized once and queued for the
/// event stream. The queue is bounded, and sending never waits: a message that finds it full
/// means the client has stopped reading, so the session is closed (and logged) instead of the
/// server holding every later answer in memory.
struct Outbox {
    queue: mpsc::Sender<String>,
    /// Bytes of the messages waiting.
    queued: Arc<AtomicUsize>,
    /// Most bytes that may wait; one message larger than that is taken when nothing waits.
    max_bytes: usize,
    closed: CancellationToken,
    peer: std::net::IpAddr,
}

impl Outbox {
    fn behind(&self, waiting: usize) -> OutboxError {
        if !self.closed.is_cancelled() {
            tracing::warn!(
                transport = "sse",
                client = %self.peer,
                "closing a session whose client stopped reading its event stream: {waiting} bytes of answers are waiting"
            );
            self.closed.cancel();
        }
        OutboxError::Behind
    }
}

/// Why a message could not be queued.
#[derive(Debug, thiserror::Error)]
enum OutboxError {
    #[error("the client stopped reading its event stream; the session is closed")]
    Behind,
    #[error("the session has ended")]
    Ended,
    #[error("cannot serialize the message: {0}")]
    Serialize(serde_json::Error),
}

impl futures::Sink<ServerJsonRpcMessage> for Outbox {
    type Error = OutboxError;

    fn poll_ready(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn start_send(
        self: std::pin::Pin<&mut Self>,
        message: ServerJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        let text = serde_json::to_string(&message).map_err(OutboxError::Serialize)?;
        let waiting = self.queued.load(Ordering::Relaxed);
        if waiting > 0 && waiting + text.len() > self.max_bytes {
            return Err(self.behind(waiting));
        }
        let length = text.len();
        self.queued.fetch_add(length, Ordering::Relaxed);
        match self.queue.try_send(text) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.queued.fetch_sub(length, Ordering::Relaxed);
                Err(self.behind(waiting))
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.queued.fetch_sub(length, Ordering::Relaxed);
                Err(OutboxError::Ended)
            }
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Query of `POST /message`.
#[derive(Debug, Deserialize)]
pub(super) struct MessageQuery {
    #[serde(rename = "sessionId")]
    session_id: Option<String>,
}

/// `POST /message?sessionId=…`: hand one JSON-RPC message to its session; the answer comes
/// on the session's stream. `202` when accepted.
pub(super) async fn message(
    State(state): State<AppState>,
    Query(query): Query<MessageQuery>,
    request: Request,
) -> Response {
    let Some(id) = query.session_id else {
        return plain(
            StatusCode::BAD_REQUEST,
            "the sessionId query parameter is required",
        );
    };
    let Some(inbox) = state.shared.sse.lock().get(&id).cloned() else {
        return plain(
            StatusCode::NOT_FOUND,
            "no open SSE session with this id; open one with GET on the SSE path",
        );
    };
    let (parts, body) = request.into_parts();
    let mut message = match read_message(body, state.shared.config.max_body_bytes).await {
        Ok((message, _)) => message,
        Err(response) => return response,
    };
    // Tools build PDF download links from the request, as over streamable HTTP.
    match &mut message {
        ClientJsonRpcMessage::Request(request) => {
            request.request.extensions_mut().insert(parts);
        }
        ClientJsonRpcMessage::Notification(notification) => {
            notification.notification.extensions_mut().insert(parts);
        }
        _ => {}
    }
    if inbox.send(message).await.is_err() {
        return plain(StatusCode::GONE, "the SSE session has ended");
    }
    (StatusCode::ACCEPTED, "Accepted").into_response()
}

fn plain(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}
