//! The register's periodic work, one round of it (the job runner repeats
//! it; `rekisteri erasure run-due` runs its erasures once): the erasures
//! whose holds have ended (R8, R19), the deadline reminders of
//! data-subject requests (B4), and finished jobs, the portal's old counted
//! events and month-old imports cleared away, the planner's statistics
//! kept current, and the day's retention sweep queued as a job (R9). Each writes
//! in its own transaction what must follow (notices, letters) as jobs.

use crate::letters;
use crate::services::jobs::system;
use crate::state::AppState;
use rekisteri_domain::Timestamp;
use rekisteri_store::{ErasureOutcome, Store, StoreError};

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tick {
    /// People erased because their holds had ended.
    pub erased: usize,
    /// Reminders of request deadlines written to the privacy officer.
    pub reminded: usize,
}

/// One round. Each step runs whatever the others did: a step that fails
/// is logged (no personal data) and tried again next round; the round
/// answers the first failure after all have run.
pub async fn tick(state: &AppState) -> Result<Tick, StoreError> {
    let at = state.clock.now();
    let mut first_error = None;
    let mut keep = |step: &str, error: StoreError| {
        tracing::error!(%error, step, "a step of the periodic round failed");
        first_error.get_or_insert(error);
    };
    let erased = run_due_erasures(&state.store, at)
        .await
        .unwrap_or_else(|e| {
            keep("erasures", e);
            0
        });
    let reminded = write_reminders(state, at).await.unwrap_or_else(|e| {
        keep("reminders", e);
        0
    });
    if let Err(e) = state.store.clean_done_jobs(at).await {
        keep("jobs", e);
    }
    if let Err(e) = state
        .store
        .forget_limits(at, crate::services::limits::LONGEST_WINDOW_MICROS)
        .await
    {
        keep("limits", e);
    }
    if let Err(e) = state.store.forget_imports(at).await {
        keep("imports", e);
    }
    if let Err(e) = state.store.forget_erased_letters(at).await {
        keep("erased letters", e);
    }
    if let Err(e) = state.store.keep_statistics().await {
        keep("statistics", e);
    }
    // R9: the day's retention sweep, once across servers (a job).
    if let Err(e) = state.store.queue_sweep(at, Some(at.date())).await {
        keep("retention", e);
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(Tick { erased, reminded }),
    }
}

/// Runs every scheduled erasure whose holds have ended; answers how many
/// people were erased. Their Art. 19 notices are queued in each erasure.
pub async fn run_due_erasures(store: &Store, at: Timestamp) -> Result<usize, StoreError> {
    let register = store.register_details().await?.details;
    let letter =
        |case: &rekisteri_domain::request::RequestCase| letters::erasure_done(&register, case);
    let done = store.run_due_erasures(&system(), at, Some(&letter)).await?;
    Ok(done
        .iter()
        .filter(|(_, outcome)| matches!(outcome, ErasureOutcome::Erased { .. }))
        .count())
}

/// B4: the privacy officer (the register's contact person) is reminded 7
/// and 2 days before each open case's deadline, once each: the reminder's
/// letter and its mark are one transaction, so two servers write it once.
async fn write_reminders(state: &AppState, at: Timestamp) -> Result<usize, StoreError> {
    let register = state.register().await;
    let mut written = 0;
    for (case, reminder) in state.store.reminders_due(at).await? {
        let letter = letters::reminder(&register, &case, reminder);
        if state
            .store
            .mark_reminded(at, case.id, reminder, Some(&letter))
            .await?
        {
            written += 1;
        }
    }
    Ok(written)
}
