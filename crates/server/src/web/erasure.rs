//! The person page's erasure section (R8, R19, R21), for the privacy
//! officer only: what holds the erasure now, an erasure waiting for its
//! holds, the files the person's data was written to (to be destroyed,
//! R21), and the form that erases (a confirmation box, the CSRF field of
//! `Posted`). The form runs the API's store call, which queues the Art. 19
//! notices as jobs; held, the erasure is scheduled and the page shows it.

use super::page::{Page, Posted};
use super::see_other;
use crate::error::ApiError;
use crate::extract::path_id;
use crate::i18n::Locale;
use crate::policy::{Access, Resource, allow};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use rekisteri_domain::Purpose;
use rekisteri_domain::erasure::Hold;
use rekisteri_domain::ids::PersonId;
use rekisteri_store::ErasureOutcome;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/people/{id}/erasure", post(erase))
}

/// What the section shows.
pub struct ErasurePart {
    /// Each hold in the user's language.
    pub holds: Vec<String>,
    /// An erasure waiting for its holds: since when.
    pub scheduled_since: Option<String>,
    /// The files the person's data was written to (R21): each to be
    /// destroyed with the erasure.
    pub copies: Vec<CopyShown>,
    pub csrf: String,
}

/// A file with the person's data in it, as the section lists it.
pub struct CopyShown {
    pub path: String,
    /// What wrote it, when, for what purpose, how many people are in it.
    pub what: String,
}

pub(super) fn hold_text(l: &Locale, hold: &Hold) -> String {
    match hold {
        Hold::OpenInvoice { number, due_on, .. } => format!(
            "{} ({})",
            l.t1("erasure-hold-open-invoice", "number", number),
            l.t1("erasure-due", "date", l.date(due_on))
        ),
        Hold::DebtCollection { number, .. } => {
            l.t1("erasure-hold-debt-collection", "number", number)
        }
        Hold::OrganisationContact {
            organisation_name,
            until,
            ..
        } => {
            let role = l.t1("erasure-hold-contact", "organisation", organisation_name);
            match until {
                Some(until) => format!("{role} ({})", l.t1("erasure-until", "date", l.date(until))),
                None => role,
            }
        }
        Hold::LegalHold {
            reason,
            reference,
            until,
            ..
        } => {
            let hold = format!("{}: {reason} ({reference})", l.t("erasure-hold-legal"));
            match until {
                Some(until) => format!("{hold}, {}", l.t1("erasure-until", "date", l.date(until))),
                None => hold,
            }
        }
    }
}

/// The section, if the user may erase (the privacy officer).
pub async fn load(
    s: &AppState,
    page: &Page,
    person: PersonId,
) -> Result<Option<ErasurePart>, ApiError> {
    if allow(&page.caller, Resource::Erasure, Access::Write).is_err() {
        return Ok(None);
    }
    let now = s.clock.now();
    let holds = s
        .store
        .erasure_holds(
            &page.caller.actor(Purpose::RegisterMaintenance),
            now,
            person,
        )
        .await?;
    let scheduled = s
        .store
        .scheduled_erasure(person)
        .await?
        .filter(|e| e.status == "scheduled");
    let l = &page.l;
    let copies = s
        .store
        .export_copies_of(
            &page.caller.actor(Purpose::RegisterMaintenance),
            now,
            person,
        )
        .await?
        .into_iter()
        .map(|c| CopyShown {
            what: format!(
                "{} · {} · {} · {}",
                l.code("rpt-copy-kind", c.kind.code()),
                l.time(&c.made_at),
                l.code("purpose", c.purpose.code()),
                l.tn("erasure-copy-people", "count", c.people)
            ),
            path: c.path,
        })
        .collect();
    Ok(Some(ErasurePart {
        holds: holds.iter().map(|h| hold_text(&page.l, h)).collect(),
        scheduled_since: scheduled.map(|e| page.l.time(&e.requested_at)),
        copies,
        csrf: page.nav.csrf.clone(),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EraseForm {
    /// The confirmation box: `yes` when ticked.
    confirm: String,
}

/// `POST /people/{id}/erasure`: erased, to the people list; held, back to
/// the person, whose page shows the erasure scheduled.
async fn erase(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted { page, form }: Posted<EraseForm>,
) -> Result<Response, ApiError> {
    allow(&page.caller, Resource::Erasure, Access::Write)?;
    let person: PersonId = path_id(&id)?;
    if form.confirm != "yes" {
        return Err(ApiError::field(
            "confirm",
            page.l.t("erasure-confirm-missing"),
        ));
    }
    let actor = page.caller.actor(Purpose::RegisterMaintenance);
    let at = s.clock.now();
    match s.store.erase_person(&actor, at, person, None).await? {
        ErasureOutcome::Held { .. } => Ok(see_other(&format!("/people/{person}#erasure-h"))),
        // Its Art. 19 notices are jobs, queued in the erasure.
        ErasureOutcome::Erased { .. } => Ok(see_other("/people?erased=1")),
    }
}
