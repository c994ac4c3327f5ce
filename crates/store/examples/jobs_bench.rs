//! The job queue's benchmark (`bench/jobs.sh`): on one database, in one
//! run, N jobs through the queue against N plain inserts into the same
//! `jobs` table.
//!
//!     jobs_bench DATA_DIR|postgres://… N
//!
//! Prints one `name=value` line per figure:
//! - `plain_rows_per_s`: the baseline — N rows inserted by multi-row
//!   `INSERT`s (500 rows a statement) in one transaction, the fastest
//!   honest way to put rows in the table;
//! - `single_rows_per_s`: N one-row inserts, each its own transaction (what
//!   a change that writes one job pays for the row, at the least);
//! - `enqueue_per_s`: N `Store::enqueue`, each its own transaction;
//! - `run_per_s`: the N jobs claimed 16 at a time and each completed in its
//!   own transaction, as the runner does (the work itself left out);
//! - each as a ratio of the baseline.

use rekisteri_domain::Timestamp;
use rekisteri_domain::ids::{JobId, PersonId};
use rekisteri_domain::job::Job;
use rekisteri_store::{DatabaseUrl, Store};
use sqlx::AssertSqlSafe;
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (url, n) = match args.as_slice() {
        [url, n] => (url.clone(), n.parse::<usize>()?),
        _ => return Err("usage: jobs_bench DATA_DIR|postgres://… N".into()),
    };
    let url = if url.starts_with("postgres") {
        DatabaseUrl::parse(&url)?
    } else {
        DatabaseUrl::sqlite_in(std::path::Path::new(&url))
    };
    let store = Store::open(&url, rekisteri_domain::audit_chain::AuditKey::generate()).await?;
    let pool = store.write_pool().clone();
    let at = Timestamp::from_micros(1_800_000_000_000_000);
    let job = Job::ErasureRecheck {
        person_id: PersonId::new(at),
    };
    let payload = job.to_json();
    let postgres = store.backend() == rekisteri_store::Backend::Postgres;
    // Each phase starts on an empty table; on PostgreSQL vacuumed too, so
    // no phase pays for the dead rows of the one before.
    let clear = || async {
        sqlx::query("DELETE FROM jobs").execute(&pool).await?;
        if postgres {
            sqlx::query("VACUUM ANALYZE jobs").execute(&pool).await?;
        }
        Ok::<(), sqlx::Error>(())
    };
    clear().await?;

    // The baseline: many rows a statement, one transaction.
    let started = Instant::now();
    let mut tx = pool.begin().await?;
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|_| {
                format!(
                    "('{}', 'erasure_recheck', '{payload}', 'pending', 0, {t}, {t}, {t})",
                    JobId::new(at),
                    t = at.micros()
                )
            })
            .collect();
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO jobs (id, kind, payload, state, tries, run_at, created_at, updated_at) VALUES {}",
            values.join(", ")
        )))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let plain = started.elapsed().as_secs_f64();
    clear().await?;

    // One row a transaction.
    let started = Instant::now();
    for _ in 0..n {
        sqlx::query(
            "INSERT INTO jobs (id, kind, payload, state, tries, run_at, created_at, updated_at) \
             VALUES ($1, 'erasure_recheck', $2, 'pending', 0, $3, $3, $3)",
        )
        .bind(JobId::new(at).to_string())
        .bind(payload.clone())
        .bind(at.micros())
        .execute(&pool)
        .await?;
    }
    let single = started.elapsed().as_secs_f64();
    clear().await?;

    // The queue's own enqueue.
    let started = Instant::now();
    for _ in 0..n {
        store.enqueue(at, &job).await?;
    }
    let enqueue = started.elapsed().as_secs_f64();

    // The runner's claim and completion, with no work between.
    let started = Instant::now();
    let mut done = 0;
    loop {
        let batch = store.claim_jobs("bench", at, 16).await?;
        if batch.is_empty() {
            break;
        }
        for claimed in &batch {
            if store.complete_job(claimed, at).await? {
                done += 1;
            }
        }
    }
    let run = started.elapsed().as_secs_f64();
    if done != n {
        return Err(format!("{done} jobs ran, not {n}").into());
    }
    clear().await?;

    let rate = |secs: f64| n as f64 / secs.max(1e-9);
    println!("backend={:?}", store.backend());
    println!("jobs={n}");
    println!("plain_rows_per_s={:.0}", rate(plain));
    for (name, secs) in [("single_rows", single), ("enqueue", enqueue), ("run", run)] {
        println!("{name}_per_s={:.0}", rate(secs));
        println!("{name}_vs_plain={:.3}", rate(secs) / rate(plain));
    }
    Ok(())
}
