//! The person page's keeping section (R8, R9, R10): the customer
//! relationship's end (recorded with a date and a reason, or reopened), the
//! legal holds on the person (the privacy officer places and ends them; the
//! admin reads them), and the paper documents kept about them (staff record
//! them). The forms run the same services as the API.

use super::page::{Page, Posted};
use super::see_other;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::policy::{Access, Resource, allow};
use crate::services::{holds, retention};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use rekisteri_domain::Purpose;
use rekisteri_domain::ids::{LegalHoldId, PersonId};
use rekisteri_domain::legal_hold::{LegalHold, LegalHoldDraft};
use rekisteri_domain::paper::{PaperDocument, PaperDocumentDraft};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/people/{id}/relationship-end", post(relationship))
        .route("/people/{id}/legal-holds", post(place))
        .route("/people/{id}/legal-holds/{hold}/end", post(end))
        .route("/people/{id}/paper-documents", post(add_paper))
}

/// What the section shows.
pub struct KeepingPart {
    pub csrf: String,
    /// May record or reopen the relationship's end (staff, officer, admin).
    pub may_end: bool,
    /// The legal holds, when the user may read them, each with whether it
    /// is in force today.
    pub holds: Option<Vec<(LegalHold, bool)>>,
    pub may_hold: bool,
    /// The paper documents, when the user may read them.
    pub paper: Option<Vec<PaperDocument>>,
    pub may_paper: bool,
    pub today: String,
}

pub async fn load(s: &AppState, page: &Page, person: PersonId) -> Result<KeepingPart, ApiError> {
    let now = s.clock.now();
    let actor = page.caller.actor(Purpose::RegisterMaintenance);
    let holds = match allow(&page.caller, Resource::LegalHolds, Access::Read) {
        Ok(()) => Some(
            s.store
                .legal_holds(&actor, now, person)
                .await?
                .into_iter()
                .map(|h| {
                    let in_force = h.in_force(now.date());
                    (h, in_force)
                })
                .collect(),
        ),
        Err(_) => None,
    };
    let paper = match allow(&page.caller, Resource::PaperDocuments, Access::Read) {
        Ok(()) => Some(s.store.paper_documents(&actor, now, person).await?),
        Err(_) => None,
    };
    Ok(KeepingPart {
        csrf: page.nav.csrf.clone(),
        may_end: allow(&page.caller, Resource::People, Access::Write).is_ok(),
        holds,
        may_hold: allow(&page.caller, Resource::LegalHolds, Access::Write).is_ok(),
        paper,
        may_paper: allow(&page.caller, Resource::PaperDocuments, Access::Write).is_ok(),
        today: now.date().to_string(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RelationshipForm {
    ended_on: String,
    reason: String,
    /// `yes`: reopen instead.
    reopen: String,
}

async fn relationship(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<RelationshipForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::People, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let end = retention::RelationshipEnd {
        ended_on: Some(form.ended_on),
        reason: Some(form.reason),
    };
    let end = (form.reopen != "yes").then_some(&end);
    retention::end_relationship(&s, &page.caller, person, end).await?;
    Ok(see_other(&format!("/people/{person}#keeping-h")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HoldForm {
    reason: String,
    reference: String,
    ends_on: String,
}

async fn place(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<HoldForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::LegalHolds, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let draft = LegalHoldDraft {
        reason: Some(form.reason),
        reference: Some(form.reference),
        ends_on: Some(form.ends_on),
    };
    holds::place(&s, &page.caller, person, &draft).await?;
    Ok(see_other(&format!("/people/{person}#keeping-h")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Nothing {}

async fn end(
    State(s): State<AppState>,
    Path((id, hold)): Path<(String, String)>,
    Posted { page, .. }: Posted<Nothing>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::LegalHolds, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let hold: LegalHoldId = path_id(&hold)?;
    holds::end(&s, &page.caller, person, hold).await?;
    Ok(see_other(&format!("/people/{person}#keeping-h")))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PaperForm {
    kind: String,
    dated_on: String,
    location: String,
    keeper: String,
}

async fn add_paper(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<PaperForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::PaperDocuments, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    let draft = PaperDocumentDraft {
        kind: Some(form.kind),
        dated_on: Some(form.dated_on),
        location: Some(form.location),
        keeper: Some(form.keeper),
    };
    holds::add_paper(&s, &page.caller, person, &draft).await?;
    Ok(see_other(&format!("/people/{person}#keeping-h")))
}
