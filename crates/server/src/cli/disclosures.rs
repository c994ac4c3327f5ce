//! `rekisteri disclose` (R6) and `rekisteri recipient list|add` (R4, R7).
//! A disclosure from the command line is made as a named user (`--as`),
//! whom the policy must allow to disclose, exactly as over the API: the
//! same store call reads the data and records the disclosure, its records
//! and its audit rows in one transaction, and the file written is what
//! that transaction read.

use crate::error::ApiError;
use crate::extract::Caller;
use crate::policy::{Access, Resource, allow};
use crate::services::disclosures::DisclosureMade;
use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use rekisteri_domain::audit::Actor;
use rekisteri_domain::disclosure::{DisclosureChannel, DisclosureDraft};
use rekisteri_domain::recipient::RecipientDraft;
use rekisteri_domain::{Clock, Invalid, Purpose};
use rekisteri_store::{PageRequest, RecipientFilter, Store, StoreError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `rekisteri disclose` takes.
#[derive(Debug, clap::Args)]
pub struct DiscloseArgs {
    /// The recipient's id (`rekisteri recipient list`).
    #[arg(long)]
    pub recipient: String,
    /// value_added_service, credit_decision, credit_application,
    /// debt_collection, billing or legal_obligation.
    #[arg(long)]
    pub ground: String,
    /// The purpose of processing (R2); required, no default.
    #[arg(long)]
    pub purpose: String,
    /// Comma-separated: name, organisation, contact_details, billing_details.
    #[arg(long, value_delimiter = ',')]
    pub categories: Vec<String>,
    /// A person's id; repeat for several.
    #[arg(long = "person", required = true)]
    pub people: Vec<String>,
    /// The user disclosing (their role must allow it).
    #[arg(long = "as")]
    pub as_user: String,
    /// Write the JSON here (created readable by its owner only) instead of
    /// standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
// Parsed once from the command line: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum RecipientCommand {
    /// List recipients and processors: id, name, role, country, safeguard, state.
    List,
    /// Add a recipient or processor; prints its id.
    Add {
        #[arg(long)]
        name: String,
        /// processor, independent_recipient or authority.
        #[arg(long)]
        role: String,
        /// ISO 3166-1 alpha-2, such as FI or US.
        #[arg(long)]
        country: String,
        /// Outside the EU/EEA: adequacy_decision or standard_contractual_clauses.
        #[arg(long)]
        safeguard: Option<String>,
        /// The safeguard's date (YYYY-MM-DD).
        #[arg(long)]
        safeguard_on: Option<String>,
        #[arg(long)]
        safeguard_detail: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Where notices of rectification and erasure go (Art. 19).
        #[arg(long)]
        notice_email: Option<String>,
        /// The user adding it (admin or privacy officer); default: the
        /// command line, acting for no user.
        #[arg(long = "as")]
        as_user: Option<String>,
    },
}

/// The named user, if the policy lets them do this (role, commitment, enabled).
pub(crate) async fn acting_user(
    store: &Store,
    name: &str,
    resource: Resource,
    purpose: Purpose,
) -> anyhow::Result<Actor> {
    let user = match store.user_by_name(name).await {
        Err(StoreError::NotFound) => bail!("--as: no user is called {name}"),
        other => other?,
    };
    if user.disabled_at.is_some() {
        bail!("--as: the user {name} is disabled");
    }
    let caller = Caller {
        user,
        purpose: Some(purpose),
        client_ip: None,
        session: None,
        second_factor_required: false,
    };
    if let Err(e) = allow(&caller, resource, Access::Write) {
        let why = match e {
            ApiError::Forbidden { message, .. } => message,
            other => format!("{other:?}"),
        };
        bail!("--as {name}: {why}");
    }
    Ok(caller.actor(purpose))
}

/// Every field error of an input, one a line, as `--flag: problem`.
fn invalid(e: &Invalid) -> anyhow::Error {
    let lines: Vec<String> =
        e.0.iter()
            .map(|f| {
                let flag = f
                    .field
                    .replace("recipient_id", "recipient")
                    .replace("person_ids", "person")
                    .replace('_', "-");
                format!("--{flag}: {}", f.message)
            })
            .collect();
    anyhow!("{}", lines.join("\n"))
}

fn refused(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(i) => invalid(&i),
        StoreError::Conflict { code, message } => anyhow!("refused ({code}): {message}"),
        other => anyhow!(other),
    }
}

/// `rekisteri disclose …`: records the disclosure and writes its data.
pub async fn disclose(store: &Store, clock: &dyn Clock, args: &DiscloseArgs) -> anyhow::Result<()> {
    let draft = DisclosureDraft {
        recipient_id: Some(args.recipient.clone()),
        ground: Some(args.ground.clone()),
        purpose: Some(args.purpose.clone()),
        categories: args.categories.clone(),
        person_ids: args.people.clone(),
    };
    let new = draft.parse().map_err(|e| invalid(&e))?;
    let actor = acting_user(store, &args.as_user, Resource::Disclosures, new.purpose).await?;
    // Open the file first: a disclosure is recorded only when it can be written.
    let out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(private_file(path)?),
        None => Box::new(std::io::stdout().lock()),
    };
    // R21: a file of the data is recorded as a copy with the disclosure.
    let copy = args.out.as_deref().map(super::transfer::recorded_path);
    let made = store
        .disclose_to(&actor, clock.now(), DisclosureChannel::Cli, new, copy)
        .await;
    let (disclosure, data) = match made {
        Ok(made) => made,
        Err(e) => {
            drop(out);
            if let Some(path) = &args.out {
                let _ = std::fs::remove_file(path);
            }
            return Err(refused(e));
        }
    };
    let id = disclosure.id;
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, &DisclosureMade { disclosure, data })?;
    out.write_all(b"\n")?;
    out.flush()?;
    eprintln!("disclosure {id} recorded");
    Ok(())
}

/// A new file only its owner may read: it holds personal data. An existing
/// file is never overwritten (nor removed when the disclosure is refused).
fn private_file(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist yet)", path.display()))
}

/// `rekisteri recipient …`.
pub async fn recipient(
    store: &Store,
    clock: &dyn Clock,
    command: &RecipientCommand,
) -> anyhow::Result<()> {
    match command {
        RecipientCommand::List => {
            let page = PageRequest {
                after: None,
                limit: PageRequest::MAX,
                bulk: false,
            };
            let today = clock.now().date();
            for r in store
                .list_recipients(&RecipientFilter::default(), &page)
                .await?
                .items
            {
                let safeguard = match (r.safeguard, r.safeguard_on) {
                    (Some(kind), Some(on)) => format!("{kind} {on}"),
                    _ if r.in_eea => "eu/eea".into(),
                    _ => "none".into(),
                };
                let state = match r.may_receive(today) {
                    Ok(()) => "receives",
                    Err(refusal) => refusal.code,
                };
                println!(
                    "{}\t{}\t{}\t{}\t{safeguard}\t{state}",
                    r.id, r.name, r.role, r.country
                );
            }
            Ok(())
        }
        RecipientCommand::Add {
            name,
            role,
            country,
            safeguard,
            safeguard_on,
            safeguard_detail,
            description,
            notice_email,
            as_user,
        } => {
            let draft = RecipientDraft {
                name: Some(name.clone()),
                role: Some(role.clone()),
                country: Some(country.clone()),
                safeguard: safeguard.clone(),
                safeguard_on: safeguard_on.clone(),
                safeguard_detail: safeguard_detail.clone(),
                description: description.clone(),
                notice_email: notice_email.clone(),
            };
            let new = draft.parse().map_err(|e| invalid(&e))?;
            let purpose = Purpose::RegisterMaintenance;
            let actor = match as_user {
                Some(user) => acting_user(store, user, Resource::Recipients, purpose).await?,
                None => Actor::command_line(purpose),
            };
            let r = store
                .create_recipient(&actor, clock.now(), new)
                .await
                .map_err(refused)?;
            println!("{}", r.id);
            Ok(())
        }
    }
}
