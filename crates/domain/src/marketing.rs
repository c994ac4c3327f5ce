//! Marketing permissions (R15, R21): per channel and purpose, an immutable
//! history of events (granted, withdrawn, prohibited); the state now is the
//! latest event, and without one the default of Finnish law decides:
//! electronic marketing to a private person is opt-in, except the company's
//! own similar products to an existing customer; to a person in their
//! organisation role, and by letter or phone, it is opt-out. A restricted
//! (R18) or erased person is contacted by no one.

use crate::provenance::code_enum;
use crate::time::Timestamp;

code_enum!(
    /// How a marketing message reaches the person.
    Channel {
        Email = "email",
        Sms = "sms",
        Phone = "phone",
        Letter = "letter",
    }
);

impl Channel {
    /// Electronic direct marketing (email, SMS): the channels of the
    /// opt-in rule (Sähköisen viestinnän palveluista annettu laki 200 §).
    pub fn is_electronic(self) -> bool {
        matches!(self, Channel::Email | Channel::Sms)
    }
}

code_enum!(
    /// The purposes a person may permit or prohibit separately (R15).
    MarketingPurpose {
        DirectMarketing = "direct_marketing",
        DistanceSelling = "distance_selling",
        MarketResearch = "market_research",
        TargetedContent = "targeted_content",
    }
);

impl MarketingPurpose {
    /// Selling the company's own products, to which the existing-customer
    /// exception of the opt-in rule applies (research and targeting are not
    /// selling).
    pub fn is_selling(self) -> bool {
        matches!(
            self,
            MarketingPurpose::DirectMarketing | MarketingPurpose::DistanceSelling
        )
    }
}

code_enum!(
    /// One recorded change of a permission.
    PermissionState {
        /// The person agreed (opt-in given).
        Granted = "granted",
        /// The person took an agreement back (opt-out).
        Withdrawn = "withdrawn",
        /// The person forbade it (R15, GDPR 21(3)): in force at once.
        Prohibited = "prohibited",
    }
);

/// What the law assumes when the person has said nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegalDefault {
    /// Only after the person agreed.
    OptIn,
    /// Until the person objects.
    OptOut,
}

/// Who the person is to the company, as far as marketing rules ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// Acting in a role at an organisation (B2B, about their work).
    pub organisation_role: bool,
    /// A customer who has bought from the company (orders).
    pub existing_customer: bool,
    /// Processing is restricted (R18): data only stored.
    pub restricted: bool,
    /// Erased or anonymised (R21): nobody left to contact.
    pub erased: bool,
}

/// One event of a permission's history: the parts the rules read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PermissionEvent {
    pub channel: Channel,
    pub purpose: MarketingPurpose,
    pub state: PermissionState,
    pub at: Timestamp,
}

/// The default for a channel and purpose (R15).
pub fn default_for(
    channel: Channel,
    purpose: MarketingPurpose,
    standing: Standing,
) -> LegalDefault {
    if !channel.is_electronic() || standing.organisation_role {
        return LegalDefault::OptOut;
    }
    if standing.existing_customer && purpose.is_selling() {
        LegalDefault::OptOut
    } else {
        LegalDefault::OptIn
    }
}

/// The latest event of a channel and purpose: by time, and of events at the
/// same moment the one recorded last.
pub fn current_state(
    history: &[PermissionEvent],
    channel: Channel,
    purpose: MarketingPurpose,
) -> Option<PermissionState> {
    history
        .iter()
        .enumerate()
        .filter(|(_, e)| e.channel == channel && e.purpose == purpose)
        .max_by_key(|(i, e)| (e.at, *i))
        .map(|(_, e)| e.state)
}

/// Why a person may or may not be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// They agreed.
    Granted,
    /// Opt-out applies and they have not objected.
    NotObjected,
    /// Opt-in applies and they have not agreed.
    NoConsent,
    /// They withdrew an agreement.
    Withdrawn,
    /// They forbade it.
    Prohibited,
    /// Their data is restricted (R18).
    Restricted,
    /// They are erased (R21).
    Erased,
}

impl Decision {
    /// The decision's name in the API and in the user interface's messages.
    pub fn code(self) -> &'static str {
        match self {
            Decision::Granted => "granted",
            Decision::NotObjected => "not_objected",
            Decision::NoConsent => "no_consent",
            Decision::Withdrawn => "withdrawn",
            Decision::Prohibited => "prohibited",
            Decision::Restricted => "restricted",
            Decision::Erased => "erased",
        }
    }

    pub fn allows(self) -> bool {
        matches!(self, Decision::Granted | Decision::NotObjected)
    }
}

/// May the company contact the person by this channel for this purpose?
/// Erasure and restriction first, then the person's latest word, then the
/// law's default.
pub fn decide(
    history: &[PermissionEvent],
    channel: Channel,
    purpose: MarketingPurpose,
    standing: Standing,
) -> Decision {
    if standing.erased {
        return Decision::Erased;
    }
    if standing.restricted {
        return Decision::Restricted;
    }
    match current_state(history, channel, purpose) {
        Some(PermissionState::Granted) => Decision::Granted,
        Some(PermissionState::Withdrawn) => Decision::Withdrawn,
        Some(PermissionState::Prohibited) => Decision::Prohibited,
        None => match default_for(channel, purpose, standing) {
            LegalDefault::OptOut => Decision::NotObjected,
            LegalDefault::OptIn => Decision::NoConsent,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_micros(s * 1_000_000)
    }

    fn event(
        channel: Channel,
        purpose: MarketingPurpose,
        state: PermissionState,
        s: i64,
    ) -> PermissionEvent {
        PermissionEvent {
            channel,
            purpose,
            state,
            at: at(s),
        }
    }

    const PRIVATE: Standing = Standing {
        organisation_role: false,
        existing_customer: false,
        restricted: false,
        erased: false,
    };

    #[test]
    fn r15_defaults_follow_finnish_law() {
        use Channel::*;
        use MarketingPurpose::*;
        let customer = Standing {
            existing_customer: true,
            ..PRIVATE
        };
        let b2b = Standing {
            organisation_role: true,
            ..PRIVATE
        };
        // Electronic to a private person: opt-in.
        assert_eq!(
            decide(&[], Email, DirectMarketing, PRIVATE),
            Decision::NoConsent
        );
        assert_eq!(
            decide(&[], Sms, MarketResearch, PRIVATE),
            Decision::NoConsent
        );
        // … except similar products to an existing customer.
        assert_eq!(
            decide(&[], Email, DirectMarketing, customer),
            Decision::NotObjected
        );
        assert_eq!(
            decide(&[], Sms, DistanceSelling, customer),
            Decision::NotObjected
        );
        assert_eq!(
            decide(&[], Email, MarketResearch, customer),
            Decision::NoConsent
        );
        // In an organisation role, and by letter or phone: opt-out.
        assert_eq!(
            decide(&[], Email, TargetedContent, b2b),
            Decision::NotObjected
        );
        assert_eq!(
            decide(&[], Letter, DirectMarketing, PRIVATE),
            Decision::NotObjected
        );
        assert_eq!(
            decide(&[], Phone, MarketResearch, PRIVATE),
            Decision::NotObjected
        );
    }

    #[test]
    fn r15_a_prohibition_takes_effect_at_once_and_the_latest_word_counts() {
        use Channel::*;
        use MarketingPurpose::*;
        use PermissionState::*;
        let mut history = vec![event(Email, DirectMarketing, Granted, 10)];
        assert_eq!(
            decide(&history, Email, DirectMarketing, PRIVATE),
            Decision::Granted
        );
        history.push(event(Email, DirectMarketing, Prohibited, 20));
        assert_eq!(
            decide(&history, Email, DirectMarketing, PRIVATE),
            Decision::Prohibited
        );
        // Other channels and purposes keep their own state.
        assert_eq!(
            decide(&history, Letter, DirectMarketing, PRIVATE),
            Decision::NotObjected
        );
        assert_eq!(
            decide(&history, Email, MarketResearch, PRIVATE),
            Decision::NoConsent
        );
        // Two events at one moment: the one recorded last.
        history.push(event(Email, DirectMarketing, Granted, 20));
        assert_eq!(
            decide(&history, Email, DirectMarketing, PRIVATE),
            Decision::Granted
        );
        // An event recorded late about an earlier moment does not win.
        history.push(event(Email, DirectMarketing, Withdrawn, 15));
        assert_eq!(
            decide(&history, Email, DirectMarketing, PRIVATE),
            Decision::Granted
        );
    }

    #[test]
    fn r18_r21_restricted_or_erased_people_are_contacted_by_no_one() {
        let granted = [event(
            Channel::Letter,
            MarketingPurpose::DirectMarketing,
            PermissionState::Granted,
            1,
        )];
        for (standing, decision) in [
            (
                Standing {
                    restricted: true,
                    ..PRIVATE
                },
                Decision::Restricted,
            ),
            (
                Standing {
                    erased: true,
                    ..PRIVATE
                },
                Decision::Erased,
            ),
        ] {
            let d = decide(
                &granted,
                Channel::Letter,
                MarketingPurpose::DirectMarketing,
                standing,
            );
            assert_eq!(d, decision);
            assert!(!d.allows());
        }
    }

    /// The rules written out another way: walk the history backwards for
    /// the newest event, and read the default off a table.
    fn independent(
        history: &[PermissionEvent],
        c: Channel,
        p: MarketingPurpose,
        s: Standing,
    ) -> bool {
        if s.erased || s.restricted {
            return false;
        }
        let mut newest: Option<&PermissionEvent> = None;
        for e in history.iter().rev() {
            if e.channel == c && e.purpose == p && newest.is_none_or(|n| e.at > n.at) {
                newest = Some(e);
            }
        }
        if let Some(e) = newest {
            return e.state == PermissionState::Granted;
        }
        // Opt-out: letter and phone, any organisation role, and selling to
        // an existing customer; everything else electronic is opt-in.
        matches!(c, Channel::Letter | Channel::Phone)
            || s.organisation_role
            || (s.existing_customer
                && matches!(
                    p,
                    MarketingPurpose::DirectMarketing | MarketingPurpose::DistanceSelling
                ))
    }

    fn any_event() -> impl Strategy<Value = PermissionEvent> {
        (
            prop::sample::select(Channel::ALL),
            prop::sample::select(MarketingPurpose::ALL),
            prop::sample::select(PermissionState::ALL),
            0i64..20,
        )
            .prop_map(|(channel, purpose, state, s)| event(channel, purpose, state, s))
    }

    proptest! {
        /// R15: whatever the history and standing, the decision is the
        /// independent reading of the rules.
        #[test]
        fn r15_decisions_match_an_independent_reading_of_the_rules(
            history in prop::collection::vec(any_event(), 0..30),
            flags in any::<(bool, bool, bool, bool)>(),
        ) {
            let standing = Standing {
                organisation_role: flags.0,
                existing_customer: flags.1,
                restricted: flags.2,
                erased: flags.3,
            };
            for &c in Channel::ALL {
                for &p in MarketingPurpose::ALL {
                    prop_assert_eq!(
                        decide(&history, c, p, standing).allows(),
                        independent(&history, c, p, standing),
                        "{} {}", c, p
                    );
                }
            }
        }
    }
}
