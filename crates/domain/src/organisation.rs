//! Organisations and the people who represent them. While a person is an
//! organisation's active contact person, their data cannot be erased (R19).

use crate::error::{Errors, FieldError, Invalid};
use crate::ids::{LinkId, OrganisationId, PersonId};
use crate::person::parse_source;
use crate::provenance::{Provenance, Source};
use crate::time::{Date, Timestamp};
use crate::values::{BusinessId, Name, WebUrl, parse_field, parse_optional};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An organisation as a client sends it (create or replace).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct OrganisationDraft {
    #[schema(required = true, nullable = false)]
    pub name: Option<String>,
    /// Finnish business ID (Y-tunnus), check digit verified.
    pub business_id: Option<String>,
    pub website: Option<String>,
    pub source: Option<String>,
    pub source_detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganisation {
    pub name: Name,
    pub business_id: Option<BusinessId>,
    pub website: Option<WebUrl>,
    pub source: Source,
    pub source_detail: Option<String>,
}

impl OrganisationDraft {
    pub fn parse(&self) -> Result<NewOrganisation, Invalid> {
        let mut errors = Errors::new();
        let name = errors.take(parse_field::<Name>(
            "name",
            self.name.as_deref().unwrap_or(""),
        ));
        let business_id = errors.take(parse_optional::<BusinessId>(
            "business_id",
            self.business_id.as_deref(),
        ));
        let website = errors.take(parse_optional::<WebUrl>("website", self.website.as_deref()));
        let source = errors.take(parse_source(
            self.source.as_deref(),
            self.source_detail.as_deref(),
        ));
        errors.finish(|| {
            let (source, source_detail) = source?;
            Some(NewOrganisation {
                name: name?,
                business_id: business_id?,
                website: website?,
                source,
                source_detail,
            })
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Organisation {
    pub id: OrganisationId,
    pub version: i64,
    pub name: String,
    pub business_id: Option<String>,
    pub website: Option<String>,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// "Person represents organisation", as a client sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct LinkDraft {
    #[schema(required = true, nullable = false)]
    pub organisation_id: Option<String>,
    pub title: Option<String>,
    pub started_on: Option<String>,
    pub ended_on: Option<String>,
    /// The person is the organisation's contact person (R19 holds erasure).
    #[serde(default)]
    pub is_contact_person: bool,
    pub source: Option<String>,
    pub source_detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    pub organisation_id: OrganisationId,
    pub title: Option<Name>,
    pub started_on: Option<Date>,
    pub ended_on: Option<Date>,
    pub is_contact_person: bool,
    pub source: Source,
    pub source_detail: Option<String>,
}

impl LinkDraft {
    pub fn parse(&self) -> Result<NewLink, Invalid> {
        let mut errors = Errors::new();
        let organisation_id = errors.take(parse_field::<OrganisationId>(
            "organisation_id",
            self.organisation_id.as_deref().unwrap_or(""),
        ));
        let title = errors.take(parse_optional::<Name>("title", self.title.as_deref()));
        let started_on = errors.take(parse_optional::<Date>(
            "started_on",
            self.started_on.as_deref(),
        ));
        let ended_on = errors.take(parse_optional::<Date>("ended_on", self.ended_on.as_deref()));
        if let (Some(Some(s)), Some(Some(e))) = (started_on, ended_on)
            && e < s
        {
            errors.push(FieldError::invalid(
                "ended_on",
                "must not be before started_on",
            ));
        }
        let source = errors.take(parse_source(
            self.source.as_deref(),
            self.source_detail.as_deref(),
        ));
        errors.finish(|| {
            let (source, source_detail) = source?;
            Some(NewLink {
                organisation_id: organisation_id?,
                title: title?,
                started_on: started_on?,
                ended_on: ended_on?,
                is_contact_person: self.is_contact_person,
                source,
                source_detail,
            })
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Link {
    pub id: LinkId,
    pub version: i64,
    pub person_id: PersonId,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub title: Option<String>,
    pub started_on: Option<Date>,
    pub ended_on: Option<Date>,
    pub is_contact_person: bool,
    /// Contact person on the given day: flagged and not ended (R19).
    pub is_active_contact_person: bool,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// Whether a link makes the person an active contact person on `today` (R19).
pub fn is_active_contact(
    is_contact_person: bool,
    started_on: Option<Date>,
    ended_on: Option<Date>,
    today: Date,
) -> bool {
    is_contact_person
        && started_on.is_none_or(|s| s <= today)
        && ended_on.is_none_or(|e| e >= today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r3_organisation_business_id_is_checked() {
        let d = OrganisationDraft {
            name: Some("MT Mediateko Oy".into()),
            business_id: Some("2231129-8".into()),
            ..Default::default()
        };
        let e = d.parse().unwrap_err();
        assert_eq!(e.first().unwrap().field, "business_id");
        assert!(e.first().unwrap().message.contains("check digit"));
    }

    #[test]
    fn r19_active_contact_person_depends_on_dates() {
        let day = |d| Date::new(2026, 11, d).unwrap();
        assert!(is_active_contact(true, None, None, day(24)));
        assert!(is_active_contact(
            true,
            Some(day(1)),
            Some(day(24)),
            day(24)
        ));
        assert!(!is_active_contact(
            true,
            Some(day(1)),
            Some(day(23)),
            day(24)
        ));
        assert!(!is_active_contact(true, Some(day(25)), None, day(24)));
        assert!(!is_active_contact(false, None, None, day(24)));
    }
}
