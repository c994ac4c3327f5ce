//! What every erasure and anonymisation answers, whichever edge ran it —
//! the API, the officer's page, the command line or the periodic round
//! (R8, R19, R21). The store did the work in one transaction: the person's
//! data and mail went, and a `notify_recipient` job was queued for each
//! recipient of the person's data (GDPR Art. 19), which the job runner
//! writes and sends after the commit.

use crate::letters;
use crate::state::AppState;
use rekisteri_domain::audit::Actor;
use rekisteri_domain::ids::{DisclosureId, PersonId, RecipientId, RequestId};
use rekisteri_store::{ErasureOutcome, RecipientNotice, StoreError};
use serde::Serialize;
use utoipa::ToSchema;

/// A recipient to be told of the erasure (Art. 19).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeQueued {
    pub recipient_id: RecipientId,
    pub recipient_name: String,
    /// `email` (to the recipient's notice address) or `letter` (printable,
    /// in the outbox).
    pub by: String,
    /// The disclosures the notice names.
    pub disclosures: Vec<DisclosureId>,
}

/// An erasure or anonymisation done.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureDone {
    /// Always true (a held erasure answers 409).
    pub erased: bool,
    /// The notices queued in the erasure's transaction; each goes out by
    /// its job (see `/admin/jobs` and the outbox).
    pub notified: Vec<NoticeQueued>,
    /// Letters about the person removed from the outbox (R21).
    pub outbox_removed: u64,
    /// Paper documents about the person to destroy (R10): each is a task
    /// the officer confirms (`/paper-documents/to-destroy`); the erasure is
    /// complete only when none is left.
    pub paper_to_destroy: u64,
}

impl ErasureDone {
    pub fn of(notices: Vec<RecipientNotice>, mail_removed: u64, paper_to_destroy: u64) -> Self {
        let notified = notices
            .into_iter()
            .map(|notice| NoticeQueued {
                by: if notice.notice_email.is_some() {
                    "email"
                } else {
                    "letter"
                }
                .into(),
                disclosures: notice.disclosures.iter().map(|d| d.disclosure_id).collect(),
                recipient_id: notice.recipient_id,
                recipient_name: notice.recipient_name,
            })
            .collect();
        Self {
            erased: true,
            notified,
            outbox_removed: mail_removed,
            paper_to_destroy,
        }
    }
}

/// Erases the person (the API's and the officer's), or schedules the
/// erasure when held; an erasure answering `request` that is held writes
/// the requester the letter saying why and until when (R8, R20), in the
/// same transaction.
pub async fn erase(
    s: &AppState,
    actor: &Actor,
    person: PersonId,
    request: Option<RequestId>,
) -> Result<ErasureOutcome, StoreError> {
    let register = s.register().await;
    let held = |case: &rekisteri_domain::request::RequestCase,
                holds: &[rekisteri_domain::erasure::Hold]| {
        letters::erasure_held(&register, case, holds)
    };
    s.store
        .erase_person_writing(actor, s.clock.now(), person, request, Some(&held))
        .await
}
