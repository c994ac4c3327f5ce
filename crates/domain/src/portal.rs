//! The public privacy portal's rules (R14–R18, R21): what a person may ask
//! for there, how long a single-use link and a verified visit last, and
//! the rate limits that keep the portal from being used to probe the
//! register or to flood someone's mailbox. No IO: the server keeps the
//! counters, the store the links and visits.

use crate::marketing::{Channel, MarketingPurpose, PermissionState};
use crate::permission::NewPermissionEvent;
use crate::provenance::{Source, code_enum};
use crate::request::RequestKind;
use crate::time::Timestamp;

/// A single-use link is good for 30 minutes (R14).
pub const LINK_LIFETIME_MICROS: i64 = 30 * 60 * 1_000_000;
/// A verified visit lasts 30 minutes from the link's use (R14).
pub const SESSION_LIFETIME_MICROS: i64 = 30 * 60 * 1_000_000;
/// The text a prohibition recorded on the portal carries as its source's detail (R5).
pub const SOURCE_DETAIL: &str = "privacy portal";

code_enum!(
    /// What a person may ask for on the portal; each becomes a case.
    PortalRequest {
        /// See my data (an access report, R14).
        Access = "access",
        /// My data as a file another system can read (R16).
        Portability = "portability",
        /// Correct my contact details (R17).
        Rectification = "rectification",
        /// Prohibit marketing (R15, R21).
        Objection = "objection",
        /// Restrict processing (R18).
        Restriction = "restriction",
        /// Erase my data (R8, R21).
        Erasure = "erasure",
    }
);

impl PortalRequest {
    /// The kind of case the request becomes.
    pub fn kind(self) -> RequestKind {
        match self {
            Self::Access => RequestKind::Access,
            Self::Portability => RequestKind::Portability,
            Self::Rectification => RequestKind::Rectification,
            Self::Objection => RequestKind::Objection,
            Self::Restriction => RequestKind::Restriction,
            Self::Erasure => RequestKind::Erasure,
        }
    }

    /// Whether the request's answer is a report the person downloads.
    pub fn is_report(self) -> bool {
        matches!(self, Self::Access | Self::Portability)
    }
}

/// At most `max` events per `window_micros` (a sliding window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: usize,
    pub window_micros: i64,
}

impl RateLimit {
    /// Links asked for one address: 3 an hour, whether or not the address
    /// is in the register (so the limit reveals nothing).
    pub const PER_EMAIL: RateLimit = RateLimit {
        max: 3,
        window_micros: 60 * 60 * 1_000_000,
    };
    /// Links asked from one client address: 20 an hour.
    pub const LINKS_PER_CLIENT: RateLimit = RateLimit {
        max: 20,
        window_micros: 60 * 60 * 1_000_000,
    };
    /// Every form sent to the portal from one client address: 60 in 10 minutes.
    pub const FORMS_PER_CLIENT: RateLimit = RateLimit {
        max: 60,
        window_micros: 10 * 60 * 1_000_000,
    };

    /// Of `earlier` (moments of past events), those still in the window at `now`.
    pub fn in_window(&self, earlier: &[Timestamp], now: Timestamp) -> usize {
        earlier
            .iter()
            .filter(|t| now.micros() - t.micros() < self.window_micros)
            .count()
    }

    /// Whether one more event may happen at `now`.
    pub fn allows(&self, earlier: &[Timestamp], now: Timestamp) -> bool {
        self.in_window(earlier, now) < self.max
    }

    /// Seconds until the oldest event in the window leaves it (for `Retry-After`).
    pub fn retry_after(&self, earlier: &[Timestamp], now: Timestamp) -> i64 {
        earlier
            .iter()
            .filter(|t| now.micros() - t.micros() < self.window_micros)
            .map(|t| t.micros() + self.window_micros - now.micros())
            .min()
            .map_or(0, |micros| (micros + 999_999) / 1_000_000)
    }
}

/// A prohibition the person set on the portal: takes effect at once, as
/// their own notice (R15, R5).
pub fn prohibition(
    channel: Channel,
    purpose: MarketingPurpose,
    at: Timestamp,
) -> NewPermissionEvent {
    NewPermissionEvent {
        channel,
        purpose,
        state: PermissionState::Prohibited,
        given_at: at,
        source: Source::OwnNotice,
        source_detail: Some(SOURCE_DETAIL.to_string()),
        wording_id: None,
        legal_basis: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_micros(1_800_000_000_000_000 + seconds * 1_000_000)
    }

    // R14: three links an hour per address; the window slides.
    #[test]
    fn r14_three_links_an_hour_and_the_window_slides() {
        let limit = RateLimit::PER_EMAIL;
        let sent = [at(0), at(60), at(120)];
        assert!(limit.allows(&sent[..2], at(180)));
        assert!(!limit.allows(&sent, at(180)));
        assert_eq!(limit.retry_after(&sent, at(180)), 3600 - 180);
        assert!(limit.allows(&sent, at(3600)));
    }

    #[test]
    fn every_portal_request_becomes_a_case_of_its_kind() {
        for r in PortalRequest::ALL {
            assert_eq!(r.kind().code(), r.code());
        }
        assert!(PortalRequest::Access.is_report() && !PortalRequest::Erasure.is_report());
    }

    // R15: a portal prohibition is the person's own notice.
    #[test]
    fn r15_a_portal_prohibition_is_the_persons_own_notice() {
        let p = prohibition(Channel::Email, MarketingPurpose::DirectMarketing, at(0));
        assert_eq!(p.state, PermissionState::Prohibited);
        assert_eq!(p.source, Source::OwnNotice);
        assert_eq!(p.source_detail.as_deref(), Some(SOURCE_DETAIL));
    }
}
