//! The register's rules, with no IO: validated values (R3), sources (R5),
//! purposes (R2), the records of the register and what makes them valid.
//! Storage and the HTTP/CLI edges depend on this crate, never the reverse.

pub mod audit;
pub mod audit_chain;
pub mod backup;
pub mod billing;
pub mod controller;
pub mod disclosure;
pub mod erasure;
pub mod error;
pub mod export_copy;
pub mod ids;
pub mod job;
pub mod legal_hold;
pub mod login;
pub mod mail;
pub mod marketing;
pub mod network;
pub mod note;
pub mod organisation;
pub mod paper;
pub mod password;
pub mod permission;
pub mod person;
pub mod portal;
pub mod provenance;
pub mod purpose;
pub mod recipient;
pub mod rectification;
pub mod report;
pub mod request;
pub mod restriction;
pub mod retention;
pub mod search;
pub mod time;
pub mod totp;
pub mod values;
pub mod vcard;

pub use error::{FieldError, Invalid};
pub use provenance::{Provenance, Source};
pub use purpose::{Purpose, Role};
pub use time::{Clock, Date, ManualClock, Timestamp};
