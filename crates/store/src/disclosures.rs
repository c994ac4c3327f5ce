//! Disclosures (R6, R7, R18): the only way data leaves the register for a
//! third party. One write transaction checks the recipient (a safeguard
//! outside the EU/EEA), refuses restricted people, reads the chosen
//! categories, and records the disclosure, each record sent and an audit
//! row per person — so there is no unrecorded path out.

use crate::recipients::recipient_in;
use crate::restrictions;
use crate::rows::{
    self, Arg, Select, Values, opt_parsed, opt_text, parsed, text, text_or_null, ts,
};
use crate::{Store, StoreError, audit};
use rekisteri_domain::audit::{Actor, AuditAction, AuditEntry, RecordType};
use rekisteri_domain::disclosure::{
    DataCategory, DisclosedAddress, DisclosedBilling, DisclosedContacts, DisclosedData,
    DisclosedInvoice, DisclosedName, DisclosedOrder, DisclosedOrderLine, DisclosedOrganisation,
    DisclosedPerson, DisclosedRecord, DisclosedValue, Disclosure, DisclosureChannel, NewDisclosure,
    SentRecord, categories_code, parse_categories,
};
use rekisteri_domain::export_copy::{ExportKind, NewExportCopy};
use rekisteri_domain::ids::{DisclosureId, PersonId};
use rekisteri_domain::person::ContactKind;
use rekisteri_domain::restriction::{Restriction, person_restricted, value_restricted};
use rekisteri_domain::{Date, FieldError, Invalid, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Executor, Transaction};
use std::collections::HashMap;

/// Ids per `IN (…)`: well inside both databases' parameter limits.
const CHUNK: usize = 1_000;

const SELECT: &str = "SELECT d.id, d.recipient_id, r.name AS recipient_name, d.ground, d.purpose, d.categories, \
     d.channel, d.disclosed_by, d.disclosed_at FROM disclosures d JOIN recipients r ON r.id = d.recipient_id";

fn from_row(row: &AnyRow) -> Result<Disclosure, sqlx::Error> {
    let categories =
        parse_categories(&text(row, "categories")?).map_err(|e| sqlx::Error::ColumnDecode {
            index: "categories".into(),
            source: e.into(),
        })?;
    Ok(Disclosure {
        id: parsed(row, "id")?,
        recipient_id: parsed(row, "recipient_id")?,
        recipient_name: text(row, "recipient_name")?,
        ground: parsed(row, "ground")?,
        purpose: parsed(row, "purpose")?,
        categories,
        channel: parsed(row, "channel")?,
        disclosed_by: opt_parsed(row, "disclosed_by")?,
        disclosed_at: ts(row, "disclosed_at")?,
        records: Vec::new(),
    })
}

fn record_from_row(row: &AnyRow) -> Result<DisclosedRecord, sqlx::Error> {
    Ok(DisclosedRecord {
        person_id: opt_parsed(row, "person_id")?,
        record_type: parsed(row, "record_type")?,
        record_id: text(row, "record_id")?,
    })
}

/// Rows of `head WHERE col IN (ids) tail`, a chunk of ids at a time.
async fn rows_of(
    tx: &mut Transaction<'static, Any>,
    head: &str,
    col: &str,
    ids: &[String],
    tail: &str,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    let mut all = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let mut select = Select::default();
        select.filter_in(
            &format!("{col} IN (?)"),
            chunk.iter().map(|id| Arg::Text(id.clone())).collect(),
        );
        all.extend(
            select
                .build(head, tail, Vec::new())
                .fetch_all(&mut **tx)
                .await?,
        );
    }
    Ok(all)
}

/// The data being sent and the records it is made of, built per person.
struct Outgoing {
    people: Vec<DisclosedPerson>,
    records: Vec<DisclosedRecord>,
}

fn record(person: PersonId, kind: SentRecord, id: impl ToString) -> DisclosedRecord {
    DisclosedRecord {
        person_id: Some(person),
        record_type: kind,
        record_id: id.to_string(),
    }
}

/// Whether a link is in force today: the person represents the organisation now.
fn current(started: Option<Date>, ended: Option<Date>, today: Date) -> bool {
    started.is_none_or(|s| s <= today) && ended.is_none_or(|e| e >= today)
}

/// Reads the chosen categories of these people (who exist and are not
/// restricted), leaving out values with a restriction in force.
async fn read_outgoing(
    tx: &mut Transaction<'static, Any>,
    new: &NewDisclosure,
    names: HashMap<PersonId, DisclosedName>,
    restrictions: &HashMap<PersonId, Vec<Restriction>>,
    at: Timestamp,
) -> Result<Outgoing, StoreError> {
    let ids: Vec<String> = new.person_ids.iter().map(ToString::to_string).collect();
    let mut by_person: HashMap<PersonId, DisclosedPerson> = HashMap::new();
    for id in &new.person_ids {
        by_person.insert(
            *id,
            DisclosedPerson {
                person_id: *id,
                name: new
                    .includes(DataCategory::Name)
                    .then(|| names.get(id).cloned())
                    .flatten(),
                organisations: new.includes(DataCategory::Organisation).then(Vec::new),
                contact_details: new
                    .includes(DataCategory::ContactDetails)
                    .then(DisclosedContacts::default),
                billing_details: new
                    .includes(DataCategory::BillingDetails)
                    .then(DisclosedBilling::default),
            },
        );
    }
    let mut records: Vec<DisclosedRecord> = new
        .person_ids
        .iter()
        .map(|p| record(*p, SentRecord::Person, p))
        .collect();
    let none = Vec::new();
    if new.includes(DataCategory::Organisation) {
        let today = at.date();
        let head = "SELECT l.id, l.person_id, l.organisation_id, o.name, o.business_id, l.title, l.started_on, l.ended_on \
                    FROM person_organisations l JOIN organisations o ON o.id = l.organisation_id";
        for row in rows_of(tx, head, "l.person_id", &ids, "ORDER BY o.name, l.id").await? {
            let person: PersonId = parsed(&row, "person_id")?;
            if !current(
                opt_parsed(&row, "started_on")?,
                opt_parsed(&row, "ended_on")?,
                today,
            ) {
                continue;
            }
            let link = DisclosedOrganisation {
                link_id: parsed(&row, "id")?,
                organisation_id: parsed(&row, "organisation_id")?,
                name: text(&row, "name")?,
                business_id: opt_text(&row, "business_id")?,
                title: opt_text(&row, "title")?,
            };
            records.push(record(person, SentRecord::Link, link.link_id));
            if let Some(list) = by_person
                .get_mut(&person)
                .and_then(|p| p.organisations.as_mut())
            {
                list.push(link);
            }
        }
    }
    let contacts = new.includes(DataCategory::ContactDetails);
    let billing = new.includes(DataCategory::BillingDetails);
    if contacts || billing {
        let head =
            "SELECT id, person_id, kind, value, postal_code, city, country FROM person_contacts";
        for row in rows_of(tx, head, "person_id", &ids, "ORDER BY person_id, position").await? {
            let person: PersonId = parsed(&row, "person_id")?;
            let kind: ContactKind = parsed(&row, "kind")?;
            let value = text(&row, "value")?;
            let held = restrictions.get(&person).unwrap_or(&none);
            if value_restricted(held, kind, &value, at) {
                continue;
            }
            let Some(p) = by_person.get_mut(&person) else {
                continue;
            };
            let id = parsed(&row, "id")?;
            let address = |value: String| -> Result<DisclosedAddress, sqlx::Error> {
                Ok(DisclosedAddress {
                    id,
                    street: value,
                    postal_code: opt_text(&row, "postal_code")?.unwrap_or_default(),
                    city: opt_text(&row, "city")?.unwrap_or_default(),
                    country: opt_text(&row, "country")?.unwrap_or_default(),
                })
            };
            let sent = match (kind, p.contact_details.as_mut(), p.billing_details.as_mut()) {
                (ContactKind::Email, Some(c), _) => {
                    c.emails.push(DisclosedValue { id, value });
                    true
                }
                (ContactKind::Phone, Some(c), _) => {
                    c.phones.push(DisclosedValue { id, value });
                    true
                }
                (ContactKind::Website, Some(c), _) => {
                    c.websites.push(DisclosedValue { id, value });
                    true
                }
                (ContactKind::PostalAddress, Some(c), _) => {
                    c.postal_addresses.push(address(value)?);
                    true
                }
                (ContactKind::BillingAddress, _, Some(b)) => {
                    b.billing_addresses.push(address(value)?);
                    true
                }
                // IP addresses are in no category a recipient gets.
                _ => false,
            };
            if sent {
                records.push(record(person, SentRecord::Contact, id));
            }
        }
    }
    if billing {
        read_billing(tx, &ids, &mut by_person, &mut records).await?;
    }
    let people = new
        .person_ids
        .iter()
        .filter_map(|id| by_person.remove(id))
        .collect();
    Ok(Outgoing { people, records })
}

/// The people's orders (with their lines) and invoices.
async fn read_billing(
    tx: &mut Transaction<'static, Any>,
    ids: &[String],
    by_person: &mut HashMap<PersonId, DisclosedPerson>,
    records: &mut Vec<DisclosedRecord>,
) -> Result<(), StoreError> {
    let head =
        "SELECT id, person_id, number, status, ordered_on, currency, total_cents FROM orders";
    let mut orders: Vec<(PersonId, DisclosedOrder)> = Vec::new();
    for row in rows_of(tx, head, "person_id", ids, "ORDER BY ordered_on, id").await? {
        orders.push((
            parsed(&row, "person_id")?,
            DisclosedOrder {
                order_id: parsed(&row, "id")?,
                number: text(&row, "number")?,
                status: text(&row, "status")?,
                ordered_on: parsed(&row, "ordered_on")?,
                currency: text(&row, "currency")?,
                total_cents: rows::int(&row, "total_cents")?,
                lines: Vec::new(),
            },
        ));
    }
    let order_ids: Vec<String> = orders.iter().map(|(_, o)| o.order_id.to_string()).collect();
    let head = "SELECT order_id, description, quantity, unit_price_cents FROM order_lines";
    let mut lines: HashMap<String, Vec<DisclosedOrderLine>> = HashMap::new();
    for row in rows_of(
        tx,
        head,
        "order_id",
        &order_ids,
        "ORDER BY order_id, position",
    )
    .await?
    {
        lines
            .entry(text(&row, "order_id")?)
            .or_default()
            .push(DisclosedOrderLine {
                description: text(&row, "description")?,
                quantity: rows::int(&row, "quantity")?,
                unit_price_cents: rows::int(&row, "unit_price_cents")?,
            });
    }
    for (person, mut order) in orders {
        order.lines = lines
            .remove(&order.order_id.to_string())
            .unwrap_or_default();
        records.push(record(person, SentRecord::Order, order.order_id));
        if let Some(b) = by_person
            .get_mut(&person)
            .and_then(|p| p.billing_details.as_mut())
        {
            b.orders.push(order);
        }
    }
    let head = "SELECT id, person_id, order_id, number, status, issued_on, due_on, total_cents, currency FROM invoices";
    for row in rows_of(tx, head, "person_id", ids, "ORDER BY issued_on, id").await? {
        let person: PersonId = parsed(&row, "person_id")?;
        let invoice = DisclosedInvoice {
            invoice_id: parsed(&row, "id")?,
            order_id: opt_parsed(&row, "order_id")?,
            number: text(&row, "number")?,
            status: text(&row, "status")?,
            issued_on: parsed(&row, "issued_on")?,
            due_on: parsed(&row, "due_on")?,
            total_cents: rows::int(&row, "total_cents")?,
            currency: text(&row, "currency")?,
        };
        records.push(record(person, SentRecord::Invoice, invoice.invoice_id));
        if let Some(b) = by_person
            .get_mut(&person)
            .and_then(|p| p.billing_details.as_mut())
        {
            b.invoices.push(invoice);
        }
    }
    Ok(())
}

/// The people's names and titles; every id must be a person.
async fn read_names(
    tx: &mut Transaction<'static, Any>,
    people: &[PersonId],
) -> Result<HashMap<PersonId, DisclosedName>, StoreError> {
    let ids: Vec<String> = people.iter().map(ToString::to_string).collect();
    let head = "SELECT id, first_name, last_name, title FROM people";
    let mut names = HashMap::new();
    for row in rows_of(tx, head, "id", &ids, "").await? {
        names.insert(
            parsed::<PersonId>(&row, "id")?,
            DisclosedName {
                first_name: text(&row, "first_name")?,
                last_name: text(&row, "last_name")?,
                title: opt_text(&row, "title")?,
            },
        );
    }
    if let Some(i) = people.iter().position(|p| !names.contains_key(p)) {
        return Err(StoreError::field(
            &format!("person_ids[{i}]"),
            "refers to a record that does not exist",
        ));
    }
    Ok(names)
}

/// The disclosures' records, of one person only when `person` is given.
async fn with_records<'e, E>(
    conn: E,
    mut disclosures: Vec<Disclosure>,
    person: Option<PersonId>,
) -> Result<Vec<Disclosure>, StoreError>
where
    E: Executor<'e, Database = Any>,
{
    if disclosures.is_empty() {
        return Ok(disclosures);
    }
    let mut select = Select::default();
    match person {
        Some(p) => select.filter("person_id = ?", Arg::Text(p.to_string())),
        None => select.filter_in(
            "disclosure_id IN (?)",
            disclosures
                .iter()
                .map(|d| Arg::Text(d.id.to_string()))
                .collect(),
        ),
    };
    let rows = select
        .build(
            "SELECT disclosure_id, person_id, record_type, record_id FROM disclosure_records",
            "ORDER BY person_id, record_type, record_id",
            Vec::new(),
        )
        .fetch_all(conn)
        .await?;
    let mut by_id: HashMap<String, Vec<DisclosedRecord>> = HashMap::new();
    for row in &rows {
        by_id
            .entry(text(row, "disclosure_id")?)
            .or_default()
            .push(record_from_row(row)?);
    }
    for d in &mut disclosures {
        d.records = by_id.remove(&d.id.to_string()).unwrap_or_default();
    }
    Ok(disclosures)
}

impl Store {
    /// Sends the chosen categories of these people to the recipient, and
    /// records it: the disclosure, every record sent, an audit row per
    /// person (with the disclosure's purpose), in one transaction. Refused,
    /// with nothing recorded, when the recipient may not receive (R7: retired,
    /// or outside the EU/EEA without a safeguard in force) or a person's
    /// processing is restricted (R18).
    pub async fn disclose(
        &self,
        actor: &Actor,
        at: Timestamp,
        channel: DisclosureChannel,
        new: NewDisclosure,
    ) -> Result<(Disclosure, DisclosedData), StoreError> {
        self.disclose_to(actor, at, channel, new, None).await
    }

    /// [`Store::disclose`], the data going to the file at `copy_path`: the
    /// copy is recorded in the same transaction (R21, `export_copies`).
    pub async fn disclose_to(
        &self,
        actor: &Actor,
        at: Timestamp,
        channel: DisclosureChannel,
        new: NewDisclosure,
        copy_path: Option<String>,
    ) -> Result<(Disclosure, DisclosedData), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        if !crate::purposes::in_use(&mut tx, new.purpose).await? {
            return Err(StoreError::field(
                "purpose",
                "is not in use: an administrator has taken it out of use (R2)",
            ));
        }
        let recipient = match recipient_in(&mut *tx, new.recipient_id).await {
            Err(StoreError::NotFound) => {
                return Err(StoreError::field(
                    "recipient_id",
                    "refers to a record that does not exist",
                ));
            }
            other => other?,
        };
        recipient.may_receive(at.date()).map_err(|refusal| {
            StoreError::Invalid(Invalid::one(FieldError {
                field: "recipient_id".into(),
                code: refusal.code,
                message: refusal.message,
            }))
        })?;
        let names = read_names(&mut tx, &new.person_ids).await?;
        let restrictions = restrictions::in_force(&mut *tx, &new.person_ids, at).await?;
        if let Some(person) = new.person_ids.iter().find(|p| {
            restrictions
                .get(p)
                .is_some_and(|held| person_restricted(held, at))
        }) {
            return Err(StoreError::Conflict {
                code: "restricted",
                message: format!(
                    "the processing of person {person} is restricted (R18): their data is only stored and \
                     may not be disclosed; nothing was disclosed"
                ),
            });
        }
        let outgoing = read_outgoing(&mut tx, &new, names, &restrictions, at).await?;
        let id = DisclosureId::new(at);
        let row: Values = vec![
            ("id", Arg::Text(id.to_string())),
            ("recipient_id", Arg::Text(recipient.id.to_string())),
            ("ground", Arg::Text(new.ground.code().into())),
            ("purpose", Arg::Text(new.purpose.code().into())),
            ("categories", Arg::Text(categories_code(&new.categories))),
            ("channel", Arg::Text(channel.code().into())),
            ("disclosed_by", text_or_null(actor.user)),
            ("disclosed_at", Arg::Int(at.micros())),
        ];
        rows::insert_records(&mut tx, "disclosures", vec![row]).await?;
        let record_rows = outgoing
            .records
            .iter()
            .map(|r| {
                vec![
                    ("disclosure_id", Arg::Text(id.to_string())),
                    ("person_id", text_or_null(r.person_id)),
                    ("record_type", Arg::Text(r.record_type.code().into())),
                    ("record_id", Arg::Text(r.record_id.clone())),
                ]
            })
            .collect();
        rows::insert_records(&mut tx, "disclosure_records", record_rows).await?;
        let for_purpose = Actor {
            purpose: new.purpose,
            ..*actor
        };
        let entries: Vec<AuditEntry> = new
            .person_ids
            .iter()
            .map(|p| {
                for_purpose.entry(
                    at,
                    AuditAction::Disclose,
                    RecordType::Disclosure,
                    id,
                    Some(*p),
                )
            })
            .collect();
        audit::insert(&mut tx, &entries).await?;
        if let Some(path) = copy_path {
            let copy = NewExportCopy {
                kind: ExportKind::Disclosure,
                path,
                disclosure_id: Some(id),
                people: new.person_ids.clone(),
            };
            crate::export_copies::insert(&mut tx, &for_purpose, at, &copy).await?;
        }
        tx.commit().await?;
        let disclosure = Disclosure {
            id,
            recipient_id: recipient.id,
            recipient_name: recipient.name.clone(),
            ground: new.ground,
            purpose: new.purpose,
            categories: new.categories.clone(),
            channel,
            disclosed_by: actor.user,
            disclosed_at: at,
            records: outgoing.records,
        };
        let data = DisclosedData {
            disclosure_id: id,
            recipient: recipient.name,
            ground: new.ground,
            purpose: new.purpose,
            categories: new.categories,
            disclosed_at: at,
            people: outgoing.people,
        };
        Ok((disclosure, data))
    }

    /// One disclosure with every record it sent; audited as a read of each
    /// person it is about.
    pub async fn get_disclosure(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: DisclosureId,
    ) -> Result<Disclosure, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!("{SELECT} WHERE d.id = $1")))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?;
        let disclosure = from_row(&row.ok_or(StoreError::NotFound)?)?;
        let disclosure = with_records(&self.read, vec![disclosure], None)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        let entries = disclosure
            .people()
            .into_iter()
            .map(|p| actor.entry(at, AuditAction::Read, RecordType::Disclosure, id, Some(p)))
            .collect();
        self.audit.record(entries).await?;
        Ok(disclosure)
    }

    /// Every disclosure of the person's data, newest first, each with the
    /// person's own records only (the access report of GDPR 15(1)(c) and
    /// the notifications of Art. 19 read it). Audited as a listing.
    pub async fn disclosures_of_person(
        &self,
        actor: &Actor,
        at: Timestamp,
        person_id: PersonId,
    ) -> Result<Vec<Disclosure>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{SELECT} WHERE d.id IN (SELECT disclosure_id FROM disclosure_records WHERE person_id = $1) \
             ORDER BY d.disclosed_at DESC, d.id DESC"
        )))
        .bind(person_id.to_string())
        .fetch_all(&self.read)
        .await?;
        let all = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        let all = with_records(&self.read, all, Some(person_id)).await?;
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::List,
                RecordType::Disclosure,
                person_id,
                Some(person_id),
            )])
            .await?;
        Ok(all)
    }
}
