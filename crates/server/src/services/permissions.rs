//! A person's marketing permissions as every edge shows them (R15): the
//! state of each channel and purpose now, by the rules of Finnish law, and
//! the whole history with the wordings given.

use rekisteri_domain::ids::PersonId;
use rekisteri_domain::marketing::{
    Channel, LegalDefault, MarketingPurpose, PermissionState, current_state, decide, default_for,
};
use rekisteri_domain::permission::{PermissionRecord, Wording};
use rekisteri_store::PermissionHistory;
use serde::Serialize;
use utoipa::ToSchema;

/// Who the person is to the company, as the marketing rules ask.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandingView {
    /// Acts in a role at an organisation today: B2B rules (opt-out).
    pub organisation_role: bool,
    /// Has an order not cancelled: the existing-customer exception applies.
    pub existing_customer: bool,
    /// Processing is restricted (R18): contacted by no one.
    pub restricted: bool,
}

/// A channel and purpose now.
#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionNow {
    pub channel: Channel,
    pub purpose: MarketingPurpose,
    /// The latest event's state; absent when the person has said nothing.
    pub state: Option<PermissionState>,
    /// What the law assumes without an event: `opt_in` or `opt_out`.
    pub default: &'static str,
    /// `granted`, `not_objected`, `no_consent`, `withdrawn`, `prohibited`, `restricted`.
    pub decision: &'static str,
    /// Whether the person may be contacted so.
    pub may_contact: bool,
}

/// A person's permissions: the state of every channel and purpose, and the
/// whole history, newest first, with the wordings referenced.
#[derive(Debug, Serialize, ToSchema)]
pub struct Permissions {
    pub person_id: PersonId,
    pub standing: StandingView,
    pub current: Vec<PermissionNow>,
    pub history: Vec<PermissionRecord>,
    pub wordings: Vec<Wording>,
}

impl Permissions {
    pub fn new(person_id: PersonId, h: PermissionHistory) -> Self {
        let events: Vec<_> = h.events.iter().map(PermissionRecord::event).collect();
        let mut current = Vec::new();
        for channel in Channel::ALL {
            for purpose in MarketingPurpose::ALL {
                let decision = decide(&events, *channel, *purpose, h.standing);
                current.push(PermissionNow {
                    channel: *channel,
                    purpose: *purpose,
                    state: current_state(&events, *channel, *purpose),
                    default: match default_for(*channel, *purpose, h.standing) {
                        LegalDefault::OptIn => "opt_in",
                        LegalDefault::OptOut => "opt_out",
                    },
                    decision: decision.code(),
                    may_contact: decision.allows(),
                });
            }
        }
        let mut history = h.events;
        history.reverse();
        Self {
            person_id,
            standing: StandingView {
                organisation_role: h.standing.organisation_role,
                existing_customer: h.standing.existing_customer,
                restricted: h.standing.restricted,
            },
            current,
            history,
            wordings: h.wordings,
        }
    }
}
