//! Who keeps the register and whom a person may complain to (R1, R20): the
//! controller, the register's contact person and the supervisory authority.
//! The defaults are the privacy notice's own (MT Mediateko Oy, 25.10.2021)
//! and the Finnish Data Protection Ombudsman; every refusal and every
//! access report carries them.

use crate::error::{Errors, Invalid};
use crate::values::{BusinessId, Email, Name, Parse, Phone, PostalCode, WebUrl, parse_field};
use serde::{Deserialize, Serialize};

/// The controller, its contact person for the register, and the authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisterDetails {
    pub controller: Controller,
    pub contact: ContactPerson,
    pub authority: SupervisoryAuthority,
}

/// The company keeping the register (R1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Controller {
    pub name: String,
    /// The Finnish business id (Y-tunnus).
    pub business_id: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
}

/// The register's contact person, who answers data-subject requests (R1, R14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContactPerson {
    pub name: String,
    pub phone: String,
    pub email: String,
}

/// Where a complaint goes (R20): the Data Protection Ombudsman by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SupervisoryAuthority {
    pub name_fi: String,
    pub name_en: String,
    pub street: String,
    pub postal_address: String,
    pub phone: String,
    pub email: String,
    pub website: String,
}

impl Default for RegisterDetails {
    fn default() -> Self {
        Self {
            controller: Controller {
                name: "MT Mediateko Oy".into(),
                business_id: "2231129-9".into(),
                street: "Kauppakatu 12".into(),
                postal_code: "70100".into(),
                city: "Kuopio".into(),
            },
            contact: ContactPerson {
                name: "Annika Kettunen".into(),
                phone: "+358 400 236 337".into(),
                email: "annika.kettunen@mediateko.fi".into(),
            },
            authority: SupervisoryAuthority::finnish_ombudsman(),
        }
    }
}

impl RegisterDetails {
    /// The details as the admin entered them, each field checked and put
    /// in normal form (R1): names and addresses on one line, the
    /// controller's Y-tunnus with its check digit and a Finnish postal
    /// code, the contact person's phone and email, the authority's phone,
    /// email and website. Errors name the field dotted, as
    /// `controller.business_id`.
    pub fn checked(&self) -> Result<Self, Invalid> {
        let mut errors = Errors::new();
        let e = &mut errors;
        let (c, p, a) = (&self.controller, &self.contact, &self.authority);
        let name = take::<Name>(e, "controller.name", &c.name);
        let business_id = take::<BusinessId>(e, "controller.business_id", &c.business_id);
        let street = take::<Name>(e, "controller.street", &c.street);
        let postal_code = take::<PostalCode>(e, "controller.postal_code", &c.postal_code);
        let city = take::<Name>(e, "controller.city", &c.city);
        let contact_name = take::<Name>(e, "contact.name", &p.name);
        let phone = take::<Phone>(e, "contact.phone", &p.phone);
        let email = take::<Email>(e, "contact.email", &p.email);
        let name_fi = take::<Name>(e, "authority.name_fi", &a.name_fi);
        let name_en = take::<Name>(e, "authority.name_en", &a.name_en);
        let a_street = take::<Name>(e, "authority.street", &a.street);
        let a_postal = take::<Name>(e, "authority.postal_address", &a.postal_address);
        let a_phone = take::<Phone>(e, "authority.phone", &a.phone);
        let a_email = take::<Email>(e, "authority.email", &a.email);
        let website = take::<WebUrl>(e, "authority.website", &a.website);
        errors.finish(|| {
            Some(RegisterDetails {
                controller: Controller {
                    name: name?,
                    business_id: business_id?,
                    street: street?,
                    postal_code: postal_code?,
                    city: city?,
                },
                contact: ContactPerson {
                    name: contact_name?,
                    phone: phone?,
                    email: email?,
                },
                authority: SupervisoryAuthority {
                    name_fi: name_fi?,
                    name_en: name_en?,
                    street: a_street?,
                    postal_address: a_postal?,
                    phone: a_phone?,
                    email: a_email?,
                    website: website?,
                },
            })
        })
    }
}

/// One field parsed into its normal form, its error kept in `errors`.
fn take<T: Parse + std::fmt::Display>(
    errors: &mut Errors,
    field: &str,
    raw: &str,
) -> Option<String> {
    errors
        .take(parse_field::<T>(field, raw))
        .map(|v| v.to_string())
}

impl SupervisoryAuthority {
    /// Tietosuojavaltuutetun toimisto, the Finnish supervisory authority.
    pub fn finnish_ombudsman() -> Self {
        Self {
            name_fi: "Tietosuojavaltuutetun toimisto".into(),
            name_en: "Office of the Data Protection Ombudsman".into(),
            street: "Lintulahdenkuja 4, 00530 Helsinki".into(),
            postal_address: "PL 800, 00531 Helsinki".into(),
            phone: "+358 29 566 6700".into(),
            email: "tietosuoja@om.fi".into(),
            website: "https://tietosuoja.fi".into(),
        }
    }

    /// The authority in one paragraph of plain text, as a refusal quotes it.
    pub fn as_text(&self, finnish: bool) -> String {
        let name = if finnish {
            &self.name_fi
        } else {
            &self.name_en
        };
        format!(
            "{name}\n{}\n{}\n{} · {} · {}",
            self.street, self.postal_address, self.phone, self.email, self.website
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{BusinessId, Parse};

    // R1: the default controller's business id passes its own check digit.
    #[test]
    fn r1_the_default_controller_has_a_valid_business_id() {
        let details = RegisterDetails::default();
        assert!(BusinessId::parse(&details.controller.business_id).is_ok());
    }

    // R1: the defaults pass the checks; a wrong check digit, a bad email
    // and an empty name are each named by their dotted field.
    #[test]
    fn r1_register_details_are_checked_field_by_field() {
        assert!(RegisterDetails::default().checked().is_ok());
        let mut bad = RegisterDetails::default();
        bad.controller.business_id = "2231129-8".into();
        bad.contact.email = "annika(at)mediateko.fi".into();
        bad.controller.name = "  ".into();
        let invalid = bad.checked().unwrap_err();
        let fields: Vec<&str> = invalid.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["controller.name", "controller.business_id", "contact.email"]
        );
        let mut spaced = RegisterDetails::default();
        spaced.contact.name = "  Annika   Kettunen ".into();
        assert_eq!(spaced.checked().unwrap().contact.name, "Annika Kettunen");
    }

    // R20: the complaint text names the Ombudsman and how to reach them.
    #[test]
    fn r20_the_authority_text_names_the_ombudsman() {
        let text = SupervisoryAuthority::finnish_ombudsman().as_text(true);
        assert!(text.contains("Tietosuojavaltuutetun toimisto"));
        assert!(text.contains("tietosuoja@om.fi"));
    }
}
