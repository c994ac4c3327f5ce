//! Importing people from CSV (R5), for `rekisteri import people` and the
//! staff import page alike: the columns (the same both ways, so an export
//! imports back), rows read into validated people or rejected with their
//! line, field and reason, and the import itself — one transaction in
//! batches, all or nothing. The page's imports run in the background
//! (`services::import_jobs`).

use anyhow::{Context, bail};
use rekisteri_domain::audit::Actor;
use rekisteri_domain::ids::{ImportId, PersonId};
use rekisteri_domain::person::{AddressDraft, NewPerson, Person, PersonDraft};
use rekisteri_domain::{FieldError, Invalid, Source};
use rekisteri_store::Store;

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
pub use rekisteri_store::ImportRejection as Rejected;

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

/// How many people go to the database at a time.
pub const BATCH: usize = 2_000;

/// Imports all the people, all or none, in batches of [`BATCH`], telling
/// `progress` how many each batch added; with `record`, that import's
/// record is marked done as the data commits. The store audits the import
/// as `actor`'s and keeps the register's writer free until one short last
/// step (see `rekisteri_store::PeopleImport`). Used by the command line and
/// the web's import page.
pub async fn import_batches(
    store: &Store,
    actor: Actor,
    at: rekisteri_domain::Timestamp,
    people: Vec<NewPerson>,
    record: Option<ImportId>,
    mut progress: impl FnMut(usize) + Send,
) -> Result<usize, rekisteri_store::StoreError> {
    let mut import = store.people_import(actor, at).await?;
    let total = people.len();
    let mut people = people.into_iter().peekable();
    while people.peek().is_some() {
        let batch: Vec<(PersonId, NewPerson)> = people
            .by_ref()
            .take(BATCH)
            .map(|p| (PersonId::new(at), p))
            .collect();
        import.people(&batch).await?;
        progress(batch.len());
    }
    import.commit(record.map(|id| (id, total))).await?;
    // The planner's view of the register after a bulk load; the data is
    // in, so a failure here is only logged.
    if let Err(error) = store.refresh_statistics().await {
        tracing::warn!(%error, "the statistics were not refreshed after an import");
    }
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
