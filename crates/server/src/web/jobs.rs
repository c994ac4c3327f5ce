//! `/admin/jobs` (issue 13): the job queue as the admin sees it — how many
//! jobs wait, run, are done or failed, each job's tries and last error —
//! and a failed job retried. The same policy and store calls as the API's
//! `/api/v1/jobs`.

use super::page::{Nav, Page, Posted};
use super::{render, see_other};
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::JobId;
use rekisteri_domain::job::JobState;
use rekisteri_store::{JobRecord, PageRequest};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/jobs", get(list))
        .route("/admin/jobs/{id}/retry", post(retry))
}

#[derive(Template)]
#[template(path = "admin_jobs.html")]
struct JobsPage {
    l: Locale,
    nav: Option<Nav>,
    counts: Vec<(&'static str, i64)>,
    jobs: Vec<JobRecord>,
    /// The state shown, or empty for all.
    filter: String,
    retried: bool,
}

impl JobsPage {
    fn state_label(&self, code: &str) -> String {
        self.l.t(&format!("job-state-{code}"))
    }

    fn kind_label(&self, kind: &str) -> String {
        self.l.t(&format!("job-kind-{kind}"))
    }

    fn shows(&self, code: &str) -> bool {
        self.filter == code
    }
}

#[derive(Deserialize)]
struct ListQuery {
    state: Option<String>,
    retried: Option<String>,
}

/// The newest jobs first would hide the oldest failure: the list runs
/// oldest first, as the queue does.
async fn list(
    State(s): State<AppState>,
    page: Page,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Jobs, Access::Read)?;
    let state = q.state.as_deref().and_then(JobState::from_code);
    let jobs = s
        .store
        .jobs(state, &PageRequest::first(PageRequest::MAX))
        .await?
        .items;
    let counts = s
        .store
        .job_counts()
        .await?
        .into_iter()
        .map(|(state, n)| (state.code(), n))
        .collect();
    render(&JobsPage {
        nav: Some(page.nav("jobs")),
        l: page.l,
        counts,
        jobs,
        filter: state.map(|s| s.code().to_string()).unwrap_or_default(),
        retried: q.retried.is_some(),
    })
}

#[derive(Deserialize)]
struct RetryForm {}

async fn retry(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted {
        page,
        form: RetryForm {},
    }: Posted<RetryForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Jobs, Access::Write)?;
    let id: JobId = path_id(&id)?;
    s.store
        .retry_job(
            &page.caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            id,
        )
        .await?;
    Ok(see_other("/admin/jobs?retried=1"))
}
