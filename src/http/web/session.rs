//! Signing in to the web app: the session cookie, the check in front of every page, the CSRF
//! token every form carries, and the security headers of every answer. The sessions
//! themselves are kept by the engine (`engine/web.rs`), by the SHA-256 of their token.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::super::{AppState, blocking};
use crate::engine::{WEB_SESSION_DAYS, WebSession};

/// The cookie that holds the session token.
pub const COOKIE: &str = "invoicer_session";

/// A signed-in request: the cookie's token and its session (in the request's extensions).
#[derive(Clone)]
pub struct Signed {
    /// The cookie's token (to sign out).
    pub token: String,
    /// The session.
    pub session: WebSession,
}

impl Signed {
    /// Whether a form sent back the session's CSRF token (compared in constant time).
    pub fn csrf_matches(&self, offered: &str) -> bool {
        use subtle::ConstantTimeEq;
        let expected = self.session.csrf.as_bytes();
        expected.len() == offered.len() && bool::from(expected.ct_eq(offered.as_bytes()))
    }
}

/// The session token in the request's `Cookie` headers: the first `invoicer_session` value
/// of 43 URL-safe base64 characters.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .find(|v| {
            v.len() == 43
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_string)
}

/// The `Set-Cookie` value that signs a browser in: HttpOnly, SameSite=Strict, only for
/// `/app`, `Secure` when the server is reached over https.
pub fn set_cookie(token: &str, secure: bool) -> HeaderValue {
    let max_age = WEB_SESSION_DAYS * 24 * 3600;
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/app; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that signs a browser out.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "invoicer_session=; Path=/app; HttpOnly; SameSite=Strict; Max-Age=0; Secure",
        )
    } else {
        HeaderValue::from_static(
            "invoicer_session=; Path=/app; HttpOnly; SameSite=Strict; Max-Age=0",
        )
    }
}

/// Whether the server is reached over https (its public URL says so): cookies are `Secure`
/// and answers carry HSTS.
pub fn over_https(state: &AppState) -> bool {
    state
        .shared
        .server
        .public_url()
        .is_some_and(|url| url.starts_with("https://"))
}

/// Pages open without a session: signing in, and the style sheet.
fn is_public(path: &str) -> bool {
    path == "/app/sign-in" || path == "/app/sign-in/link" || path == "/app/style.css"
}

/// Where to go back after signing in: a page of the app (no other site, nothing but a plain
/// path and query, not the sign-in and sign-out forms), else the dashboard.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next)
            if (next == "/app" || next.starts_with("/app/") || next.starts_with("/app?"))
                && !next.starts_with("/app/sign-")
                && next.chars().all(|c| c.is_ascii_graphic())
                && !next.contains("//")
                && !next.contains('\\')
                && next.len() <= 512 =>
        {
            next.to_string()
        }
        _ => "/app".to_string(),
    }
}

/// The middleware in front of the app: a request without a live session goes to the sign-in
/// page (and comes back after); a signed-in one carries [`Signed`].
pub async fn require(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if request.uri().path() == "/app/style.css" {
        return next.run(request).await;
    }
    // Signing in writes a session: a read-only server has no web app.
    if state.shared.server.is_read_only() {
        return super::read_only_page(request.headers());
    }
    if is_public(request.uri().path()) {
        return next.run(request).await;
    }
    if let Some(token) = cookie_token(request.headers()) {
        let engine = state.shared.server.engine().clone();
        let lookup = token.clone();
        match blocking(move || engine.web_session(&lookup)).await {
            Ok(Some(session)) => {
                request.extensions_mut().insert(Signed { token, session });
                return next.run(request).await;
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!("web: cannot read the session: {e}");
                return (StatusCode::SERVICE_UNAVAILABLE, "Try again shortly.").into_response();
            }
        }
    }
    // A form sent without a session is not repeated after signing in: back to its page.
    let back = if request.method() == Method::GET {
        request
            .uri()
            .path_and_query()
            .map_or("/app".to_string(), |p| p.as_str().to_string())
    } else {
        request.uri().path().to_string()
    };
    let target = format!(
        "/app/sign-in?next={}",
        url::form_urlencoded::byte_serialize(safe_next(Some(&back)).as_bytes()).collect::<String>()
    );
    Redirect::to(&target).into_response()
}

/// Security headers on every answer of the app: no script at all, no framing by other sites
/// (the PDF may be framed by the app itself), no caching of pages, no referrer to other
/// sites, and HSTS over https.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if over_https(&state) {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// The single-use nonces of confirmation forms already submitted, for as long as a form
/// works: a double-click or a reload of the answer does not record a payment twice.
#[derive(Default)]
pub struct UsedForms {
    used: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

/// How long a used nonce is remembered: a form's lifetime (`FORM_SECONDS`).
const FORM_MEMORY: std::time::Duration = std::time::Duration::from_secs(30 * 60);
/// Most nonces remembered; beyond, the oldest are forgotten (their forms would have to be
/// submitted twice within the same minutes as thousands of others).
const MAX_USED_FORMS: usize = 10_000;

impl UsedForms {
    /// Whether `nonce` is submitted for the first time (and remember it).
    pub fn first_use(&self, nonce: &str) -> bool {
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        used.retain(|_, at| at.elapsed() < FORM_MEMORY);
        if used.len() >= MAX_USED_FORMS
            && let Some(oldest) = used
                .iter()
                .min_by_key(|(_, at)| **at)
                .map(|(n, _)| n.clone())
        {
            used.remove(&oldest);
        }
        used.insert(nonce.to_string(), std::time::Instant::now())
            .is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_token_is_found_among_others_and_checked() {
        let token = "A".repeat(43);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            format!("theme=dark; {COOKIE}={token}; x=1")
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie_token(&headers), Some(token));
        headers.insert(header::COOKIE, format!("{COOKIE}=short").parse().unwrap());
        assert_eq!(cookie_token(&headers), None);
        headers.insert(
            header::COOKIE,
            format!("{COOKIE}={}", "a'".repeat(21) + "a")
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie_token(&headers), None);
        headers.insert(
            header::COOKIE,
            format!("{COOKIE}=stale; {COOKIE}={}", "B".repeat(43))
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie_token(&headers), Some("B".repeat(43)));
    }

    #[test]
    fn a_form_nonce_is_used_once() {
        let forms = UsedForms::default();
        assert!(forms.first_use("a"));
        assert!(!forms.first_use("a"));
        assert!(forms.first_use("b"));
    }

    #[test]
    fn only_paths_of_the_app_are_returned_to() {
        assert_eq!(safe_next(Some("/app/documents?q=x")), "/app/documents?q=x");
        assert_eq!(safe_next(Some("/app")), "/app");
        assert_eq!(safe_next(Some("//evil.example/app")), "/app");
        assert_eq!(safe_next(Some("/app//evil.example")), "/app");
        assert_eq!(safe_next(Some("/application")), "/app");
        assert_eq!(safe_next(Some("https://evil.example/app")), "/app");
        assert_eq!(safe_next(Some("/app/\\evil")), "/app");
        assert_eq!(safe_next(Some("/app/\nx")), "/app");
        assert_eq!(safe_next(Some("/app/a b")), "/app");
        assert_eq!(safe_next(Some("/app/sign-out")), "/app");
        assert_eq!(safe_next(None), "/app");
    }
}
