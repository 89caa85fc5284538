//! The accept loop: every TCP connection is counted before a byte of it is read, so idle
//! sockets cannot use up the server's file descriptors, and each one must send its request
//! head within the header-read timeout (hyper's, which also closes keep-alive connections that
//! stay idle that long).
//!
//! At most `max_connections` are open, and `max_connections_per_ip` from one address. When a
//! cap is reached, a connection with no request in flight is closed to make room: first the
//! oldest that has not sent a single request yet (an idle or slowloris socket), then the oldest
//! keep-alive connection waiting between requests; only when every connection is busy is the
//! new one refused with `503` and `Retry-After`. So an attacker holding idle sockets, or
//! keep-alive sockets it sends a request on now and then, delays nobody, `/health` included,
//! and clients with a request in flight (or an event stream open) are never dropped for a
//! newcomer. A request counts as in flight from its head until its response body is sent.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;
use tower::Service;

/// Caps and timeouts of the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Most open connections.
    pub max_connections: usize,
    /// Most open connections from one IP address.
    pub max_per_ip: usize,
    /// Time a connection has to send a whole request head, and the longest a keep-alive
    /// connection may stay idle between requests.
    pub header_read_timeout: Duration,
}

/// What the registry knows of one connection's traffic.
#[derive(Default)]
pub struct Activity {
    /// Set once the connection has sent a complete request head.
    spoke: AtomicBool,
    /// Requests whose response is not sent yet.
    in_flight: AtomicUsize,
}

impl Activity {
    /// Count a request as in flight until the returned guard is dropped.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.spoke.store(true, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }

    fn is_busy(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) > 0
    }
}

/// A request in flight on a connection; dropped when its response body is done.
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One open connection as the registry sees it.
struct Open {
    ip: IpAddr,
    accepted: Instant,
    activity: Arc<Activity>,
    /// Cancelled to close the connection.
    close: CancellationToken,
}

/// The open connections, by number.
#[derive(Default)]
pub struct Connections {
    open: Mutex<HashMap<u64, Open>>,
    next: AtomicU64,
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// `max_connections` are open, all of them busy.
    Server,
    /// `max_per_ip` are open from this address, all of them busy.
    Client,
}

/// A connection counted in [`Connections`]; dropping it forgets the connection.
pub struct Admitted {
    id: u64,
    connections: Arc<Connections>,
    /// Its requests, for the choice of which connection makes room.
    pub activity: Arc<Activity>,
    /// Cancelled when the connection is evicted.
    pub close: CancellationToken,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.connections.lock().remove(&self.id);
    }
}

impl Connections {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Open>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many connections are open.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Count a new connection from `ip`; when a cap is reached, close the oldest connection
    /// that never sent a request, else the oldest one waiting between requests.
    pub fn admit(
        self: &Arc<Self>,
        ip: IpAddr,
        limits: &ConnectionLimits,
    ) -> Result<Admitted, Full> {
        let mut open = self.lock();
        let from_ip = open.values().filter(|c| c.ip == ip).count();
        let full = if from_ip >= limits.max_per_ip {
            Some(Full::Client)
        } else if open.len() >= limits.max_connections {
            Some(Full::Server)
        } else {
            None
        };
        if let Some(full) = full {
            let victim = open
                .iter()
                .filter(|(_, c)| !c.activity.is_busy())
                .filter(|(_, c)| full == Full::Server || c.ip == ip)
                .min_by_key(|(_, c)| (c.activity.spoke.load(Ordering::Relaxed), c.accepted))
                .map(|(id, _)| *id);
            let Some(victim) = victim else {
                return Err(full);
            };
            if let Some(evicted) = open.remove(&victim) {
                evicted.close.cancel();
            }
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let activity = Arc::new(Activity::default());
        let close = CancellationToken::new();
        open.insert(
            id,
            Open {
                ip,
                accepted: Instant::now(),
                activity: activity.clone(),
                close: close.clone(),
            },
        );
        Ok(Admitted {
            id,
            connections: self.clone(),
            activity,
            close,
        })
    }
}

/// Serve `router` on `listener` until `shutdown` is cancelled; then stop accepting and wait
/// for the open connections to finish (they end once their requests are answered and the
/// sessions are closed).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ConnectionLimits,
    connections: Arc<Connections>,
    shutdown: CancellationToken,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors or a connection reset before accept: wait a moment
                // rather than spin.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let admitted = match connections.admit(peer.ip(), &limits) {
            Ok(admitted) => admitted,
            Err(full) => {
                tokio::spawn(refuse(stream, full));
                continue;
            }
        };
        // Answers are small writes (SSE events): without TCP_NODELAY, Nagle's algorithm and
        // delayed ACKs hold them back ~40 ms.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
        let activity = admitted.activity.clone();
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            let in_flight = activity.begin();
            request.extensions_mut().insert(ConnectInfo(peer));
            let mut router = router.clone();
            async move {
                let response = router.call(request).await?;
                Ok::<_, std::convert::Infallible>(super::hold_until_sent(response, in_flight))
            }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            tokio::select! {
                result = connection => {
                    if let Err(e) = result {
                        tracing::debug!("connection from {}: {e}", peer.ip());
                    }
                }
                () = admitted.close.cancelled() => {
                    tracing::debug!("closed an idle connection from {} to make room", peer.ip());
                }
            }
            drop(admitted);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Answer a connection over the caps with `503` and close it.
async fn refuse(mut stream: tokio::net::TcpStream, full: Full) {
    let why = match full {
        Full::Server => "the server has as many connections open as it takes",
        Full::Client => "this address has as many connections open as one client may",
    };
    tracing::warn!(status = 503, "refused a connection: {why}");
    let body = format!("{{\"error\":\"{why}; try again in a few seconds\"}}");
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: usize, per_ip: usize) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: total,
            max_per_ip: per_ip,
            header_read_timeout: Duration::from_secs(10),
        }
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn a_full_client_makes_room_by_closing_its_oldest_idle_connection() {
        let connections = Arc::new(Connections::default());
        let limits = limits(100, 2);
        let first = connections.admit(ip(1), &limits).unwrap();
        let second = connections.admit(ip(1), &limits).unwrap();
        let _busy = second.activity.begin();
        let third = connections.admit(ip(1), &limits).unwrap();
        assert!(first.close.is_cancelled(), "the silent one went");
        assert!(!second.close.is_cancelled(), "the busy one stays");
        let _also_busy = third.activity.begin();
        // Both are busy now: a fourth is refused, and other addresses are not affected.
        assert_eq!(connections.admit(ip(1), &limits).err(), Some(Full::Client));
        assert!(connections.admit(ip(2), &limits).is_ok());
    }

    #[test]
    fn a_full_server_closes_the_oldest_silent_connection_of_anyone() {
        let connections = Arc::new(Connections::default());
        let limits = limits(2, 10);
        let a = connections.admit(ip(1), &limits).unwrap();
        let b = connections.admit(ip(2), &limits).unwrap();
        let b_busy = b.activity.begin();
        let c = connections.admit(ip(3), &limits).unwrap();
        assert!(a.close.is_cancelled());
        let _c_busy = c.activity.begin();
        assert_eq!(connections.admit(ip(4), &limits).err(), Some(Full::Server));
        drop(b_busy);
        drop(b);
        assert_eq!(connections.count(), 1, "closed connections are forgotten");
        assert!(connections.admit(ip(4), &limits).is_ok());
    }

    #[test]
    fn keep_alive_connections_between_requests_make_room_after_silent_ones() {
        let connections = Arc::new(Connections::default());
        let limits = limits(3, 10);
        // An old keep-alive connection that has been answered and waits for its next request.
        let answered = connections.admit(ip(1), &limits).unwrap();
        drop(answered.activity.begin());
        let silent = connections.admit(ip(2), &limits).unwrap();
        let streaming = connections.admit(ip(3), &limits).unwrap();
        let _stream = streaming.activity.begin();
        // The silent one goes first, although the answered one is older.
        let d = connections.admit(ip(4), &limits).unwrap();
        let _d_busy = d.activity.begin();
        assert!(silent.close.is_cancelled());
        assert!(!answered.close.is_cancelled());
        // Then the one between requests; the open stream is never closed.
        let _e = connections.admit(ip(5), &limits).unwrap();
        assert!(answered.close.is_cancelled());
        assert!(!streaming.close.is_cancelled());
    }
}
