//! Typed record ids: UUIDv7 (time-ordered), stored as TEXT on both databases.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! record_id {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A new id, ordered by `at` (UUIDv7).
            pub fn new(at: Timestamp) -> Self {
                let micros = at.micros().max(0) as u64;
                let ts = uuid::Timestamp::from_unix(
                    uuid::NoContext,
                    micros / 1_000_000,
                    ((micros % 1_000_000) * 1000) as u32,
                );
                Self(uuid::Uuid::new_v7(ts))
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
);
