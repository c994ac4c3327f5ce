//! A scan of every table of the database catalogue for strings (R21): the
//! erasure tests look for a person's name, address, phone and words after
//! the person is gone. Every column of every table is read as text (as
//! bytes on SQLite, so the full-text index's own tables count too).

#![allow(dead_code)]

use crate::common::{Db, TestApp};
use sqlx::Row;

/// Every table of the database: SQLite's catalogue, or PostgreSQL's
/// public schema.
pub async fn tables(app: &TestApp) -> Vec<String> {
    tables_of(app.db, &app.store).await
}

async fn tables_of(db: Db, store: &rekisteri_store::Store) -> Vec<String> {
    let sql = match db {
        Db::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        Db::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        }
    };
    sqlx::query(sql)
        .fetch_all(store.read_pool())
        .await
        .expect("tables")
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect()
}

async fn columns(db: Db, store: &rekisteri_store::Store, table: &str) -> Vec<String> {
    let sql = match db {
        Db::Sqlite => format!("SELECT name FROM pragma_table_info('{table}')"),
        Db::Postgres => format!(
            "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = '{table}'"
        ),
    };
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(store.read_pool())
        .await
        .expect("columns")
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect()
}

/// `table.column: needle` for each place a needle (or its lower case) is
/// found; empty when none is anywhere.
pub async fn find_anywhere(app: &TestApp, needles: &[&str]) -> Vec<String> {
    find_in(app.db, &app.store, needles).await
}

/// [`find_anywhere`] in any register (a restored one).
pub async fn find_in(db: Db, store: &rekisteri_store::Store, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let all = tables_of(db, store).await;
    assert!(all.len() > 20, "the catalogue lists the tables: {all:?}");
    for table in all {
        for column in columns(db, store, &table).await {
            for needle in needles {
                for variant in [needle.to_string(), needle.to_lowercase()] {
                    let sql = match db {
                        Db::Sqlite => format!(
                            "SELECT COUNT(*) AS n FROM \"{table}\" \
                             WHERE instr(CAST(\"{column}\" AS BLOB), CAST($1 AS BLOB)) > 0"
                        ),
                        Db::Postgres => format!(
                            "SELECT COUNT(*) AS n FROM \"{table}\" \
                             WHERE strpos(CAST(\"{column}\" AS TEXT), $1) > 0"
                        ),
                    };
                    let n: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(variant.clone())
                        .fetch_one(store.read_pool())
                        .await
                        .unwrap_or_else(|e| panic!("scan {table}.{column}: {e}"))
                        .get("n");
                    if n > 0 {
                        found.push(format!("{table}.{column}: {variant}"));
                    }
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// The outbox's messages as text, with their file names.
pub async fn outbox_texts(app: &TestApp) -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for entry in app.outbox.list().await.expect("outbox") {
        let bytes = app
            .outbox
            .read(&entry.file)
            .await
            .expect("read")
            .expect("message");
        texts.push((entry.file, decoded(&String::from_utf8_lossy(&bytes))));
    }
    texts
}

/// A message's headers and its body decoded (lettre picks 7bit,
/// quoted-printable or base64 by the text), so a search sees the words.
pub fn decoded(message: &str) -> String {
    let (head, body) = message.split_once("\r\n\r\n").unwrap_or((message, ""));
    let encoding = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Transfer-Encoding: "))
        .unwrap_or("7bit")
        .trim()
        .to_ascii_lowercase();
    let body = match encoding.as_str() {
        "base64" => {
            use base64::Engine;
            let joined: String = body.split_whitespace().collect();
            String::from_utf8_lossy(
                &base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .expect("base64 body"),
            )
            .into_owned()
        }
        "quoted-printable" => {
            let joined = body.replace("=\r\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'=' && i + 2 < bytes.len() {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                    if let Ok(b) = u8::from_str_radix(hex, 16) {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                }
                out.push(bytes[i]);
                i += 1;
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        _ => body.to_string(),
    };
    format!("{head}\n\n{body}")
}
