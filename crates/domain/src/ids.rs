//! Typed record ids: UUIDv7 (time-ordered), stored as TEXT on both databases.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// The last (milliseconds << 12 | sequence) handed out in this process.
static LAST: AtomicU64 = AtomicU64::new(0);

/// A UUIDv7 whose 12 `rand_a` bits count ids made in the same millisecond,
/// so ids sort in the order they were made (list cursors rely on it) even
/// when the clock stands still, as a test's does.
fn ordered_v7(at: Timestamp) -> uuid::Uuid {
    let wanted = ((at.micros().max(0) as u64) / 1000) << 12;
    let mut last = LAST.load(Ordering::Relaxed);
    let next = loop {
        let next = wanted.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(seen) => last = seen,
        }
    };
    let millis = next >> 12;
    let seq = (next & 0xFFF) as u16;
    let random = *uuid::Uuid::new_v4().as_bytes();
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = 0x70 | (seq >> 8) as u8;
    bytes[7] = seq as u8;
    bytes[8] = 0x80 | (random[8] & 0x3F);
    bytes[9..].copy_from_slice(&random[9..]);
    uuid::Uuid::from_bytes(bytes)
}

macro_rules! record_id {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A new id, ordered by `at` (UUIDv7), after every id made before it.
            pub fn new(at: Timestamp) -> Self {
                Self(ordered_v7(at))
            }

            pub fn uuid(self) -> uuid::Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl crate::values::Parse for $name {
            fn parse(raw: &str) -> Result<Self, String> {
                uuid::Uuid::parse_str(raw.trim()).map(Self).map_err(|_| "is not a record id".into())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(raw: &str) -> Result<Self, String> {
                <Self as crate::values::Parse>::parse(raw)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .format(Some(utoipa::openapi::SchemaFormat::Custom("uuid".into())))
                    .into()
            }
        }
        impl utoipa::ToSchema for $name {}
    )+};
}

record_id!(
    PersonId,
    OrganisationId,
    LinkId,
    ContactId,
    OrderId,
    OrderLineId,
    InvoiceId,
    NoteId,
    UserId,
    TokenId,
    CommitmentId,
    SessionId,
    WordingId,
    PermissionEventId,
    RestrictionId,
    RecipientId,
    DisclosureId,
    RequestId,
    PortalSessionId,
    /// A job of the durable queue.
    JobId,
    /// A letter the register wrote (the `mail` table).
    MailId,
    /// A copy of personal data written to a file (R21: exports on disk).
    ExportCopyId,
    /// A CSV import of the web's, its progress kept in the database.
    ImportId,
    /// A legal hold on a person (R8, R9).
    LegalHoldId,
    /// One run of the retention sweep (R9).
    SweepId,
    /// A paper document kept about a person (R10).
    PaperDocumentId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_made_in_one_millisecond_keep_their_order() {
        let at = Timestamp::from_micros(1_800_000_000_000_000);
        let ids: Vec<PersonId> = (0..5000).map(|_| PersonId::new(at)).collect();
        assert!(
            ids.windows(2)
                .all(|w| w[0] < w[1] && w[0].to_string() < w[1].to_string())
        );
        assert_eq!(ids[0].uuid().get_version_num(), 7);
    }
}
