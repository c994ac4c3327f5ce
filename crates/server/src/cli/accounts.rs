//! `rekisteri user …` and `rekisteri token …`: accounts from the command
//! line (R11). The first administrator is made here: `user add NAME --role
//! admin` prints a one-time password that must be changed at first login.
//! The command line acts for no user; the audit log says so.

use crate::caller::random_secret;
use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::ids::TokenId;
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Clock, Date, Purpose, Role, password};
use rekisteri_store::{Store, User};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user with a role; prints a one-time password.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// List the users.
    List,
    /// Record the user's signed confidentiality commitment (R11); until it
    /// is recorded, the user sees no personal data.
    Commitment {
        name: String,
        /// The date the user signed it (YYYY-MM-DD).
        #[arg(long)]
        signed: String,
        /// Which version of the commitment document was signed.
        #[arg(long, default_value = "1")]
        document_version: String,
    },
    /// Give the user another role (their tokens stop working).
    Role {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Disable the user: their sessions end and tokens are revoked at once.
    Disable { name: String },
    /// Enable a disabled user again.
    Enable { name: String },
    /// Let a user slowed down by failed logins try again at once.
    Unlock { name: String },
    /// Give the user a new one-time password (prints it).
    Password { name: String },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for the user and print it (once; only its hash is kept).
    Create {
        name: String,
        #[arg(long)]
        label: Option<String>,
        /// Days until the token expires; default: never.
        #[arg(long)]
        expires_days: Option<i64>,
    },
    /// List the user's tokens.
    List { name: String },
    /// Revoke one of the user's tokens.
    Revoke { name: String, id: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Staff,
    PrivacyOfficer,
    Partner,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Staff => Role::Staff,
            RoleArg::PrivacyOfficer => Role::PrivacyOfficer,
            RoleArg::Partner => Role::Partner,
        }
    }
}

fn actor() -> Actor {
    Actor::command_line(Purpose::RegisterMaintenance)
}

async fn named(store: &Store, name: &str) -> anyhow::Result<User> {
    store
        .user_by_name(name)
        .await
        .with_context(|| format!("no user named {name}"))
}

async fn one_time_credentials() -> anyhow::Result<(String, String)> {
    tokio::task::spawn_blocking(password::one_time_credentials)
        .await?
        .map_err(|m| anyhow::anyhow!("cannot hash the password: {m}"))
}

fn print_one_time_password(user: &str, password: &str) {
    println!("{password}");
    eprintln!(
        "this one-time password of {user} is shown once: log in with it (POST /api/v1/session) and choose your own"
    );
}

pub async fn user(store: &Store, clock: &dyn Clock, command: &UserCommand) -> anyhow::Result<()> {
    let now = clock.now();
    match command {
        UserCommand::Add { name, role } => {
            let (raw, hash) = one_time_credentials().await?;
            let user = store
                .add_user(&actor(), now, name, (*role).into(), Some(&hash))
                .await?;
            eprintln!("added user {} with role {}", user.name, user.role);
            print_one_time_password(&user.name, &raw);
        }
        UserCommand::List => {
            for u in store.users().await? {
                let commitment = u.commitment_signed_on.map_or_else(
                    || "no commitment".to_string(),
                    |d| format!("commitment {d}"),
                );
                let state = if u.disabled_at.is_some() {
                    "disabled"
                } else {
                    "enabled"
                };
                let factor = if u.second_factor {
                    "second factor"
                } else {
                    "password only"
                };
                println!("{}\t{}\t{state}\t{commitment}\t{factor}", u.name, u.role);
            }
        }
        UserCommand::Commitment {
            name,
            signed,
            document_version,
        } => {
            let signed_on = Date::parse(signed).map_err(|m| anyhow::anyhow!("--signed {m}"))?;
            let user = named(store, name).await?;
            store
                .record_commitment(&actor(), now, user.id, signed_on, document_version)
                .await?;
            eprintln!(
                "recorded the confidentiality commitment of {} signed on {signed_on}",
                user.name
            );
        }
        UserCommand::Role { name, role } => {
            let user = named(store, name).await?;
            let user = store
                .set_role(&actor(), now, user.id, (*role).into())
                .await?;
            eprintln!("{} now has the role {}", user.name, user.role);
        }
        UserCommand::Disable { name } | UserCommand::Enable { name } => {
            let disable = matches!(command, UserCommand::Disable { .. });
            let user = named(store, name).await?;
            store.set_disabled(&actor(), now, user.id, disable).await?;
            let what = if disable {
                "disabled; their sessions and tokens are ended"
            } else {
                "enabled"
            };
            eprintln!("{} is {what}", user.name);
        }
        UserCommand::Unlock { name } => {
            let user = named(store, name).await?;
            store.unlock(&actor(), now, user.id).await?;
            eprintln!("{} may try to log in again at once", user.name);
        }
        UserCommand::Password { name } => {
            let user = named(store, name).await?;
            let (raw, hash) = one_time_credentials().await?;
            store
                .set_password(&actor(), now, user.id, &hash, true, None)
                .await?;
            print_one_time_password(&user.name, &raw);
        }
    }
    Ok(())
}

pub async fn token(store: &Store, clock: &dyn Clock, command: &TokenCommand) -> anyhow::Result<()> {
    let now = clock.now();
    match command {
        TokenCommand::Create {
            name,
            label,
            expires_days,
        } => {
            let user = named(store, name).await?;
            let secret = random_secret("rk_");
            let expires = expires_days.map(|d| now.plus_micros(d * 86_400_000_000));
            store
                .add_token(&actor(), now, user.id, &secret, label.as_deref(), expires)
                .await?;
            println!("{secret}");
            eprintln!("this token is shown once; only its hash is kept");
        }
        TokenCommand::List { name } => {
            let user = named(store, name).await?;
            for t in store.tokens_of(user.id).await? {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, Some(at)) if at <= now => format!("expired {at}"),
                    (None, Some(at)) => format!("expires {at}"),
                    (None, None) => "never expires".to_string(),
                };
                let label = t.label.unwrap_or_default();
                println!("{}\t{}\t{state}\t{label}", t.id, t.role);
            }
        }
        TokenCommand::Revoke { name, id } => {
            let user = named(store, name).await?;
            let id = TokenId::parse(id).map_err(|m| anyhow::anyhow!("token id {m}"))?;
            store
                .revoke_token(&actor(), now, user.id, id)
                .await
                .with_context(|| format!("{name} has no live token {id}"))?;
            eprintln!("revoked");
        }
    }
    Ok(())
}
