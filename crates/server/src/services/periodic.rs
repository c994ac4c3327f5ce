//! The register's periodic work, one round of it (the job runner repeats
//! it; `rekisteri erasure run-due` runs it once): the erasures whose holds
//! have ended (R8, R19) and the deadline reminders of data-subject
//! requests (B4).

use crate::services::erasure::{Kind, after_erasure};
use crate::state::AppState;
use rekisteri_domain::Purpose;
use rekisteri_domain::audit::Actor;
use rekisteri_store::ErasureOutcome;

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tick {
    /// People erased because their holds had ended.
    pub erased: usize,
    /// Reminders of request deadlines sent to the privacy officer.
    pub reminded: usize,
}

/// One round: runs every scheduled erasure whose holds have ended, and
/// then what follows an erasure (the outbox purged, Art. 19 notices).
pub async fn tick(state: &AppState) -> Result<Tick, rekisteri_store::StoreError> {
    let actor = Actor::command_line(Purpose::RegisterMaintenance);
    let at = state.clock.now();
    let mut done = Tick::default();
    for (person, outcome) in state.store.run_due_erasures(&actor, at).await? {
        if let ErasureOutcome::Erased { notices, .. } = outcome {
            after_erasure(state, &actor, at, person, notices, Kind::Erasure).await;
            done.erased += 1;
        }
    }
    done.reminded = crate::services::deadlines::send_reminders(state)
        .await
        .map_err(|e| rekisteri_store::StoreError::Config(format!("deadline reminders: {e}")))?;
    Ok(done)
}
