//! The portal's rate limits (R14), counted in the database so that every
//! server on it holds them: links per address asked for (keyed by the
//! address's SHA-256, so the counters hold no address and treat addresses
//! in the register and others alike), links and forms per client address.
//! The rule is `domain::portal::RateLimit`.

use crate::error::ApiError;
use rekisteri_domain::Timestamp;
use rekisteri_domain::portal::RateLimit;
use rekisteri_store::Store;
use sha2::{Digest, Sha256};

/// Past the longest window nothing is kept (the periodic round forgets it).
pub const LONGEST_WINDOW_MICROS: i64 = 60 * 60 * 1_000_000;

/// What a limited key is.
pub enum Key<'a> {
    /// Links asked for an email address (letters in any case).
    Email(&'a str),
    /// Links asked from a client address.
    LinksFrom(Option<std::net::IpAddr>),
    /// Forms sent from a client address.
    FormsFrom(Option<std::net::IpAddr>),
}

impl Key<'_> {
    fn text(&self) -> String {
        let ip = |ip: &Option<std::net::IpAddr>| {
            ip.map_or_else(|| "unknown".into(), |ip| ip.to_string())
        };
        match self {
            Key::Email(email) => format!(
                "email:{}",
                hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()))
            ),
            Key::LinksFrom(addr) => format!("links:{}", ip(addr)),
            Key::FormsFrom(addr) => format!("forms:{}", ip(addr)),
        }
    }
}

/// Counts one event at `now` under each key's limit, all or none, in the
/// database every server shares; a refusal is `429` with the seconds to
/// wait.
pub async fn take(
    store: &Store,
    keys: &[(Key<'_>, RateLimit)],
    now: Timestamp,
) -> Result<(), ApiError> {
    let limits: Vec<(String, RateLimit)> = keys.iter().map(|(k, l)| (k.text(), *l)).collect();
    store
        .take_limits(&limits, now)
        .await?
        .map_err(|retry_after| ApiError::TooManyAttempts { retry_after })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r14_an_address_is_counted_by_its_hash_in_any_case_of_letters() {
        let a = Key::Email("Matti@Example.fi ").text();
        assert_eq!(a, Key::Email("matti@example.fi").text());
        assert!(!a.contains("matti"), "no address in the key");
        assert_ne!(a, Key::Email("other@example.fi").text());
    }
}
