//! The built-in authorization server's rows: the owner password, registered clients, and
//! codes and tokens (by their SHA-256 only), with their families for refresh-token rotation.

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

use super::columns::Json;
use super::{Tx, sql_error};
use crate::error::Result;

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRow {
    /// Its id, made by the server.
    pub client_id: String,
    /// The name shown on the consent page.
    pub client_name: String,
    /// The redirect URIs it registered, matched exactly.
    pub redirect_uris: Vec<String>,
}

/// What a code or token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    /// SHA-256 of the code or token, hex.
    pub token_hash: String,
    /// `code`, `access` or `refresh`.
    pub kind: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The authorization it belongs to.
    pub family: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The resource (audience) it is for.
    pub resource: String,
    /// A code's redirect URI.
    pub redirect_uri: Option<String>,
    /// A code's PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When a code or refresh token was used.
    pub used: bool,
    /// When it was revoked.
    pub revoked: bool,
}

impl Tx<'_> {
    /// The owner's password hash (PHC string), once set.
    pub fn owner_password_hash(&self) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT password_hash FROM owner WHERE id = 1")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)).optional())
            .map_err(sql_error)
    }

    /// Set (replace) the owner's password hash.
    pub fn set_owner_password_hash(&self, hash: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO owner (id, password_hash, updated_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash,
                     updated_at = excluded.updated_at",
            )
            .and_then(|mut stmt| stmt.execute((hash, self.stamp())))
            .map_err(sql_error)?;
        Ok(())
    }

    /// Store a client: a registered one (its id is new), or one of a client ID metadata
    /// document, which replaces what the document said before.
    pub fn upsert_oauth_client(&self, client: &ClientRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO oauth_clients (client_id, client_name, redirect_uris, created_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (client_id) DO UPDATE SET client_name = excluded.client_name,
                     redirect_uris = excluded.redirect_uris",
            )
            .and_then(|mut stmt| {
                stmt.execute((
                    &client.client_id,
                    &client.client_name,
                    Json(&client.redirect_uris),
                    self.stamp(),
                ))
            })
            .map_err(sql_error)?;
        Ok(())
    }

    /// A registered client by id.
    pub fn oauth_client(&self, client_id: &str) -> Result<Option<ClientRow>> {
        self.conn
            .prepare_cached(
                "SELECT client_id, client_name, redirect_uris FROM oauth_clients WHERE client_id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([client_id], |row| {
                    Ok(ClientRow {
                        client_id: row.get("client_id")?,
                        client_name: row.get("client_name")?,
                        redirect_uris: row.get::<_, Json<Vec<String>>>("redirect_uris")?.0,
                    })
                })
                .optional()
            })
            .map_err(sql_error)
    }

    /// Store a code or token.
    pub fn insert_grant(&self, grant: &GrantRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO oauth_grants (token_hash, kind, client_id, family, scope, resource,
                     redirect_uri, code_challenge, expires_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut stmt| {
                stmt.execute((
                    &grant.token_hash,
                    &grant.kind,
                    &grant.client_id,
                    &grant.family,
                    &grant.scope,
                    &grant.resource,
                    &grant.redirect_uri,
                    &grant.code_challenge,
                    grant.expires_at,
                    self.stamp(),
                ))
            })
            .map_err(sql_error)?;
        Ok(())
    }

    /// A code or token by its hash.
    pub fn grant(&self, token_hash: &str) -> Result<Option<GrantRow>> {
        self.conn
            .prepare_cached(
                "SELECT token_hash, kind, client_id, family, scope, resource, redirect_uri,
                     code_challenge, expires_at, used_at IS NOT NULL AS used,
                     revoked_at IS NOT NULL AS revoked
                 FROM oauth_grants WHERE token_hash = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([token_hash], |row| {
                    Ok(GrantRow {
                        token_hash: row.get("token_hash")?,
                        kind: row.get("kind")?,
                        client_id: row.get("client_id")?,
                        family: row.get("family")?,
                        scope: row.get("scope")?,
                        resource: row.get("resource")?,
                        redirect_uri: row.get("redirect_uri")?,
                        code_challenge: row.get("code_challenge")?,
                        expires_at: row.get("expires_at")?,
                        used: row.get("used")?,
                        revoked: row.get("revoked")?,
                    })
                })
                .optional()
            })
            .map_err(sql_error)
    }

    /// Mark a code or refresh token used; `false` when it already was (a replay).
    pub fn use_grant(&self, token_hash: &str) -> Result<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE oauth_grants SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL",
            )
            .and_then(|mut stmt| stmt.execute((token_hash, self.stamp())))
            .map_err(sql_error)?;
        Ok(changed == 1)
    }

    /// Registered clients.
    pub fn count_oauth_clients(&self) -> Result<i64> {
        self.conn
            .prepare_cached("SELECT count(*) FROM oauth_clients")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
            .map_err(sql_error)
    }

    /// Delete clients registered before `before` that never got a code.
    pub fn delete_unused_oauth_clients(&self, before: DateTime<Utc>) -> Result<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM oauth_clients WHERE created_at < ?1
                 AND client_id NOT IN (SELECT client_id FROM oauth_grants)",
            )
            .and_then(|mut stmt| stmt.execute([super::stamp(before)]))
            .map_err(sql_error)?;
        Ok(())
    }

    /// Delete codes and tokens that expired before `before`.
    pub fn delete_expired_grants(&self, before: DateTime<Utc>) -> Result<()> {
        self.conn
            .prepare_cached("DELETE FROM oauth_grants WHERE expires_at < ?1")
            .and_then(|mut stmt| stmt.execute([before]))
            .map_err(sql_error)?;
        Ok(())
    }

    /// Revoke every code and token; how many authorizations that ended.
    pub fn revoke_all_grants(&self) -> Result<usize> {
        let families: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(DISTINCT family) FROM oauth_grants WHERE revoked_at IS NULL",
            )
            .and_then(|mut stmt| stmt.query_row([], |row| row.get(0)))
            .map_err(sql_error)?;
        self.conn
            .prepare_cached("UPDATE oauth_grants SET revoked_at = ?1 WHERE revoked_at IS NULL")
            .and_then(|mut stmt| stmt.execute([self.stamp()]))
            .map_err(sql_error)?;
        Ok(usize::try_from(families).unwrap_or(0))
    }

    /// Revoke every code and token of an authorization.
    pub fn revoke_family(&self, family: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE oauth_grants SET revoked_at = ?2 WHERE family = ?1 AND revoked_at IS NULL",
            )
            .and_then(|mut stmt| stmt.execute((family, self.stamp())))
            .map_err(sql_error)?;
        Ok(())
    }
}
