//! Legal holds (R8) and paper documents (R10) for the API and the pages
//! alike: the policy, the draft parsed on today's date, the store's write.

use crate::caller::Caller;
use crate::error::ApiError;
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::{LegalHoldId, PaperDocumentId, PersonId};
use rekisteri_domain::legal_hold::{LegalHold, LegalHoldDraft};
use rekisteri_domain::paper::{PaperDocument, PaperDocumentDraft, destroyed_on};

/// Places a legal hold on the person (the privacy officer's).
pub async fn place(
    s: &AppState,
    caller: &Caller,
    person: PersonId,
    draft: &LegalHoldDraft,
) -> Result<LegalHold, ApiError> {
    allow(caller, Resource::LegalHolds, Access::Write)?;
    let at = s.clock.now();
    let new = draft.parse(at.date())?;
    Ok(s.store
        .place_legal_hold(
            &caller.actor(Purpose::RegisterMaintenance),
            at,
            person,
            &new,
        )
        .await?)
}

/// Ends a legal hold now; a scheduled erasure it held is re-checked.
pub async fn end(
    s: &AppState,
    caller: &Caller,
    person: PersonId,
    hold: LegalHoldId,
) -> Result<LegalHold, ApiError> {
    allow(caller, Resource::LegalHolds, Access::Write)?;
    Ok(s.store
        .end_legal_hold(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            person,
            hold,
        )
        .await?)
}

/// Records a paper document kept about the person.
pub async fn add_paper(
    s: &AppState,
    caller: &Caller,
    person: PersonId,
    draft: &PaperDocumentDraft,
) -> Result<PaperDocument, ApiError> {
    allow(caller, Resource::PaperDocuments, Access::Write)?;
    let at = s.clock.now();
    let new = draft.parse(at.date())?;
    Ok(s.store
        .add_paper_document(
            &caller.actor(Purpose::RegisterMaintenance),
            at,
            person,
            &new,
        )
        .await?)
}

/// The officer confirms a paper document destroyed (an erasure's task).
pub async fn confirm_destroyed(
    s: &AppState,
    caller: &Caller,
    id: PaperDocumentId,
    on: Option<&str>,
) -> Result<PaperDocument, ApiError> {
    allow(caller, Resource::Erasure, Access::Write)?;
    let at = s.clock.now();
    let doc = s.store.paper_document(id).await?;
    let opened = doc.destroy_from.unwrap_or(at);
    let on = destroyed_on(on, opened, at.date())?;
    Ok(s.store
        .confirm_destroyed(&caller.actor(Purpose::RegisterMaintenance), at, id, on)
        .await?)
}

/// Paper documents to destroy, oldest first: an erasure or a retention
/// action asked for it and the officer has not confirmed it yet. Each is a
/// read of its person, audited.
pub async fn to_destroy(s: &AppState, caller: &Caller) -> Result<Vec<PaperDocument>, ApiError> {
    allow(caller, Resource::Erasure, Access::Read)?;
    Ok(s.store
        .paper_to_destroy(&caller.actor(Purpose::RegisterMaintenance), s.clock.now())
        .await?)
}
