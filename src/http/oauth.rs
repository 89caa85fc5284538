//! OAuth 2.1 on the HTTP routes with an external identity provider (Keycloak, Authentik,
//! Auth0, Entra ID, Zitadel, any provider that issues JWT access tokens): this server is the
//! protected resource of RFC 9728. It publishes `/.well-known/oauth-protected-resource`
//! (naming the provider), answers `401` with `WWW-Authenticate: Bearer resource_metadata="…"`,
//! and checks each access token's signature against the provider's JWKS (cached, fetched
//! again when a new key id appears), its issuer, its audience (this server's resource URL,
//! RFC 8707), its expiry (by the engine's clock) and its scope: `invoices:write` may call every
//! tool, `invoices:read` only those that read. The static token keeps working beside it.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

use crate::engine::Clock;
use crate::error::{Error, Result};
use crate::mcp::Access;

/// The scope that lets a token call the tools that read.
pub const SCOPE_READ: &str = "invoices:read";
/// The scope that lets a token call every tool.
pub const SCOPE_WRITE: &str = "invoices:write";

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
    keys: tokio::sync::Mutex<Keys>,
}

#[derive(Default)]
struct Keys {
    jwks_url: Option<String>,
    set: Option<JwkSet>,
    fetched: Option<Instant>,
}

/// The claims read from an access token (the library checks `iss` and `aud`).
#[derive(Debug, serde::Deserialize)]
struct Claims {
    exp: i64,
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
            keys: tokio::sync::Mutex::new(Keys {
                jwks_url: config.jwks_url.clone(),
                ..Keys::default()
            }),
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
        let scopes = scopes(&claims);
        if scopes.iter().any(|s| s == SCOPE_WRITE) {
            Ok(Access::Full)
        } else if scopes.iter().any(|s| s == SCOPE_READ) {
            Ok(Access::ReadOnly)
        } else {
            Err(Rejection::NoScope)
        }
    }

    /// The decoding key with id `kid` (the only key when the token names none), fetching the
    /// provider's keys when they are stale or do not know `kid`.
    async fn key_for(&self, kid: Option<&str>) -> std::result::Result<DecodingKey, Rejection> {
        let mut keys = self.keys.lock().await;
        let stale = keys.fetched.is_none_or(|at| at.elapsed() > KEYS_FRESH_FOR);
        let known = keys.set.as_ref().and_then(|set| find(set, kid)).is_some();
        let may_refetch = keys
            .fetched
            .is_none_or(|at| at.elapsed() > REFETCH_AT_MOST_EVERY);
        if stale || (!known && may_refetch) {
            match self.fetch(&mut keys).await {
                Ok(()) => {}
                // Keys fetched before keep working while the provider is away.
                Err(e) if keys.set.is_some() => {
                    tracing::warn!("cannot refresh the identity provider's keys: {e}");
                }
                Err(e) => return Err(Rejection::KeysUnavailable(e.to_string())),
            }
        }
        let jwk = keys
            .set
            .as_ref()
            .and_then(|set| find(set, kid))
            .ok_or_else(|| {
                Rejection::Invalid(match kid {
                    Some(kid) => format!("no key '{kid}' in the identity provider's JWKS"),
                    None => "the token names no key id and the JWKS has several keys".into(),
                })
            })?;
        DecodingKey::from_jwk(jwk)
            .map_err(|e| Rejection::Invalid(format!("the provider's key cannot be used: {e}")))
    }

    async fn fetch(&self, keys: &mut Keys) -> Result<()> {
        keys.fetched = Some(Instant::now());
        let url = match &keys.jwks_url {
            Some(url) => url.clone(),
            None => {
                let url = self.discover_jwks_url().await?;
                keys.jwks_url = Some(url.clone());
                url
            }
        };
        let set: JwkSet = self.get_json(&url).await?;
        keys.set = Some(set);
        Ok(())
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
                        return Ok(jwks.to_string());
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
