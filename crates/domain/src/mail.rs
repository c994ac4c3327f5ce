//! The register's letters as records (R14, R17, R19 Art. 19, B4): each
//! message the register writes is a row, kept until it is sent, and read in
//! the outbox by any server. What kinds there are, where a letter goes, and
//! which ones hold a secret that must not outlive the sending.

use crate::ids::PersonId;
use crate::provenance::code_enum;

code_enum!(
    /// Why the register wrote a letter.
    MailKind {
        /// A single-use sign-in link of the privacy portal (holds its secret).
        PortalLink = "portal_link",
        /// A data-subject request's extension, with its reason (R14).
        RequestExtension = "request_extension",
        /// A data-subject request's answer (R14–R21; a refusal names the authority, R20).
        RequestAnswer = "request_answer",
        /// A rectification told to a source or a recipient (R17, Art. 19).
        Rectification = "rectification",
        /// An erasure or anonymisation told to a recipient (Art. 19).
        ErasureNotice = "erasure_notice",
        /// An erasure request held (a legal hold, an open invoice): why, what
        /// is kept, when it runs, and the authority (R8, R20).
        ErasureHeld = "erasure_held",
        /// A held erasure has run: told to the requester, whose address
        /// then goes with the letter itself (R8, R21).
        ErasureDone = "erasure_done",
        /// A request's deadline, to the privacy officer (B4).
        DeadlineReminder = "deadline_reminder",
    }
);

impl MailKind {
    /// The body holds a secret (a sign-in link): once the message has left
    /// by SMTP the register keeps only its envelope, not the body.
    pub fn holds_secret(self) -> bool {
        matches!(self, MailKind::PortalLink)
    }

    /// The letter names someone already erased: once the SMTP server has
    /// it, the register keeps nothing of it (a kept one goes after
    /// [`ERASED_LETTER_KEPT_MICROS`], time enough to print and post it).
    pub fn gone_once_sent(self) -> bool {
        matches!(self, MailKind::ErasureDone)
    }
}

/// How long a kept letter to an erased person stays in the outbox: 30 days.
pub const ERASED_LETTER_KEPT_MICROS: i64 = 30 * 24 * 3_600_000_000;

code_enum!(
    /// Where a letter is: waiting for its delivery job (`queued`), accepted
    /// by the SMTP server (`sent`), or kept in the outbox to be read there
    /// — no SMTP server is configured, or it is a printable letter (`kept`).
    MailState {
        Queued = "queued",
        Sent = "sent",
        Kept = "kept",
    }
);

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addressee {
    Email(String),
    /// Printed and posted: the name (and address) as the letter starts.
    Letter(String),
}

/// A letter to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub kind: MailKind,
    pub to: Addressee,
    pub subject: String,
    pub body: String,
    /// The person the message is about, if any (erasure removes it with them).
    pub about: Option<PersonId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_portal_link_holds_a_secret() {
        let secret: Vec<MailKind> = MailKind::ALL
            .iter()
            .copied()
            .filter(|k| k.holds_secret())
            .collect();
        assert_eq!(secret, [MailKind::PortalLink]);
        assert_eq!(MailState::from_code("kept"), Some(MailState::Kept));
    }
}
