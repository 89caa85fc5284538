//! SHA-256 digests as lower-case hex: request fingerprints, archive hashes and the links of the
//! tamper-evident hash chain.
//! Hex is written here (one `format!` per byte) rather than with a crate for two lines.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes` as 64 lower-case hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The `prev` of the first link of a hash chain.
pub const CHAIN_START: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of one link of the record's hash chain: SHA-256 over the previous link's hash, the
/// kind and key of the row the link stands for, and the row's canonical content, separated by
/// line feeds (none of the first three holds one).
pub fn chain_hash(prev: &str, kind: &str, key: &str, content: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [prev, "\n", kind, "\n", key, "\n", content] {
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_digest() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_chain_link_depends_on_every_part() {
        let link = super::chain_hash(super::CHAIN_START, "payment", "1", "[1,\"10.00\"]");
        assert_eq!(
            link,
            super::sha256_hex(
                format!("{}\npayment\n1\n[1,\"10.00\"]", super::CHAIN_START).as_bytes()
            )
        );
        assert_ne!(
            link,
            super::chain_hash(super::CHAIN_START, "payment", "1", "[1,\"1.00\"]")
        );
        assert_ne!(
            link,
            super::chain_hash(&link, "payment", "1", "[1,\"10.00\"]")
        );
    }
}
