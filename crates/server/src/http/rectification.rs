//! `POST /requests/{id}/rectify` (R17): the officer's corrections of a
//! verified rectification case, then the notices: to the source of each
//! wrong value and to every recipient the person's data was disclosed to
//! (Art. 19), by email where an address is known, else as printable
//! letters in the outbox. Sources that are the person themself or our own
//! staff are recorded in the case, not written to.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, JsonBody, path_id};
use crate::letters;
use crate::policy::{Access, Resource, allow};
use crate::services::requests::{CaseView, PURPOSE};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use rekisteri_domain::Source;
use rekisteri_domain::controller::RegisterDetails;
use rekisteri_domain::ids::RequestId;
use rekisteri_domain::mail::{Addressee, Letter};
use rekisteri_domain::rectification::{CorrectionDraft, parse_corrections};
use rekisteri_store::Rectified;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(rectify))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
struct RectifyBody {
    #[serde(default)]
    corrections: Vec<CorrectionDraft>,
}

/// A notice sent (or written for printing).
#[derive(Debug, Serialize, ToSchema)]
struct Notice {
    /// `source` or `recipient`.
    to_whom: &'static str,
    /// `email` or `letter`.
    by: &'static str,
    /// The email address, or the letter's addressee.
    address: String,
}

#[derive(Debug, Serialize, ToSchema)]
struct RectifyAnswer {
    request: CaseView,
    notices: Vec<Notice>,
}

/// Correct, delete or complete the person's data as the rectification
/// case asks; the source of each wrong value and every recipient of the
/// person's data are told at once.
#[utoipa::path(post, path = "/requests/{id}/rectify", tag = "requests", params(("id" = RequestId, Path)),
    request_body = RectifyBody,
    responses((status = 200, body = RectifyAnswer), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn rectify(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<RectifyBody>,
) -> Result<Json<RectifyAnswer>, ApiError> {
    allow(&caller, Resource::Requests, Access::Write)?;
    allow(&caller, Resource::People, Access::Write)?;
    let corrections = parse_corrections(&body.corrections)?;
    let actor = caller.actor(PURPOSE);
    let now = s.clock.now();
    let register = s.register().await;
    // The notices are written with the corrections, in their transaction.
    let rectified = s
        .store
        .rectify_writing(&actor, now, path_id(&id)?, corrections, |rectified| {
            let (letters, note) = notices_of(&register, rectified);
            (letters.into_iter().map(|(_, l)| l).collect(), Some(note))
        })
        .await?;
    let (letters, _) = notices_of(&register, &rectified);
    let notices = letters
        .into_iter()
        .map(|(to_whom, letter)| {
            let (by, address) = match letter.to {
                Addressee::Email(a) => ("email", a),
                Addressee::Letter(a) => ("letter", a),
            };
            Notice {
                to_whom,
                by,
                address,
            }
        })
        .collect();
    Ok(Json(RectifyAnswer {
        request: CaseView::of(rectified.case, now.date()),
        notices,
    }))
}

/// The notices a rectification owes — to each outside source of a wrong
/// value, and to each recipient of corrected data — and the case's note
/// on them (which sources were ours or the person's, not written to).
fn notices_of(
    register: &RegisterDetails,
    rectified: &Rectified,
) -> (Vec<(&'static str, Letter)>, String) {
    let mut out = Vec::new();
    let mut internal = Vec::new();
    for (source, corrections) in &rectified.sources {
        if matches!(
            source.source,
            Source::OwnNotice | Source::Registration | Source::StaffEntry
        ) {
            internal.push(source.source.code());
        } else {
            let letter = letters::rectification_to_source(register, rectified, source, corrections);
            out.push(("source", letter));
        }
    }
    for recipient in &rectified.recipients {
        if let Some(letter) = letters::rectification_to_recipient(register, rectified, recipient) {
            out.push(("recipient", letter));
        }
    }
    let mut note = format!(
        "rectification notices: {} to sources, {} to recipients",
        out.iter().filter(|(w, _)| *w == "source").count(),
        out.iter().filter(|(w, _)| *w == "recipient").count()
    );
    if !internal.is_empty() {
        note.push_str(&format!(
            "; not written to (the person or our staff): {}",
            internal.join(", ")
        ));
    }
    (out, note)
}
