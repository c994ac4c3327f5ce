//! Copies of people's data written to files (R21: the right to be
//! forgotten reaches exports kept on disk). Each file the command line
//! writes is recorded — who, when, for what purpose, where, how many
//! people and which — so the access report names the copies a person is in
//! and the privacy officer can have them destroyed before an erasure.

use crate::ids::{DisclosureId, ExportCopyId, PersonId, UserId};
use crate::provenance::code_enum;
use crate::purpose::Purpose;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

code_enum!(
    /// What wrote the file.
    ExportKind {
        /// `rekisteri export people --output`: people with their values.
        People = "people",
        /// `rekisteri export audience --output`: a marketing list (R15).
        Audience = "audience",
        /// `rekisteri disclose --out`: the data of a disclosure (R6).
        Disclosure = "disclosure",
    }
);

/// A file about to be recorded: what wrote it, where, and who is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExportCopy {
    pub kind: ExportKind,
    /// Where the file is, as an absolute path when it can be made one.
    pub path: String,
    /// The disclosure whose data it is (`disclosure` only).
    pub disclosure_id: Option<DisclosureId>,
    /// Everyone whose data is in the file.
    pub people: Vec<PersonId>,
}

/// A recorded copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExportCopy {
    pub id: ExportCopyId,
    pub kind: ExportKind,
    /// The purpose of processing it was made for (R2).
    pub purpose: Purpose,
    pub path: String,
    /// How many people are in it.
    pub people: i64,
    /// The user who made it; none for the command line acting for no user.
    pub made_by: Option<UserId>,
    pub made_at: Timestamp,
    pub disclosure_id: Option<DisclosureId>,
}
