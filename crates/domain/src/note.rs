//! Free text about a customer (R3): history (meeting notes, offers) and
//! upcoming events (actions, meetings with a due time).

use crate::error::{Errors, FieldError, Invalid};
use crate::ids::{NoteId, OrganisationId, PersonId, UserId};
use crate::person::parse_source;
use crate::provenance::{Provenance, Source, code_enum};
use crate::time::Timestamp;
use crate::values::{Text, parse_field, parse_optional};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    NoteKind {
        /// History: notes of a meeting held.
        MeetingNote = "meeting_note",
        /// History: an offer made.
        Offer = "offer",
        /// Upcoming: something to do by a time.
        Action = "action",
        /// Upcoming: a meeting at a time.
        Meeting = "meeting",
    }
);

impl NoteKind {
    /// Upcoming events have a due time; history does not need one.
    pub fn is_upcoming(self) -> bool {
        matches!(self, Self::Action | Self::Meeting)
    }

    /// The kinds in a timeline: `history` or `upcoming`.
    pub fn of_timeline(timeline: &str) -> Option<&'static [NoteKind]> {
        match timeline {
            "history" => Some(&[NoteKind::MeetingNote, NoteKind::Offer]),
            "upcoming" => Some(&[NoteKind::Action, NoteKind::Meeting]),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct NoteDraft {
    pub person_id: Option<String>,
    pub organisation_id: Option<String>,
    /// meeting_note, offer, action, meeting.
    #[schema(required = true, nullable = false)]
    pub kind: Option<String>,
    #[schema(required = true, nullable = false)]
    pub body: Option<String>,
    /// When an action or meeting is due; required for those.
    pub due_at: Option<String>,
    /// When an action was done.
    pub done_at: Option<String>,
    /// The user responsible for an upcoming event.
    pub assigned_to: Option<String>,
    pub source: Option<String>,
    pub source_detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNote {
    pub person_id: Option<PersonId>,
    pub organisation_id: Option<OrganisationId>,
    pub kind: NoteKind,
    pub body: Text,
    pub due_at: Option<Timestamp>,
    pub done_at: Option<Timestamp>,
    pub assigned_to: Option<UserId>,
    pub source: Source,
    pub source_detail: Option<String>,
}

impl NoteDraft {
    pub fn parse(&self) -> Result<NewNote, Invalid> {
        let mut errors = Errors::new();
        let person_id = errors.take(parse_optional::<PersonId>(
            "person_id",
            self.person_id.as_deref(),
        ));
        let organisation_id = errors.take(parse_optional::<OrganisationId>(
            "organisation_id",
            self.organisation_id.as_deref(),
        ));
        if let (Some(None), Some(None)) = (person_id, organisation_id) {
            errors.push(FieldError::required("person_id"));
        }
        let kind = errors.take(parse_field::<NoteKind>(
            "kind",
            self.kind.as_deref().unwrap_or(""),
        ));
        let body = errors.take(parse_field::<Text>(
            "body",
            self.body.as_deref().unwrap_or(""),
        ));
        let due_at = errors.take(parse_optional::<Timestamp>(
            "due_at",
            self.due_at.as_deref(),
        ));
        if let (Some(kind), Some(None)) = (kind, due_at)
            && kind.is_upcoming()
        {
            errors.push(FieldError {
                field: "due_at".into(),
                code: "required",
                message: format!("is required for a {kind}"),
            });
        }
        let done_at = errors.take(parse_optional::<Timestamp>(
            "done_at",
            self.done_at.as_deref(),
        ));
        let assigned_to = errors.take(parse_optional::<UserId>(
            "assigned_to",
            self.assigned_to.as_deref(),
        ));
        let source = errors.take(parse_source(
            self.source.as_deref(),
            self.source_detail.as_deref(),
        ));
        errors.finish(|| {
            let (source, source_detail) = source?;
            Some(NewNote {
                person_id: person_id?,
                organisation_id: organisation_id?,
                kind: kind?,
                body: body?,
                due_at: due_at?,
                done_at: done_at?,
                assigned_to: assigned_to?,
                source,
                source_detail,
            })
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Note {
    pub id: NoteId,
    pub version: i64,
    pub person_id: Option<PersonId>,
    pub organisation_id: Option<OrganisationId>,
    pub kind: NoteKind,
    pub body: String,
    pub due_at: Option<Timestamp>,
    pub done_at: Option<Timestamp>,
    pub assigned_to: Option<UserId>,
    pub created_by: Option<UserId>,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r3_upcoming_events_need_a_due_time() {
        let d = NoteDraft {
            person_id: Some("0196a0b0-0000-7000-8000-000000000000".into()),
            kind: Some("meeting".into()),
            body: Some("Palaveri".into()),
            ..Default::default()
        };
        assert_eq!(d.parse().unwrap_err().first().unwrap().field, "due_at");
        let d = NoteDraft {
            kind: Some("meeting_note".into()),
            ..d
        };
        assert!(d.parse().is_ok());
    }
}
