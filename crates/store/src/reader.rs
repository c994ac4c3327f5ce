//! Reads of one person at a time, merged: whatever requests are waiting go
//! to the database as one query, and they share its round trip. On SQLite
//! every query is a hand-off to the driver's worker thread, which costs more
//! than the query itself; merging concurrent reads (as the audit writer
//! merges commits) is what lets audited reads keep up with the HTTP layer.

use crate::people::{load_unmarked, mark};
use crate::{Backend, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::person::Person;
use sqlx::AnyPool;
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

type Reply = oneshot::Sender<Result<Option<Person>, String>>;

/// At most this many people are read in one query.
const BATCH: usize = 256;

#[derive(Clone)]
pub(crate) struct PersonReader {
    queue: mpsc::UnboundedSender<(PersonId, Timestamp, Reply)>,
}

impl PersonReader {
    pub(crate) fn start(pool: AnyPool, backend: Backend) -> Self {
        let (queue, mut rx) = mpsc::unbounded_channel::<(PersonId, Timestamp, Reply)>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut waiting = vec![first];
                while waiting.len() < BATCH {
                    match rx.try_recv() {
                        Ok(next) => waiting.push(next),
                        Err(_) => break,
                    }
                }
                let mut ids: Vec<String> =
                    waiting.iter().map(|(id, _, _)| id.to_string()).collect();
                ids.sort_unstable();
                ids.dedup();
                match load_unmarked(&pool, backend, &ids).await {
                    Ok(people) => {
                        // Each read is marked restricted (R18) as at its own moment.
                        let by_id: HashMap<PersonId, (Person, Option<Timestamp>)> =
                            people.into_iter().map(|p| (p.0.id, p)).collect();
                        for (id, at, reply) in waiting {
                            let person = by_id
                                .get(&id)
                                .map(|(person, from)| mark(person.clone(), *from, at));
                            let _ = reply.send(Ok(person));
                        }
                    }
                    Err(error) => {
                        let error = error.to_string();
                        for (_, _, reply) in waiting {
                            let _ = reply.send(Err(error.clone()));
                        }
                    }
                }
            }
        });
        Self { queue }
    }

    /// The person as at `at`, or `None` when there is no such person.
    pub(crate) async fn get(
        &self,
        id: PersonId,
        at: Timestamp,
    ) -> Result<Option<Person>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((id, at, reply))
            .map_err(|_| StoreError::Config("the person reader has stopped".into()))?;
        match answer.await {
            Ok(Ok(person)) => Ok(person),
            Ok(Err(message)) => Err(StoreError::Config(format!(
                "reading a person failed: {message}"
            ))),
            Err(_) => Err(StoreError::Config("the person reader has stopped".into())),
        }
    }
}
