//! Engine verbs of the owner's web app: signed-in sessions (a random token in a cookie, stored
//! by its SHA-256 with the session's CSRF token) and one-time sign-in links. The password check
//! is the one of the consent page (`engine/oauth.rs`); the pages are in `http/web/`.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::Engine;
use super::oauth::new_token;
use crate::domain::oauth::token_hash;
use crate::error::{Error, Result};
use crate::store::{AccessEvent, Tx};

/// A session ends this long after sign-in at the latest.
pub const WEB_SESSION_DAYS: i64 = 7;
/// A session unused this long ends.
pub const WEB_SESSION_IDLE_HOURS: i64 = 12;
/// A sign-in link works this long, once.
pub const LOGIN_LINK_MINUTES: i64 = 15;
/// Most signed-in browsers at once; a sign-in beyond ends the one unused for longest.
pub const MAX_WEB_SESSIONS: i64 = 50;
/// Most access events one listing returns.
pub const MAX_ACCESS_EVENTS: u32 = 1000;
/// A session's last use is written at most this often.
const TOUCH_SECONDS: i64 = 300;

/// A signed-in session as the pages need it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebSession {
    /// The token every form of the session carries back.
    pub csrf: String,
}

impl std::fmt::Debug for WebSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebSession { csrf: <redacted> }")
    }
}

/// How a browser signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignInMethod {
    /// With the owner password.
    Password,
    /// With a one-time link of `invoicer owner login-link`.
    Link,
}

impl Engine {
    /// Append `kind` with `detail` to the access trail, in `tx`.
    pub(super) fn log_access(&self, tx: &Tx<'_>, kind: &str, detail: Value) -> Result<()> {
        tx.append_access_event(kind, self.source, &detail)
    }

    /// Note a wrong owner password from `ip` in the access trail.
    pub fn record_failed_sign_in(&self, ip: IpAddr) -> Result<()> {
        self.write(|tx| self.log_access(tx, "sign_in_failed", json!({ "ip": ip.to_string() })))
    }

    /// The newest `limit` (at most [`MAX_ACCESS_EVENTS`]) entries of the access trail.
    pub fn access_log(&self, limit: u32) -> Result<Vec<AccessEvent>> {
        if !(1..=MAX_ACCESS_EVENTS).contains(&limit) {
            return Err(Error::validation(
                "limit",
                format!("must be 1 to {MAX_ACCESS_EVENTS}, got {limit}"),
            ));
        }
        self.read(|tx| tx.access_events(limit))
    }

    /// Sign a browser in with the password (checked by the caller): the cookie's token and the
    /// session. `previous` is a session cookie the browser still sent: that session ends.
    pub fn start_web_session(
        &self,
        ip: IpAddr,
        previous: Option<&str>,
    ) -> Result<(String, WebSession)> {
        self.write(|tx| {
            if let Some(previous) = previous {
                tx.delete_web_session(&token_hash(previous))?;
            }
            self.insert_session(tx, SignInMethod::Password, ip)
        })
    }

    /// A new session in `tx`; at the cap, the session unused for longest ends.
    fn insert_session(
        &self,
        tx: &Tx<'_>,
        method: SignInMethod,
        ip: IpAddr,
    ) -> Result<(String, WebSession)> {
        let (token, csrf) = (new_token()?, new_token()?);
        let now = self.clock.now();
        let method = match method {
            SignInMethod::Password => "password",
            SignInMethod::Link => "link",
        };
        tx.delete_ended_web_sessions(now, now - Duration::hours(WEB_SESSION_IDLE_HOURS))?;
        if tx.count_web_sessions()? >= MAX_WEB_SESSIONS {
            tx.delete_least_recent_web_session()?;
        }
        tx.insert_web_session(
            &token_hash(&token),
            "session",
            &csrf,
            now + Duration::days(WEB_SESSION_DAYS),
        )?;
        self.log_access(
            tx,
            "web_sign_in",
            json!({ "method": method, "ip": ip.to_string() }),
        )?;
        Ok((token, WebSession { csrf }))
    }

    /// The session of a cookie's token, `None` when it is unknown, ended or idle too long.
    pub fn web_session(&self, token: &str) -> Result<Option<WebSession>> {
        let hash = token_hash(token);
        let now = self.clock.now();
        let Some(row) = self.read(|tx| tx.web_session(&hash))? else {
            return Ok(None);
        };
        if row.kind != "session" || !session_alive(row.last_seen_at, row.expires_at, now) {
            return Ok(None);
        }
        if now - row.last_seen_at > Duration::seconds(TOUCH_SECONDS) {
            self.write(|tx| tx.touch_web_session(&hash))?;
        }
        Ok(Some(WebSession { csrf: row.csrf }))
    }

    /// Sign the browser of `token` (at `ip`) out.
    pub fn end_web_session(&self, token: &str, ip: IpAddr) -> Result<()> {
        self.write(|tx| {
            if tx.delete_web_session(&token_hash(token))? {
                self.log_access(tx, "web_sign_out", json!({ "ip": ip.to_string() }))?;
            }
            Ok(())
        })
    }

    /// A one-time sign-in link's token, and when it stops working.
    pub fn create_login_link(&self) -> Result<(String, DateTime<Utc>)> {
        if !self.owner_password_set()? {
            return Err(Error::validation(
                "owner",
                "set the owner password first (invoicer owner set-password): the web app and the consent page sign in with it",
            ));
        }
        let token = new_token()?;
        let now = self.clock.now();
        let expires = now + Duration::minutes(LOGIN_LINK_MINUTES);
        self.write(|tx| {
            tx.delete_ended_web_sessions(now, now - Duration::hours(WEB_SESSION_IDLE_HOURS))?;
            tx.insert_web_session(&token_hash(&token), "login_link", "", expires)?;
            self.log_access(tx, "login_link_created", json!({ "expires_at": expires }))
        })?;
        Ok((token, expires))
    }

    /// Use a sign-in link: a new session, made in the transaction that uses the link up;
    /// `None` when the link is unknown, used or expired (expired links go with the next
    /// clean-up).
    pub fn redeem_login_link(
        &self,
        token: &str,
        ip: IpAddr,
    ) -> Result<Option<(String, WebSession)>> {
        let hash = token_hash(token);
        let now = self.clock.now();
        self.write(|tx| {
            let row = tx.web_session(&hash)?;
            if !row.is_some_and(|row| row.kind == "login_link" && now < row.expires_at) {
                return Ok(None);
            }
            tx.delete_web_session(&hash)?;
            self.insert_session(tx, SignInMethod::Link, ip).map(Some)
        })
    }
}

/// Whether a session last used at `last_seen` and ending at `expires` still works at `now`.
fn session_alive(last_seen: DateTime<Utc>, expires: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < expires && now - last_seen < Duration::hours(WEB_SESSION_IDLE_HOURS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_idle_or_at_their_end() {
        let at = |h: i64| DateTime::<Utc>::UNIX_EPOCH + Duration::hours(h);
        assert!(session_alive(at(0), at(168), at(11)));
        assert!(!session_alive(at(0), at(168), at(12)));
        assert!(session_alive(at(160), at(168), at(167)));
        assert!(!session_alive(at(167), at(168), at(168)));
    }
}
