//! One person per email address (R3): a new or changed person whose email
//! address (its normal form, letters in any case) already belongs to
//! another person is refused with a 409 that names the match, instead of
//! a second record silently sharing it. The case is folded by the
//! database's `LOWER`, which on SQLite folds ASCII letters only: there
//! `MÄKINEN@x.fi` and `mäkinen@x.fi` are not found equal (the domain is
//! lower-cased by `Email` itself on both).
//!
//! Race-free on both databases: SQLite's writes take the one write lock at
//! `BEGIN IMMEDIATE`, so the check and the insert see every commit before
//! them; PostgreSQL writers take a transaction-scoped advisory lock per
//! address (in one order, so two writers never wait on each other in a
//! circle) before they look, so of two writers with one address the second
//! looks after the first has committed.

use crate::StoreError;
use crate::connect::Backend;
use crate::rows::parsed;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::person::{ContactValue, NewPerson, Person};
use sqlx::{Any, Transaction};

/// The email addresses of a new person, each with its field.
fn addresses(new: &NewPerson) -> Vec<(String, String)> {
    let mut emails = 0;
    let mut out = Vec::new();
    for c in &new.contacts {
        if let ContactValue::Email(e) = c {
            out.push((format!("emails[{emails}]"), e.as_str().to_string()));
            emails += 1;
        }
    }
    out
}

/// Refuses `new` if one of its email addresses belongs to another person:
/// `StoreError::DuplicatePerson` naming the field and the person it
/// belongs to. A change of a person (`changed`) is checked for the
/// addresses it adds only, so two people who already share one (made
/// before this check, or by an import) can still be edited and merged.
pub(crate) async fn refuse_duplicate(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    new: &NewPerson,
    changed: Option<&Person>,
) -> Result<(), StoreError> {
    let held = |address: &str| changed.is_some_and(|p| p.emails.iter().any(|e| e.value == address));
    let addresses: Vec<(String, String)> = addresses(new)
        .into_iter()
        .filter(|(_, a)| !held(a))
        .collect();
    let except = changed.map(|p| p.id);
    refuse_taken(tx, backend, &addresses, except).await
}

/// Refuses if one of these email addresses (each with its field) belongs
/// to a person other than `except`: the check of a new or changed person,
/// and of a rectification that gives a person an address.
pub(crate) async fn refuse_taken(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    addresses: &[(String, String)],
    except: Option<PersonId>,
) -> Result<(), StoreError> {
    if addresses.is_empty() {
        return Ok(());
    }
    if backend == Backend::Postgres {
        let mut keys: Vec<String> = addresses.iter().map(|(_, a)| a.to_lowercase()).collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            // The lock's key is lower-cased by the database, as the
            // comparison below is, so two spellings it finds equal share it.
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtextextended('person-email:' || LOWER($1), 5))::text AS locked",
            )
            .bind(key)
                .fetch_one(&mut **tx)
                .await?;
        }
    }
    let except = except.map(|id| id.to_string()).unwrap_or_default();
    for (field, address) in addresses {
        let row = sqlx::query(
            "SELECT person_id FROM person_contacts WHERE kind = 'email' AND LOWER(value) = LOWER($1) \
             AND person_id <> $2 ORDER BY person_id LIMIT 1",
        )
        .bind(address.clone())
        .bind(except.clone())
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(row) = row {
            return Err(StoreError::DuplicatePerson {
                field: field.clone(),
                person_id: parsed(&row, "person_id")?,
            });
        }
    }
    Ok(())
}
