//! Legal holds (R8, R9): the privacy notice erases data "unless law
//! prevents it". The privacy officer places a hold on a person with a
//! reason (a dispute, an authority's order, a claim being handled), a
//! reference (the case or file number) and an optional end. While it is in
//! force it blocks the person's erasure and every retention action on
//! them, as an open invoice does, and the erasure waits for it to end.

use crate::erasure::Hold;
use crate::error::{Errors, Invalid};
use crate::ids::{LegalHoldId, PersonId, UserId};
use crate::time::{Date, Timestamp};
use crate::values::{Name, Text, parse_field, parse_optional};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A legal hold as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct LegalHoldDraft {
    /// Why the data must be kept, in words the person will read in the
    /// answer to an erasure request ("a dispute over invoice 1042 is
    /// pending in the district court").
    pub reason: Option<String>,
    /// The case or file number the hold rests on.
    pub reference: Option<String>,
    /// When it ends (`YYYY-MM-DD`); none: until the officer ends it.
    pub ends_on: Option<String>,
}

/// A legal hold ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLegalHold {
    pub reason: Text,
    pub reference: Name,
    pub ends_on: Option<Date>,
}

impl LegalHoldDraft {
    /// Checked on `today`: a reason and a reference are required; an end
    /// in the past is refused (the hold would never be in force).
    pub fn parse(&self, today: Date) -> Result<NewLegalHold, Invalid> {
        let mut errors = Errors::new();
        let reason = errors.take(parse_field::<Text>(
            "reason",
            self.reason.as_deref().unwrap_or(""),
        ));
        let reference = errors.take(parse_field::<Name>(
            "reference",
            self.reference.as_deref().unwrap_or(""),
        ));
        let ends_on = errors
            .take(parse_optional::<Date>("ends_on", self.ends_on.as_deref()))
            .flatten();
        if let Some(end) = ends_on
            && end < today
        {
            errors.push(crate::error::FieldError::invalid(
                "ends_on",
                "is in the past: a hold must end today or later",
            ));
        }
        errors.finish(|| {
            Some(NewLegalHold {
                reason: reason?,
                reference: reference?,
                ends_on,
            })
        })
    }
}

/// A legal hold as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LegalHold {
    pub id: LegalHoldId,
    pub person_id: PersonId,
    pub reason: String,
    pub reference: String,
    pub ends_on: Option<Date>,
    pub placed_at: Timestamp,
    pub placed_by: Option<UserId>,
    /// Ended early by the officer.
    pub ended_at: Option<Timestamp>,
    pub ended_by: Option<UserId>,
}

impl LegalHold {
    /// In force on `today`: not ended, and its end date not passed.
    pub fn in_force(&self, today: Date) -> bool {
        self.ended_at.is_none() && self.ends_on.is_none_or(|end| end >= today)
    }

    /// The hold as an erasure's hold.
    pub fn hold(&self) -> Hold {
        Hold::LegalHold {
            hold_id: self.id,
            reason: self.reason.clone(),
            reference: self.reference.clone(),
            until: self.ends_on,
        }
    }
}

/// The holds of those in force on `today`.
pub fn holds_in_force(holds: &[LegalHold], today: Date) -> Vec<Hold> {
    holds
        .iter()
        .filter(|h| h.in_force(today))
        .map(LegalHold::hold)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Parse;

    fn date(raw: &str) -> Date {
        Date::parse(raw).unwrap()
    }

    #[test]
    fn r8_a_hold_needs_a_reason_and_a_reference_and_no_past_end() {
        let today = date("2026-12-02");
        let error = LegalHoldDraft::default().parse(today).unwrap_err();
        let fields: Vec<_> = error.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["reason", "reference"]);
        let past = LegalHoldDraft {
            reason: Some("dispute".into()),
            reference: Some("KO 12/2026".into()),
            ends_on: Some("2026-12-01".into()),
        };
        assert_eq!(past.parse(today).unwrap_err().0[0].field, "ends_on");
        let ok = LegalHoldDraft {
            ends_on: Some("2026-12-02".into()),
            ..past
        };
        assert_eq!(ok.parse(today).unwrap().ends_on, Some(today));
    }

    #[test]
    fn r8_a_hold_is_in_force_until_its_end_or_until_ended() {
        let today = date("2026-12-02");
        let mut hold = LegalHold {
            id: LegalHoldId::new(Timestamp::from_micros(0)),
            person_id: PersonId::new(Timestamp::from_micros(0)),
            reason: "dispute".into(),
            reference: "KO 12/2026".into(),
            ends_on: Some(today),
            placed_at: Timestamp::from_micros(0),
            placed_by: None,
            ended_at: None,
            ended_by: None,
        };
        assert!(hold.in_force(today));
        assert!(!hold.in_force(today.plus_days(1)));
        assert_eq!(
            holds_in_force(&[hold.clone()], today)[0].code(),
            "legal_hold"
        );
        hold.ends_on = None;
        assert!(hold.in_force(today.plus_days(10_000)));
        hold.ended_at = Some(Timestamp::from_micros(1));
        assert!(!hold.in_force(today));
    }
}
