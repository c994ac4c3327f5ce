//! `rekisteri retention run [--dry-run]` (R9): the sweep the server runs
//! daily, run now from the command line with a progress bar; or its dry
//! run, what it would do today, as a table, CSV or JSON. Its Art. 19
//! notices are jobs a running server sends (or `rekisteri jobs run`).

use crate::services::jobs::system;
use crate::services::retention::{Preview, preview, preview_csv, sweep};
use clap::{Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use rekisteri_domain::Clock;
use rekisteri_store::{Store, SweepCounts};

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Sweep what the retention schedule has expired today: erase or
    /// anonymise people, delete or minimise records; held ones stay.
    Run {
        /// Change nothing: list each record, its policy, anchor date,
        /// expiry, action and holds.
        #[arg(long)]
        dry_run: bool,
        /// How the dry run is printed.
        #[arg(long, value_enum, default_value = "table")]
        format: PreviewFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PreviewFormat {
    Table,
    Csv,
    Json,
}

pub async fn retention(
    store: &Store,
    clock: &dyn Clock,
    command: &RetentionCommand,
) -> anyhow::Result<()> {
    let RetentionCommand::Run { dry_run, format } = command;
    if *dry_run {
        let preview = preview(store, &system(), clock.now()).await?;
        match format {
            PreviewFormat::Json => println!("{}", serde_json::to_string_pretty(&preview)?),
            PreviewFormat::Csv => print!("{}", preview_csv(&preview)?),
            PreviewFormat::Table => print_table(&preview),
        }
        return Ok(());
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} records ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let swept = sweep(store, clock, &system(), None, &progress).await?;
    bar.finish_and_clear();
    let Some(swept) = swept else {
        anyhow::bail!("the sweep did not start / säilytysajo ei käynnistynyt");
    };
    println!(
        "sweep {} done with schedule version {} / säilytysajo tehty",
        swept.id, swept.schedule_version
    );
    print_counts(&swept.counts);
    Ok(())
}

fn print_counts(counts: &SweepCounts) {
    if counts.is_empty() {
        println!("nothing had expired / mikään ei ollut vanhentunut");
    }
    for (category, actions) in counts {
        for (action, n) in actions {
            println!("{category:<20} {action:<28} {n}");
        }
    }
}

fn print_table(preview: &Preview) {
    println!(
        "dry run for {} with schedule version {}: {} records / koeajo: {} tietuetta",
        preview.today,
        preview.schedule_version,
        preview.items.len(),
        preview.items.len()
    );
    println!(
        "{:<20} {:<12} {:<38} {:<11} {:<11} {:<27} HOLDS",
        "CATEGORY", "RECORD", "ID", "ANCHOR", "EXPIRED", "ACTION"
    );
    for item in &preview.items {
        let holds: Vec<&str> = item.holds.iter().map(|h| h.code()).collect();
        println!(
            "{:<20} {:<12} {:<38} {:<11} {:<11} {:<27} {}",
            item.category.code(),
            item.record_type,
            item.record_id,
            item.anchor_on.to_string(),
            item.expires_on.to_string(),
            item.action.code(),
            if holds.is_empty() {
                "-".to_string()
            } else {
                holds.join(",")
            }
        );
    }
    print_counts(&preview.counts);
}
