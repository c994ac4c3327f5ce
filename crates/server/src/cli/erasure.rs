//! `rekisteri erasure run-due` and `rekisteri erasure person ID --as USER`
//! (R8, R19, R21): the same store calls as the API and the server's job,
//! and the same after-work (the outbox purged, Art. 19 notices written to
//! the outbox or sent by SMTP).

use crate::cli::disclosures::acting_user;
use crate::mail::Mailer;
use crate::policy::Resource;
use crate::services::erasure::{Kind, after_erasure};
use crate::state::AppState;
use anyhow::{anyhow, bail};
use clap::Subcommand;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Clock, Purpose};
use rekisteri_store::{ErasureOutcome, Store};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum ErasureCommand {
    /// Run every scheduled erasure whose holds have ended (the server does
    /// this every five minutes by itself).
    RunDue {
        #[command(flatten)]
        mail: MailArgs,
    },
    /// Erase one person now, as the named privacy officer; a hold refuses
    /// it and schedules it instead. Prints the time the erasure took.
    Person {
        id: String,
        /// The privacy officer erasing (their role must allow it).
        #[arg(long = "as")]
        as_user: String,
        #[command(flatten)]
        mail: MailArgs,
    },
}

/// Where the Art. 19 notices go.
#[derive(Debug, clap::Args)]
pub struct MailArgs {
    /// The outbox folder; default: `outbox` in --data-dir (as `serve`'s).
    #[arg(long, env = "REKISTERI_OUTBOX")]
    outbox: Option<PathBuf>,
    /// Send email by SMTP instead of the outbox (as `serve --smtp-url`).
    #[arg(long, env = "REKISTERI_SMTP_URL")]
    smtp_url: Option<String>,
    #[arg(
        long,
        env = "REKISTERI_MAIL_FROM",
        default_value = "rekisteri@localhost"
    )]
    mail_from: String,
}

fn state(
    store: &Store,
    clock: Arc<dyn Clock>,
    data_dir: &std::path::Path,
    mail: &MailArgs,
) -> anyhow::Result<AppState> {
    let outbox = mail
        .outbox
        .clone()
        .unwrap_or_else(|| data_dir.join("outbox"));
    let mut mailer =
        Mailer::outbox(outbox, &mail.mail_from).map_err(|e| anyhow!("--mail-from: {e}"))?;
    if let Some(url) = &mail.smtp_url {
        mailer = mailer
            .with_smtp(url)
            .map_err(|e| anyhow!("--smtp-url: {e}"))?;
    }
    Ok(AppState::new(store.clone(), clock, mailer))
}

pub async fn erasure(
    store: &Store,
    clock: Arc<dyn Clock>,
    data_dir: &std::path::Path,
    command: &ErasureCommand,
) -> anyhow::Result<()> {
    match command {
        ErasureCommand::RunDue { mail } => {
            let state = state(store, clock, data_dir, mail)?;
            let done = crate::services::periodic::tick(&state).await?;
            println!("{} scheduled erasures ran", done.erased);
            Ok(())
        }
        ErasureCommand::Person { id, as_user, mail } => {
            let person = PersonId::parse(id).map_err(|m| anyhow!("the person's id {m}"))?;
            let actor = acting_user(
                store,
                as_user,
                Resource::Erasure,
                Purpose::RegisterMaintenance,
            )
            .await?;
            let state = state(store, clock.clone(), data_dir, mail)?;
            let at = clock.now();
            let started = std::time::Instant::now();
            let outcome = match store.erase_person(&actor, at, person, None).await {
                Err(rekisteri_store::StoreError::NotFound) => bail!("no person {person}"),
                other => other?,
            };
            let took = started.elapsed();
            match outcome {
                ErasureOutcome::Held { holds, .. } => {
                    for hold in &holds {
                        eprintln!("held ({}): {}", hold.code(), hold.message());
                    }
                    bail!("the erasure is held; it is scheduled for when the holds end");
                }
                ErasureOutcome::Erased { notices, .. } => {
                    let done =
                        after_erasure(&state, &actor, at, person, notices, Kind::Erasure).await;
                    println!(
                        "erased {person} in {:.3} s; {} recipients notified",
                        took.as_secs_f64(),
                        done.notified.len()
                    );
                    Ok(())
                }
            }
        }
    }
}
