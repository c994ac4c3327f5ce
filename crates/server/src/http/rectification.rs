//! `POST /requests/{id}/rectify` (R17): the officer's corrections of a
//! verified rectification case, then the notices: to the source of each
//! wrong value and to every recipient the person's data was disclosed to
//! (Art. 19), by email where an address is known, else as printable
//! letters in the outbox. Sources that are the person themself or our own
//! staff are recorded in the case, not written to.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, JsonBody, path_id};
use crate::letters;
use crate::mail::{Addressee, Mail};
use crate::policy::{Access, Resource, allow};
use crate::services::requests::{CaseView, PURPOSE};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use rekisteri_domain::Source;
use rekisteri_domain::ids::RequestId;
use rekisteri_domain::rectification::{CorrectionDraft, parse_corrections};
use rekisteri_store::CaseChange;
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
    let rectified = s
        .store
        .rectify(&actor, now, path_id(&id)?, corrections)
        .await?;
    let mut mails: Vec<(&'static str, Mail)> = Vec::new();
    let mut internal = Vec::new();
    for (source, corrections) in &rectified.sources {
        if matches!(
            source.source,
            Source::OwnNotice | Source::Registration | Source::StaffEntry
        ) {
            internal.push(source.source.code());
        } else {
            let mail =
                letters::rectification_to_source(&s.register, &rectified, source, corrections);
            mails.push(("source", mail));
        }
    }
    for recipient in &rectified.recipients {
        if let Some(mail) = letters::rectification_to_recipient(&s.register, &rectified, recipient)
        {
            mails.push(("recipient", mail));
        }
    }
    let mut notices = Vec::new();
    for (to_whom, mail) in mails {
        s.mailer.send(&mail, now).await.map_err(|error| {
            tracing::error!(%error, request = %rectified.case.id, "a rectification notice could not be sent");
            ApiError::Internal
        })?;
        let (by, address) = match &mail.to {
            Addressee::Email(a) => ("email", a.clone()),
            Addressee::Letter(a) => ("letter", a.clone()),
        };
        notices.push(Notice {
            to_whom,
            by,
            address,
        });
    }
    let mut note = format!(
        "rectification notices: {} to sources, {} to recipients",
        notices.iter().filter(|n| n.to_whom == "source").count(),
        notices.iter().filter(|n| n.to_whom == "recipient").count()
    );
    if !internal.is_empty() {
        note.push_str(&format!(
            "; not written to (the person or our staff): {}",
            internal.join(", ")
        ));
    }
    let case = s
        .store
        .change_request(
            &actor,
            now,
            rectified.case.id,
            None,
            CaseChange::Notified { note },
        )
        .await?;
    Ok(Json(RectifyAnswer {
        request: CaseView::of(case, now.date()),
        notices,
    }))
}
