//! The service layer: every operation that more than one edge performs
//! (the API, the staff pages, the portal, the command line, the jobs). A
//! service takes the state and an actor, decides nothing about HTTP
//! routing, and calls the store; edges call services and never each other.

pub mod accounts;
pub mod audit_chain;
pub mod disclosures;
pub mod erasure;
pub mod holds;
pub mod import_jobs;
pub mod imports;
pub mod jobs;
pub mod limits;
pub mod marketing;
pub mod periodic;
pub mod permissions;
pub mod register;
pub mod report;
pub mod requests;
pub mod retention;
