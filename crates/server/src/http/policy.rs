//! Who may do what: the one place where authorization is decided. Handlers
//! ask it before any other work; the answer depends on the role only here.
//! (Issue 3 extends it to every route and the confidentiality commitment.)

use super::error::ApiError;
use rekisteri_domain::Role;
use rekisteri_domain::person::Person;
use rekisteri_store::User;

/// What a request touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    People,
    Links,
    Organisations,
    Orders,
    Invoices,
    Notes,
    Search,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// The allow-list. The financial partner (R4) reads billing data only:
/// people (as a billing view), organisations, orders and invoices.
pub fn allows(role: Role, resource: Resource, access: Access) -> bool {
    use Resource::*;
    match role {
        Role::Admin | Role::Staff | Role::PrivacyOfficer => true,
        Role::Partner => {
            access == Access::Read && matches!(resource, People | Organisations | Orders | Invoices)
        }
    }
}

impl Resource {
    /// Whether the resource holds personal data. Organisations do not.
    pub fn is_personal_data(self) -> bool {
        !matches!(self, Resource::Organisations)
    }
}

/// May this user do this? A user whose confidentiality commitment is not
/// recorded sees no personal data (R11), whatever their role.
pub fn allow(user: &User, resource: Resource, access: Access) -> Result<(), ApiError> {
    if resource.is_personal_data() && user.commitment_signed_on.is_none() {
        return Err(ApiError::Forbidden {
            code: "no_commitment",
            message: "no signed confidentiality commitment is recorded for you (R11): personal data is shown only \
                      after an administrator records it"
                .into(),
        });
    }
    if allows(user.role, resource, access) {
        Ok(())
    } else {
        let verb = if access == Access::Read {
            "read"
        } else {
            "change"
        };
        Err(ApiError::Forbidden {
            code: "forbidden",
            message: format!("the role {} may not {verb} this", user.role),
        })
    }
}

/// The person as the user's role may see them: the financial partner gets
/// the billing view (R4) in every response shape that shows a person.
pub fn person_view(user: &User, person: Person) -> Person {
    if user.role == Role::Partner {
        person.billing_view()
    } else {
        person
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r4_partner_reads_billing_data_only() {
        assert!(allows(Role::Partner, Resource::Invoices, Access::Read));
        assert!(allows(Role::Partner, Resource::Orders, Access::Read));
        assert!(!allows(Role::Partner, Resource::Notes, Access::Read));
        assert!(!allows(Role::Partner, Resource::Search, Access::Read));
        assert!(!allows(Role::Partner, Resource::People, Access::Write));
        assert!(allows(Role::Staff, Resource::Notes, Access::Write));
    }

    fn person() -> Person {
        use rekisteri_domain::person::{SourcedAddress, SourcedValue};
        use rekisteri_domain::values::Parse;
        use rekisteri_domain::{Provenance, Source, Timestamp};
        let at = Timestamp::from_micros(0);
        let prov = Provenance::new(Source::StaffEntry, None, at);
        let id = rekisteri_domain::ids::ContactId::new(at);
        let value = |v: &str| SourcedValue {
            id,
            value: v.into(),
            provenance: prov.clone(),
        };
        let address = |kind: &str| SourcedAddress {
            id,
            kind: kind.into(),
            street: "Katu 1".into(),
            postal_code: "70100".into(),
            city: "Kuopio".into(),
            country: "FI".into(),
            provenance: prov.clone(),
        };
        Person {
            id: rekisteri_domain::ids::PersonId::parse("01900000-0000-7000-8000-000000000001")
                .unwrap(),
            version: 1,
            first_name: "Matti".into(),
            last_name: "Virtanen".into(),
            name_source: prov.clone(),
            title: Some("toimitusjohtaja".into()),
            title_source: Some(prov.clone()),
            emails: vec![value("matti@esimerkki.fi")],
            phones: vec![value("+358401234567")],
            websites: vec![value("https://esimerkki.fi/")],
            ip_addresses: vec![value("192.0.2.1")],
            addresses: vec![address("postal"), address("billing")],
            relationship_started_on: None,
            relationship_ended_on: None,
            created_at: at,
            updated_at: at,
        }
    }

    fn user(role: Role) -> User {
        let at = rekisteri_domain::Timestamp::from_micros(0);
        User {
            id: rekisteri_domain::ids::UserId::new(at),
            name: "u".into(),
            role,
            created_at: at,
            disabled_at: None,
            commitment_signed_on: None,
        }
    }

    #[test]
    fn r4_the_partner_sees_a_person_as_billing_needs_only() {
        let seen = person_view(&user(Role::Partner), person());
        assert_eq!(
            (seen.first_name.as_str(), seen.last_name.as_str()),
            ("Matti", "Virtanen")
        );
        assert!(
            seen.emails.is_empty()
                && seen.phones.is_empty()
                && seen.websites.is_empty()
                && seen.ip_addresses.is_empty()
        );
        assert_eq!(seen.title, None);
        assert_eq!(
            seen.addresses
                .iter()
                .map(|a| a.kind.as_str())
                .collect::<Vec<_>>(),
            ["billing"]
        );
        let whole = person();
        assert_eq!(person_view(&user(Role::Staff), whole.clone()), whole);
    }

    #[test]
    fn r11_no_commitment_no_personal_data_whatever_the_role() {
        let admin = user(Role::Admin);
        assert!(matches!(
            allow(&admin, Resource::People, Access::Read),
            Err(ApiError::Forbidden {
                code: "no_commitment",
                ..
            })
        ));
        assert!(allow(&admin, Resource::Organisations, Access::Read).is_ok());
    }
}
