//! The durable job queue (issue 13). A job row is written in the same
//! transaction as the change that calls for it ([`enqueue`]), so a commit
//! never loses its after-work and a rollback never leaves one behind. Any
//! server runs jobs: a runner claims due rows under a lease
//! ([`Store::claim_jobs`]); on PostgreSQL the claim skips rows another
//! runner holds (`FOR UPDATE SKIP LOCKED`), on SQLite the single writer
//! serialises claims. A lease that runs out (the runner died) makes the row
//! claimable again. A failure waits by `domain::job::backoff_micros` and
//! tries again; after `MAX_TRIES` the row is `failed` with its last error
//! (no personal data: the runner's errors are written without it) until the
//! admin retries it, which is audited. Finished rows go after a week.
//!
//! A job runs at least once; the handlers make running twice harmless (a
//! letter already sent is not sent again, an erasure already done is not
//! redone), and [`complete_in`] lets a handler finish its job in the same
//! transaction as its work.

use crate::rows::{self, Arg, Select, int, opt_text, opt_ts, parsed, text, ts};
use crate::{Backend, Page, PageRequest, Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::JobId;
use rekisteri_domain::job::{
    AfterFailure, DONE_KEPT_MICROS, Job, JobState, LEASE_MICROS, after_failure, error_text,
};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};
use utoipa::ToSchema;

/// A job as the admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct JobRecord {
    pub id: JobId,
    /// `deliver_mail`, `notify_recipient`, `erasure_recheck`.
    pub kind: String,
    /// The job's ids, as stored.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub state: JobState,
    /// Tries so far (each claim counts one).
    pub tries: u32,
    /// Not run before this.
    pub run_at: Timestamp,
    /// A running job's lease: another runner may take it after this.
    pub lease_until: Option<Timestamp>,
    /// The last failure's error (no personal data).
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub done_at: Option<Timestamp>,
}

/// A job a runner holds: run it, then [`Store::complete_job`] or
/// [`Store::fail_job`]. `claimed_by` and `tries` identify this claim, so a
/// runner whose lease ran out cannot finish a job another runner took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    pub id: JobId,
    /// The job, or why its payload could not be read (then fail it).
    pub job: Result<Job, String>,
    pub tries: u32,
    pub claimed_by: String,
}

const COLUMNS: &str = "id, kind, payload, state, tries, run_at, lease_until, last_error, \
                       created_at, updated_at, done_at";

fn tries_of(row: &AnyRow) -> Result<u32, sqlx::Error> {
    Ok(u32::try_from(int(row, "tries")?).unwrap_or(u32::MAX))
}

fn record_from_row(row: &AnyRow) -> Result<JobRecord, sqlx::Error> {
    let payload = text(row, "payload")?;
    Ok(JobRecord {
        id: parsed(row, "id")?,
        kind: text(row, "kind")?,
        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload)),
        state: parsed(row, "state")?,
        tries: tries_of(row)?,
        run_at: ts(row, "run_at")?,
        lease_until: opt_ts(row, "lease_until")?,
        last_error: opt_text(row, "last_error")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        done_at: opt_ts(row, "done_at")?,
    })
}

/// Writes `job` inside the caller's transaction, due at once.
pub(crate) async fn enqueue(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    job: &Job,
) -> Result<JobId, StoreError> {
    let id = JobId::new(at);
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, state, tries, run_at, created_at, updated_at) \
         VALUES ($1, $2, $3, 'pending', 0, $4, $4, $4)",
    )
    .bind(id.to_string())
    .bind(job.code())
    .bind(job.to_json())
    .bind(at.micros())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Finishes a claimed job inside the caller's transaction (the handler's
/// work and the job's end commit together). False when the claim was lost
/// (the lease ran out and another runner took the job).
pub(crate) async fn complete_in(
    tx: &mut Transaction<'static, Any>,
    claimed: &ClaimedJob,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'done', done_at = $1, updated_at = $1, lease_until = NULL \
         WHERE id = $2 AND state = 'running' AND claimed_by = $3 AND tries = $4",
    )
    .bind(at.micros())
    .bind(claimed.id.to_string())
    .bind(claimed.claimed_by.clone())
    .bind(i64::from(claimed.tries))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl Store {
    /// Queues `job` in a transaction of its own, for work that follows no
    /// write of the store's (tests and the benchmark use it).
    pub async fn enqueue(&self, at: Timestamp, job: &Job) -> Result<JobId, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let id = enqueue(&mut tx, at, job).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims up to `limit` due jobs for the runner `worker` (a token of
    /// its own): pending ones whose time has come, and running ones whose
    /// lease ran out. Each claim counts a try and holds the job for
    /// `LEASE_MICROS`; a running job's `run_at` is its lease's end, so one
    /// range of the `(state, run_at)` index finds both kinds.
    pub async fn claim_jobs(
        &self,
        worker: &str,
        at: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', tries = tries + 1, lease_until = $1, run_at = $1, \
             claimed_by = $2, updated_at = $3 WHERE id IN (SELECT id FROM jobs \
             WHERE state IN ('pending', 'running') AND run_at <= $3 \
             ORDER BY run_at, id LIMIT $4{lock}) \
             RETURNING id, payload, tries"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(at.plus_micros(LEASE_MICROS).micros())
            .bind(worker.to_string())
            .bind(at.micros())
            .bind(i64::from(limit.max(1)))
            .fetch_all(&self.write)
            .await?;
        let mut claimed = rows
            .iter()
            .map(|row| {
                Ok(ClaimedJob {
                    id: parsed(row, "id")?,
                    job: Job::from_json(&text(row, "payload")?),
                    tries: tries_of(row)?,
                    claimed_by: worker.to_string(),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    /// Renews the claim's lease from `at`, just before work the database
    /// cannot undo (a letter handed to SMTP): false when the claim was lost
    /// — another runner holds the job, and this one must not do it.
    pub async fn renew_claim(
        &self,
        claimed: &ClaimedJob,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let until = at.plus_micros(LEASE_MICROS).micros();
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $1, run_at = $1, updated_at = $2 \
             WHERE id = $3 AND state = 'running' AND claimed_by = $4 AND tries = $5",
        )
        .bind(until)
        .bind(at.micros())
        .bind(claimed.id.to_string())
        .bind(claimed.claimed_by.clone())
        .bind(i64::from(claimed.tries))
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The job ran. False when the claim was lost meanwhile.
    pub async fn complete_job(
        &self,
        claimed: &ClaimedJob,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let done = complete_in(&mut tx, claimed, at).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// The job's try failed with `error` (written without personal data):
    /// pending again after the backoff, or `failed` after the last try.
    /// Answers the state it is left in (`None`: the claim was lost).
    pub async fn fail_job(
        &self,
        claimed: &ClaimedJob,
        at: Timestamp,
        error: &str,
    ) -> Result<Option<JobState>, StoreError> {
        let (state, run_at) = match after_failure(claimed.tries) {
            AfterFailure::Retry { wait_micros } => (JobState::Pending, at.plus_micros(wait_micros)),
            AfterFailure::GiveUp => (JobState::Failed, at),
        };
        let done = sqlx::query(
            "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, updated_at = $4, \
             lease_until = NULL WHERE id = $5 AND state = 'running' AND claimed_by = $6 AND tries = $7",
        )
        .bind(state.code())
        .bind(run_at.micros())
        .bind(error_text(error))
        .bind(at.micros())
        .bind(claimed.id.to_string())
        .bind(claimed.claimed_by.clone())
        .bind(i64::from(claimed.tries))
        .execute(&self.write)
        .await?;
        Ok((done.rows_affected() == 1).then_some(state))
    }

    /// Jobs, oldest first, optionally in one state; paged by id.
    pub async fn jobs(
        &self,
        state: Option<JobState>,
        page: &PageRequest,
    ) -> Result<Page<JobRecord>, StoreError> {
        let mut select = Select::default();
        if let Some(state) = state {
            select.filter("state = ?", Arg::Text(state.code().into()));
        }
        let (tail, extra) = rows::page_clause(&mut select, page, "id");
        let items = select
            .build(&format!("SELECT {COLUMNS} FROM jobs"), &tail, extra)
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(record_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows::into_page(items, page, |j| j.id.to_string()))
    }

    /// One job.
    pub async fn job(&self, id: JobId) -> Result<JobRecord, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM jobs WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.write)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(record_from_row(&row)?)
    }

    /// How many jobs are in each state (the admin page's summary).
    pub async fn job_counts(&self) -> Result<Vec<(JobState, i64)>, StoreError> {
        let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
            .fetch_all(&self.read)
            .await?;
        let mut counts: Vec<(JobState, i64)> = JobState::ALL.iter().map(|s| (*s, 0)).collect();
        for row in &rows {
            let state: JobState = parsed(row, "state")?;
            if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == state) {
                slot.1 = int(row, "n")?;
            }
        }
        Ok(counts)
    }

    /// Puts a failed job back in the queue with its tries anew (the admin's
    /// decision, audited). A job in any other state is a 409 `not_failed`.
    pub async fn retry_job(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: JobId,
    ) -> Result<JobRecord, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let done = sqlx::query(
            "UPDATE jobs SET state = 'pending', tries = 0, run_at = $1, updated_at = $1, \
             lease_until = NULL, claimed_by = NULL WHERE id = $2 AND state = 'failed'",
        )
        .bind(at.micros())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let exists = sqlx::query("SELECT state FROM jobs WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            return Err(match exists {
                None => StoreError::NotFound,
                Some(_) => StoreError::Conflict {
                    code: "not_failed",
                    message: "only a failed job can be retried".into(),
                },
            });
        }
        audit::insert(
            &mut tx,
            &[actor.entry(at, AuditAction::Retry, RecordType::Job, id, None)],
        )
        .await?;
        tx.commit().await?;
        self.job(id).await
    }

    /// Removes jobs finished more than `DONE_KEPT_MICROS` before `at`;
    /// answers how many.
    pub async fn clean_done_jobs(&self, at: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM jobs WHERE state = 'done' AND done_at < $1")
            .bind(at.plus_micros(-DONE_KEPT_MICROS).micros())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }
}
