//! The audit log's writer (B1). Writes append their rows inside their own
//! transaction ([`insert`]). Reads hand theirs to [`AuditWriter`], a task
//! that commits whatever has queued in one transaction (group commit) and
//! only then lets the reads answer: no read goes unaudited, and a thousand
//! concurrent reads cost a few commits, not a thousand.

use crate::StoreError;
use rekisteri_domain::audit::AuditEntry;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use tokio::sync::{mpsc, oneshot};

type Ack = oneshot::Sender<Result<(), String>>;

/// At most this many rows go into one commit.
const BATCH_ROWS: usize = 2_000;
/// Rows per INSERT statement (8 parameters each, well under SQLite's limit).
const ROWS_PER_STATEMENT: usize = 200;

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
    for chunk in entries.chunks(ROWS_PER_STATEMENT) {
        let mut sql = String::from(
            "INSERT INTO audit_log (at, actor_user_id, action, record_type, record_id, person_id, purpose, client_ip) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 7;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, NULL)",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7
            ));
        }
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for e in chunk {
            query = query
                .bind(e.at.micros())
                .bind(e.actor.map(|u| u.to_string()))
                .bind(e.action.code())
                .bind(e.record_type.code())
                .bind(e.record_id.clone())
                .bind(e.person_id.map(|p| p.to_string()))
                .bind(e.purpose.code());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
