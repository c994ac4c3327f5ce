//! Who keeps the register and whom a person may complain to (R1, R20): the
//! controller, the register's contact person and the supervisory authority.
//! The defaults are the privacy notice's own (MT Mediateko Oy, 25.10.2021)
//! and the Finnish Data Protection Ombudsman; every refusal and every
//! access report carries them.

use serde::{Deserialize, Serialize};

/// The controller, its contact person for the register, and the authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterDetails {
    pub controller: Controller,
    pub contact: ContactPerson,
    pub authority: SupervisoryAuthority,
}

/// The company keeping the register (R1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Controller {
    pub name: String,
    /// The Finnish business id (Y-tunnus).
    pub business_id: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
}

/// The register's contact person, who answers data-subject requests (R1, R14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPerson {
    pub name: String,
    pub phone: String,
    pub email: String,
}

/// Where a complaint goes (R20): the Data Protection Ombudsman by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

    // R20: the complaint text names the Ombudsman and how to reach them.
    #[test]
    fn r20_the_authority_text_names_the_ombudsman() {
        let text = SupervisoryAuthority::finnish_ombudsman().as_text(true);
        assert!(text.contains("Tietosuojavaltuutetun toimisto"));
        assert!(text.contains("tietosuoja@om.fi"));
    }
}
