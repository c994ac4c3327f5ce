//! The register's durable work: what must follow a commit is a job row
//! written in the same transaction, and any server runs it later. This
//! module holds the rules only — the kinds and their payloads (ids only:
//! never a value of a person), the states, how long to wait after a
//! failure and when to give up; the store keeps the rows and the server's
//! runner claims and runs them.

use crate::ids::{DisclosureId, MailId, PersonId, RecipientId};
use crate::provenance::code_enum;
use crate::time::Date;
use serde::{Deserialize, Serialize};

code_enum!(
    /// Where a job is: waiting (`pending`, also between tries), claimed by
    /// a runner under a lease (`running`), finished (`done`), or given up
    /// after [`MAX_TRIES`] with its last error (`failed`) until the admin
    /// retries it.
    JobState {
        Pending = "pending",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
);

/// What an erasure notice (Art. 19) says was done to the person's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Forgotten {
    Erased,
    Anonymised,
}

/// One job and what it needs, by id only. Stored as its `code()` and this
/// value as JSON (`{"kind":"deliver_mail","mail_id":"…"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Job {
    /// Send a letter of the `mail` table (SMTP when configured; else it is
    /// kept for the outbox).
    DeliverMail { mail_id: MailId },
    /// Tell one recipient of the person's data that it was erased or
    /// anonymised (GDPR Art. 19), naming these disclosures.
    NotifyRecipient {
        person_id: PersonId,
        recipient_id: RecipientId,
        disclosures: Vec<DisclosureId>,
        forgotten: Forgotten,
    },
    /// A hold on the person's erasure may have ended (an invoice paid or
    /// credited, a contact role ended): run the scheduled erasure if so.
    ErasureRecheck { person_id: PersonId },
    /// Run the retention sweep (R9): the daily one for its day (one server
    /// claims it), or one the officer asked for (`daily_on` none).
    RetentionSweep { daily_on: Option<Date> },
    /// Append the erasure journal's new entries to its file outside the
    /// database (B2); one waits at a time, and it appends all there are.
    AppendJournal,
}

impl Job {
    /// The kind's code, stored beside the payload so lists can filter on it.
    pub fn code(&self) -> &'static str {
        match self {
            Job::DeliverMail { .. } => "deliver_mail",
            Job::NotifyRecipient { .. } => "notify_recipient",
            Job::ErasureRecheck { .. } => "erasure_recheck",
            Job::RetentionSweep { .. } => "retention_sweep",
            Job::AppendJournal => "append_journal",
        }
    }

    /// The payload as stored.
    pub fn to_json(&self) -> String {
        // A derived Serialize of ids and enums cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A stored payload read back; an unknown kind is an error to record on
    /// the job, not a reason to stop the runner.
    pub fn from_json(raw: &str) -> Result<Self, String> {
        serde_json::from_str(raw).map_err(|e| format!("the job's payload is not understood: {e}"))
    }
}

/// Tries before a job is given up as `failed`.
pub const MAX_TRIES: u32 = 8;

/// The wait after the first failure; each further failure doubles it.
pub const FIRST_BACKOFF_MICROS: i64 = 30 * 1_000_000;

/// The longest wait between tries.
pub const MAX_BACKOFF_MICROS: i64 = 60 * 60 * 1_000_000;

/// How long a runner holds a claimed job before another may take it (a
/// runner that died, or was killed, loses it then).
pub const LEASE_MICROS: i64 = 2 * 60 * 1_000_000;

/// How long finished jobs are kept for the admin's list before they go.
pub const DONE_KEPT_MICROS: i64 = 7 * 24 * 60 * 60 * 1_000_000;

/// Longest error text kept on a job (the runner's errors carry no personal
/// data; the cap keeps a long driver message from filling the table).
pub const MAX_ERROR_CHARS: usize = 500;

/// The wait before the next try after `tries` tries have failed (1 → 30 s,
/// 2 → 60 s, … doubling, at most an hour).
pub fn backoff_micros(tries: u32) -> i64 {
    let doublings = tries.saturating_sub(1).min(30);
    FIRST_BACKOFF_MICROS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_BACKOFF_MICROS)
}

/// What happens to a job whose try number `tries` (counting this one) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Pending again, not before `wait_micros` from now.
    Retry { wait_micros: i64 },
    /// Failed for good, until the admin retries it.
    GiveUp,
}

pub fn after_failure(tries: u32) -> AfterFailure {
    if tries >= MAX_TRIES {
        AfterFailure::GiveUp
    } else {
        AfterFailure::Retry {
            wait_micros: backoff_micros(tries),
        }
    }
}

/// An error as kept on the job: one line, at most [`MAX_ERROR_CHARS`].
pub fn error_text(error: &str) -> String {
    let line = error.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(MAX_ERROR_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    #[test]
    fn the_wait_doubles_from_thirty_seconds_to_at_most_an_hour() {
        let secs: Vec<i64> = (1..=9).map(|t| backoff_micros(t) / 1_000_000).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff_micros(0), FIRST_BACKOFF_MICROS);
        assert_eq!(backoff_micros(u32::MAX), MAX_BACKOFF_MICROS);
    }

    #[test]
    fn a_job_is_given_up_after_the_last_try() {
        for tries in 1..MAX_TRIES {
            assert_eq!(
                after_failure(tries),
                AfterFailure::Retry {
                    wait_micros: backoff_micros(tries)
                }
            );
        }
        assert_eq!(after_failure(MAX_TRIES), AfterFailure::GiveUp);
        assert_eq!(after_failure(MAX_TRIES + 3), AfterFailure::GiveUp);
    }

    #[test]
    fn payloads_are_ids_and_read_back() {
        let at = Timestamp::from_micros(1_800_000_000_000_000);
        let jobs = [
            Job::DeliverMail {
                mail_id: MailId::new(at),
            },
            Job::NotifyRecipient {
                person_id: PersonId::new(at),
                recipient_id: RecipientId::new(at),
                disclosures: vec![DisclosureId::new(at)],
                forgotten: Forgotten::Anonymised,
            },
            Job::ErasureRecheck {
                person_id: PersonId::new(at),
            },
        ];
        for job in jobs {
            let raw = job.to_json();
            assert!(raw.starts_with(&format!("{{\"kind\":\"{}\"", job.code())));
            assert_eq!(Job::from_json(&raw).unwrap(), job);
        }
        assert!(Job::from_json(r#"{"kind":"launch_rockets"}"#).is_err());
        assert!(
            Job::from_json(r#"{"kind":"erasure_recheck","person_id":"x"}"#).is_err(),
            "an id must be an id"
        );
    }

    #[test]
    fn errors_are_one_line_and_capped() {
        assert_eq!(error_text("smtp\n  refused"), "smtp refused");
        let long = "é".repeat(MAX_ERROR_CHARS + 10);
        let kept = error_text(&long);
        assert_eq!(kept.chars().count(), MAX_ERROR_CHARS + 1);
        assert!(kept.ends_with('…'));
    }

    #[test]
    fn states_have_codes() {
        assert_eq!(JobState::from_code("failed"), Some(JobState::Failed));
        assert_eq!(JobState::ALL.len(), 4);
    }
}
