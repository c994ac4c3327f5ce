//! Full-text search (B6) over people, organisations and notes. The index
//! lives in the database (SQLite FTS5, PostgreSQL tsvector), so an erasure
//! removes a person's rows in the same transaction as their data.

use crate::rows::{Arg, Values, text_or_null};
use crate::rows::{opt_parsed, text};
use crate::{Backend, Store, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{NoteId, OrganisationId, PersonId};
use rekisteri_domain::note::NewNote;
use rekisteri_domain::organisation::NewOrganisation;
use rekisteri_domain::search::{SearchHit, SearchHitKind, query_terms, search_text};
use sqlx::{Any, AssertSqlSafe, Transaction};

/// The search row of one record: what it is found by, and what a hit shows.
#[derive(Debug, Clone)]
pub(crate) struct SearchRow {
    record_type: &'static str,
    record_id: String,
    person_id: Option<PersonId>,
    title: String,
    text: String,
}

impl SearchRow {
    /// A person, found by `parts` (names, title, emails, phones, organisations).
    pub(crate) fn person<'a>(
        id: PersonId,
        first_name: &'a str,
        last_name: &'a str,
        parts: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let text = search_text([first_name, last_name].into_iter().chain(parts));
        Self {
            record_type: "person",
            record_id: id.to_string(),
            person_id: Some(id),
            title: format!("{first_name} {last_name}"),
            text,
        }
    }

    pub(crate) fn organisation(id: OrganisationId, new: &NewOrganisation) -> Self {
        let mut parts = vec![new.name.as_str()];
        parts.extend(new.business_id.as_ref().map(|b| b.as_str()));
        Self {
            record_type: "organisation",
            record_id: id.to_string(),
            person_id: None,
            title: new.name.to_string(),
            text: search_text(parts),
        }
    }

    pub(crate) fn note(id: NoteId, new: &NewNote) -> Self {
        let body = new.body.as_str();
        Self {
            record_type: "note",
            record_id: id.to_string(),
            person_id: new.person_id,
            title: excerpt(body),
            text: search_text([body]),
        }
    }

    pub(crate) fn values(self) -> Values {
        vec![
            ("record_type", Arg::Text(self.record_type.into())),
            ("record_id", Arg::Text(self.record_id)),
            ("person_id", text_or_null(self.person_id)),
            ("title", Arg::Text(self.title)),
            ("search_text", Arg::Text(self.text)),
        ]
    }
}

/// Writes (or rewrites) the search row of a record.
pub(crate) async fn put(
    tx: &mut Transaction<'static, Any>,
    row: SearchRow,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO search_index (record_type, record_id, person_id, title, search_text) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (record_type, record_id) DO UPDATE SET person_id = excluded.person_id, title = excluded.title, \
         search_text = excluded.search_text",
    )
    .bind(row.record_type)
    .bind(row.record_id)
    .bind(row.person_id.map(|p| p.to_string()))
    .bind(row.title)
    .bind(row.text)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn remove(
    tx: &mut Transaction<'static, Any>,
    record_type: &str,
    record_id: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM search_index WHERE record_type = $1 AND record_id = $2")
        .bind(record_type.to_string())
        .bind(record_id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) fn excerpt(body: &str) -> String {
    let mut s: String = body.chars().take(80).collect();
    if body.chars().count() > 80 {
        s.push('…');
    }
    s
}

impl Store {
    /// Records matching every term of `query` as a prefix, audited per
    /// person and note shown.
    pub async fn search(
        &self,
        actor: &Actor,
        at: Timestamp,
        query: &str,
        limit: u32,
        kinds: &[SearchHitKind],
        without_restricted: bool,
    ) -> Result<Vec<SearchHit>, StoreError> {
        let terms: Vec<String> = query_terms(query)
            .into_iter()
            .filter(|t| t.chars().count() >= 2)
            .collect();
        if terms.is_empty() || kinds.is_empty() {
            return Ok(Vec::new());
        }
        let type_list = kinds
            .iter()
            .map(|k| match k {
                SearchHitKind::Person => "'person'",
                SearchHitKind::Organisation => "'organisation'",
                SearchHitKind::Note => "'note'",
            })
            .collect::<Vec<_>>()
            .join(", ");
        // R18: people whose processing is restricted (and their notes) are
        // found by the privacy officer only.
        let shown = |person: &str| {
            format!(
                "($3 = 0 OR {person} IS NULL OR NOT {})",
                crate::restrictions::person_restricted_sql(person, "$4")
            )
        };
        let (sql, pattern) = match self.backend {
            Backend::Sqlite => (
                format!(
                    // CROSS JOIN keeps SQLite's planner from probing the
                    // full-text index once per row of search_index.
                    "SELECT s.record_type, s.record_id, s.person_id, s.title FROM search_fts f CROSS JOIN search_index s ON s.id = f.rowid \
                     WHERE search_fts MATCH $1 AND s.record_type IN ({type_list}) AND {} LIMIT $2",
                    shown("s.person_id")
                ),
                terms
                    .iter()
                    .map(|t| format!("\"{t}\"*"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Backend::Postgres => (
                // The materialized CTE keeps PostgreSQL's generic plan (the
                // one a prepared statement settles on) on the full-text
                // index; with the record_type filter beside it, the planner
                // walks the unique index and computes a tsvector per row.
                format!(
                    "WITH matches AS MATERIALIZED (SELECT record_type, record_id, person_id, title FROM search_index \
                     WHERE to_tsvector('simple', search_text) @@ to_tsquery('simple', $1)) \
                     SELECT record_type, record_id, person_id, title FROM matches WHERE record_type IN ({type_list}) AND {} LIMIT $2",
                    shown("matches.person_id")
                ),
                terms
                    .iter()
                    .map(|t| format!("{t}:*"))
                    .collect::<Vec<_>>()
                    .join(" & "),
            ),
        };
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(pattern)
            .bind(i64::from(limit.clamp(1, 100)))
            .bind(i64::from(without_restricted))
            .bind(at.micros())
            .fetch_all(&self.read)
            .await?;
        let mut hits = Vec::with_capacity(rows.len());
        for row in &rows {
            let kind = match text(row, "record_type")?.as_str() {
                "person" => SearchHitKind::Person,
                "organisation" => SearchHitKind::Organisation,
                _ => SearchHitKind::Note,
            };
            hits.push(SearchHit {
                kind,
                id: text(row, "record_id")?,
                person_id: opt_parsed(row, "person_id")?,
                title: text(row, "title")?,
            });
        }
        let entries = hits
            .iter()
            .filter(|h| h.kind != SearchHitKind::Organisation)
            .map(|h| {
                let record_type = if h.kind == SearchHitKind::Person {
                    RecordType::Person
                } else {
                    RecordType::Note
                };
                actor.entry(at, AuditAction::Search, record_type, &h.id, h.person_id)
            })
            .collect();
        self.audit.record(entries).await?;
        Ok(hits)
    }
}
