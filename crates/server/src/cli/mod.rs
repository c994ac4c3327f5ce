//! The `rekisteri` command. Every command takes `--data-dir` and
//! `--database-url`, so the CLI works on the same register as the server.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod demo;
pub mod disclosures;
pub mod erasure;
pub mod jobs;
pub mod marketing;
pub mod retention;
pub mod transfer;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use rekisteri_domain::Clock;
use rekisteri_domain::login::SessionTimeouts;
use rekisteri_domain::values::Parse;
use rekisteri_store::{DatabaseUrl, Store};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::SystemClock;
use crate::app::app;
use crate::audit_files::AuditFiles;
use crate::mail::Mailer;
use crate::state::{AppState, Firewall};
pub use audit::AuditCommand;
use rekisteri_domain::network::Network;
use rekisteri_domain::request::AnswerPeriod;

#[derive(Debug, Parser)]
#[command(
    name = "rekisteri",
    version,
    about = "A customer register that keeps its privacy notice's promises"
)]
pub struct Args {
    /// Where the embedded SQLite database lives.
    #[arg(
        long,
        global = true,
        default_value = "./rekisteri-data",
        env = "REKISTERI_DATA_DIR"
    )]
    pub data_dir: PathBuf,
    /// sqlite://PATH or postgres://USER@HOST/DB; default: SQLite in --data-dir.
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// The erasure journal (B2): a file outside the database that a
    /// restore replays; default: erasure-journal.jsonl in --data-dir.
    #[arg(long, global = true, env = "REKISTERI_ERASURE_JOURNAL")]
    pub erasure_journal: Option<PathBuf>,
    /// The audit chain's key (B1), kept outside the database; made at the
    /// first start; every server of the register needs the same one.
    /// Default: audit.key in --data-dir.
    #[arg(long, global = true, env = "REKISTERI_AUDIT_KEY")]
    pub audit_key: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (loopback only by default: R11's firewall stance).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// A network (CIDR) whose clients may use the register; repeat for
        /// several. Default: loopback only (R11).
        #[arg(long = "allow-network")]
        allow_networks: Vec<String>,
        /// A proxy whose X-Forwarded-For names the real client; repeatable.
        #[arg(long = "trusted-proxy")]
        trusted_proxies: Vec<String>,
        /// Minutes without a request after which a web session ends.
        #[arg(long, default_value_t = 30)]
        session_idle_minutes: i64,
        /// Minutes after login after which a web session ends.
        #[arg(long, default_value_t = 720)]
        session_absolute_minutes: i64,
        /// The organisation keeping the register (no password may be built on it).
        #[arg(long, env = "REKISTERI_ORGANISATION", default_value = crate::state::DEFAULT_ORGANISATION)]
        organisation_name: String,
        /// The time zone the web interface shows and reads times in.
        #[arg(long, env = "REKISTERI_TIME_ZONE", default_value = crate::state::DEFAULT_TIME_ZONE)]
        time_zone: String,
        #[command(flatten)]
        mail: MailArgs,
        /// Serve only: run no jobs (mail, notices, re-checks) and no
        /// periodic round in this process — another server runs them.
        #[arg(long)]
        no_jobs: bool,
        /// Days a data-subject request may wait for its answer (R14): 1–31,
        /// never beyond one month from receipt.
        #[arg(long, default_value_t = 21)]
        answer_within_days: u8,
        /// The address people reach the register at, such as
        /// https://rekisteri.example.fi: the privacy portal's links in mail
        /// start with it (never with a request's Host). Default: http://BIND.
        #[arg(long, env = "REKISTERI_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Create or update the database schema.
    Migrate,
    /// Users of the register.
    User {
        #[command(subcommand)]
        command: accounts::UserCommand,
    },
    /// Bearer tokens for the API.
    Token {
        #[command(subcommand)]
        command: accounts::TokenCommand,
    },
    /// Import records from a file.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Export records.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Disclose people's data to a recipient (R6): writes the data as JSON
    /// and records the disclosure in the same transaction.
    Disclose(disclosures::DiscloseArgs),
    /// The register of recipients and processors (R4, R7).
    Recipient {
        #[command(subcommand)]
        command: disclosures::RecipientCommand,
    },
    /// Erasure with holds (R8, R19, R21).
    Erasure {
        #[command(subcommand)]
        command: erasure::ErasureCommand,
    },
    /// Retention (R9): the sweep of what has expired, or its dry run.
    Retention {
        #[command(subcommand)]
        command: retention::RetentionCommand,
    },
    /// Backups (B2): create one while the register runs, restore one into
    /// an empty register (replaying the erasure journal), verify one.
    Backup {
        #[command(subcommand)]
        command: backup::BackupCommand,
    },
    /// The register's job queue: mail, Art. 19 notices, erasure re-checks.
    Jobs {
        #[command(subcommand)]
        command: jobs::JobsCommand,
    },
    /// Fill the register with deterministic synthetic data.
    Demo {
        #[arg(long)]
        people: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// How the register's mail leaves (`serve`, `jobs run`).
#[derive(Debug, Clone, clap::Args)]
pub struct MailArgs {
    /// Send email by SMTP: smtp://host:port, smtps://host, or
    /// smtp://user:password@host:587?tls=required. Without it, letters
    /// are kept in the outbox (`/outbox`).
    #[arg(long, env = "REKISTERI_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The From address of the register's mail.
    #[arg(
        long,
        env = "REKISTERI_MAIL_FROM",
        default_value = "rekisteri@localhost"
    )]
    pub mail_from: String,
}

impl MailArgs {
    pub fn mailer(&self) -> anyhow::Result<Mailer> {
        let mailer =
            Mailer::new(&self.mail_from).map_err(|e| anyhow::anyhow!("--mail-from: {e}"))?;
        match &self.smtp_url {
            Some(url) => mailer
                .with_smtp(url)
                .map_err(|e| anyhow::anyhow!("--smtp-url: {e}")),
            None => Ok(mailer),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// People from a CSV file (columns: see `export people --format csv`).
    People {
        file: PathBuf,
        /// Where the data came from (R5): registration, own_notice, update_service,
        /// social_media, subcontractor, partner_system, staff_entry.
        #[arg(long)]
        source: String,
        /// Free words on the source (the file, the partner).
        #[arg(long)]
        source_detail: Option<String>,
        /// Import the valid rows even if some are rejected (still in one transaction).
        #[arg(long)]
        skip_invalid: bool,
        /// Write the rejected rows as CSV (line, field, reason) to this file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// One person from their access report's JSON or a vCard (R16:
    /// portability into Rekisteri); the values' source is own_notice.
    Person {
        file: PathBuf,
        #[arg(long, value_enum)]
        format: PortableFormat,
    },
}

/// What `import person` reads.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PortableFormat {
    Json,
    Vcard,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// All people with their contact values and sources.
    People {
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Purpose of the export (R2); default register_maintenance.
        #[arg(long, default_value = "register_maintenance")]
        purpose: String,
    },
    /// A marketing list: exactly the people who may be contacted by the
    /// channel for the marketing purpose (R15, R18).
    Audience {
        /// email, sms, phone or letter.
        #[arg(long)]
        channel: String,
        /// direct_marketing, distance_selling, market_research or targeted_content.
        #[arg(long)]
        marketing_purpose: String,
        /// The purpose of processing the list is exported for (R2); required.
        #[arg(long)]
        purpose: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
}

/// The database the arguments name, creating the data directory for SQLite.
pub fn database_url(args: &Args) -> anyhow::Result<DatabaseUrl> {
    Ok(match &args.database_url {
        Some(url) => DatabaseUrl::parse(url)?,
        None => {
            crate::private::tighten_data_dir(&args.data_dir)?;
            DatabaseUrl::sqlite_in(&args.data_dir)
        }
    })
}

/// Opens the register the arguments name with its audit key, creating the
/// data directory for SQLite.
pub async fn open_store(args: &Args) -> anyhow::Result<Store> {
    audit_files(args).open(&database_url(args)?).await
}

/// The audit chain's key and head files the arguments name.
pub fn audit_files(args: &Args) -> AuditFiles {
    AuditFiles::of(&args.data_dir, args.audit_key.as_deref())
}

/// The erasure journal the arguments name.
pub fn journal(args: &Args) -> crate::journal::ErasureJournal {
    backup::journal_of(&args.data_dir, args.erasure_journal.as_deref())
}

/// A command that did not do its work now but left it to be done later (a
/// held erasure, scheduled): not an error, so the binary says it without
/// "error:", and exits with [`Deferred::EXIT_CODE`] so that a script can
/// tell it from both success and failure.
#[derive(Debug)]
pub struct Deferred(pub String);

impl Deferred {
    pub const EXIT_CODE: u8 = 3;
}

impl std::fmt::Display for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Deferred {}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    // A restore or a verify must not open (and so create) a register.
    if let Command::Backup { command } = &args.command
        && !matches!(command, backup::BackupCommand::Create { .. })
    {
        return backup::without_store(
            &args.data_dir,
            args.database_url.as_deref(),
            &journal(&args),
            &audit_files(&args),
            clock.as_ref(),
            command,
        )
        .await;
    }
    // Verifying the chain seals nothing first: what is walked is what was
    // found.
    let verifying = matches!(
        &args.command,
        Command::Audit {
            command: AuditCommand::Verify { .. }
        }
    );
    let store = if verifying {
        audit_files(&args)
            .open_to_verify(&database_url(&args)?)
            .await?
    } else {
        open_store(&args).await?
    };
    let result = dispatch(&args, &store, clock).await;
    // What the command wrote is sealed and its head kept outside the
    // database before the process ends.
    if !verifying && let Err(error) = audit_files(&args).write_head(&store).await {
        eprintln!("warning: {error:#}");
    }
    store.close().await;
    result
}

async fn dispatch(args: &Args, store: &Store, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    match &args.command {
        Command::Serve {
            bind,
            allow_networks,
            trusted_proxies,
            session_idle_minutes,
            session_absolute_minutes,
            organisation_name,
            time_zone,
            mail,
            no_jobs,
            answer_within_days,
            public_url,
        } => {
            let parse = |flag: &str, raws: &[String]| {
                raws.iter()
                    .map(|r| Network::parse(r).map_err(|m| anyhow::anyhow!("{flag} {m}")))
                    .collect::<anyhow::Result<Vec<_>>>()
            };
            let mut firewall = Firewall::default();
            if !allow_networks.is_empty() {
                firewall.allowed = parse("--allow-network", allow_networks)?;
            }
            firewall.trusted_proxies = parse("--trusted-proxy", trusted_proxies)?;
            let journal = journal(args);
            ready_to_serve(store, &journal).await?;
            // The file exists from the first start on (a restore asks for
            // it), and catches up with what was done without a server.
            journal.append_pending(store).await?;
            // The chain's head outside the database, each second.
            let files = Arc::new(audit_files(args));
            files.clone().keep_head(store.clone());
            if args.erasure_journal.is_none() {
                eprintln!(
                    "warning: the erasure journal is in the data directory ({}), lost with the database's disk; \
                     put it on other storage with --erasure-journal / varoitus: poistoloki on tietokannan \
                     kanssa samassa hakemistossa; siirrä se muualle --erasure-journal-valitsimella",
                    journal.path().display()
                );
            }
            let mut state = AppState::new(store.clone(), clock, mail.mailer()?);
            state.journal = Some(Arc::new(journal));
            state.audit_files = Some(files);
            warn_of_old_outbox(&args.data_dir);
            state.answer_period = <AnswerPeriod as Parse>::parse(&answer_within_days.to_string())
                .map_err(|m| anyhow::anyhow!("--answer-within-days {m}"))?;
            state.firewall = Arc::new(firewall);
            let public_url = public_url
                .clone()
                .unwrap_or_else(|| format!("http://{bind}"));
            if !(public_url.starts_with("https://") || public_url.starts_with("http://")) {
                anyhow::bail!("--public-url must start with https:// or http://");
            }
            state.portal = Arc::new(crate::state::Portal::new(&public_url));
            state.sessions =
                SessionTimeouts::from_minutes(*session_idle_minutes, *session_absolute_minutes)
                    .map_err(|m| anyhow::anyhow!("--session-idle-minutes: {m}"))?;
            state.organisation_name = Arc::from(organisation_name.trim());
            state.time_zone = Arc::new(
                jiff::tz::TimeZone::get(time_zone.trim())
                    .map_err(|_| anyhow::anyhow!("--time-zone {time_zone} is not a known zone"))?,
            );
            serve(state, *bind, !*no_jobs).await
        }
        Command::Migrate => {
            eprintln!("the database is up to date");
            Ok(())
        }
        Command::User { command } => accounts::user(store, clock.as_ref(), command).await,
        Command::Token { command } => accounts::token(store, clock.as_ref(), command).await,
        Command::Import {
            what:
                ImportCommand::People {
                    file,
                    source,
                    source_detail,
                    skip_invalid,
                    report,
                },
        } => {
            transfer::import_people(
                store,
                clock.as_ref(),
                file,
                source,
                source_detail.as_deref(),
                *skip_invalid,
                report.as_deref(),
            )
            .await
        }
        Command::Import {
            what: ImportCommand::Person { file, format },
        } => transfer::import_person(store, clock.as_ref(), file, *format).await,
        Command::Export {
            what:
                ExportCommand::People {
                    format,
                    output,
                    purpose,
                },
        } => {
            transfer::export_people(store, clock.as_ref(), *format, output.as_deref(), purpose)
                .await
        }
        Command::Export {
            what:
                ExportCommand::Audience {
                    channel,
                    marketing_purpose,
                    purpose,
                    format,
                    output,
                },
        } => {
            let args = marketing::AudienceArgs {
                channel,
                marketing_purpose,
                purpose,
                format: *format,
                output: output.as_deref(),
            };
            marketing::export_audience(store, clock.as_ref(), args).await
        }
        Command::Audit { command } => audit::audit(store, &audit_files(args), command).await,
        Command::Disclose(disclose) => disclosures::disclose(store, clock.as_ref(), disclose).await,
        Command::Recipient { command } => {
            disclosures::recipient(store, clock.as_ref(), command).await
        }
        Command::Erasure { command } => {
            erasure::erasure(store, clock, command).await?;
            append_journal(args, store).await
        }
        Command::Jobs { command } => jobs::jobs(store, clock, command, journal(args)).await,
        Command::Retention { command } => {
            retention::retention(store, clock.as_ref(), command).await?;
            append_journal(args, store).await
        }
        Command::Backup { command } => {
            backup::create(
                store,
                &database_url(args)?,
                &journal(args),
                clock.as_ref(),
                command,
            )
            .await
        }
        Command::Demo { people, seed } => demo::fill(store, clock.as_ref(), *people, *seed).await,
    }
}

/// What the command erased or swept goes to the journal file now, not
/// only when a server runs its job. The work is committed either way and
/// its entries wait in the database for the job: a failure here is told,
/// not the command's.
async fn append_journal(args: &Args, store: &Store) -> anyhow::Result<()> {
    if let Err(e) = journal(args).append_pending(store).await {
        eprintln!(
            "warning: {e}; the job `append_journal` writes the entries later / varoitus: merkinnät kirjoitetaan poistolokiin myöhemmin"
        );
    }
    Ok(())
}

/// A register is served only when no restore is still replaying its
/// journal and the journal is not ahead of it (a database put back by
/// hand): either would bring the erased back.
async fn ready_to_serve(
    store: &Store,
    journal: &crate::journal::ErasureJournal,
) -> anyhow::Result<()> {
    if let Some((id, _)) = store.unfinished_restore().await? {
        anyhow::bail!(
            "restore {id} has not finished replaying the erasure journal: run `rekisteri backup restore` again / palautus {id} on kesken: aja `rekisteri backup restore` uudelleen"
        );
    }
    journal.check_not_ahead(store).await?;
    Ok(())
}

async fn serve(state: AppState, bind: SocketAddr, run_jobs: bool) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!(address = %listener.local_addr()?, backend = ?state.store.backend(), "Rekisteri is serving");
    // What follows a commit (mail, notices, re-checks) and the periodic
    // round (R8, R19, B4) run here, unless another server runs them.
    if run_jobs {
        crate::app::start_background_work(state.clone());
    }
    let app = app(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    Ok(())
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
}

/// Letters of versions before the database's outbox were files in
/// `outbox/` of the data directory: no erasure purges them now, and
/// `/outbox` does not show them. Says so at start-up, by count only.
fn warn_of_old_outbox(data_dir: &std::path::Path) {
    let letters = std::fs::read_dir(data_dir.join("outbox"))
        .map(|dir| {
            dir.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .count()
        })
        .unwrap_or(0);
    if letters > 0 {
        eprintln!(
            "warning: {letters} letters of an earlier version are files in {}: the outbox is now \
             the database's, so destroy them when read (they are not purged by erasure) / \
             varoitus: {letters} aiemman version kirjettä on tiedostoina kansiossa {}: hävitä ne",
            data_dir.join("outbox").display(),
            data_dir.join("outbox").display()
        );
    }
}
