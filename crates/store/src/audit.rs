//! The audit log's writer (B1). Writes append their rows inside their own
//! transaction ([`insert`]). Reads hand theirs to [`AuditWriter`], a task
//! that commits whatever has queued in one transaction (group commit) and
//! only then lets the reads answer: no read goes unaudited, and a thousand
//! concurrent reads cost a few commits, not a thousand.

use crate::rows::{Arg, insert_records, int, opt_text, text, text_or_null, ts};
use crate::{Backend, Store, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{AuditEntry, CHAIN_START, ChainedRow};
use serde::Serialize;
use sqlx::{Any, AnyConnection, AnyPool, Transaction};
use tokio::sync::{mpsc, oneshot};
use utoipa::ToSchema;

type Ack = oneshot::Sender<Result<(), String>>;

/// At most this many rows go into one commit.
const BATCH_ROWS: usize = 2_000;

#[derive(Clone)]
pub struct AuditWriter {
    queue: mpsc::UnboundedSender<(Vec<AuditEntry>, Ack)>,
}

impl AuditWriter {
    pub(crate) fn start(pool: AnyPool) -> Self {
        let (queue, mut rx) = mpsc::unbounded_channel::<(Vec<AuditEntry>, Ack)>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
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
                let result = commit(&pool, &entries).await.map_err(|e| e.to_string());
                if let Err(error) = &result {
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
            Ok(Err(message)) => Err(StoreError::Config(format!("audit write failed: {message}"))),
            Err(_) => Err(StoreError::Config("the audit writer has stopped".into())),
        }
    }
}

async fn commit(pool: &AnyPool, entries: &[AuditEntry]) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
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

/// Where the audit chain now starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuditCheckpoint {
    /// The last row cut; the chain goes on from the row after it.
    pub through_seq: i64,
    /// That row's hash, which the next row's `prev_hash` must be.
    pub hash: String,
    pub rows_cut: i64,
    pub cut_at: Timestamp,
    pub sweep_id: Option<String>,
}

/// The newest checkpoint, if the log was ever cut.
pub(crate) async fn latest(
    conn: &mut AnyConnection,
) -> Result<Option<AuditCheckpoint>, StoreError> {
    let row = sqlx::query(
        "SELECT through_seq, hash, rows_cut, cut_at, sweep_id FROM audit_checkpoints \
         ORDER BY through_seq DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row
        .map(|r| {
            Ok::<_, sqlx::Error>(AuditCheckpoint {
                through_seq: int(&r, "through_seq")?,
                hash: text(&r, "hash")?,
                rows_cut: int(&r, "rows_cut")?,
                cut_at: ts(&r, "cut_at")?,
                sweep_id: opt_text(&r, "sweep_id")?,
            })
        })
        .transpose()?)
}

/// The first row no checkpoint covers.
pub(crate) async fn first_uncut(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(latest(conn).await?.map_or(1, |c| c.through_seq + 1))
}

/// What walking the audit chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Entries checked, up to and including the first broken one.
    pub entries: u64,
    /// The first entry whose hash does not follow: its `seq` and why.
    pub first_broken: Option<(i64, String)>,
    /// Where the walk started: the newest retention checkpoint (rows up to
    /// it were cut by the audit log's retention), or none (the chain's start).
    pub checkpoint: Option<AuditCheckpoint>,
    /// The head the last finished sweep recorded, found again in the chain
    /// (`seq`); none when no sweep has recorded one.
    pub head_checked: Option<i64>,
}

impl Store {
    /// Walks the audit chain from its start and names the first entry that
    /// was edited, removed or inserted out of turn (`rekisteri audit verify`).
    pub async fn verify_audit(&self) -> Result<ChainReport, StoreError> {
        self.flush_audit().await?;
        let mut conn = self.read.acquire().await?;
        let checkpoint = latest(&mut conn).await?;
        let head = sqlx::query(
            "SELECT audit_head_seq, audit_head_hash FROM retention_sweeps \
             WHERE status = 'done' AND audit_head_seq IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| Ok::<_, sqlx::Error>((int(&r, "audit_head_seq")?, opt_text(&r, "audit_head_hash")?)))
        .transpose()?;
        drop(conn);
        let (mut prev, mut after) = match &checkpoint {
            Some(c) => (c.hash.clone(), c.through_seq),
            None => (CHAIN_START.to_string(), 0i64),
        };
        let mut entries = 0u64;
        let mut head_checked = None;
        let report = |entries, first_broken: Option<(i64, String)>, head_checked| ChainReport {
            entries,
            first_broken,
            checkpoint: checkpoint.clone(),
            head_checked,
        };
        loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor_user_id, action, record_type, record_id, person_id, purpose, client_ip, prev_hash, hash \
                 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 10000",
            )
            .bind(after)
            .fetch_all(&self.read)
            .await?;
            if rows.is_empty() {
                // A sweep recorded the head it saw; a log that no longer
                // reaches it lost rows from its end.
                if let Some((seq, _)) = &head
                    && *seq > after
                    && head_checked.is_none()
                {
                    let why = format!(
                        "the log ends at entry {after}, before entry {seq}, the head a retention sweep recorded: entries were removed from its end"
                    );
                    return Ok(report(entries, Some((after + 1, why)), None));
                }
                return Ok(report(entries, None, head_checked));
            }
            for row in &rows {
                let seq = int(row, "seq")?;
                entries += 1;
                let (actor, person, ip) = (
                    opt_text(row, "actor_user_id")?,
                    opt_text(row, "person_id")?,
                    opt_text(row, "client_ip")?,
                );
                let (action, record_type, record_id, purpose) = (
                    text(row, "action")?,
                    text(row, "record_type")?,
                    text(row, "record_id")?,
                    text(row, "purpose")?,
                );
                let chained = ChainedRow {
                    at: int(row, "at")?,
                    actor_user_id: actor.as_deref(),
                    action: &action,
                    record_type: &record_type,
                    record_id: &record_id,
                    person_id: person.as_deref(),
                    purpose: &purpose,
                    client_ip: ip.as_deref(),
                };
                let stored_prev = opt_text(row, "prev_hash")?.unwrap_or_default();
                let stored_hash = opt_text(row, "hash")?.unwrap_or_default();
                if stored_prev != prev {
                    let why =
                        "does not follow the entry before it (one was removed, inserted or edited)";
                    return Ok(report(entries, Some((seq, why.into())), None));
                }
                if chained.hash(&prev) != stored_hash {
                    let why = "its content does not match its hash (it was edited)";
                    return Ok(report(entries, Some((seq, why.into())), None));
                }
                if let Some((head_seq, head_hash)) = &head
                    && *head_seq == seq
                {
                    if head_hash.as_deref() != Some(stored_hash.as_str()) {
                        let why = "it is not the entry a retention sweep recorded as the head";
                        return Ok(report(entries, Some((seq, why.into())), None));
                    }
                    head_checked = Some(seq);
                }
                prev = stored_hash;
                after = seq;
            }
        }
    }
}
