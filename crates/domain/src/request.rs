//! Data-subject requests as cases (R14–R21, B4): what was asked, how it
//! came, who asked, and the deadline the answer is owed by.
//!
//! The deadline (R14, GDPR 12(3)): an answer period from receipt — three
//! weeks by default, configurable, never beyond one month —; an extension
//! by up to two further months, only with a reason told to the person
//! within the first month. A repeat access request within 12 months is
//! flagged (GDPR 12(5), 15(3)): the officer may record a fee or a refusal
//! with its justification; nothing is charged automatically.

use crate::error::{Errors, FieldError, Invalid};
use crate::ids::{PersonId, RequestId, UserId};
use crate::provenance::code_enum;
use crate::time::{Date, Timestamp};
use crate::values::{Email, Name, Parse, Text, parse_field, parse_optional};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// The rights a request asks for.
    RequestKind {
        /// A copy of everything held (R14).
        Access = "access",
        /// The person's data in a machine-readable file (R16).
        Portability = "portability",
        /// Correct, delete or complete data (R17).
        Rectification = "rectification",
        /// Restrict processing (R18).
        Restriction = "restriction",
        /// Object, or prohibit marketing (R15, R21).
        Objection = "objection",
        /// Erase everything not held by law (R8, R21).
        Erasure = "erasure",
        /// Anonymise where it applies (R21).
        Anonymisation = "anonymisation",
    }
);

code_enum!(
    /// How the request reached the register.
    RequestChannel {
        /// Email to the register's contact person.
        Email = "email",
        /// The public privacy portal.
        Portal = "portal",
        /// A signed letter.
        Letter = "letter",
    }
);

code_enum!(
    /// Where a case is in its life.
    RequestStatus {
        Received = "received",
        Verified = "verified",
        InProgress = "in_progress",
        Answered = "answered",
        Closed = "closed",
    }
);

code_enum!(
    /// How the requester's identity was established (R14).
    IdentityMethod {
        /// The portal's single-use email link was followed.
        PortalLink = "portal_link",
        /// The request came by email from an address on the person's record.
        EmailOnRecord = "email_on_record",
        /// The officer recorded how (a signed letter, a call back, an id).
        OfficerRecorded = "officer_recorded",
    }
);

code_enum!(
    /// How a request was answered.
    Outcome {
        Fulfilled = "fulfilled",
        Partly = "partly",
        Refused = "refused",
    }
);

code_enum!(
    /// The officer's decision on a repeat or excessive request (GDPR 12(5)).
    FeeDecision {
        /// Free after all.
        Free = "free",
        /// A reasonable fee, with its amount and justification.
        Fee = "fee",
        /// Refused as manifestly unfounded or excessive.
        Refusal = "refusal",
    }
);

impl RequestStatus {
    /// Still owed an answer (the deadline board's cases).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Received | Self::Verified | Self::InProgress)
    }
}

/// The answer period counted from receipt (R14): 1–31 days, default 21.
/// The deadline never passes one calendar month from receipt either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerPeriod(u8);

impl AnswerPeriod {
    pub const DEFAULT_DAYS: u8 = 21;

    pub fn days(self) -> u8 {
        self.0
    }

    /// The deadline for a request received on `received`.
    pub fn deadline(self, received: Date) -> Date {
        received
            .plus_days(i32::from(self.0))
            .min(plus_months(received, 1))
    }
}

impl Default for AnswerPeriod {
    fn default() -> Self {
        Self(Self::DEFAULT_DAYS)
    }
}

impl Parse for AnswerPeriod {
    fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().parse::<u8>() {
            Ok(days @ 1..=31) => Ok(Self(days)),
            _ => Err("must be a number of days from 1 to 31 (never beyond one month)".into()),
        }
    }
}

/// `date` plus `months` calendar months (31 January + 1 month = 28 or 29
/// February).
pub fn plus_months(date: Date, months: i8) -> Date {
    date.to_jiff()
        .checked_add(jiff::Span::new().months(months))
        .ok()
        .and_then(|d| Date::new(d.year(), d.month(), d.day()))
        .unwrap_or(date)
}

/// The latest an extended deadline may be: two further months after the
/// first month (GDPR 12(3)).
pub fn extension_limit(received: Date) -> Date {
    plus_months(received, 3)
}

/// Days from `today` to `due`: negative when overdue.
pub fn days_left(due: Date, today: Date) -> i64 {
    today
        .to_jiff()
        .until(due.to_jiff())
        .map(|span| i64::from(span.get_days()))
        .unwrap_or(0)
}

/// The privacy officer's reminders: 7 and 2 days before the deadline (B4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    SevenDays,
    TwoDays,
}

impl Reminder {
    pub fn days(self) -> i64 {
        match self {
            Self::SevenDays => 7,
            Self::TwoDays => 2,
        }
    }
}

/// The reminder owed today, if any: the two-day one first; a case found
/// late (under two days left, seven never sent) gets only the two-day one.
pub fn reminder_due(due: Date, today: Date, sent_seven: bool, sent_two: bool) -> Option<Reminder> {
    let left = days_left(due, today);
    if left <= 2 && !sent_two {
        Some(Reminder::TwoDays)
    } else if left <= 7 && left > 2 && !sent_seven {
        Some(Reminder::SevenDays)
    } else {
        None
    }
}

/// Whether an access (or portability) request received at `received` repeats
/// one of `earlier` (kind and receipt) within 12 months.
pub fn repeats(kind: RequestKind, received: Date, earlier: (RequestKind, Date)) -> bool {
    let copies = |k: RequestKind| matches!(k, RequestKind::Access | RequestKind::Portability);
    copies(kind)
        && copies(earlier.0)
        && earlier.1 <= received
        && plus_months(earlier.1, 12) > received
}

/// A request as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct RequestDraft {
    /// `access`, `portability`, `rectification`, `restriction`, `objection`,
    /// `erasure` or `anonymisation`.
    #[schema(required = true, nullable = false)]
    pub kind: Option<String>,
    /// `email`, `portal` or `letter`.
    #[schema(required = true, nullable = false)]
    pub channel: Option<String>,
    /// The person in the register, when known.
    pub person_id: Option<String>,
    /// The requester's identity claims.
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_address: Option<String>,
    /// What and why (required for rectification).
    pub details: Option<String>,
    /// When it was received (RFC 3339); now when left out. Not in the future.
    pub received_at: Option<String>,
}

/// A validated request, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub kind: RequestKind,
    pub channel: RequestChannel,
    pub person_id: Option<PersonId>,
    pub requester_name: Option<Name>,
    pub requester_email: Option<Email>,
    pub requester_address: Option<Text>,
    pub details: Option<Text>,
    pub received_at: Timestamp,
}

impl RequestDraft {
    pub fn parse(&self, now: Timestamp) -> Result<NewRequest, Invalid> {
        let mut errors = Errors::new();
        let kind = errors.take(parse_field::<RequestKind>(
            "kind",
            self.kind.as_deref().unwrap_or(""),
        ));
        let channel = errors.take(parse_field::<RequestChannel>(
            "channel",
            self.channel.as_deref().unwrap_or(""),
        ));
        let person_id = errors.take(parse_optional::<PersonId>(
            "person_id",
            self.person_id.as_deref(),
        ));
        let name = errors.take(parse_optional::<Name>(
            "requester_name",
            self.requester_name.as_deref(),
        ));
        let email = errors.take(parse_optional::<Email>(
            "requester_email",
            self.requester_email.as_deref(),
        ));
        let address = errors.take(parse_optional::<Text>(
            "requester_address",
            self.requester_address.as_deref(),
        ));
        let details = errors.take(parse_optional::<Text>("details", self.details.as_deref()));
        let received_at = errors
            .take(parse_optional::<Timestamp>(
                "received_at",
                self.received_at.as_deref(),
            ))
            .map(|r| r.unwrap_or(now));
        if let Some(r) = received_at
            && r > now
        {
            errors.push(FieldError::invalid(
                "received_at",
                "must not be in the future",
            ));
        }
        if let (Some(None), Some(None), Some(None)) = (&person_id, &name, &email) {
            errors.push(FieldError::invalid(
                "requester_email",
                "is required when neither the person nor the requester's name is given",
            ));
        }
        if let (Some(RequestKind::Rectification), Some(None)) = (kind, &details) {
            errors.push(FieldError::invalid(
                "details",
                "must say what is wrong and why for a rectification",
            ));
        }
        errors.finish(|| {
            Some(NewRequest {
                kind: kind?,
                channel: channel?,
                person_id: person_id?,
                requester_name: name?,
                requester_email: email?,
                requester_address: address?,
                details: details?,
                received_at: received_at?,
            })
        })
    }
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RequestCase {
    pub id: RequestId,
    pub version: i64,
    pub kind: RequestKind,
    pub channel: RequestChannel,
    pub status: RequestStatus,
    pub person_id: Option<PersonId>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_address: Option<String>,
    pub details: Option<String>,
    pub received_at: Timestamp,
    /// The deadline now: the extended one when extended.
    pub due_on: Date,
    pub extended_to: Option<Date>,
    pub extension_reason: Option<String>,
    pub identity_method: Option<IdentityMethod>,
    pub identity_note: Option<String>,
    pub verified_at: Option<Timestamp>,
    pub outcome: Option<Outcome>,
    pub answer: Option<String>,
    pub answered_at: Option<Timestamp>,
    /// The earlier access request this one repeats within 12 months.
    pub repeat_of: Option<RequestId>,
    pub fee_decision: Option<FeeDecision>,
    pub fee_cents: Option<i64>,
    pub fee_justification: Option<String>,
    pub closed_at: Option<Timestamp>,
    pub created_by: Option<UserId>,
}

impl RequestCase {
    /// The deadline in force: the extension's, else the first.
    pub fn deadline(&self) -> Date {
        self.extended_to.unwrap_or(self.due_on)
    }

    /// Days left to answer, from `today` (negative: overdue).
    pub fn days_left(&self, today: Date) -> i64 {
        days_left(self.deadline(), today)
    }

    /// Whether the officer may take `step` now; the error names the field.
    pub fn may(&self, step: Step, today: Date) -> Result<(), FieldError> {
        use RequestStatus::*;
        let status_error = || {
            FieldError::invalid(
                "status",
                format!("a {} request cannot be {}", self.status, step.past()),
            )
        };
        match step {
            Step::Verify => matches!(self.status, Received)
                .then_some(())
                .ok_or_else(status_error),
            Step::Start => matches!(self.status, Received | Verified)
                .then_some(())
                .ok_or_else(status_error),
            Step::Answer(outcome) => {
                if !self.status.is_open() {
                    return Err(status_error());
                }
                // Only a refusal may be given to someone not identified
                // (for example: identity could not be established).
                if outcome != Outcome::Refused && self.verified_at.is_none() {
                    return Err(FieldError::invalid(
                        "outcome",
                        "the requester's identity must be verified before the request is fulfilled",
                    ));
                }
                Ok(())
            }
            Step::Close => matches!(self.status, Answered)
                .then_some(())
                .ok_or_else(status_error),
            Step::Extend(to) => {
                if !self.status.is_open() {
                    return Err(status_error());
                }
                let received = self.received_at.date();
                if today > plus_months(received, 1) {
                    return Err(FieldError::invalid(
                        "extended_to",
                        "an extension must be told to the person within the first month",
                    ));
                }
                if to <= self.deadline() {
                    return Err(FieldError::invalid(
                        "extended_to",
                        "must be later than the deadline now",
                    ));
                }
                if to > extension_limit(received) {
                    return Err(FieldError::invalid(
                        "extended_to",
                        format!(
                            "may be at most two further months: {} at the latest",
                            extension_limit(received)
                        ),
                    ));
                }
                Ok(())
            }
        }
    }
}

/// A step of the case's life the officer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Verify,
    Start,
    Answer(Outcome),
    Close,
    Extend(Date),
}

impl Step {
    fn past(self) -> &'static str {
        match self {
            Step::Verify => "verified",
            Step::Start => "started",
            Step::Answer(_) => "answered",
            Step::Close => "closed",
            Step::Extend(_) => "extended",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(raw: &str) -> Date {
        Date::parse(raw).unwrap()
    }

    // R14: three weeks by default, never beyond one calendar month.
    #[test]
    fn r14_the_deadline_is_three_weeks_and_never_beyond_a_month() {
        assert_eq!(
            AnswerPeriod::default().deadline(d("2026-11-24")),
            d("2026-12-15")
        );
        let month = AnswerPeriod::parse("31").unwrap();
        assert_eq!(month.deadline(d("2026-01-31")), d("2026-02-28"));
        assert_eq!(month.deadline(d("2026-03-01")), d("2026-04-01"));
        assert!(AnswerPeriod::parse("32").is_err());
        assert!(AnswerPeriod::parse("0").is_err());
    }

    fn case(received: &str, status: RequestStatus) -> RequestCase {
        let at = Timestamp::parse(&format!("{received}T09:00:00Z")).unwrap();
        RequestCase {
            id: RequestId::new(at),
            version: 1,
            kind: RequestKind::Access,
            channel: RequestChannel::Email,
            status,
            person_id: None,
            requester_name: None,
            requester_email: None,
            requester_address: None,
            details: None,
            received_at: at,
            due_on: AnswerPeriod::default().deadline(d(received)),
            extended_to: None,
            extension_reason: None,
            identity_method: None,
            identity_note: None,
            verified_at: None,
            outcome: None,
            answer: None,
            answered_at: None,
            repeat_of: None,
            fee_decision: None,
            fee_cents: None,
            fee_justification: None,
            closed_at: None,
            created_by: None,
        }
    }

    // R14, GDPR 12(3): up to two further months, told within the first.
    #[test]
    fn r14_an_extension_is_told_within_the_first_month_and_at_most_two_months() {
        let c = case("2026-01-10", RequestStatus::InProgress);
        assert!(
            c.may(Step::Extend(d("2026-04-10")), d("2026-02-01"))
                .is_ok()
        );
        let too_far = c
            .may(Step::Extend(d("2026-04-11")), d("2026-02-01"))
            .unwrap_err();
        assert_eq!(too_far.field, "extended_to");
        assert!(
            c.may(Step::Extend(d("2026-03-01")), d("2026-02-11"))
                .is_err()
        );
        assert!(
            c.may(Step::Extend(d("2026-01-20")), d("2026-01-12"))
                .is_err()
        );
    }

    // R14: only a refusal may answer someone whose identity is not verified.
    #[test]
    fn r14_an_unverified_request_can_only_be_refused() {
        let mut c = case("2026-01-10", RequestStatus::Received);
        let today = d("2026-01-11");
        assert!(c.may(Step::Answer(Outcome::Fulfilled), today).is_err());
        assert!(c.may(Step::Answer(Outcome::Refused), today).is_ok());
        c.verified_at = Some(c.received_at);
        assert!(c.may(Step::Answer(Outcome::Fulfilled), today).is_ok());
        assert!(c.may(Step::Close, today).is_err());
    }

    // B4: reminders 7 and 2 days before, each once.
    #[test]
    fn b4_reminders_come_seven_and_two_days_before() {
        let due = d("2026-12-15");
        assert_eq!(reminder_due(due, d("2026-12-07"), false, false), None);
        assert_eq!(
            reminder_due(due, d("2026-12-08"), false, false),
            Some(Reminder::SevenDays)
        );
        assert_eq!(reminder_due(due, d("2026-12-09"), true, false), None);
        assert_eq!(
            reminder_due(due, d("2026-12-13"), true, false),
            Some(Reminder::TwoDays)
        );
        assert_eq!(
            reminder_due(due, d("2026-12-13"), false, false),
            Some(Reminder::TwoDays)
        );
        assert_eq!(reminder_due(due, d("2026-12-14"), true, true), None);
        assert_eq!(days_left(due, d("2026-12-17")), -2);
    }

    // R14: a repeat of an access request within 12 months is flagged.
    #[test]
    fn r14_a_repeat_within_twelve_months_is_flagged() {
        let earlier = (RequestKind::Access, d("2026-01-10"));
        assert!(repeats(RequestKind::Access, d("2027-01-09"), earlier));
        assert!(repeats(RequestKind::Portability, d("2026-06-01"), earlier));
        assert!(!repeats(RequestKind::Access, d("2027-01-10"), earlier));
        assert!(!repeats(RequestKind::Erasure, d("2026-06-01"), earlier));
    }

    #[test]
    fn r17_a_rectification_says_what_and_why() {
        let draft = RequestDraft {
            kind: Some("rectification".into()),
            channel: Some("letter".into()),
            requester_name: Some("Maija Meikäläinen".into()),
            ..Default::default()
        };
        let err = draft.parse(Timestamp::from_micros(0)).unwrap_err();
        assert!(err.0.iter().any(|e| e.field == "details"));
    }
}
