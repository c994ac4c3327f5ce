//! The audit chain's key and its anchors (B1; issue 19 §2). The chain's
//! hashes (SHA-256, see [`crate::audit::ChainedRow`]) are sealed with an
//! HMAC-SHA256 under a key kept outside the database, so whoever can write
//! the database but not read the key cannot recompute the chain unseen
//! after deleting or editing a row. The chain's head is written
//! outside the database too, as a signed anchor (the head file the server
//! keeps, or a checkpoint the admin stores elsewhere): a log cut short, or
//! emptied, no longer reaches it.

use crate::time::Timestamp;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The first line of an audit key file.
const KEY_HEADER: &str = "rekisteri audit key v1";
/// The first word of an anchor line.
const ANCHOR_HEADER: &str = "rekisteri-audit-anchor-v1";

/// The audit chain's secret: 32 random bytes, in a file of its own.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id())
    }
}

/// Why a key file or an anchor was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainFileError {
    #[error("not an audit key file (its first line must be \"{KEY_HEADER}\")")]
    NotAKeyFile,
    #[error("the audit key must be 64 hexadecimal digits")]
    BadKey,
    #[error("not an audit anchor line")]
    NotAnAnchor,
    #[error("the anchor's signature does not match this register's audit key")]
    BadSignature,
}

impl AuditKey {
    pub fn generate() -> Self {
        Self(rand::random())
    }

    /// Reads a key file's text (as [`AuditKey::file_text`] writes it).
    pub fn parse_file(text: &str) -> Result<Self, ChainFileError> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        if lines.next() != Some(KEY_HEADER) {
            return Err(ChainFileError::NotAKeyFile);
        }
        let hex_key = lines
            .find_map(|l| l.strip_prefix("key:"))
            .ok_or(ChainFileError::BadKey)?;
        let bytes = hex::decode(hex_key.trim()).map_err(|_| ChainFileError::BadKey)?;
        Ok(Self(bytes.try_into().map_err(|_| ChainFileError::BadKey)?))
    }

    /// The key file's text: a header, the key, and a word on what it is.
    pub fn file_text(&self) -> String {
        format!(
            "{KEY_HEADER}\nkey: {}\n# The audit log's chain is keyed with this (HMAC-SHA256). Keep a copy apart\n\
             # from the database and its backups; every server of the register needs it.\n\
             # Tämä avain ketjuttaa lokin. Säilytä kopio erillään tietokannasta ja sen varmuuskopioista.\n",
            hex::encode(self.0)
        )
    }

    /// A name for the key that gives nothing of it away: the register
    /// stores it, so a server started with another register's key is
    /// refused instead of forking the chain.
    pub fn id(&self) -> String {
        hex::encode(&self.mac(&[b"rekisteri-audit-key-id"])[..8])
    }

    /// HMAC-SHA256 over the parts, in order.
    pub fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        // HMAC takes a key of any length: this cannot fail.
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0) else {
            return Vec::new();
        };
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }
}

/// A point the chain must still reach: entry `seq` with its hash, signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
    pub at: Timestamp,
}

impl AuditAnchor {
    fn signature(&self, key: &AuditKey) -> String {
        let (seq, at) = (self.seq.to_string(), self.at.micros().to_string());
        hex::encode(key.mac(&[
            ANCHOR_HEADER.as_bytes(),
            b"|",
            seq.as_bytes(),
            b"|",
            self.hash.as_bytes(),
            b"|",
            at.as_bytes(),
        ]))
    }

    /// One line: `rekisteri-audit-anchor-v1 seq=… hash=… at=… mac=…`.
    pub fn line(&self, key: &AuditKey) -> String {
        format!(
            "{ANCHOR_HEADER} seq={} hash={} at={} mac={}",
            self.seq,
            self.hash,
            self.at.micros(),
            self.signature(key)
        )
    }

    /// Reads a line [`AuditAnchor::line`] wrote, checking its signature.
    pub fn parse(line: &str, key: &AuditKey) -> Result<Self, ChainFileError> {
        let mut words = line.split_whitespace();
        if words.next() != Some(ANCHOR_HEADER) {
            return Err(ChainFileError::NotAnAnchor);
        }
        let (mut seq, mut hash, mut at, mut mac) = (None, None, None, None);
        for word in words {
            match word.split_once('=') {
                Some(("seq", v)) => seq = v.parse::<i64>().ok(),
                Some(("hash", v)) => hash = Some(v.to_string()),
                Some(("at", v)) => at = v.parse::<i64>().ok().map(Timestamp::from_micros),
                Some(("mac", v)) => mac = Some(v.to_string()),
                _ => return Err(ChainFileError::NotAnAnchor),
            }
        }
        let (Some(seq), Some(hash), Some(at), Some(mac)) = (seq, hash, at, mac) else {
            return Err(ChainFileError::NotAnAnchor);
        };
        let anchor = Self { seq, hash, at };
        if anchor.signature(key) != mac {
            return Err(ChainFileError::BadSignature);
        }
        Ok(anchor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b1_a_key_file_reads_back_and_names_its_key_without_giving_it_away() {
        let key = AuditKey::generate();
        let text = key.file_text();
        assert_eq!(AuditKey::parse_file(&text), Ok(key.clone()));
        assert_eq!(key.id().len(), 16);
        assert!(!text.contains(&key.id()));
        assert_ne!(key.id(), AuditKey::generate().id());
        assert_eq!(
            AuditKey::parse_file("key: 00"),
            Err(ChainFileError::NotAKeyFile)
        );
        assert_eq!(
            AuditKey::parse_file(&format!("{KEY_HEADER}\nkey: abcd\n")),
            Err(ChainFileError::BadKey)
        );
    }

    #[test]
    fn b1_an_anchor_is_signed_by_the_key_and_any_change_is_refused() {
        let key = AuditKey::generate();
        let anchor = AuditAnchor {
            seq: 42,
            hash: "ab".repeat(32),
            at: Timestamp::from_micros(1_700_000_000_000_000),
        };
        let line = anchor.line(&key);
        assert_eq!(AuditAnchor::parse(&line, &key), Ok(anchor.clone()));
        assert_eq!(
            AuditAnchor::parse(&line.replace("seq=42", "seq=41"), &key),
            Err(ChainFileError::BadSignature)
        );
        assert_eq!(
            AuditAnchor::parse(&line, &AuditKey::generate()),
            Err(ChainFileError::BadSignature)
        );
        assert_eq!(
            AuditAnchor::parse("hello", &key),
            Err(ChainFileError::NotAnAnchor)
        );
    }
}
