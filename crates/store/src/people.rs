//! People and their contact values (R3), each value with its source (R5).

use crate::contacts::{
    CONTACT_COLUMNS, add_contact, contact_key, contact_values, insert_contacts, stored_key,
};
use crate::rows::{
    self, Arg, Select, Values, bump_version, int, int_or_null, new_record, opt_date, opt_text,
    opt_ts, parsed, provenance, text, text_or_null, ts,
};
use crate::search::SearchRow;
use crate::{Backend, Page, PageRequest, Store, StoreError, audit, search};
use rekisteri_domain::audit::{Actor, AuditAction, AuditEntry, RecordType};
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::person::{NewPerson, Person};
use rekisteri_domain::restriction::without_restricted_values;
use rekisteri_domain::{Provenance, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Transaction};
use std::collections::HashMap;

/// Filters of the people list.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// People with this exact email address.
    pub email: Option<String>,
    /// People whose last name starts with this.
    pub last_name_prefix: Option<String>,
    /// People who represent this organisation.
    pub organisation_id: Option<String>,
    /// Leave out people whose processing is restricted (R18): exports (which
    /// also leave out restricted values), and staff's lookups by name or email.
    pub without_restricted: bool,
}

const PERSON_COLUMNS: &str = "p.id, p.version, p.first_name, p.last_name, p.name_source, p.name_source_detail, \
     p.name_recorded_at, p.title, p.title_source, p.title_source_detail, p.title_recorded_at, \
     p.relationship_started_on, p.relationship_ended_on, p.relationship_end_reason, p.created_at, p.updated_at";

fn person_from_row(row: &AnyRow) -> Result<Person, sqlx::Error> {
    let title_source = match opt_text(row, "title_source")? {
        Some(_) => Some(provenance(row, "title_")?),
        None => None,
    };
    Ok(Person {
        id: parsed(row, "id")?,
        version: int(row, "version")?,
        first_name: text(row, "first_name")?,
        last_name: text(row, "last_name")?,
        name_source: provenance(row, "name_")?,
        title: opt_text(row, "title")?,
        title_source,
        emails: Vec::new(),
        phones: Vec::new(),
        websites: Vec::new(),
        ip_addresses: Vec::new(),
        addresses: Vec::new(),
        relationship_started_on: opt_date(row, "relationship_started_on")?,
        relationship_ended_on: opt_date(row, "relationship_ended_on")?,
        relationship_end_reason: opt_text(row, "relationship_end_reason")?,
        restricted: false,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

/// When the person's restriction as a whole began, of those not lifted
/// (R18); compared with a moment in [`mark`].
const RESTRICTED_FROM: &str = "(SELECT MIN(r.starts_at) FROM restrictions r WHERE r.person_id = p.id \
     AND r.value_kind IS NULL AND r.lifted_at IS NULL) AS restricted_from";

/// The person, marked restricted when a restriction begun by `at` holds.
pub(crate) fn mark(
    mut person: Person,
    restricted_from: Option<Timestamp>,
    at: Timestamp,
) -> Person {
    person.restricted = restricted_from.is_some_and(|from| from <= at);
    person
}

/// Loads people with their contact values, in the order of `ids`, marked
/// restricted as they are at `at`.
pub(crate) async fn load<'e, E>(
    executor: E,
    backend: Backend,
    ids: &[String],
    at: Timestamp,
) -> Result<Vec<Person>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    Ok(load_unmarked(executor, backend, ids)
        .await?
        .into_iter()
        .map(|(person, from)| mark(person, from, at))
        .collect())
}

/// Loads people with their contact values, in the order of `ids`, each
/// with when their restriction began (for [`mark`]).
pub(crate) async fn load_unmarked<'e, E>(
    executor: E,
    backend: Backend,
    ids: &[String],
) -> Result<Vec<(Person, Option<Timestamp>)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {PERSON_COLUMNS}, {RESTRICTED_FROM}, {CONTACT_COLUMNS} FROM people p \
         LEFT JOIN person_contacts c ON c.person_id = p.id \
         WHERE p.id IN ({}) ORDER BY p.id, c.position",
        backend.placeholders(1, ids.len())
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id.clone());
    }
    let rows = query.fetch_all(executor).await?;
    let mut people: HashMap<String, (Person, Option<Timestamp>)> = HashMap::new();
    for row in &rows {
        let id = text(row, "id")?;
        if !people.contains_key(&id) {
            let from = opt_ts(row, "restricted_from")?;
            people.insert(id.clone(), (person_from_row(row)?, from));
        }
        if opt_text(row, "c_id")?.is_some()
            && let Some((person, _)) = people.get_mut(&id)
        {
            add_contact(person, row)?;
        }
    }
    Ok(ids.iter().filter_map(|id| people.remove(id)).collect())
}

/// The words a person is found by besides their name: title, contact values, organisations.
async fn search_parts(
    tx: &mut Transaction<'static, Any>,
    person: &Person,
) -> Result<Vec<String>, sqlx::Error> {
    let mut parts: Vec<String> = person.title.iter().cloned().collect();
    parts.extend(person.emails.iter().map(|e| e.value.clone()));
    parts.extend(person.phones.iter().map(|p| p.value.clone()));
    let orgs = sqlx::query(
        "SELECT o.name FROM person_organisations l JOIN organisations o ON o.id = l.organisation_id WHERE l.person_id = $1",
    )
    .bind(person.id.to_string())
    .fetch_all(&mut **tx)
    .await?;
    for row in &orgs {
        parts.push(text(row, "name")?);
    }
    Ok(parts)
}

/// Rewrites the person's search row from what is stored now.
pub(crate) async fn reindex(
    tx: &mut Transaction<'static, Any>,
    id: PersonId,
) -> Result<(), StoreError> {
    let backend = Backend::of(tx);
    let (person, _) = load_unmarked(&mut **tx, backend, &[id.to_string()])
        .await?
        .pop()
        .ok_or(StoreError::NotFound)?;
    let parts = search_parts(tx, &person).await?;
    search::put(
        tx,
        SearchRow::person(
            id,
            &person.first_name,
            &person.last_name,
            parts.iter().map(String::as_str),
        ),
    )
    .await
}

/// The people a write touched, for the audit row.
fn entry(actor: &Actor, at: Timestamp, action: AuditAction, id: PersonId) -> AuditEntry {
    actor.entry(at, action, RecordType::Person, id, Some(id))
}

impl Store {
    /// How many people the register holds (a count, not personal data).
    pub async fn count_people(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM people")
            .fetch_one(&self.read)
            .await?;
        Ok(int(&row, "n")?)
    }

    pub async fn create_person(
        &self,
        actor: &Actor,
        at: Timestamp,
        new: NewPerson,
    ) -> Result<Person, StoreError> {
        let id = PersonId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        // R8: an erased person does not come back from a list or a partner.
        crate::tombstones::refuse_erased(&mut tx, &new).await?;
        crate::duplicates::refuse_duplicate(&mut tx, self.backend, &new, None).await?;
        insert_person(&mut tx, actor, at, id, &new).await?;
        reindex(&mut tx, id).await?;
        audit::insert(&mut tx, &[entry(actor, at, AuditAction::Create, id)]).await?;
        let person = load(&mut *tx, self.backend, &[id.to_string()], at)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(person)
    }

    /// The person, audited as a read for the actor's purpose.
    pub async fn get_person(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: PersonId,
    ) -> Result<Person, StoreError> {
        let person = self.people.get(id, at).await?.ok_or(StoreError::NotFound)?;
        self.audit
            .record(vec![entry(actor, at, AuditAction::Read, id)])
            .await?;
        Ok(person)
    }

    /// The names of these people ("first last"), for lists that link to
    /// them; audited as a listing.
    pub async fn people_names(
        &self,
        actor: &Actor,
        at: Timestamp,
        ids: &[PersonId],
    ) -> Result<std::collections::HashMap<PersonId, String>, StoreError> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let mut select = crate::rows::Select::default();
        select.filter_in(
            "id IN (?)",
            ids.iter()
                .map(|i| crate::rows::Arg::Text(i.to_string()))
                .collect(),
        );
        let rows = select
            .build("SELECT id, first_name, last_name FROM people", "", vec![])
            .fetch_all(&self.read)
            .await?;
        let mut names = std::collections::HashMap::new();
        for row in &rows {
            let id: PersonId = crate::rows::parsed(row, "id")?;
            let first = crate::rows::text(row, "first_name")?;
            let last = crate::rows::text(row, "last_name")?;
            names.insert(id, format!("{first} {last}"));
        }
        self.audit
            .record(
                names
                    .keys()
                    .map(|id| entry(actor, at, AuditAction::List, *id))
                    .collect(),
            )
            .await?;
        Ok(names)
    }

    pub async fn list_people(
        &self,
        actor: &Actor,
        at: Timestamp,
        filter: &PersonFilter,
        page: &PageRequest,
    ) -> Result<Page<Person>, StoreError> {
        self.people_page(actor, at, filter, page, AuditAction::List)
            .await
    }

    /// A page of people for an export; each person's row in the audit log
    /// says `export` and the actor's purpose.
    pub async fn export_people(
        &self,
        actor: &Actor,
        at: Timestamp,
        page: &PageRequest,
    ) -> Result<Page<Person>, StoreError> {
        let filter = PersonFilter {
            without_restricted: true,
            ..PersonFilter::default()
        };
        self.people_page(actor, at, &filter, page, AuditAction::Export)
            .await
    }

    async fn people_page(
        &self,
        actor: &Actor,
        at: Timestamp,
        filter: &PersonFilter,
        page: &PageRequest,
        action: AuditAction,
    ) -> Result<Page<Person>, StoreError> {
        let mut select = Select::default();
        if let Some(email) = &filter.email {
            select.filter("p.id IN (SELECT person_id FROM person_contacts WHERE kind = 'email' AND value = ?)", Arg::Text(email.clone()));
        }
        if let Some(prefix) = &filter.last_name_prefix {
            select.filter(
                "p.last_name LIKE ?",
                Arg::Text(format!("{}%", prefix.replace(['%', '_'], ""))),
            );
        }
        if let Some(org) = &filter.organisation_id {
            select.filter(
                "p.id IN (SELECT person_id FROM person_organisations WHERE organisation_id = ?)",
                Arg::Text(org.clone()),
            );
        }
        if filter.without_restricted {
            let clause = format!(
                "NOT {}",
                crate::restrictions::person_restricted_sql("p.id", "?")
            );
            select.filter(&clause, Arg::Int(at.micros()));
        }
        let (tail, extra) = rows::page_clause(&mut select, page, "p.id");
        let ids: Vec<String> = select
            .build("SELECT p.id FROM people p", &tail, extra)
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| text(r, "id"))
            .collect::<Result<_, _>>()?;
        let mut people = load(&self.read, self.backend, &ids, at).await?;
        if action == AuditAction::Export {
            // R18: in an export a restricted value stays home too.
            let person_ids: Vec<PersonId> = people.iter().map(|p| p.id).collect();
            let mut held = crate::restrictions::in_force(&self.read, &person_ids, at).await?;
            people = people
                .into_iter()
                .map(|p| {
                    let r = held.remove(&p.id).unwrap_or_default();
                    without_restricted_values(p, &r, at)
                })
                .collect();
        }
        let page = rows::into_page(people, page, |p| p.id.to_string());
        let entries = page
            .items
            .iter()
            .map(|p| entry(actor, at, action, p.id))
            .collect();
        self.audit.record(entries).await?;
        Ok(page)
    }

    /// Replaces the person's data. Values that stay keep their source and
    /// time; new values get the source of this request.
    pub async fn replace_person(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: PersonId,
        expected: i64,
        new: NewPerson,
    ) -> Result<Person, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        bump_version(&mut tx, "people", &id.to_string(), expected, at).await?;
        // R18: a restricted person's data is only stored; a restricted
        // value stays as it is.
        crate::restrictions::refuse_write(&mut tx, at, &[Some(id)]).await?;
        crate::restrictions::refuse_value_change(&mut tx, at, id, |kind, value| {
            new.contacts
                .iter()
                .any(|c| c.kind() == kind && c.value() == value)
        })
        .await?;
        let old = load(&mut *tx, self.backend, &[id.to_string()], at)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        crate::duplicates::refuse_duplicate(&mut tx, self.backend, &new, Some(&old)).await?;
        let prov = Provenance::new(new.source, new.source_detail.clone(), at);
        let name_same =
            old.first_name == new.first_name.as_str() && old.last_name == new.last_name.as_str();
        let name_prov = if name_same {
            old.name_source.clone()
        } else {
            prov.clone()
        };
        let title_prov = match (&new.title, &old.title) {
            (None, _) => None,
            (Some(t), Some(o)) if t.as_str() == o => old.title_source.clone(),
            (Some(_), _) => Some(prov.clone()),
        };
        sqlx::query(
            "UPDATE people SET first_name = $1, last_name = $2, name_source = $3, name_source_detail = $4, name_recorded_at = $5, \
             title = $6, title_source = $7, title_source_detail = $8, title_recorded_at = $9, \
             relationship_started_on = $10, relationship_ended_on = $11, updated_by = $12, \
             relationship_end_reason = CASE WHEN relationship_ended_on = $11 THEN relationship_end_reason END \
             WHERE id = $13",
        )
        .bind(new.first_name.to_string())
        .bind(new.last_name.to_string())
        .bind(name_prov.source.code())
        .bind(name_prov.source_detail.clone())
        .bind(name_prov.recorded_at.micros())
        .bind(new.title.as_ref().map(|t| t.to_string()))
        .bind(title_prov.as_ref().map(|p| p.source.code()))
        .bind(title_prov.as_ref().and_then(|p| p.source_detail.clone()))
        .bind(title_prov.as_ref().map(|p| p.recorded_at.micros()))
        .bind(new.relationship_started_on.map(|d| d.to_string()))
        .bind(new.relationship_ended_on.map(|d| d.to_string()))
        .bind(actor.user.map(|u| u.to_string()))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;

        // Keep the provenance of values that did not change.
        let mut kept: HashMap<(String, String, String, String), Provenance> = HashMap::new();
        for v in old
            .emails
            .iter()
            .map(|v| ("email", v))
            .chain(old.phones.iter().map(|v| ("phone", v)))
            .chain(old.websites.iter().map(|v| ("website", v)))
            .chain(old.ip_addresses.iter().map(|v| ("ip_address", v)))
        {
            kept.insert(stored_key(v.0, &v.1.value, "", ""), v.1.provenance.clone());
        }
        for a in &old.addresses {
            let kind = if a.kind == "billing" {
                "billing_address"
            } else {
                "postal_address"
            };
            kept.insert(
                stored_key(kind, &a.street, &a.postal_code, &a.city),
                a.provenance.clone(),
            );
        }
        sqlx::query("DELETE FROM person_contacts WHERE person_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let rows = new
            .contacts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let p = kept
                    .get(&contact_key(c))
                    .cloned()
                    .unwrap_or_else(|| prov.clone());
                contact_values(id, i, c, &p, at)
            })
            .collect();
        insert_contacts(&mut tx, rows).await?;
        reindex(&mut tx, id).await?;
        audit::insert(&mut tx, &[entry(actor, at, AuditAction::Update, id)]).await?;
        let person = load(&mut *tx, self.backend, &[id.to_string()], at)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(person)
    }
}

/// Inserts the person row and their contact values.
pub(crate) async fn insert_person(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    at: Timestamp,
    id: PersonId,
    new: &NewPerson,
) -> Result<(), StoreError> {
    rows::insert_records(tx, "people", vec![person_values(actor, at, id, new)]).await?;
    let prov = Provenance::new(new.source, new.source_detail.clone(), at);
    let contacts = new
        .contacts
        .iter()
        .enumerate()
        .map(|(i, c)| contact_values(id, i, c, &prov, at))
        .collect();
    insert_contacts(tx, contacts).await?;
    Ok(())
}

/// The columns of a new person's row: the name and title carry the
/// request's source (R5).
pub(crate) fn person_values(actor: &Actor, at: Timestamp, id: PersonId, new: &NewPerson) -> Values {
    let title_source = new
        .title
        .as_ref()
        .map(|_| Provenance::new(new.source, new.source_detail.clone(), at));
    let user = text_or_null(actor.user);
    new_record(
        id,
        at,
        vec![
            ("first_name", Arg::Text(new.first_name.to_string())),
            ("last_name", Arg::Text(new.last_name.to_string())),
            ("name_source", Arg::Text(new.source.code().into())),
            (
                "name_source_detail",
                text_or_null(new.source_detail.as_ref()),
            ),
            ("name_recorded_at", Arg::Int(at.micros())),
            ("title", text_or_null(new.title.as_ref())),
            (
                "title_source",
                text_or_null(title_source.as_ref().map(|p| p.source.code())),
            ),
            (
                "title_source_detail",
                text_or_null(title_source.as_ref().and_then(|p| p.source_detail.as_ref())),
            ),
            (
                "title_recorded_at",
                int_or_null(title_source.as_ref().map(|p| p.recorded_at.micros())),
            ),
            (
                "relationship_started_on",
                text_or_null(new.relationship_started_on),
            ),
            (
                "relationship_ended_on",
                text_or_null(new.relationship_ended_on),
            ),
            ("last_active_on", Arg::Text(at.date().to_string())),
            ("created_by", user.clone()),
            ("updated_by", user),
        ],
    )
}
