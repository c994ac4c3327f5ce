//! `rekisteri erasure run-due` and `rekisteri erasure person ID --as USER`
//! (R8, R19, R21): the same store calls as the API and the server's round.
//! The erasure's Art. 19 notices are jobs queued in its transaction: a
//! running server sends them, or `rekisteri jobs run`.

use crate::cli::disclosures::acting_user;
use crate::policy::Resource;
use anyhow::{anyhow, bail};
use clap::Subcommand;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Clock, Purpose};
use rekisteri_store::{ErasureOutcome, Store};
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum ErasureCommand {
    /// Run every scheduled erasure whose holds have ended (the server does
    /// this every five minutes by itself).
    RunDue,
    /// Erase one person now, as the named privacy officer; a hold refuses
    /// it and schedules it instead (exit status 3, not an error). Prints the
    /// time the erasure took.
    Person {
        id: String,
        /// The privacy officer erasing (their role must allow it).
        #[arg(long = "as")]
        as_user: String,
    },
}

pub async fn erasure(
    store: &Store,
    clock: Arc<dyn Clock>,
    command: &ErasureCommand,
) -> anyhow::Result<()> {
    match command {
        ErasureCommand::RunDue => {
            let erased = crate::services::periodic::run_due_erasures(store, clock.now()).await?;
            println!(
                "{erased} scheduled erasures ran / ajastettua poistoa tehtiin; \
                 their notices are queued / ilmoitukset ovat jonossa"
            );
            Ok(())
        }
        ErasureCommand::Person { id, as_user } => {
            let person = PersonId::parse(id).map_err(|m| anyhow!("the person's id {m}"))?;
            let actor = acting_user(
                store,
                as_user,
                Resource::Erasure,
                Purpose::RegisterMaintenance,
            )
            .await?;
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
                        println!("held ({}): {}", hold.code(), hold.message());
                    }
                    Err(crate::cli::Deferred(
                        "the erasure is held: it is scheduled for when the holds end / \
                         poisto odottaa: se tehdään, kun esteet päättyvät"
                            .into(),
                    )
                    .into())
                }
                ErasureOutcome::Erased { notices, .. } => {
                    println!(
                        "erased {person} in {:.3} s; {} recipients' notices queued / \
                         poistettu, {} vastaanottajan ilmoitus jonossa",
                        took.as_secs_f64(),
                        notices.len(),
                        notices.len()
                    );
                    Ok(())
                }
            }
        }
    }
}
