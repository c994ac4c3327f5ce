//! Tombstones (R8): the keyed hash of every erased person's email address,
//! so that an import or a partner's system does not bring them back by
//! mistake. The key is made on first use and kept in `erasure_keys`
//! (migration 7 says why there).

use crate::rows::{Arg, Select, insert_records, text, text_or_null};
use crate::{Store, StoreError};
use rekisteri_domain::erasure::{Tombstone, TombstoneKey, tombstone_refuses};
use rekisteri_domain::ids::RequestId;
use rekisteri_domain::person::{ContactValue, NewPerson};
use rekisteri_domain::values::Email;
use rekisteri_domain::{FieldError, Invalid, Timestamp};
use sqlx::{Any, Transaction};
use std::collections::HashSet;

/// Hashes per `IN (…)`.
const CHUNK: usize = 1_000;

/// The register's tombstone key, if one was ever made.
async fn existing_key<'e, E>(executor: E) -> Result<Option<TombstoneKey>, StoreError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row = sqlx::query("SELECT key_hex FROM erasure_keys WHERE id = 1")
        .fetch_optional(executor)
        .await?;
    match row {
        None => Ok(None),
        Some(row) => TombstoneKey::from_hex(&text(&row, "key_hex")?)
            .map(Some)
            .ok_or_else(|| StoreError::Config("the tombstone key is not 32 bytes of hex".into())),
    }
}

/// The key, made now if there is none (two servers at once: the first
/// insert wins, both read it back).
pub(crate) async fn key(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
) -> Result<TombstoneKey, StoreError> {
    if let Some(key) = existing_key(&mut **tx).await? {
        return Ok(key);
    }
    sqlx::query(
        "INSERT INTO erasure_keys (id, key_hex, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
    )
    .bind(TombstoneKey::generate().to_hex())
    .bind(at.micros())
    .execute(&mut **tx)
    .await?;
    existing_key(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::Config("the tombstone key could not be made".into()))
}

/// Lays a tombstone for each address; answers the hashes (those laid
/// before included), for the erasure journal.
pub(crate) async fn lay(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    emails: &[Email],
    request: Option<RequestId>,
) -> Result<Vec<String>, StoreError> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    let key = key(tx, at).await?;
    let mut hashes: Vec<String> = emails
        .iter()
        .map(|e| key.tombstone(e).as_str().to_string())
        .collect();
    hashes.sort();
    hashes.dedup();
    lay_hashes(tx, at, &hashes, request).await?;
    Ok(hashes)
}

/// Lays the tombstones of these hashes not laid yet (a restore replaying
/// the erasure journal lays those of addresses its copy never held).
pub(crate) async fn lay_hashes(
    tx: &mut Transaction<'static, Any>,
    at: Timestamp,
    hashes: &[String],
    request: Option<RequestId>,
) -> Result<(), StoreError> {
    let hashes: Vec<Tombstone> = hashes.iter().map(|h| Tombstone::from_stored(h)).collect();
    // One query for those already laid, then one insert for the rest.
    let there = laid(tx, &hashes).await?;
    let rows = hashes
        .iter()
        .filter(|h| !there.contains(h.as_str()))
        .map(|h| {
            vec![
                ("email_hash", Arg::Text(h.as_str().to_string())),
                ("erased_at", Arg::Int(at.micros())),
                ("request_id", text_or_null(request)),
            ]
        })
        .collect();
    insert_records(tx, "erasure_tombstones", rows).await?;
    Ok(())
}

/// Which of `hashes` are tombstones.
async fn laid(
    conn: &mut sqlx::AnyConnection,
    hashes: &[Tombstone],
) -> Result<HashSet<String>, StoreError> {
    let mut found = HashSet::new();
    for chunk in hashes.chunks(CHUNK) {
        let mut select = Select::default();
        select.filter_in(
            "email_hash IN (?)",
            chunk
                .iter()
                .map(|h| Arg::Text(h.as_str().to_string()))
                .collect(),
        );
        for row in select
            .build("SELECT email_hash FROM erasure_tombstones", "", Vec::new())
            .fetch_all(&mut *conn)
            .await?
        {
            found.insert(text(&row, "email_hash")?);
        }
    }
    Ok(found)
}

/// The email addresses of a new person, in the order of the request.
fn emails_of(new: &NewPerson) -> Vec<&Email> {
    new.contacts
        .iter()
        .filter_map(|c| match c {
            ContactValue::Email(e) => Some(e),
            _ => None,
        })
        .collect()
}

/// Refuses a new person whose email address belongs to an erased person
/// (409 `erased_person`, naming the address's field), unless the person
/// registers themself (R8).
pub(crate) async fn refuse_erased(
    tx: &mut Transaction<'static, Any>,
    new: &NewPerson,
) -> Result<(), StoreError> {
    let emails = emails_of(new);
    if !tombstone_refuses(new.source) || emails.is_empty() {
        return Ok(());
    }
    let Some(key) = existing_key(&mut **tx).await? else {
        return Ok(());
    };
    let hashes: Vec<Tombstone> = emails.iter().map(|e| key.tombstone(e)).collect();
    let found = laid(tx, &hashes).await?;
    match hashes.iter().position(|h| found.contains(h.as_str())) {
        None => Ok(()),
        Some(i) => Err(StoreError::ConflictOn {
            code: "erased_person",
            field: format!("emails[{i}]"),
            message: ERASED_PERSON.into(),
        }),
    }
}

/// Why a person is refused by a tombstone.
pub const ERASED_PERSON: &str = "belongs to a person erased on their request (R8): they are not \
     brought back from this source; only their own new registration may add them again";

impl Store {
    /// Which of these addresses belong to erased people (their tombstones),
    /// lower-cased: one query per thousand addresses, for bulk imports.
    pub async fn erased_emails(&self, emails: &[Email]) -> Result<HashSet<String>, StoreError> {
        let mut conn = self.read.acquire().await?;
        let Some(key) = existing_key(&mut *conn).await? else {
            return Ok(HashSet::new());
        };
        let hashes: Vec<Tombstone> = emails.iter().map(|e| key.tombstone(e)).collect();
        let found = laid(&mut conn, &hashes).await?;
        Ok(emails
            .iter()
            .zip(&hashes)
            .filter(|(_, h)| found.contains(h.as_str()))
            .map(|(e, _)| e.as_str().to_lowercase())
            .collect())
    }

    /// The rows of an import whose person a tombstone refuses (R8), as
    /// errors naming the address; the other rows as they were. A row from
    /// the person's own registration passes.
    pub async fn refuse_erased_rows<T>(
        &self,
        rows: Vec<(T, Result<NewPerson, Invalid>)>,
    ) -> Result<Vec<(T, Result<NewPerson, Invalid>)>, StoreError> {
        let emails: Vec<Email> = rows
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .filter(|p| tombstone_refuses(p.source))
            .flat_map(|p| emails_of(p).into_iter().cloned())
            .collect();
        if emails.is_empty() {
            return Ok(rows);
        }
        let erased = self.erased_emails(&emails).await?;
        if erased.is_empty() {
            return Ok(rows);
        }
        Ok(rows
            .into_iter()
            .map(|(line, row)| {
                let refused = row.as_ref().ok().and_then(|p| {
                    if !tombstone_refuses(p.source) {
                        return None;
                    }
                    emails_of(p)
                        .iter()
                        .position(|e| erased.contains(&e.as_str().to_lowercase()))
                });
                match refused {
                    Some(i) => (
                        line,
                        Err(Invalid::one(FieldError {
                            field: format!("emails[{i}]"),
                            code: "erased_person",
                            message: ERASED_PERSON.into(),
                        })),
                    ),
                    None => (line, row),
                }
            })
            .collect())
    }
}
