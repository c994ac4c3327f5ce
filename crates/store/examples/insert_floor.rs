//! The floor for import speed: how fast the database takes bare `people` rows.
//!
//! Opens a fresh SQLite database in a temporary directory through
//! `Store::open` (so the schema, triggers and pragmas are the register's own),
//! then, in ONE transaction, runs a prepared single-row INSERT into `people`
//! (the columns of `PERSON_INSERT`) N times, and prints
//! `floor_rows_per_sec=<number>`. No contacts, no search rows, no audit rows:
//! an import that does all of those can only be slower than this.
//!
//!     cargo run --release -p rekisteri-store --example insert_floor -- [N]
//!     cargo run --release -p rekisteri-store --example insert_floor -- [N] --database-url postgres://USER@HOST/DB
//!
//! N defaults to 200000. With `--database-url` (PostgreSQL), the rows are
//! inserted and committed the same way into that database (point it at a
//! scratch database), then deleted again in a second transaction.
//!
//! For diagnosis only, `--rows-per-statement K` (default 1) puts K rows in
//! each INSERT, numbered `$1…` as the store numbers its bulk statements; the
//! floor the benchmarks report is always K = 1.

use rekisteri_domain::Timestamp;
use rekisteri_domain::ids::PersonId;
use rekisteri_store::{Backend, DatabaseUrl, Store};
use sqlx::AssertSqlSafe;
use std::time::Instant;

const INSERT_HEAD: &str = "INSERT INTO people (id, version, first_name, last_name, name_source, name_source_detail, \
     name_recorded_at, title, title_source, title_source_detail, title_recorded_at, relationship_started_on, \
     relationship_ended_on, created_at, updated_at, created_by, updated_by) VALUES ";
const COLUMNS: usize = 17;

/// `INSERT … VALUES ($1, …, $17)`, or K such tuples numbered on.
fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(INSERT_HEAD);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..COLUMNS {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", r * COLUMNS + c + 1));
        }
        sql.push(')');
    }
    sql
}

/// Marks the rows of this run, so that on PostgreSQL they can be removed again.
const MARK: &str = "insert_floor";

const FIRST: &[&str] = &[
    "Matti", "Timo", "Juha", "Mikko", "Jari", "Antti", "Anne", "Tuula", "Päivi", "Anna", "Leena",
    "Aino",
];
const LAST: &[&str] = &[
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Niemi",
    "Salo",
];
const TITLES: &[&str] = &["toimitusjohtaja", "myyntipäällikkö", "asiantuntija"];

fn usage() -> ! {
    eprintln!(
        "usage: insert_floor [N] [--database-url postgres://USER@HOST/DB] [--rows-per-statement K]"
    );
    std::process::exit(2);
}

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rows: usize = 200_000;
    let mut database_url: Option<String> = None;
    let mut per_statement: usize = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--database-url" => database_url = Some(args.next().unwrap_or_else(|| usage())),
            "--rows-per-statement" => {
                per_statement = args
                    .next()
                    .and_then(|k| k.parse().ok())
                    .filter(|k| (1..=1000).contains(k))
                    .unwrap_or_else(|| usage())
            }
            "-h" | "--help" => usage(),
            n => rows = n.replace('_', "").parse().unwrap_or_else(|_| usage()),
        }
    }

    // Kept alive until the end: the SQLite file lives in it.
    let tmp = tempfile::Builder::new().prefix("insert-floor-").tempdir()?;
    let url = match &database_url {
        Some(u) => {
            let url = DatabaseUrl::parse(u)?;
            if url.backend() != Backend::Postgres {
                return Err(
                    "--database-url is for PostgreSQL; SQLite always uses a fresh temporary file"
                        .into(),
                );
            }
            url
        }
        None => DatabaseUrl::sqlite_in(tmp.path()),
    };
    let store = Store::open(&url, rekisteri_domain::audit_chain::AuditKey::generate()).await?;
    let pool = store.write_pool().clone();

    let at = now_micros();
    let ts = Timestamp::from_micros(at);
    // Build the values before the clock starts: the floor measures the database.
    let people: Vec<(String, &str, &str, Option<&str>, String)> = (0..rows)
        .map(|i| {
            let title = (i % 2 == 0).then(|| TITLES[i % TITLES.len()]);
            (
                PersonId::new(ts).to_string(),
                FIRST[i % FIRST.len()],
                LAST[(i / FIRST.len()) % LAST.len()],
                title,
                format!("{}-{:02}-{:02}", 2012 + i % 14, 1 + i % 12, 1 + i % 28),
            )
        })
        .collect();

    let full = insert_sql(per_statement);
    let started = Instant::now();
    let mut tx = pool.begin().await?;
    for chunk in people.chunks(per_statement) {
        // The SQL text is the same for every full chunk, so sqlx prepares it
        // once and reuses the statement.
        let tail;
        let sql = if chunk.len() == per_statement {
            full.as_str()
        } else {
            tail = insert_sql(chunk.len());
            tail.as_str()
        };
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (id, first, last, title, started_on) in chunk {
            let has_title = title.is_some();
            query = query
                .bind(id.as_str())
                .bind(1_i64)
                .bind(*first)
                .bind(*last)
                .bind("staff_entry")
                .bind(MARK)
                .bind(at)
                .bind(*title)
                .bind(has_title.then_some("staff_entry"))
                .bind(has_title.then_some(MARK))
                .bind(has_title.then_some(at))
                .bind(started_on.as_str())
                .bind(Option::<&str>::None)
                .bind(at)
                .bind(at)
                .bind(Option::<&str>::None)
                .bind(Option::<&str>::None);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    let elapsed = started.elapsed().as_secs_f64();

    if store.backend() == Backend::Postgres {
        // Leave the database as it was.
        let mut tx = pool.begin().await?;
        sqlx::query("DELETE FROM people WHERE name_source_detail = $1 AND name_recorded_at = $2")
            .bind(MARK)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    store.close().await;

    eprintln!(
        "insert_floor: {rows} rows into people in one transaction ({:?}, {per_statement} per statement) in {elapsed:.3} s",
        store.backend()
    );
    println!("floor_rows_per_sec={:.0}", rows as f64 / elapsed.max(1e-9));
    drop(tmp);
    Ok(())
}
