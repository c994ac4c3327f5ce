//! `/jobs` (issue 13): the admin's view of the job queue — what waits, what
//! runs, what failed and with which error — and the retry of a failed job.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, Query, path_id};
use crate::http::{ListOf, Paging};
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::JobId;
use rekisteri_domain::job::JobState;
use rekisteri_store::JobRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(retry))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct JobQuery {
    /// Only jobs in this state: `pending`, `running`, `done` or `failed`.
    state: Option<String>,
}

/// The queue: the jobs of one page, and how many are in each state.
#[derive(Debug, Serialize, ToSchema)]
struct JobList {
    #[serde(flatten)]
    list: ListOf<JobRecord>,
    /// Jobs in each state, over the whole queue.
    counts: Vec<JobCount>,
}

#[derive(Debug, Serialize, ToSchema)]
struct JobCount {
    state: JobState,
    count: i64,
}

/// List the register's jobs, oldest first (the admin's).
#[utoipa::path(get, path = "/jobs", tag = "jobs", params(JobQuery, Paging),
    responses((status = 200, body = JobList), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<JobQuery>,
    Query(paging): Query<Paging>,
) -> Result<Json<JobList>, ApiError> {
    allow(&caller, Resource::Jobs, Access::Read)?;
    let state =
        match q.state.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(JobState::from_code(raw).ok_or_else(|| {
                ApiError::field("state", "must be pending, running, done or failed")
            })?),
        };
    let list = s.store.jobs(state, &paging.request()?).await?.into();
    let counts = s
        .store
        .job_counts()
        .await?
        .into_iter()
        .map(|(state, count)| JobCount { state, count })
        .collect();
    Ok(Json(JobList { list, counts }))
}

/// Put a failed job back in the queue with its tries anew (audited); a job
/// in any other state is 409 `not_failed`.
#[utoipa::path(post, path = "/jobs/{id}/retry", tag = "jobs", params(("id" = String, Path)),
    responses((status = 200, body = JobRecord), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
async fn retry(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<JobRecord>, ApiError> {
    allow(&caller, Resource::Jobs, Access::Write)?;
    let id: JobId = path_id(&id)?;
    let job = s
        .store
        .retry_job(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            id,
        )
        .await?;
    Ok(Json(job))
}
