//! Organisations, and the links "person represents organisation" (R19).

use crate::people::reindex;
use crate::rows::{
    self, Arg, Select, Values, int, new_record, opt_date, opt_parsed, opt_text, parsed, provenance,
    source_values, text, text_or_null, ts,
};
use crate::rows::{bump_version, exists};
use crate::search::SearchRow;
use crate::{Blocker, Page, PageRequest, Store, StoreError, audit, search};
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{LinkId, OrganisationId, PersonId};
use rekisteri_domain::organisation::{
    Link, NewLink, NewOrganisation, Organisation, is_active_contact,
};
use rekisteri_domain::{Date, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    pub name_prefix: Option<String>,
    pub business_id: Option<String>,
}

const ORG_SELECT: &str = "SELECT id, version, name, business_id, website, source, source_detail, recorded_at, created_at, updated_at FROM organisations";

fn organisation_from_row(row: &AnyRow) -> Result<Organisation, sqlx::Error> {
    Ok(Organisation {
        id: parsed(row, "id")?,
        version: int(row, "version")?,
        name: text(row, "name")?,
        business_id: opt_text(row, "business_id")?,
        website: opt_text(row, "website")?,
        provenance: provenance(row, "")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
    })
}

const LINK_SELECT: &str = "SELECT l.id, l.version, l.person_id, l.organisation_id, o.name AS organisation_name, l.title, \
     l.started_on, l.ended_on, l.is_contact_person, l.source, l.source_detail, l.recorded_at \
     FROM person_organisations l JOIN organisations o ON o.id = l.organisation_id";

fn link_from_row(row: &AnyRow, today: Date) -> Result<Link, sqlx::Error> {
    let is_contact_person = int(row, "is_contact_person")? == 1;
    let started_on = opt_date(row, "started_on")?;
    let ended_on = opt_date(row, "ended_on")?;
    Ok(Link {
        id: parsed(row, "id")?,
        version: int(row, "version")?,
        person_id: parsed(row, "person_id")?,
        organisation_id: parsed(row, "organisation_id")?,
        organisation_name: text(row, "organisation_name")?,
        title: opt_text(row, "title")?,
        started_on,
        ended_on,
        is_contact_person,
        is_active_contact_person: is_active_contact(is_contact_person, started_on, ended_on, today),
        provenance: provenance(row, "")?,
    })
}

async fn organisation_in(
    tx: &mut Transaction<'static, Any>,
    id: OrganisationId,
) -> Result<Organisation, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{ORG_SELECT} WHERE id = $1")))
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(organisation_from_row(&row)?)
}

async fn index_organisation(
    tx: &mut Transaction<'static, Any>,
    id: OrganisationId,
    new: &NewOrganisation,
) -> Result<(), StoreError> {
    search::put(tx, SearchRow::organisation(id, new)).await
}

/// People linked to the organisation are found by its name: reindex them.
async fn reindex_members(
    tx: &mut Transaction<'static, Any>,
    id: OrganisationId,
) -> Result<Vec<PersonId>, StoreError> {
    let members: Vec<PersonId> = sqlx::query(
        "SELECT DISTINCT person_id FROM person_organisations WHERE organisation_id = $1",
    )
    .bind(id.to_string())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| parsed(r, "person_id"))
    .collect::<Result<_, _>>()?;
    for person in &members {
        reindex(tx, *person).await?;
    }
    Ok(members)
}

/// The columns an organisation's write sets.
pub(crate) fn organisation_values(new: &NewOrganisation, at: Timestamp) -> Values {
    let mut values = vec![
        ("name", Arg::Text(new.name.to_string())),
        ("business_id", text_or_null(new.business_id.as_ref())),
        ("website", text_or_null(new.website.as_ref())),
    ];
    values.extend(source_values(new.source, &new.source_detail, at));
    values
}

/// The columns a link's write sets.
pub(crate) fn link_values(person: PersonId, new: &NewLink, at: Timestamp) -> Values {
    let mut values = vec![
        ("person_id", Arg::Text(person.to_string())),
        (
            "organisation_id",
            Arg::Text(new.organisation_id.to_string()),
        ),
        ("title", text_or_null(new.title.as_ref())),
        ("started_on", text_or_null(new.started_on)),
        ("ended_on", text_or_null(new.ended_on)),
        (
            "is_contact_person",
            Arg::Int(i64::from(new.is_contact_person)),
        ),
    ];
    values.extend(source_values(new.source, &new.source_detail, at));
    values
}

pub(crate) const DUPLICATE_BUSINESS_ID: &str = "another organisation has this business ID";

impl Store {
    pub async fn create_organisation(
        &self,
        actor: &Actor,
        at: Timestamp,
        new: NewOrganisation,
    ) -> Result<Organisation, StoreError> {
        let id = OrganisationId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        rows::insert_records(
            &mut tx,
            "organisations",
            vec![new_record(id, at, organisation_values(&new, at))],
        )
        .await
        .map_err(|e| StoreError::unique(e, "business_id", DUPLICATE_BUSINESS_ID))?;
        index_organisation(&mut tx, id, &new).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(at, AuditAction::Create, RecordType::Organisation, id, None)],
        )
        .await?;
        let org = organisation_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Organisations are not personal data: reading them is not audited.
    pub async fn get_organisation(&self, id: OrganisationId) -> Result<Organisation, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{ORG_SELECT} WHERE id = $1")))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(organisation_from_row(&row)?)
    }

    pub async fn list_organisations(
        &self,
        filter: &OrganisationFilter,
        page: &PageRequest,
    ) -> Result<Page<Organisation>, StoreError> {
        let mut select = Select::default();
        if let Some(prefix) = &filter.name_prefix {
            select.filter(
                "name LIKE ?",
                Arg::Text(format!("{}%", prefix.replace(['%', '_'], ""))),
            );
        }
        if let Some(b) = &filter.business_id {
            select.filter("business_id = ?", Arg::Text(b.clone()));
        }
        let (tail, extra) = rows::page_clause(&mut select, page, "id");
        let rows = select
            .build(ORG_SELECT, &tail, extra)
            .fetch_all(&self.read)
            .await?;
        let items = rows
            .iter()
            .map(organisation_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows::into_page(items, page, |o| o.id.to_string()))
    }

    pub async fn replace_organisation(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: OrganisationId,
        expected: i64,
        new: NewOrganisation,
    ) -> Result<Organisation, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        bump_version(&mut tx, "organisations", &id.to_string(), expected, at).await?;
        rows::update_record(
            &mut tx,
            "organisations",
            &id.to_string(),
            organisation_values(&new, at),
        )
        .await
        .map_err(|e| StoreError::unique(e, "business_id", DUPLICATE_BUSINESS_ID))?;
        index_organisation(&mut tx, id, &new).await?;
        reindex_members(&mut tx, id).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(at, AuditAction::Update, RecordType::Organisation, id, None)],
        )
        .await?;
        let org = organisation_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Deletes the organisation. Refused while it has contact links not
    /// ended (409 `active_contacts`, naming each: they may be R19 holds;
    /// end them first, each an audited change) or notes (409 `has_notes`:
    /// nothing goes silently with it); a restricted person's ended link
    /// stays too (R18). The ended links go with it.
    pub async fn delete_organisation(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: OrganisationId,
        expected: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        bump_version(&mut tx, "organisations", &id.to_string(), expected, at).await?;
        refuse_delete(&mut tx, at, id).await?;
        let members: Vec<PersonId> = sqlx::query(
            "SELECT DISTINCT person_id FROM person_organisations WHERE organisation_id = $1",
        )
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| parsed(r, "person_id"))
        .collect::<Result<_, _>>()?;
        let links: Vec<(LinkId, PersonId)> = sqlx::query(
            "SELECT id, person_id FROM person_organisations WHERE organisation_id = $1",
        )
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((parsed(r, "id")?, parsed(r, "person_id")?)))
        .collect::<Result<_, sqlx::Error>>()?;
        let people: Vec<Option<PersonId>> = members.iter().copied().map(Some).collect();
        crate::restrictions::refuse_write(&mut tx, at, &people).await?;
        sqlx::query("DELETE FROM organisations WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        search::remove(&mut tx, "organisation", &id.to_string()).await?;
        for person in &members {
            reindex(&mut tx, *person).await?;
            // R19: the ended links went with the organisation.
            crate::erasure::queue_recheck(&mut tx, at, Some(*person)).await?;
        }
        let mut entries =
            vec![actor.entry(at, AuditAction::Delete, RecordType::Organisation, id, None)];
        // B1: each ended link that went with it is a write of its person's data.
        entries.extend(links.iter().map(|(link, person)| {
            actor.entry(
                at,
                AuditAction::Delete,
                RecordType::Link,
                *link,
                Some(*person),
            )
        }));
        audit::insert(&mut tx, &entries).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_link(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        new: NewLink,
    ) -> Result<Link, StoreError> {
        let id = LinkId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        exists(&mut tx, "people", None, &person.to_string()).await?;
        crate::restrictions::refuse_write(&mut tx, at, &[Some(person)]).await?;
        exists(
            &mut tx,
            "organisations",
            Some("organisation_id"),
            &new.organisation_id.to_string(),
        )
        .await?;
        rows::insert_records(
            &mut tx,
            "person_organisations",
            vec![new_record(id, at, link_values(person, &new, at))],
        )
        .await?;
        reindex(&mut tx, person).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(at, AuditAction::Create, RecordType::Link, id, Some(person))],
        )
        .await?;
        let link = link_in(&mut tx, person, id, at.date()).await?;
        tx.commit().await?;
        Ok(link)
    }

    /// The organisations a person represents, audited as a read of the person.
    pub async fn list_links(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
    ) -> Result<Vec<Link>, StoreError> {
        let exists = sqlx::query("SELECT 1 AS one FROM people WHERE id = $1")
            .bind(person.to_string())
            .fetch_optional(&self.read)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{LINK_SELECT} WHERE l.person_id = $1 ORDER BY l.id"
        )))
        .bind(person.to_string())
        .fetch_all(&self.read)
        .await?;
        let links = rows
            .iter()
            .map(|r| link_from_row(r, at.date()))
            .collect::<Result<Vec<_>, _>>()?;
        self.audit
            .record(vec![actor.entry(
                at,
                AuditAction::List,
                RecordType::Link,
                person,
                Some(person),
            )])
            .await?;
        Ok(links)
    }

    pub async fn replace_link(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        id: LinkId,
        expected: i64,
        new: NewLink,
    ) -> Result<Link, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        link_in(&mut tx, person, id, at.date()).await?;
        crate::restrictions::refuse_write(&mut tx, at, &[Some(person)]).await?;
        exists(
            &mut tx,
            "organisations",
            Some("organisation_id"),
            &new.organisation_id.to_string(),
        )
        .await?;
        bump_version(
            &mut tx,
            "person_organisations",
            &id.to_string(),
            expected,
            at,
        )
        .await?;
        rows::update_record(
            &mut tx,
            "person_organisations",
            &id.to_string(),
            link_values(person, &new, at),
        )
        .await?;
        reindex(&mut tx, person).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(at, AuditAction::Update, RecordType::Link, id, Some(person))],
        )
        .await?;
        // R19: an ended contact role may end the hold of a scheduled erasure.
        crate::erasure::queue_recheck(&mut tx, at, Some(person)).await?;
        let link = link_in(&mut tx, person, id, at.date()).await?;
        tx.commit().await?;
        Ok(link)
    }

    pub async fn delete_link(
        &self,
        actor: &Actor,
        at: Timestamp,
        person: PersonId,
        id: LinkId,
        expected: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        link_in(&mut tx, person, id, at.date()).await?;
        crate::restrictions::refuse_write(&mut tx, at, &[Some(person)]).await?;
        bump_version(
            &mut tx,
            "person_organisations",
            &id.to_string(),
            expected,
            at,
        )
        .await?;
        sqlx::query("DELETE FROM person_organisations WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        reindex(&mut tx, person).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(at, AuditAction::Delete, RecordType::Link, id, Some(person))],
        )
        .await?;
        // R19: a contact role removed may end the hold of a scheduled erasure.
        crate::erasure::queue_recheck(&mut tx, at, Some(person)).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// What keeps an organisation from being deleted: its contact links not
/// ended by today (409 `active_contacts`), then its notes (409 `has_notes`).
async fn refuse_delete(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    id: OrganisationId,
) -> Result<(), StoreError> {
    let today = at.date();
    let open: Vec<Blocker> = sqlx::query(
        "SELECT id, person_id, ended_on FROM person_organisations WHERE organisation_id = $1 ORDER BY id",
    )
    .bind(id.to_string())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .filter_map(|r| match opt_date(r, "ended_on") {
        Ok(Some(ended)) if ended < today => None,
        Ok(_) => Some(blocker(r, "link")),
        Err(e) => Some(Err(e)),
    })
    .collect::<Result<_, _>>()?;
    if !open.is_empty() {
        let people: Vec<String> = open
            .iter()
            .filter_map(|b| b.person_id.map(|p| p.to_string()))
            .collect();
        return Err(StoreError::Blocked {
            code: "active_contacts",
            message: format!(
                "the organisation has {} contact link(s) not ended (people {}): end each link first \
                 (an audited change; an active contact person holds their erasure, R19)",
                open.len(),
                people.join(", ")
            ),
            records: open,
        });
    }
    let notes: Vec<Blocker> =
        sqlx::query("SELECT id, person_id FROM notes WHERE organisation_id = $1 ORDER BY id")
            .bind(id.to_string())
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| blocker(r, "note"))
            .collect::<Result<_, _>>()?;
    if !notes.is_empty() {
        return Err(StoreError::Blocked {
            code: "has_notes",
            message: format!(
                "the organisation has {} note(s): move or delete them first, so none goes unseen",
                notes.len()
            ),
            records: notes,
        });
    }
    Ok(())
}

/// A row's `id` and `person_id` as a record in the way.
fn blocker(row: &AnyRow, kind: &str) -> Result<Blocker, sqlx::Error> {
    Ok(Blocker {
        kind: kind.into(),
        id: text(row, "id")?,
        person_id: opt_parsed(row, "person_id")?,
        label: None,
    })
}

/// The link, if it belongs to the person (object-level check).
async fn link_in(
    tx: &mut Transaction<'static, Any>,
    person: PersonId,
    id: LinkId,
    today: Date,
) -> Result<Link, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{LINK_SELECT} WHERE l.id = $1 AND l.person_id = $2"
    )))
    .bind(id.to_string())
    .bind(person.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(link_from_row(&row, today)?)
}
