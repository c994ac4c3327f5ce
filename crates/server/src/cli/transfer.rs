//! `import people` and `export people`: CSV in, CSV or JSON out. The CSV
//! columns are the same both ways, so an export imports back.

use crate::cli::ExportFormat;
use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::person::{AddressDraft, NewPerson, Person, PersonDraft};
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Clock, FieldError, Invalid, Purpose, Source};
use rekisteri_store::{PageRequest, Store};
use std::io::Write;
use std::path::Path;

/// The CSV columns of people. Several values in one cell are separated by `;`.
pub const PEOPLE_COLUMNS: [&str; 17] = [
    "first_name",
    "last_name",
    "title",
    "emails",
    "phones",
    "websites",
    "ip_addresses",
    "street",
    "postal_code",
    "city",
    "country",
    "billing_street",
    "billing_postal_code",
    "billing_city",
    "billing_country",
    "relationship_started_on",
    "relationship_ended_on",
];

/// A row that was not imported: its line in the file, the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub line: u64,
    pub field: String,
    pub reason: String,
}

fn split(cell: Option<&str>) -> Vec<String> {
    cell.unwrap_or("")
        .split(';')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

fn address(
    kind: &str,
    street: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
    country: Option<String>,
) -> Option<AddressDraft> {
    if [&street, &postal_code, &city].iter().all(|v| v.is_none()) {
        return None;
    }
    Some(AddressDraft {
        kind: Some(kind.into()),
        street,
        postal_code,
        city,
        country,
    })
}

/// Reads the CSV into drafts: the line of each row and its cells by column.
pub fn read_people_csv(
    data: &[u8],
    source: Source,
    source_detail: Option<&str>,
) -> anyhow::Result<Vec<(u64, Result<NewPerson, Invalid>)>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(data);
    let headers = reader
        .headers()
        .context("the file has no header row")?
        .clone();
    let index: Vec<Option<usize>> = PEOPLE_COLUMNS
        .iter()
        .map(|c| headers.iter().position(|h| h.eq_ignore_ascii_case(c)))
        .collect();
    if index[0].is_none() || index[1].is_none() {
        bail!(
            "the header row must name at least first_name and last_name (columns: {})",
            PEOPLE_COLUMNS.join(",")
        );
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.context("the file is not valid CSV")?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let cell = |i: usize| {
            index[i]
                .and_then(|c| record.get(c))
                .map(str::to_string)
                .filter(|v| !v.is_empty())
        };
        let mut addresses = Vec::new();
        addresses.extend(address("postal", cell(7), cell(8), cell(9), cell(10)));
        addresses.extend(address("billing", cell(11), cell(12), cell(13), cell(14)));
        let draft = PersonDraft {
            first_name: cell(0),
            last_name: cell(1),
            title: cell(2),
            emails: split(cell(3).as_deref()),
            phones: split(cell(4).as_deref()),
            websites: split(cell(5).as_deref()),
            ip_addresses: split(cell(6).as_deref()),
            addresses,
            relationship_started_on: cell(15),
            relationship_ended_on: cell(16),
            source: Some(source.code().into()),
            source_detail: source_detail.map(str::to_string),
        };
        rows.push((line, draft.parse()));
    }
    Ok(rows)
}

/// Splits parsed rows into people to import and rejected rows.
pub fn sort_rows(rows: Vec<(u64, Result<NewPerson, Invalid>)>) -> (Vec<NewPerson>, Vec<Rejected>) {
    let mut valid = Vec::new();
    let mut rejected = Vec::new();
    for (line, row) in rows {
        match row {
            Ok(person) => valid.push(person),
            Err(Invalid(errors)) => {
                rejected.extend(errors.into_iter().map(|e: FieldError| Rejected {
                    line,
                    field: e.field,
                    reason: e.message,
                }))
            }
        }
    }
    (valid, rejected)
}

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
    let total = import_batches(store, actor, clock.now(), people, |n| bar.inc(n as u64)).await?;
    bar.finish_and_clear();
    Ok(total)
}

/// How many people go to the database at a time.
pub const BATCH: usize = 2_000;

/// Imports all the people in one transaction (all or none), in batches of
/// [`BATCH`], telling `progress` how many each batch added. The store
/// audits the import as `actor`'s. Used by the command line and the web's
/// import page.
pub async fn import_batches(
    store: &Store,
    actor: Actor,
    at: rekisteri_domain::Timestamp,
    people: Vec<NewPerson>,
    mut progress: impl FnMut(usize) + Send,
) -> Result<usize, rekisteri_store::StoreError> {
    let mut bulk = store.bulk(actor, at).await?;
    let total = people.len();
    let mut people = people.into_iter().peekable();
    while people.peek().is_some() {
        let batch: Vec<(PersonId, NewPerson)> = people
            .by_ref()
            .take(BATCH)
            .map(|p| (PersonId::new(at), p))
            .collect();
        bulk.people(&batch).await?;
        progress(batch.len());
    }
    bulk.commit().await?;
    Ok(total)
}

/// The CSV cells of a person, in [`PEOPLE_COLUMNS`] order.
pub fn person_csv_row(p: &Person) -> Vec<String> {
    let join = |vs: &[rekisteri_domain::person::SourcedValue]| {
        vs.iter()
            .map(|v| v.value.as_str())
            .collect::<Vec<_>>()
            .join(";")
    };
    let postal = p.addresses.iter().find(|a| a.kind == "postal");
    let billing = p.addresses.iter().find(|a| a.kind == "billing");
    let addr = |a: Option<&rekisteri_domain::person::SourcedAddress>| match a {
        Some(a) => [
            a.street.clone(),
            a.postal_code.clone(),
            a.city.clone(),
            a.country.clone(),
        ],
        None => Default::default(),
    };
    let mut row = vec![
        p.first_name.clone(),
        p.last_name.clone(),
        p.title.clone().unwrap_or_default(),
        join(&p.emails),
        join(&p.phones),
        join(&p.websites),
        join(&p.ip_addresses),
    ];
    row.extend(addr(postal));
    row.extend(addr(billing));
    row.push(
        p.relationship_started_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    row.push(
        p.relationship_ended_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
    );
    row
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
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut sink = Sink::open(format, std::io::BufWriter::with_capacity(1 << 20, out))?;
    let mut page = PageRequest {
        after: None,
        limit: PageRequest::MAX_BULK,
        bulk: true,
    };
    let mut count = 0usize;
    loop {
        let batch = store.export_people(&actor, clock.now(), &page).await?;
        for person in &batch.items {
            sink.write(person)?;
            count += 1;
        }
        match batch.next_cursor {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    sink.finish()?;
    eprintln!("exported {count} people");
    Ok(())
}

/// `import person`: one person from a portability file (R16), through the
/// same parsing and store call as `POST /api/v1/people/import`.
pub async fn import_person(
    store: &Store,
    clock: &dyn Clock,
    file: &Path,
    format: super::PortableFormat,
) -> anyhow::Result<()> {
    use crate::http::report::{ImportFormat, person_draft};
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
