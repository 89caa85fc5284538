//! Legacy HTTP+SSE transport (MCP protocol 2024-11-05), for clients and bridges that predate
//! streamable HTTP. `GET /sse` opens a session: the first event is `endpoint` with the URL to
//! POST messages to (`/message?sessionId=…`), then every server message follows as a `message`
//! event, with a keep-alive comment every 15 s. Each session is an rmcp service over a
//! (Sink, Stream) pair of channels. It ends when the client drops the stream, when it has not
//! initialized within the init timeout, or at shutdown.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
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

/// Messages buffered per session and direction.
const CHANNEL_CAPACITY: usize = 64;
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
    let (inbox, inbox_rx) = mpsc::channel::<ClientJsonRpcMessage>(CHANNEL_CAPACITY);
    let (outbox, outbox_rx) =
        futures::channel::mpsc::channel::<ServerJsonRpcMessage>(CHANNEL_CAPACITY);
    let closed = shared.sessions_closed.child_token();
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
    let messages = outbox_rx.map(|message| {
        Event::default()
            .event("message")
            .json_data(&message)
            .unwrap_or_else(|e| Event::default().comment(format!("unserializable message: {e}")))
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
    outbox: futures::channel::mpsc::Sender<ServerJsonRpcMessage>,
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
