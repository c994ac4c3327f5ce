//! `export audience`: a marketing list from the command line (R15, R18),
//! the same people and the same file as `GET /api/v1/marketing/audience`,
//! audited by the store with the purpose named (R2).

use super::ExportFormat;
use crate::services::marketing::{
    AudienceEntry, CSV_HEADER, csv_record, json_entry, json_head, json_tail, start_export,
    write_csv,
};
use anyhow::Context;
use rekisteri_domain::audit::Actor;
use rekisteri_domain::export_copy::ExportKind;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::marketing::{Channel, MarketingPurpose};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Clock, Purpose};
use rekisteri_store::Store;
use std::io::Write;
use std::path::Path;

pub struct AudienceArgs<'a> {
    pub channel: &'a str,
    pub marketing_purpose: &'a str,
    pub purpose: &'a str,
    pub format: ExportFormat,
    pub output: Option<&'a Path>,
}

pub async fn export_audience(
    store: &Store,
    clock: &dyn Clock,
    args: AudienceArgs<'_>,
) -> anyhow::Result<()> {
    let channel = Channel::parse(args.channel).map_err(|m| anyhow::anyhow!("--channel {m}"))?;
    let marketing = MarketingPurpose::parse(args.marketing_purpose)
        .map_err(|m| anyhow::anyhow!("--marketing-purpose {m}"))?;
    let purpose = Purpose::parse(args.purpose).map_err(|m| anyhow::anyhow!("--purpose {m}"))?;
    if !store.purpose_in_use(purpose).await? {
        anyhow::bail!("--purpose {purpose} is not in use (R2)");
    }
    let out: Box<dyn Write> = match args.output {
        Some(path) => Box::new(crate::private::private_file(path)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let at = clock.now();
    let (first, mut rx, task) = start_export(
        store.clone(),
        Actor::command_line(purpose),
        at,
        channel,
        marketing,
    )
    .await?;
    let mut buf = Vec::with_capacity(1 << 16);
    match args.format {
        ExportFormat::Json => buf.extend_from_slice(json_head(channel, marketing, at).as_bytes()),
        ExportFormat::Csv => write_csv(&mut buf, &CSV_HEADER.map(String::from)),
    }
    let mut count = 0u64;
    let mut people = Vec::new();
    let mut next = first;
    while let Some(member) = next {
        let entry = AudienceEntry::from(member);
        if args.output.is_some() {
            people.push(PersonId::parse(&entry.person_id).map_err(|m| anyhow::anyhow!("{m}"))?);
        }
        match args.format {
            ExportFormat::Json => json_entry(&mut buf, &entry, count == 0),
            ExportFormat::Csv => write_csv(&mut buf, &csv_record(&entry)),
        }
        count += 1;
        if buf.len() >= 1 << 16 {
            out.write_all(&buf)?;
            buf.clear();
        }
        next = rx.recv().await;
    }
    task.await.context("the export task")??;
    if let ExportFormat::Json = args.format {
        buf.extend_from_slice(json_tail(count).as_bytes());
    }
    out.write_all(&buf)?;
    out.flush()?;
    drop(out);
    if let Some(path) = args.output {
        let actor = Actor::command_line(purpose);
        super::transfer::record_copy(store, &actor, at, ExportKind::Audience, path, people).await?;
    }
    eprintln!("exported {count} people who may be contacted by {channel} for {marketing}");
    Ok(())
}
