//! `audit verify` (B1): walks the audit chain and names the first entry
//! that was edited, removed, inserted out of turn or re-chained, and the
//! end of a log cut short. What it checks, in order:
//! - the start: the chain's start, or the newest retention checkpoint,
//!   whose signature under the audit key must hold;
//! - each entry: its link to the entry before, its hash over its content,
//!   and on SQLite its number following the one before (PostgreSQL's
//!   sequences skip numbers after a rolled-back transaction, so there the
//!   links alone prove that nothing is missing);
//! - each seal: the HMAC under the key of the chain's hash at its entry;
//! - the end: the log must reach its newest seal, the head the last
//!   retention sweep recorded, and every anchor given (the server's head
//!   file, checkpoints the admin kept elsewhere).

use crate::audit_checkpoint::{AuditCheckpoint, latest};
use crate::audit_seal::{checkpoint_signed, seal_is_valid};
use crate::rows::{int, opt_text, text};
use crate::{Backend, Store, StoreError};
use rekisteri_domain::audit::{CHAIN_START, ChainedRow};
use rekisteri_domain::audit_chain::AuditAnchor;
use std::collections::BTreeMap;

/// What walking the audit chain found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    /// Entries checked, up to and including the first broken one.
    pub entries: u64,
    /// The first entry whose hash does not follow: its `seq` and why.
    #[serde(skip)]
    pub first_broken: Option<(i64, String)>,
    /// Where the walk started: the newest retention checkpoint (rows up to
    /// it were cut by the audit log's retention), or none (the chain's start).
    pub checkpoint: Option<AuditCheckpoint>,
    /// The head the last finished sweep recorded, found again in the chain
    /// (`seq`); none when no sweep has recorded one.
    pub head_checked: Option<i64>,
    /// The id of the audit key the seals were checked with.
    pub key_id: String,
    /// Seals checked, and the newest one's entry.
    pub seals_checked: u64,
    pub sealed_through: Option<i64>,
    /// Entries after the newest seal (the writer seals within a second).
    pub unsealed: u64,
    /// Whether the entries' numbers were checked for gaps (SQLite).
    pub numbering_checked: bool,
    /// The anchors given that the chain reaches (`seq`).
    pub anchors_checked: Vec<i64>,
}

/// Something the walk must meet: an entry with this hash, named in English
/// and Finnish for the reason if it is not met.
struct Wanted {
    hash: Option<String>,
    en: String,
    fi: String,
    sweep_head: bool,
}

/// A stored seal: the chain's hash at its entry and the HMAC over it.
struct Seal {
    hash: String,
    mac: String,
}

impl Store {
    /// Walks the audit chain (see the module's notes) without anchors of
    /// its own beyond those the database holds.
    pub async fn verify_audit(&self) -> Result<ChainReport, StoreError> {
        self.verify_audit_against(&[]).await
    }

    /// Walks the audit chain and checks that it reaches each anchor.
    pub async fn verify_audit_against(
        &self,
        anchors: &[AuditAnchor],
    ) -> Result<ChainReport, StoreError> {
        self.flush_audit().await?;
        let key = self.audit_key.clone();
        // One snapshot for the whole walk: rows committed or cut meanwhile
        // raise no false alarm.
        let mut conn = match self.backend {
            Backend::Sqlite => self.read.begin().await?,
            Backend::Postgres => {
                self.read
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        let checkpoint = latest(&mut conn).await?;
        let checkpoint_signed = checkpoint
            .as_ref()
            .is_none_or(|c| checkpoint_signed(&key, c));
        let head = sqlx::query(
            "SELECT audit_head_seq, audit_head_hash FROM retention_sweeps \
             WHERE status = 'done' AND audit_head_seq IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1",
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| Ok::<_, sqlx::Error>((int(&r, "audit_head_seq")?, opt_text(&r, "audit_head_hash")?)))
        .transpose()?;
        let (mut prev, mut after) = match &checkpoint {
            Some(c) => (c.hash.clone(), c.through_seq),
            None => (CHAIN_START.to_string(), 0i64),
        };
        let mut report = ChainReport {
            entries: 0,
            first_broken: None,
            checkpoint: checkpoint.clone(),
            head_checked: None,
            key_id: key.id(),
            seals_checked: 0,
            sealed_through: None,
            unsealed: 0,
            numbering_checked: self.backend == Backend::Sqlite,
            anchors_checked: Vec::new(),
        };
        let broken = |mut report: ChainReport, seq: i64, why: String| {
            report.first_broken = Some((seq, why));
            Ok(report)
        };
        if !checkpoint_signed {
            let seq = after;
            return broken(
                report,
                seq,
                format!(
                    "the checkpoint at entry {seq}, where the chain starts, is not signed with the register's audit key (it was forged or moved) / \
                     tarkistuspistettä merkinnässä {seq}, josta ketju alkaa, ei ole allekirjoitettu rekisterin lokiavaimella (se on väärennetty tai siirretty)"
                ),
            );
        }
        // What must still be found along the way: (seq, hash, what it is
        // in English and in Finnish, whether it is the sweep's head).
        let mut wanted: BTreeMap<i64, Vec<Wanted>> = BTreeMap::new();
        if let Some((seq, hash)) = &head {
            wanted.entry(*seq).or_default().push(Wanted {
                hash: hash.clone(),
                en: "the head a retention sweep recorded".into(),
                fi: "säilytysajon kirjaama ketjun pää".into(),
                sweep_head: true,
            });
        }
        for anchor in anchors {
            if anchor.seq <= after {
                report.anchors_checked.push(anchor.seq);
                continue;
            }
            wanted.entry(anchor.seq).or_default().push(Wanted {
                hash: Some(anchor.hash.clone()),
                en: format!(
                    "the anchor of entry {} kept outside the database",
                    anchor.seq
                ),
                fi: format!(
                    "tietokannan ulkopuolella säilytetty merkinnän {} ankkuri",
                    anchor.seq
                ),
                sweep_head: false,
            });
        }
        loop {
            let rows = sqlx::query(
                "SELECT seq, at, actor_user_id, action, record_type, record_id, person_id, purpose, client_ip, prev_hash, hash \
                 FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 10000",
            )
            .bind(after)
            .fetch_all(&mut *conn)
            .await?;
            let Some(last) = rows.last() else { break };
            let through = int(last, "seq")?;
            let seals: BTreeMap<i64, Seal> = sqlx::query(
                "SELECT through_seq, hash, mac FROM audit_seals WHERE through_seq > $1 AND through_seq <= $2",
            )
            .bind(after)
            .bind(through)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok::<_, sqlx::Error>((
                    int(r, "through_seq")?,
                    Seal {
                        hash: text(r, "hash")?,
                        mac: text(r, "mac")?,
                    },
                ))
            })
            .collect::<Result<_, _>>()?;
            // A seal between two entries seals one that is gone.
            let present: std::collections::BTreeSet<i64> = rows
                .iter()
                .map(|r| int(r, "seq"))
                .collect::<Result<_, _>>()?;
            if let Some(missing) = seals.keys().find(|s| !present.contains(s)) {
                return broken(
                    report,
                    *missing,
                    format!(
                        "entry {missing} was sealed but is missing: it was removed / merkintä {missing} on sinetöity mutta puuttuu: se on poistettu"
                    ),
                );
            }
            for row in &rows {
                let seq = int(row, "seq")?;
                report.entries += 1;
                report.unsealed += 1;
                if report.numbering_checked && seq != after + 1 {
                    let why = if after + 1 == seq - 1 {
                        format!(
                            "entry {0} before it is missing: it was removed / sitä edeltävä merkintä {0} puuttuu: se on poistettu",
                            after + 1
                        )
                    } else {
                        format!(
                            "entries {0} to {1} before it are missing: they were removed / sitä edeltävät merkinnät {0}–{1} puuttuvat: ne on poistettu",
                            after + 1,
                            seq - 1
                        )
                    };
                    return broken(report, seq, why);
                }
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
                    let why = "does not follow the entry before it (one was removed, inserted or edited) / ei seuraa edellistä merkintää (jokin on poistettu, lisätty tai muutettu)";
                    return broken(report, seq, why.into());
                }
                if chained.hash(&prev) != stored_hash {
                    let why = "its content does not match its hash (it was edited) / sisältö ei vastaa tiivistettä (sitä on muutettu)";
                    return broken(report, seq, why.into());
                }
                if let Some(seal) = seals.get(&seq) {
                    if seal.hash != stored_hash || !seal_is_valid(&key, seq, &seal.hash, &seal.mac)
                    {
                        let why = "its seal under the audit key does not match: the chain up to it was edited or computed again without the key / sen sinetti lokiavaimella ei täsmää: ketjua on muutettu tai se on laskettu uudelleen ilman avainta";
                        return broken(report, seq, why.into());
                    }
                    report.seals_checked += 1;
                    report.sealed_through = Some(seq);
                    report.unsealed = 0;
                }
                for w in wanted.remove(&seq).unwrap_or_default() {
                    if w.hash.as_deref() != Some(stored_hash.as_str()) {
                        let why = format!(
                            "it is not the entry {} names / se ei ole merkintä, jonka {} nimeää",
                            w.en, w.fi
                        );
                        return broken(report, seq, why);
                    }
                    if w.sweep_head {
                        report.head_checked = Some(seq);
                    } else {
                        report.anchors_checked.push(seq);
                    }
                }
                prev = stored_hash;
                after = seq;
            }
        }
        // The end: nothing sealed or anchored may lie beyond the log's end.
        let sealed_beyond =
            sqlx::query("SELECT MAX(through_seq) AS seq FROM audit_seals WHERE through_seq > $1")
                .bind(after)
                .fetch_one(&mut *conn)
                .await?;
        if let Some(seq) = crate::rows::opt_int(&sealed_beyond, "seq")? {
            let why = format!(
                "the log ends at entry {after}, but entry {seq} was sealed: entries were removed from its end / \
                 loki päättyy merkintään {after}, mutta merkintä {seq} on sinetöity: lopusta on poistettu merkintöjä"
            );
            return broken(report, after + 1, why);
        }
        if let Some((seq, list)) = wanted.into_iter().next() {
            let en = list
                .iter()
                .map(|w| w.en.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let fi = list
                .iter()
                .map(|w| w.fi.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let why = format!(
                "the log ends at entry {after}, before entry {seq}, {en}: entries were removed from its end / \
                 loki päättyy merkintään {after} ennen merkintää {seq} ({fi}): lopusta on poistettu merkintöjä"
            );
            return broken(report, after + 1, why);
        }
        Ok(report)
    }
}
