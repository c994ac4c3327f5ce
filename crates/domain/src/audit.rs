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
}

/// Who does something and why: passed to every store operation that touches
/// personal data, so that the audit row is written with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user: Option<UserId>,
    pub purpose: Purpose,
}

impl Actor {
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
        }
    }
}
