//! The portal's rate limits, kept in this server's memory (R14): links per
//! address asked for (keyed by the address's SHA-256, so the counters hold
//! no address and treat addresses in the register and others alike), links
//! and forms per client address. The rule is `domain::portal::RateLimit`.

use rekisteri_domain::Timestamp;
use rekisteri_domain::portal::RateLimit;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// Past the longest window nothing is kept.
const LONGEST_WINDOW_MICROS: i64 = 60 * 60 * 1_000_000;
/// Keys kept before the expired ones are swept.
const SWEEP_AT: usize = 10_000;

/// Moments of recent events per key.
#[derive(Default)]
pub struct Limiter {
    events: Mutex<HashMap<String, Vec<Timestamp>>>,
}

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

impl Limiter {
    /// Counts one more event of `key` at `now` if the limit allows it;
    /// otherwise the seconds to wait.
    pub fn take(&self, key: Key<'_>, limit: RateLimit, now: Timestamp) -> Result<(), i64> {
        let Ok(mut events) = self.events.lock() else {
            // A poisoned lock only means a panic elsewhere; refuse nothing.
            return Ok(());
        };
        if events.len() > SWEEP_AT {
            events.retain(|_, moments| {
                moments
                    .iter()
                    .any(|t| now.micros() - t.micros() < LONGEST_WINDOW_MICROS)
            });
        }
        let moments = events.entry(key.text()).or_default();
        moments.retain(|t| now.micros() - t.micros() < limit.window_micros);
        if !limit.allows(moments, now) {
            return Err(limit.retry_after(moments, now).max(1));
        }
        moments.push(now);
        Ok(())
    }

    /// Gives back an event counted by [`Limiter::take`] for a request that
    /// was refused afterwards for another limit.
    pub fn give_back(&self, key: Key<'_>, now: Timestamp) {
        if let Ok(mut events) = self.events.lock()
            && let Some(moments) = events.get_mut(&key.text())
            && let Some(i) = moments.iter().rposition(|t| *t == now)
        {
            moments.remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r14_an_address_gets_three_links_an_hour_in_any_case_of_letters() {
        let limiter = Limiter::default();
        let now = Timestamp::from_micros(1_800_000_000_000_000);
        for _ in 0..3 {
            assert!(
                limiter
                    .take(Key::Email("Matti@Example.fi"), RateLimit::PER_EMAIL, now)
                    .is_ok()
            );
        }
        let wait = limiter
            .take(Key::Email("matti@example.fi"), RateLimit::PER_EMAIL, now)
            .unwrap_err();
        assert_eq!(wait, 3600);
        assert!(
            limiter
                .take(Key::Email("other@example.fi"), RateLimit::PER_EMAIL, now)
                .is_ok()
        );
        let later = Timestamp::from_micros(now.micros() + LONGEST_WINDOW_MICROS);
        assert!(
            limiter
                .take(Key::Email("matti@example.fi"), RateLimit::PER_EMAIL, later)
                .is_ok()
        );
    }
}
