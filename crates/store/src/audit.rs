//! The audit log's writer (B1). Writes append their rows inside their own
//! transaction ([`insert`]). Reads hand theirs to [`AuditWriter`], a task
//! that commits whatever has queued in one transaction (group commit) and
//! only then lets the reads answer: no read goes unaudited, and a thousand
//! concurrent reads cost a few commits, not a thousand.

use crate::StoreError;
use crate::rows::{Arg, insert_records, text_or_null};
use rekisteri_domain::audit::AuditEntry;
use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{mpsc, oneshot};

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

/// Appends audit rows inside the caller's transaction.
pub(crate) async fn insert(
    tx: &mut Transaction<'static, Any>,
    entries: &[AuditEntry],
) -> Result<(), sqlx::Error> {
    let rows = entries
        .iter()
        .map(|e| {
            vec![
                ("at", Arg::Int(e.at.micros())),
                ("actor_user_id", text_or_null(e.actor)),
                ("action", Arg::Text(e.action.code().into())),
                ("record_type", Arg::Text(e.record_type.code().into())),
                ("record_id", Arg::Text(e.record_id.clone())),
                ("person_id", text_or_null(e.person_id)),
                ("purpose", Arg::Text(e.purpose.code().into())),
            ]
        })
        .collect();
    insert_records(tx, "audit_log", rows).await
}
