//! `rekisteri audit …` (B1): verify the chain, and print an anchor to keep
//! elsewhere.

use crate::audit_files::{AuditFiles, read_anchors};
use clap::Subcommand;
use rekisteri_store::Store;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain, check its seals under the audit key and that it
    /// reaches the head file (and every --anchor); name the first entry that
    /// was tampered with.
    Verify {
        /// A file of anchors kept outside the register (lines printed by
        /// `rekisteri audit anchor`); repeatable.
        #[arg(long = "anchor")]
        anchors: Vec<PathBuf>,
    },
    /// Seal the chain now and print its head as a signed line, to keep
    /// apart from the register (another machine, paper, a mail to oneself):
    /// `audit verify --anchor FILE` proves the log still holds it.
    Anchor,
}

pub async fn audit(
    store: &Store,
    files: &AuditFiles,
    command: &AuditCommand,
) -> anyhow::Result<()> {
    match command {
        AuditCommand::Anchor => {
            // Through the head file: refused when the log no longer reaches
            // the head written before.
            files.write_head(store).await?;
            let anchor = files.read_head(store.audit_key())?.ok_or_else(|| {
                anyhow::anyhow!("the audit log is empty: nothing to anchor / loki on tyhjä")
            })?;
            println!("{}", anchor.line(store.audit_key()));
            Ok(())
        }
        AuditCommand::Verify { anchors } => verify(store, files, anchors).await,
    }
}

async fn verify(store: &Store, files: &AuditFiles, anchor_files: &[PathBuf]) -> anyhow::Result<()> {
    let key = store.audit_key();
    let head = files.read_head(key)?;
    let mut kept = Vec::new();
    for file in anchor_files {
        kept.extend(read_anchors(file, key)?);
    }
    let anchors: Vec<_> = head.iter().cloned().chain(kept.iter().cloned()).collect();
    let report = store.verify_audit_against(&anchors).await?;
    match &report.checkpoint {
        Some(c) => println!(
            "checked from the signed retention checkpoint after entry {} (cut {}, {} older entries removed by retention) / \
             tarkistettu säilytyksen tarkistuspisteestä merkinnän {} jälkeen",
            c.through_seq, c.cut_at, c.rows_cut, c.through_seq
        ),
        None => println!("checked from the chain's start / tarkistettu ketjun alusta"),
    }
    println!(
        "each entry's link to the one before and its SHA-256 over its content{} / \
         jokaisen merkinnän linkki edelliseen ja tiiviste{}",
        if report.numbering_checked {
            ", and its number following the one before"
        } else {
            " (PostgreSQL numbers may skip after a rolled-back transaction: the links prove nothing is missing)"
        },
        if report.numbering_checked {
            " sekä numerointi"
        } else {
            ""
        }
    );
    match report.sealed_through {
        Some(seq) => println!(
            "{} seals under the audit key {} (id {}), the newest at entry {seq}; {} newer entries not sealed yet / \
             {} sinettiä lokiavaimella, uusin merkinnässä {seq}",
            report.seals_checked,
            files.key_path().display(),
            report.key_id,
            report.unsealed,
            report.seals_checked
        ),
        None => println!(
            "no seal yet under the audit key {} (id {}) / ei vielä sinettejä",
            files.key_path().display(),
            report.key_id
        ),
    }
    if let Some(seq) = report.head_checked {
        println!(
            "the head the last retention sweep recorded (entry {seq}) is in the chain / \
             viimeisimmän säilytysajon kirjaama ketjun pää (merkintä {seq}) on ketjussa"
        );
    }
    match &head {
        Some(h) => println!(
            "the head file {} (entry {}) checked / päätiedosto tarkistettu",
            files.head_path().display(),
            h.seq
        ),
        None => println!(
            "no head file at {} yet / päätiedostoa ei vielä ole",
            files.head_path().display()
        ),
    }
    if !kept.is_empty() {
        let n = kept.len();
        println!(
            "{n} anchors kept elsewhere checked / {n} muualla säilytettyä ankkuria tarkistettu"
        );
    }
    match report.first_broken {
        None => {
            println!(
                "the audit log is intact: {} entries / loki on eheä: {} merkintää",
                report.entries, report.entries
            );
            Ok(())
        }
        Some((seq, why)) => anyhow::bail!(
            "the audit log is broken at entry {seq} / loki on rikki merkinnän {seq} kohdalla: {why}"
        ),
    }
}
