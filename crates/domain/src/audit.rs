//! What the audit log records about every read and write of personal data
//! (B1, R2): who, which record, what action, for what purpose, when. Ids
//! only: personal data never goes into the audit entry.

use crate::ids::{PersonId, UserId};
use crate::provenance::code_enum;
use crate::purpose::Purpose;
use crate::time::Timestamp;

code_enum!(
    AuditAction {
        Read = "read",
        List = "list",
        Search = "search",
        Create = "create",
        Update = "update",
        Delete = "delete",
        Import = "import",
        Export = "export",
        // Access control (R11): who got in, who was refused, who changed what.
        Login = "login",
        LoginFailed = "login_failed",
        Logout = "logout",
        /// A request the policy refused (authorization failure).
        Denied = "denied",
        RoleChange = "role_change",
        Commitment = "commitment",
        Disable = "disable",
        Enable = "enable",
        Unlock = "unlock",
        PasswordChange = "password_change",
        SecondFactor = "second_factor",
        Revoke = "revoke",
        Setting = "setting",
        /// Personal data passed to a recipient outside the company (R6).
        Disclose = "disclose",
        /// A restriction lifted (R18).
        Lift = "lift",
        /// A person erased on request, or by retention (R8, R21).
        Erase = "erase",
        /// A person anonymised (R21).
        Anonymise = "anonymise",
        /// An erasure held (R8, R19) and scheduled for when the hold ends.
        Schedule = "schedule",
        /// A recipient notified of an erasure (GDPR Art. 19).
        Notify = "notify",
        /// A failed job put back in the queue by the admin.
        Retry = "retry",
    }
);

code_enum!(
    RecordType {
        Person = "person",
        Organisation = "organisation",
        Link = "link",
        Order = "order",
        Invoice = "invoice",
        Note = "note",
        User = "user",
        Session = "session",
        Token = "token",
        Setting = "setting",
        /// A purpose of processing and its legal basis (R2).
        Purpose = "purpose",
        /// The wording a permission was asked with (R15).
        Wording = "wording",
        /// A marketing permission's event (R15).
        Permission = "permission",
        /// A restriction of processing (R18).
        Restriction = "restriction",
        /// A marketing list, exported (R15): `channel:purpose`.
        Audience = "audience",
        Recipient = "recipient",
        Disclosure = "disclosure",
        /// A data-subject request, a case (R14–R21).
        Request = "request",
        /// A single-use link of the privacy portal, by its hash (R14).
        PortalLink = "portal_link",
        /// A verified visit to the privacy portal (R14).
        PortalSession = "portal_session",
        /// A scheduled erasure (R8).
        Erasure = "erasure",
        /// A job of the durable queue.
        Job = "job",
        /// A letter the register wrote (the outbox).
        Mail = "mail",
        /// A copy of people's data written to a file (R21), and who is in it.
        ExportCopy = "export_copy",
        /// A legal hold on a person (R8).
        LegalHold = "legal_hold",
        /// A run of the retention sweep (R9).
        RetentionSweep = "retention_sweep",
        /// A request case, a tombstone or an audit range removed by retention (R9).
        RetentionRecord = "retention_record",
        /// A paper document kept about a person (R10).
        PaperDocument = "paper_document",
        /// A route of the API (`GET /api/v1/notes/{id}`), for refusals.
        Route = "route",
    }
);

/// One entry of the audit log, before the store gives it its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: Option<UserId>,
    pub action: AuditAction,
    pub record_type: RecordType,
    pub record_id: String,
    /// The data subject the record is about, when there is one.
    pub person_id: Option<PersonId>,
    pub purpose: Purpose,
    /// Where the request came from (the staff member's address, not the subject's).
    pub client_ip: Option<std::net::IpAddr>,
}

/// Who does something and why: passed to every store operation that touches
/// personal data, so that the audit row is written with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user: Option<UserId>,
    pub purpose: Purpose,
    pub client_ip: Option<std::net::IpAddr>,
}

impl Actor {
    /// The command line acting for no user: imports, exports, demo data.
    pub fn command_line(purpose: Purpose) -> Self {
        Self {
            user: None,
            purpose,
            client_ip: None,
        }
    }

    pub fn entry(
        &self,
        at: Timestamp,
        action: AuditAction,
        record_type: RecordType,
        record_id: impl ToString,
        person_id: Option<PersonId>,
    ) -> AuditEntry {
        AuditEntry {
            at,
            actor: self.user,
            action,
            record_type,
            record_id: record_id.to_string(),
            person_id,
            purpose: self.purpose,
            client_ip: self.client_ip,
        }
    }
}

/// The hash that starts the chain: the "previous hash" of the first entry.
pub const CHAIN_START: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit row's fields as stored, which its hash covers (B1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedRow<'a> {
    pub at: i64,
    pub actor_user_id: Option<&'a str>,
    pub action: &'a str,
    pub record_type: &'a str,
    pub record_id: &'a str,
    pub person_id: Option<&'a str>,
    pub purpose: &'a str,
    pub client_ip: Option<&'a str>,
}

impl ChainedRow<'_> {
    /// The bytes a row's hash covers: the previous entry's hash, then every
    /// field length-prefixed (`5:staff`) or `-` when absent, so no two rows
    /// encode alike. Each entry thus commits to every entry before it;
    /// editing, deleting or reordering one breaks the chain there.
    fn encoding(&self, prev_hash: &str) -> Vec<u8> {
        let mut out = prev_hash.as_bytes().to_vec();
        let at = self.at.to_string();
        let fields = [
            Some(at.as_str()),
            self.actor_user_id,
            Some(self.action),
            Some(self.record_type),
            Some(self.record_id),
            self.person_id,
            Some(self.purpose),
            self.client_ip,
        ];
        for field in fields {
            out.push(b'|');
            match field {
                Some(value) => {
                    out.extend_from_slice(value.len().to_string().as_bytes());
                    out.push(b':');
                    out.extend_from_slice(value.as_bytes());
                }
                None => out.push(b'-'),
            }
        }
        out
    }

    /// SHA-256 of the encoding. Anyone can compute it again: the seals
    /// under the audit key (`audit_chain`) are what only the key can make.
    pub fn hash(&self, prev_hash: &str) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(self.encoding(prev_hash)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> ChainedRow<'static> {
        ChainedRow {
            at: 1,
            actor_user_id: Some("u"),
            action: "read",
            record_type: "person",
            record_id: "p",
            person_id: Some("p"),
            purpose: "customer_relationship",
            client_ip: None,
        }
    }

    #[test]
    fn b1_every_field_and_the_previous_hash_change_the_hash() {
        let base = row().hash(CHAIN_START);
        assert_eq!(base.len(), 64);
        assert_eq!(base, row().hash(CHAIN_START), "deterministic");
        assert_ne!(base, row().hash(&base), "the previous hash counts");
        let changed = [
            ChainedRow { at: 2, ..row() },
            ChainedRow {
                actor_user_id: None,
                ..row()
            },
            ChainedRow {
                action: "update",
                ..row()
            },
            ChainedRow {
                record_type: "note",
                ..row()
            },
            ChainedRow {
                record_id: "q",
                ..row()
            },
            ChainedRow {
                person_id: None,
                ..row()
            },
            ChainedRow {
                purpose: "order_management",
                ..row()
            },
            ChainedRow {
                client_ip: Some("127.0.0.1"),
                ..row()
            },
        ];
        for c in changed {
            assert_ne!(c.hash(CHAIN_START), base, "{c:?}");
        }
        // Length prefixes keep field boundaries: "ab"+"c" is not "a"+"bc".
        let a = ChainedRow {
            record_type: "ab",
            record_id: "c",
            ..row()
        };
        let b = ChainedRow {
            record_type: "a",
            record_id: "bc",
            ..row()
        };
        assert_ne!(a.hash(CHAIN_START), b.hash(CHAIN_START));
    }
}
