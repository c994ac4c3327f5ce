//! Who may do what: the one place where authorization is decided. Handlers
//! ask it before any other work; the answer depends on the role only here.
//! (Issue 3 extends it to every route and the confidentiality commitment.)

use super::error::ApiError;
use rekisteri_domain::Role;
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
}
