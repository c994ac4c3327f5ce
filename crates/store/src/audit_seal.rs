//! Seals of the audit chain under a key kept outside the database (B1;
//! issue 19 §2). Rows are chained with SHA-256 inside their own
//! transaction, as before; the audit writer then appends a seal, an
//! HMAC under the key of the chain's hash at the newest entry. Because
//! each hash commits to every entry before it, a row edited, removed or
//! re-chained at or before a seal no longer matches the seal, and whoever
//! can write the database without the key cannot make a new one. The
//! newest seal is also the head the server writes to a file outside the
//! database (see the server's `audit_anchor`), so a log cut short, seals
//! and all, still fails to reach it.

use crate::audit_checkpoint::AuditCheckpoint;
use crate::rows::{int, text};
use crate::{Backend, Store, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit_chain::{AuditAnchor, AuditKey};
use sqlx::{AnyConnection, AnyPool};

/// The MAC of the chain's hash at an entry, for one use (`seal` or
/// `checkpoint`), so a seal never passes for a checkpoint.
fn mac_at(key: &AuditKey, what: &str, through_seq: i64, hash: &str) -> String {
    let seq = through_seq.to_string();
    hex::encode(key.mac(&[
        b"rekisteri-audit-",
        what.as_bytes(),
        b"|",
        seq.as_bytes(),
        b"|",
        hash.as_bytes(),
    ]))
}

fn seal_mac(key: &AuditKey, through_seq: i64, hash: &str) -> String {
    mac_at(key, "seal", through_seq, hash)
}

pub(crate) fn checkpoint_mac(key: &AuditKey, through_seq: i64, hash: &str) -> String {
    mac_at(key, "checkpoint", through_seq, hash)
}

/// Whether the checkpoint carries the key's signature.
pub(crate) fn checkpoint_signed(key: &AuditKey, c: &AuditCheckpoint) -> bool {
    c.mac.as_deref() == Some(checkpoint_mac(key, c.through_seq, &c.hash).as_str())
}

/// Whether a stored seal is the key's.
pub(crate) fn seal_is_valid(key: &AuditKey, through_seq: i64, hash: &str, mac: &str) -> bool {
    seal_mac(key, through_seq, hash) == mac
}

/// The last seal this process made or checked: the writer never seals a
/// chain that no longer reaches it, even when the seals after it were
/// removed from the database.
#[derive(Debug, Default)]
pub(crate) struct SealMemory(std::sync::Mutex<Option<AuditAnchor>>);

impl SealMemory {
    fn get(&self) -> Option<AuditAnchor> {
        self.0.lock().ok().and_then(|m| m.clone())
    }

    fn set(&self, anchor: AuditAnchor) {
        if let Ok(mut m) = self.0.lock() {
            *m = Some(anchor);
        }
    }
}

/// Takes the key for this register at start: the first server records its
/// id (and signs the checkpoints made before there was a key, once); later
/// ones must bring the same key, or are refused.
pub(crate) async fn adopt_key(
    pool: &AnyPool,
    backend: Backend,
    key: &AuditKey,
) -> Result<(), StoreError> {
    let mut tx = backend.begin_write(pool).await?;
    let adopted = sqlx::query(
        "INSERT INTO audit_chain_key (id, key_id) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
    )
    .bind(key.id())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    let stored = text(
        &sqlx::query("SELECT key_id FROM audit_chain_key WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?,
        "key_id",
    )?;
    if stored != key.id() {
        return Err(StoreError::Config(format!(
            "the audit key given (id {}) is not this register's (id {stored}): start the server with \
             the register's key file / annettu lokiavain ei ole tämän rekisterin avain",
            key.id()
        )));
    }
    // Only at the adoption: a checkpoint put in later without a signature
    // stays unsigned, and verify names it.
    let unsigned = if adopted {
        sqlx::query("SELECT through_seq, hash FROM audit_checkpoints WHERE mac IS NULL")
            .fetch_all(&mut *tx)
            .await?
    } else {
        Vec::new()
    };
    for row in unsigned {
        let (seq, hash) = (int(&row, "through_seq")?, text(&row, "hash")?);
        sqlx::query("UPDATE audit_checkpoints SET mac = $1 WHERE through_seq = $2")
            .bind(checkpoint_mac(key, seq, &hash))
            .bind(seq)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Seals the chain at its newest entry, if that entry is not sealed yet.
/// One seal covers every entry before it, so a busy log costs one small
/// insert a second, not one per row. A log that no longer reaches
/// its newest seal (cut short, or that entry changed) is not sealed again:
/// that would cover the damage.
pub(crate) async fn seal(
    pool: &AnyPool,
    backend: Backend,
    key: &AuditKey,
    memory: &SealMemory,
) -> Result<(), StoreError> {
    // Whether there is anything to seal is read first, outside a write
    // transaction: an idle register takes no write lock each second.
    if let (Some(newest), Some(last)) = (
        sqlx::query("SELECT seq FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(pool)
            .await?,
        sqlx::query("SELECT through_seq FROM audit_seals ORDER BY through_seq DESC LIMIT 1")
            .fetch_optional(pool)
            .await?,
    ) && int(&newest, "seq")? == int(&last, "through_seq")?
    {
        return Ok(());
    }
    let mut tx = backend.begin_write(pool).await?;
    let newest = sqlx::query("SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *tx)
        .await?;
    let Some(newest) = newest else {
        return Ok(());
    };
    let (seq, hash) = (int(&newest, "seq")?, text(&newest, "hash")?);
    // The newest seal stored and the last one this process knows: the
    // chain must still reach both before it is sealed again.
    for last in [newest_seal(&mut tx).await?, memory.get()]
        .into_iter()
        .flatten()
    {
        if last.seq == seq && last.hash == hash {
            return Ok(());
        }
        if last.seq > seq || !reaches(&mut tx, &last, key).await? {
            return Err(StoreError::Config(format!(
                "the audit log no longer reaches its seal at entry {}: it is not sealed again; \
                 run `rekisteri audit verify` / lokiketju ei enää yllä sinettiinsä, sitä ei sinetöidä",
                last.seq
            )));
        }
    }
    sqlx::query(
        "INSERT INTO audit_seals (through_seq, hash, mac, sealed_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (through_seq) DO NOTHING",
    )
    .bind(seq)
    .bind(hash.clone())
    .bind(seal_mac(key, seq, &hash))
    .bind(int(&newest, "at")?)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    memory.set(AuditAnchor {
        seq,
        hash,
        at: Timestamp::from_micros(int(&newest, "at")?),
    });
    Ok(())
}

/// Whether the log still holds the anchor's entry with the anchor's hash,
/// or a signed checkpoint has cut it (the audit log's retention).
pub(crate) async fn reaches(
    conn: &mut AnyConnection,
    anchor: &AuditAnchor,
    key: &AuditKey,
) -> Result<bool, StoreError> {
    // Cut by retention: only a checkpoint signed with the key counts.
    if let Some(c) = crate::audit_checkpoint::latest(conn).await?
        && c.through_seq >= anchor.seq
    {
        return Ok(checkpoint_signed(key, &c));
    }
    let row = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(anchor.seq)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => text(&row, "hash")? == anchor.hash,
        None => false,
    })
}

/// The newest seal, as an anchor to keep outside the database.
pub(crate) async fn newest_seal(
    conn: &mut AnyConnection,
) -> Result<Option<AuditAnchor>, StoreError> {
    let row = sqlx::query(
        "SELECT through_seq, hash, sealed_at FROM audit_seals ORDER BY through_seq DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row
        .map(|r| {
            Ok::<_, sqlx::Error>(AuditAnchor {
                seq: int(&r, "through_seq")?,
                hash: text(&r, "hash")?,
                at: crate::rows::ts(&r, "sealed_at")?,
            })
        })
        .transpose()?)
}

impl Store {
    /// The audit chain's newest seal (every entry committed so far sealed
    /// first, unless the store was opened only to verify): the anchor the server keeps in its head file and the admin
    /// may store elsewhere (`rekisteri audit anchor`).
    pub async fn audit_anchor(&self) -> Result<Option<AuditAnchor>, StoreError> {
        self.flush_audit().await?;
        if let Some(memory) = &self.seals {
            seal(&self.write, self.backend, &self.audit_key, memory).await?;
        }
        let mut conn = self.read.acquire().await?;
        newest_seal(&mut conn).await
    }

    /// Whether the log still reaches `anchor` (a head written earlier).
    pub async fn audit_reaches(&self, anchor: &AuditAnchor) -> Result<bool, StoreError> {
        let mut conn = self.read.acquire().await?;
        reaches(&mut conn, anchor, &self.audit_key).await
    }

    /// The key the audit chain is sealed with.
    pub fn audit_key(&self) -> &AuditKey {
        &self.audit_key
    }
}
