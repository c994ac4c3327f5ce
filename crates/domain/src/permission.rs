//! Recording marketing permissions (R15, R21): one immutable event per
//! change, given on a versioned wording stored once. What the events mean
//! is `marketing::decide`'s to say; this module parses what a client sends.

use crate::error::{Errors, FieldError, Invalid};
use crate::ids::{PermissionEventId, PersonId, UserId, WordingId};
use crate::marketing::{Channel, LegalDefault, MarketingPurpose, PermissionState};
use crate::person::parse_source;
use crate::provenance::Source;
use crate::purpose::LegalBasis;
use crate::time::Timestamp;
use crate::values::{Code, Text, parse_field, parse_optional};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A wording as a client sends it: the text a person is shown when asked
/// (a sign-up form's consent line). Each new text of a key is its next
/// version; the same text again is the version already stored.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct WordingDraft {
    /// What the text is for, such as `newsletter-signup`.
    #[schema(required = true, nullable = false)]
    pub key: Option<String>,
    /// `fi` or `en` (or another ISO 639-1 code).
    pub language: Option<String>,
    /// The exact text shown.
    #[schema(required = true, nullable = false)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWording {
    pub key: Code,
    pub language: String,
    pub text: Text,
}

impl WordingDraft {
    pub fn parse(&self) -> Result<NewWording, Invalid> {
        let mut errors = Errors::new();
        let key = errors.take(parse_field::<Code>(
            "key",
            self.key.as_deref().unwrap_or(""),
        ));
        let language = self.language.as_deref().unwrap_or("").trim().to_lowercase();
        if language.len() != 2 || !language.chars().all(|c| c.is_ascii_lowercase()) {
            errors.push(FieldError::invalid(
                "language",
                "must be a two-letter language code such as fi",
            ));
        }
        let text = errors.take(parse_field::<Text>(
            "text",
            self.text.as_deref().unwrap_or(""),
        ));
        errors.finish(|| {
            Some(NewWording {
                key: key?,
                language,
                text: text?,
            })
        })
    }
}

/// A stored wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Wording {
    pub id: WordingId,
    pub key: String,
    pub version: i64,
    pub language: String,
    pub text: String,
    pub created_at: Timestamp,
    pub created_by: Option<UserId>,
}

/// One permission event as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct PermissionDraft {
    /// `email`, `sms`, `phone` or `letter`.
    #[schema(required = true, nullable = false)]
    pub channel: Option<String>,
    /// `direct_marketing`, `distance_selling`, `market_research` or `targeted_content`.
    #[schema(required = true, nullable = false)]
    pub purpose: Option<String>,
    /// `granted`, `withdrawn` or `prohibited`.
    #[schema(required = true, nullable = false)]
    pub state: Option<String>,
    /// When the person said it (RFC 3339); now when left out. Not in the future.
    pub given_at: Option<String>,
    /// Where the word came from (R5); `staff_entry` when left out.
    pub source: Option<String>,
    pub source_detail: Option<String>,
    /// The wording shown (`/api/v1/wordings`); required for `granted`:
    /// consent is given to a text.
    pub wording_id: Option<String>,
    /// Left out: consent for an opt-in channel, legitimate interests for an
    /// opt-out one (R15).
    pub legal_basis: Option<String>,
}

/// A validated event, not yet stored. `legal_basis` `None`: the law's
/// default, which depends on the person's standing (the store knows it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPermissionEvent {
    pub channel: Channel,
    pub purpose: MarketingPurpose,
    pub state: PermissionState,
    pub given_at: Timestamp,
    pub source: Source,
    pub source_detail: Option<String>,
    pub wording_id: Option<WordingId>,
    pub legal_basis: Option<LegalBasis>,
}

impl PermissionDraft {
    pub fn parse(&self, now: Timestamp) -> Result<NewPermissionEvent, Invalid> {
        let mut errors = Errors::new();
        let channel = errors.take(parse_field::<Channel>(
            "channel",
            self.channel.as_deref().unwrap_or(""),
        ));
        let purpose = errors.take(parse_field::<MarketingPurpose>(
            "purpose",
            self.purpose.as_deref().unwrap_or(""),
        ));
        let state = errors.take(parse_field::<PermissionState>(
            "state",
            self.state.as_deref().unwrap_or(""),
        ));
        let given_at = errors
            .take(parse_optional::<Timestamp>(
                "given_at",
                self.given_at.as_deref(),
            ))
            .map(|g| g.unwrap_or(now));
        if let Some(g) = given_at
            && g > now
        {
            errors.push(FieldError::invalid("given_at", "must not be in the future"));
        }
        let source = errors.take(parse_source(
            self.source.as_deref(),
            self.source_detail.as_deref(),
        ));
        let wording_id = errors.take(parse_optional::<WordingId>(
            "wording_id",
            self.wording_id.as_deref(),
        ));
        if let (Some(PermissionState::Granted), Some(None)) = (state, wording_id) {
            errors.push(FieldError {
                field: "wording_id".into(),
                code: "required",
                message: "is required for granted: consent is given to the text shown".into(),
            });
        }
        let legal_basis = errors.take(parse_optional::<LegalBasis>(
            "legal_basis",
            self.legal_basis.as_deref(),
        ));
        errors.finish(|| {
            let (source, source_detail) = source?;
            Some(NewPermissionEvent {
                channel: channel?,
                purpose: purpose?,
                state: state?,
                given_at: given_at?,
                source,
                source_detail,
                wording_id: wording_id?,
                legal_basis: legal_basis?,
            })
        })
    }
}

/// The legal basis of marketing by default: consent where the law asks
/// for it (opt-in), legitimate interests where it does not (opt-out).
pub fn default_legal_basis(default: LegalDefault) -> LegalBasis {
    match default {
        LegalDefault::OptIn => LegalBasis::Consent,
        LegalDefault::OptOut => LegalBasis::LegitimateInterests,
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PermissionRecord {
    pub id: PermissionEventId,
    pub person_id: PersonId,
    pub channel: Channel,
    pub purpose: MarketingPurpose,
    pub state: PermissionState,
    pub given_at: Timestamp,
    pub source: Source,
    pub source_detail: Option<String>,
    pub wording_id: Option<WordingId>,
    pub legal_basis: LegalBasis,
    pub recorded_by: Option<UserId>,
    pub recorded_at: Timestamp,
}

impl PermissionRecord {
    /// The parts the rules read.
    pub fn event(&self) -> crate::marketing::PermissionEvent {
        crate::marketing::PermissionEvent {
            channel: self.channel,
            purpose: self.purpose,
            state: self.state,
            at: self.given_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::from_micros(1_800_000_000_000_000)
    }

    #[test]
    fn r15_consent_is_given_to_a_wording_and_never_in_the_future() {
        let draft = PermissionDraft {
            channel: Some("email".into()),
            purpose: Some("direct_marketing".into()),
            state: Some("granted".into()),
            given_at: Some("2099-01-01T00:00:00Z".into()),
            ..Default::default()
        };
        let errors = draft.parse(now()).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["given_at", "wording_id"]);
        let prohibition = PermissionDraft {
            channel: Some("sms".into()),
            purpose: Some("market_research".into()),
            state: Some("prohibited".into()),
            ..Default::default()
        }
        .parse(now())
        .unwrap();
        assert_eq!(prohibition.given_at, now());
        assert_eq!(prohibition.source, Source::StaffEntry);
        assert_eq!(prohibition.legal_basis, None);
    }

    #[test]
    fn r15_unknown_channels_purposes_and_states_are_named() {
        let errors = PermissionDraft {
            channel: Some("pigeon".into()),
            purpose: Some("spam".into()),
            state: Some("maybe".into()),
            ..Default::default()
        }
        .parse(now())
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["channel", "purpose", "state"]);
    }

    #[test]
    fn r15_a_wording_has_a_key_a_language_and_a_text() {
        let errors = WordingDraft {
            key: Some("".into()),
            language: Some("finnish".into()),
            text: None,
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["key", "language", "text"]);
    }
}
