//! Engine verbs of signed download links (see `domain::links`): sign a download for a tool
//! result, check a link a browser opens, and replace the key to revoke every link.

use chrono::Duration;

use super::Engine;
use crate::domain::links::{LinkClaim, LinkRefusal};
use crate::error::{Error, Result};
use crate::store::new_link_key;

impl Engine {
    /// The URL of `file` below `{base}/invoices/`, signed to work without a token until the
    /// link lifetime ([`Engine::with_link_ttl_hours`]) from now. `None` in a file that has no
    /// link key yet (opened read-only and never by a writable open since schema v7): the caller
    /// gives the unsigned URL, which needs the token.
    pub fn signed_download_url(
        &self,
        base: &str,
        file: &str,
        profile: Option<&str>,
    ) -> Result<Option<String>> {
        let Some(key) = self.read(|tx| tx.link_key())? else {
            return Ok(None);
        };
        let expires = (self.clock.now() + Duration::hours(self.link_ttl_hours.into())).timestamp();
        let claim = LinkClaim {
            file,
            profile,
            expires,
        };
        let signature = claim.sign(&key);
        let profile = profile
            .map(|profile| format!("profile={profile}&"))
            .unwrap_or_default();
        Ok(Some(format!(
            "{base}/invoices/{file}?{profile}expires={expires}&sig={signature}"
        )))
    }

    /// Whether the signed link to `claim` with `signature` may be opened now. The outer error
    /// is the database's; the inner one says why the link is refused.
    pub fn check_download_link(
        &self,
        claim: &LinkClaim<'_>,
        signature: &str,
    ) -> Result<std::result::Result<(), LinkRefusal>> {
        let key = self.read(|tx| tx.link_key())?;
        Ok(match key {
            Some(key) => claim.verify(&key, signature, self.clock.now()),
            None => Err(LinkRefusal::BadSignature),
        })
    }

    /// A token that proves a form came from this server with `content` (e.g. the consent of
    /// an authorization request) and is at most `seconds` old: `expires.signature`, under the
    /// link key. Rotating the key voids open forms too.
    pub fn form_token(&self, content: &str, seconds: i64) -> Result<String> {
        let key = self.read(|tx| tx.link_key())?.ok_or_else(|| {
            Error::storage("the database has no link key yet; open it once writable")
        })?;
        let expires = (self.clock.now() + Duration::seconds(seconds)).timestamp();
        let claim = LinkClaim {
            file: "form",
            profile: Some(content),
            expires,
        };
        Ok(format!("{expires}.{}", claim.sign(&key)))
    }

    /// Whether `token` is a [`Engine::form_token`] of `content` that has not expired.
    pub fn check_form_token(&self, content: &str, token: &str) -> Result<bool> {
        let Some((expires, signature)) = token.split_once('.') else {
            return Ok(false);
        };
        let Ok(expires) = expires.parse::<i64>() else {
            return Ok(false);
        };
        let claim = LinkClaim {
            file: "form",
            profile: Some(content),
            expires,
        };
        Ok(self.check_download_link(&claim, signature)?.is_ok())
    }

    /// Replace the link key: every download link given out so far stops working at once.
    pub fn rotate_link_key(&self) -> Result<()> {
        let key = new_link_key()?;
        self.write(|tx| tx.replace_link_key(&key))
    }

    /// The same engine, signing links that work for `hours` (1 to 8,784: 366 days).
    pub fn with_link_ttl_hours(&self, hours: u32) -> Result<Engine> {
        if !(1..=crate::domain::links::MAX_TTL_HOURS).contains(&hours) {
            return Err(Error::validation(
                "link_ttl_hours",
                format!(
                    "must be 1 to {} hours (366 days), got {hours}",
                    crate::domain::links::MAX_TTL_HOURS
                ),
            ));
        }
        Ok(Engine {
            link_ttl_hours: hours,
            ..self.clone()
        })
    }

    /// How long signed links work, in hours.
    pub fn link_ttl_hours(&self) -> u32 {
        self.link_ttl_hours
    }
}
