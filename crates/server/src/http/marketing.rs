//! Marketing lists (R15, R18, R21) and the purposes of processing (R2).
//! `GET /marketing/audience` streams exactly the people who may be
//! contacted; the caller must name the purpose of the export (`X-Purpose`),
//! and the store audits the export before the first row leaves.

use super::permissions::parse_channel_purpose;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, JsonBody, Query};
use crate::policy::{Access, Resource, allow};
use crate::services::marketing::{Audience, csv_body, json_body, start_export};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rekisteri_domain::Purpose;
use rekisteri_domain::Timestamp;
use rekisteri_domain::purpose::LegalBasis;
use rekisteri_domain::values::{Parse, parse_field};
use rekisteri_store::PurposeSetting;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(audience))
        .routes(routes!(purposes))
        .routes(routes!(set_purpose))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct AudienceQuery {
    /// `email`, `sms`, `phone` or `letter`.
    channel: Option<String>,
    /// The marketing purpose: `direct_marketing`, `distance_selling`,
    /// `market_research` or `targeted_content`.
    purpose: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

enum Format {
    Json,
    Csv,
}

/// The people who may be contacted by `channel` for `purpose`: permission
/// state, B2B/B2C defaults, prohibitions, restriction and erasure honoured
/// (R15, R18, R21). `X-Purpose` must name the purpose of the export (R2);
/// the export is audited with it.
#[utoipa::path(get, path = "/marketing/audience", tag = "marketing",
    params(AudienceQuery,
           ("X-Purpose" = String, Header, description = "Required: the purpose of processing the list is exported for (R2), one in use")),
    responses((status = 200, body = Audience, description = "JSON, or CSV with format=csv"),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn audience(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<AudienceQuery>,
) -> Result<Response, ApiError> {
    allow(&caller, Resource::Audience, Access::Read)?;
    let (channel, purpose) = parse_channel_purpose(q.channel.as_deref(), q.purpose.as_deref())?;
    let format = match q.format.as_deref() {
        None | Some("json") => Format::Json,
        Some("csv") => Format::Csv,
        Some(_) => return Err(ApiError::field("format", "must be json or csv")),
    };
    let Some(processing) = caller.purpose else {
        return Err(ApiError::field(
            "X-Purpose",
            "is required: name the purpose of processing this list is exported for (R2)",
        ));
    };
    let now = s.clock.now();
    let actor = caller.actor(processing);
    let (first, rx, task) = start_export(s.store.clone(), actor, now, channel, purpose).await?;
    let name = format!("audience-{channel}-{purpose}");
    let (content_type, file, body) = match format {
        Format::Json => (
            "application/json",
            format!("{name}.json"),
            json_body(channel, purpose, now, first, rx, task),
        ),
        Format::Csv => (
            "text/csv; charset=utf-8",
            format!("{name}.csv"),
            csv_body(first, rx, task),
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// A purpose of processing and its legal basis (R2).
#[derive(Debug, Serialize, ToSchema)]
pub struct PurposeView {
    pub code: Purpose,
    pub legal_basis: LegalBasis,
    /// A purpose not in use cannot be named (`X-Purpose`).
    pub in_use: bool,
    pub updated_at: Option<Timestamp>,
}

impl From<PurposeSetting> for PurposeView {
    fn from(p: PurposeSetting) -> Self {
        Self {
            code: p.purpose,
            legal_basis: p.legal_basis,
            in_use: p.in_use,
            updated_at: p.updated_at,
        }
    }
}

/// The purposes of processing, each with its legal basis (R2). The
/// notice's list is the default.
#[utoipa::path(get, path = "/purposes", tag = "purposes",
    responses((status = 200, body = Vec<PurposeView>)), security(("bearer" = [])))]
async fn purposes(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PurposeView>>, ApiError> {
    allow(&caller, Resource::Purposes, Access::Read)?;
    Ok(Json(
        s.store
            .purposes()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// A purpose's configuration as a client sends it.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PurposeDraft {
    /// `consent`, `contract`, `legal_obligation`, `vital_interests`,
    /// `public_task` or `legitimate_interests`.
    pub legal_basis: Option<String>,
    pub in_use: Option<bool>,
}

/// Set a purpose's legal basis and whether it is in use (admin).
#[utoipa::path(put, path = "/purposes/{code}", tag = "purposes", params(("code" = String, Path)),
    request_body = PurposeDraft,
    responses((status = 200, body = PurposeView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
async fn set_purpose(
    State(s): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    JsonBody(draft): JsonBody<PurposeDraft>,
) -> Result<Json<PurposeView>, ApiError> {
    allow(&caller, Resource::Purposes, Access::Write)?;
    let purpose = Purpose::parse(&code).map_err(|_| ApiError::NotFound)?;
    let legal_basis =
        parse_field::<LegalBasis>("legal_basis", draft.legal_basis.as_deref().unwrap_or(""))?;
    let in_use = draft
        .in_use
        .ok_or_else(|| ApiError::field("in_use", "is required: true or false"))?;
    let setting = s
        .store
        .set_purpose(
            &caller.actor(Purpose::RegisterMaintenance),
            s.clock.now(),
            purpose,
            legal_basis,
            in_use,
        )
        .await?;
    Ok(Json(setting.into()))
}
