//! Running the register's jobs (issue 13): what must follow a commit was
//! written as a job row in that commit; here a runner claims due jobs and
//! does each one — a letter delivered, an Art. 19 notice written, a held
//! erasure re-checked. A job's work and its end commit together where the
//! work is a write of the store's, so a job that is claimed twice (its
//! runner died after the lease) writes once. A letter's claim is renewed
//! just before it goes to SMTP; one that SMTP accepted but whose end was
//! lost (the runner died in that instant) may be sent again, never lost:
//! jobs run at least once.
//!
//! Errors kept on a job carry no personal data: ids and kinds only.

use crate::letters;
use crate::state::AppState;
use rekisteri_domain::Purpose;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{DisclosureId, MailId, PersonId, RecipientId};
use rekisteri_domain::job::{Forgotten, Job};
use rekisteri_domain::mail::MailState;
use rekisteri_store::{ClaimedJob, StoreError};

/// How many jobs one claim takes.
const BATCH: u32 = 16;

/// What one pass over the queue did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ran {
    pub done: usize,
    pub failed: usize,
}

/// The register itself, as the actor of its jobs.
pub fn system() -> Actor {
    Actor::command_line(Purpose::RegisterMaintenance)
}

/// A name for one runner, unique among the servers on one database.
pub fn worker_name() -> String {
    format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple())
}

/// Most batches one pass claims, so the periodic round gets its turn.
const BATCHES_A_PASS: usize = 64;

/// Claims and runs due jobs until none is due now (or the pass has run
/// [`BATCHES_A_PASS`] batches). A failed try is put back with its backoff
/// (or given up after the last try) and the pass goes on; only the store
/// failing stops it.
pub async fn run_due(s: &AppState, worker: &str) -> Result<Ran, StoreError> {
    let mut ran = Ran::default();
    for _ in 0..BATCHES_A_PASS {
        let batch = s.store.claim_jobs(worker, s.clock.now(), BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for claimed in batch {
            match run_one(s, &claimed).await {
                Ok(()) => ran.done += 1,
                Err(error) => {
                    let left = s.store.fail_job(&claimed, s.clock.now(), &error).await?;
                    tracing::warn!(job = %claimed.id, tries = claimed.tries, ?left, %error, "a job failed");
                    ran.failed += 1;
                }
            }
        }
    }
    Ok(ran)
}

/// Does one claimed job; `Err` is the error to keep on it.
async fn run_one(s: &AppState, claimed: &ClaimedJob) -> Result<(), String> {
    let job = claimed.job.clone()?;
    match job {
        Job::DeliverMail { mail_id } => deliver(s, claimed, mail_id).await,
        Job::NotifyRecipient {
            person_id,
            recipient_id,
            disclosures,
            forgotten,
        } => notify(s, claimed, person_id, recipient_id, &disclosures, forgotten).await,
        Job::ErasureRecheck { person_id } => recheck(s, claimed, person_id).await,
        Job::RetentionSweep { daily_on } => retention_sweep(s, claimed, daily_on).await,
        Job::AppendJournal => append_journal(s, claimed).await,
    }
}

/// The erasure journal's new entries to its file (B2). A server without
/// the file leaves the job done: the entries wait in the database, and the
/// next append anywhere (or `backup create`) writes them all.
async fn append_journal(s: &AppState, claimed: &ClaimedJob) -> Result<(), String> {
    if let Some(journal) = &s.journal {
        journal
            .append_pending(&s.store)
            .await
            .map_err(|e| rekisteri_domain::job::error_text(&e.to_string()))?;
    }
    s.store
        .complete_job(claimed, s.clock.now())
        .await
        .map_err(|e| store_error("the job could not end", e))?;
    Ok(())
}

/// The retention sweep (R9). It may outlast the job's lease, so the lease
/// is renewed every 30 s while it runs; a sweep killed midway is finished
/// by the next one.
async fn retention_sweep(
    s: &AppState,
    claimed: &ClaimedJob,
    daily_on: Option<rekisteri_domain::Date>,
) -> Result<(), String> {
    let keep = {
        let (store, clock, claimed) = (s.store.clone(), s.clock.clone(), claimed.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
            every.tick().await;
            loop {
                every.tick().await;
                if !matches!(store.renew_claim(&claimed, clock.now()).await, Ok(true)) {
                    return;
                }
            }
        })
    };
    let swept = crate::services::retention::sweep(
        &s.store,
        s.clock.as_ref(),
        &system(),
        daily_on,
        &|_, _| {},
    )
    .await;
    keep.abort();
    swept.map_err(|e| store_error("the retention sweep failed", e))?;
    s.store
        .complete_job(claimed, s.clock.now())
        .await
        .map_err(|e| store_error("the job could not end", e))?;
    Ok(())
}

fn store_error(what: &str, error: StoreError) -> String {
    format!("{what}: {error}")
}

/// A letter of the outbox to its addressee: by SMTP, or kept for the
/// outbox. A letter gone meanwhile (an erasure purged it) is done.
async fn deliver(s: &AppState, claimed: &ClaimedJob, id: MailId) -> Result<(), String> {
    let now = s.clock.now();
    let mail = s
        .store
        .mail_unaudited(id)
        .await
        .map_err(|e| store_error("the letter could not be read", e))?;
    let Some(mail) = mail.filter(|m| m.state == MailState::Queued) else {
        s.store
            .complete_job(claimed, now)
            .await
            .map_err(|e| store_error("the job could not end", e))?;
        return Ok(());
    };
    // The batch's lease may be running out behind slow sends: renewed
    // here, or given up if another runner has taken the job meanwhile.
    if !s
        .store
        .renew_claim(claimed, s.clock.now())
        .await
        .map_err(|e| store_error("the claim could not be renewed", e))?
    {
        return Ok(());
    }
    let state = s
        .mailer
        .deliver(&mail)
        .await
        .map_err(|e| format!("letter {id} ({}): {e}", mail.kind))?;
    s.store
        .mail_delivered(&system(), claimed, id, state, s.clock.now())
        .await
        .map_err(|e| store_error("the delivery could not be recorded", e))?;
    Ok(())
}

/// GDPR Art. 19: the recipient's notice written as a letter (with its own
/// delivery job), audited per disclosure, and this job ended — in one
/// transaction.
async fn notify(
    s: &AppState,
    claimed: &ClaimedJob,
    person: PersonId,
    recipient: RecipientId,
    disclosures: &[DisclosureId],
    forgotten: Forgotten,
) -> Result<(), String> {
    let now = s.clock.now();
    let notice = s
        .store
        .recipient_notice(recipient, disclosures)
        .await
        .map_err(|e| store_error("the notice could not be read", e))?;
    let Some(notice) = notice else {
        // The recipient's disclosures are no longer on record: nothing to tell.
        s.store
            .complete_job(claimed, now)
            .await
            .map_err(|e| store_error("the job could not end", e))?;
        return Ok(());
    };
    let register = s.register().await;
    let letter = letters::erasure_notice(&register, person, &notice, forgotten);
    let actor = system();
    let entries: Vec<_> = notice
        .disclosures
        .iter()
        .map(|d| {
            actor.entry(
                now,
                AuditAction::Notify,
                RecordType::Disclosure,
                d.disclosure_id,
                Some(person),
            )
        })
        .collect();
    s.store
        .queue_mail(now, &[letter], &entries, Some(claimed))
        .await
        .map_err(|e| store_error("the notice could not be written", e))?;
    Ok(())
}

/// A hold on the person's scheduled erasure may have ended: the erasure
/// runs if none is left (its notices are jobs of its own).
async fn recheck(s: &AppState, claimed: &ClaimedJob, person: PersonId) -> Result<(), String> {
    let now = s.clock.now();
    let register = s.register().await;
    let letter = |case: &rekisteri_domain::request::RequestCase| {
        crate::letters::erasure_done(&register, case)
    };
    s.store
        .run_due_erasure_of(&system(), now, person, Some(&letter))
        .await
        .map_err(|e| store_error("the scheduled erasure could not run", e))?;
    s.store
        .complete_job(claimed, now)
        .await
        .map_err(|e| store_error("the job could not end", e))?;
    Ok(())
}
