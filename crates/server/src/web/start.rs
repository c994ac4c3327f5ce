//! The start page (the user's upcoming meetings and actions, or everyone's;
//! the register's recent changes; a search box) and search, whose results
//! follow the typing when htmx runs and come with the form's GET otherwise.

use super::page::{Nav, Page};
use super::render;
use crate::error::ApiError;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use rekisteri_domain::audit::{AuditAction, RecordType};
use rekisteri_domain::ids::PersonId;
use rekisteri_domain::note::{Note, NoteKind};
use rekisteri_domain::search::{SearchHit, SearchHitKind};
use rekisteri_domain::{Purpose, Timestamp};
use rekisteri_store::{AuditFilter, AuditRecord, NoteFilter, PageRequest};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(start))
        .route("/search", get(search))
}

/// An upcoming meeting or action, with the name of whom it is about.
pub struct Upcoming {
    pub note: Note,
    pub person: Option<String>,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    l: Locale,
    nav: Option<Nav>,
    everyone: bool,
    upcoming: Vec<Upcoming>,
    changes: Vec<Change>,
}

/// A recent change, with the name of the person it concerns.
pub struct Change {
    pub record: AuditRecord,
    pub person: Option<String>,
}

#[derive(Deserialize)]
struct StartQuery {
    /// `all`: everyone's upcoming events, not only the user's.
    who: Option<String>,
}

/// How far ahead the start page looks.
const AHEAD_DAYS: i64 = 30;

async fn start(
    State(s): State<AppState>,
    page: Page,
    Query(q): Query<StartQuery>,
) -> Result<Response, ApiError> {
    if allow(&page.caller, Resource::Notes, Access::Read).is_err()
        && allow(&page.caller, Resource::People, Access::Read).is_ok()
    {
        // The partner has no meetings or notes: their start is the people list.
        return Ok(super::see_other("/people"));
    }
    allow(&page.caller, Resource::Notes, Access::Read)?;
    let now = s.clock.now();
    let everyone = q.who.as_deref() == Some("all");
    let actor = page.caller.actor(Purpose::CustomerRelationship);
    let filter = NoteFilter {
        kinds: vec![NoteKind::Action, NoteKind::Meeting],
        assigned_to: (!everyone).then(|| page.user().id.to_string()),
        due_before: Some(now.plus_micros(AHEAD_DAYS * 86_400_000_000)),
        open_only: true,
        ..NoteFilter::default()
    };
    let request = PageRequest {
        after: None,
        limit: 200,
        bulk: false,
    };
    let mut notes = s
        .store
        .list_notes(&actor, now, &filter, &request)
        .await?
        .items;
    notes.sort_by_key(|n| n.due_at);
    notes.truncate(30);
    let upcoming = with_names(&s, &actor, now, notes).await?;
    let changes = s
        .store
        .audit_entries(&AuditFilter {
            actions: vec![
                AuditAction::Create,
                AuditAction::Update,
                AuditAction::Delete,
                AuditAction::Import,
            ],
            // The register's records only: account changes are the
            // administrator's and the privacy officer's to see.
            record_types: vec![
                RecordType::Person,
                RecordType::Organisation,
                RecordType::Link,
                RecordType::Order,
                RecordType::Invoice,
                RecordType::Note,
            ],
            limit: 12,
            ..AuditFilter::default()
        })
        .await?;
    let ids: Vec<PersonId> = changes
        .iter()
        .filter_map(|c| c.person_id.as_deref().and_then(|p| p.parse().ok()))
        .collect();
    let names = s.store.people_names(&actor, now, &ids).await?;
    let changes = changes
        .into_iter()
        .map(|record| Change {
            person: record
                .person_id
                .as_deref()
                .and_then(|p| p.parse::<PersonId>().ok())
                .and_then(|p| names.get(&p).cloned()),
            record,
        })
        .collect();
    render(&StartPage {
        nav: Some(page.nav("start")),
        l: page.l,
        everyone,
        upcoming,
        changes,
    })
}

/// The notes, each with the name of the person it is about.
pub async fn with_names(
    s: &AppState,
    actor: &rekisteri_domain::audit::Actor,
    now: Timestamp,
    notes: Vec<Note>,
) -> Result<Vec<Upcoming>, ApiError> {
    let ids: Vec<PersonId> = notes.iter().filter_map(|n| n.person_id).collect();
    let names: HashMap<PersonId, String> = s.store.people_names(actor, now, &ids).await?;
    Ok(notes
        .into_iter()
        .map(|note| Upcoming {
            person: note.person_id.and_then(|p| names.get(&p).cloned()),
            overdue: note.due_at.is_some_and(|d| d < now),
            note,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    l: Locale,
    nav: Option<Nav>,
    q: String,
    hits: Vec<SearchHit>,
}

#[derive(Template)]
#[template(path = "search_results.html")]
struct SearchResults {
    l: Locale,
    q: String,
    hits: Vec<SearchHit>,
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn search(
    State(s): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Search, Access::Read)?;
    let words: String = q.q.unwrap_or_default().chars().take(200).collect();
    let hits = if words.trim().is_empty() {
        Vec::new()
    } else {
        s.store
            .search(
                &page.caller.actor(Purpose::CustomerRelationship),
                s.clock.now(),
                &words,
                30,
                &[
                    SearchHitKind::Person,
                    SearchHitKind::Organisation,
                    SearchHitKind::Note,
                ],
                !crate::policy::finds_restricted(&page.caller.user),
            )
            .await?
    };
    // htmx asks for the results only, as the user types.
    if headers.contains_key("hx-request") && !headers.contains_key("hx-boosted") {
        return render(&SearchResults {
            l: page.l,
            q: words,
            hits,
        });
    }
    render(&SearchPage {
        nav: Some(page.nav("search")),
        l: page.l,
        q: words,
        hits,
    })
}

/// Where a search hit leads.
pub fn hit_link(hit: &SearchHit) -> String {
    match hit.kind {
        SearchHitKind::Person => format!("/people/{}", hit.id),
        SearchHitKind::Organisation => format!("/organisations/{}", hit.id),
        SearchHitKind::Note => match hit.person_id {
            Some(p) => format!("/people/{p}#note-{}", hit.id),
            None => format!("/notes/{}/edit", hit.id),
        },
    }
}

/// Where an audited record leads, if it has a page.
pub fn record_link(r: &AuditRecord) -> Option<String> {
    match r.record_type.as_str() {
        "person" => Some(format!("/people/{}", r.record_id)),
        "organisation" => Some(format!("/organisations/{}", r.record_id)),
        _ => r.person_id.as_ref().map(|p| format!("/people/{p}")),
    }
}
