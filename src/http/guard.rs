//! The gate in front of every HTTP route but `/health`: the `Host` header must be on the
//! allow-list and an `Origin`, when sent, must be allowed (both against DNS rebinding and
//! cross-site requests from a browser), then the bearer token must match when one is set. A
//! download with a valid signed link (`?expires=…&sig=…`, see `domain::links`) needs no token.
//! With OAuth configured (`oauth.rs`), a bearer token that is not the static token is checked
//! as an access token of the identity provider, and its scope rides along with the request.
//! Refusals are `403` (host, origin) and `401` (token) with a JSON body; the token is never
//! logged or echoed.

use std::fmt;
use std::path::Path;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::oauth::{OAuthConfig, Rejection};
use crate::error::{Error, Result};
use crate::mcp::Access;

/// A bearer token; its `Debug` form is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A token given directly (e.g. from `INVOICER_TOKEN`); surrounding whitespace is dropped.
    pub fn new(value: &str, field: &str) -> Result<Token> {
        let value = value.trim();
        if value.len() < 16 {
            return Err(Error::validation(
                field,
                "the token must be at least 16 characters (e.g. `openssl rand -hex 32`)",
            ));
        }
        if !value.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Error::validation(
                field,
                "the token must be printable ASCII without spaces",
            ));
        }
        Ok(Token(value.to_string()))
    }

    /// The token in the first line of a file.
    pub fn from_file(path: &Path) -> Result<Token> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::PermissionDenied {
                format!(
                    "; permission denied: the file must be readable by the user invoicer runs as ({}). For a Docker or Compose secret: `chown 65532 FILE` on the host (it may stay mode 600), or `chmod 644 FILE`",
                    crate::error::process_user()
                )
            } else {
                String::new()
            };
            Error::validation(
                "token_file",
                format!("cannot read {}: {e}{hint}", path.display()),
            )
        })?;
        Token::new(text.lines().next().unwrap_or(""), "token_file")
    }

    /// Whether `offered` is this token, in time independent of where they differ (`subtle`).
    fn matches(&self, offered: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(offered.as_bytes()).into()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The middleware of the web app's routes: the Host and Origin checks only (the app signs in
/// with a session cookie, `web/session.rs`).
pub(super) async fn check_browser(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match check_host_and_origin(&state, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(reason) => refuse(StatusCode::FORBIDDEN, reason),
    }
}

/// The Host allow-list (DNS rebinding) and, when a browser sends one, the Origin; why not.
fn check_host_and_origin(state: &AppState, headers: &HeaderMap) -> Result<(), String> {
    let config = &state.shared.config;
    check_host(headers, &config.allowed_hosts)
        .and_then(|()| check_origin(headers, &config.allowed_hosts, &config.allowed_origins))
}

/// The middleware.
pub(super) async fn check(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let config = &state.shared.config;
    let headers = request.headers();
    if let Err(reason) = check_host_and_origin(&state, headers) {
        return refuse(StatusCode::FORBIDDEN, reason);
    }
    let (method, uri) = (request.method().clone(), request.uri().clone());
    // A signed link is for a browser; a request with a token is judged by its token.
    let signed = if headers.contains_key(header::AUTHORIZATION) {
        None
    } else {
        signed_download(&state, &method, &uri).await
    };
    if let Some(verdict) = signed {
        return match verdict {
            Ok(()) => next.run(request).await,
            Err(refusal) => refusal,
        };
    }
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_string());
    let static_token = config.token.as_ref();
    if static_token.is_some_and(|token| offered.as_deref().is_some_and(|o| token.matches(o))) {
        request.extensions_mut().insert(Access::Full);
        return next.run(request).await;
    }
    let oauth = state.shared.oauth_config();
    if let Some(oauth) = oauth {
        let Some(offered) = offered else {
            return challenge(
                oauth,
                StatusCode::UNAUTHORIZED,
                "a bearer token is required (Authorization: Bearer <token>): an OAuth access token of the identity provider, or the static token",
                None,
            );
        };
        let verdict = match &state.shared.oauth {
            Some(verifier) => verifier.verify(&offered).await,
            None => builtin_access(&state, &offered, &oauth.audience).await,
        };
        return match verdict {
            Ok(access) => {
                request.extensions_mut().insert(access);
                next.run(request).await
            }
            Err(Rejection::Invalid(reason)) => challenge(
                oauth,
                StatusCode::UNAUTHORIZED,
                &reason,
                Some("invalid_token"),
            ),
            Err(Rejection::NoScope) => challenge(
                oauth,
                StatusCode::FORBIDDEN,
                "the access token has neither the invoices:read nor the invoices:write scope",
                Some("insufficient_scope"),
            ),
            Err(Rejection::KeysUnavailable(reason)) => {
                // Where the keys are and why they failed is for the log, not for the caller.
                tracing::warn!("access token not checked: {reason}");
                refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the identity provider's signing keys cannot be fetched now; try again shortly"
                        .into(),
                )
            }
        };
    }
    if static_token.is_some() {
        // RFC 6750 §3: no credentials get the bare challenge, wrong ones `invalid_token`.
        let (message, challenge) = match offered {
            None => (
                "a bearer token is required (Authorization: Bearer <token>)",
                r#"Bearer realm="invoicer""#,
            ),
            Some(_) => (
                "the bearer token is not valid (Authorization: Bearer <token>)",
                r#"Bearer realm="invoicer", error="invalid_token", error_description="the bearer token is not valid""#,
            ),
        };
        let mut response = refuse(StatusCode::UNAUTHORIZED, message.into());
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static(challenge),
        );
        return response;
    }
    // No authentication configured (loopback, or a proxy in front authenticates).
    request.extensions_mut().insert(Access::Full);
    next.run(request).await
}

/// `401` with the OAuth challenge of RFC 9728: where the protected-resource metadata is, and
/// with `error` the RFC 6750 error code and `message` as its description.
/// What an access token of the built-in authorization server may do.
async fn builtin_access(
    state: &AppState,
    token: &str,
    resource: &str,
) -> Result<Access, Rejection> {
    let engine = state.shared.server.engine().clone();
    let (token, resource) = (token.to_string(), resource.to_string());
    let checked = super::blocking(move || engine.check_oauth_access_token(&token, &resource)).await;
    match checked {
        Ok(Ok(scope)) => super::oauth::access_of(scope.split_whitespace()),
        Ok(Err(reason)) => Err(Rejection::Invalid(reason)),
        Err(e) => Err(Rejection::KeysUnavailable(e.to_string())),
    }
}

fn challenge(
    oauth: &OAuthConfig,
    status: StatusCode,
    message: &str,
    error: Option<&str>,
) -> Response {
    let mut value = format!(
        r#"Bearer resource_metadata="{}", scope="{} {}""#,
        oauth.resource_metadata_url(),
        super::oauth::SCOPE_READ,
        super::oauth::SCOPE_WRITE
    );
    if let Some(error) = error {
        // A quoted-string may not hold a quote or a backslash.
        let description: String = message
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_control() && *c != '"' && *c != '\\')
            .collect();
        value.push_str(&format!(
            r#", error="{error}", error_description="{description}""#
        ));
    }
    let mut response = refuse(status, message.into());
    if let Ok(value) = header::HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// The query of a signed download link (`domain::links`).
#[derive(Debug, serde::Deserialize)]
struct LinkQuery {
    profile: Option<String>,
    expires: Option<String>,
    sig: String,
}

/// A `GET /invoices/{file}` with a `sig` parameter: `Ok` when the signature is right and the
/// link has not expired (no token needed), else the refusal (`403`, saying why). `None` for
/// every other request, which the token check handles.
async fn signed_download(
    state: &AppState,
    method: &axum::http::Method,
    uri: &axum::http::Uri,
) -> Option<Result<(), Response>> {
    if !matches!(*method, axum::http::Method::GET | axum::http::Method::HEAD) {
        return None;
    }
    let file = uri.path().strip_prefix("/invoices/")?.to_string();
    let query = axum::extract::Query::<LinkQuery>::try_from_uri(uri).ok()?;
    let LinkQuery {
        profile,
        expires,
        sig,
    } = query.0;
    let Some(expires) = expires.and_then(|e| e.parse::<i64>().ok()) else {
        return Some(Err(refuse(
            StatusCode::FORBIDDEN,
            "this download link is not valid: its `expires` parameter is missing or not a number; ask for a new link".into(),
        )));
    };
    let engine = state.shared.server.engine().clone();
    let ttl = engine.link_ttl_hours();
    let checked = super::blocking(move || {
        let claim = crate::domain::links::LinkClaim {
            file: &file,
            profile: profile.as_deref(),
            expires,
        };
        engine.check_download_link(&claim, &sig)
    })
    .await;
    use crate::domain::links::LinkRefusal;
    Some(match checked {
        Ok(Ok(())) => Ok(()),
        Ok(Err(LinkRefusal::BadSignature)) => Err(refuse(
            StatusCode::FORBIDDEN,
            "this download link is not valid: it was changed, or the server's link key was replaced since (`invoicer links rotate-key`); ask for a new link".into(),
        )),
        Ok(Err(LinkRefusal::Expired(at))) => Err(refuse(
            StatusCode::FORBIDDEN,
            format!(
                "this download link expired at {} (links work for {ttl} hours); ask for a new link",
                at.format("%Y-%m-%d %H:%M UTC")
            ),
        )),
        Err(e) => {
            tracing::error!("cannot check a download link: {e}");
            Err(refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the download link cannot be checked now; try again shortly".into(),
            ))
        }
    })
}

fn refuse(status: StatusCode, message: String) -> Response {
    tracing::warn!(status = status.as_u16(), "refused: {message}");
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// The host name of a `host[:port]` authority, without brackets for IPv6.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    }
}

/// Whether `authority` (`host[:port]`) is on the list, by host name or as given.
fn host_allowed(authority: &str, allowed: &[String]) -> bool {
    let name = host_name(authority);
    allowed.iter().any(|entry| {
        entry == "*"
            || entry.eq_ignore_ascii_case(authority)
            || host_name(entry).eq_ignore_ascii_case(name) && !entry.contains(':')
            || entry.trim_matches(['[', ']']).eq_ignore_ascii_case(name)
    })
}

fn check_host(headers: &HeaderMap, allowed: &[String]) -> Result<(), String> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| "a Host header is required".to_string())?;
    if host_allowed(host, allowed) {
        Ok(())
    } else {
        Err(format!(
            "host '{}' is not allowed (add it with --allowed-host or MCP_ALLOWED_HOSTS)",
            host.chars().take(100).collect::<String>()
        ))
    }
}

/// Whether a browser page of `origin` may call the server: an origin on the list, or one on an
/// allowed host.
pub(super) fn origin_allowed(
    origin: &str,
    allowed_hosts: &[String],
    allowed_origins: &[String],
) -> bool {
    let origin = origin.trim_end_matches('/');
    if allowed_origins
        .iter()
        .any(|o| o == "*" || o.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        return true;
    }
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|authority| host_allowed(authority, allowed_hosts))
}

fn check_origin(
    headers: &HeaderMap,
    allowed_hosts: &[String],
    allowed_origins: &[String],
) -> Result<(), String> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("");
    if origin_allowed(origin, allowed_hosts, allowed_origins) {
        Ok(())
    } else {
        Err(format!(
            "origin '{}' is not allowed (add it with --allowed-origin or MCP_ALLOWED_ORIGINS)",
            origin.chars().take(100).collect::<String>()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hosts_match_by_name_or_exact_authority() {
        let allowed = list(&["localhost", "127.0.0.1", "::1", "invoices.example.com:443"]);
        assert!(host_allowed("localhost:8080", &allowed));
        assert!(host_allowed("127.0.0.1", &allowed));
        assert!(host_allowed("[::1]:8080", &allowed));
        assert!(host_allowed("invoices.example.com:443", &allowed));
        assert!(!host_allowed("invoices.example.com:8443", &allowed));
        assert!(!host_allowed("evil.example:8080", &allowed));
        assert!(!host_allowed("localhost.evil.example", &allowed));
        assert!(host_allowed("anything", &list(&["*"])));
    }

    #[test]
    fn origins_need_an_allowed_host_or_an_exact_entry() {
        let hosts = list(&["localhost"]);
        let mut headers = HeaderMap::new();
        assert!(
            check_origin(&headers, &hosts, &[]).is_ok(),
            "no origin passes"
        );
        headers.insert(header::ORIGIN, "http://localhost:6274".parse().unwrap());
        assert!(check_origin(&headers, &hosts, &[]).is_ok());
        headers.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert!(check_origin(&headers, &hosts, &[]).is_err());
        let origins = list(&["https://evil.example"]);
        assert!(check_origin(&headers, &hosts, &origins).is_ok());
        headers.insert(header::ORIGIN, "null".parse().unwrap());
        assert!(check_origin(&headers, &hosts, &[]).is_err());
    }

    #[test]
    fn tokens_are_compared_whole_and_never_printed() {
        let token = Token::new(" 0123456789abcdef\n", "token").unwrap();
        assert!(token.matches("0123456789abcdef"));
        assert!(!token.matches("0123456789abcdeX"));
        assert!(!token.matches("0123456789abcdef0"));
        assert!(!token.matches(""));
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
        assert_eq!(
            Token::new("short", "token").unwrap_err().field.as_deref(),
            Some("token")
        );
    }
}
