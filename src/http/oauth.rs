//! OAuth 2.1 on the HTTP routes with an external identity provider (Keycloak, Authentik,
//! Auth0, Entra ID, Zitadel, any provider that issues JWT access tokens): this server is the
//! protected resource of RFC 9728. It publishes `/.well-known/oauth-protected-resource`
//! (naming the provider), answers `401` with `WWW-Authenticate: Bearer resource_metadata="…"`,
//! and checks each access token's signature against the provider's JWKS (cached, fetched
//! again when a new key id appears), its issuer, its audience (this server's resource URL,
//! RFC 8707), its expiry (by the engine's clock) and its scope: `invoices:write` may call every
//! tool, `invoices:read` only those that read. The static token keeps working beside it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

use crate::engine::Clock;
use crate::error::{Error, Result};
use crate::mcp::Access;

pub use crate::domain::oauth::{SCOPE_READ, SCOPE_WRITE};

/// How long fetched signing keys are used before they are fetched again.
const KEYS_FRESH_FOR: Duration = Duration::from_secs(600);
/// The least time between two fetches triggered by an unknown key id (a forged `kid` must
/// not make this server hammer the provider).
const REFETCH_AT_MOST_EVERY: Duration = Duration::from_secs(10);
/// Clock skew allowed on `exp`.
const LEEWAY_SECS: i64 = 60;

/// Where the provider is and what this server is to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthConfig {
    /// The provider's issuer URL, exactly as its tokens' `iss` claim.
    pub issuer: String,
    /// This server's resource URL (its MCP endpoint): the `aud` its tokens must carry.
    pub audience: String,
    /// The JWKS URL; found through the provider's discovery document when not given.
    pub jwks_url: Option<String>,
}

impl OAuthConfig {
    /// The protected-resource metadata (RFC 9728).
    pub fn resource_metadata(&self) -> Value {
        json!({
            "resource": self.audience,
            "authorization_servers": [self.issuer],
            "scopes_supported": [SCOPE_READ, SCOPE_WRITE],
            "bearer_methods_supported": ["header"],
            "resource_name": "invoicer",
        })
    }

    /// Where the metadata is served for this resource: the well-known prefix put in front of
    /// the resource URL's path (RFC 9728 §3.1).
    pub fn resource_metadata_url(&self) -> String {
        let (origin, path) = split_origin(&self.audience);
        format!("{origin}/.well-known/oauth-protected-resource{path}")
    }
}

/// `https://host:port` and `/path` of a URL.
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

/// Why a bearer token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Not a valid token of the provider for this server (`401 invalid_token`).
    Invalid(String),
    /// Valid, but with neither scope (`403 insufficient_scope`).
    NoScope,
    /// The provider's keys could not be fetched (`503`).
    KeysUnavailable(String),
}

/// Checks access tokens; shared by every request.
pub struct Verifier {
    config: OAuthConfig,
    /// The client that fetches the keys, or why none could be built.
    client: std::result::Result<reqwest::Client, String>,
    clock: Clock,
    /// The keys as last fetched; read without waiting, replaced whole after a fetch.
    keys: std::sync::RwLock<Option<Arc<Keys>>>,
    /// Held by the one fetch that runs; its value is when the last fetch started.
    fetching: tokio::sync::Mutex<Option<Instant>>,
    /// The JWKS URL, once given or discovered.
    jwks_url: tokio::sync::Mutex<Option<String>>,
}

/// The provider's usable keys and when they were fetched.
struct Keys {
    set: JwkSet,
    fetched: Instant,
}

/// The claims read from an access token (the library checks `iss` and `aud`).
#[derive(Debug, serde::Deserialize)]
struct Claims {
    exp: i64,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    scope: Option<String>,
    /// Entra ID and some others: `scp`, a string or a list.
    #[serde(default)]
    scp: Option<Value>,
}

impl Verifier {
    /// A verifier for `config`, judging expiry by `clock`.
    pub fn new(config: OAuthConfig, clock: Clock) -> Verifier {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"));
        Verifier {
            keys: std::sync::RwLock::new(None),
            fetching: tokio::sync::Mutex::new(None),
            jwks_url: tokio::sync::Mutex::new(config.jwks_url.clone()),
            config,
            client,
            clock,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &OAuthConfig {
        &self.config
    }

    /// What `token` may do, or why it is refused.
    pub async fn verify(&self, token: &str) -> std::result::Result<Access, Rejection> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| Rejection::Invalid("the bearer token is not a JWT access token".into()))?;
        if !matches!(
            header.alg,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
                | Algorithm::ES256
                | Algorithm::ES384
                | Algorithm::EdDSA
        ) {
            return Err(Rejection::Invalid(format!(
                "access tokens signed with {:?} are not accepted (a public-key algorithm is required)",
                header.alg
            )));
        }
        let key = self.key_for(header.kid.as_deref()).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        // Expiry is judged below by the engine's clock, like every other date.
        validation.validate_exp = false;
        validation.required_spec_claims = ["exp", "iss", "aud"].map(String::from).into();
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| Rejection::Invalid(describe(&e, &self.config)))?
            .claims;
        let now = self.clock.now().timestamp();
        if claims.exp.saturating_add(LEEWAY_SECS) < now {
            let at = chrono::DateTime::from_timestamp(claims.exp, 0).unwrap_or_default();
            return Err(Rejection::Invalid(format!(
                "the access token expired at {}",
                at.format("%Y-%m-%d %H:%M:%S UTC")
            )));
        }
        if claims
            .nbf
            .is_some_and(|nbf| nbf.saturating_sub(LEEWAY_SECS) > now)
        {
            return Err(Rejection::Invalid(
                "the access token is not valid yet (nbf)".into(),
            ));
        }
        access_of(scopes(&claims).iter().map(String::as_str))
    }

    /// The decoding key with id `kid` (the only key when the token names none). Keys that are
    /// fresh and know `kid` are used at once; otherwise one fetch runs (at most every
    /// [`REFETCH_AT_MOST_EVERY`] for an unknown key id) while other requests go on with the keys
    /// at hand, and a request waits for it only when there are none.
    async fn key_for(&self, kid: Option<&str>) -> std::result::Result<DecodingKey, Rejection> {
        let current = self.snapshot();
        let fresh = current
            .as_ref()
            .is_some_and(|keys| keys.fetched.elapsed() <= KEYS_FRESH_FOR);
        let known = current
            .as_ref()
            .is_some_and(|keys| find(&keys.set, kid).is_some());
        let keys = if fresh && known {
            current
        } else {
            self.refresh(current, kid).await?
        };
        let Some(keys) = keys else {
            return Err(Rejection::KeysUnavailable(
                "no signing keys fetched yet".into(),
            ));
        };
        let jwk = find(&keys.set, kid).ok_or_else(|| {
            Rejection::Invalid(match kid {
                Some(kid) => format!(
                    "no key '{}' in the identity provider's JWKS",
                    kid.chars().take(64).collect::<String>()
                ),
                None => "the token names no key id and the JWKS has several keys".into(),
            })
        })?;
        DecodingKey::from_jwk(jwk)
            .map_err(|e| Rejection::Invalid(format!("the provider's key cannot be used: {e}")))
    }

    fn snapshot(&self) -> Option<Arc<Keys>> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Fetch the keys if no fetch ran in the last [`REFETCH_AT_MOST_EVERY`] (or the keys are
    /// stale), and return the keys to use. With keys at hand and another fetch running, those
    /// keys are used without waiting.
    async fn refresh(
        &self,
        current: Option<Arc<Keys>>,
        kid: Option<&str>,
    ) -> std::result::Result<Option<Arc<Keys>>, Rejection> {
        let mut last = match (&current, self.fetching.try_lock()) {
            (_, Ok(guard)) => guard,
            (Some(_), Err(_)) => return Ok(current),
            (None, Err(_)) => self.fetching.lock().await,
        };
        // Another request may have fetched while this one waited.
        let latest = self.snapshot();
        let fresh = latest
            .as_ref()
            .is_some_and(|keys| keys.fetched.elapsed() <= KEYS_FRESH_FOR);
        let known = latest
            .as_ref()
            .is_some_and(|keys| find(&keys.set, kid).is_some());
        if fresh && known {
            return Ok(latest);
        }
        if last.is_some_and(|at| at.elapsed() < REFETCH_AT_MOST_EVERY) {
            return match latest {
                Some(keys) => Ok(Some(keys)),
                None => Err(Rejection::KeysUnavailable(
                    "the last fetch of the signing keys failed moments ago".into(),
                )),
            };
        }
        *last = Some(Instant::now());
        match self.fetch().await {
            Ok(set) => {
                let keys = Arc::new(Keys {
                    set,
                    fetched: Instant::now(),
                });
                *self
                    .keys
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(keys.clone());
                Ok(Some(keys))
            }
            Err(e) => {
                tracing::warn!("cannot fetch the identity provider's signing keys: {e}");
                match latest {
                    // Keys fetched before keep working while the provider is away.
                    Some(keys) => Ok(Some(keys)),
                    None => Err(Rejection::KeysUnavailable(e.to_string())),
                }
            }
        }
    }

    /// The provider's keys; keys this server cannot use (other algorithms or key types) are
    /// skipped, as RFC 7517 §5 asks, instead of failing the whole set.
    async fn fetch(&self) -> Result<JwkSet> {
        let url = {
            let mut known = self.jwks_url.lock().await;
            match known.clone() {
                Some(url) => url,
                None => {
                    let url = self.discover_jwks_url().await?;
                    *known = Some(url.clone());
                    url
                }
            }
        };
        let document: Value = self.get_json(&url).await?;
        let keys = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::storage(format!("{url} is not a JWKS (no \"keys\")")))?
            .iter()
            .filter_map(|key| serde_json::from_value(key.clone()).ok())
            .collect();
        Ok(JwkSet { keys })
    }

    /// `jwks_uri` from the provider's OpenID or OAuth discovery document.
    async fn discover_jwks_url(&self) -> Result<String> {
        let issuer = self.config.issuer.trim_end_matches('/');
        let mut last = None;
        for document in ["openid-configuration", "oauth-authorization-server"] {
            let url = format!("{issuer}/.well-known/{document}");
            match self.get_json::<Value>(&url).await {
                Ok(value) => {
                    if let Some(jwks) = value.get("jwks_uri").and_then(Value::as_str) {
                        return secure_url("jwks_uri", jwks);
                    }
                    last = Some(Error::storage(format!("{url} names no jwks_uri")));
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::internal("no discovery document")))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T> {
        let failed = |e: reqwest::Error| Error::storage(format!("cannot fetch {url}: {e}"));
        let client = self
            .client
            .as_ref()
            .map_err(|e| Error::internal(e.clone()))?;
        client
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(failed)?
            .json::<T>()
            .await
            .map_err(failed)
    }
}

/// `url` when it is https, or http to a loopback host (a provider on the same machine);
/// signing keys fetched over plain HTTP from elsewhere could be swapped on the way.
pub fn secure_url(field: &str, url: &str) -> Result<String> {
    let url = url.trim();
    let secure = url::Url::parse(url).is_ok_and(|parsed| match parsed.scheme() {
        "https" => parsed.host().is_some(),
        "http" => crate::domain::oauth::is_loopback(&parsed),
        _ => false,
    });
    if secure {
        Ok(url.to_string())
    } else {
        Err(Error::validation(
            field,
            format!(
                "'{url}' must be an https URL (plain http only to 127.0.0.1, localhost or [::1])"
            ),
        ))
    }
}

/// What a token with `scopes` may do: everything with `invoices:write`, reading with
/// `invoices:read`, nothing otherwise. Tokens of an identity provider and of the built-in
/// authorization server alike.
pub fn access_of<'a>(
    scopes: impl IntoIterator<Item = &'a str>,
) -> std::result::Result<Access, Rejection> {
    let scopes: Vec<&str> = scopes.into_iter().collect();
    if scopes.contains(&SCOPE_WRITE) {
        Ok(Access::Full)
    } else if scopes.contains(&SCOPE_READ) {
        Ok(Access::ReadOnly)
    } else {
        Err(Rejection::NoScope)
    }
}

fn find<'a>(set: &'a JwkSet, kid: Option<&str>) -> Option<&'a jsonwebtoken::jwk::Jwk> {
    match kid {
        Some(kid) => set.find(kid),
        None if set.keys.len() == 1 => set.keys.first(),
        None => None,
    }
}

/// The scopes of a token: `scope` (space-separated) and `scp` (a string or a list).
fn scopes(claims: &Claims) -> Vec<String> {
    let mut all: Vec<String> = claims
        .scope
        .iter()
        .flat_map(|s| s.split_whitespace().map(String::from))
        .collect();
    match &claims.scp {
        Some(Value::String(s)) => all.extend(s.split_whitespace().map(String::from)),
        Some(Value::Array(items)) => {
            all.extend(items.iter().filter_map(Value::as_str).map(String::from));
        }
        _ => {}
    }
    all
}

/// A validation failure in words a client's operator can act on.
fn describe(error: &jsonwebtoken::errors::Error, config: &OAuthConfig) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::InvalidAudience => format!(
            "the access token is for another resource: its audience must be {} (request it with resource={})",
            config.audience, config.audience
        ),
        ErrorKind::InvalidIssuer => format!(
            "the access token comes from another issuer than {}",
            config.issuer
        ),
        ErrorKind::InvalidSignature => "the access token's signature is not valid".into(),
        ErrorKind::MissingRequiredClaim(claim) => {
            format!("the access token has no '{claim}' claim")
        }
        other => format!("the access token is not valid: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_sits_under_the_resource_path() {
        let config = OAuthConfig {
            issuer: "https://id.example.com/realms/acme".into(),
            audience: "https://invoices.example.com/mcp".into(),
            jwks_url: None,
        };
        assert_eq!(
            config.resource_metadata_url(),
            "https://invoices.example.com/.well-known/oauth-protected-resource/mcp"
        );
        let metadata = config.resource_metadata();
        assert_eq!(metadata["resource"], "https://invoices.example.com/mcp");
        assert_eq!(
            metadata["authorization_servers"][0],
            "https://id.example.com/realms/acme"
        );
        assert_eq!(split_origin("http://h:1"), ("http://h:1", ""));
    }

    #[test]
    fn keys_come_only_over_https_or_from_this_machine() {
        for ok in [
            "https://id.example.com/jwks",
            "http://127.0.0.1:8080/jwks",
            "http://localhost/jwks",
            "http://[::1]:9/x",
        ] {
            assert_eq!(secure_url("f", ok).ok().as_deref(), Some(ok));
        }
        for refused in [
            "http://id.example.com/jwks",
            "http://127.0.0.1.evil.example/jwks",
            "http://localhost.evil.example",
            "ftp://x",
        ] {
            assert!(secure_url("f", refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn scopes_come_from_scope_and_scp() {
        let claims: Claims = serde_json::from_value(json!({
            "exp": 1, "scope": "openid invoices:read", "scp": ["invoices:write"]
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            scopes(&claims),
            ["openid", "invoices:read", "invoices:write"]
        );
        let claims: Claims = serde_json::from_value(json!({ "exp": 1, "scp": "invoices:read" }))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scopes(&claims), ["invoices:read"]);
    }
}
