//! Retention (R9) for every edge: the schedule changed by the admin, the
//! sweep's preview (a dry run: what has expired today, per policy, with its
//! holds) and the sweep itself, run by the daily job, `rekisteri retention
//! run` and the officer's page alike. A sweep acts through the store's
//! erasure and anonymisation (tombstones, Art. 19 notices as jobs) one
//! record per transaction, each with its sweep item, so a kill -9 leaves
//! nothing half-done and the next run finishes the rest.

use crate::caller::Caller;
use crate::error::ApiError;
use crate::policy::{Access, Resource, allow};
use crate::services::accounts::ADMIN;
use crate::state::AppState;
use rekisteri_domain::audit::{Actor, AuditAction, RecordType};
use rekisteri_domain::ids::SweepId;
use rekisteri_domain::retention::{RetentionAction, RetentionSchedule};
use rekisteri_domain::{Clock, Date, Timestamp};
use rekisteri_store::{
    Applied, Expired, RetentionVersion, Store, StoreError, SweepCounts, SweepRecord,
};
use serde::Serialize;
use utoipa::ToSchema;

/// Stores `schedule` as the retention schedule's new version (the admin's).
pub async fn change_schedule(
    s: &AppState,
    caller: &Caller,
    schedule: &RetentionSchedule,
    expected: Option<i64>,
) -> Result<RetentionVersion, ApiError> {
    allow(caller, Resource::Settings, Access::Write)?;
    let checked = schedule.checked()?;
    Ok(s.store
        .set_retention_schedule(&caller.actor(ADMIN), s.clock.now(), &checked, expected)
        .await?)
}

/// What a sweep run today would do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Preview {
    pub today: Date,
    /// The schedule's version the preview applies.
    pub schedule_version: i64,
    /// Every expired record, policy by policy in the schedule's order;
    /// those with holds are left by the sweep.
    pub items: Vec<Expired>,
    #[schema(value_type = Object)]
    pub counts: SweepCounts,
}

/// The count key of what the sweep does with an item.
fn outcome_key(item: &Expired) -> &'static str {
    if item.holds.is_empty() {
        item.action.code()
    } else {
        "held"
    }
}

fn count(counts: &mut SweepCounts, item: &Expired, key: &str, n: u64) {
    *counts
        .entry(item.category.code().to_string())
        .or_default()
        .entry(key.to_string())
        .or_default() += n;
}

/// The dry run: every policy's expired records on `at`'s day, with holds.
/// Each record about a person is a read of that person, audited as
/// `actor`'s (the page, the API and the CLI show them).
pub async fn preview(store: &Store, actor: &Actor, at: Timestamp) -> Result<Preview, StoreError> {
    let today = at.date();
    let version = store.retention_schedule().await?;
    let mut items = Vec::new();
    for policy in &version.schedule.policies {
        items.extend(store.expired(&version.schedule, policy, today).await?);
    }
    store
        .record_audit(
            items
                .iter()
                .filter_map(|item| {
                    item.person_id.map(|person| {
                        actor.entry(
                            at,
                            AuditAction::Read,
                            RecordType::RetentionRecord,
                            format!("{}:{}", item.record_type, item.record_id),
                            Some(person),
                        )
                    })
                })
                .collect(),
        )
        .await?;
    let mut counts = SweepCounts::new();
    for item in &items {
        count(
            &mut counts,
            item,
            outcome_key(item),
            item.rows.max(1) as u64,
        );
    }
    Ok(Preview {
        today,
        schedule_version: version.version,
        items,
        counts,
    })
}

/// Reports a sweep's progress: (records handled, records found).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// Runs the sweep as `actor`. `daily`: the daily job's day, which one
/// server claims (`None` back when another has); by hand, `None`.
pub async fn sweep(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    daily: Option<Date>,
    progress: Progress<'_>,
) -> Result<Option<SweepRecord>, StoreError> {
    let started = clock.now();
    let version = store.retention_schedule().await?;
    let Some(record) = store
        .start_sweep(actor, started, version.version, daily)
        .await?
    else {
        return Ok(None);
    };
    // The heartbeat goes on a timer beside the work, so one slow record
    // (a person with years of history) never makes the sweep look stale.
    let result = tokio::select! {
        result = sweep_all(store, clock, actor, &version, record.id, progress) => result,
        never = beat(store, clock, record.id) => match never {},
    };
    let (counts, failed) = match &result {
        Ok(counts) => (counts.clone(), false),
        Err(_) => (SweepCounts::new(), true),
    };
    let finished = store
        .finish_sweep(actor, clock.now(), record.id, &counts, failed)
        .await?;
    result.map(|_| Some(finished))
}

/// How often a running sweep writes its counts so far.
const COUNTS_EVERY: usize = 200;

/// How often a running sweep's heartbeat is written; a sweep is taken for
/// interrupted after [`rekisteri_store::SWEEP_STALE_MICROS`] without one.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(30);

/// The sweep's heartbeat, until the sweep ends (the caller drops it). A
/// failed write is tried again at the next beat.
async fn beat(store: &Store, clock: &dyn Clock, sweep: SweepId) -> std::convert::Infallible {
    let mut every = tokio::time::interval(HEARTBEAT);
    every.tick().await;
    loop {
        every.tick().await;
        if let Err(e) = store.sweep_beat(clock.now(), sweep).await {
            tracing::warn!(sweep = %sweep, error = %e, "the sweep's heartbeat was not written");
        }
    }
}

async fn sweep_all(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    version: &RetentionVersion,
    sweep: SweepId,
    progress: Progress<'_>,
) -> Result<SweepCounts, StoreError> {
    let schedule = &version.schedule;
    let mut counts = SweepCounts::new();
    let today = clock.now().date();
    if schedule.end_relationships_automatically {
        end_quiet_relationships(store, clock, actor, schedule, &mut counts).await?;
    }
    let mut items = Vec::new();
    for policy in &schedule.policies {
        items.extend(store.expired(schedule, policy, today).await?);
    }
    let total = items.len() as u64;
    for (done, item) in items.iter().enumerate() {
        if !item.holds.is_empty() {
            count(&mut counts, item, "held", 1);
        } else {
            // One record that fails (a fault the database reports) is
            // counted and left for the next run; the rest go on.
            match store.apply_retention(actor, clock.now(), sweep, item).await {
                Ok(Applied::Done { rows, .. }) => {
                    count(&mut counts, item, item.action.code(), rows.max(1) as u64)
                }
                Ok(Applied::Held(_)) => count(&mut counts, item, "held", 1),
                Ok(Applied::Gone) => {}
                Err(e) => {
                    tracing::error!(sweep = %sweep, record_type = %item.record_type,
                        record_id = %item.record_id, error = %e, "a retention action failed");
                    count(&mut counts, item, "failed", 1);
                }
            }
        }
        if done % COUNTS_EVERY == COUNTS_EVERY - 1 {
            store.sweep_heartbeat(clock.now(), sweep, &counts).await?;
        }
        progress(done as u64 + 1, total);
    }
    Ok(counts)
}

/// The review list's relationships ended by the sweep itself, dated at
/// their last activity (only when the admin turned automatic ending on).
async fn end_quiet_relationships(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    schedule: &RetentionSchedule,
    counts: &mut SweepCounts,
) -> Result<(), StoreError> {
    let now = clock.now();
    let quiet_since = rekisteri_domain::retention::plus_months(
        now.date(),
        -(schedule.review_after_months as i32),
    );
    let reason = format!(
        "Ei toimintaa {0} kuukauteen: päätetty automaattisesti. / No activity for {0} months: ended automatically.",
        schedule.review_after_months
    );
    loop {
        let quiet = store
            .relationship_reviews(actor, now, quiet_since, 1_000)
            .await?;
        if quiet.is_empty() {
            return Ok(());
        }
        let mut failed = 0;
        for review in &quiet {
            let ended = store
                .set_relationship_end(
                    actor,
                    clock.now(),
                    review.person_id,
                    Some((review.last_active_on, &reason)),
                )
                .await;
            let key = match ended {
                Ok(()) => "relationship_ended",
                Err(e) => {
                    tracing::error!(person = %review.person_id, error = %e,
                        "a quiet relationship could not be ended");
                    failed += 1;
                    "relationship_end_failed"
                }
            };
            *counts
                .entry("customer_data".into())
                .or_default()
                .entry(key.into())
                .or_default() += 1;
        }
        // A batch that failed whole would be listed again: the next day's
        // sweep tries those again.
        if failed == quiet.len() {
            return Ok(());
        }
    }
}

/// The action in words for tables (English; the pages translate by code).
pub fn action_words(action: RetentionAction) -> &'static str {
    match action {
        RetentionAction::ErasePerson => "erase the person",
        RetentionAction::Anonymise => "anonymise the person",
        RetentionAction::DeleteRecord => "delete the record",
        RetentionAction::MinimiseAccountingRecord => "minimise the accounting record",
    }
}

/// The preview as CSV (the CLI's `--format csv` and the API's `?format=csv`).
pub fn preview_csv(preview: &Preview) -> Result<String, StoreError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |e: csv::Error| StoreError::Config(format!("the preview's CSV: {e}"));
    out.write_record([
        "category",
        "record_type",
        "record_id",
        "person_id",
        "anchor_on",
        "expires_on",
        "action",
        "rows",
        "holds",
    ])
    .map_err(write)?;
    for item in &preview.items {
        let holds: Vec<&str> = item.holds.iter().map(|h| h.code()).collect();
        out.write_record([
            item.category.code().to_string(),
            item.record_type.clone(),
            item.record_id.clone(),
            item.person_id.map(|p| p.to_string()).unwrap_or_default(),
            item.anchor_on.to_string(),
            item.expires_on.to_string(),
            item.action.code().to_string(),
            item.rows.to_string(),
            holds.join(" "),
        ])
        .map_err(write)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| StoreError::Config(format!("the preview's CSV: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Records (or, with `None`, reopens) the end of a person's customer
/// relationship: staff and the officer (a change of the person).
pub async fn end_relationship(
    s: &AppState,
    caller: &Caller,
    person: rekisteri_domain::ids::PersonId,
    end: Option<&RelationshipEnd>,
) -> Result<(), ApiError> {
    allow(caller, Resource::People, Access::Write)?;
    let at = s.clock.now();
    let parsed = end.map(|e| e.parse(at.date())).transpose()?;
    s.store
        .set_relationship_end(
            &caller.actor(rekisteri_domain::Purpose::RegisterMaintenance),
            at,
            person,
            parsed.as_ref().map(|(d, r)| (*d, r.as_str())),
        )
        .await?;
    Ok(())
}

/// The end of a relationship as a client sends it.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize, ToSchema)]
pub struct RelationshipEnd {
    /// The day it ended (`YYYY-MM-DD`); today when left out. Not in the future.
    pub ended_on: Option<String>,
    /// Why ("the customer closed their account", "no orders since 2023").
    #[schema(required = true, nullable = false)]
    pub reason: Option<String>,
}

impl RelationshipEnd {
    fn parse(&self, today: Date) -> Result<(Date, String), rekisteri_domain::Invalid> {
        use rekisteri_domain::FieldError;
        use rekisteri_domain::values::{Name, parse_field, parse_optional};
        let mut errors = rekisteri_domain::error::Errors::new();
        let on = errors
            .take(parse_optional::<Date>("ended_on", self.ended_on.as_deref()))
            .flatten()
            .unwrap_or(today);
        if on > today {
            errors.push(FieldError::invalid("ended_on", "is in the future"));
        }
        let reason = errors.take(parse_field::<Name>(
            "reason",
            self.reason.as_deref().unwrap_or(""),
        ));
        errors.finish(|| Some((on, reason?.to_string())))
    }
}

/// The review list (the officer's): relationships quiet for the
/// schedule's review period, the quietest first.
pub async fn reviews(
    s: &AppState,
    caller: &Caller,
    limit: i64,
) -> Result<Vec<rekisteri_store::RelationshipReview>, ApiError> {
    allow(caller, Resource::Retention, Access::Read)?;
    let at = s.clock.now();
    let schedule = s.store.retention_schedule().await?.schedule;
    let quiet_since =
        rekisteri_domain::retention::plus_months(at.date(), -(schedule.review_after_months as i32));
    Ok(s.store
        .relationship_reviews(
            &caller.actor(rekisteri_domain::Purpose::RegisterMaintenance),
            at,
            quiet_since,
            limit,
        )
        .await?)
}

/// The officer's answer to a review: the relationship ended (`end`, its
/// day by default the last activity) or it goes on (`None`).
pub async fn answer_review(
    s: &AppState,
    caller: &Caller,
    person: rekisteri_domain::ids::PersonId,
    end: Option<&RelationshipEnd>,
) -> Result<(), ApiError> {
    allow(caller, Resource::Retention, Access::Write)?;
    let actor = caller.actor(rekisteri_domain::Purpose::RegisterMaintenance);
    let at = s.clock.now();
    match end {
        None => Ok(s.store.dismiss_review(&actor, at, person).await?),
        Some(end) => {
            let (on, reason) = end.parse(at.date())?;
            Ok(s.store
                .set_relationship_end(&actor, at, person, Some((on, &reason)))
                .await?)
        }
    }
}
