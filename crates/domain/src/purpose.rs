//! Purposes of processing, each with its legal basis (R2). Every operation on
//! personal data names one, and the audit log keeps it.

use crate::provenance::code_enum;

code_enum!(
    /// The purposes in the privacy notice.
    Purpose {
        /// Maintaining the customer register.
        RegisterMaintenance = "register_maintenance",
        /// Managing, archiving and processing orders.
        OrderManagement = "order_management",
        /// Looking after the customer relationship.
        CustomerRelationship = "customer_relationship",
        /// Developing the business and statistics.
        BusinessDevelopment = "business_development",
        /// Personalised content in online services.
        PersonalisedContent = "personalised_content",
        /// Targeting advertising inside the organisation's own registers, without disclosure.
        AdvertisingTargeting = "advertising_targeting",
    }
);

code_enum!(
    /// Legal bases of GDPR Art. 6(1).
    LegalBasis {
        Consent = "consent",
        Contract = "contract",
        LegalObligation = "legal_obligation",
        VitalInterests = "vital_interests",
        PublicTask = "public_task",
        LegitimateInterests = "legitimate_interests",
    }
);

impl Purpose {
    /// The legal basis the notice gives for this purpose: contract, for all.
    pub fn legal_basis(self) -> LegalBasis {
        LegalBasis::Contract
    }
}

code_enum!(
    /// What a user may do; the allow-list of each is decided in one place.
    Role {
        Admin = "admin",
        Staff = "staff",
        PrivacyOfficer = "privacy_officer",
        /// Outsourced financial administration: billing data only (R4).
        Partner = "partner",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Parse;

    #[test]
    fn r2_the_notices_purposes_each_have_the_contract_as_legal_basis() {
        assert_eq!(Purpose::ALL.len(), 6);
        for p in Purpose::ALL {
            assert_eq!(p.legal_basis(), LegalBasis::Contract, "{p}");
            assert_eq!(Purpose::parse(p.code()), Ok(*p));
        }
        assert!(Purpose::parse("curiosity").is_err());
    }
}
