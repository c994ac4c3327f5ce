//! Who may do what: the one place where authorization is decided (R4,
//! R11). Every handler asks [`allow`] before any other work; the role, the
//! confidentiality commitment, a one-time password still to change and a
//! second factor still to set up are looked at here and nowhere else.

use crate::error::ApiError;
use crate::extract::Caller;
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
    /// The caller's own account: password, sessions, tokens, second factor.
    Account,
    /// Other users: accounts, roles, commitments, unlocking.
    Users,
    /// Register-wide settings (requiring a second factor).
    Settings,
    /// The audit log.
    Audit,
    /// A person's marketing permissions (R15).
    Permissions,
    /// Restriction of processing (R18): recorded and lifted by the privacy
    /// officer or an administrator, seen by the register's staff.
    Restrictions,
    /// The texts permissions are asked with (company texts).
    Wordings,
    /// Marketing lists (R15).
    Audience,
    /// The purposes of processing and their legal bases (R2).
    Purposes,
    /// The register of recipients and processors (R4, R7).
    Recipients,
    /// Disclosures of personal data to recipients (R6).
    Disclosures,
    /// Data-subject requests as cases (R14–R21): the privacy officer's.
    Requests,
    /// A person's access report (R14) and portability export (R16):
    /// everything held on them, for the privacy officer and the admin.
    Reports,
    /// Erasure and anonymisation of a person, and their holds (R8, R19,
    /// R21): the privacy officer's, who answers the data subject.
    Erasure,
    /// The job queue (mail, notices, re-checks): the admin's, who sees
    /// what waits and failed and retries it.
    Jobs,
    /// Retention (R9): the sweep's preview, runs and history, and the
    /// review of quiet relationships — the privacy officer's; the admin
    /// reads them (and keeps the schedule, a setting).
    Retention,
    /// Legal holds on people (R8): placed and ended by the privacy
    /// officer; the admin reads them.
    LegalHolds,
    /// Paper documents kept about people (R10): recorded and read by the
    /// register's staff with a commitment; their destruction is confirmed
    /// by the privacy officer (an erasure's task).
    PaperDocuments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// Whether the user finds people whose processing is restricted (R18) in
/// searches: the privacy officer only, who answers their requests.
pub fn finds_restricted(user: &User) -> bool {
    user.role == Role::PrivacyOfficer
}

/// The allow-list. Everyone manages their own account. The register is
/// for admin, staff and the privacy officer; users and settings for the
/// admin; the audit log for the privacy officer. The financial partner
/// (R4) reads billing data only: people (as a billing view),
/// organisations, orders and invoices. Staff read the recipients,
/// restrictions (R18) and permission wordings; the admin and the privacy
/// officer keep them. Everyone reads the purposes of processing; the admin
/// configures them (R2). Erasure and anonymisation are the privacy
/// officer's alone (R8, R21), and so are retention's sweeps and reviews and
/// legal holds (R8, R9), which the admin reads.
pub fn allows(role: Role, resource: Resource, access: Access) -> bool {
    use Resource::*;
    match (role, resource) {
        (_, Account) => true,
        (Role::Admin, Users | Settings | Jobs) => true,
        (_, Users | Settings | Jobs) => false,
        (Role::PrivacyOfficer, Audit) => true,
        (_, Audit) => false,
        (Role::Admin | Role::PrivacyOfficer, Restrictions | Wordings) => true,
        (Role::Staff, Restrictions | Wordings) => access == Access::Read,
        (Role::Admin, Purposes) => true,
        (_, Purposes) => access == Access::Read,
        (Role::Staff, Recipients) => access == Access::Read,
        (Role::Admin | Role::PrivacyOfficer, Requests) => true,
        (_, Requests) => false,
        (Role::Admin | Role::PrivacyOfficer, Reports) => true,
        (_, Reports) => false,
        (Role::PrivacyOfficer, Erasure) => true,
        (_, Erasure) => false,
        (Role::PrivacyOfficer, Retention | LegalHolds) => true,
        (Role::Admin, Retention | LegalHolds) => access == Access::Read,
        (_, Retention | LegalHolds) => false,
        (Role::Admin | Role::Staff | Role::PrivacyOfficer, _) => true,
        (Role::Partner, People | Organisations | Orders | Invoices) => access == Access::Read,
        (Role::Partner, _) => false,
    }
}

impl Resource {
    /// Whether the resource holds personal data of the register's subjects.
    pub fn is_personal_data(self) -> bool {
        !matches!(
            self,
            Resource::Organisations
                | Resource::Account
                | Resource::Users
                | Resource::Settings
                | Resource::Wordings
                | Resource::Purposes
                | Resource::Recipients
                | Resource::Jobs
        )
    }
}

fn forbidden(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Forbidden {
        code,
        message: message.into(),
    }
}

/// May this caller do this? A web session opened with a one-time password,
/// or lacking a required second factor, opens only the caller's own
/// account until that is put right. A
/// user whose confidentiality commitment is not recorded sees no personal
/// data (R11), whatever their role.
pub fn allow(caller: &Caller, resource: Resource, access: Access) -> Result<(), ApiError> {
    let user = &caller.user;
    if resource != Resource::Account {
        if caller.password_change_pending() {
            return Err(forbidden(
                "password_change_required",
                "you logged in with a one-time password: choose your own first (PUT /api/v1/me/password)",
            ));
        }
        if caller.second_factor_missing() {
            return Err(forbidden(
                "second_factor_required",
                "a second factor is required of every user: set it up first (POST /api/v1/me/second-factor)",
            ));
        }
    }
    if resource.is_personal_data() && user.commitment_signed_on.is_none() {
        return Err(forbidden(
            "no_commitment",
            "no signed confidentiality commitment is recorded for you (R11): personal data is shown only \
             after an administrator records it",
        ));
    }
    if allows(user.role, resource, access) {
        Ok(())
    } else {
        let verb = if access == Access::Read {
            "read"
        } else {
            "change"
        };
        Err(forbidden(
            "forbidden",
            format!("the role {} may not {verb} this", user.role),
        ))
    }
}

/// Whether the caller may find people by a contact value (an email): not
/// the partner, who must not learn whose an address is (R4).
pub fn may_filter_by_contact(user: &User) -> Result<(), ApiError> {
    if user.role == Role::Partner {
        Err(forbidden(
            "forbidden",
            "the role partner may not search people by contact details",
        ))
    } else {
        Ok(())
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
        assert!(!allows(Role::Partner, Resource::Recipients, Access::Read));
        assert!(!allows(Role::Partner, Resource::Disclosures, Access::Read));
    }

    #[test]
    fn r7_recipients_are_kept_by_the_admin_and_the_privacy_officer() {
        for role in [Role::Admin, Role::PrivacyOfficer] {
            assert!(allows(role, Resource::Recipients, Access::Write));
            assert!(allows(role, Resource::Disclosures, Access::Write));
        }
        assert!(allows(Role::Staff, Resource::Recipients, Access::Read));
        assert!(!allows(Role::Staff, Resource::Recipients, Access::Write));
        assert!(allows(Role::Staff, Resource::Disclosures, Access::Write));
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
            relationship_end_reason: None,
            restricted: false,
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
            password_must_change: false,
            second_factor: false,
            language: None,
        }
    }

    fn caller(user: User) -> Caller {
        Caller {
            user,
            purpose: None,
            client_ip: None,
            session: None,
            second_factor_required: false,
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
        let admin = caller(user(Role::Admin));
        assert!(matches!(
            allow(&admin, Resource::People, Access::Read),
            Err(ApiError::Forbidden {
                code: "no_commitment",
                ..
            })
        ));
        assert!(allow(&admin, Resource::Organisations, Access::Read).is_ok());
    }

    #[test]
    fn r11_a_one_time_password_opens_only_the_own_account() {
        let mut u = user(Role::Staff);
        u.commitment_signed_on = Some(rekisteri_domain::Timestamp::from_micros(0).date());
        u.password_must_change = true;
        let at = rekisteri_domain::Timestamp::from_micros(0);
        let mut c = caller(u);
        assert!(
            allow(&c, Resource::Organisations, Access::Read).is_ok(),
            "a token is a credential of its own"
        );
        c.session = Some(rekisteri_store::Session {
            id: rekisteri_domain::ids::SessionId::new(at),
            created_at: at,
            last_seen_at: at,
            client_ip: None,
            user_agent: None,
            csrf_token: "t".into(),
        });
        assert!(allow(&c, Resource::Account, Access::Write).is_ok());
        assert!(matches!(
            allow(&c, Resource::Organisations, Access::Read),
            Err(ApiError::Forbidden {
                code: "password_change_required",
                ..
            })
        ));
    }

    #[test]
    fn r4_users_settings_and_audit_belong_to_their_roles_only() {
        for role in Role::ALL {
            assert!(allows(*role, Resource::Account, Access::Write));
            assert_eq!(
                allows(*role, Resource::Users, Access::Read),
                *role == Role::Admin
            );
            assert_eq!(
                allows(*role, Resource::Audit, Access::Read),
                *role == Role::PrivacyOfficer
            );
        }
    }
}
