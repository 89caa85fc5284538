//! Request rate limits per client: one token bucket per IP address and one per bearer token
//! (keyed by its SHA-256, so no token is kept), checked before the token itself. A request over
//! a limit is answered `429 Too Many Requests` with `Retry-After`. `/health` is not limited.
//! The `governor` crate keeps the buckets; buckets of clients gone quiet are dropped every
//! minute, so addresses seen once do not pile up.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use serde_json::json;

use super::AppState;

/// How many requests a client may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second; 0 turns the limit off.
    pub per_second: u32,
    /// Requests allowed at once beyond the sustained rate.
    pub burst: u32,
}

/// The buckets of every client.
pub struct RateLimiter {
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
    per_token: DefaultKeyedRateLimiter<[u8; 32]>,
}

impl RateLimiter {
    /// Buckets for `limit`, or `None` when it is off.
    pub fn new(limit: RateLimit) -> Option<RateLimiter> {
        let per_second = NonZeroU32::new(limit.per_second)?;
        let burst = NonZeroU32::new(limit.burst.max(limit.per_second)).unwrap_or(per_second);
        let quota = Quota::per_second(per_second).allow_burst(burst);
        Some(RateLimiter {
            per_ip: DefaultKeyedRateLimiter::keyed(quota),
            per_token: DefaultKeyedRateLimiter::keyed(quota),
        })
    }

    /// Take one request from the buckets of `ip` and of `token`; the wait when one is empty.
    pub fn check(&self, ip: IpAddr, token: Option<&str>) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        self.per_ip
            .check_key(&ip)
            .map_err(|not_until| not_until.wait_time_from(now))?;
        if let Some(token) = token {
            let key =
                sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(token));
            self.per_token
                .check_key(&key.into())
                .map_err(|not_until| not_until.wait_time_from(now))?;
        }
        Ok(())
    }

    /// Drop the buckets of clients that have been quiet long enough to be full again.
    pub fn forget_quiet_clients(&self) {
        self.per_ip.retain_recent();
        self.per_ip.shrink_to_fit();
        self.per_token.retain_recent();
        self.per_token.shrink_to_fit();
    }
}

/// The middleware on every route but `/health`.
pub(super) async fn limit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limiter) = &state.shared.rate_limiter else {
        return next.run(request).await;
    };
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match limiter.check(peer.ip(), token) {
        Ok(()) => next.run(request).await,
        Err(wait) => too_many(wait),
    }
}

fn too_many(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    tracing::warn!(status = 429, "refused: rate limit, retry in {seconds} s");
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(json!({
            "error": format!("too many requests from this client; retry in {seconds} s")
        })),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_burst_waits_and_others_do_not() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 1,
            burst: 3,
        })
        .unwrap();
        let ip = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..3 {
            assert!(limiter.check(ip, None).is_ok());
        }
        let wait = limiter.check(ip, None).unwrap_err();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiter.check(IpAddr::from([10, 0, 0, 2]), None).is_ok());
        assert!(
            RateLimiter::new(RateLimit {
                per_second: 0,
                burst: 10
            })
            .is_none(),
            "0 turns it off"
        );
    }

    #[test]
    fn one_token_is_limited_across_addresses() {
        let limiter = RateLimiter::new(RateLimit {
            per_second: 1,
            burst: 2,
        })
        .unwrap();
        for last in 1..=2 {
            assert!(
                limiter
                    .check(IpAddr::from([10, 0, 0, last]), Some("secret"))
                    .is_ok()
            );
        }
        assert!(
            limiter
                .check(IpAddr::from([10, 0, 0, 3]), Some("secret"))
                .is_err()
        );
        assert!(
            limiter
                .check(IpAddr::from([10, 0, 0, 3]), Some("other"))
                .is_ok()
        );
    }
}
