//! `import people` and `export people`: CSV in, CSV or JSON out. The CSV
//! columns are the same both ways, so an export imports back.

use crate::cli::ExportFormat;
use crate::services::imports::{
    PEOPLE_COLUMNS, import_batches, person_csv_row, read_people_csv, sort_rows,
};
use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::export_copy::{ExportKind, NewExportCopy};
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::person::{NewPerson, Person};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Clock, Purpose, Source};
use rekisteri_store::{PageRequest, Store};
use std::io::Write;
use std::path::Path;

pub async fn import_people(
    store: &Store,
    clock: &dyn Clock,
    file: &Path,
    source: &str,
    source_detail: Option<&str>,
    skip_invalid: bool,
    report: Option<&Path>,
) -> anyhow::Result<()> {
    let source = Source::parse(source).map_err(|m| anyhow::anyhow!("--source {m}"))?;
    let data = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let rows = read_people_csv(&data, source, source_detail)?;
    // R8: an erased person's address is rejected like an invalid row.
    let rows = store.refuse_erased_rows(rows).await?;
    let total = rows.len();
    let (valid, rejected) = sort_rows(rows);
    for r in &rejected {
        eprintln!("line {}: {}: {}", r.line, r.field, r.reason);
    }
    if let Some(path) = report {
        let mut w = csv::Writer::from_path(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        w.write_record(["line", "field", "reason"])?;
        for r in &rejected {
            w.write_record([r.line.to_string(), r.field.clone(), r.reason.clone()])?;
        }
        w.flush()?;
    }
    if !rejected.is_empty() && !skip_invalid {
        bail!(
            "{} of {total} rows have errors; nothing was imported (fix them, or pass --skip-invalid)",
            total - valid.len()
        );
    }
    let imported = import_in_one_transaction(store, clock, valid).await?;
    eprintln!(
        "imported {imported} people; {} rows rejected",
        total - imported
    );
    Ok(())
}

/// Imports all the people in one transaction, with a progress bar.
pub async fn import_in_one_transaction(
    store: &Store,
    clock: &dyn Clock,
    people: Vec<NewPerson>,
) -> anyhow::Result<usize> {
    let bar = ProgressBar::new(people.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} people ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let actor = Actor::command_line(Purpose::RegisterMaintenance);
    let total = import_batches(store, actor, clock.now(), people, None, |n| {
        bar.inc(n as u64)
    })
    .await?;
    bar.finish_and_clear();
    Ok(total)
}

/// Where exported people go, one at a time.
enum Sink<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Json { out: W, first: bool },
}

impl<W: Write> Sink<W> {
    fn open(format: ExportFormat, mut out: W) -> anyhow::Result<Self> {
        Ok(match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(PEOPLE_COLUMNS)?;
                Sink::Csv(Box::new(w))
            }
            ExportFormat::Json => {
                out.write_all(b"[")?;
                Sink::Json { out, first: true }
            }
        })
    }

    fn write(&mut self, person: &Person) -> anyhow::Result<()> {
        match self {
            Sink::Csv(w) => w.write_record(person_csv_row(person))?,
            Sink::Json { out, first } => {
                if !*first {
                    out.write_all(b",\n")?;
                }
                *first = false;
                serde_json::to_writer(&mut *out, person)?;
            }
        }
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Csv(mut w) => w.flush()?,
            Sink::Json { mut out, .. } => {
                out.write_all(b"]\n")?;
                out.flush()?;
            }
        }
        Ok(())
    }
}

/// Exports every person, audited as an export for `purpose` (R2).
pub async fn export_people(
    store: &Store,
    clock: &dyn Clock,
    format: ExportFormat,
    output: Option<&Path>,
    purpose: &str,
) -> anyhow::Result<()> {
    let purpose = Purpose::parse(purpose).map_err(|m| anyhow::anyhow!("--purpose {m}"))?;
    if !store.purpose_in_use(purpose).await? {
        anyhow::bail!("--purpose {purpose} is not in use (R2)");
    }
    let actor = Actor::command_line(purpose);
    let out: Box<dyn Write> = match output {
        Some(path) => Box::new(crate::private::private_file(path)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut sink = Sink::open(format, std::io::BufWriter::with_capacity(1 << 20, out))?;
    let mut page = PageRequest {
        after: None,
        limit: PageRequest::MAX_BULK,
        bulk: true,
    };
    let mut count = 0usize;
    let mut people = Vec::new();
    loop {
        let batch = store.export_people(&actor, clock.now(), &page).await?;
        for person in &batch.items {
            sink.write(person)?;
            count += 1;
            if output.is_some() {
                people.push(person.id);
            }
        }
        match batch.next_cursor {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    sink.finish()?;
    if let Some(path) = output {
        record_copy(store, &actor, clock.now(), ExportKind::People, path, people).await?;
    }
    eprintln!("exported {count} people");
    Ok(())
}

/// The path of a file as recorded: absolute when it can be made one.
pub(crate) fn recorded_path(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Records the file just written with these people in it (R21: exports
/// kept on disk are found again when a person is erased). A file that
/// cannot be recorded is removed: no copy of personal data goes unrecorded.
pub(crate) async fn record_copy(
    store: &Store,
    actor: &Actor,
    at: rekisteri_domain::Timestamp,
    kind: ExportKind,
    path: &Path,
    people: Vec<PersonId>,
) -> anyhow::Result<()> {
    let copy = NewExportCopy {
        kind,
        path: recorded_path(path),
        disclosure_id: None,
        people,
    };
    match store.record_export_copy(actor, at, copy).await {
        Ok(recorded) => {
            eprintln!(
                "export copy {} recorded / vientikopio kirjattu: {}",
                recorded.id, recorded.path
            );
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(path);
            Err(anyhow::anyhow!(
                "the file could not be recorded as an export copy, so it was removed / tiedostoa ei voitu kirjata vientikopioksi, joten se poistettiin: {e}"
            ))
        }
    }
}

/// `import person`: one person from a portability file (R16), through the
/// same parsing and store call as `POST /api/v1/people/import`.
pub async fn import_person(
    store: &Store,
    clock: &dyn Clock,
    file: &Path,
    format: super::PortableFormat,
) -> anyhow::Result<()> {
    use crate::services::report::{ImportFormat, person_draft};
    let format = match format {
        super::PortableFormat::Json => ImportFormat::Json,
        super::PortableFormat::Vcard => ImportFormat::Vcard,
    };
    let data = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let draft =
        person_draft(format, &data).map_err(|m| anyhow::anyhow!("{}: {m}", file.display()))?;
    let new = draft.parse().map_err(|rekisteri_domain::Invalid(errors)| {
        let fields: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        anyhow::anyhow!("{}: {}", file.display(), fields.join("; "))
    })?;
    let actor = Actor::command_line(Purpose::RegisterMaintenance);
    let person = store.create_person(&actor, clock.now(), new).await?;
    println!("{}", person.id);
    Ok(())
}
