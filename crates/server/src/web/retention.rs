//! `/retention` (R9, R10): the privacy officer's page of what the register
//! keeps and for how long — the next sweep's preview (what has expired
//! today, its anchor and expiry, the action and any hold), the history of
//! sweeps with their counts, a sweep asked for now (a job), the review of
//! relationships that may have ended (confirm or dismiss), and the paper
//! documents an erasure asked to destroy (confirmed with a date). The same
//! services as the API's `/api/v1/retention/…` and `/paper-documents/…`.

use super::erasure::hold_text;
use super::page::{Nav, Page, Posted};
use super::{render, see_other};
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::services::{holds, retention as service};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::{PaperDocumentId, PersonId};
use rekisteri_domain::paper::PaperDocument;
use rekisteri_store::{RelationshipReview, SweepRecord};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/retention", get(show))
        .route("/retention/sweep", post(ask_sweep))
        .route("/retention/review/{person}/confirm", post(confirm))
        .route("/retention/review/{person}/dismiss", post(dismiss))
        .route("/paper-documents/{id}/destroyed", post(destroyed))
}

/// One row of the preview, in the user's language.
struct Row {
    category: String,
    record: String,
    /// The person's page, for a person.
    href: Option<String>,
    anchor_on: String,
    expires_on: String,
    action: String,
    holds: Vec<String>,
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    l: Locale,
    nav: Option<Nav>,
    may_write: bool,
    queued: bool,
    schedule_version: i64,
    rows: Vec<Row>,
    /// Rows left out of the table (the preview lists at most 500).
    more: usize,
    counts: Vec<(String, String, u64)>,
    sweeps: Vec<SweepRecord>,
    reviews: Vec<RelationshipReview>,
    review_after_months: u32,
    paper: Vec<PaperDocument>,
    may_destroy: bool,
}

impl RetentionPage {
    fn more_text(&self) -> String {
        self.l.tn("retention-more", "count", self.more as i64)
    }

    fn review_intro(&self) -> String {
        self.l.tn(
            "retention-review-intro",
            "months",
            i64::from(self.review_after_months),
        )
    }

    fn counts_of(&self, sweep: &SweepRecord) -> String {
        let mut parts = Vec::new();
        for (category, actions) in &sweep.counts {
            for (action, n) in actions {
                parts.push(format!(
                    "{}: {} {n}",
                    self.l.code("retention-category", category),
                    self.l.code("retention-done", action)
                ));
            }
        }
        if parts.is_empty() {
            self.l.t("retention-nothing")
        } else {
            parts.join(" · ")
        }
    }
}

/// The preview table shows this many rows.
const SHOWN: usize = 500;

#[derive(Deserialize)]
struct ShowQuery {
    queued: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    page: Page,
    axum::extract::Query(q): axum::extract::Query<ShowQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Retention, Access::Read)?;
    let now = s.clock.now();
    let l = &page.l;
    let preview = service::preview(
        &s.store,
        &page.caller.actor(Purpose::RegisterMaintenance),
        now,
    )
    .await?;
    let people: Vec<PersonId> = preview
        .items
        .iter()
        .take(SHOWN)
        .filter(|i| i.record_type == "person")
        .filter_map(|i| i.person_id)
        .collect();
    let names = s
        .store
        .people_names(
            &page.caller.actor(Purpose::RegisterMaintenance),
            now,
            &people,
        )
        .await?;
    let rows = preview
        .items
        .iter()
        .take(SHOWN)
        .map(|i| {
            let person = i.person_id.filter(|_| i.record_type == "person");
            Row {
                category: l.code("retention-category", i.category.code()),
                record: match person.and_then(|p| names.get(&p)) {
                    Some(name) => name.clone(),
                    None => format!(
                        "{} {}",
                        l.code("retention-record", &i.record_type),
                        i.record_id
                    ),
                },
                href: person.map(|p| format!("/people/{p}")),
                anchor_on: l.date(&i.anchor_on),
                expires_on: l.date(&i.expires_on),
                action: l.code("retention-done", i.action.code()),
                holds: i.holds.iter().map(|h| hold_text(l, h)).collect(),
            }
        })
        .collect();
    let counts = preview
        .counts
        .iter()
        .flat_map(|(category, actions)| {
            actions.iter().map(move |(action, n)| {
                (
                    l.code("retention-category", category),
                    l.code("retention-done", action),
                    *n,
                )
            })
        })
        .collect();
    let schedule = s.store.retention_schedule().await?.schedule;
    let reviews = service::reviews(&s, &page.caller, 200).await?;
    let may_destroy = allow(&page.caller, Resource::Erasure, Access::Read).is_ok();
    let paper = if may_destroy {
        crate::services::holds::to_destroy(&s, &page.caller).await?
    } else {
        Vec::new()
    };
    render(&RetentionPage {
        nav: Some(page.nav("retention")),
        may_write: allow(&page.caller, Resource::Retention, Access::Write).is_ok(),
        queued: q.queued.is_some(),
        schedule_version: preview.schedule_version,
        more: preview.items.len().saturating_sub(SHOWN),
        rows,
        counts,
        sweeps: s.store.sweeps(now, 30).await?,
        reviews,
        review_after_months: schedule.review_after_months,
        paper,
        may_destroy,
        l: page.l,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Nothing {}

async fn ask_sweep(
    State(s): State<AppState>,
    Posted { page, .. }: Posted<Nothing>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Retention, Access::Write)?;
    s.store.queue_sweep(s.clock.now(), None).await?;
    Ok(see_other("/retention?queued=1"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfirmForm {
    ended_on: String,
    reason: String,
}

async fn confirm(
    State(s): State<AppState>,
    Path(person): Path<String>,
    Posted { page, form }: Posted<ConfirmForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Retention, Access::Write)?;
    let person: PersonId = path_id(&person)?;
    let end = service::RelationshipEnd {
        ended_on: Some(form.ended_on),
        reason: Some(form.reason),
    };
    service::answer_review(&s, &page.caller, person, Some(&end)).await?;
    Ok(see_other("/retention#review-h"))
}

async fn dismiss(
    State(s): State<AppState>,
    Path(person): Path<String>,
    Posted { page, .. }: Posted<Nothing>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Retention, Access::Write)?;
    let person: PersonId = path_id(&person)?;
    service::answer_review(&s, &page.caller, person, None).await?;
    Ok(see_other("/retention#review-h"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DestroyedForm {
    destroyed_on: String,
}

async fn destroyed(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<DestroyedForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Erasure, Access::Write)?;
    let id: PaperDocumentId = path_id(&id)?;
    holds::confirm_destroyed(&s, &page.caller, id, Some(&form.destroyed_on)).await?;
    Ok(see_other("/retention#paper-h"))
}
