//! The edge that works by itself: [`run`] repeats the register's periodic
//! round ([`crate::services::periodic::tick`]) every few minutes while the
//! server serves.

use crate::services::periodic::tick;
use crate::state::AppState;
use std::time::Duration;

/// How often [`run`] ticks.
pub const EVERY: Duration = Duration::from_secs(5 * 60);

/// Ticks every [`EVERY`] until the process ends; a failed round is logged
/// and the next one tries again.
pub async fn run(state: AppState) {
    let mut interval = tokio::time::interval(EVERY);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        match tick(&state).await {
            Ok(done) if done.erased > 0 || done.reminded > 0 => {
                tracing::info!(
                    erased = done.erased,
                    reminded = done.reminded,
                    "periodic jobs ran"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "the periodic jobs failed"),
        }
    }
}
