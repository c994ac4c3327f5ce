//! B4: the deadline reminders of open data-subject requests, 7 and 2 days
//! before the deadline, each once; the reminder's letter is written in the
//! transaction that records it.

use crate::requests::{SELECT, add_event, from_row};
use crate::rows::{self, opt_int};
use crate::{Store, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::Actor;
use rekisteri_domain::ids::RequestId;
use rekisteri_domain::mail::Letter;
use rekisteri_domain::request::{Reminder, RequestCase};
use sqlx::AssertSqlSafe;

impl Store {
    /// Open cases owed a reminder today (B4), with the reminder.
    pub async fn reminders_due(
        &self,
        at: Timestamp,
    ) -> Result<Vec<(RequestCase, Reminder)>, StoreError> {
        let today = at.date();
        let horizon = today.plus_days(7).to_string();
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE status IN ('received', 'verified', 'in_progress') \
             AND COALESCE(extended_to, due_on) <= $1"
        )))
        .bind(horizon)
        .fetch_all(&self.read)
        .await?;
        let flags = sqlx::query(
            "SELECT id, reminded_7_at, reminded_2_at FROM requests WHERE status IN ('received', 'verified', 'in_progress')",
        )
        .fetch_all(&self.read)
        .await?;
        let mut sent = std::collections::HashMap::new();
        for row in flags {
            sent.insert(
                rows::text(&row, "id")?,
                (
                    opt_int(&row, "reminded_7_at")?.is_some(),
                    opt_int(&row, "reminded_2_at")?.is_some(),
                ),
            );
        }
        let mut due = Vec::new();
        for row in rows {
            let case = from_row(&row)?;
            let (seven, two) = sent.get(&case.id.to_string()).copied().unwrap_or_default();
            if let Some(r) =
                rekisteri_domain::request::reminder_due(case.deadline(), today, seven, two)
            {
                due.push((case, r));
            }
        }
        Ok(due)
    }

    /// Writes the reminder's letter and records that it went, in one
    /// transaction, once: a reminder another server has written already
    /// writes nothing and answers false.
    pub async fn mark_reminded(
        &self,
        at: Timestamp,
        id: RequestId,
        reminder: Reminder,
        letter: Option<&Letter>,
    ) -> Result<bool, StoreError> {
        let column = match reminder {
            Reminder::SevenDays => "reminded_7_at",
            Reminder::TwoDays => "reminded_2_at",
        };
        let mut tx = self.backend.begin_write(&self.write).await?;
        let done = sqlx::query(AssertSqlSafe(format!(
            "UPDATE requests SET {column} = $1 WHERE id = $2 AND {column} IS NULL"
        )))
        .bind(at.micros())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        if let Some(letter) = letter {
            crate::mail::queue(&mut tx, at, letter).await?;
        }
        let system = Actor::command_line(rekisteri_domain::Purpose::RegisterMaintenance);
        let note = format!("{} days before the deadline", reminder.days());
        add_event(&mut tx, id, &system, at, "reminded", Some(&note)).await?;
        tx.commit().await?;
        Ok(true)
    }
}
