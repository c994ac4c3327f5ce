//! Rekisteri's server: the composition root ([`app`], [`state`]), the
//! service layer every edge shares ([`services`]), and the edges — the HTTP
//! API ([`http`]), the staff pages ([`web`]), the privacy portal
//! ([`portal`]), the command line ([`cli`]) and the job runner ([`jobs`]),
//! siblings that never import each other.
//! The rules live in `rekisteri-domain`, the data in `rekisteri-store`.

pub mod app;
pub mod audit_files;
pub mod backup;
pub mod caller;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod journal;
pub mod letters;
pub mod mail;
pub mod pages;
pub mod policy;
pub mod private;
pub mod services;
pub mod state;

pub mod cli;
pub mod http;
pub mod jobs;
pub mod portal;
pub mod web;

use rekisteri_domain::{Clock, Timestamp};

/// The system's clock: the one place outside start-up that reads real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_jiff(jiff::Timestamp::now())
    }
}
