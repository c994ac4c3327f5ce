//! Rekisteri's edges: the HTTP API ([`http`]), the web interface ([`web`]) and the
//! command line ([`cli`]).
//! The rules live in `rekisteri-domain`, the data in `rekisteri-store`.

pub mod cli;
pub mod deadlines;
pub mod http;
pub mod jobs;
pub mod letters;
pub mod mail;
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
