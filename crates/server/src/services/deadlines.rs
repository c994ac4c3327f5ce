//! B4: reminders of data-subject requests' deadlines. The privacy officer
//! (the register's contact person) gets an email 7 and 2 days before each
//! open case's deadline, once each; the background job runs this.

use crate::letters;
use crate::state::AppState;

/// Sends every reminder owed now; answers how many went.
pub async fn send_reminders(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now();
    let due = state.store.reminders_due(now).await?;
    let mut sent = 0;
    for (case, reminder) in due {
        let mail = letters::reminder(&state.register, &case, reminder);
        // One failing message must not hold back the others; it is tried
        // again on the next round (not marked sent).
        if let Err(error) = state.mailer.send(&mail, now).await {
            tracing::error!(%error, request = %case.id, "a deadline reminder could not be sent");
            continue;
        }
        state
            .store
            .mark_reminded(now, case.id, reminder, None)
            .await?;
        sent += 1;
    }
    Ok(sent)
}
