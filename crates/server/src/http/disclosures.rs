//! `/disclosures` and `/people/{id}/disclosures` (R6): the API's way of
//! passing data to a recipient. `POST` reads the chosen categories and
//! records the disclosure in one transaction, and answers both: there is no
//! other way for data to leave through the API to a third party.

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, JsonBody, path_id};
use crate::policy::{Access, Resource, allow};
use crate::services::disclosures::{DisclosureMade, disclosure_error};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rekisteri_domain::Purpose;
use rekisteri_domain::disclosure::{Disclosure, DisclosureChannel, DisclosureDraft};
use rekisteri_domain::ids::{DisclosureId, PersonId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(read))
        .routes(routes!(of_person))
}

/// Disclose the chosen categories of these people to a recipient (R6). The
/// answer holds the record made and the data to send. Refused with nothing
/// recorded: a recipient outside the EU/EEA without a safeguard in force, or
/// a retired one (422, `no_safeguard`, `safeguard_not_in_force`,
/// `recipient_retired`, field `recipient_id`, R7); a person whose processing
/// is restricted (409, `restricted`, R18).
#[utoipa::path(post, path = "/disclosures", tag = "disclosures", request_body = DisclosureDraft,
    responses((status = 201, body = DisclosureMade), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(draft): JsonBody<DisclosureDraft>,
) -> Result<impl IntoResponse, ApiError> {
    allow(&caller, Resource::Disclosures, Access::Write)?;
    let new = draft.parse()?;
    let (disclosure, data) = s
        .store
        .disclose(
            &caller.actor(new.purpose),
            s.clock.now(),
            DisclosureChannel::Api,
            new,
        )
        .await
        .map_err(disclosure_error)?;
    Ok((
        StatusCode::CREATED,
        Json(DisclosureMade { disclosure, data }),
    ))
}

/// One disclosure with every record it sent.
#[utoipa::path(get, path = "/disclosures/{id}", tag = "disclosures", params(("id" = DisclosureId, Path)),
    responses((status = 200, body = Disclosure), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Disclosure>, ApiError> {
    allow(&caller, Resource::Disclosures, Access::Read)?;
    Ok(Json(
        s.store
            .get_disclosure(
                &caller.actor(Purpose::RegisterMaintenance),
                s.clock.now(),
                path_id(&id)?,
            )
            .await?,
    ))
}

/// Every disclosure of the person's data, newest first, with the person's
/// own records sent (GDPR 15(1)(c), 19).
#[utoipa::path(get, path = "/people/{id}/disclosures", tag = "disclosures", params(("id" = PersonId, Path)),
    responses((status = 200, body = Vec<Disclosure>)), security(("bearer" = [])))]
async fn of_person(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Disclosure>>, ApiError> {
    allow(&caller, Resource::Disclosures, Access::Read)?;
    Ok(Json(
        s.store
            .disclosures_of_person(
                &caller.actor(Purpose::RegisterMaintenance),
                s.clock.now(),
                path_id(&id)?,
            )
            .await?,
    ))
}
