//! Manual material (R10): paper documents kept about a person — a signed
//! contract, a printed order, a letter — each with its kind, date, archive
//! location and keeper. The notice keeps them locked and shown only to
//! users who signed a confidentiality commitment. An erasure or a
//! retention action on the person opens the task of destroying each one;
//! the officer confirms it with the date it was destroyed.

use crate::error::{Errors, FieldError, Invalid};
use crate::ids::{PaperDocumentId, PersonId, UserId};
use crate::time::{Date, Timestamp};
use crate::values::{Name, parse_field, parse_optional};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A paper document as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct PaperDocumentDraft {
    /// What it is ("signed service contract").
    #[schema(required = true, nullable = false)]
    pub kind: Option<String>,
    /// Its date (`YYYY-MM-DD`), if it has one.
    pub dated_on: Option<String>,
    /// Where it is kept ("Kuopio office, locked cabinet 2, binder 2026").
    #[schema(required = true, nullable = false)]
    pub location: Option<String>,
    /// Who keeps it.
    #[schema(required = true, nullable = false)]
    pub keeper: Option<String>,
}

/// A paper document ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPaperDocument {
    pub kind: Name,
    pub dated_on: Option<Date>,
    pub location: Name,
    pub keeper: Name,
}

impl PaperDocumentDraft {
    pub fn parse(&self, today: Date) -> Result<NewPaperDocument, Invalid> {
        let mut errors = Errors::new();
        let field = |raw: &Option<String>| raw.clone().unwrap_or_default();
        let kind = errors.take(parse_field::<Name>("kind", &field(&self.kind)));
        let dated_on = errors
            .take(parse_optional::<Date>("dated_on", self.dated_on.as_deref()))
            .flatten();
        if dated_on.is_some_and(|d| d > today) {
            errors.push(FieldError::invalid("dated_on", "is in the future"));
        }
        let location = errors.take(parse_field::<Name>("location", &field(&self.location)));
        let keeper = errors.take(parse_field::<Name>("keeper", &field(&self.keeper)));
        errors.finish(|| {
            Some(NewPaperDocument {
                kind: kind?,
                dated_on,
                location: location?,
                keeper: keeper?,
            })
        })
    }
}

/// A paper document as stored. Once the person is erased only the kind,
/// location and keeper stay, with the bare id, as the task and its proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaperDocument {
    pub id: PaperDocumentId,
    pub person_id: PersonId,
    pub kind: String,
    pub dated_on: Option<Date>,
    pub location: String,
    pub keeper: String,
    pub recorded_at: Timestamp,
    pub recorded_by: Option<UserId>,
    /// The erasure or retention action that asks for its destruction.
    pub destroy_from: Option<Timestamp>,
    /// Confirmed destroyed on this day.
    pub destroyed_on: Option<Date>,
    pub destroyed_by: Option<UserId>,
}

impl PaperDocument {
    /// The destruction is asked for and not yet confirmed.
    pub fn to_destroy(&self) -> bool {
        self.destroy_from.is_some() && self.destroyed_on.is_none()
    }
}

/// The day a destruction is confirmed as done: not before the task opened,
/// not in the future.
pub fn destroyed_on(raw: Option<&str>, opened: Timestamp, today: Date) -> Result<Date, FieldError> {
    let on = parse_optional::<Date>("destroyed_on", raw)?.unwrap_or(today);
    if on > today {
        return Err(FieldError::invalid("destroyed_on", "is in the future"));
    }
    if on < opened.date() {
        return Err(FieldError::invalid(
            "destroyed_on",
            "is before the destruction was asked for",
        ));
    }
    Ok(on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Parse;

    #[test]
    fn r10_a_paper_document_needs_kind_location_and_keeper() {
        let today = Date::parse("2026-12-02").unwrap();
        let error = PaperDocumentDraft::default().parse(today).unwrap_err();
        let fields: Vec<_> = error.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "location", "keeper"]);
        let doc = PaperDocumentDraft {
            kind: Some("signed contract".into()),
            dated_on: Some("2026-12-03".into()),
            location: Some("cabinet 2".into()),
            keeper: Some("Office manager".into()),
        };
        assert_eq!(doc.parse(today).unwrap_err().0[0].field, "dated_on");
    }

    #[test]
    fn r10_a_destruction_is_dated_between_the_task_and_today() {
        let today = Date::parse("2026-12-02").unwrap();
        let opened = Timestamp::parse("2026-11-30T10:00:00Z").unwrap();
        assert_eq!(destroyed_on(None, opened, today).unwrap(), today);
        assert!(destroyed_on(Some("2026-11-29"), opened, today).is_err());
        assert!(destroyed_on(Some("2026-12-03"), opened, today).is_err());
        assert!(destroyed_on(Some("2026-11-30"), opened, today).is_ok());
    }
}
