//! The erasure benchmark's helper (`bench/erasure.sh`): gives a person many
//! related rows, and the baseline of an erasure — the same rows deleted by
//! plain SQL — through `Store::open` (the register's own SQLite library,
//! pragmas and full-text settings, which an older `sqlite3` command may not
//! read).
//!
//!     erasure_floor fill DATA_DIR PERSON NOTES ORDERS CONTACTS
//!     erasure_floor delete DATA_DIR PERSON      # prints plain_delete_s=<seconds>
//!
//! `fill` adds NOTES meeting notes (each with its search row), ORDERS
//! orders and CONTACTS contact values (every other one an email address)
//! in one transaction. `delete` removes the person's search rows and the
//! person in one transaction: the foreign keys delete the notes, contacts
//! and the rest and set the orders' person to NULL. No holds, tombstones
//! or audit rows: an erasure that does those can only be slower.

use rekisteri_store::{DatabaseUrl, Store};
use sqlx::AssertSqlSafe;
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: erasure_floor fill DATA_DIR PERSON NOTES ORDERS CONTACTS | delete DATA_DIR PERSON";
    let (command, dir, person) = match args.as_slice() {
        [c, d, p, ..] => (c.as_str(), d, p.clone()),
        _ => return Err(usage.into()),
    };
    // The register's own audit key, which `demo` made in the directory.
    let key = rekisteri_domain::audit_chain::AuditKey::parse_file(&std::fs::read_to_string(
        std::path::Path::new(dir).join("audit.key"),
    )?)?;
    let store = Store::open(&DatabaseUrl::sqlite_in(std::path::Path::new(dir)), key).await?;
    let pool = store.write_pool();
    match command {
        "fill" => {
            let n = |i: usize| -> Result<usize, Box<dyn std::error::Error>> {
                Ok(args.get(i).ok_or(usage)?.parse()?)
            };
            let (notes, orders, contacts) = (n(3)?, n(4)?, n(5)?);
            let short = &person[..8];
            let mut tx = pool.begin().await?;
            for sql in [
                format!(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {notes}) \
                     INSERT INTO notes (id, version, person_id, kind, body, source, recorded_at, created_at, updated_at) \
                     SELECT printf('bench-note-%s-%06d', $1, i), 1, $1, 'meeting_note', \
                     printf('Tapaaminen %d: puhuttiin tarjouksesta ja toimituksesta', i), 'staff_entry', 1, 1, 1 FROM n"
                ),
                "INSERT INTO search_index (record_type, record_id, person_id, title, search_text) \
                 SELECT 'note', id, person_id, substr(body, 1, 80), lower(body) FROM notes \
                 WHERE person_id = $1 AND id LIKE 'bench-note-%'"
                    .to_string(),
                format!(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {orders}) \
                     INSERT INTO orders (id, version, person_id, number, status, ordered_on, currency, total_cents, \
                     source, recorded_at, created_at, updated_at) \
                     SELECT printf('bench-order-%s-%06d', $1, i), 1, $1, printf('B-{short}-%d', i), 'delivered', \
                     '2025-01-01', 'EUR', 1000 + i, 'staff_entry', 1, 1, 1 FROM n"
                ),
                format!(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {contacts}) \
                     INSERT INTO person_contacts (id, person_id, kind, position, value, source, recorded_at) \
                     SELECT printf('bench-contact-%s-%06d', $1, i), $1, \
                     CASE WHEN i % 2 = 0 THEN 'email' ELSE 'phone' END, 100 + i, \
                     CASE WHEN i % 2 = 0 THEN printf('bench%d.{short}@example.fi', i) \
                     ELSE printf('+35840%07d', i) END, 'staff_entry', 1 FROM n"
                ),
            ] {
                sqlx::query(AssertSqlSafe(sql))
                    .bind(person.clone())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            println!("filled {person}: {notes} notes, {orders} orders, {contacts} contact values");
        }
        "delete" => {
            // For diagnosis: FTS_SECURE_DELETE=0 turns the full-text index's
            // secure delete off first (it stays off in that database).
            if let Ok(v) = std::env::var("FTS_SECURE_DELETE") {
                let on: i64 = v.parse()?;
                sqlx::query(AssertSqlSafe(format!(
                    "INSERT INTO search_fts (search_fts, rank) VALUES ('secure-delete', {on})"
                )))
                .execute(pool)
                .await?;
            }
            let started = Instant::now();
            let mut tx = pool.begin().await?;
            for sql in [
                "DELETE FROM search_index WHERE person_id = $1",
                "DELETE FROM people WHERE id = $1",
            ] {
                sqlx::query(sql)
                    .bind(person.clone())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            println!("plain_delete_s={:.3}", started.elapsed().as_secs_f64());
        }
        _ => return Err(usage.into()),
    }
    store.close().await;
    Ok(())
}
