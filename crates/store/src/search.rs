//! Full-text search (B6) over people, organisations and notes. The index
//! lives in the database (SQLite FTS5, PostgreSQL tsvector), so an erasure
//! removes a person's rows in the same transaction as their data.

use crate::rows::{opt_parsed, text};
use crate::{Backend, Store, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::search::{SearchHit, SearchHitKind, query_terms, search_text};
use sqlx::{Any, AssertSqlSafe, Transaction};
use std::collections::HashMap;

/// Writes (or rewrites) the search row of a record.
pub(crate) async fn put<'a>(
    tx: &mut Transaction<'static, Any>,
    record_type: &str,
    record_id: &str,
    person_id: Option<PersonId>,
    parts: impl IntoIterator<Item = &'a str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO search_index (record_type, record_id, person_id, search_text) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (record_type, record_id) DO UPDATE SET person_id = excluded.person_id, search_text = excluded.search_text",
    )
    .bind(record_type.to_string())
    .bind(record_id.to_string())
    .bind(person_id.map(|p| p.to_string()))
    .bind(search_text(parts))
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

fn excerpt(body: &str) -> String {
    let mut s: String = body.chars().take(80).collect();
    if body.chars().count() > 80 {
        s.push('…');
    }
    s
}

impl Store {
    /// `id → title` for the records of `select` (which names `id` and `title`) with these ids.
    async fn titles(
        &self,
        select: &str,
        ids: &[String],
        shape: impl Fn(String) -> String,
    ) -> Result<HashMap<String, String>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "{select} WHERE id IN ({})",
            self.backend.placeholders(1, ids.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            query = query.bind(id.clone());
        }
        let mut titles = HashMap::new();
        for row in query.fetch_all(&self.read).await? {
            titles.insert(text(&row, "id")?, shape(text(&row, "title")?));
        }
        Ok(titles)
    }

    /// Records matching every term of `query` as a prefix, audited per
    /// person and note shown.
    pub async fn search(
        &self,
        actor: &Actor,
        at: Timestamp,
        query: &str,
        limit: u32,
        kinds: &[SearchHitKind],
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
        let (sql, pattern) = match self.backend {
            Backend::Sqlite => (
                format!(
                    // CROSS JOIN keeps SQLite's planner from probing the
                    // full-text index once per row of search_index.
                    "SELECT s.record_type, s.record_id, s.person_id FROM search_fts f CROSS JOIN search_index s ON s.id = f.rowid \
                     WHERE search_fts MATCH $1 AND s.record_type IN ({type_list}) LIMIT $2"
                ),
                terms
                    .iter()
                    .map(|t| format!("\"{t}\"*"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            Backend::Postgres => (
                format!(
                    "SELECT record_type, record_id, person_id FROM search_index \
                     WHERE to_tsvector('simple', search_text) @@ to_tsquery('simple', $1) AND record_type IN ({type_list}) LIMIT $2"
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
            .fetch_all(&self.read)
            .await?;
        let mut found: Vec<(String, String, Option<PersonId>)> = Vec::with_capacity(rows.len());
        for row in &rows {
            found.push((
                text(row, "record_type")?,
                text(row, "record_id")?,
                opt_parsed(row, "person_id")?,
            ));
        }
        let ids_of = |kind: &str| {
            found
                .iter()
                .filter(|f| f.0 == kind)
                .map(|f| f.1.clone())
                .collect::<Vec<_>>()
        };
        let names = self
            .titles(
                "SELECT id, first_name || ' ' || last_name AS title FROM people",
                &ids_of("person"),
                |t| t,
            )
            .await?;
        let orgs = self
            .titles(
                "SELECT id, name AS title FROM organisations",
                &ids_of("organisation"),
                |t| t,
            )
            .await?;
        let notes = self
            .titles(
                "SELECT id, body AS title FROM notes",
                &ids_of("note"),
                |t| excerpt(&t),
            )
            .await?;
        let hits: Vec<SearchHit> = found
            .into_iter()
            .filter_map(|(record_type, id, person_id)| {
                let (kind, titles) = match record_type.as_str() {
                    "person" => (SearchHitKind::Person, &names),
                    "organisation" => (SearchHitKind::Organisation, &orgs),
                    _ => (SearchHitKind::Note, &notes),
                };
                let title = titles.get(&id)?.clone();
                Some(SearchHit {
                    kind,
                    id,
                    person_id,
                    title,
                })
            })
            .collect();
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
