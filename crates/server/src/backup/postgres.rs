//! PostgreSQL's copy: `pg_dump` in its custom format with the register's
//! URL, `pg_restore` into an empty database. The password travels in
//! `PGPASSWORD`, never on a command line others can list.

use anyhow::{Context, bail};
use rekisteri_store::DatabaseUrl;
use sqlx::Connection;
use std::path::Path;
use std::process::Command;

/// The URL without its password, and the password (percent-decoded).
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_string(), None);
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return (url.to_string(), None);
    };
    (
        format!("{scheme}://{user}@{host}{tail}"),
        Some(percent_decode(password)),
    )
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&raw[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn tool(name: &str, url: &DatabaseUrl) -> Command {
    let (url, password) = split_password(url.as_str());
    let mut command = Command::new(name);
    command.arg(format!("--dbname={url}"));
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    command
}

fn run(mut command: Command, what: &str) -> anyhow::Result<()> {
    let output = command.output().with_context(|| {
        format!("cannot run {what}: is PostgreSQL's client installed? / {what} ei käynnisty: onko PostgreSQL:n asiakas asennettu?")
    })?;
    if !output.status.success() {
        bail!(
            "{what} failed / {what} epäonnistui: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// `pg_dump` of the whole database into `into` (custom format).
pub fn dump(url: &DatabaseUrl, into: &Path) -> anyhow::Result<()> {
    let mut command = tool("pg_dump", url);
    command
        .args(["--format=custom", "--no-owner", "--no-privileges"])
        .arg(format!("--file={}", into.display()));
    run(command, "pg_dump")
}

/// `pg_restore` of the archive into the (empty) database, all or nothing.
pub fn restore(url: &DatabaseUrl, archive: &Path) -> anyhow::Result<()> {
    let mut command = tool("pg_restore", url);
    command
        .args([
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
        ])
        .arg(archive);
    run(command, "pg_restore")
}

/// The archive's table-data entries, as `pg_restore --list` reads them.
pub fn list(archive: &Path) -> anyhow::Result<u64> {
    let output = Command::new("pg_restore")
        .arg("--list")
        .arg(archive)
        .output()
        .context("cannot run pg_restore / pg_restore ei käynnisty")?;
    if !output.status.success() {
        bail!(
            "the archive is unreadable / arkisto on vioittunut: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.contains(" TABLE DATA "))
        .count() as u64)
}

/// Whether the database holds a restore cut short while replaying (a
/// restore run again goes on with it instead of refusing the tables).
pub async fn unfinished(url: &DatabaseUrl) -> anyhow::Result<bool> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url.as_str())
        .await
        .context("cannot connect to the database / tietokantaan ei saada yhteyttä")?;
    let there: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'restores'",
    )
    .fetch_one(&mut conn)
    .await?;
    let replaying = if there.0 > 0 {
        sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM restores WHERE status = 'replaying'")
            .fetch_one(&mut conn)
            .await?
            .0
    } else {
        0
    };
    let _ = conn.close().await;
    Ok(replaying > 0)
}

/// Refuses a database that already holds tables: a restore goes into an
/// empty one.
pub async fn ensure_empty(url: &DatabaseUrl) -> anyhow::Result<()> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url.as_str())
        .await
        .context("cannot connect to the database / tietokantaan ei saada yhteyttä")?;
    let row: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_one(&mut conn)
    .await?;
    let _ = conn.close().await;
    if row.0 > 0 {
        bail!(
            "the database already holds {} tables: a restore goes into an empty database / \
             tietokannassa on jo tauluja: palauta tyhjään tietokantaan",
            row.0
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b2_the_password_leaves_the_url_for_the_environment() {
        assert_eq!(
            split_password("postgres://rek:p%40ss@db.example:5432/rekisteri?sslmode=require"),
            (
                "postgres://rek@db.example:5432/rekisteri?sslmode=require".to_string(),
                Some("p@ss".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://rek@db/rekisteri"),
            ("postgres://rek@db/rekisteri".to_string(), None)
        );
    }
}
