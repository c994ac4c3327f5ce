//! The edge that works by itself: [`run`] claims and runs due jobs every
//! second ([`crate::services::jobs::run_due`]) and the register's periodic
//! round ([`crate::services::periodic::tick`]) every few minutes, for as
//! long as the server serves. Several servers on one database each run
//! it: the store hands a job to one runner at a time.

use crate::services::jobs::{run_due, worker_name};
use crate::services::periodic::tick;
use crate::state::AppState;
use std::time::Duration;

/// How often [`run`] ticks the periodic round.
pub const EVERY: Duration = Duration::from_secs(5 * 60);

/// How often [`run`] looks for due jobs.
pub const POLL: Duration = Duration::from_secs(1);

/// Runs jobs and the periodic round until the process ends; a failure is
/// logged (no personal data) and the next pass tries again.
pub async fn run(state: AppState) {
    let worker = worker_name();
    let mut round = tokio::time::interval(EVERY);
    round.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = round.tick() => match tick(&state).await {
                Ok(done) if done.erased > 0 || done.reminded > 0 => {
                    tracing::info!(erased = done.erased, reminded = done.reminded, "periodic round ran");
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "the periodic round failed"),
            },
            _ = poll.tick() => match run_due(&state, &worker).await {
                Ok(ran) if ran.done + ran.failed > 0 => {
                    tracing::info!(done = ran.done, failed = ran.failed, "jobs ran");
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "the job queue could not be read"),
            },
        }
    }
}
