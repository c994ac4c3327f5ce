//! `/audit`: the privacy officer's view of the audit log (B1) — filtered by
//! user, record, action and dates (in the interface's time zone), newest
//! first, paged by sequence number — and the check of its hash chain
//! (`?verify=1`, as `GET /audit/verify`).

use super::page::{Nav, Page};
use super::render;
use crate::error::ApiError;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use rekisteri_domain::audit::AuditAction;
use rekisteri_domain::values::Parse;
use rekisteri_domain::{Date, Timestamp};
use rekisteri_store::{AuditFilter, AuditRecord};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(audit))
}

/// The record types the log names (`record-*` messages).
const RECORD_TYPES: [&str; 11] = [
    "person",
    "organisation",
    "link",
    "order",
    "invoice",
    "note",
    "user",
    "session",
    "token",
    "setting",
    "route",
];

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
struct AuditQuery {
    user: String,
    record_type: String,
    record_id: String,
    action: String,
    from: String,
    to: String,
    before_seq: Option<i64>,
    verify: Option<String>,
}

/// The result of walking the hash chain.
pub struct Verified {
    pub entries: u64,
    pub broken: Option<(i64, String)>,
}

impl Verified {
    pub fn count(&self) -> i64 {
        i64::try_from(self.entries).unwrap_or(i64::MAX)
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Locale,
    nav: Option<Nav>,
    users: Vec<(String, String)>,
    record_types: &'static [&'static str],
    actions: Vec<&'static str>,
    q: AuditQuery,
    entries: Vec<AuditRecord>,
    /// The query string of the next (older) page.
    older: Option<String>,
    verified: Option<Verified>,
    date_error: bool,
}

fn some(raw: &str) -> Option<String> {
    Some(raw.trim().to_string()).filter(|v| !v.is_empty())
}

/// The start of a day in the interface's time zone.
fn day_start(l: &Locale, date: Date) -> Option<Timestamp> {
    let zoned = date
        .to_jiff()
        .at(0, 0, 0, 0)
        .to_zoned_datetime((*l.tz).clone())
        .ok()?;
    Some(Timestamp::from_jiff(zoned.timestamp()))
}

fn date_bound(l: &Locale, raw: &str, next_day: bool) -> Result<Option<Timestamp>, ()> {
    match some(raw) {
        None => Ok(None),
        Some(raw) => {
            let date = Date::parse(&raw).map_err(|_| ())?;
            let date = if next_day { date.plus_days(1) } else { date };
            day_start(l, date).map(Some).ok_or(())
        }
    }
}

async fn audit(
    State(s): State<AppState>,
    page: Page,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Audit, Access::Read)?;
    let l = &page.l;
    let from = date_bound(l, &q.from, false);
    let before = date_bound(l, &q.to, true);
    let date_error = from.is_err() || before.is_err();
    let filter = AuditFilter {
        user_id: some(&q.user),
        record_type: some(&q.record_type),
        record_types: Vec::new(),
        record_id: some(&q.record_id),
        person_id: None,
        actions: AuditAction::from_code(q.action.trim())
            .into_iter()
            .collect(),
        from: from.unwrap_or_default(),
        before: before.unwrap_or_default(),
        before_seq: q.before_seq,
        limit: PAGE_SIZE,
    };
    let entries = s.store.audit_entries(&filter).await?;
    let older = match entries.last() {
        Some(last) if entries.len() as i64 == PAGE_SIZE => Some(
            serde_urlencoded::to_string([
                ("user", q.user.as_str()),
                ("record_type", q.record_type.as_str()),
                ("record_id", q.record_id.as_str()),
                ("action", q.action.as_str()),
                ("from", q.from.as_str()),
                ("to", q.to.as_str()),
                ("before_seq", &last.seq.to_string()),
            ])
            .map_err(|_| ApiError::Internal)?,
        ),
        _ => None,
    };
    let verified = if q.verify.is_some() {
        let report = crate::services::audit_chain::verify(&s).await?;
        Some(Verified {
            entries: report.entries,
            broken: report.first_broken,
        })
    } else {
        None
    };
    let users = s
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.name))
        .collect();
    render(&AuditPage {
        l: page.l.clone(),
        nav: Some(page.nav("audit")),
        users,
        record_types: &RECORD_TYPES,
        actions: AuditAction::ALL.iter().map(|a| a.code()).collect(),
        q,
        entries,
        older,
        verified,
        date_error,
    })
}
