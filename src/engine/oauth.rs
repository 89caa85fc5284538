//! Engine verbs of the built-in OAuth authorization server: the owner password, client
//! registration, authorization codes, the token grants (code with PKCE, refresh with rotation
//! and reuse detection), revocation, and the check of an access token. The HTTP routes are in
//! `http/authserver.rs`; the rules in `domain/oauth.rs`.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Duration;
use serde_json::json;

use super::Engine;
use crate::domain::oauth::{
    self, ACCESS_SECONDS, CODE_SECONDS, MAX_NAME_CHARS, MAX_REDIRECT_URIS, MIN_PASSWORD_CHARS,
    REFRESH_SECONDS,
};
use crate::error::{Error, Result};
use crate::store::{ClientRow, GrantRow};

/// Tokens issued by a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    /// The access token (sent as `Bearer`).
    pub access_token: String,
    /// The refresh token (used once for the next pair).
    pub refresh_token: String,
    /// Seconds the access token works.
    pub expires_in: i64,
    /// Granted scopes, space-separated.
    pub scope: String,
}

/// Why a token request is refused: an RFC 6749 §5.2 error code and a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantError {
    /// `invalid_grant`, `invalid_request`, `invalid_client` or `invalid_target`.
    pub code: &'static str,
    /// What was wrong, for the client's operator.
    pub description: String,
}

impl GrantError {
    fn new(code: &'static str, description: impl Into<String>) -> GrantError {
        GrantError {
            code,
            description: description.into(),
        }
    }
}

/// 32 random bytes as a token.
pub(super) fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(format!("no randomness for a token: {e}")))?;
    Ok(oauth::token_from(&bytes))
}

impl Engine {
    /// Set the owner password that signs in on the consent page (argon2id).
    pub fn set_owner_password(&self, password: &str) -> Result<()> {
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(Error::validation(
                "password",
                format!("must be at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt)
            .map_err(|e| Error::internal(format!("no randomness for a salt: {e}")))?;
        let salt = SaltString::encode_b64(&salt)
            .map_err(|e| Error::internal(format!("cannot encode the salt: {e}")))?;
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| Error::internal(format!("cannot hash the password: {e}")))?
            .to_string();
        // A new password ends every authorization and web session begun with the old one.
        self.write(|tx| {
            tx.set_owner_password_hash(&hash)?;
            let sessions = tx.delete_all_web_sessions()?;
            let authorizations = tx.revoke_all_grants()?;
            self.log_access(
                tx,
                "owner_password_set",
                json!({ "authorizations_revoked": authorizations, "sessions_ended": sessions }),
            )
        })
    }

    /// Revoke every authorization given to an application (each has to be allowed again) and
    /// sign every browser out of the web app. How many authorizations and sessions there were.
    pub fn revoke_all_oauth_grants(&self) -> Result<(usize, usize)> {
        self.write(|tx| {
            let (authorizations, sessions) =
                (tx.revoke_all_grants()?, tx.delete_all_web_sessions()?);
            self.log_access(
                tx,
                "revoke_all",
                json!({ "authorizations_revoked": authorizations, "sessions_ended": sessions }),
            )?;
            Ok((authorizations, sessions))
        })
    }

    /// Whether an owner password is set.
    pub fn owner_password_set(&self) -> Result<bool> {
        Ok(self.read(|tx| tx.owner_password_hash())?.is_some())
    }

    /// Whether `password` is the owner's (argon2: about 50 ms, on purpose).
    pub fn check_owner_password(&self, password: &str) -> Result<bool> {
        let Some(stored) = self.read(|tx| tx.owner_password_hash())? else {
            return Ok(false);
        };
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| Error::internal(format!("the stored password hash is damaged: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    }

    /// Store the client a client ID metadata document describes (its URL is its id), checked
    /// as a registration is; a stored one is replaced by what the document says now.
    pub fn save_metadata_client(
        &self,
        client_id: &str,
        name: Option<&str>,
        redirect_uris: Vec<String>,
    ) -> Result<ClientRow> {
        let client = checked_client(client_id.to_string(), name, redirect_uris)?;
        self.store_client(&client)?;
        Ok(client)
    }

    /// Register a client (RFC 7591): a new client id for `redirect_uris`.
    pub fn register_oauth_client(
        &self,
        name: Option<&str>,
        redirect_uris: Vec<String>,
    ) -> Result<ClientRow> {
        let client = checked_client(new_token()?, name, redirect_uris)?;
        self.store_client(&client)?;
        Ok(client)
    }

    /// Store `client` (replacing the one of its id). Clients need no sign-in,
    /// so their rows are capped: clients that never got a grant go after a day when the cap is
    /// reached.
    fn store_client(&self, client: &ClientRow) -> Result<()> {
        let now = self.clock.now();
        self.write(|tx| {
            if tx.count_oauth_clients()? >= oauth::MAX_CLIENTS {
                tx.delete_unused_oauth_clients(now - Duration::hours(24))?;
                if tx.count_oauth_clients()? >= oauth::MAX_CLIENTS {
                    return Err(Error::validation(
                        "client",
                        format!(
                            "{} applications are registered and none can go yet; try again tomorrow",
                            oauth::MAX_CLIENTS
                        ),
                    ));
                }
            }
            tx.delete_expired_grants(now - Duration::days(1))?;
            tx.upsert_oauth_client(client)
        })
    }

    /// A registered client.
    pub fn oauth_client(&self, client_id: &str) -> Result<Option<ClientRow>> {
        self.read(|tx| tx.oauth_client(client_id))
    }

    /// An authorization code for a consent the owner gave (the caller checked the password,
    /// the client and the exact redirect URI).
    pub fn issue_authorization_code(
        &self,
        client_id: &str,
        redirect_uri: &str,
        code_challenge: &str,
        scope: &str,
        resource: &str,
    ) -> Result<String> {
        let code = new_token()?;
        let grant = GrantRow {
            token_hash: oauth::token_hash(&code),
            kind: "code".into(),
            client_id: client_id.into(),
            family: new_token()?,
            scope: scope.into(),
            resource: resource.into(),
            redirect_uri: Some(redirect_uri.into()),
            code_challenge: Some(code_challenge.into()),
            expires_at: self.clock.now() + Duration::seconds(CODE_SECONDS),
            used: false,
            revoked: false,
        };
        self.write(|tx| {
            tx.insert_grant(&grant)?;
            let name = tx.oauth_client(client_id)?.map(|c| c.client_name);
            self.log_access(
                tx,
                "oauth_consent",
                json!({ "client_id": client_id, "client_name": name, "scope": scope }),
            )
        })?;
        tracing::info!(client_id, scope, "owner consent: authorization code issued");
        Ok(code)
    }

    /// The authorization-code grant: the code once, by its client, with its redirect URI and
    /// the PKCE verifier. A code used twice revokes what the first use issued (RFC 6749 §4.1.2).
    pub fn exchange_authorization_code(
        &self,
        code: &str,
        client_id: &str,
        redirect_uri: &str,
        code_verifier: &str,
    ) -> Result<std::result::Result<TokenPair, GrantError>> {
        let now = self.clock.now();
        self.write(|tx| {
            let Some(grant) = tx.grant(&oauth::token_hash(code))? else {
                return Ok(Err(GrantError::new(
                    "invalid_grant",
                    "unknown authorization code",
                )));
            };
            if grant.kind != "code" || grant.revoked {
                return Ok(Err(GrantError::new(
                    "invalid_grant",
                    "the code is not valid",
                )));
            }
            if grant.client_id != client_id {
                return Ok(Err(GrantError::new(
                    "invalid_grant",
                    "the code was issued to another client",
                )));
            }
            // An expired code only says so: a stale code replayed later revokes nothing.
            if grant.expires_at < now {
                return Ok(Err(GrantError::new("invalid_grant", "the code expired")));
            }
            if !tx.use_grant(&grant.token_hash)? {
                tx.revoke_family(&grant.family)?;
                self.log_access(tx, "oauth_code_replayed", json!({ "client_id": client_id }))?;
                return Ok(Err(GrantError::new(
                    "invalid_grant",
                    "the code was already used; the tokens it gave are revoked",
                )));
            }
            if grant.redirect_uri.as_deref() != Some(redirect_uri) {
                return Ok(Err(GrantError::new(
                    "invalid_grant",
                    "redirect_uri is not the one of the authorization request",
                )));
            }
            if !grant
                .code_challenge
                .as_deref()
                .is_some_and(|challenge| oauth::pkce_matches(code_verifier, challenge))
            {
                return Ok(Err(GrantError::new(
                    "invalid_grant",
                    "code_verifier does not match the code_challenge (PKCE S256)",
                )));
            }
            self.log_access(
                tx,
                "oauth_tokens_issued",
                json!({ "client_id": client_id, "scope": grant.scope }),
            )?;
            Ok(Ok(issue_pair(tx, &grant, now)?))
        })
    }

    /// The refresh-token grant: a refresh token once, for a new pair. One used a second time
    /// (stolen, or replayed) revokes its whole authorization.
    pub fn refresh_oauth_tokens(
        &self,
        refresh_token: &str,
        client_id: &str,
    ) -> Result<std::result::Result<TokenPair, GrantError>> {
        let now = self.clock.now();
        self.write(|tx| {
            let Some(grant) = tx.grant(&oauth::token_hash(refresh_token))? else {
                return Ok(Err(GrantError::new("invalid_grant", "unknown refresh token")));
            };
            if grant.kind != "refresh" || grant.client_id != client_id {
                return Ok(Err(GrantError::new("invalid_grant", "the refresh token is not valid")));
            }
            if grant.revoked {
                return Ok(Err(GrantError::new("invalid_grant", "the refresh token was revoked")));
            }
            if !tx.use_grant(&grant.token_hash)? {
                tx.revoke_family(&grant.family)?;
                self.log_access(tx, "oauth_refresh_replayed", json!({ "client_id": client_id }))?;
                tracing::warn!(client_id, "a refresh token was used twice: its authorization is revoked");
                return Ok(Err(GrantError::new(
                    "invalid_grant",
                    "the refresh token was already used; the authorization is revoked, sign in again",
                )));
            }
            if grant.expires_at < now {
                return Ok(Err(GrantError::new("invalid_grant", "the refresh token expired")));
            }
            Ok(Ok(issue_pair(tx, &grant, now)?))
        })
    }

    /// Revoke a token (RFC 7009): a refresh token revokes its whole authorization. Unknown
    /// tokens are ignored, as the RFC asks.
    pub fn revoke_oauth_token(&self, token: &str) -> Result<()> {
        self.write(|tx| {
            if let Some(grant) = tx.grant(&oauth::token_hash(token))? {
                tx.revoke_family(&grant.family)?;
                self.log_access(tx, "oauth_revoked", json!({ "client_id": grant.client_id }))?;
            }
            Ok(())
        })
    }

    /// The scope of a valid access token for `resource`, or why it is refused.
    pub fn check_oauth_access_token(
        &self,
        token: &str,
        resource: &str,
    ) -> Result<std::result::Result<String, String>> {
        let now = self.clock.now();
        let grant = self.read(|tx| tx.grant(&oauth::token_hash(token)))?;
        Ok(match grant {
            None => Err("the bearer token is not valid".into()),
            Some(grant) if grant.kind != "access" => {
                Err("the bearer token is not an access token".into())
            }
            Some(grant) if grant.revoked => Err("the access token was revoked".into()),
            Some(grant) if grant.expires_at < now => Err(format!(
                "the access token expired at {}",
                grant.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
            )),
            Some(grant) if grant.resource != resource => Err(format!(
                "the access token is for another resource: its audience must be {resource}"
            )),
            Some(grant) => Ok(grant.scope),
        })
    }
}

/// A new access and refresh token in the family of `from`.
fn issue_pair(
    tx: &crate::store::Tx<'_>,
    from: &GrantRow,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<TokenPair> {
    let access_token = new_token()?;
    let refresh_token = new_token()?;
    for (token, kind, seconds) in [
        (&access_token, "access", ACCESS_SECONDS),
        (&refresh_token, "refresh", REFRESH_SECONDS),
    ] {
        tx.insert_grant(&GrantRow {
            token_hash: oauth::token_hash(token),
            kind: kind.into(),
            client_id: from.client_id.clone(),
            family: from.family.clone(),
            scope: from.scope.clone(),
            resource: from.resource.clone(),
            redirect_uri: None,
            code_challenge: None,
            expires_at: now + Duration::seconds(seconds),
            used: false,
            revoked: false,
        })?;
    }
    Ok(TokenPair {
        access_token,
        refresh_token,
        expires_in: ACCESS_SECONDS,
        scope: from.scope.clone(),
    })
}

/// A client as registered or described by a metadata document, checked: 1 to 10 redirect URIs
/// that pass `check_redirect_uri`, a name without deceptive characters.
fn checked_client(
    client_id: String,
    name: Option<&str>,
    redirect_uris: Vec<String>,
) -> Result<ClientRow> {
    if redirect_uris.is_empty() || redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(Error::validation(
            "redirect_uris",
            format!("give 1 to {MAX_REDIRECT_URIS} redirect URIs"),
        ));
    }
    for uri in &redirect_uris {
        oauth::check_redirect_uri(uri)?;
    }
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("An MCP client");
    if name.chars().count() > MAX_NAME_CHARS || oauth::has_deceptive_characters(name) {
        return Err(Error::validation(
            "client_name",
            format!("must be at most {MAX_NAME_CHARS} characters, without control characters"),
        ));
    }
    Ok(ClientRow {
        client_id,
        client_name: name.to_string(),
        redirect_uris,
    })
}
