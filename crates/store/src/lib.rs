//! The register's storage: one interface ([`Store`]) with SQLite and
//! PostgreSQL beneath it, through sqlx's `Any` driver. Business logic has one
//! code path; where the two databases differ (the full-text query, the
//! serial column type), [`Backend`] says which text to use.
//!
//! Every business operation is one transaction, and the audit row of a write
//! is inserted in that same transaction. Reads are audited through
//! [`audit::AuditWriter`], which groups many reads' rows into one commit.

mod access;
mod anonymise;
pub mod audience;
pub mod audit;
mod audit_checkpoint;
mod audit_cut;
mod audit_log;
mod audit_seal;
mod audit_verify;
mod backup;
mod billing;
mod challenges;
mod connect;
mod contacts;
mod disclosures;
mod duplicates;
mod erasure;
mod erasure_requests;
mod error;
mod export_copies;
mod holds;
mod import;
mod import_jobs;
mod import_staging;
mod jobs;
mod journal;
mod journal_entries;
mod legal_holds;
mod limits;
mod logins;
mod mail;
mod migrate;
mod notes;
mod notices;
mod organisations;
mod paper;
mod people;
mod permissions;
mod portal;
mod purposes;
mod reader;
mod recipients;
mod rectification;
mod register;
mod relationships;
mod reminders;
mod report;
mod requests;
mod restrictions;
mod retention;
mod rows;
mod search;
mod sessions;
mod statistics;
mod sweep;
mod tokens;
mod tombstones;
mod users;
mod versions;

pub use audit_checkpoint::AuditCheckpoint;
pub use audit_log::{AuditFilter, AuditRecord};
pub use audit_verify::ChainReport;
pub use backup::CopyPoint;
pub use billing::{InvoiceFilter, OrderFilter};
pub use connect::{Backend, DatabaseUrl};
pub use erasure::{ErasureOutcome, ScheduledErasure};
pub use erasure_requests::{DoneLetter, HeldLetter};
pub use error::{Blocker, StoreError};
pub use import_jobs::{IMPORT_STALE_MICROS, ImportRecord, ImportRejection};
pub use import_staging::PeopleImport;
pub use jobs::{ClaimedJob, JobRecord};
pub use logins::{Credentials, account_key, address_key};
pub use mail::MailRecord;
pub use migrate::{MIGRATIONS, Migration};
pub use notes::NoteFilter;
pub use notices::{NoticedDisclosure, RecipientNotice};
pub use organisations::OrganisationFilter;
pub use people::PersonFilter;
pub use permissions::PermissionHistory;
pub use portal::{LinkOutcome, NewPortalLink, PortalLink, PortalSession};
pub use purposes::PurposeSetting;
pub use recipients::RecipientFilter;
pub use rectification::Rectified;
pub use register::RegisterVersion;
pub use relationships::RelationshipReview;
pub use report::{Coverage, TABLE_COVERAGE};
pub use requests::{Candidate, CaseChange, RequestEvent, RequestFilter};
pub use retention::{RetentionVersion, SWEEP_STALE_MICROS, SweepCounts, SweepItem, SweepRecord};
pub use sessions::{NewSession, Session};
pub use sweep::{Applied, Expired};
pub use tokens::{TOKEN_CACHE_MICROS, TokenInfo, token_hash};
pub use tombstones::ERASED_PERSON;
pub use users::{Commitment, User, check_user_name};

use sqlx::AnyPool;

/// A page of a list, and the cursor for the next page when there is one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Where a list starts and how long it is.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// The id after which to continue (the previous page's `next_cursor`).
    pub after: Option<String>,
    pub limit: u32,
    /// Allow pages up to [`PageRequest::MAX_BULK`].
    pub bulk: bool,
}

impl PageRequest {
    pub const MAX: u32 = 500;

    /// The first page of `limit` items.
    pub fn first(limit: u32) -> Self {
        Self {
            after: None,
            limit,
            bulk: false,
        }
    }

    /// Exports and other bulk readers may take larger pages.
    pub const MAX_BULK: u32 = 5_000;

    pub fn limit(&self) -> i64 {
        i64::from(
            self.limit
                .clamp(1, if self.bulk { Self::MAX_BULK } else { Self::MAX }),
        )
    }
}

/// The register's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    /// Reads (several connections; on SQLite, WAL lets them run beside a writer).
    read: AnyPool,
    /// Writes. On SQLite a single connection, so this process's writers queue
    /// for it instead of meeting SQLITE_BUSY among themselves; on PostgreSQL
    /// the same pool as reads.
    write: AnyPool,
    backend: Backend,
    audit: audit::AuditWriter,
    /// The audit chain's sealing key, from outside the database.
    audit_key: std::sync::Arc<rekisteri_domain::audit_chain::AuditKey>,
    /// The last seal made here; none when opened only to verify.
    seals: Option<std::sync::Arc<audit_seal::SealMemory>>,
    tokens: std::sync::Arc<tokens::TokenCache>,
    settings: std::sync::Arc<logins::SettingCache>,
    people: reader::PersonReader,
    /// How to open another connection to the database (a staged import's).
    connect: sqlx::any::AnyConnectOptions,
}

impl Store {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Appends entries that belong to no write of the store's own (a
    /// refused request), and waits until they are committed.
    pub async fn record_audit(
        &self,
        entries: Vec<rekisteri_domain::audit::AuditEntry>,
    ) -> Result<(), StoreError> {
        self.audit.record(entries).await
    }

    /// Waits until every audit row queued so far is committed.
    pub async fn flush_audit(&self) -> Result<(), StoreError> {
        self.audit.record(Vec::new()).await
    }

    /// Closes the pools after the audit writer has drained.
    pub async fn close(&self) {
        let _ = self.flush_audit().await;
        self.read.close().await;
        self.write.close().await;
    }

    /// For tests and the benchmark floor: the write pool itself.
    pub fn write_pool(&self) -> &AnyPool {
        &self.write
    }

    /// For tests: the read pool itself.
    pub fn read_pool(&self) -> &AnyPool {
        &self.read
    }
}
