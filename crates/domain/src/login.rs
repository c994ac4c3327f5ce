//! The rules of logging in (R11): how failed attempts slow the next ones
//! down, and how long a session lives. Pure functions of stored counters and
//! the injected time; the store keeps the counters, the HTTP edge asks.

use crate::time::Timestamp;

const SECOND: i64 = 1_000_000;
const MINUTE: i64 = 60 * SECOND;

/// Failed attempts, counted per account name and per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Throttle {
    pub failures: i64,
    pub last_failure_at: Option<Timestamp>,
    /// No attempt is heard before this time.
    pub locked_until: Option<Timestamp>,
}

/// How many failures are free, and how long the wait grows after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Failures before the first wait.
    pub free: i64,
    /// The first wait; each further failure doubles it.
    pub first_wait_micros: i64,
    /// The wait never grows past this, so an attacker can delay a real user
    /// by at most this long at a time (and an admin can unlock at once).
    pub max_wait_micros: i64,
    /// Failures older than this are forgotten.
    pub forget_after_micros: i64,
}

impl ThrottleRule {
    /// Per account: five free attempts, then 2 s, 4 s, 8 s … up to 15 min.
    pub const ACCOUNT: Self = Self {
        free: 5,
        first_wait_micros: 2 * SECOND,
        max_wait_micros: 15 * MINUTE,
        forget_after_micros: 24 * 60 * MINUTE,
    };
    /// Per client address: twenty free attempts (an office behind one
    /// address), then the same doubling.
    pub const ADDRESS: Self = Self {
        free: 20,
        first_wait_micros: 2 * SECOND,
        max_wait_micros: 15 * MINUTE,
        forget_after_micros: 24 * 60 * MINUTE,
    };

    /// The counters after one more failure at `now`.
    pub fn after_failure(&self, before: Throttle, now: Timestamp) -> Throttle {
        let stale = before
            .last_failure_at
            .is_none_or(|t| now.micros() - t.micros() > self.forget_after_micros);
        let failures = if stale { 1 } else { before.failures + 1 };
        let over = failures - self.free;
        let locked_until = (over > 0).then(|| {
            let doublings = u32::try_from((over - 1).min(30)).unwrap_or(30);
            let wait = self
                .first_wait_micros
                .saturating_mul(1_i64 << doublings)
                .min(self.max_wait_micros);
            now.plus_micros(wait)
        });
        Throttle {
            failures,
            last_failure_at: Some(now),
            locked_until,
        }
    }
}

impl Throttle {
    /// Whole seconds to wait before the next attempt is heard, if any.
    pub fn wait_seconds(&self, now: Timestamp) -> Option<i64> {
        let until = self.locked_until?;
        let left = until.micros() - now.micros();
        (left > 0).then(|| (left + SECOND - 1) / SECOND)
    }
}

/// How long a web session lives (ASVS V7): ended after `idle` without a
/// request, and after `absolute` whatever happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimeouts {
    pub idle_micros: i64,
    pub absolute_micros: i64,
}

impl Default for SessionTimeouts {
    fn default() -> Self {
        Self {
            idle_micros: 30 * MINUTE,
            absolute_micros: 12 * 60 * MINUTE,
        }
    }
}

impl SessionTimeouts {
    pub fn from_minutes(idle: i64, absolute: i64) -> Result<Self, String> {
        if idle < 1 || absolute < idle {
            return Err(
                "the idle timeout must be at least a minute and at most the absolute one".into(),
            );
        }
        Ok(Self {
            idle_micros: idle * MINUTE,
            absolute_micros: absolute * MINUTE,
        })
    }

    /// Whether a session created and last used at these times still lives.
    pub fn is_live(&self, created_at: Timestamp, last_seen_at: Timestamp, now: Timestamp) -> bool {
        now.micros() - last_seen_at.micros() < self.idle_micros
            && now.micros() - created_at.micros() < self.absolute_micros
    }

    /// Whether to record a request as the session's last use: at most once a
    /// minute, so reading does not mean writing on every request.
    pub fn should_touch(last_seen_at: Timestamp, now: Timestamp) -> bool {
        now.micros() - last_seen_at.micros() >= MINUTE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_micros(seconds * SECOND)
    }

    #[test]
    fn r11_five_failures_are_free_then_the_wait_doubles_up_to_fifteen_minutes() {
        let rule = ThrottleRule::ACCOUNT;
        let mut t = Throttle::default();
        for i in 0..5 {
            t = rule.after_failure(t, at(i));
            assert_eq!(t.wait_seconds(at(i)), None);
        }
        t = rule.after_failure(t, at(10));
        assert_eq!(t.wait_seconds(at(10)), Some(2));
        t = rule.after_failure(t, at(20));
        assert_eq!(t.wait_seconds(at(20)), Some(4));
        for i in 0..30 {
            t = rule.after_failure(t, at(100 + i));
        }
        assert_eq!(t.wait_seconds(at(129)), Some(15 * 60));
        assert_eq!(t.wait_seconds(at(129 + 15 * 60)), None);
    }

    #[test]
    fn r11_old_failures_are_forgotten() {
        let rule = ThrottleRule::ACCOUNT;
        let mut t = Throttle::default();
        for i in 0..8 {
            t = rule.after_failure(t, at(i));
        }
        let t = rule.after_failure(t, at(2 * 86_400));
        assert_eq!(t.failures, 1);
        assert_eq!(t.locked_until, None);
    }

    #[test]
    fn r11_sessions_end_when_idle_or_old() {
        let s = SessionTimeouts::default();
        assert!(s.is_live(at(0), at(0), at(29 * 60)));
        assert!(!s.is_live(at(0), at(0), at(30 * 60)));
        assert!(s.is_live(at(0), at(11 * 3600), at(11 * 3600 + 60)));
        assert!(!s.is_live(at(0), at(12 * 3600 - 1), at(12 * 3600)));
        assert!(SessionTimeouts::from_minutes(0, 10).is_err());
        assert!(SessionTimeouts::from_minutes(20, 10).is_err());
    }
}
