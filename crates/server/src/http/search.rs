//! `/search?q=`: people, organisations and notes (B6), Finnish and English.

use crate::error::ApiError;
use crate::extract::Caller;
use crate::extract::Query;
use crate::policy::{Access, Resource, allow, finds_restricted};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use rekisteri_domain::Purpose;
use rekisteri_domain::search::{SearchHit, SearchHitKind};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// Words to find (required); each matches as a prefix (`Virtane` finds Virtanen).
    #[param(required = true, min_length = 1, max_length = 200)]
    q: Option<String>,
    /// Comma-separated: person, organisation, note. Default: all.
    kinds: Option<String>,
    /// 1–100; default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Search names, organisations, email addresses and notes.
#[utoipa::path(get, path = "/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = Vec<SearchHit>)), security(("bearer" = [])))]
async fn search(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Vec<SearchHit>>, ApiError> {
    allow(&caller, Resource::Search, Access::Read)?;
    let kinds = match q.kinds.as_deref() {
        None | Some("") => vec![
            SearchHitKind::Person,
            SearchHitKind::Organisation,
            SearchHitKind::Note,
        ],
        Some(list) => list
            .split(',')
            .map(|k| match k.trim() {
                "person" => Ok(SearchHitKind::Person),
                "organisation" => Ok(SearchHitKind::Organisation),
                "note" => Ok(SearchHitKind::Note),
                _ => Err(ApiError::field(
                    "kinds",
                    "must list person, organisation or note",
                )),
            })
            .collect::<Result<_, _>>()?,
    };
    let words =
        q.q.as_deref()
            .ok_or_else(|| ApiError::field("q", "is required"))?;
    if words.trim().is_empty() {
        return Err(ApiError::field("q", "must name a word to find"));
    }
    if words.chars().count() > 200 {
        return Err(ApiError::field("q", "must be at most 200 characters"));
    }
    if q.limit.is_some_and(|n| !(1..=100).contains(&n)) {
        return Err(ApiError::field("limit", "must be between 1 and 100"));
    }
    let hits = s
        .store
        .search(
            &caller.actor(Purpose::CustomerRelationship),
            s.clock.now(),
            words,
            q.limit.unwrap_or(20),
            &kinds,
            !finds_restricted(&caller.user),
        )
        .await?;
    Ok(Json(hits))
}
