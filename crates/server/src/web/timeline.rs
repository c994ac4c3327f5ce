//! One entry of the person page's timeline — a meeting, a note, an offer,
//! an order, an invoice, a disclosure — as every section that adds entries
//! builds it (`person_page.rs`, `disclosures.rs`).

use rekisteri_domain::Timestamp;

/// One entry of the timeline.
pub struct Entry {
    /// What orders the timeline.
    pub at: Timestamp,
    /// The date or moment in words.
    pub when: String,
    /// `kind-…` class of the badge.
    pub badge_class: String,
    pub badge: String,
    /// The note's anchor (`note-{id}`), if a note.
    pub anchor: Option<String>,
    pub title: Option<(String, String)>,
    pub text: String,
    pub meta: Vec<String>,
    pub edit: Option<String>,
    pub upcoming: bool,
    pub overdue: bool,
    pub done: bool,
}
