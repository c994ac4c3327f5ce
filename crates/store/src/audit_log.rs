//! Reading the audit log back (B1): the privacy officer's view, filtered
//! by user, record, action and time, newest first, and the start page's
//! recent changes. The log holds ids, never personal values, so reading it
//! is not itself a read of personal data.

use crate::rows::{Arg, Select, int, opt_text, text, ts};
use crate::{Store, StoreError};
use rekisteri_domain::Timestamp;
use rekisteri_domain::audit::{AuditAction, RecordType};

/// Which entries to show; every part optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<String>,
    pub record_type: Option<String>,
    /// Only these record types (none: every type).
    pub record_types: Vec<RecordType>,
    pub record_id: Option<String>,
    /// Entries about this person (any record of theirs).
    pub person_id: Option<String>,
    pub actions: Vec<AuditAction>,
    pub from: Option<Timestamp>,
    pub before: Option<Timestamp>,
    /// Entries older than this sequence number (the next page).
    pub before_seq: Option<i64>,
    /// 1–500.
    pub limit: i64,
}

/// One entry, with the acting user's name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: Timestamp,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub person_id: Option<String>,
    pub purpose: String,
    pub client_ip: Option<String>,
}

impl Store {
    /// Entries matching the filter, newest first.
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.flush_audit().await?;
        let mut select = Select::default();
        if let Some(u) = &filter.user_id {
            select.filter("a.actor_user_id = ?", Arg::Text(u.clone()));
        }
        if let Some(t) = &filter.record_type {
            select.filter("a.record_type = ?", Arg::Text(t.clone()));
        }
        if !filter.record_types.is_empty() {
            select.filter_in(
                "a.record_type IN (?)",
                filter
                    .record_types
                    .iter()
                    .map(|t| Arg::Text(t.code().into()))
                    .collect(),
            );
        }
        if let Some(r) = &filter.record_id {
            select.filter("a.record_id = ?", Arg::Text(r.clone()));
        }
        if let Some(p) = &filter.person_id {
            select.filter("a.person_id = ?", Arg::Text(p.clone()));
        }
        if !filter.actions.is_empty() {
            select.filter_in(
                "a.action IN (?)",
                filter
                    .actions
                    .iter()
                    .map(|a| Arg::Text(a.code().into()))
                    .collect(),
            );
        }
        if let Some(from) = filter.from {
            select.filter("a.at >= ?", Arg::Int(from.micros()));
        }
        if let Some(before) = filter.before {
            select.filter("a.at < ?", Arg::Int(before.micros()));
        }
        if let Some(seq) = filter.before_seq {
            select.filter("a.seq < ?", Arg::Int(seq));
        }
        let tail = format!("ORDER BY a.seq DESC LIMIT {}", select.next_placeholder());
        let rows = select
            .build(
                "SELECT a.seq, a.at, a.actor_user_id, u.name AS user_name, a.action, a.record_type, \
                 a.record_id, a.person_id, a.purpose, a.client_ip \
                 FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id",
                &tail,
                vec![Arg::Int(filter.limit.clamp(1, 500))],
            )
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    seq: int(row, "seq")?,
                    at: ts(row, "at")?,
                    user_id: opt_text(row, "actor_user_id")?,
                    user_name: opt_text(row, "user_name")?,
                    action: text(row, "action")?,
                    record_type: text(row, "record_type")?,
                    record_id: text(row, "record_id")?,
                    person_id: opt_text(row, "person_id")?,
                    purpose: text(row, "purpose")?,
                    client_ip: opt_text(row, "client_ip")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}
