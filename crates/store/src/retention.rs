//! The retention schedule as configuration (R9), kept as versions like the
//! register's details, and the sweep's records: one row per run with the
//! schedule version it applied and its counts, and each record it touched
//! (ids only). What has expired and what the sweep does with it is in
//! `sweep.rs`.

use crate::rows::{int, opt_int, opt_parsed, opt_text, opt_ts, parsed, text, ts};
use crate::versions::{Version, Versions};
use crate::{Store, StoreError, audit};
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::{SweepId, UserId};
use rekisteri_domain::retention::RetentionSchedule;
use rekisteri_domain::{Date, Timestamp};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;
use utoipa::ToSchema;

const VERSIONS: Versions = Versions {
    table: "retention_schedules",
    column: "schedule",
    lock: 7_464_728,
};

/// A sweep whose heartbeat stopped this long ago was interrupted (a
/// kill -9, a crash): the next run finishes what it left. A running sweep
/// beats every 30 s; this is longer than a job's lease (2 min), so the
/// daily job's next claimant never starts beside a sweep that still runs.
pub const SWEEP_STALE_MICROS: i64 = 5 * 60 * 1_000_000;
const _: () = assert!(SWEEP_STALE_MICROS > rekisteri_domain::job::LEASE_MICROS);

/// One version of the retention schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RetentionVersion {
    /// 1, 2, …; 0 is the defaults, never stored.
    pub version: i64,
    pub schedule: RetentionSchedule,
    pub changed_at: Option<Timestamp>,
    pub changed_by: Option<UserId>,
}

impl From<Version<RetentionSchedule>> for RetentionVersion {
    fn from(v: Version<RetentionSchedule>) -> Self {
        Self {
            version: v.version,
            schedule: v.value,
            changed_at: v.changed_at,
            changed_by: v.changed_by,
        }
    }
}

/// Counts per category, then per action (or `held`).
pub type SweepCounts = BTreeMap<String, BTreeMap<String, u64>>;

/// One run of the sweep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SweepRecord {
    pub id: SweepId,
    /// The daily run's day; none for a run started by hand.
    pub daily_on: Option<Date>,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// `running`, `done`, `failed`, or `interrupted` (its heartbeat stopped).
    pub status: String,
    pub schedule_version: i64,
    pub started_by: Option<UserId>,
    #[schema(value_type = Object)]
    pub counts: SweepCounts,
}

/// One record a sweep acted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SweepItem {
    pub category: String,
    pub record_type: String,
    pub record_id: String,
    pub action: String,
    pub anchor_on: Date,
    pub expired_on: Date,
    /// Rows the action removed or changed (an audit range: its rows).
    pub rows_affected: i64,
}

const SWEEP_COLUMNS: &str = "id, daily_on, started_at, heartbeat_at, finished_at, status, \
     schedule_version, started_by, counts";

fn sweep_from_row(row: &AnyRow, at: Timestamp) -> Result<SweepRecord, StoreError> {
    let mut status = text(row, "status")?;
    if status == "running" && ts(row, "heartbeat_at")?.micros() + SWEEP_STALE_MICROS < at.micros() {
        status = "interrupted".into();
    }
    Ok(SweepRecord {
        id: parsed(row, "id")?,
        daily_on: opt_parsed(row, "daily_on")?,
        started_at: ts(row, "started_at")?,
        finished_at: opt_ts(row, "finished_at")?,
        status,
        schedule_version: int(row, "schedule_version")?,
        started_by: opt_parsed(row, "started_by")?,
        counts: serde_json::from_str(&text(row, "counts")?).unwrap_or_default(),
    })
}

/// The sweep's record of what it did to one record, in the action's transaction.
pub(crate) async fn record_item(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    sweep: SweepId,
    item: &SweepItem,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO retention_sweep_items (sweep_id, category, record_type, record_id, action, anchor_on, expired_on, rows_affected) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(sweep.to_string())
    .bind(item.category.clone())
    .bind(item.record_type.clone())
    .bind(item.record_id.clone())
    .bind(item.action.clone())
    .bind(item.anchor_on.to_string())
    .bind(item.expired_on.to_string())
    .bind(item.rows_affected)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// The schedule in force: the newest version, else the defaults.
    pub async fn retention_schedule(&self) -> Result<RetentionVersion, StoreError> {
        Ok(VERSIONS.current(&self.read).await?.into())
    }

    /// Every stored version, newest first.
    pub async fn retention_versions(&self) -> Result<Vec<RetentionVersion>, StoreError> {
        Ok(VERSIONS
            .all(&self.read)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Stores `schedule` (checked by the caller) as the next version,
    /// audited; `expected` as for the register's details.
    pub async fn set_retention_schedule(
        &self,
        actor: &Actor,
        at: Timestamp,
        schedule: &RetentionSchedule,
        expected: Option<i64>,
    ) -> Result<RetentionVersion, StoreError> {
        Ok(VERSIONS
            .store(self, actor, at, schedule, expected)
            .await?
            .into())
    }

    /// Queues a sweep job: the daily one for `daily_on` unless that day's
    /// sweep ran or is queued already (false then), or one by hand.
    /// Answers the job's id.
    pub async fn queue_sweep(
        &self,
        at: Timestamp,
        daily_on: Option<Date>,
    ) -> Result<Option<rekisteri_domain::ids::JobId>, StoreError> {
        let job = rekisteri_domain::job::Job::RetentionSweep { daily_on };
        let mut tx = self.backend.begin_write(&self.write).await?;
        if let Some(day) = daily_on {
            let swept = sqlx::query("SELECT 1 AS one FROM retention_sweeps WHERE daily_on = $1")
                .bind(day.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            let queued = sqlx::query(
                "SELECT 1 AS one FROM jobs WHERE kind = 'retention_sweep' AND payload = $1 \
                 AND state IN ('pending', 'running')",
            )
            .bind(job.to_json())
            .fetch_optional(&mut *tx)
            .await?;
            if swept.is_some() || queued.is_some() {
                return Ok(None);
            }
        }
        let id = crate::jobs::enqueue(&mut tx, at, &job).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Starts a sweep (audited). A daily run claims its day: `None` when
    /// another server's run of the day is going or done. A run of the day
    /// that was interrupted is taken over.
    pub async fn start_sweep(
        &self,
        actor: &Actor,
        at: Timestamp,
        schedule_version: i64,
        daily_on: Option<Date>,
    ) -> Result<Option<SweepRecord>, StoreError> {
        let id = SweepId::new(at);
        let mut tx = self.backend.begin_write(&self.write).await?;
        if let Some(day) = daily_on {
            let taken = sqlx::query(
                "SELECT status, heartbeat_at FROM retention_sweeps WHERE daily_on = $1",
            )
            .bind(day.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = taken {
                let stale = text(&row, "status")? == "running"
                    && int(&row, "heartbeat_at")? + SWEEP_STALE_MICROS < at.micros();
                if !stale {
                    return Ok(None);
                }
                // Interrupted: it keeps its items and gives up the day.
                sqlx::query(
                    "UPDATE retention_sweeps SET daily_on = NULL, status = 'failed' WHERE daily_on = $1",
                )
                .bind(day.to_string())
                .execute(&mut *tx)
                .await?;
            }
        }
        // Two servers may claim the day at once: the second one's insert
        // waits for the first and then does nothing.
        let inserted = sqlx::query(
            "INSERT INTO retention_sweeps (id, daily_on, started_at, heartbeat_at, status, schedule_version, started_by, counts) \
             VALUES ($1, $2, $3, $3, 'running', $4, $5, '{}') ON CONFLICT (daily_on) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(daily_on.map(|d| d.to_string()))
        .bind(at.micros())
        .bind(schedule_version)
        .bind(actor.user.map(|u| u.to_string()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(None);
        }
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Create,
                RecordType::RetentionSweep,
                id,
                None,
            )],
        )
        .await?;
        tx.commit().await?;
        self.sweep(at, id).await
    }

    /// The sweep goes on: its heartbeat alone (the timer's).
    pub async fn sweep_beat(&self, at: Timestamp, id: SweepId) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE retention_sweeps SET heartbeat_at = $1 WHERE id = $2 AND status = 'running'",
        )
        .bind(at.micros())
        .bind(id.to_string())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The sweep goes on: its heartbeat, and its counts so far.
    pub async fn sweep_heartbeat(
        &self,
        at: Timestamp,
        id: SweepId,
        counts: &SweepCounts,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE retention_sweeps SET heartbeat_at = $1, counts = $2 WHERE id = $3")
            .bind(at.micros())
            .bind(serde_json::to_string(counts).unwrap_or_default())
            .bind(id.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Ends the sweep with its counts and the audit chain's head then
    /// (`audit verify` checks that the chain still reaches it).
    pub async fn finish_sweep(
        &self,
        actor: &Actor,
        at: Timestamp,
        id: SweepId,
        counts: &SweepCounts,
        failed: bool,
    ) -> Result<SweepRecord, StoreError> {
        self.flush_audit().await?;
        let mut tx = self.backend.begin_write(&self.write).await?;
        audit::insert(
            &mut tx,
            &[actor.entry(
                at,
                AuditAction::Update,
                RecordType::RetentionSweep,
                id,
                None,
            )],
        )
        .await?;
        let head = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (seq, hash) = match &head {
            Some(row) => (Some(int(row, "seq")?), opt_text(row, "hash")?),
            None => (None, None),
        };
        sqlx::query(
            "UPDATE retention_sweeps SET heartbeat_at = $1, finished_at = $1, status = $2, counts = $3, \
             audit_head_seq = $4, audit_head_hash = $5 WHERE id = $6",
        )
        .bind(at.micros())
        .bind(if failed { "failed" } else { "done" })
        .bind(serde_json::to_string(counts).unwrap_or_default())
        .bind(seq)
        .bind(hash)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.sweep(at, id).await?.ok_or(StoreError::NotFound)
    }

    /// One sweep.
    pub async fn sweep(
        &self,
        at: Timestamp,
        id: SweepId,
    ) -> Result<Option<SweepRecord>, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SWEEP_COLUMNS} FROM retention_sweeps WHERE id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| sweep_from_row(&r, at)).transpose()
    }

    /// The sweeps, newest first, at most `limit`.
    pub async fn sweeps(&self, at: Timestamp, limit: i64) -> Result<Vec<SweepRecord>, StoreError> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT {SWEEP_COLUMNS} FROM retention_sweeps ORDER BY started_at DESC, id DESC LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| sweep_from_row(r, at))
        .collect()
    }

    /// What a sweep acted on, by record type and id.
    pub async fn sweep_items(&self, id: SweepId) -> Result<Vec<SweepItem>, StoreError> {
        sqlx::query(
            "SELECT category, record_type, record_id, action, anchor_on, expired_on, rows_affected \
             FROM retention_sweep_items WHERE sweep_id = $1 ORDER BY category, record_type, record_id",
        )
        .bind(id.to_string())
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| {
            Ok(SweepItem {
                category: text(r, "category")?,
                record_type: text(r, "record_type")?,
                record_id: text(r, "record_id")?,
                action: text(r, "action")?,
                anchor_on: parsed(r, "anchor_on")?,
                expired_on: parsed(r, "expired_on")?,
                rows_affected: opt_int(r, "rows_affected")?.unwrap_or(0),
            })
        })
        .collect()
    }
}
