//! `rekisteri jobs list|retry|run`: the job queue as the admin sees it on
//! the command line — what waits, what runs, what failed and why — a failed
//! job put back, and the due jobs run once here (no server running).

use crate::cli::MailArgs;
use crate::services::jobs::{run_due, worker_name};
use crate::state::AppState;
use anyhow::anyhow;
use clap::Subcommand;
use rekisteri_domain::Clock;
use rekisteri_domain::ids::JobId;
use rekisteri_domain::job::JobState;
use rekisteri_domain::values::Parse;
use rekisteri_store::{PageRequest, Store};
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// The jobs, oldest first, with their state, tries and last error.
    List {
        /// Only jobs in this state: pending, running, done or failed.
        #[arg(long)]
        state: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Put a failed job back in the queue with its tries anew.
    Retry {
        id: String,
        /// The admin deciding it (audited).
        #[arg(long = "as")]
        as_user: String,
    },
    /// Run the jobs due now, once, in this process.
    Run {
        #[command(flatten)]
        mail: MailArgs,
    },
}

pub async fn jobs(
    store: &Store,
    clock: Arc<dyn Clock>,
    command: &JobsCommand,
    journal: crate::journal::ErasureJournal,
) -> anyhow::Result<()> {
    match command {
        JobsCommand::List { state, limit } => {
            let state = state
                .as_deref()
                .map(|raw| {
                    JobState::from_code(raw.trim()).ok_or_else(|| {
                        anyhow!(
                            "--state must be pending, running, done or failed / \
                             --state on pending, running, done tai failed"
                        )
                    })
                })
                .transpose()?;
            let page = PageRequest::first(*limit);
            let jobs = store.jobs(state, &page).await?;
            println!(
                "{:<36} {:<18} {:<8} {:>5}  last error",
                "id", "kind", "state", "tries"
            );
            for job in &jobs.items {
                println!(
                    "{:<36} {:<18} {:<8} {:>5}  {}",
                    job.id.to_string(),
                    job.kind,
                    job.state.code(),
                    job.tries,
                    job.last_error.as_deref().unwrap_or("")
                );
            }
            for (state, n) in store.job_counts().await? {
                eprintln!("{}: {n}", state.code());
            }
            Ok(())
        }
        JobsCommand::Retry { id, as_user } => {
            let id = JobId::parse(id).map_err(|m| anyhow!("the job's id {m}"))?;
            let actor = crate::cli::disclosures::acting_user(
                store,
                as_user,
                crate::policy::Resource::Jobs,
                rekisteri_domain::Purpose::RegisterMaintenance,
            )
            .await?;
            let job = store.retry_job(&actor, clock.now(), id).await?;
            println!(
                "job {} is pending again / työ {} on taas jonossa",
                job.id, job.id
            );
            Ok(())
        }
        JobsCommand::Run { mail } => {
            let mut state = AppState::new(store.clone(), clock, mail.mailer()?);
            state.journal = Some(std::sync::Arc::new(journal));
            let ran = run_due(&state, &worker_name()).await?;
            println!(
                "{} jobs done, {} failed / {} työtä tehty, {} epäonnistui",
                ran.done, ran.failed, ran.done, ran.failed
            );
            Ok(())
        }
    }
}
