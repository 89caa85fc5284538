//! Rules of the built-in OAuth 2.1 authorization server: tokens (random, stored only as their
//! SHA-256), PKCE S256, scopes, redirect URIs a client may register, and lifetimes. Nothing
//! here does I/O; randomness comes from the caller.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The scope that lets a token call the tools that read.
pub const SCOPE_READ: &str = "invoices:read";
/// The scope that lets a token call every tool.
pub const SCOPE_WRITE: &str = "invoices:write";

/// An authorization code works this long, once.
pub const CODE_SECONDS: i64 = 60;
/// An access token works this long.
pub const ACCESS_SECONDS: i64 = 3600;
/// A refresh token works this long (each use gives a new one).
pub const REFRESH_SECONDS: i64 = 30 * 24 * 3600;
/// Registered clients at most (registration needs no sign-in).
pub const MAX_CLIENTS: i64 = 500;
/// Redirect URIs one client may register.
pub const MAX_REDIRECT_URIS: usize = 10;
/// Longest redirect URI, client name.
pub const MAX_URI_CHARS: usize = 2000;
/// Longest client name.
pub const MAX_NAME_CHARS: usize = 200;
/// Shortest owner password.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A new token from 32 random bytes, URL-safe base64.
pub fn token_from(random: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(random)
}

/// What is stored of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    crate::domain::digest::sha256_hex(token.as_bytes())
}

/// Whether `verifier` is the PKCE S256 verifier of `challenge` (RFC 7636 §4.6). A verifier is
/// 43 to 128 unreserved characters.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    use subtle::ConstantTimeEq;
    computed.as_bytes().ct_eq(challenge.as_bytes()).into()
}

/// The scope to grant for a requested `scope` (space-separated): the known scopes asked for,
/// `invoices:write` bringing `invoices:read` along; both when none is asked for. Unknown
/// scopes are an error naming them.
pub fn granted_scope(requested: Option<&str>) -> Result<String> {
    let asked: Vec<&str> = requested
        .map(|s| s.split_whitespace().collect())
        .unwrap_or_default();
    if let Some(unknown) = asked
        .iter()
        .find(|s| **s != SCOPE_READ && **s != SCOPE_WRITE)
    {
        return Err(Error::validation(
            "scope",
            format!("unknown scope '{unknown}': this server knows {SCOPE_READ} and {SCOPE_WRITE}"),
        ));
    }
    if asked.is_empty() || asked.contains(&SCOPE_WRITE) {
        Ok(format!("{SCOPE_READ} {SCOPE_WRITE}"))
    } else {
        Ok(SCOPE_READ.to_string())
    }
}

/// Whether a granted `scope` lets its token write.
pub fn scope_writes(scope: &str) -> bool {
    scope.split_whitespace().any(|s| s == SCOPE_WRITE)
}

/// Check a redirect URI a client registers: https with a host, http to a loopback address
/// (native apps, RFC 8252), or a private-use scheme (`cursor://…`, `com.example.app:/…`); ASCII,
/// no user information (`https://claude.ai@evil.example` must not pass for claude.ai), no
/// fragment, not too long.
pub fn check_redirect_uri(uri: &str) -> Result<()> {
    let shown: String = uri.chars().filter(|c| !c.is_control()).take(200).collect();
    let refuse = |rule: &str| {
        Err(Error::validation(
            "redirect_uris",
            format!("'{shown}' {rule}"),
        ))
    };
    if uri.len() > MAX_URI_CHARS {
        return refuse(&format!("is longer than {MAX_URI_CHARS} characters"));
    }
    if !uri.is_ascii()
        || uri
            .chars()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
    {
        return refuse("must be ASCII without spaces or control characters (RFC 3986)");
    }
    let Ok(parsed) = url::Url::parse(uri) else {
        return refuse("is not an absolute URI");
    };
    if parsed.fragment().is_some() {
        return refuse("must not have a fragment (RFC 6749 §3.1.2)");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return refuse("must not contain user information");
    }
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => refuse("must be https (plain http only to 127.0.0.1, localhost or [::1])"),
        "https" | "javascript" | "data" | "file" | "vbscript" | "blob" | "about" | "ws" | "wss"
        | "ftp" => refuse("has no host or a scheme that is not allowed"),
        _ => Ok(()),
    }
}

/// Largest client ID metadata document read.
pub const MAX_CLIENT_DOCUMENT_BYTES: usize = 5 * 1024;

/// Whether `client_id` is the URL of a client ID metadata document
/// (draft-ietf-oauth-client-id-metadata-document): https with a host and a path other than
/// `/`, no fragment, no user information, no `.` or `..` segments. Plain http only to this
/// machine, and only when `loopback_http` (a server whose own address is loopback, for tests
/// and development).
pub fn metadata_document_url(client_id: &str, loopback_http: bool) -> Option<url::Url> {
    if client_id.len() > MAX_URI_CHARS || !client_id.is_ascii() {
        return None;
    }
    let url = url::Url::parse(client_id).ok()?;
    let scheme_ok = match url.scheme() {
        "https" => url.host().is_some(),
        "http" => loopback_http && is_loopback(&url),
        _ => false,
    };
    let path_ok = url.path() != "/"
        && !client_id.contains("/./")
        && !client_id.contains("/../")
        && !client_id.ends_with("/.")
        && !client_id.ends_with("/..");
    (scheme_ok
        && path_ok
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none()
        && url.as_str() == client_id)
        .then_some(url)
}

/// What a client ID metadata document must say, checked: its own URL as `client_id`, a public
/// client (no secret), and redirect URIs that pass [`check_redirect_uri`]. The name and the
/// redirect URIs, or why the document is refused.
pub fn check_client_document(
    client_id: &str,
    document: &serde_json::Value,
) -> Result<(Option<String>, Vec<String>)> {
    let refuse = |rule: &str| Err(Error::validation("client_id", rule.to_string()));
    if document.get("client_id").and_then(|v| v.as_str()) != Some(client_id) {
        return refuse("the metadata document's client_id is not its own URL");
    }
    if document.get("client_secret").is_some()
        || document
            .get("token_endpoint_auth_method")
            .and_then(|v| v.as_str())
            .is_some_and(|m| m != "none")
    {
        return refuse("only public clients (token_endpoint_auth_method none) are accepted");
    }
    let Some(uris) = document
        .get("redirect_uris")
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        })
    else {
        return refuse("the metadata document has no redirect_uris");
    };
    let name = document
        .get("client_name")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    Ok((name, uris))
}

/// Whether `url` names this machine: localhost or a loopback address.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether a requested redirect URI is the `registered` one: equal as strings, or for a
/// loopback URI equal but for the port, which native apps pick at run time (RFC 8252 §7.3).
pub fn redirect_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(mut a), Ok(mut b)) = (url::Url::parse(registered), url::Url::parse(requested)) else {
        return false;
    };
    if a.scheme() != "http" || !is_loopback(&a) || !is_loopback(&b) {
        return false;
    }
    let _ = (a.set_port(None), b.set_port(None));
    a == b
}

/// The host a redirect URI returns to, as the consent page names it (the scheme for a
/// private-use URI).
pub fn redirect_host(uri: &str) -> String {
    match url::Url::parse(uri) {
        Ok(url) => url
            .host_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("the app {}:", url.scheme())),
        Err(_) => uri.to_string(),
    }
}

/// Whether `text` holds a character that can make it look like something else (bidirectional
/// controls, zero-width characters).
pub fn has_deceptive_characters(text: &str) -> bool {
    text.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_example() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!pkce_matches("short", challenge));
        assert!(!pkce_matches(&format!("{verifier} "), challenge));
    }

    #[test]
    fn scopes_are_known_and_write_brings_read() {
        assert_eq!(granted_scope(None).unwrap(), "invoices:read invoices:write");
        assert_eq!(
            granted_scope(Some("invoices:read")).unwrap(),
            "invoices:read"
        );
        assert_eq!(
            granted_scope(Some("invoices:write")).unwrap(),
            "invoices:read invoices:write"
        );
        let refused = granted_scope(Some("invoices:read admin")).unwrap_err();
        assert!(refused.message.contains("'admin'"), "{refused}");
        assert!(scope_writes("invoices:read invoices:write"));
        assert!(!scope_writes("invoices:read"));
    }

    #[test]
    fn loopback_redirects_may_change_their_port_and_hosts_are_named() {
        assert!(redirect_matches(
            "http://127.0.0.1:1/cb",
            "http://127.0.0.1:5555/cb"
        ));
        assert!(!redirect_matches(
            "http://127.0.0.1:1/cb",
            "http://127.0.0.1:5555/other"
        ));
        assert!(!redirect_matches(
            "https://a.example/cb",
            "https://a.example:444/cb"
        ));
        assert_eq!(redirect_host("https://claude.ai/api/cb"), "claude.ai");
        assert_eq!(redirect_host("cursor://x/cb"), "x");
        assert!(has_deceptive_characters("claude\u{202E}ia.edualc"));
        assert!(!has_deceptive_characters("Claude Desktop"));
    }

    #[test]
    fn redirect_uris_follow_oauth_2_1() {
        for ok in [
            "https://claude.ai/api/mcp/auth_callback",
            "http://127.0.0.1:33418/callback",
            "http://localhost/cb",
            "cursor://anysphere.cursor-retrieval/oauth/callback",
            "com.example.app:/oauth2redirect",
        ] {
            assert!(check_redirect_uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://evil.example/cb",
            "http://localhost.evil.example/cb",
            "https://x.example/cb#frag",
            "javascript:alert(1)",
            "data:text/html,hi",
            "relative/path",
            "https://",
            "HTTP://evil.example/cb",
            "http://localhost:80@evil.example/cb",
            "https://claude.ai@evil.example/cb",
            "https://exämple.com/cb",
        ] {
            assert!(check_redirect_uri(bad).is_err(), "{bad}");
        }
    }
}
