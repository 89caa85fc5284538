//! Signed download links: `/invoices/{file}?expires=…&sig=…` opens in a browser without an
//! `Authorization` header. The signature is an HMAC-SHA256 over the file, the Factur-X profile
//! (when the link names one) and the expiry, under a key kept in the database; replacing the
//! key revokes every link given out with it. Nothing here reads a clock or the database: the
//! engine passes the key and the instant.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of a link key.
pub const KEY_BYTES: usize = 32;

/// How long a link works unless the server is told otherwise: 7 days.
pub const DEFAULT_TTL_HOURS: u32 = 7 * 24;

/// The longest a link may work: 366 days.
pub const MAX_TTL_HOURS: u32 = 366 * 24;

/// What a download link names and until when: the part of the URL the signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkClaim<'a> {
    /// The file below `/invoices/`, e.g. `42.pdf` or `42.xrechnung-cii.xml`.
    pub file: &'a str,
    /// The `profile` query parameter of a Factur-X download, when there is one.
    pub profile: Option<&'a str>,
    /// Unix seconds after which the link no longer works.
    pub expires: i64,
}

/// Why a signed link is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkRefusal {
    /// The signature does not match: the URL was changed, or the key was replaced since.
    BadSignature,
    /// The link worked until this instant.
    Expired(DateTime<Utc>),
}

impl LinkClaim<'_> {
    /// The signature of this claim under `key`, URL-safe base64 without padding.
    pub fn sign(&self, key: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(key).finalize().into_bytes())
    }

    /// Check `signature` (as [`LinkClaim::sign`] makes it) against this claim at `now`. The
    /// signature is compared in constant time; an expired link is named as such only when its
    /// signature is right, so a forged one learns nothing.
    pub fn verify(
        &self,
        key: &[u8],
        signature: &str,
        now: DateTime<Utc>,
    ) -> Result<(), LinkRefusal> {
        let bytes = URL_SAFE_NO_PAD
            .decode(signature.trim())
            .map_err(|_| LinkRefusal::BadSignature)?;
        self.mac(key)
            .verify_slice(&bytes)
            .map_err(|_| LinkRefusal::BadSignature)?;
        if now.timestamp() > self.expires {
            let until = DateTime::from_timestamp(self.expires, 0).unwrap_or_default();
            return Err(LinkRefusal::Expired(until));
        }
        Ok(())
    }

    fn mac(&self, key: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length; this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
        // Fields separated by a byte none of them may contain, with a version in front.
        for part in [
            "invoicer-link-v1",
            self.file,
            self.profile.unwrap_or(""),
            &self.expires.to_string(),
        ] {
            mac.update(part.as_bytes());
            mac.update(b"\n");
        }
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = &[7; KEY_BYTES];

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap_or_default()
    }

    fn claim<'a>(file: &'a str, profile: Option<&'a str>, expires: i64) -> LinkClaim<'a> {
        LinkClaim {
            file,
            profile,
            expires,
        }
    }

    #[test]
    fn a_signed_claim_verifies_until_it_expires() {
        let link = claim("42.pdf", None, 1_000);
        let sig = link.sign(KEY);
        assert_eq!(sig.len(), 43, "32 bytes in unpadded base64");
        assert_eq!(link.verify(KEY, &sig, at(999)), Ok(()));
        assert_eq!(link.verify(KEY, &sig, at(1_000)), Ok(()));
        assert_eq!(
            link.verify(KEY, &sig, at(1_001)),
            Err(LinkRefusal::Expired(at(1_000)))
        );
    }

    #[test]
    fn every_changed_part_breaks_the_signature() {
        let sig = claim("42.facturx.pdf", Some("extended"), 1_000).sign(KEY);
        for changed in [
            claim("43.facturx.pdf", Some("extended"), 1_000),
            claim("42.facturx.pdf", None, 1_000),
            claim("42.facturx.pdf", Some("basic"), 1_000),
            claim("42.facturx.pdf", Some("extended"), 2_000),
        ] {
            assert_eq!(
                changed.verify(KEY, &sig, at(0)),
                Err(LinkRefusal::BadSignature),
                "{changed:?}"
            );
        }
        let other_key = [8; KEY_BYTES];
        assert_eq!(
            claim("42.facturx.pdf", Some("extended"), 1_000).verify(&other_key, &sig, at(0)),
            Err(LinkRefusal::BadSignature)
        );
        // A forged signature on an expired link is a bad signature, not "expired".
        assert_eq!(
            claim("42.pdf", None, 1).verify(KEY, "AAAA", at(5)),
            Err(LinkRefusal::BadSignature)
        );
        assert_eq!(
            claim("42.pdf", None, 1).verify(KEY, "not base64!", at(0)),
            Err(LinkRefusal::BadSignature)
        );
    }

    #[test]
    fn a_field_cannot_be_shifted_into_its_neighbour() {
        // "4" + profile "2.pdf" must not sign the same as "42.pdf" without a profile.
        let sig = claim("42.pdf", None, 1_000).sign(KEY);
        assert_eq!(
            claim("4", Some("2.pdf"), 1_000).verify(KEY, &sig, at(0)),
            Err(LinkRefusal::BadSignature)
        );
    }
}
