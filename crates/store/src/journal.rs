//! The erasure journal read back (B2): a backup records the journal's last
//! entry; a restore replays the file's entries after it ([`Store::replay`])
//! with the same numbers, so the two stay one sequence. The entries are
//! written by the actions themselves (`journal_entries.rs`).

use crate::journal_entries::{from_row, insert};
use crate::rows::int;
use crate::{Store, StoreError, audit};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::backup::{JournalAction, JournalEntry};
use rekisteri_domain::ids::PersonId;
impl Store {
    /// The journal's last entry (0 when none).
    pub async fn journal_head(&self) -> Result<i64, StoreError> {
        Ok(int(
            &sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM erasure_journal")
                .fetch_one(&self.read)
                .await?,
            "seq",
        )?)
    }

    /// Up to `limit` entries after `seq`, in order.
    pub async fn journal_after(
        &self,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        sqlx::query(
            "SELECT seq, at, action, record_type, record_id, tombstones, detail FROM erasure_journal \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(seq)
        .bind(limit)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// Does again, in a restored register, what the entry did after the
    /// backup was taken, in one transaction with the entry itself (so a
    /// replay cut short goes on where it stopped). No letter or notice
    /// goes again: they went when it was first done. False when the entry
    /// was already there.
    pub async fn replay(
        &self,
        actor: &Actor,
        now: Timestamp,
        entry: &JournalEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.begin_write(&self.write).await?;
        let there = sqlx::query("SELECT 1 AS one FROM erasure_journal WHERE seq = $1")
            .bind(entry.seq)
            .fetch_optional(&mut *tx)
            .await?;
        if there.is_some() {
            return Ok(false);
        }
        let at = entry.at;
        let id = entry.record_id.as_str();
        match entry.action {
            JournalAction::Erase | JournalAction::Anonymise => {
                let person: PersonId = id.parse().map_err(|_| {
                    StoreError::Config(format!("journal entry {}: not a person id", entry.seq))
                })?;
                let exists = sqlx::query("SELECT 1 AS one FROM people WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some();
                if exists && entry.action == JournalAction::Erase {
                    crate::erasure::erase_rows(&mut tx, actor, at, person, None).await?;
                } else if exists {
                    crate::anonymise::anonymise_rows(&mut tx, actor, at, person, None).await?;
                }
                crate::tombstones::lay_hashes(&mut tx, at, &entry.tombstones, None).await?;
            }
            JournalAction::Delete => {
                crate::sweep::delete(&mut tx, &entry.record_type, id).await?;
            }
            JournalAction::Minimise => {
                crate::sweep::minimise(&mut tx, &entry.record_type, id, at).await?;
            }
            JournalAction::PaperDestroyed => {
                crate::paper::destroyed(&mut tx, actor, at, id, entry.detail.as_deref()).await?;
            }
        }
        audit::insert(
            &mut tx,
            &[actor.entry(
                now,
                AuditAction::Update,
                RecordType::RetentionRecord,
                format!("journal:{}", entry.seq),
                None,
            )],
        )
        .await?;
        insert(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
