//! What every record's storage shares: reading rows of the `Any` driver into
//! domain types, queries whose filters vary, writes built from `Values`, the
//! version check of optimistic concurrency, and checks that a referenced
//! record exists. Values were validated when stored; a value that no longer
//! parses is reported as a decode error, not trusted.

use crate::{Backend, StoreError};
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Date, Provenance, Source, Timestamp};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

pub(crate) fn text(row: &AnyRow, col: &str) -> Result<String, sqlx::Error> {
    row.try_get::<String, _>(col)
}

pub(crate) fn opt_text(row: &AnyRow, col: &str) -> Result<Option<String>, sqlx::Error> {
    row.try_get::<Option<String>, _>(col)
}

pub(crate) fn int(row: &AnyRow, col: &str) -> Result<i64, sqlx::Error> {
    row.try_get::<i64, _>(col)
}

pub(crate) fn opt_int(row: &AnyRow, col: &str) -> Result<Option<i64>, sqlx::Error> {
    row.try_get::<Option<i64>, _>(col)
}

pub(crate) fn ts(row: &AnyRow, col: &str) -> Result<Timestamp, sqlx::Error> {
    int(row, col).map(Timestamp::from_micros)
}

pub(crate) fn opt_ts(row: &AnyRow, col: &str) -> Result<Option<Timestamp>, sqlx::Error> {
    opt_int(row, col).map(|v| v.map(Timestamp::from_micros))
}

fn decode_err(col: &str, problem: String) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: col.to_string(),
        source: problem.into(),
    }
}

/// A column holding a value of a parsed type (an id, a code, a date).
pub(crate) fn parsed<T: Parse>(row: &AnyRow, col: &str) -> Result<T, sqlx::Error> {
    T::parse(&text(row, col)?).map_err(|e| decode_err(col, e))
}

pub(crate) fn opt_parsed<T: Parse>(row: &AnyRow, col: &str) -> Result<Option<T>, sqlx::Error> {
    opt_text(row, col)?
        .map(|v| T::parse(&v).map_err(|e| decode_err(col, e)))
        .transpose()
}

pub(crate) fn opt_date(row: &AnyRow, col: &str) -> Result<Option<Date>, sqlx::Error> {
    opt_parsed::<Date>(row, col)
}

/// `source`, `source_detail`, `recorded_at` under a prefix (`""`, `"name_"`).
pub(crate) fn provenance(row: &AnyRow, prefix: &str) -> Result<Provenance, sqlx::Error> {
    Ok(Provenance {
        source: parsed::<Source>(row, &format!("{prefix}source"))?,
        source_detail: opt_text(row, &format!("{prefix}source_detail"))?,
        recorded_at: ts(row, &format!("{prefix}recorded_at"))?,
    })
}

/// A bind value of a query built at run time.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    /// NULL into a text column.
    Null,
    /// NULL into an integer column (PostgreSQL wants the type to match).
    NullInt,
}

fn bind<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    arg: Arg,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    match arg {
        Arg::Text(v) => query.bind(v),
        Arg::Int(v) => query.bind(v),
        Arg::Null => query.bind(Option::<String>::None),
        Arg::NullInt => query.bind(Option::<i64>::None),
    }
}

/// The columns a write sets, with their values.
pub(crate) type Values = Vec<(&'static str, Arg)>;

/// A new record's values: its id, version 1, creation and update times, and `values`.
pub(crate) fn new_record(id: impl ToString, at: Timestamp, values: Values) -> Values {
    let mut all = vec![
        ("id", Arg::Text(id.to_string())),
        ("version", Arg::Int(1)),
        ("created_at", Arg::Int(at.micros())),
        ("updated_at", Arg::Int(at.micros())),
    ];
    all.extend(values);
    all
}

pub(crate) fn text_or_null(value: Option<impl ToString>) -> Arg {
    value.map(|v| Arg::Text(v.to_string())).unwrap_or(Arg::Null)
}

pub(crate) fn int_or_null(value: Option<i64>) -> Arg {
    value.map(Arg::Int).unwrap_or(Arg::NullInt)
}

/// `source`, `source_detail`, `recorded_at` of a value recorded at `at`.
pub(crate) fn source_values(source: Source, detail: &Option<String>, at: Timestamp) -> Values {
    vec![
        ("source", Arg::Text(source.code().into())),
        ("source_detail", text_or_null(detail.as_ref())),
        ("recorded_at", Arg::Int(at.micros())),
    ]
}

/// Inserts rows that all set the same columns, as many per statement as
/// the parameter limits allow (SQLite 32766, PostgreSQL 65535).
pub(crate) async fn insert_records(
    tx: &mut sqlx::AnyConnection,
    table: &str,
    rows: Vec<Values>,
) -> Result<(), sqlx::Error> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let columns: Vec<&str> = first.iter().map(|(c, _)| *c).collect();
    let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let backend = Backend::of(tx);
    let per_statement = (30_000 / columns.len()).clamp(1, 500);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Values> = rows.by_ref().take(per_statement).collect();
        let mut sql = String::with_capacity(head.len() + chunk.len() * columns.len() * 6);
        sql.push_str(&head);
        for (i, row) in chunk.iter().enumerate() {
            debug_assert!(
                row.iter().map(|(c, _)| *c).eq(columns.iter().copied()),
                "rows of one insert set the same columns"
            );
            sql.push_str(if i == 0 { "(" } else { ", (" });
            sql.push_str(&backend.placeholders(i * columns.len() + 1, columns.len()));
            sql.push(')');
        }
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for row in chunk {
            for (_, arg) in row {
                query = bind(query, arg);
            }
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Sets the columns of one record.
pub(crate) async fn update_record(
    tx: &mut sqlx::Transaction<'static, Any>,
    table: &str,
    id: &str,
    values: Values,
) -> Result<(), sqlx::Error> {
    let sets: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
        .collect();
    let sql = format!(
        "UPDATE {table} SET {} WHERE id = ${}",
        sets.join(", "),
        values.len() + 1
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (_, arg) in values {
        query = bind(query, arg);
    }
    query.bind(id.to_string()).execute(&mut **tx).await?;
    Ok(())
}

/// A SELECT with optional WHERE clauses, numbered `$1…` as both backends take them.
#[derive(Debug, Default)]
pub(crate) struct Select {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Select {
    /// Adds a clause whose `?` is the next placeholder.
    pub(crate) fn filter(&mut self, clause: &str, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.clauses
            .push(clause.replace('?', &format!("${}", self.args.len())));
        self
    }

    /// Adds a clause with a placeholder per value: `kind IN (?)` → `IN ($1, $2)`.
    pub(crate) fn filter_in(&mut self, clause: &str, args: Vec<Arg>) -> &mut Self {
        let mut marks = Vec::new();
        for arg in args {
            self.args.push(arg);
            marks.push(format!("${}", self.args.len()));
        }
        self.clauses.push(clause.replace('?', &marks.join(", ")));
        self
    }

    pub(crate) fn next_placeholder(&self) -> String {
        format!("${}", self.args.len() + 1)
    }

    /// `head WHERE … tail`, with `tail` free to use the next placeholders.
    pub(crate) fn build<'q>(
        &self,
        head: &str,
        tail: &str,
        extra: Vec<Arg>,
    ) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
        let mut sql = head.to_string();
        if !self.clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&self.clauses.join(" AND "));
        }
        sql.push(' ');
        sql.push_str(tail);
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for arg in self.args.iter().cloned().chain(extra) {
            query = bind(query, arg);
        }
        query
    }
}

/// Adds the cursor and limit of a page, ordered by id (UUIDv7: creation order).
pub(crate) fn page_clause(
    select: &mut Select,
    page: &crate::PageRequest,
    id_col: &str,
) -> (String, Vec<Arg>) {
    if let Some(after) = &page.after {
        select.filter(&format!("{id_col} > ?"), Arg::Text(after.clone()));
    }
    let tail = format!("ORDER BY {id_col} LIMIT {}", select.next_placeholder());
    (tail, vec![Arg::Int(page.limit() + 1)])
}

/// Cuts the extra row fetched to learn whether there is a next page.
pub(crate) fn into_page<T>(
    mut items: Vec<T>,
    page: &crate::PageRequest,
    id: impl Fn(&T) -> String,
) -> crate::Page<T> {
    let limit = page.limit() as usize;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(id)
    } else {
        None
    };
    crate::Page { items, next_cursor }
}

/// Asserts the stored version and moves it one on; `NotFound` or `VersionMismatch` otherwise.
pub(crate) async fn bump_version(
    tx: &mut Transaction<'static, Any>,
    table: &'static str,
    id: &str,
    expected: i64,
    at: Timestamp,
) -> Result<i64, StoreError> {
    let sql = format!(
        "UPDATE {table} SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3"
    );
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(at.micros())
        .bind(id.to_string())
        .bind(expected)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 1 {
        return Ok(expected + 1);
    }
    let sql = format!("SELECT version FROM {table} WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    match row {
        None => Err(StoreError::NotFound),
        Some(row) => Err(StoreError::VersionMismatch {
            current: int(&row, "version")?,
        }),
    }
}

/// A referenced record must exist. Named by a `field` of the input, its
/// absence is bad input; named by the path (`None`), the path is not found.
pub(crate) async fn exists(
    tx: &mut Transaction<'static, Any>,
    table: &'static str,
    field: Option<&str>,
    id: &str,
) -> Result<(), StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT 1 AS one FROM {table} WHERE id = $1"
    )))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    match (row, field) {
        (Some(_), _) => Ok(()),
        (None, Some(field)) => Err(StoreError::field(
            field,
            "refers to a record that does not exist",
        )),
        (None, None) => Err(StoreError::NotFound),
    }
}

/// The person exists (the row is locked for this transaction on PostgreSQL).
pub(crate) async fn must_exist(
    tx: &mut Transaction<'static, Any>,
    person: PersonId,
) -> Result<(), StoreError> {
    let lock = match Backend::of(tx) {
        crate::Backend::Postgres => " FOR UPDATE",
        crate::Backend::Sqlite => "",
    };
    sqlx::query(AssertSqlSafe(format!(
        "SELECT id FROM people WHERE id = $1{lock}"
    )))
    .bind(person.to_string())
    .fetch_optional(&mut **tx)
    .await?
    .map(|_| ())
    .ok_or(StoreError::NotFound)
}
