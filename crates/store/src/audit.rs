//! The audit log's writer (B1). Writes append their rows inside their own
//! transaction ([`insert`]). Reads hand theirs to [`AuditWriter`], a task
//! that commits whatever has queued in one transaction (group commit) and
//! only then lets the reads answer: no read goes unaudited, and a thousand
//! concurrent reads cost a few commits, not a thousand.

use crate::audit_seal::SealMemory;
use crate::rows::{Arg, insert_records, opt_text, text_or_null};
use crate::{Backend, StoreError};
use rekisteri_domain::audit::{AuditEntry, CHAIN_START, ChainedRow};
use rekisteri_domain::audit_chain::AuditKey;
use sqlx::{Any, AnyPool, Transaction};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The writer's answer: committed, or why not (and whether another writer
/// held the database, which the caller may retry).
type Ack = oneshot::Sender<Result<(), (bool, String)>>;

/// At most this many rows go into one commit.
const BATCH_ROWS: usize = 2_000;

#[derive(Clone)]
pub struct AuditWriter {
    queue: mpsc::UnboundedSender<(Vec<AuditEntry>, Ack)>,
}

/// How often the writer seals rows other transactions appended.
const SEAL_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl AuditWriter {
    /// Starts the writer: it commits queued rows in groups and, with
    /// `seals`, each second seals the chain over what it and other
    /// transactions appended (see [`crate::audit_seal`]).
    pub(crate) fn start(
        pool: AnyPool,
        backend: Backend,
        key: Arc<AuditKey>,
        seals: Option<Arc<SealMemory>>,
    ) -> Self {
        let (queue, mut rx) = mpsc::unbounded_channel::<(Vec<AuditEntry>, Ack)>();
        tokio::spawn(async move {
            // The first seal a second after the start, not at once.
            let mut tick =
                tokio::time::interval_at(tokio::time::Instant::now() + SEAL_EVERY, SEAL_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // A failure to seal is said once until sealing works again.
            let mut said = false;
            loop {
                let first = tokio::select! {
                    first = rx.recv() => match first {
                        Some(first) => first,
                        None => break,
                    },
                    _ = tick.tick() => {
                        if let Some(memory) = &seals {
                            said = seal_or_say(&pool, backend, &key, memory, said).await;
                        }
                        continue;
                    }
                };
                let mut entries = first.0;
                let mut acks = vec![first.1];
                while entries.len() < BATCH_ROWS {
                    match rx.try_recv() {
                        Ok((more, ack)) => {
                            entries.extend(more);
                            acks.push(ack);
                        }
                        Err(_) => break,
                    }
                }
                let result = commit(&pool, backend, &entries)
                    .await
                    .map_err(|e| (crate::error::is_busy(&e), e.to_string()));
                if let Err((_, error)) = &result {
                    tracing::error!(%error, rows = entries.len(), "audit commit failed");
                }
                for ack in acks {
                    let _ = ack.send(result.clone());
                }
            }
        });
        Self { queue }
    }

    /// Queues the rows and waits until they are committed.
    pub async fn record(&self, entries: Vec<AuditEntry>) -> Result<(), StoreError> {
        let (ack, done) = oneshot::channel();
        self.queue
            .send((entries, ack))
            .map_err(|_| StoreError::Config("the audit writer has stopped".into()))?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err((true, _))) => Err(StoreError::Busy),
            Ok(Err((false, message))) => {
                Err(StoreError::Config(format!("audit write failed: {message}")))
            }
            Err(_) => Err(StoreError::Config("the audit writer has stopped".into())),
        }
    }
}

/// Seals; a failure is logged once (ids and counts only) until a seal
/// works again. Answers whether a failure has been said.
async fn seal_or_say(
    pool: &AnyPool,
    backend: Backend,
    key: &AuditKey,
    memory: &SealMemory,
    said: bool,
) -> bool {
    if pool.is_closed() {
        return said;
    }
    match crate::audit_seal::seal(pool, backend, key, memory).await {
        Ok(()) => false,
        Err(error) => {
            if !said {
                tracing::error!(%error, "the audit chain was not sealed");
            }
            true
        }
    }
}

async fn commit(
    pool: &AnyPool,
    backend: Backend,
    entries: &[AuditEntry],
) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut tx = backend.begin_write(pool).await?;
    insert(&mut tx, entries).await?;
    tx.commit().await
}

/// Appends audit rows inside the caller's transaction, each chained to
/// the one before (B1). Appends are serialised so the chain never forks: on
/// SQLite by the single writer connection, on PostgreSQL by a transaction
/// lock that several servers share.
pub(crate) async fn insert(
    tx: &mut Transaction<'static, Any>,
    entries: &[AuditEntry],
) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    if cfg!(feature = "bench-unchained-audit") {
        return insert_unchained(tx, entries).await;
    }
    if Backend::of(tx) == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7464727)")
            .execute(&mut **tx)
            .await?;
    }
    let last = sqlx::query("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let mut prev = match last {
        Some(row) => opt_text(&row, "hash")?.unwrap_or_else(|| CHAIN_START.to_string()),
        None => CHAIN_START.to_string(),
    };
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        let actor = e.actor.map(|u| u.to_string());
        let person = e.person_id.map(|p| p.to_string());
        let ip = e.client_ip.map(|ip| ip.to_string());
        let chained = ChainedRow {
            at: e.at.micros(),
            actor_user_id: actor.as_deref(),
            action: e.action.code(),
            record_type: e.record_type.code(),
            record_id: &e.record_id,
            person_id: person.as_deref(),
            purpose: e.purpose.code(),
            client_ip: ip.as_deref(),
        };
        let hash = chained.hash(&prev);
        let mut row = columns(e);
        row.push(("prev_hash", Arg::Text(prev)));
        row.push(("hash", Arg::Text(hash.clone())));
        rows.push(row);
        prev = hash;
    }
    insert_records(tx, "audit_log", rows).await
}

/// The rows without their chain: no lock, no read of the last hash, no
/// hashing. Only in a build with the `bench-unchained-audit` feature, which
/// exists to measure what the chain costs (`bench/load.sh`, CHAIN=compare);
/// such a log fails `audit verify`. Never for production.
async fn insert_unchained(
    tx: &mut Transaction<'static, Any>,
    entries: &[AuditEntry],
) -> Result<(), sqlx::Error> {
    let rows = entries.iter().map(columns).collect();
    insert_records(tx, "audit_log", rows).await
}

/// An entry's columns, but for its place in the chain.
fn columns(e: &AuditEntry) -> Vec<(&'static str, Arg)> {
    vec![
        ("at", Arg::Int(e.at.micros())),
        ("actor_user_id", text_or_null(e.actor)),
        ("action", Arg::Text(e.action.code().into())),
        ("record_type", Arg::Text(e.record_type.code().into())),
        ("record_id", Arg::Text(e.record_id.clone())),
        ("person_id", text_or_null(e.person_id)),
        ("purpose", Arg::Text(e.purpose.code().into())),
        ("client_ip", text_or_null(e.client_ip)),
    ]
}
