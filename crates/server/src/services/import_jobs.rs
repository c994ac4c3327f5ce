//! The staff page's CSV imports (R5, issue 13): each is a record in the
//! database before it starts, so any server shows how far it is and a
//! restart leaves it failed or done, never lost. The import runs in the
//! background and commits at once, marking its record done; while it
//! runs, this server counts its progress in memory and writes it, with a
//! heartbeat, every second, where other servers read it.

use crate::services::imports::{Rejected, import_batches};
use crate::state::AppState;
use rekisteri_domain::audit::Actor;
use rekisteri_domain::ids::{ImportId, UserId};
use rekisteri_domain::person::NewPerson;
use rekisteri_store::StoreError;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How often a running import's progress is written.
const HEARTBEAT: Duration = Duration::from_secs(1);

/// Where an import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Running,
    Done,
    Failed,
    /// Rows had errors and the user did not skip them: nothing imported.
    Refused,
}

impl JobStatus {
    pub fn code(self) -> &'static str {
        match self {
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Refused => "refused",
        }
    }

    fn of(code: &str) -> Self {
        match code {
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "refused" => JobStatus::Refused,
            _ => JobStatus::Failed,
        }
    }
}

/// One import as its page shows it.
#[derive(Debug, Clone)]
pub struct Job {
    /// Data rows in the file.
    pub rows: usize,
    /// People to import (the valid rows).
    pub total: usize,
    pub done: usize,
    pub status: JobStatus,
    pub rejected: Vec<Rejected>,
}

impl Job {
    pub fn rejected_count(&self) -> i64 {
        i64::try_from(self.rejected.len()).unwrap_or(i64::MAX)
    }

    pub fn row_count(&self) -> i64 {
        i64::try_from(self.rows).unwrap_or(i64::MAX)
    }

    pub fn max(&self) -> usize {
        self.total.max(1)
    }
}

/// Records the import and, unless `refused`, starts it in the background.
pub async fn start(
    s: &AppState,
    actor: Actor,
    owner: UserId,
    rows: usize,
    valid: Vec<NewPerson>,
    rejected: &[Rejected],
    refused: bool,
) -> Result<ImportId, StoreError> {
    let now = s.clock.now();
    let id = s
        .store
        .start_import(owner, now, rows, valid.len(), refused, rejected)
        .await?;
    if refused {
        return Ok(id);
    }
    let done = Arc::new(AtomicUsize::new(0));
    if let Ok(mut running) = s.imports.running.lock() {
        running.insert(id, done.clone());
    }
    let state = s.clone();
    tokio::spawn(async move {
        let beating = state.clone();
        let count = done.clone();
        let heartbeat = tokio::spawn(async move {
            loop {
                tokio::time::sleep(HEARTBEAT).await;
                let n = count.load(Ordering::SeqCst);
                if let Err(error) = beating
                    .store
                    .import_heartbeat(id, n, beating.clock.now())
                    .await
                {
                    tracing::warn!(%error, import = %id, "an import's progress could not be written");
                }
            }
        });
        let result = import_batches(&state.store, actor, now, valid, Some(id), |n| {
            done.fetch_add(n, Ordering::SeqCst);
        })
        .await;
        heartbeat.abort();
        if let Err(error) = result {
            tracing::error!(%error, import = %id, "web import failed");
            if let Err(error) = state.store.fail_import(id, state.clock.now()).await {
                tracing::error!(%error, import = %id, "a failed import could not be recorded");
            }
        }
        if let Ok(mut running) = state.imports.running.lock() {
            running.remove(&id);
        }
    });
    Ok(id)
}

/// The import, if `owner` started it: from the database, with this
/// server's own count while it runs here.
pub async fn job(s: &AppState, id: ImportId, owner: UserId) -> Result<Option<Job>, StoreError> {
    let live = s.imports.progress(id);
    let Some(record) = s
        .store
        .import_record(id, owner, s.clock.now(), live.is_some())
        .await?
    else {
        return Ok(None);
    };
    let status = JobStatus::of(&record.status);
    let count = |n: i64| usize::try_from(n).unwrap_or(0);
    let done = match (status, live) {
        (JobStatus::Running, Some(n)) => n,
        _ => count(record.done),
    };
    Ok(Some(Job {
        rows: count(record.rows),
        total: count(record.total),
        done,
        status,
        rejected: s.store.import_rejections(id).await?,
    }))
}
